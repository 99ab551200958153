"""Benchmark salesmd on generated vaults; every time is a ratio to a floor measured in the same run.

    python benchmarks/bench.py [--sizes 1000 10000 100000] [--commits 300] [--hard] [--csv-deals 8800 88000]
                               [--history-commits 5000] [--history-records 10000] [--out docs/benchmarks.md]

--hard also runs each size with the link shapes that punish quadratic code (generate.py --hard:
one follow-up chain through every task, an account with a third of the records as activities,
a contact linked from half of them). --csv-deals times `import csv` of a generated HubSpot export
of that many deals into a new vault, then runs the reading rows on the vault the import made.

Each command runs as a user runs it (a fresh `python -m salesmd` process), timed with the best of
--repeat runs, with its peak memory (max RSS) read from the kernel. The floors are plain Python
loops doing the least any tool must do, also run as fresh processes:

- read+parse loop: walk the vault, read every file, parse its front matter with the fastest YAML
  parser installed. Floor for a cold `check` (target 3x) and for the first `search` after the
  index was deleted (no target: it builds the whole index, as a cold check does).
- stat walk: walk the vault and stat every file, the least a command can do to know nothing
  changed. Floor for every command run after one file changed: a warm `check`, `show` and
  `list --owner` (target 3x), `pipeline` and `agenda` (5x), `report` (10x), `search` (no target)
  and `check` after one new commit (no target).
  Issue 12's commands against the same floors: `show` of a converted deal, `merge` and `rm --to`
  of the contact the hard vault links most (--dry-run), `set --dry-run` and `list --filter` (3x,
  as `show` and `list`), `dupes` (5x: it reads three types, as `pipeline` reads two); `export all`
  reads every record's text, so its floor is the read+parse loop (3x, as a cold check).
- warm check: floor for `check --history` with nothing new (no target); that in turn is the floor
  for `check --history` after one new commit (what one commit adds; no target).

--history-commits (5,000 by default) adds history_bench.py's rows on a vault of --history-records
records with that many commits (history_shape.py): `check --history` cold, with nothing new and
after one new commit, and `pipeline --as-of` a month back (skipped, saying so, where pipeline has
no --as-of), each against a warm check of that vault (issue 14: within 3x after one new commit).

Each row prints its ratio, the target ratio issue 10 sets for it and whether it is met, and its
peak memory against the 400 MB target (which the issue sets at 100k records, for every command).
The one target in seconds is the issue's: `import csv` of 8,800 deals under 15 s on its machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import add_history, deals_csv, generate, git  # noqa: E402

FLOOR_PARSE = r"""
import os, sys
try:
    import yaml_rs
    load = yaml_rs.loads
