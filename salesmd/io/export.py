"""Records out: CSV for spreadsheets, JSON for programs, vCard for address books.

The records come from query.select (the same filters as `list`). CSV has a column for the id and
for every key any exported record uses (the type's keys in the documented order, then custom keys
as they are first met), links written as ids, and cells a spreadsheet would run as a formula
neutralised (output.to_csv); `salesmd import csv` reads it back to the same records (the salesmd
preset). JSON keeps every value with its type; vCard (3.0) is for contacts, and the vCard importer
reads it back as the same contacts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from ..model import Record, parse_link
from ..render.output import FORMULA_START, cell, safe_csv_cell, to_ids, to_json, to_tsv
from ..schema import KEYS
from ..store.vault import Vault

FORMATS = ("csv", "json", "vcard", "tsv", "ids")


class ExportError(Exception):
    """The export cannot be made as asked."""


def columns(records: list[Record], type_: str, keys: dict = KEYS) -> list[str]:
    used: dict[str, None] = {}
    for record in records:
        for key in record.data:
            if key != "type":
                used.setdefault(str(key), None)
    known = [k for k in keys[type_] if k in used]
    return ["id"] + known + [k for k in used if k not in known]


def export_csv(records: list[Record], type_: str, keys: dict = KEYS) -> str:
    """One row per record that `salesmd import csv` reads back to the same values: text as written
    (new lines and all), dates in ISO 8601, links as ids, list items separated by '; '."""
    cols = columns(records, type_, keys)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cols)
    known = keys[type_]
    for r in records:
        writer.writerow([csv_cell(r.id) if c == "id" else csv_cell(r.data.get(c)) if c in known
                         else custom_cell(r.data.get(c)) for c in cols])
    return buf.getvalue()


def custom_cell(value: Any) -> str:
    """A custom key's cell. The importer types such a cell as front matter would (12345 a number,
    true a boolean, 2026-01-02 a date), so a text value that would read as something else, or that
    starts with a quote or a formula character, is written after a quote, which marks it as text
    (and keeps a spreadsheet from running it): `'1.10`, `'12345`, `'=SUM(A1)`."""
    from .cells import scalar

    if isinstance(value, str) and (value.startswith(("'", *FORMULA_START)) or not isinstance(scalar(value), str)):
        return "'" + value
    return csv_cell(value)


def csv_cell(value: Any) -> str:
    """A front-matter value as an export cell, neutralised for spreadsheets (output.safe_csv_cell);
    a text that starts with a quote and a formula character gets one more quote, so that the
    importer, which takes one off, reads it back as written."""
    text = _cell_text(value)
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_START:
        return "'" + text
    return safe_csv_cell(text)


def _cell_text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        plain = value.second == 0 and value.microsecond == 0
        return value.isoformat(timespec="minutes" if plain else "auto")
    if isinstance(value, (list, tuple)):
        return "; ".join(_list_item(_cell_text(v)) for v in value)
    link = parse_link(value)
    if link is not None:
        return link.id
    if isinstance(value, str):
        return value
    return cell(value)


def _list_item(text: str) -> str:
    """An item of a list cell, in double quotes when it holds a separator ('Smith; Jones')."""
    return f'"{text}"' if any(c in text for c in ';,\n"') else text


def export_json(vault: Vault, records: list[Record]) -> str:
    """A list of {id, type, path, fields, body}: `fields` is the front matter as written."""
    return to_json([{"id": r.id, "type": r.type, "path": r.path,
                     "fields": {str(k): v for k, v in r.data.items() if k != "type"}, "body": vault.body(r)}
                    for r in records]) + "\n"


def split_name(name: str) -> tuple[str, str]:
    """(family, given): 'Doe, Jane' and 'Jane Doe' both give ('Doe', 'Jane')."""
    if "," in name:
        family, given = name.split(",", 1)
        return family.strip(), given.strip()
    parts = name.split()
    return (parts[-1], " ".join(parts[:-1])) if len(parts) > 1 else (name.strip(), "")


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _texts(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v for v in (_text(v) for v in values) if v]


def export_vcard(vault: Vault, records: list[Record]) -> str:
    """vCard 3.0: FN, N, EMAIL and TEL (email, then emails; phone, then phones), TITLE (role), ORG (the
    account's name), NOTE (the body), UID. N is family_name/given_name where the contact has them."""
    import vobject  # noqa: PLC0415 - only vCard exports need it

    out = []
    for record in records:
        if record.type != "contact":
            raise ExportError("--format vcard exports contacts only: salesmd export contact --format vcard")
        card = vobject.vCard()
        card.add("fn").value = record.title
        family, given = split_name(record.title)
        if _text(record.get("family_name")) or _text(record.get("given_name")):
            family, given = _text(record.get("family_name")) or "", _text(record.get("given_name")) or ""
        card.add("n").value = vobject.vcard.Name(family=family, given=given)
        emails = _texts(record.get("email")) + _texts(record.get("emails"))
        for i, address in enumerate(emails):  # of several, the first is PREF: it comes back as `email`
            email = card.add("email")
            email.value = address
            email.type_param = ["INTERNET", "PREF"] if i == 0 and len(emails) > 1 else "INTERNET"
        phones = _texts(record.get("phone")) + _texts(record.get("phones"))
        for i, number in enumerate(phones):
            tel = card.add("tel")
            tel.value = number
            if i == 0 and len(phones) > 1:
                tel.type_param = "PREF"
        if _text(record.get("role")):
            card.add("title").value = _text(record.get("role"))
        account = vault.first_linked(record, "account")
        if account is not None:
            card.add("org").value = [account.title]
        note = vault.body(record).strip()
        if note:
            card.add("note").value = note
        source = _text(record.get("source_id"))
        card.add("uid").value = source.split(":", 1)[1] if source and source.startswith("vcard:") \
            else f"salesmd:{record.id}"
        out.append(card.serialize())
    return "".join(out)


def export_tsv(records: list[Record], type_: str, keys: dict = KEYS) -> str:
    """The CSV export's columns and cells (without a spreadsheet's formula quote: TSV is for
    tools), tab-separated, a record a line (output.tsv_cell escapes tabs and new lines)."""
    cols = columns(records, type_, keys)
    return to_tsv(cols, ([r.id if c == "id" else _cell_text(r.data.get(c)) for c in cols] for r in records))


def export(vault: Vault, records: list[Record], type_: str, fmt: str) -> str:
    if fmt == "csv":
        return export_csv(records, type_, vault.config.types.keys)
    if fmt == "tsv":
        return export_tsv(records, type_, vault.config.types.keys)
    if fmt == "ids":
        return to_ids(r.id for r in records)
    if fmt == "json":
        return export_json(vault, records)
    if type_ != "contact":
        raise ExportError(f"--format vcard exports contacts only, not {type_} records; "
                          "use csv or json for them")
    return export_vcard(vault, records)
