"""load_vault(): walk -> read -> index -> checks -> (Vault, problems)."""

from __future__ import annotations

import errno
import fnmatch
import gc
import hashlib
import os
import stat
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from . import frontmatter
from .config import Config, load_config
from .model import ERROR, RECORD_FOLDERS, RECORD_TYPES, WARNING, ParsedFile, Problem, Record, Source
from .model import BODY_WIKILINK, id_key, id_of

TYPE_LINE = frontmatter.re.compile(r"^type:\s*['\"]?(" + "|".join(RECORD_TYPES) + r")['\"]?\s*$", frontmatter.re.M)


class Walk(NamedTuple):
    """A walk already made: its files (path, stamp), under which configuration, begun when."""

    files: list[tuple[str, tuple[int, int] | None]]
    config_signature: str
    started_ns: int


@dataclass
class Timings:
    stages: list[tuple[str, float, str]] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str, detail: str = ""):
        """Time a stage; the block may set note[0] to say what it did."""
        note = [detail]
        start = time.perf_counter()
        yield note
        self.stages.append((name, time.perf_counter() - start, note[0]))


def walk(root: Path, config: Config, sort: bool = True) -> list[tuple[str, tuple[int, int] | None]]:
    """Every `*.md` under root, minus what is never read: (posix path relative to root, stamp).

    The stamp is (mtime_ns, size) for the index cache; None for a symbolic link or anything else
    that is not a regular file (a FIFO, a device), which is always looked at again: read_file says
    what it is. Sorted by path unless not `sort`.
    """
    skip_dirs = {config.report_dir.strip("/"), "templates"}
    ignoring = bool(config.ignore)
    found: list[tuple[str, tuple[int, int] | None]] = []
    append = found.append
    stack = [("", str(root))]
    while stack:
        rel_folder, folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                continue
            rel = rel_folder + name
            try:
                if name.endswith(".md") and entry.is_file(follow_symlinks=False):
                    if not ignoring or not _ignored(rel, config):
                        st = entry.stat(follow_symlinks=False)
                        append((rel, (st.st_mtime_ns, st.st_size)))
                elif entry.is_dir(follow_symlinks=False):
                    if rel not in skip_dirs and not (ignoring and _ignored(rel, config)):
                        stack.append((rel + "/", entry.path))
                elif name.endswith(".md"):  # a symbolic link, a FIFO, a socket, a device
                    if not ignoring or not _ignored(rel, config):
                        append((rel, None))
            except OSError:
                continue
    if sort:
        found.sort()
    return found


def _ignored(rel: str, config: Config) -> bool:
    return bool(config.ignore) and any(fnmatch.fnmatch(rel, pattern.strip("/")) or rel.startswith(pattern.strip("/") + "/")
               for pattern in config.ignore)


def in_record_folder(rel: str) -> bool:
    return rel.split("/", 1)[0] in RECORD_FOLDERS and "/" in rel


class NotAFile(OSError):
    """The path is a folder, a FIFO, a socket or a device, not a file to read."""


class TooLarge(OSError):
    def __init__(self, size: int):
        super().__init__(f"{size} bytes")
        self.size = size


