"""The index (.salesmd/index.sqlite): derived from the files, never trusted over them, rebuilt
silently whenever it is missing, damaged, foreign or odd."""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings, strategies as st

from conftest import make_vault
from salesmd.store.rows import _dumps, _loads, _tagged

INDEX = (".salesmd", "index.sqlite")

# YAML gives fixed offsets (2026-11-27T10:00:00+05:30), never named zones
offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=8),
                    st.dates(), st.datetimes(timezones=st.one_of(st.none(), offsets)))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.text(max_size=4), st.integers(), st.booleans(), st.dates()), inner, max_size=4)),
    max_leaves=12)


def same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, dt.datetime):
        return a == b and a.utcoffset() == b.utcoffset() and (a.tzinfo is None) == (b.tzinfo is None)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


@settings(max_examples=300, deadline=None)
@given(values)
def test_what_the_index_keeps_comes_back_as_it_was_read(value):
    # a date stays a date (not a datetime, not text), 1 stays 1 (not True, not 1.0), key order stays
    assert same(_loads(_dumps(_tagged({"v": value})))["v"], value)


def deal_amounts(vault) -> str:
    return vault.run("list", "opportunity", "--columns", "amount", "--format", "csv", ok=True).stdout


def test_an_index_copied_from_elsewhere_is_never_read(tmp_path):
    # Two vaults whose deal files have the same names, sizes and times but other amounts: the
    # index of one, copied (or committed and cloned) into the other, must not answer for it.
    one = make_vault(tmp_path / "one")
    two = make_vault(tmp_path / "two")
    rel = "opportunities/acme-fleet-renewal.md"
    (two.root / rel).write_text((one.root / rel).read_text().replace("48000", "91000"))
    stamp = (one.root / rel).stat().st_mtime - 3600
    for vault in (one, two):
        os.utime(vault.root / rel, (stamp, stamp))
    assert "48000" in deal_amounts(one)
    assert "91000" in deal_amounts(two)
    shutil.rmtree(two.root / ".salesmd")
    shutil.copytree(one.root / ".salesmd", two.root / ".salesmd")
    assert "91000" in deal_amounts(two)


@pytest.mark.parametrize("junk", [b"", b"SQLite format 3\x00" + bytes(200), b"not a database at all" * 100])
def test_a_damaged_index_is_rebuilt_silently(tmp_path, junk):
    vault = make_vault(tmp_path / "v")
    deal_amounts(vault)
    index = vault.root.joinpath(*INDEX)
    for extra in index.parent.glob("index.sqlite*"):
        extra.unlink()
    index.write_bytes(junk)
    result = vault.run("list", "opportunity", "--columns", "amount", "--format", "csv")
    assert result.exit_code == 0 and result.stderr == ""
    assert "48000" in result.stdout
    assert sqlite3.connect(index).execute("SELECT count(*) FROM files").fetchone()[0] > 5


def test_an_index_from_other_code_is_rebuilt(tmp_path):
    vault = make_vault(tmp_path / "v")
    deal_amounts(vault)
    index = vault.root.joinpath(*INDEX)
    db = sqlite3.connect(index)
    db.execute("UPDATE files SET record = replace(record, '48000', '1') WHERE path LIKE 'opportunities/%'")
    db.execute("UPDATE meta SET v = 'another salesmd' WHERE k = 'version'")
    db.commit()
    db.close()
    assert "48000" in deal_amounts(vault)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("name", ["index.sqlite", "index.sqlite-wal", "index.sqlite-shm"])
@pytest.mark.parametrize("odd", ["fifo", "link to /dev/zero"])
def test_what_is_not_a_file_in_place_of_the_index_is_set_aside_never_opened(tmp_path, name, odd):
    vault = make_vault(tmp_path / "v")
    deal_amounts(vault)
    folder = vault.root / ".salesmd"
    for extra in folder.glob("index.sqlite*"):
        extra.unlink()
    path = folder / name
    os.mkfifo(path) if odd == "fifo" else os.symlink("/dev/zero", path)
    command = [sys.executable, "-m", "salesmd", "--vault", str(vault.root), "list", "opportunity"]
    done = subprocess.run(command, capture_output=True, timeout=60)  # a hang fails here
    assert done.returncode == 0, done.stderr
    assert b"acme-fleet-renewal" in done.stdout
    assert (folder / (name + ".not-a-file")).is_symlink() == (odd != "fifo")


