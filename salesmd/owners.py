"""Who sells, and where: `owners:` and `territories:` in salesmd.yaml, and the names they answer to.

Both are optional. Without them any owner or territory is welcome; with them, a record's owner is
known when it is an owner's id or one of its aliases (ignoring case and spacing), its territory
when it is in the list, and each owner may have a `tasks_per_day` of their own.

    owners:
      maria: {name: Maria Lopez, tasks_per_day: 5, aliases: ["Maria Lopez", "mlopez@acme.example"]}
      dev: {}
    territories: [west, east, emea]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .model import ERROR, WARNING, Problem, Source
from .suggest import did_you_mean_name

OWNER_KEYS = ("name", "tasks_per_day", "aliases")
SHOWN = 12  # names listed in a message, at most


def fold(text: str) -> str:
    """What names are compared by: spacing collapsed, case folded ('Maria  LOPEZ' is 'maria lopez')."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Owner:
    id: str
    name: str | None = None
    tasks_per_day: int | None = None  # None: the vault's tasks_per_day
    aliases: tuple[str, ...] = ()


@dataclass
class Roster:
    """The owners and territories salesmd.yaml lists; None where it lists none (anything goes)."""

    owners: dict[str, Owner] | None = None
    territories: tuple[str, ...] | None = None
    names: dict[str, str] = field(default_factory=dict)  # folded id or alias -> owner id
    places: dict[str, str] = field(default_factory=dict)  # folded territory -> territory as listed

    def owner_id(self, text: Any) -> str | None:
        """The id of the owner `text` names (its id or an alias), or None when it names none."""
        return self.names.get(fold(text)) if isinstance(text, str) else None

    def as_owner(self, text: str | None) -> str | None:
        """`text` as every report reads an owner: the id it is an alias of, else as written."""
        if text is None or self.owners is None:
            return text
        return self.names.get(fold(text), text)

    def territory(self, text: Any) -> str | None:
        return self.places.get(fold(text)) if isinstance(text, str) else None

    def tasks_per_day(self, owner: str | None, default: int) -> int:
        found = self.owners.get(owner) if self.owners and owner is not None else None
        return found.tasks_per_day if found is not None and found.tasks_per_day is not None else default

    def unknown(self, key: str, text: Any) -> str | None:
        """Why `text` is no known owner (key 'owner') or territory ('territory'); None when it is one,
        when salesmd.yaml lists none, or when it is no text at all (a value-type problem)."""
        if key == "owner":
            listed, known, choices = self.owners, self.owner_id(text), self.names
        else:
            listed, known, choices = self.territories, self.territory(text), self.places
        if listed is None or known is not None or not isinstance(text, str) or not text.strip():
            return None
        names = sorted(listed, key=str.casefold)
        shown = ", ".join(names[:SHOWN]) + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")
        what = "owners" if key == "owner" else "territories"
        return (f"{key} '{text}' is not one of the {what} in salesmd.yaml{did_you_mean_name(fold(text), choices)}; "
                f"{what}: {shown}")

    def filters(self, owner: str | None, territory: str | None) -> tuple[str | None, str | None]:
        """--owner and --territory as records have them (an alias is its owner's id); a name that
        salesmd.yaml does not list raises UnknownName rather than select nothing."""
        for key, text in (("owner", owner), ("territory", territory)):
            message = self.unknown(key, text)
            if message:
                raise UnknownName(f"--{key}: {message}")
        return self.owner_id(owner) or owner, self.territory(territory) or territory


class UnknownName(ValueError):
    """An --owner or --territory that salesmd.yaml does not list (the CLI exits 2)."""


# ------------------------------------------------------------------------------ reading salesmd.yaml

def read_roster(data: dict, text: str, top_lines: dict[str, int]) -> tuple[Roster, list[Problem]]:
    """The `owners:` and `territories:` of salesmd.yaml's `data`; every wrong value is a problem at
    its line (found in `text` below the key's line in `top_lines`), and is left out."""
    roster = Roster()
    problems: list[Problem] = []

    def place(top: str) -> Callable[..., Source]:
        block = _block(text, top_lines.get(top, 1))
        return lambda *names: Source("salesmd.yaml", _line_of(block, top_lines.get(top, 1), names))

    if data.get("owners") not in (None, {}, []):
        _read_owners(roster, data["owners"], place("owners"), problems)
    if data.get("territories") not in (None, [], {}):
        _read_territories(roster, data["territories"], place("territories"), problems)
    return roster, problems