# O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just after
READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _kind(mode: int) -> str:
    return ("a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "not a regular file")


def read_regular(path: str, limit: int | None = None) -> bytes:
    """The bytes of a regular file; never waits on a FIFO or reads a device (NotAFile), nor reads
    past `limit` bytes (TooLarge)."""
    fd = os.open(path, READ_FLAGS)
    with open(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotAFile(f"{_kind(info.st_mode)}, not a file")
        if limit is not None and info.st_size > limit:
            raise TooLarge(info.st_size)
        return f.read()


def why_not_a_file(root: Path, path: str) -> tuple[str, str] | None:
    """(code, message) when `path`, which the walk found not to be a plain file, cannot be read as one:
    a symbolic link that loops, leads nowhere or outside the vault, a folder, a FIFO, a device."""
    target = None
    try:
        target = os.readlink(path) if os.path.islink(path) else None
        info = os.stat(path)
    except OSError as e:
        if target is None:
            return "unreadable", f"cannot read the file: {e.strerror or e}"
        if e.errno == errno.ELOOP:
            return "unreadable", f"symbolic link to {target!r} loops back on itself; not read"
        if e.errno == errno.ENOENT:
            return "unreadable", f"symbolic link to {target!r} leads to nothing (dangling); not read"
        return "unreadable", f"symbolic link to {target!r} cannot be followed: {e.strerror or e}; not read"
    if target is not None:
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(root.resolve()):
            return "path-escape", f"symbolic link leads outside the vault (to {real}); not read"
    if not stat.S_ISREG(info.st_mode):
        return "unreadable", (f"{'symbolic link to ' + repr(target) + ' leads to ' if target else 'this is '}"
                              f"{_kind(info.st_mode)}, not a file; not read")
    return None


def read_file(root: Path, rel: str, config: Config, raw: bytes | None = None,
              stamp: tuple[int, int] | None = None, keep_body: bool = False) -> ParsedFile:
    """One file -> maybe a record, and its problems. Never raises on what the file holds.

    `raw` supplies the bytes instead of the disk (a staged version, say). `stamp` is the walk's
    (mtime_ns, size) of a regular file, which saves asking the disk again. The record keeps its
    body when the bytes were given or `keep_body` asks (else it is read again when shown).
    """
    out = ParsedFile(rel, None)
    strict = in_record_folder(rel)
    raw_given = raw is not None

    def problem(line: int, code: str, message: str, severity: str = ERROR) -> ParsedFile:
        out.problems.append(Problem(Source(rel, max(line, 1)), code, message, severity))
        return out

    path = os.path.join(root, rel)
    if raw is None and stamp is None:
        refused = why_not_a_file(root, path)
        if refused is not None:
            return problem(1, refused[0], refused[1], ERROR if strict or refused[0] == "path-escape" else WARNING)
    try:
        if raw is None:
            raw = read_regular(path, config.max_file_size)
    except TooLarge as e:
        return problem(1, "file-too-large",
                       f"file is {e.size:,} bytes, over the {config.max_file_size:,}-byte limit "
                       "(max_file_size in salesmd.yaml); not read", ERROR if strict else WARNING)
    except NotAFile as e:
        return problem(1, "unreadable", f"{e}; not read", ERROR if strict else WARNING)
    except OSError as e:
        return problem(1, "unreadable", f"cannot read the file: {e.strerror or e}")
    if len(raw) > config.max_file_size:
        return problem(1, "file-too-large",
                       f"file is {len(raw):,} bytes, over the {config.max_file_size:,}-byte limit "
                       "(max_file_size in salesmd.yaml); not read", ERROR if strict else WARNING)
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
    stem = id_of(rel)
    body_links = tuple(dict.fromkeys(m.group(1).strip() for m in BODY_WIKILINK.finditer(parts.body)))
    out.record = Record(
        id=stem, type=type_, path=rel, data=data,
        key_lines={str(k): v for k, v in parsed.key_lines.items()},
        body=parts.body if raw_given or keep_body else None,  # read again when shown (Vault.body): saves memory
        body_line=parts.body_line, body_links=body_links,
        body_digest=hashlib.blake2b(parts.body.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest(),
        blob=hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest(),
    )
    return out


def load_vault(root: Path, *, config: Config | None = None, timings: Timings | None = None,
               run_checks: bool = True, contents: dict[str, bytes | None] | None = None,
               use_cache: bool = True, detail: dict | None = None, walked: Walk | None = None):
    """Load and check a vault: returns (Vault, problems). Problems are sorted by location.

    `contents` replaces files by path with other bytes (None: the file is absent), so the same
    checks run on what is staged for a commit. Unchanged files come from the index (index.py).
    `detail`, when given, is filled with what the check state keeps: "files" (the walk),
    "own" (each file's reading and record-check problems), "vault" (the vault checks'
    problems) and "config" (the configuration's). `walked` is a walk already made, used if the
    configuration read now is still the one it was made under (its start begins the racy window).
    """
    from .cache import no_gc
    from .index import Index
    from .vault import Vault

    timings = timings or Timings()
    problems: list[Problem] = []
    contents = contents or {}
    config_problems: list[Problem] = []
    with timings.stage("config"):
        if config is None:
            config, config_problems = load_config(root)
            problems += config_problems
    walk_ns = walked.started_ns if walked is not None else time.time_ns()
    with timings.stage("walk"):
        if walked is not None and walked.config_signature == config.signature:
            files = sorted(walked.files)
        else:
            files = walk(root, config)
        if contents:
            stamps = dict(files)
            files = sorted((p, stamps.get(p)) for p in (stamps.keys() | {p for p in contents if p.endswith(".md")})
                           if contents.get(p, b"") is not None)
    with timings.stage("index"):
        index = Index.open(root, config.signature) if use_cache else None
    record_problems: dict[str, list[Problem]] = {}
    fresh: list = []
    parsed: list[ParsedFile] = []
    read_count = 0
    with no_gc():
        with timings.stage("read+parse") as note:
            stored = _stored(index, files, contents)
            for rel, stamp in files:
                hit = stored.get(rel)
                if hit is not None:
                    pf, cached_problems = hit
                    if cached_problems is not None:
                        record_problems[rel] = cached_problems
                else:
                    keep = index is not None and rel not in contents
                    pf = read_file(root, rel, config, contents.get(rel), stamp, keep_body=keep)
                    read_count += 1
                    if keep:
                        body = pf.record.body if pf.record is not None else None
                        if pf.record is not None:
                            pf.record.body = None
                        fresh.append((rel, stamp, pf, body))
                parsed.append(pf)
            del stored
            from .output import count

            note[0] = f"{count(len(files), 'file')}, {read_count} read"
        with timings.stage("build"):
            records = [p.record for p in parsed if p.record is not None]
            broken_paths: dict[str, str] = {}
            for p in parsed:
                if p.record is None and any(x.severity == ERROR for x in p.problems):
                    broken_paths.setdefault(id_key(id_of(p.path)), p.path)
            vault = Vault(root, config, records, broken_paths)
            for p in parsed:
                problems += p.problems
            _ = vault.by_key, vault.by_type, vault.backlinks
        if run_checks:
            from .checks import run_record_checks, run_vault_checks

            known = set(record_problems)
            with timings.stage("checks"):
                found = run_vault_checks(vault)
                problems += run_record_checks(vault, record_problems) + found
            if detail is not None:
                own = {p.path: list(p.problems) for p in parsed}
                for rel, extra in record_problems.items():
                    own.setdefault(rel, []).extend(extra)
                detail.update(files=files, own=own, vault=found, config=config_problems)
        if index is not None:
            with timings.stage("save index") as note:
                walked_paths = {rel for rel, _ in files}
                gone = [rel for rel in index.stamps() if rel not in walked_paths and rel not in contents]
                index.save([(rel, stamp, pf, body, record_problems.get(rel)) for rel, stamp, pf, body in fresh],
                           gone, walk_ns)
                if run_checks:
                    fresh_paths = {rel for rel, *_ in fresh}
                    stamps = dict(files)
                    index.set_checked({rel: (stamps[rel], record_problems[rel])
                                       for rel in record_problems.keys() - known - fresh_paths
                                       if rel not in contents and stamps.get(rel) is not None})
                note[0] = f"{len(fresh)} rows written, {len(gone)} removed"
                index.close()
    problems.sort(key=Problem.sort_key)
    # The records live as long as the command: keep the cyclic GC from walking them again and
    # again (with 100k records each collection costs tens of milliseconds).
    gc.freeze()
    return vault, problems


def _stored(index, files, contents) -> dict:
    """{path: (ParsedFile, record-check problems or None)} of the files whose row in the index is current."""
    if index is None:
        return {}
    from .index import decode_problems, parsed_of

    current = index.current
    wanted = {rel for rel, stamp in files if rel not in contents and current(rel, stamp)}
    found = {}
    for path, type_, _broken, record, problems, checked in index.rows():
        if path in wanted:
            found[path] = (parsed_of(path, type_, record, problems), decode_problems(checked))
    return found
