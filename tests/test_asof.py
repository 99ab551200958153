"""--as-of DATE|REF (issue 14 item 2): pipeline, agenda, list and show on the vault as committed at
a point of its git history, read without a checkout. The history below is dated, so every figure
is computed by hand from it."""

from __future__ import annotations

import json

import pytest

from conftest import git, make_vault
from dated import commit_on, deal

TASK = """\
---
type: task
subject: Call about A
status: {status}
due: 2026-09-03
related: ["[[a]]"]
owner: maria
---
"""


def story(root, top=None):
    """a: prospecting 1000 (09-01) -> proposal 1200 (09-15) -> won (10-01); b: qualification 5000,
    renamed b-renamed and moved to proposal on 10-01; c: prospecting 3000 (09-15), deleted 10-10.
    On 10-01 the config's proposal probability goes from 50% to 40%."""
    v = make_vault(root, base=False, git_init=top is None)
    if top is not None:  # the repository is a folder above the vault
        git(top, "init", "-q", "-b", "main")
    shas = {"09-01": commit_on(v, "2026-09-01", {
        "opportunities/a.md": deal("A", "prospecting", 1000, "2026-10-15", body="First version.\n"),
        "opportunities/b.md": deal("B", "qualification", 5000, "2026-11-30", owner="dev"),
        "tasks/call-a.md": TASK.format(status="open")})}
    shas["09-15"] = commit_on(v, "2026-09-15", {
        "opportunities/a.md": deal("A", "proposal", 1200, "2026-10-15", body="Second version.\n"),
        "opportunities/c.md": deal("C", "prospecting", 3000, "2026-12-01", owner="sam")}, author="Dev")
    config = v.read("salesmd.yaml").replace("- name: proposal\n        probability: 50",
                                            "- name: proposal\n        probability: 40")
    assert config != v.read("salesmd.yaml")
    shas["10-01"] = commit_on(v, "2026-10-01", {
        "salesmd.yaml": config,
        "opportunities/a.md": deal("A", "won", 1200, "2026-09-30", body="Second version.\n"),
        "opportunities/b-renamed.md": deal("B", "proposal", 5000, "2026-11-30", owner="dev"),
        "tasks/call-a.md": TASK.format(status="done")}, moves={"opportunities/b.md": "opportunities/b-renamed.md"})
    shas["10-10"] = commit_on(v, "2026-10-10", {"opportunities/c.md": None}, author="Sam")
    return v, shas


@pytest.fixture
def past(tmp_path):
    return story(tmp_path / "v")


def stages(report) -> dict:
    return {s["stage"]: (s["count"], s["by_currency"].get("USD")) for s in report["stages"] if s["count"]}


def test_pipeline_as_of_a_date_is_the_pipeline_committed_then(past):
    v, _ = past
    report = v.json("pipeline", "--as-of", "2026-09-20", "--period", "2026-Q4")
    assert report["today"] == "2026-09-20"  # the as-of day is today
    # a in proposal at 1200 weighs 50% (the config as committed then; 40% today), b 25%, c 10%
    assert stages(report) == {"prospecting": (1, {"count": 1, "amount": 3000, "weighted": 300}),
                              "qualification": (1, {"count": 1, "amount": 5000, "weighted": 1250}),
                              "proposal": (1, {"count": 1, "amount": 1200, "weighted": 600})}
    assert report["open"]["by_currency"]["USD"] == {"count": 3, "amount": 9200, "weighted": 2150}
    now = v.json("pipeline", "--period", "2026-Q4", "--today", "2026-10-20")
    assert stages(now) == {"proposal": (1, {"count": 1, "amount": 5000, "weighted": 2000}),
                           "won": (1, {"count": 1, "amount": 1200, "weighted": 1200})}


def test_a_ref_is_any_commit_and_gives_the_same_report_as_its_day(past):
    v, shas = past
    by_day = v.run("pipeline", "--as-of", "2026-09-20", "--format", "json", ok=True)
    for ref in (shas["09-15"], shas["09-15"][:8], "HEAD~2"):
        by_ref = v.run("pipeline", "--as-of", ref, "--format", "json", ok=True)
        assert json.loads(by_ref.stdout) == json.loads(by_day.stdout.replace("2026-09-20", "2026-09-15"))
        assert f"as committed at {ref} ({shas['09-15'][:7]}, 2026-09-15)" in by_ref.stderr
    git(v.root, "tag", "before-q4", shas["09-15"])
    assert v.json("pipeline", "--as-of", "before-q4")["today"] == "2026-09-15"


def test_days_in_stage_come_from_the_history_up_to_the_point(past):
    v, _ = past
    report = v.json("pipeline", "--as-of", "2026-09-20", "--deals")
    a = next(d for d in report["deals"] if d["id"] == "a")
    # a entered proposal on 09-15, five days before; its later move to won is not known yet
    assert (a["stage"], a["days_in_stage"], a["stage_since_source"]) == ("proposal", 5, "git")


