"""Benchmark salesmd on generated vaults; every time is a ratio to a floor measured in the same run.

    python benchmarks/bench.py [--sizes 1000 10000 100000] [--commits 300] [--hard] [--out docs/benchmarks.md]

--hard also runs each size with the link shapes that punish quadratic code (generate.py --hard:
one follow-up chain through every task, an account with a third of the records as activities,
a contact linked from half of them).

Each command runs as a user runs it (a fresh `python -m salesmd` process), timed with the best of
--repeat runs, with its peak memory (max RSS) read from the kernel. The floors are plain Python
loops doing the least any tool must do, also run as fresh processes:

- read+parse: walk the vault, read every file, parse its front matter with the fastest YAML
  parser installed. Floor for a cold `check` (no cache).
- stat: walk the vault and stat every file. Floor for a warm `check` after one file changed.
- stat is also the floor for `check` after one new commit (a deal edited and committed: HEAD
  moved, one file changed).
- warm check: floor for `check --history` with nothing new, and for `pipeline`, `agenda` and
  `report` after one file changed (they need every record; `check` needs only what changed).
- check --history with nothing new: floor for `check --history` after one new commit (what
  one commit adds).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
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


def run(args: list[str], cwd: Path) -> tuple[float, float]:
    """(seconds, peak MB) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=dict(os.environ, CI="true"))
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed ({code}): {proc.stderr.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def best(args: list[str], cwd: Path, repeat: int, before=None) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        if before:
            before()
        runs.append(run(args, cwd))
    return min(r[0] for r in runs), max(r[1] for r in runs)


def salesmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "salesmd", *args]


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


def bench_size(n: int, commits: int, repeat: int, work: Path, with_report: bool, hard: bool = False) -> list[tuple]:
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
    rows = []
    cache = root / ".salesmd"

    def drop_cache():
        shutil.rmtree(cache, ignore_errors=True)

    parse_floor = best([sys.executable, "-c", FLOOR_PARSE, str(root)], root, repeat)
    stat_floor = best([sys.executable, "-c", FLOOR_STAT, str(root)], root, repeat)
    cold = best(salesmd("check"), root, repeat, before=drop_cache)
    rows.append(("cold check", cold, "read+parse loop", parse_floor))
    best(salesmd("check"), root, 1)  # warm the caches (the files are aged already: not "racy")
    touched = Toucher(root / "activities" / "act-000001.md")

    warm = best(salesmd("check"), root, repeat, before=touched)
    rows.append(("warm check, 1 file changed", warm, "stat loop", stat_floor))
    if hard:  # a task in the middle of the one long follow-up chain
        chained = Toucher(root / "tasks" / f"tas-{len(ids['task']) // 2:06d}.md")
        rows.append(("warm check, 1 chained task changed", best(salesmd("check"), root, repeat, before=chained),
                     "stat loop", stat_floor))
    opp = root / "opportunities" / "opp-000002.md"

    def one_commit():
        text = opp.read_text()
        opp.write_text(text.replace("amount: ", "amount: 1", 1))
        git(root, "commit", "-q", "-am", "one more commit")
        os.utime(opp, (time.time() - 10, time.time() - 10))

    rows.append(("check, 1 new commit", best(salesmd("check"), root, repeat, before=one_commit),
                 "stat loop", stat_floor))
    best(salesmd("check", "--history"), root, 1)
    still = best(salesmd("check", "--history"), root, repeat)
    rows.append(("check --history, nothing new", still, "warm check", warm))
    hist = best(salesmd("check", "--history"), root, repeat, before=one_commit)
    rows.append(("check --history, 1 new commit", hist, "check --history, nothing new", still))
    for name, args in (("pipeline", salesmd("pipeline")), ("agenda", salesmd("agenda")),
                       ("list task --owner --sort", salesmd("list", "task", "--owner", "maria", "--sort", "-due"))):
        rows.append((f"{name}, 1 file changed", best(args, root, repeat, before=touched), "warm check", warm))
    if with_report:
        site = work / f"site-{n}"
        run(salesmd("report", "--out", str(site)), root)
        rows.append(("report, 1 file changed", best(salesmd("report", "--out", str(site)), root, repeat,
                                                    before=touched), "warm check", warm))
    return rows


