"""`salesmd forecast-accuracy --period P` (issue 14 item 3): the forecast as committed at the
period's start (and each month's start) against what closed. The history is dated, so every
figure is computed by hand from it."""

from __future__ import annotations

import pytest

from conftest import make_vault
from dated import commit_on, deal

TODAY = ["--today", "2026-10-05"]


def story(root):
    """As committed on 06-20: a (maria, 1000, close 08-15), b (maria, 2000, 09-10), c (dev, 3000,
    07-30), d (dev, 4000, 10-15: after Q3), e (dev, EUR 500, 09-20), f (sam, 700, 08-01), all open.
    07-10 e renamed e2; 07-15 f deleted, g created (sam, 800, 08-30); 07-25 c lost; 08-20 a won;
    08-25 b's close date moved to 10-20; 09-05 d won at 4500; 09-20 e2 won, g won on 09-18."""
    v = make_vault(root, base=False)
    commit_on(v, "2026-06-20", {
        "opportunities/a.md": deal("A", "proposal", 1000, "2026-08-15"),
        "opportunities/b.md": deal("B", "negotiation", 2000, "2026-09-10"),
        "opportunities/c.md": deal("C", "proposal", 3000, "2026-07-30", owner="dev"),
        "opportunities/d.md": deal("D", "qualification", 4000, "2026-10-15", owner="dev"),
        "opportunities/e.md": deal("E", "prospecting", 500, "2026-09-20", owner="dev", currency="EUR"),
        "opportunities/f.md": deal("F", "proposal", 700, "2026-08-01", owner="sam")})
    commit_on(v, "2026-07-10", {}, author="Dev", moves={"opportunities/e.md": "opportunities/e2.md"})
    commit_on(v, "2026-07-15", {"opportunities/f.md": None,
                                "opportunities/g.md": deal("G", "prospecting", 800, "2026-08-30", owner="sam")},
              author="Sam")
    commit_on(v, "2026-07-25", {"opportunities/c.md": deal("C", "lost", 3000, "2026-07-30", owner="dev",
                                                           lost_reason="price")}, author="Dev")
    commit_on(v, "2026-08-20", {"opportunities/a.md": deal("A", "won", 1000, "2026-08-20")})
    commit_on(v, "2026-08-25", {"opportunities/b.md": deal("B", "negotiation", 2000, "2026-10-20")})
    commit_on(v, "2026-09-05", {"opportunities/d.md": deal("D", "won", 4500, "2026-09-05", owner="dev")}, author="Dev")
    commit_on(v, "2026-09-20", {
        "opportunities/e2.md": deal("E", "won", 500, "2026-09-20", owner="dev", currency="EUR"),
        "opportunities/g.md": deal("G", "won", 800, "2026-09-18", owner="sam")}, author="Dev")
    return v


@pytest.fixture
def v(tmp_path):
    return story(tmp_path / "v")


def row(snapshot: dict, owner: str, currency: str = "USD") -> dict:
    found = next(r for r in snapshot["rows"] if (r["owner"], r["currency"]) == (owner, currency))
    return {k: (v["count"], v["amount"]) for k, v in found.items() if k not in ("owner", "currency")}


def counts(**given) -> dict:
    """A row's tallies: (count, amount) for each outcome given, (0, 0) for the others."""
    rate = given.pop("hit_rate", (None, None))
    out = {k: given.get(k, (0, 0)) for k in ("expected", "hit", "slipped", "lost", "gone", "pulled_in", "surprise")}
    return out | {"hit_rate": rate}


