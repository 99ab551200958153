"""The checks: plain functions Vault -> problems, run in order. A crash in one is a problem."""

from __future__ import annotations

import traceback

from ..model import ERROR, Problem, Source
from . import lifecycle, links, schema

CHECKS = [*schema.CHECKS, *links.CHECKS, *lifecycle.CHECKS]


def run_checks(vault) -> list[Problem]:
    problems: list[Problem] = []
    for check in CHECKS:
        try:
            problems.extend(check(vault))
        except Exception as e:  # a bug in a check must not hide the others' results
            where = traceback.extract_tb(e.__traceback__)[-1]
            problems.append(Problem(Source("salesmd.yaml", 1), "internal-error",
                                    f"check {check.__name__} failed: {type(e).__name__}: {e} "
                                    f"({where.filename.rsplit('/', 1)[-1]}:{where.lineno}); please report this", ERROR))
    return problems
