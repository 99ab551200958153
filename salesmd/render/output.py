"""Shared output: the --format option and writers for text tables, JSON and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from typing import Any, Iterable, Sequence

import click

from .width import clip, pad, width


def format_option(*choices: str, default: str = "text"):
    """Add `--format` with the given choices to a command."""
    def decorate(fn):
        return click.option("--format", "fmt", type=click.Choice(choices), default=default, show_default=True,
                            help="Output format.")(fn)
    return decorate


def plain(value: Any) -> Any:
    """A value as JSON would carry it: dates as ISO text, infinities and NaN as YAML writes them
    (".inf", "-.inf", ".nan": JSON has no such numbers), everything else as is."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ".inf" if value > 0 else "-.inf"
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def cell(value: Any) -> str:
    """A value as one cell of a text table: links as ids, lists joined, dates as ISO, and safe to
    print (control and bidi characters escaped)."""
    from ..model import printable

    return printable(raw_cell(value))


def raw_cell(value: Any) -> str:
    """A value as one CSV cell: as `cell`, but the text exactly as the record has it."""
    from ..model import parse_link

    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value)}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat(sep=" ", timespec="minutes") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(raw_cell(v) for v in value)
    link = parse_link(value)
    if link is not None:
        return link.id
    return str(value)


def to_json(data: Any) -> str:
    return json.dumps(plain(data), indent=2, ensure_ascii=False, default=str, allow_nan=False)


def echo_json_streamed(summary: dict, lists: dict[str, Iterable[Any]]) -> None:
    """One JSON object: `summary`'s keys, then each list of `lists` written an item a line as it
    is made, so a list of 88,000 deals is never one string in memory."""
    head = to_json(summary)
    if not lists:
        click.echo(head)
        return
    click.echo(head[:-2] + "," if summary else "{")
    for n, (key, items) in enumerate(lists.items()):
        click.echo(f"  {json.dumps(key)}: [")
        first = True
        for item in items:
            line = json.dumps(plain(item), ensure_ascii=False, default=str, allow_nan=False)
            click.echo(("    " if first else "   ,") + line)
            first = False
        click.echo("  ]" + ("," if n < len(lists) - 1 else ""))
    click.echo("}")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_csv_cell(text: str) -> str:
    """Neutralise cells a spreadsheet would run as a formula (OWASP's advice: prefix a quote)."""
    if text.startswith(FORMULA_START):
        try:
            float(text)  # a plain negative number is data, not a formula
            return text
        except ValueError:
            return "'" + text
    return text


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([safe_csv_cell(raw_cell(v)) for v in row])
    return buf.getvalue()


TABULAR = ("csv", "tsv", "ids")  # the formats of rows: a spreadsheet's, a shell tool's, xargs'
TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def tsv_cell(value: Any) -> str:
    """A value as one TSV cell: the text as the record has it, with backslash, tab, new line and
    carriage return written \\\\, \\t, \\n and \\r, so every row is one line of tab-separated cells
    (what `cut -f`, awk and PostgreSQL's COPY read)."""
    return raw_cell(value).translate(TSV_ESCAPES)


def to_tsv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["\t".join(tsv_cell(h) for h in headers)]
    lines += ["\t".join(tsv_cell(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def to_ids(ids: Iterable[str]) -> str:
    """One id a line, each once, in order (for xargs); escaped as a TSV cell, so one is one line."""
    return "".join(tsv_cell(i) + "\n" for i in dict.fromkeys(ids))


def tabular(fmt: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], id_column: str = "id") -> str:
    """Rows as CSV, TSV, or the ids of their `id_column`."""
    if fmt == "ids":
        at = list(headers).index(id_column)
        return to_ids(raw_cell(row[at]) for row in rows if row[at] not in (None, ""))
    return to_tsv(headers, rows) if fmt == "tsv" else to_csv(headers, rows)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], max_width: int = 48) -> str:
    """A plain aligned text table; long cells are cut with an ellipsis. Widths are terminal
    columns (render/width.py), so CJK names and emoji keep the columns aligned."""
    text_rows = [[clip(" ".join(cell(v).split()), max_width) for v in row] for row in rows]
    widths = [width(h) for h in headers]
    for row in text_rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], width(value))
    numeric = [all(_is_number(r[i]) for r in text_rows if r[i]) and any(r[i] for r in text_rows)
               for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(pad(v, w, right=num) for v, w, num in zip(values, widths, numeric)).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in text_rows]
    return "\n".join(out)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
        return True
    except ValueError:
        return False


def plural(word: str) -> str:
    """'row' -> 'rows', 'opportunity' -> 'opportunities', 'activity' -> 'activities', 'box' -> 'boxes'."""
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")


def count(n: int, word: str, many: str | None = None) -> str:
    """'1 row', '2 rows', '0 opportunities': every count printed next to its noun goes through here."""
    return f"{n} {word if n == 1 else (many or plural(word))}"


def money(amount: float | int | None) -> str:
    if amount is None:
        return ""
    return f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"


def echo_lines(lines: Iterable[str]) -> None:
    for line in lines:
        click.echo(line)

