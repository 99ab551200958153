"""Report commands: agenda, pipeline (and later the HTML site). Thin: build, then render."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from click.core import ParameterSource

from ..model import printable
from ..render.output import TABULAR, count, format_option, tabular, to_json
from ..reports.periods import Period, PeriodError, parse_period
from .app import App, fail, known_names, main, pass_app
from .asof import as_of_option
from .complete import owners, territories
from .filtering import described, expression_option, sifted, tag_option
from .options import DATE


class PeriodType(click.ParamType):
    name = "PERIOD"

    def convert(self, value, param, ctx):
        if isinstance(value, Period):
            return value
        try:
            return parse_period(value)
        except PeriodError as e:
            self.fail(str(e), param, ctx)


def _load(app: App):
    """The vault (on a terminal, each stage of loading it is shown as it runs: cli/progress.py)."""
    vault, _ = app.load()
    return vault


@main.command()
@as_of_option
@click.option("--date", "start", type=DATE, help="The first day to show (default: today).")
@click.option("--days", type=click.IntRange(1, 366), default=7, show_default=True,
              help="How many days to show from --date.")
@click.option("--owner", help="Only this owner's tasks, activities and deals.", shell_complete=owners)
@click.option("--territory", help="Only this territory's tasks, activities and deals.",
              shell_complete=territories)
@tag_option
@format_option("text", "json", "csv", "tsv", "ids", "ics")
@pass_app
def agenda(app: App, start, days: int, owner, territory, tags, fmt: str):
    """What to do: overdue items, each day's tasks and meetings, stale and late deals.

    Overdue: open tasks due, and activities still planned, before --date. Then, for each day, the
    open tasks due and the activities planned that day, by owner, each with the deal or lead it
    is about. Over capacity: an owner with more open tasks due on a day than their `tasks_per_day`
    (under `owners:` in salesmd.yaml, else the vault's).
    Stale deals: open opportunities with no activity for `stale_days` days (theirs, their lead's, or
    their account's or contacts' during the deal's life). Past close date: open opportunities whose
    close_date has passed. Losing touch: contacts and accounts with an open deal or a
    `keep_in_touch: N` key whose last done activity is more than N (else `touch_days`) days ago,
    never touched first. A task or activity without an owner or territory takes its deal's.

    --format ics writes the calendar feed instead: every task and activity dated from
    `calendar.days_back` days before --date to `calendar.days_ahead` days after it (--days, when
    given, sets the days ahead) and open tasks still overdue, in the `timezone` of salesmd.yaml,
    with UIDs from the record ids, so a subscribed calendar updates instead of duplicating.

    Example: salesmd agenda --owner maria --days 14
    """
    from ..git.firsts import FirstCommits
    from ..git.history import pipeline_paths
    from ..reports.agenda import build_agenda

    if fmt == "ics":
        _calendar(app, start, days, owner, territory)
        return
    vault = _load(app)
    owner, territory = known_names(vault, owner, territory)
    report = build_agenda(sifted(vault, None, tags), app.today, date=start, days=days, owner=owner, territory=territory,
                          first_commit=FirstCommits(vault.root, lambda: pipeline_paths(vault)))
    if fmt == "json":
        click.echo(to_json(report.as_dict()))
    elif fmt in TABULAR:
        from ..render.report_text import AGENDA_COLUMNS, agenda_rows

        click.echo(tabular(fmt, AGENDA_COLUMNS, agenda_rows(report)), nl=False, color=True)
    else:
        from ..render.report_text import render_agenda

        click.echo(printable(render_agenda(report), keep_newlines=True))


def _calendar(app: App, start, days: int, owner, territory) -> None:
    """agenda --format ics: the feed, refused while salesmd.yaml's calendar settings are wrong."""
    from ..render.ics import render_ics
    from ..reports.calendar import build_calendar
    from .app import _format_problem

    vault, problems = app.load()
    wrong = [p for p in problems if p.code == "config-calendar"]
    if wrong:
        for p in wrong:
            click.echo(_format_problem(app, p), err=True)
        fail("no calendar written: fix the calendar settings above in salesmd.yaml")
    given = click.get_current_context().get_parameter_source("days") != ParameterSource.DEFAULT
    config = vault.config
    report = build_calendar(vault, app.today, config.calendar, date=start, days=days if given else None,
                            owner=owner, territory=territory)
    click.echo(render_ics(report, tasks=config.calendar.tasks, timezone=config.timezone), nl=False)


@main.command()
@as_of_option
@click.option("--pipeline", "pipeline_name", metavar="TYPE", default="opportunity", show_default=True,
              help="Which pipeline to report on: opportunity, lead, issue or a type salesmd.yaml declares "
                   "with a pipeline.")
@click.option("--owner", help="Only this owner's records.", shell_complete=owners)
@click.option("--territory", help="Only this territory's records.", shell_complete=territories)
@click.option("--product", help="Only opportunities for this product (leads are not filtered by product).")
@click.option("--period", type=PeriodType(), metavar="PERIOD",
              help="A quarter (2026-Q4), month (2026-11) or year (2026) for the forecast, won/lost and "
                   "conversions (default: this quarter).")
@click.option("--deals", "all_deals", is_flag=True,
              help="List every deal: in text all open deals (through a pager on a terminal), in JSON the "
                   "'deals' (open) and 'closed' lists. Without it, text shows the first 25 open deals and "
                   "JSON the summary only.")
@expression_option
@tag_option
@format_option("text", "json", "csv", "tsv", "ids")
@pass_app
def pipeline(app: App, pipeline_name: str, owner, territory, product, period, all_deals: bool, tree, tags, fmt: str):
    """The pipeline by stage: deals, amounts and weighted amounts per currency, and the forecast.

    For each stage in order: how many deals, their total and their probability-weighted total in
    each currency (currencies are never added together; the probability is the deal's own, else
    its stage's). Then: what is expected to close in the period, won and lost in the period with
    the win rate (by count and by value), the lead conversion rate, and every open deal with its
    age and days in its current stage (the first 25; --deals for all). Then the metrics: average
    days in each stage and the sales cycle over the period (from git where there is history), the
    funnel, lost reasons, deals whose close date slipped out of the period, and lead conversion by
    source. --format json is the summary (--deals adds every deal, streamed); --format csv gives
    one row per open deal.

    Example: salesmd pipeline --period 2026-Q4 --owner maria
    """
    from ..checks.process import stage_since
    from ..git.past import history_for
    from ..reports.pipeline import build_pipeline

    vault = _load(app)
    pipelines = vault.config.types.pipeline_types
    if pipeline_name not in pipelines:
        from ..suggest import did_you_mean

        fail(f"error: '{pipeline_name}' has no pipeline{did_you_mean(pipeline_name, pipelines)}; "
             f"the pipelines are {', '.join(pipelines)}")
    owner, territory = known_names(vault, owner, territory)
    history = history_for(vault)  # None: days in stage then come from the files' dates
    report = build_pipeline(sifted(vault, tree, tags), app.today, pipeline=pipeline_name, owner=owner, territory=territory,
                            product=product, period=period, stage_since=stage_since(vault, history, app.today),
                            history=history)
    report.filters.update({k: v for k, v in described(tags).items() if v})
    if fmt == "json":
        from ..render.output import echo_json_streamed

        lists = {"deals": (d.as_dict() for d in report.deals), "closed": (d.as_dict() for d in report.closed)}
        echo_json_streamed(report.as_dict(deals=False), lists if all_deals else {})
    elif fmt in TABULAR:
        from ..render.report_text import PIPELINE_COLUMNS, pipeline_rows

        click.echo(tabular(fmt, PIPELINE_COLUMNS, pipeline_rows(report)), nl=False, color=True)
    else:
        from ..render.report_text import OPEN_DEALS_SHOWN, render_pipeline

        text = printable(render_pipeline(report, limit=None if all_deals else OPEN_DEALS_SHOWN), keep_newlines=True)
        if all_deals and sys.stdout.isatty():
            click.echo_via_pager(text + "\n")
        else:
            click.echo(text)


class SiteError(Exception):
    """A template could not be rendered (the CLI exits 2 with the message)."""


def _safe_out_dir(root: Path, out_dir: Path, force: bool, record_folders) -> None:
    """Refuse to write the site over the vault or over a folder of someone else's files."""
    from ..render.html import MANIFEST

    target, vault = Path(os.path.realpath(out_dir)), root.resolve()  # realpath: a link loop is no RuntimeError
    if os.path.lexists(out_dir) and not os.path.isdir(out_dir):
        raise SiteError(f"{out_dir}: not a folder (a file, or a symbolic link that loops or leads nowhere)")
    if target == vault or vault.is_relative_to(target) or (
            target.is_relative_to(vault) and target.relative_to(vault).parts[:1] in [(f,) for f in record_folders]):
        raise SiteError(f"{out_dir}: the site cannot be written over the vault or into a record folder")
    if target.is_dir() and not (target / MANIFEST).exists() and any(target.iterdir()) and not force:
        raise SiteError(f"{out_dir} has files that salesmd report did not make; choose an empty or new "
                        "folder, or pass --force to write there anyway")


def build_site(app: App, out: Path | None, quiet: bool = False, force: bool = False):
    """Check the vault and write its site; returns (out_dir, BuildResult, problems)."""
    from ..checks.run import run_check
    from ..git.repo import GitError
    from ..git.history import load_history, pipeline_paths
    from .progress import track
    from ..render.html import Site, read_manifest, write_site

    from ..store.load import Timings
    from .progress import for_terminal

    vault, problems, _ = run_check(app.root, timings=Timings(progress=None if quiet else for_terminal()))
    try:
        history = load_history(vault.root, relevant=pipeline_paths(vault))
    except GitError:
        history = None
    out_dir = out if out is not None else vault.root / vault.config.report_dir
    _safe_out_dir(vault.root, out_dir, force, vault.config.types.record_folders)
    from ..render.templating import TemplateProblem

    try:
        pages, prints = Site(vault, problems, app.today, history).pages(read_manifest(out_dir),
                                                                        progress=None if quiet else track)
    except TemplateProblem as e:
        raise SiteError(str(e)) from None
    result = write_site(out_dir, pages, prints, progress=None if quiet else track)
    return out_dir, result, problems


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the site (default: report_dir in salesmd.yaml, `_site/` in the vault).")
@click.option("--force", is_flag=True, help="Write into a folder that has files salesmd report did not make.")
@pass_app
def report(app: App, out: Path | None, force: bool):
    """Build the static HTML site: dashboard, pipeline board, agenda, calendar, a page per owner,
    territory and record, sortable record lists, problems.

    The site opens from file:// with no network (inline CSS and SVG charts, no script but the
    record lists' sorting, allowed by its hash), prints cleanly and reads on a phone. It includes
    agenda.ics for calendar apps. Only pages whose content changed are rewritten. Templates: the
    vault's own templates/ folder overrides the built-in ones; {% extends "default:pipeline.html" %}
    extends a built-in page.

    Example: salesmd report --out /tmp/crm-site && xdg-open /tmp/crm-site/index.html
    """
    try:
        out_dir, result, problems = build_site(app, out, force=force)
    except SiteError as e:
        fail(str(e))
    from ..reports.problems import ProblemCount

    tally = ProblemCount.of(problems)
    click.echo(f"wrote {len(result.written)} of {count(result.total, 'file')} to {out_dir}"
               + (f", removed {len(result.removed)}" if result.removed else "")
               + (f" ({tally}: see problems.html)" if tally.total else ""))
    click.echo(f"open {(out_dir / 'index.html').resolve().as_uri()}")


@main.command(name="watch")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the site (default: report_dir in salesmd.yaml).")
@click.option("--debounce", type=click.FloatRange(0.05, 10), default=0.3, show_default=True,
              help="Seconds of quiet after a change before rebuilding.")
@pass_app
def watch_(app: App, out: Path | None, debounce: float):
    """Watch the vault: on every change, re-check, rebuild the site, print new and fixed problems.

    Bursts of saves are rebuilt once; a file saved half-way is reported like any problem and the
    watch goes on. Ctrl-C stops it.

    Example: salesmd watch --out /tmp/crm-site
    """
    from .watch import watch

    root = app.root
    out_dir = out if out is not None else root / _report_dir(app)

    def rebuild():
        app._loaded = None  # read the vault afresh every time
        _, _, problems = build_site(app, out_dir, quiet=True)
        return problems

    watch(root, out_dir, rebuild, lambda line: click.echo(printable(line, keep_newlines=True)), debounce=debounce)


def _report_dir(app: App) -> str:
    from ..config import ConfigError, load_config

    try:
        return load_config(app.root)[0].report_dir
    except ConfigError:
        return "_site"
