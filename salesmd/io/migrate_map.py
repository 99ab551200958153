"""What `salesmd migrate` is told: which note types become which records, which keys are renamed,
and the values to fill in. From a mapping file (`--map FILE`) and the options, which win.

    types:                  # a note's `type` -> the record type it becomes
      person: contact
      meeting:              # or with keys and defaults of its own
        type: activity
        keys: {date: start, Attendees: related}
        defaults: {kind: meeting}
    keys:                   # renamed in every note migrated
      Name: name
      E-mail: email
    defaults:               # filled in where a record leaves the key out or empty
      owner: maria          # every record
      lead: {source: referral}   # one record type

A mistake in the file is `FILE:LINE: error[migrate-map]: message`, located like a check problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..model import RECORD_TYPES, id_key, parse_link
from ..store.frontmatter import parse_yaml
from ..suggest import did_you_mean
from ..write.records import parse_value

EVERY = "*"  # the defaults for every record type


class MapError(Exception):
    """The mapping cannot be used as given (the CLI exits 2)."""


@dataclass
class Rule:
    """What one note type becomes."""

    type: str
    keys: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)


@dataclass
class MigrateMap:
    types: dict[str, Rule] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, dict[str, Any]] = field(default_factory=dict)  # record type or EVERY -> key -> value

    def rule_for(self, value: Any) -> tuple[str, Rule] | None:
        """(the note's type as written, its rule) for a `type` value: the mapped type (as written,
        else ignoring case), else a record type's own name in any case; None: not migrated."""
        if isinstance(value, list) and len(value) == 1:  # an Obsidian list property of one type
            value = value[0]
        link = parse_link(value)
        text = link.target if link is not None else value
        if not isinstance(text, str) or not text.strip():
            return None
        text = text.strip()
        rule = self.types.get(text) or next((r for k, r in self.types.items() if id_key(k) == id_key(text)), None)
        if rule is not None:
            return text, rule
        if id_key(text) in RECORD_TYPES:
            return text, Rule(id_key(text))
        return None

    def renames(self, rule: Rule | None) -> dict[str, str]:
        return {**self.keys, **(rule.keys if rule else {})}

    def defaults_for(self, rule: Rule) -> dict[str, Any]:
        return {**self.defaults.get(EVERY, {}), **self.defaults.get(rule.type, {}), **rule.defaults}


def _record_type(value: Any, where: str) -> str:
    if isinstance(value, str) and value in RECORD_TYPES:
        return value
    raise MapError(f"{where}: {value!r} is not a record type{did_you_mean(str(value), RECORD_TYPES)}; "
                   f"the types are {', '.join(RECORD_TYPES)}")


def _key(value: Any, where: str) -> str:
    if isinstance(value, str) and value.strip() and value == value.strip() and "\n" not in value:
        return value
    raise MapError(f"{where}: a key must be a name on one line, not {value!r}")


# ------------------------------------------------------------------------- the options

def _pair(text: str, option: str, shape: str) -> tuple[str, str]:
    old, eq, new = text.partition("=")
    if not eq or not old.strip() or not new.strip():
        raise MapError(f"{option} {text!r}: write it as {shape}")
    return old.strip(), new.strip()


def add_options(mapping: MigrateMap, types: tuple[str, ...], keys: tuple[str, ...],
                defaults: tuple[str, ...]) -> MigrateMap:
    """`--type OLD=TYPE`, `--key OLD=NEW` and `--default [TYPE.]KEY=VALUE`, over the file's."""
    for text in types:
        old, new = _pair(text, "--type", "NOTE-TYPE=RECORD-TYPE (--type person=contact)")
        rule = mapping.types.get(old)
        if rule is None:
            mapping.types[old] = Rule(_record_type(new, f"--type {text}"))
        else:
            rule.type = _record_type(new, f"--type {text}")
    for text in keys:
        old, new = _pair(text, "--key", "OLD=NEW (--key E-mail=email)")
        mapping.keys[old] = _key(new, f"--key {text}")
    for text in defaults:
        target, value = _pair(text, "--default", "[TYPE.]KEY=VALUE (--default lead.stage=contacted)")
        type_, dot, key = target.partition(".")
        if not dot or type_ not in RECORD_TYPES:
            type_, key = EVERY, target
        mapping.defaults.setdefault(type_, {})[_key(key, f"--default {text}")] = \
            parse_value(key, value, "" if type_ == EVERY else type_)
    return mapping


