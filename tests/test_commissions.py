"""Commissions: `commission:` in salesmd.yaml (a default rate, owners' rates or marginal tiers,
products' rates) and `salesmd commissions --period P`, every deal won in the period on a line."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from conftest import make_vault
from salesmd.config import default_config_text
from test_targets import OWNERS, deal

TODAY = ["--today", "2026-11-30"]
RULES = """\
commission:
  rate: 4%
  owners:
    maria: {tiers: {0-100000: 5%, 100000+: 8%}}
    dev: 6.5%
  products: {Service-Plan: 10}
"""
DEALS = {
    # maria in November, in close-date order: 80,000 (5%), a service plan at its product's 10% that
    # still takes her to 95,000, then 30,000 crossing 100,000: 5% on 5,000 and 8% on 25,000
    "opportunities/m4.md": deal("M four", "won", 80000, "2026-11-10", "maria"),
    "opportunities/m5.md": deal("M five", "won", 15000, "2026-11-15", "maria", "product: service-plan"),
    "opportunities/m2.md": deal("M two", "won", 30000, "2026-11-20", "Maria Lopez"),
    "opportunities/m3.md": deal("M three", "won", 10000, "2026-11-05", "maria", "currency: EUR"),  # own tiers
    "opportunities/m9.md": deal("M nine", "won", 70000, "2026-10-20", "maria"),  # October: not paid here
    "opportunities/d1.md": deal("D one", "won", 90000, "2026-11-02", "dev"),
    "opportunities/d6.md": deal("D six", "won", 101, "2026-11-25", "dev"),  # 6.565: half up to 6.57
    "opportunities/d2.md": deal("D two", "lost", 50000, "2026-11-03", "dev", "lost_reason: price"),
    "opportunities/s1.md": deal("S one", "won", 2500, "2026-11-12", "sam"),  # the default 4%
}
OWNERS_WITH_SAM = OWNERS.replace("  dev: {}\n", "  dev: {}\n  sam: {}\n")


def commission_vault(tmp_path, rules: str = RULES):
    return make_vault(tmp_path / "v", DEALS, config=default_config_text() + OWNERS_WITH_SAM + rules)


def test_every_deal_won_in_the_period_with_its_rate_and_commission(tmp_path):
    v = commission_vault(tmp_path)
    assert v.run("check", *TODAY).exit_code == 0
    data = v.json("commissions", "--period", "2026-11", *TODAY)
    lines = {(o["owner"], o["currency"]): [(x["id"], x["amount"], x["basis"], x["rate"], x["commission"])
                                          for x in o["lines"]] for o in data["owners"]}
    assert lines == {
        ("dev", "USD"): [("d1", 90000, "owner", "6.5%", 5850), ("d6", 101, "owner", "6.5%", 6.57)],
        ("maria", "USD"): [("m4", 80000, "owner", "5%", 4000), ("m5", 15000, "product", "10%", 1500),
                           ("m2", 30000, "owner", "5% + 8%", 2250)],
        ("maria", "EUR"): [("m3", 10000, "owner", "5%", 500)],
        ("sam", "USD"): [("s1", 2500, "default", "4%", 100)],
    }
    crossing = next(x for o in data["owners"] for x in o["lines"] if x["id"] == "m2")
    assert crossing["parts"] == [{"amount": 5000, "rate": 5}, {"amount": 25000, "rate": 8}]
    totals = {(o["owner"], o["currency"]): (o["won"], o["commission"]) for o in data["owners"]}
    assert totals["maria", "USD"] == (125000, 7750) and totals["dev", "USD"] == (90101, 5856.57)
    assert data["totals"] == {"USD": 13706.57, "EUR": 500}


def test_csv_lines_add_up_to_the_totals_to_the_cent(tmp_path):
    v = commission_vault(tmp_path)
    out = v.run("commissions", "--period", "2026-11", "--format", "csv", *TODAY, ok=True).output
    parsed = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in parsed] == ["d1", "d6", "m4", "m5", "m2", "m3", "s1"]
    assert parsed[4] == {"period": "2026-11", "owner": "maria", "currency": "USD", "id": "m2", "name": "M two",
                         "close_date": "2026-11-20", "amount": "30000.00", "product": "", "basis": "owner",
                         "rate": "5% + 8%", "commission": "2250.00"}
    usd = sum(Decimal(r["commission"]) for r in parsed if r["currency"] == "USD")
    assert usd == Decimal("13706.57")


def test_text_lists_each_owner_with_totals(tmp_path):
    v = commission_vault(tmp_path)
    out = v.run("commissions", "--period", "2026-11", "--owner", "maria", *TODAY, ok=True).output
    assert "maria (USD): 3 deals won, 125,000 USD, commission 7,750.00 USD" in out
    assert "maria (EUR): 1 deal won, 10,000 EUR, commission 500.00 EUR" in out
    assert "dev" not in out
    assert "Total: 7,750.00 USD, 500.00 EUR" in out


def test_tiers_count_the_whole_period_and_an_owner_without_a_rule_is_named(tmp_path):
    rules = "commission:\n  owners:\n    maria: {tiers: {0-100000: 5%, 100000+: 8%}}\n"
    v = commission_vault(tmp_path, rules)
    data = v.json("commissions", "--period", "2026-Q4", "--owner", "maria", *TODAY)
    usd = next(o for o in data["owners"] if o["currency"] == "USD")
    # October's 70,000 comes first: 80,000 crosses at 100,000 (30,000 at 5%, 50,000 at 8%)
    assert [(x["id"], x["commission"]) for x in usd["lines"]] == [("m9", 3500), ("m4", 5500), ("m5", 1200),
                                                                  ("m2", 2400)]
    out = v.run("commissions", "--period", "2026-11", *TODAY, ok=True).output
    assert "No rule pays dev: set commission.rate or commission.owners.dev in salesmd.yaml." in out


# ------------------------------------------------------------------------------------ bad input

def config_line(v, text: str) -> int:
    return next(n for n, line in enumerate(v.read("salesmd.yaml").splitlines(), 1) if text in line)


def test_bad_rules_are_located_errors_from_check_and_the_command(tmp_path):
    v = commission_vault(tmp_path, """\
