"""The "open in editor" links on each record page of the site: `editor_links:` and
`obsidian_vault:` in salesmd.yaml.

```yaml
editor_links: [obsidian, vscode]   # the default; [] shows none
obsidian_vault: crm                # the vault's name in Obsidian (default: the vault folder's name)
```

Read apart from config.py's other keys; a wrong value is a `config-editor-links` problem at its
line, and the default is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import ERROR, Problem, Source

CONFIG_NAME = "salesmd.yaml"
EDITORS = ("obsidian", "vscode")
KEYS = {"editor_links", "obsidian_vault"}


@dataclass(frozen=True)
class EditorLinks:
    editors: tuple[str, ...] = EDITORS
    obsidian_vault: str | None = None  # None: the vault folder's name


def read_editor_links(data: dict, key_lines: dict[str, int]) -> tuple[EditorLinks, list[Problem]]:
    """(settings, problems) from the parsed salesmd.yaml."""
    problems: list[Problem] = []

    def bad(key: str, message: str) -> None:
        problems.append(Problem(Source(CONFIG_NAME, key_lines.get(key, 1)), "config-editor-links", message, ERROR))

    editors: tuple[str, ...] = EDITORS
    given: Any = data.get("editor_links", list(EDITORS))
    if given is None:
        given = []
    if not isinstance(given, list) or not all(isinstance(e, str) for e in given):
        bad("editor_links", f"'editor_links' must be a list of editors ({', '.join(EDITORS)}), not {given!r}; "
                            f"the default is used")
    elif unknown := [e for e in given if e not in EDITORS]:
        from .suggest import did_you_mean

        bad("editor_links", f"unknown editor '{unknown[0]}'{did_you_mean(unknown[0], EDITORS)}; "
                            f"'editor_links' takes {', '.join(EDITORS)}; the default is used")
    else:
        editors = tuple(dict.fromkeys(given))
    name = data.get("obsidian_vault")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        bad("obsidian_vault", f"'obsidian_vault' must be the vault's name in Obsidian, not {name!r}; "
                              f"the vault folder's name is used")
        name = None
    return EditorLinks(editors, name.strip() if isinstance(name, str) else None), problems