def test_no_cache_reads_and_writes_nothing_under_dot_salesmd(tmp_path):
    vault = make_vault(tmp_path / "v")
    vault.run("--no-cache", "list", "opportunity", ok=True)
    vault.run("--no-cache", "check", ok=True)
    assert not (vault.root / ".salesmd").exists() or not any((vault.root / ".salesmd").glob("index.sqlite*"))


def test_a_file_changed_twice_in_one_clock_tick_is_read_again(tmp_path):
    vault = make_vault(tmp_path / "v")
    deal = vault.root / "opportunities" / "acme-fleet-renewal.md"
    stamp = deal.stat().st_mtime_ns
    assert "48000" in deal_amounts(vault)
    deal.write_text(deal.read_text().replace("48000", "57000"))  # same size, and the same mtime below
    os.utime(deal, ns=(stamp, stamp))
    assert "57000" in deal_amounts(vault)


def test_commands_at_once_with_edits_between_agree_with_the_files(tmp_path):
    vault = make_vault(tmp_path / "v")
    deal = vault.root / "opportunities" / "acme-fleet-renewal.md"
    command = [sys.executable, "-m", "salesmd", "--vault", str(vault.root), "list", "opportunity",
               "--columns", "amount", "--format", "csv"]
    for amount in (11000, 22000, 33000, 44000):
        if amount in (22000, 44000):  # no index yet: all four race to make it, and none may lose another's
            shutil.rmtree(vault.root / ".salesmd", ignore_errors=True)
        deal.write_text(deal.read_text().replace("amount: " + deal.read_text().split("amount: ")[1].split("\n")[0],
                                                 f"amount: {amount}"))
        runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
        for run in runs:
            out, err = run.communicate(timeout=120)
            assert err == b"" and str(amount) in out.decode()
        db = sqlite3.connect(vault.root.joinpath(*INDEX))
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_search_finds_records_by_name_and_body_words(tmp_path):
    vault = make_vault(tmp_path / "v")
    found = vault.run("search", "forklifts", ok=True).stdout
    assert "acme-corp" in found and "acme-fleet-renewal" in found
    assert "jane-doe" not in found
    assert "acme-fleet-renewal" in vault.run("search", "renewal", "--type", "opportunity", ok=True).stdout
    deal = vault.root / "opportunities" / "acme-fleet-renewal.md"
    deal.write_text(deal.read_text().replace("forklifts", "pallet jacks"))
    found = vault.run("search", "forklifts", ok=True).stdout
    assert "acme-fleet-renewal" not in found and "acme-corp" in found
    assert vault.run("--no-cache", "search", "jacks", ok=True).stdout == vault.run("search", "jacks", ok=True).stdout


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.one_of(st.text(max_size=4), st.integers()), values, max_size=5))
def test_a_record_comes_back_from_its_row_as_it_was_read(data):
    from salesmd.model import Record
    from salesmd.store.index import decode_record, encode_record

    record = Record(id="x", type="task", path="tasks/x.md", data={"type": "task", **data}, key_lines={"type": 2},
                    body_line=5, body_links=("a",), body_digest="d", blob="b")
    back = decode_record(record.path, record.type, encode_record(record))
    assert same(back.data, record.data)
    assert (back.key_lines, back.body_line, back.body_links, back.id) == (record.key_lines, 5, ("a",), "x")


