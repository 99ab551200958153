"""Commands that write records: new, convert, move, won, lost, log, done. Thin: plan, then finish."""

from __future__ import annotations

import datetime as dt
import functools

import click

from ..model import printable
from ..schema import CUSTOMER
from .complete import PIPELINES, kinds, open_items, owners, record_ids, stages
from .app import App, _format_problem, fail, known_type, main, pass_app
from .options import DATE
from .type_arg import RecordType


def writing_options(what: str = "wrote", undone: str = "nothing was written"):
    """--dry-run and --commit/--no-commit for a command that writes; refusals become messages."""
    def decorate(fn):
        fn = click.option("--commit/--no-commit", "commit", default=None,
                          help=f"Make one git commit of what the command {what} (default: `commit` in "
                               "salesmd.yaml).")(fn)
        fn = click.option("--dry-run", is_flag=True,
                          help="Show what would be written (the diff, or the list); write nothing.")(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            from ..write.files import WriteError
            from ..write.records import PlanError

            try:
                return fn(*args, **kwargs)
            except PlanError as e:
                fail(f"{e}; {undone}", 1)
            except WriteError as e:
                fail(str(e), 1)
        return wrapper
    return decorate


write_options = writing_options()


class Moment(click.ParamType):
    """A date (2026-11-25), a datetime (2026-11-25T14:30 or '2026-11-25 14:30'), or a day from
    today (tomorrow, +3d, fri 10:30: when.py), which the command resolves with when.resolve."""

    name = "WHEN"

    def convert(self, value, param, ctx):
        from ..when import FORMS, parse_iso_arg, relative

        if isinstance(value, (dt.date, dt.datetime)):
            return value
        found = parse_iso_arg(value) or relative(value)
        if found is None:
            self.fail(f"{value!r} is not {FORMS}", param, ctx)
        return found


MOMENT = Moment()


def _now(app: App) -> tuple[dt.date, dt.datetime]:
    today = app.today
    now = dt.datetime.now().replace(second=0, microsecond=0)
    if now.date() != today:  # --today or a fixed today in the config: keep the clock time, move the day
        now = dt.datetime.combine(today, now.time())
    return today, now


def finish(app: App, changes, dry_run: bool, commit: bool | None) -> None:
    """Check the planned change, then show it (--dry-run) or write it (and commit)."""
    from ..checks.run import run_check

    vault, _ = app.load()
    _, before, _ = run_check(vault.root, quick=True)
    new = changes.new_problems(before)
    if new:
        for p in new:
            click.echo(_format_problem(app, p), err=True)
        fail("refused: the change would add the problems above; nothing was written", 1)
    if dry_run:
        click.echo(printable(changes.diff(), keep_newlines=True), nl=False)
        return
    wants_commit = commit if commit is not None else vault.config.commit
    if wants_commit:
        from ..git.repo import GitError, Repo

        try:
            repo = Repo.locate(vault.root)
        except GitError as e:
            fail(f"--commit: {e}; nothing was written", 1)
        if repo is None:
            fail("--commit needs the vault to be in a git repository (git init); nothing was written", 1)
    changes.apply()
    for c in changes.changes:
        done = "deleted" if c.after is None else "edited" if c.before else "created"
        click.echo(printable(f"{done} {app.show_path(c.rel)}"))
    if wants_commit:
        sha = changes.commit()
        click.echo(printable(f"committed {sha}: {changes.message}") if sha else "nothing to commit: the files are as in HEAD")


def warnings(app: App, changes, capacity: bool = False) -> list:
    """What to tell of the records `changes` creates, shown after the write (which they do not
    stop): an owner or territory salesmd.yaml does not list and, with `capacity`, a task that
    takes its owner's day over their tasks_per_day."""
    from ..checks.records import check_known_names
    from ..reports.capacity import over_capacity, planned_records

    vault, _ = app.load()
    planned = planned_records(vault, {c.rel: c.after for c in changes.changes})
    created = [c.rel for c in changes.changes if c.before is None and planned.get(c.rel) is not None]
    found = [p for rel in created for p in check_known_names(planned[rel], vault.config)]
    return found + (over_capacity(vault, planned, created) if capacity else [])


def tell(app: App, problems: list) -> None:
    for p in problems:
        click.echo(_format_problem(app, p), err=True)


def _extra_values(args: list[str], type_: str, today: dt.date | None = None, keys: dict | None = None) -> dict:
    """`--key value` / `--key=value` pairs after the known options."""
    from ..write.records import parse_value

    values: dict = {}
    i = 0
    while i < len(args):
        token = args[i]
        if not token.startswith("--") or len(token) < 3:
            fail(f"unexpected argument {token!r}: give values as --key value", 2)
        key, eq, value = token[2:].partition("=")
        if not eq:
            if i + 1 >= len(args):
                fail(f"--{key} needs a value", 2)
            value = args[i + 1]
            i += 1
        values[key.replace("-", "_")] = parse_value(key.replace("-", "_"), value, type_, today, keys)
        i += 1
    return values


class NewCommand(click.Command):
    """`new` takes any --key value pair, so click may not read a value such as '-shipping delay'
    as the short options -s -h -i...: here -h is help only as a word of its own, not a --key's value."""

    FLAGS = ("--edit", "--dry-run", "--commit", "--no-commit", "--verbose", "--no-cache", "--help")

    def parse_args(self, ctx, args):
        for i, arg in enumerate(args):
            if arg == "--":
                break
            before = args[i - 1] if i else ""
            if arg == "-h" and (not before.startswith("--") or "=" in before or before in self.FLAGS):
                click.echo(ctx.get_help(), color=ctx.color)
                ctx.exit()
        return super().parse_args(ctx, self._joined(args))

    def _joined(self, args: list[str]) -> list[str]:
        """`--key -value` as `--key=-value`: a value that starts with a dash ('-vip segment') is the
        key's value, never short options (-v for --verbose, then -ip)."""
        out: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                return out + args[i:]
            following = args[i + 1] if i + 1 < len(args) else None
            if (arg.startswith("--") and "=" not in arg and arg not in self.FLAGS and following is not None
                    and following.startswith("-") and not following.startswith("--") and following != "-h"):
                out.append(f"{arg}={following}")
                i += 2
                continue
            out.append(arg)
            i += 1
        return out


@main.command(cls=NewCommand, context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                                "help_option_names": ["--help"]})
@click.argument("type_", metavar="TYPE", type=RecordType())
@click.argument("name", required=False)
@click.option("--id", "record_id", help="The id (file name) to use instead of one made from NAME.")
@click.option("--edit", "open_editor", is_flag=True, help="Open the new file in $EDITOR.")
@write_options
@click.pass_context
def new(ctx, type_, name, record_id, open_editor, dry_run, commit):
    """Create a record from its skeleton in templates/ (the vault's own templates/skeletons/ first).

    Any other --key value pair sets that key: links take ids (--account acme-corp), lists take
    commas (--contacts jane-doe,li-wei), dates are YYYY-MM-DD.

    Example: salesmd new opportunity "Acme fleet renewal" --account acme-corp --amount 48000
    """
    from ..write.changes import ChangeSet
    from ..write.records import plan_new

    app: App = ctx.find_object(App)
    if not name:
        if not open_editor:
            fail("give the record a NAME (or use --edit to write it in your editor)", 2)
        name = click.prompt(f"{type_} name")
    vault, _ = app.load()
    known_type(vault, type_)
    today, now = _now(app)
    values = _extra_values(ctx.args, type_, today, vault.config.types.keys)
    if isinstance(values.get("owner"), str):  # an alias in salesmd.yaml's owners: is its owner's id
        values["owner"] = vault.config.roster.owner_id(values["owner"]) or values["owner"]
    changes = ChangeSet(vault.root, "")
    new_id = plan_new(vault, changes, type_, name, values, today, now, record_id=record_id)
    changes.message = f"new {type_} {new_id}"
    told = warnings(app, changes, capacity=type_ == "task")
    finish(app, changes, dry_run, commit)
    tell(app, told)
    if open_editor and not dry_run:
        click.edit(filename=str(vault.root / changes.changes[0].rel))


