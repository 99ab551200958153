"""vCard file (2.1, 3.0 or 4.0, as phones and mail programs export them) -> contact Items.

The file is cut into cards at BEGIN:VCARD / END:VCARD lines first, and each card is read line by
line (vcf.py), so a property that cannot be read costs that line only: it is reported with its line
and the rest of the card is imported. Every card with a name (FN, else N) becomes a contact:

- email: the preferred EMAIL (PREF, else work, else the first); the others in `emails`, in the
  card's order. phone: the preferred TEL (PREF, then work, then cell, else the first); the others
  in `phones`.
- role: TITLE, else ROLE; account: the first part of ORG; the body: NOTE.
- family_name / given_name: the card's N, kept only where splitting the name at its last space
  would get it wrong ('Ludwig van Beethoven' filed under 'van Beethoven'), so an export files it
  as the card did.
- source_id: "vcard:<UID>" when the card has a UID. A UID "salesmd:<id>" (what `salesmd export
  contact --format vcard` writes) also names the record: the import updates the record with that
  id first; when no record has it (renamed, deleted), the card is matched as any other.

Two cards of one person (the same UID or an email in common; never two with different UIDs, one of
them `salesmd:<id>`: two records of an export) are one contact with every email, phone
and note of both, and two cards of one company one account, rather than an import-duplicate error
that would stop the whole file.

A company's own card (vCard 4.0 `KIND:org`, Apple's `X-ABShowAs:COMPANY`) is an account instead:
its name (ORG, else FN), phone, website (URL) and NOTE. A `KIND:group` card is skipped.

Properties salesmd has no key for (PHOTO, ADR, BDAY, ...; not the programs' own X- ones) are
counted in one note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import WARNING, Problem, Source
from .csv_import import decode as decode_table
from .export import split_name
from .plan import SAFE_ID, Item, Ref, phone_key
from .vcf import Prop, read_props

BEGIN = re.compile(r"^\s*BEGIN\s*:\s*VCARD\s*$", re.I)
END = re.compile(r"^\s*END\s*:\s*VCARD\s*$", re.I)
LINE_BREAK = re.compile(r"\r\n|\r|\n")
FOLD = re.compile(rb"\r?\n[ \t]")
USED = {"VERSION", "FN", "N", "EMAIL", "TEL", "TITLE", "ROLE", "ORG", "NOTE", "UID", "PRODID", "REV",
        "PROFILE", "NAME", "SOURCE", "KIND"}  # read, or about the file rather than the person


@dataclass
class Card:
    number: int  # 1-based position in the file
    line: int  # the BEGIN:VCARD line
    lines: list[str]
    closed: bool = True


@dataclass
class Cards:
    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # cards not read (warnings: the rest import)
    notes: list[str] = field(default_factory=list)
    count: int = 0


def decode(data: bytes) -> tuple[str, str]:
    """(text, how it was read), as for a CSV file; but a UTF-8 file whose folds cut a character in two
    (RFC 6350 3.2 allows it) is UTF-8: the cut bytes are kept (surrogateescape) until the lines are joined."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            FOLD.sub(b"", data).decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return data.decode("utf-8", "surrogateescape"), "UTF-8"
    text, how = decode_table(data)
    return text, ("Windows-1252 (the file is not UTF-8)" if how.startswith("Windows-1252") else how)


def split_cards(text: str) -> list[Card]:
    cards: list[Card] = []
    current: Card | None = None
    for number, line in enumerate(LINE_BREAK.split(text), start=1):
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


def _ranked(props: list[Prop], prefer: tuple[str, ...], strip: str, same=str.casefold) -> list[str]:
    """Each distinct value (by `same`): the preferred first (never a fax or pager while there is another),
    then the others in the card's order."""
    def rank(prop: Prop) -> tuple[bool, int]:
        return (bool(prop.types & {"fax", "pager"}),
                next((i for i, p in enumerate(prefer) if p in prop.types), len(prefer)))

    found = [(prop, re.sub(strip, "", prop.text().strip(), flags=re.I).strip()) for prop in props]
    found = [(prop, value) for prop, value in found if value]
    values: dict[str, str] = {}
    for _, value in sorted(found, key=lambda f: rank(f[0]))[:1] + found:
        values.setdefault(same(value), value)
    return list(values.values())


