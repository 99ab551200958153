"""Sales targets: `targets:` in salesmd.yaml, and `salesmd targets` showing, per owner, territory
and for the team, the target against won so far, the weighted open pipeline, the gap and the pace."""

from __future__ import annotations

import csv
import io

import pytest

from conftest import make_vault
from salesmd.config import default_config_text

TODAY = ["--today", "2026-11-24"]  # a Tuesday: 28 working days left in 2026-Q4, 5 in 2026-11
OWNERS = """\
owners:
  maria: {name: Maria Lopez, aliases: ["Maria Lopez"]}
  dev: {}
territories: [west, east]
"""
TARGETS = """\
targets:
  2026-Q4:
    team: 250000
    owners: {maria: 100000, dev: {USD: 120000, EUR: 5000}}
    territories: {west: 80000}
  2026-11:
    owners: {maria: 40000}
"""


def deal(name: str, stage: str, amount, close: str, owner: str, *extra: str) -> str:
    lines = "\n".join(extra)
    return (f"---\ntype: opportunity\nname: {name}\nstage: {stage}\namount: {amount}\nclose_date: {close}\n"
            f"owner: {owner}\n{lines}\n---\n")


DEALS = {
    # maria: 90,000 USD won in Q4 (both in the west), 10,000 EUR; acme-fleet-renewal (conftest) is
    # open at 50% of 48,000 closing 2026-12-15, in the west
    "opportunities/m1.md": deal("M one", "won", 60000, "2026-10-10", "maria", "territory: west"),
    "opportunities/m2.md": deal("M two", "won", 30000, "2026-11-20", "Maria Lopez", "territory: west"),
    "opportunities/m3.md": deal("M three", "won", 10000, "2026-11-05", "maria", "currency: EUR"),
    # dev: 90,000 won in Q4; a loss, a win before the quarter and an open deal after it do not count
    "opportunities/d1.md": deal("D one", "won", 90000, "2026-11-02", "dev", "territory: east"),
    "opportunities/d2.md": deal("D two", "lost", 50000, "2026-11-03", "dev", "lost_reason: price"),
    "opportunities/d3.md": deal("D three", "won", 40000, "2026-09-30", "dev"),
    "opportunities/d4.md": deal("D four", "negotiation", 20000, "2027-01-10", "dev"),
    "opportunities/d5.md": deal("D five", "qualification", 10000, "2026-12-01", "dev", "probability: 30"),
}


def targets_vault(tmp_path, targets: str = TARGETS, owners: str = OWNERS, files=None):
    return make_vault(tmp_path / "v", {**DEALS, **(files or {})},
                      config=default_config_text() + owners + targets)


def rows(data: dict) -> dict:
    return {(r["scope"], r["name"], r["currency"]): r for key in ("owners", "territories", "total")
            for r in data[key]}


def test_targets_per_owner_territory_and_team_with_exact_figures(tmp_path):
    v = targets_vault(tmp_path)
    assert v.run("check", *TODAY).exit_code == 0, v.run("check", *TODAY).output
    data = v.json("targets", "--period", "2026-Q4", *TODAY)
    assert data["working_days_left"] == 28
    got = rows(data)
    maria = got["owner", "maria", "USD"]  # "Maria Lopez" (an alias) is maria
    assert (maria["target"], maria["won"], maria["won_count"], maria["weighted"], maria["open_count"]) == \
        (100000, 90000, 2, 24000, 1)
    assert (maria["gap"], maria["pace_per_day"], maria["pace_per_week"]) == (10000, 357.14, 1785.71)
    assert got["owner", "maria", "EUR"]["target"] is None and got["owner", "maria", "EUR"]["won"] == 10000
    dev = got["owner", "dev", "USD"]
    assert (dev["target"], dev["won"], dev["weighted"], dev["gap"], dev["pace_per_day"]) == \
        (120000, 90000, 3000, 30000, 1071.43)
    assert (got["owner", "dev", "EUR"]["gap"], got["owner", "dev", "EUR"]["pace_per_week"]) == (5000, 892.86)
    west = got["territory", "west", "USD"]  # beaten: a negative gap, no pace needed
    assert (west["target"], west["won"], west["weighted"], west["gap"], west["pace_per_day"]) == (80000, 90000, 24000,
                                                                                                -10000, 0)
    assert got["territory", "east", "USD"]["target"] is None and got["territory", "east", "USD"]["won"] == 90000
    team = got["team", None, "USD"]
    assert (team["target"], team["target_source"], team["won"], team["weighted"], team["gap"],
            team["pace_per_day"], team["pace_per_week"]) == (250000, "team", 180000, 27000, 70000, 2500, 12500)
    assert got["team", None, "EUR"]["won"] == 10000 and got["team", None, "EUR"]["target"] is None


