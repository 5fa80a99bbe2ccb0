"""Compliance: every team and producer scored against every operating standard.

Each rule of the standards is joined to its metric's rows (organization, team and, where the
metric exists per producer, producer rows) and given a status: ``pass`` when the value meets
the target, ``warn`` when it misses the target but meets the warn level, ``fail`` otherwise,
``not_assessed`` (with the metric's reason) when the value could not be measured, and
``too_few`` (with the count) when it was measured on fewer records than the evidence
minimum (:mod:`kit.diagnostics.evidence`): shown, but not scored, ranked or flagged.

Examples
--------
>>> COMPLIANCE_COLUMNS[:4]
('scope', 'team', 'producer_id', 'producer_name')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.diagnostics.evidence import too_few, too_few_reason
from kit.diagnostics.metrics import METRICS
from kit.diagnostics.standards import Standards, judge
from kit.results import COMPLIANCE_COLUMNS

__all__ = ["compliance"]


def compliance(metrics: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Score every metric row a rule refers to against that rule.

    Parameters
    ----------
    metrics
        The long-format metrics frame (:data:`kit.results.METRIC_COLUMNS`).
    standards
        The validated standards.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COMPLIANCE_COLUMNS`; ``rule_order`` is the rule's position in the
        standards file.
    """
    rules = pd.DataFrame(
        [
            {
                "rule_id": r.id,
                "statement": r.statement,
                "metric": r.metric,
                "target": r.target,
                "warn": r.warn,
                "direction": r.direction,
                "owner_role": r.owner_role,
                "weight": r.weight,
                "rule_order": i,
            }
            for i, r in enumerate(standards.rules)
        ]
    )
    frame = rules.merge(metrics, on="metric", how="inner", sort=False)
    value = frame["value"].to_numpy(dtype="float64")
    target = frame["target"].to_numpy(dtype="float64")
    warn = frame["warn"].to_numpy(dtype="float64")
    at_least = frame["direction"].to_numpy() == "at_least"
    assessed = frame["assessed"].to_numpy(dtype=bool) & ~np.isnan(value)
    denominator = frame["denominator"].to_numpy(dtype="float64")
    few = assessed & too_few(denominator, frame["unit"].to_numpy(dtype=object))
    judged = judge(
        np.where(assessed, value, np.nan), target=target, warn=warn, at_least=at_least
    )
    frame["status"] = np.where(few, "too_few", judged)
    reason = frame["reason"].where(~assessed).astype(object)
    if few.any():
        nouns = frame["metric"].map(lambda m: METRICS[m].noun)
        reason[few] = [
            too_few_reason(d, n) for d, n in zip(denominator[few], nouns[few], strict=True)
        ]
    frame["reason"] = reason
    _supersede(frame, metrics)
    return frame[list(COMPLIANCE_COLUMNS)].reset_index(drop=True)


def _supersede(frame: pd.DataFrame, metrics: pd.DataFrame) -> None:
    """Leave unscored, in place, a rule whose metric has a stronger signal of the same
    behaviour (``Metric.superseded_by``) wherever that stronger metric is assessed for the
    same scope, team and producer: the weaker evidence is reported, never scored twice."""
    keys = ["scope", "team", "producer_id"]
    for weak, spec in METRICS.items():
        rows = (frame["metric"] == weak).to_numpy()
        if spec.superseded_by is None or not rows.any():
            continue
        strong = metrics[(metrics["metric"] == spec.superseded_by) & metrics["assessed"]]
        hit = (
            frame.loc[rows, keys]
            .merge(strong[keys].assign(_strong=True), on=keys, how="left")["_strong"]
            .notna()
            .to_numpy()
        )
        where = frame.index[rows][hit]
        label = METRICS[spec.superseded_by].label.lower()
        frame.loc[where, "status"] = "not_assessed"
        frame.loc[where, "reason"] = (
            f"not scored: {label} measures the same behaviour from stronger evidence"
        )
