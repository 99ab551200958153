"""`salesmd diff [FROM] [TO]` (issue 14 item 2): what changed in the pipeline between two points
and who changed it. The history is dated and each commit has its author, so every line and total
below is computed by hand from it."""

from __future__ import annotations

import os
import subprocess

import pytest

from conftest import git, make_vault
from dated import commit_on, deal, lead


def story(root):
    """On 11-01 (Maria) seven records; then, a commit a day:
    11-05 Dev:   b qualification -> proposal, close 11-20 -> 12-20; a amount 1000 -> 1500
    11-06 Maria: a proposal -> negotiation; c EUR 2000 -> 2500; d renamed d-renamed
    11-07 Sam:   e lost (price); f created; l1 converted to f; g deleted
    11-08 Maria: b close 12-20 -> 12-10
    11-09 Dev:   a won, close 12-01 -> 11-08
    and, not committed, d-renamed 700 -> 800 and c 2500 -> 2600."""
    v = make_vault(root, base=False)
    commit_on(v, "2026-11-01", {
        "opportunities/a.md": deal("A", "proposal", 1000, "2026-12-01"),
        "opportunities/b.md": deal("B", "qualification", 5000, "2026-11-20", owner="dev"),
        "opportunities/c.md": deal("C", "negotiation", 2000, "2026-12-15", currency="EUR"),
        "opportunities/d.md": deal("D", "prospecting", 700, "2027-01-10", owner="sam"),
        "opportunities/e.md": deal("E", "proposal", 400, "2026-11-30", owner="sam"),
        "opportunities/g.md": deal("G", "prospecting", 300, "2027-02-01", owner="sam"),
        "leads/l1.md": lead("L1", "qualified")})
    commit_on(v, "2026-11-05", {
        "opportunities/b.md": deal("B", "proposal", 5000, "2026-12-20", owner="dev"),
        "opportunities/a.md": deal("A", "proposal", 1500, "2026-12-01")}, author="Dev")
    commit_on(v, "2026-11-06", {
        "opportunities/a.md": deal("A", "negotiation", 1500, "2026-12-01"),
        "opportunities/c.md": deal("C", "negotiation", 2500, "2026-12-15", currency="EUR")},
        moves={"opportunities/d.md": "opportunities/d-renamed.md"})
    commit_on(v, "2026-11-07", {
        "opportunities/e.md": deal("E", "lost", 400, "2026-11-30", owner="sam", lost_reason="price"),
        "opportunities/f.md": deal("F", "prospecting", 900, "2026-12-31", owner="sam"),
        "leads/l1.md": lead("L1", "converted", converted_to='"[[f]]"', converted_on="2026-11-07"),
        "opportunities/g.md": None}, author="Sam")
    commit_on(v, "2026-11-08", {"opportunities/b.md": deal("B", "proposal", 5000, "2026-12-10", owner="dev")})
    commit_on(v, "2026-11-09", {"opportunities/a.md": deal("A", "won", 1500, "2026-11-08")}, author="Dev")
    v.write("opportunities/d-renamed.md", deal("D", "prospecting", 800, "2027-01-10", owner="sam"))
    v.write("opportunities/c.md", deal("C", "negotiation", 2600, "2026-12-15", currency="EUR"))
    return v


@pytest.fixture
def v(tmp_path):
    return story(tmp_path / "v")


def short(report: dict, section: str, *keys: str) -> list[tuple]:
    return [tuple(item[k] for k in ("id", *keys, "author")) for item in report[section]]


def test_a_week_of_changes_to_the_working_tree(v):
    report = v.json("diff", "2026-11-01")
    assert report["to"] == {"asked": "the working tree", "commit": None, "day": report["to"]["day"]}
    assert short(report, "created", "stage", "amount", "currency") == [("f", "prospecting", 900, "USD", "Sam")]
    assert short(report, "moved", "from", "to") == [("b", "qualification", "proposal", "Dev")]
    assert short(report, "won", "was", "amount", "close_date") == [("a", "proposal", 1500, "2026-11-08", "Dev")]
    assert short(report, "lost", "was", "amount", "reason") == [("e", "proposal", 400, "price", "Sam")]
    assert short(report, "amounts", "currency", "old", "new", "change") == [
        ("a", "USD", 1000, 1500, 500, "Dev"), ("c", "EUR", 2000, 2600, 600, None),  # None: not committed
        ("d-renamed", "USD", 700, 800, 100, None)]  # (Maria's 2500 is not what the file says now)
    assert short(report, "close_dates", "old", "new", "days", "direction") == [
        ("a", "2026-12-01", "2026-11-08", -23, "pulled in", "Dev"),
        ("b", "2026-11-20", "2026-12-10", 20, "slipped", "Maria")]  # the last change's author
    assert short(report, "converted", "to") == [("l1", "f", "Sam")]
    assert short(report, "deleted", "stage") == [("g", "prospecting", "Sam")]
    assert short(report, "renamed", "was") == [("d-renamed", "d", "Maria")]
    assert report["totals"] == {
        "created": {"count": 1, "by_currency": {"USD": 900}}, "moved": 1,
        "won": {"count": 1, "by_currency": {"USD": 1500}}, "lost": {"count": 1, "by_currency": {"USD": 400}},
        "amount_change": {"USD": 600, "EUR": 600}, "slipped": 1, "pulled_in": 1, "converted": 1, "deleted": 1,
        "renamed": 1}


