"""The one-way rules of the sales process, checked against git history (FORMAT.md).

- A record once committed in a terminal stage (won, lost, disqualified, converted) keeps it.
- A lead once committed as converted keeps its `converted_to`.
- Moving back to an earlier open stage is allowed, a warning or an error (`backwards` setting).

`check_against_history` compares the records as they are now with their committed versions;
`audit_history` also walks every commit, so a deal that went won -> proposal -> won is caught.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from ..config import Config
from ..git.history import History
from ..git.versions import Version
from ..model import ERROR, WARNING, Problem, Record, Source
from ..store.vault import Vault


def is_terminal(config: Config, type_: str | None, stage: str | None) -> bool:
    """Whether `stage` is a terminal stage of the pipeline of records of `type_` (the rules' start:
    a record in a terminal stage stays there)."""
    if type_ not in config.types.pipeline_types or stage is None:
        return False
    found = config.pipelines[type_].get(stage)
    return found is not None and found.terminal


def _firsts(versions: list[Version], key) -> list[Version]:
    """The first version (oldest) of each value `key(facts)` gives, skipping None."""
    found: dict = {}
    for v in versions:
        value = key(v.facts) if v.facts else None
        if value is not None and value not in found:
            found[value] = v
    return list(found.values())


def _terminal_stage(config: Config):
    return lambda f: f.stage if is_terminal(config, f.type, f.stage) else None


def conversion_of(f) -> str | None:
    """The record a version of a lead was converted to (None: not converted); a conversion is final."""
    return f.converted_to if f.type == "lead" and f.stage == "converted" and f.converted_to else None


def _current_rules(config: Config, record: Record, versions: list[Version]) -> Iterator[Problem]:
    """`versions`: the record's committed versions, all of which the file now descends from
    (its version at HEAD last)."""
    stage = record.get("stage")
    set_at = next((v for v in _firsts(versions, _terminal_stage(config)) if v.facts.stage != stage), None)
    if set_at is not None:
        yield Problem(record.source("stage"), "terminal-left",
                      f"was '{set_at.facts.stage}' in {set_at.commit.label()}, now '{stage}': "
                      "a record in a terminal stage stays there")
    if record.type == "lead":
        link = record.links("converted_to")
        now = link[0].key if link else None
        conversion = next((v for v in _firsts(versions, conversion_of) if v.facts.converted_to != now), None)
        if conversion is not None:
            yield Problem(record.source("converted_to" if "converted_to" in record.data else "stage"),
                          "conversion-changed",
                          f"was converted to [[{conversion.facts.converted_to}]] in {conversion.commit.label()}, "
                          f"now {'[[' + now + ']]' if now else 'no converted_to'}: a conversion is final")
    last = versions[-1].facts if versions else None
    back = moved_back(config, record.type, last.stage if last else None, stage) if versions else None
    if back is not None:
        yield Problem(record.source("stage"), "stage-backwards",
                      f"moved back from '{back[0]}' ({versions[-1].commit.label()}) to '{back[1]}'",
                      ERROR if config.backwards == "error" else WARNING)


def moved_back(config: Config, type_: str | None, before: str | None, after: str | None) -> tuple[str, str] | None:
    """(from, to) when going from stage `before` to `after` moves a record of `type_` back to an
    earlier open stage and the config's `backwards` does not allow it; else None."""
    if config.backwards == "allow" or type_ not in config.types.pipeline_types:
        return None
    pipeline = config.pipelines[type_]
    old, new = pipeline.get(before), pipeline.get(after)
    if old and new and not old.terminal and not new.terminal and new.index < old.index:
        return old.name, new.name
    return None


def check_against_history(vault: Vault, history: History | None,
                          only: set[str] | None = None) -> list[Problem]:
    """Problems where the records now break a rule their committed versions set."""
    if history is None:
        return []
    problems: list[Problem] = []
    for type_ in vault.config.types.pipeline_types:
        for record in vault.of_type(type_):
            if only is not None and record.path not in only:
                continue
            problems += _current_rules(vault.config, record, history.versions(record.path))
    return problems


