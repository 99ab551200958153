"""The pipeline's metrics (issue 12 item 6): days in each stage, the sales cycle, the funnel, lost
reasons, slipped deals and lead conversion by source, from a git history whose commits move the
deals on given days (GIT_AUTHOR_DATE), so every figure is exact."""

from __future__ import annotations

import json
import os
import subprocess

from conftest import history_row, history_rows, make_vault

TODAY = ["--today", "2026-11-30", "--period", "2026-Q4"]


def deal(name, stage, close, created=None, owner="maria", reason=None):
    lines = ["---", "type: opportunity", f"name: {name}", f"stage: {stage}", "amount: 1000",
             f"close_date: {close}", f"owner: {owner}"]
    lines += [f"created: {created}"] * bool(created) + [f"lost_reason: {reason}"] * bool(reason)
    return "\n".join(lines + ["---", ""])


def lead(name, stage, source=None):
    extra = ['converted_to: "[[a]]"', "converted_on: 2026-11-01"] if stage == "converted" else []
    return "\n".join(["---", "type: lead", f"name: {name}", f"stage: {stage}", "owner: maria"]
                     + [f"source: {source}"] * bool(source) + extra + ["---", ""])


def commit_on(v, day: str, files: dict[str, str]) -> None:
    for rel, text in files.items():
        v.write(rel, text)
    env = dict(os.environ, GIT_AUTHOR_DATE=f"{day}T12:00:00", GIT_COMMITTER_DATE=f"{day}T12:00:00",
               GIT_AUTHOR_NAME="T", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="T", GIT_COMMITTER_EMAIL="t@example.com")
    subprocess.run(["git", "add", "-A"], cwd=v.root, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", f"on {day}"], cwd=v.root, check=True, env=env)


def story(tmp_path):
    """Five deals: a (won through every open stage but negotiation), b (created before its first
    commit, skips qualification, lost), c (open, its close date pushed out of Q4), and d and e
    never committed (won, and lost)."""
    v = make_vault(tmp_path / "v", base=False)
    commit_on(v, "2026-10-01", {
        "opportunities/a.md": deal("A", "prospecting", "2026-12-01", created="2026-10-01"),
        "opportunities/b.md": deal("B", "prospecting", "2026-12-10", created="2026-09-21"),
        "opportunities/c.md": deal("C", "qualification", "2026-11-20", created="2026-10-01", owner="sam"),
    })
    commit_on(v, "2026-10-11", {"opportunities/a.md": deal("A", "qualification", "2026-12-01", created="2026-10-01")})
    commit_on(v, "2026-10-16", {"opportunities/b.md": deal("B", "proposal", "2026-12-10", created="2026-09-21")})
    commit_on(v, "2026-10-21", {"opportunities/a.md": deal("A", "proposal", "2026-11-15", created="2026-10-01")})
    commit_on(v, "2026-11-05", {"opportunities/b.md": deal("B", "lost", "2026-11-05", created="2026-09-21",
                                                           reason="price")})
    commit_on(v, "2026-11-10", {"opportunities/a.md": deal("A", "won", "2026-11-12", created="2026-10-01")})
    commit_on(v, "2026-11-25", {"opportunities/c.md": deal("C", "qualification", "2027-01-15", created="2026-10-01",
                                                           owner="sam")})
    v.write("opportunities/d.md", deal("D", "won", "2026-11-04", created="2026-10-05"))
    v.write("opportunities/e.md", deal("E", "lost", "2026-10-20", created="2026-10-02", reason="timing"))
    for rel, text in {"leads/l1.md": lead("L1", "converted", "web"), "leads/l2.md": lead("L2", "disqualified", "web"),
                      "leads/l3.md": lead("L3", "new", "web"), "leads/l4.md": lead("L4", "converted", "referral"),
                      "leads/l5.md": lead("L5", "qualified")}.items():
        v.write(rel, text)
    return v


def test_days_in_each_stage_come_from_the_commits_that_moved_the_deals(tmp_path):
    report = story(tmp_path).json("pipeline", *TODAY)
    # a: prospecting 10-01..10-11, qualification ..10-21, proposal ..11-10 (won)
    # b: prospecting from its created 09-21 (before its first commit) ..10-16, proposal ..11-05 (lost)
    assert {s["stage"]: (s["stints"], s["average_days"]) for s in report["stage_days"]} == {
        "prospecting": (2, 17.5), "qualification": (1, 10.0), "proposal": (2, 20.0), "negotiation": (0, None)}
    assert report["metrics_history"] == {"deals_from_git": 3, "deals_from_files": 2}


def test_the_sales_cycle_runs_from_created_to_the_won_commit_else_the_close_date(tmp_path):
    cycle = story(tmp_path).json("pipeline", *TODAY)["sales_cycle"]
    # a: 10-01 to its won commit 11-10 = 40 days; d (never committed): 10-05 to close 11-04 = 30 days
    assert cycle == {"deals": 2, "average_days": 35.0, "start_from": {"created": 2},
                     "end_from": {"close_date": 1, "git": 1}}


def test_the_funnel_counts_who_reached_each_stage_and_the_share_that_moved_on(tmp_path):
    funnel = story(tmp_path).json("pipeline", *TODAY)["funnel"]
    # a, d won: every stage; b reached proposal (git); c qualification; e lost with no history: the first
    assert [(f["stage"], f["reached"], f["moved_on"], f["rate"]) for f in funnel] == [
        ("prospecting", 5, 4, 0.8), ("qualification", 4, 3, 0.75), ("proposal", 3, 2, 0.6667),
        ("negotiation", 2, 2, 1.0), ("won", 2, None, None)]


def test_lost_reasons_slipped_deals_and_conversion_by_source(tmp_path):
    report = story(tmp_path).json("pipeline", *TODAY)
    assert report["lost_reasons"] == [{"reason": "price", "count": 1}, {"reason": "timing", "count": 1}]
    assert [(s["id"], s["was"], s["now"], s["moved"]) for s in report["slipped"]] == [
        ("c", "2026-11-20", "2027-01-15", "2026-11-25")]
    assert report["conversion_by_source"] == [
        {"source": "web", "leads": 3, "closed": 2, "converted": 1, "rate": 0.5},
        {"source": "(none)", "leads": 1, "closed": 0, "converted": 0, "rate": None},
        {"source": "referral", "leads": 1, "closed": 1, "converted": 1, "rate": 1.0}]
    # a past period the deal did not slip out of, and one it was never in
    assert story(tmp_path / "2").json("pipeline", "--today", "2026-11-30", "--period", "2026-10")["slipped"] == []


def test_the_metrics_follow_the_owner_filter(tmp_path):
    report = story(tmp_path).json("pipeline", *TODAY, "--owner", "sam")
    assert [(f["stage"], f["reached"]) for f in report["funnel"]][:3] == [
        ("prospecting", 1), ("qualification", 1), ("proposal", 0)]
    assert [s["id"] for s in report["slipped"]] == ["c"] and report["sales_cycle"]["deals"] == 0


def test_the_text_report_says_each_metric_and_where_it_came_from(tmp_path):
    text = story(tmp_path).run("pipeline", *TODAY, ok=True).output
    section = text[text.index("Metrics (3 deals with git history, 2 without)"):]
    assert "prospecting       2  17.5 days" in section and "negotiation       0  -" in section
    assert ("Sales cycle, created to won in 2026-Q4: 35 days on average over 2 deals "
            "(start: 2 from created; won: 1 from close_date, 1 from git)") in section
    assert "Funnel (all time): prospecting 5 (80% on) -> qualification 4 (75% on)" in section
    assert "Lost reasons in 2026-Q4: price (1); timing (1)" in section
    assert "2026-11-20  2027-01-15  2026-11-25" in section


def test_outside_git_the_figures_come_from_the_files(tmp_path):
    v = story(tmp_path)
    (v.root / ".git").rename(v.root / "not-git")
    report = v.json("pipeline", *TODAY)
    assert report["metrics_history"] == {"deals_from_git": 0, "deals_from_files": 5}
    assert all(s["stints"] == 0 for s in report["stage_days"]) and report["slipped"] == []
    # a: 10-01 to its close date 11-12 = 42; d: 30
    assert report["sales_cycle"] == {"deals": 2, "average_days": 36.0, "start_from": {"created": 2},
                                     "end_from": {"close_date": 2}}


def test_the_close_dates_are_kept_in_the_history_cache_and_a_new_commit_adds_to_it(tmp_path):
    v = story(tmp_path)
    v.json("pipeline", *TODAY)
    cached = json.loads(history_row(v.root))
    assert "2026-11-20" in {f[3] for f in cached["facts"].values()}
    commit_on(v, "2026-11-28", {"opportunities/c.md": deal("C", "qualification", "2027-02-01", created="2026-10-01",
                                                           owner="sam")})
    slipped = v.json("pipeline", *TODAY)["slipped"]
    assert [(s["now"], s["moved"]) for s in slipped] == [("2027-02-01", "2026-11-25")]
    assert sum(len(row["commits"]) for row in history_rows(v.root)) == len(cached["commits"]) + 1


def test_the_lead_pipeline_has_its_funnel_to_converted_and_no_sales_cycle(tmp_path):
    report = story(tmp_path).json("pipeline", "--pipeline", "lead", *TODAY)
    assert [(f["stage"], f["reached"]) for f in report["funnel"]] == [
        ("new", 5), ("contacted", 3), ("qualified", 3), ("converted", 2)]
    assert report["sales_cycle"] is None


def test_a_bad_period_is_refused_in_one_line(tmp_path):
    result = story(tmp_path).run("pipeline", "--period", "2026-Q5", ok=False)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_the_site_pipeline_page_has_the_metrics_block(tmp_path):
    v = story(tmp_path)
    v.run("report", "--out", str(tmp_path / "site"), *TODAY[:2], ok=True)
    page = (tmp_path / "site" / "pipeline.html").read_text()
    block = page[page.index('id="metrics"'):]
    assert '<tr data-stage="prospecting"><td>prospecting</td><td class="num">2</td><td class="num">17.5</td>' in block
    assert "<strong>35.0 days</strong> on average over 2 won" in block
    assert "2026-11-20 → 2027-01-15" in block and "<li>price (1)</li>" in block
