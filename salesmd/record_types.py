"""The record types of one vault as one value: the built-ins (model.py, schema.py) and those its
salesmd.yaml declares under `types:` (types_config.py reads them).

Every command reads the types through `config.types`, never through a module-level table, so two
vaults in one process (the tests) each see their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from .model import FOLDERS, PIPELINE_TYPES, RECORD_TYPES
from .schema import KEYS, LINK_TARGETS, REQUIRED

# How a key's kind is written in salesmd.yaml -> the kind schema.KEYS uses for it.
KIND_WORDS = {"text": "str", "number": "number", "date": "date", "datetime": "datetime", "list of text": "strings"}
LINK_WORDS = {"link": "link", "links": "links", "list of links": "links"}
CHOICE_WORDS = ("one of",)
# What a built-in kind is called in a message.
KIND_NAMES = {"str": "text", "number": "number", "date": "date", "datetime": "datetime", "strings": "list of text",
              "link": "link", "links": "list of links", "percent": "percent", "currency": "currency",
              "choice": "one of"}


@dataclass(frozen=True)
class Types:
    """Which record types a vault has, where each lives, which keys each takes (of what kind),
    which it requires, where each link key may point, which values a `one of` key takes, and
    which types have a pipeline."""

    names: tuple[str, ...] = RECORD_TYPES
    folders: dict[str, str] = field(default_factory=lambda: dict(FOLDERS))
    pipeline_types: tuple[str, ...] = PIPELINE_TYPES
    keys: dict[str, dict[str, str]] = field(default_factory=lambda: KEYS)
    required: dict[str, tuple[str, ...]] = field(default_factory=lambda: REQUIRED)
    link_targets: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=lambda: LINK_TARGETS)
    choices: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)  # type -> key -> allowed values
    declared: tuple[str, ...] = ()  # the types salesmd.yaml adds to the built-in ones

    @cached_property
    def record_folders(self) -> frozenset[str]:
        return frozenset(self.folders.values())

    @cached_property
    def type_line(self) -> re.Pattern:
        """A front-matter line `type: <one of the types>` (a file outside the record folders with
        it is read as a record)."""
        names = "|".join(re.escape(n) for n in sorted(self.names, key=len, reverse=True))
        return re.compile(r"^type:\s*['\"]?(" + names + r")['\"]?\s*$", re.M)

    def in_record_folder(self, rel: str) -> bool:
        return "/" in rel and rel.split("/", 1)[0] in self.record_folders

    def date_keys(self, type_: str) -> tuple[tuple[str, str], ...]:
        """(key, kind) of the keys a declared type (or a built-in's declared key) takes a date in."""
        if self.keys is KEYS:
            return ()
        builtin = KEYS.get(type_, {})
        return tuple((k, kind) for k, kind in self.keys.get(type_, {}).items()
                     if kind in ("date", "datetime") and k not in builtin)


BUILTIN = Types()


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, kind)
