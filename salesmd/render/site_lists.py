"""The site's record lists (a table per type with the columns that matter for it, sortable and
filtered by a small inline script) and each record page's "open in editor" links.

The script is `templates/html/table.js`; its page allows it by its hash (`script-src
'sha256-...'`, computed here from the exact text), so the Content-Security-Policy still allows
nothing else, inline or from outside. Without JavaScript the table shows every row, unsorted
by clicks, and the filter box stays hidden.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from markupsafe import Markup

from ..model import Record
from ..paths import builtin_templates
from ..reports.query import value_of
from ..reports.values import date_value, is_open, number_value
from .output import cell, money

# per type: (header, key, kind); kind "num" and "date" sort as numbers and dates, "link" shows the
# linked record, "open" counts an account's open deals
COLUMNS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "opportunity": (("Amount", "amount", "num"), ("Stage", "stage", "badge"), ("Close date", "close_date", "date"),
                    ("Account", "account", "link"), ("Owner", "owner", "text")),
    "lead": (("Company", "company", "text"), ("Stage", "stage", "badge"), ("Source", "source", "text"),
             ("Owner", "owner", "text")),
    "contact": (("Account", "account", "link"), ("Email", "email", "text"), ("Phone", "phone", "text"),
                ("Role", "role", "text")),
    "account": (("Industry", "industry", "text"), ("Owner", "owner", "text"), ("Open deals", "open", "num")),
    "activity": (("Kind", "kind", "text"), ("Status", "status", "badge"), ("Start", "start", "date"),
                 ("Owner", "owner", "text")),
    "task": (("Status", "status", "badge"), ("Due", "due", "date"), ("Owner", "owner", "text")),
    "note": (("Date", "date", "date"),),
    "issue": (("Severity", "severity", "badge"), ("Stage", "stage", "badge"), ("Account", "account", "link"),
              ("Opened", "opened", "date"), ("Owner", "owner", "text")),
}


# how a declared key's kind (types: in salesmd.yaml) shows in a list's column
DECLARED_KINDS = {"number": "num", "date": "date", "datetime": "date", "link": "link", "choice": "badge"}
SITE_PAGES = ("index", "pipeline", "lead-pipeline", "agenda", "calendar", "targets", "problems", "records")


def columns_of(types, type_: str) -> tuple[tuple[str, str, str], ...]:
    """A type's list columns: the built-in ones, or for a type salesmd.yaml declares its stage,
    up to four of its keys (required first; lists left out) and its owner."""
    if type_ in COLUMNS:
        return COLUMNS[type_]
    keys = types.keys[type_]
    skip = {"type", "stage", "owner", "territory", "tags", "created", "name", "subject", "title"}
    wanted = [k for k in (*types.required[type_], *keys) if k not in skip and keys[k] not in ("links", "strings")]
    shown = [(k.replace("_", " ").capitalize(), k, DECLARED_KINDS.get(keys[k], "text")) for k in dict.fromkeys(wanted)]
    stage = [("Stage", "stage", "badge")] if type_ in types.pipeline_types else []
    return (*stage, *shown[:4], ("Owner", "owner", "text"))


def list_page(types, type_: str) -> str:
    """The name of a type's list page, without .html: its folder's ('partners'); a declared folder
    named like another page of the site gets 'type-' before it."""
    from ..write.records import slugify

    if type_ not in types.declared:
        return types.folders[type_]
    slug = slugify(types.folders[type_])
    taken = set(SITE_PAGES) | {types.folders[t] for t in types.names if t not in types.declared}
    slug = f"type-{slug}" if slug in taken else slug
    # two declared folders may make one name ('my partners', 'my-partners'): the later type's gets -2
    earlier = {list_page(types, t) for t in types.declared[:types.declared.index(type_)]}
    base, n = slug, 2
    while slug in earlier:
        slug, n = f"{base}-{n}", n + 1
    return slug


@dataclass(frozen=True)
class Cell:
    text: str
    sort: str  # what the script sorts by: a number, an ISO date or the text casefolded
    kind: str
    link: tuple[str, str] | None = None  # (record id, title)


def csp_source(text: str) -> str:
    """The Content-Security-Policy source that allows exactly this inline script or style sheet
    (the whole text between its tags): 'sha256-' and the base64 of its SHA-256."""
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


@functools.lru_cache(maxsize=1)
def table_script() -> tuple[Markup, str]:
    """(the list pages' script, its CSP source)."""
    text = (builtin_templates() / "html" / "table.js").read_text(encoding="utf-8")
    return Markup(text), csp_source(text)


def open_deals(vault) -> dict[str, int]:
    """Each account's open opportunities (by its casefolded id), in one pass over the deals."""
    pipe = vault.config.pipelines["opportunity"]
    counts: dict[str, int] = {}
    for deal in vault.of_type("opportunity"):
        if is_open(pipe, deal):
            for account in vault.linked(deal, "account")[:1]:
                counts[account.key] = counts.get(account.key, 0) + 1
    return counts


def row_cells(vault, record: Record, open_counts: dict[str, int]) -> tuple[Cell, ...]:
    """The cells of a record's row in its type's list, after its name."""
    out = []
    for _, key, kind in columns_of(vault.config.types, record.type):
        if kind == "link":
            target = vault.first_linked(record, key)
            text = target.title if target else cell(record.get(key))
            out.append(Cell(text, text.casefold(), kind, (target.id, target.title) if target else None))
        elif kind == "num":
            value = open_counts.get(record.key, 0) if key == "open" else number_value(record.get(key))
            shown = "" if value is None else money(value) if key == "amount" else str(value)
            if key == "amount" and value is not None:
                shown += f" {record.get('currency') or vault.config.currency}"
            out.append(Cell(shown, "" if value is None else repr(float(value)), kind))
        elif kind == "date":
            value = record.get(key)
            day = value if isinstance(value, dt.datetime) else date_value(value)
            out.append(Cell(cell(value), day.isoformat() if day else "", kind))
        else:
            text = cell(value_of(vault, record, key))
            out.append(Cell(text, text.casefold(), kind))
    return tuple(out)


def editor_links(config, root: Path, record: Record) -> list[tuple[str, str]]:
    """[(label, address)] to open the record's file in the editors salesmd.yaml names."""
    links = []
    for editor in config.editor_links.editors:
        if editor == "obsidian":
            name = config.editor_links.obsidian_vault or root.name
            links.append(("Obsidian", f"obsidian://open?vault={quote(name, safe='')}&file={quote(record.path, safe='')}"))
        elif editor == "vscode":
            path = (root / record.path).absolute().as_posix()
            links.append(("VS Code", "vscode://file/" + quote(path.lstrip("/"), safe="/:")))
    return links
