"""Importing: the Items a reader makes of a file, and the one ChangeSet they become.

Readers (csv_import, vcard) turn each row or card into an Item: typed values, the source's own
record id and the names of the records it links to. `plan_import` matches every item with the
record it updates, first by `source_id` ("<source>:<id>", e.g. "hubspot:12345"), else by a natural
key (a contact's email, an account's name, a deal's name and account); finds or creates once the
accounts and contacts the rows name; and plans every write into one ChangeSet. A value the record
already has is not written again, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from ..dates import date_keys
from ..model import FOLDERS, Problem, Record, Source, id_key, parse_link
from ..phones import e164
from ..schema import KEYS, LINK_TARGETS, REQUIRED
from ..store.vault import Vault
from ..write.changes import ChangeSet
from ..write.files import Snapshot
from ..write.records import PlanError, free_id, link_to, plan_new, slugify
from ..write.yamledit import set_keys

SOURCE_KEY = "source_id"
TITLE_KEY = {"activity": "subject", "task": "subject", "note": "title"}
ID_SUFFIX = {"account": "account", "contact": "contact", "opportunity": "deal", "lead": "lead"}
SAFE_ID = re.compile(r"[^\W_][\w .-]{0,150}")  # an id kept from a salesmd export: a plain file name
CREATED_FROM = {"account": ("account",), "contacts": ("contact",)}  # refs found by name, else created


@dataclass(frozen=True)
class Ref:
    """A record named in a cell: its name (or id), and for a contact maybe an email."""

    text: str
    email: str | None = None


@dataclass
class Item:
    type: str
    line: int  # where the row or card starts in the file read
    values: dict[str, Any]
    source_id: str | None = None
    refs: dict[str, list[Ref]] = field(default_factory=dict)  # link key -> records it names
    record_id: str | None = None  # the salesmd id it has (a salesmd export's id column)
    body: str | None = None  # a new record's Markdown body; an existing one gets it only if its own is empty


@dataclass
class Entry:
    action: str  # create, update, unchanged
    type: str
    rel: str
    line: int
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # key -> (old, new)
    named: bool = False  # created because a row named it (an account or contact of a deal)


@dataclass
class Plan:
    changes: ChangeSet
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # written path -> the line that wrote it


# Letters that Unicode does not decompose into a base letter and an accent (NFKD keeps them whole),
# so slugify would drop them: 'Østerby Havn' would become 'sterby-havn'.
def title_key(type_: str) -> str:
    return TITLE_KEY.get(type_, "name")


def _fold(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


class _Planner:
    def __init__(self, vault: Vault, path: str, message: str, today: dt.date, now: dt.datetime):
        self.vault, self.path, self.today, self.now = vault, path, today, now
        self.plan = Plan(ChangeSet(vault.root, message))
        self.taken: set[str] = set()
        self.claimed: dict[str, int] = {}  # casefolded id -> line of the item that took it
        self.index: dict[tuple, list[str]] = {}  # (type, kind, value) -> ids, existing and new
        self.records: dict[str, tuple[str, dict]] = {}  # casefolded id -> (type, data), new ones too
        self.ids: dict[str, str] = {}  # casefolded id -> id as written
        for record in vault.records:
            self._remember(record.id, record.type, record.data)

    # -- indexes over the vault and what this import creates

    def _remember(self, id_: str, type_: str, data: dict) -> None:
        self.records[id_key(id_)] = (type_, data)
        self.ids[id_key(id_)] = id_
        for kind, value in self._keys(type_, data).items():
            self.index.setdefault((type_, kind, value), []).append(id_)
        for other in _others(data.get("emails")):  # a contact's other addresses find it too
            known = self.index.setdefault((type_, "email", other.casefold()), [])
            if id_ not in known:
                known.append(id_)

    def _keys(self, type_: str, data: dict) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if isinstance(data.get(SOURCE_KEY), str):
            out["source"] = data[SOURCE_KEY]
        title = data.get(title_key(type_))
        if isinstance(title, str) and title.strip():
            out["name"] = _fold(title)
        if isinstance(data.get("email"), str) and data["email"].strip():
            out["email"] = data["email"].strip().casefold()
        account = parse_link(data.get("account"))
        if type_ == "opportunity" and "name" in out:
            out["deal"] = (out["name"], account.key if account else "")
        when = data.get({"activity": "start", "task": "due"}.get(type_, ""))
        if "name" in out and when is not None:
            out["when"] = (out["name"], str(when))
        return out

    def _find(self, type_: str, kind: str, value: Any, source: str | None = None) -> list[str]:
        found = self.index.get((type_, kind, value), [])
        if source and kind not in ("source", "email"):  # not another record of the same source
            prefix = source.split(":", 1)[0] + ":"
            found = [i for i in found if not str(self.records[id_key(i)][1].get(SOURCE_KEY) or "")
                     .startswith(prefix)]
        return found

    def problem(self, line: int, code: str, message: str) -> None:
        self.plan.problems.append(Problem(Source(self.path, line), f"import-{code}", message))

    # -- creating and resolving

    def create(self, type_: str, values: dict, line: int, named: bool = False, wanted: str | None = None,
               body: str | None = None) -> str:
        """A new record, with the id `wanted` when it is a safe, free file name, else one from its name."""
        name = str(values[title_key(type_)])
        while True:
            if wanted and SAFE_ID.fullmatch(wanted) and self.vault.get(wanted) is None \
                    and id_key(wanted) not in self.taken and id_key(wanted) not in self.vault.broken \
                    and not (self.vault.root / FOLDERS[type_] / f"{wanted}.md").exists():
                new_id = wanted
            else:
                new_id = free_id(self.vault, slugify(name), self.taken, ID_SUFFIX.get(type_))
            if not (self.vault.root / FOLDERS[type_] / f"{new_id}.md").exists():
                break
            self.taken.add(id_key(new_id))  # a file that is not a record holds the name
        plan_new(self.vault, self.plan.changes, type_, name, values, self.today, self.now,
                 record_id=new_id, taken=self.taken)
        if body:
            new = self.plan.changes.changes[-1]
            new.after = _with_body(new.after, body)
        rel = f"{FOLDERS[type_]}/{new_id}.md"
        self.plan.entries.append(Entry("create", type_, rel, line, named=named))
        self.plan.lines.setdefault(rel, line)
        self._remember(new_id, type_, values)
        return new_id

    def resolve(self, key: str, ref: Ref, item: Item, account: str | None) -> str | None:
        """The id a named record has (found by id, email or name), creating accounts and contacts."""
        allowed = LINK_TARGETS.get(item.type, {}).get(key, ())
        if ref.email:
            for type_ in allowed:
                found = self._find(type_, "email", ref.email.casefold())
                if found:
                    return found[0]
        for type_ in allowed:
            found = self._find(type_, "name", _fold(ref.text))
            if found:
                return found[0]
            for candidate in (ref.text.strip(), slugify(ref.text)):
                known = self.records.get(id_key(candidate))
                if known is not None and known[0] == type_:
                    return self.ids[id_key(candidate)]
        if key not in CREATED_FROM:
            self.problem(item.line, "link", f"'{ref.text}' ({key}) is not the id or name of a "
                                            f"{' or '.join(allowed)} in the vault")
            return None
        type_ = CREATED_FROM[key][0]
        values: dict[str, Any] = {"name": ref.text}
        if type_ == "contact":
            values.update(account=link_to(account) if account else None, email=ref.email)
        if isinstance(item.values.get("owner"), str):
            values["owner"] = item.values["owner"]
        return self.create(type_, {k: v for k, v in values.items() if v is not None}, item.line, named=True)

    def links(self, item: Item) -> dict[str, Any]:
        out: dict[str, Any] = {}
        account = None
        for key in sorted(item.refs, key=lambda k: k != "account"):  # the account first: contacts join it
            kind = KEYS[item.type].get(key)
            ids = [self.resolve(key, ref, item, account) for ref in item.refs[key]]
            ids = list(dict.fromkeys(i for i in ids if i))
            if key == "account" and ids:
                account = ids[0]
            if ids:
                out[key] = link_to(ids[0]) if kind == "link" else [link_to(i) for i in ids]
        return out

    # -- one item

    def match(self, item: Item, values: dict) -> str | None:
        if item.record_id:
            known = self.records.get(id_key(item.record_id))
            if known is not None and known[0] == item.type:
                return self.ids[id_key(item.record_id)]
        if item.source_id:
            found = self._find(item.type, "source", item.source_id)
            if found:
                return found[0]
        keys = self._keys(item.type, values)
        kind = {"contact": "email" if "email" in keys else "name", "lead": "email" if "email" in keys else "name",
                "account": "name", "opportunity": "deal", "activity": "when", "task": "when"}.get(item.type, "name")
        if kind not in keys:
            return None
        found = self._find(item.type, kind, keys[kind], item.source_id)
        for other in _others(values.get("emails")) if kind == "email" else ():
            found = found or self._find(item.type, kind, other.casefold(), item.source_id)  # its main one changed
        if len(found) > 1:
            self.problem(item.line, "ambiguous", f"matches {len(found)} {FOLDERS[item.type]} "
                                                 f"({', '.join(sorted(found))}); give the rows a source id column"
                                                 + (", or, if they are one person, see `salesmd dupes` and "
                                                    "join them with `salesmd merge`" if item.type == "contact"
                                                    else ""))
            return None
        return found[0] if found else None

    def add(self, item: Item) -> None:
        values = dict(item.values, **self.links(item))
        if item.source_id:
            values[SOURCE_KEY] = item.source_id
        values = _ordered(item.type, values)
        target = self.match(item, values)
        if target is not None and id_key(target) in self.claimed:
            self.problem(item.line, "duplicate", f"is the same {item.type} ({target}) as line "
                                                 f"{self.claimed[id_key(target)]}; import it once")
            return
        existing = self.vault.get(target) if target else None
        if target is not None and existing is None:  # made by this import from a row naming it
            self.problem(item.line, "duplicate", f"is the {item.type} {target} that an earlier row named; "
                                                 "import the rows that name it after this one")
            return
        merged = dict(existing.data if existing else {}, **values)
        if not self.complete(item, merged, existing):
            return
        if existing is None:
            new_id = self.create(item.type, values, item.line, wanted=item.record_id, body=item.body)
            self.claimed[id_key(new_id)] = item.line
            return
        self.claimed[existing.key] = item.line
        self.update(item, existing, values)

    def complete(self, item: Item, merged: dict, existing: Record | None) -> bool:
        ok = True
        for key in REQUIRED[item.type]:
            if merged.get(key) in (None, "", []):
                self.problem(item.line, "missing", f"the {item.type} has no {key} (its cell is empty)")
                ok = False
        pipeline = self.vault.config.pipelines.get(item.type)
        if pipeline is not None and ok:
            old, new = pipeline.get(existing.get("stage")) if existing else None, pipeline.get(merged.get("stage"))
            if old is not None and old.terminal and new is not None and new.name != old.name:
                self.problem(item.line, "terminal", f"{existing.path} is '{old.name}', a terminal stage, and the "
                                                    f"file says '{new.name}': a record in a terminal stage stays there")
                ok = False
            missing = [k for k in (new.requires if new else ()) if merged.get(k) in (None, "", [])]
            if missing:
                self.problem(item.line, "requires", f"stage '{new.name}' requires {', '.join(missing)}, "
                                                    f"which the row leaves empty (fill the cell, or give every "
                                                    f"such row a value with --default {missing[0]}=TEXT)")
                ok = False
        return ok

    def update(self, item: Item, record: Record, values: dict) -> None:
        changed: dict[str, Any] = {}
        for key, new in values.items():
            old = record.get(key)
            if key == SOURCE_KEY and (old not in (None, "") or str(new).endswith(f":salesmd:{record.id}")):
                continue  # matched by email or name: keep the id it has; salesmd's own export names it already
            kind = KEYS[record.type].get(key)
            if kind == "links":
                have = [str(v) for v in old] if isinstance(old, list) else ([str(old)] if old else [])
                keys = {parse_link(v).key for v in have if parse_link(v)}
                extra = [v for v in new if parse_link(v).key not in keys]
                if extra:
                    changed[key] = have + extra
            elif kind == "link":
                if (parse_link(old).key if parse_link(old) else None) != parse_link(new).key:
                    changed[key] = new
            elif key == "email" and isinstance(old, str) and isinstance(new, str):
                if old.strip().casefold() != new.strip().casefold():  # JANE@ and jane@ are one address
                    changed[key] = new
            elif key in ("phone", "phones") and _phones_same(old, new, self.vault.config.phone_region):
                continue
            elif not _equal(old, new):
                changed[key] = new
        body = item.body if item.body and not self.vault.body(record).strip() else None
        entry = Entry("update" if changed or body else "unchanged", record.type, record.path, item.line,
                      {k: (record.get(k), v) for k, v in changed.items()})
        if body:
            entry.changes["body"] = (None, body.splitlines()[0] + (" ..." if "\n" in body.strip() else ""))
        self.plan.entries.append(entry)
        if not changed and not body:
            return
        before = Snapshot.read(self.vault.root / record.path)
        try:
            after = set_keys(before.text, changed, date_keys(record.type)) if changed else before.text
        except (ValueError, UnicodeDecodeError) as e:
            self.problem(item.line, "edit", f"{record.path} cannot be updated: {e}")
            return
        if body:
            after = _with_body(after, body)
        self.plan.changes.add_edit(record.path, before, after)
        self.plan.lines.setdefault(record.path, item.line)


def phone_key(text: str, region: str | None) -> str:
    """A number as import compares it: E.164 as `salesmd dupes` does (read in `region`), else its digits."""
    return e164(text, region) or re.sub(r"[^0-9+]", "", text) or text


def _phones_same(old: Any, new: Any, region: str | None) -> bool:
    """One number, or one list of numbers, however each is written ('(503) 555-0143', '+1 503-555-0143')."""
    olds, news = _others(old), _others(new)
    if not olds or len(olds) != len(news) or not all(isinstance(v, str) for v in news):
        return False
    return [phone_key(o, region) for o in olds] == [phone_key(n, region) for n in news]


def _others(value: Any) -> list[str]:
    """The addresses of an `emails` list (or a single one written without brackets)."""
    values = value if isinstance(value, list) else [value]
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def _with_body(text: str, body: str) -> str:
    """`text` with `body` after its front matter and any body it has, in the file's own line ends."""
    newline = "\r\n" if "\r\n" in text else "\n"
    text = text.rstrip("\r\n") + newline
    return text + body.replace("\n", newline)