def test_between_two_commits(v):
    report = v.json("diff", "2026-11-01", "2026-11-06")
    assert report["to"]["day"] == "2026-11-06" and report["to"]["commit"]
    assert short(report, "moved", "from", "to") == [("a", "proposal", "negotiation", "Maria"),
                                                    ("b", "qualification", "proposal", "Dev")]
    assert short(report, "amounts", "change") == [("a", 500, "Dev"), ("c", 500, "Maria")]
    assert short(report, "close_dates", "days", "direction") == [("b", 30, "slipped", "Dev")]
    assert short(report, "renamed", "was") == [("d-renamed", "d", "Maria")]
    assert report["created"] == report["won"] == report["lost"] == report["deleted"] == report["converted"] == []
    assert v.json("diff", "HEAD~5", "HEAD~3") == report | {
        "from": report["from"] | {"asked": "HEAD~5"}, "to": report["to"] | {"asked": "HEAD~3"}}


def test_the_text_is_for_a_meeting(v):
    text = v.run("diff", "2026-11-01", ok=True).stdout
    lines = text.splitlines()
    assert lines[0].startswith("Pipeline changes from 2026-11-01 (") and lines[0].endswith(") to the working tree")
    assert "Created: 1 deal (USD 900)" in lines
    assert "Amounts changed: 3 deals (USD +600, EUR +600)" in lines
    assert "Close dates changed: 1 slipped, 1 pulled in" in lines
    row = next(line for line in lines if line.startswith("d-renamed") and "800" in line)
    assert row.split()[-1] == "committed)"  # "(not committed)"
    assert next(line for line in lines if line.startswith("b ") and "+20" in line).split()[-2:] == ["dev", "Maria"]


def test_owner_keeps_that_owners_deals(v):
    report = v.json("diff", "2026-11-01", "--owner", "sam")
    assert [(s, i["id"]) for s in ("created", "moved", "won", "lost", "amounts", "close_dates", "converted",
                                   "deleted", "renamed") for i in report[s]] == [
        ("created", "f"), ("lost", "e"), ("amounts", "d-renamed"), ("deleted", "g"), ("renamed", "d-renamed")]
    assert report["filters"] == {"owner": "sam"}


def test_from_defaults_to_a_week_ago(v):
    assert v.json("--today", "2026-11-08", "diff") == v.json("--today", "2026-11-08", "diff", "2026-11-01")


def test_a_vault_younger_than_a_week_shows_everything_created(tmp_path):
    v = make_vault(tmp_path / "young", base=False)
    commit_on(v, "2026-11-07", {"opportunities/a.md": deal("A", "proposal", 1000, "2026-12-01")})
    report = v.json("--today", "2026-11-08", "diff")
    assert report["from"]["commit"] is None
    assert short(report, "created", "amount") == [("a", 1000, "Maria")]


def test_nothing_changed(v):
    result = v.run("diff", "HEAD", "HEAD", ok=True)
    assert result.stdout.splitlines()[-1] == "No changes in the pipeline."


