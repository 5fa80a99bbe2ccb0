"""What the reports say about change: the blocks of kit.report.change_views."""

from __future__ import annotations

import pandas as pd
import pytest

from kit.diagnostics.changes import compare
from kit.report import change_views, plots
from kit.results import Results
from tests.diagnostics.test_changes import _rule, results
from tests.diagnostics.test_requirement import _dataset, _standards


def _follow_up(**after_scores: float) -> Results:
    rules = [_rule("next_step"), _rule("lead_source")]
    before = results(
        "2025-03-31",
        scores=[
            ("organization", None, None, None, 40.0, None),
            ("team", "North <West>", None, None, 40.0, None),
            ("team", "South", None, None, 70.0, None),
            ("producer", "North <West>", "n1", "Ana Ruiz", 40.0, "partial"),
        ],
        compliance=[
            ("team", "North <West>", None, "next_step", 20, 100),
            ("team", "North <West>", None, "lead_source", 90, 100),
            ("team", "South", None, "next_step", 70, 100),
            ("producer", "North <West>", "n1", "lead_source", 45, 50),
        ],
        rules=rules,
    )
    after = results(
        "2025-06-30",
        scores=[
            ("organization", None, None, None, 55.0, None),
            ("team", "North <West>", None, None, after_scores.get("north", 60.0), None),
            ("team", "South", None, None, 65.0, None),
            ("producer", "North <West>", "n1", "Ana Ruiz", 60.0, "consistent"),
        ],
        compliance=[
            ("team", "North <West>", None, "next_step", 80, 100),
            ("team", "North <West>", None, "lead_source", 60, 100),
            ("team", "South", None, "next_step", 68, 100),
            ("producer", "North <West>", "n1", "lead_source", 20, 50),
        ],
        rules=rules,
    )
    after.parameters.update(
        launch="2025-01-06", baselines=[{"as_of": "2025-03-31"}], teams=["North <West>", "South"]
    )
    after.changes = compare(after, [before])
    return after


@pytest.fixture(scope="module")
def follow_up() -> Results:
    return _follow_up()


def test_since_last_assessment_opens_with_scores_verdicts_and_evidence(follow_up) -> None:
    html = str(change_views.since_last_assessment(follow_up, "North <West>"))
    assert "Since the last assessment (Mar 31, 2025)" in html
    assert "Score as of Mar 31, 2025" in html and "+20 since Mar 31, 2025" in html
    assert "The adoption score went from 40 to 60: 1 of the 2 standards compared improved" in html
    assert html.index("<h4>Improved</h4>") < html.index("<h4>Worse</h4>")
    assert "20% (20 of 100) as of Mar 31, 2025, 80% (80 of 100) now; +60 points" in html
    assert "New contacts with a lead source: 90% (90 of 100)" in html  # the worse one
    assert "<strong>Ana Ruiz</strong>: partial then, consistent now" in html


def test_client_text_is_escaped(follow_up) -> None:
    hostile = _follow_up()
    hostile.changes["producer_name"] = hostile.changes["producer_name"].replace(
        "Ana Ruiz", "<script>alert(1)</script>"
    )
    for block in (change_views.since_last_assessment, change_views.regressions_block):
        html = str(block(hostile, "North <West>"))
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html


def test_blocks_are_empty_without_a_baseline(follow_up) -> None:
    plain = _follow_up()
    plain.parameters.pop("baselines")
    for block in (
        change_views.since_last_assessment,
        change_views.regressions_block,
        change_views.what_changed,
        change_views.since_required,
    ):
        assert str(block(plain, "North <West>")) == ""
    assert str(change_views.portfolio_changes(plain)) == ""
    assert str(change_views.portfolio_requirements(plain)) == ""


def test_the_review_list_flags_what_got_worse(follow_up) -> None:
    html = str(change_views.regressions_block(follow_up, "North <West>"))
    assert "Worse since the last assessment (Mar 31, 2025)" in html
    # the team's standard and the producer's, each pointing at the review list to walk
    assert html.count("Review: New contacts with no lead source (below).") == 2
    assert "Ana Ruiz: New contacts with a lead source" in html
    south = str(change_views.regressions_block(follow_up, "South"))
    assert "Nothing got worse beyond noise since the last assessment (Mar 31, 2025)." in south


def test_portfolio_ranks_teams_by_change(follow_up) -> None:
    ranking = change_views.change_ranking(follow_up)
    assert ranking["Team"].tolist() == ["North <West>", "South"]
    assert ranking["Change"].tolist() == ["+20", "-5"]
    assert ranking.columns[:3].tolist() == ["Team", "Score Mar 31, 2025", "Score now"]
    history = change_views.score_history(follow_up)
    assert history[history["team"] == "South"]["score"].tolist() == [70.0, 65.0]
    organization = change_views.organization_score_history(follow_up)
    assert organization.to_dict("list") == {
        "as_of": ["2025-03-31", "2025-06-30"],
        "score": [40.0, 55.0],
    }
    html = str(change_views.portfolio_changes(follow_up))
    assert "Teams ranked by the change in their adoption score" in html
    assert "Line chart: Adoption score by team at each assessment" in html


