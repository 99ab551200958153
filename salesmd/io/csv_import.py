"""CSV file -> Table (header, rows with their physical lines) -> Items, every bad cell a problem.

Reading copes with what real exports carry: a UTF-8 BOM or Excel's Windows-1252, commas or
semicolons, title rows above the header ("As of ..."), blank lines, and footer rows below the data
("Grand Totals", "Confidential Information - Do Not Distribute", a copyright line).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..model import Problem, Source
from ..schema import KEYS
from .cells import one_ref, scalar, split_list, split_refs, unneutralised
from .plan import Item, Ref, title_key
from .presets import (CellError, Preset, date_evidence, detect, norm_header, norm_stage, parse_amount,
                      parse_date, parse_percent)

FOOTER = re.compile(r"^\s*(grand totals?\b|subtotals?\b|totals?\s*(\(|:|$)|confidential information\b|"
                    r"copyright\b|\(c\)|©)", re.I)
HEADER_SEARCH = 25  # rows looked at for the header


class TableError(Exception):
    """The file cannot be read as a table at all (message carries `path:line: error[...]`)."""


@dataclass
class Table:
    path: str  # as shown to the user
    encoding: str
    delimiter: str
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]  # (physical line where the row starts, cells)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # title and footer rows


def decode(data: bytes) -> tuple[str, str]:
    """(text, how it was read): UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "UTF-8 with BOM"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252 (Excel; the file is not UTF-8)"
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise TableError(f"{line}: error[import-encoding]: the file is neither UTF-8 nor Windows-1252 "
                         f"(byte {data[e.start:e.start + 1]!r} at offset {e.start}); save it as UTF-8") from None


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: csv.Sniffer on the lines that have one, else the most frequent."""
    lines = [ln for ln in text.splitlines()[:HEADER_SEARCH + 20] if any(c in ln for c in ",;\t")]
    sample = "\n".join(lines)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in ",;\t"}
        return max(counts, key=counts.get) if any(counts.values()) else ","


def read_rows(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Every row with the physical line it starts on (quoted cells may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as e:
        raise TableError(f"{start}: error[import-csv]: {e}") from None
    return rows


def _filled(cells: list[str]) -> int:
    return sum(1 for c in cells if c.strip())


def read_table(path: Path, shown: str, header_test, wanted: str) -> Table:
    """Read `path`; `header_test(cells)` says whether a row is the header, `wanted` what it needs."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise TableError(f"1: error[import-unreadable]: cannot read the file: {e.strerror or e}") from None
    if not data.strip():
        raise TableError("1: error[import-empty]: the file is empty")
    text, encoding = decode(data)
    delimiter = sniff_delimiter(text)
    rows = read_rows(text, delimiter)
    skipped: list[tuple[int, str]] = []
    header_at = None
    for i, (line, cells) in enumerate(rows[:HEADER_SEARCH + 20]):
        if not _filled(cells):
            continue
        if header_test(cells):
            header_at = i
            break
        skipped.append((line, "title row above the header"))
    if header_at is None:
        raise TableError(f"1: error[import-header]: no row in the first {HEADER_SEARCH + 20} has {wanted}")
    header_line, header = rows[header_at]
    header = [h.replace("\ufeff", "").strip() for h in header]
    body: list[tuple[int, list[str]]] = []
    for line, cells in rows[header_at + 1:]:
        if not _filled(cells):
            continue
        first = next(c for c in cells if c.strip())
        if FOOTER.match(first):
            skipped.append((line, f"footer row ({first.strip()[:40]})"))
            continue
        body.append((line, cells))
    return Table(shown, encoding, delimiter, header, header_line, body, skipped)


def header_test_for(preset: Preset | None, mapping: dict[str, str] | None):
    """How to know the header row (the preset's signature, the mapping's columns, else any preset's),
    and what to say when no row has it."""
    if preset is not None:
        want = {norm_header(s) for s in preset.signature}
        return (lambda cells: want <= {norm_header(c) for c in cells},
                f"the {preset.name} columns {', '.join(preset.signature)}")
    if mapping:
        want = {norm_header(k) for k in mapping}
        return (lambda cells: len(want & {norm_header(c) for c in cells}) >= min(2, len(want)),
                f"the mapping's columns ({', '.join(mapping)})")
    from .presets import PRESETS

    return (lambda cells: detect(cells) is not None,
            f"the columns of a known export ({', '.join(PRESETS)}); pass --preset, or --mapping with your "
            "own columns")


def date_order_of(table: Table, targets: dict[int, str], type_: str) -> tuple[str | None, list[str]]:
    """The date order (dmy or mdy) the file's own dates prove, and the conflicting evidence if any."""
    date_cols = [i for i, t in targets.items()
                 if KEYS.get(type_, {}).get(t) in ("date", "datetime") or t in ("closed_on", "created")]
    seen: dict[str, int] = {}
    for line, cells in table.rows:
        for i in date_cols:
            if i < len(cells):
                order = date_evidence(cells[i])
                if order and order not in seen:
                    seen[order] = line
    if len(seen) == 1:
        return next(iter(seen)), []
    if len(seen) == 2:
        return None, [f"line {seen['dmy']} has a day-first date, line {seen['mdy']} a month-first one"]
    return None, []




