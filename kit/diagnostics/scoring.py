"""The adoption score: one 0-100 number per organization, team and producer.

Formula (quoted in the report's appendix)::

    score = 100 x sum(weight x points) / sum(weight)

over the rules *assessed* for that team or producer, where a rule scores 1 point when
passed, 0.5 when in the warn band and 0 when failed. Rules that could not be assessed are
left out of both sums; with no rule assessed the score is blank (NaN), never zero. Weights
come from the standards file (default 1).

Examples
--------
>>> import pandas as pd
>>> c = pd.DataFrame({"scope": ["team"] * 3, "team": ["West"] * 3, "producer_id": [None] * 3,
...                   "producer_name": [None] * 3, "status": ["pass", "warn", "fail"],
...                   "weight": [2.0, 1.0, 1.0]})
>>> float(scores(c)["score"].iloc[0])
62.5
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.results import SCORE_COLUMNS

__all__ = ["POINTS", "scores"]

#: Points a rule earns per status.
POINTS: dict[str, float] = {"pass": 1.0, "warn": 0.5, "fail": 0.0}
_KEYS = ["scope", "team", "producer_id", "producer_name"]


def scores(compliance: pd.DataFrame) -> pd.DataFrame:
    """Adoption score per (scope, team, producer) from the compliance frame."""
    status = compliance["status"].to_numpy()
    weight = compliance["weight"].to_numpy(dtype="float64")
    assessed = np.isin(status, list(POINTS))
    points = pd.Series(status).map(POINTS).fillna(0.0).to_numpy()
    frame = compliance[_KEYS].assign(
        _earned=np.where(assessed, weight * points, 0.0),
        _weight=np.where(assessed, weight, 0.0),
        rules_assessed=assessed.astype("int64"),
        passed=(status == "pass").astype("int64"),
        warned=(status == "warn").astype("int64"),
        failed=(status == "fail").astype("int64"),
        not_assessed=(~assessed).astype("int64"),
    )
    out = frame.groupby(_KEYS, dropna=False, sort=False).sum().reset_index()
    earned, total = out.pop("_earned").to_numpy(), out.pop("_weight").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["score"] = np.where(total > 0, 100.0 * earned / np.where(total > 0, total, 1), np.nan)
    return out[list(SCORE_COLUMNS)]
