"""`types:` in salesmd.yaml: record types of the vault's own, and extra keys for the built-in ones.

```yaml
types:
  partner:                      # a new type: files in partners/ with `type: partner`
    folder: partners            # the default: the name and an s
    required: [name, tier]
    keys:
      name: text
      tier: one of gold, silver, registered
      region: text
      account: link account     # a link to an account; `link account, contact` takes either
      since: date
    pipeline:                   # optional: a `stage` key, its rules against git history, `move`
      stages: [applied, onboarding, active]
      terminal: [ended]
  opportunity:                  # a built-in type takes extra keys (and may require them)
    keys:
      partner: link partner
```

A key's type is `text`, `number`, `date`, `datetime`, `list of text`, `link TYPE[, TYPE...]`,
`links TYPE[, TYPE...]` (a list of links; `link`/`links` alone: to any type) or `one of A, B, C`
(also written as a mapping, `{one of: [A, B, C]}`). Each wrong value is a `config-types` problem
at its own line; what it concerns is left out (a bad type is not declared at all).
"""

from __future__ import annotations

import re
from typing import Any, Callable

from .model import FOLDERS, PIPELINE_TYPES, RECORD_TYPES, Problem
from .money_config import _Reader
from .record_types import CHOICE_WORDS, KIND_WORDS, LINK_WORDS, Types, kind_name
from .schema import COMMON, KEYS, LINK_TARGETS, REQUIRED
from .suggest import did_you_mean

NAME = re.compile(r"[a-z][a-z0-9_-]*")
FOLDER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_ -]*")
TYPE_KEYS = ("folder", "required", "keys", "pipeline")
BUILTIN_TYPE_KEYS = ("required", "keys")
RESERVED = ("all", "record", "records", "types")  # words commands take in place of a type (`export all`)


def read_types(data: dict, text: str, reserved_folders: tuple[str, ...],
               read_pipeline: Callable[[str, Any, Callable], Any]) -> tuple[Types, dict[str, Any], list[Problem]]:
    """The vault's Types, the pipelines of its declared types, and the problems found on the way."""
    r = _Reader(text, "config-types")
    value = data.get("types")
    if value is None:
        return Types(), {}, []
    if not isinstance(value, dict):
        r.bad(("types",), "'types' must map type names to what they hold (folder, required, keys, pipeline)")
        return Types(), {}, r.problems
    new = [n for n in value if n not in RECORD_TYPES]
    names = tuple(RECORD_TYPES) + tuple(n for n in new if _good_name(n, value, r))
    folders = dict(FOLDERS)
    keys = {t: dict(k) for t, k in KEYS.items()}
    required = dict(REQUIRED)
    links = {t: dict(k) for t, k in LINK_TARGETS.items()}
    choices: dict[str, dict[str, tuple[str, ...]]] = {}
    pipelines: dict[str, Any] = {}
    declared: list[str] = []
    taken = {f.casefold(): t for t, f in FOLDERS.items()}
    for name, spec in value.items():
        at = ("types", name)
        if name not in names:
            continue
        builtin = name in RECORD_TYPES
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            r.bad(at, f"type '{name}' must be a mapping of {', '.join(BUILTIN_TYPE_KEYS if builtin else TYPE_KEYS)}")
            continue
        allowed = BUILTIN_TYPE_KEYS if builtin else TYPE_KEYS
        for k in spec:
            if k not in allowed:
                if builtin and k in TYPE_KEYS:
                    where = (f"its stages are under pipelines: {name}" if k == "pipeline"
                             else f"its folder is {FOLDERS[name]}/")
                    r.bad(at + (k,), f"'{name}' is a built-in type: it takes only keys and required ({where})")
                else:
                    r.bad(at + (k,), f"unknown setting '{k}' of type '{name}'{did_you_mean(str(k), allowed)}; "
                                     f"a type takes {', '.join(allowed)}")
        if not builtin:
            folder = _folder(name, spec.get("folder", f"{name}s"), at, taken, reserved_folders, r)
            if folder is None:
                continue
            taken[folder.casefold()] = name
            keys[name] = {}
            links[name] = {}
            required[name] = ()
        type_keys, type_links, type_choices = _keys(name, spec.get("keys"), at, names, r)
        if not builtin:
            pipeline = None
            if "pipeline" in spec:
                pipeline = read_pipeline(name, spec["pipeline"], lambda _key, message, *_: r.bad(
                    at + ("pipeline",), message.replace("; the default is used", f"; type '{name}' is left out")))
                if pipeline is None:
                    continue  # the type is not declared: its records would be checked against no stages
                if type_keys.get("stage", "str") != "str":
                    r.bad(at + ("keys", "stage"), f"type '{name}': 'stage' is its pipeline's stage, one of "
                                                  f"{', '.join(pipeline.names)}; it cannot be declared as another kind")
                    type_keys.pop("stage")
            type_keys = _ordered(type_keys, pipeline is not None)
        keys[name].update(type_keys)
        links[name].update(type_links)
        if type_choices:
            choices[name] = type_choices
        need = _required(name, spec.get("required"), at, keys[name], r)
        if not builtin:
            folders[name] = folder
            declared.append(name)
            if pipeline is not None:
                pipelines[name] = pipeline
                need = need if "stage" in need else ("stage", *need)
            required[name] = need
        else:
            required[name] = tuple(dict.fromkeys(REQUIRED[name] + need))
    every = tuple(RECORD_TYPES) + tuple(declared)
    for type_links in links.values():  # a bare `link` leads to any type, the declared ones too
        for k, targets in type_links.items():
            if not targets:
                type_links[k] = every
    types = Types(names=every, folders=folders,
                  pipeline_types=tuple(PIPELINE_TYPES) + tuple(t for t in declared if t in pipelines),
                  keys=keys, required=required, link_targets=links, choices=choices, declared=tuple(declared))
    return types, pipelines, r.problems


