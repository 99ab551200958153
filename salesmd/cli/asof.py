"""--as-of DATE|REF on the reading commands (pipeline, agenda, list, show): the command runs on the
vault as committed at that point (git/past.py reads it from git without a checkout)."""

from __future__ import annotations

import functools

import click

from .app import App, fail

AS_OF_HELP = ("Report on the vault as committed at this point, read from git (no checkout): a DATE "
              "(YYYY-MM-DD: the last commit on the current branch's first-parent line at or before the end "
              "of that day, local time) or a REF (a tag, a branch, HEAD~5, a commit id). Today is then that "
              "day (the commit's, for a REF) unless --today is given; the configuration is salesmd.yaml as "
              "committed then.")


def as_of_option(command):
    """Add --as-of to a command (put it right under @main.command())."""

    @click.option("--as-of", "as_of", metavar="DATE|REF", help=AS_OF_HELP)
    @functools.wraps(command)
    def run(*args, as_of=None, **kwargs):
        if as_of is not None:
            point = at_point(click.get_current_context().find_object(App), as_of)
            click.echo(f"salesmd: as committed at {point.label}", err=True)
        return command(*args, **kwargs)

    return run


def at_point(app: App, asked: str):
    """Make `app` load the vault as committed at `asked` (and take its day as today); the Point."""
    from ..git.past import PastError, find_point, past_vault, repository

    from ..store.load import Timings

    today, _ = app.load()
    timings = Timings()
    try:
        with timings.stage("as-of") as note:
            repo = repository(today.root)
            point = find_point(repo, asked)
            loaded = past_vault(today.root, repo, point, today)
            note[0] = f"{point.sha[:7]}: {len(loaded[0].records)} records"
    except PastError as e:
        fail(f"error: --as-of: {e}")
    app.print_timings(timings)
    app._loaded = loaded
    if app.today_option is None:
        app.today_option = point.day
    return point
