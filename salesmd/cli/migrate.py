"""`salesmd migrate`: bring an existing notes vault in. Thin: read the mapping, plan, show or write."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from ..model import printable
from ..render.output import count
from .app import App, _format_problem, fail, main, pass_app
from .write import finish, writing_options


@main.command()
@click.option("--map", "map_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE.yaml",
              help="A mapping file with types:, keys: and defaults: (the options below add to it and win).")
@click.option("--type", "types", multiple=True, metavar="NOTE-TYPE=TYPE",
              help="Notes of this type become records of TYPE (repeatable), e.g. --type person=contact.")
@click.option("--key", "keys", multiple=True, metavar="OLD=NEW",
              help="Rename this key in every note migrated (repeatable), e.g. --key E-mail=email.")
@click.option("--default", "defaults", multiple=True, metavar="[TYPE.]KEY=VALUE",
              help="A value for KEY where a record leaves it out or empty (repeatable), e.g. "
                   "--default activity.kind=meeting or --default owner=maria.")
@click.option("--apply", is_flag=True, help="Write the changes (default: show the diff and write nothing).")
@writing_options("migrated", "nothing was migrated")
@pass_app
def migrate(app: App, map_file, types, keys, defaults, apply, dry_run, commit):
    """Bring an existing notes vault (Obsidian's, say) in: its notes become records where they lie.

    Maps note types to record types, renames keys (only the key changes on its line), turns the
    names of records on link keys into links, reads quoted dates as dates and numbers on text keys
    as text, and adds the keys a type requires, listing the placeholders it chose. Notes without
    a type, of types not mapped, and templates are left alone. Shows the diff and writes nothing
    unless --apply; a second run changes nothing.

    Example: salesmd migrate --type person=contact --key Name=name --key Company=account --apply
    """
    from ..checks.run import run_check
    from ..io.migrate import plan_migration
    from ..io.migrate_map import MapError, MigrateMap, add_options, load_map

    vault, _ = app.load()
    try:
        mapping = load_map(map_file, str(map_file)) if map_file else MigrateMap()
        add_options(mapping, types, keys, defaults)
    except MapError as e:
        click.echo(printable(str(e) if map_file and str(e).startswith(f"{map_file}:") else f"salesmd: {e}"), err=True)
        sys.exit(2)
    plan = plan_migration(vault.root, vault.config, mapping, app.today)
    changes, writing = plan.changes, apply and not dry_run
    if not writing and changes.changes:
        click.echo(printable(changes.diff(), keep_newlines=True), nl=False)
    _summary(app, plan, writing)
    for p in plan.problems:
        click.echo(_format_problem(app, p), err=True)
    if plan.problems:
        fail(f"{count(len(plan.problems), 'note')} cannot be migrated as they are (above); nothing was written", 1)
    if not changes.changes:
        click.echo("nothing to migrate: every note is already as salesmd reads it")
        return
    if writing:
        finish(app, changes, False, commit)
        return
    _, before, _ = run_check(vault.root, quick=True)
    after = changes.new_problems(before)
    for p in after:
        click.echo(_format_problem(app, p), err=True)
    if after:
        fail("--apply would refuse: after the migration, check would report the errors above; fix them (a name "
             "on a link key needs a record of that name, or --key to move it to a key that is not a link), "
             "then run again; nothing was written", 1)
    click.echo(f"dry run: nothing was written; run again with --apply to write these "
               f"{count(len(changes.changes), 'file')}")


def _summary(app: App, plan, writing: bool) -> None:
    """What the migration does to each file, the placeholders to review, what it leaves alone."""
    for e in plan.entries:
        click.echo(printable(f"{app.show_path(e.rel)}: {'; '.join(e.edits + [p for _, p in e.placeholders])}"))
    placeholders = [(e.rel, line, p) for e in plan.entries for line, p in e.placeholders]
    if placeholders:
        click.echo("placeholders to review (values salesmd chose where the note had none; change any that are wrong):")
        for rel, line, p in placeholders:
            click.echo(printable(f"  {app.show_path(rel)}:{line}: {p}"))
    if plan.unlinked:
        click.echo("names left as text on link keys (check reports each until it is a link to a record):")
        for rel, line, why in plan.unlinked:
            click.echo(printable(f"  {app.show_path(rel)}:{line}: {why}"))
    if plan.left:
        click.echo("left alone:")
        for what in plan.left:
            click.echo(printable(f"  {what}"))
    kinds = Counter(e.type for e in plan.entries if e.type != "config")
    if kinds:
        click.echo(f"{'migrating' if writing else 'would migrate'} {count(sum(kinds.values()), 'note')}: "
                   + ", ".join(count(n, t) for t, n in sorted(kinds.items())))
