"""Comparing an assessment with a baseline: matching, intervals and verdicts on small,
hand-made results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kit.diagnostics.changes import CHANGE_COLUMNS, compare
from kit.exceptions import InputError, ParameterError
from kit.results import (
    COLUMNS,
    COMPLIANCE_COLUMNS,
    FRAMES,
    SCORES_COLUMNS,
    Results,
    find_bundle,
    load_results,
)

RULES = {
    "next_step": {"metric": "conversations_with_next_step", "params": {}},
    "lead_source": {"metric": "new_contacts_with_lead_source", "params": {}},
    "stage_freshness": {"metric": "stale_open_loans", "params": {"days": 14}},
    "partner_cadence": {"metric": "partners_touched", "params": {"days": 30, "touches": "human"}},
}


def _rule(rule_id: str, **changes: Any) -> dict[str, Any]:
    rule = {"id": rule_id, "statement": f"The {rule_id} standard.", **RULES[rule_id]}
    rule.update({"target": 0.9, "direction": "at_least"}, **changes)
    return rule


def results(
    as_of: str,
    *,
    scores: list[tuple[Any, ...]],
    compliance: list[tuple[Any, ...]],
    rules: list[dict[str, Any]],
) -> Results:
    """Results with only what a comparison reads. ``scores``: (scope, team, producer_id,
    producer_name, score, archetype); ``compliance``: (scope, team, producer_id, rule_id,
    numerator, denominator)."""
    s = pd.DataFrame(
        scores, columns=["scope", "team", "producer_id", "producer_name", "score", "archetype"]
    )
    order = {r["id"]: i for i, r in enumerate(rules)}
    metric = {r["id"]: r["metric"] for r in rules}
    c = pd.DataFrame(
        compliance, columns=["scope", "team", "producer_id", "rule_id", "numerator", "denominator"]
    )
    c = c.assign(
        value=c["numerator"] / c["denominator"],
        status="pass",
        rule_order=c["rule_id"].map(order),
        metric=c["rule_id"].map(metric),
        statement=c["rule_id"].map(lambda r: f"The {r} standard."),
    )
    empty = {
        name: pd.DataFrame(columns=list(COLUMNS.get(name, ())))
        for name in FRAMES
        if name not in ("scores", "compliance", "changes", "requirements")
    }
    return Results(
        **empty,
        scores=s.reindex(columns=list(SCORES_COLUMNS)),
        compliance=c.reindex(columns=list(COMPLIANCE_COLUMNS)),
        parameters={"as_of": as_of, "standards": {"rules": rules}},
    )


@pytest.fixture(scope="module")
def changes() -> pd.DataFrame:
    before = results(
        "2025-03-31",
        scores=[
            ("organization", None, None, None, 40.0, None),
            ("team", "North", None, None, 50.0, None),
            ("team", "Lakeshore", None, None, 30.0, None),
            ("producer", "North", "n1", "Ana Ruiz", 40.0, "partial"),
            ("producer", "North", "n2", "Ben Okafor", 60.0, "consistent"),
            ("producer", "Lakeshore", "l1", "Cy Moss", 30.0, "lapsed"),
            ("producer", "Lakeshore", "l2", "Dee Park", 30.0, "lapsed"),
        ],
        compliance=[
            ("organization", None, None, "next_step", 50, 200),
            ("team", "North", None, "next_step", 20, 100),
            ("team", "North", None, "lead_source", 90, 100),
            ("team", "North", None, "stage_freshness", 10, 100),
            ("team", "North", None, "partner_cadence", 1, 5),
            ("team", "Lakeshore", None, "next_step", 30, 100),
            ("producer", "North", "n1", "next_step", 5, 50),
        ],
        rules=[_rule("next_step"), _rule("lead_source"), _rule("stage_freshness"),
               _rule("partner_cadence")],
    )  # fmt: skip
    after = results(
        "2025-06-30",
        scores=[
            ("organization", None, None, None, 55.0, None),
            ("team", "North", None, None, 62.5, None),
            ("team", "Lake Shore", None, None, 35.0, None),
            ("producer", "North", "n1", "Ana Ruiz", 80.0, "consistent"),
            ("producer", "North", "n3", "Eve Stone", 70.0, "consistent"),
            ("producer", "Lake Shore", "l1", "Cy Moss", 35.0, "lapsed"),
            ("producer", "Lake Shore", "l2", "Dee Park-Lind", 35.0, "lapsed"),
        ],
        compliance=[
            ("organization", None, None, "next_step", 120, 200),
            ("team", "North", None, "next_step", 80, 100),
            ("team", "North", None, "lead_source", 60, 100),
            ("team", "North", None, "stage_freshness", 40, 100),
            ("team", "North", None, "partner_cadence", 4, 5),
            ("team", "Lake Shore", None, "next_step", 60, 100),
            ("producer", "North", "n1", "next_step", 45, 50),
        ],
        rules=[_rule("next_step", target=0.95), _rule("lead_source"),
               _rule("stage_freshness", params={"days": 21}), _rule("partner_cadence")],
    )  # fmt: skip
    return compare(after, [before])


def _row(changes: pd.DataFrame, *, scope: str, team: Any = None, rule: Any = None, who=None):
    kind = "standard" if rule else "score"
    c = changes[(changes["scope"] == scope) & (changes["kind"] == kind)]
    if team is not None:
        c = c[c["team"] == team]
    if who is not None:
        c = c[c["producer_id"] == who]
    if rule is not None:
        c = c[c["rule_id"] == rule]
    assert len(c) == 1, c
    return c.iloc[0]


def test_columns_and_baseline(changes) -> None:
    assert tuple(changes.columns) == CHANGE_COLUMNS
    assert set(changes["baseline_as_of"]) == {"2025-03-31"}


def test_a_clear_improvement_with_its_newcombe_interval(changes) -> None:
    r = _row(changes, scope="team", team="North", rule="next_step")
    assert (r["before"], r["after"]) == (0.2, 0.8)
    assert (r["before_numerator"], r["before_denominator"]) == (20, 100)
    assert round(r["change"], 5) == 0.6
    # by hand: see tests/diagnostics/test_intervals.py (Wilson of 20/100 and 80/100)
    assert (round(r["change_low"], 5), round(r["change_high"], 5)) == (0.47438, 0.69423)
    assert r["verdict"] == "improved"
    assert r["note"] == "target changed from 90% to 95%"  # compared: the same behaviour
    assert r["evidence"] == (
        "Conversations with a next step: 20% (20 of 100) as of Mar 31, 2025, 80% (80 of 100) "
        "now; +60 points (95% interval +47 points to +69 points): improved."
    )


def test_a_clear_regression(changes) -> None:
    r = _row(changes, scope="team", team="North", rule="lead_source")
    assert round(r["change"], 5) == -0.3 and r["change_high"] < 0
    assert r["verdict"] == "worse"


def test_a_small_sample_says_too_few_to_tell(changes) -> None:
    r = _row(changes, scope="team", team="North", rule="partner_cadence")
    assert (r["before_denominator"], r["after_denominator"]) == (5, 5)
    assert round(r["change"], 5) == 0.6
    assert r["verdict"] == "too few to tell"


def test_a_changed_definition_is_not_compared(changes) -> None:
    r = _row(changes, scope="team", team="North", rule="stage_freshness")
    assert r["verdict"] == "definition changed"
    assert r["note"] == "definition changed: parameters days 14 at the baseline, days 21 now"
    assert (r["before"], r["after"]) == (0.1, 0.4)  # both shown, not judged


def test_a_score_with_one_standard_better_and_one_worse_is_mixed(changes) -> None:
    r = _row(changes, scope="team", team="North")
    assert (r["before"], r["after"], r["change"]) == (50.0, 62.5, 12.5)
    assert (r["standards_improved"], r["standards_worse"]) == (1, 1)
    assert r["verdict"] == "mixed"
    assert r["evidence"] == (
        "Adoption score 50 as of Mar 31, 2025, 62 now (+12); 1 standard improved, 1 worse: mixed."
    )


def test_a_renamed_team_is_listed_on_both_sides_and_not_compared(changes) -> None:
    old = _row(changes, scope="team", team="Lakeshore")
    new = _row(changes, scope="team", team="Lake Shore")
    assert old["match"] == new["match"] == "renamed"
    assert old["verdict"] == "no longer assessed" and new["verdict"] == "newly assessed"
    assert new["note"].startswith("probably renamed from Lakeshore: 2 of its 2 producers")
    assert _row(changes, scope="team", team="Lakeshore", rule="next_step")["verdict"] == (
        "no longer assessed"
    )
    assert _row(changes, scope="team", team="Lake Shore", rule="next_step")["verdict"] == (
        "newly assessed"
    )
    # its producers match by user id, with their move and new name noted
    cy = _row(changes, scope="producer", who="l1")
    dee = _row(changes, scope="producer", who="l2")
    assert cy["match"] == "matched" and cy["note"] == "moved from team Lakeshore"
    assert dee["note"] == "moved from team Lakeshore; name was Dee Park"
    assert dee["producer_name"] == "Dee Park-Lind"


def test_producers_who_joined_left_or_changed_archetype(changes) -> None:
    ana = _row(changes, scope="producer", who="n1")
    assert (ana["archetype_before"], ana["archetype_after"]) == ("partial", "consistent")
    assert _row(changes, scope="producer", who="n1", rule="next_step")["verdict"] == "improved"
    assert ana["verdict"] == "improved"  # one standard improved, none worse, score rose
    ben = _row(changes, scope="producer", who="n2")
    assert (ben["match"], ben["verdict"], ben["team"]) == ("left", "no longer assessed", "North")
    assert ben["note"] == "in team North at the baseline only"
    eve = _row(changes, scope="producer", who="n3")
    assert (eve["match"], eve["verdict"]) == ("joined", "newly assessed")


def test_the_organization_matches_itself(changes) -> None:
    r = _row(changes, scope="organization", rule="next_step")
    assert (r["before"], r["after"], r["verdict"]) == (0.25, 0.6, "improved")


def test_lower_is_better_standards_improve_downwards() -> None:
    def one(as_of: str, stale: int) -> Results:
        return results(
            as_of,
            scores=[("organization", None, None, None, 50.0, None)],
            compliance=[("organization", None, None, "stage_freshness", stale, 100)],
            rules=[_rule("stage_freshness", direction="at_most")],
        )

    worse = compare(one("2025-06-30", 40), [one("2025-03-31", 10)])
    better = compare(one("2025-06-30", 10), [one("2025-03-31", 40)])
    assert _row(worse, scope="organization", rule="stage_freshness")["verdict"] == "worse"
    assert _row(better, scope="organization", rule="stage_freshness")["verdict"] == "improved"


def test_baselines_must_be_earlier_and_distinct() -> None:
    def one(as_of: str) -> Results:
        return results(as_of, scores=[], compliance=[], rules=[])

    with pytest.raises(ParameterError, match="not before this assessment's as-of date"):
        compare(one("2025-06-30"), [one("2025-06-30")])
    with pytest.raises(ParameterError, match="both as of 2025-03-31"):
        compare(one("2025-06-30"), [one("2025-03-31"), one("2025-03-31")])
    assert compare(one("2025-06-30"), []).empty


def test_several_baselines_give_a_history() -> None:
    def one(as_of: str, score: float) -> Results:
        return results(
            as_of,
            scores=[("team", "North", None, None, score, None)],
            compliance=[],
            rules=[],
        )

    history = compare(one("2025-06-30", 70.0), [one("2025-03-31", 50.0), one("2024-12-31", 20.0)])
    rows = history[history["team"] == "North"]
    assert rows["baseline_as_of"].tolist() == ["2024-12-31", "2025-03-31"]
    assert rows["before"].tolist() == [20.0, 50.0] and np.all(rows["after"] == 70.0)


def test_bundles_without_the_new_frames_still_load(tmp_path: Path) -> None:
    r = results("2025-03-31", scores=[], compliance=[], rules=[])
    folder = r.write(tmp_path / "old" / "data" / "results")
    (folder / "changes.parquet").unlink()
    (folder / "requirements.parquet").unlink()  # as a bundle written before they existed
    loaded = load_results(folder)
    assert loaded.changes.empty and list(loaded.changes.columns) == list(CHANGE_COLUMNS)
    assert find_bundle(tmp_path / "old") == folder  # a report folder
    assert find_bundle(folder) == folder  # the bundle itself
    with pytest.raises(InputError, match="not a previous assessment"):
        find_bundle(tmp_path)
