"""The moves of a sales day as ChangeSets: new, convert, move, log, done (a task or an activity).

Each function plans the files to write and returns a ChangeSet; nothing touches the disk here.
Existing files are edited with yamledit.set_keys, so only the lines of the changed keys move.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from pathlib import Path
from typing import Any

import jinja2

from ..config import Pipeline
from ..dates import DATE_KINDS, coerce, date_keys
from ..model import RECORD_TYPES, Record, a, id_key, unaccented
from ..paths import builtin_templates
from ..render.templating import TemplateProblem, VaultLoader, render, sandbox
from ..schema import KEYS
from ..store.frontmatter import parse_yaml
from ..store.vault import Vault
from ..when import relative, resolve
from .changes import ChangeSet
from .declared import declared_skeleton
from .files import Snapshot
from .yamledit import DELETE, render_value, set_keys


class PlanError(Exception):
    """The command cannot be done as asked; nothing was written."""


# Letters that Unicode does not decompose into a base letter and a mark.
TRANSLITERATE = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss",
                               "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D"})


def slugify(text: str) -> str:
    """'Zoë Łukasiewicz & Co' -> 'zoe-lukasiewicz-co': lower-case letters, digits and dashes.

    Latin letters lose their accents; letters of other scripts are kept ('東京 Corp' ->
    '東京-corp'), so a name never slugifies to nothing.
    """
    text = unaccented(text.translate(TRANSLITERATE))
    slug = re.sub(r"[\W_]+", "-", unicodedata.normalize("NFC", text).lower()).strip("-")
    return slug[:80].rstrip("-") or "record"


def parse_value(key: str, text: str, type_: str, today: dt.date | None = None, keys: dict | None = None) -> Any:
    """A value typed on the command line, read as the key expects it (with `today`, a date key
    also takes a day counted from it: tomorrow, +30d, fri; see when.py). `keys`: the vault's
    (Types.keys, with the types and keys salesmd.yaml declares); the built-in ones by default."""
    kind = (keys or KEYS).get(type_, {}).get(key)
    text = text.strip()
    if kind == "link":
        return link_to(text)
    if kind == "links":
        return [link_to(t) for t in list_items(text)]
    if kind == "strings":
        return list_items(text)
    if kind in ("str", "currency", "choice"):
        return text
    if kind in DATE_KINDS:  # as a file's value is read: "2026-12-01 10:30", ...T00:00:00.000Z
        days = relative(text) if today is not None else None
        return coerce(kind, text) if days is None else resolve(days, today)
    # dates, numbers and custom keys: typed when the value reads back exactly as typed (48000,
    # 2026-12-01); anything YAML would change (02134, 1.50, True, 1e3, 0x10, .nan) stays text
    parsed = parse_yaml(f"v: {text}\n") if "\n" not in text else None
    value = parsed.data.get("v") if parsed and isinstance(parsed.data, dict) and not parsed.issues else None
    if value is None or isinstance(value, (str, list, dict)) or render_value(value) != text:
        return text
    return value


def list_items(text: str) -> list[str]:
    """A list typed on the command line: commas between the items (vip,fleet), or a YAML flow list
    ([vip, "Smith, Jones"], for an item holding a comma). A link `[[id]]` is an item, not a list."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]") and not text.startswith("[["):
        parsed = parse_yaml(f"v: {text}\n") if "\n" not in text else None
        value = parsed.data.get("v") if parsed and isinstance(parsed.data, dict) and not parsed.issues else None
        if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
            return [str(v).strip() for v in value if str(v).strip()]
    return [t.strip() for t in text.split(",") if t.strip()]


def link_to(text: str) -> str:
    text = text.strip()
    if text.startswith("[[") and text.endswith("]]"):
        return text
    return f"[[{text}]]"


@functools.lru_cache(maxsize=8)
def _jinja(root: Path) -> jinja2.Environment:
    """The skeletons' environment of one vault, made once per process: it compiles each skeleton
    once (an import of 8,800 deals compiled the same one 8,800 times) and sees an edit to one
    (Jinja checks the file's mtime)."""
    loaders = [VaultLoader(root / "templates" / "skeletons", root),
               jinja2.FileSystemLoader(str(builtin_templates() / "skeletons"))]
    env = sandbox(jinja2.ChoiceLoader(loaders), keep_trailing_newline=True, autoescape=False)
    env.filters["yaml"] = render_value
    return env


