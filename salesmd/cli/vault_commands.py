"""The commands that read the vault as it is: init, check, list, show, history, hooks."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..config import ConfigError
from ..model import Problem, Record, printable
from ..render.output import TABULAR, count, format_option, table, tabular, to_ids, to_json
from .complete import record_ids
from .app import App, _format_problem, fail, filter_options, main, pass_app, selected
from .asof import as_of_option
from .type_arg import RecordType, declared_columns


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
    from ..write.init import InitError, init_vault

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
@click.option("--allow-plugins", is_flag=True, help="Run the vault's check plugins this once, allowed or not.")
@format_option("text", "json", "github", "gitlab")
@pass_app
def check(app: App, paths, strict: bool, mode: str | None, allow_plugins: bool, fmt: str):
    """Validate every record: schema, links, stages, conversion, YAML pitfalls.

    Prints `path:line: severity[code]: message` for each problem and a summary line, then how
    many Markdown files with front matter are not records, and why (-v lists them).
    With PATHS, only problems in those files or folders are shown (the whole vault is still read,
    so links are checked against everything). Exit status: 0 clean, 1 errors (or warnings with
    --strict), 2 usage error or unreadable configuration.

    The process rules are checked against git history: a record once committed in a terminal
    stage stays there, a converted lead keeps its converted_to.

    --format github prints GitHub Actions annotations, --format gitlab a GitLab Code Quality
    report (JSON), each problem at its path from the repository's top (see docs/ci/).

    Example: salesmd check --strict leads/
    """
    from ..checks.run import CheckError, run_check
    from ..store.load import Timings
    from .progress import for_terminal

    from ..checks.plugins import run_plugins
    from .plugins import plugin_plan

    timings = Timings(progress=for_terminal())
    try:
        run, listed = plugin_plan(app, allow_plugins)
        vault, problems, scope = run_check(app.root, mode or "current", timings=timings, quick=not run)
    except (CheckError, ConfigError) as e:
        fail(str(e))
    with timings.stage("plugins"):  # over the whole vault, after the built-in checks (never kept in the state)
        found = listed + run_plugins(run, vault)
        problems += sorted((p for p in found if scope is None or p.source.path in scope | {"salesmd.yaml"}),
                           key=Problem.sort_key)
    app.print_timings(timings)
    skipped = {p: why for p, why in vault.skipped.items() if scope is None or p in scope}
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

        def asked(path: str) -> bool:
            return any(w in (".", "") or path == w or path.startswith(w.rstrip("/") + "/") for w in wanted)

        problems = [pr for pr in problems if asked(pr.source.path)]
        skipped = {p: why for p, why in skipped.items() if asked(p)}
    from ..reports import skipped as not_records
    from ..reports.problems import ProblemCount

    tally = ProblemCount.of(problems)
    errors, warnings = tally.errors, tally.warnings
    if fmt in ("github", "gitlab"):
        from .annotations import annotate

        annotate(app, fmt, vault.root, problems, f"{count(vault.record_count, 'record')} checked: {tally}")
    elif fmt == "json":
        click.echo(to_json({
            "problems": [dict(p.as_dict(), path=app.show_path(p.source.path)) for p in problems],
            "records": vault.record_count, "errors": errors, "warnings": warnings,
            "not_records": [dict(x, path=app.show_path(x["path"])) for x in not_records.as_json(skipped)],
        }))
    else:
        for p in problems:
            click.echo(_format_problem(app, p))
        click.echo(f"{count(vault.record_count, 'record')} checked: {tally}")
        line = not_records.summary(skipped, listed=bool(app.verbose))
        if line is not None:
            click.echo(printable(line))
            for path, why in sorted(skipped.items()) if app.verbose else ():
                click.echo(printable(f"  {app.show_path(path)}: {not_records.reason(why)}"))
    if errors or (strict and warnings):
        sys.exit(1)


LIST_COLUMNS = {
    "lead": ["id", "name", "stage", "company", "owner", "territory"],
    "contact": ["id", "name", "account", "role", "email", "owner"],
    "account": ["id", "name", "industry", "owner", "territory"],
    "opportunity": ["id", "name", "stage", "amount", "currency", "close_date", "account", "owner", "territory"],
    "activity": ["id", "start", "kind", "status", "subject", "owner"],
    "task": ["id", "due", "status", "subject", "owner"],
    "note": ["id", "date", "title", "owner"],
    "issue": ["id", "severity", "stage", "opened", "subject", "account", "owner"],
}


@main.command(name="list")
@as_of_option
@click.argument("type_", metavar="TYPE", type=RecordType())
@filter_options
@click.option("--columns", help="Comma-separated keys to show instead of the default columns.")
@format_option("text", "json", "csv", "tsv", "ids")
@pass_app
def list_(app: App, type_, columns, fmt, **chosen):
    """List records of one TYPE, filtered and sorted.

    --filter takes comparisons joined by AND and OR: amount>50000, stage!=won, name~=fleet
    (contains, any case), close_date<2026-12-31 (dates as dates). --format ids prints one id a
    line (for xargs); tsv is tab-separated, tabs and new lines in values written \\t and \\n.

    Example: salesmd list opportunity --filter "amount>50000 AND stage!=won" --sort -amount --limit 5
    """
    vault, records = selected(app, type_, **chosen)
    cols = [c.strip() for c in columns.split(",")] if columns else (LIST_COLUMNS.get(type_)
                                                                     or declared_columns(vault.config.types, type_))
    if fmt == "json":
        click.echo(to_json([dict(id=r.id, type=r.type, path=r.path, **{str(k): v for k, v in r.data.items()
                                                                        if k != "type"}) for r in records]))
        return
    from ..reports.query import value_of

    rows = [[r.path if c == "path" else value_of(vault, r, c) for c in cols] for r in records]
    if fmt == "ids":
        click.echo(to_ids(r.id for r in records), nl=False, color=True)
    elif fmt in TABULAR:
        click.echo(tabular(fmt, cols, rows), nl=False, color=True)  # color: click would strip ANSI sequences from data
    else:
        click.echo(table(cols, rows))
        click.echo(count(len(records), type_))


def _record(app: App, record_id: str, doing: str) -> Record:
    """The record with this id; else exit 1 saying why: its file's problems, or no such id."""
    vault, problems = app.load()
    record = vault.get(record_id)
    broken = vault.broken_path(record_id) if record is None else None
    if broken is not None:
        from ..store.indexed import IndexedVault

        for p in vault.problems_of(broken) if isinstance(vault, IndexedVault) else problems:
            if p.source.path == broken:
                click.echo(_format_problem(app, p), err=True)
        fail(f"{app.show_path(broken)} cannot be read as a record (the problems above), so '{record_id}' "
             f"cannot be {doing}", 1)
    if record is None:
        from ..suggest import id_hint

        fail(f"no record with id '{record_id}'{id_hint(record_id, vault.records)}", 1)
    return record