def test_the_forecast_at_the_quarters_start_against_what_closed(v):
    report = v.json(*TODAY, "forecast-accuracy", "--period", "2026-Q3")
    assert report["closed"] == {"won": {"USD": {"count": 3, "amount": 6300}, "EUR": {"count": 1, "amount": 500}},
                                "lost": {"USD": {"count": 1, "amount": 3000}}}
    assert [s["day"] for s in report["snapshots"]] == ["2026-07-01", "2026-08-01", "2026-09-01"]
    start = report["snapshots"][0]
    assert start["as_of"]["asked"] == "2026-06-30" and start["as_of"]["day"] == "2026-06-30"
    assert [(d["id"], d["outcome"]) for d in start["deals"]] == [
        ("a", "hit"), ("e2", "hit"), ("b", "slipped"), ("c", "lost"), ("f", "gone"), ("d", "pulled_in"),
        ("g", "surprise")]
    assert row(start, "maria") == counts(expected=(2, 3000), hit=(1, 1000), slipped=(1, 2000), hit_rate=(0.5, 1 / 3))
    assert row(start, "dev") == counts(expected=(1, 3000), lost=(1, 3000), pulled_in=(1, 4500), hit_rate=(0, 0))
    assert row(start, "dev", "EUR") == counts(expected=(1, 500), hit=(1, 500), hit_rate=(1, 1))
    assert row(start, "sam") == counts(expected=(1, 700), gone=(1, 700), surprise=(1, 800), hit_rate=(0, 0))
    assert row(start, "(team)") == counts(expected=(4, 6700), hit=(1, 1000), slipped=(1, 2000), lost=(1, 3000),
                                          gone=(1, 700), pulled_in=(1, 4500), surprise=(1, 800),
                                          hit_rate=(0.25, 1000 / 6700))
    assert [r["owner"] for r in start["rows"]] == ["dev", "dev", "maria", "sam", "(team)", "(team)"]


def test_each_months_start_has_its_own_forecast(v):
    report = v.json(*TODAY, "forecast-accuracy", "--period", "2026-Q3")
    august, september = report["snapshots"][1:]
    assert [(d["id"], d["outcome"]) for d in august["deals"]] == [
        ("a", "hit"), ("e2", "hit"), ("g", "hit"), ("b", "slipped"), ("d", "pulled_in")]
    assert row(august, "(team)") == counts(expected=(3, 3800), hit=(2, 1800), slipped=(1, 2000), pulled_in=(1, 4500),
                                           hit_rate=(2 / 3, 1800 / 3800))
    # a was won already on 09-01 and b expected in October by then: neither counts
    assert [(d["id"], d["outcome"]) for d in september["deals"]] == [("e2", "hit"), ("g", "hit"), ("d", "pulled_in")]
    assert row(september, "(team)") == counts(expected=(1, 800), hit=(1, 800), pulled_in=(1, 4500), hit_rate=(1, 1))


def test_a_month_and_an_owner(v):
    report = v.json(*TODAY, "forecast-accuracy", "--period", "2026-08", "--owner", "maria")
    (only,) = report["snapshots"]
    assert only["day"] == "2026-08-01"
    assert [(d["id"], d["outcome"]) for d in only["deals"]] == [("a", "hit")]
    assert row(only, "maria") == counts(expected=(1, 1000), hit=(1, 1000), hit_rate=(1, 1))
    assert report["closed"]["won"] == {"USD": {"count": 1, "amount": 1000}}


def test_months_after_today_are_not_read(v):
    report = v.json("--today", "2026-08-10", "forecast-accuracy", "--period", "2026-Q3")
    assert [s["day"] for s in report["snapshots"]] == ["2026-07-01", "2026-08-01"]


def test_the_text(v):
    text = v.run(*TODAY, "forecast-accuracy", "--period", "2026-Q3", ok=True).stdout
    lines = text.splitlines()
    assert lines[0] == "Forecast accuracy 2026-Q3 (2026-07-01 to 2026-09-30; today 2026-10-05)"
    assert lines[1] == "Won in 2026-Q3: 4 deals (USD 6,300, EUR 500); lost: 1 deal (USD 3,000)"
    assert lines[3].startswith("Forecast at 2026-07-01 (as committed on 2026-06-30, ")
    maria = next(line for line in lines if line.startswith("maria "))
    assert maria.split() == ["maria", "USD", "2", "3,000", "1", "1,000", "50%", "33%", "1", "0", "0", "0", "0"]


def test_before_the_first_commit_nothing_was_forecast(v):
    report = v.json(*TODAY, "forecast-accuracy", "--period", "2026-Q2")
    start = report["snapshots"][0]
    assert start["as_of"]["commit"] is None and start["deals"] == []


