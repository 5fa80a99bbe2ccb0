"""The diagnostics read back from a team-partitioned dataset folder (what the runner does
once intake's tables are dropped) give exactly the results of the tables in memory."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kit.dataset import Dataset, load_dataset, write_dataset
from kit.diagnostics.run import diagnose, diagnose_dataset, read_columns
from kit.diagnostics.standards import load_standards
from kit.results import FRAMES, Results
from tests.diagnostics.helpers import USERS, table

OPTIONS = {"as_of": "2024-06-30", "launch": "2024-06-03", "seat_cost_per_month": 95.0}


def _same(left: Results, right: Results) -> None:
    for name in FRAMES:
        pd.testing.assert_frame_equal(
            getattr(left, name), getattr(right, name), check_exact=True, obj=name
        )
    assert left.parameters == right.parameters


def _organization(users: list[dict]) -> Dataset:
    """Contacts, loans and activities of North and South, with a producer who has no team
    (z1: intake excludes a user without a team, so z1 is not among the users), an owner who
    is not a CRM user (ghost), an unknown activity user (zz), a loan owned by North on
    South's contact, South touching North's contact, and West (in USERS) with no events."""
    contacts = [
        {
            "contact_id": "c1",
            "created_at": "2024-06-20 10:00",
            "owner_id": "a1",
            "contact_type": "lead",
            "lead_source": "zillow",
            "email": "m@example.com",
        },
        {
            "contact_id": "c2",
            "created_at": "2024-06-21 10:00",
            "owner_id": "b1",
            "contact_type": "lead",
        },
        {
            "contact_id": "c3",
            "created_at": "2024-06-22 09:00",
            "owner_id": "ghost",
            "contact_type": "lead",
            "lead_source": "referral",
        },
        {
            "contact_id": "c4",
            "created_at": "2024-06-23 09:00",
            "owner_id": "z1",
            "contact_type": "partner",
        },
        {"contact_id": "c5", "created_at": "2024-06-24 09:00", "contact_type": "lead"},
    ]
    loans = [
        {
            "opportunity_id": "o1",
            "owner_id": "a1",
            "created_at": "2024-05-01",
            "stage": "processing",
            "status": "open",
            "stage_changed_at": "2024-06-01",
            "contact_id": "c2",
            "loan_number": "L1",
        },
        {
            "opportunity_id": "o2",
            "owner_id": "ghost",
            "created_at": "2024-06-02",
            "stage": "application",
            "status": "open",
            "contact_id": "c3",
        },
        {
            "opportunity_id": "o3",
            "owner_id": "z1",
            "created_at": "2024-06-05",
            "stage": "funded",
            "status": "won",
            "closed_at": "2024-06-25",
            "contact_id": "c4",
            "loan_number": "L3",
        },
    ]
    history = [
        {
            "opportunity_id": "o1",
            "stage": "processing",
            "changed_at": "2024-06-01",
            "changed_by": "a1",
        },
        {"opportunity_id": "o3", "stage": "funded", "changed_at": "2024-06-25", "changed_by": "z1"},
    ]
    acts = [
        {
            "activity_id": f"x{i}",
            "user_id": user,
            "type": kind,
            "occurred_at": f"2024-06-{day:02d} 10:00",
            "contact_id": contact,
            "opportunity_id": opp,
            "outcome": "spoke",
            "next_step_due": due,
        }
        for i, (user, day, kind, contact, opp, due) in enumerate(
            [
                ("a1", 20, "call", "c1", None, "2024-06-25"),
                ("b1", 21, "call", "c1", None, None),  # South touches North's contact
                ("a2", 25, "email", "c2", "o1", None),
                ("zz", 26, "call", "c3", None, None),  # not a CRM user
                ("z1", 27, "meeting", "c4", "o3", "2024-06-28"),
                ("a1", 28, "call", "c5", None, None),  # first touch of an unowned contact
                ("b1", 5, "note", None, None, None),
            ]
        )
    ]
    los = [
        {
            "loan_number": "L1",
            "officer_id": "a1",
            "application_date": "2024-05-03",
            "funded_date": "2024-06-20",
            "amount": 300000.0,
        },
        {
            "loan_number": "L9",
            "officer_id": "b1",
            "application_date": "2024-05-10",
            "funded_date": "2024-06-15",
            "amount": 250000.0,
        },
        {
            "loan_number": "L3",
            "officer_id": "z1",
            "application_date": "2024-06-05",
            "funded_date": "2024-06-25",
            "amount": 150000.0,
        },
    ]
    logins = [
        {"user_id": u, "login_at": f"2024-06-{d:02d} 08:00"}
        for u, d in [("a1", 20), ("b1", 21), ("z1", 22), ("zz", 23)]
    ]
    tables = {
        "users": table("users", users),
        "contacts": table("contacts", contacts),
        "opportunities": table("opportunities", loans),
        "stage_history": table("stage_history", history),
        "activities": table("activities", acts),
        "los_loans": table("los_loans", los),
        "logins": table("logins", logins),
    }
    return Dataset(tables=tables, manifest={"kit_version": "test"})


@pytest.mark.parametrize(
    "users",
    [
        pytest.param(USERS, id="several-teams-one-with-no-events-a-producer-with-no-team"),
        pytest.param([u for u in USERS if u["team"] == "North"], id="one-team-only"),
    ],
)
def test_diagnose_dataset_is_diagnose_of_the_tables_in_memory(tmp_path: Path, users) -> None:
    ds = _organization(users)
    in_memory = diagnose(ds, **OPTIONS)
    for by_team in (False, True):  # the plain layout and the team-partitioned one
        folder = tmp_path / f"ds-{by_team}"
        write_dataset(ds, folder, by_team=by_team)
        _same(diagnose_dataset(folder, **OPTIONS), in_memory)
        _same(diagnose(load_dataset(folder), **OPTIONS), in_memory)


def test_read_columns_leave_out_only_unread_notes_and_campaign() -> None:
    shipped = read_columns(load_standards())
    assert shipped["activities"] == [  # every other activity column
        "activity_id",
        "user_id",
        "type",
        "occurred_at",
        "contact_id",
        "opportunity_id",
        "logged_at",
        "outcome",
        "next_step",
        "next_step_due",
        "automated",
    ]
    assert "email" in shipped["contacts"]  # duplicate contacts compare emails
    assert "campaign_id" in shipped["contacts"]  # campaigns are measured on contacts


def test_small_demo_read_back_gives_the_runners_results(tmp_path: Path) -> None:
    from kit.demo.organization import write_export
    from kit.intake import intake, read_export

    export = write_export(tmp_path / "export", scale="small", seed=7)
    intake(export, tmp_path / "ds")
    _same(diagnose_dataset(tmp_path / "ds"), diagnose(read_export(export)))
