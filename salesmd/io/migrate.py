"""`salesmd migrate`: an existing notes vault (Obsidian's, say) brought in by minimal-diff edits.

Every note whose `type` the mapping names, and every record already there, is edited where it
lies (nothing moves): its type mapped; its keys renamed (only the key's characters change); the
values salesmd would read otherwise fixed (a quoted date on a date key, a phone number YAML reads
as a number, the name of a record on a link key, an unquoted [[link]]); and the keys its type
requires added, from the mapping's defaults or else a placeholder that the summary lists. Notes
without a type, of a type not mapped, and templates are left alone. The edits make one ChangeSet,
written whole or not at all; a second run finds nothing to do.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import CONFIG_NAME, Config
from ..model import Problem, Source, a, id_key, id_of, parse_link
from ..render.output import count
from ..schema import KEYS, LINK_TARGETS, REQUIRED, WHEN_KEY
from ..store.files import read_regular, why_not_a_file
from ..store.frontmatter import DATE_RE, DATETIME_RE, parse_yaml, split
from ..store.vault import as_date
from ..store.walk import walk
from ..write.changes import ChangeSet
from ..write.files import Snapshot
from ..write.yamledit import rename_keys, render_value, set_items, set_keys, value_texts
from .migrate_map import MigrateMap, Rule
from .obsidian import date_in_name, in_folder, is_template, template_folders
from .plan import title_key

@dataclass
class Entry:
    """One file's migration, in words."""

    rel: str
    type: str
    edits: list[str] = field(default_factory=list)
    placeholders: list[tuple[int, str]] = field(default_factory=list)  # (line, "stage: new (why)")
    unlinked: list[tuple[str, str]] = field(default_factory=list)  # (key, a name left as text and why)


@dataclass
class Plan:
    changes: ChangeSet
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # what was left alone, in words
    unlinked: list[tuple[str, int, str]] = field(default_factory=list)  # (path, line, a name left as text and why)


@dataclass
class _Note:
    rel: str
    snapshot: Snapshot
    written_type: str  # the note's type as it was written
    rule: Rule
    renames: dict[str, str]  # old key -> new, for the keys the note has
    data: dict  # its front matter, keys renamed
    fill: dict  # the defaults for it

    @property
    def title(self) -> str:
        key = title_key(self.rule.type)
        for value in (self.data.get(key), self.fill.get(key)):
            if isinstance(value, str) and value.strip():
                return value
        return id_of(self.rel)


def plan_migration(root: Path, config: Config, mapping: MigrateMap, today: dt.date) -> Plan:
    """Every edit the migration makes, as one ChangeSet, with what it did and left alone in words."""
    plan = Plan(ChangeSet(root, ""))
    folders = template_folders(root)
    notes, templates, others = _read_notes(root, config, mapping, folders, plan)
    names = _Names(notes, others)
    for note in notes:
        _plan_note(note, names, config, today, plan)
    _ignore_templates(root, config, [f for f in folders if templates.get(f)], plan)
    kinds = Counter(e.type for e in plan.entries if e.rel != CONFIG_NAME)
    plan.changes.message = (f"migrate {count(sum(kinds.values()), 'note')}: "
                            + ", ".join(count(n, t) for t, n in sorted(kinds.items())))
    return plan


# ------------------------------------------------------------------------------ reading

