"""The `salesmd` command: parse options, call the core, print. No business logic here."""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from . import __version__
from .config import ConfigError, find_root
from .model import RECORD_TYPES, Problem, Record, printable
from .cli_options import set_no_cache, vault_options
from .render.output import count, format_option, table, to_csv, to_json


@dataclass
class App:
    vault_option: str | None = None
    today_option: dt.date | None = None
    verbose: int = 0
    _loaded: tuple | None = field(default=None, repr=False)
    _recovered: bool = field(default=False, repr=False)

    @property
    def root(self) -> Path:
        try:
            root = find_root(explicit=self.vault_option)
        except ConfigError as e:
            fail(str(e))
        if not self._recovered:  # a write killed half-way is settled before anything reads the vault
            from .write.files import WriteError
            from .write.journal import recover

            self._recovered = True
            try:
                for line in recover(root):
                    click.echo(f"salesmd: {line}", err=True)
            except (WriteError, OSError) as e:  # the journal stays: the next command tries again
                click.echo(f"salesmd: an interrupted write could not be settled yet: {e}", err=True)
        return root

    def load(self):
        """(vault, problems) for the current vault, loaded once per command. The problems are
        those of reading the files only: commands that need the checks' answer run
        checks.run.run_check, which can answer from the check state without loading everything."""
        if self._loaded is None:
            from .store.load import Timings, load_vault

            timings = Timings()
            try:
                self._loaded = load_vault(self.root, timings=timings, run_checks=False)
            except ConfigError as e:
                fail(str(e))
            self.print_timings(timings)
        return self._loaded

    def print_timings(self, timings) -> None:
        if self.verbose:
            total = sum(t for _, t, _ in timings.stages)
            for name, seconds, detail in timings.stages:
                click.echo(f"  {name:<12} {seconds * 1000:8.1f} ms  {detail}", err=True)
            click.echo(f"  {'total':<12} {total * 1000:8.1f} ms", err=True)

    @property
    def today(self) -> dt.date:
        vault, _ = self.load()
        return vault.config.today_or(self.today_option)

    def show_path(self, rel: str) -> str:
        """A vault path as the user can open it from where they are."""
        full = self.root / rel
        try:
            shown = os.path.relpath(full, Path.cwd())
        except ValueError:
            return str(full)
        return shown if not shown.startswith("../../..") else str(full)


pass_app = click.make_pass_decorator(App)


def fail(message: str, code: int = 2):
    click.echo(f"salesmd: {printable(message, keep_newlines=True)}", err=True)
    sys.exit(code)


