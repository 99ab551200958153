"""`salesmd merge-driver install|uninstall|run`: the record-aware git merge driver."""

from __future__ import annotations

from pathlib import Path

import click

from .app import App, fail, main, pass_app


@main.group(name="merge-driver")
def merge_driver():
    """A git merge driver that merges records key by key.

    Two people who change different keys of one record (the amount and the close date, even on
    adjacent lines) merge cleanly; the same key changed two ways is a conflict around just that
    key's lines, which `salesmd check` reports; a merge cannot take a deal out of won.

    Example: salesmd merge-driver install
    """


@merge_driver.command(name="install")
@click.option("--uninstall", is_flag=True, help="Remove the driver instead (as `merge-driver uninstall`).")
@pass_app
def install_command(app: App, uninstall: bool):
    """Register the driver: git config merge.salesmd.* and .gitattributes lines for the record folders.

    The git config is this clone's own: each teammate runs this once. Commit .gitattributes.
    Running it again changes nothing.

    Example: salesmd merge-driver install
    """
    _install(app, uninstall)


@merge_driver.command(name="uninstall")
@pass_app
def uninstall_command(app: App):
    """Remove the driver: its git config section and its .gitattributes lines.

    Example: salesmd merge-driver uninstall
    """
    _install(app, True)


def _install(app: App, uninstall: bool) -> None:
    from ..git.merge_install import MergeDriverError, install, uninstall as remove

    try:
        root = app.root
        shown = lambda path: app.show_path(path.relative_to(root).as_posix())  # noqa: E731
        done = remove(root, shown) if uninstall else install(root, shown)
    except MergeDriverError as e:
        fail(str(e))
    for line in done:
        click.echo(line)
    if not done:
        click.echo("the merge driver was not installed; nothing changed" if uninstall
                   else "the merge driver is already installed; nothing changed")


@merge_driver.command(name="run")
@click.argument("base", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("ours", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("theirs", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("marker_size", type=click.IntRange(min=1), default=7)
@click.argument("path", default="")
def run_command(base: Path, ours: Path, theirs: Path, marker_size: int, path: str):
    """What git runs (%O %A %B %L %P): merge BASE, OURS and THEIRS into OURS.

    Exit 0 when merged cleanly, 1 when conflicts are left in OURS (git marks the file conflicted).

    Example: salesmd merge-driver run %O %A %B %L %P
    """
    from ..git.merge_driver import run

    raise SystemExit(run(base, ours, theirs, marker_size, path))
