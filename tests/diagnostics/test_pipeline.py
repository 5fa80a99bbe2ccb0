"""Pipeline truth: stale open loans, untouched new leads, required loan fields."""

from __future__ import annotations

import math

import pandas as pd

from kit.diagnostics import pipeline
from kit.diagnostics.standards import parse_standards
from tests.diagnostics.helpers import context, row, value


def _opp(oid, owner, stage, changed=None, created="2024-05-01", status="open", **kw):
    return {
        "opportunity_id": oid,
        "owner_id": owner,
        "created_at": created,
        "stage": stage,
        "stage_changed_at": changed,
        "status": status,
        **kw,
    }


OPPS = [
    _opp("o1", "a1", "processing", "2024-06-10 09:00", amount=320000.0),  # 20 days: stale
    _opp("o2", "a1", "application", "2024-06-20 09:00"),  # 10 days
    _opp("o3", "a1", "pre_approval", None, created="2024-06-01"),  # history says June 25
    _opp("o4", "a1", "new_lead", None, created="2024-06-16 17:00"),  # never moved: 14 days
    _opp("o5", "a1", "funded", "2024-05-01", status="won"),
    _opp("o6", "a1", "lost", "2024-05-01", status="lost"),
    _opp("o7", "a1", "underwriting", "2024-06-01"),  # history later: June 28
    _opp("o8", "m1", "processing", "2024-06-01"),  # a manager's loan counts for the team only
]
HISTORY = [
    {"opportunity_id": "o3", "stage": "pre_approval", "changed_at": "2024-06-25 10:00"},
    {"opportunity_id": "o7", "stage": "underwriting", "changed_at": "2024-06-28 10:00"},
    {"opportunity_id": "o1", "stage": "processing", "changed_at": "2024-06-02 10:00"},
]


def test_stale_open_loans_uses_the_latest_known_stage_change():
    s = pipeline.compute(context(opportunities=OPPS, stage_history=HISTORY))
    assert value(s, "stale_open_loans", "North") == (0.5, 3, 6)  # o1, o4, o8 of 6 open
    assert value(s, "stale_open_loans", "a1") == (0.4, 2, 5)
    r = row(s, "stale_open_loans", "South")
    assert not r["assessed"] and r["reason"] == "not assessed: no open loans"
    assert math.isnan(r["value"])


def test_stale_days_come_from_the_standards_rule():
    standards = parse_standards(
        {
            "rules": [
                {
                    "id": "fresh",
                    "statement": "Stages move weekly.",
                    "metric": "stale_open_loans",
                    "params": {"days": 7},
                    "direction": "at_most",
                    "target": 0.1,
                    "owner_role": "producer",
                }
            ]
        }
    )
    s = pipeline.compute(context(opportunities=OPPS, stage_history=HISTORY, standards=standards))
    assert value(s, "stale_open_loans", "North") == (4 / 6, 4, 6)  # o2 (10 days) joins


def test_stale_loans_for_the_review_list_carry_stage_amount_and_age():
    s = pipeline.compute(context(opportunities=OPPS, stage_history=HISTORY))
    stale = s.units["stale_loans"].set_index("record_id")
    assert stale.loc["o1", "age_days"] == 20
    assert stale.loc["o4", "age_days"] == 14
    assert stale.loc["o8", "age_days"] == 29
    assert stale.loc["o1", "detail"] == "stage Processing, $320,000, no stage change in 14+ days"


def test_without_stage_dates_staleness_is_not_assessed():
    opps = [_opp("o1", "a1", "processing", None)]
    s = pipeline.compute(context(opportunities=opps))
    r = row(s, "stale_open_loans", "North")
    assert r["reason"] == (
        "not assessed: no stage change dates (stage_changed_at) or stage history provided"
    )


def test_missing_opportunities_table():
    s = pipeline.compute(context())
    m = pd.concat(s.metrics)
    stale = m[m["metric"] == "stale_open_loans"]
    assert set(stale["reason"]) == {"not assessed: no opportunities provided"}
    assert not stale["assessed"].any()


