"""`salesmd issues`: the open customer issues, most urgent first (reports/issues.py)."""

from __future__ import annotations

import click

from ..model import printable
from ..render.output import count, format_option, table, to_csv, to_json
from .app import App, fail, known_names, main, pass_app
from .complete import owners, record_ids


@main.command()
@click.option("--owner", help="Only this owner's issues.", shell_complete=owners)
@click.option("--account", "account_id", metavar="ID", shell_complete=record_ids("account"),
              help="Only the issues whose `account` links to this account.")
@format_option("text", "json", "csv")
@pass_app
def issues(app: App, owner, account_id, fmt: str):
    """The open customer issues (issues/ not in a terminal stage), by severity (the last of
    `severities` in salesmd.yaml first, default critical) and then by age (the oldest first).

    Age: days since `opened` (else `created`).

    Example: salesmd issues --account acme-corp
    """
    from ..reports.issues import COLUMNS, open_issues
    from ..write.records import PlanError, need

    vault, _ = app.load()
    owner, _ = known_names(vault, owner, None)
    account = None
    if account_id is not None:
        try:
            account = need(vault, account_id, "account")
        except PlanError as e:
            fail(f"error: --account: {e}")
    found = open_issues(vault, app.today, owner=owner, about=account)
    rows = [i.row(vault) for i in found]
    if fmt == "json":
        click.echo(to_json([dict(zip(COLUMNS, row)) for row in rows]))
        return
    if fmt == "csv":
        click.echo(to_csv(COLUMNS, rows), nl=False, color=True)
        return
    if not rows:
        click.echo("No open issues" + (f" of {printable(owner)}" if owner else "")
                   + (f" for {printable(account.id)}" if account else "") + ".")
        return
    shown = ["id", "severity", "stage", "age", "account", "owner", "subject"]
    picks = [COLUMNS.index(c) for c in ("id", "severity", "stage", "age_days", "account", "owner", "subject")]
    click.echo(table(shown, [[row[i] for i in picks] for row in rows]))
    click.echo(count(len(rows), "open issue"))