def skeleton(vault: Vault, type_: str, **values: Any) -> str:
    if type_ in vault.config.types.declared:  # a type of the vault's own: its skeleton, or a plain one
        try:
            _jinja(vault.root).get_template(f"{type_}.md")
        except jinja2.TemplateNotFound:
            return declared_skeleton(vault.config.types, type_, values["name"], values["today"], values["stage"])
    try:
        return render(_jinja(vault.root), f"{type_}.md", vault.root, **values)
    except TemplateProblem as e:
        raise PlanError(f"{e} (the {type_} skeleton could not be filled)") from None


def _free_id(vault: Vault, wanted: str, taken: set[str]) -> None:
    key = id_key(wanted)
    existing = vault.get(wanted)
    if existing is not None:
        raise PlanError(f"id '{wanted}' is already used by {existing.path} (ids ignore case); "
                        "choose another name or pass --id")
    if key in taken or key in vault.broken:
        raise PlanError(f"id '{wanted}' is already taken; pass --id")
    taken.add(key)


def free_id(vault: Vault, base: str, taken: set[str], suffix: str | None = None) -> str:
    """`base` if it is free, else `base-<suffix>` (bolt-builders-account), else `-2`, `-3`..."""
    def free(candidate: str) -> bool:
        key = id_key(candidate)
        return vault.get(candidate) is None and key not in taken and key not in vault.broken

    if free(base):
        return base
    if suffix and free(f"{base}-{suffix}"):
        return f"{base}-{suffix}"
    n = 2
    while not free(f"{base}-{n}"):
        n += 1
    return f"{base}-{n}"


def plan_new(vault: Vault, changes: ChangeSet, type_: str, name: str, values: dict[str, Any],
             today: dt.date, now: dt.datetime, record_id: str | None = None,
             taken: set[str] | None = None) -> str:
    """Add a new record to `changes`; returns its id."""
    taken = taken if taken is not None else set()
    record_id = record_id or slugify(name)
    if (not record_id or record_id != record_id.strip() or record_id.startswith(".")
            or any(c in record_id for c in "/\\[]|#^:") or len(record_id.encode()) > 200):
        raise PlanError(f"{record_id!r} cannot be an id: ids are file names (at most 200 bytes) without "
                        "folders, leading dots or spaces, or the characters / \\ [ ] | # ^ : that links use")
    _free_id(vault, record_id, taken)
    rel = f"{vault.config.types.folders[type_]}/{record_id}.md"
    if (vault.root / rel).exists():
        raise PlanError(f"{rel} already exists")
    pipeline: Pipeline | None = vault.config.pipelines.get(type_)
    defaults = {
        "name": name, "today": today,
        "stage": pipeline.stages[0].name if pipeline else None,
        "kind": values.get("kind", "call"), "status": values.get("status", "planned"),
        "start": values.get("start", now), "due": values.get("due", today),
    }
    text = skeleton(vault, type_, **defaults)
    values = {k: v for k, v in values.items() if v is not None and v != []}
    if values:
        text = set_keys(text, values, _date_keys(vault, type_))
    changes.add_new(rel, text)
    return record_id


def _edit(changes: ChangeSet, vault: Vault, record: Record, values: dict[str, Any]) -> None:
    path = vault.root / record.path
    before = Snapshot.read(path)
    try:
        after = set_keys(before.text, values, _date_keys(vault, record.type))
    except ValueError as e:
        raise PlanError(f"{record.path}: cannot edit the front matter: {e}") from None
    changes.add_edit(record.path, before, after)


def _date_keys(vault: Vault, type_: str) -> frozenset[str]:
    """The keys of `type_` that take a date: built in, and declared in salesmd.yaml."""
    return date_keys(type_) | {k for k, _ in vault.config.types.date_keys(type_)}


def need(vault: Vault, record_id: str, type_: str | tuple[str, ...]) -> Record:
    types = (type_,) if isinstance(type_, str) else type_
    record = vault.get(record_id)
    path = vault.broken_path(record_id) if record is None else None
    if path is not None:
        raise PlanError(f"{path} cannot be read as a record, so '{record_id}' cannot be changed: "
                        "`salesmd check` says why")
    if record is None:
        from ..suggest import id_hint

        pool = [r for r in vault.records if r.type in types]
        what = "record" if set(types) >= set(RECORD_TYPES) else " or ".join(types)
        raise PlanError(f"no {what} with id '{record_id}'{id_hint(record_id, pool)}")
    if record.type not in types:
        raise PlanError(f"'{record.id}' is {a(record.type)}, not {' or '.join(a(t) for t in types)}")
    return record