@main.command()
@as_of_option
@click.argument("record_id", metavar="ID", shell_complete=record_ids())
@format_option("text", "json")
@pass_app
def show(app: App, record_id: str, fmt: str):
    """Show one record: its keys, what it links to, what links to it, and its timeline.

    An opportunity's timeline is its whole story: also its lead's activities, tasks and notes, and
    its account's and contacts' activities during the deal's life, each marked where it came from.

    Example: salesmd show acme-fleet-renewal
    """
    from ..git.firsts import FirstCommits
    from ..git.history import pipeline_paths
    from ..reports.record import build_record_view
    from ..render.text import render_record

    vault, _ = app.load()
    record = _record(app, record_id, "shown")
    view = build_record_view(vault, record, FirstCommits(vault.root, lambda: pipeline_paths(vault)))
    if fmt == "json":
        click.echo(to_json(view.as_dict()))
    else:
        click.echo(printable(render_record(view, app.show_path(record.path)), keep_newlines=True))


@main.command()
@click.argument("record_id", metavar="ID", shell_complete=record_ids())
@format_option("text", "json")
@pass_app
def history(app: App, record_id: str, fmt: str):
    """Show a record's life from git: each commit's date, author and front-matter changes.

    Follows renames. Changes not committed yet are shown last.

    Example: salesmd history acme-fleet-renewal
    """
    from ..git.repo import GitError
    from ..render.text import render_history
    from ..reports.record_history import build_record_history

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
@click.option("--force", is_flag=True, help="Replace an existing hook that is not salesmd's.")
@click.option("--server", is_flag=True, help="Install the pre-receive hook of a bare repository (the shared remote).")
@click.option("--repo", "repo_dir", type=click.Path(file_okay=False, path_type=Path), default=".",
              help="With --server: the bare repository (default: the current folder).")
@click.option("--vault-path", default="", metavar="PATH",
              help="With --server: the vault's folder inside the repository (default: its top).")
@pass_app
def hooks_install(app: App, force: bool, server: bool, repo_dir: Path, vault_path: str):
    """Install a git pre-commit hook running `salesmd check --staged`.

    A commit whose staged records break a rule is refused (`git commit --no-verify` skips the
    hook; `salesmd check` still reports what it let through, from history). With --server, in a
    bare repository: a pre-receive hook that refuses a push whose commits break the process rules
    or leave records with errors, naming the commit (it runs `salesmd hooks pre-receive`).

    Example: salesmd hooks install; on the server: salesmd hooks install --server --repo crm.git
    """
    from ..git.hooks import HookError, install_hook, install_server_hook

    if not server and (vault_path or repo_dir != Path(".")):
        fail("--repo and --vault-path are for the server's hook: add --server")
    try:
        path = install_server_hook(repo_dir, vault_path, force) if server else install_hook(app.root, force=force)
    except HookError as e:
        fail(str(e))
    click.echo(f"installed {path}")