def _ordered(declared: dict[str, str], staged: bool) -> dict[str, str]:
    """A declared type's keys as a built-in type's are ordered (its `list` and `export` columns):
    its name, its stage (with a pipeline), its other keys, then the keys every type takes."""
    items = list(declared.items())
    if staged and "stage" not in declared:
        at = 1 if items and items[0][0] in ("name", "subject", "title") else 0
        items.insert(at, ("stage", "str"))
    return {**dict(items), **{k: v for k, v in COMMON.items() if k not in declared}}


def _good_name(name: Any, value: dict, r: _Reader) -> bool:
    at = ("types", name)
    clash = next((t for t in RECORD_TYPES if isinstance(name, str) and name.casefold() in (t, FOLDERS[t])), None)
    if clash is None and (not isinstance(name, str) or not NAME.fullmatch(name)):
        r.bad(at, f"type name {name!r} must be a lowercase word (letters, digits, - and _), like partner")
        return False
    if clash is not None or name in RESERVED:
        r.bad(at, f"type name '{name}' clashes with " + (f"the built-in type '{clash}'" if clash
                                                            else f"the word '{name}' commands take in place of a type"))
        return False
    hint = did_you_mean(name, RECORD_TYPES)
    if hint and isinstance(value.get(name), dict) and "folder" not in value[name]:
        r.bad(at, f"type '{name}' is not a built-in type{hint}; a new type that close to one "
                  f"needs its folder given (folder: {name}s)")
        return False
    return True


def _folder(name: str, folder: Any, at: tuple, taken: dict[str, str], reserved: tuple[str, ...],
            r: _Reader) -> str | None:
    where = at + ("folder",)
    if not isinstance(folder, str) or not folder.strip():
        r.bad(where, f"type '{name}': 'folder' must be a folder name, not {folder!r}")
        return None
    folder = folder.strip().rstrip("/")
    if folder.startswith(("/", "\\", "~")) or ".." in folder.split("/") or re.match(r"[A-Za-z]:", folder):
        r.bad(where, f"type '{name}': folder '{folder}' is outside the vault; give a folder name inside it, "
                     f"like {name}s")
        return None
    if not FOLDER.fullmatch(folder):
        r.bad(where, f"type '{name}': folder '{folder}' must be one folder name at the vault's top "
                     "(letters, digits, spaces, - and _; not hidden, no '/')")
        return None
    owner = taken.get(folder.casefold())
    if owner is not None:
        whose = f"the built-in type '{owner}'" if owner in RECORD_TYPES else f"type '{owner}'"
        r.bad(where, f"type '{name}': folder '{folder}' is already the folder of {whose}")
        return None
    if folder in reserved:
        r.bad(where, f"type '{name}': folder '{folder}' is kept for salesmd's own files (the site, templates)")
        return None
    return folder


