"""Check plugins: Python files of the vault, listed under `plugins:` in salesmd.yaml, run after
the built-in checks, and only with the user's consent (consent.py).

A plugin is a file inside the vault (`checks/big_deals.py`), never a dotted module name: a file of
the vault travels with it, can be read before it is allowed, and its bytes are what the user's
allowance pins (a module found on sys.path would be whatever that machine has installed).

The API, small and stable: the module defines

    def check(records, config):
        yield (path, line, code, message)            # or (..., severity), or a dict of those keys

`records` is a list of every record (`.id`, `.type`, `.path`, `.data`, `.get(key)`,
`.line_of(key)` for the line of a key), `config` the vault's Config. Each problem prints as
`path:line: error[plugin-NAME-code]: message`, NAME the file's name without `.py`, so a plugin can
never pass for a built-in check. A plugin that fails to import, raises, or returns something else
becomes `salesmd.yaml:LINE: error[plugin-failed]: ...` at its line, never a crash.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
import traceback
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import CONFIG_NAME
from ..model import ERROR, WARNING, Problem, Source

CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")


@dataclass(frozen=True)
class Plugin:
    """One entry of `plugins:`: as written, its line in salesmd.yaml, its file's bytes' sha256."""

    name: str  # as written in salesmd.yaml
    line: int
    path: Path
    digest: str
    data: bytes

    @property
    def code_name(self) -> str:
        stem = Path(self.name).stem.lower()
        return re.sub(r"[^a-z0-9]+", "-", stem).strip("-") or "plugin"


def read_plugins(root: Path) -> tuple[list[Plugin], list[Problem]]:
    """The plugins salesmd.yaml lists, read (not run), and the problems of the list itself:
    not a list of `.py` paths, a path that leaves the vault, a file that is missing."""
    from ..store.frontmatter import parse_yaml

    try:
        text = (root / CONFIG_NAME).read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return [], []  # load_config has said so already
    parsed = parse_yaml(text, 1)
    data = parsed.data if isinstance(parsed.data, dict) else {}
    if "plugins" not in data or data["plugins"] is None:
        return [], []
    key_line = parsed.key_lines.get("plugins", 1)
    entries = data["plugins"]
    if not (isinstance(entries, list) and all(isinstance(e, str) and e.strip() for e in entries)):
        return [], [_config(key_line, "'plugins' must be a list of Python files in the vault, "
                                      "such as [checks/big_deals.py]")]
    lines = text.splitlines()
    plugins, problems = [], []
    real_root = root.resolve()
    for entry in entries:
        line = _entry_line(lines, key_line, entry)
        if not entry.endswith(".py"):
            problems.append(_config(line, f"plugin '{entry}' is not a .py file in the vault (module names on "
                                          "sys.path are not loaded: put the file in the vault)"))
            continue
        full = (root / entry).resolve()
        if os.path.isabs(entry) or not full.is_relative_to(real_root):
            problems.append(_config(line, f"plugin '{entry}' leads outside the vault ({full}): a plugin must "
                                          "be a file of the vault"))
            continue
        try:
            data_bytes = full.read_bytes()
        except OSError as e:
            problems.append(_config(line, f"plugin '{entry}' cannot be read: {e.strerror or type(e).__name__}"))
            continue
        plugins.append(Plugin(entry, line, full, hashlib.sha256(data_bytes).hexdigest(), data_bytes))
    return plugins, problems


def _config(line: int, message: str) -> Problem:
    return Problem(Source(CONFIG_NAME, line), "config-plugins", message)


def _entry_line(lines: list[str], key_line: int, entry: str) -> int:
    """The line of `entry` in the list under `plugins:` (the key's own line for a flow list)."""
    for number in range(key_line, len(lines) + 1):
        text = lines[number - 1]
        if number > key_line and text[:1] not in ("", " ", "\t", "-", "#"):
            break  # the next top-level key
        if entry in text:
            return number
    return key_line


def run_plugins(plugins: list[Plugin], vault) -> list[Problem]:
    """Run each plugin's check(records, config) over the whole vault: its problems, or one
    plugin-failed problem at its line in salesmd.yaml."""
    if not plugins:
        return []
    known = {r.path for r in vault.records} | {CONFIG_NAME}
    problems: list[Problem] = []
    for plugin in plugins:
        try:
            found = _run(plugin, list(vault.records), vault.config, known)
        except _Junk as e:
            found = [_failed(plugin, f"returned {e}")]
        except (Exception, SystemExit) as e:  # noqa: BLE001 - the plugin's failure is a problem, not a crash
            found = [_failed(plugin, f"raised {type(e).__name__}: {e}{_where(e, plugin)}")]
            if os.environ.get("SALESMD_DEBUG"):
                traceback.print_exception(e)
        problems += found
    return problems


class _Junk(Exception):
    """A plugin returned something that is not problems."""


def _run(plugin: Plugin, records: list, config, known: set[str]) -> list[Problem]:
    name = f"salesmd_plugin_{plugin.code_name.replace('-', '_')}"
    module = types.ModuleType(name)
    module.__file__ = str(plugin.path)
    sys.modules[name] = module  # while it runs, as an imported module is (dataclasses look it up)
    try:
        with contextlib.redirect_stdout(sys.stderr):  # a plugin's print() never mixes into the report or JSON
            exec(compile(plugin.data, str(plugin.path), "exec"), module.__dict__)  # the bytes hashed, not a re-read
            check = getattr(module, "check", None)
            if not callable(check):
                raise _Junk("nothing: it defines no check(records, config) function")
            result = check(records, config)
            if result is None or isinstance(result, (str, bytes, dict)) or not hasattr(result, "__iter__"):
                raise _Junk(f"{type(result).__name__} where an iterable of problems was expected")
            return [_problem(plugin, item, known) for item in result]
    finally:
        sys.modules.pop(name, None)


def _problem(plugin: Plugin, item: Any, known: set[str]) -> Problem:
    fields = ("path", "line", "code", "message", "severity")
    if isinstance(item, dict):
        if not {"path", "line", "code", "message"} <= item.keys() or not item.keys() <= set(fields):
            raise _Junk(f"a dict with keys {sorted(map(str, item))} where path, line, code, message "
                        "(and severity) were expected")
        values = dict(item)
    elif isinstance(item, (tuple, list)) and len(item) in (4, 5):
        values = dict(zip(fields, item))
    else:
        raise _Junk(f"{_short(item)} where a (path, line, code, message[, severity]) problem was expected")
    path, line, code = values["path"], values["line"], values["code"]
    message, severity = values["message"], values.get("severity", ERROR)
    if not isinstance(path, str) or path not in known:
        raise _Junk(f"a problem in {_short(path)}, which is not a record of the vault (use record.path)")
    if not isinstance(line, int) or isinstance(line, bool) or line < 1:
        raise _Junk(f"line {_short(line)} where a line number (1 or more) was expected")
    if not isinstance(code, str) or not CODE.match(code):
        raise _Junk(f"code {_short(code)} where lowercase words joined by '-' were expected")
    if not isinstance(message, str) or severity not in (ERROR, WARNING):
        raise _Junk(f"message {_short(message)} / severity {_short(severity)} where text and "
                    "'error' or 'warning' were expected")
    return Problem(Source(path, line), f"plugin-{plugin.code_name}-{code}", message, severity)


def _failed(plugin: Plugin, what: str) -> Problem:
    return Problem(Source(CONFIG_NAME, plugin.line), "plugin-failed", f"plugin '{plugin.name}' {what}")


def _where(e: BaseException, plugin: Plugin) -> str:
    """` (at checks/x.py:12)`: the plugin's own line the exception came from, if any."""
    line = None
    for frame, number in traceback.walk_tb(e.__traceback__):
        if frame.f_code.co_filename == str(plugin.path):
            line = number
    if line is None and isinstance(e, SyntaxError) and e.lineno:
        line = e.lineno
    return f" (at {plugin.name}:{line})" if line else ""


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
