"""The user's consent to run a vault's plugins, kept in their own config, outside every vault:
`$XDG_CONFIG_HOME/salesmd/config.yaml` (else `~/.config/salesmd/config.yaml`):

    allow_plugins:
      /home/maria/crm:
        checks/big_deals.py: 3b1f...   # sha256 of the file as allowed

The allowance pins each plugin file's content: a `git pull` that changes a plugin (or adds one)
leaves it unrun until the user allows the vault again.
"""

from __future__ import annotations

import os
from pathlib import Path

from .plugins import Plugin


class ConsentError(Exception):
    """The user config cannot be read or written as it is."""


def user_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or ""
    folder = Path(base) if os.path.isabs(base) else Path.home() / ".config"
    return folder / "salesmd" / "config.yaml"


def _read() -> dict:
    import yaml

    path = user_config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as e:
        raise ConsentError(f"{path}: cannot be read ({type(e).__name__}: {e})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise ConsentError(f"{path}{where}: not valid YAML") from None
    data = {} if data is None else data
    allowed = data.get("allow_plugins", {}) if isinstance(data, dict) else None
    if not isinstance(allowed, dict) or not all(isinstance(v, dict) for v in allowed.values()):
        raise ConsentError(f"{path}: 'allow_plugins' must map a vault's folder to its plugins' sha256")
    return data


def allowed_digests(root: Path) -> dict[str, str]:
    """{plugin as written: sha256 allowed} for this vault."""
    return dict(_read().get("allow_plugins", {}).get(str(root.resolve()), {}))


def not_allowed(root: Path, plugins: list[Plugin]) -> dict[str, str]:
    """{plugin name: why it may not run} for the plugins the user has not allowed as they are."""
    pinned = allowed_digests(root)
    out = {}
    for p in plugins:
        if p.name not in pinned:
            out[p.name] = "not allowed"
        elif pinned[p.name] != p.digest:
            out[p.name] = "changed since allowed"
    return out


def allow(root: Path, plugins: list[Plugin]) -> Path:
    """Pin these plugins, as they are now, for this vault (the user config written atomically);
    plugins the vault no longer lists lose their allowance."""
    import yaml

    from ..write.files import atomic_write

    data = _read()
    data.setdefault("allow_plugins", {})[str(root.resolve())] = {p.name: p.digest for p in plugins}
    path = user_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "# salesmd's user config: vaults whose check plugins you allow (sha256 of each file as allowed)\n"
    atomic_write(path, header + yaml.safe_dump(data, sort_keys=True, allow_unicode=True))
    return path


def forget(root: Path) -> Path | None:
    """Withdraw the allowance of this vault; the path written, or None if there was none."""
    import yaml

    from ..write.files import atomic_write

    data = _read()
    if data.get("allow_plugins", {}).pop(str(root.resolve()), None) is None:
        return None
    path = user_config_path()
    atomic_write(path, "# salesmd's user config: vaults whose check plugins you allow (sha256 of each file "
                       "as allowed)\n" + yaml.safe_dump(data, sort_keys=True, allow_unicode=True))
    return path
