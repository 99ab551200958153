"""Commands that edit records in place: set, cancel, reschedule, tag, untag. Thin: plan, then finish
(write.py's), as every writing command does."""

from __future__ import annotations

import click

from ..model import printable
from .app import App, _format_problem, fail, main, pass_app
from .complete import open_items, record_ids
from .write import MOMENT, _now, _set_values, finish, write_options


def _unchanged(what: str) -> None:
    """Nothing to write: say so, and succeed (running an edit twice is no error)."""
    click.echo(printable(f"nothing to change: {what}"), err=True)


@main.command("set")
@click.argument("record_id", metavar="ID", shell_complete=record_ids())
@click.argument("pairs", nargs=-1, metavar="KEY=VALUE...")
@click.option("--unset", "unset", multiple=True, metavar="KEY", help="Remove this key (repeatable).")
@write_options
@pass_app
def set_command(app: App, record_id, pairs, unset, dry_run, commit):
    """Change any keys of a record: one line per key, the rest of the file as it was.

    Values are read as the key takes them: a number (amount=52000), a date (close_date=2026-12-20,
    or +30d, tomorrow, fri), a link (account=acme-corp), a list as commas (tags=vip,fleet) or
    as a YAML flow list ('tags=[vip, "Reno, NV"]').
    Any other key is a custom key, typed as YAML reads it (a warning when it is one typo away
    from a key of the record's type). A stage change follows the pipeline rules as `move` does.
    `type` and the id cannot change, and a required key cannot be unset.

    Example: salesmd set harbor-freight-fleet-renewal amount=184000 close_date=2026-12-18 --unset probability
    """
    from ..write.edit import plan_set
    from ..write.records import need

    if not pairs and not unset:
        fail("give what to change: KEY=VALUE pairs, or --unset KEY", 2)
    seen: set[str] = set()
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if eq and key.strip() and not value.strip():
            fail(f"{pair!r}: give a value after '=' (to remove the key: --unset {key.strip()})", 2)
        if key.strip() in seen:
            fail(f"'{key.strip()}' is given twice; give each key once", 2)
        seen.add(key.strip())
    vault, _ = app.load()
    record = need(vault, record_id, vault.config.types.names)
    values = _set_values(pairs, record.type, app.today, option="", keys=vault.config.types.keys)
    if isinstance(values.get("owner"), str):  # an alias in salesmd.yaml's owners: is its owner's id
        values["owner"] = vault.config.roster.owner_id(values["owner"]) or values["owner"]
    changes = plan_set(vault, record, values, [k.strip() for k in unset])
    if not changes.changes:
        return _unchanged(f"{record.id} already has these values")
    told = _custom_keys(app, changes, set(values))
    finish(app, changes, dry_run, commit)
    for p in told:
        click.echo(_format_problem(app, p), err=True)


def _custom_keys(app: App, changes, keys: set[str]) -> list:
    """A warning for each key set that the record's type does not know and is one typo away from
    one it does (written all the same: custom keys are welcome)."""
    from ..checks.records import check_unknown_keys
    from ..reports.capacity import planned_records

    vault, _ = app.load()
    planned = planned_records(vault, {c.rel: c.after for c in changes.changes})
    found = []
    for record in (r for r in planned.values() if r is not None):
        lines = {record.line_of(k) for k in keys if k in record.key_lines}
        found += [p for p in check_unknown_keys(record, vault.config) if p.source.line in lines]
    return found


