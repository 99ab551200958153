"""The Markdown files with front matter that are not records, and why, as `check` tells the user.

A vault kept in Obsidian holds daily notes, people and meeting notes beside the records; salesmd
reads none of them, and says how many it left out and why: no `type`, a `type` that is not a
record type (outside the record folders; inside one it is an error), or front matter that could
not be read as `key: value` lines (in a file that does not look like a record).
"""

from __future__ import annotations

from collections import Counter

from ..model import NO_TYPE, NOT_READ


def reason(why: str) -> str:
    """One file's reason in words: 'no type', 'type "person"'."""
    if why == NO_TYPE:
        return "no type"
    if why == NOT_READ:
        return "front matter that could not be read"
    return f'type "{why[len("type:"):]}"'


def summary(skipped: dict[str, str], listed: bool) -> str | None:
    """'12 files with front matter are not records (9 without a type, 3 with type "person"); -v
    lists them' (ending in ':' when the list follows), or None when there are none."""
    if not skipped:
        return None
    kinds = Counter(skipped.values())
    parts = []
    if kinds[NO_TYPE]:
        parts.append(f"{kinds[NO_TYPE]} without a type")
    types = sorted(((n, why) for why, n in kinds.items() if why not in (NO_TYPE, NOT_READ)),
                   key=lambda item: (-item[0], item[1]))
    parts += [f"{n} with {reason(why)}" for n, why in types]
    if kinds[NOT_READ]:
        parts.append(f"{kinds[NOT_READ]} whose front matter could not be read")
    n = len(skipped)
    said = (f"{n} files with front matter are not records" if n != 1
            else "1 file with front matter is not a record") + f" ({', '.join(parts)})"
    return said + (":" if listed else f"; -v lists {'them' if n != 1 else 'it'}")


def as_json(skipped: dict[str, str]) -> list[dict]:
    """[{"path", "reason": "no-type" | "type" | "not-read", "type"}], by path."""
    return [{"path": path, "reason": why if why in (NO_TYPE, NOT_READ) else "type",
             "type": None if why in (NO_TYPE, NOT_READ) else why[len("type:"):]}
            for path, why in sorted(skipped.items())]
