"""The skeleton of a new record of a type salesmd.yaml declares (`types:`), when the vault has
no templates/skeletons/<type>.md of its own: its type, its name, its pipeline's first stage and
the day it was made; `new` then sets the keys given on the command line."""

from __future__ import annotations

import datetime as dt

from ..record_types import Types
from .yamledit import render_value

TITLE_KEYS = ("name", "subject", "title")  # Record.title reads the first that is set


def title_key(types: Types, type_: str) -> str:
    """The key a record of `type_` is named by: the first of name, subject, title it declares."""
    keys = types.keys.get(type_, {})
    return next((k for k in TITLE_KEYS if k in keys), "name")


def declared_skeleton(types: Types, type_: str, name: str, today: dt.date, stage: str | None) -> str:
    lines = ["---", f"type: {type_}", f"{title_key(types, type_)}: {render_value(name)}"]
    if stage is not None:
        lines.append(f"stage: {render_value(stage)}")
    lines += [f"created: {render_value(today)}", "---", ""]
    return "\n".join(lines)
