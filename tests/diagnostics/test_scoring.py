"""The adoption score formula."""

from __future__ import annotations

import math

import pandas as pd

from kit.diagnostics.scoring import scores
from kit.results import SCORE_COLUMNS


def _c(team, pid, status, weight=1.0):
    return {
        "scope": "team" if pid is None else "producer",
        "team": team,
        "producer_id": pid,
        "producer_name": pid,
        "status": status,
        "weight": weight,
    }


def test_score_is_the_weighted_share_of_points_over_assessed_rules():
    frame = pd.DataFrame(
        [
            _c("North", None, "pass", 2.0),
            _c("North", None, "warn"),
            _c("North", None, "fail"),
            _c("North", None, "not_assessed", 5.0),  # left out of both sums
            _c("South", None, "not_assessed"),
            _c("North", "a1", "pass"),
            _c("North", "a1", "pass"),
        ]
    )
    s = scores(frame).set_index(["team", "producer_id"], drop=False)
    assert list(scores(frame).columns) == list(SCORE_COLUMNS)
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
    south = s[s["team"] == "South"].iloc[0]
    assert math.isnan(south["score"]) and south["rules_assessed"] == 0
    assert s[s["scope"] == "producer"].iloc[0]["score"] == 100.0
