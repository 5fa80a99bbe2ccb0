"""The adoption score formula and the evidence rule every score obeys."""

from __future__ import annotations

import math

import pandas as pd

from kit.diagnostics.compliance import compliance
from kit.diagnostics.scoring import scores
from kit.diagnostics.standards import load_standards
from kit.results import SCORE_COLUMNS


def _c(team, pid, status, weight=1.0, rule="r", reason=None, metric="stale_open_loans"):
    return {
        "scope": "organization" if team is None else "team" if pid is None else "producer",
        "team": team,
        "producer_id": pid,
        "producer_name": pid,
        "rule_id": rule,
        "metric": metric,
        "status": status,
        "reason": reason,
        "weight": weight,
    }


def test_score_is_the_weighted_share_of_points_over_judged_rules():
    frame = pd.DataFrame(
        [
            _c("North", None, "pass", 2.0, "a"),
            _c("North", None, "warn", 1.0, "b"),
            _c("North", None, "fail", 1.0, "c"),
            # left out of both sums; 4 of 8 weight judged is exactly the half a score needs
            _c("North", None, "not_assessed", 4.0, "d", "not assessed: no LOS loans provided"),
            _c("South", None, "not_assessed", 1.0, "a", "not assessed: no open loans"),
            _c("North", "a1", "pass", 1.0, "a"),
            _c("North", "a1", "pass", 1.0, "b"),
        ]
    )
    s = scores(frame)
    assert list(s.columns) == list(SCORE_COLUMNS)
    north = s[(s["team"] == "North") & (s["scope"] == "team")].iloc[0]
    # (2 x 1 + 1 x 0.5 + 1 x 0) / (2 + 1 + 1) = 62.5
    assert north["score"] == 62.5
    assert north[["rules_assessed", "passed", "warned", "failed", "not_assessed"]].tolist() == [
        3,
        1,
        1,
        1,
        1,
    ]
    assert (north["weight_assessed"], north["weight_total"], north["evidence"]) == (
        4.0,
        8.0,
        "scored",
    )
    assert north["missing"] == "open loans with a stale stage (no LOS loans provided)"
    south = s[s["team"] == "South"].iloc[0]
    assert math.isnan(south["score"]) and south["rules_assessed"] == 0
    assert south["evidence"] == "not enough evidence"
    assert s[s["scope"] == "producer"].iloc[0]["score"] == 100.0


def test_a_score_from_almost_nothing_is_not_enough_evidence():
    """Seen on a real export with no activities: a team scored "100/100 On track" on 1
    standard of 11 while the organization scored 0. Both now say "not enough evidence"."""
    rules = load_standards().rules
    rows = []
    for scope_team in ("North", None):
        for r in rules:
            if r.id == "contact_owner":  # the one standard measured without activities
                status = "pass" if scope_team else "fail"
                rows.append(_c(scope_team, None, status, r.weight, r.id, metric=r.metric))
            else:
                reason = "not assessed: no activities provided"
                rows.append(
                    _c(scope_team, None, "not_assessed", r.weight, r.id, reason, r.metric)
                )
    s = scores(pd.DataFrame(rows)).set_index("scope")
    assert s["score"].isna().all()  # neither a 100 nor a 0
    assert s["evidence"].tolist() == ["not enough evidence", "not enough evidence"]
    # 1 of the shipped standards' 35 weight (15 for the first 11 standards, 20 for the
    # pipeline-only ones of issue 19), far under half
    assert s.loc["team", "weight_assessed"] == 1.0 and s.loc["team", "weight_total"] == 35.0
    assert s.loc["team", "missing"] == (
        "open loans with a stale stage, leads touched within 1 hour, conversations with a next "
        "step, conversations with an outcome, overdue next steps, new contacts with a lead "
        "source, past clients in cadence, referral partners in cadence, weekly active "
        "producers, funded loans present in the CRM, weekly record entry (by records), open "
        "loans past the age limit, open loans past their expected close date, closed loans "
        "with close date and amount, won loans closed in one step (no activities provided)"
    )


def test_a_producer_scored_on_a_single_contact_is_too_few_to_judge():
    """Seen: producers scored 100 on a single contact. A value on fewer than 5 records is
    shown but not judged, so it cannot carry a score."""
    standards = load_standards()
    metrics = pd.DataFrame(
        [
            {
                "scope": "producer",
                "team": "North",
                "producer_id": "a1",
                "producer_name": "Ana",
                "metric": "new_contacts_with_lead_source",
                "value": 1.0,
                "numerator": 1.0,
                "denominator": 1.0,
                "unit": "share",
                "assessed": True,
                "reason": None,
            }
        ]
    )
    c = compliance(metrics, standards)
    assert c["status"].tolist() == ["too_few"]
    assert c["reason"].tolist() == ["too few to judge: 1 new contact (fewer than 5)"]
    s = scores(c).iloc[0]
    assert math.isnan(s["score"]) and s["too_few"] == 1 and s["rules_assessed"] == 0
    assert s["evidence"] == "not enough evidence"
    # five records are enough
    c5 = compliance(metrics.assign(numerator=5.0, denominator=5.0), standards)
    assert c5["status"].tolist() == ["pass"] and scores(c5)["score"].iloc[0] == 100.0


def test_the_organization_is_scored_by_the_same_rule_as_its_teams():
    frame = pd.DataFrame(
        [
            _c(None, None, "pass", 1.0, "a"),
            _c(None, None, "not_assessed", 3.0, "b", "not assessed: no logins provided"),
            _c("North", None, "pass", 1.0, "a"),
            _c("North", None, "not_assessed", 3.0, "b", "not assessed: no logins provided"),
        ]
    )
    s = scores(frame)
    assert s["score"].isna().all()
    assert s["missing"].tolist() == ["open loans with a stale stage (no logins provided)"] * 2
