"""The README's terminal transcripts print what the README says they print.

The convention this test relies on (keep the README to it):

- A transcript is a fenced block opened by ```sh (it may be indented, as inside a list item; the
  fence's indentation is removed from every line) that holds at least one line starting with `$ `.
  A ```sh block without a `$ ` line is a list of commands to copy, not a transcript, and is not run.
- A `$ ` line is a command, run with `bash -c` (so pipes such as `| head -2` work); the lines after
  it, up to the next `$ ` line or the block's end, are what it prints (stdout and stderr together),
  compared exactly after stripping trailing spaces and trailing empty lines.
- `$ cd DIR` changes the folder the block's next commands run in, and prints nothing.
- A line holding only `...` stands for any number of lines the README leaves out.
- Every block starts in a folder holding a fresh copy of `example-vault/`, made a git repository
  with one commit, so `--vault example-vault` and `cd example-vault` both work and a command that
  writes never touches the repository's own example vault; the commands of one block share that copy
  (a block that writes sees its own earlier writes, never another block's).
- `salesmd` on PATH runs `sys.executable -m salesmd`: the package under test, not another install.
- A block that cannot be reproduced (a temporary path, a timing) has `<!-- not run: WHY -->` on the
  line before its fence; say why there.

Each transcript is one case named by the README line of its fence, so a failure says which example.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
EXAMPLE = ROOT / "example-vault"
ELIDED = "..."

_OPEN = re.compile(r"^(?P<indent>[ \t]*)```sh[ \t]*$")
_CLOSE = re.compile(r"^[ \t]*```[ \t]*$")
_NOT_RUN = re.compile(r"^\s*<!--\s*not run\b")


@dataclass(frozen=True)
class Step:
    line: int  # the README line of the `$ ` command
    command: str
    expected: tuple[str, ...]


@dataclass(frozen=True)
class Transcript:
    line: int  # the README line of the opening fence
    steps: tuple[Step, ...]
    not_run: bool


def transcripts(text: str) -> list[Transcript]:
    """Every ```sh block of `text` holding a `$ ` line, split into its commands and their output."""
    lines = text.splitlines()
    found: list[Transcript] = []
    i = 0
    while i < len(lines):
        opened = _OPEN.match(lines[i])
        if not opened:
            i += 1
            continue
        start, indent = i, opened["indent"]
        body: list[tuple[int, str]] = []
        i += 1
        while i < len(lines) and not _CLOSE.match(lines[i]):
            raw = lines[i]
            body.append((i + 1, raw[len(indent):] if raw.startswith(indent) else raw.lstrip()))
            i += 1
        i += 1
        steps: list[Step] = []
        for number, line in body:
            if line.startswith("$ "):
                steps.append(Step(number, line[2:].strip(), ()))
            elif steps:
                steps[-1] = Step(steps[-1].line, steps[-1].command, steps[-1].expected + (line,))
        if steps:
            before = lines[start - 1] if start else ""
            found.append(Transcript(start + 1, tuple(steps), bool(_NOT_RUN.match(before))))
    return found


def matches(expected: list[str], actual: list[str]) -> bool:
    """`actual` is `expected`, where each `...` line stands for any number of lines (first fit)."""
    parts: list[list[str]] = [[]]
    for line in expected:
        if line.strip() == ELIDED:
            parts.append([])
        else:
            parts[-1].append(line)
    if len(parts) == 1:
        return actual == expected
    head, *middle, tail = parts
    if actual[:len(head)] != head:
        return False
    at = len(head)
    for part in middle:
        found = next((k for k in range(at, len(actual) - len(part) + 1) if actual[k:k + len(part)] == part), None)
        if found is None:
            return False
        at = found + len(part)
    return len(actual) - at >= len(tail) and (not tail or actual[len(actual) - len(tail):] == tail)


def _clean(lines: list[str] | tuple[str, ...]) -> list[str]:
    out = [line.rstrip() for line in lines]
    while out and not out[-1]:
        out.pop()
    return out


@pytest.fixture(scope="module")
def bin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose `salesmd` is this package, run by this Python."""
    folder = tmp_path_factory.mktemp("bin")
    script = folder / "salesmd"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m salesmd "$@"\n')
    script.chmod(0o755)
    return folder


def _environment(bin_dir: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESMD_") and not k.startswith("GIT_")}
    env.update(PATH=os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]), HOME=str(home),
               GIT_AUTHOR_NAME="Readme", GIT_AUTHOR_EMAIL="readme@example.com",
               GIT_COMMITTER_NAME="Readme", GIT_COMMITTER_EMAIL="readme@example.com",
               GIT_CONFIG_NOSYSTEM="1", LC_ALL="C.UTF-8", PYTHONIOENCODING="utf-8")
    env.pop("COLUMNS", None)
    return env


def _fresh_copy(folder: Path, env: dict[str, str]) -> None:
    """`folder/example-vault`: the example vault as a git repository with one commit."""
    vault = folder / "example-vault"
    shutil.copytree(EXAMPLE, vault, ignore=shutil.ignore_patterns(".salesmd", "__pycache__"))
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "example vault"]):
        subprocess.run(["git", *args], cwd=vault, env=env, check=True, capture_output=True)


CASES = transcripts(README.read_text(encoding="utf-8"))


def test_the_readme_has_transcripts() -> None:
    """The parser finds the README's transcripts (an empty list would make every case vanish)."""
    assert len(CASES) >= 3
    assert all(step.command for case in CASES for step in case.steps)


@pytest.mark.parametrize("case", CASES, ids=[f"README.md:{case.line}" for case in CASES])
def test_transcript(case: Transcript, bin_dir: Path, tmp_path: Path) -> None:
    if case.not_run:
        pytest.skip(f"README.md:{case.line} is marked <!-- not run -->")
    home = tmp_path / "home"
    home.mkdir()
    env = _environment(bin_dir, home)
    _fresh_copy(tmp_path, env)
    cwd = tmp_path
    for step in case.steps:
        expected = _clean(step.expected)
        cd = re.fullmatch(r"cd\s+(\S+)", step.command)
        if cd:
            cwd = cwd / cd[1]
            assert cwd.is_dir() and not expected, f"README.md:{step.line}: cd {cd[1]}: no such folder here"
            continue
        run = subprocess.run(["bash", "-c", step.command], cwd=cwd, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, encoding="utf-8", timeout=120)
        actual = _clean(run.stdout.splitlines())
        assert matches(expected, actual), (
            f"README.md:{step.line}: $ {step.command}\n(exit {run.returncode})\n--- README says\n"
            + "\n".join(expected) + "\n--- it prints\n" + "\n".join(actual))


def test_elided_lines_match_any_run_of_lines() -> None:
    """`...` stands for zero or more lines, and the lines around it must still be there, in order."""
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["...", "c"], ["a", "b", "c"]) and matches(["a", "..."], ["a"])
    assert not matches(["a", "...", "d"], ["a", "b", "c", "e"])
    assert not matches(["...", "b", "...", "a"], ["a", "b"])
    assert not matches(["a", "b"], ["a", "b", "c"])


def test_the_parser_reads_the_convention() -> None:
    """Indented fences, `$ ` commands with their output, blocks without `$ ` skipped, the marker honoured."""
    text = "\n".join([
        "```sh", "salesmd check", "```",
        "  ```sh", "  $ cd example-vault", "  $ salesmd search x", "  one", "  two", "  ```",
        "<!-- not run: prints a temp path -->", "```sh", "$ salesmd report", "/tmp/x", "```",
    ])
    first, second = transcripts(text)
    assert first.line == 4 and not first.not_run
    assert [(s.line, s.command, s.expected) for s in first.steps] == [
        (5, "cd example-vault", ()), (6, "salesmd search x", ("one", "two"))]
    assert second.line == 11 and second.not_run and second.steps[0].expected == ("/tmp/x",)