def test_curve_marks_the_baseline_and_required_dates(follow_up) -> None:
    assert change_views.curve_marks(follow_up) == [(84, "assessed Mar 31, 2025")]
    follow_up.parameters["standards"]["rules"][0].update(
        required_from="2025-02-03", teams=["South"]
    )
    try:
        assert change_views.curve_marks(follow_up, "South") == [
            (28, "required Feb 3, 2025"),
            (84, "assessed Mar 31, 2025"),
        ]
        assert change_views.curve_marks(follow_up, "North <West>") == [
            (84, "assessed Mar 31, 2025")
        ]
    finally:
        follow_up.parameters["standards"]["rules"][0].pop("required_from")
    chart = plots.adoption_curves(
        pd.DataFrame({"team": ["North"], "week_number": [1], "share_active": [0.5]}),
        marks=[(84, "assessed Mar 31, 2025")],
    )
    assert "marked: assessed Mar 31, 2025 (day 84)" in chart.alt


def test_since_required_tells_the_required_team_its_verdicts() -> None:
    from kit.diagnostics.run import diagnose

    r = diagnose(
        _dataset((40, 160), (40, 40)),
        as_of="2025-03-02",
        launch="2025-01-06",
        standards=_standards(required_from="2025-02-03", teams=["North"]),
    )
    html = str(change_views.since_required(r, "North"))
    assert "Since the standards were required (Feb 3, 2025)" in html
    assert "1 standard required of North from Feb 3, 2025: 1 improved beyond noise" in html
    assert "Equal windows: Jan 6, 2025 to Feb 2, 2025 against Feb 3, 2025 to Mar 2, 2025." in html
    assert "the teams not required changed 0 points, so the difference is +60 points" in html
    assert str(change_views.since_required(r, "South")) == ""  # not required of South
    table = change_views.requirement_summary(r)
    assert table["Team"].tolist() == ["North", "South", "Teams not required"]
    assert table["Verdict"].tolist()[0] == "improved"
    section = str(change_views.what_changed(r, "North"))
    assert "What changed" in section and "before and after the standards were required" in section


def test_the_review_list_flags_a_required_standard_that_got_worse() -> None:
    from kit.diagnostics.run import diagnose

    r = diagnose(
        _dataset((160, 40), (40, 40)),  # North: 80% of calls with a next step, then 20%
        as_of="2025-03-02",
        launch="2025-01-06",
        standards=_standards(required_from="2025-02-03", teams=["North"]),
    )
    html = str(change_views.regressions_block(r, "North"))
    assert "Worse since the standards were required" in html
    assert "Review: Calls and meetings with no next step (below)." in html
    assert "Ana Ruiz: Conversations with a next step" in html  # and its producer
    assert str(change_views.regressions_block(r, "South")) == ""


def test_a_standard_required_after_the_as_of_date_is_said_not_assessed() -> None:
    """The baseline of a re-assessment predates the requirement: its report says so."""
    from kit.diagnostics.run import diagnose

    r = diagnose(
        _dataset((40, 160), (40, 40)),
        as_of="2025-03-02",
        launch="2025-01-06",
        standards=_standards(required_from="2025-04-01", teams=["North"]),
    )
    html = str(change_views.since_required(r, "North"))
    assert "1 standard required of North from Apr 1, 2025: not assessed: required from " in html
    assert "nothing to compare yet." in html
    assert str(change_views.what_changed(r, "North")) == ""  # nothing was compared
    assert str(change_views.regressions_block(r, "North")) == ""


def test_portfolio_score_trend_of_more_teams_than_colours_draws_the_organization() -> None:
    rules = [_rule("next_step")]
    teams = [f"T{t:02d}" for t in range(11)]

    def assessed(as_of: str, organization: float, offset: float) -> Results:
        return results(
            as_of,
            scores=[
                ("organization", None, None, None, organization, None),
                *[("team", t, None, None, 5.0 * i + offset, None) for i, t in enumerate(teams)],
            ],
            compliance=[("team", t, None, "next_step", 50, 100) for t in teams],
            rules=rules,
        )

    after = assessed("2025-06-30", 55.0, 5.0)
    after.parameters.update(launch="2025-01-06", baselines=[{"as_of": "2025-03-31"}], teams=teams)
    after.changes = compare(after, [assessed("2025-03-31", 40.0, 0.0)])
    html = str(change_views.portfolio_changes(after))
    assert (
        "Line chart: Adoption score by team at each assessment. Whole organization 40 on Mar 31, "
        "2025, 55 on Jun 30, 2025, each of the 11 teams a grey line, on Jun 30, 2025 the lowest "
        "T00 5, the highest T10 55."
    ) in html
    assert "Each grey line is one of the 11 teams. The blue line is the whole organization" in html