def _digits(phone: str) -> str:
    """'+1 (503) 555-0142' and '+1 503 555 0142' are one number."""
    return re.sub(r"[^0-9+]", "", phone) or phone


def _name(by: dict[str, list[Prop]]) -> tuple[str, dict]:
    """The contact's name, and its family_name / given_name when the name alone would file it wrongly."""
    name = " ".join(by["FN"][0].text().split()) if by.get("FN") else ""
    n = by["N"][0].parts(lists=" ") + [""] * 5 if by.get("N") else [""] * 5
    family, given, additional, prefix, suffix = (" ".join(p.split()) for p in n[:5])
    if not name:
        name = " ".join(p for p in (prefix, given, additional, family, suffix) if p)
    given = " ".join(p for p in (given, additional) if p)
    if name and (family or given) and split_name(name) != (family, given):
        return name, {"family_name": family or None, "given_name": given or None}
    return name, {}


def _first(by: dict[str, list[Prop]], *keys: str) -> str | None:
    return next((p.text().strip() for key in keys for p in by.get(key, []) if p.text().strip()), None)


def card_item(props: list[Prop], line: int, source: str, region: str | None = None) -> Item | str:
    """The contact (or, for a company's own card, the account) a card holds, or why it holds none."""
    by: dict[str, list[Prop]] = {}
    for prop in props:
        by.setdefault(prop.name, []).append(prop)
    kind = (_first(by, "KIND") or "individual").casefold()
    if kind == "group":
        return "is a group of contacts (KIND:group), not a person"
    org = next((" ".join(p.parts()[0].split()) for p in by.get("ORG", []) if p.parts()[0].strip()), None)
    name, filed = _name(by)
    company = kind == "org" or (_first(by, "X-ABSHOWAS") or "").upper() == "COMPANY"
    if company and (org or name):  # a company's own card (4.0 KIND:org, Apple's X-ABShowAs:COMPANY)
        phones = _ranked(by.get("TEL", []), ("pref", "work"), r"^tel:", lambda t: phone_key(t, region))
        values = {"name": org or name, "phone": phones[0] if phones else None, "website": _first(by, "URL")}
        item = Item("account", line, {k: v for k, v in values.items() if v is not None})
    elif not name:
        return "has no name (FN or N)"
    else:
        values = {"name": name}
        emails = _ranked(by.get("EMAIL", []), ("pref", "work"), r"^mailto:")
        phones = _ranked(by.get("TEL", []), ("pref", "work", "cell"), r"^tel:", lambda t: phone_key(t, region))
        values.update(email=emails[0] if emails else None, emails=emails[1:] or None,
                      phone=phones[0] if phones else None, phones=phones[1:] or None,
                      role=_first(by, "TITLE", "ROLE"), **filed)
        item = Item("contact", line, {k: v for k, v in values.items() if v is not None})
        if org:
            item.refs["account"] = [Ref(org)]
    uid = _first(by, "UID")
    if uid:
        item.source_id = f"{source}:{uid}"
        own = uid[len("salesmd:"):] if uid.startswith("salesmd:") else None
        if own and SAFE_ID.fullmatch(own):
            item.record_id = own
    notes = [p.text().replace("\r\n", "\n").replace("\r", "\n").strip() for p in by.get("NOTE", [])]
    body = "\n\n".join(n for n in notes if n)
    if body:
        item.body = "\n".join(ln.rstrip() for ln in body.split("\n")) + "\n"
    return item


def _identities(item: Item) -> list[tuple]:
    """What makes two cards one record: the UID; a contact's emails; an account's name."""
    keys: list[tuple] = [(item.type, "uid", item.source_id)] if item.source_id else []
    if item.type == "contact":
        keys += [("contact", "email", e.casefold()) for e in [item.values.get("email"), *item.values.get("emails", [])]
                 if e]
    else:
        keys.append((item.type, "name", item.values["name"].casefold()))
    return keys


