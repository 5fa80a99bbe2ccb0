"""The real Maven export (an opportunities-only export nobody here wrote) assessed end to end:
every team is scored on at least half of the standards' weight, and every number the score
rests on is recomputed here from the CSV with plain pandas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kit.diagnostics.run import diagnose
from kit.diagnostics.standards import load_standards

ROOT = Path(__file__).resolve().parents[2]
MAVEN = ROOT.parent / "shared" / "realdata" / "maven-crm"
MAPPING = ROOT / "examples" / "mappings" / "maven-crm.yaml"

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not MAVEN.is_dir(), reason="../shared/realdata/maven-crm is not present"),
]


@pytest.fixture(scope="module")
def results():
    from kit.intake import read_export

    return diagnose(read_export(MAVEN, mapping=MAPPING))


@pytest.fixture(scope="module")
def csv():
    """The deals as the CSV has them, with the team (the agent's manager) of each."""
    deals = pd.read_csv(MAVEN / "sales_pipeline.csv")
    agents = pd.read_csv(MAVEN / "sales_teams.csv")
    deals = deals.dropna(subset=["engage_date"])  # no creation date: excluded at intake
    deals["team"] = deals["sales_agent"].map(agents.set_index("sales_agent")["manager"])
    deals["engaged"] = pd.to_datetime(deals["engage_date"])
    deals["closed"] = pd.to_datetime(deals["close_date"])
    return deals, agents


def _team_value(results, metric: str) -> pd.DataFrame:
    m = results.metrics
    return m[(m["scope"] == "team") & (m["metric"] == metric)].set_index("team")


def test_the_as_of_date_is_the_last_close(results, csv):
    deals, _ = csv
    assert results.parameters["as_of"] == str(deals["closed"].max().date()) == "2017-12-31"


def test_open_loan_age_recomputed_from_the_csv(results, csv):
    deals, _ = csv
    as_of = pd.Timestamp(results.parameters["as_of"])
    open_ = deals[deals["deal_stage"].isin(["Prospecting", "Engaging"])]
    aged = (as_of - open_["engaged"]).dt.days >= 60
    expected = aged.groupby(open_["team"]).agg(["sum", "size"])
    kit = _team_value(results, "aged_open_loans")
    assert kit["numerator"].to_dict() == expected["sum"].astype(float).to_dict()
    assert kit["denominator"].to_dict() == expected["size"].astype(float).to_dict()
    assert kit.loc["Cara Losch", ["numerator", "denominator"]].tolist() == [207, 219]


def test_closed_loans_and_wins_recomputed_from_the_csv(results, csv):
    deals, _ = csv
    as_of = pd.Timestamp(results.parameters["as_of"])
    start = as_of - pd.Timedelta(days=89)
    closed = deals[
        deals["deal_stage"].isin(["Won", "Lost"]) & deals["closed"].between(start, as_of)
    ]
    complete = closed["closed"].notna() & (
        (closed["deal_stage"] == "Lost") | (closed["close_value"] > 0)
    )
    kit = _team_value(results, "closed_loans_complete")
    expected = complete.groupby(closed["team"]).agg(["sum", "size"]).astype(float)
    assert kit["numerator"].to_dict() == expected["sum"].to_dict()
    assert kit["denominator"].to_dict() == expected["size"].to_dict()
    assert (kit["value"] == 1.0).all()  # every close has its date, every win its value

    won = closed[closed["deal_stage"] == "Won"]
    cycle = (won["closed"] - won["engaged"]).dt.days
    one_step = _team_value(results, "won_in_one_step")
    same_day = (cycle <= 0).groupby(won["team"]).agg(["sum", "size"]).astype(float)
    assert one_step["numerator"].to_dict() == same_day["sum"].to_dict()  # none
    assert one_step["denominator"].to_dict() == same_day["size"].to_dict()
    typical = _team_value(results, "typical_days_to_win")["value"]
    assert typical.to_dict() == cycle.groupby(won["team"]).median().astype(float).to_dict()


def test_weekly_record_entry_recomputed_from_the_csv(results, csv):
    """Record-days: each deal on the day it was engaged and, won or lost, the day it
    closed; window weeks end at midnight after the as-of day; every agent is seated."""
    deals, agents = csv
    end = pd.Timestamp(results.parameters["as_of"]) + pd.Timedelta(days=1)
    made = deals[["sales_agent", "opportunity_id", "engaged"]].rename(columns={"engaged": "day"})
    shut = deals.loc[deals["deal_stage"].isin(["Won", "Lost"])]
    shut = shut[["sales_agent", "opportunity_id", "closed"]].rename(columns={"closed": "day"})
    days = pd.concat([made, shut], ignore_index=True).drop_duplicates(ignore_index=True)
    # week 0 is the as-of day and the 6 before it: a deal engaged on the Monday that opens a
    # week counts in that week, not the one before
    week = ((end - days["day"]).dt.days - 1) // 7
    days = days[(week >= 0) & (week < 12)].assign(week=week)
    active = days.groupby("sales_agent")["week"].nunique()
    per_agent = agents.set_index("sales_agent")["manager"].to_frame("team")
    per_agent["weeks"] = active.reindex(per_agent.index).fillna(0)
    per_agent["records"] = days.groupby("sales_agent").size().reindex(per_agent.index).fillna(0)
    expected = per_agent.groupby("team").agg(
        weeks=("weeks", "sum"), records=("records", "sum"), agents=("weeks", "size")
    )
    kit = _team_value(results, "weekly_record_producers")
    assert kit["numerator"].to_dict() == expected["weeks"].to_dict()
    assert kit["denominator"].to_dict() == (expected["agents"] * 12.0).to_dict()
    per_week = _team_value(results, "records_per_producer_week")
    assert per_week["numerator"].to_dict() == expected["records"].to_dict()


def test_every_team_is_scored_on_enough_evidence_and_the_score_is_recomputed(results):
    standards = load_standards()
    total = sum(r.weight for r in standards.rules)
    c = results.compliance[results.compliance["scope"] == "team"]
    scored = c[c["status"] != "not_assessed"]
    teams = results.scores[results.scores["scope"] == "team"].set_index("team")
    assert len(teams) == 6
    for team, rules in scored.groupby("team"):
        assert len(rules) >= 3, team
        assert rules["weight"].sum() >= total / 2, team
        # status from the measured value and the rule, score from the statuses: by hand
        points = []
        for rule_row in rules.itertuples():
            rule = standards.rule(rule_row.rule_id)
            value = rule_row.value
            if rule.direction == "at_least":
                status = (
                    "pass" if value >= rule.target else "warn" if value >= rule.warn else "fail"
                )
            else:
                status = (
                    "pass" if value <= rule.target else "warn" if value <= rule.warn else "fail"
                )
            assert status == rule_row.status, (team, rule.id)
            points.append(rule.weight * {"pass": 1.0, "warn": 0.5, "fail": 0.0}[status])
        expected = 100 * sum(points) / rules["weight"].sum()
        assert teams.loc[team, "score"] == pytest.approx(expected)
    assert set(scored["team"]) == set(teams.index)
    assert set(scored["rule_id"]) == {
        "weekly_pipeline_entry",
        "open_loan_age",
        "closed_loans_recorded",
        "loans_worked_in_pipeline",
    }
    assert teams["score"].notna().all()


def test_findings_say_what_a_sales_leader_acts_on(results):
    f = results.findings
    cara = f[(f["scope"] == "team") & (f["team"] == "Cara Losch")]
    assert cara["rule_id"].iloc[0] == "open_loan_age"
    assert cara["finding"].iloc[0] == (
        "95% of Cara Losch's 219 open loans entered the pipeline 60+ days ago and are still "
        "open (standard: at most 10%)."
    )
    assert cara["require"].iloc[0].startswith("Review every open loan older than 60 days")
    review = results.review_list
    aged = review[(review["team"] == "Cara Losch") & (review["item"] == "aged_open_loan")]
    assert len(aged) == 207
    assert (aged["age_days"] >= 60).all()


def test_archetypes_by_records_for_every_agent(results, csv):
    deals, agents = csv
    producers = results.scores[results.scores["scope"] == "producer"].set_index("producer_id")
    assert len(producers) == len(agents) == 35
    assert producers["archetype"].str.endswith("_by_records").all()
    no_deals = sorted(set(agents["sales_agent"]) - set(deals["sales_agent"]))
    assert len(no_deals) == 5
    assert (producers.loc[no_deals, "archetype"] == "never_adopted_by_records").all()


def test_what_a_fuller_export_would_add(results):
    requests = results.export_requests
    assert requests["tables"].tolist() == [
        "activities",
        "contacts",
        "los_loans",
        "stage_history",
        "opportunities.expected_close_date",
        "logins",
    ]
    assert np.allclose(requests["weight"], [9.0, 6.0, 2.0, 2.0, 2.0, 0.0])
    assert requests["request"].iloc[0].startswith("An activity export")
