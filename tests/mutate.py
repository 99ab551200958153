"""A small seeded mutation runner: make one-line bugs, see whether the tests notice.

    python tests/mutate.py --modules salesmd/checks/*.py salesmd/write/files.py --sample 40 --seed 1 --jobs 2

Each mutation site is found with `ast` in a module of the package: a comparison operator
(`<` <-> `<=`, `==` <-> `!=`, `in` <-> `not in`, ...), `+` <-> `-` (and `+=` <-> `-=`), a number
+1 and -1, `and` <-> `or`, a `not` removed, `True` <-> `False`, a string that is an escape or an
HTML entity (emptied, or left out of the tuple, list or set it is in), a call statement deleted,
`return x` -> `return None`. One mutation is spliced into a copy of the module's text (its node's
exact span, in parentheses), and that module's own test files run (TESTS below) with
`pytest -x -q -p no:cacheprovider` and a timeout. A mutant is killed (a test failed), survived
(every test passed: a bug no test sees) or timeout.

The working tree is never written: every job works in its own temporary copy of the project
(PYTHONPATH points the tests at it), and the copies are deleted at the end, Ctrl-C included.
Line numbers are the module's as it is now; the report names each mutation by its text too.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import queue
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module (a path, or a folder ending in "/") -> its own test files, the ones that should kill its mutants
TESTS = {
    "salesmd/checks/process.py": ["tests/test_process.py", "tests/test_guards.py"],
    "salesmd/checks/": ["tests/test_check.py", "tests/test_process.py", "tests/test_checkstate.py",
                        "tests/test_survivors.py"],
    "salesmd/write/files.py": ["tests/test_write.py", "tests/test_guards.py", "tests/test_hardening.py",
                               "tests/test_survivors.py"],
    "salesmd/write/yamledit.py": ["tests/test_yamledit.py", "tests/test_write.py"],
    "salesmd/write/changes.py": ["tests/test_write.py", "tests/test_import.py", "tests/test_survivors.py"],
    "salesmd/render/html.py": ["tests/test_guards.py", "tests/test_site.py", "tests/test_guards_site.py",
                               "tests/test_site_team.py"],
    "salesmd/render/site_team.py": ["tests/test_site_team.py"],
    "salesmd/render/site_lists.py": ["tests/test_site_team.py", "tests/test_guards_site.py"],
    "salesmd/render/site_calendar.py": ["tests/test_site_team.py"],
    "salesmd/editor_config.py": ["tests/test_site_team.py"],
    "salesmd/io/export.py": ["tests/test_export.py", "tests/test_guards.py", "tests/test_survivors.py"],
    "salesmd/render/output.py": ["tests/test_export.py", "tests/test_commands.py", "tests/test_guards.py"],
    "salesmd/reports/pipeline.py": ["tests/test_pipeline.py", "tests/test_guards.py", "tests/test_survivors.py"],
    "salesmd/reports/agenda.py": ["tests/test_agenda.py", "tests/test_ics.py", "tests/test_survivors.py"],
    "salesmd/store/index.py": ["tests/test_index.py", "tests/test_commands.py", "tests/test_checkstate.py"],
    "salesmd/store/rows.py": ["tests/test_index.py", "tests/test_checkstate.py"],
    "salesmd/store/indexed.py": ["tests/test_checkstate.py", "tests/test_index.py"],
    "salesmd/store/refresh.py": ["tests/test_index.py", "tests/test_commands.py"],
    "salesmd/store/open.py": ["tests/test_index.py", "tests/test_checkstate.py"],
    "salesmd/store/load.py": ["tests/test_check.py", "tests/test_checkstate.py", "tests/test_commands.py"],
    "salesmd/store/dotfolder.py": ["tests/test_commands.py", "tests/test_guards.py", "tests/test_write.py",
                                   "tests/test_crash.py"],
    "salesmd/store/": ["tests/test_check.py", "tests/test_hardening.py", "tests/test_guards.py"],
    "salesmd/write/journal.py": ["tests/test_write.py", "tests/test_crash.py"],
    "salesmd/store/yamldepth.py": ["tests/test_check.py", "tests/test_parser_equivalence.py"],
    "salesmd/store/frontmatter.py": ["tests/test_check.py", "tests/test_parser_equivalence.py"],
    "salesmd/git/lineage.py": ["tests/test_process.py", "tests/test_checkstate.py"],
    "salesmd/render/templating.py": ["tests/test_hardening.py", "tests/test_site.py"],
    "salesmd/render/ics.py": ["tests/test_ics.py"],
    "salesmd/reports/calendar.py": ["tests/test_ics.py"],
    "salesmd/calendar_config.py": ["tests/test_ics.py"],
    "salesmd/render/width.py": ["tests/test_tables.py"],
    "salesmd/cli/complete.py": ["tests/test_complete.py"],
    "salesmd/io/vcf.py": ["tests/test_vcard.py"],
}
DEFAULT_MODULES = ["salesmd/checks/*.py", "salesmd/write/files.py", "salesmd/write/yamledit.py",
                   "salesmd/write/changes.py", "salesmd/render/html.py", "salesmd/io/export.py",
                   "salesmd/reports/pipeline.py", "salesmd/reports/agenda.py"]
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv*", "__pycache__", ".pytest_cache", ".hypothesis", "*.egg-info",
                                     ".salesmd", "_site", "example-site", "out", "build", "dist")

SWAP_COMPARE = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
                ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
SWAP_BINOP = {ast.Add: ast.Sub, ast.Sub: ast.Add}
SWAP_BOOL = {ast.And: ast.Or, ast.Or: ast.And}
# a string that escapes or neutralises something: an HTML entity, a control character (a tab, a CR;
# not a lone newline, which joins lines), a quote, a backslash, < > &
ESCAPE_STRING = re.compile(r"&#?\w+;|[\x00-\x09\x0b-\x1f\x7f]|^['\"\\<>&]$")


@dataclass(frozen=True)
class Mutant:
    path: str  # relative to the project root, posix
    line: int
    start: tuple[int, int]  # (line, byte column) of the span replaced, as ast gives them
    end: tuple[int, int]
    replacement: str
    description: str

    def label(self) -> str:
        return f"{self.path}:{self.line}: {self.description}"


def _code(node: ast.AST) -> str:
    return ast.unparse(node)


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _skipped_spans(tree: ast.AST) -> set[int]:
    """Nodes never mutated: f-string parts (ast's spans inside them are not reliable) and docstrings."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip.update(id(n) for n in ast.walk(node))
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                skip.update(id(n) for n in ast.walk(first))
        if isinstance(node, (ast.AnnAssign, ast.arg)) and node.annotation is not None:
            skip.update(id(n) for n in ast.walk(node.annotation))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            skip.update(id(n) for n in ast.walk(node.returns))
    return skip


def _swapped(node: ast.AST, **changes) -> ast.AST:
    new = type(node)(**{f: getattr(node, f) for f in node._fields})
    for key, value in changes.items():
        setattr(new, key, value)
    return new


def _container_of(tree: ast.AST) -> dict[int, ast.AST]:
    return {id(child): node for node in ast.walk(tree) if isinstance(node, (ast.Tuple, ast.List, ast.Set))
            for child in node.elts}


def find_mutants(path: str, source: str) -> list[Mutant]:
    """Every mutation site of one module, in source order."""
    tree = ast.parse(source)
    skip = _skipped_spans(tree)
    containers = _container_of(tree)
    out: list[Mutant] = []

    def add(node: ast.AST, new: ast.AST | str, description: str, statement: bool = False) -> None:
        text = new if isinstance(new, str) else _code(new)
        out.append(Mutant(path, node.lineno, (node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset),
                          text if statement else f"({text})", description))

    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in SWAP_COMPARE:
                    ops = list(node.ops)
                    ops[i] = SWAP_COMPARE[type(op)]()
                    new = _swapped(node, ops=ops)
                    add(node, new, f"{_short(_code(node))}  ->  {_short(_code(new))}")
        elif isinstance(node, ast.BinOp) and type(node.op) in SWAP_BINOP:
            new = _swapped(node, op=SWAP_BINOP[type(node.op)]())
            add(node, new, f"{_short(_code(node))}  ->  {_short(_code(new))}")
        elif isinstance(node, ast.AugAssign) and type(node.op) in SWAP_BINOP:
            new = _swapped(node, op=SWAP_BINOP[type(node.op)]())
            add(node, _code(new), f"{_short(_code(node))}  ->  {_short(_code(new))}", statement=True)
        elif isinstance(node, ast.BoolOp):
            new = _swapped(node, op=SWAP_BOOL[type(node.op)]())
            add(node, new, f"{_short(_code(node))}  ->  {_short(_code(new))}")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            add(node, node.operand, f"{_short(_code(node))}  ->  {_short(_code(node.operand))}")
        elif isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool):
                add(node, repr(not value), f"{value!r}  ->  {not value!r}")
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                for delta in (1, -1):
                    add(node, repr(value + delta), f"{value!r}  ->  {value + delta!r}")
            elif isinstance(value, str) and len(value) <= 12 and ESCAPE_STRING.search(value):
                container = containers.get(id(node))
                if container is not None and len(container.elts) > 1:
                    elts = [e for e in container.elts if e is not node]
                    new = _swapped(container, elts=elts)
                    add(container, new, f"{value!r} left out of {_short(_code(container))}")
                else:
                    add(node, "''", f"{value!r}  ->  ''")
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            add(node, "pass", f"call deleted: {_short(_code(node))}", statement=True)
        elif isinstance(node, ast.Return) and node.value is not None \
                and not (isinstance(node.value, ast.Constant) and node.value.value is None):
            add(node, "return None", f"{_short(_code(node))}  ->  return None", statement=True)
    out.sort(key=lambda m: (m.start, m.end, m.description))
    return out