@main.command()
@click.argument("lead_id", metavar="LEAD", shell_complete=record_ids("lead"))
@click.option("--name", help="The opportunity's name (default: the lead's name).")
@click.option("--amount", type=float, help="Expected amount.")
@click.option("--close-date", type=DATE, help="Expected close date.")
@click.option("--stage", help="Opening stage (default: the first open stage).", shell_complete=stages)
@click.option("--account", "account_id", metavar="ID", shell_complete=record_ids("account"),
              help="Link this existing account (default: found or created from the lead's company).")
@click.option("--contact", "contact_id", metavar="ID", shell_complete=record_ids("contact"),
              help="Link this existing contact (default: found or created from the lead's person).")
@write_options
@pass_app
def convert(app: App, lead_id, name, amount, close_date, stage, account_id, contact_id, dry_run, commit):
    """Qualify a lead: create its opportunity, contact and account, and mark it converted.

    The lead gets stage converted, converted_to and converted_on; the opportunity's lead points
    back. All files are written together or none are.

    Example: salesmd convert bolt-builders --amount 36000 --close-date 2027-01-31
    """
    from ..write.records import need, plan_convert

    vault, _ = app.load()
    today, now = _now(app)
    lead = need(vault, lead_id, "lead")
    if amount is not None and amount.is_integer():
        amount = int(amount)
    changes = plan_convert(vault, lead, name=name, amount=amount, close_date=close_date, stage=stage,
                           account_id=account_id, contact_id=contact_id, today=today, now=now)
    finish(app, changes, dry_run, commit)


