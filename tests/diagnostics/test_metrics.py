"""The metric catalogue and the row builders every metric module uses."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kit.diagnostics.metrics import METRICS
from kit.diagnostics.rows import count_rows, median_rows, missing_rows, present, share_rows
from kit.results import METRIC_COLUMNS
from kit.sections import SECTIONS
from tests.diagnostics.helpers import context, row


def test_catalogue_entries_are_complete():
    assert len(METRICS) >= 30
    for m in METRICS.values():
        assert m.unit in {"share", "days", "minutes", "count", "currency"}, m.id
        assert m.section in SECTIONS and SECTIONS[m.section].measured, m.id
        assert m.better in {"higher", "lower"}, m.id
        assert m.label and m.definition.endswith("."), m.id
        assert "{" in m.evidence, m.id
        assert set(m.scopes) <= {"organization", "team", "producer"}


def test_share_rows_count_units_per_producer_team_and_organization():
    ctx = context()
    # users: a1 a2 m1 (North) b1 b2 (South) w1 (West); team codes North 0, South 1, West 2
    user = np.array([0, 0, 1, 2, 3, -1])
    team = np.array([0, 0, 0, 0, 1, -1])
    hit = np.array([True, False, True, True, False, True])
    frame = share_rows(ctx, "stale_open_loans", team=team, user=user, hit=hit, empty_reason="x")
    assert list(frame.columns) == list(METRIC_COLUMNS)
    r = row(frame, "stale_open_loans", "North")
    assert (r["value"], r["numerator"], r["denominator"], r["unit"]) == (0.75, 3, 4, "share")
    assert row(frame, "stale_open_loans", "a1")["value"] == 0.5
    assert row(frame, "stale_open_loans")["denominator"] == 6  # every unit, even teamless
    west = row(frame, "stale_open_loans", "West")
    assert not west["assessed"] and math.isnan(west["value"]) and west["reason"] == "x"
    assert set(frame["scope"]) == {"organization", "team", "producer"}
    # the manager's unit counts for the team only; the inactive producer has no row
    assert set(frame.loc[frame["scope"] == "producer", "producer_id"]) == {"a1", "a2", "b1", "w1"}


def test_team_only_metric_has_no_producer_rows():
    ctx = context()
    frame = share_rows(
        ctx,
        "contacts_without_owner",
        team=np.array([0]),
        user=np.array([-1]),
        hit=np.array([True]),
        empty_reason="x",
    )
    assert "producer" not in set(frame["scope"])


def test_count_and_median_rows():
    ctx = context()
    counts = count_rows(
        ctx,
        "active_partners",
        team=np.array([0, 0, 0]),
        user=np.array([0, 0, 1]),
        hit=np.array([True, False, True]),
        empty_reason="x",
    )
    assert row(counts, "active_partners", "North")[["value", "denominator"]].tolist() == [2, 3]
    medians = median_rows(
        ctx,
        "median_speed_to_lead",
        team=np.array([0, 0, 0, 1]),
        user=np.array([0, 0, 1, 3]),
        values=np.array([1.0, 3.0, 10.0, 7.0]),
        empty_reason="x",
    )
    assert row(medians, "median_speed_to_lead", "North")["value"] == 3.0
    assert row(medians, "median_speed_to_lead", "a1")["value"] == 2.0
    assert row(medians, "median_speed_to_lead")["value"] == 5.0
    assert not row(medians, "median_speed_to_lead", "West")["assessed"]


def test_missing_rows_are_never_zero():
    ctx = context()
    frame = missing_rows(ctx, "funded_loans_in_crm", "not assessed: no LOS loans provided")
    assert frame["value"].isna().all() and not frame["assessed"].any()
    assert frame["denominator"].isna().all()
    assert set(frame["reason"]) == {"not assessed: no LOS loans provided"}


def test_present_reads_blank_text_as_missing_whether_text_or_categorical() -> None:
    values = ["call back", "  ", None, "", "call back"]
    frame = pd.DataFrame(
        {"text": pd.Series(values, dtype="str"), "coded": pd.Series(values, dtype="category")}
    )
    assert present(frame, "text").tolist() == [True, False, False, False, True]
    assert present(frame, "coded").tolist() == [True, False, False, False, True]