# ---------------------------------------------------------------------------------- rows -> items

ACTIVITY_STATUS = {"done": "done", "completed": "done", "complete": "done", "held": "done",
                   "planned": "planned", "scheduled": "planned", "cancelled": "cancelled", "canceled": "cancelled"}
TASK_STATUS = {"open": "open", "notstarted": "open", "inprogress": "open", "waitingonsomeoneelse": "open",
               "done": "done", "completed": "done", "complete": "done", "cancelled": "cancelled",
               "canceled": "cancelled"}


@dataclass
class ReadOptions:
    type: str
    source: str  # the prefix of source_id
    config: Config
    now: dt.datetime
    date_order: str | None = None  # dmy or mdy
    decimal: str = "."
    stage_map: dict[str, str] = field(default_factory=dict)  # the user's, keys normalised
    preset_stages: dict[str, str] = field(default_factory=dict)
    preset_name: str | None = None
    defaults: dict[str, str] = field(default_factory=dict)  # key -> text for rows that leave it empty
    exact: bool = False  # salesmd's own export: cells as written (not stripped), custom keys typed


@dataclass
class Rows:
    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def mapping_problems(table: Table, targets: dict[int, str], opts: ReadOptions) -> list[Problem]:
    """Required keys that no column gives (reported once, at the header)."""
    given = set(targets.values()) | set(opts.defaults)
    if {"first_name", "last_name"} & given:
        given.add("name")
    defaults = {"stage"} if opts.type in ("lead", "opportunity") else {"status"}
    missing = [k for k in {"opportunity": ("name",), "lead": ("name",), "contact": ("name",), "account": ("name",),
                           "activity": ("subject", "kind", "start"), "task": ("subject", "due")}[opts.type]
               if k not in given | defaults]
    return [Problem(Source(table.path, table.header_line), "import-mapping",
                    f"no column gives the {opts.type}'s '{key}'; map one in a mapping file "
                    f"(\"Column header\": {key}) passed with --mapping") for key in missing]


def table_items(table: Table, targets: dict[int, str], opts: ReadOptions) -> Rows:
    out = Rows(problems=mapping_problems(table, targets, opts))
    if out.problems:
        return out
    seen_rows: dict[tuple, int] = {}
    seen_ids: dict[str, int] = {}
    for line, cells in table.rows:
        if len(cells) > len(table.header) and any(c.strip() for c in cells[len(table.header):]):
            out.problems.append(Problem(Source(table.path, line), "import-row",
                                        f"the row has {len(cells)} cells, the header {len(table.header)}"))
            continue
        key = tuple(c.strip() for c in cells[:len(table.header)])
        key = key + ("",) * (len(table.header) - len(key))
        if key in seen_rows:
            out.notes.append(f"{table.path}:{line}: repeats line {seen_rows[key]} exactly: imported once")
            continue
        seen_rows[key] = line
        item, problems, note = row_item(table, line, cells, targets, opts)
        out.problems += problems
        if note:
            out.notes.append(f"{table.path}:{line}: {note}")
        if item is None:
            continue
        if item.source_id in seen_ids:
            out.problems.append(Problem(Source(table.path, line), "import-duplicate",
                                        f"record id {item.source_id} is also on line {seen_ids[item.source_id]} "
                                        "with other values; keep one of the two rows"))
            continue
        if item.source_id:
            seen_ids[item.source_id] = line
        out.items.append(item)
    return out


