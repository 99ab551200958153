"""Where salesmd's own files are: the built-in templates, in a wheel or in a source checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def builtin_templates() -> Path:
    """The built-in `templates/` folder, shipped in the wheel as the package salesmd.templates."""
    candidates = []
    try:
        candidates.append(Path(str(resources.files("salesmd.templates"))))
    except (ModuleNotFoundError, TypeError):
        pass
    candidates += [_HERE / "templates", _HERE.parent / "templates"]
    for candidate in candidates:
        if (candidate / "salesmd.yaml").is_file():
            return candidate
    raise FileNotFoundError("salesmd's built-in templates are missing from this installation")


def template_path(name: str) -> Path:
    return builtin_templates() / name
