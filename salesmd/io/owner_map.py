"""Another CRM's owner names -> owner ids: `import csv --owner-map FILE` and the aliases in salesmd.yaml.

A HubSpot export names a deal's owner "Maria Lopez"; the vault calls her `maria`. An owner map
(a CSV of `name,id` rows, or YAML `"Maria Lopez": maria` lines) says so for one import; the
aliases under `owners:` in salesmd.yaml say so for every import. Names compare ignoring case and
spacing.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..owners import Roster, fold
from ..suggest import did_you_mean_name
from .csv_import import TableError, decode, sniff_delimiter
from .plan import Item
from .presets import MappingError, _read_yaml_mapping

NAME_HEADERS = {"name", "owner", "owner name", "from", "source"}
ID_HEADERS = {"id", "owner", "owner id", "to", "salesmd"}


def load_owner_map(path: Path, roster: Roster) -> dict[str, str]:
    """Folded name -> owner id from `path`. A name mapped twice, or (when salesmd.yaml lists its
    owners) to an id it does not list, raises MappingError with the file's line."""
    if path.suffix.lower() == ".csv":
        pairs = _csv_pairs(path)
    else:
        data, lines = _read_yaml_mapping(path, "owner map")
        pairs = [(lines.get(str(name), 1), name, target) for name, target in data.items()]
    out: dict[str, str] = {}
    for line, name, target in pairs:
        where = f"{path}:{line}: error[import-mapping]"
        if not isinstance(name, str) or not isinstance(target, str) or not name.strip() or not target.strip():
            raise MappingError(f"{where}: write each line as  name: owner-id  (got {name!r}: {target!r})")
        owner = target.strip()
        if roster.owners is not None:
            if roster.owner_id(owner) is None:
                hint = did_you_mean_name(fold(owner), roster.names)
                raise MappingError(f"{where}: '{owner}' is not one of the owners in salesmd.yaml{hint}; "
                                   f"owners: {', '.join(sorted(roster.owners, key=str.casefold))}")
            owner = roster.owner_id(owner)
        if out.get(fold(name), owner) != owner:
            raise MappingError(f"{where}: '{name.strip()}' is mapped twice, to '{out[fold(name)]}' and '{owner}'")
        out[fold(name)] = owner
    if not out:
        raise MappingError(f"{path}:1: error[import-mapping]: the owner map maps no name")
    return out


def _csv_pairs(path: Path) -> list[tuple[int, object, object]]:
    """(line, name, id) for each row of a two-column CSV; a first row `name,id` is its header."""
    try:
        text, _ = decode(path.read_bytes())
    except OSError as e:
        raise MappingError(f"{path}:1: error[import-mapping]: cannot read the owner map: {e.strerror or e}") from None
    except TableError as e:
        raise MappingError(f"{path}:{e}") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    pairs: list[tuple[int, object, object]] = []
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            cells = [c for c in cells if c.strip()] if any(c.strip() for c in cells) else []
            if not cells:
                continue
            if len(cells) != 2:
                raise MappingError(f"{path}:{line}: error[import-mapping]: a row of the owner map is two cells, "
                                   f"name and owner id; this one has {len(cells)}")
            if not pairs and fold(cells[0]) in NAME_HEADERS and fold(cells[1]) in ID_HEADERS:
                continue
            pairs.append((line, cells[0], cells[1]))
    except csv.Error as e:
        raise MappingError(f"{path}:{start}: error[import-mapping]: {e}") from None
    return pairs


def map_owners(items: list[Item], roster: Roster, owner_map: dict[str, str], shown: str,
               aliases: bool = True) -> list[str]:
    """Set each item's owner to the id its name maps to (the owner map, else an alias in
    salesmd.yaml when `aliases`); notes on the names that stay unknown, one per name."""
    unknown: dict[str, list[int]] = {}
    for item in items:
        name = item.values.get("owner")
        if not isinstance(name, str) or not name.strip():
            continue
        owner = owner_map.get(fold(name)) or (roster.owner_id(name) if aliases else None)
        if owner is not None:
            item.values["owner"] = owner
        elif roster.unknown("owner", name):
            unknown.setdefault(name, []).append(item.line)
    notes = []
    for name, lines in unknown.items():
        rows = f" (on {len(lines)} rows)" if len(lines) > 1 else ""
        notes.append(f"{shown}:{lines[0]}: owner '{name}' is not one of the owners in salesmd.yaml{rows}: "
                     "imported as written; map it with --owner-map FILE or an alias under owners:")
    return notes
