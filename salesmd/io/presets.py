"""Column mappings and how cells are read: the built-in presets for real exports, the user's own
mapping files, and the readers of dates and amounts whose meaning depends on the source's locale.

A mapping sends a column (matched by its header, ignoring case and surrounding spaces) to a
*target*: a record key (`name`, `amount`, `close_date`, any custom key) or one of the pseudo-keys
below, which are read but not stored as they are. A preset also carries the default stage map
(source stage -> vault stage), the source's name for `source_id`, and its date order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..model import RECORD_TYPES
from ..store.frontmatter import parse_yaml

PSEUDO_KEYS = {
    "source_id": "the record's id in the system it comes from (stored as source_id: '<source>:<id>')",
    "first_name": "joined with last_name into the name",
    "last_name": "joined with first_name into the name",
    "contact_email": "the email of the contact named in the row (found by it, or created with it)",
    "deal_status": "open, won, lost or deleted: won and lost override the stage; deleted rows are skipped",
    "closed_on": "the actual close date: the close_date of a deal that is won or lost",
    "skip": "the column is not imported",
    "record_id": "the salesmd id (a salesmd export's id column): the record the row updates, the id a new one gets",
}
NOT_TARGETS = {"type", "id", "path"}


@dataclass(frozen=True)
class Preset:
    name: str
    title: str  # what the user is told: "HubSpot deals export"
    source: str  # the prefix of source_id
    types: tuple[str, ...]  # record types it imports; the first is the default
    columns: dict[str, str]  # header -> target, for every type
    by_type: dict[str, dict[str, str]] = field(default_factory=dict)  # header -> target, per type
    signature: tuple[str, ...] = ()  # headers that identify the export (all must be present)
    stages: dict[str, str] = field(default_factory=dict)  # source stage -> vault stage
    date_order: str | None = None  # "mdy" or "dmy" for 05/06/2026; None: read it from the file
    own: bool = False  # salesmd's own export: each column is the key it names, each cell as salesmd wrote it

    def columns_for(self, type_: str) -> dict[str, str]:
        return {**self.columns, **self.by_type.get(type_, {})}


def norm_header(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").split()).casefold()


def norm_stage(text: str) -> str:
    """'Closed Won', 'closedwon' and 'closed_won' are the same stage name."""
    return re.sub(r"[\W_]+", "", str(text).casefold())


HUBSPOT_DEAL_STAGES = {
    "appointmentscheduled": "qualification", "qualifiedtobuy": "qualification",
    "presentationscheduled": "proposal", "decisionmakerboughtin": "proposal",
    "contractsent": "negotiation", "closedwon": "won", "closedlost": "lost",
}
HUBSPOT_LEAD_STATUSES = {
    "new": "new", "open": "new", "attemptedtocontact": "contacted", "connected": "contacted",
    "inprogress": "contacted", "opendeal": "qualified", "unqualified": "disqualified",
}
PIPEDRIVE_STAGES = {
    "leadin": "prospecting", "contactmade": "prospecting", "qualified": "qualification",
    "needsdefined": "qualification", "demoscheduled": "qualification", "proposalmade": "proposal",
    "negotiationsstarted": "negotiation", "won": "won", "lost": "lost",
}
SALESFORCE_STAGES = {
    "prospecting": "prospecting", "qualification": "qualification", "needsanalysis": "qualification",
    "valueproposition": "proposal", "iddecisionmakers": "proposal", "perceptionanalysis": "proposal",
    "proposalpricequote": "proposal", "negotiationreview": "negotiation", "closedwon": "won",
    "closedlost": "lost",
}

PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset(
        "hubspot-deals", "HubSpot deals export", "hubspot", ("opportunity",),
        {"Record ID": "source_id", "Deal Name": "name", "Deal Stage": "stage", "Close Date": "close_date",
         "Deal owner": "owner", "Amount": "amount", "Deal currency code": "currency",
         "Currency": "currency", "Associated Company": "account", "Associated Contact": "contacts",
         "Create Date": "created", "Closed Lost Reason": "lost_reason", "Pipeline": "skip"},
        signature=("Record ID", "Deal Name", "Deal Stage"), stages=HUBSPOT_DEAL_STAGES, date_order="mdy",
    ),
    Preset(
        "hubspot-contacts", "HubSpot contacts export", "hubspot", ("contact", "lead"),
        {"Record ID": "source_id", "First Name": "first_name", "Last Name": "last_name", "Email": "email",
         "Phone Number": "phone", "Mobile Phone Number": "phone", "Job Title": "role",
         "Contact owner": "owner", "Create Date": "created"},
        by_type={"contact": {"Company Name": "account", "Associated Company": "account"},
                 "lead": {"Company Name": "company", "Lead Status": "stage", "Original Source": "source"}},
        signature=("Record ID", "First Name", "Last Name"), stages=HUBSPOT_LEAD_STATUSES, date_order="mdy",
    ),
    Preset(
        "pipedrive", "Pipedrive deals export", "pipedrive", ("opportunity",),
        {"Deal - ID": "source_id", "Deal - Title": "name", "Deal - Value": "amount",
         "Deal - Currency of value": "currency", "Deal - Currency": "currency", "Deal - Stage": "stage",
         "Deal - Status": "deal_status", "Deal - Expected close date": "close_date",
         "Deal - Won time": "closed_on", "Deal - Lost time": "closed_on", "Deal - Owner": "owner",
         "Deal - Organization": "account", "Organization - Name": "account",
         "Deal - Contact person": "contacts", "Person - Name": "contacts", "Person - Email": "contact_email",
         "Deal - Lost reason": "lost_reason", "Deal - Probability": "probability",
         "Deal - Deal created": "created", "Deal - Pipeline": "skip"},
        signature=("Deal - Title", "Deal - Stage"), stages=PIPEDRIVE_STAGES,
    ),
    Preset(
        "salesforce", "Salesforce opportunity report", "salesforce", ("opportunity",),
        {"Opportunity ID": "source_id", "Opportunity Name": "name", "Account Name": "account",
         "Stage": "stage", "Amount": "amount", "Amount Currency": "currency",
         "Opportunity Currency": "currency", "Close Date": "close_date", "Opportunity Owner": "owner",
         "Probability (%)": "probability", "Created Date": "created", "Contact Name": "contacts",
         "Primary Contact": "contacts", "Loss Reason": "lost_reason", "Product Name": "product"},
        signature=("Opportunity Name", "Stage"), stages=SALESFORCE_STAGES,
    ),
    Preset(
        # `salesmd export TYPE --format csv`: every other column is the key it names; source_id
        # stays as written (no prefix: the source is "")
        "salesmd", "salesmd export", "", ("opportunity", "lead", "contact", "account", "activity", "task"),
        {"id": "record_id"}, signature=("id",), own=True,
    ),
)}


def own_type(header: list[str]) -> str:
    """The record type a salesmd export's columns show (the keys only that type has)."""
    have = {norm_header(h) for h in header}
    if "due" in have or "follows" in have:
        return "task"
    if have & {"start", "kind", "end"}:
        return "activity"
    if "stage" in have:
        lead_only = {"company", "person", "converted_to", "converted_on", "source"}
        return "lead" if have & lead_only else "opportunity"
    return "contact" if have & {"account", "role", "email", "lead"} else "account"


