"""Likely duplicates among leads, contacts and accounts, each group with why.

Two records of one type are likely one when they share an email address (any case), a phone
number (in E.164: phones.py), or a name once normalised (case, accents, punctuation, `&` as
`and`; a company's legal suffixes such as Inc, LLC, GmbH, Ltd, S.A. set aside; a person's name
in any word order), or when their names are close (difflib's ratio of the normalised names at
least CLOSE). Exact keys are gathered in dicts, so their cost is one pass. Close names are only
compared within blocks: the names sharing a word, or their first four letters (and only names
whose lengths let the ratio reach CLOSE); a block of more than MAX_BLOCK names (a word as common
as "smith") is not compared pairwise. So the work grows with the records, never with their square.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..model import Record, unaccented
from ..phones import e164, email_key, emails_of, phones_of

CLOSE = 0.91  # "Jon Smith" ~ "John Smith" (0.95) and "Harbor" ~ "Harbour Freight" are; "Tom" ~ "Tim Becker" (0.90) is not
MAX_BLOCK = 50
LEGAL = frozenset("""inc incorporated llc llp lp ltd limited corp corporation co company gmbh mbh ag kg ohg ug
    sa sas sarl srl spa sl bv nv plc pty pte oy ab as aps kk pvt and""".split())
# Which names each type is compared by, and how each is normalised.
NAMES = {"account": (("name", "company"),), "contact": (("name", "person"),),
         "lead": (("name", "company"), ("company", "company"), ("person", "person"))}


def _words(text: str) -> list[str]:
    plain = unaccented(text.casefold().replace("&", " and "))
    plain = re.sub(r"(?<=\b\w)\.(?=\w\b)", "", plain)  # S.A. -> sa, U.S. -> us
    return re.findall(r"\w+", plain.replace("_", " "))


def company_key(name: str) -> str:
    """'Acme, Inc.' and 'ACME Inc' -> 'acme'; 'Müller GmbH & Co. KG' -> 'muller'."""
    words = _words(name)
    kept = list(words)
    while len(kept) > 1 and kept[-1] in LEGAL:
        kept.pop()
    if kept and kept[0] == "the" and len(kept) > 1:
        kept.pop(0)
    return " ".join(kept)


def person_key(name: str) -> str:
    """'Mendes, Carla' and 'carla  MENDES' -> 'carla mendes' (the words sorted)."""
    return " ".join(sorted(_words(name)))


NORMALISE = {"company": company_key, "person": person_key}


@dataclass
class Reason:
    rule: str  # email, phone, name, company, person, close-name, close-company, close-person
    value: str
    ids: list[str]
    written: list[str] = field(default_factory=list)  # the values as the records have them

    def text(self) -> str:
        if self.rule.startswith("close-"):
            return f"close {self.rule[6:]}s {' ~ '.join(repr(w) for w in self.written)} ({self.value})"
        forms = list(dict.fromkeys(self.written))
        if self.rule == "phone":  # the number, then how each record writes it
            return f"same phone {self.value} ({', '.join(repr(w) for w in forms)})"
        also = f" (also written {', '.join(repr(w) for w in forms[1:])})" if len(forms) > 1 else ""
        return f"same {self.rule} {forms[0]!r}{also}" if self.rule != "email" else f"same email {forms[0]}{also}"


@dataclass
class Group:
    type: str  # "lead" for an open lead and the contact it already is (`known` True)
    records: list[Record]
    reasons: list[Reason]
    known: bool = False

    @property
    def suggest(self) -> list[str]:
        """The commands that would make the group one record."""
        first, *others = self.records
        if self.known:
            return [f"salesmd convert {first.id} --contact {other.id}" for other in others]
        return [f"salesmd merge {first.id} {other.id}" for other in others]


@dataclass
class DupesReport:
    groups: list[Group]
    compared: int

    def as_dict(self) -> dict[str, Any]:
        return {"compared": self.compared, "groups": [
            {"type": g.type, "known_contact": g.known, "suggest": g.suggest,
             "records": [{"id": r.id, "path": r.path, "name": r.title} for r in g.records],
             "reasons": [{"rule": x.rule, "value": x.value, "ids": x.ids, "written": x.written} for x in g.reasons]}
            for g in self.groups]}


def find_dupes(vault, types: Iterable[str]) -> DupesReport:
    groups: list[Group] = []
    compared = 0
    for type_ in types:
        records = vault.of_type(type_)
        compared += len(records)
        groups += _groups(type_, records, vault.config.phone_region)
    if "lead" in types and "contact" in types:
        groups += _known_contacts(vault)
    return DupesReport(groups, compared)


def _known_contacts(vault) -> list[Group]:
    """Open leads whose email or phone a contact already has: not a record to merge (they are of
    two types) but a lead to convert with that contact. One pass over each type, by dict."""
    region = vault.config.phone_region
    reach: dict[tuple[str, str], list[tuple[Record, str]]] = {}
    for contact in vault.of_type("contact"):
        for rule, value, written in _keys(contact, "", region):
            reach.setdefault((rule, value), []).append((contact, written))
    pipeline = vault.config.pipelines["lead"]
    out = []
    for lead in vault.of_type("lead"):
        stage = pipeline.get(lead.get("stage"))
        if lead.get("converted_to") or (stage is not None and stage.terminal):
            continue
        found: dict[str, tuple[Record, list[Reason]]] = {}
        for rule, value, written in _keys(lead, "", region):
            for contact, theirs in reach.get((rule, value), []):
                found.setdefault(contact.path, (contact, []))[1].append(
                    Reason(rule, value, [lead.id, contact.id], [written, theirs]))
        out += [Group("lead", [lead, contact], reasons, known=True) for contact, reasons in found.values()]
    return out


def _keys(record: Record, type_: str, region: str | None):
    """(rule, value, as written) for each exact key of a record."""
    for address in emails_of(record):
        yield "email", email_key(address), address
    for number in phones_of(record):
        found = e164(number, region)
        if found:
            yield "phone", found, number
    for key, kind in NAMES.get(type_, ()):
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            normal = NORMALISE[kind](value)
            if normal:
                yield key, normal, value


def _groups(type_: str, records: list[Record], region: str | None) -> list[Group]:
    parent = list(range(len(records)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    exact: dict[tuple[str, str], dict[int, str]] = {}
    names: dict[str, dict[str, set[int]]] = {}  # name key -> normalised name -> records
    for i, record in enumerate(records):
        for rule, value, written in _keys(record, type_, region):
            exact.setdefault((rule, value), {}).setdefault(i, written)
            if rule not in ("email", "phone"):
                names.setdefault(rule, {}).setdefault(value, set()).add(i)
    found: list[tuple[list[int], Reason]] = []
    for (rule, value), holders in exact.items():
        if len(holders) > 1:
            ids = sorted(holders)
            for j in ids[1:]:
                join(ids[0], j)
            found.append((ids, Reason(rule, value, [records[i].id for i in ids], [holders[i] for i in ids])))
    for rule, by_name in names.items():
        for (a, b), score in _close_pairs(by_name):
            ids = sorted(by_name[a] | by_name[b])
            for j in ids[1:]:
                join(ids[0], j)
            written = [str(records[min(by_name[n])].get(rule)) for n in (a, b)]
            found.append((ids, Reason(f"close-{rule}", f"{score:.2f}", [records[i].id for i in ids], written)))
    members: dict[int, list[int]] = {}
    for i in range(len(records)):
        members.setdefault(root(i), []).append(i)
    by_group: dict[int, list[Reason]] = {}
    for held, reason in found:  # one pass: each reason to its group
        by_group.setdefault(root(held[0]), []).append(reason)
    out = []
    for top, ids in sorted(members.items()):
        if len(ids) < 2:
            continue
        reasons = by_group[top]
        ordered = sorted((records[i] for i in ids), key=_first)
        place = {r.id: n for n, r in enumerate(ordered)}
        for reason in reasons:  # each reason's records (and their values as written) in the group's order
            if reason.rule.startswith("close-"):  # written: the two names, not one per record
                reason.ids.sort(key=place.__getitem__)
                continue
            pairs = sorted(zip(reason.ids, reason.written), key=lambda p: place[p[0]])
            reason.ids, reason.written = [i for i, _ in pairs], [w for _, w in pairs]
        out.append(Group(type_, ordered, reasons))
    return out


def _first(record: Record) -> tuple:
    """The record a group lists first, and `merge` is suggested to keep: the oldest (`created`),
    then the shortest id (an import's second copy is `carla-mendes-2`), then by path."""
    created = record.get("created")
    return (created.isoformat() if isinstance(created, dt.date) else "9999", len(record.id), record.path)


def _close_pairs(by_name: dict[str, set[int]]):
    """((name, name), ratio) for the close, different normalised names, compared within blocks."""
    blocks: dict[str, list[str]] = {}
    for name in by_name:
        for word in {*name.split(), "^" + name[:4]}:
            blocks.setdefault(word, []).append(name)
    seen: set[tuple[str, str]] = set()
    for block in blocks.values():
        if len(block) < 2 or len(block) > MAX_BLOCK:
            continue
        block.sort()
        for n, a in enumerate(block):
            matcher = difflib.SequenceMatcher(None, autojunk=False)
            matcher.set_seq2(a)  # what it learns of `a` is kept for every `b`
            for b in block[n + 1:]:
                if 2 * min(len(a), len(b)) < CLOSE * (len(a) + len(b)) or (a, b) in seen:
                    continue  # lengths too far apart for the ratio to reach CLOSE, or compared already
                seen.add((a, b))
                matcher.set_seq1(b)
                if matcher.quick_ratio() >= CLOSE:
                    score = matcher.ratio()
                    if score >= CLOSE:
                        yield (a, b), score
