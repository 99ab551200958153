"""Which ids a user may have meant: by a mistyped id, or by the record's name given as its id."""

from __future__ import annotations

import difflib
from typing import Iterable

from .model import Record


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def meant_ids(text: str, records: Iterable[Record], limit: int = 3) -> list[str]:
    """Ids for `text`: records whose name (subject, title) is `text` ignoring case and spacing;
    else close ids and records with a close name, best first."""
    records = list(records)
    wanted = _folded(text)
    exact = [r.id for r in records if _folded(r.title) == wanted]
    if exact:
        return sorted(exact)[:limit]
    by_id = {_folded(r.id): r.id for r in records}
    by_name: dict[str, list[str]] = {}
    for r in records:
        by_name.setdefault(_folded(r.title), []).append(r.id)
    out = [by_id[k] for k in difflib.get_close_matches(wanted, list(by_id), n=limit, cutoff=0.75)]
    for name in difflib.get_close_matches(wanted, list(by_name), n=limit, cutoff=0.75):
        out += sorted(by_name[name])
    return list(dict.fromkeys(out))[:limit]


def id_hint(text: str, records: Iterable[Record]) -> str:
    """' (did you mean 'acme-corp'?)' for `meant_ids`, or '' when there is none."""
    ids = meant_ids(text, records)
    if not ids:
        return ""
    if len(ids) == 1:
        return f" (did you mean '{ids[0]}'?)"
    return f" (did you mean one of: {', '.join(repr(i) for i in ids)}?)"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


def did_you_mean_name(word: str, names: dict[str, str]) -> str:
    """did_you_mean over `names` (what may be written -> what to suggest): a close alias suggests
    the id it stands for."""
    close = difflib.get_close_matches(word, list(names), n=1, cutoff=0.75)
    return f" (did you mean '{names[close[0]]}'?)" if close else ""