def detect(header: list[str]) -> Preset | None:
    """The preset whose signature columns are all in `header` (the one matching most columns)."""
    have = {norm_header(h) for h in header}
    best, best_score = None, 0
    for preset in PRESETS.values():
        if preset.own and not (header and header[0].strip() == "id" and have & {"name", "subject"}):
            continue  # salesmd's export starts with id, and has the record's name or subject
        if all(norm_header(s) in have for s in preset.signature):
            score = sum(norm_header(c) in have for c in preset.columns)
            if score > best_score:
                best, best_score = preset, score
    return best


class MappingError(Exception):
    """A mapping or stage-map file that cannot be used; carries its `path:line:` location."""


def _read_yaml_mapping(path: Path, what: str) -> tuple[dict, dict[str, int]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as e:
        raise MappingError(f"{path}:1: error[import-mapping]: cannot read the {what}: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise MappingError(f"{path}:1: error[import-mapping]: the {what} is not UTF-8 ({e.reason})") from None
    parsed = parse_yaml(text, 1)
    if parsed.issues:
        issue = parsed.issues[0]
        raise MappingError(f"{path}:{issue.line}: error[import-mapping]: {issue.message}")
    data = parsed.data if parsed.data is not None else {}
    if not isinstance(data, dict):
        raise MappingError(f"{path}:1: error[import-mapping]: the {what} must be 'column: key' lines")
    return data, {str(k): v for k, v in parsed.key_lines.items()}


def load_mapping(path: Path) -> dict[str, str]:
    """A user's mapping file: `"CSV column": key` lines (key null or `skip` to leave a column out)."""
    data, lines = _read_yaml_mapping(path, "mapping file")
    out: dict[str, str] = {}
    for column, target in data.items():
        where = f"{path}:{lines.get(str(column), 1)}: error[import-mapping]"
        if target is None:
            target = "skip"
        if not isinstance(column, str) or not isinstance(target, str) or not target.strip():
            raise MappingError(f"{where}: write each line as \"Column header\": key (got {column!r}: {target!r})")
        target = target.strip()
        if target in NOT_TARGETS or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", target):
            raise MappingError(f"{where}: {target!r} cannot be a key to import into; use a record key "
                               f"(name, amount, close_date, ...), a custom key, or one of: {', '.join(PSEUDO_KEYS)}")
        out[column] = target
    if not out:
        raise MappingError(f"{path}:1: error[import-mapping]: the mapping file maps no column")
    return out


def load_stage_map(path: Path, stages: list[str]) -> dict[str, str]:
    """A user's stage map: `"Source stage": vault-stage` lines, compared ignoring case and punctuation."""
    data, lines = _read_yaml_mapping(path, "stage map")
    out: dict[str, str] = {}
    for source, target in data.items():
        where = f"{path}:{lines.get(str(source), 1)}: error[import-mapping]"
        if not isinstance(target, str) or not target.strip() or isinstance(source, (list, dict)):
            raise MappingError(f"{where}: write each line as \"Source stage\": stage (got {source!r}: {target!r})")
        if target.strip() not in stages:
            raise MappingError(f"{where}: '{target.strip()}' is not a stage of the pipeline; "
                               f"stages: {', '.join(stages)}")
        out[norm_stage(source)] = target.strip()
    return out


def resolve_columns(header: list[str], type_: str, preset: Preset | None,
                    mapping: dict[str, str] | None) -> tuple[dict[int, str], list[str]]:
    """Column index -> target for this header; and the headers that are not imported."""
    wanted: dict[str, str] = {}
    if preset is not None:
        wanted.update({norm_header(k): v for k, v in preset.columns_for(type_).items()})
    if mapping:
        wanted.update({norm_header(k): v for k, v in mapping.items()})
    targets: dict[int, str] = {}
    unused: list[str] = []
    for i, name in enumerate(header):
        target = wanted.get(norm_header(name))
        if target is None and preset is not None and preset.own and name.strip() \
                and name.strip() not in NOT_TARGETS and name.strip() not in PSEUDO_KEYS:
            target = name.strip()  # a key of salesmd's own export, custom keys too
        elif target is None and preset is not None and preset.own and name.strip() == "source_id":
            target = "source_id"
        if target is None or target == "skip":
            if name.strip():
                unused.append(name.strip())
        else:
            targets[i] = target
    return targets, unused


def valid_types(preset: Preset | None) -> tuple[str, ...]:
    return preset.types if preset is not None else tuple(t for t in RECORD_TYPES if t != "note")


# ---------------------------------------------------------------------------------- cell values

class CellError(ValueError):
    """A cell that cannot be read as the key wants; the message says what was expected."""


MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_TIME = r"(?:[T ,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp]\.?[Mm]\.?)?\s*(Z|[+-]\d{2}:?\d{2})?)?"
ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})" + _TIME + "$")
NUMERIC = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})" + _TIME + "$")
NAMED_MDY = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})" + _TIME + "$")
NAMED_DMY = re.compile(r"^(\d{1,2})[\s-]+([A-Za-z]{3,9})\.?,?[\s-]+(\d{4})" + _TIME + "$")


