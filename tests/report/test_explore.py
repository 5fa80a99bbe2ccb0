"""The analyst's API returns the numbers behind the reports, and refuses unknown names."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from kit.dataset import Dataset
from kit.diagnostics.metrics import METRICS
from kit.diagnostics.run import diagnose
from kit.exceptions import ParameterError
from kit.report import explore, views

nan = np.nan


@pytest.fixture
def results(users):
    """Two teams; North's producers Ana (u1) and Ben (u2), with hand-written numbers."""
    base = diagnose(Dataset({"users": users}), as_of="2025-06-30", launch="2025-03-03")

    def metric_rows(scope, team, pid, name, stale, stale_n, stale_d, touched):
        return [
            [
                scope,
                team,
                pid,
                name,
                "stale_open_loans",
                stale,
                stale_n,
                stale_d,
                "share",
                True,
                None,
            ],
            [scope, team, pid, name, "leads_without_touch", touched, nan, nan, "share", True, None],
            [
                scope,
                team,
                pid,
                name,
                "funded_loans_in_crm",
                nan,
                nan,
                nan,
                "share",
                False,
                "no LOS",
            ],
        ]

    rows = [
        *metric_rows("organization", None, None, None, 0.5, 4.0, 8.0, 0.2),
        *metric_rows("team", "North", None, None, 0.25, 1.0, 4.0, 0.1),
        *metric_rows("team", "South", None, None, 0.75, 3.0, 4.0, 0.3),
        *metric_rows("producer", "North", "u1", "Ana Ruiz", 0.0, 0.0, 2.0, 0.05),
        *metric_rows("producer", "North", "u2", "Ben Okafor", 0.5, 1.0, 2.0, 0.15),
    ]
    metrics = pd.DataFrame(
        rows,
        columns=[
            "scope",
            "team",
            "producer_id",
            "producer_name",
            "metric",
            "value",
            "numerator",
            "denominator",
            "unit",
            "assessed",
            "reason",
        ],
    )
    scores = pd.DataFrame(
        {
            "scope": ["organization", "team", "team", "producer", "producer"],
            "team": [None, "North", "South", "North", "North"],
            "producer_id": [None, None, None, "u1", "u2"],
            "producer_name": [None, None, None, "Ana Ruiz", "Ben Okafor"],
            "score": [40.0, 80.0, 10.0, 90.0, 35.0],
            "rules_assessed": [1, 1, 1, 1, 1],
            "passed": [0, 1, 0, 1, 0],
            "warned": [1, 0, 0, 0, 1],
            "failed": [0, 0, 1, 0, 0],
            "archetype": [None, None, None, "consistent", "lapsed"],
            "archetype_reason": [None, None, None, "steady", "stopped in May"],
        }
    )
    compliance = pd.DataFrame(
        {
            "scope": ["producer", "producer"],
            "team": ["North", "North"],
            "producer_id": ["u2", "u2"],
            "producer_name": ["Ben Okafor", "Ben Okafor"],
            "rule_id": ["funded_in_crm", "stage_freshness"],
            "statement": ["Funded loans are in the CRM", "Stages move every 14 days"],
            "metric": ["funded_loans_in_crm", "stale_open_loans"],
            "value": [nan, 0.5],
            "target": [0.95, 0.1],
            "direction": ["at_least", "at_most"],
            "status": ["not_assessed", "fail"],
            "numerator": [nan, 1.0],
            "denominator": [nan, 2.0],
            "reason": ["no LOS", None],
            "rule_order": [1, 0],
        }
    )
    review = pd.DataFrame(
        {
            "team": ["North"] * 4,
            "item": ["overdue_next_step", "stale_loan", "stale_loan", "stale_loan"],
            "record_id": ["A9", "O1", "O2", "O3"],
            "producer_id": ["u2", "u2", "u2", "u1"],
            "producer_name": ["Ben Okafor", "Ben Okafor", "Ben Okafor", "Ana Ruiz"],
            "age_days": [3, 20, 31, 40],
            "detail": ["call", "stage Application", "stage Processing", "stage Closing"],
        }
    )
    return dataclasses.replace(
        base,
        metrics=metrics,
        scores=scores,
        compliance=compliance,
        review_list=review,
        parameters={**base.parameters, "teams": ["North", "South"]},
    )


