"""Reports on the pipeline's past, read from git: `diff` (what changed between two points) and
`forecast-accuracy` (what was expected to close in a period against what closed)."""

from __future__ import annotations

import datetime as dt

import click

from ..model import PIPELINE_TYPES, printable
from ..render.output import format_option, to_json
from .app import App, fail, known_names, main, pass_app
from .complete import owners


def _point_dict(point) -> dict:
    return {"asked": point.asked, "commit": point.sha, "day": point.day}


@main.command(name="diff")
@click.argument("start", metavar="[FROM]", required=False)
@click.argument("end", metavar="[TO]", required=False)
@click.option("--owner", help="Only this owner's deals and leads.", shell_complete=owners)
@format_option("text", "json")
@pass_app
def diff(app: App, start: str | None, end: str | None, owner, fmt: str):
    """What changed in the pipeline from FROM to TO, and who changed it: for a Monday meeting.

    FROM and TO are each a DATE (YYYY-MM-DD: the last commit on the current branch's first-parent
    line at or before the end of that day, local time) or a REF (a tag, a branch, HEAD~5, a commit
    id). FROM defaults to a week before today, TO to the working tree (changes not committed yet
    are shown "(not committed)"). Lists the deals created, moved (stage from -> to), won, lost,
    deleted and renamed, amounts changed (old -> new, with the total change per currency), close
    dates changed (slipped or pulled in, by how many days) and the leads converted, each with the
    author of the commit that made the change (renames followed); then the totals.

    Example: salesmd diff 2026-11-16 --owner maria
    """
    from ..git.authors import authorship
    from ..git.past import PastError, Point, find_point, past_vault, repository
    from ..reports.pipeline_diff import build_diff
    from ..render.history_text import render_diff

    today, _ = app.load()
    owner, _ = known_names(today, owner, None)
    try:
        repo = repository(today.root, "diff")
        if start is None:
            asked = (app.today - dt.timedelta(days=7)).isoformat()
            try:
                first = find_point(repo, asked)
            except PastError:  # a vault younger than a week: from before its first commit
                first = Point(None, dt.date.fromisoformat(asked), asked)
        else:
            first = find_point(repo, start)
        last = find_point(repo, end) if end is not None else None
        before, _ = past_vault(today.root, repo, first, today)
        after = past_vault(today.root, repo, last, today)[0] if last is not None else today
    except PastError as e:
        fail(f"error: diff: {e}")
    olds = {r.path: r.data for t in PIPELINE_TYPES for r in before.of_type(t)}
    made = authorship(repo, first.sha, last.sha if last is not None else repo.head_sha, olds)
    end_point = _point_dict(last) if last is not None else {"asked": "the working tree", "commit": None,
                                                             "day": app.today}
    report = build_diff(before, after, made, _point_dict(first), end_point, owner)
    if fmt == "json":
        click.echo(to_json(report.as_dict()))
    else:
        click.echo(printable(render_diff(report), keep_newlines=True))