@main.command()
@click.argument("record_id", metavar="ID", shell_complete=open_items)
@click.option("--reason", help="Why (written to its outcome).")
@write_options
@pass_app
def cancel(app: App, record_id, reason, dry_run, commit):
    """Cancel an open task or a planned activity (status cancelled; the reason in its outcome).

    Example: salesmd cancel harbor-freight-final-terms-call --reason "they postponed to January"
    """
    from ..write.edit import plan_cancel
    from ..write.records import need

    vault, _ = app.load()
    changes = plan_cancel(vault, need(vault, record_id, ("task", "activity")), reason)
    finish(app, changes, dry_run, commit)


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("record_id", metavar="ID", shell_complete=open_items)
@click.argument("when", nargs=-1, required=True, metavar="WHEN")
@write_options
@pass_app
def reschedule(app: App, record_id, when, dry_run, commit):
    """Move an open task's due date, or a planned activity's start and end together (it keeps its
    length). WHEN is a date, a datetime, or a day from today: tomorrow, +3d, -1d, +2w, fri, each
    with a time if wanted (fri 14:00). A day alone keeps the time of day the record had.

    Example: salesmd reschedule nordhafen-hamburg-site-visit fri 10:30
    """
    from ..when import resolve
    from ..write.edit import plan_reschedule
    from ..write.records import need

    ctx = click.get_current_context()
    moment = MOMENT.convert(" ".join(when), next(p for p in ctx.command.params if p.name == "when"), ctx)
    vault, _ = app.load()
    today, _ = _now(app)
    record = need(vault, record_id, ("task", "activity"))
    changes = plan_reschedule(vault, record, resolve(moment, today))
    if not changes.changes:
        return _unchanged(f"{record.id} is already at that time")
    told = _over_capacity(app, changes)
    finish(app, changes, dry_run, commit)
    for p in told:
        click.echo(_format_problem(app, p), err=True)


def _over_capacity(app: App, changes) -> list:
    """The warning `new task` gives, for a task moved to a day its owner has too many tasks on."""
    from ..reports.capacity import over_capacity, planned_records

    vault, _ = app.load()
    planned = planned_records(vault, {c.rel: c.after for c in changes.changes})
    return over_capacity(vault, planned, list(planned))


def _tags(text: str) -> list[str]:
    """TAGS as given: commas between tags; a leading '#' is dropped (Obsidian's tags are kept without)."""
    tags = [t.strip().removeprefix("#").strip() for t in text.split(",")]
    if not all(tags):
        fail(f"{text!r}: give tags separated by commas (vip,fleet), none empty", 2)
    return list(dict.fromkeys(tags))


def _retag(app: App, text: str, ids: tuple[str, ...], adding: bool, dry_run, commit) -> None:
    """tag and untag: every record or none (an unknown id refuses them all)."""
    from ..write.edit import plan_tags
    from ..write.records import PlanError, need

    tags = _tags(text)
    vault, _ = app.load()
    records, wrong = [], []
    for record_id in dict.fromkeys(ids):
        try:
            records.append(need(vault, record_id, vault.config.types.names))
        except PlanError as e:
            wrong.append(str(e))
    if wrong:
        fail("; ".join(wrong) + "; nothing was written", 1)
    records = list({r.path: r for r in records}.values())  # one id named twice, in two cases
    changes, unchanged = plan_tags(vault, records, tags if adding else [], [] if adding else tags)
    if unchanged:
        state = "already tagged" if adding else "not tagged"
        click.echo(printable(f"{state} {', '.join(tags)}: {', '.join(unchanged)}"), err=True)
    if not changes.changes:
        return _unchanged("every record is as asked")
    finish(app, changes, dry_run, commit)


@main.command()
@click.argument("tags", metavar="TAGS")
@click.argument("ids", nargs=-1, required=True, metavar="ID...", shell_complete=record_ids())
@write_options
@pass_app
def tag(app: App, tags, ids, dry_run, commit):
    """Add tags (commas between them) to the `tags` list of each record named: all or none, no tag
    twice (ignoring case), the list written as it was (flow [a, b] or one `- a` per line).

    Example: salesmd tag key-account,fleet harbor-freight-fleet-renewal pacific-cold-storage
    """
    _retag(app, tags, ids, True, dry_run, commit)


@main.command()
@click.argument("tags", metavar="TAGS")
@click.argument("ids", nargs=-1, required=True, metavar="ID...", shell_complete=record_ids())
@write_options
@pass_app
def untag(app: App, tags, ids, dry_run, commit):
    """Remove tags (commas between them, any case) from each record named: all or none. A list
    left empty is removed.

    Example: salesmd untag europe nordhafen-hamburg-forklifts zoe-lukasiewicz
    """
    _retag(app, tags, ids, False, dry_run, commit)
