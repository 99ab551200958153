"""What one new commit costs the history kept in the index (git/history.py): the commits already
read are kept, and a new commit adds a row of its own rather than rewriting the whole history, so
its cost follows the new commit, not the length of the history. The findings never change: the
same problems as a run that reads all of git afresh (--no-cache)."""

from __future__ import annotations

import json

import pytest

from conftest import history_rows, index_db, make_vault

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
    assert set(rows) == {"log", "log+1"}
    tail = json.loads(rows["log+1"])
    assert [c["c"][3] for c in tail["commits"]] == ["one more"] and tail["commits"][0]["c"][0].startswith(sha)
    assert tail["from"] == base["head"] and len(tail["facts"]) == 1  # the one new blob of the deal
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
    rows = raw_rows(vault.root)
    assert set(rows) == {"log", "log+1", "log+2"}
    db = index_db(vault.root)
    try:
        # the won version's facts are forged away too: only reading git again finds it
        tail = json.loads(rows["log+1"])
        tail["facts"] = {k: ["opportunity", "proposal", None, None] for k in tail["facts"]}
        db.execute("UPDATE git_history SET v = ? WHERE k = 'log+1'", (json.dumps(forge(tail)),))
    finally:
        db.close()
    assert "error[terminal-left]: was 'won'" in same_as_afresh(vault)
    assert set(raw_rows(vault.root)) == {"log"}  # written again, whole
