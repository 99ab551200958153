"""What the git conflict markers left in a file say: for each conflict, its line and a message that
names the front-matter keys it is about and both values (or says it is in the body), with the
reason the merge driver wrote above it (`# salesmd merge: ...`), if any."""

from __future__ import annotations

import re

from .frontmatter import CLOSING_LINE, CONFLICT_MARKER

REASON = "# salesmd merge:"
_KEY = re.compile(r"""^("[^"]*"|'[^']*'|[^\s#'"\-?:][^:#]*?)[ \t]*:(?:[ \t]+(.*)|[ \t]*)$""")
_FIX = "keep one side, delete the marker lines, and commit"


def conflicts(text: str) -> list[tuple[int, str]]:
    """(1-based line, message) for each conflict in `text`; [] when it holds no marker."""
    lines = text.splitlines()
    front_end = _front_matter_end(lines)
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        marker = _marker(lines[i])
        if marker is None:
            i += 1
            continue
        if marker != "<":  # a marker with no opening one before it
            out.append((i + 1, f"git merge-conflict marker {lines[i][:7]!r} left in the file: {_FIX}"))
            i += 1
            continue
        start, sides, part = i, {"<": [], "|": [], "=": []}, "<"
        labels = {"<": lines[i][7:].strip()}
        i += 1
        while i < len(lines) and _marker(lines[i]) not in (">", "<"):
            kind = _marker(lines[i])
            if kind in ("|", "="):
                part = kind
            else:
                sides[part].append(lines[i])
            i += 1
        if i < len(lines) and _marker(lines[i]) == ">":
            labels[">"] = lines[i][7:].strip()
            i += 1
        above = lines[start - 1].strip() if start else ""
        reason = above[len(REASON):].strip() if above.startswith(REASON) else ""
        in_front = front_end is not None and start < front_end
        out.append((start + 1, _message(sides["<"], sides["="], labels, in_front, reason)))
    return out


def _marker(line: str) -> str | None:
    return line[0] if CONFLICT_MARKER.match(line) else None


def _front_matter_end(lines: list[str]) -> int | None:
    """The 0-based index of the front matter's closing line, or None."""
    if not lines or lines[0].lstrip("\ufeff").rstrip() != "---":
        return None
    return next((n for n in range(1, len(lines)) if CLOSING_LINE.match(lines[n])), None)


def _message(ours: list[str], theirs: list[str], labels: dict, in_front: bool, reason: str) -> str:
    if not in_front:
        return f"merge conflict in the body (git merge-conflict markers): {_FIX}"
    ours_keys, theirs_keys = _keys(ours), _keys(theirs)
    keys = list(dict.fromkeys([*ours_keys, *theirs_keys]))
    if not keys:
        return f"merge conflict in the front matter (git merge-conflict markers): {_FIX}"
    ours_label, theirs_label = labels.get("<") or "ours", labels.get(">") or "theirs"
    if len(keys) == 1:
        key = keys[0]
        said = f"{_shown(ours_keys, key)} ({ours_label}) or {_shown(theirs_keys, key)} ({theirs_label})"
        what = f"merge conflict on '{key}': {said}"
    else:
        what = "merge conflict on " + ", ".join(f"'{k}'" for k in keys)
    return f"{what}; {reason}" if reason else f"{what}; {_FIX}"


def _keys(lines: list[str]) -> dict[str, str | None]:
    """The top-level keys among `lines` and their values as written (None for a key with its
    value on the lines below it)."""
    out: dict[str, str | None] = {}
    for line in lines:
        m = _KEY.match(line)
        if m:
            value = (m.group(2) or "").strip()
            out[m.group(1).strip("'\"")] = value or None
    return out


def _shown(keys: dict[str, str | None], key: str) -> str:
    if key not in keys:
        return "no such key"
    value = keys[key]
    if value is None:
        return "the value on the lines below it"
    return value if len(value) <= 60 else value[:57] + "..."
