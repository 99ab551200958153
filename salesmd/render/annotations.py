"""`check --format github|gitlab`: the problems as a CI system shows them on a pull or merge
request, each at its file and line, the path relative to the repository's top (where CI runs).

- github: workflow commands, one line each: `::error file=PATH,line=N,title=CODE::message`
  (`::warning` for a warning), with %, CR and LF escaped in the message and also `:` and `,` in
  the properties, as GitHub's workflow-command syntax requires.
- gitlab: a Code Quality report (JSON: description, check_name, fingerprint, severity,
  location.path, location.lines.begin), for `artifacts: reports: codequality`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Callable

from ..model import ERROR, Problem, printable

GITLAB_SEVERITY = {ERROR: "major"}  # anything else (a warning) is "minor"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(problems: list[Problem], repo_path: Callable[[str], str]) -> str:
    lines = []
    for p in problems:
        kind = "error" if p.severity == ERROR else "warning"
        props = f"file={escape_property(repo_path(p.source.path))},line={p.source.line},title={escape_property(p.code)}"
        lines.append(f"::{kind} {props}::{escape_data(printable(p.message, keep_newlines=True))}")
    return "\n".join(lines)


def gitlab(problems: list[Problem], repo_path: Callable[[str], str]) -> str:
    """The report: a fingerprint stays the same while the problem does (its line may move), and
    two alike problems in one file get different ones."""
    seen: dict[str, int] = {}
    issues = []
    for p in problems:
        path = repo_path(p.source.path)
        key = f"{path}\0{p.code}\0{p.message}"
        seen[key] = seen.get(key, 0) + 1
        fingerprint = hashlib.md5(f"{key}\0{seen[key]}".encode("utf-8", "surrogateescape")).hexdigest()
        issues.append({
            "type": "issue",
            "description": f"{p.code}: {p.message}",
            "check_name": p.code,
            "fingerprint": fingerprint,
            "severity": GITLAB_SEVERITY.get(p.severity, "minor"),
            "location": {"path": path, "lines": {"begin": p.source.line}},
        })
    return json.dumps(issues, indent=2, ensure_ascii=False)