def apply(source: str, mutant: Mutant) -> str:
    """The module's text with the mutant's span replaced (ast's columns count UTF-8 bytes)."""
    lines = source.encode("utf-8").splitlines(keepends=True)
    (l1, c1), (l2, c2) = mutant.start, mutant.end
    before = b"".join(lines[: l1 - 1]) + lines[l1 - 1][:c1]
    after = lines[l2 - 1][c2:] + b"".join(lines[l2:])
    return (before + mutant.replacement.encode("utf-8") + after).decode("utf-8")


def tests_for(path: str) -> list[str]:
    """The module's own test files: its entry in TESTS, else its folder's."""
    if path in TESTS:
        return TESTS[path]
    for key, files in TESTS.items():
        if key.endswith("/") and path.startswith(key):
            return files
    raise SystemExit(f"mutate.py: no test files for {path}: add it to TESTS in tests/mutate.py")


RUNNING: set[subprocess.Popen] = set()
BROKEN: dict[tuple[str, ...], list[str]] = {}  # test files -> their tests that fail unmutated (left out)
RUNNING_LOCK = threading.Lock()
STOPPING = threading.Event()


def stop(proc: subprocess.Popen) -> None:
    """End a test run and everything it started."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed, survived, timeout
    seconds: float
    failed: str = ""  # the first failing test, for a killed mutant

    def line(self) -> str:
        where = f" ({self.failed})" if self.failed else ""
        return f"{self.status:8} {self.mutant.label()}{where}"


class Workspace:
    """A private copy of the project to mutate; the working tree is never touched."""

    def __init__(self, base: Path):
        self.root = Path(tempfile.mkdtemp(prefix="salesmd-mutate-", dir=base))
        shutil.copytree(ROOT, self.root / "project", ignore=COPY_IGNORE, symlinks=True)
        self.root = self.root / "project"

    def env(self) -> dict[str, str]:
        env = dict(os.environ, PYTHONPATH=str(self.root), PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0")
        env.pop("SALESMD_VAULT", None)
        return env

    def pytest(self, files: list[str], timeout: float, first_only: bool = True) -> tuple[str, float, list[str]]:
        """Run the test files in this copy: (killed | survived | timeout, seconds, the failed tests)."""
        start = time.monotonic()
        deselect = [arg for test in BROKEN.get(tuple(files), []) for arg in ("--deselect", test)]
        cmd = [sys.executable, "-m", "pytest", *(["-x"] * first_only), "-q", "-p", "no:cacheprovider",
               *files, *deselect]
        # a session of its own, so that a timeout or Ctrl-C ends pytest with its browsers and gits
        proc = subprocess.Popen(cmd, cwd=self.root, env=self.env(), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)
        with RUNNING_LOCK:
            RUNNING.add(proc)
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop(proc)
            proc.communicate()
            return "timeout", time.monotonic() - start, []
        finally:
            with RUNNING_LOCK:
                RUNNING.discard(proc)
        failed = [line.split(" ", 1)[1].split(" - ")[0] for line in out.splitlines()
                  if line.startswith(("FAILED ", "ERROR "))]
        return ("survived" if proc.returncode == 0 else "killed"), time.monotonic() - start, failed

    def run(self, mutant: Mutant, timeout: float) -> Outcome:
        target = self.root / mutant.path
        original = target.read_text(encoding="utf-8")
        try:
            target.write_text(apply(original, mutant), encoding="utf-8")
            status, seconds, failed = self.pytest(tests_for(mutant.path), timeout)
        finally:
            target.write_text(original, encoding="utf-8")
        return Outcome(mutant, status, seconds, failed[0] if failed else "")


def expand(patterns: list[str]) -> list[str]:
    found: list[str] = []
    for pattern in patterns:
        matches = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob(pattern) if p.suffix == ".py")
        if not matches:
            raise SystemExit(f"mutate.py: {pattern} matches no Python file under {ROOT}")
        found += [m for m in matches if m not in found]
    return found


def choose(modules: list[str], sample: int | None, seed: int) -> list[Mutant]:
    everything = [m for path in modules for m in find_mutants(path, (ROOT / path).read_text(encoding="utf-8"))]
    if sample is None or sample >= len(everything):
        return everything
    return sorted(random.Random(seed).sample(everything, sample), key=lambda m: (m.path, m.start))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", nargs="+", default=DEFAULT_MODULES,
                        help="module paths or globs (from the project root)")
    parser.add_argument("--seed", type=int, default=1, help="the sample's seed (the same seed, the same mutants)")
    parser.add_argument("--sample", type=int, help="run N mutants drawn at random (default: all)")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once, each in its own copy")
    parser.add_argument("--timeout", type=float, help="seconds per mutant (default: 3x the slowest clean run + 10)")
    parser.add_argument("--list", action="store_true", help="only list the mutants")
    parser.add_argument("--json", type=Path, help="also write the outcomes to this file")
    parser.add_argument("--rerun", type=Path, help="run again only the survivors of an earlier "
                        "--json file, keeping its other outcomes: the survival rate after new tests")
    args = parser.parse_args(argv)

    if args.rerun:
        kept, mutants = rerun_plan(args.rerun)
    else:
        modules = expand(args.modules)
        for path in modules:
            tests_for(path)
        kept, mutants = [], choose(modules, args.sample, args.seed)
    if args.list:
        for m in mutants:
            print(m.label())
        print(f"{len(mutants)} mutants")
        return 0
    base = Path(tempfile.mkdtemp(prefix="salesmd-mutate-"))
    outcomes: list[Outcome] = list(kept)
    jobs = max(args.jobs, 1)
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        spaces: queue.Queue[Workspace] = queue.Queue()
        for _ in range(jobs):
            spaces.put(Workspace(base))
        timeout = args.timeout or baseline(spaces.queue[0], sorted({m.path for m in mutants}))
        lock = threading.Lock()

        def one(mutant: Mutant) -> None:
            space = spaces.get()
            try:
                outcome = space.run(mutant, timeout)
            finally:
                spaces.put(space)
            if STOPPING.is_set():
                return
            with lock:
                outcomes.append(outcome)
                print(f"[{len(outcomes) - len(kept)}/{len(mutants)}] {outcome.line()}", flush=True)

        for future in [pool.submit(one, m) for m in mutants]:
            future.result()
    except KeyboardInterrupt:
        STOPPING.set()
        pool.shutdown(wait=False, cancel_futures=True)
        with RUNNING_LOCK:
            for proc in list(RUNNING):
                stop(proc)
        print("\nmutate.py: interrupted; the working tree was never written", file=sys.stderr)
        pool.shutdown(wait=True)
        return 130
    finally:
        pool.shutdown(wait=True)
        shutil.rmtree(base, ignore_errors=True)
    report(outcomes, args)
    return 0


def rerun_plan(path: Path) -> tuple[list[Outcome], list[Mutant]]:
    """An earlier run's killed and timed-out mutants as they were; its survivors found again in the code as it is."""
    kept, again = [], []
    sources: dict[str, list[Mutant]] = {}
    for row in json.loads(path.read_text(encoding="utf-8")):
        old = Mutant(row["path"], row["line"], tuple(row["start"]), tuple(row["end"]), row["replacement"],
                     row["description"])
        if row["status"] != "survived":
            kept.append(Outcome(old, row["status"], row["seconds"], row["failed"]))
            continue
        if old.path not in sources:
            sources[old.path] = find_mutants(old.path, (ROOT / old.path).read_text(encoding="utf-8"))
        # the same mutation where it is now (the module may have changed since): the same text at the
        # same place, else on the nearest line at the same column
        same = [m for m in sources[old.path] if m.description == old.description]
        if same:
            again.append(min(same, key=lambda m: (m.start != old.start or m.end != old.end,
                                                  abs(m.line - old.line), m.start[1] != old.start[1])))
        else:
            print(f"mutate.py: gone from the code now, left out: {old.label()}", file=sys.stderr)
    return kept, again


