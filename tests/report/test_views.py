from __future__ import annotations

import dataclasses
from math import nan

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
            "numerator": [20.0, 5.0, 15.0, nan, nan, nan],
            "denominator": [40.0, 20.0, 20.0, nan, nan, nan],
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
            "warn": [0.25, 0.85],
            "direction": ["at_most", "at_least"],
            "value": [0.25, nan],
            "numerator": [5.0, nan],
            "denominator": [20.0, nan],
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
            "warned": [0, 0, 0],
            "failed": [1, 0, 0],
            "not_assessed": [1, 1, 1],
            "too_few": [0, 0, 1],
            "weight_assessed": [1.0, 1.0, 0.0],
            "weight_total": [2.0, 2.0, 2.0],
            "evidence": ["scored", "scored", "not enough evidence"],
            "missing": [
                "funded loans present in the CRM (no LOS loans provided)",
                "funded loans present in the CRM (no LOS loans provided)",
                "open loans with a stale stage (too few to judge: 3 open loans (fewer than 5)); "
                "funded loans present in the CRM (no LOS loans provided)",
            ],
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


def test_section_metrics_put_the_team_beside_the_organization(results):
    pipeline = views.section_metrics(results, "pipeline", team="North")
    assert pipeline.to_dict("records") == [
        {
            "Measure": "Open loans with a stale stage",
            "North": "25%",
            "Organization": "50%",
            "Based on": "5 of 20 open loans",
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
            "Based on": "5 of 20 open loans",
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


def test_a_teams_review_rows_follow_a_review_list_changed_in_place(results):
    """Where each team's rows are is kept per kernel while the review list's team column is
    the same data; a notebook that moves a row to another team in its copy sees it move."""
    assert views.review_list(results, "South", item="stale_loan").empty
    first = results.review_list.index[results.review_list["record_id"] == "O1"][0]
    results.review_list.loc[first, "team"] = "South"  # written into: a column of its own
    moved = views.review_list(results, "South", item="stale_loan")
    assert moved["Record"].tolist() == ["O1"]
    assert views.review_list(results, "North", item="stale_loan")["Record"].tolist() == ["O2"]


def test_review_blocks_say_when_there_is_nothing_to_review(results):
    block = views.review_blocks(results, "South").data
    assert "Nothing to review this week: no item that could be checked is out of standard." in (
        block
    )
    assert "Funded loans missing from the CRM (no LOS loans provided)" in block


def test_an_empty_review_list_never_claims_unchecked_items_are_in_standard(results):
    """On the real Maven export (no activities, contacts or LOS loans) the review list said
    "no item is out of standard" although nothing could be checked."""
    unassessed = results.metrics.assign(
        assessed=False, value=nan, reason="not assessed: no activities provided"
    )
    block = views.review_blocks(dataclasses.replace(results, metrics=unassessed), "South").data
    assert "Nothing to review" not in block and "out of standard" not in block
    assert "Not checked:" in block


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
    assert table["Standards passed"].tolist() == ["1 of 1 judged", "none judged"]
    # no producer classified: the archetype counts are not assessed, never zeros
    assert table["Lapsed"].isna().all()
    assert table["Score based on"].tolist() == [
        "1 of 2 standards",
        "not enough evidence (0 of 2 standards judged)",
    ]


def test_resolve_team(results):
    assert views.resolve_team(results, "") == "North"
    assert views.resolve_team(results, "South") == "South"
    with pytest.raises(ParameterError, match="team 'West' is not in the results"):
        views.resolve_team(results, "West")


def test_executive_summary_shows_the_team_score(results):
    card = views.executive_summary(results, "North").data
    assert "North: adoption score" in card
    assert 'kit-score__value">80<' in card
    assert "Based on 1 of 2 standards." in card and "On track" in card


def test_a_score_without_enough_evidence_is_never_a_number_nor_on_track(results):
    card = views.executive_summary(results, "South").data
    assert 'kit-score__value">—<' in card
    assert "Not enough evidence" in card
    for band in ("On track", "Partly adopted", "Off track", "/ 100"):
        assert band not in card
    assert (
        "Not enough evidence to score: 0 of 2 standards could be judged, carrying 0 of their "
        "2 weight (at least 50% is needed). Not judged: open loans with a stale stage (too few "
        "to judge: 3 open loans (fewer than 5)); funded loans present in the CRM (no LOS "
        "loans provided)."
    ) in card
    assert "No findings: no standard could be judged on this data." in card


def test_a_value_on_too_few_records_shows_its_counts_but_is_not_judged(results):
    few = results.metrics.assign(numerator=[20.0, 1.0, 15.0] + [nan] * 3)
    few.loc[1, "denominator"] = 4.0
    r = dataclasses.replace(
        results,
        metrics=few,
        compliance=results.compliance.assign(
            status=["too_few", "not_assessed"], numerator=[1.0, nan], denominator=[4.0, nan]
        ),
    )
    row = views.section_metrics(r, "pipeline", team="North").iloc[0].to_dict()
    assert (row["North"], row["Based on"]) == ("too few to judge", "1 of 4 open loans")
    table = views.compliance(r, "North").iloc[0]
    assert (table["Measured"], table["Status"]) == ("too few to judge", "too_few")
    tiles = views.key_numbers(r, "North").data
    assert "too few to judge" in tiles and "1 of 4 open loans" in tiles


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


def _custom(results):
    """The fixture's results as if run with a custom standards file."""
    standards = {
        "rules": [
            {
                "id": "stage_freshness",
                "statement": "Stages move every 21 days.",
                "metric": "stale_open_loans",
                "params": {"days": 21},
                "direction": "at_most",
                "target": 0.15,
                "warn": 0.3,
            },
            {
                "id": "past_clients",
                "statement": "Past clients hear from us every 120 days.",
                "metric": "past_clients_touched",
                "params": {"days": 120, "touches": "any"},
                "direction": "at_least",
                "target": 0.85,
                "warn": 0.65,
            },
        ],
        "score_bands": {"amber": 60, "green": 85},
    }
    return dataclasses.replace(results, parameters={**results.parameters, "standards": standards})


def test_review_titles_take_their_cadence_from_the_standards(results):
    """Seen: review titles hard-coded "14+ days", "90+ days", "30+ days"."""
    block = views.review_blocks(_custom(results), "North").data
    assert "Open loans with no stage change in 21+ days (2)" in block
    assert "14+" not in block


def test_score_method_and_bands_come_from_the_standards(results):
    """Seen: "Green is 75" typed into the notebook."""
    custom = _custom(results)
    text = views.score_method(custom).data
    assert "Green is 85 and above, amber 60 to 85, red below 60." in text
    assert "at least 50% of the standards&#x27; weight" in text
    default = views.score_method(results).data
    assert "Green is 75 and above, amber 50 to 75, red below 50." in default
    # the card's colour follows the custom bands: 80 is amber under green-from-85
    card = views.executive_summary(custom, "North").data
    assert "kit-score--amber" in card and "Partly adopted" in card


def test_each_section_states_its_standards_from_the_file(results):
    note = views.standards_note(_custom(results), "pipeline").data
    assert (
        "Stages move every 21 days. Target: at most 15%; a warning, not a failure, up to 30%."
    ) in note
    assert views.standards_note(_custom(results), "presence") is None
    block = views.section_block(_custom(results), "relationships", team="North").data
    assert "Past clients hear from us every 120 days. Target: at least 85%" in block


def test_seat_table_adds_up_and_names_its_window(results):
    roi = pd.DataFrame(
        {
            "team": ["North", "South"],
            "seats": [10, 8],
            "active_producers": [7.0, 5.0],
            "active_seats": [8.0, 5.0],
            "idle_seats": [2.0, 3.0],
            "monthly_cost": [1250.0, 1000.0],
            "cost_per_active_producer": [178.57, 200.0],
            "idle_seat_spend": [250.0, 375.0],
        }
    )
    r = dataclasses.replace(results, seat_roi=roi, parameters={**results.parameters})
    table = views.seat_roi(r)
    assert (table["Seats in use"] + table["Idle seats"]).tolist() == table["Seats"].tolist()
    assert table["Producers active"].tolist() == [7, 5]


def test_open_results_reads_a_bundle_once_per_process_and_again_when_rewritten(
    users, tmp_path, monkeypatch
):
    from kit.results import load_results

    assessed = diagnose(Dataset({"users": users}), as_of="2025-06-30", launch="2025-03-03")
    folder = tmp_path / "results"
    assessed.write(folder)
    reads = []
    monkeypatch.setattr(views, "load_results", lambda f: reads.append(f) or load_results(f))
    views._READ.clear()
    first = views.open_results(folder)
    first.metrics["value"] = -1.0  # a notebook changing its copy
    first.parameters["client"] = "changed"
    second = views.open_results(str(folder))
    assert len(reads) == 1  # the same, unchanged bundle: read once
    fresh = load_results(folder)
    assert second.metrics.equals(fresh.metrics)  # no other report sees the change
    assert second.parameters == fresh.parameters
    assert (second.metrics["value"] != -1.0).all()
    again = dataclasses.replace(assessed, parameters={**assessed.parameters, "client": "Other"})
    again.write(folder, replace=True)  # the bundle written again
    assert views.open_results(folder).parameters["client"] == "Other"
    assert len(reads) == 2