commission:
  rate: 120%
  owners:
    maria:
      tiers: {0-100000: 5%, 90000+: 8%}
    dev:
      tiers: {0-50000: 5%, 60000+: 8%}
    bob: 5%
    sam: {tiers: {10000+: 3%}}
  products:
    123: 5%
    kit: lots
""")
    result = v.run("check", *TODAY)
    assert result.exit_code == 1
    out = result.output
    expected = [
        ("rate: 120%", "commission: the rate must be from 0% to 100%, not '120%'"),
        ("0-100000: 5%, 90000+", "commission.owners.maria: tiers '0-100000' and '90000+' overlap"),
        ("0-50000", "commission.owners.dev: the tiers leave a gap: from 50000 to 60000 is in no tier"),
        ("bob: 5%", "commission.owners: owner 'bob' is not one of the owners in salesmd.yaml"),
        ("10000+: 3%", "commission.owners.sam: the tiers leave a gap: from 0 to 10000 is in no tier"),
        ("123: 5%", "commission.products: 123 is not a product name: a product key must be text"),
        ("kit: lots", "commission.products.kit: the rate must be a percentage such as 6% or 6.5, not 'lots'"),
    ]
    for text, message in expected:
        assert f"salesmd.yaml:{config_line(v, text)}: error[config-commission]: {message}" in out, (text, out)
    before = v.snapshot()
    refused = v.run("commissions", "--period", "2026-11", *TODAY)
    assert refused.exit_code == 2 and refused.stdout == "" and "Traceback" not in refused.output
    assert f"salesmd.yaml:{config_line(v, 'bob: 5%')}: error[config-commission]:" in refused.stderr
    assert v.snapshot() == before


def test_no_rules_unknown_owner_and_a_missing_period(tmp_path):
    v = commission_vault(tmp_path, "")
    result = v.run("commissions", "--period", "2026-11", *TODAY)
    assert result.exit_code == 2 and "no commission rules in salesmd.yaml" in result.stderr
    v = commission_vault(tmp_path / "w")
    result = v.run("commissions", "--period", "2026-11", "--owner", "marai", *TODAY)
    assert result.exit_code == 2 and "did you mean 'maria'?" in result.stderr and result.stdout == ""
    assert v.run("commissions", *TODAY).exit_code == 2
