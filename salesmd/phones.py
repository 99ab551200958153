"""Phone numbers and email addresses as salesmd compares them.

Numbers stay in the files as people typed them ("(503) 555-0143", "+1 503 555 0143",
"503.555.0143"); they are compared in E.164 ("+15035550143"), read by Google's libphonenumber
rules (the `phonenumbers` package). A number without a country code is read in the vault's
`phone_region` (salesmd.yaml); without one, only numbers written with `+` (or the `00` that
dials abroad from most of the world) have a country, and the others are left as they are.
Addresses compare ignoring case and the spaces around them.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from .model import Record

_IDD = re.compile(r"^\s*00(?=\s*[1-9])")  # "0049 40 ...": 00 dials abroad from most of the world


def _texts(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [v.strip() for v in items if isinstance(v, str) and v.strip()]


def emails_of(record: Record) -> list[str]:
    """Every address of a record: `email`, then the `emails` list (as written, without repeats)."""
    return list(dict.fromkeys(_texts(record.get("email")) + _texts(record.get("emails"))))


def is_phone_key(key: str) -> bool:
    """Keys holding phone numbers: phone, phones, and custom ones such as mobile_phone, mobile, fax."""
    key = key.casefold()
    return "phone" in key or key in ("mobile", "cell", "fax")


def phones_of(record: Record) -> list[str]:
    """Every number of a record: `phone`, then the `phones` list, then any other key holding
    numbers (`mobile`, `work_phone`, ...: is_phone_key), as written, without repeats. Search
    finds numbers under the same keys (store/rows.py)."""
    numbers = _texts(record.get("phone")) + _texts(record.get("phones"))
    for key, value in record.data.items():
        if isinstance(key, str) and key not in ("phone", "phones") and is_phone_key(key):
            numbers += _texts(value)
    return list(dict.fromkeys(numbers))


def email_key(address: str) -> str:
    return address.strip().casefold()


def _parse(text: str, region: str | None):
    """The number `text` as phonenumbers reads it, or None; `00` abroad-dialling read as `+`."""
    import phonenumbers

    text = text.strip()
    tries: list[tuple[str, str | None]] = []
    if text.startswith("+"):
        tries.append((text, None))
    else:
        if region:
            tries.append((text, region))
        if _IDD.match(text):
            tries.append(("+" + _IDD.sub("", text, count=1), None))
    first = None
    for candidate, where in tries:
        try:
            number = phonenumbers.parse(candidate, where)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            return number
        first = first or number
    return first


@functools.lru_cache(maxsize=1 << 14)
def e164(text: str, region: str | None = None) -> str | None:
    """'+15035550143' for '(503) 555-0143' in region US (an extension added as ';ext=12'); None
    for a number that has no country (no `+` and no region) or is not a possible number."""
    import phonenumbers

    number = _parse(text, region)
    if number is None or not phonenumbers.is_possible_number(number):
        return None
    found = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{found};ext={number.extension}" if number.extension else found


def judged(text: str, region: str | None) -> bool:
    """Can salesmd tell whether `text` is a possible number? Yes when it has a country: written
    with `+` or `00`, or a region is set; also when it holds no digit at all."""
    stripped = text.strip()
    return bool(region) or stripped.startswith("+") or bool(_IDD.match(stripped)) or not re.search(r"\d", stripped)


def phone_problem(text: str, region: str | None) -> str | None:
    """Why `text` is not a possible phone number (None when it is, or cannot be told)."""
    if not text.strip() or not judged(text, region) or e164(text, region) is not None:
        return None
    where = f" in region {region}" if region and not text.strip().startswith("+") else ""
    return (f"'{text}' is not a possible phone number{where}: a digit missing or too many, or the "
            "country code wrong? (it is kept as written, but cannot be compared with others)")


def valid_region(code: str) -> bool:
    import phonenumbers

    return code.upper() in phonenumbers.SUPPORTED_REGIONS
