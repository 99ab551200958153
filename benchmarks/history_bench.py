"""bench.py's rows for a vault with a long history (history_shape.py: 10,000 records, 5,000 commits
by default): `check --history` cold, with nothing new and after one new commit, a plain `check`
after one new commit, and `pipeline --as-of` a month back, each against a warm check of the same
vault measured in the same run (issue 14: the last two within a few times a warm check).

The `--as-of` row runs only when `salesmd pipeline --help` offers the option; otherwise the row
says it was skipped and why, so the table keeps its shape until the option is there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench import CHECK_CODES, PARSE, STAT, Row, Toucher, age, best, floors, run, salesmd
from generate import TODAY, git
from history_shape import history_vault

WARM = "warm check"
FEW = 3  # issue 14: "within a few times a warm check"


@dataclass
class Skipped:
    """A row that could not run here: its command, its floor, and why."""

    command: str
    floor: str
    floor_time: float
    why: str

    def cells(self) -> list[str]:
        return [self.command, "skipped", self.floor, f"{self.floor_time:.2f} s", f"skipped: {self.why}", "-"]


def as_of_missing(root: Path) -> str | None:
    """Why `pipeline --as-of` cannot be timed here (None: it can)."""
    out = subprocess.run(salesmd("pipeline", "--help"), cwd=root, capture_output=True, text=True,
                         env=dict(os.environ, CI="true"))
    return None if "--as-of" in out.stdout else "this salesmd's pipeline has no --as-of"


def history_rows(records: int, commits: int, repeat: int, work: Path) -> list:
    root = work / f"vault-{records}-history"
    t0 = time.perf_counter()
    history_vault(root, records, commits)
    age(root)
    print(f"  generated {records} records, {commits} commits in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    parse_floor, stat_floor = floors(root, repeat)

    def drop_cache():
        shutil.rmtree(root / ".salesmd", ignore_errors=True)

    rows: list = [Row("check --history, cold (no index, no history read yet)",
                      best(salesmd("check", "--history"), root, repeat, drop_cache, CHECK_CODES),
                      PARSE, parse_floor, None)]
    best(salesmd("check"), root, 1, codes=CHECK_CODES)
    warm = best(salesmd("check"), root, repeat, Toucher(root / "activities" / "act-000001.md"), CHECK_CODES)
    rows.append(Row("warm check, 1 file changed", warm, STAT, stat_floor, 3))
    opp = root / "opportunities" / "opp-000002.md"

    def one_commit():
        opp.write_text(opp.read_text().replace("amount: ", "amount: 1", 1))
        git(root, "commit", "-q", "-am", "one more commit")
        os.utime(opp, (time.time() - 10, time.time() - 10))

    rows.append(Row("check, 1 new commit", best(salesmd("check"), root, repeat, one_commit, CHECK_CODES),
                    WARM, warm[0], None))
    best(salesmd("check", "--history"), root, 1, codes=CHECK_CODES)
    rows.append(Row("check --history, nothing new", best(salesmd("check", "--history"), root, repeat, codes=CHECK_CODES),
                    WARM, warm[0], None))
    rows.append(Row("check --history, 1 new commit",
                    best(salesmd("check", "--history"), root, repeat, one_commit, CHECK_CODES), WARM, warm[0], FEW))
    month_back = TODAY.replace(month=TODAY.month - 1).isoformat()  # generate.py's TODAY is 2026-11-24
    command = f"pipeline --as-of {month_back} (a month back)"
    why = as_of_missing(root)
    if why is None:
        run(salesmd("pipeline", "--as-of", month_back), root)  # the first one may build what later ones reuse
        rows.append(Row(command, best(salesmd("pipeline", "--as-of", month_back), root, repeat), WARM, warm[0], FEW))
    else:
        rows.append(Skipped(command, WARM, warm[0], why))
    shutil.rmtree(root, ignore_errors=True)
    return rows
