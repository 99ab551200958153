"""Cleaning up after an import: dupes (likely duplicates, with why), merge KEEP OTHER, rm ID."""

from __future__ import annotations

import json

import click

from ..model import printable
from .app import App, _format_problem, fail, main, pass_app
from .complete import record_ids
from .write import finish, write_options

DUPE_TYPES = ("lead", "contact", "account")


def _refused(app: App, e) -> None:
    """A PlanRefused: its problems, one line each, then why; exit 1."""
    for p in e.problems:
        click.echo(_format_problem(app, p), err=True)
    fail(f"refused: {e}; nothing was written", 1)


@main.command()
@click.option("--type", "types", multiple=True, type=click.Choice(DUPE_TYPES),
              help="Only this type (repeatable; default: leads, contacts and accounts).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_app
def dupes(app: App, types, fmt):
    """Likely duplicates, grouped, each with why: the same email (any case), the same phone (in
    E.164), the same name once case, punctuation and legal suffixes (Inc, LLC, GmbH...) are set
    aside, or close names.

    Example: salesmd dupes --type contact
    """
    from ..reports.dupes import find_dupes

    vault, _ = app.load()
    report = find_dupes(vault, types or DUPE_TYPES)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    if not report.groups:
        click.echo(f"no likely duplicates among {report.compared} records")
        return
    n = len(report.groups)
    click.echo(f"{n} group{'s' if n > 1 else ''} of likely duplicates among {report.compared} records")
    for group in report.groups:
        click.echo("")
        what = "open lead, already a contact" if group.known else group.type
        click.echo(printable(f"{what}: {group.records[0].title}"))
        width = max(len(r.id) for r in group.records)
        for record in group.records:
            click.echo(printable(f"  {record.id:<{width}}  {app.show_path(record.path)}"))
        for reason in group.reasons:
            among = "" if len(group.records) == 2 else f" ({', '.join(reason.ids)})"
            click.echo(printable(f"  why: {reason.text()}{among}"))
        for command in group.suggest:
            click.echo(printable(f"  {'convert' if group.known else 'merge'}: {command}"))


@main.command()
@click.argument("keep_id", metavar="KEEP", shell_complete=record_ids())
@click.argument("other_id", metavar="OTHER", shell_complete=record_ids())
@click.option("--take", "take", multiple=True, metavar="KEY",
              help="Where both have KEY with different values, take OTHER's (repeatable).")
@click.option("--prefer", type=click.Choice(["keep", "other"]),
              help="Settle every other conflict with KEEP's or OTHER's value (OTHER's not kept are "
                   "written under the merged body's heading).")
@write_options
@pass_app
def merge(app: App, keep_id, other_id, take, prefer, dry_run, commit):
    """Fold OTHER into KEEP: the keys KEEP lacks, list keys unioned, OTHER's body appended under
    a heading; every link to OTHER (front matter and bodies) then leads to KEEP, and OTHER's file
    is deleted. All files change together or none do. A key both have with different values is
    refused, listed, until you choose with --take KEY or --prefer keep|other.

    Example: salesmd merge carla-mendes carla-mendes-2 --dry-run
    """
    from ..write.merge import plan_merge
    from ..write.records import need
    from ..write.relink import PlanRefused

    vault, _ = app.load()
    keep = need(vault, keep_id, vault.config.types.names)
    other = need(vault, other_id, vault.config.types.names)
    try:
        changes = plan_merge(vault, keep, other, take=tuple(k.strip() for k in take), prefer=prefer,
                             today=app.today)
    except PlanRefused as e:
        _refused(app, e)
    finish(app, changes, dry_run, commit)


@main.command()
@click.argument("record_id", metavar="ID", shell_complete=record_ids())
@click.option("--to", "to_id", metavar="OTHER", shell_complete=record_ids(),
              help="First move every link to ID over to OTHER.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@write_options
@pass_app
def rm(app: App, record_id, to_id, yes, dry_run, commit):
    """Delete a record. Refused while links lead to it (each listed as path:line), unless --to
    OTHER moves them to another record first; asks before deleting unless --yes.

    Example: salesmd rm old-acme-contact --to jane-doe
    """
    from ..write.merge import plan_rm
    from ..write.records import need
    from ..write.relink import PlanRefused

    vault, _ = app.load()
    record = need(vault, record_id, vault.config.types.names)
    to = need(vault, to_id, vault.config.types.names) if to_id is not None else None
    try:
        changes = plan_rm(vault, record, to)
    except PlanRefused as e:
        _refused(app, e)
    if not dry_run and not yes:
        edited = len(changes.changes) - 1
        also = f" and rewrite {edited} file{'s' if edited > 1 else ''} linking to it" if edited else ""
        if not click.confirm(printable(f"Delete {record.path} ({record.type} '{record.title}'){also}?"), err=True):
            fail("not deleted; nothing was written", 1)
    finish(app, changes, dry_run, commit)
