"""salesmd pipeline: stages per currency, the period's forecast, win and conversion rates, open deals."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import make_vault
from salesmd.cli import main
from salesmd.store.load import read_vault
from salesmd.reports.pipeline import build_pipeline, parse_period

ROOT = Path(__file__).resolve().parent.parent
TODAY = ["--today", "2026-11-24"]


def deal(stage: str, close: str | None = None, amount=None, *, currency: str | None = None,
         probability: int | None = None, owner: str = "maria", product: str = "forklifts",
         created: str = "2026-10-01") -> str:
    lines = ["---", "type: opportunity", f"name: {stage} deal", f"stage: {stage}", f"owner: {owner}",
             f"product: {product}", f"created: {created}"]
    lines += [f"close_date: {close}"] * bool(close) + [f"amount: {amount}"] * (amount is not None)
    lines += [f"currency: {currency}"] * bool(currency) + [f"probability: {probability}"] * (probability is not None)
    lines += ["lost_reason: price"] * (stage == "lost")
    return "\n".join(lines + ["---", ""])


FILES = {
    # acme-fleet-renewal (from the base vault): proposal, 48000 USD, close 2026-12-15
    "opportunities/usd-proposal.md": deal("proposal", "2026-11-20", 100000),
    "opportunities/eur-proposal.md": deal("proposal", "2027-01-10", 50000, currency="EUR", probability=80),
    "opportunities/eur-negotiation.md": deal("negotiation", "2026-05-05", 20000, currency="EUR", owner="dev"),
    "opportunities/no-amount.md": deal("prospecting", "2027-02-01", product="rentals"),
    "opportunities/won-nov.md": deal("won", "2026-11-03", 30000),
    "opportunities/won-oct-eur.md": deal("won", "2026-10-15", 10000, currency="EUR"),
    "opportunities/won-2025.md": deal("won", "2025-12-01", 5000),
    "opportunities/lost-dec.md": deal("lost", "2026-12-02", 20000),
    "opportunities/disqualified-nov.md": deal("disqualified", "2026-11-11", 90000),
    # jane-doe-inquiry (base): converted on 2026-10-02; bolt-builders (base): contacted
    "leads/november-convert.md": """\
        ---
        type: lead
        name: November convert
        stage: converted
        converted_to: "[[usd-proposal]]"
        converted_on: 2026-11-05
        ---
        """,
    "leads/dropped.md": "---\ntype: lead\nname: Dropped\nstage: disqualified\n---\n",
}


@pytest.fixture
def pv(tmp_path):
    return make_vault(tmp_path / "v", FILES)


def stage(report: dict, name: str) -> dict:
    return next(s for s in report["stages"] if s["stage"] == name)


def test_stages_count_amount_and_weight_each_currency_apart(pv):
    report = pv.json(*TODAY, "pipeline", "--deals")
    assert [s["stage"] for s in report["stages"]] == ["prospecting", "qualification", "proposal", "negotiation",
                                                     "won", "lost", "disqualified"]
    proposal = stage(report, "proposal")
    assert proposal["count"] == 3
    assert proposal["by_currency"] == {"USD": {"count": 2, "amount": 148000, "weighted": 74000},
                                       "EUR": {"count": 1, "amount": 50000, "weighted": 40000}}  # its own 80%
    assert stage(report, "negotiation")["by_currency"] == {"EUR": {"count": 1, "amount": 20000, "weighted": 15000}}
    assert stage(report, "prospecting")["count"] == 1 and stage(report, "prospecting")["no_amount"] == 1
    assert stage(report, "won")["by_currency"]["USD"]["amount"] == 35000
    assert report["open"]["count"] == 5
    assert report["open"]["by_currency"] == {"USD": {"count": 2, "amount": 148000, "weighted": 74000},
                                             "EUR": {"count": 2, "amount": 70000, "weighted": 55000}}
    text = pv.run(*TODAY, "pipeline", ok=True).output
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("proposal"))
    assert "USD" in lines[at] and "148,000" in lines[at] and "74,000" in lines[at]
    assert "EUR" in lines[at + 1] and "50,000" in lines[at + 1] and "40,000" in lines[at + 1]
    assert "198,000" not in text  # never USD + EUR
    assert "Open: 5 deals: USD 148,000 (weighted 74,000), EUR 70,000 (weighted 55,000); 1 without an amount" in text


@pytest.mark.parametrize("period, expected, usd", [
    ("2026-Q4", {"acme-fleet-renewal", "usd-proposal"}, 148000),
    ("2026-q4", {"acme-fleet-renewal", "usd-proposal"}, 148000),
    ("2026-11", {"usd-proposal"}, 100000),
    ("2026", {"acme-fleet-renewal", "usd-proposal", "eur-negotiation"}, 148000),
    ("2027-Q1", {"eur-proposal", "no-amount"}, None),
])
def test_period_picks_what_is_expected_to_close(pv, period, expected, usd):
    report = pv.json(*TODAY, "pipeline", "--period", period, "--deals")
    expected_deals = {d["id"] for d in report["deals"] if d["close_date"] and
                      report["period"]["start"] <= d["close_date"] <= report["period"]["end"]}
    assert expected_deals == expected
    assert report["expected"]["count"] == len(expected)
    assert report["expected"]["by_currency"].get("USD", {}).get("amount") == usd


def test_period_defaults_to_the_current_quarter(pv):
    assert pv.json("--today", "2026-11-24", "pipeline", "--deals")["period"] == {
        "label": "2026-Q4", "start": "2026-10-01", "end": "2026-12-31"}
    assert pv.json("--today", "2027-02-28", "pipeline", "--deals")["period"]["label"] == "2027-Q1"
    assert parse_period("2024-02").end == dt.date(2024, 2, 29)


@pytest.mark.parametrize("bad", ["2026-Q5", "Q4", "26-11", "2026-13", "2026/11", "next quarter"])
def test_a_bad_period_is_a_clear_usage_error(pv, bad):
    result = pv.run(*TODAY, "pipeline", "--period", bad)
    assert result.exit_code == 2
    assert "is not a period" in result.stderr and "Traceback" not in result.output


def test_win_rate_by_count_and_value_in_the_period(pv):
    q4 = pv.json(*TODAY, "pipeline", "--period", "2026-Q4", "--deals")["outcome"]
    assert (q4["won"]["count"], q4["lost"]["count"]) == (2, 1)  # disqualified is not a loss
    assert q4["win_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert q4["win_rate_by_value"] == {"USD": 0.6, "EUR": 1.0}
    nov = pv.json(*TODAY, "pipeline", "--period", "2026-11", "--deals")["outcome"]
    assert (nov["won"]["count"], nov["lost"]["count"], nov["win_rate"]) == (1, 0, 1.0)
    assert pv.json(*TODAY, "pipeline", "--period", "2025", "--deals")["outcome"]["won"]["by_currency"]["USD"]["amount"] == 5000
    assert pv.json(*TODAY, "pipeline", "--period", "2026-01", "--deals")["outcome"]["win_rate"] is None
    text = pv.run(*TODAY, "pipeline").output
    assert "Won in 2026-Q4: 2 deals (USD 30,000, EUR 10,000); lost: 1 deal (USD 20,000); " \
           "win rate 67% by count, USD 60%, EUR 100% by value" in text


def test_lead_conversion_rate(pv):
    q4 = pv.json(*TODAY, "pipeline", "--deals")["conversion"]
    assert q4 == {"closed": 3, "converted": 2, "rate": pytest.approx(0.6667, abs=1e-4), "converted_in_period": 2}
    assert pv.json(*TODAY, "pipeline", "--period", "2026-11", "--deals")["conversion"]["converted_in_period"] == 1
    assert "Leads: 2 of 3 closed leads converted (67%); 2 converted in 2026-Q4" in pv.run(*TODAY, "pipeline").output
    leads = pv.json(*TODAY, "pipeline", "--pipeline", "lead", "--deals")
    assert [(s["stage"], s["count"]) for s in leads["stages"]] == [
        ("new", 0), ("contacted", 1), ("qualified", 0), ("converted", 2), ("disqualified", 1)]
    assert [d["id"] for d in leads["deals"]] == ["bolt-builders"]


def test_filters_by_owner_and_product(pv):
    dev = pv.json(*TODAY, "pipeline", "--owner", "DEV", "--deals")
    assert [d["id"] for d in dev["deals"]] == ["eur-negotiation"]
    assert dev["open"]["by_currency"] == {"EUR": {"count": 1, "amount": 20000, "weighted": 15000}}
    rentals = pv.json(*TODAY, "pipeline", "--product", "rentals", "--deals")
    assert [d["id"] for d in rentals["deals"]] == ["no-amount"]
    assert "for owner DEV" in pv.run(*TODAY, "pipeline", "--owner", "DEV").output


def test_csv_has_one_row_per_open_deal(pv):
    rows = list(csv.DictReader(io.StringIO(pv.run(*TODAY, "pipeline", "--format", "csv", ok=True).output)))
    assert [r["id"] for r in rows] == ["eur-negotiation", "usd-proposal", "acme-fleet-renewal", "eur-proposal",
                                       "no-amount"]  # soonest close date first; closed deals are not rows
    assert list(rows[0]) == ["id", "name", "stage", "owner", "territory", "product", "amount", "currency",
                             "probability", "weighted", "close_date", "age_days", "days_in_stage"]
    eur = next(r for r in rows if r["id"] == "eur-proposal")
    assert (eur["amount"], eur["currency"], eur["probability"], eur["weighted"]) == ("50000", "EUR", "80", "40000")
    assert (eur["close_date"], eur["age_days"], eur["days_in_stage"]) == ("2027-01-10", "54", "54")


def test_json_totals_equal_sums_over_the_example_vault_records():
    """Recompute each stage's money straight from the files and compare with the report."""
    result = CliRunner().invoke(main, ["--vault", str(ROOT / "example-vault"), "pipeline", "--format", "json"])
    assert result.exit_code == 0, result.output
    import json

    report = json.loads(result.stdout)
    vault, _ = read_vault(ROOT / "example-vault")
    pipe = vault.config.pipelines["opportunity"]
    sums: dict[tuple[str, str], list[float]] = {}
    for r in vault.of_type("opportunity"):
        if "amount" in r.data:
            prob = r.data.get("probability", pipe.get(r.data["stage"]).probability)
            s = sums.setdefault((r.data["stage"], r.data.get("currency", "USD")), [0, 0, 0])
            s[0] += 1
            s[1] += r.data["amount"]
            s[2] += r.data["amount"] * prob / 100
    reported = {(row["stage"], cur): [m["count"], m["amount"], m["weighted"]]
                for row in report["stages"] for cur, m in row["by_currency"].items()}
    assert reported.keys() == sums.keys()
    for key, (count, amount, weighted) in sums.items():
        assert reported[key] == [count, pytest.approx(amount), pytest.approx(weighted)], key
    assert sum(row["count"] for row in report["stages"]) == len(vault.of_type("opportunity"))
    open_usd = sum(v[1] for (st, cur), v in sums.items() if cur == "USD" and not pipe.get(st).terminal)
    assert report["open"]["by_currency"]["USD"]["amount"] == open_usd