def test_text_shows_each_section_and_the_days_left(tmp_path):
    v = targets_vault(tmp_path)
    out = v.run("targets", "--period", "2026-Q4", *TODAY, ok=True).output
    assert "Targets 2026-Q4 (2026-10-01 to 2026-12-31; today 2026-11-24, 28 working days left)" in out
    assert "By owner" in out and "By territory" in out and "Team" in out
    line = next(x for x in out.splitlines() if x.startswith("maria") and "USD" in x)
    assert line.split() == ["maria", "USD", "100,000", "90,000", "2", "24,000", "10,000", "357.14", "1,785.71"]


def test_a_month_and_the_owner_filter(tmp_path):
    v = targets_vault(tmp_path)
    data = v.json("targets", "--period", "2026-11", "--owner", "Maria Lopez", *TODAY)
    assert data["working_days_left"] == 5 and data["territories"] == [] and data["total"] == []
    assert [(r["name"], r["currency"], r["target"], r["won"], r["gap"], r["pace_per_day"]) for r in data["owners"]] \
        == [("maria", "USD", 40000, 30000, 10000, 2000), ("maria", "EUR", None, 10000, None, None)]


def test_the_team_target_is_the_owners_sum_without_a_team_line(tmp_path):
    v = targets_vault(tmp_path)
    team = rows(v.json("targets", "--period", "2026-11", *TODAY))["team", None, "USD"]
    assert (team["target"], team["target_source"], team["won"]) == (40000, "owners", 120000)


def test_pace_before_during_and_after_the_period(tmp_path):
    v = targets_vault(tmp_path)
    before = rows(v.json("targets", "--period", "2026-Q4", "--today", "2026-09-15"))
    assert before["owner", "maria", "USD"]["pace_per_day"] == 151.52  # the gap, 10,000, over all 66 working days
    over = v.json("targets", "--period", "2026-Q4", "--today", "2027-01-04")
    assert over["working_days_left"] == 0
    assert rows(over)["owner", "maria", "USD"]["pace_per_day"] is None  # short, and no day left
    assert rows(over)["territory", "west", "USD"]["pace_per_day"] == 0  # beaten


def test_csv_parses_back_to_the_same_figures(tmp_path):
    v = targets_vault(tmp_path)
    out = v.run("targets", "--period", "2026-Q4", "--format", "csv", *TODAY, ok=True).output
    parsed = list(csv.DictReader(io.StringIO(out)))
    maria = next(r for r in parsed if r["name"] == "maria" and r["currency"] == "USD")
    assert maria == {"period": "2026-Q4", "scope": "owner", "name": "maria", "currency": "USD", "target": "100000.00",
                     "won": "90000.00", "won_deals": "2", "weighted_open": "24000.00", "open_deals": "1",
                     "gap": "10000.00", "pace_per_day": "357.14", "pace_per_week": "1785.71"}
    west = next(r for r in parsed if r["scope"] == "territory" and r["name"] == "west")
    assert west["gap"] == "-10000.00"
    assert [r["scope"] for r in parsed].count("team") == 2


def test_no_targets_for_the_period_still_shows_what_was_won(tmp_path):
    v = targets_vault(tmp_path)
    out = v.run("targets", "--period", "2026-Q3", *TODAY, ok=True).output
    assert "No targets for 2026-Q3 in salesmd.yaml" in out
    assert rows(v.json("targets", "--period", "2026-Q3", *TODAY))["owner", "dev", "USD"]["won"] == 40000


# ------------------------------------------------------------------------------------ bad input

def config_line(v, text: str) -> int:
    return next(n for n, line in enumerate(v.read("salesmd.yaml").splitlines(), 1) if text in line)


