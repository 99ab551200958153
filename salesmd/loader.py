"""load_vault(): walk -> read -> index -> checks -> (Vault, problems)."""

from __future__ import annotations

import fnmatch
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import frontmatter
from .config import Config, load_config
from .model import ERROR, FOLDERS, RECORD_FOLDERS, RECORD_TYPES, WARNING, ParsedFile, Problem, Record, Source
from .model import BODY_WIKILINK

TYPE_LINE = frontmatter.re.compile(r"^type:\s*['\"]?(" + "|".join(RECORD_TYPES) + r")['\"]?\s*$", frontmatter.re.M)


@dataclass
class Timings:
    stages: list[tuple[str, float, str]] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str, detail: str = ""):
        start = time.perf_counter()
        yield
        self.stages.append((name, time.perf_counter() - start, detail))


def walk(root: Path, config: Config) -> list[str]:
    """Every `*.md` under root as a posix path relative to it, minus what is never read."""
    skip_dirs = {config.report_dir.strip("/"), "templates"}
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        rel_folder = os.path.relpath(folder, root).replace(os.sep, "/")
        rel_folder = "" if rel_folder == "." else rel_folder + "/"
        dirs[:] = sorted(
            d for d in dirs
            if not d.startswith(".") and (rel_folder + d) not in skip_dirs and not _ignored(rel_folder + d, config)
        )
        for name in sorted(files):
            if name.endswith(".md") and not name.startswith("."):
                rel = rel_folder + name
                if not _ignored(rel, config):
                    found.append(rel)
    return found


def _ignored(rel: str, config: Config) -> bool:
    return any(fnmatch.fnmatch(rel, pattern.strip("/")) or rel.startswith(pattern.strip("/") + "/")
               for pattern in config.ignore)


def in_record_folder(rel: str) -> bool:
    return rel.split("/", 1)[0] in RECORD_FOLDERS and "/" in rel


def read_file(root: Path, rel: str, config: Config, raw: bytes | None = None) -> ParsedFile:
    """One file -> maybe a record, and its problems. Never raises on what the file holds.

    `raw` supplies the bytes instead of the disk (a staged version, say).
    """
    out = ParsedFile(rel, None)
    strict = in_record_folder(rel)

    def problem(line: int, code: str, message: str, severity: str = ERROR) -> ParsedFile:
        out.problems.append(Problem(Source(rel, max(line, 1)), code, message, severity))
        return out

    path = root / rel
    try:
        if raw is None and path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(root):
                return problem(1, "path-escape", f"symbolic link leads outside the vault (to {target}); not read")
        size = path.stat().st_size if raw is None else len(raw)
        if size > config.max_file_size:
            return problem(1, "file-too-large",
                           f"file is {size:,} bytes, over the {config.max_file_size:,}-byte limit "
                           "(max_file_size in salesmd.yaml); not read", ERROR if strict else WARNING)
        if raw is None:
            raw = path.read_bytes()
    except OSError as e:
        return problem(1, "unreadable", f"cannot read the file: {e.strerror or e}")
    if not raw.strip():
        if strict:
            problem(1, "empty-file", "empty file in a record folder: not a record", WARNING)
        return out
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        return problem(line, "encoding", f"bytes that are not UTF-8 at byte {e.start} "
                                         f"({raw[e.start:e.start + 4]!r}); save the file as UTF-8")
    marker = frontmatter.conflict_marker_line(text)
    if marker is not None:
        return problem(marker, "conflict-marker", "git merge-conflict marker: resolve the conflict "
                                                  "(keep one side) and remove the markers; not read")
    parts = frontmatter.split(text)
    if not parts.has_front_matter:
        return out
    looks_like_record = strict or bool(TYPE_LINE.search(parts.yaml_text))
    if parts.unclosed:
        if looks_like_record:
            problem(1, "frontmatter-unclosed", "front matter opened with '---' is never closed by a '---' line")
        return out
    parsed = frontmatter.parse_yaml(parts.yaml_text, parts.yaml_line)
    data = parsed.data
    hard = [i for i in parsed.issues if i.code != "duplicate-key"]
    if hard:
        if looks_like_record:
            for issue in hard:
                problem(issue.line, issue.code, issue.message)
        return out
    if data is None:
        return out
    if not isinstance(data, dict):
        if looks_like_record:
            problem(parts.yaml_line, "frontmatter-not-mapping",
                    f"front matter must be 'key: value' lines, not a {type(data).__name__}")
        return out
    type_ = data.get("type")
    if type_ is None:
        return out
    for issue in parsed.issues:
        problem(issue.line, issue.code, issue.message)
    type_line = parsed.key_lines.get("type", parts.yaml_line)
    if type_ not in RECORD_TYPES:
        from .checks.schema import did_you_mean

        return problem(type_line, "type-unknown",
                       f"type {type_!r} is not one of {', '.join(RECORD_TYPES)}{did_you_mean(str(type_), RECORD_TYPES)}")
    stem = rel.rsplit("/", 1)[-1][:-3]
    body_links = tuple(dict.fromkeys(m.group(1).strip() for m in BODY_WIKILINK.finditer(parts.body)))
    out.record = Record(
        id=stem, type=type_, path=rel, data=data,
        key_lines={str(k): v for k, v in parsed.key_lines.items()},
        body=parts.body, body_line=parts.body_line, body_links=body_links,
    )
    return out


def load_vault(root: Path, *, config: Config | None = None, timings: Timings | None = None,
               run_checks: bool = True, contents: dict[str, bytes | None] | None = None):
    """Load and check a vault: returns (Vault, problems). Problems are sorted by location.

    `contents` replaces files by path with other bytes (None: the file is absent), so the same
    checks run on what is staged for a commit.
    """
    from .checks import run_checks as run_all
    from .vault import Vault

    timings = timings or Timings()
    problems: list[Problem] = []
    with timings.stage("config"):
        if config is None:
            config, config_problems = load_config(root)
            problems += config_problems
    with timings.stage("walk"):
        paths = walk(root, config)
    if contents:
        paths = sorted((set(paths) | {p for p, b in contents.items() if b is not None and p.endswith(".md")})
                       - {p for p, b in contents.items() if b is None})
    contents = contents or {}
    with timings.stage("read+parse", f"{len(paths)} files"):
        parsed = [read_file(root, rel, config, contents.get(rel)) for rel in paths]
    with timings.stage("index"):
        records = [p.record for p in parsed if p.record is not None]
        broken = {p.path.rsplit("/", 1)[-1][:-3].casefold() for p in parsed
                  if p.record is None and any(x.severity == ERROR for x in p.problems)}
        vault = Vault(root, config, records, broken)
        for p in parsed:
            problems += p.problems
        _ = vault.by_key, vault.by_type, vault.backlinks
    if run_checks:
        with timings.stage("checks"):
            problems += run_all(vault)
    problems.sort(key=Problem.sort_key)
    return vault, problems


def default_folder(type_: str) -> str:
    return FOLDERS[type_]