def _first_break(versions: list[Version], key, value) -> tuple[Version, Version] | None:
    """The first version whose `value(facts)` differs from a version it descends from that set
    `key(facts)` (not None): (that version, the one breaking it), the oldest such first.

    Each version carries, from the versions it was made from, the first version of each value
    `key` set in its ancestry; `versions` come parents first."""
    carried: dict[int, dict] = {}
    for v in versions:
        inherited: dict = {}
        for p in v.parents:
            for k, w in carried.get(id(p), {}).items():
                if k not in inherited or w.seq < inherited[k].seq:
                    inherited[k] = w
        if v.facts is not None:
            broken = [w for w in inherited.values() if value(w.facts) != value(v.facts)]
            if broken:
                return min(broken, key=lambda w: w.seq), v
            own = key(v.facts)
            if own is not None and own not in inherited:
                inherited = {**inherited, own: v}
        carried[id(v)] = inherited
    return None


def audit_history(vault: Vault, history: History | None) -> list[Problem]:
    """Every commit of every record file, including ones deleted since: a version breaks a rule
    only against the versions it descends from, never against another branch's."""
    return audit_commits(vault, history) + check_against_history(vault, history)


def audit_commits(vault: Vault, history: History | None) -> list[Problem]:
    """audit_history's rules on every commit, reported on the files as they are in `vault`."""
    if history is None:
        return []
    current = {r.path: r for r in vault.records}
    return audit_lines(vault.config, history, lambda path: current[path].source("stage") if path in current
                       else Source(path, 1))


def audit_lines(config: Config, history: History, source_of) -> list[Problem]:
    """audit_history's rules on every commit, without the files as they are now; `source_of(path)`
    says where a problem of the file at `path` is reported (asked only when there is one)."""
    problems: list[Problem] = []
    for versions in [*history.lines.values(), *history.gone]:
        if not any(v.facts is not None for v in versions):
            continue
        path = versions[-1].path
        left = _first_break(versions, _terminal_stage(config), lambda f: f.stage)
        changed = _first_break(versions, conversion_of, lambda f: f.converted_to)
        source = source_of(path) if left is not None or changed is not None else None
        if left is not None:
            set_at, v = left
            problems.append(Problem(source, "terminal-left",
                                    f"was '{set_at.facts.stage}' in {set_at.commit.label()}, became "
                                    f"'{v.facts.stage}' in {v.commit.label()}: "
                                    "a record in a terminal stage stays there"))
        if changed is not None:
            conversion, v = changed
            problems.append(Problem(source, "conversion-changed",
                                    f"was converted to [[{conversion.facts.converted_to}]] in "
                                    f"{conversion.commit.label()}, changed in {v.commit.label()}: "
                                    "a conversion is final"))
    return problems


def stage_since(vault: Vault, history: History | None, today: dt.date) -> dict[str, dt.date]:
    """casefolded id -> the date the record entered its current stage, by git's word.

    That is the first commit of the unbroken run of commits in the current stage, when an earlier
    commit shows another stage; a stage changed in the working tree and not committed yet was
    entered today. Otherwise there is no entry, and the report uses the file's dates.
    """
    out: dict[str, dt.date] = {}
    if history is None:
        return out
    for type_ in vault.config.types.pipeline_types:
        for record in vault.of_type(type_):
            stage = record.get("stage")
            versions = history.versions(record.path)
            since = None
            v = versions[-1] if versions else None  # back from HEAD's version, through its ancestry
            while v is not None and v.facts is not None and v.facts.stage == stage:
                # a run that reaches the file's first commit says when it was committed, not when
                # it entered the stage (an import, say): then the file's own dates are better
                since = v.commit.date if v.parents else None
                v = next((p for p in v.parents if p.facts is not None and p.facts.stage == stage),
                         v.parents[0] if v.parents else None)
            if since is None and versions and versions[-1].facts is not None \
                    and versions[-1].facts.stage != stage:
                since = today  # moved to this stage since the last commit
            if since is not None:
                out[record.key] = since
    return out
