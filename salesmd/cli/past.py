"""Reports on the pipeline's past, read from git: `diff` (what changed between two points) and
`forecast-accuracy` (what was expected to close in a period against what closed)."""

from __future__ import annotations

import datetime as dt

import click

from ..model import PIPELINE_TYPES, printable
from ..render.output import format_option, to_json
from .app import App, fail, known_names, main, pass_app
from .complete import owners
from .reports import PeriodType


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
    author of the commit that made the change (renames followed); then the totals. FROM must be
    before TO (an ancestor of it).

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
        _check_order(repo, first, last)
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


def _check_order(repo, first, last) -> None:
    """FROM must be before TO (an ancestor of it, or TO itself): otherwise the log between them
    holds none of the changes, and they would show reversed and uncommitted."""
    from ..git.past import PastError
    from ..git.repo import GitError

    tip = last.sha if last is not None else repo.head_sha
    if first.sha is None or tip is None or first.sha == tip:
        return
    try:
        repo.git("merge-base", "--is-ancestor", first.sha, tip)
    except GitError:
        to = f"{last.asked} ({last.sha[:7]})" if last is not None else f"the working tree (HEAD {tip[:7]})"
        raise PastError(f"FROM {first.asked} ({first.sha[:7]}) is not before TO {to}; swap them") from None


@main.command(name="forecast-accuracy")
@click.option("--period", type=PeriodType(), metavar="PERIOD", required=True,
              help="A quarter (2026-Q3), month (2026-09) or year (2026), as `targets` takes it.")
@click.option("--owner", help="Only this owner's deals.", shell_complete=owners)
@format_option("text", "json")
@pass_app
def forecast_accuracy(app: App, period, owner, fmt: str):
    """What was expected to close in a period against what closed: per owner, and the team.

    The forecast is read from git as committed when the period began (the last commit before its
    first day), and at each month's start in a quarter (each quarter's in a year) up to today: the
    open opportunities whose close_date was in the period. By the vault now, each is a hit (won
    with its close_date in the period), lost (lost or disqualified), gone (deleted) or slipped
    (anything else); a deal won in the period that was not forecast was pulled in (expected after
    the period) or a surprise. Per owner and currency: count and amount of each, and the hit rate
    by count and by value. Renamed deals are followed.

    Example: salesmd forecast-accuracy --period 2026-Q3 --owner maria
    """
    from ..git.past import PastError, Point, find_point, past_vault, repository
    from ..reports.accuracy import build_accuracy, forecast_days
    from ..render.history_text import render_accuracy

    now, _ = app.load()
    owner, _ = known_names(now, owner, None)
    today = app.today
    if period.start > today:
        fail(f"error: forecast-accuracy: {period.label} has not begun (today is {today})")
    points = []
    try:
        repo = repository(now.root, "forecast-accuracy")
        for day in forecast_days(period, today):
            asked = (day - dt.timedelta(days=1)).isoformat()
            try:
                point = find_point(repo, asked)
            except PastError:  # before the first commit: nothing was forecast yet
                point = Point(None, day - dt.timedelta(days=1), asked)
            then, _ = past_vault(now.root, repo, point, now)
            points.append((day, _point_dict(point), then, _followed(repo, now, then, point.sha)))
    except PastError as e:
        fail(f"error: forecast-accuracy: {e}")
    report = build_accuracy(period, today, now, points, owner)
    if fmt == "json":
        click.echo(to_json(report.as_dict()))
    else:
        click.echo(printable(render_accuracy(report), keep_newlines=True))


def _followed(repo, now, then, sha: str | None):
    """path now -> its path then: the working tree's renames since HEAD (as git pairs them by
    content), then the commits' renames since `sha` as `diff` follows them (a file added at a path
    whose deal was renamed away is another deal, and so is one deleted and made again under another
    name). Editing a deal's name in place keeps it the same deal; a rename not committed yet is
    followed only where the deal kept its name (git pairs small look-alike files by content)."""
    from ..git.authors import authorship
    from ..git.past import renames_since

    if sha is None:  # nothing was committed then: nothing to follow
        return lambda path: path
    deals_now = {r.path: r for r in now.of_type("opportunity")}
    deals_then = {r.path: r for r in then.of_type("opportunity")}
    uncommitted = renames_since(repo, repo.head_sha) if repo.head_sha else {}
    olds = {r.path: r.data for t in PIPELINE_TYPES for r in then.of_type(t)}
    made = authorship(repo, sha, repo.head_sha, olds) if repo.head_sha else None
    kept = {}
    for path, record in deals_now.items():
        at_head = uncommitted.get(path, path)
        was = made.line(at_head) if made is not None else at_head
        if was not in deals_then:
            continue
        same_name = deals_then[was].title == record.title
        made_again = made is not None and was in made.added  # deleted and made again at its path
        if same_name or (at_head == path and not made_again):
            kept[path] = was
    return lambda path: kept.get(path, "\0" + path)  # "\0...": no path then
