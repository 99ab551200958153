"""What an Obsidian vault says about itself that `salesmd migrate` needs: where its templates live,
which notes are templates, and the date a note's name carries ("2026-11-20 Kickoff")."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from ..store.files import read_regular

# The core Templates plugin's folder, and the Templater plugin's.
TEMPLATE_SETTINGS = ((".obsidian/templates.json", "folder"),
                     (".obsidian/plugins/templater-obsidian/data.json", "templates_folder"))
# Templater's `<% tp.date.now() %>`, the core plugin's `{{date}}`: a note holding them is a template.
TEMPLATE_SYNTAX = re.compile(r"<%.*?%>|\{\{[^{}\n]*\}\}", re.S)
DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d\d)-(\d\d)(?!\d)")


def template_folders(root: Path) -> list[str]:
    """The vault's template folders as its Obsidian settings name them (relative, posix); folders
    outside the vault, and settings that cannot be read, are passed over."""
    found: list[str] = []
    for rel, field in TEMPLATE_SETTINGS:
        try:
            settings = json.loads(read_regular(str(root / rel), 1 << 20).decode("utf-8"))
        except (OSError, ValueError):
            continue
        folder = settings.get(field) if isinstance(settings, dict) else None
        if not isinstance(folder, str):
            continue
        folder = folder.strip().strip("/")
        parts = folder.split("/")
        if folder and ".." not in parts and "." not in parts and folder not in found:
            found.append(folder)
    return found


def in_folder(rel: str, folders: list[str]) -> str | None:
    """The folder of `folders` that holds `rel`, if any."""
    return next((f for f in folders if rel.startswith(f + "/")), None)


def is_template(yaml_text: str) -> bool:
    """Front matter with template commands in it, to be filled in when a note is made from it."""
    return TEMPLATE_SYNTAX.search(yaml_text) is not None


def date_in_name(rel: str) -> dt.date | None:
    """The first real date in a note's file name ("2026-11-20 Kickoff"), as daily and meeting notes are named."""
    for m in DATE_IN_NAME.finditer(rel.rsplit("/", 1)[-1]):
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
    return None
