"""`salesmd merge-driver install` / `uninstall`: register the record-aware merge driver with git.

Two parts, as git wants them: the driver itself in the repository's local config
(`merge.salesmd.name`, `merge.salesmd.driver`: each clone registers it once, config is not
shared), and a line per record folder in the vault's `.gitattributes` (`leads/**/*.md
merge=salesmd`, a folder with a space C-quoted as git reads it: `"key partners/**/*.md"
merge=salesmd`; commit it, so every clone merges records through the driver once it is registered).
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


# A line install writes, whatever the folder (one since taken out of salesmd.yaml too): the
# pattern C-quoted, or bare (with spaces too, as salesmd once wrote it: git ignores such a line).
_OURS = re.compile(r'(?:"(?:[^"\\]|\\.)+/\*\*/\*\.md"|[^\s"#][^"]*/\*\*/\*\.md) merge=' + NAME)


def attribute_lines(folders=None) -> list[str]:
    """A line per record folder: the built-in ones, or `folders` (the vault's, declared types' too)."""
    return [f"{_pattern(folder)} merge={NAME}" for folder in dict.fromkeys(folders or FOLDERS.values())]


def _pattern(folder: str) -> str:
    """`folder`'s records as a .gitattributes pattern: wildmatch's special characters escaped, the
    whole C-quoted (as git reads a quoted pattern) where the folder has a space or a quote."""
    pattern = re.sub(r"([*?\[\\])", r"\\\1", folder) + "/**/*.md"
    if not re.search(r'[\s"]', folder):
        return pattern
    quoted = pattern.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")
    return f'"{quoted}"'


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
    folders = vault_folders(vault_root)
    wanted = attribute_lines(folders)
    # a folder with a space as salesmd once wrote it, unquoted: git ignores the line; replaced
    broken = {f"{folder}/**/*.md merge={NAME}" for folder in folders} - set(wanted)
    text = _read(path, shown, wanted)  # first: a file it cannot read stops the install before anything is set
    done = []
    for key, value in ((f"merge.{NAME}.name", DESCRIPTION), (f"merge.{NAME}.driver", driver_command())):
        if _config(repo, key) != value:
            try:
                repo.git("config", "--local", key, value)
            except GitError as e:
                raise MergeDriverError(f"git config {key}: {e}") from None
            done.append(f"set {key} in the repository's config (git config --local)")
    stale = [line for line in text.splitlines(keepends=True) if line.strip() in broken]
    text = "".join(line for line in text.splitlines(keepends=True) if line.strip() not in broken)
    lines = text.splitlines()
    missing = [line for line in wanted if line not in {s.strip() for s in lines}]
    if missing or stale:
        nl = "\r\n" if "\r\n" in text else "\n"
        if stale:
            done.append(f"removed {len(stale)} line{'s' * (len(stale) != 1)} git cannot read from {shown(path)}")
        added = ([HEADER] if HEADER not in lines and missing else []) + missing
        sep = "" if not text or text.endswith("\n") or not added else nl
        atomic_write(path, (text + sep + "".join(line + nl for line in added)).encode("utf-8"))
        if missing:
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
            if line.strip() != HEADER and not _OURS.fullmatch(line.strip())]
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