@pytest.mark.parametrize("args, said", [
    (["--period", "2026-Q5"], "2026-Q5"),
    (["--period", "2027-Q1"], "2027-Q1 has not begun (today is 2026-10-05)"),
    ([], "--period"),
])
def test_bad_periods_exit_2(v, args, said):
    result = v.run(*TODAY, "forecast-accuracy", *args)
    assert result.exit_code == 2 and said in result.stderr and result.stdout == ""


def test_without_git(tmp_path):
    result = make_vault(tmp_path / "plain", git_init=False).run("forecast-accuracy", "--period", "2026-Q3")
    assert result.exit_code == 2 and "is not in a git repository" in result.stderr


def test_a_look_alike_file_is_not_the_deal_it_replaced(tmp_path):
    """git pairs a deleted file with a new one of nearly the same bytes as a rename; a deal under
    another name is another deal: h is gone, i a surprise."""
    v = make_vault(tmp_path / "w", base=False)
    commit_on(v, "2026-06-20", {"opportunities/h.md": deal("H", "proposal", 1000, "2026-08-15")})
    commit_on(v, "2026-07-10", {"opportunities/h.md": None,
                                "opportunities/i.md": deal("I", "won", 1000, "2026-08-15")})
    report = v.json(*TODAY, "forecast-accuracy", "--period", "2026-Q3")
    assert [(d["id"], d["outcome"]) for d in report["snapshots"][0]["deals"]] == [("h", "gone"), ("i", "surprise")]


def test_a_renamed_deal_is_followed_when_a_new_deal_takes_its_old_path(tmp_path):
    """Forecast at 07-01: h (1000, close 08-15). 07-10 h renamed h2; 08-10 h2 won on 08-12;
    09-25 a new deal 'H new' at h.md. By hand: h2 is a hit, hit rate 1/1; 'H new' is not in it."""
    v = make_vault(tmp_path / "v", base=False)
    commit_on(v, "2026-06-20", {"opportunities/h.md": deal("H", "proposal", 1000, "2026-08-15")})
    commit_on(v, "2026-07-10", {}, moves={"opportunities/h.md": "opportunities/h2.md"})
    commit_on(v, "2026-08-10", {"opportunities/h2.md": deal("H", "won", 1000, "2026-08-12")})
    commit_on(v, "2026-09-25", {"opportunities/h.md": deal("H new", "prospecting", 50, "2027-03-01")})
    report = v.json("--today", "2026-11-01", "forecast-accuracy", "--period", "2026-Q3")
    first = report["snapshots"][0]
    assert [(o["id"], o["outcome"]) for o in first["deals"]] == [("h2", "hit")]
    assert row(first, "maria") == counts(expected=(1, 1000), hit=(1, 1000), hit_rate=(1.0, 1.0))


def test_a_deal_whose_name_is_edited_in_place_is_the_same_deal(tmp_path):
    """Forecast at 07-01: h (1000, close 08-15); 07-20 its name is edited; 08-10 won. A hit. A deal
    deleted and made again at its path (k) is another deal: k is gone, the new k a surprise."""
    v = make_vault(tmp_path / "v", base=False)
    commit_on(v, "2026-06-20", {"opportunities/h.md": deal("H", "proposal", 1000, "2026-08-15"),
                                "opportunities/k.md": deal("K", "proposal", 500, "2026-08-20")})
    commit_on(v, "2026-07-20", {"opportunities/h.md": deal("H (12 trucks)", "proposal", 1000, "2026-08-15"),
                                "opportunities/k.md": None})
    commit_on(v, "2026-08-10", {"opportunities/h.md": deal("H (12 trucks)", "won", 1000, "2026-08-12"),
                                "opportunities/k.md": deal("K again", "won", 700, "2026-08-11")})
    report = v.json("--today", "2026-11-01", "forecast-accuracy", "--period", "2026-Q3")
    outcomes = [(o["id"], o["outcome"]) for o in report["snapshots"][0]["deals"]]
    assert ("h", "hit") in outcomes and ("k", "gone") in outcomes and ("k", "surprise") in outcomes
