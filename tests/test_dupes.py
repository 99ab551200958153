"""Phone numbers compared in E.164, likely duplicates (`dupes`), `merge` and `rm`: on real vaults
in git repositories, as a user runs them."""

from __future__ import annotations

import pytest

from conftest import default_config_text, make_vault
from salesmd.phones import e164

US = default_config_text() + "\nphone_region: US\n"


# --- phone numbers ------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, region, expected", [
    ("(503) 555-0143", "US", "+15035550143"),
    ("+1 503 555 0143", None, "+15035550143"),
    ("+1 503 555 0143", "DE", "+15035550143"),
    ("503.555.0143", "US", "+15035550143"),
    ("503-555-0143", "US", "+15035550143"),
    ("+49 40 5550 1000", None, "+494055501000"),
    ("0049 40 5550 1000", None, "+494055501000"),
    ("0049 40 5550 1000", "US", "+494055501000"),
    ("040 5550 1000", "DE", "+494055501000"),
    ("+1 503 555 0143 ext. 12", None, "+15035550143;ext=12"),
    ("503.555.0143", None, None),   # no country code and no region: not compared
    ("555-01", "US", None),         # not a possible number
    ("call reception", "US", None),
])
def test_numbers_compare_in_e164_whatever_way_they_were_typed(typed, region, expected):
    assert e164(typed, region) == expected


def test_check_warns_of_a_phone_that_cannot_be_a_number_and_passes_the_real_world_forms(tmp_path):
    vault = make_vault(tmp_path / "v", {
        "contacts/ann.md": """\
            ---
            type: contact
            name: Ann Lee
            phone: "(503) 555-0143"
            phones: ["503.555.0144", "+49 40 5550 1000", "0049 40 5550 1001", "555-01"]
            ---
            """,
        "leads/bo.md": """\
            ---
            type: lead
            name: Bo inquiry
            stage: new
            phone: "+1 503 55"
            emails: [bo@bo.example]
            ---
            """,
        "accounts/cy.md": """\
            ---
            type: account
            name: Cy Corp
            email: info@cy.example
            phones: ["+1 503 555 0199"]
            ---
            """,
    }, config=US)
    result = vault.run("check")
    assert result.exit_code == 0, result.output  # warnings only
    lines = [line for line in result.output.splitlines() if "phone-invalid" in line]
    assert len(lines) == 2, result.output
    assert "contacts/ann.md:5: warning[phone-invalid]: phones: '555-01' is not a possible" in lines[0]
    assert "leads/bo.md:5: warning[phone-invalid]: phone: '+1 503 55'" in lines[1]
    assert "key-unknown" not in result.output  # emails/phones on leads, email/phones on accounts are known keys


def test_without_a_region_only_international_numbers_are_judged(tmp_path):
    vault = make_vault(tmp_path / "v", {
        "contacts/ann.md": "---\ntype: contact\nname: Ann Lee\nphone: \"555-01\"\nphones: [\"+1 503 55\"]\n---\n",
    })
    result = vault.run("check")
    assert "contacts/ann.md:5: warning[phone-invalid]: phones: '+1 503 55'" in result.output
    assert "'555-01'" not in result.output


def test_a_phone_region_that_is_no_country_is_a_config_problem(tmp_path):
    vault = make_vault(tmp_path / "v", config=default_config_text() + "\nphone_region: Narnia\n")
    result = vault.run("check")
    assert "salesmd.yaml:" in result.output and "error[config-value]: 'phone_region' must be a country code" in result.output
