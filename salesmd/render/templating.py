"""Jinja2 for templates that come from a vault: sandboxed, and failing as a located problem.

A vault is shared through git, so its `templates/` folder is other people's code. Every template,
the vault's and the built-in ones it may extend or include, renders in one
`ImmutableSandboxedEnvironment`: a template can read the values it is given and call their plain
methods, but not reach Python internals (`__globals__`, `__subclasses__`...), change lists or
dicts it was given, or touch the file system through a path object. Anything a template does
wrong (a syntax error, an undefined name, a refused attribute, a failing filter) becomes one
`TemplateProblem` with the template's path and line: `templates/pipeline.html:3: error[template-unsafe]: ...`.
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path, PurePath
from types import ModuleType
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

# what a template may read of a path; anything else (open, unlink, write_text...) is refused
PATH_ATTRIBUTES = {"name", "stem", "suffix", "suffixes", "parts", "as_posix"}


class TemplateProblem(Exception):
    """A template failed; `str()` is the located line, `path:line: error[code]: message`."""

    def __init__(self, path: str, line: int | None, code: str, message: str):
        self.path, self.line, self.code, self.message = path, line, code, message
        super().__init__(f"{path}{f':{line}' if line else ''}: error[{code}]: {message}")


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, which also keeps path objects and modules out of reach."""

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, PurePath) and attr not in PATH_ATTRIBUTES:
            return False
        if isinstance(value, ModuleType):
            return False
        return super().is_safe_attribute(obj, attr, value)


class VaultLoader(jinja2.FileSystemLoader):
    """A vault's templates folder. A template there that is a symbolic link leading out of the
    vault is refused: `templates/skeletons/note.md -> ~/.ssh/id_rsa` would copy that file into a
    record, `templates/agenda.html -> ...` into the site. (A FIFO is no file to Jinja: not found.)"""

    def __init__(self, folder: Path, vault_root: Path):
        super().__init__(str(folder))
        self.vault_root = vault_root

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(os.path.realpath(filename))
        if not real.is_relative_to(os.path.realpath(self.vault_root)):
            raise TemplateProblem(_shown(filename, self.vault_root), 1, "template-unsafe",
                                  f"symbolic link leads outside the vault (to {real}); not read")
        return source, filename, uptodate


def sandbox(loader: jinja2.BaseLoader, **options: Any) -> Sandbox:
    return Sandbox(loader=loader, undefined=jinja2.StrictUndefined, **options)


def render(env: jinja2.Environment, name: str, vault_root: Path, /, **values: Any) -> str:
    """Render template `name`; any failure that a template caused raises TemplateProblem."""
    try:
        return env.get_template(name).render(**values)
    except Exception as e:  # noqa: BLE001 - sorted below: a template's fault, or a bug of ours
        problem = locate(e, vault_root, name)
        if problem is None:
            raise
        raise problem from None


def locate(error: Exception, vault_root: Path, name: str) -> TemplateProblem | None:
    """The TemplateProblem for `error`, or None when no template is to blame (a bug of salesmd's)."""
    if isinstance(error, TemplateProblem):
        return error
    code = "template-unsafe" if isinstance(error, SecurityError) else "template"
    if isinstance(error, jinja2.TemplateSyntaxError):
        return TemplateProblem(_shown(error.filename or error.name or name, vault_root), error.lineno, code,
                               error.message or str(error))
    frame = _template_frame(error)
    path, line = (_shown(frame.filename, vault_root), frame.lineno) if frame else (name, 1)
    if not isinstance(error, jinja2.TemplateError) and (frame is None or Path(path).is_absolute()):
        return None  # a Python error outside the vault's templates is salesmd's bug: exit 3, reported
    if isinstance(error, jinja2.TemplateNotFound):
        message = f"template {error.name!r} not found"
    elif isinstance(error, SecurityError):
        message = f"refused: {str(error).rstrip('.')} (templates from a vault run in a sandbox)"
    elif isinstance(error, jinja2.TemplateError):
        message = str(error)
    else:
        message = f"{type(error).__name__}: {error}"
    return TemplateProblem(path, line, code, message)


def _template_frame(error: BaseException) -> traceback.FrameSummary | None:
    """The innermost frame that is a template's line (Jinja rewrites those into the traceback)."""
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.endswith((".html", ".md", ".css", ".txt")) or frame.filename == "<template>":
            found = frame
    return found


def _shown(filename: str, vault_root: Path) -> str:
    """A vault template's path from the vault root (a built-in one's stays absolute)."""
    path = Path(filename)
    for root in (vault_root, vault_root.resolve()):
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            continue
    return filename
