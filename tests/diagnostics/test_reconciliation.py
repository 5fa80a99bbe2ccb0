"""Reconciliation: the shadow pipeline against the LOS, and seat ROI."""

from __future__ import annotations

import math

import pandas as pd

from kit.diagnostics import reconciliation
from tests.diagnostics.helpers import context, row, value


def _opp(oid, number):
    return {
        "opportunity_id": oid,
        "owner_id": "a1",
        "created_at": "2024-05-01",
        "stage": "funded",
        "status": "won",
        "loan_number": number,
    }


def _loan(number, officer, funded, amount=300000.0):
    return {"loan_number": number, "officer_id": officer, "funded_date": funded, "amount": amount}


OPPS = [_opp("o1", " ln-100 "), _opp("o2", "LN-101"), _opp("o3", None)]
LOANS = [
    _loan("LN-100", "a1", "2024-06-10"),  # in the CRM (trimmed, case-insensitive)
    _loan("LN-101", "a1", "2024-06-11"),
    _loan("LN-102", "a1", "2024-06-12", amount=250000.0),  # shadow
    _loan("LN-103", "b1", "2024-06-12"),  # shadow
    _loan("LN-104", "b1", "2024-01-12"),  # funded before the window
    _loan("LN-105", "b1", None),  # not funded
    _loan("LN-106", "zz", "2024-06-20"),  # officer unknown to the CRM
]


def test_funded_loans_in_crm_and_the_shadow_pipeline():
    s = reconciliation.compute(context(opportunities=OPPS, los_loans=LOANS))
    assert value(s, "funded_loans_in_crm", "a1") == (2 / 3, 2, 3)
    assert value(s, "funded_loans_in_crm", "South") == (0.0, 0, 1)
    assert value(s, "funded_loans_in_crm") == (0.4, 2, 5)
    shadow = s.frames["shadow_pipeline"].set_index("producer_id")
    assert shadow.loc["a1", ["funded_los_loans", "in_crm", "missing"]].tolist() == [3, 2, 1]
    assert shadow.loc["a1", "missing_amount"] == 250000.0
    assert pd.isna(shadow.loc["zz", "team"])
    missing = s.units["funded_loan_missing_from_crm"].set_index("record_id")
    assert missing.loc["LN-102", "detail"] == (
        "LOS loan funded 2024-06-12, $250,000, no CRM opportunity"
    )
    assert missing.loc["LN-102", "age_days"] == 18


def test_shadow_pipeline_not_assessed_without_los_or_loan_numbers():
    s = reconciliation.compute(context(opportunities=OPPS))
    assert row(s, "funded_loans_in_crm", "North")["reason"] == (
        "not assessed: no LOS loans provided"
    )
    no_numbers = [_opp("o1", None)]
    s = reconciliation.compute(context(opportunities=no_numbers, los_loans=LOANS))
    assert row(s, "funded_loans_in_crm", "North")["reason"] == (
        "not assessed: CRM opportunities carry no LOS loan numbers"
    )


ACTS = [
    {"activity_id": "a", "user_id": "a1", "type": "call", "occurred_at": "2024-06-20"},
    {
        "activity_id": "b",
        "user_id": "a2",
        "type": "email",
        "occurred_at": "2024-06-20",
        "automated": True,
    },  # automation is not use of a seat
    {"activity_id": "c", "user_id": "m1", "type": "note", "occurred_at": "2024-06-25"},
    {"activity_id": "d", "user_id": "b1", "type": "call", "occurred_at": "2024-05-20"},  # > 30 d
]


def test_seat_roi_with_a_seat_cost():
    s = reconciliation.compute(context(activities=ACTS, seat_cost_per_month=100.0))
    seats = s.frames["seat_roi"].set_index("team")
    north = seats.loc["North"]
    assert north[["seats", "active_producers", "active_seats", "idle_seats"]].tolist() == [
        3,
        1,
        2,
        1,
    ]
    assert north[["monthly_cost", "cost_per_active_producer", "idle_seat_spend"]].tolist() == [
        300.0,
        300.0,
        100.0,
    ]
    south = seats.loc["South"]  # Dee's seat is inactive: one seat, idle
    assert south[["seats", "active_producers", "idle_seats"]].tolist() == [1, 0, 1]
    assert math.isnan(south["cost_per_active_producer"])
    assert value(s, "idle_seat_share", "North") == (1 / 3, 1, 3)
    assert value(s, "idle_seat_spend", "North")[0] == 100.0
    assert value(s, "cost_per_active_producer", "North")[0] == 300.0
    r = row(s, "cost_per_active_producer", "South")
    assert r["reason"] == "not assessed: no producer logged work in the last 30 days"
    assert value(s, "idle_seat_spend")[0] == 300.0  # Ben, Cy, Eve


def test_seat_costs_not_assessed_without_a_cost():
    s = reconciliation.compute(context(activities=ACTS))
    assert row(s, "idle_seat_spend", "North")["reason"] == "not assessed: no seat cost given"
    assert s.frames["seat_roi"]["monthly_cost"].isna().all()
    assert value(s, "idle_seat_share", "West") == (1.0, 1, 1)


def test_seat_numbers_come_from_one_count_and_add_up():
    """Seen: the portfolio finding said 15 of 43 seats idle costing $1,750 while the table
    totalled 42 seats and 14 idle (the share counted inactive seats, the spend did not)."""
    s = reconciliation.compute(context(activities=ACTS, seat_cost_per_month=100.0))
    frame = s.frames["seat_roi"]
    # Dee's inactive seat is no seat anywhere: North 3 (Ben idle), South 1 (Cy idle), West 1
    assert value(s, "idle_seat_share") == (3 / 5, 3, 5)
    assert (frame["seats"].sum(), frame["idle_seats"].sum()) == (5, 3)
    assert value(s, "idle_seat_spend")[0] == 100.0 * frame["idle_seats"].sum()
    assert (frame["active_seats"] + frame["idle_seats"]).tolist() == frame["seats"].tolist()
    for team, seats in frame.set_index("team")["seats"].items():
        idle = frame.set_index("team").loc[team, "idle_seats"]
        assert value(s, "idle_seat_share", team)[1:] == (idle, seats)
