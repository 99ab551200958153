"""What one new commit costs the history kept in the index (git/history.py): the commits already
read are kept, and a new commit adds a row of its own rather than rewriting the whole history, so
its cost follows the new commit, not the length of the history. The findings never change: the
same problems as a run that reads all of git afresh (--no-cache)."""

from __future__ import annotations

import json
import os
import time

import pytest

from conftest import git, history_rows, index_db, make_vault

OPP = "opportunities/acme-fleet-renewal.md"


def amount(vault, n: int) -> None:
    text = vault.read(OPP)
    old = next(line for line in text.splitlines() if line.startswith("amount: "))
    vault.write(OPP, text.replace(old, f"amount: {n}", 1))


def raw_rows(root) -> dict[str, str]:
    db = index_db(root)
    try:
        return dict(db.execute("SELECT k, v FROM git_history"))
    finally:
        db.close()


def same_as_afresh(vault) -> str:
    """`check --history` output, asserted equal to that of a run reading all of git again."""
    cached = vault.run("check", "--history")
    assert cached.output == vault.run("--no-cache", "check", "--history").output
    return cached.output


@pytest.fixture
def vault(tmp_path):
    v = make_vault(tmp_path / "v")
    v.commit("initial")
    return v


def test_a_new_commit_adds_a_row_with_only_that_commit(vault):
    amount(vault, 50000)
    vault.commit("first")
    vault.run("check", "--history")
    (base,) = history_rows(vault.root)
    kept = raw_rows(vault.root)["log"]
    amount(vault, 52000)
    sha = vault.commit("one more")
    same_as_afresh(vault)
    rows = raw_rows(vault.root)
    assert rows["log"] == kept  # the history before it is not written again
    tail = json.loads(rows["log+1"])
    assert [c["c"][3] for c in tail["commits"]] == ["one more"] and tail["commits"][0]["c"][0].startswith(sha)
    assert tail["from"] == base["head"] and len(tail["facts"]) == 1  # the one new blob of the deal
    # (a row after it may keep facts read for the first time: of deals committed once, say)
    assert [json.loads(v)["commits"] for k, v in rows.items() if k not in ("log", "log+1")] in ([], [[]])
    vault.run("check", "--history")  # nothing new: nothing written
    assert raw_rows(vault.root) == rows


def test_the_rows_fold_into_one_after_max_tails_and_say_the_same(vault, monkeypatch):
    from salesmd.git import history

    monkeypatch.setattr(history, "MAX_TAILS", 2)
    vault.run("check", "--history")
    for n in range(3):
        amount(vault, 50000 + n)
        vault.commit(f"edit {n}")
        vault.run("check")
        assert len(raw_rows(vault.root)) == [2, 3, 1][n]
    (whole,) = history_rows(vault.root)
    assert [c["c"][3] for c in whole["commits"]] == ["initial", "edit 0", "edit 1", "edit 2"]
    text = vault.read(OPP).replace("stage: proposal", "stage: won")
    vault.write(OPP, text)
    vault.commit("won")
    vault.write(OPP, text.replace("stage: won", "stage: proposal"))
    vault.commit("reopened", "--no-verify")
    assert "error[terminal-left]: was 'won'" in same_as_afresh(vault)


@pytest.mark.parametrize("forge", [
    lambda tail: {**tail, "from": "0" * 40},  # follows on from a commit the rows do not end at
    lambda tail: {**tail, "commits": "x"},
    lambda tail: [],
])
def test_a_row_that_does_not_follow_on_is_not_believed(vault, forge):
    text = vault.read(OPP)
    vault.run("check", "--history")
    vault.write(OPP, text.replace("stage: proposal", "stage: won"))
    vault.commit("won")
    vault.run("check", "--history")
    vault.write(OPP, text)
    vault.commit("reopened", "--no-verify")
    vault.run("check", "--history")
    rows = {k: json.loads(v) for k, v in raw_rows(vault.root).items()}
    (won,) = [k for k, row in rows.items() if [c["c"][3] for c in row["commits"]] == ["won"]]
    assert won != "log"  # a row of its own, after the first
    db = index_db(vault.root)
    try:
        # the won version's facts are forged away too: only reading git again finds it
        tail = rows[won]
        tail["facts"] = {k: ["opportunity", "proposal", None, None] for k in tail["facts"]}
        db.execute("UPDATE git_history SET v = ? WHERE k = ?", (json.dumps(forge(tail)), won))
    finally:
        db.close()
    assert "error[terminal-left]: was 'won'" in same_as_afresh(vault)
    whole = history_rows(vault.root)  # written again, whole (a row after it may add facts only)
    assert [c["c"][3] for c in whole[0]["commits"]] == ["initial", "won", "reopened"]
    assert all(row["commits"] == [] for row in whole[1:])


def aged(path, seconds: int) -> None:
    """Date a file (or every file of a folder but git's) `seconds` back."""
    then = time.time() - seconds
    for p in [path] if path.is_file() else [p for p in path.rglob("*") if ".git" not in p.parts and p.is_file()]:
        os.utime(p, (then, then))


def deal(n: int, amount: int) -> str:
    return (f"---\ntype: opportunity\nname: Deal {n}\nstage: proposal\naccount: \"[[acme-corp]]\"\n"
            f"amount: {amount}\nclose_date: 2026-12-15\nowner: maria\n---\n")