def _read_notes(root: Path, config: Config, mapping: MigrateMap, folders: list[str],
                plan: Plan) -> tuple[list[_Note], Counter, list[tuple[str, Any, str]]]:
    notes: list[_Note] = []
    others: list[tuple[str, Any, str]] = []  # notes of types not mapped: (path, name, type as written)
    templates: Counter = Counter()
    untyped, unmapped = 0, Counter()
    for rel, stamp in walk(root, config):
        folder = in_folder(rel, folders)
        if folder is not None:
            templates[folder] += 1
            continue
        path = str(root / rel)
        if stamp is None and why_not_a_file(root, path) is not None:
            continue  # check says what it is
        try:
            raw = read_regular(path, config.max_file_size)
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # check says why
        parts = split(text)
        if not parts.has_front_matter or parts.unclosed:
            untyped += not parts.unclosed
            continue
        parsed = parse_yaml(parts.yaml_text, parts.yaml_line)
        data = parsed.data if isinstance(parsed.data, dict) else None
        typed = {mapping.keys.get(k, k): v for k, v in data.items()} if data is not None else {}
        found = mapping.rule_for(typed.get("type"))
        if parsed.issues:
            if found is not None or (data is None and re.search(r"^type\s*:", parts.yaml_text, re.M)):
                issue = parsed.issues[0]
                plan.problems.append(Problem(Source(rel, issue.line), "migrate-unreadable",
                                             f"{issue.message}; fix the front matter, then migrate again"))
            continue
        if data is None or "type" not in typed:
            untyped += 1
            continue
        if found is None:
            unmapped[str(typed["type"])] += 1
            others.append((rel, typed.get("name"), str(typed["type"])))
            continue
        if is_template(parts.yaml_text):
            plan.left.append(f"{rel}: its front matter holds template commands (<% %> or {{{{ }}}}), so it is a "
                             f"template, not a record; add it to ignore: in {CONFIG_NAME}")
            continue
        written, rule = found
        renames = {k: new for k, new in mapping.renames(rule).items() if k in data and new != k}
        names = [renames.get(k, k) for k in data]
        clash = next((k for k in data if k in renames and names.count(renames[k]) > 1), None)
        if clash is not None:
            other = next(k for k in data if k != clash and renames.get(k, k) == renames[clash])
            plan.problems.append(Problem(Source(rel, parsed.key_lines.get(clash, 1)), "migrate-key-clash",
                                         f"'{clash}' would be renamed '{renames[clash]}', and '{other}' (line "
                                         f"{parsed.key_lines.get(other, 1)}) would be too: keep one of them"))
            continue
        notes.append(_Note(rel, Snapshot(root / rel, raw), written, rule, renames,
                           {renames.get(k, k): v for k, v in data.items()}, mapping.defaults_for(rule)))
    for folder, n in sorted(templates.items()):
        plan.left.append(f"{folder}/: Obsidian's templates folder ({count(n, 'note')}): templates, not records")
    if untyped:
        plan.left.append(f"{count(untyped, 'note')} without a type (daily notes and the like): not records")
    for written, n in sorted(unmapped.items()):
        plan.left.append(f"{count(n, 'note')} of type {written!r}, which is not mapped (--type {written}=TYPE "
                         "makes them records)")
    return notes, templates, others


class _Names:
    """The records the vault will hold, by id and by name, to turn a name on a link key into a link."""

    def __init__(self, notes: list[_Note], others: list[tuple[str, Any, str]]):
        self.by_id: dict[str, list[tuple[str, str]]] = {}
        self.by_name: dict[str, list[tuple[str, str]]] = {}
        for note in notes:
            record = (id_of(note.rel), note.rule.type)
            self.by_id.setdefault(id_key(record[0]), []).append(record)
            self.by_name.setdefault(_fold(note.title), []).append(record)
        self.others: dict[str, tuple[str, str]] = {}  # a note that is no record, by id and name
        for rel, name, written in others:
            for key in (id_key(id_of(rel)), _fold(name) if isinstance(name, str) else None):
                if key is not None:
                    self.others.setdefault(key, (rel, written))

    def link(self, name: str, allowed: tuple[str, ...]) -> tuple[str | None, str]:
        """("[[id]]", "") for the one record of an allowed type that has `name` as its id or its
        name (an id first); else (None, why not)."""
        seen: list[tuple[str, str]] = []
        for index, key in ((self.by_id, id_key(name.strip())), (self.by_name, _fold(name))):
            found = list(dict.fromkeys(index.get(key, [])))
            fitting = [r for r in found if r[1] in allowed]
            if len(fitting) == 1:
                return f"[[{fitting[0][0]}]]", ""
            if fitting:
                return None, f"{len(fitting)} records are named {name!r} ({', '.join(i for i, _ in fitting)})"
            seen += found
        kinds = " or ".join(allowed)
        if seen:
            return None, f"{name!r} is {a(seen[0][1])} ({seen[0][0]}), not {a(kinds)}"
        other = self.others.get(id_key(name.strip())) or self.others.get(_fold(name))
        if other is not None:
            return None, (f"{other[0]} is of type {other[1]!r}, which is not mapped "
                          f"(--type {other[1]}={allowed[0]} would make it a record)")
        return None, f"no {kinds} is named {name!r}"


def _fold(text: str) -> str:
    return id_key(" ".join(text.split()))


# ------------------------------------------------------------------------------ one note