def test_days_in_stage_from_git_when_given_else_from_created(pv):
    vault, _ = read_vault(pv.root)
    today = dt.date(2026, 11, 24)
    plain = {d.id: d for d in build_pipeline(vault, today).deals}
    assert (plain["usd-proposal"].days_in_stage, plain["usd-proposal"].stage_since_source) == (54, "file")
    assert plain["acme-fleet-renewal"].stage_since_source is None  # no created date at all
    assert plain["acme-fleet-renewal"].days_in_stage is None and plain["acme-fleet-renewal"].age_days is None
    git = {d.id: d for d in build_pipeline(vault, today, stage_since={"usd-proposal": dt.date(2026, 11, 14)}).deals}
    assert (git["usd-proposal"].days_in_stage, git["usd-proposal"].stage_since_source) == (10, "git")
    assert git["usd-proposal"].age_days == 54
    deals = pv.json(*TODAY, "pipeline", "--deals")["deals"]
    assert next(d for d in deals if d["id"] == "usd-proposal")["stage_since_source"] == "file"


def test_unreadable_values_are_left_out_of_the_sums_not_a_traceback(pv):
    pv.write("opportunities/wordy.md", deal("proposal", "2026-12-01", '"lots"'))
    pv.write("opportunities/typo.md", deal("negotation", "2026-12-01", 5000))
    result = pv.run(*TODAY, "pipeline", ok=True)
    assert "opportunities/wordy.md: amount 'lots' is not a number" in result.output
    assert "opportunities/typo.md: stage 'negotation' is not in the opportunity pipeline" in result.output
    report = pv.json(*TODAY, "pipeline", "--deals")
    assert stage(report, "proposal")["count"] == 4 and stage(report, "proposal")["no_amount"] == 1
    assert stage(report, "proposal")["by_currency"]["USD"]["amount"] == 148000


