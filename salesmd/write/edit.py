"""Edits of records that exist, as ChangeSets: set and unset keys, cancel, reschedule, tag, untag.

Like records.py, each function plans and returns a ChangeSet (an empty one when there is nothing
to change) and touches no disk; the command checks the vault as it would be and writes it.
Every edit goes through yamledit.set_keys (one line per changed key, dates in the old one's
style) or yamllist.set_list (a list keeps its block or flow style).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..dates import date_keys
from ..model import Record, a
from ..store.vault import Vault
from .changes import ChangeSet
from .files import Snapshot
from .records import PlanError, check_move
from .yamledit import DELETE, set_keys
from .yamllist import set_list

OPEN = {"task": "open", "activity": "planned"}  # the status of a task or activity still to do
WHEN = {"task": "due", "activity": "start"}  # the key `reschedule` moves


def plan_set(vault: Vault, record: Record, values: dict[str, Any], unset: list[str]) -> ChangeSet:
    """Set `values` and remove the keys in `unset`. Refuses a change of `type` or of the id, the
    removal of a required key or of a key the record does not have, and a stage change the
    pipeline rules do not allow (as `move` would refuse it)."""
    from ..suggest import did_you_mean

    for key in [*values, *unset]:
        if key == "type":
            raise PlanError(f"a record's type cannot change: {record.id} stays {a(record.type)} "
                            f"(make the new record with `salesmd new`)")
        if key == "id":
            raise PlanError(f"the id is the file name ({record.path}), not a key: rename the file to change "
                            "it, and the links to it with it")
    both = [k for k in unset if k in values]
    if both:
        raise PlanError(f"'{both[0]}' is both set and unset; give one of the two")
    for key in unset:
        if key in vault.config.types.required[record.type]:
            raise PlanError(f"'{key}' is required for {a(record.type)}: it cannot be unset "
                            f"(set another value: salesmd set {record.id} {key}=...)")
        if key not in record.data:
            raise PlanError(f"{record.id} has no key '{key}'{did_you_mean(key, [str(k) for k in record.data])}")
    stage = values.get("stage")
    moving = (record.type in vault.config.pipelines and "stage" in values and stage != record.get("stage"))
    if moving:
        others = {**{k: v for k, v in values.items() if k != "stage"}, **{k: DELETE for k in unset}}
        check_move(vault, record, str(stage), others, ("salesmd set {id} stage={stage}", "{key}=..."))
    what = [f"stage {record.get('stage')} -> {stage}" if k == "stage" and moving else k for k in values]
    message = f"set {record.type} {record.id}: {', '.join(what)}" if what else f"unset {record.type} {record.id}"
    if unset:
        message += f"{'; unset ' if what else ': '}{', '.join(unset)}"
    return _edited(vault, record, message, {**values, **{k: DELETE for k in unset}})


def plan_cancel(vault: Vault, record: Record, reason: str | None) -> ChangeSet:
    """Cancel an open task or a planned activity; the reason, when given, is its `outcome`."""
    _still_open(record, "cancel it")
    values: dict[str, Any] = {"status": "cancelled"}
    if reason:
        values["outcome"] = reason
    return _edited(vault, record, f"cancel {record.type} {record.id}" + (f": {reason}" if reason else ""), values)


def plan_reschedule(vault: Vault, record: Record, when: dt.date | dt.datetime) -> ChangeSet:
    """Move an open task's `due`, or a planned activity's `start` and its `end` with it (the
    activity lasts as long as it did). A day alone keeps the time of day a datetime had."""
    _still_open(record, "move it")
    key = WHEN[record.type]
    old = record.get(key)
    new = _moved(old, when) if isinstance(old, dt.date) else when
    values: dict[str, Any] = {key: new}
    end = record.get("end") if record.type == "activity" else None
    if isinstance(old, dt.date) and isinstance(end, dt.date):
        values["end"] = _shifted_end(old, end, new)
    shown = old.isoformat() if isinstance(old, dt.date) else repr(old)
    return _edited(vault, record, f"reschedule {record.type} {record.id}: {shown} -> {new.isoformat()}", values)


def plan_tags(vault: Vault, records: list[Record], add: list[str], remove: list[str]) -> tuple[ChangeSet, list[str]]:
    """Add the tags `add` to (or take `remove` from) each record's `tags` list, all in one change:
    no tag twice (tags compare ignoring case, as Obsidian's do), the list's style kept. Also the
    ids of the records that already were as asked."""
    fold = {str(t).casefold() for t in remove}
    verb = "tag" if add else "untag"
    changes = ChangeSet(vault.root, f"{verb} {', '.join(add or remove)}: ")
    unchanged: list[str] = []
    for record in records:
        old = record.get("tags")
        if old is not None and not isinstance(old, (str, list)):
            raise PlanError(f"{record.path}:{record.line_of('tags')}: 'tags' of {record.id} is not a list of tags; "
                            "fix it by hand first")
        items = [] if old in (None, "") else [old] if isinstance(old, str) else list(old)
        new = [t for t in items if str(t).casefold() not in fold]
        have = {str(t).casefold() for t in new}
        for tag in add:
            if tag.casefold() not in have:
                new.append(tag)
                have.add(tag.casefold())
        if new == items:
            unchanged.append(record.id)
            continue
        path = vault.root / record.path
        before = Snapshot.read(path)
        try:
            changes.add_edit(record.path, before, set_list(before.text, "tags", new))
        except ValueError as e:
            raise PlanError(f"{record.path}: cannot edit the front matter: {e}") from None
    changes.message += ", ".join(record.id for record in records if record.id not in unchanged)
    return changes, unchanged


def _still_open(record: Record, doing: str) -> None:
    """PlanError unless `record` is an open task or a planned activity."""
    status = record.get("status")
    if status == OPEN[record.type]:
        return
    if status == "done":
        raise PlanError(f"{record.type} {record.id} is done: it is too late to {doing}")
    if status == "cancelled":
        raise PlanError(f"{record.type} {record.id} is already cancelled; to take it up again, reopen it first: "
                        f"salesmd set {record.id} status={OPEN[record.type]}")
    raise PlanError(f"{record.type} {record.id} has status {status!r}, not '{OPEN[record.type]}': fix its status first")


def _edited(vault: Vault, record: Record, message: str, values: dict[str, Any]) -> ChangeSet:
    """The ChangeSet of one record's edit (none when its file already holds `values`): list values
    over a list keep its style (set_list), every other value by set_keys."""
    path = vault.root / record.path
    before = Snapshot.read(path)
    lists = {k: v for k, v in values.items() if isinstance(v, list) and isinstance(record.get(k), list)}
    try:
        text = set_keys(before.text, {k: v for k, v in values.items() if k not in lists}, date_keys(record.type))
        for key, value in lists.items():
            text = set_list(text, key, value)
    except ValueError as e:
        raise PlanError(f"{record.path}: cannot edit the front matter: {e}") from None
    changes = ChangeSet(vault.root, message)
    if text != before.text:
        changes.add_edit(record.path, before, text)
    return changes


def _as_datetime(value: dt.date) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())


def _moved(old: dt.date, when: dt.date | dt.datetime) -> dt.date | dt.datetime:
    """`when` for a value that was `old`: a day alone keeps the time (and offset) `old` had; a time
    without an offset takes `old`'s offset."""
    if isinstance(old, dt.datetime) and not isinstance(when, dt.datetime):
        return dt.datetime.combine(when, old.timetz())
    if isinstance(old, dt.datetime) and isinstance(when, dt.datetime) and when.tzinfo is None:
        return when.replace(tzinfo=old.tzinfo)
    return when


def _shifted_end(start: dt.date, end: dt.date, new_start: dt.date) -> dt.date:
    """The end an activity that ran from `start` to `end` has when it starts at `new_start`."""
    begun, ended = _as_datetime(start), _as_datetime(end)
    if (begun.tzinfo is None) != (ended.tzinfo is None):  # one with an offset, one without: wall time
        begun, ended = begun.replace(tzinfo=None), ended.replace(tzinfo=None)
    moved = _as_datetime(new_start)
    if (moved.tzinfo is None) != (ended.tzinfo is None):
        moved = moved.replace(tzinfo=ended.tzinfo)
    moved += ended - begun
    return moved if isinstance(end, dt.datetime) else moved.date()