def test_bad_targets_are_located_errors_from_check_and_the_command(tmp_path):
    v = targets_vault(tmp_path, targets="""\
targets:
  2026-Q5:
    team: 1000
  2026-Q4:
    team: -5
    owners: {bob: 1000, dev: {usd: 10}}
    territories: {north: 10}
    tean: 5
""")
    result = v.run("check", *TODAY)
    assert result.exit_code == 1
    out = result.output
    assert (f"salesmd.yaml:{config_line(v, '2026-Q5')}: error[config-targets]: targets: '2026-Q5' is not a "
            "period") in out
    assert (f"salesmd.yaml:{config_line(v, 'team: -5')}: error[config-targets]: targets 2026-Q4 team: the target "
            "must be zero or more, not -5") in out
    owners_line = config_line(v, "bob: 1000")
    assert (f"salesmd.yaml:{owners_line}: error[config-targets]: targets 2026-Q4 owners: owner 'bob' is not one "
            "of the owners in salesmd.yaml") in out
    assert f"salesmd.yaml:{owners_line}: error[config-targets]: targets 2026-Q4 owners dev: 'usd' is not a currency" in out
    assert (f"salesmd.yaml:{config_line(v, 'north')}: error[config-targets]: targets 2026-Q4 territories: "
            "territory 'north' is not one of the territories") in out
    assert f"salesmd.yaml:{config_line(v, 'tean')}: error[config-targets]: targets 2026-Q4: unknown key 'tean' " \
           "(did you mean 'team'?)" in out
    before = v.snapshot()
    refused = v.run("targets", *TODAY)
    assert refused.exit_code == 2 and refused.stdout == ""
    assert f"salesmd.yaml:{owners_line}: error[config-targets]:" in refused.stderr
    assert "fix the targets settings above in salesmd.yaml" in refused.stderr
    assert "Traceback" not in refused.output and v.snapshot() == before


def test_an_unknown_owner_or_period_on_the_command_line(tmp_path):
    v = targets_vault(tmp_path)
    result = v.run("targets", "--owner", "mraia", *TODAY)
    assert result.exit_code == 2 and "did you mean 'maria'?" in result.stderr and result.stdout == ""
    result = v.run("targets", "--period", "2026-Q7", *TODAY)
    assert result.exit_code == 2 and "is not a period" in result.output


def test_targets_for_any_owner_when_salesmd_yaml_lists_none(tmp_path):
    v = targets_vault(tmp_path, owners="", targets="targets:\n  2026:\n    owners: {kim: 5000}\n")
    assert "config-targets" not in v.run("check", *TODAY).output
    assert rows(v.json("targets", "--period", "2026", *TODAY))["owner", "kim", "USD"]["gap"] == 5000
    assert [r["name"] for r in v.json("targets", "--period", "2026", "--owner", "KIM", *TODAY)["owners"]] == ["kim"]


def test_working_days_left_skip_weekends(tmp_path):
    v = targets_vault(tmp_path)
    # Saturday 26 December: Monday 28 to Thursday 31 are left
    data = v.json("targets", "--period", "2026-Q4", "--today", "2026-12-26")
    assert data["working_days_left"] == 4
    assert rows(data)["owner", "maria", "USD"]["pace_per_day"] == 2500  # 10,000 over 4 days
    # a Friday counts itself: Friday 27 November to Monday 30 November is 2 days
    assert v.json("targets", "--period", "2026-11", "--today", "2026-11-27")["working_days_left"] == 2


# ------------------------------------------------------------------------------------ the site

from test_site import CHROMIUM, browser, visit  # noqa: E402,F401 - the browser fixtures, as test_site.py drives it


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_the_site_has_a_targets_page_and_a_dashboard_card(tmp_path, visit):
    v = targets_vault(tmp_path)
    out = tmp_path / "site"
    v.run("report", "--out", str(out), *TODAY, ok=True)
    page = visit(out / "targets.html")
    assert page.page.locator("h1").inner_text() == "Targets 2026-Q4"
    assert "28 working days left" in page.page.locator("main p").first.inner_text()
    cells = [c.strip() for c in page.page.locator("table.targets tr", has_text="maria").first
             .locator("td").all_inner_texts()]
    assert cells == ["maria", "USD", "100,000", "90,000", "90%", "2", "24,000", "10,000", "357.14", "1,785.71"]
    assert page.page.locator("table.targets tr", has_text="maria").first.locator("meter").get_attribute("value") == "90"
    assert [h.inner_text() for h in page.page.locator("main h2").all()] == ["Owner", "Territory", "Team"]
    assert all(url.startswith("file://") for url in page.requests)
    dashboard = visit(out / "index.html")
    card = dashboard.page.locator("#targets-card")
    assert " ".join(card.inner_text().split()) == ("TARGET, 2026-Q4 72% 180,000 of 250,000 USD won · gap 70,000 · "
                                                   "2,500/working day")
    card.locator("a").click()
    assert dashboard.page.url.endswith("/targets.html")


def test_a_site_without_targets_or_deals_says_so_on_the_card_and_the_page(tmp_path):
    v = make_vault(tmp_path / "v")  # no targets:, and nothing won or closing in 2027-Q1
    out = tmp_path / "site"
    v.run("report", "--out", str(out), "--today", "2027-02-01", ok=True)
    assert "No targets for 2027-Q1: <a href=\"targets.html\">see targets</a>" in (out / "index.html").read_text()
    page = (out / "targets.html").read_text()
    assert "No targets for 2027-Q1 in <code>salesmd.yaml</code>" in page and "Nothing won or closing in 2027-Q1" in page
