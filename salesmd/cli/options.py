"""The global options (--vault, --today, -v, --no-cache), accepted after the command name too,
and the date they and the commands take (DATE)."""

from __future__ import annotations

import datetime as dt
import os

import click


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


DATE = Date()


def set_no_cache(ctx) -> None:
    """--no-cache: SALESMD_NO_CACHE=1 for this command, as it was afterwards."""
    before = os.environ.get("SALESMD_NO_CACHE")
    os.environ["SALESMD_NO_CACHE"] = "1"
    ctx.call_on_close(lambda: os.environ.pop("SALESMD_NO_CACHE") if before is None
                      else os.environ.__setitem__("SALESMD_NO_CACHE", before))


def _global_after_name(ctx, param, value):
    """A global option given after the command name: the same as given before it."""
    if value in (None, 0, False):
        return
    app = ctx.find_root().obj  # the App the main group made
    if app is None:  # shell completion parses without running the group: kept for the completer
        ctx.find_root().meta[f"salesmd.{param.name}"] = value
        return
    if param.name == "verbose":
        app.verbose += value
    elif param.name == "no_cache":
        set_no_cache(ctx)
    else:
        setattr(app, param.name, value)


NO_VAULT = {"init"}  # commands that do not read a vault take none of the global options


def vault_options(command: click.Command) -> click.Command:
    """--vault, --today, -v and --no-cache after the command name too, on every command that reads
    a vault (a group: on each of its commands). The pre-commit framework can only append its
    `args:` to the entry, so `salesmd check --staged --vault crm` must work."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            vault_options(sub)
        return command
    if command.name in NO_VAULT or any(p.name == "vault_option" for p in command.params):
        return command
    command.params += [
        click.Option(["--vault", "vault_option"], metavar="PATH", expose_value=False, callback=_global_after_name,
                     help="The vault folder (as `salesmd --vault PATH`)."),
        click.Option(["--today", "today_option"], type=DATE, expose_value=False, callback=_global_after_name,
                     help="Pretend today is this date (as `salesmd --today`)."),
        click.Option(["-v", "--verbose"], count=True, expose_value=False, callback=_global_after_name,
                     help="Show how long each loading stage took."),
        click.Option(["--no-cache"], is_flag=True, expose_value=False, callback=_global_after_name,
                     help="Read everything afresh (as `salesmd --no-cache`)."),
    ]
    return command
