"""`merge KEEP OTHER` and `rm ID [--to OTHER]` as ChangeSets: all or nothing, checked before written.

Merge folds OTHER into KEEP: the keys KEEP lacks (or has empty) are added; list keys are
unioned (emails ignoring case, phones in E.164, links by the record they lead to); an `email` or
`phone` that differs goes to the `emails` or `phones` list where the type has one; `created` is
the earlier of the two; OTHER's body is appended under a heading that names it. Every link to
OTHER, in any record's front matter or body, then leads to KEEP, and OTHER's file is deleted.
A key both hold with different values is a conflict: refused, each listed, unless the user
chose (`take`: OTHER's value for those keys; `prefer`: 'keep' or 'other' for the rest; a value of
OTHER's that is not kept is written under the heading, so nothing is lost unseen).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..dates import date_keys
from ..model import ERROR, Problem, Record, a, parse_link
from ..phones import e164, email_key
from ..schema import KEYS
from ..store.frontmatter import split
from ..store.vault import Vault
from .changes import ChangeSet
from .files import Snapshot
from .records import PlanError
from .relink import Edits, PlanRefused, read_text, relink, relink_text, site_problems, sites
from .yamledit import read_back, render_value, set_keys

LISTS = {"email": "emails", "phone": "phones"}  # a second address or number goes to the list


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list)) and not value)


def _same_key(vault: Vault, key: str, value: Any, region: str | None) -> Any:
    """What two values of `key` compare by: the record a link leads to, an address ignoring
    case, a number in E.164, text without the spaces around it."""
    if isinstance(value, str):
        link = parse_link(value)
        if link is not None:
            found = vault.resolve(link)
            return ("record", found.path) if found is not None else ("link", link.key)
        if key in ("email", "emails"):
            return ("email", email_key(value))
        if key in ("phone", "phones"):
            return ("phone", e164(value, region) or value.strip())
        return value.strip()
    if isinstance(value, list):
        return tuple(_same_key(vault, key, v, region) for v in value)
    return value


def _union(vault: Vault, key: str, first: list, more: list, region: str | None) -> list:
    out, seen = [], set()
    for item in [*first, *more]:
        k = _same_key(vault, key, item, region)
        if k not in seen:
            seen.add(k)
            out.append(item)
    return out


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [] if _empty(value) else [value]


def fold(vault: Vault, keep: Record, kept: dict, other: Record, given: dict, take: tuple[str, ...],
         prefer: str | None) -> tuple[dict, list[tuple[str, Any]]]:
    """(the keys to set on KEEP, OTHER's values not kept); PlanRefused on an unresolved conflict."""
    region = vault.config.phone_region
    kinds = KEYS.get(keep.type, {})
    sets: dict[str, Any] = {}
    dropped: list[tuple[str, Any]] = []
    conflicts: list[Problem] = []
    for key in take:
        if key not in given or _empty(given[key]):
            raise PlanError(f"--take {key}: {other.id} has no '{key}'")
    for key, value in given.items():
        current = sets.get(key, kept.get(key))
        if key == "type" or _empty(value):
            continue
        if _empty(current):
            sets[key] = value
        elif kinds.get(key) in ("strings", "links") or isinstance(current, list) or isinstance(value, list):
            union = _union(vault, key, _as_list(current), _as_list(value), region)
            if union != _as_list(current):
                sets[key] = union
        elif _same_key(vault, key, current, region) == _same_key(vault, key, value, region):
            continue
        elif key in LISTS and LISTS[key] in kinds:  # never a conflict: both stay, one in the list
            first, second = (value, current) if key in take else (current, value)
            listed = sets.get(LISTS[key], kept.get(LISTS[key]))
            union = [v for v in _union(vault, LISTS[key], [first, *_as_list(listed), second], [], region)[1:]
                     if _same_key(vault, key, v, region) != _same_key(vault, key, first, region)]
            if first is not current:
                sets[key] = first
            if union != _as_list(listed):
                sets[LISTS[key]] = union
        elif key == "created" and isinstance(current, dt.date) and isinstance(value, dt.date):
            if value < current:  # the earlier: when the customer was first recorded
                sets[key] = value
        elif key in take or prefer == "other":
            sets[key] = value
        elif prefer == "keep":
            dropped.append((key, value))
        else:
            conflicts.append(Problem(other.source(key), "merge-conflict",
                                     f"'{key}' is {_shown(value)} here and {_shown(current)} in "
                                     f"{keep.source(key)}; choose with --take {key} (this one's), --prefer keep "
                                     "or --prefer other", ERROR))
    for one, many in LISTS.items():  # the list never repeats the main address or number
        if many in sets and not _empty(main := sets.get(one, kept.get(one))):
            sets[many] = [v for v in sets[many] if _same_key(vault, one, v, region) != _same_key(vault, one, main, region)]
            if not sets[many] and _empty(kept.get(many)):
                del sets[many]
    if conflicts:
        raise PlanRefused(f"{other.id} and {keep.id} disagree on {len(conflicts)} "
                          f"key{'s' if len(conflicts) > 1 else ''}", conflicts)
    return sets, dropped


def _shown(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else render_value(value)


def _converted(vault: Vault, lead: Record) -> Record | None:
    return vault.first_linked(lead, "converted_to")


def plan_merge(vault: Vault, keep: Record, other: Record, *, take: tuple[str, ...] = (),
               prefer: str | None = None, today: dt.date) -> ChangeSet:
    if keep.path == other.path:
        raise PlanError(f"KEEP and OTHER are the same record ({keep.path}): there is nothing to merge")
    if keep.type != other.type:
        raise PlanError(f"'{keep.id}' is {a(keep.type)} and '{other.id}' {a(other.type)}: only records of one "
                        "type merge")
    if keep.type == "lead":
        mine, theirs = _converted(vault, keep), _converted(vault, other)
        if mine is not None and theirs is not None and mine.path != theirs.path:
            raise PlanError(f"lead '{keep.id}' was converted into '{mine.id}' and '{other.id}' into '{theirs.id}': "
                            "a converted lead keeps its opportunity, so the two cannot be one lead")
    edits: Edits = {}
    relink(vault, other, keep, edits)
    keep_text = read_text(vault, edits, keep.path)
    other_snap = Snapshot.read(vault.root / other.path)
    try:
        other_text = relink_text(vault, other_snap.text, other.type, other, keep)
        sets, dropped = fold(vault, keep, read_back(keep_text), other, read_back(other_text), take, prefer)
        merged = set_keys(keep_text, sets, date_keys(keep.type)) if sets else keep_text
    except ValueError as e:
        raise PlanError(f"cannot merge the front matter: {e}") from None
    merged += _appendix(merged, other, split(other_text).body, dropped, today)
    edits[keep.path] = (edits[keep.path][0], merged)
    changes = ChangeSet(vault.root, f"merge {other.type} {other.id} into {keep.id}")
    _add_edits(changes, edits)
    changes.add_delete(other.path, other_snap)
    return changes


def _appendix(text: str, other: Record, body: str, dropped: list[tuple[str, Any]], today: dt.date) -> str:
    """OTHER's body, and its values not kept, under a heading that says where they came from."""
    if not body.strip() and not dropped:
        return ""
    nl = "\r\n" if "\r\n" in text else "\n"
    lines = [f"## Merged from {other.id}", "", f"From `{other.path}`, merged on {today.isoformat()}."]
    if dropped:
        lines += ["", f"Values of {other.id} not kept:", ""]
        lines += [f"- {key}: {render_value(value)}" for key, value in dropped]
    lead = "" if not text or text.endswith("\n") else nl
    gap = "" if split(text).body.strip() == "" else nl
    out = lead + gap + nl.join(lines) + nl
    if body.strip():
        out += nl + body.strip("\r\n").replace("\r\n", "\n").replace("\n", nl) + nl
    return out


def _add_edits(changes: ChangeSet, edits: Edits) -> None:
    for rel in sorted(edits):
        snap, text = edits[rel]
        if text != snap.text:
            changes.add_edit(rel, snap, text)


def plan_rm(vault: Vault, record: Record, to: Record | None) -> ChangeSet:
    """Delete `record`: refused while links lead to it (PlanRefused lists them), unless `to` is
    given, when they are first rewritten to lead there."""
    found = sites(vault, record)
    if to is not None and to.path == record.path:
        raise PlanError(f"--to {to.id} is the record being removed: give another record for its links")
    if found and to is None:
        raise PlanRefused(f"{len(found)} link{'s' if len(found) > 1 else ''} lead{'' if len(found) > 1 else 's'} to "
                          f"{record.id}; give --to ID to move them to another record, or edit them",
                          site_problems(record, found, "rm-linked"))
    edits: Edits = {}
    if to is not None:
        relink(vault, record, to, edits)
    moved = f", its links moved to {to.id}" if to is not None and found else ""
    changes = ChangeSet(vault.root, f"rm {record.type} {record.id}{moved}")
    _add_edits(changes, edits)
    changes.add_delete(record.path, Snapshot.read(vault.root / record.path))
    return changes
