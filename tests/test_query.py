"""--filter expressions, --tag, --limit on list/export/pipeline/agenda, and --format ids / tsv."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import make_vault

DEALS = {
    "opportunities/big-fleet.md": """\
        ---
        type: opportunity
        name: Big fleet deal
        stage: negotiation
        account: "[[acme-corp]]"
        amount: 120000
        close_date: 2027-02-01
        owner: dev
        tags: [fleet, "#key-account"]
        ---
        """,
    "opportunities/small-parts.md": """\
        ---
        type: opportunity
        name: Small parts order
        stage: won
        account: "[[acme-corp]]"
        amount: 9500
        close_date: 2026-11-02
        owner: maria
        tags: [parts]
        ---
        """,
    "tasks/fleet-demo.md": """\
        ---
        type: task
        subject: "Fleet demo\twith tabs"
        status: open
        due: 2026-11-25
        related: ["[[big-fleet]]"]
        ---
        Line one
        """,
}


@pytest.fixture
def deals(tmp_path):
    return make_vault(tmp_path / "v", DEALS)


def ids(vault, *args):
    result = vault.run(*args, "--format", "ids")
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


@pytest.mark.parametrize("expr, expected", [
    ("amount>50000", ["big-fleet"]),
    ("amount<=9500", ["small-parts"]),
    ("amount>=9500 AND amount<48000", ["small-parts"]),
    ("stage=proposal", ["acme-fleet-renewal"]),
    ("stage!=won", ["acme-fleet-renewal", "big-fleet"]),
    ("name~=FLEET", ["acme-fleet-renewal", "big-fleet"]),
    ("close_date<2026-12-31", ["acme-fleet-renewal", "small-parts"]),
    ("close_date>=2026-12-15", ["acme-fleet-renewal", "big-fleet"]),
    ("stage=won OR amount>100000", ["big-fleet", "small-parts"]),
    # AND binds tighter than OR: (won) OR (fleet AND big)
    ("stage=won OR name~=fleet AND amount>50000", ["big-fleet", "small-parts"]),
    ("name~=fleet AND amount>50000 OR stage=won", ["big-fleet", "small-parts"]),
    ("(stage=won OR name~=fleet) AND amount<50000", ["acme-fleet-renewal", "small-parts"]),
    ("(stage=won OR name~=fleet) and amount>50000", ["big-fleet"]),
    ('name~="parts order"', ["small-parts"]),
    ("owner=dev", ["big-fleet"]),
    ("lost_reason=\"\"", ["acme-fleet-renewal", "big-fleet", "small-parts"]),  # missing matches empty
    ("account=acme-corp AND tags=fleet", ["big-fleet"]),  # a link by its id; a list by one item
])
def test_filter_expressions_on_list(deals, expr, expected):
    assert ids(deals, "list", "opportunity", "--filter", expr) == expected


def test_a_datetime_compares_with_a_date_by_its_day(deals):
    assert ids(deals, "list", "activity", "--filter", "start>=2026-11-20") == ["call-jane"]
    assert ids(deals, "list", "activity", "--filter", "start<2026-11-20") == []
    assert ids(deals, "list", "activity", "--filter", "start<2026-11-20T10:30") == ["call-jane"]


def test_the_same_filter_on_export_and_pipeline(deals):
    exported = json.loads(deals.run("export", "opportunity", "--filter", "amount>50000", "--format", "json").stdout)
    assert [r["id"] for r in exported] == ["big-fleet"]
    pipeline = deals.json("pipeline", "--filter", "amount>50000")
    assert pipeline["open"]["count"] == 1 and pipeline["open"]["by_currency"]["USD"]["amount"] == 120000
    assert pipeline["filters"]["filter"] == "amount>50000"
    text = deals.run("pipeline", "--filter", "amount>50000", "--tag", "fleet", ok=True).stdout
    assert " for filter amount>50000, tags fleet (period " in text.splitlines()[0]
    assert ids(deals, "pipeline", "--filter", "amount>40000") == ["acme-fleet-renewal", "big-fleet"]
    assert ids(deals, "pipeline", "--filter", "amount>50000") == ["big-fleet"]


@pytest.mark.parametrize("expr, column", [
    ("amount>>5", 8), ("amount>", 8), ("(stage=won", 11), ("stage=won)", 10), ("stage=won AND", 14),
    ("amount>lots", 8), ('name~="fleet', 7), ("stage won", 7), ("=won", 1), ("stage=won stage=lost", 11),
])
def test_a_malformed_filter_says_where_on_one_line_and_exits_2(deals, expr, column):
    for command in (["list", "opportunity"], ["export", "opportunity"], ["pipeline"]):
        result = deals.run(*command, "--filter", expr)
        assert result.exit_code == 2 and result.stdout == "", (command, expr)
        assert result.stderr.startswith(f"salesmd: error: --filter {expr!r}: column {column}: "), result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_where_is_kept_as_the_simplest_filter_value_and_all(deals):
    assert ids(deals, "list", "opportunity", "--where", "name=Big fleet deal") == ["big-fleet"]
    assert ids(deals, "list", "opportunity", "--where", "stage!=won", "--filter", "amount<100000") \
        == ["acme-fleet-renewal"]
    bad = deals.run("list", "opportunity", "--where", "amount")
    assert bad.exit_code == 2 and bad.stderr.startswith("salesmd: error: --where 'amount'")


def test_tags_all_required_any_case_hash_or_not_and_tasks_carry_their_deals(deals):
    assert ids(deals, "list", "opportunity", "--tag", "fleet") == ["big-fleet"]
    assert ids(deals, "list", "opportunity", "--tag", "FLEET", "--tag", "key-account") == ["big-fleet"]
    assert ids(deals, "list", "opportunity", "--tag", "fleet", "--tag", "parts") == []
    assert ids(deals, "list", "opportunity", "--tag", "#parts") == ["small-parts"]
    assert ids(deals, "list", "task", "--tag", "fleet") == ["fleet-demo"]  # its deal's tag
    assert ids(deals, "export", "task", "--tag", "fleet") == ["fleet-demo"]
    assert ids(deals, "pipeline", "--tag", "fleet") == ["big-fleet"]
    agenda = deals.json("agenda", "--tag", "fleet", "--date", "2026-11-24")
    shown = json.dumps(agenda)
    assert "fleet-demo" in shown and "chase-quote" not in shown
    assert "chase-quote" in json.dumps(deals.json("agenda", "--date", "2026-11-24"))


def test_limit_takes_the_first_after_sorting(deals):
    assert ids(deals, "list", "opportunity", "--sort", "-amount", "--limit", "2") == ["big-fleet", "acme-fleet-renewal"]
    assert ids(deals, "export", "opportunity", "--sort", "amount", "--limit", "1") == ["small-parts"]
    assert deals.run("list", "opportunity", "--limit", "0").exit_code == 2


def test_format_ids_is_one_id_a_line_for_xargs(deals):
    out = deals.run("list", "opportunity", "--format", "ids").stdout
    assert out == "acme-fleet-renewal\nbig-fleet\nsmall-parts\n"
    assert deals.run("list", "opportunity", "--filter", "amount>1000000", "--format", "ids").stdout == ""
    agenda = ids(deals, "agenda", "--date", "2026-11-24")
    assert len(agenda) == len(set(agenda)) and "chase-quote" in agenda


def test_format_tsv_is_a_header_and_a_line_a_record_with_tabs_and_newlines_escaped(deals):
    deals.write("tasks/fleet-demo.md", deals.read("tasks/fleet-demo.md").replace(
        "status: open", 'status: open\noutcome: "two\\nlines and a back\\\\slash"'))
    out = deals.run("list", "task", "--columns", "id,subject,outcome", "--format", "tsv").stdout
    lines = out.splitlines()
    assert lines[0] == "id\tsubject\toutcome"
    assert "fleet-demo\tFleet demo\\twith tabs\ttwo\\nlines and a back\\\\slash" in lines
    assert all(line.count("\t") == 2 for line in lines) and len(lines) == 4
    exported = deals.run("export", "task", "--format", "tsv").stdout.splitlines()
    assert exported[0].split("\t")[0] == "id" and len(exported) == 4
    header = exported[0].split("\t")
    row = dict(zip(header, next(line for line in exported if line.startswith("fleet-demo")).split("\t")))
    assert row["subject"] == "Fleet demo\\twith tabs" and row["related"] == "big-fleet"
    pipeline = deals.run("pipeline", "--format", "tsv").stdout.splitlines()
    assert pipeline[0].startswith("id\tname\tstage") and len(pipeline) == 3
    as_csv = list(csv.reader(io.StringIO(deals.run("pipeline", "--format", "csv").stdout)))
    assert [line.split("\t") for line in pipeline] == as_csv