def _equal(old: Any, new: Any) -> bool:
    """Equal as front-matter values: 48000 and 48000.0 are, a date and a datetime are not."""
    if isinstance(old, bool) or isinstance(new, bool):
        return old is new
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return old == new
    return type(old) is type(new) and old == new


def _ordered(type_: str, values: dict) -> dict:
    """Known keys in the schema's order, then custom keys as the file gave them, source_id last."""
    order = list(KEYS[type_])
    known = [k for k in order if k in values and k != SOURCE_KEY]
    custom = [k for k in values if k not in order and k != SOURCE_KEY]
    return {k: values[k] for k in known + custom + [SOURCE_KEY] if k in values and values[k] not in (None, [], "")}


def plan_import(vault: Vault, items: list[Item], *, path: str, message: str, today: dt.date,
                now: dt.datetime, track=None) -> Plan:
    """Every item as a create or an update, in one ChangeSet; problems carry `path` and the item's line.
    `track(items, label, length)`, when given, counts the items as they are planned (a bar)."""
    planner = _Planner(vault, path, message, today, now)
    for item in track(items, "Planning the records", len(items)) if track else items:
        try:
            planner.add(item)
        except PlanError as e:
            planner.problem(item.line, "plan", str(e))
    planner.plan.problems.sort(key=lambda p: (p.source.line, p.code, p.message))
    return planner.plan