def _set_values(pairs: tuple[str, ...], type_: str, today: dt.date | None = None, option: str = "--set ",
                keys: dict | None = None) -> dict:
    """KEY=VALUE pairs (of --set, or of `set`'s arguments with option ''), each value typed as
    its key takes it (a date key also takes `tomorrow`, `+30d`... counted from `today`)."""
    from ..write.records import parse_value

    values = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key.strip():
            fail(f"{option}{pair!r}: write it as KEY=VALUE", 2)
        values[key.strip()] = parse_value(key.strip(), value, type_, today, keys)
    return values


set_option = click.option("--set", "pairs", multiple=True, metavar="KEY=VALUE",
                          help="Also set this key (repeatable), e.g. --set amount=48000.")


@main.command()
@click.argument("record_id", metavar="ID", shell_complete=record_ids(PIPELINES))
@click.argument("stage", shell_complete=stages)
@set_option
@write_options
@pass_app
def move(app: App, record_id, stage, pairs, dry_run, commit):
    """Move an opportunity, a lead, an issue or a declared type's record to another stage of its pipeline.

    Refuses an unknown stage, leaving a terminal stage, and a stage whose required keys are
    missing (set them with --set in the same command).

    Example: salesmd move acme-fleet-renewal negotiation --set amount=52000
    """
    from ..write.records import need, plan_move

    vault, _ = app.load()
    record = need(vault, record_id, vault.config.types.pipeline_types)
    changes = plan_move(vault, record, stage, _set_values(pairs, record.type, app.today, keys=vault.config.types.keys),
                        app.today)
    finish(app, changes, dry_run, commit)


@main.command()
@click.argument("record_id", metavar="OPPORTUNITY", shell_complete=record_ids("opportunity"))
@click.option("--amount", type=float, help="The final amount.")
@click.option("--close-date", type=DATE, help="When it closed (default: today).")
@write_options
@pass_app
def won(app: App, record_id, amount, close_date, dry_run, commit):
    """Mark an opportunity won; sets close_date to today (the actual close) unless given.

    Example: salesmd won acme-fleet-renewal --amount 51000
    """
    values = {"close_date": close_date or app.today}
    if amount is not None:
        values["amount"] = int(amount) if amount.is_integer() else amount
    _close(app, record_id, "won", values, dry_run, commit)