except ImportError:
    import yaml
    load = lambda t: yaml.load(t, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
n = 0
for folder, dirs, files in os.walk(sys.argv[1]):
    dirs[:] = [d for d in dirs if not d.startswith(".")]
    for name in files:
        if name.endswith(".md"):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                text = f.read()
            if text.startswith("---\n"):
                end = text.find("\n---", 4)
                load(text[4:end])
                n += 1
print(n)
"""

FLOOR_STAT = r"""
import os, sys
n = 0
stack = [sys.argv[1]]
while stack:
    for e in os.scandir(stack.pop()):
        if e.name.startswith("."):
            continue
        if e.is_dir(follow_symlinks=False):
            stack.append(e.path)
        elif e.name.endswith(".md"):
            e.stat(follow_symlinks=False)
            n += 1
print(n)
"""

PARSE, STAT = "read+parse loop", "stat walk"
MEMORY_TARGET_MB = 400  # issue 10: peak memory at 100k records under 400 MB, for every command
IMPORT_TARGET_S, IMPORT_TARGET_ROWS = 15.0, 8800  # issue 10: import of 8,800 deals under 15 s


@dataclass
class Row:
    """One measured command: its time and peak MB, its floor's name and time, and the issue's
    target ratio to that floor (None where the issue sets none)."""

    command: str
    took: tuple[float, float]
    floor: str
    floor_time: float
    target: float | None
    seconds_target: float | None = None

    def cells(self) -> list[str]:
        seconds, mb = self.took
        ratio = seconds / self.floor_time
        time_cell = f"{seconds:.2f} s"
        if self.seconds_target is not None:
            time_cell += f" (target {self.seconds_target:g} s): {verdict(seconds <= self.seconds_target)}"
        ratio_cell = (f"{ratio:.2f}x (target {self.target:g}x): {verdict(ratio <= self.target)}"
                      if self.target is not None else f"{ratio:.2f}x (no target)")
        return [self.command, time_cell, self.floor, f"{self.floor_time:.2f} s", ratio_cell,
                f"{mb:.0f} MB: {verdict(mb < MEMORY_TARGET_MB)}"]


def verdict(met: bool) -> str:
    return "met" if met else "missed"


def run(args: list[str], cwd: Path, codes=(0,)) -> tuple[float, float]:
    """(seconds, peak MB) of one process; it must exit with one of `codes`."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=dict(os.environ, CI="true"))
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in codes:
        raise SystemExit(f"{' '.join(args)} failed ({code}): {proc.stderr.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def best(args: list[str], cwd: Path, repeat: int, before=None, codes=(0,)) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        if before:
            before()
        runs.append(run(args, cwd, codes))
    return min(r[0] for r in runs), max(r[1] for r in runs)


def salesmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "salesmd", *args]


CHECK_CODES = (0, 1)  # `check` exits 1 when it finds problems: still a full run


def finds(args: list[str], cwd: Path) -> None:
    """Run a reading command once with `--format json` and stop unless it found something, so a
    row never times an empty answer (an id or word the vault does not hold)."""
    out = subprocess.run([*args, "--format", "json"], cwd=cwd, capture_output=True, text=True,
                         env=dict(os.environ, CI="true"))
    if out.returncode != 0 or not json.loads(out.stdout or "null"):
        raise SystemExit(f"{' '.join(args)} found nothing ({out.returncode}): {out.stderr[-2000:]}")


def age(root: Path, seconds: int = 3600) -> None:
    """Make every file an hour old, as files in a vault in use are (not 'racy' for the cache)."""
    old = time.time() - seconds
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in files:
            os.utime(os.path.join(folder, name), (old, old))


class Toucher:
    """Change one record, as an edit does: a line added to its body each time."""

    def __init__(self, path: Path):
        self.path, self.n = path, 0

    def __call__(self) -> None:
        self.n += 1
        with open(self.path, "a") as f:
            f.write(f"Edit {self.n}.\n")
        old = time.time() - 10  # older than the cache, like a save a moment ago
        os.utime(self.path, (old, old))


def floors(root: Path, repeat: int) -> tuple[float, float]:
    """(read+parse loop, stat walk) seconds on this vault."""
    return (best([sys.executable, "-c", FLOOR_PARSE, str(root)], root, repeat)[0],
            best([sys.executable, "-c", FLOOR_STAT, str(root)], root, repeat)[0])


def cold_rows(root: Path, repeat: int, parse_floor: float, stat_floor: float, word: str) -> list[Row]:
    """A check, then a search, each with no index (`.salesmd/` deleted before each run); and the
    first search on the index a cold check made (the full-text table is filled as the files are
    read, so it costs what a warm search does)."""
    def drop_cache():
        shutil.rmtree(root / ".salesmd", ignore_errors=True)

    def cold_check():
        drop_cache()
        run(salesmd("check"), root, CHECK_CODES)

    return [Row("cold check", best(salesmd("check"), root, repeat, drop_cache, CHECK_CODES), PARSE, parse_floor, 3),
            Row(f"search {word}, first after the index was deleted",
                best(salesmd("search", word), root, repeat, drop_cache), PARSE, parse_floor, None),
            Row(f"search {word}, the one after a cold check made the index",
                best(salesmd("search", word), root, repeat, cold_check), STAT, stat_floor, None)]


def reading_rows(root: Path, repeat: int, stat_floor: float, touched, shows: dict[str, str], owner: str,
                 word: str, site: Path | None) -> list[Row]:
    """The commands a user runs on a vault in use, each after one file changed, against the stat walk;
    `shows` maps each id to show to what it is."""
    rows = []

    def timed(name: str, args: list[str], target: float | None) -> None:
        rows.append(Row(f"{name}, 1 file changed", best(args, root, repeat, touched), STAT, stat_floor, target))

    for rid, what in shows.items():
        finds(salesmd("show", rid), root)
        timed(f"show {rid} ({what})", salesmd("show", rid), 3)
    finds(salesmd("list", "opportunity", "--owner", owner), root)
    timed(f"list opportunity --owner {owner}", salesmd("list", "opportunity", "--owner", owner), 3)
    timed("pipeline", salesmd("pipeline"), 5)
    timed("agenda", salesmd("agenda"), 5)
    finds(salesmd("search", word), root)  # the one search that builds whatever a search builds
    timed(f"search {word} (warm: after one search)", salesmd("search", word), None)
    timed(f"search {word} --owner {owner}", salesmd("search", word, "--owner", owner), None)
    if site is not None:
        run(salesmd("report", "--out", str(site)), root)
        timed("report (after a first build)", salesmd("report", "--out", str(site)), 10)
    return rows


def bench_size(n: int, commits: int, repeat: int, work: Path, with_report: bool, hard: bool = False) -> list[Row]:
    root = work / f"vault-{n}{'-hard' if hard else ''}"
    t0 = time.perf_counter()
    ids = generate(root, n, hard=hard)
    if commits:
        add_history(root, ids, commits)
    else:
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "import")
    age(root)
    print(f"  generated {n} records ({commits} commits) in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    parse_floor, stat_floor = floors(root, repeat)
    word = "fleet"  # in every generated body
    rows = cold_rows(root, repeat, parse_floor, stat_floor, word)
    best(salesmd("check"), root, 1, codes=CHECK_CODES)  # warm the index (the files are aged already: not "racy")
    touched = Toucher(root / "activities" / "act-000001.md")

    warm = best(salesmd("check"), root, repeat, touched, CHECK_CODES)
    rows.append(Row("warm check, 1 file changed", warm, STAT, stat_floor, 3))
    if hard:  # a task in the middle of the one long follow-up chain
        chained = Toucher(root / "tasks" / f"tas-{len(ids['task']) // 2:06d}.md")
        rows.append(Row("warm check, 1 chained task changed", best(salesmd("check"), root, repeat, chained, CHECK_CODES),
                        STAT, stat_floor, 3))
    opp = root / "opportunities" / "opp-000002.md"

    def one_commit():
        text = opp.read_text()
        opp.write_text(text.replace("amount: ", "amount: 1", 1))
        git(root, "commit", "-q", "-am", "one more commit")
        os.utime(opp, (time.time() - 10, time.time() - 10))

    rows.append(Row("check, 1 new commit", best(salesmd("check"), root, repeat, one_commit, CHECK_CODES),
                    STAT, stat_floor, None))
    best(salesmd("check", "--history"), root, 1, codes=CHECK_CODES)
    still = best(salesmd("check", "--history"), root, repeat, codes=CHECK_CODES)
    rows.append(Row("check --history, nothing new", still, "warm check", warm[0], None))
    hist = best(salesmd("check", "--history"), root, repeat, one_commit, CHECK_CODES)
    rows.append(Row("check --history, 1 new commit", hist, "check --history, nothing new", still[0], None))
    rows.append(Row("list task --owner maria --sort -due, 1 file changed",
                    best(salesmd("list", "task", "--owner", "maria", "--sort", "-due"), root, repeat, touched),
                    STAT, stat_floor, 3))
    # the account with the most activities: in the hard shape every activity names acc-000000
    shows = {ids["opportunity"][1]: "a deal"}
    if hard:
        shows[ids["account"][0]] = "the account with the most activities"
    rows += reading_rows(root, repeat, stat_floor, touched, shows, "maria", word,
                         work / f"site-{n}{'-hard' if hard else ''}" if with_report else None)
    return rows + issue12_rows(root, repeat, parse_floor, stat_floor, touched, ids)


def issue12_rows(root: Path, repeat: int, parse_floor: float, stat_floor: float, touched,
                 ids: dict[str, list[str]]) -> list[Row]:
    """Issue 12's commands, each after one file changed. The writing ones run with --dry-run (they
    plan and check every change, write nothing), so every run times the same work. In the hard
    vault the contact merged and removed is linked from half the activities and every note, and
    the converted deal's account is named by every activity."""
    rows = []
    deal, linked, other = ids["opportunity"][0], ids["contact"][0], ids["contact"][1]

    def timed(name: str, args: list[str], floor: str, target: float | None) -> None:
        floor_time = stat_floor if floor == STAT else parse_floor
        rows.append(Row(f"{name}, 1 file changed", best(args, root, repeat, touched), floor, floor_time, target))

    finds(salesmd("show", deal), root)
    timed(f"show {deal} (a converted deal: its lead's, account's and contacts' story)", salesmd("show", deal), STAT, 3)
    timed("dupes", salesmd("dupes"), STAT, 5)
    timed(f"merge {other} {linked} --prefer keep --dry-run",
          salesmd("merge", other, linked, "--prefer", "keep", "--dry-run"), STAT, 3)
    timed(f"rm {linked} --to {other} --dry-run", salesmd("rm", linked, "--to", other, "--dry-run"), STAT, 3)
    timed(f"set {ids['opportunity'][1]} amount=12345 --dry-run",
          salesmd("set", ids["opportunity"][1], "amount=12345", "--dry-run"), STAT, 3)
    expr = "amount>100000 AND stage!=won"
    finds(salesmd("list", "opportunity", "--filter", expr), root)
    timed(f'list opportunity --filter "{expr}"', salesmd("list", "opportunity", "--filter", expr), STAT, 3)
    timed("export all", salesmd("export", "all"), PARSE, 3)
    return rows


def bench_import(deals: int, repeat: int, work: Path, with_report: bool) -> list[Row]:
    """`import csv` of a HubSpot export of `deals` deals into a new vault, then the cold and
    reading rows on the vault it made (its first deal, that deal's owner, a word of every deal's body)."""
    csv_path = work / f"deals-{deals}.csv"
    deals_csv(csv_path, deals)
    root = work / f"import-{deals}"

    def fresh_vault():
        shutil.rmtree(root, ignore_errors=True)
        subprocess.run(salesmd("init", str(root)), check=True, capture_output=True)

    took = best(salesmd("import", "csv", str(csv_path)), root, repeat, fresh_vault)
    age(root)
    parse_floor, stat_floor = floors(root, repeat)
    target = IMPORT_TARGET_S if deals == IMPORT_TARGET_ROWS else None
    rows = [Row(f"import csv, {deals:,} deals", took, f"{PARSE} (of the vault made)", parse_floor, None, target)]
    word = "buying"  # in every imported deal's body (the opportunity skeleton's "What they are buying")
    rows += cold_rows(root, repeat, parse_floor, stat_floor, word)
    best(salesmd("check"), root, 1, codes=CHECK_CODES)
    touched = Toucher(min((root / "accounts").glob("*.md")))
    rows.append(Row("warm check, 1 file changed", best(salesmd("check"), root, repeat, touched, CHECK_CODES),
                    STAT, stat_floor, 3))
    deal = min((root / "opportunities").glob("*.md"))
    owner = next(line.split(":", 1)[1].strip() for line in deal.read_text().splitlines() if line.startswith("owner:"))
    rows += reading_rows(root, repeat, stat_floor, touched, {deal.stem: "a deal"}, owner, word,
                         work / f"site-import-{deals}" if with_report else None)
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(work / f"site-import-{deals}", ignore_errors=True)
    return rows


def table_lines(label: str, rows: list[Row]) -> list[str]:
    lines = ["| " + " | ".join([label, *row.cells()]) + " |" for row in rows]
    for line in lines:
        print(line, file=sys.stderr)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--commits", type=int, default=300, help="history commits for the 10k vault")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--report-max", type=int, default=10000, help="largest vault to build the site for")
    parser.add_argument("--hard", action="store_true", help="also run each size with the hard link shapes")
    parser.add_argument("--csv-deals", "--import-rows", dest="csv_deals", type=int, nargs="*", default=[8800],
                        help="also time `import csv` of a HubSpot export of this many deals (85 accounts), "
                             "then the reading commands on the vault it made")
    parser.add_argument("--history-commits", type=int, default=5000,
                        help="also run the history rows on a vault with this many commits (0: skip them)")
    parser.add_argument("--history-records", type=int, default=10000, help="the records of that vault")
    parser.add_argument("--out", type=Path, help="write the results table (Markdown) here")
    parser.add_argument("--work", type=Path, help="where to generate the vaults (default: a temporary folder)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="salesmd-bench-"))
    lines = [f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
             f"{platform.system()} {platform.release()}; {time.strftime('%Y-%m-%d')}", "",
             f"| records | command | time | floor | floor time | ratio (target) | peak (target < {MEMORY_TARGET_MB} MB) |",
             "|---:|---|---:|---|---:|---:|---:|"]
    for n, hard in [(n, hard) for n in args.sizes for hard in ((False, True) if args.hard else (False,))]:
        label = f"{n:,}" + (" hard" if hard else "")
        print(f"{label} records", file=sys.stderr)
        rows = bench_size(n, args.commits if n == 10000 else 0, args.repeat, work, n <= args.report_max, hard)
        lines += table_lines(label, rows)
        shutil.rmtree(work / f"vault-{n}{'-hard' if hard else ''}", ignore_errors=True)
        shutil.rmtree(work / f"site-{n}{'-hard' if hard else ''}", ignore_errors=True)
    if args.history_commits:
        from history_bench import history_rows

        label = f"{args.history_records:,}, {args.history_commits:,} commits"
        print(f"{label} (history_shape.py)", file=sys.stderr)
        lines += table_lines(label, history_rows(args.history_records, args.history_commits, args.repeat, work))
    for deals in args.csv_deals:
        print(f"import of {deals} deals", file=sys.stderr)
        lines += table_lines(f"{deals:,} deals", bench_import(deals, args.repeat, work, deals <= args.report_max))
    table = "\n".join(lines) + "\n"
    print(table)
    if args.out:
        args.out.write_text(args.out.read_text().split("<!-- results -->")[0] + "<!-- results -->\n" + table
                            if args.out.exists() and "<!-- results -->" in args.out.read_text() else table)


if __name__ == "__main__":
    main()