# ------------------------------------------------------------------------- the file

def load_map(path: Path, shown: str) -> MigrateMap:
    """The mapping file; MapError with `shown:LINE:` for what it gets wrong."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise MapError(f"{shown}:1: error[migrate-map]: cannot read the file: {e}") from None
    parsed = parse_yaml(text, 1)
    if parsed.issues:
        issue = parsed.issues[0]
        raise MapError(f"{shown}:{issue.line}: error[migrate-map]: {issue.message}")
    lines = _lines(text)

    def fail(where: tuple, message: str):
        keys = tuple(map(str, where))
        line = next((lines[keys[:n]] for n in range(len(keys), 0, -1) if keys[:n] in lines), 1)
        raise MapError(f"{shown}:{line}: error[migrate-map]: {message}")

    data = parsed.data if parsed.data is not None else {}
    if not isinstance(data, dict):
        fail((), "the file must map types:, keys: and defaults: to their entries")
    for name in data:
        if name not in ("types", "keys", "defaults"):
            fail((name,), f"unknown section {name!r}{did_you_mean(str(name), ['types', 'keys', 'defaults'])}; "
                          "the sections are types:, keys: and defaults:")
    mapping = MigrateMap()
    for old, spec in _mapping(data, "types", fail).items():
        mapping.types[str(old)] = _rule(spec, ("types", old), fail)
    mapping.keys = _renames(data.get("keys"), ("keys",), fail)
    for name, value in _mapping(data, "defaults", fail).items():
        if name in RECORD_TYPES and isinstance(value, dict):
            mapping.defaults[name] = _values(value, ("defaults", name), fail)
        else:
            mapping.defaults.setdefault(EVERY, {}).update(_values({name: value}, ("defaults",), fail))
    return mapping


def _values(value: dict, where: tuple, fail) -> dict[str, Any]:
    out = {}
    for key, v in value.items():
        try:
            out[_key(key, ": ".join(map(str, where)))] = v
        except MapError as e:
            fail((*where, key), str(e))
    return out


def _mapping(data: dict, name: str, fail) -> dict:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        fail((name,), f"{name}: must be `name: value` lines, not {type(value).__name__}")
    return value


def _renames(value: Any, where: tuple, fail) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        fail(where, f"{': '.join(map(str, where))}: must be `Old key: new_key` lines")
    out = {}
    for old, new in value.items():
        try:
            out[str(old)] = _key(new, ": ".join(map(str, (*where, old))))
        except MapError as e:
            fail((*where, old), str(e))
    return out


def _rule(spec: Any, where: tuple, fail) -> Rule:
    if not isinstance(spec, dict):
        try:
            return Rule(_record_type(spec, f"types: {where[1]}"))
        except MapError as e:
            fail(where, str(e))
    unknown = [k for k in spec if k not in ("type", "keys", "defaults")]
    if unknown:
        fail((*where, unknown[0]), f"types: {where[1]}: unknown entry {unknown[0]!r}; a type takes type:, "
                                   "keys: and defaults:")
    if "type" not in spec:
        fail(where, f"types: {where[1]}: say which record type it becomes (type: contact)")
    try:
        type_ = _record_type(spec["type"], f"types: {where[1]}")
    except MapError as e:
        fail((*where, "type"), str(e))
    defaults = spec.get("defaults") or {}
    if not isinstance(defaults, dict):
        fail((*where, "defaults"), f"types: {where[1]}: defaults: must be `key: value` lines")
    return Rule(type_, _renames(spec.get("keys"), (*where, "keys"), fail),
                _values(defaults, (*where, "defaults"), fail))


def _lines(text: str) -> dict[tuple, int]:
    """The 1-based line of every mapping key in the file, by its path of keys (as written)."""
    out: dict[tuple, int] = {}
    try:  # parse_yaml has read it already: no alias, tag or depth to fear
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return out

    def walk(node, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    out[(*path, key.value)] = key.start_mark.line + 1
                    walk(value, (*path, key.value))

    if root is not None:
        walk(root, ())
    return out