def bench_import(rows: int, repeat: int, work: Path) -> list[tuple]:
    """`import csv` of a HubSpot export of `rows` deals into a new vault, then `pipeline` and
    `check` on the vault it made (floors: read+parse of that vault, and a warm check)."""
    csv_path = work / f"deals-{rows}.csv"
    deals_csv(csv_path, rows)
    root = work / f"import-{rows}"

    def fresh_vault():
        shutil.rmtree(root, ignore_errors=True)
        subprocess.run(salesmd("init", str(root)), check=True, capture_output=True)

    took = best(salesmd("import", "csv", str(csv_path)), root, repeat, before=fresh_vault)
    parse_floor = best([sys.executable, "-c", FLOOR_PARSE, str(root)], root, repeat)
    age(root)
    best(salesmd("check"), root, 1)
    warm = best(salesmd("check"), root, repeat)
    rows_out = [(f"import csv, {rows:,} deals", took, "read+parse loop (of the vault made)", parse_floor),
                ("pipeline after the import", best(salesmd("pipeline"), root, repeat), "warm check", warm)]
    shutil.rmtree(root, ignore_errors=True)
    return rows_out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--commits", type=int, default=300, help="history commits for the 10k vault")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--report-max", type=int, default=10000, help="largest vault to build the site for")
    parser.add_argument("--hard", action="store_true", help="also run each size with the hard link shapes")
    parser.add_argument("--import-rows", type=int, nargs="*", default=[8800],
                        help="also time `import csv` of a HubSpot export of this many deals (85 accounts)")
    parser.add_argument("--out", type=Path, help="write the results table (Markdown) here")
    parser.add_argument("--work", type=Path, help="where to generate the vaults (default: a temporary folder)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="salesmd-bench-"))
    lines = [f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
             f"{platform.system()} {platform.release()}; {time.strftime('%Y-%m-%d')}", "",
             "| records | command | time | floor | floor time | ratio | peak MB |",
             "|---:|---|---:|---|---:|---:|---:|"]
    for n, hard in [(n, hard) for n in args.sizes for hard in ((False, True) if args.hard else (False,))]:
        label = f"{n:,}" + (" hard" if hard else "")
        print(f"{label} records", file=sys.stderr)
        rows = bench_size(n, args.commits if n == 10000 else 0, args.repeat, work, n <= args.report_max, hard)
        for name, (t, mb), floor_name, (ft, _) in rows:
            line = f"| {label} | {name} | {t:.2f} s | {floor_name} | {ft:.2f} s | {t / ft:.2f}x | {mb:.0f} |"
            lines.append(line)
            print(line, file=sys.stderr)
        shutil.rmtree(work / f"vault-{n}{'-hard' if hard else ''}", ignore_errors=True)
        shutil.rmtree(work / f"site-{n}", ignore_errors=True)
    for rows in args.import_rows:
        print(f"import of {rows} deals", file=sys.stderr)
        for name, (t, mb), floor_name, (ft, _) in bench_import(rows, args.repeat, work):
            line = f"| {rows:,} deals | {name} | {t:.2f} s | {floor_name} | {ft:.2f} s | {t / ft:.2f}x | {mb:.0f} |"
            lines.append(line)
            print(line, file=sys.stderr)
    table = "\n".join(lines) + "\n"
    print(table)
    if args.out:
        args.out.write_text(args.out.read_text().split("<!-- results -->")[0] + "<!-- results -->\n" + table
                            if args.out.exists() and "<!-- results -->" in args.out.read_text() else table)


if __name__ == "__main__":
    main()
