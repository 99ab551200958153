"""Column mappings: the built-in presets for real exports, and the user's own mapping files.

A mapping sends a column (matched by its header, ignoring case and surrounding spaces) to a
*target*: a record key (`name`, `amount`, `close_date`, any custom key) or one of the pseudo-keys
below, which are read but not stored as they are. A preset also carries the default stage map
(source stage -> vault stage), the source's name for `source_id`, and its date order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..frontmatter import parse_yaml
from ..model import RECORD_TYPES

PSEUDO_KEYS = {
    "source_id": "the record's id in the system it comes from (stored as source_id: '<source>:<id>')",
    "first_name": "joined with last_name into the name",
    "last_name": "joined with first_name into the name",
    "contact_email": "the email of the contact named in the row (found by it, or created with it)",
    "deal_status": "open, won, lost or deleted: won and lost override the stage; deleted rows are skipped",
    "closed_on": "the actual close date: the close_date of a deal that is won or lost",
    "skip": "the column is not imported",
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
)}


def detect(header: list[str]) -> Preset | None:
    """The preset whose signature columns are all in `header` (the one matching most columns)."""
    have = {norm_header(h) for h in header}
    best, best_score = None, 0
    for preset in PRESETS.values():
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


def load_stage_map(path: Path) -> dict[str, str]:
    """A user's stage map: `"Source stage": vault-stage` lines, compared ignoring case and punctuation."""
    data, lines = _read_yaml_mapping(path, "stage map")
    out: dict[str, str] = {}
    for source, target in data.items():
        if not isinstance(target, str) or not target.strip() or isinstance(source, (list, dict)):
            raise MappingError(f"{path}:{lines.get(str(source), 1)}: error[import-mapping]: write each line as "
                               f"\"Source stage\": stage (got {source!r}: {target!r})")
        out[norm_stage(source)] = target.strip()
    return out


def check_stage_map(stage_map: dict[str, str], stage_names: list[str]) -> list[str]:
    """Targets that are not stages of the pipeline (a map written for another config)."""
    return sorted({t for t in stage_map.values() if t not in stage_names})


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
        if target is None or target == "skip":
            if name.strip():
                unused.append(name.strip())
        else:
            targets[i] = target
    return targets, unused


def valid_types(preset: Preset | None) -> tuple[str, ...]:
    return preset.types if preset is not None else tuple(t for t in RECORD_TYPES if t != "note")


def describe(value: Any) -> str:
    return repr(value) if not isinstance(value, str) else f"'{value}'"
