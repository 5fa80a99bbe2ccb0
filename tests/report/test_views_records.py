"""The report side of an opportunities-only export: adoption by records, pipeline hygiene and
what the export could not show (the fixture of tests/diagnostics/test_requests.py: four
producers, each with five open loans entered in March and five loans won in June, launched
five weeks before the as-of day)."""

from __future__ import annotations

import pytest

from kit.diagnostics.evidence import TOO_FEW
from kit.diagnostics.run import diagnose
from kit.report import views
from tests.diagnostics.helpers import AS_OF, LAUNCH
from tests.diagnostics.test_requests import RECORDS_LAUNCH, _full, _pipeline_only


@pytest.fixture(scope="module")
def results():
    return diagnose(_pipeline_only(expected_close=False), as_of=AS_OF, launch=RECORDS_LAUNCH)


def test_export_requests_read_as_requests_with_their_share_of_the_score(results):
    table = views.export_requests(results)
    assert table.columns.tolist() == [
        "Ask for",
        "It would add",
        "Standards it would let us score",
        "Share of the score",
    ]
    total = 35.0  # the shipped standards' weights
    assert table["Share of the score"].tolist() == pytest.approx(
        [9 / total, 6 / total, 2 / total, 2 / total, 2 / total, 0.0]
    )
    assert table["Ask for"].iloc[0].startswith("An activity export")
    assert table["Standards it would let us score"].iloc[-1] == "none of the current standards"
    html = views.export_requests_block(results).data
    assert "An activity export" in html and "26%" in html


def test_a_complete_export_has_nothing_to_ask_for():
    full = diagnose(_full(), as_of=AS_OF, launch=LAUNCH)
    html = views.export_requests_block(full).data
    assert "nothing to ask for" in html and "kit-callout--good" in html


def test_key_numbers_show_adoption_by_records_when_there_is_no_activity_log(results):
    html = views.key_numbers(results, "North").data
    assert "Weekly record entry (by records)" in html
    # counts from the one formatter, with the noun of what they count (issue 13)
    assert "of producer-weeks saw records created or updated (4 of 8 producer-weeks)" in html
    assert "of open loans entered the pipeline 60+ days ago (10 of 10 open loans)" in html
    assert TOO_FEW not in html  # every North number rests on at least 5 records
    full = diagnose(_full(), as_of=AS_OF, launch=LAUNCH)
    assert "by records" not in views.key_numbers(full, "North").data  # logged work shown


def test_records_section_has_its_curve_and_measures(results):
    html = views.section_block(results, "records", team="North").data
    assert "<img" in html and "by records" in html
    table = views.section_metrics(results, "records", team="North").set_index("Measure")
    assert table.loc["Weekly record entry (by records)", "North"] == "50%"
    assert table.loc["Weekly record entry (by records)", "Organization"] == "44%"  # 8 of 18
    assert table.loc["Weekly record entry (by records)", "Based on"] == "4 of 8 producer-weeks"
    assert table.loc["Records entered per producer-week", "Based on"] == "8 producer-weeks"


def test_scorecard_and_portfolio_name_archetypes_read_from_records(results):
    card = views.producer_scorecard(results, "North").set_index("Producer")
    # Ana fails a judged standard (5 open loans, all aged): partial, not consistent
    assert card.loc["Ana Ruiz", "Archetype"] == "Partial by records"
    assert card.loc["Ana Ruiz", "Window weeks with records (by records)"] == "40%"
    assert card.loc["Ana Ruiz", "Open loans past the age limit"] == "100%"
    # Ben, seated 3 weeks: his weekly entry is shown with its counts but not judged
    assert card.loc["Ben Okafor", "Window weeks with records (by records)"] == (
        "too few to judge (2 of 3 producer-weeks)"
    )
    portfolio = views.portfolio_scores(results).set_index("Team")
    assert portfolio.loc["North", "Partial"] == 2
    assert portfolio.loc["North", "Archetypes from"] == "records (weaker)"
