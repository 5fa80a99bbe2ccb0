"""A standard required from a date: equal windows before and after it, from one export,
against the teams it was not required of (difference in differences)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from kit.dataset import Dataset
from kit.diagnostics.requirement import REQUIREMENT_COLUMNS, windows
from kit.diagnostics.rewind import rewind
from kit.diagnostics.run import diagnose
from kit.diagnostics.standards import parse_standards
from kit.exceptions import StandardsError
from tests.diagnostics.helpers import table

LAUNCH, AS_OF, REQUIRED = "2025-01-06", "2025-03-02", "2025-02-03"
USERS = [
    {"user_id": "n1", "name": "Ana Ruiz", "team": "North", "role": "producer"},
    {"user_id": "s1", "name": "Cy Moss", "team": "South", "role": "producer"},
]


def _standards(**rule: Any):
    return parse_standards(
        {
            "rules": [
                {
                    "id": "next_step",
                    "statement": "At least 90% of calls and meetings record a next step.",
                    "metric": "conversations_with_next_step",
                    "direction": "at_least",
                    "target": 0.9,
                    "owner_role": "producer",
                    **rule,
                }
            ]
        },
        source="test",
    )


def _calls(user: str, start: str, with_step: int, total: int = 200) -> list[dict[str, Any]]:
    """``total`` calls on 20 business days from ``start``, ``with_step`` with a next step."""
    days = pd.bdate_range(start, periods=20)
    return [
        {
            "activity_id": f"{user}-{start}-{i}",
            "user_id": user,
            "type": "call",
            "occurred_at": days[i % 20] + pd.Timedelta(hours=10),
            "next_step": "call back" if i < with_step else None,
            "automated": False,
        }
        for i in range(total)
    ]


def _dataset(north: tuple[int, int], south: tuple[int, int]) -> Dataset:
    calls = (
        _calls("n1", "2025-01-06", north[0])  # Jan 6 to Jan 31: before the date
        + _calls("n1", "2025-02-03", north[1])  # Feb 3 to Feb 28: from it
        + _calls("s1", "2025-01-06", south[0])
        + _calls("s1", "2025-02-03", south[1])
    )
    return Dataset({"users": table("users", USERS), "activities": table("activities", calls)})


def _requirements(north, south, **rule: Any) -> pd.DataFrame:
    results = diagnose(
        _dataset(north, south),
        as_of=AS_OF,
        launch=LAUNCH,
        standards=_standards(required_from=REQUIRED, **rule),
    )
    return results.requirements


def _one(frame: pd.DataFrame, scope: str, who: str | None = None) -> pd.Series:
    rows = frame[frame["scope"] == scope]
    if who is not None:
        rows = rows[(rows["team"] == who) | (rows["producer_id"] == who)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_equal_windows_on_each_side_of_the_date() -> None:
    # 28 days from Feb 3 to Mar 2, and 28 days from the launch (Jan 6) to Feb 2
    days, reason = windows(
        pd.Timestamp(REQUIRED), as_of=pd.Timestamp(AS_OF), launch=pd.Timestamp(LAUNCH)
    )
    assert (days, reason) == (28, None)
    req = _requirements((40, 160), (40, 40), teams=["North"])
    first = req.iloc[0]
    assert (first["before_start"], first["before_end"]) == ("2025-01-06", "2025-02-02")
    assert (first["after_start"], first["after_end"]) == ("2025-02-03", "2025-03-02")
    assert tuple(req.columns) == REQUIREMENT_COLUMNS


def test_the_required_team_improved_against_teams_not_required() -> None:
    req = _requirements((40, 160), (40, 40), teams=["North"])
    north = _one(req, "team", "North")
    assert north["required"] and not _one(req, "team", "South")["required"]
    assert (north["before"], north["after"]) == (0.2, 0.8)  # 40 of 200, 160 of 200
    assert (north["before_denominator"], north["after_denominator"]) == (200, 200)
    comparison = _one(req, "comparison")
    assert (comparison["before"], comparison["after"]) == (0.2, 0.2)
    assert round(north["change"], 6) == 0.6 and round(north["comparison_change"], 6) == 0.0
    assert round(north["effect"], 6) == 0.6 and north["effect_low"] > 0.4
    assert north["verdict"] == "improved"
    assert north["evidence"].startswith(
        "Conversations with a next step: 20% (40 of 200) in the 28 days before Feb 3, 2025, "
        "80% (160 of 200) in the 28 days from it; +60 points"
    )
    producer = _one(req, "producer", "n1")  # against the comparison teams' producers pooled
    assert (producer["effect"].round(6), producer["verdict"]) == (0.6, "improved")
    assert set(req["scope"]) == {"team", "comparison", "producer"}
    assert "s1" not in set(req["producer_id"])  # producers of required teams only


def test_when_every_team_improved_the_requirement_gets_no_credit() -> None:
    req = _requirements((40, 160), (40, 160), teams=["North"])
    north = _one(req, "team", "North")
    assert round(north["change"], 6) == round(north["comparison_change"], 6) == 0.6
    assert round(north["effect"], 6) == 0.0
    assert north["effect_low"] < 0 < north["effect_high"]
    assert north["effect_high"] - north["effect_low"] < 0.30  # narrow: not too few to tell
    assert north["verdict"] == "no clear change"
    assert north["note"] == (
        "its own change alone: improved; the verdict compares it with the teams not required"
    )


def test_without_a_comparison_group_the_verdict_says_so() -> None:
    req = _requirements((40, 160), (40, 160))  # no teams: required of every team
    north = _one(req, "team", "North")
    assert "comparison" not in set(req["scope"])
    assert north["verdict"] == "improved" and pd.isna(north["effect"])
    assert north["note"].startswith("no comparison group")


def test_a_date_after_the_as_of_date_is_not_assessed() -> None:
    results = diagnose(
        _dataset((40, 160), (40, 40)),
        as_of=AS_OF,
        launch=LAUNCH,
        standards=_standards(required_from="2025-04-01", teams=["North"]),
    )
    req = results.requirements
    assert set(req["verdict"]) == {"not assessed"}
    assert req["note"].iloc[0] == (
        "required from 2025-04-01, after the as-of date 2025-03-02: nothing to compare yet"
    )


def test_standards_file_keys_are_validated() -> None:
    rule = _standards(required_from="2025-02-03", teams=["North", "North"]).rules[0]
    assert str(rule.required_from) == "2025-02-03" and rule.teams == ("North",)
    assert rule.to_dict()["required_from"] == "2025-02-03"
    assert "required_from" not in _standards().rules[0].to_dict()  # unchanged when unset
    with pytest.raises(StandardsError) as err:
        _standards(required_from="03/02/2025", teams="North")
    assert "required_from '03/02/2025' is not a date; write it as YYYY-MM-DD" in str(err.value)
    assert "teams must be a list of team names" in str(err.value)
    with pytest.raises(StandardsError, match="add required_from"):
        _standards(teams=["North"])


def test_a_team_the_data_does_not_have_is_refused() -> None:
    with pytest.raises(StandardsError, match=r"team 'Nort' is not in the data \(did you mean"):
        diagnose(
            _dataset((1, 1), (1, 1)),
            as_of=AS_OF,
            launch=LAUNCH,
            standards=_standards(required_from=REQUIRED, teams=["Nort"]),
        )


def test_rewind_puts_a_loan_back_as_it_stood() -> None:
    opportunities = table(
        "opportunities",
        [
            {"opportunity_id": "o1", "owner_id": "n1", "created_at": "2025-01-10",
             "stage": "lost", "status": "lost", "stage_changed_at": "2025-02-20",
             "closed_at": "2025-02-20"},
            {"opportunity_id": "o2", "owner_id": "n1", "created_at": "2025-01-10",
             "stage": "application", "status": "open", "stage_changed_at": "2025-01-20"},
        ],
    )  # fmt: skip
    history = table(
        "stage_history",
        [
            {"opportunity_id": "o1", "stage": "new_lead", "changed_at": "2025-01-10"},
            {"opportunity_id": "o1", "stage": "pre_approval", "changed_at": "2025-01-15"},
            {"opportunity_id": "o1", "stage": "lost", "changed_at": "2025-02-20"},
        ],
    )
    activities = table(
        "activities",
        [
            {"activity_id": "a1", "user_id": "n1", "type": "call",
             "occurred_at": "2025-01-30 10:00", "logged_at": "2025-01-30 11:00"},
            {"activity_id": "a2", "user_id": "n1", "type": "call",
             "occurred_at": "2025-01-30 10:00", "logged_at": "2025-02-05 09:00"},
        ],
    )  # fmt: skip
    ds = Dataset(
        {
            "users": table("users", USERS),
            "opportunities": opportunities,
            "stage_history": history,
            "activities": activities,
        }
    )
    then = rewind(ds, "2025-02-02")
    o = then["opportunities"].set_index("opportunity_id")
    assert (o.loc["o1", "stage"], o.loc["o1", "status"]) == ("pre_approval", "open")
    assert o.loc["o1", "stage_changed_at"] == pd.Timestamp("2025-01-15")
    assert pd.isna(o.loc["o1", "closed_at"])
    assert (o.loc["o2", "stage"], o.loc["o2", "status"]) == ("application", "open")  # as is
    assert then["activities"]["activity_id"].tolist() == ["a1"]  # a2 was logged later
    assert ds["opportunities"]["status"].tolist() == ["lost", "open"]  # input untouched