def _read_owners(roster: Roster, value: Any, where, problems: list[Problem]) -> None:
    def bad(message: str, *names: str, code: str = "config-value") -> None:
        problems.append(Problem(where(*names), code, message, WARNING if code == "config-unknown-key" else ERROR))

    if not isinstance(value, dict):
        bad("'owners' must map each owner's id to their details, as in  maria: {name: Maria Lopez, "
            "tasks_per_day: 5, aliases: [\"Maria Lopez\"]}  or  dev: {}; the owners are not checked")
        return
    owners: dict[str, Owner] = {}
    names: dict[str, str] = {}
    for owner_id, spec in value.items():
        if not isinstance(owner_id, str) or not owner_id.strip() or owner_id != owner_id.strip():
            bad(f"owner id {owner_id!r} must be text without spaces around it (the value records have in "
                "`owner:`); left out", str(owner_id))
            continue
        if fold(owner_id) in names:
            bad(f"owner '{owner_id}' is listed twice (ids ignore case); left out", owner_id)
            continue
        spec = {} if spec is None else spec
        if not isinstance(spec, dict):
            bad(f"owner '{owner_id}' must be a mapping of name, tasks_per_day and aliases (or {{}}), "
                f"not {spec!r}", owner_id)
            spec = {}
        for key in spec:
            if key not in OWNER_KEYS:
                bad(f"owner '{owner_id}': unknown setting '{key}'{did_you_mean_name(str(key), dict(zip(OWNER_KEYS, OWNER_KEYS)))}; "
                    f"an owner takes {', '.join(OWNER_KEYS)}", owner_id, str(key), code="config-unknown-key")
        name = spec.get("name")
        if name is not None and not isinstance(name, str):
            bad(f"owner '{owner_id}': 'name' must be text, not {name!r}", owner_id, "name")
            name = None
        per_day = spec.get("tasks_per_day")
        if per_day is not None and (isinstance(per_day, bool) or not isinstance(per_day, int) or per_day < 0):
            bad(f"owner '{owner_id}': 'tasks_per_day' must be a whole number, zero or more, not {per_day!r}; "
                "the vault's tasks_per_day is used", owner_id, "tasks_per_day")
            per_day = None
        aliases = _aliases(owner_id, spec.get("aliases"), bad)
        names[fold(owner_id)] = owner_id
        owners[owner_id] = Owner(owner_id, name, per_day, aliases)
    for owner in owners.values():  # ids first: an alias never takes another owner's id
        kept = []
        for alias in owner.aliases:
            taken = names.get(fold(alias))
            if taken is not None and taken != owner.id:
                whose = "the id" if fold(taken) == fold(alias) else "an alias"
                bad(f"owner '{owner.id}': alias '{alias}' is already {whose} of owner '{taken}'; left out",
                    owner.id, "aliases")
                continue
            names[fold(alias)] = owner.id
            kept.append(alias)
        owners[owner.id] = Owner(owner.id, owner.name, owner.tasks_per_day, tuple(kept))
    roster.owners, roster.names = owners, names


def _aliases(owner_id: str, value: Any, bad) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        bad(f"owner '{owner_id}': 'aliases' must be a list of names, not {value!r}", owner_id, "aliases")
        return ()
    kept = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            bad(f"owner '{owner_id}': alias {item!r} must be a name (text); left out", owner_id, "aliases")
            continue
        kept.append(item)
    return tuple(kept)


def _read_territories(roster: Roster, value: Any, where, problems: list[Problem]) -> None:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        problems.append(Problem(where(), "config-value", "'territories' must be a list of names, as in "
                                                          "territories: [west, east, emea]; the territories are not checked"))
        return
    places: dict[str, str] = {}
    for item in items:
        if not isinstance(item, str) or not item.strip():
            problems.append(Problem(where(str(item)), "config-value", f"territory {item!r} must be a name (text); left out"))
        elif fold(item) in places:
            problems.append(Problem(where(item), "config-value", f"territory '{item}' is listed twice; left out"))
        else:
            places[fold(item)] = item
    roster.territories, roster.places = tuple(places.values()), places


def _block(text: str, top: int) -> list[tuple[int, str]]:
    """The numbered lines from the key's line `top` (1-based) to the next key at the left margin."""
    lines = text.splitlines()
    out = [(top, lines[top - 1])] if 0 < top <= len(lines) else []
    for n in range(top + 1, len(lines) + 1):
        line = lines[n - 1]
        if line.strip() and not line[0].isspace() and not line.startswith(("#", "-", "}", "]")):
            break
        out.append((n, line))
    return out


def _line_of(block: list[tuple[int, str]], top: int, names: tuple[str, ...]) -> int:
    """The line of the last of `names` (an owner, then one of its keys), each looked for as a key or
    a list item at or after the line of the one before it; the key's line where one is not found."""
    line = top
    for name in names:
        pattern = re.compile(r"(^|[\s{,\[-])['\"]?" + re.escape(name) + r"['\"]?\s*(:|,|\]|$)")
        line = next((n for n, text in block if n >= line and pattern.search(text.split("#")[0])), line)
    return line