def plan_move(vault: Vault, record: Record, stage_name: str, values: dict[str, Any],
              today: dt.date) -> ChangeSet:
    """Move a lead, an opportunity or an issue to another stage of its pipeline."""
    if "stage" in values:
        raise PlanError("give the stage as the command's STAGE argument, not with --set")
    current, target = check_move(vault, record, stage_name, values, ("salesmd move {id} {stage}", "--set {key}=..."))
    changes = ChangeSet(vault.root, f"move {record.type} {record.id}: "
                                    f"{current.name if current else record.get('stage')} -> {target.name}")
    _edit(changes, vault, record, {"stage": target.name, **values})
    return changes


def check_move(vault: Vault, record: Record, stage_name: str, values: dict[str, Any], how: tuple[str, str]):
    """(current stage or None, target stage) of a move the pipeline rules allow, else PlanError
    with the reason. `values` are set with the move (a value of DELETE removes its key); `how` is
    the command that makes the move ({id} and {stage} filled in) and how it sets a key ({key}),
    shown when a key the stage requires is missing."""
    from ..suggest import did_you_mean

    pipeline = vault.config.pipelines[record.type]
    current = pipeline.get(record.get("stage"))
    target = pipeline.get(stage_name)
    if target is None:
        raise PlanError(f"'{stage_name}' is not a stage of the {record.type} pipeline"
                        f"{did_you_mean(stage_name, pipeline.names)}; stages: {', '.join(pipeline.names)}")
    if current is not None and current.terminal and current.name != target.name:
        raise PlanError(f"{record.id} is '{current.name}', a terminal stage: it stays there")
    if record.type == "lead" and target.name == "converted":
        raise PlanError(f"a lead is converted with `salesmd convert {record.id}`, which creates its opportunity")
    if current is not None and current.name == target.name and not values:
        raise PlanError(f"{record.id} is already in stage '{target.name}'")
    if (current is not None and not current.terminal and not target.terminal and target.index < current.index
            and vault.config.backwards == "error"):
        raise PlanError(f"moving back from '{current.name}' to '{target.name}' is not allowed "
                        "(backwards: error in salesmd.yaml)")
    merged = dict(record.data, **values)
    missing = [k for k in target.requires if merged.get(k) in (None, "", []) or merged.get(k) is DELETE]
    if missing:
        command, setting = how
        shown = command.format(id=record.id, stage=target.name) + "".join(" " + setting.format(key=k) for k in missing)
        raise PlanError(f"stage '{target.name}' requires {', '.join(missing)}, which {record.id} does not have; "
                        f"set {'it' if len(missing) == 1 else 'them'} in the same command: {shown}")
    return current, target


def plan_convert(vault: Vault, lead: Record, *, name: str | None, amount: Any, close_date: dt.date | None,
                 stage: str | None, account_id: str | None, contact_id: str | None,
                 today: dt.date, now: dt.datetime) -> ChangeSet:
    """Qualify a lead: its opportunity, contact and account, and the links both ways."""
    lead_stage = vault.config.pipelines["lead"].get(lead.get("stage"))
    if lead_stage is not None and lead_stage.terminal:
        why = ("a lead is converted once" if lead_stage.name == "converted"
               else "a lead in a terminal stage stays there")
        raise PlanError(f"lead {lead.id} is already '{lead_stage.name}': {why}")
    if vault.config.pipelines["lead"].get("converted") is None:
        raise PlanError("the lead pipeline in salesmd.yaml has no 'converted' stage to convert into")
    opp_pipeline = vault.config.pipelines["opportunity"]
    opp_stage = stage or opp_pipeline.stages[0].name
    target = opp_pipeline.get(opp_stage)
    if target is None or target.terminal:
        raise PlanError(f"'{opp_stage}' is not an open stage of the opportunity pipeline "
                        f"({', '.join(s.name for s in opp_pipeline.stages)})")
    company, person = lead.get("company"), lead.get("person")
    changes = ChangeSet(vault.root, "")
    taken: set[str] = set()
    shared = {k: lead.get(k) for k in ("owner", "territory") if isinstance(lead.get(k), str)}

    account = _find_or_create(vault, changes, taken, "account", account_id, company, dict(shared), today, now)
    contact = _find_or_create(vault, changes, taken, "contact", contact_id, person,
                              {"account": link_to(account) if account else None, "email": lead.get("email"),
                               "phone": lead.get("phone"), "lead": link_to(lead.id), **shared}, today, now)
    opp_name = name or lead.title
    opp_id = free_id(vault, slugify(opp_name), taken, "deal")
    values = {"stage": opp_stage, "account": link_to(account) if account else None,
              "contacts": [link_to(contact)] if contact else None, "amount": amount,
              "close_date": close_date, "lead": link_to(lead.id), **shared}
    plan_new(vault, changes, "opportunity", opp_name, values, today, now, record_id=opp_id, taken=taken)
    _edit(changes, vault, lead, {"stage": "converted", "converted_to": link_to(opp_id), "converted_on": today})
    changes.message = f"convert lead {lead.id} -> opportunity {opp_id}"
    return changes