def _plan_note(note: _Note, names: _Names, config: Config, today: dt.date, plan: Plan) -> None:
    type_, data, text = note.rule.type, note.data, note.snapshot.text
    entry = Entry(note.rel, type_)
    scalars: dict[str, Any] = {}  # set with set_keys: the key's line rewritten, or added
    lists: dict[str, list] = {}  # set with set_items: each changed item where it stands
    if note.renames:
        entry.edits.append("keys " + ", ".join(f"{old} -> {new}" for old, new in note.renames.items()))
    if data.get("type") != type_:
        scalars["type"] = type_
        entry.edits.append(f"type {note.written_type} -> {type_}")
    old_key = {new: old for old, new in note.renames.items()}
    for key, value in data.items():
        kind = KEYS[type_].get(key)
        if kind is None or key == "type" or value is None:
            continue
        new = _fixed(kind, value, lambda: value_texts(text, old_key.get(key, key)),
                     lambda name: _link(names, name, LINK_TARGETS[type_].get(key, ()), key, entry))
        if new is None or _same_value(new, value):
            continue
        if isinstance(value, list) and isinstance(new, list) and len(value) == len(new):
            lists[key] = new
        else:
            scalars[key] = new
        entry.edits.append(_change(key, kind, value, new))

    def current(key: str) -> Any:
        return scalars.get(key, lists.get(key, data.get(key)))

    for key in sorted(REQUIRED[type_], key=lambda k: k == "status"):  # status after the date it depends on
        if not _empty(current(key)):
            continue
        if not _empty(note.fill.get(key)):
            scalars[key] = note.fill[key]
            entry.edits.append(f"{key}: {_shown(note.fill[key])} (default)")
            continue
        value, why = _placeholder(key, note, current, config, today)
        scalars[key] = value
        entry.placeholders.append((0, f"{key}: {_shown(value)} ({why})"))
    for key, value in note.fill.items():
        if _empty(current(key)) and not _empty(value):
            scalars[key] = value
            entry.edits.append(f"{key}: {_shown(value)} (default)")
    try:
        after = rename_keys(text, note.renames)
        for key, values in lists.items():
            after = set_items(after, key, values)
        after = set_keys(after, scalars)
    except ValueError as e:
        plan.problems.append(Problem(Source(note.rel, 1), "migrate-edit", f"cannot be edited safely ({e}); "
                                                                          "edit it by hand, then migrate again"))
        return
    lines = parse_yaml(split(after).yaml_text, 2).key_lines
    plan.unlinked += [(note.rel, lines.get(key, 1), why) for key, why in entry.unlinked]
    if after == text:
        return
    entry.placeholders = [(lines.get(p.split(":", 1)[0], 1), p) for _, p in entry.placeholders]
    plan.changes.add_edit(note.rel, note.snapshot, after)
    plan.entries.append(entry)


def _change(key: str, kind: str, old: Any, new: Any) -> str:
    """A value's change, in words."""
    if kind in ("str", "strings") and not isinstance(old, (str, list)):
        return f"{key}: {_shown(new)} (quoted as written: YAML read {a(type(old).__name__)})"
    said = f"{key}: {_shown(old)} -> {_shown(new)}"
    full = _moment(old, True) if isinstance(old, str) else old
    if kind == "date" and isinstance(full, dt.datetime) and full.time() != dt.time(0):
        return f"{said} (the time of day dropped: '{key}' takes a date)"
    return said


def _fixed(kind: str, value: Any, texts, link) -> Any:
    """The value salesmd reads as the writer meant it, for a key of `kind`; None: it is fine as it is.
    `texts()` gives the value's scalars as written, `link(name)` a name's link (or None)."""
    if kind in ("date", "datetime"):
        return _moment(value, kind == "datetime")
    if kind == "str" or (kind == "strings" and not isinstance(value, list)):
        if isinstance(value, (str, list, dict)):
            return None
        written = texts()  # a number, a date, true: YAML read it so, but the key holds text
        return written[0] if len(written) == 1 and written[0][:1] not in "'\"" else None
    if kind == "strings":
        if all(isinstance(v, str) for v in value):
            return None
        written = texts()
        if len(written) != len(value) or any(isinstance(v, (list, dict)) for v in value):
            return None
        return [v if isinstance(v, str) or w[:1] in "'\"" else w for v, w in zip(value, written)]
    if kind == "link":
        if isinstance(value, list) and len(value) == 1:
            value = value[0]  # one link in a list (an Obsidian list property), or [[name]] unquoted
        return _as_link(value, link)
    if kind == "links":
        items = [_as_link(v, link) for v in (value if isinstance(value, list) else [value])]
        return items if isinstance(value, list) else items[0]
    return None