def _close(app: App, record_id: str, stage: str, values: dict, dry_run: bool, commit: bool | None) -> None:
    """won and lost: move an opportunity to a terminal stage, setting `values` with it."""
    from ..write.records import need, plan_move

    vault, _ = app.load()
    changes = plan_move(vault, need(vault, record_id, "opportunity"), stage, values, app.today)
    finish(app, changes, dry_run, commit)


@main.command()
@click.argument("record_id", metavar="OPPORTUNITY", shell_complete=record_ids("opportunity"))
@click.option("--reason", required=True, help="Why it was lost (lost_reason).")
@click.option("--close-date", type=DATE, help="When it was lost (default: today).")
@write_options
@pass_app
def lost(app: App, record_id, reason, close_date, dry_run, commit):
    """Mark an opportunity lost, with its reason; sets close_date to today unless given.

    Example: salesmd lost acme-fleet-renewal --reason "went with a cheaper used fleet"
    """
    _close(app, record_id, "lost", {"lost_reason": reason, "close_date": close_date or app.today}, dry_run, commit)


@main.command()
@click.argument("kind", shell_complete=kinds)
@click.option("--related", "related_ids", multiple=True, required=True, metavar="ID",
              shell_complete=record_ids(*CUSTOMER),
              help="Who or what it was with: a lead, contact, account or opportunity (repeatable).")
@click.option("--subject", help="What it was about (default: '<Kind> with <name>').")
@click.option("--planned", is_flag=True, help="It is scheduled, not done yet (status planned).")
@click.option("--start", type=MOMENT, help="When it starts (default: now).")
@click.option("--end", type=MOMENT, help="When it ends.")
@click.option("--outcome", help="What came of it.")
@click.option("--owner", help="Whose activity it is (default: the related record's owner).",
              shell_complete=owners)
@write_options
@pass_app
def log(app: App, kind, related_ids, subject, planned, start, end, outcome, owner, dry_run, commit):
    """Record an activity with a customer in one line (call, email, meeting, ...).

    Example: salesmd log call --related acme-fleet-renewal --outcome "agreed to a site visit"
    """
    from ..schema import CUSTOMER
    from ..when import resolve
    from ..write.records import need, plan_log

    vault, _ = app.load()
    today, now = _now(app)
    related = [need(vault, r, CUSTOMER) for r in related_ids]
    start, end = resolve(start, today), resolve(end, today)
    owner = vault.config.roster.owner_id(owner) or owner  # an alias in salesmd.yaml's owners: is its id
    changes = plan_log(vault, kind, related, subject=subject, planned=planned, start=start, end=end,
                       outcome=outcome, owner=owner, today=today, now=now)
    told = warnings(app, changes)
    finish(app, changes, dry_run, commit)
    tell(app, told)


@main.command()
@click.argument("task_id", metavar="ID", shell_complete=open_items)
@click.option("--outcome", help="What came of it (outcome).")
@click.option("--follow-up", "follow_up", metavar="SUBJECT", help="Create a follow-up task with this subject.")
@click.option("--due", type=MOMENT, help="The follow-up's due date (2026-12-01, tomorrow, +3d, fri).")
@write_options
@pass_app
def done(app: App, task_id, outcome, follow_up, due, dry_run, commit):
    """Complete a task, or mark a planned activity done; optionally create a follow-up task
    (a task's is linked to it with `follows`; an activity's takes its related records).

    Example: salesmd done chase-quote --outcome "signed PO" --follow-up "Book delivery" --due 2026-12-01
    """
    from ..when import resolve
    from ..write.records import need, plan_done

    vault, _ = app.load()
    today, now = _now(app)
    task = need(vault, task_id, ("task", "activity"))
    changes = plan_done(vault, task, outcome=outcome, follow_up=follow_up, due=resolve(due, today),
                        today=today, now=now)
    told = warnings(app, changes, capacity=True)
    finish(app, changes, dry_run, commit)
    tell(app, told)
