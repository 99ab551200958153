"""The `salesmd` command: app.py holds the main group and what every command shares; each
command module adds its commands to it when imported, as here."""

from __future__ import annotations

from . import data, migrate, plugins, reports, search, vault_commands, write  # noqa: F401 - each adds its commands to main
from .app import main

__all__ = ["main"]
