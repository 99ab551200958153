"""`salesmd plugins list|allow|forget`, and what `check` asks before it runs a vault's plugins."""

from __future__ import annotations

import click

from ..checks.consent import ConsentError, allow, forget, not_allowed, user_config_path
from ..checks.plugins import Plugin, read_plugins
from ..model import Problem, printable
from .app import App, _format_problem, fail, main, pass_app

HOW = ("`salesmd plugins allow` runs them from now on (until a plugin file changes), "
       "`salesmd check --allow-plugins` runs them once")


def plugin_plan(app: App, allow_all: bool) -> tuple[list[Plugin], list[Problem]]:
    """The plugins `check` may run now and the problems of the `plugins:` list; a note on stderr
    names the plugins it may not run and how to allow them."""
    plugins, problems = read_plugins(app.root)
    skipped: dict[str, str] = {}
    if plugins and not allow_all:
        try:
            skipped = not_allowed(app.root, plugins)
        except ConsentError as e:
            click.echo(printable(f"salesmd: note: {e}"), err=True)
            skipped = {p.name: "not allowed" for p in plugins}
    if skipped:
        names = ", ".join(f"{name} ({why})" for name, why in skipped.items())
        click.echo(printable(f"salesmd: note: plugins not run: {names}; {HOW}"), err=True)
    return [p for p in plugins if p.name not in skipped], problems


@main.group()
def plugins():
    """The vault's check plugins (`plugins:` in salesmd.yaml) and your consent to run them.

    Plugins are Python code from the vault: `check` runs them only for a vault you allow here
    (kept in your own config, outside the vault, pinning each file's content) or with
    `check --allow-plugins`.

    Example: salesmd plugins list
    """


@plugins.command(name="list")
@pass_app
def plugins_list(app: App):
    """List the vault's plugins, and whether `check` runs them (allowed, changed, not allowed).

    Example: salesmd plugins list
    """
    found, problems = read_plugins(app.root)
    try:
        skipped = not_allowed(app.root, found)
    except ConsentError as e:
        fail(str(e))
    for p in problems:
        click.echo(_format_problem(app, p))
    for p in found:
        state = skipped.get(p.name, "allowed")
        click.echo(printable(f"{p.name}  {state}  sha256:{p.digest[:12]}  (salesmd.yaml:{p.line})"))
    if not found and not problems:
        click.echo("no plugins: salesmd.yaml lists none under 'plugins:'")
    elif skipped:
        click.echo(printable(f"check does not run those not allowed: `salesmd plugins allow` allows them as they "
                             f"are now (in {user_config_path()})"))


@plugins.command(name="allow")
@pass_app
def plugins_allow(app: App):
    """Allow this vault's plugins, as their files are now, in your user config
    ($XDG_CONFIG_HOME/salesmd/config.yaml or ~/.config/salesmd/config.yaml).

    Read them first: they run as you. A plugin file that changes later (a `git pull`) is not run
    until you allow the vault again.

    Example: salesmd plugins allow
    """
    found, problems = read_plugins(app.root)
    for p in problems:
        click.echo(_format_problem(app, p), err=True)
    if problems:
        fail("fix the 'plugins:' list in salesmd.yaml first; nothing was allowed", 1)
    if not found:
        fail("salesmd.yaml lists no plugins: nothing to allow", 1)
    try:
        path = allow(app.root, found)
    except (ConsentError, OSError) as e:
        fail(f"nothing was allowed: {e}")
    for p in found:
        click.echo(printable(f"allowed {p.name}  sha256:{p.digest[:12]}"))
    click.echo(printable(f"written {path}"))


@plugins.command(name="forget")
@pass_app
def plugins_forget(app: App):
    """Withdraw your allowance of this vault's plugins.

    Example: salesmd plugins forget
    """
    try:
        path = forget(app.root)
    except (ConsentError, OSError) as e:
        fail(str(e))
    click.echo(printable(f"written {path}" if path else f"{app.root} was not allowed: nothing to forget"))