class Date(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date written YYYY-MM-DD", param, ctx)
        if not 1900 <= day.year <= 9000:
            self.fail(f"{value!r} is too far from now for a sales calendar (years 1900-9000)", param, ctx)
        return day


class SalesmdGroup(click.Group):
    """The command group, with a last line of defence: an unexpected error is one clear line
    (and exit 3), not a traceback. SALESMD_DEBUG=1 shows the traceback."""

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        return name, command and vault_options(command), rest

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # `salesmd ... | head`: the reader has gone; nothing to say
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(1)
        except OSError as e:
            if os.environ.get("SALESMD_DEBUG"):
                raise
            where = f"{e.filename}: " if getattr(e, "filename", None) else ""
            fail(f"{where}{e.strerror or e}; nothing was left half-written", 1)
        except Exception as e:  # a bug: say so plainly
            if os.environ.get("SALESMD_DEBUG"):
                raise
            fail(f"internal error: {type(e).__name__}: {e} (run with SALESMD_DEBUG=1 for the details, "
                 "and please report it)", 3)


DATE = Date()


@click.group(cls=SalesmdGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="salesmd")
@click.option("--vault", "vault_option", metavar="PATH", envvar="SALESMD_VAULT",
              help="The vault folder (default: the folder holding salesmd.yaml, found from here upwards).")
@click.option("--today", "today_option", type=DATE, help="Pretend today is this date (default: `today` in salesmd.yaml, else the real date).")
@click.option("-v", "--verbose", count=True, help="Show how long each loading stage took.")
@click.option("--no-cache", is_flag=True, help="Read every file and all of git history afresh; leave the caches "
                                                "in .salesmd/ alone (same as SALESMD_NO_CACHE=1).")
@click.pass_context
def main(ctx, vault_option, today_option, verbose, no_cache):
    """salesmd: a plain-text, git-backed sales CRM.

    Records are Markdown files with YAML front matter in a git-tracked folder (a vault).
    salesmd checks them, reports on them and writes them for you.

    Example: salesmd --vault example-vault check
    """
    if no_cache:
        set_no_cache(ctx)
    ctx.obj = App(vault_option, today_option, verbose)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--no-git", is_flag=True, help="Do not run `git init` even when the folder is not in a repository.")
@click.option("--force", is_flag=True, help="Make the vault even inside another vault.")
def init(directory: Path, no_git: bool, force: bool):
    """Create a vault: salesmd.yaml with every default, the record folders, .gitignore, git.

    Refuses to touch a folder that already holds a salesmd.yaml, or one inside another vault
    (--force to make it there anyway).

    Example: salesmd init ~/crm
    """
    from .write.init import InitError, init_vault

    try:
        made = init_vault(directory, git=not no_git, force=force)
    except InitError as e:
        fail(str(e))
    for line in made:
        click.echo(line)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--staged", "mode", flag_value="staged", help="Check what is staged for the next commit (for hooks).")
@click.option("--history", "mode", flag_value="history", help="Audit every commit in the log, not only the files now.")
@format_option("text", "json")
@pass_app
def check(app: App, paths, strict: bool, mode: str | None, fmt: str):
    """Validate every record: schema, links, stages, conversion, YAML pitfalls.

    Prints `path:line: severity[code]: message` for each problem and a summary line.
    With PATHS, only problems in those files or folders are shown (the whole vault is still read,
    so links are checked against everything). Exit status: 0 clean, 1 errors (or warnings with
    --strict), 2 usage error or unreadable configuration.

    The process rules are checked against git history: a record once committed in a terminal
    stage stays there, a converted lead keeps its converted_to.

    Example: salesmd check --strict leads/
    """
    from .checks.run import CheckError, run_check
    from .store.load import Timings

    timings = Timings()
    try:
        vault, problems, _ = run_check(app.root, mode or "current", timings=timings, quick=True)
    except (CheckError, ConfigError) as e:
        fail(str(e))
    app.print_timings(timings)
    if paths:
        wanted = []
        for p in paths:
            if not os.path.lexists(p):
                fail(f"{p}: no such file or folder")
            try:  # a symbolic link is the file asked about, wherever (or whether) it leads
                here = p.parent.resolve() / p.name if p.is_symlink() else p.resolve()
                wanted.append(here.relative_to(vault.root).as_posix())
            except ValueError:
                fail(f"{p}: not inside the vault {vault.root}")
        problems = [pr for pr in problems if any(
            w in (".", "") or pr.source.path == w or pr.source.path.startswith(w.rstrip("/") + "/") for w in wanted)]
    from .reports.problems import ProblemCount

    tally = ProblemCount.of(problems)
    errors, warnings = tally.errors, tally.warnings
    if fmt == "json":
        click.echo(to_json({
            "problems": [dict(p.as_dict(), path=app.show_path(p.source.path)) for p in problems],
            "records": vault.record_count, "errors": errors, "warnings": warnings,
        }))
    else:
        for p in problems:
            click.echo(_format_problem(app, p))
        click.echo(f"{count(vault.record_count, 'record')} checked: {tally}")
    if errors or (strict and warnings):
        sys.exit(1)


def _format_problem(app: App, p: Problem) -> str:
    return printable(f"{app.show_path(p.source.path)}:{p.source.line}: {p.severity}[{p.code}]: {p.message}")


LIST_COLUMNS = {
    "lead": ["id", "name", "stage", "company", "owner", "territory"],
    "contact": ["id", "name", "account", "role", "email", "owner"],
    "account": ["id", "name", "industry", "owner", "territory"],
    "opportunity": ["id", "name", "stage", "amount", "currency", "close_date", "account", "owner", "territory"],
    "activity": ["id", "start", "kind", "status", "subject", "owner"],
    "task": ["id", "due", "status", "subject", "owner"],
    "note": ["id", "date", "title", "owner"],
}


def filter_options(fn):
    """--owner, --territory, --stage, --where and --sort: how list and export select records."""
    for decorator in reversed([
        click.option("--owner", help="Only records with this owner."),
        click.option("--territory", help="Only records in this territory."),
        click.option("--stage", help="Only leads or opportunities in this stage."),
        click.option("--where", "wheres", multiple=True, metavar="KEY=VALUE",
                     help="Only records whose KEY equals VALUE (KEY!=VALUE for the opposite); repeatable."),
        click.option("--sort", "sort_key", metavar="KEY", help="Sort by this key (prefix '-' for descending)."),
    ]):
        fn = decorator(fn)
    return fn


def selected(app: "App", type_: str, owner, territory, stage, wheres, sort_key):
    """(vault, records) chosen by the filter options."""
    from .reports.query import QueryError, select

    vault, _ = app.load()
    filters = [f"owner={owner}"] * bool(owner) + [f"territory={territory}"] * bool(territory) \
        + [f"stage={stage}"] * bool(stage) + list(wheres)
    try:
        return vault, select(vault, type_, filters, sort_key)
    except QueryError as e:
        fail(str(e))


@main.command(name="list")
@click.argument("type_", metavar="TYPE", type=click.Choice(RECORD_TYPES))
@filter_options
@click.option("--columns", help="Comma-separated keys to show instead of the default columns.")
@format_option("text", "json", "csv")
@pass_app
def list_(app: App, type_, owner, territory, stage, wheres, sort_key, columns, fmt):
    """List records of one TYPE, filtered and sorted.

    Example: salesmd list opportunity --owner maria --sort -amount
    """
    vault, records = selected(app, type_, owner, territory, stage, wheres, sort_key)
    cols = [c.strip() for c in columns.split(",")] if columns else LIST_COLUMNS[type_]
    if fmt == "json":
        click.echo(to_json([dict(id=r.id, type=r.type, path=r.path, **{str(k): v for k, v in r.data.items()
                                                                        if k != "type"}) for r in records]))
        return
    from .reports.query import value_of

    rows = [[r.path if c == "path" else value_of(vault, r, c) for c in cols] for r in records]
    if fmt == "csv":
        click.echo(to_csv(cols, rows), nl=False, color=True)  # color: click would strip ANSI sequences from data
    else:
        click.echo(table(cols, rows))
        click.echo(count(len(records), type_))


def _record(app: App, record_id: str, doing: str) -> Record:
    """The record with this id; else exit 1 saying why: its file's problems, or no such id."""
    vault, problems = app.load()
    record = vault.get(record_id)
    broken = vault.broken_path(record_id) if record is None else None
    if broken is not None:
        for p in problems:
            if p.source.path == broken:
                click.echo(_format_problem(app, p), err=True)
        fail(f"{app.show_path(broken)} cannot be read as a record (the problems above), so '{record_id}' "
             f"cannot be {doing}", 1)
    if record is None:
        from .suggest import id_hint

        fail(f"no record with id '{record_id}'{id_hint(record_id, vault.records)}", 1)
    return record


@main.command()
@click.argument("record_id", metavar="ID")
@format_option("text", "json")
@pass_app
def show(app: App, record_id: str, fmt: str):
    """Show one record: its keys, what it links to, what links to it, and its timeline.

    Example: salesmd show acme-fleet-renewal
    """
    from .reports.record import build_record_view
    from .render.text import render_record

    vault, _ = app.load()
    record = _record(app, record_id, "shown")
    view = build_record_view(vault, record)
    if fmt == "json":
        click.echo(to_json(view.as_dict()))
    else:
        click.echo(printable(render_record(view, app.show_path(record.path)), keep_newlines=True))


@main.command()
@click.argument("record_id", metavar="ID")
@format_option("text", "json")
@pass_app
def history(app: App, record_id: str, fmt: str):
    """Show a record's life from git: each commit's date, author and front-matter changes.

    Follows renames. Changes not committed yet are shown last.

    Example: salesmd history acme-fleet-renewal
    """
    from .git.repo import GitError
    from .render.text import render_history
    from .reports.record_history import build_record_history

    vault, _ = app.load()
    record = _record(app, record_id, "shown")
    try:
        view = build_record_history(vault.root, record)
    except GitError as e:
        fail(f"git: {e}")
    click.echo(to_json(view.as_dict()) if fmt == "json" else printable(render_history(view), keep_newlines=True))


@main.group()
def hooks():
    """Git hooks that run salesmd's checks.

    Example: salesmd hooks install
    """


@hooks.command(name="install")
@click.option("--force", is_flag=True, help="Replace an existing pre-commit hook that is not salesmd's.")
@pass_app
def hooks_install(app: App, force: bool):
    """Install a git pre-commit hook running `salesmd check --staged`.

    A commit whose staged records break a rule is refused (`git commit --no-verify` skips the
    hook; `salesmd check` still reports what it let through, from history).

    Example: salesmd hooks install
    """
    from .git.hooks import HookError, install_hook

    try:
        path = install_hook(app.root, force=force)
    except HookError as e:
        fail(str(e))
    click.echo(f"installed {path}")

# The other command families live in modules of their own; importing them registers their commands.
from . import cli_io, cli_reports, cli_write  # noqa: E402,F401