def baseline(space: Workspace, modules: list[str]) -> float:
    """Run each test group once unmutated; its time sets the timeout.

    A test that fails before any mutation cannot tell a mutant from the code: it is left out of
    that group's runs (and named), rather than counting every mutant as killed.
    """
    slowest = 0.0
    for files in sorted({tuple(tests_for(path)) for path in modules}):
        status, seconds, failed = space.pytest(list(files), timeout=900, first_only=False)
        if status == "timeout" or (status == "killed" and not failed):
            raise SystemExit(f"mutate.py: the tests cannot run unmutated ({status}): {' '.join(files)}")
        if failed:
            BROKEN[files] = failed
            print(f"mutate.py: failing before any mutation, left out: {', '.join(failed)}", file=sys.stderr)
        slowest = max(slowest, seconds)
    return 3 * slowest + 10


def report(outcomes: list[Outcome], args) -> None:
    outcomes.sort(key=lambda o: (o.mutant.path, o.mutant.start))
    counts = {s: sum(1 for o in outcomes if o.status == s) for s in ("killed", "survived", "timeout")}
    print("\nSurvivors (a one-line bug no test noticed):")
    for o in outcomes:
        if o.status == "survived":
            print("  " + o.mutant.label())
    total = len(outcomes) or 1
    drawn = f"rerun of {args.rerun}" if args.rerun else f"seed {args.seed}"
    print(f"\n{len(outcomes)} mutants ({drawn}): {counts['killed']} killed, {counts['survived']} survived, "
          f"{counts['timeout']} timeout; survival rate {100 * counts['survived'] / total:.0f}%")
    if args.json:
        args.json.write_text(json.dumps([{**asdict(o.mutant), "status": o.status, "seconds": round(o.seconds, 1),
                                          "failed": o.failed} for o in outcomes], indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main())