def row_item(table: Table, line: int, cells: list[str], targets: dict[int, str],
             opts: ReadOptions) -> tuple[Item | None, list[Problem], str | None]:
    problems: list[Problem] = []

    def bad(code: str, message: str) -> None:
        problems.append(Problem(Source(table.path, line), f"import-{code}", message))

    raw: dict[str, tuple[str, str]] = {}  # target -> (column, text); the first non-empty column wins
    for i, target in targets.items():
        text = cells[i].strip() if i < len(cells) else ""
        if text and opts.exact:
            text = cells[i] if target not in KEYS.get(opts.type, {}) else unneutralised(cells[i])
        if text and target not in raw:
            raw[target] = (table.header[i], text)
    for target, text in opts.defaults.items():
        raw.setdefault(target, (f"--default {target}", text))
    item = Item(opts.type, line, {})
    values, refs = item.values, item.refs
    if "source_id" in raw:
        source_id = raw.pop("source_id")[1].strip()
        item.source_id = f"{opts.source}:{source_id}" if opts.source else source_id
    if "record_id" in raw:
        item.record_id = raw.pop("record_id")[1].strip()
    first, last = raw.pop("first_name", ("", ""))[1], raw.pop("last_name", ("", ""))[1]
    status = raw.pop("deal_status", ("", ""))[1].casefold()
    closed_on = raw.pop("closed_on", None)
    contact_email = raw.pop("contact_email", ("", ""))[1]
    amount_currency = None
    kinds = KEYS[opts.type]
    for target, (column, text) in raw.items():
        kind = kinds.get(target)
        try:
            if kind in ("date", "datetime"):
                values[target] = parse_date(text, opts.date_order, with_time=kind == "datetime")
            elif kind == "number":
                values[target], amount_currency = parse_amount(text, opts.decimal, opts.config.currency)
            elif kind == "percent":
                values[target] = parse_percent(text, opts.decimal)
            elif kind == "currency":
                if not re.fullmatch(r"[A-Za-z]{3}", text):
                    raise CellError(f"'{text}' is not an ISO 4217 currency code such as USD or EUR")
                values[target] = text.upper()
            elif kind == "link":  # one record: its name is the whole cell, ';' and all
                refs[target] = [one_ref(text)]
            elif kind == "links":
                refs[target] = split_refs(text)
            elif kind == "strings":
                values[target] = split_list(text, ";,\n")
            elif kind is None and opts.exact:  # a custom key of salesmd's own export: "'" marks text
                values[target] = text[1:] if text.startswith("'") else scalar(text)
            else:
                values[target] = text
        except CellError as e:
            code = {"date": "date", "datetime": "date", "number": "amount"}.get(kind, "value")
            bad(code, f"column '{column}': {e}")
    if amount_currency:
        if values.get("currency", amount_currency) != amount_currency:
            bad("amount", f"the amount is in {amount_currency} but the currency column says {values['currency']}")
        values["currency"] = amount_currency
    if (first or last) and not values.get("name"):
        values["name"] = f"{first} {last}".strip()
        if opts.type == "lead" and not values.get("person"):
            values["person"] = values["name"]
    if contact_email and refs.get("contacts"):
        refs["contacts"][0] = Ref(refs["contacts"][0].text, refs["contacts"][0].email or contact_email)
    elif contact_email:
        refs["contacts"] = [Ref(contact_email, contact_email)]
    if status == "deleted":
        return None, [], "deleted in the source: not imported"
    if opts.type in ("lead", "opportunity"):
        _stage(item, status, "stage" in targets.values() or "deal_status" in targets.values(), opts, bad)
        if closed_on is not None and opts.config.pipelines[opts.type].get(values.get("stage")):
            if opts.config.pipelines[opts.type].get(values["stage"]).terminal:
                try:
                    values["close_date"] = parse_date(closed_on[1], opts.date_order, with_time=False)
                except CellError as e:
                    bad("date", f"column '{closed_on[0]}': {e}")
    elif opts.type in ("activity", "task"):
        _status(item, opts, bad)
    if title_key(opts.type) not in values:
        bad("missing", f"the {opts.type} has no {title_key(opts.type)}: its cell is empty")
    return (None if problems else item), problems, None


def _stage(item: Item, status: str, has_column: bool, opts: ReadOptions, bad) -> None:
    pipeline = opts.config.pipelines[opts.type]
    text = status if status in ("won", "lost") else item.values.get("stage")
    if not text:
        if opts.type == "lead" or not has_column:
            item.values["stage"] = pipeline.stages[0].name
        else:
            bad("missing", "the opportunity has no stage: its cell is empty")
        return
    key = norm_stage(text)
    names = ", ".join(pipeline.names)
    add = f'add the line  {json.dumps(text)}: STAGE  to a stage map file (--stage-map FILE), STAGE being one of: {names}'
    if key in opts.stage_map or key in opts.preset_stages:
        target = opts.stage_map.get(key) or opts.preset_stages[key]
        via = "your stage map" if key in opts.stage_map else f"the {opts.preset_name} preset"
        if pipeline.get(target) is None:
            bad("stage", f"{via} sends stage '{text}' to '{target}', which is not in the {opts.type} pipeline; {add}")
            return
        item.values["stage"] = target
        return
    for name in pipeline.names:
        if norm_stage(name) == key:
            item.values["stage"] = name
            return
    bad("stage", f"stage '{text}' is not in the stage map; {add}")


def _status(item: Item, opts: ReadOptions, bad) -> None:
    values = item.values
    table = ACTIVITY_STATUS if opts.type == "activity" else TASK_STATUS
    if "status" in values:
        status = table.get(norm_stage(values["status"]))
        if status is None:
            bad("value", f"status '{values['status']}' is not one of {', '.join(sorted(set(table.values())))}")
        else:
            values["status"] = status
    elif opts.type == "task":
        values["status"] = "open"
    elif values.get("start") is not None:
        start = values["start"]
        moment = start if isinstance(start, dt.datetime) else dt.datetime.combine(start, dt.time())
        values["status"] = "done" if moment.replace(tzinfo=None) < opts.now else "planned"
    if opts.type == "activity" and "kind" in values:
        kind = values["kind"].strip().casefold()
        if kind not in opts.config.activity_kinds:
            bad("value", f"activity kind '{values['kind']}' is not one of {', '.join(opts.config.activity_kinds)} "
                         "(activity_kinds in salesmd.yaml)")
        values["kind"] = kind
