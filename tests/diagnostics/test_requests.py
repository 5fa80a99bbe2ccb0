"""An opportunities-only export: scored on enough of the shipped standards, and told what a
fuller export would add (kit.diagnostics.requests)."""

from __future__ import annotations

import math

import pytest

from kit.dataset import Dataset
from kit.diagnostics.requests import REQUESTS
from kit.diagnostics.run import diagnose
from kit.diagnostics.standards import load_standards
from tests.diagnostics.helpers import AS_OF, LAUNCH, dataset

PRODUCERS = ("a1", "a2", "b1", "w1")
#: Launched five weeks before the as-of day, so that a one-producer team (South, West) is
#: judged on 5 producer-weeks, the evidence minimum (kit.diagnostics.evidence).
RECORDS_LAUNCH = "2024-05-27"  # a Monday
#: Per producer: five open loans entered in March (aged, 60+ days), five loans entered in the
#: week of 10 June and won in the week of 17 June (complete, worked in the pipeline). Each
#: team so has at least 5 open and 5 won loans: enough to judge (kit.diagnostics.evidence).
OPPS = [
    row
    for owner in PRODUCERS
    for i in range(5)
    for row in (
        {
            "opportunity_id": f"open-{owner}-{i}",
            "owner_id": owner,
            "created_at": f"2024-03-0{i + 1}",
            "stage": "application",
            "status": "open",
            "expected_close_date": "2024-06-15",
        },
        {
            "opportunity_id": f"won-{owner}-{i}",
            "owner_id": owner,
            "created_at": f"2024-06-1{i}",
            "stage": "funded",
            "status": "won",
            "closed_at": f"2024-06-{17 + i}",
            "amount": 100000.0,
        },
    )
]


def _pipeline_only(*, expected_close: bool) -> Dataset:
    ds = dataset(opportunities=OPPS)
    absent = [] if expected_close else ["expected_close_date"]
    absent += ["stage_changed_at", "contact_id", "loan_purpose", "lead_source", "loan_number"]
    return Dataset(
        tables=ds.tables, manifest={"tables": {"opportunities": {"absent_fields": absent}}}
    )


def _run(**kw):
    return diagnose(_pipeline_only(**kw), as_of=AS_OF, launch=RECORDS_LAUNCH)


@pytest.mark.parametrize("expected_close", [False, True])
def test_every_team_is_scored_on_at_least_half_of_the_standards_weight(expected_close):
    r = _run(expected_close=expected_close)
    total = sum(rule.weight for rule in load_standards().rules)
    teams = r.compliance[r.compliance["scope"] == "team"]
    scored = teams[teams["status"] != "not_assessed"]
    expected = {"weekly_pipeline_entry", "open_loan_age", "closed_loans_recorded"}
    expected |= {"loans_worked_in_pipeline"}
    expected |= {"close_date_current"} if expected_close else set()
    for team, rules in scored.groupby("team"):
        assert set(rules["rule_id"]) == expected, team
        assert rules["weight"].sum() / total >= 0.5, team
    assert set(scored["team"]) == {"North", "South", "West"}
    # what each team is scored on: records in 2 of each producer's 5 weeks (3 for Ben: North
    # 4 of 8, South and West 2 of 5, fail), every open loan aged (fail), every close complete
    # and worked (pass): 100 x (4 + 5) / 18 = 50
    judged = teams[teams["status"].isin(["pass", "warn", "fail"])]
    assert judged.groupby("team")["weight"].sum().to_dict() == {
        t: 20.0 if expected_close else 18.0 for t in ("North", "South", "West")
    }  # of 35: every pipeline rule judged, none "too few to judge"
    scores = r.scores[r.scores["scope"] == "team"].set_index("team")["score"]
    if not expected_close:
        assert scores.to_dict() == {"North": 50.0, "South": 50.0, "West": 50.0}
    else:  # and every open loan past its expected close date (fail, weight 2)
        assert scores.round(6).to_dict() == {t: 45.0 for t in ("North", "South", "West")}


