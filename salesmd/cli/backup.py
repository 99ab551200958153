"""`salesmd import json`: a backup made by `salesmd export all` read back into a vault."""

from __future__ import annotations

from pathlib import Path

import click

from ..model import printable
from ..render.output import count
from .app import App, fail, pass_app
from .data import import_, import_options


@import_.command(name="json")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True,
              help="Replace the vault's files that differ from the backup's (listed otherwise, and nothing written).")
@import_options
@pass_app
def import_json(app: App, file: Path, overwrite: bool, dry_run, commit):
    """Restore a backup made by `salesmd export all`: every record's file as it was.

    Into a new vault (salesmd init) it writes every record, byte for byte, and the backup's
    salesmd.yaml. Into a vault that holds records it adds the records it lacks, leaves the files
    that are already as the backup has them, keeps its own salesmd.yaml, and refuses, listing
    them, to replace files that differ (--overwrite replaces them, and salesmd.yaml). Everything
    is read and checked first: a backup with a mistake is reported with its line and nothing is
    written; then every file is written together, or none.

    Example: salesmd import json crm-backup.json --dry-run
    """
    from ..io.backup import read_backup
    from ..write.changes import ChangeSet
    from ..write.files import Snapshot, unified_diff
    from .progress import status, track

    vault, _ = app.load()
    root, shown = vault.root, str(file)
    try:
        data = file.read_bytes()
    except OSError as e:
        fail(f"{shown}: cannot read the file: {e.strerror or e}", 1)
    config_path = root / "salesmd.yaml"
    with status("Reading the backup"):
        restore = read_backup(data, shown, root, vault.config)
        if (restore.config is not None and _text(config_path) != restore.config
                and (vault.record_count == 0 or overwrite)):  # its records are read as its settings have them
            from ..config import ConfigError, load_config

            try:
                restore = read_backup(data, shown, root, load_config(root, text=restore.config)[0])
            except ConfigError:
                pass  # the vault's own settings, then: the records say what does not suit them
    if restore.problems:
        for p in restore.problems:
            click.echo(p.format(), err=True)
        fail(f"{count(len(restore.problems), 'problem')} in {shown}; nothing was imported", 1)
    changes = ChangeSet(root, f"import {file.name}")
    config_note = None
    if restore.config is not None and _text(config_path) != restore.config:
        if vault.record_count == 0 or overwrite:  # a new vault takes the backup's settings
            changes.add_edit("salesmd.yaml", Snapshot.read(config_path), restore.config)
            config_note = "salesmd.yaml: the backup's"
        else:
            config_note = "salesmd.yaml: kept the vault's own (the backup's differs; --overwrite takes it)"
    differ, same, clash = [], 0, []
    for rel, text in restore.files.items():
        path = root / rel
        if not path.exists() and not path.is_symlink():
            holder = vault.get(Path(rel).stem)
            if holder is not None and holder.path != rel:
                clash.append(f"{rel}: its id is taken by {holder.path}")
            changes.add_new(rel, text)
            continue
        before = Snapshot.read(path) if path.is_file() else None
        if before is not None and before.data == text.encode("utf-8"):
            same += 1
        elif before is None:
            clash.append(f"{rel}: not a file in the vault")
        else:
            differ.append(rel)
            changes.add_edit(rel, before, text)
    if clash:
        for line in clash:
            click.echo(printable(f"{app.show_path(line)}"), err=True)
        fail(f"{count(len(clash), 'record')} of {shown} cannot be put in this vault (above); nothing was imported", 1)
    if differ and not overwrite:
        for rel in differ:
            click.echo(printable(f"{app.show_path(rel)}: differs from the backup's"), err=True)
        fail(f"{count(len(differ), 'file')} in the vault {'differs' if len(differ) == 1 else 'differ'} from {shown} "
             "(above); --overwrite replaces them; nothing was imported", 1)
    created = sum(1 for c in changes.changes if c.before is None)
    summary = (f"{'would create' if dry_run else 'created'} {created}, {'would replace' if dry_run else 'replaced'} "
               f"{len(differ)}, {same} already as in the backup")
    for rel in restore.rewritten:
        click.echo(printable(f"{app.show_path(rel)}: front matter written from the backup's front_matter "
                             "(no head, or one that reads otherwise)"))
    if config_note:
        click.echo(config_note)
    if dry_run:
        for c in changes.changes:
            click.echo(printable(f"{'would replace' if c.before else 'would create'} {app.show_path(c.rel)}"))
        click.echo(printable("".join(unified_diff(c.rel, c.before_text, c.after) for c in changes.changes if c.before),
                             keep_newlines=True), nl=False)
        click.echo(summary)
        return
    if not changes.changes:
        click.echo(f"{summary}: nothing to write")
        return
    changes.message = f"import {file.name}: {summary}"
    changes.apply(track=track)
    click.echo(summary)
    if commit if commit is not None else vault.config.commit:
        sha = changes.commit()
        click.echo(printable(f"committed {sha}: {changes.message}") if sha else "nothing to commit: the files are as in HEAD")


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
