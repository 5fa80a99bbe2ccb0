"""Findings: plain-language sentences with their evidence, in a deterministic order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.diagnostics.compliance import compliance
from kit.diagnostics.findings import findings
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


def _findings(metrics=METRICS_ROWS, scores=SCORES):
    ctx = context(standards=STANDARDS)
    return findings(ctx, compliance(metrics, STANDARDS), scores, metrics)


def test_order_is_severity_then_impact_and_ties_are_deterministic():
    f = _findings()
    assert list(f.columns) == list(FINDING_COLUMNS)
    got = list(zip(f["severity"], f["scope"], f["team"].fillna("-"), f["rule_id"], strict=True))
    assert got == [
        ("high", "organization", "-", "producer_archetypes"),  # weight 2
        ("high", "organization", "-", "stage_freshness"),
        ("high", "team", "North", "producer_archetypes"),  # weight 2, 50 points short
        ("high", "team", "North", "speed_to_lead"),  # weight 2, 30 points short
        ("high", "team", "North", "stage_freshness"),  # tie with South: alphabetical
        ("high", "team", "South", "stage_freshness"),
        ("high", "producer", "North", "stage_freshness"),  # a failed producer rule ...
        ("medium", "team", "West", "stage_freshness"),  # ... before a team's warn band
    ]
    assert f["rank"].tolist() == list(range(1, 9))
    assert f["team_rank"].tolist()[2:] == [1, 2, 3, 1, 4, 1]
    assert f["team_rank"].iloc[:2].isna().all()
    pd.testing.assert_frame_equal(f, _findings())


def test_sentences_carry_the_evidence_and_the_standard():
    f = _findings().set_index("rank")
    assert f.loc[2, "finding"] == (
        "30% of the organization's 100 open loans have not changed stage in 14+ days "
        "(standard: at most 10%). 2 of the 3 teams fail it and 1 is in the warn band."
    )
    assert f.loc[4, "finding"] == (
        "50% of North's 100 new leads in the last 90 days were touched by a person within "
        "1 hour (standard: at least 80%)."
    )
    assert f.loc[7, "finding"] == (
        "60% of Ana Ruiz's 10 open loans have not changed stage in 14+ days "
        "(standard: at most 10%)."
    )
    assert f.loc[3, "finding"] == (
        "1 of North's 2 producers (50%) does not work fully in the CRM: 1 lapsed (used the "
        "CRM in their first weeks, logged far less in the last 4)."
    )
    assert (f.loc[8, "severity"], f.loc[8, "status"]) == ("medium", "warn")
    assert f.loc[4, "standard"] == (
        "At least 80% of new leads are touched within 1 hour. (target: at least 80%)"
    )
    assert (f.loc[6, "value"], f.loc[6, "numerator"], f.loc[6, "denominator"]) == (0.5, 10, 20)


def test_a_value_that_misses_the_target_never_reads_as_the_target():
    """Seen: an outcome share of 89.97% shown as "90%" (standard: at least 90%) beside a
    warning."""
    rows = pd.DataFrame(
        [_metric("team", "North", None, "speed_to_lead_1h", 0.79996, 79996, 100000)]
    )
    f = _findings(rows, SCORES.iloc[:0])
    assert f["finding"].tolist() == [
        "79.9% of North's 100,000 new leads in the last 90 days were touched by a person "
        "within 1 hour (standard: at least 80%)."
    ]


def test_an_organization_finding_never_says_0_of_n_teams_fail():
    """Seen: a portfolio finding ending "0 of 5 teams fail this standard"."""
    rows = pd.DataFrame(
        [
            _metric("organization", None, None, "stale_open_loans", 0.2, 20, 100),
            _metric("team", "North", None, "stale_open_loans", 0.05, 1, 20),
            _metric("team", "South", None, "stale_open_loans", 0.5, 2, 4),  # too few
        ]
    )
    f = _findings(rows, SCORES.iloc[:0])
    assert f["scope"].tolist() == ["organization"]  # too few to judge is never a finding
    assert f["finding"].iloc[0] == (
        "20% of the organization's 100 open loans have not changed stage in 14+ days "
        "(standard: at most 10%). The one team judged meets it on its own: 1 team has too "
        "few open loans to judge and 76 of the 100 open loans belong to no team."
    )
    assert "0 of" not in f["finding"].iloc[0]
    warned = rows.assign(value=[0.2, 0.2, 0.2], numerator=[20, 4, 4], denominator=[100, 20, 20])
    assert _findings(warned, SCORES.iloc[:0])["finding"].iloc[0].endswith(
        "No team fails it; 2 of the 2 teams are in the warn band."
    )


def test_too_few_to_judge_is_never_a_finding():
    rows = pd.DataFrame([_metric("producer", "North", "a1", "stale_open_loans", 1.0, 3, 3)])
    assert _findings(rows, SCORES.iloc[:0]).empty


def test_the_team_archetype_finding_counts_lapsed_never_adopted_and_partial_together():
    """docs/metrics.md: a team of 7 with one lapsed and one partial producer (29% together)
    gets a finding; each archetype alone (14%) is under the 20% share."""
    kinds = ["lapsed", "partial", *["consistent"] * 5]
    scores = pd.DataFrame(
        {
            "scope": "producer",
            "team": "West",
            "producer_id": [f"w{i}" for i in range(7)],
            "archetype": kinds,
        }
    )
    f = _findings(METRICS_ROWS.iloc[:0], scores)
    team = f[f["scope"] == "team"]
    assert team["finding"].tolist() == [
        "2 of West's 7 producers (29%) do not work fully in the CRM: 1 lapsed (used the CRM in "
        "their first weeks, logged far less in the last 4), 1 uses it only partly (some work "
        "logged, but practice standards missed or weeks skipped)."
    ]
    assert team[["severity", "numerator", "denominator"]].values.tolist() == [["high", 2, 7]]
    assert team["require"].iloc[0].startswith("Make the lapse visible")
    # one partial producer of seven alone is no finding
    alone = scores.assign(archetype=["partial", *["consistent"] * 6])
    assert _findings(METRICS_ROWS.iloc[:0], alone).empty



def test_the_team_archetype_finding_counts_archetypes_read_from_records_together():
    """Issue 13's combined share counts issue 19's archetypes by records too: with no
    activity log, a team of 7 with one producer lapsed by records and one partial by records
    (29% together) gets the finding; either alone (14%) is under the 20% share."""
    kinds = ["lapsed_by_records", "partial_by_records", *["consistent_by_records"] * 5]
    scores = pd.DataFrame(
        {
            "scope": "producer",
            "team": "West",
            "producer_id": [f"w{i}" for i in range(7)],
            "archetype": kinds,
        }
    )
    f = _findings(METRICS_ROWS.iloc[:0], scores)
    team = f[f["scope"] == "team"]
    assert team["finding"].tolist() == [
        "2 of West's 7 producers (29%) do not work fully in the CRM: 1 lapsed by records "
        "(entered and moved loans in the CRM in their first weeks, far fewer in the last 4), "
        "1 uses it only partly by records (records entered, but pipeline standards missed or "
        "weeks skipped)."
    ]
    assert team[["severity", "numerator", "denominator"]].values.tolist() == [["high", 2, 7]]
    assert f[f["scope"] == "organization"]["numerator"].tolist() == [2]
    alone = scores.assign(archetype=["partial_by_records", *["consistent_by_records"] * 6])
    assert _findings(METRICS_ROWS.iloc[:0], alone).empty

def test_zero_share_reads_none_of_not_only_zero_percent():
    from kit.diagnostics.findings import _fill, _sentences

    texts = {
        "value": np.array(["0%", "5%"], dtype=object),
        "whose": np.array(["West's", "East's"], dtype=object),
    }
    sentences = _sentences(_fill("only {value} of {whose} loans exist in the CRM", texts, 2))
    assert sentences.tolist() == [
        "None of West's loans exist in the CRM",
        "Only 5% of East's loans exist in the CRM",
    ]
