"""The checks: plain functions returning problems, run in order. A crash in one is a problem.

Record checks see one record and the config, so their results are cached per file; vault checks
see everything (ids, links, conversion, follow-up chains) and run on every full load. The check
state (state.py) re-runs vault checks only for the records a change can affect, so a vault
check may read of a record only its id, type, path, the lines of its keys, its links
(LINK_TARGETS) and its `stage`: those are what the state keeps.
"""

from __future__ import annotations

import traceback

from ..model import ERROR, Problem, Source
from . import lifecycle, links, records

RECORD_CHECKS = list(records.RECORD_CHECKS)
VAULT_CHECKS = [*links.CHECKS, *lifecycle.CHECKS]


def _crash(check, error: Exception, where: Source) -> Problem:
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return Problem(where, "internal-error",
                   f"check {check.__name__} failed: {type(error).__name__}: {error} "
                   f"({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}); please report this", ERROR)


def record_problems(record, config) -> list[Problem]:
    problems: list[Problem] = []
    for check in RECORD_CHECKS:
        try:
            problems.extend(check(record, config))
        except Exception as e:  # a bug in a check must not hide the others' results
            problems.append(_crash(check, e, record.source()))
    return problems


def run_checks(vault, cached: dict[str, list[Problem]] | None = None) -> list[Problem]:
    """All problems; `cached` holds record-check results by path for records that did not change."""
    return run_record_checks(vault, cached) + run_vault_checks(vault)


def run_record_checks(vault, cached: dict[str, list[Problem]] | None = None) -> list[Problem]:
    """Every record's own checks; results are taken from and added to `cached` (by path)."""
    problems: list[Problem] = []
    for record in vault.records:
        found = cached.get(record.path) if cached is not None else None
        if found is None:
            found = record_problems(record, vault.config)
            if cached is not None:
                cached[record.path] = found
        problems.extend(found)
    return problems


def run_vault_checks(vault) -> list[Problem]:
    problems: list[Problem] = []
    for check in VAULT_CHECKS:
        try:
            problems.extend(check(vault))
        except Exception as e:
            problems.append(_crash(check, e, Source("salesmd.yaml", 1)))
    return problems
