"""The record types as data: which keys each takes, of what kind, and which are required."""

from __future__ import annotations

# Kinds of value: str, date, datetime (date or datetime), number, percent, link, links, strings.
COMMON = {"owner": "str", "territory": "str", "tags": "strings", "created": "date", "type": "str"}

KEYS: dict[str, dict[str, str]] = {
    "lead": {"name": "str", "stage": "str", "company": "str", "person": "str", "email": "str",
             "phone": "str", "source": "str", "converted_to": "link", "converted_on": "date",
             "emails": "strings", "phones": "strings"},
    "contact": {"name": "str", "account": "link", "email": "str", "phone": "str", "role": "str",
                "lead": "link", "emails": "strings", "phones": "strings", "family_name": "str",
                "given_name": "str", "keep_in_touch": "number"},
    "account": {"name": "str", "industry": "str", "website": "str", "phone": "str", "email": "str",
                "emails": "strings", "phones": "strings", "keep_in_touch": "number"},
    "opportunity": {"name": "str", "stage": "str", "account": "link", "contacts": "links",
                    "amount": "number", "currency": "currency", "probability": "percent",
                    "close_date": "date", "product": "str", "lead": "link", "lost_reason": "str"},
    "activity": {"subject": "str", "kind": "str", "status": "str", "start": "datetime",
                 "end": "datetime", "related": "links", "outcome": "str"},
    "task": {"subject": "str", "status": "str", "due": "datetime", "purpose": "str",
             "outcome": "str", "related": "links", "follows": "link"},
    "note": {"title": "str", "date": "date", "related": "links"},
    "issue": {"subject": "str", "severity": "str", "stage": "str", "account": "link", "contact": "link",
              "opportunity": "link", "product": "str", "opened": "date", "resolved": "date",
              "resolution": "str", "feedback": "str"},
}
for _keys in KEYS.values():
    _keys.update(COMMON)
# The id a record had in the system it was imported from ("hubspot:12345"): import writes it on
# every type it creates, so every one of them knows the key.
for _type in ("lead", "contact", "account", "opportunity", "activity", "task"):
    KEYS[_type]["source_id"] = "str"

REQUIRED: dict[str, tuple[str, ...]] = {
    "lead": ("name", "stage"),
    "contact": ("name",),
    "account": ("name",),
    "opportunity": ("name", "stage"),
    "activity": ("subject", "kind", "status", "start"),
    "task": ("subject", "status", "due"),
    "note": ("title", "date"),
    "issue": ("subject", "stage"),
}

CUSTOMER = ("lead", "contact", "account", "opportunity")

# What each link key may point to.
LINK_TARGETS: dict[str, dict[str, tuple[str, ...]]] = {
    "lead": {"converted_to": ("opportunity",)},
    "contact": {"account": ("account",), "lead": ("lead",)},
    "account": {},
    "opportunity": {"account": ("account",), "contacts": ("contact",), "lead": ("lead",)},
    "activity": {"related": CUSTOMER},
    "task": {"related": CUSTOMER, "follows": ("task",)},
    "note": {"related": CUSTOMER},
    "issue": {"account": ("account",), "contact": ("contact",), "opportunity": ("opportunity",)},
}

# The key whose value is a record's date on a timeline.
WHEN_KEY = {"activity": "start", "task": "due", "note": "date"}