def _keys(name: str, value: Any, at: tuple, names: tuple[str, ...], r: _Reader):
    """(key -> kind, link key -> target types, one-of key -> values) of a type's `keys:`."""
    kinds: dict[str, str] = {}
    links: dict[str, tuple[str, ...]] = {}
    choices: dict[str, tuple[str, ...]] = {}
    if value is None:
        return kinds, links, choices
    if not isinstance(value, dict):
        r.bad(at + ("keys",), f"type '{name}': 'keys' must map each key to its type (text, number, date, ...)")
        return kinds, links, choices
    given = KEYS.get(name, COMMON)
    for key, spec in value.items():
        where = at + ("keys", key)
        if not isinstance(key, str) or not key or key == "type":
            r.bad(where, f"type '{name}': {key!r} cannot be declared as a key")
            continue
        parsed = _kind(name, key, spec, names, where, r)
        if parsed is None:
            continue
        kind, targets, values = parsed
        if key in given and given[key] != kind:
            r.bad(where, f"type '{name}': '{key}' is a built-in key ({kind_name(given[key])}); "
                         f"it cannot be redeclared as {kind_name(kind)}")
            continue
        if key in given and kind in ("link", "links"):
            builtin = LINK_TARGETS.get(name, {}).get(key)
            if builtin is not None and set(targets or ()) != set(builtin):
                r.bad(where, f"type '{name}': '{key}' is a built-in key (a link to {' or '.join(builtin)}); "
                             "its targets cannot be redeclared")
                continue
        kinds[key] = kind
        if kind in ("link", "links"):
            links[key] = targets or ()
        if kind == "choice":
            choices[key] = values
    return kinds, links, choices


def _kind(name: str, key: str, spec: Any, names: tuple[str, ...], where: tuple, r: _Reader):
    """(kind, link targets, one-of values) that `spec` writes, or None (said why)."""
    what = f"type '{name}', key '{key}'"
    if isinstance(spec, dict) and len(spec) == 1 and next(iter(spec)) in CHOICE_WORDS:
        return _choice(what, next(iter(spec.values())), where, r)
    if not isinstance(spec, str) or not spec.strip():
        r.bad(where, f"{what}: the type must be text (text, number, date, datetime, list of text, "
                     f"link TYPE, links TYPE, one of A, B), not {spec!r}")
        return None
    words = " ".join(spec.split())
    if words in KIND_WORDS:
        return KIND_WORDS[words], None, ()
    for word in CHOICE_WORDS:
        if words == word or words.startswith(word + " "):
            rest = words[len(word):].strip().strip("[]")
            return _choice(what, [v.strip() for v in rest.split(",") if v.strip()], where, r)
    for word in sorted(LINK_WORDS, key=len, reverse=True):
        if words == word or words.startswith(word + " "):
            wanted = [t.strip() for t in re.split(r",|\s+or\s+", words[len(word):].strip().strip("[]")) if t.strip()]
            for t in wanted:
                if t not in names:
                    r.bad(where, f"{what}: '{t}' is not a record type{did_you_mean(t, names)}; "
                                 f"the types are {', '.join(names)}")
                    return None
            return LINK_WORDS[word], tuple(dict.fromkeys(wanted)), ()
    head = words.split(" ")[0]
    every = [*KIND_WORDS, *LINK_WORDS, *CHOICE_WORDS]
    hint = did_you_mean(words, every) or did_you_mean(head, every)
    r.bad(where, f"{what}: unknown key type '{words}'{hint}; the key types are "
                 "text, number, date, datetime, list of text, link TYPE, links TYPE, one of A, B, C")
    return None


def _choice(what: str, values: Any, where: tuple, r: _Reader):
    if not isinstance(values, list) or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                               for v in values):
        r.bad(where, f"{what}: 'one of' takes a list of values, like one of gold, silver")
        return None
    values = [str(v) for v in values]
    if not values:
        r.bad(where, f"{what}: 'one of' needs at least one value, like one of gold, silver")
        return None
    return "choice", None, tuple(dict.fromkeys(values))


def _required(name: str, value: Any, at: tuple, keys: dict[str, str], r: _Reader) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        r.bad(at + ("required",), f"type '{name}': 'required' must be a list of keys")
        return ()
    out = []
    for k in value:
        if k not in keys:
            r.bad(at + ("required",), f"type '{name}': required key '{k}' is not declared under keys"
                                      f"{did_you_mean(k, keys)}; declare it ({k}: text, say)")
            continue
        out.append(k)
    return tuple(dict.fromkeys(out))