def on_a_terminal(vault, *args: str) -> tuple[subprocess.CompletedProcess, str]:
    """Run the CLI with its stderr on a pseudo-terminal (as a person at a terminal sees it), outside CI."""
    master, slave = os.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    run = subprocess.Popen([sys.executable, "-m", "salesmd", "--vault", str(vault.root), *args],
                           stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    shown = b""
    while True:  # read as it is written: a full terminal buffer would stop the command
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the command is done and its end of the terminal closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    out = run.stdout.read()
    run.wait(timeout=120)
    done = subprocess.CompletedProcess(run.args, run.returncode, out)
    return done, shown.decode("utf-8", "replace")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_person_at_a_terminal_sees_each_stage_and_a_count_of_files(tmp_path):
    # a first check of a large vault takes a while: it must never sit on one frozen line
    vault = make_vault(tmp_path / "v")
    for n in range(400):
        vault.write(f"notes/n{n}.md", f"---\ntype: note\ntitle: Note {n}\ndate: 2026-11-20\n---\n")
    done, text = on_a_terminal(vault, "check")
    assert done.returncode == 0
    for label in ("Reading the files", "Linking the records", "Checking the records", "Saving the index"):
        assert label in text, text
    assert "410/410" in text or "100%" in text, text  # the bar counts the files to the end
    assert b"Reading" not in done.stdout  # the report itself stays clean


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_long_import_counts_the_rows_it_plans_and_the_files_it_writes(tmp_path):
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from generate import deals_csv  # a HubSpot deals export, as the import benchmark uses

    vault = make_vault(tmp_path / "v")
    deals_csv(tmp_path / "deals.csv", 300)
    done, text = on_a_terminal(vault, "import", "csv", str(tmp_path / "deals.csv"))
    assert done.returncode == 0, text
    for label in ("Planning the records", "Checking the new records", "Writing the files"):
        assert label in text, text
    assert "300/300" in text or "100%" in text, text


@pytest.mark.parametrize("where", [0.3, 0.5, 0.8, "files_type", "links", "links_target"])
def test_an_index_damaged_inside_is_found_out_and_the_files_answer(tmp_path, where):
    # not a bad header (caught on opening) but a page inside: a share of the file, or the first page
    # of one table or index, which only the queries after the refresh read. The command that trips
    # on it answers from the files, says nothing of it, and the next one makes the index anew.
    vault = make_vault(tmp_path / "v")
    for n in range(300):
        vault.write(f"notes/n{n:03}.md", f"---\ntype: note\ntitle: Call {n} about forklifts\ndate: 2026-11-20\n"
                                         f"related: [\"[[acme-corp]]\"]\n---\nNotes {n}.\n")
    old = time.time() - 3600  # rows read now are current (no file is within git's "racy" two seconds)
    for path in vault.root.rglob("*.md"):
        os.utime(path, (old, old))
    commands = [("list", "note", "--format", "json"), ("show", "acme-corp", "--format", "json"),
                ("agenda", "--format", "json"), ("pipeline", "--deals", "--format", "json"),
                ("search", "forklifts", "--limit", "500", "--format", "json"), ("check", "--format", "json")]
    expected = {args: vault.run("--no-cache", *args) for args in commands}
    for args in commands:
        vault.run("search", "forklifts")  # the index whole, words too, and written out of the WAL
        index = vault.root.joinpath(*INDEX)
        db = sqlite3.connect(index)
        size = db.execute("PRAGMA page_size").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (where,)).fetchone() \
            if isinstance(where, str) else None
        db.close()
        data = bytearray(index.read_bytes())
        at = (root[0] - 1) * size if root else int(len(data) * where) // size * size
        data[at:at + size] = os.urandom(size)
        index.write_bytes(bytes(data))
        result = vault.run(*args)
        assert "Traceback" not in result.output and "internal error" not in result.output, (args, result.output)
        assert (result.exit_code, result.stdout) == (expected[args].exit_code, expected[args].stdout), args
        again = vault.run(*args)
        assert (again.exit_code, again.stdout) == (expected[args].exit_code, expected[args].stdout), args


def test_an_index_another_command_holds_locked_is_waited_for_never_removed(tmp_path):
    # a command that finds the index locked while it opens it (another one making or writing it)
    # reads the files instead: it must not take "locked" for "damaged" and delete the other's database
    vault = make_vault(tmp_path / "v")
    assert "48000" in deal_amounts(vault)
    index = vault.root.joinpath(*INDEX)
    holder = sqlite3.connect(index, isolation_level=None)
    holder.execute("PRAGMA journal_mode=DELETE")  # so that the lock below keeps readers out too
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO meta VALUES ('held', 'by another command')")
    try:
        command = [sys.executable, "-m", "salesmd", "--vault", str(vault.root), "list", "opportunity",
                   "--columns", "amount", "--format", "csv"]
        done = subprocess.run(command, capture_output=True, timeout=120)
        assert done.returncode == 0 and b"48000" in done.stdout and done.stderr == b""
        assert index.exists()
        holder.execute("COMMIT")
    finally:
        holder.close()
    db = sqlite3.connect(index)
    assert db.execute("SELECT v FROM meta WHERE k = 'held'").fetchone() == ("by another command",)