def date_evidence(text: str) -> str | None:
    """'dmy' or 'mdy' when a numeric date can only be read one way (25/11/2026), else None."""
    m = NUMERIC.match(text.strip())
    if not m or m.group(2) == ".":
        return None
    a, b = int(m.group(1)), int(m.group(3))
    if a > 12 >= b:
        return "dmy"
    if b > 12 >= a:
        return "mdy"
    return None


def parse_date(text: str, order: str | None, *, with_time: bool):
    """A date (or datetime, when `with_time` and the cell has a time) from the common formats.

    2026-11-25, 2026-11-25 14:30, 11/25/2026, 25.11.2026 (dots are always day first), 25/11/2026,
    Nov 25, 2026, 25 Nov 2026. `order` (dmy or mdy) reads 05/06/2026; without it that is an error.
    """
    import datetime as dt

    s = " ".join(text.split())
    m = ISO.match(s)
    if m:
        y, mo, d, time = int(m.group(1)), int(m.group(2)), int(m.group(3)), m.groups()[3:]
    elif (m := NUMERIC.match(s)):
        a, sep, b, y, time = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4)), m.groups()[4:]
        y = y + 2000 if y < 100 else y
        if sep == "." or a > 12:
            d, mo = a, b
        elif b > 12:
            mo, d = a, b
        elif a == b or order in ("dmy", "mdy"):
            d, mo = (a, b) if order == "dmy" or a == b else (b, a)
        else:
            raise CellError(f"'{text}' could be day/month or month/day; say which with --date-format dmy or mdy")
    elif (m := NAMED_MDY.match(s)) or (m := NAMED_DMY.match(s)):
        first_is_month = m.re is NAMED_MDY
        month_name = (m.group(1) if first_is_month else m.group(2))[:3].casefold()
        if month_name not in MONTHS:
            raise CellError(f"'{text}' is not a date: '{month_name}' is not an English month name")
        mo, y, time = MONTHS[month_name], int(m.group(3)), m.groups()[3:]
        d = int(m.group(2) if first_is_month else m.group(1))
    else:
        raise CellError(f"'{text}' is not a date in a format salesmd reads "
                        "(2026-11-25, 11/25/2026, 25.11.2026, Nov 25, 2026)")
    try:
        day = dt.date(y, mo, d)
    except ValueError as e:
        raise CellError(f"'{text}' is not a real date ({e})") from None
    hour, minute, second, ampm, zone = time
    if not with_time or hour is None:
        return day
    hour = int(hour)
    if ampm:
        if not 1 <= hour <= 12:
            raise CellError(f"'{text}': {hour} is not an hour on a 12-hour clock")
        hour = hour % 12 + (12 if ampm[0] in "pP" else 0)
    tz = None
    if zone:
        if zone == "Z":
            tz = dt.timezone.utc
        else:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            tz = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        return dt.datetime(y, mo, d, hour, int(minute), int(second or 0), tzinfo=tz)
    except ValueError as e:
        raise CellError(f"'{text}' is not a real time ({e})") from None


