"""`salesmd init`: a new vault with every default written out."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..config import CONFIG_NAME, default_config_text
from ..model import FOLDERS
from .files import atomic_write

GITIGNORE = """\
# salesmd: the index cache and the generated report site are rebuilt from the records;
# .*.tmp are the temporary files of a write in progress (a crashed one's go at the next command).
.salesmd/
_site/
.*.tmp
"""


class InitError(Exception):
    pass


def _inside_git(folder: Path) -> bool:
    try:
        out = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=folder,
                             capture_output=True, text=True)
    except FileNotFoundError:
        return False
    return out.returncode == 0 and out.stdout.strip() == "true"


def enclosing_vault(folder: Path) -> Path | None:
    """The vault (a folder holding salesmd.yaml) that `folder` would be inside, if any."""
    for parent in folder.resolve().parents:
        if (parent / CONFIG_NAME).is_file():
            return parent
    return None


def init_vault(folder: Path, git: bool = True, force: bool = False) -> list[str]:
    """Create the vault in `folder`; return lines describing what was made."""
    folder = folder.expanduser()
    if (folder / CONFIG_NAME).exists():
        raise InitError(f"{folder / CONFIG_NAME} already exists: this is a vault already; nothing was changed")
    outer = enclosing_vault(folder)
    if outer is not None and not force:
        raise InitError(f"{folder} is inside the vault {outer}, which would read its records as its own; "
                        "nothing was changed (--force to make a vault there anyway)")
    if folder.exists() and not folder.is_dir():
        raise InitError(f"{folder} exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for name in FOLDERS.values():
        (folder / name).mkdir(exist_ok=True)
        keep = folder / name / ".gitkeep"
        if not any((folder / name).iterdir()):
            keep.touch()
    made.append(f"created folders {', '.join(f + '/' for f in FOLDERS.values())}")
    gitignore = folder / ".gitignore"
    if gitignore.exists():
        current = gitignore.read_text(encoding="utf-8")
        missing = [line for line in GITIGNORE.splitlines() if line and not line.startswith("#")
                   and line not in current.splitlines()]
        if missing:
            atomic_write(gitignore, current.rstrip("\n") + "\n" + "\n".join(missing) + "\n")
            made.append(f"added {', '.join(missing)} to .gitignore")
    else:
        atomic_write(gitignore, GITIGNORE)
        made.append("wrote .gitignore")
    if git and not _inside_git(folder):
        result = subprocess.run(["git", "init", "-q"], cwd=folder, capture_output=True, text=True)
        if result.returncode == 0:
            made.append("ran git init")
        else:
            made.append(f"git init failed ({result.stderr.strip()}); the vault works without git, "
                        "but the history rules need it")
    # The config goes last: its presence is what marks a finished vault.
    atomic_write(folder / CONFIG_NAME, default_config_text())
    made.append(f"wrote {CONFIG_NAME} (every setting at its default, with comments)")
    made.append(f"vault ready in {folder.resolve()}; next: cd {folder} && salesmd new lead \"First Prospect\"")
    return made
