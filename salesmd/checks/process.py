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
from ..history import History, Version
from ..model import ERROR, WARNING, Problem, Record, Source
from ..vault import Vault

PIPELINE_TYPES = ("lead", "opportunity")


def _terminal(config: Config, type_: str | None, stage: str | None) -> bool:
    if type_ not in PIPELINE_TYPES or stage is None:
        return False
    found = config.pipelines[type_].get(stage)
    return found is not None and found.terminal


def _first_terminal(config: Config, versions: list[Version]) -> Version | None:
    for v in versions:
        if v.facts and _terminal(config, v.facts.type, v.facts.stage):
            return v
    return None


def _first_conversion(versions: list[Version]) -> Version | None:
    for v in versions:
        if v.facts and v.facts.type == "lead" and v.facts.stage == "converted" and v.facts.converted_to:
            return v
    return None


def _current_rules(config: Config, record: Record, versions: list[Version]) -> Iterator[Problem]:
    stage = record.get("stage")
    set_at = _first_terminal(config, versions)
    if set_at is not None and stage != set_at.facts.stage:
        yield Problem(record.source("stage"), "terminal-left",
                      f"was '{set_at.facts.stage}' in {set_at.commit.label()}, now '{stage}': "
                      "a record in a terminal stage stays there")
    conversion = _first_conversion(versions)
    if conversion is not None and record.type == "lead":
        link = record.links("converted_to")
        now = link[0].key if link else None
        if now != conversion.facts.converted_to:
            yield Problem(record.source("converted_to" if "converted_to" in record.data else "stage"),
                          "conversion-changed",
                          f"was converted to [[{conversion.facts.converted_to}]] in {conversion.commit.label()}, "
                          f"now {'[[' + now + ']]' if now else 'no converted_to'}: a conversion is final")
    if versions and config.backwards != "allow" and record.type in PIPELINE_TYPES:
        last = versions[-1].facts
        pipeline = config.pipelines[record.type]
        before, after = pipeline.get(last.stage if last else None), pipeline.get(stage)
        if before and after and not before.terminal and not after.terminal and after.index < before.index:
            yield Problem(record.source("stage"), "stage-backwards",
                          f"moved back from '{before.name}' ({versions[-1].commit.label()}) to '{after.name}'",
                          ERROR if config.backwards == "error" else WARNING)


def check_against_history(vault: Vault, history: History | None,
                          only: set[str] | None = None) -> list[Problem]:
    """Problems where the records now break a rule their committed versions set."""
    if history is None:
        return []
    problems: list[Problem] = []
    for type_ in PIPELINE_TYPES:
        for record in vault.of_type(type_):
            if only is not None and record.path not in only:
                continue
            problems += _current_rules(vault.config, record, history.versions(record.path))
    return problems


def _first_change(versions: list[Version], since: Version | None, what) -> Version | None:
    """The first version after `since` whose `what(facts)` differs from `since`'s."""
    if since is None:
        return None
    for v in versions[versions.index(since) + 1:]:
        if what(v.facts) != what(since.facts):
            return v
    return None


def audit_history(vault: Vault, history: History | None) -> list[Problem]:
    """Every commit of every record file, including ones deleted since."""
    if history is None:
        return []
    problems: list[Problem] = []
    config = vault.config
    current = {r.path: r for r in vault.records}
    for versions in [*history.lines.values(), *history.gone]:
        versions = [v for v in versions if v.facts is not None]
        if not versions:
            continue
        path = versions[-1].path
        record = current.get(path)
        source = record.source("stage") if record else Source(path, 1)
        set_at = _first_terminal(config, versions)
        left = _first_change(versions, set_at, lambda f: f.stage)
        if left is not None:
            problems.append(Problem(source, "terminal-left",
                                    f"was '{set_at.facts.stage}' in {set_at.commit.label()}, became "
                                    f"'{left.facts.stage}' in {left.commit.label()}: "
                                    "a record in a terminal stage stays there"))
        conversion = _first_conversion(versions)
        changed = _first_change(versions, conversion, lambda f: f.converted_to)
        if changed is not None:
            problems.append(Problem(source, "conversion-changed",
                                    f"was converted to [[{conversion.facts.converted_to}]] in "
                                    f"{conversion.commit.label()}, changed in {changed.commit.label()}: "
                                    "a conversion is final"))
    problems += check_against_history(vault, history)
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
    for type_ in PIPELINE_TYPES:
        for record in vault.of_type(type_):
            stage = record.get("stage")
            versions = history.versions(record.path)
            since = None
            for i in range(len(versions) - 1, -1, -1):
                v = versions[i]
                if v.facts is None or v.facts.stage != stage:
                    break
                # a run that reaches the file's first commit says when it was committed, not when
                # it entered the stage (an import, say): then the file's own dates are better
                since = v.commit.date if i > 0 else None
            if since is None and versions and versions[-1].facts is not None \
                    and versions[-1].facts.stage != stage:
                since = today  # moved to this stage since the last commit
            if since is not None:
                out[record.key] = since
    return out
