"""A record as one row of the index (index.py): its values as JSON, and back, exactly.

JSON keeps str, int, float (NaN and infinities too), bool, None, lists and string-keyed maps as
they are. Dates, datetimes and maps with other keys are tagged with a one-key object whose key
starts with NUL, which no key read from YAML here does (a map that has one is tagged too).
"""

from __future__ import annotations

import datetime as dt
import json
from sys import intern

from ..model import Problem, Record, Source, id_of
from ..phones import is_phone_key
from ..schema import LINK_TARGETS
from .read import keyed


_DATE, _TIME, _MAP = "\0d", "\0t", "\0m"


def _tagged(value):
    if value.__class__ in (str, int, float, bool) or value is None:
        return value
    if isinstance(value, dict):
        if all(k.__class__ is str and not k.startswith("\0") for k in value):
            return {k: _tagged(v) for k, v in value.items()}
        return {_MAP: [[_tagged(k), _tagged(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_tagged(v) for v in value]
    if isinstance(value, dt.datetime):
        return {_TIME: value.isoformat()}
    if isinstance(value, dt.date):
        return {_DATE: value.isoformat()}
    raise TypeError(f"cannot index a {type(value).__name__}")


def _untag(obj: dict):
    if len(obj) == 1:
        tag, value = next(iter(obj.items()))
        if tag == _DATE:
            return dt.date.fromisoformat(value)
        if tag == _TIME:
            return dt.datetime.fromisoformat(value)
        if tag == _MAP:
            return {_freeze(k): v for k, v in value}
    return obj


def _freeze(key):
    """A map key as YAML gave it: a list key cannot be (PyYAML refuses it), so it is one of ours."""
    return tuple(key) if isinstance(key, list) else key


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
_loads = json.JSONDecoder(object_hook=_untag).decode
_plain_loads = json.JSONDecoder().decode


def encode_problems(problems: list[Problem]) -> str:
    if not problems:
        return "[]"
    return _dumps([[p.source.path, p.source.line, p.code, p.message, p.severity] for p in problems])


def decode_problems(text: str | None) -> list[Problem] | None:
    if text is None:
        return None
    return [Problem(Source(path, line), code, message, severity)
            for path, line, code, message, severity in _plain_loads(text)]


_SCALARS = (str, int, float, bool, type(None))


def encode_record(record: Record) -> str:
    """A record as one JSON array. Its top-level dates and datetimes (most records have one or two)
    are kept as ISO text with a list of which keys they are, so most rows decode without a Python
    call per value; anything else that needs a tag (a nested date, a map with other keys) marks
    the row to be decoded with the tags read back."""
    data, plain, tops, hooked = record.data, {}, [], False
    if not all(k.__class__ is str and not k.startswith("\0") for k in data):
        plain, hooked = _tagged(data), True
    else:
        for key, value in data.items():
            kind = value.__class__
            if kind in _SCALARS:
                plain[key] = value
            elif kind is dt.date:
                plain[key] = value.isoformat()
                tops.append([key, 0])
            elif kind is dt.datetime:
                plain[key] = value.isoformat()
                tops.append([key, 1])
            else:
                tagged = plain[key] = _tagged(value)
                hooked = hooked or _has_tag(tagged)
    return _dumps([plain, record.key_lines, record.body_line, list(record.body_links), record.body_digest,
                   record.blob, tops, hooked])


def _has_tag(value) -> bool:
    if isinstance(value, dict):
        return (len(value) == 1 and next(iter(value)) in (_DATE, _TIME, _MAP)) or any(map(_has_tag, value.values()))
    if isinstance(value, list):
        return any(map(_has_tag, value))
    return False


_from_date, _from_time = dt.date.fromisoformat, dt.datetime.fromisoformat


def decode_record(path: str, type_: str, text: str) -> Record:
    if text.endswith("true]"):
        data, key_lines, body_line, body_links, body_digest, blob, tops, _ = _loads(text)
    else:
        data, key_lines, body_line, body_links, body_digest, blob, tops, _ = _plain_loads(text)
    for key, kind in tops:
        data[key] = _from_time(data[key]) if kind else _from_date(data[key])
    return Record(id=id_of(path), type=type_, path=path, data=keyed(data), key_lines={intern(k): v for k, v in key_lines.items()}, body=None,
                  body_line=body_line, body_links=tuple(body_links), body_digest=body_digest, blob=blob)


def link_rows(record: Record, link_targets: dict = LINK_TARGETS):
    """(source path, order, key, target, folder) for each front-matter link the record makes, in the
    order the record makes them (its link keys in schema order, each key's links as written). The
    target is the id it resolves by (Link.key), the folder a path-style link's ('' for none)."""
    n = 0
    for key in link_targets.get(record.type, {}):
        for link in record.links(key):
            yield record.path, n, key, link.key, link.folder
            n += 1


def words_of(record: Record, body: str | None, link_targets: dict = LINK_TARGETS) -> tuple[str, str, str, str]:
    """What the full-text index holds of a record: its title, its other text values (every email
    of `email` and `emails`, a lead's company, ...; not the links: another record's id is not this
    record's word), its body, and the digits of its phone numbers
    as every ending of four digits or more, so that a search for 5550143 (a prefix of one of them)
    finds +1 503 555 0143."""
    title = record.title
    fields, digits = [], []
    links = link_targets.get(record.type, {})
    for key, value in record.data.items():
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, str) and item != title and key != "type" and key not in links:
                fields.append(item)
            if isinstance(key, str) and is_phone_key(key) and isinstance(item, (str, int)):
                number = "".join(c for c in str(item) if c in "0123456789")
                digits.extend(number[i:] for i in range(len(number) - PHONE_DIGITS + 1))
    return title, "\n".join(fields), body or "", " ".join(digits)


PHONE_DIGITS = 4  # the fewest digits a search looks up in phone numbers
