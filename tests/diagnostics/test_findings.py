"""Findings: plain-language sentences with their evidence, in a deterministic order."""

from __future__ import annotations

import pandas as pd
import pytest

from kit.diagnostics.compliance import compliance
from kit.diagnostics.findings import findings, format_standard, format_value
from kit.results import FINDING_COLUMNS
from tests.diagnostics.helpers import context
from tests.diagnostics.test_compliance import STANDARDS, _metric

METRICS_ROWS = pd.DataFrame(
    [
        _metric("organization", None, None, "stale_open_loans", 0.30, 30, 100),
        _metric("team", "North", None, "stale_open_loans", 0.5, 10, 20),
        _metric("team", "South", None, "stale_open_loans", 0.5, 10, 20),  # ties with North
        _metric("team", "West", None, "stale_open_loans", 0.2, 4, 20),
        _metric("team", "North", None, "speed_to_lead_1h", 0.5, 50, 100),
        _metric("producer", "North", "a1", "stale_open_loans", 0.6, 6, 10),
        _metric("producer", "North", "a2", "stale_open_loans", 0.0, 0, 10),
    ]
)
METRICS_ROWS.loc[METRICS_ROWS["producer_id"] == "a1", "producer_name"] = "Ana Ruiz"
SCORES = pd.DataFrame(
    {
        "scope": ["producer", "producer"],
        "team": ["North", "North"],
        "producer_id": ["a1", "a2"],
        "archetype": ["lapsed", "consistent"],
    }
)


def _findings():
    ctx = context(standards=STANDARDS)
    return findings(ctx, compliance(METRICS_ROWS, STANDARDS), SCORES, METRICS_ROWS)


def test_order_and_ties_are_deterministic():
    f = _findings()
    assert list(f.columns) == list(FINDING_COLUMNS)
    got = list(zip(f["scope"], f["team"].fillna("-"), f["rule_id"], strict=True))
    assert got == [
        ("organization", "-", "lapsed_producers"),  # weight 2
        ("organization", "-", "stage_freshness"),
        ("team", "North", "lapsed_producers"),  # weight 2, 50 points short
        ("team", "North", "speed_to_lead"),  # weight 2, 30 points short
        ("team", "North", "stage_freshness"),  # tie with South: alphabetical
        ("team", "South", "stage_freshness"),
        ("team", "West", "stage_freshness"),  # warn after fails
        ("producer", "North", "stage_freshness"),
    ]
    assert f["rank"].tolist() == list(range(1, 9))
    assert f["team_rank"].tolist()[2:] == [1, 2, 3, 1, 1, 4]
    assert f["team_rank"].iloc[:2].isna().all()
    pd.testing.assert_frame_equal(f, _findings())


def test_sentences_carry_the_evidence_and_the_standard():
    f = _findings().set_index("rank")
    assert f.loc[2, "finding"] == (
        "30% of the organization's 100 open loans have not changed stage in 14+ days "
        "(standard: at most 10%). 2 of 3 teams fail this standard."
    )
    assert f.loc[4, "finding"] == (
        "50% of North's 100 new leads in the last 90 days were touched by a person within "
        "1 hour (standard: at least 80%)."
    )
    assert f.loc[8, "finding"] == (
        "60% of Ana Ruiz's 10 open loans have not changed stage in 14+ days "
        "(standard: at most 10%)."
    )
    assert f.loc[3, "finding"] == (
        "1 of North's 2 producers lapsed: they used the CRM in their first weeks but logged "
        "far less in the last 4 weeks."
    )
    assert (f.loc[7, "severity"], f.loc[7, "status"]) == ("medium", "warn")
    assert f.loc[4, "standard"] == (
        "At least 80% of new leads are touched within 1 hour. (target: at least 80%)"
    )
    assert (f.loc[5, "value"], f.loc[5, "numerator"], f.loc[5, "denominator"]) == (0.5, 10, 20)


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (0.584, "share", "58%"),
        (0.004, "share", "<1%"),
        (0.996, "share", ">99%"),
        (1.0, "share", "100%"),
        (3.2, "minutes", "3 minutes"),
        (95, "minutes", "1.6 hours"),
        (4000, "minutes", "2.8 days"),
        (1, "days", "1 day"),
        (1234.6, "currency", "$1,235"),
        (7.0, "count", "7"),
        (6.25, "count", "6.2"),
        (float("nan"), "share", "n/a"),
    ],
)
def test_format_value(value, unit, text):
    assert format_value(value, unit) == text


def test_format_standard():
    assert format_standard("at_most", 0.1, "share") == "at most 10%"
    assert format_standard("at_least", 30, "minutes") == "at least 30 minutes"


def test_zero_share_reads_none_of_not_only_zero_percent():
    from kit.diagnostics.findings import _fill

    sentences = _fill(
        "only {value} of {whose} loans exist in the CRM",
        {"value": pd.Series(["0%", "5%"]), "whose": pd.Series(["West's", "East's"])},
    )
    assert sentences.tolist() == [
        "None of West's loans exist in the CRM",
        "Only 5% of East's loans exist in the CRM",
    ]