def test_findings_rank_the_pipeline_gaps_with_their_evidence():
    r = _run(expected_close=False)
    north = r.findings[(r.findings["scope"] == "team") & (r.findings["team"] == "North")]
    assert north["rule_id"].tolist() == [
        "open_loan_age",
        "weekly_pipeline_entry",
        "producer_archetypes",  # issue 13's combined finding counts the *_by_records kinds
    ]
    assert north["finding"].iloc[0] == (
        "100% of North's 10 open loans entered the pipeline 60+ days ago and are still open "
        "(standard: at most 10%)."
    )
    assert north["finding"].iloc[1] == (
        "North's CRM records were created or updated in 50% of 8 producer-weeks over the "
        "last 90 days (standard: at least 90%)."
    )
    assert north["finding"].iloc[2] == (
        "2 of North's 2 producers (100%) do not work fully in the CRM: 2 use it only partly by "
        "records (records entered, but pipeline standards missed or weeks skipped)."
    )
    producers = r.scores[r.scores["scope"] == "producer"].set_index("producer_id")
    assert producers.loc["a1", "archetype"] == "partial_by_records"  # fails the open loan age
    assert producers.loc["a1", "archetype_reason"] == (
        "by records: created or updated records in 2 of 5 weeks since launch (2 record-days a "
        "week; typical producer 2), but fails open loans past the age limit"
    )
    # Ben, seated for 3 weeks, is judged on too few producer-weeks for weekly entry: 14 of 34
    # weight judged is under half, so no score (issue 13's evidence rule)
    assert producers.loc["a2", "evidence"] == "not enough evidence"
    assert math.isnan(producers.loc["a2", "score"])


def test_export_requests_name_what_is_missing_and_the_standards_it_would_unlock():
    requests = _run(expected_close=False).export_requests
    assert requests["tables"].tolist() == [
        "activities",
        "contacts",
        "los_loans",
        "stage_history",
        "opportunities.expected_close_date",
        "logins",
    ]
    assert requests["weight"].tolist() == [9.0, 6.0, 2.0, 2.0, 2.0, 0.0]
    by_table = requests.set_index("tables")
    assert (
        by_table.loc["los_loans", "standards"] == "At least 95% of funded loans exist in the CRM."
    )
    assert by_table.loc["opportunities.expected_close_date", "request"].startswith(
        "The expected close date of each open opportunity (Salesforce CloseDate; HubSpot "
        "Close Date)."
    )
    assert by_table.loc["logins", "standards"] == ""
    assert "follow-up discipline" in by_table.loc["activities", "adds"]
    with_close = _run(expected_close=True).export_requests
    assert "opportunities.expected_close_date" not in set(with_close["tables"])


LOS = [
    {
        "loan_number": "L1",
        "officer_id": "a1",
        "application_date": "2024-05-20",
        "funded_date": "2024-06-25",
        "amount": 300000.0,
    }
]
LOGINS = [{"user_id": "a1", "login_at": "2024-06-24 08:00"}]


def _full() -> Dataset:
    from tests.diagnostics.test_run import ACTS, CONTACTS, OPPS

    return dataset(
        contacts=CONTACTS,
        opportunities=[{**OPPS[0], "loan_number": "L1", "expected_close_date": "2024-07-31"}],
        activities=ACTS,
        los_loans=LOS,
        logins=LOGINS,
    )


def test_a_complete_export_has_nothing_to_ask_for():
    r = diagnose(_full(), as_of=AS_OF, launch=LAUNCH)
    assert r.export_requests.empty
    assert list(r.export_requests.columns) == ["request", "adds", "standards", "weight", "tables"]


def test_each_request_lists_only_metrics_that_cannot_be_measured_without_it():
    """Drop one table at a time from an export that has it: every metric its request names
    is then not assessed, the request is listed, and (with the table) at least one of them
    was measured: a request never promises what the export already allows."""
    full = _full()
    org = diagnose(full, as_of=AS_OF, launch=LAUNCH).metrics
    org = org[org["scope"] == "organization"].set_index("metric")["assessed"]
    tables = [r for r in REQUESTS if r.tables in full.tables]
    assert {r.tables for r in tables} == {
        "opportunities",
        "activities",
        "contacts",
        "los_loans",
        "logins",
    }
    for request in tables:
        kept = {k: v for k, v in full.tables.items() if k != request.tables}
        r = diagnose(Dataset(tables=kept), as_of=AS_OF, launch=LAUNCH)
        m = r.metrics[r.metrics["scope"] == "organization"].set_index("metric")["assessed"]
        assert not m[list(request.metrics)].any(), request.key
        assert request.tables in set(r.export_requests["tables"]), request.key
        assert org[list(request.metrics)].any(), request.key
