"""Commands that bring records in and take them out: import csv, import vcard, export. Thin."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click
from click.core import ParameterSource

from ..model import FOLDERS, RECORD_TYPES, Problem, Source, printable
from ..render.output import cell, count, format_option
from .app import App, _format_problem, fail, filter_options, main, pass_app, selected
from .type_arg import RecordType
from .write import writing_options

IMPORT_TYPES = tuple(t for t in RECORD_TYPES if t not in ("note", "issue"))  # issues: no CSV mapping yet


def located(message: str) -> None:
    """A problem with its `path:line:` first, as compilers print it; exit 1."""
    click.echo(printable(message, keep_newlines=True), err=True)
    sys.exit(1)


import_options = writing_options("imported", "nothing was imported")


@main.group(name="import")
def import_():
    """Bring records in: CSV exports of other CRMs (HubSpot, Pipedrive, Salesforce, your own
    columns) and vCard address books. A re-import updates what it imported before.

    Example: salesmd import csv hubspot-deals.csv --dry-run
    """


@import_.command(name="csv")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--type", "type_", type=click.Choice(IMPORT_TYPES),
              help="The type of record each row is (default: the preset's, e.g. opportunity for deals).")
@click.option("--preset", type=click.Choice(["hubspot-deals", "hubspot-contacts", "pipedrive", "salesforce", "salesmd"]),
              help="The export's column names (default: recognised from the header).")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE.yaml",
              help='Your own columns: "Column header": key lines (added to the preset\'s, if any).')
@click.option("--stage-map", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE.yaml",
              help='Stage names of the source to your pipeline: "Closed Won": won lines (over the preset\'s).')
@click.option("--date-format", type=click.Choice(["dmy", "mdy"]),
              help="How to read 05/06/2026 (day first or month first); default: what the file's dates show, "
                   "else the preset's.")
@click.option("--decimal", type=click.Choice([".", ","]), default=".", show_default=True,
              help="The decimal mark of amounts such as 1,200 or 1.200.")
@click.option("--source", metavar="NAME", help="The prefix of source_id (default: hubspot, pipedrive or "
                                               "salesforce from the preset, else the mapping file's name).")
@click.option("--default", "defaults", multiple=True, metavar="KEY=VALUE",
              help="A value for KEY in rows that leave it empty (repeatable), e.g. --default "
                   "lost_reason='not recorded'.")
@click.option("--owner-map", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE",
              help='Owner names of the source to owner ids: a CSV of name,id rows or YAML "Maria Lopez": maria '
                   "lines (the aliases under owners: in salesmd.yaml apply too).")
@import_options
@pass_app
def import_csv(app: App, file: Path, type_, preset, mapping, stage_map, date_format, decimal, source, defaults,
               owner_map, dry_run, commit):
    """Import the rows of a CSV file as records, all of them or none.

    Every row is read and checked first; if any row is bad, each bad row is reported as
    FILE:LINE: error[import-...]: message (LINE counts every line of the file) and nothing is
    written. Otherwise every create and update is written together. Accounts and contacts that
    deal rows name are created once and linked. Each record keeps the source's id in source_id
    (hubspot:12345), so importing the file again updates those records instead of adding new ones.

    Example: salesmd import csv deals.csv --stage-map stages.yaml --dry-run
    """
    from ..io.csv_import import ReadOptions, TableError, date_order_of, header_test_for, read_table, table_items
    from ..io.owner_map import load_owner_map, map_owners
    from ..io.presets import (PRESETS, MappingError, detect, load_mapping, load_stage_map, own_type,
                              resolve_columns, valid_types)

    vault, _ = app.load()
    shown = str(file)
    chosen = PRESETS[preset] if preset else None
    try:
        columns = load_mapping(mapping) if mapping else None
    except MappingError as e:
        located(str(e))
    try:
        table = read_table(file, shown, *header_test_for(chosen, columns))
    except TableError as e:
        located(f"{shown}:{e}; nothing was imported")
    if chosen is None:
        found = detect(table.header)
        # A mapping adds to (or overrides) the columns of the preset recognised from the header,
        # unless --type asks for a type that preset does not import: then the mapping is all.
        if found is not None and (columns is None or type_ is None or type_ in found.types):
            chosen = found
    how = "" if chosen is None else f", preset {chosen.name}" + ("" if preset else " (recognised from the header)")
    if type_ is None:
        if chosen is None:
            fail("--type is needed with --mapping: the type of record each row is (e.g. --type lead)")
        type_ = own_type(table.header) if chosen.own else chosen.types[0]
    if type_ not in valid_types(chosen):
        fail(f"the {chosen.name} preset imports {' or '.join(chosen.types)}, not {type_}")
    pipeline = vault.config.pipelines.get(type_)
    if stage_map and pipeline is None:
        fail(f"--stage-map is for leads and opportunities, not {type_}")
    try:
        user_stages = load_stage_map(stage_map, pipeline.names) if stage_map else {}
        owners = load_owner_map(owner_map, vault.config.roster) if owner_map else {}
    except MappingError as e:
        located(str(e))
    fill = {}
    for pair in defaults:
        key, eq, value = pair.partition("=")
        if not eq or not key.strip() or not value.strip():
            fail(f"--default {pair!r}: write it as KEY=VALUE")
        fill[key.strip()] = value.strip()
    targets, unused = resolve_columns(table.header, type_, chosen, columns)
    inferred, conflict = date_order_of(table, targets, type_)
    options = ReadOptions(type_, source or (chosen.source if chosen else mapping.stem), vault.config, _now(app),
                          date_order=date_format or inferred or (chosen.date_order if chosen else None),
                          decimal=decimal, stage_map=user_stages, preset_stages=dict(chosen.stages) if chosen else {},
                          preset_name=chosen.name if chosen else None, defaults=fill,
                          exact=chosen is not None and chosen.own)
    rows = table_items(table, targets, options)
    rows.notes += map_owners(rows.items, vault.config.roster, owners, shown, aliases=not (chosen and chosen.own))
    problems = list(rows.problems)
    if conflict and not date_format:
        problems.append(Problem(Source(shown, table.header_line), "import-date",
                                f"the file writes dates both ways ({conflict[0]}); say which with "
                                "--date-format dmy or mdy"))
    click.echo(f"{shown}: {table.encoding}, '{table.delimiter}' between cells{how}, "
               f"header on line {table.header_line}, {count(len(table.rows), 'row')} of {FOLDERS[type_]}")
    for line, why in table.skipped:
        click.echo(printable(f"{shown}:{line}: {why}: skipped"))
    if unused:
        click.echo(printable(f"columns not imported: {', '.join(unused)}"))
    message = f"import {file.name}" + (f" ({chosen.name})" if chosen else "")
    _import(app, vault, rows.items, rows.notes, problems, shown, message, dry_run, commit)


@import_.command(name="vcard")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@import_options
@pass_app
def import_vcard(app: App, file: Path, dry_run, commit):
    """Import the contacts of a vCard file (2.1, 3.0 or 4.0), and their accounts from ORG.

    A contact already in the vault with the card's email (or its UID, kept in source_id as
    vcard:UID; a UID salesmd:<id>, as export writes it, names the record) is updated, not added again. Every card with a name is imported: a line that
    cannot be read is reported with its line and left out, the rest of the card is kept.

    Example: salesmd import vcard ~/Downloads/contacts.vcf --dry-run
    """
    from ..io.csv_import import TableError
    from ..io.vcard import decode, read_cards

    vault, _ = app.load()
    shown = str(file)
    try:
        text, encoding = decode(file.read_bytes())
    except TableError as e:
        located(f"{shown}:{e}; nothing was imported")
    except OSError as e:
        fail(f"{shown}: cannot read the file: {e.strerror or e}", 1)
    cards = read_cards(text, shown, region=vault.config.phone_region)
    if not cards.count:
        located(f"{shown}:1: error[import-vcard]: no BEGIN:VCARD ... END:VCARD card in the file")
    click.echo(f"{shown}: {encoding}, {count(cards.count, 'card')}")
    for p in cards.problems:
        click.echo(p.format(), err=True)
    if not cards.items and cards.problems:
        fail(f"no card in {shown} could be read; nothing was imported", 1)
    _import(app, vault, cards.items, cards.notes, [], shown, f"import {file.name}", dry_run, commit)


def _now(app: App):
    from .write import _now as now

    return now(app)[1]


def _import(app: App, vault, items, notes, problems, shown: str, message: str, dry_run: bool, commit) -> None:
    """Plan the items; report every problem and write nothing, or report and write everything."""
    from ..checks.run import run_check
    from ..io.plan import plan_import
    from .progress import status, track

    today, now = app.today, _now(app)
    plan = plan_import(vault, items, path=shown, message=message, today=today, now=now, track=track)
    problems = sorted(problems + plan.problems, key=lambda p: (p.source.line, p.code, p.message))
    if not problems and plan.changes.changes:
        _, before, _ = run_check(vault.root, quick=True)
        with status("Checking the new records"):
            found = plan.changes.new_problems(before)
        for p in found:
            line = plan.lines.get(p.source.path, 1)
            problems.append(Problem(Source(shown, line), "import-check",
                                    f"the record would not check clean: {_format_problem(app, p)}"))
    for note in notes:
        click.echo(printable(note, keep_newlines=True))
    if problems:
        for p in problems:
            click.echo(p.format(), err=True)
        bad = len({p.source.line for p in problems})
        fail(f"{count(bad, 'bad row')} in {shown}; nothing was imported", 1)
    _report(app, plan, dry_run)
    if dry_run or not plan.changes.changes:
        return
    plan.changes.message = message + ": " + _summary(plan, past=True)
    plan.changes.apply(track=track)
    if commit if commit is not None else vault.config.commit:
        sha = plan.changes.commit()
        click.echo(printable(f"committed {sha}: {plan.changes.message}") if sha else "nothing to commit: the files are as in HEAD")


def _summary(plan, past: bool) -> str:
    counts = Counter((e.action, e.type) for e in plan.entries)
    parts = []
    for action in ("create", "update"):
        kinds = [count(n, t) for (a, t), n in sorted(counts.items()) if a == action]
        if kinds:
            verb = {"create": "created", "update": "updated"}[action] if past else f"would {action}"
            parts.append(f"{verb} {', '.join(kinds)}")
    same = sum(n for (a, _), n in counts.items() if a == "unchanged")
    if same:
        parts.append(f"{same} unchanged")
    return "; ".join(parts) or "nothing to import"


def _report(app: App, plan, dry_run: bool) -> None:
    verb = {"create": "would create" if dry_run else "created", "update": "would update" if dry_run else "updated"}
    for e in plan.entries:
        if e.action == "unchanged":
            continue
        where = f"named on line {e.line}" if e.named else f"line {e.line}"
        changes = "; ".join(f"{k}: {cell(old) or '(none)'} -> {cell(new)}" for k, (old, new) in e.changes.items())
        click.echo(printable(f"{verb[e.action]} {app.show_path(e.rel)} ({where})" + (f": {changes}" if changes else "")))
    if not plan.changes.changes:
        click.echo(f"{_summary(plan, past=False)}: every record is already as the file has it; nothing to write"
                   if plan.entries else "nothing to import")
    else:
        click.echo(_summary(plan, past=not dry_run))


@main.command()
@click.argument("type_", metavar="TYPE|all", type=RecordType("all"))
@filter_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file, "
                                                                                        "not to the terminal.")
@format_option("csv", "json", "vcard", "tsv", "ids", default="csv")
@pass_app
def export(app: App, type_, output, fmt, **chosen):
    """Export records of one TYPE, filtered as `list` filters them.

    csv: a column for the id and for every key the records use; links as ids; cells that a
    spreadsheet would run as a formula (=, +, -, @) start with a quote. json: a list of
    {id, type, path, fields, body}. vcard: contacts as vCard 3.0, ORG from the account's name.
    tsv: the csv columns tab-separated, tabs and new lines in values written \\t and \\n. ids:
    one id a line. `salesmd export all` is the whole vault as one JSON backup.

    Example: salesmd export opportunity --owner maria --format csv -o maria-deals.csv
    """
    if type_ == "all":
        return _export_all(app, output, fmt, chosen)
    from ..io.export import ExportError, export as build

    vault, records = selected(app, type_, **chosen)
    try:
        text = build(vault, records, type_, fmt)
    except ExportError as e:
        fail(str(e))
    if output is None:
        click.echo(text, nl=False, color=True)  # the data as it is: click would strip ANSI sequences
        return
    from ..write.files import WriteError, atomic_write

    try:
        atomic_write(output.resolve(), text.encode("utf-8"))
    except (OSError, WriteError) as e:
        fail(f"{output}: cannot write: {e}", 1)
    click.echo(f"exported {count(len(records), type_)} to {output}", err=True)


def _export_all(app: App, output: Path | None, fmt: str, chosen: dict) -> None:
    """`export all`: every record and salesmd.yaml as one JSON backup (io/backup.py), written a
    record at a time; `salesmd import json` reads it back."""
    from ..io.backup import backup_lines
    from ..store.files import read_regular

    given = click.get_current_context().get_parameter_source
    if any(given(name) == ParameterSource.COMMANDLINE for name in chosen) or \
            given("fmt") == ParameterSource.COMMANDLINE and fmt != "json":
        fail("export all is the whole vault as JSON: it takes no filters and no --format but json")
    vault, _ = app.load()

    def read_text(record):
        try:
            return read_regular(str(vault.root / record.path)).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    try:
        config_text = (vault.root / "salesmd.yaml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        fail(f"salesmd.yaml: cannot read it: {e}", 1)
    pieces = backup_lines(vault, config_text, read_text)
    if output is None:
        for piece in pieces:
            click.echo(piece, nl=False, color=True)
        return
    from ..write.files import WriteError, atomic_write

    try:
        atomic_write(output.resolve(), "".join(pieces).encode("utf-8"))
    except (OSError, WriteError) as e:
        fail(f"{output}: cannot write: {e}", 1)
    broken = len(vault.broken_paths)
    click.echo(f"exported {count(vault.record_count, 'record')} and salesmd.yaml to {output}"
               + (f"; {count(broken, 'file')} that could not be read as a record left out (salesmd check "
                  "lists them)" if broken else ""), err=True)
