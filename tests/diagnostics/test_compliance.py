"""Compliance: every metric row a rule refers to, scored pass / warn / fail."""

from __future__ import annotations

import pandas as pd

from kit.diagnostics.compliance import compliance
from kit.diagnostics.standards import parse_standards
from kit.results import COMPLIANCE_COLUMNS

STANDARDS = parse_standards(
    {
        "rules": [
            {
                "id": "stage_freshness",
                "statement": "Every open loan's stage is updated at least every 14 days.",
                "metric": "stale_open_loans",
                "direction": "at_most",
                "target": 0.1,
                "warn": 0.25,
                "owner_role": "producer",
            },
            {
                "id": "speed_to_lead",
                "statement": "At least 80% of new leads are touched within 1 hour.",
                "metric": "speed_to_lead_1h",
                "direction": "at_least",
                "target": 0.8,
                "warn": 0.6,
                "owner_role": "producer",
                "weight": 2,
            },
        ]
    }
)


def _metric(scope, team, pid, metric, value, num, den, assessed=True, reason=None):
    return {
        "scope": scope,
        "team": team,
        "producer_id": pid,
        "producer_name": None if pid is None else pid.upper(),
        "metric": metric,
        "value": value,
        "numerator": num,
        "denominator": den,
        "unit": "share",
        "assessed": assessed,
        "reason": reason,
    }


METRICS_ROWS = pd.DataFrame(
    [
        _metric("team", "North", None, "stale_open_loans", 0.10, 1, 10),
        _metric("team", "South", None, "stale_open_loans", 0.20, 2, 10),
        _metric("team", "West", None, "stale_open_loans", 0.50, 5, 10),
        _metric("producer", "North", "a1", "speed_to_lead_1h", 0.79, 79, 100),
        _metric("producer", "North", "a2", "speed_to_lead_1h", 0.59, 59, 100),
        _metric(
            "team",
            "East",
            None,
            "speed_to_lead_1h",
            float("nan"),
            0,
            0,
            False,
            "not assessed: no new leads in the window",
        ),
        _metric("team", "North", None, "data_health", 0.9, 9, 10),  # no rule: not scored
    ]
)


def test_every_rule_row_gets_a_status():
    c = compliance(METRICS_ROWS, STANDARDS)
    assert list(c.columns) == list(COMPLIANCE_COLUMNS)
    status = dict(zip(c["team"] + "/" + c["producer_id"].fillna("-"), c["status"], strict=True))
    assert status == {
        "North/-": "pass",  # exactly on target
        "South/-": "warn",
        "West/-": "fail",
        "North/a1": "warn",
        "North/a2": "fail",
        "East/-": "not_assessed",
    }
    east = c[c["team"] == "East"].iloc[0]
    assert east["reason"] == "not assessed: no new leads in the window"
    assert c.loc[c["status"] != "not_assessed", "reason"].isna().all()
    south = c[c["team"] == "South"].iloc[0]
    assert south[["rule_id", "target", "warn", "direction", "owner_role", "weight"]].tolist() == [
        "stage_freshness",
        0.1,
        0.25,
        "at_most",
        "producer",
        1.0,
    ]
    assert c.loc[c["rule_id"] == "speed_to_lead", "rule_order"].unique().tolist() == [1]


def test_records_rule_is_not_scored_where_the_activity_log_measures_the_behaviour():
    standards = parse_standards(
        {
            "rules": [
                {
                    "id": "weekly_pipeline_entry",
                    "statement": "At least 90% of producers create or update records weekly.",
                    "metric": "weekly_record_producers",
                    "direction": "at_least",
                    "target": 0.9,
                    "owner_role": "sales manager",
                }
            ]
        }
    )
    rows = pd.DataFrame(
        [
            _metric("organization", None, None, "weekly_record_producers", 0.95, 19, 20),
            _metric("team", "North", None, "weekly_record_producers", 0.95, 19, 20),
            _metric("team", "South", None, "weekly_record_producers", 0.50, 5, 10),
            _metric("producer", "North", "a1", "weekly_record_producers", 1.0, 4, 4),
            # the stronger signal: assessed for the organization, North and a1, not South
            _metric("organization", None, None, "weekly_active_producers", 0.40, 8, 20),
            _metric("team", "North", None, "weekly_active_producers", 0.40, 8, 20),
            _metric(
                "team", "South", None, "weekly_active_producers", None, 0, 0, False, "no weeks"
            ),
            _metric("producer", "North", "a1", "weekly_active_producers", 0.5, 2, 4),
        ]
    )
    out = compliance(rows, standards).set_index(["scope", "team", "producer_id"])
    superseded = (
        "not scored: weekly active producers measures the same behaviour from stronger evidence"
    )
    for key in (("organization", None, None), ("team", "North", None), ("producer", "North", "a1")):
        found = out.loc[[key]].iloc[0]
        assert (found["status"], found["reason"]) == ("not_assessed", superseded)
        assert found["value"] > 0  # the weaker measure is still reported
    south = out.loc[[("team", "South", None)]].iloc[0]
    assert south["status"] == "fail" and pd.isna(south["reason"])  # scored on records
