"""Checks of the sales process as the files stand now: conversion is consistent both ways.

The rules against git history (a converted lead stays converted, a terminal stage is final) are
in history checks; these need only the current files.
"""

from __future__ import annotations

from typing import Iterator

from ..model import Problem
from ..store.vault import Vault


def check_conversion(vault: Vault) -> Iterator[Problem]:
    for lead in vault.of_type("lead"):
        converted = lead.get("stage") == "converted"
        opp = vault.first_linked(lead, "converted_to")
        if lead.get("converted_to") and not converted:
            yield Problem(lead.source("stage"), "conversion",
                          f"lead has converted_to but its stage is '{lead.get('stage')}': "
                          "a converted lead's stage is 'converted'")
        if converted and opp is not None and opp.type == "opportunity":
            back = vault.first_linked(opp, "lead")
            if back is None or back.key != lead.key:
                yield Problem(lead.source("converted_to"), "conversion",
                              f"lead was converted to [[{opp.id}]], but that opportunity's 'lead' "
                              + (f"points to [[{back.id}]]" if back else "is not set")
                              + f"; set lead: \"[[{lead.id}]]\" in {opp.path}")
    for opp in vault.of_type("opportunity"):
        lead = vault.first_linked(opp, "lead")
        if lead is None or lead.type != "lead":
            continue
        target = vault.first_linked(lead, "converted_to")
        if lead.get("stage") != "converted" or target is None or target.key != opp.key:
            yield Problem(opp.source("lead"), "conversion",
                          f"opportunity says it came from lead [[{lead.id}]], but that lead "
                          + ("was converted to [[" + target.id + "]]" if target is not None and target.key != opp.key
                             else f"is in stage '{lead.get('stage')}' without converted_to: [[{opp.id}]]")
                          + f" ({lead.path})")


CHECKS = [check_conversion]
