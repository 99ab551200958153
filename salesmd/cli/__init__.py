"""The `salesmd` command: app.py holds the main group and what every command shares; each
command module adds its commands to it when imported, as here."""

from __future__ import annotations

from . import data, edit, migrate, money, plugins, reports, search, vault_commands, write  # noqa: F401 - each adds its commands to main
from . import issues  # noqa: F401 - issues
from . import push  # noqa: F401 - hooks pre-receive (the server hook)
from . import dupes  # noqa: F401 - dupes, merge, rm
from . import backup  # noqa: F401 - import json (export all and import json: backups)
from . import past  # noqa: F401 - diff, forecast-accuracy
from . import merge_driver  # noqa: F401 - merge-driver install, uninstall, run
from .app import main

__all__ = ["main"]