def test_example_vault_pipeline_reads_well():
    result = CliRunner().invoke(main, ["--vault", str(ROOT / "example-vault"), "pipeline"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("Opportunity pipeline on 2026-11-24 (period 2026-Q4: 2026-10-01 to 2026-12-31)")
    assert "Open: 10 deals: USD 827,000 (weighted 393,050), EUR 188,000 (weighted 126,800)" in text
    assert "Expected to close in 2026-Q4: 4 deals: USD 442,000 (weighted 308,800)" in text
    assert "Left out" not in text


def test_a_won_deal_weighs_its_whole_amount_and_a_lost_one_nothing_whatever_the_file_says(tmp_path):
    v = make_vault(tmp_path / "v", {
        "opportunities/won-deal.md": deal("won", "2026-11-03", 30000, probability=80),
        "opportunities/lost-deal.md": deal("lost", "2026-11-04", 20000, probability=40),
        "opportunities/gone-deal.md": deal("disqualified", "2026-11-05", 10000, probability=60),
    })
    report = v.json(*TODAY, "pipeline", "--deals")
    assert stage(report, "won")["by_currency"]["USD"] == {"count": 1, "amount": 30000, "weighted": 30000}
    assert stage(report, "lost")["by_currency"]["USD"]["weighted"] == 0
    assert stage(report, "disqualified")["by_currency"]["USD"]["weighted"] == 0
    closed = {d["id"]: (d["probability"], d["weighted"]) for d in report["closed"]}
    assert closed == {"won-deal": (100, 30000), "lost-deal": (0, 0), "gone-deal": (0, 0)}
    assert report["outcome"]["won"]["by_currency"]["USD"]["weighted"] == 30000
    won_row = next(line for line in v.run(*TODAY, "pipeline", ok=True).output.splitlines()
                   if line.startswith("won"))
    assert "100%" in won_row and won_row.count("30,000") == 2  # amount and weighted alike
    v.run(*TODAY, "report", "--out", str(tmp_path / "site"), ok=True)
    board = (tmp_path / "site" / "pipeline.html").read_text(encoding="utf-8")
    shown = {float(a): float(w) for a, w in re.findall(r'data-amount="([\d.]+)" data-weighted="([\d.]+)"', board)}
    assert shown[30000] == 30000 and shown[20000] == 0 and shown[10000] == 0


def test_days_in_stage_and_age_are_never_negative_when_today_is_before_the_commit(tmp_path):
    v = make_vault(tmp_path / "v", {"opportunities/early.md": deal("qualification", "2027-03-01", 9000)})
    v.commit("initial")
    v.run("move", "early", "proposal", "--commit", ok=True)  # committed on the real date
    before = ["--today", "2026-01-05"]  # earlier than the commit and than `created`
    row = next(d for d in v.json(*before, "pipeline", "--deals")["deals"] if d["id"] == "early")
    assert (row["days_in_stage"], row["age_days"]) == (0, 0)
    text = v.run(*before, "pipeline", ok=True).output
    assert "-" not in next(line for line in text.splitlines() if " early " in f" {line} ").split("early", 1)[1]
    v.run(*before, "report", "--out", str(tmp_path / "site"), ok=True)
    assert "0d in stage" in (tmp_path / "site" / "pipeline.html").read_text(encoding="utf-8")


def test_a_stage_entered_by_git_before_the_deal_was_created_counts_from_created(pv):
    vault, _ = read_vault(pv.root)
    today = dt.date(2026, 11, 24)
    deals = {d.id: d for d in build_pipeline(vault, today, stage_since={"usd-proposal": dt.date(2026, 9, 1)}).deals}
    assert (deals["usd-proposal"].stage_since, deals["usd-proposal"].days_in_stage) == (dt.date(2026, 10, 1), 54)


def test_the_summary_is_the_default_and_every_deal_is_asked_for(tmp_path):
    # 30 open deals besides the base vault's one, and a won one
    files = {f"opportunities/d{i:02d}.md": deal("proposal", f"2027-01-{i + 1:02d}", 1000 * (i + 1)) for i in range(30)}
    files["opportunities/won-one.md"] = deal("won", "2026-11-03", 500)
    v = make_vault(tmp_path / "v", files)
    summary = json.loads(v.run(*TODAY, "pipeline", "--format", "json", ok=True).stdout, parse_constant=_refuse)
    assert "deals" not in summary and "closed" not in summary
    assert summary["open"]["count"] == 31 and summary["stages"][2]["count"] == 31
    full = json.loads(v.run(*TODAY, "pipeline", "--deals", "--format", "json", ok=True).stdout, parse_constant=_refuse)
    assert {k: full[k] for k in summary} == summary
    assert sorted(d["id"] for d in full["deals"]) == sorted(["acme-fleet-renewal"] + [f"d{i:02d}" for i in range(30)])
    assert [d["id"] for d in full["closed"]] == ["won-one"] and full["closed"][0]["weighted"] == 500

    text = v.run(*TODAY, "pipeline", ok=True).output
    listed = [line.split()[1] for line in text.splitlines() if re.match(r"^\d{4}-\d\d-\d\d ", line)]
    assert len(listed) == 25 and listed[:2] == ["acme-fleet-renewal", "d00"]
    assert "... and 6 more open deals: `salesmd pipeline --deals` lists them all" in text
    every = v.run(*TODAY, "pipeline", "--deals", ok=True).output
    assert len([line for line in every.splitlines() if re.match(r"^\d{4}-\d\d-\d\d ", line)]) == 31
    assert "more open deals" not in every


def _refuse(name):
    raise ValueError(f"not JSON: {name}")