def _apart(first: Item, later: Item) -> bool:
    """Two cards of two salesmd records are never one: two UIDs, different, one of them salesmd's own
    (an export writes `salesmd:<id>`, or the UID a record was imported with)."""
    return bool(first.source_id and later.source_id and first.source_id != later.source_id
                and (first.record_id or later.record_id))


def _merge(first: Item, later: Item, region: str | None = None) -> None:
    """`later` folded into `first`: every email and phone, the keys and links `first` lacks, both notes."""
    lists = ((("email", "emails", str.casefold), ("phone", "phones", lambda t: phone_key(t, region)))
             if first.type == "contact" else ())
    for one, many, same in lists:  # an account keeps one phone: its first card's
        values: dict[str, str] = {}
        for card in (first, later):
            for value in [card.values.get(one), *card.values.get(many, [])]:
                if value:
                    values.setdefault(same(value), value)
        merged = list(values.values())
        first.values.update({one: merged[0], many: merged[1:]} if merged else {})
        if not first.values.get(many):
            first.values.pop(many, None)
    for key, value in later.values.items():
        if not any(key in pair[:2] for pair in lists):
            first.values.setdefault(key, value)
    for key, refs in later.refs.items():
        first.refs.setdefault(key, refs)
    first.source_id = first.source_id or later.source_id
    first.record_id = first.record_id or later.record_id
    if later.body and later.body not in (first.body or ""):
        first.body = (first.body + "\n" if first.body else "") + later.body


def read_cards(text: str, path: str, source: str = "vcard", region: str | None = None) -> Cards:
    """The cards of `text` as Items; phones compared in E.164, read in `region` (the vault's phone_region)."""
    out = Cards()
    seen: dict[str, int] = {}
    same: dict[tuple, tuple[int, Item]] = {}  # a uid, email or account name -> the first card with it
    unused: dict[str, int] = {}  # property -> how many imported cards have it

    def warn(line: int, message: str) -> None:
        out.problems.append(Problem(Source(path, line), "import-vcard", message, WARNING))

    cards = split_cards(text)
    out.count = len(cards)
    for card in cards:
        if not card.closed:
            warn(card.line, f"card {card.number} has no END:VCARD line; skipped, the other cards are imported")
            continue
        key = "\n".join(ln.rstrip() for ln in card.lines)
        if key in seen:
            out.notes.append(f"{path}:{card.line}: card {card.number} repeats the card on line {seen[key]}: "
                             "imported once")
            continue
        seen[key] = card.line
        props, bad = read_props(card.lines, card.line)
        item = card_item(props, card.line, source, region)
        if isinstance(item, str):
            unread = "".join(f"; its {b.name or 'line'} on line {b.line} cannot be read ({b.why})" for b in bad)
            warn(card.line, f"card {card.number} {item}{unread}; skipped, the other cards are imported")
            continue
        for b in bad:
            what = f"the {b.name} line" if b.name else "a line"
            warn(b.line, f"card {card.number} ({item.values['name']}): {what} cannot be read ({b.why}); "
                         "that line is skipped, the rest of the card is imported")
        used = USED | ({"URL"} if item.type == "account" else set())
        for name in {p.name for p in props if p.name not in used and not p.name.startswith("X-")}:
            unused[name] = unused.get(name, 0) + 1
        number, first = next((same[k] for k in _identities(item) if k in same and not _apart(same[k][1], item)),
                             (card.number, item))
        if first is item:
            out.items.append(item)
        else:
            _merge(first, item, region)
            out.notes.append(f"{path}:{card.line}: card {card.number} is the same {item.type} as card {number} "
                             f"({first.values['name']}): imported as one, with every email, phone and note of both")
        for k in _identities(first):
            same.setdefault(k, (number, first))
    out.items.sort(key=lambda i: i.type != "account")  # a company's card before the people who name it
    if unused:
        out.notes.append(f"{path}: not imported, salesmd has no key for them: "
                         + ", ".join(f"{k} ({n} card{'s' * (n != 1)})" for k, n in sorted(unused.items())))
    return out