def _as_link(value: Any, link) -> Any:
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        return f"[[{value[0].strip()}]]"  # [[name]] written unquoted: YAML read a list in a list
    if isinstance(value, str) and value.strip() and parse_link(value) is None:
        return link(value) or value
    return value


def _link(names: _Names, name: str, allowed: tuple[str, ...], key: str, entry: Entry) -> str | None:
    found, why = names.link(name, allowed)
    if found is None:
        entry.unlinked.append((key, f"{key}: {name!r} left as text: {why}"))
    return found


def _moment(value: Any, datetime_ok: bool) -> dt.date | None:
    """The date (or datetime, on a key that takes one) that an editor wrote as text, or a datetime
    on a key that takes a date only (its date, as written); None: leave the value as it is."""
    moment = value
    if isinstance(value, str):
        text = value.strip()
        try:
            if DATE_RE.match(text):
                moment = dt.date.fromisoformat(text)
            elif DATETIME_RE.match(text):
                moment = dt.datetime.fromisoformat(re.sub(r"\s*Z$", "+00:00", text).replace("t", "T"))
        except ValueError:
            return None
    if not datetime_ok and isinstance(moment, dt.datetime):
        moment = moment.date()
    return moment if isinstance(moment, dt.date) and moment is not value else None


def _placeholder(key: str, note: _Note, current, config: Config, today: dt.date) -> tuple[Any, str]:
    """A value for a required key the note lacks, and why it is that one."""
    type_ = note.rule.type
    if key == title_key(type_):
        return id_of(note.rel), "the file name"
    if key == "stage":
        return config.pipelines[type_].stages[0].name, f"the {type_} pipeline's first stage"
    if key == "kind":
        kinds = config.activity_kinds
        if note.written_type in kinds:
            return note.written_type, f"its type was {note.written_type}"
        other = "other" if "other" in kinds else kinds[0]
        return other, "the note does not say what kind of activity it was"
    if key == WHEN_KEY.get(type_):
        named, created = date_in_name(note.rel), as_date(current("created"))
        if named is not None:
            return named, "the date in the file name"
        if created is not None:
            return created, "its created date"
        return today, "today: the note has no date"
    if key == "status" and type_ == "activity":
        start = as_date(current("start"))
        if start is not None and start <= today:
            return "done", f"it started {start.isoformat()}, not after today"
        return "planned", f"it starts {start.isoformat()}" if start else "it has no start"
    if key == "status":
        return "open", "not done yet, as far as the note says"
    return "", "salesmd has no placeholder for it"


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list)) and not value)


def _same_value(a_: Any, b: Any) -> bool:
    return type(a_) is type(b) and a_ == b


def _shown(value: Any) -> str:
    return render_value(value) if not isinstance(value, (list, dict)) else render_value(list(value))


# ------------------------------------------------------------------------------ the config

def _ignore_templates(root: Path, config: Config, folders: list[str], plan: Plan) -> None:
    """Add the template folders to `ignore:`, so check does not read templates as records."""
    if not folders:
        return
    path = root / CONFIG_NAME
    try:
        snapshot = Snapshot.read(path)
        text = snapshot.text
        if text.startswith("\ufeff"):
            raise ValueError("it starts with a byte order mark")
        nl = "\r\n" if "\r\n" in text else "\n"
        wrapped = f"---{nl}{text}{'' if text.endswith(nl) or not text else nl}---{nl}"
        edited = set_keys(wrapped, {"ignore": [*config.ignore, *folders]})[len(f"---{nl}"):-len(f"---{nl}")]
    except (OSError, UnicodeDecodeError, ValueError) as e:
        plan.left.append(f"add {', '.join(folders)} to ignore: in {CONFIG_NAME} yourself (it could not be "
                         f"edited: {e})")
        return
    plan.changes.add_edit(CONFIG_NAME, snapshot, edited)
    plan.entries.append(Entry(CONFIG_NAME, "config", [f"ignore: + {f} (Obsidian's templates folder, left as it "
                                                      "is: templates are not records)" for f in folders]))