def test_a_check_after_a_new_commit_makes_only_the_changed_files_versions(vault, monkeypatch):
    """The quick check after a commit asks the history of the files the commit touched: the walk
    makes their versions, not those of every deal ever committed (here 40 deals, 4 versions each)."""
    from salesmd.git import lineage

    for edit in range(4):
        for n in range(40):
            vault.write(f"opportunities/deal-{n}.md", deal(n, 1000 * (edit + 1)))
        vault.commit(f"round {edit}")
    aged(vault.root, 3600)  # files saved a moment ago are read again by every check ("racy"): these are not
    vault.run("check", ok=True)  # the full check: it keeps the state the next one starts from
    made = []

    class Counted(lineage.Version):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self.path)

    monkeypatch.setattr(lineage, "Version", Counted)
    vault.write("opportunities/deal-7.md", deal(7, 9999).replace("stage: proposal", "stage: won"))
    vault.commit("deal 7 won")
    aged(vault.root / "opportunities/deal-7.md", 10)
    quick = vault.run("check", ok=True).output
    assert sorted(set(made)) == ["opportunities/deal-7.md"] and len(made) == 5
    assert quick == vault.run("--no-cache", "check", ok=True).output
    made.clear()
    vault.write("opportunities/deal-7.md", deal(7, 9999))  # reopened: the rule still sees the won version
    vault.commit("deal 7 reopened", "--no-verify")
    aged(vault.root / "opportunities/deal-7.md", 10)
    made.clear()
    reported = vault.run("check", ok=False).output
    assert "opportunities/deal-7.md:4: error[terminal-left]: was 'won'" in reported
    assert sorted(set(made)) == ["opportunities/deal-7.md"] and len(made) == 6
    assert reported == vault.run("--no-cache", "check", ok=False).output


@pytest.mark.parametrize("committed", [True, False])
def test_a_renamed_deal_keeps_the_history_of_its_old_name(vault, committed):
    """Only the changed files' history is walked, but a file renamed (committed, or only `git mv`ed)
    is still told against the versions under its old name."""
    vault.write("opportunities/old-name.md", deal(1, 5000).replace("stage: proposal", "stage: won"))
    vault.commit("won under its old name")
    aged(vault.root, 3600)
    vault.run("check", ok=True)
    git(vault.root, "mv", "opportunities/old-name.md", "opportunities/new-name.md")
    vault.write("opportunities/new-name.md", deal(1, 5000))
    if committed:
        vault.commit("renamed and reopened", "--no-verify")
    reported = vault.run("check", ok=False).output
    assert "opportunities/new-name.md:4: error[terminal-left]: was 'won'" in reported
    assert reported == vault.run("--no-cache", "check", ok=False).output


def test_check_history_after_a_new_commit_reads_only_what_changed(vault, monkeypatch):
    """`check --history` answers the files as they are from the check state (as `check` does) and
    audits every commit's versions from git: the records are not all read again (here 40 deals
    and the base vault's 14 records; after commits to one deal, that deal and what it links to are
    read), and a deal reopened in a past commit is found as a run reading everything finds it."""
    from salesmd import model
    from salesmd.git import history

    for edit in range(2):
        for n in range(40):
            vault.write(f"opportunities/deal-{n}.md", deal(n, 1000 * (edit + 1)))
        vault.commit(f"round {edit}")
    aged(vault.root, 3600)
    vault.run("check", "--history", ok=True)
    made = []
    init = model.Record.__init__

    def counted(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(self.path)

    monkeypatch.setattr(model.Record, "__init__", counted)
    read = history.HistoryCache._read
    vault.write("opportunities/deal-7.md", deal(7, 9999).replace("stage: proposal", "stage: won"))
    vault.commit("deal 7 won")
    vault.write("opportunities/deal-7.md", deal(7, 9999))
    vault.commit("deal 7 reopened", "--no-verify")
    vault.write("opportunities/deal-7.md", deal(7, 9999).replace("stage: proposal", "stage: won"))
    vault.commit("deal 7 won again")
    aged(vault.root / "opportunities/deal-7.md", 10)
    reads = []
    monkeypatch.setattr(history.HistoryCache, "_read", lambda self: reads.append(self.root) or read(self))
    reported = vault.run("check", "--history", ok=False).output
    assert "opportunities/deal-7.md:4: error[terminal-left]: was 'won' in" in reported
    assert len(reads) == 1  # the quick check's rules and the audit share one reading of the kept history
    # the deal, the account it links to (the quick check re-checks what a change can affect)
    assert set(made) == {"opportunities/deal-7.md", "accounts/acme-corp.md"} and len(made) <= 5, made
    monkeypatch.undo()
    assert reported == vault.run("--no-cache", "check", "--history", ok=False).output


@pytest.mark.parametrize("seed", range(3))
def test_check_history_says_what_reading_everything_says(tmp_path, seed):
    """test_checkstate's random edits, commits, renames and staged changes, with `check --history`
    after each: the answer from the check state and the kept history is the answer of a run that
    reads every file and all of git afresh, byte for byte (JSON), and the quick way is taken."""
    from test_checkstate import World, compare

    world = World(tmp_path / "v", seed)
    world.vault.run("check")
    used = 0
    for _ in range(25):
        world.edit()
        used += compare(world.vault, ("--history",))
    assert used >= 12
