"""The weekly manager review list: specific records, never borrower PII."""

from __future__ import annotations

from kit.diagnostics import followup, pipeline, relationships
from kit.diagnostics.review import review_list
from kit.diagnostics.rows import Measurements
from kit.results import REVIEW_COLUMNS
from tests.diagnostics.helpers import context

PII = {"Maria", "Lopez", "maria.lopez@example.com", "(555) 010-9999", "SSN 123-45-6789"}
CONTACTS = [
    {
        "contact_id": "c1",
        "created_at": "2024-06-25 10:00",
        "owner_id": "a1",
        "contact_type": "lead",
        "first_name": "Maria",
        "last_name": "Lopez",
        "email": "maria.lopez@example.com",
        "phone": "(555) 010-9999",
    },
    {
        "contact_id": "c2",
        "created_at": "2023-01-01",
        "owner_id": "b1",
        "contact_type": "past_client",
        "first_name": "Maria",
    },
    {"contact_id": "c3", "created_at": "2023-01-01", "contact_type": "past_client"},  # no team
]
OPPS = [
    {
        "opportunity_id": "o1",
        "owner_id": "a1",
        "created_at": "2024-05-01",
        "stage": "underwriting",
        "status": "open",
        "stage_changed_at": "2024-06-01",
        "contact_id": "c1",
        "amount": 410000.0,
    }
]
ACTS = [
    {
        "activity_id": "x1",
        "user_id": "a1",
        "type": "call",
        "occurred_at": "2024-06-28 10:00",
        "notes": "SSN 123-45-6789 Maria Lopez",
        "outcome": "Maria Lopez wants a rate",
    }
]


def _review():
    ctx = context(contacts=CONTACTS, opportunities=OPPS, activities=ACTS)
    section = Measurements()
    for module in (pipeline, followup, relationships):
        section.extend(module.compute(ctx))
    return review_list(ctx, section.units)


def test_review_list_items_and_order():
    r = _review()
    assert list(r.columns) == list(REVIEW_COLUMNS)
    got = list(zip(r["team"], r["item"], r["record_id"], r["age_days"], strict=True))
    assert got == [
        ("North", "stale_loan", "o1", 29),
        ("North", "untouched_lead", "c1", 5),
        ("North", "missing_next_step", "x1", 2),
        ("South", "past_client_out_of_cadence", "c2", 546),
    ]
    north = r[r["record_id"] == "o1"].iloc[0]
    assert (north["producer_id"], north["producer_name"]) == ("a1", "Ana Ruiz")
    assert north["detail"] == "stage Underwriting, $410,000, no stage change in 14+ days"


def test_review_list_never_carries_borrower_pii():
    r = _review()
    assert not {"first_name", "last_name", "email", "phone", "notes", "outcome"} & set(r.columns)
    text = " ".join(r.astype(str).to_numpy().ravel())
    for secret in PII:
        assert secret not in text