@pytest.mark.parametrize("args, said", [
    (["nope"], "'nope' is neither a date (YYYY-MM-DD) nor a commit git knows"),
    (["2026-11-01", "HEAD~99"], "'HEAD~99' is neither"),
    (["2026-10-01"], "no commit on or before 2026-10-01: the vault's history begins on 2026-11-01"),
])
def test_bad_points_are_one_line_and_exit_2(v, args, said):
    result = v.run("diff", *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("salesmd: error: diff: ") and said in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_without_git(tmp_path):
    result = make_vault(tmp_path / "plain", git_init=False).run("diff")
    assert result.exit_code == 2 and "is not in a git repository" in result.stderr


def test_an_owner_salesmd_yaml_does_not_list_is_refused(v):
    v.write("salesmd.yaml", v.read("salesmd.yaml") + "\nowners: {maria: {}, dev: {}, sam: {}}\n")
    result = v.run("diff", "2026-11-01", "--owner", "mraia")
    assert result.exit_code == 2 and result.stdout == "" and "maria" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_deal_moved_to_another_currency_counts_out_of_one_and_into_the_other(v):
    v.write("opportunities/b.md", deal("B", "proposal", 4000, "2026-12-10", owner="dev", currency="EUR"))
    report = v.json("diff", "HEAD", "--owner", "dev")
    assert short(report, "amounts", "old", "old_currency", "new", "currency", "change") == [
        ("b", 5000, "USD", 4000, "EUR", 4000, None)]
    assert report["totals"]["amount_change"] == {"USD": -5000, "EUR": 4000}


def test_a_deal_renamed_then_a_new_deal_at_its_old_path_is_a_rename_and_a_creation(tmp_path):
    """11-01 A at a.md; 11-03 Maria renames a.md -> a2.md and sets 1200; 11-08 Sam creates a new
    deal 'A new' at a.md. By hand: a2 renamed (was a), amount +200 by Maria; a created, 300, by Sam."""
    v = make_vault(tmp_path / "v", base=False)
    commit_on(v, "2026-11-01", {"opportunities/a.md": deal("A", "proposal", 1000, "2026-12-01")})
    commit_on(v, "2026-11-03", {"opportunities/a2.md": deal("A", "proposal", 1200, "2026-12-01")},
              moves={"opportunities/a.md": "opportunities/a2.md"})
    commit_on(v, "2026-11-08", {"opportunities/a.md": deal("A new", "prospecting", 300, "2027-01-01", owner="sam")},
              author="Sam")
    for args in (["diff", "2026-11-01"], ["diff", "2026-11-01", "HEAD"]):
        report = v.json(*args)
        assert short(report, "created", "amount") == [("a", 300, "Sam")]
        assert short(report, "renamed", "was") == [("a2", "a", "Maria")]
        assert short(report, "amounts", "change") == [("a2", 200, "Maria")]
        assert report["moved"] == report["close_dates"] == report["deleted"] == []


def test_a_change_made_on_a_merged_branch_keeps_its_author(tmp_path):
    """11-01 b proposal, close 11-20, 5000. Branch feat 11-04 Sam: close 12-20. main 11-05 Dev: b to
    negotiation. 11-06 Maria merges feat (--no-ff) and, in the merge, sets the amount to 5500.
    By hand: moved by Dev, slipped 30 days by Sam, amount +500 by Maria (no parent had 5500)."""
    v = make_vault(tmp_path / "v", base=False)
    b, body = "opportunities/b.md", "\nx\n\n\n\n\n\n\ny\n"  # lines apart: git merges the two sides
    commit_on(v, "2026-11-01", {b: deal("B", "proposal", 5000, "2026-11-20", body=body)})
    git(v.root, "checkout", "-q", "-b", "feat")
    commit_on(v, "2026-11-04", {b: deal("B", "proposal", 5000, "2026-12-20", body=body)}, author="Sam")
    git(v.root, "checkout", "-q", "main")
    commit_on(v, "2026-11-05", {b: deal("B", "negotiation", 5000, "2026-11-20", body=body)}, author="Dev")
    env = dict(os.environ, GIT_AUTHOR_DATE="2026-11-06T12:00:00", GIT_COMMITTER_DATE="2026-11-06T12:00:00",
               GIT_AUTHOR_NAME="Maria", GIT_AUTHOR_EMAIL="m@x", GIT_COMMITTER_NAME="Maria", GIT_COMMITTER_EMAIL="m@x")
    subprocess.run(["git", "merge", "-q", "--no-ff", "--no-commit", "feat"], cwd=v.root, check=True, env=env)
    v.write(b, deal("B", "negotiation", 5500, "2026-12-20", body=body))
    subprocess.run(["git", "commit", "-qam", "merge feat"], cwd=v.root, check=True, env=env)
    for args in (["diff", "2026-11-01", "HEAD"], ["diff", "2026-11-01"]):
        report = v.json(*args)
        assert short(report, "moved", "from", "to") == [("b", "proposal", "negotiation", "Dev")]
        assert short(report, "close_dates", "days") == [("b", 30, "Sam")]
        assert short(report, "amounts", "change") == [("b", 500, "Maria")]


@pytest.mark.parametrize("args", [["2026-11-06", "2026-11-01"], ["HEAD", "HEAD~3"], ["side"], ["side", "HEAD"]])
def test_a_from_that_is_not_before_to_is_refused(v, args):
    """Backwards (11-06 to 11-01), or FROM on another branch: one line and exit 2, not the changes
    reversed and called uncommitted."""
    git(v.root, "branch", "side", "HEAD~2")
    git(v.root, "checkout", "-q", "side")
    commit_on(v, "2026-11-10", {"opportunities/z.md": deal("Z", "proposal", 10, "2026-12-01")})
    git(v.root, "checkout", "-q", "main")
    result = v.run("diff", *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("salesmd: error: diff: ") and "swap them" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_from_before_to_is_still_fine(v):
    assert v.run("diff", "HEAD~3", "HEAD", ok=True).stdout
    assert v.run("diff", "HEAD", ok=True).stdout


def test_an_unknown_author_between_commits_is_a_dash_not_uncommitted():
    from salesmd.render.history_text import render_diff
    from salesmd.reports.pipeline_diff import PipelineDiff

    def one(end):
        report = PipelineDiff({"asked": "HEAD~1", "commit": "a" * 40, "day": "2026-11-01"}, end, None, "USD")
        report.lists["moved"].append({"id": "b", "type": "opportunity", "name": "B", "owner": "dev", "path": "b.md",
                                      "from": "proposal", "to": "negotiation", "author": None})
        return next(line for line in render_diff(report).splitlines() if line.startswith("b "))
    assert one({"asked": "HEAD", "commit": "b" * 40, "day": "2026-11-02"}).split()[-1] == "-"
    assert one({"asked": "the working tree", "commit": None, "day": "2026-11-02"}).endswith("(not committed)")