def test_a_command_answers_from_the_index_as_it_was_when_its_refresh_ended(tmp_path):
    # another command emptying the rows (making the index anew for its configuration or code) between
    # this one's refresh and its first query must not make this one answer "no records": it answers
    # from the index as its refresh left it (the race that once printed an empty list)
    from salesmd.store.load import Timings
    from salesmd.store.open import open_vault

    vault = make_vault(tmp_path / "v")
    shutil.rmtree(vault.root / ".salesmd", ignore_errors=True)
    opened, _ = open_vault(vault.root, Timings())
    other = sqlite3.connect(vault.root.joinpath(*INDEX), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    for table in ("files", "links", "words"):
        other.execute(f"DELETE FROM {table}")
    other.execute("COMMIT")
    other.close()
    try:
        assert [d.id for d in opened.of_type("opportunity")] == ["acme-fleet-renewal"]
    finally:
        opened.close()


def test_an_index_made_by_another_command_meanwhile_is_kept_not_made_again(tmp_path):
    # two commands find no index; the first makes and fills it while the second waits for the
    # write lock: the second must see, under the lock, that it is made, and keep the first's rows
    from salesmd import code_stamp
    from salesmd.store.database import FORMAT, _identity, _make_tables

    vault = make_vault(tmp_path / "v")
    assert "48000" in deal_amounts(vault)
    path = vault.root.joinpath(*INDEX)
    late = sqlite3.connect(path, isolation_level=None)
    assert _make_tables(late, _identity(path), f"{FORMAT}:{code_stamp()}") == "ok"
    assert late.execute("SELECT count(*) FROM files WHERE type = 'opportunity'").fetchone() == (1,)
    assert late.execute("SELECT v FROM meta WHERE k = 'config'").fetchone() is not None
    late.close()


def test_a_configuration_changed_meanwhile_never_leaves_rows_of_the_other(tmp_path):
    # a command that cannot take the index for its configuration (another holds it) reads the files
    from salesmd.config import load_config
    from salesmd.store.index import Index

    vault = make_vault(tmp_path / "v")
    assert "48000" in deal_amounts(vault)
    holder = sqlite3.connect(vault.root.joinpath(*INDEX), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        config, _ = load_config(vault.root)
        assert Index.open(vault.root, config.signature + "-changed") is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_an_index_emptied_after_the_refresh_is_not_held_and_a_second_refresh_fills_it(tmp_path):
    from salesmd.config import load_config
    from salesmd.store.index import Index
    from salesmd.store.refresh import read_one, refresh

    vault = make_vault(tmp_path / "v")
    config, _ = load_config(vault.root)
    index = Index.open(vault.root, config.signature)
    try:
        done = refresh(vault.root, config, index, read_one(vault.root, config))
        other = sqlite3.connect(vault.root.joinpath(*INDEX), isolation_level=None)
        other.execute("DELETE FROM files WHERE type = 'opportunity'")
        other.close()
        assert not index.hold(done.files)
        again = refresh(vault.root, config, index, read_one(vault.root, config))
        assert "opportunities/acme-fleet-renewal.md" in [rel for rel, *_ in again.fresh]
        assert index.hold(again.files)
    finally:
        index.close()


def test_rows_are_never_written_into_an_index_made_anew_for_another_configuration(tmp_path):
    from salesmd.config import load_config
    from salesmd.store.index import Index
    from salesmd.store.refresh import read_one, refresh

    vault = make_vault(tmp_path / "v")
    shutil.rmtree(vault.root / ".salesmd", ignore_errors=True)
    config, _ = load_config(vault.root)
    index = Index.open(vault.root, config.signature)
    other = sqlite3.connect(vault.root.joinpath(*INDEX), isolation_level=None)
    other.execute("UPDATE meta SET v = 'another configuration' WHERE k = 'config'")
    try:
        assert not refresh(vault.root, config, index, read_one(vault.root, config)).saved
        assert other.execute("SELECT count(*) FROM files").fetchone() == (0,)
    finally:
        other.close()
        index.close()


def test_a_search_answers_from_the_index_as_it_was_when_the_command_began_though_another_empties_it(tmp_path):
    from salesmd.store.load import Timings
    from salesmd.store.open import open_vault

    vault = make_vault(tmp_path / "v")
    opened, _ = open_vault(vault.root, Timings(), queries=True)
    other = sqlite3.connect(vault.root.joinpath(*INDEX), isolation_level=None)
    other.execute("DELETE FROM files")
    other.close()
    try:
        assert sorted(record.id for record in opened.search("forklifts")) == ["acme-corp", "acme-fleet-renewal"]
    finally:
        opened.close()
