"""Adoption by records: record-days per producer-week, the trajectory and archetypes by
records, on a hand-made organization (see tests/diagnostics/helpers.py).

As of Sunday 2024-06-30, launch Monday 2024-06-03: window weeks end at midnight after the
as-of day, so week 0 is 24-30 June, week 1 17-23 June, week 2 10-16 June and week 3 3-9 June.
a1, b1 and w1 are seated for 4 window weeks; a2 (seat 10 June) for 3.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kit.diagnostics import records
from kit.diagnostics.archetypes import RECORD_ARCHETYPES, archetypes
from tests.diagnostics.helpers import context, row, value
from tests.diagnostics.test_archetypes import COMPLIANCE, PROFILE

OPPS = [
    # a1: created 4 June (week 3), stage change 12 June (week 2), won 25 June (week 0)
    {
        "opportunity_id": "o1",
        "owner_id": "a1",
        "created_at": "2024-06-04 10:00",
        "stage": "funded",
        "status": "won",
        "stage_changed_at": "2024-06-12 09:00",
        "closed_at": "2024-06-25 16:00",
    },
    # a1: a second record created the same day (a second record-day in week 3)
    {
        "opportunity_id": "o2",
        "owner_id": "a1",
        "created_at": "2024-06-04 15:00",
        "stage": "application",
        "status": "open",
    },
    # b1: created before launch, in a week b1 was not yet measured on
    {"opportunity_id": "o3", "owner_id": "b1", "created_at": "2024-05-01", "stage": "new_lead"},
    # a2: created before their seat started (not counted), lost on 28 June (week 0)
    {
        "opportunity_id": "o4",
        "owner_id": "a2",
        "created_at": "2024-06-05",
        "stage": "lost",
        "status": "lost",
        "closed_at": "2024-06-28",
    },
    # a1: dated after the as-of date: left out
    {"opportunity_id": "o5", "owner_id": "a1", "created_at": "2024-07-05", "stage": "new_lead"},
]
HISTORY = [
    # the creation row of o1: the same record-day as its creation
    {"opportunity_id": "o1", "stage": "new_lead", "changed_at": "2024-06-04 10:00"},
    # moved by the manager: credited to m1, not to the owner
    {
        "opportunity_id": "o2",
        "stage": "pre_approval",
        "changed_at": "2024-06-19 11:00",
        "changed_by": "m1",
    },
    # no changed_by: credited to the owner a1 (week 1)
    {"opportunity_id": "o2", "stage": "application", "changed_at": "2024-06-20 11:00"},
]
CONTACTS = [{"contact_id": "c1", "owner_id": "b1", "created_at": "2024-06-26 09:00"}]


def _section():
    return records.compute(context(opportunities=OPPS, stage_history=HISTORY, contacts=CONTACTS))


def test_record_days_are_distinct_and_credited_to_who_changed_them():
    ctx = context(opportunities=OPPS, stage_history=HISTORY, contacts=CONTACTS)
    days = records.record_days(ctx)
    found = sorted(
        (str(ctx.user_ids[u]), int(r), str(pd.Timestamp(d).date()))
        for u, r, d in days.itertuples(index=False)
    )
    assert found == [
        ("a1", 0, "2024-06-04"),  # o1 created (and its creation history row)
        ("a1", 0, "2024-06-12"),  # o1 stage change date
        ("a1", 0, "2024-06-25"),  # o1 won
        ("a1", 1, "2024-06-04"),  # o2 created
        ("a1", 1, "2024-06-20"),  # o2 moved, no changed_by: the owner
        ("a2", 3, "2024-06-05"),  # o4 created
        ("a2", 3, "2024-06-28"),  # o4 lost
        ("b1", 2, "2024-05-01"),  # o3 created
        ("b1", 5, "2024-06-26"),  # contact c1 created (record number 5 + its row 0)
        ("m1", 1, "2024-06-19"),  # o2 moved by the manager
    ]


def test_weekly_record_producers_counts_seated_producer_weeks_with_a_record():
    s = _section()
    assert value(s, "weekly_record_producers", "a1") == (1.0, 4, 4)  # weeks 0-3
    assert value(s, "weekly_record_producers", "a2") == (1 / 3, 1, 3)  # the loss in week 0
    assert value(s, "weekly_record_producers", "b1") == (0.25, 1, 4)  # the contact
    assert value(s, "weekly_record_producers", "w1") == (0.0, 0, 4)
    assert value(s, "weekly_record_producers", "North") == (5 / 7, 5, 7)  # m1 is no producer
    assert value(s, "weekly_record_producers", "South") == (0.25, 1, 4)  # b2's seat is inactive
    assert value(s, "weekly_record_producers") == (0.4, 6, 15)


def test_records_per_producer_week():
    s = _section()
    assert value(s, "records_per_producer_week", "a1") == (5 / 4, 5, 4)
    assert value(s, "records_per_producer_week", "North") == (6 / 7, 6, 7)
    assert value(s, "records_per_producer_week") == (7 / 15, 7, 15)  # + b1 contact


def test_record_trajectory_by_launch_week():
    weekly = _section().frames["record_weekly"]
    north = weekly[weekly["team"] == "North"].set_index("week_number")
    assert north["producers"].tolist() == [1, 2, 2, 2]  # a2 seated from week 2
    assert north["producers_with_records"].tolist() == [1, 1, 1, 2]
    assert north["records"].tolist() == [2, 1, 1, 2]
    assert north["share_with_records"].tolist() == [1.0, 0.5, 0.5, 1.0]
    assert north["days_observed"].tolist() == [7, 7, 7, 7]
    west = weekly[weekly["team"] == "West"]
    assert west["share_with_records"].tolist() == [0.0, 0.0, 0.0, 0.0]


def test_no_opportunities_or_contacts_is_not_assessed():
    s = records.compute(context())
    r = row(s, "weekly_record_producers", "North")
    assert (
        not r["assessed"] and r["reason"] == "not assessed: no opportunities or contacts provided"
    )
    assert math.isnan(r["value"])
    assert s.not_assessed == [("records", "not assessed: no opportunities or contacts provided")]
    assert s.frames["record_weekly"].empty


def test_archetypes_by_records_when_there_is_no_activity_log():
    blank = PROFILE.assign(**{c: np.nan for c in PROFILE.columns if c != "user"})
    out = archetypes(context(), blank, COMPLIANCE, records=PROFILE).set_index("producer_id")
    assert out["archetype"].to_dict() == {
        "a1": "lapsed_by_records",
        "a2": "consistent_by_records",
        "b1": "never_adopted_by_records",
        "w1": "partial_by_records",
    }
    assert set(out["archetype"]) <= set(RECORD_ARCHETYPES)
    assert out.loc["a1", "archetype_reason"] == (
        "by records: their deal entry stopped: 12 record-days a week in their first 6 weeks "
        "but 0.2 a week in the last 4 (1 record-days)"
    )
    assert out.loc["b1", "archetype_reason"] == (
        "by records: never built the habit: created or updated records in 3 of 20 weeks since "
        "launch (0.3 record-days a week; typical producer 6)"
    )
    assert out.loc["w1", "archetype_reason"] == (
        "by records: created or updated records in 20 of 20 weeks since launch (8 record-days "
        "a week; typical producer 6), but fails open loans with a stale stage, new contacts with "
        "a lead source"
    )


def test_the_activity_log_decides_the_archetype_when_there_is_one():
    weak = PROFILE.assign(activities=0.0, early_activities=0.0, active_weeks=0.0)
    out = archetypes(context(), PROFILE, COMPLIANCE, records=weak).set_index("producer_id")
    assert out.loc["a1", "archetype"] == "lapsed"
    assert out.loc["a2", "archetype"] == "consistent"


def test_a_record_dated_on_the_monday_opening_a_week_counts_in_that_week():
    """Record-days are midnights: a loan entered on launch Monday 3 June is in Eve's first
    seated window week (it used to fall in the week before and was dropped), and one entered
    Monday 24 June in the last week, as in the launch-week trajectory."""
    opps = [
        {"opportunity_id": "m1", "owner_id": "w1", "created_at": "2024-06-03", "stage": "lead"},
        {"opportunity_id": "m2", "owner_id": "w1", "created_at": "2024-06-24", "stage": "lead"},
    ]
    s = records.compute(context(opportunities=opps))
    assert value(s, "weekly_record_producers", "w1") == (0.5, 2, 4)
    west = s.frames["record_weekly"]
    west = west[west["team"] == "West"]
    assert west["producers_with_records"].tolist() == [1, 0, 0, 1]
