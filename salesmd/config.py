"""salesmd.yaml -> Config: pipelines, stages, rules, with defaults and errors of its own."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .calendar_config import CalendarSettings, read_calendar
from .editor_config import KEYS as EDITOR_KEYS, EditorLinks, read_editor_links
from .model import ERROR, RECORD_FOLDERS as RECORD_FOLDER_NAMES, WARNING, Problem, Source
from .money_config import Commission, PeriodTargets, read_money
from .owners import Roster, read_roster
from .paths import template_path
from .record_types import Types
from .store.frontmatter import parse_yaml
from .types_config import read_types

CONFIG_NAME = "salesmd.yaml"
ACTIVITY_KINDS = ("call", "email", "meeting", "in-person", "live-meeting", "chat", "co-browse",
                  "webinar", "event", "other")
ACTIVITY_STATUSES = ("planned", "done", "cancelled")
TASK_STATUSES = ("open", "done", "cancelled")
SEVERITIES = ("low", "medium", "high", "critical")  # an issue's severity, least to most urgent
BACKWARDS = ("allow", "warn", "error")


class ConfigError(Exception):
    """The configuration cannot be read at all (the CLI exits 2)."""


@dataclass(frozen=True)
class Stage:
    name: str
    index: int
    terminal: bool = False
    probability: int | None = None
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pipeline:
    name: str
    stages: tuple[Stage, ...]  # open stages, left to right
    terminal: tuple[Stage, ...]

    @property
    def all(self) -> tuple[Stage, ...]:
        return self.stages + self.terminal

    def get(self, name: Any) -> Stage | None:
        for stage in self.all:
            if stage.name == name:
                return stage
        return None

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.all]


def _stages(*specs: tuple) -> tuple[Stage, ...]:
    return tuple(Stage(name, i, term, prob, tuple(req)) for i, (name, term, prob, req) in enumerate(specs))


DEFAULT_PIPELINES = {
    "lead": Pipeline(
        "lead",
        _stages(("new", False, None, ()), ("contacted", False, None, ()), ("qualified", False, None, ())),
        tuple(Stage(n, 3 + i, True, None, r) for i, (n, r) in enumerate(
            [("converted", ("converted_to", "converted_on")), ("disqualified", ())])),
    ),
    "opportunity": Pipeline(
        "opportunity",
        _stages(("prospecting", False, 10, ()), ("qualification", False, 25, ()),
                ("proposal", False, 50, ("amount", "close_date")),
                ("negotiation", False, 75, ("amount", "close_date"))),
        tuple(Stage(n, 4 + i, True, p, r) for i, (n, p, r) in enumerate(
            [("won", 100, ("amount", "close_date")), ("lost", 0, ("lost_reason",)), ("disqualified", 0, ())])),
    ),
    "issue": Pipeline(
        "issue",
        _stages(("new", False, None, ()), ("assessed", False, None, ()), ("in-progress", False, None, ()),
                ("resolved", False, None, ("resolution",))),
        (Stage("closed", 4, True, None, ()),),
    ),
}


@dataclass
class Config:
    root: Path
    currency: str = "USD"
    today: dt.date | None = None
    stale_days: int = 14
    touch_days: int = 30  # a contact or account quiet longer is losing touch (the agenda)
    tasks_per_day: int = 6
    backwards: str = "warn"
    commit: bool = False
    report_dir: str = "_site"
    calendar: CalendarSettings = field(default_factory=CalendarSettings)  # the feed: calendar_config.py
    timezone: str | None = None  # IANA name; None: the machine's
    phone_region: str | None = None  # ISO 3166 code (US, DE) numbers without a country code are read in
    max_file_size: int = 1048576
    ignore: tuple[str, ...] = ()
    activity_kinds: tuple[str, ...] = ACTIVITY_KINDS
    severities: tuple[str, ...] = SEVERITIES
    pipelines: dict[str, Pipeline] = field(default_factory=lambda: dict(DEFAULT_PIPELINES))
    key_lines: dict[str, int] = field(default_factory=dict)
    signature: str = ""  # sha256 of salesmd.yaml: caches built under another config are not used
    roster: Roster = field(default_factory=Roster)  # `owners:` and `territories:` (owners.py)
    editor_links: EditorLinks = field(default_factory=EditorLinks)  # the site's "open in editor" (editor_config.py)
    targets: dict[str, PeriodTargets] = field(default_factory=dict)  # `targets:` (money_config.py)
    commission: Commission = field(default_factory=Commission)  # `commission:` (money_config.py)
    types: Types = field(default_factory=Types)  # built-in and declared record types (`types:`, types_config.py)

    def source(self, key: str | None = None) -> Source:
        return Source(CONFIG_NAME, self.key_lines.get(key, 1) if key else 1)

    def today_or(self, override: dt.date | None = None) -> dt.date:
        return override or self.today or dt.date.today()


SCALARS = {
    "currency": str,
    "today": dt.date,
    "stale_days": int,
    "touch_days": int,
    "tasks_per_day": int,
    "backwards": str,
    "commit": bool,
    "report_dir": str,
    "max_file_size": int,
    "phone_region": str,
}
KNOWN_KEYS = set(SCALARS) | {"ignore", "activity_kinds", "severities", "pipelines"}
KNOWN_KEYS |= {"owners", "territories"}  # read by owners.py
KNOWN_KEYS |= {"plugins"}  # read by checks/plugins.py


CALENDAR_KEYS = {"calendar", "timezone", "ics_tasks"}  # read by calendar_config.py
KNOWN_KEYS |= CALENDAR_KEYS
KNOWN_KEYS |= EDITOR_KEYS  # read by editor_config.py
KNOWN_KEYS |= {"targets", "commission"}  # read by money_config.py
KNOWN_KEYS |= {"types"}  # read by types_config.py


def find_root(start: Path | None = None, explicit: str | os.PathLike | None = None) -> Path:
    """The vault root: --vault, then SALESMD_VAULT, then walking up from `start` like git."""
    given = explicit or os.environ.get("SALESMD_VAULT")
    if given:
        root = Path(given).expanduser().resolve()
        if not (root / CONFIG_NAME).is_file():
            raise ConfigError(f"{root}: no {CONFIG_NAME} here (is this a salesmd vault? see `salesmd init`)")
        return root
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise ConfigError(
        f"no {CONFIG_NAME} found in {here} or any folder above it; "
        "run `salesmd init` to create a vault, or pass --vault PATH"
    )


def default_config_text() -> str:
    return template_path(CONFIG_NAME).read_text(encoding="utf-8")


def load_config(root: Path, raw: bytes | None = None, text: str | None = None) -> tuple[Config, list[Problem]]:
    """Read salesmd.yaml (or `raw`, its bytes as committed; or `text`, as the vault's would be: a
    backup's). Unreadable YAML raises ConfigError; wrong values become problems."""
    path = root / CONFIG_NAME
    if text is None and raw is None and not Path(os.path.realpath(path)).is_relative_to(Path(root).resolve()):
        # a symbolic link out of the vault (committed, so a server or CI would follow it): never
        # read, and nothing of what it leads to shown
        raise ConfigError(f"{CONFIG_NAME}:1: error[path-escape]: {CONFIG_NAME} is a symbolic link that leads "
                          "outside the vault; not read")
    try:
        if text is None:
            text = (path.read_bytes() if raw is None else raw).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{CONFIG_NAME}:1: error[config-unreadable]: {e}") from None
    parsed = parse_yaml(text, 1)
    fatal = [i for i in parsed.issues if i.code != "duplicate-key"]
    if fatal:
        i = fatal[0]
        raise ConfigError(f"{CONFIG_NAME}:{i.line}: error[config-{i.code}]: {i.message}")
    data = parsed.data if parsed.data is not None else {}
    cfg = Config(root=root, key_lines=dict(parsed.key_lines), signature=hashlib.sha256(text.encode()).hexdigest())
    problems = [Problem(Source(CONFIG_NAME, i.line), "config-duplicate-key", i.message) for i in parsed.issues]
    if not isinstance(data, dict):
        raise ConfigError(f"{CONFIG_NAME}:1: error[config-type]: the configuration must be a mapping of keys")

    def bad(key: str, message: str, severity: str = ERROR) -> None:
        problems.append(Problem(cfg.source(key), "config-value", message, severity))

    for key, value in data.items():
        if key not in KNOWN_KEYS:
            from .suggest import did_you_mean

            hint = did_you_mean(str(key), KNOWN_KEYS)
            problems.append(Problem(cfg.source(key), "config-unknown-key",
                                    f"unknown setting '{key}'{hint}", WARNING))
            continue
        if key in SCALARS:
            want = SCALARS[key]
            ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
            if want is dt.date and isinstance(value, dt.datetime):
                ok = False
            if not ok:
                bad(key, f"'{key}' must be {want.__name__ if want is not dt.date else 'a date (YYYY-MM-DD)'}, "
                         f"not {value!r}; the default is used")
                continue
            setattr(cfg, key, value)
    if cfg.backwards not in BACKWARDS:
        bad("backwards", f"'backwards' must be one of {', '.join(BACKWARDS)}, not {cfg.backwards!r}")
        cfg.backwards = "warn"
    cfg.calendar, cfg.timezone, found = read_calendar(data, text, cfg.key_lines)
    problems += found
    report = cfg.report_dir.strip().strip("/")
    if (not report or report == "." or report.startswith(("/", "..")) or "/.." in report
            or report.split("/")[0] in RECORD_FOLDER_NAMES):
        bad("report_dir", f"'report_dir' must be a folder inside the vault that holds no records, not "
                          f"{cfg.report_dir!r}; the default '_site' is used")
        cfg.report_dir = "_site"
    if not (isinstance(cfg.currency, str) and len(cfg.currency) == 3 and cfg.currency.isupper()):
        bad("currency", f"'currency' must be an ISO 4217 code such as USD or EUR, not {cfg.currency!r}")
        cfg.currency = "USD"
    if cfg.phone_region is not None:
        from .phones import valid_region

        if not valid_region(cfg.phone_region):
            bad("phone_region", f"'phone_region' must be a country code such as US or DE, not {cfg.phone_region!r}; "
                                "numbers without a country code are not compared")
            cfg.phone_region = None
        else:
            cfg.phone_region = cfg.phone_region.upper()
    for key in ("ignore", "activity_kinds", "severities"):
        if key in data:
            value = data[key]
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                setattr(cfg, key, tuple(value))
            else:
                bad(key, f"'{key}' must be a list of strings")
    if "pipelines" in data:
        _read_pipelines(cfg, data["pipelines"], bad)
    cfg.roster, roster_problems = read_roster(data, text, cfg.key_lines)
    problems += roster_problems
    cfg.editor_links, found = read_editor_links(data, cfg.key_lines)
    problems += found
    cfg.targets, cfg.commission, money_problems = read_money(data, text, cfg.roster, cfg.currency)
    problems += money_problems
    cfg.types, declared_pipelines, found = read_types(data, text, (cfg.report_dir.strip("/"), "templates"),
                                                      _read_pipeline)
    cfg.pipelines.update(declared_pipelines)
    problems += found
    return cfg, problems


def _read_pipelines(cfg: Config, value: Any, bad) -> None:
    if not isinstance(value, dict):
        bad("pipelines", f"'pipelines' must map {_names()} to their stages")
        return
    for name, spec in value.items():
        if name not in DEFAULT_PIPELINES:
            bad("pipelines", f"unknown pipeline '{name}': the pipelines are {_names()}")
            continue
        pipeline = _read_pipeline(str(name), spec, bad)
        if pipeline is not None:
            cfg.pipelines[name] = pipeline


def _names() -> str:
    """'lead', 'opportunity' and 'issue'."""
    names = [f"'{n}'" for n in DEFAULT_PIPELINES]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _read_pipeline(name: str, spec: Any, bad) -> Pipeline | None:
    if not isinstance(spec, dict) or not isinstance(spec.get("stages"), list) or not spec["stages"]:
        bad("pipelines", f"pipeline '{name}' needs a non-empty 'stages' list; the default is used")
        return None
    built: list[Stage] = []
    for terminal, items in ((False, spec.get("stages") or []), (True, spec.get("terminal") or [])):
        if not isinstance(items, list):
            bad("pipelines", f"pipeline '{name}': 'terminal' must be a list; the default is used")
            return None
        for item in items:
            if isinstance(item, str):
                item = {"name": item}
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                bad("pipelines", f"pipeline '{name}': each stage needs a 'name' (got {item!r}); the default is used")
                return None
            prob = item.get("probability")
            if prob is not None and (isinstance(prob, bool) or not isinstance(prob, (int, float))
                                     or not 0 <= prob <= 100):
                bad("pipelines", f"pipeline '{name}', stage '{item['name']}': probability must be 0-100")
                prob = None
            requires = item.get("requires") or []
            if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
                bad("pipelines", f"pipeline '{name}', stage '{item['name']}': 'requires' must be a list of keys")
                requires = []
            if any(s.name == item["name"] for s in built):
                bad("pipelines", f"pipeline '{name}': stage '{item['name']}' is listed twice")
                return None
            built.append(Stage(item["name"], len(built), terminal, prob, tuple(requires)))
    return Pipeline(name, tuple(s for s in built if not s.terminal), tuple(s for s in built if s.terminal))
