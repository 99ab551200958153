"""The whole vault as one JSON file (`salesmd export all`), and back (`salesmd import json`).

    {"format": "salesmd-backup", "version": 1, "config": "<salesmd.yaml as written>",
     "records": [{"path": "opportunities/acme.md", "id": "acme", "type": "opportunity",
                  "front_matter": {"name": "Acme", "amount": 48000, "close_date": {"$date": "2026-12-15"}},
                  "head": "---\\ntype: opportunity\\n...\\n---\\n", "body": "Twelve forklifts.\\n"}]}

`front_matter` is every key as salesmd reads it, types kept: JSON's own for text, numbers,
true/false, null, lists and maps; a date is {"$date": "2026-12-15"}, a date-time
{"$datetime": "2026-11-20T10:30:00"} (with its offset, if it has one), YAML's .inf, -.inf and
.nan are {"$float": ".inf"}, and a map whose keys are not all text (or that has a key starting
with "$") is {"$map": [[key, value], ...]}. `head` is the file's text before the body, as written
(comments, quoting, key order, line endings), so that `head` + `body` is the file byte for byte.

Reading it back, a record's file is `head` + `body` when `head` reads as `front_matter` says;
without a `head` (a backup made or edited by another program), or when the two disagree, the
front matter is written from `front_matter`, and `front_matter` wins.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from ..model import Problem, Source, id_of
from ..store.frontmatter import split
from ..store.walk import walked

FORMAT, VERSION = "salesmd-backup", 1
CODE = "import-json"


# --- typed values -------------------------------------------------------------------------------

def typed(value: Any) -> Any:
    """A front-matter value as the backup's JSON holds it (see the module's docstring)."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return {"$float": ".nan" if math.isnan(value) else ".inf" if value > 0 else "-.inf"}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, (list, tuple)):
        return [typed(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: typed(v) for k, v in value.items()}
        return {"$map": [[typed(k), typed(v)] for k, v in value.items()]}
    raise TypeError(f"a {type(value).__name__} cannot be backed up")


class BadValue(ValueError):
    pass


FLOATS = {".inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}


def untyped(value: Any) -> Any:
    """The value a backup's JSON stands for; BadValue for a "$" object that is none of ours."""
    if isinstance(value, list):
        return [untyped(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and next(iter(value)).startswith("$"):
        tag, inner = next(iter(value.items()))
        try:
            if tag == "$date":
                return dt.date.fromisoformat(inner)
            if tag == "$datetime":
                return dt.datetime.fromisoformat(inner)
            if tag == "$float":
                return FLOATS[inner]
            if tag == "$map":
                return {_key(untyped(k)): untyped(v) for k, v in inner}
        except (TypeError, ValueError, KeyError):
            raise BadValue(f"{json.dumps(value)[:80]} is not a valid {tag} value") from None
        raise BadValue(f"unknown value type {tag!r} (expected $date, $datetime, $float or $map)")
    return {k: untyped(v) for k, v in value.items()}


def _key(key):
    return tuple(key) if isinstance(key, list) else key


def same(a: Any, b: Any) -> bool:
    """Equal as front matter: NaN equals NaN, and a date is never a date-time or a text."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))
                                       and not isinstance(a, bool) and not isinstance(b, bool)):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


# --- out ----------------------------------------------------------------------------------------

def backup_lines(vault, config_text: str, read_text):
    """The backup's JSON, a piece at a time (a record a line, never the whole vault in one
    string). `read_text(record)` is the record's file as text (None: gone since)."""
    yield '{"format": "salesmd-backup", "version": 1,\n "config": ' + json.dumps(config_text, ensure_ascii=False)
    yield ',\n "records": [\n'
    first = True
    for record in vault.records:
        text = read_text(record)
        if text is None:
            continue
        body = split(text).body
        entry = {"path": record.path, "id": record.id, "type": record.type,
                 "front_matter": typed({k: v for k, v in record.data.items()}),
                 "head": text[:len(text) - len(body)], "body": body}
        yield ("  " if first else " ,") + json.dumps(entry, ensure_ascii=False, allow_nan=False) + "\n"
        first = False
    yield " ]\n}\n"


# --- in -----------------------------------------------------------------------------------------

@dataclass
class Restore:
    """What a backup holds, as files to write: path -> text; and what was wrong with it."""

    config: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)  # front matter written from `front_matter`
    seen: set[str] = field(default_factory=set)  # the paths read, ignoring case


def read_backup(data: bytes, shown: str, root, config) -> Restore:
    """The files a backup would write, each read back as the record it says it is; every problem
    with its place (`FILE:LINE:COL` for JSON that is not valid)."""
    out = Restore()

    def problem(message: str, line: int = 1) -> Restore:
        out.problems.append(Problem(Source(shown, line), CODE, message))
        return out

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return problem(f"byte {e.start} is not UTF-8: a backup is UTF-8 JSON", data.count(b"\n", 0, e.start) + 1)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        return problem(f"column {e.colno}: not valid JSON: {e.msg}", e.lineno)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        return problem(f'not a salesmd backup: the top is not an object with "format": "{FORMAT}" '
                       "(salesmd export all writes one)")
    if doc.get("version") != VERSION:
        return problem(f"backup version {doc.get('version')!r}: this salesmd reads version {VERSION}")
    if doc.get("config") is not None and not isinstance(doc.get("config"), str):
        return problem('"config" must be the text of salesmd.yaml')
    out.config = doc.get("config")
    records = doc.get("records")
    if not isinstance(records, list):
        return problem('"records" must be a list')
    line_of = _record_lines(text, len(records))
    for n, entry in enumerate(records):
        where = line_of[n] if n < len(line_of) else 1
        why = _add(out, entry, root, config)
        if why is not None:
            path = entry.get("path") if isinstance(entry, dict) and isinstance(entry.get("path"), str) else None
            problem(f"records[{n}]" + (f" ({path})" if path else "") + f": {why}", where)
    return out


def _record_lines(text: str, count: int) -> list[int]:
    """The line each record's object starts on, for a backup written a record a line (ours); a
    backup written otherwise gets the line of each `"path"` in order, the nearest guess."""
    lines, at = [], 0
    for _ in range(count):
        at = text.find('"path"', at)
        if at < 0:
            break
        lines.append(text.count("\n", 0, at) + 1)
        at += 6
    return lines


def _add(out: Restore, entry, root, config) -> str | None:
    """Put one record's file into `out`; why not, if it cannot be."""
    from ..store.read import read_file
    from ..write.yamledit import render_key, render_value

    if not isinstance(entry, dict):
        return "must be an object with path, front_matter and body"
    path, body, head = entry.get("path"), entry.get("body", ""), entry.get("head")
    why = _bad_path(path)
    if why is not None:
        return why
    if not walked(path, config):  # templates/, the site's folder, an ignored one: a backup restores records only
        return f"path {path!r} is where salesmd reads no records (templates/, the site's folder, or `ignore:`)"
    if path.casefold() in out.seen:
        return "a second record with this path (ignoring case)"
    out.seen.add(path.casefold())
    if not isinstance(body, str) or (head is not None and not isinstance(head, str)):
        return '"body" and "head" must be text'
    try:
        wanted = untyped(entry.get("front_matter"))
    except BadValue as e:
        return f"front_matter: {e}"
    if not isinstance(wanted, dict) or not all(isinstance(k, str) for k in wanted):
        return '"front_matter" must be an object of keys and values'
    if wanted.get("type") not in config.types.names:  # the built-in types and the vault's declared ones
        return f"front_matter: type {wanted.get('type')!r} is not one of {', '.join(config.types.names)}"
    if entry.get("type") not in (None, wanted["type"]) or entry.get("id") not in (None, id_of(path)):
        return "its id and type must be those of its path and front matter"
    if head is not None:
        text = head + body
        if _reads_as(read_file(root, path, config, raw=text.encode("utf-8")), wanted):
            out.files[path] = text
            return None
    try:
        lines = "".join(f"{render_key(k)}: {render_value(v)}\n" for k, v in wanted.items())
    except (TypeError, ValueError) as e:
        return f"front_matter cannot be written as YAML: {e}"
    text = "---\n" + lines + "---\n" + body
    if not _reads_as(read_file(root, path, config, raw=text.encode("utf-8")), wanted):
        return "its front matter does not read back as written (a value YAML would read otherwise)"
    out.files[path] = text
    out.rewritten.append(path)
    return None


def _reads_as(parsed, wanted: dict) -> bool:
    """Whether a file read (store.read.read_file) is a record whose front matter is `wanted`."""
    return parsed.record is not None and same(dict(parsed.record.data), wanted)


def _bad_path(path) -> str | None:
    if not isinstance(path, str) or not path:
        return '"path" must be the record\'s path in the vault'
    parts = PurePosixPath(path).parts
    if path.startswith("/") or "\\" in path or ":" in parts[0] or any(p in ("..", ".") for p in parts):
        return f"path {path!r} must be relative to the vault, with / between folders and no .."
    if any(p.startswith(".") for p in parts):
        return f"path {path!r} is in a hidden folder or is a hidden file, which salesmd never reads"
    if not path.endswith(".md") or "\0" in path:
        return f"path {path!r} is not a Markdown file (.md)"
    return None