def _find_or_create(vault: Vault, changes: ChangeSet, taken: set[str], type_: str, given_id: str | None,
                    name: Any, values: dict[str, Any], today: dt.date, now: dt.datetime) -> str | None:
    """The id of the account or contact a converted lead links to: the one named by --account or
    --contact, else an existing one of that name, else a new one planned into `changes`."""
    if given_id:
        return need(vault, given_id, type_).id
    if not (isinstance(name, str) and name.strip()):
        return None
    found = _by_name(vault, type_, name)
    if found is not None:
        return found.id
    return plan_new(vault, changes, type_, name, values, today, now,
                    record_id=free_id(vault, slugify(name), taken, type_), taken=taken)


def _by_name(vault: Vault, type_: str, name: str) -> Record | None:
    """An existing record of `type_` called `name` (or with that name's slug as id)."""
    wanted = name.strip().casefold()
    for record in vault.of_type(type_):
        if isinstance(record.get("name"), str) and record.get("name").strip().casefold() == wanted:
            return record
    found = vault.get(slugify(name))
    return found if found is not None and found.type == type_ else None


def plan_done(vault: Vault, task: Record, *, outcome: str | None, follow_up: str | None,
              due: dt.date | dt.datetime | None, today: dt.date, now: dt.datetime) -> ChangeSet:
    """Complete a task, or hold a planned activity as done; with `follow_up`, a new task (a
    task's follows it, an activity's takes its related records)."""
    what = task.type
    if task.get("status") == "done":
        raise PlanError(f"{what} {task.id} is already done")
    if task.get("status") == "cancelled":
        raise PlanError(f"{what} {task.id} was cancelled; reopen it by hand if it is back on")
    if follow_up and due is None:
        raise PlanError("a follow-up needs a due date: --due YYYY-MM-DD")
    changes = ChangeSet(vault.root, f"done {what} {task.id}")
    values: dict[str, Any] = {"status": "done"}
    if outcome:
        values["outcome"] = outcome
    _edit(changes, vault, task, values)
    if follow_up:
        inherited = {k: task.get(k) for k in ("owner", "territory", "related") if task.get(k) not in (None, "", [])}
        follows = {"follows": link_to(task.id)} if what == "task" else {}
        new_id = plan_new(vault, changes, "task", follow_up,
                          {"due": due, **follows, **inherited}, today, now,
                          record_id=free_id(vault, slugify(follow_up), set()))
        changes.message += f", follow-up {new_id} due {due.isoformat()}"
    return changes


def plan_log(vault: Vault, kind: str, related: list[Record], *, subject: str | None, planned: bool,
             start: dt.datetime | dt.date | None, end: Any, outcome: str | None, owner: str | None,
             today: dt.date, now: dt.datetime) -> ChangeSet:
    if kind not in vault.config.activity_kinds:
        from ..suggest import did_you_mean

        raise PlanError(f"'{kind}' is not an activity kind{did_you_mean(kind, vault.config.activity_kinds)}; "
                        f"kinds: {', '.join(vault.config.activity_kinds)} (activity_kinds in salesmd.yaml)")
    if not related:
        raise PlanError("say who the activity was with: --related ID (a lead, contact, account or opportunity)")
    start = start or now.replace(second=0, microsecond=0)
    explicit_subject = bool(subject)
    subject = subject or f"{kind.capitalize()} with {related[0].title}"
    moment = start if isinstance(start, dt.datetime) else dt.datetime(start.year, start.month, start.day)
    about = slugify(subject) if explicit_subject else related[0].id
    record_id = free_id(vault, f"{moment:%Y-%m-%d}-{kind}-{about}"[:90].rstrip("-"), set())
    inherited_owner = owner or next((r.get("owner") for r in related if isinstance(r.get("owner"), str)), None)
    values = {"kind": kind, "status": "planned" if planned else "done", "start": start, "end": end,
              "related": [link_to(r.id) for r in related], "outcome": outcome, "owner": inherited_owner}
    changes = ChangeSet(vault.root, "")
    plan_new(vault, changes, "activity", subject, values, today, now, record_id=record_id)
    what = "plan" if planned else "log"
    changes.message = f"{what} {kind} with {', '.join(r.id for r in related)}: {subject}"
    return changes