def test_teams_one_row_each_with_archetype_counts(results):
    frame = explore.teams(results)
    assert frame["team"].tolist() == ["North", "South"]
    assert frame["score"].tolist() == [80.0, 10.0]
    assert frame["producers"].tolist() == [2, 0]
    assert frame["consistent"].tolist() == [1, 0]
    assert frame["lapsed"].tolist() == [1, 0]
    assert frame["never_adopted"].tolist() == [0, 0]


def test_team_metrics_are_numbers_beside_the_organization(results):
    frame = explore.team_metrics(results, "North")
    assert frame["metric"].tolist() == [
        k
        for k in METRICS
        if k in ("stale_open_loans", "leads_without_touch", "funded_loans_in_crm")
    ]
    stale = frame.set_index("metric").loc["stale_open_loans"]
    assert (stale["value"], stale["numerator"], stale["denominator"]) == (0.25, 1.0, 4.0)
    assert stale["organization"] == 0.5
    assert stale["measure"] == METRICS["stale_open_loans"].label
    assert explore.team_metrics(results, "North", section="pipeline")[
        "section"
    ].unique().tolist() == ["pipeline"]


def test_producers_best_first_with_a_column_per_metric(results):
    frame = explore.producers(results, "North")
    assert frame["producer_name"].tolist() == ["Ana Ruiz", "Ben Okafor"]
    assert frame["stale_open_loans"].tolist() == [0.0, 0.5]
    assert frame["archetype"].tolist() == ["consistent", "lapsed"]


def test_one_producers_drill_down_by_name_or_id(results):
    by_name = explore.producer_metrics(results, "Ben Okafor")
    assert by_name.equals(explore.producer_metrics(results, "u2"))
    stale = by_name.set_index("metric").loc["stale_open_loans"]
    assert (stale["value"], stale["team_value"], stale["organization"]) == (0.5, 0.25, 0.5)
    funded = by_name.set_index("metric").loc["funded_loans_in_crm"]
    assert not funded["assessed"] and funded["reason"] == "no LOS"
    standards = explore.producer_standards(results, "Ben Okafor")
    assert standards["rule_id"].tolist() == ["stage_freshness", "funded_in_crm"]
    assert standards["status"].tolist() == ["fail", "not_assessed"]
    review = explore.producer_review_list(results, "Ben Okafor")
    assert review["record_id"].tolist() == ["O2", "O1", "A9"]  # meeting order, oldest first


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda r: explore.team_metrics(r, "Nort"),
            "team 'Nort' is not in the results. Did you mean 'North'? Known teams: North, South",
        ),
        (
            lambda r: explore.producers(r, "West"),
            "team 'West' is not in the results. Known teams: North, South",
        ),
        (
            lambda r: explore.producer_metrics(r, "Ana Ruis"),
            "producer 'Ana Ruis' is not in the results. Did you mean 'Ana Ruiz'? "
            "Known producers: Ana Ruiz, Ben Okafor",
        ),
        (
            lambda r: explore.team_metrics(r, "North", section="pipe"),
            "section 'pipe' is not a report section. Did you mean 'pipeline'?",
        ),
        (
            lambda r: views.section_metrics(r, "pipeline", team="Nort"),
            "team 'Nort' is not in the results; teams: North, South",
        ),
    ],
)
def test_unknown_names_raise_with_the_known_ones(results, call, message):
    with pytest.raises(ParameterError) as raised:
        call(results)
    assert str(raised.value).startswith(message)


def test_a_name_two_producers_share_asks_for_an_id(results):
    scores = results.scores.copy()
    scores.loc[scores["producer_id"] == "u2", "producer_name"] = "Ana Ruiz"
    twins = dataclasses.replace(results, scores=scores)
    with pytest.raises(ParameterError, match=r"2 producers are named 'Ana Ruiz': .*\(u1, u2\)"):
        explore.producer_metrics(twins, "Ana Ruiz")
