"""The adoption score: one 0-100 number per organization, team and producer, when the
evidence allows one.

Formula (quoted in the report's appendix)::

    score = 100 x sum(weight x points) / sum(weight)

over the rules *judged* for that organization, team or producer (pass, warn or fail), where
a rule scores 1 point when passed, 0.5 when in the warn band and 0 when failed. Rules that
could not be assessed, or were measured on too few records, are left out of both sums.

The evidence rule (:mod:`kit.diagnostics.evidence`) applies to every scope alike, the
organization included: the judged weight must be at least half of the weight of every rule
that applies at that scope (``weight_total``); otherwise the score is blank (NaN), its
``evidence`` reads "not enough evidence" and ``missing`` names the rules not judged and why.
Weights come from the standards file (default 1).

Examples
--------
>>> import pandas as pd
>>> c = pd.DataFrame({"scope": ["team"] * 4, "team": ["West"] * 4, "producer_id": [None] * 4,
...                   "producer_name": [None] * 4, "status": ["pass", "warn", "fail", "too_few"],
...                   "weight": [2.0, 1.0, 1.0, 1.0], "metric": ["stale_open_loans"] * 4,
...                   "reason": [None, None, None, "too few to judge: 2 open loans"]})
>>> row = scores(c).iloc[0]
>>> float(row["score"]), row["evidence"], float(row["weight_assessed"]), float(row["weight_total"])
(62.5, 'scored', 4.0, 5.0)
>>> row["missing"]
'open loans with a stale stage (too few to judge: 2 open loans)'
>>> scores(c.assign(status=["pass", "too_few", "not_assessed", "too_few"]))["evidence"].iloc[0]
'not enough evidence'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.diagnostics.evidence import NOT_ENOUGH_EVIDENCE, enough_weight
from kit.diagnostics.metrics import METRICS
from kit.results import SCORE_COLUMNS

__all__ = ["POINTS", "scores"]

#: Points a rule earns per status.
POINTS: dict[str, float] = {"pass": 1.0, "warn": 0.5, "fail": 0.0}
_KEYS = ["scope", "team", "producer_id", "producer_name"]
SCORED = "scored"


def _missing(compliance: pd.DataFrame, judged: np.ndarray) -> pd.Series:
    """Per scope key: the rules not judged, named by what they measure and grouped by reason
    (``open loans with a stale stage, ... (no activities provided); ...``)."""
    rows = compliance.loc[~judged, [*_KEYS, "metric", "reason"]]
    if rows.empty:
        return pd.Series(dtype=object)
    reason = rows["reason"].astype(object).where(rows["reason"].notna(), "not assessed")
    reason = reason.str.replace(r"^not assessed: ", "", regex=True)
    # "too few to judge: 3 open loans (fewer than 5)" -> one group per rule; others by reason
    rows = rows.assign(_reason=reason, _rule=rows["metric"].map(lambda m: METRICS[m].phrase))
    grouped = (
        rows.groupby([*_KEYS, "_reason"], dropna=False, sort=False)["_rule"]
        .agg(", ".join)
        .reset_index()
    )
    grouped["_text"] = grouped["_rule"] + " (" + grouped["_reason"] + ")"
    return grouped.groupby(_KEYS, dropna=False, sort=False)["_text"].agg("; ".join)


def scores(compliance: pd.DataFrame) -> pd.DataFrame:
    """Adoption score per (scope, team, producer) from the compliance frame.

    Columns :data:`SCORE_COLUMNS`: ``rules_assessed`` counts the rules judged (pass, warn or
    fail), ``too_few`` those measured on too few records, ``not_assessed`` those with no
    measurement; ``weight_assessed`` / ``weight_total`` the judged and applicable weight;
    ``evidence`` is ``scored`` or ``not enough evidence``; ``missing`` names the rules not
    judged, with their reasons.
    """
    status = compliance["status"].to_numpy()
    weight = compliance["weight"].to_numpy(dtype="float64")
    assessed = np.isin(status, list(POINTS))
    points = pd.Series(status).map(POINTS).fillna(0.0).to_numpy()
    frame = compliance[_KEYS].assign(
        _earned=np.where(assessed, weight * points, 0.0),
        weight_assessed=np.where(assessed, weight, 0.0),
        weight_total=weight,
        rules_assessed=assessed.astype("int64"),
        passed=(status == "pass").astype("int64"),
        warned=(status == "warn").astype("int64"),
        failed=(status == "fail").astype("int64"),
        not_assessed=(status == "not_assessed").astype("int64"),
        too_few=(status == "too_few").astype("int64"),
    )
    out = frame.groupby(_KEYS, dropna=False, sort=False).sum().reset_index()
    earned = out.pop("_earned").to_numpy()
    judged, total = out["weight_assessed"].to_numpy(), out["weight_total"].to_numpy()
    enough = enough_weight(judged, total)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["score"] = np.where(enough, 100.0 * earned / np.where(judged > 0, judged, 1), np.nan)
    out["evidence"] = np.where(enough, SCORED, NOT_ENOUGH_EVIDENCE)
    missing = _missing(compliance, assessed)
    out["missing"] = None
    if len(missing):
        key = _key(out)
        text = pd.Series(missing.to_numpy(dtype=object), index=_key(missing.index.to_frame()))
        out["missing"] = key.map(text).to_numpy(dtype=object)
    return out[list(SCORE_COLUMNS)]


def _key(frame: pd.DataFrame) -> pd.Series:
    """One text key per (scope, team, producer) row, blanks included."""
    parts = [frame[k].astype(object).where(frame[k].notna(), "").astype(str) for k in _KEYS]
    key = parts[0]
    for part in parts[1:]:
        key = key + "\x1f" + part
    return key.reset_index(drop=True)
