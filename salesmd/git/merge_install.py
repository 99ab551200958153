"""`salesmd merge-driver install` / `uninstall`: register the record-aware merge driver with git.

Two parts, as git wants them: the driver itself in the repository's local config
(`merge.salesmd.name`, `merge.salesmd.driver`: each clone registers it once, config is not
shared), and a line per record folder in the vault's `.gitattributes` (`leads/**/*.md
merge=salesmd`: commit it, so every clone merges records through the driver once it is registered).
Installing twice changes nothing; other lines of an existing `.gitattributes` are kept.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

from ..model import FOLDERS
from ..write.files import atomic_write
from .repo import GitError, Repo

NAME = "salesmd"
DESCRIPTION = "salesmd: records merged key by key"
HEADER = "# salesmd merge driver: records merged key by key (salesmd merge-driver install)"
ARGS = "%O %A %B %L %P"


class MergeDriverError(Exception):
    pass


def driver_command() -> str:
    """The command git runs (through sh): the Python that installed the driver, where it still
    imports salesmd (so it works in a shell where salesmd is not on PATH); else the salesmd on
    PATH; else git's own text merge, so nothing is lost where salesmd is gone."""
    python = shlex.quote(sys.executable)
    return (f"if {python} -c 'import salesmd' 2>/dev/null; then exec {python} -m salesmd merge-driver run {ARGS}; "
            f"elif command -v salesmd >/dev/null 2>&1; then exec salesmd merge-driver run {ARGS}; "
            "else exec git merge-file --marker-size=%L -L ours -L base -L theirs %A %O %B; fi")


def attribute_lines(folders=None) -> list[str]:
    """A line per record folder: the built-in ones, or `folders` (the vault's, declared types' too)."""
    return [f"{folder}/**/*.md merge={NAME}" for folder in dict.fromkeys(folders or FOLDERS.values())]


def vault_folders(vault_root: Path) -> list[str]:
    """The vault's record folders, those of the types salesmd.yaml declares too (the built-in
    ones where the config cannot be read: `check` reports why)."""
    from ..config import ConfigError, load_config

    try:
        config, _ = load_config(vault_root)
    except ConfigError:
        return list(FOLDERS.values())
    return [config.types.folders[t] for t in config.types.names]


def _repo(vault_root: Path) -> Repo:
    try:
        repo = Repo.locate(vault_root)
    except GitError as e:
        raise MergeDriverError(str(e)) from None
    if repo is None:
        raise MergeDriverError(f"{vault_root} is not in a git repository (run git init first)")
    return repo


def _config(repo: Repo, key: str) -> str | None:
    try:
        return repo.git("config", "--local", "--get", key).decode("utf-8", "replace").rstrip("\n")
    except GitError:
        return None


def install(vault_root: Path, shown=str) -> list[str]:
    """Register the driver; what changed, one line each ([] when it was all there). `shown` writes
    a path as the user reads it."""
    repo = _repo(vault_root)
    path = vault_root / ".gitattributes"
    wanted = attribute_lines(vault_folders(vault_root))
    text = _read(path, shown, wanted)  # first: a file it cannot read stops the install before anything is set
    done = []
    for key, value in ((f"merge.{NAME}.name", DESCRIPTION), (f"merge.{NAME}.driver", driver_command())):
        if _config(repo, key) != value:
            try:
                repo.git("config", "--local", key, value)
            except GitError as e:
                raise MergeDriverError(f"git config {key}: {e}") from None
            done.append(f"set {key} in the repository's config (git config --local)")
    lines = text.splitlines()
    missing = [line for line in wanted if line not in {s.strip() for s in lines}]
    if missing:
        nl = "\r\n" if "\r\n" in text else "\n"
        added = ([HEADER] if HEADER not in lines else []) + missing
        sep = "" if not text or text.endswith("\n") else nl
        atomic_write(path, (text + sep + nl.join(added) + nl).encode("utf-8"))
        done.append(f"added {len(missing)} merge={NAME} line{'s' * (len(missing) != 1)} to {shown(path)} "
                    "(commit it, so that every clone merges records through the driver)")
    return done


def uninstall(vault_root: Path, shown=str) -> list[str]:
    """Unregister the driver; what changed, one line each ([] when it was not there)."""
    repo = _repo(vault_root)
    done = []
    if _config(repo, f"merge.{NAME}.driver") is not None or _config(repo, f"merge.{NAME}.name") is not None:
        try:
            repo.git("config", "--local", "--remove-section", f"merge.{NAME}")
        except GitError as e:
            raise MergeDriverError(f"git config --remove-section merge.{NAME}: {e}") from None
        done.append(f"removed merge.{NAME} from the repository's config")
    path = vault_root / ".gitattributes"
    text = _read(path, shown)
    # every line of salesmd's form, a type since taken out of salesmd.yaml too
    kept = [line for line in text.splitlines(keepends=True)
            if line.strip() != HEADER and not re.fullmatch(r"\S+/\*\*/\*\.md merge=" + NAME, line.strip())]
    if len(kept) != len(text.splitlines(keepends=True)):
        rest = "".join(kept)
        if rest.strip():
            atomic_write(path, rest.encode("utf-8"))
            done.append(f"removed salesmd's lines from {shown(path)}")
        else:
            path.unlink()
            done.append(f"removed {shown(path)} (it held only salesmd's lines)")
    return done


def _read(path: Path, shown=str, lines: list[str] | None = None) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return ""
    except UnicodeDecodeError:
        raise MergeDriverError(f"{shown(path)} is not UTF-8; add the lines yourself: "
                               + "; ".join(lines or attribute_lines())) from None
