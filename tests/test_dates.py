"""Dates and datetimes as editors and tools write them (FORMAT.md, issue 11 item 1).

QuickAdd quotes dates, Templater writes `2026-11-20 10:30`, gray-matter and js-yaml save every date
as `2026-06-09T00:00:00.000Z`: on a key that takes a date, each is the date it shows, for every
command; a key that takes text keeps a date-like text; a date still refused says what is wrong;
a command that changes a date writes it in the style the old one had.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import VaultDir, git, make_vault

ROOT = Path(__file__).resolve().parent.parent
TODAY = ["--today", "2026-11-24"]

# Records as editors' tools save them: quoted dates, space datetimes, js-yaml timestamps, offsets.
TOOLS = {
    "accounts/tree-company.md": """\
        ---
        type: account
        name: Tree Company
        owner: maria
        created: 2026-06-09T00:00:00.000Z
        ---
        """,
    "opportunities/tree-fleet.md": """\
        ---
        type: opportunity
        name: Tree fleet
        stage: proposal
        account: "[[tree-company]]"
        amount: 30000
        close_date: "2026-11-27"
        created: '2026-10-01'
        owner: maria
        ---
        """,
    "opportunities/tree-rental.md": """\
        ---
        type: opportunity
        name: Tree rental
        stage: negotiation
        account: "[[tree-company]]"
        amount: 12000
        close_date: 2026-12-10T00:00:00.000Z
        created: 2026-10-05T00:00:00+00:00
        owner: maria
        ---
        """,
    "opportunities/tree-late.md": """\
        ---
        type: opportunity
        name: Tree late
        stage: proposal
        account: "[[tree-company]]"
        amount: 5000
        close_date: "2026-11-02T00:00:00.000Z"
        owner: maria
        ---
        """,
    "tasks/quoted-due.md": """\
        ---
        type: task
        subject: Send the Tree quote
        status: open
        due: "2026-11-25"
        related: ["[[tree-fleet]]"]
        owner: maria
        ---
        """,
    "tasks/space-due.md": """\
        ---
        type: task
        subject: Call Tree back
        status: open
        due: "2026-11-26 09:30"
        related: ["[[tree-fleet]]"]
        owner: maria
        ---
        """,
    "activities/templater-visit.md": """\
        ---
        type: activity
        subject: Visit the Tree yard
        kind: meeting
        status: planned
        start: 2026-11-25 14:30
        end: 2026-11-25 15:45
        related: ["[[tree-fleet]]"]
        owner: maria
        ---
        """,
    "activities/offset-call.md": """\
        ---
        type: activity
        subject: Call the Tree buyer
        kind: call
        status: planned
        start: 2026-11-26T12:00:00.000+01:00
        end: "2026-11-26 12:30:00 +01:00"
        related: ["[[tree-rental]]"]
        owner: maria
        ---
        """,
    "notes/tree-terms.md": """\
        ---
        type: note
        title: Tree terms
        date: '2026-11-20'
        related: ["[[tree-fleet]]"]
        ---
        """,
}


def scheduled(report) -> dict[str, set[str]]:
    return {day["date"]: {i["id"] for o in day["owners"] for i in o["items"]} for day in report["schedule"]}


def test_a_vault_written_by_editors_and_javascript_tools_checks_clean(tmp_path):
    v = make_vault(tmp_path / "v", TOOLS)
    result = v.run(*TODAY, "check", ok=True)
    assert "error[" not in result.output and "warning[" not in result.output


def test_its_agenda_and_pipeline_place_the_records_on_their_days(tmp_path):
    v = make_vault(tmp_path / "v", TOOLS)
    days = scheduled(v.json(*TODAY, "agenda", "--days", "3"))
    assert days["2026-11-25"] == {"quoted-due", "templater-visit"}
    assert days["2026-11-26"] == {"space-due", "offset-call", "chase-quote"}
    agenda = v.run(*TODAY, "agenda", "--days", "3", ok=True).output
    assert "14:30-15:45  meeting   Visit the Tree yard" in agenda
    assert "skipped" not in agenda.casefold()
    late = v.json(*TODAY, "agenda")["overdue_deals"]
    assert {d["id"]: d["close_date"] for d in late}["tree-late"] == "2026-11-02"

    pipeline = v.json(*TODAY, "pipeline", "--period", "2026-Q4", "--deals")
    close = {d["id"]: d["close_date"] for d in pipeline["deals"]}
    assert close["tree-fleet"] == "2026-11-27" and close["tree-rental"] == "2026-12-10"
    assert close["tree-late"] == "2026-11-02"
    ages = {d["id"]: d["age_days"] for d in pipeline["deals"]}
    assert ages["tree-fleet"] == 54 and ages["tree-rental"] == 50  # from created, quoted or js-yaml's

    shown = v.json("show", "tree-rental")["fields"]
    assert shown["close_date"] == "2026-12-10" and shown["created"] == "2026-10-05"
    assert v.json("show", "tree-terms")["fields"]["date"] == "2026-11-20"


def javascript_saved(text: str) -> tuple[str, int]:
    """A record as gray-matter / js-yaml save it back: every date a UTC timestamp with milliseconds."""
    head, sep, body = text.partition("\n---\n")
    head, n_dates = re.subn(r"^(\w+): (\d{4}-\d\d-\d\d)$", r"\1: \2T00:00:00.000Z", head, flags=re.M)
    head, n_times = re.subn(r"^(\w+): (\d{4}-\d\d-\d\dT\d\d:\d\d)$", r"\1: \2:00.000Z", head, flags=re.M)
    return head + sep + body, n_dates + n_times


def test_the_example_vault_saved_by_a_javascript_tool_checks_clean(tmp_path):
    original, saved = VaultDir(tmp_path / "original"), VaultDir(tmp_path / "saved")
    for copy in (original, saved):
        shutil.copytree(ROOT / "example-vault", copy.root, ignore=shutil.ignore_patterns(".salesmd", "_site"))
    changed = 0
    for path in saved.root.rglob("*.md"):
        text, n = javascript_saved(path.read_text(encoding="utf-8"))
        path.write_text(text, encoding="utf-8")
        changed += n
    assert changed > 150
    assert "close_date: 2026-11-20T00:00:00.000Z" in saved.read("opportunities/baker-sons-aerial-lifts.md")
    result = saved.run("check")
    assert result.exit_code == 0, result.output
    assert "error[" not in result.output and "warning[" not in result.output
    assert saved.json("pipeline") == original.json("pipeline")  # every close date and created on its day


@pytest.mark.parametrize("name", ['"2026-11-20"', "'2026-11-20'", '"2026-11-20 10:30"', '"2026-06-09T00:00:00.000Z"'])
def test_a_name_that_looks_like_a_date_stays_text(tmp_path, name):
    v = make_vault(tmp_path / "v", {
        "accounts/dated.md": f"---\ntype: account\nname: {name}\nindustry: '2026-01-01'\n---\n",
    })
    v.run("check", ok=True)
    row = next(r for r in v.json("list", "account") if r["id"] == "dated")
    assert row["name"] == name.strip("'\"") and row["industry"] == "2026-01-01"
    assert v.json("show", "dated")["fields"]["name"] == name.strip("'\"")


def test_an_unquoted_date_on_a_text_key_is_still_refused_with_the_quotes_to_add(tmp_path):
    v = make_vault(tmp_path / "v", {"accounts/dated.md": "---\ntype: account\nname: 2026-11-20\n---\n"})
    result = v.run("check", ok=False)
    assert ('accounts/dated.md:3: error[value-type]: \'name\' must be text, not date: '
            'YAML read it as a date; quote it: name: "2026-11-20"') in result.output


@pytest.mark.parametrize("line, message", [
    ("close_date: 2026-12-15T10:30", "'close_date' takes a date without a time, not 2026-12-15T10:30; "
                                     "write close_date: 2026-12-15"),
    ("close_date: 2026-12-14T23:00:00.000Z", "'close_date' takes a date without a time, not the moment "
                                             "2026-12-14T23:00Z: only midnight UTC"),
    ('close_date: "2026-02-30"', "'close_date' must be a date written YYYY-MM-DD (2026-11-25), not "
                                 "'2026-02-30': 2026-02 has no day 30 (it has 28)"),
    ("close_date: 2026-13-01", "there is no month 13"),
    ('close_date: "15.12.2026"', "'15.12.2026': write the year first, then the month and the day (YYYY-MM-DD)"),
    ('close_date: "2026-12-5"', "write the month and the day with two digits each (2026-03-05)"),
    ("close_date: 20261215", "not the number 20261215"),
    ("close_date: soon", "'close_date' must be a date written YYYY-MM-DD (2026-11-25), not 'soon'"),
])
def test_a_date_still_refused_says_what_is_wrong(tmp_path, line, message):
    v = make_vault(tmp_path / "v", {"opportunities/odd-deal.md": f"""\
        ---
        type: opportunity
        name: Odd deal
        stage: prospecting
        {line}
        ---
        """})
    result = v.run("check", ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    problems = [p for p in result.output.splitlines() if "error[" in p]
    assert len(problems) == 1 and "opportunities/odd-deal.md:5: error[value-type]: " in problems[0]
    assert message in problems[0]


@pytest.mark.parametrize("start, message", [
    ('"2026-11-20 25:00"', "the hour 25 is past 23"),
    ("2026-11-20 10:30 +25:00", "'+25:00' is not a time zone offset"),
    ("next tuesday", "'start' must be a date written YYYY-MM-DD (2026-11-25) or a datetime "
                     "(2026-11-25T14:30 or 2026-11-25 14:30), not 'next tuesday'"),
])
def test_a_datetime_still_refused_says_what_is_wrong(tmp_path, start, message):
    v = make_vault(tmp_path / "v", {"activities/call-jane.md": f"""\
        ---
        type: activity
        subject: Call Jane
        kind: call
        status: done
        start: {start}
        ---
        """})
    result = v.run("check", ok=False)
    assert f"activities/call-jane.md:6: error[value-type]: " in result.output
    assert message in result.output


def deal(close_date: str) -> dict[str, str]:
    return {"opportunities/acme-fleet-renewal.md": f"""\
        ---
        type: opportunity
        name: Acme fleet renewal
        stage: proposal
        account: "[[acme-corp]]"
        amount: 48000
        close_date: {close_date}  # as the CRM script wrote it
        lead: "[[jane-doe-inquiry]]"
        owner: maria
        ---
        """}


def changed_lines(vault) -> list[str]:
    diff = git(vault.root, "diff", "-U0", "--", ".")
    return [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]


@pytest.mark.parametrize("old, new", [
    ('"2026-12-15"', '"2026-11-24"'),
    ("'2026-12-15'", "'2026-11-24'"),
    ("2026-12-15T00:00:00.000Z", "2026-11-24T00:00:00.000Z"),
    ('"2026-12-15 00:00:00Z"', '"2026-11-24 00:00:00Z"'),
    ("2026-12-15", "2026-11-24"),
])
def test_won_writes_the_close_date_in_the_style_of_the_old_one(tmp_path, old, new):
    v = make_vault(tmp_path / "v", deal(old))
    v.commit("initial")
    v.run(*TODAY, "won", "acme-fleet-renewal", ok=True)
    assert changed_lines(v) == [
        "-stage: proposal", "+stage: won",
        f"-close_date: {old}  # as the CRM script wrote it", f"+close_date: {new}  # as the CRM script wrote it"]
    v.run(*TODAY, "check", ok=True)


def test_move_with_a_close_date_keeps_its_quotes_and_an_unchanged_one_is_not_rewritten(tmp_path):
    v = make_vault(tmp_path / "v", deal('"2026-12-15"'))
    v.commit("initial")
    v.run("move", "acme-fleet-renewal", "negotiation", "--set", "close_date=2026-12-15", ok=True)
    assert changed_lines(v) == ["-stage: proposal", "+stage: negotiation"]
    v.run("move", "acme-fleet-renewal", "negotiation", "--set", "close_date=2027-01-31", ok=True)
    assert '+close_date: "2027-01-31"  # as the CRM script wrote it' in changed_lines(v)


@pytest.mark.parametrize("old, new", [
    ("2026-11-20 10:30", "2026-11-27 09:00"),
    ('"2026-11-20 10:30"', '"2026-11-27 09:00"'),
    ("2026-11-20T10:30:00", "2026-11-27T09:00:00"),
    ("'2026-11-20'", "'2026-11-27T09:00'"),
])
def test_an_import_that_moves_a_due_date_keeps_its_style(tmp_path, old, new):
    v = make_vault(tmp_path / "v", {"tasks/chase-quote.md": f"""\
        ---
        type: task
        subject: Chase the quote
        status: open
        due: {old}
        related: ["[[acme-fleet-renewal]]"]
        owner: maria
        ---
        """})
    v.commit("initial")
    (tmp_path / "tasks.csv").write_text("id,subject,status,due\nchase-quote,Chase the quote,open,2026-11-27 09:00\n")
    v.run("import", "csv", str(tmp_path / "tasks.csv"), "--type", "task", ok=True)
    assert changed_lines(v) == [f"-due: {old}", f"+due: {new}"]
    v.run("check", ok=True)


def test_new_reads_a_date_typed_as_the_editors_write_it(tmp_path):
    v = make_vault(tmp_path / "v")
    v.run(*TODAY, "new", "task", "Call Tree back", "--due", "2026-11-27 09:00", "--related", "acme-fleet-renewal",
          "--owner", "maria", ok=True)
    assert "\ndue: 2026-11-27T09:00\n" in v.read("tasks/call-tree-back.md")
    assert "call-tree-back" in scheduled(v.json(*TODAY, "agenda", "--days", "4"))["2026-11-27"]


def test_a_date_in_digits_of_another_script_is_text_as_yaml_reads_it(tmp_path):
    # YAML's timestamps are 0-9 only: "2026-02-25T00:0٠" (an Arabic-Indic zero) is a name, on every path
    from salesmd.store.frontmatter import parse_yaml, parse_yaml_reference

    text = "name: 2026-02-25T00:0\u0660\n"
    assert parse_yaml_reference(text).data == {"name": "2026-02-25T00:0\u0660"}
    assert parse_yaml(text).data == {"name": "2026-02-25T00:0\u0660"}