CONTACTS = [
    {
        "contact_id": "c1",
        "created_at": "2024-06-20 10:00",
        "owner_id": "a1",
        "contact_type": "lead",
    },
    {
        "contact_id": "c2",
        "created_at": "2024-06-21 10:00",
        "owner_id": "a1",
        "contact_type": "lead",
    },
    # blank type but a lead lifecycle stage: a lead
    {
        "contact_id": "c3",
        "created_at": "2024-06-22 10:00",
        "owner_id": "a2",
        "lifecycle_stage": "lead",
    },
    {
        "contact_id": "c4",
        "created_at": "2024-01-05 10:00",
        "owner_id": "a1",
        "contact_type": "lead",
    },
    {
        "contact_id": "c5",
        "created_at": "2024-06-22 10:00",
        "owner_id": "a1",
        "contact_type": "past_client",
    },
]
TOUCHES = [
    {
        "activity_id": "t1",
        "user_id": "a1",
        "type": "call",
        "occurred_at": "2024-06-20 11:00",
        "contact_id": "c1",
    },
    {
        "activity_id": "t2",
        "user_id": "a1",
        "type": "email",
        "occurred_at": "2024-06-21 10:01",
        "contact_id": "c2",
        "automated": True,
    },
]


def test_new_leads_never_touched_by_a_person():
    s = pipeline.compute(context(contacts=CONTACTS, activities=TOUCHES))
    v, n, d = value(s, "leads_without_touch", "North")
    assert (n, d) == (2, 3) and math.isclose(v, 2 / 3)  # c2 (automated only) and c3
    assert value(s, "leads_without_touch", "a2") == (1.0, 1, 1)
    assert not row(s, "leads_without_touch", "South")["assessed"]
    assert row(s, "leads_without_touch", "South")["reason"] == (
        "not assessed: no new leads in the window"
    )
    untouched = s.units["untouched_leads"].set_index("record_id")
    assert sorted(untouched.index) == ["c2", "c3"]
    assert untouched.loc["c2", "age_days"] == 9


def test_required_loan_fields_per_stage():
    standards = parse_standards(
        {
            "rules": [
                {
                    "id": "r",
                    "statement": "s",
                    "metric": "loan_fields_complete",
                    "direction": "at_least",
                    "target": 0.9,
                    "owner_role": "producer",
                }
            ],
            "required_fields": {
                "opportunities": {"all": ["loan_purpose"], "application": ["loan_number"]}
            },
        }
    )
    opps = [
        _opp("o1", "a1", "processing", "2024-06-25", loan_purpose="purchase", loan_number="L1"),
        _opp("o2", "a1", "new_lead", "2024-06-25", loan_purpose="purchase"),  # no number needed
        _opp("o3", "a1", "application", "2024-06-25", loan_purpose="purchase"),  # needs number
        _opp("o4", "a1", "new_lead", "2024-06-25", loan_number="  "),  # no purpose
        _opp("o5", "a1", "funded", "2024-06-25", status="won"),  # not open
    ]
    s = pipeline.compute(context(opportunities=opps, standards=standards))
    assert value(s, "loan_fields_complete", "a1") == (0.5, 2, 4)

    # A column the export never had is not judged "missing": only loan_purpose counts here.
    ctx = context(opportunities=opps, standards=standards)
    ctx.dataset.manifest["tables"] = {"opportunities": {"absent_fields": ["loan_number"]}}
    s = pipeline.compute(ctx)
    assert value(s, "loan_fields_complete", "a1") == (0.75, 3, 4)  # o4 lacks a purpose

    ctx = context(opportunities=opps, standards=standards)
    absent = {"absent_fields": ["loan_number", "loan_purpose"]}
    ctx.dataset.manifest["tables"] = {"opportunities": absent}
    s = pipeline.compute(ctx)
    assert row(s, "loan_fields_complete", "a1")["reason"] == (
        "not assessed: the export has no loan_number, loan_purpose column"
    )
