"""read_file(): one file's bytes -> maybe a record, and its problems; never raises on what the file holds."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from sys import intern

from ..config import Config
from ..dates import coerce_dates
from ..model import BODY_WIKILINK, ERROR, NO_TYPE, NOT_READ, WARNING, ParsedFile, Problem, Record, Source, id_of
from . import frontmatter
from .conflicts import conflicts
from .files import NotAFile, TooLarge, read_regular, why_not_a_file


def read_file(root: Path, rel: str, config: Config, raw: bytes | None = None,
              stamp: tuple[int, int] | None = None, keep_body: bool = False) -> ParsedFile:
    """One file -> maybe a record, and its problems. Never raises on what the file holds.

    `raw` supplies the bytes instead of the disk (a staged version, say). `stamp` is the walk's
    (mtime_ns, size) of a regular file, which saves asking the disk again. The record keeps its
    body when the bytes were given or `keep_body` asks (else it is read again when shown).
    """
    out = ParsedFile(rel, None)
    types = config.types
    strict = types.in_record_folder(rel)
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
    if marker is not None:  # each conflict at its line, with its keys and both values
        for line, message in conflicts(text) or [(marker, "git merge-conflict marker: resolve the conflict "
                                                          "(keep one side) and remove the markers")]:
            problem(line, "conflict-marker", message + "; not read")
        return out
    parts = frontmatter.split(text)
    if not parts.has_front_matter:
        return out
    looks_like_record = strict or bool(types.type_line.search(parts.yaml_text))
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
        else:
            out.skipped = NOT_READ
        return out
    if data is None:
        out.skipped = NO_TYPE
        return out
    if not isinstance(data, dict):
        if looks_like_record:
            problem(parts.yaml_line, "frontmatter-not-mapping",
                    f"front matter must be 'key: value' lines, not a {type(data).__name__}")
        else:
            out.skipped = NOT_READ
        return out
    type_ = data.get("type")
    if type_ is None:
        out.skipped = NO_TYPE
        return out
    close = ""
    if type_ not in types.names:
        from ..suggest import did_you_mean

        close = did_you_mean(str(type_), types.names)
        if not strict and not close:  # someone's note (type: person): outside the record folders, not a record
            out.skipped = NO_TYPE if type_ == "" else f"type:{type_}"
            return out
    for issue in parsed.issues:
        problem(issue.line, issue.code, issue.message)
    type_line = parsed.key_lines.get("type", parts.yaml_line)
    if type_ not in types.names:  # in a record folder, or one typo from a record type: an error
        return problem(type_line, "type-unknown", f"type {type_!r} is not one of {', '.join(types.names)}{close}")
    stem = id_of(rel)
    body_links = tuple(dict.fromkeys(m.group(1).strip() for m in BODY_WIKILINK.finditer(parts.body)))
    out.record = Record(
        id=stem, type=type_, path=rel, data=keyed(coerce_dates(type_, data, types.date_keys(type_))),
        key_lines={intern(str(k)): v for k, v in parsed.key_lines.items()},
        body=parts.body if raw_given or keep_body else None,  # read again when shown (Vault.body): saves memory
        body_line=parts.body_line, body_links=body_links,
        body_digest=hashlib.blake2b(parts.body.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest(),
        blob=hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest(),
    )
    out.body = parts.body
    return out


def keyed(data: dict) -> dict:
    """The front matter with its keys shared across records (a 100,000-record vault holds the
    word "status" once, not once per record)."""
    return {intern(k) if k.__class__ is str else k: v for k, v in data.items()}