def test_list_follows_renames_and_deletions(past):
    v, _ = past
    assert v.run("list", "opportunity", "--format", "ids", ok=True).stdout == "a\nb-renamed\n"
    assert v.run("list", "opportunity", "--as-of", "2026-09-20", "--format", "ids", ok=True).stdout == "a\nb\nc\n"
    assert v.run("list", "opportunity", "--as-of", "2026-10-05", "--format", "ids", ok=True).stdout == "a\nb-renamed\nc\n"
    listed = v.run("list", "opportunity", "--as-of", "2026-09-02", "--columns", "id,stage,amount", ok=True).stdout
    assert [line.split() for line in listed.splitlines()[2:]] == [["a", "prospecting", "1000"],
                                                                  ["b", "qualification", "5000"], ["2", "opportunities"]]


def test_show_reads_the_record_and_its_body_as_committed(past):
    v, _ = past
    shown = v.run("show", "a", "--as-of", "2026-09-02", ok=True).stdout
    assert "prospecting" in shown and "1000" in shown and "First version." in shown
    assert "Second version." not in shown
    assert "Second version." in v.run("show", "a", ok=True).stdout
    assert v.json("show", "c", "--as-of", "2026-09-20")["fields"]["amount"] == 3000
    gone = v.run("show", "c", ok=False)  # deleted since
    assert gone.exit_code == 1 and "no record with id 'c'" in gone.stderr


def test_agenda_as_of_a_day_shows_what_was_overdue_then(past):
    v, _ = past
    then = v.json("agenda", "--as-of", "2026-09-05")
    assert then["today"] == "2026-09-05"
    assert [i["id"] for i in then["overdue"]] == ["call-a"]  # open, due 09-03
    assert v.json("agenda", "--today", "2026-09-05")["overdue"] == []  # done since
    # --today wins over the as-of day
    assert v.json("agenda", "--as-of", "2026-09-05", "--today", "2026-09-02")["overdue"] == []


def test_the_index_and_a_plain_read_give_the_same_past(past):
    v, _ = past
    v.run("check")  # the index holds today's rows: what is unchanged since is taken from it
    for args in (["pipeline", "--as-of", "2026-09-20", "--format", "json", "--deals"],
                 ["list", "opportunity", "--as-of", "2026-10-05", "--format", "json"],
                 ["show", "a", "--as-of", "2026-09-02", "--format", "json"]):
        assert v.run(*args, ok=True).stdout == v.run("--no-cache", *args, ok=True).stdout


def test_a_vault_in_a_sub_folder_of_its_repository(tmp_path):
    top = tmp_path / "repo"
    v, shas = story(top / "crm", top)
    (top / "notes.md").write_text("---\ntype: opportunity\nname: Outside the vault\n---\n")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "a file beside the vault")
    assert v.run("list", "opportunity", "--as-of", "2026-09-20", "--format", "ids", ok=True).stdout == "a\nb\nc\n"
    report = v.json("pipeline", "--as-of", shas["09-15"])
    assert report["open"]["by_currency"]["USD"] == {"count": 3, "amount": 9200, "weighted": 2150}


@pytest.mark.parametrize("asked, said", [
    ("nope", "'nope' is neither a date (YYYY-MM-DD) nor a commit git knows"),
    ("2026-08-31", "no commit on or before 2026-08-31: the vault's history begins on 2026-09-01"),
    ("2026-02-30", "'2026-02-30' is not a date"),
    ("--help", "neither a date (YYYY-MM-DD) nor a git revision"),
])
def test_a_point_that_is_not_there_is_one_line_and_exit_2(past, asked, said):
    v, _ = past
    for command in (["pipeline"], ["agenda"], ["list", "opportunity"], ["show", "a"]):
        result = v.run(*command, f"--as-of={asked}")
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        assert result.stderr.startswith("salesmd: error: --as-of: ") and said in result.stderr
        assert len(result.stderr.splitlines()) == 1


def test_without_git_or_commits_as_of_says_so(tmp_path):
    plain = make_vault(tmp_path / "plain", git_init=False)
    result = plain.run("pipeline", "--as-of", "2026-09-01")
    assert result.exit_code == 2 and "is not in a git repository" in result.stderr
    empty = make_vault(tmp_path / "empty")
    result = empty.run("list", "lead", "--as-of", "HEAD")
    assert result.exit_code == 2 and "has no commits yet" in result.stderr


def test_only_the_files_a_walk_reads_are_read_from_the_commit(tmp_path):
    v = make_vault(tmp_path / "w", base=False)
    stray = deal("X", "proposal", 5, "2026-10-15")
    commit_on(v, "2026-09-01", {"opportunities/a.md": deal("A", "proposal", 1000, "2026-10-15"),
                                **{f"{folder}/x.md": stray for folder in ("templates", ".hidden", "_site")}})
    commit_on(v, "2026-09-02", {"salesmd.yaml": v.read("salesmd.yaml") + '\nignore: [archive, "*-draft.md"]\n',
                                "archive/x.md": stray, "archive/old/y.md": stray, "opportunities/b-draft.md": stray})
    for point in ("HEAD~1", "HEAD"):
        assert v.run("list", "opportunity", "--as-of", point, "--format", "ids", ok=True).stdout == "a\n"


def test_show_an_unknown_id_as_of_a_point_suggests_the_ids_of_then(past):
    v, _ = past
    result = v.run("show", "b-renamd", "--as-of", "2026-10-05")
    assert result.exit_code == 1 and "no record with id 'b-renamd'" in result.stderr and "b-renamed" in result.stderr
    result = v.run("show", "c", "--as-of", "2026-09-01")  # made on 09-15
    assert result.exit_code == 1 and "no record with id 'c'" in result.stderr