SYMBOLS = {"€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW", "₽": "RUB", "zł": "PLN", "Fr.": "CHF",
           "US$": "USD", "A$": "AUD", "C$": "CAD", "NZ$": "NZD", "HK$": "HKD", "S$": "SGD", "R$": "BRL"}
DOLLARS = ("USD", "CAD", "AUD", "NZD", "HKD", "SGD", "MXN")
_CODE = re.compile(r"^([A-Z]{3})\s*(?=[-+(\d])|(?<=[\d)])\s*([A-Z]{3})$")
_NUMBER = re.compile(r"^\d[\d.,]*$")


def parse_amount(text: str, decimal: str, home: str) -> tuple[int | float, str | None]:
    """(amount, currency or None) from '$48,000.00', '48.000,00 €', 'EUR 1,200', '(1,200)', '1 200,50'.

    A lone separator followed by exactly three digits (1,200 or 1.200) is a thousands separator
    unless it is `decimal`, the file's decimal mark. '$' is the vault's currency when that is a
    dollar, else USD.
    """
    s = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    negative = s.startswith("(") and s.endswith(")")
    s = s.strip("()").strip()
    currency = None
    for symbol in sorted(SYMBOLS, key=len, reverse=True):
        if s.startswith(symbol) or s.endswith(symbol):
            currency, s = SYMBOLS[symbol], (s[len(symbol):] if s.startswith(symbol) else s[:-len(symbol)])
            break
    else:
        if "$" in (s[:1], s[-1:]):
            currency, s = (home if home in DOLLARS else "USD"), s.strip("$")
    s = s.strip()
    m = _CODE.search(s)
    if m:
        currency = m.group(1) or m.group(2)
        s = _CODE.sub("", s).strip()
    if s.startswith("-") or s.endswith("-"):
        negative, s = True, s.strip("-").strip()
    if s.startswith("$"):
        s = s[1:]
    s = s.replace(" ", "").replace("'", "").replace("\u2019", "")
    if not _NUMBER.match(s):
        raise CellError(f"'{text}' is not an amount (like 48000, $48,000.00, 48.000,00 € or EUR 1,200)")
    marks = [c for c in s if c in ".,"]
    if not marks:
        number = s
    elif len(set(marks)) == 2:
        dec = marks[-1]
        whole, frac = s.rsplit(dec, 1)
        if dec in whole or not re.fullmatch(r"\d{1,3}([.,]\d{3})*", whole):
            raise CellError(f"'{text}' mixes '.' and ',' in a way that is not an amount")
        number = whole.replace("." if dec == "," else ",", "") + "." + frac
    else:
        mark = marks[0]
        groups = s.split(mark)
        thousands = len(groups) > 2 or (len(groups[-1]) == 3 and mark != decimal)
        if thousands:
            if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
                raise CellError(f"'{text}' is not an amount: '{mark}' groups must be three digits")
            number = "".join(groups)
        else:
            number = groups[0] + "." + groups[1]
    value = float(number)
    value = -value if negative else value
    return (int(value) if value.is_integer() else round(value, 2)), currency


def parse_percent(text: str, decimal: str) -> int | float:
    s = text.strip().rstrip("%").strip()
    value, _ = parse_amount(s, decimal, "USD")
    if not 0 <= value <= 100:
        raise CellError(f"'{text}' is not a probability from 0 to 100")
    return value
