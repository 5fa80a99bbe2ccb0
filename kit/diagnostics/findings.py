"""Findings: the gaps that matter, ranked, in plain language with their evidence.

A finding is produced for

* every failed or warned compliance row (organization, team and producer scope): the
  metric's evidence sentence with the measured value and the count behind it, the standard
  it misses, the operating change to require, who owns it and what the manager reviews;
* teams with a notable share (at least 20%) of lapsed, never-adopted or partial producers;
* the organization's idle-seat spend (more than 10% of seats idle) and its archetype mix.

Order (rank 1 first): organization before team before producer findings; then ``high``
(failed) before ``medium`` (warn band); then rule weight (higher first); then the shortfall
from the target (share metrics in percentage points, other units relative to the target;
bigger first); then the number of records behind it (more first); then the rule's order in
the standards file; then team and producer id alphabetically, so ties always break the same
way. ``team_rank`` is the rank within the team (team and producer findings).

Examples
--------
>>> format_value(0.584, "share"), format_value(95, "minutes"), format_value(1234.6, "currency")
('58%', '1.6 hours', '$1,235')
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kit.diagnostics.metrics import METRICS
from kit.results import FINDING_COLUMNS

if TYPE_CHECKING:
    from kit.diagnostics.context import Context

__all__ = ["findings", "format_standard", "format_value"]
_SCOPE_ORDER = {"organization": 0, "team": 1, "producer": 2}
_SEVERITY_ORDER = {"high": 0, "medium": 1}
_ARCHETYPE_SHARE = 0.2
_IDLE_SHARE = 0.1
_ARCHETYPE_TEXT = {
    "lapsed": (
        "lapsed_producers",
        "lapsed: they used the CRM in their first weeks but logged far less in the last 4 weeks",
        "Make the lapse visible and required: every pipeline and lead review runs from the "
        "CRM, and each lapsed producer's weekly 1:1 starts from their CRM activity.",
        "Each lapsed producer's logged work this week.",
    ),
    "never_adopted": (
        "never_adopted_producers",
        "never adopted the CRM: they log under a quarter of a typical producer's work in it",
        "Check each one has access and a working login, pair them with a consistent user for "
        "two weeks, and set a 30-day onboarding goal with a weekly check.",
        "Each never-adopted producer's logins and logged work this week.",
    ),
    "partial": (
        "partial_producers",
        "use the CRM only partly: they log some work but miss practice standards or skip weeks",
        "Name the standard each one misses (stage updates, next steps, lead source) and review "
        "it with them every week until it holds.",
        "The standards each partial producer missed last week.",
    ),
    # read from record dates when the export has no activity log (the weaker signal)
    "lapsed_by_records": (
        "lapsed_producers_by_records",
        "lapsed by records: they entered and moved loans in the CRM in their first weeks but "
        "far fewer in the last 4 weeks",
        "Make the lapse visible and required: every pipeline review runs from the CRM, and each "
        "lapsed producer's weekly 1:1 starts from the loans they entered and moved there.",
        "The records each lapsed producer created or updated this week.",
    ),
    "never_adopted_by_records": (
        "never_adopted_producers_by_records",
        "never adopted the CRM by records: they create or update under a quarter of a typical "
        "producer's records in it",
        "Check each one has access and a working login, and require every loan they work to be "
        "entered in the CRM from this week, checked in the pipeline meeting.",
        "The loans each never-adopted producer entered this week.",
    ),
    "partial_by_records": (
        "partial_producers_by_records",
        "use the CRM only partly by records: they enter records but miss pipeline standards or "
        "skip weeks",
        "Name the standard each one misses (open loans left to age, close dates, loans entered "
        "only when won) and review it with them every week until it holds.",
        "The pipeline standards each partial producer missed last week.",
    ),
}


def format_value(value: float, unit: str) -> str:
    """Format a measured value for a sentence (58%, 12 days, 1.6 hours, $1,235)."""
    if value is None or value != value:
        return "n/a"
    if unit == "share":
        pct = value * 100
        if 0 < pct < 1:
            return "<1%"
        if 99 < pct < 100:
            return ">99%"
        return f"{pct:.0f}%"
    if unit == "minutes":
        if value < 90:
            return f"{value:.0f} minutes" if round(value) != 1 else "1 minute"
        if value < 36 * 60:
            return f"{value / 60:.1f} hours"
        return f"{value / 1440:.1f} days"
    if unit == "days":
        return f"{value:.0f} days" if round(value) != 1 else "1 day"
    if unit == "currency":
        return f"${value:,.0f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def format_standard(direction: str, target: float, unit: str) -> str:
    """``at most 10%`` / ``at least 80%``."""
    word = "at least" if direction == "at_least" else "at most"
    return f"{word} {format_value(target, unit)}"


def _count(x: float) -> str:
    return "0" if x != x else f"{x:,.0f}"


def _whose(scope: str, team: object, name: object) -> str:
    if scope == "organization":
        return "the organization's"
    who = name if scope == "producer" else team
    return f"{who}'s"


def _fill(template: str, values: dict[str, pd.Series | str]) -> pd.Series:
    """Fill ``{name}`` placeholders of a template with columns (or constants), vectorized,
    and capitalize the sentence."""
    pieces = re.split(r"\{(\w+)\}", template)
    n = next(len(v) for v in values.values() if isinstance(v, pd.Series))
    text = pd.Series([""] * n, dtype=object)
    for i, piece in enumerate(pieces):
        part = values.get(piece, "{" + piece + "}") if i % 2 else piece
        text = text + (part.to_numpy(dtype=object) if isinstance(part, pd.Series) else part)
    text = text.str.replace(r"\bonly 0% of\b", "none of", regex=True)  # not "Only 0% of"
    return text.str[:1].str.upper() + text.str[1:]


def _rule_findings(ctx: Context, compliance: pd.DataFrame) -> pd.DataFrame:
    gaps = compliance[compliance["status"].isin(["fail", "warn"])].reset_index(drop=True)
    if not len(gaps):
        return pd.DataFrame()
    team = compliance[compliance["scope"] == "team"]
    team_fails = team[team["status"] == "fail"].groupby("rule_id").size()
    team_assessed = team[team["status"] != "not_assessed"].groupby("rule_id").size()
    whose = (
        pd.Series(
            np.where(
                gaps["scope"] == "organization",
                "the organization",
                np.where(gaps["scope"] == "producer", gaps["producer_name"], gaps["team"]),
            ),
            dtype=object,
        ).astype(str)
        + "'s"
    )
    parts = []
    # one vectorized pass per rule (rules number a dozen; rows are never looped over)
    for rule in ctx.standards.rules:
        mask = (gaps["rule_id"] == rule.id).to_numpy()
        if not mask.any():
            continue
        rows = gaps[mask].reset_index(drop=True)
        spec = METRICS[rule.metric]
        standard = format_standard(rule.direction, rule.target, spec.unit)
        values: dict[str, pd.Series | str] = {
            "value": rows["value"].map(lambda v, u=spec.unit: format_value(v, u)),
            "numerator": rows["numerator"].map(_count),
            "denominator": rows["denominator"].map(_count),
            "whose": whose[mask].reset_index(drop=True),
            "window": str(ctx.window_days),
            **{k: str(v) for k, v in rule.params.items()},
        }
        text = _fill(spec.evidence, values) + f" (standard: {standard})."
        if rule.id in team_assessed:
            org = (rows["scope"] == "organization").to_numpy()
            failing = int(team_fails.get(rule.id, 0))
            text[org] = text[org] + (
                f" {failing} of {int(team_assessed[rule.id])} teams fail this standard."
            )
        value = rows["value"].to_numpy(dtype="float64")
        gap = np.abs(value - rule.target)
        if spec.unit != "share":
            gap = gap / max(abs(rule.target), 1.0)
        parts.append(
            rows[["scope", "team", "producer_id", "producer_name", "rule_id", "metric"]].assign(
                status=rows["status"],
                severity=np.where(rows["status"] == "fail", "high", "medium"),
                finding=text.to_numpy(dtype=object),
                value=value,
                numerator=rows["numerator"],
                denominator=rows["denominator"],
                standard=f"{rule.statement} (target: {standard})",
                require=rule.require,
                owner_role=rule.owner_role,
                review=rule.review,
                _weight=rule.weight,
                _gap=gap,
                _order=rows["rule_order"],
            )
        )
    return pd.concat(parts, ignore_index=True)


def _archetype_findings(ctx: Context, scores: pd.DataFrame) -> pd.DataFrame:
    producers = scores[(scores["scope"] == "producer") & scores["archetype"].notna()]
    if not len(producers):
        return pd.DataFrame()
    counts = pd.crosstab(producers["team"], producers["archetype"])
    totals = counts.sum(axis=1)
    records = []
    n_rules = len(ctx.standards.rules)
    for order, kind in enumerate(_ARCHETYPE_TEXT):
        if kind not in counts:
            continue
        rule_id, text, require, review = _ARCHETYPE_TEXT[kind]
        scopes = [("team", t, counts.loc[t, kind], totals[t]) for t in counts.index]
        scopes.append(("organization", None, counts[kind].sum(), totals.sum()))
        for scope, team, n, total in scopes:
            share = n / total if total else np.nan
            if not n or share < _ARCHETYPE_SHARE:
                continue
            whose = _whose(scope, team, None)
            records.append(
                {
                    "scope": scope,
                    "team": team,
                    "producer_id": None,
                    "producer_name": None,
                    "rule_id": rule_id,
                    "metric": None,
                    "status": "fail",
                    "severity": "medium" if kind.startswith("partial") and share < 0.5 else "high",
                    "finding": f"{n} of {whose} {total} producers {text}.",
                    "value": share,
                    "numerator": float(n),
                    "denominator": float(total),
                    "standard": "Every producer runs their work from the CRM every week.",
                    "require": require,
                    "owner_role": "sales manager",
                    "review": review,
                    "_weight": 1.0 if kind.startswith("partial") else 2.0,
                    "_gap": share,
                    "_order": n_rules + order,
                }
            )
    return pd.DataFrame.from_records(records)


def _seat_findings(ctx: Context, metrics: pd.DataFrame) -> pd.DataFrame:
    org = metrics[(metrics["scope"] == "organization") & metrics["assessed"]].set_index("metric")
    if "idle_seat_share" not in org.index:
        return pd.DataFrame()
    idle = org.loc["idle_seat_share"]
    share = float(idle["value"])
    if share <= _IDLE_SHARE:
        return pd.DataFrame()
    text = (
        f"{_count(idle['numerator'])} of the organization's {_count(idle['denominator'])} paid "
        f"seats ({format_value(share, 'share')}) had no logged work in the last 30 days"
    )
    if "idle_seat_spend" in org.index:
        text += f", costing {format_value(float(org.loc['idle_seat_spend', 'value']), 'currency')}"
        text += " a month"
    return pd.DataFrame.from_records(
        [
            {
                "scope": "organization",
                "team": None,
                "producer_id": None,
                "producer_name": None,
                "rule_id": "idle_seats",
                "metric": "idle_seat_share",
                "status": "fail",
                "severity": "high" if share >= 0.25 else "medium",
                "finding": text + ".",
                "value": share,
                "numerator": float(idle["numerator"]),
                "denominator": float(idle["denominator"]),
                "standard": "Every paid seat is used every month.",
                "require": "Reclaim or reassign idle seats, or get their holders working in "
                "the CRM within 30 days.",
                "owner_role": "leadership",
                "review": "Seats with no logged work in the last 30 days.",
                "_weight": 1.0,
                "_gap": share,
                "_order": len(ctx.standards.rules) + 10,
            }
        ]
    )


def findings(
    ctx: Context, compliance: pd.DataFrame, scores: pd.DataFrame, metrics: pd.DataFrame
) -> pd.DataFrame:
    """Rank every finding (see the module docstring for the order)."""
    parts = [
        _rule_findings(ctx, compliance),
        _archetype_findings(ctx, scores),
        _seat_findings(ctx, metrics),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty()
    frame = pd.concat(parts, ignore_index=True)
    frame["_scope"] = frame["scope"].map(_SCOPE_ORDER)
    frame["_severity"] = frame["severity"].map(_SEVERITY_ORDER)
    frame["_team"] = frame["team"].fillna("")
    frame["_producer"] = frame["producer_id"].fillna("")
    frame = frame.sort_values(
        ["_scope", "_severity", "_weight", "_gap", "denominator", "_order", "_team", "_producer"],
        ascending=[True, True, False, False, False, True, True, True],
        kind="stable",
        na_position="last",
    ).reset_index(drop=True)
    frame["rank"] = np.arange(1, len(frame) + 1, dtype="int64")
    in_team = frame["team"].notna()
    team_rank = frame[in_team].groupby("team", sort=False).cumcount() + 1
    frame["team_rank"] = pd.array(np.full(len(frame), pd.NA), dtype="Int64")
    frame.loc[in_team, "team_rank"] = team_rank.astype("int64")
    return frame[list(FINDING_COLUMNS)]


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in FINDING_COLUMNS})
    frame["rank"] = frame["rank"].astype("int64")
    frame["team_rank"] = frame["team_rank"].astype("Int64")
    for c in ("value", "numerator", "denominator"):
        frame[c] = frame[c].astype("float64")
    return frame
