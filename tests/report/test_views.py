from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from kit.dataset import Dataset
from kit.diagnostics.run import diagnose
from kit.exceptions import ParameterError
from kit.report import views


@pytest.fixture
def results(users):
    """Results of a two-team organization with hand-written frames."""
    base = diagnose(Dataset({"users": users}), as_of="2025-06-30", launch="2025-03-03")
    nan = np.nan
    metrics = pd.DataFrame(
        {
            "scope": ["organization", "team", "team", "organization", "team", "team"],
            "team": [None, "North", "South", None, "North", "South"],
            "producer_id": [None] * 6,
            "producer_name": [None] * 6,
            "metric": ["stale_open_loans"] * 3 + ["funded_loans_in_crm"] * 3,
            "value": [0.5, 0.25, 0.75, nan, nan, nan],
            "numerator": [4.0, 1.0, 3.0, nan, nan, nan],
            "denominator": [8.0, 4.0, 4.0, nan, nan, nan],
            "unit": ["share"] * 6,
            "assessed": [True, True, True, False, False, False],
            "reason": [None, None, None] + ["not assessed: no LOS loans provided"] * 3,
        }
    )
    compliance = pd.DataFrame(
        {
            "scope": ["team", "team"],
            "team": ["North", "North"],
            "rule_id": ["stage_freshness", "funded_in_crm"],
            "statement": ["Stages move every 14 days", "Funded loans are in the CRM"],
            "metric": ["stale_open_loans", "funded_loans_in_crm"],
            "target": [0.1, 0.95],
            "direction": ["at_most", "at_least"],
            "value": [0.25, nan],
            "numerator": [1.0, nan],
            "denominator": [4.0, nan],
            "status": ["warn", "not_assessed"],
            "reason": [None, "not assessed: no LOS loans provided"],
            "owner_role": ["producer", "manager"],
            "rule_order": [0, 1],
        }
    )
    scores = pd.DataFrame(
        {
            "scope": ["organization", "team", "team"],
            "team": [None, "North", "South"],
            "producer_id": [None] * 3,
            "producer_name": [None] * 3,
            "score": [40.0, 80.0, nan],
            "rules_assessed": [1, 1, 0],
            "passed": [0, 1, 0],
            "archetype": [None] * 3,
            "archetype_reason": [None] * 3,
        }
    )
    review = pd.DataFrame(
        {
            "team": ["North"] * 3,
            "item": ["stale_loan", "stale_loan", "overdue_next_step"],
            "record_id": ["O2", "O1", "A9"],
            "producer_id": ["u1", "u2", "u1"],
            "producer_name": ["Ana Ruiz", "Ben Okafor", "Ana Ruiz"],
            "age_days": [20, 31, 3],
            "detail": ["stage Application", "stage Processing", "call"],
        }
    )
    parameters = {**base.parameters, "teams": ["North", "South"]}
    return dataclasses.replace(
        base,
        metrics=metrics,
        compliance=compliance,
        scores=scores,
        review_list=review,
        parameters=parameters,
    )


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (0.583, "share", "58%"),
        (0.001, "share", "<1%"),
        (0.0, "share", "0%"),
        (0.5, "minutes", "under 1 minute"),
        (42, "minutes", "42 min"),
        (95, "minutes", "1.6 hours"),
        (4320, "minutes", "3.0 days"),
        (1250.4, "currency", "$1,250"),
        (12.0, "count", "12"),
        (0.49, "count", "0.5"),
        (None, "share", "not assessed"),
        (float("nan"), "days", "not assessed"),
    ],
)
def test_format_metric(value, unit, text):
    assert views.format_metric(value, unit) == text


def test_section_metrics_put_the_team_beside_the_organization(results):
    pipeline = views.section_metrics(results, "pipeline", team="North")
    assert pipeline.to_dict("records") == [
        {
            "Measure": "Open loans with a stale stage",
            "North": "25%",
            "Organization": "50%",
            "Based on": "1 of 4",
        }
    ]


def test_a_section_without_inputs_says_why(results):
    assert views.section_status(results, "shadow_pipeline", team="North") == (
        "not assessed: no LOS loans provided"
    )
    assert views.section_status(results, "pipeline", team="North") is None
    block = views.section_block(results, "shadow_pipeline", team="North")
    assert "Not assessed:" in block.data and "no LOS loans provided" in block.data


def test_compliance_table(results):
    table = views.compliance(results, "North")
    assert table.to_dict("records") == [
        {
            "Standard": "Stages move every 14 days",
            "Measured": "25%",
            "Target": "at most 10%",
            "Based on": "1 of 4",
            "Status": "warn",
            "Owner": "Producer",
        },
        {
            "Standard": "Funded loans are in the CRM",
            "Measured": "not assessed",
            "Target": "at least 95%",
            "Based on": "not assessed: no LOS loans provided",
            "Status": "not_assessed",
            "Owner": "Manager",
        },
    ]


def test_review_list_is_oldest_first_and_has_no_borrower_columns(results):
    stale = views.review_list(results, "North", item="stale_loan")
    assert stale["Record"].tolist() == ["O1", "O2"]
    assert list(stale.columns) == ["Record", "Producer", "Age (days)", "What to check"]
    block = views.review_blocks(results, "North").data
    assert "Open loans with no stage change in 14+ days (2)" in block
    assert "Overdue next steps (1)" in block
    assert "Calls and meetings with no next step" not in block


def test_review_blocks_say_when_there_is_nothing_to_review(results):
    assert "Nothing to review this week" in views.review_blocks(results, "South").data


def test_portfolio_scores_rank_teams_and_mark_failed_reports(results):
    table = views.portfolio_scores(
        results, team_reports={"North": "teams/north.html"}, failed_teams=["South"]
    )
    assert table["Team"].tolist() == ["North", "South"]
    assert table["Team report"].tolist() == ["North", "South (report failed)"]
    assert table["Report"].iloc[0] == "teams/north.html"
    assert pd.isna(table["Report"].iloc[1])
    not_selected = views.portfolio_scores(results, team_reports={"North": "teams/north.html"})
    assert not_selected["Team report"].tolist() == ["North", "South"]
    assert table["Standards passed"].tolist() == ["1 of 1", "0 of 0"]


def test_resolve_team(results):
    assert views.resolve_team(results, "") == "North"
    assert views.resolve_team(results, "South") == "South"
    with pytest.raises(ParameterError, match="team 'West' is not in the results"):
        views.resolve_team(results, "West")


def test_executive_summary_shows_the_team_score(results):
    card = views.executive_summary(results, "North").data
    assert "North: adoption score" in card
    assert 'kit-score__value">80<' in card


def test_definitions_cover_every_metric():
    from kit.diagnostics.metrics import METRICS

    table = views.definitions()
    assert len(table) == len(METRICS)
    assert table["Definition"].str.len().min() > 20


def test_rule_labels_name_each_standard_by_its_measure(results):
    assert views.rule_labels(results) == {
        "stage_freshness": "Open loans with a stale stage",
        "funded_in_crm": "Funded loans present in the CRM",
    }


def test_compliance_puts_the_status_beside_the_standard(results):
    """On a phone the first columns are what shows: the standard and whether it passed."""
    columns = views.compliance(results, "North").columns.tolist()
    assert columns[:2] == ["Standard", "Status"]
