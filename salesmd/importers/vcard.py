"""vCard file (2.1, 3.0 or 4.0, as phones and mail programs export them) -> contact Items.

The file is cut into cards at BEGIN:VCARD / END:VCARD lines first, so one card that cannot be
read (reported with its number and line) does not stop the others. Each card is parsed by
vobject; a contact gets its name (FN, else N), email, phone, role (TITLE, else ROLE) and account
(the first part of ORG), and `source_id: "vcard:<UID>"` when the card has a UID.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import WARNING, Problem, Source
from . import Item, Ref

BEGIN = re.compile(r"^\s*BEGIN\s*:\s*VCARD\s*$", re.I)
END = re.compile(r"^\s*END\s*:\s*VCARD\s*$", re.I)
FAILED_LINE = re.compile(r"Failed to parse line: (.*)$", re.S)
AT_LINE = re.compile(r"^At line \d+:\s*")


@dataclass
class Card:
    number: int  # 1-based position in the file
    line: int  # the BEGIN:VCARD line
    lines: list[str]
    closed: bool = True

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


@dataclass
class Cards:
    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # cards not read (warnings: the rest import)
    notes: list[str] = field(default_factory=list)
    count: int = 0


def split_cards(text: str) -> list[Card]:
    cards: list[Card] = []
    current: Card | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if BEGIN.match(line):
            if current is not None:  # the previous card never ended
                current.closed = False
                cards.append(current)
            current = Card(len(cards) + 1, number, [line.strip()])
        elif current is not None:
            current.lines.append(line)
            if END.match(line):
                cards.append(current)
                current = None
    if current is not None:
        current.closed = False
        cards.append(current)
    return cards


def _pick(lines, prefer: tuple[str, ...] = ("pref", "work")):
    """The value of the preferred property among several (TYPE=pref or PREF=1, then work, then the first)."""
    def rank(line) -> int:
        types = {t.strip().casefold() for v in line.params.get("TYPE", []) for t in v.split(",")}
        types |= {k.casefold() for k in line.params if k.upper() not in ("TYPE", "VALUE", "CHARSET", "ENCODING")}
        if "PREF" in line.params:
            types.add("pref")
        return next((i for i, p in enumerate(prefer) if p in types), len(prefer))

    values = [line for line in lines if isinstance(line.value, str) and line.value.strip()]
    return min(values, key=rank).value.strip() if values else None


def card_item(card, line: int, source: str) -> Item | str:
    """The contact a parsed card holds, or why it holds none."""
    contents = card.contents
    name = _pick(contents.get("fn", []), ())
    if not name and "n" in contents:
        n = contents["n"][0].value
        parts = [getattr(n, k, "") for k in ("prefix", "given", "additional", "family", "suffix")]
        name = " ".join(" ".join(p) if isinstance(p, list) else str(p) for p in parts if p).strip()
        name = " ".join(name.split())
    if not name:
        return "has no name (FN or N)"
    values: dict = {"name": name}
    email = _pick(contents.get("email", []))
    if email:
        values["email"] = re.sub(r"^mailto:", "", email, flags=re.I)
    phone = _pick(contents.get("tel", []), ("pref", "work", "cell"))
    if phone:
        values["phone"] = re.sub(r"^tel:", "", phone, flags=re.I)
    role = _pick(contents.get("title", []), ()) or _pick(contents.get("role", []), ())
    if role:
        values["role"] = role
    item = Item("contact", line, values)
    uid = _pick(contents.get("uid", []), ())
    if uid:
        item.source_id = f"{source}:{uid}"
    orgs = [o.value for o in contents.get("org", [])]
    org = orgs[0] if orgs else None
    org = (org[0] if org else "") if isinstance(org, list) else org
    if isinstance(org, str) and org.strip():
        item.refs["account"] = [Ref(org.strip())]
    return item


def read_cards(text: str, path: str, source: str = "vcard") -> Cards:
    import vobject  # noqa: PLC0415 - only the vCard commands need it

    out = Cards()
    seen: dict[str, int] = {}

    def skip(card: Card, line: int, why: str) -> None:
        out.problems.append(Problem(Source(path, line), "import-vcard",
                                    f"card {card.number} {why}; skipped, the other cards are imported", WARNING))

    cards = split_cards(text)
    out.count = len(cards)
    for card in cards:
        if not card.closed:
            skip(card, card.line, "has no END:VCARD line")
            continue
        try:
            parsed = vobject.readOne(card.text, ignoreUnreadable=False)
        except Exception as e:  # vobject raises more than ParseError on odd input; any is "unreadable"
            message = AT_LINE.sub("", str(e).strip()) or type(e).__name__
            line = card.line
            m = FAILED_LINE.search(message)
            if m:
                bad = m.group(1).strip()
                line = next((card.line + i for i, ln in enumerate(card.lines) if ln.strip() == bad), card.line)
            skip(card, line, f"cannot be read: {message}")
            continue
        key = "\n".join(ln.rstrip() for ln in card.lines)
        if key in seen:
            out.notes.append(f"{path}:{card.line}: card {card.number} repeats the card on line {seen[key]}: "
                             "imported once")
            continue
        seen[key] = card.line
        item = card_item(parsed, card.line, source)
        if isinstance(item, str):
            skip(card, card.line, item)
            continue
        out.items.append(item)
    return out
