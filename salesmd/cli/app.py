"""The `salesmd` command group and what its commands share (App, fail, the filter options). The
commands parse options, call the core and print: no business logic here."""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from .. import __version__
from ..config import ConfigError, find_root
from ..model import Problem, printable
from .complete import owners, stages, territories
from .options import DATE, set_no_cache, vault_options


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
            from ..write.files import WriteError
            from ..write.journal import recover

            self._recovered = True
            try:
                for line in recover(root):
                    click.echo(f"salesmd: {line}", err=True)
            except (WriteError, OSError) as e:  # the journal stays: the next command tries again
                click.echo(f"salesmd: an interrupted write could not be settled yet: {e}", err=True)
        return root

    def load(self):
        """(vault, problems) for the current vault, loaded once per command: the index brought up
        to the files, and a vault that reads from it only the records the command asks for
        (store/indexed.py). The problems are the configuration's; commands that need the checks'
        answer run checks.run.run_check, which can answer from the check state."""
        if self._loaded is None:
            from ..store.open import open_vault
            from ..store.load import Timings
            from .progress import for_terminal

            timings = Timings(progress=for_terminal())
            try:
                self._loaded = open_vault(self.root, timings)
                click.get_current_context().call_on_close(getattr(self._loaded[0], "close", lambda: None))
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


def _format_problem(app: App, p: Problem) -> str:
    return printable(f"{app.show_path(p.source.path)}:{p.source.line}: {p.severity}[{p.code}]: {p.message}")


def filter_options(fn):
    """--owner, --territory, --stage, --where, --filter, --tag, --sort and --limit: how list and
    export select records (the command takes them as **chosen and hands them to `selected`)."""
    from .filtering import expression_option, tag_option

    for decorator in reversed([
        click.option("--owner", help="Only records with this owner.", shell_complete=owners),
        click.option("--territory", help="Only records in this territory.", shell_complete=territories),
        click.option("--stage", help="Only leads or opportunities in this stage.", shell_complete=stages),
        click.option("--where", "wheres", multiple=True, metavar="KEY=VALUE",
                     help="Only records whose KEY equals VALUE (KEY!=VALUE for the opposite; the value "
                          "whole, spaces and all); repeatable. The simplest --filter."),
        expression_option, tag_option,
        click.option("--sort", "sort_key", metavar="KEY", help="Sort by this key (prefix '-' for descending)."),
        click.option("--limit", type=click.IntRange(min=1), metavar="N", help="At most this many records (after sorting)."),
    ]):
        fn = decorator(fn)
    return fn


def known_names(vault, owner, territory) -> tuple:
    """--owner and --territory as the records have them; one salesmd.yaml does not list: exit 2."""
    from ..owners import UnknownName

    try:
        return vault.config.roster.filters(owner, territory)
    except UnknownName as e:
        fail(str(e))


def known_type(vault, type_: str, extra: tuple[str, ...] = ()) -> str:
    """`type_` if the vault has that record type, built in or declared in salesmd.yaml (or it is
    one of `extra`); else exit 2 saying so (cli/type_arg.py: click cannot check it)."""
    types = vault.config.types
    if type_ in types.names or type_ in extra:
        return type_
    from ..suggest import did_you_mean

    fail(f"error: '{type_}' is not a record type{did_you_mean(type_, (*types.names, *extra))}; "
         f"the types are {', '.join(types.names)}")


def selected(app: "App", type_: str, owner, territory, stage, wheres, sort_key, tree=None, tags=(), limit=None):
    """(vault, records) chosen by the filter options."""
    from ..reports.query import QueryError, select

    vault, _ = app.load()
    known_type(vault, type_)
    owner, territory = known_names(vault, owner, territory)
    filters = [f"owner={owner}"] * bool(owner) + [f"territory={territory}"] * bool(territory) \
        + [f"stage={stage}"] * bool(stage) + list(wheres)
    try:
        return vault, select(vault, type_, filters, sort_key, tree, tags, limit)
    except QueryError as e:
        fail("error: " + str(e))


# The other command families live in modules of their own; importing them registers their commands.
