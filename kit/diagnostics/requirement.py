"""Did the behaviour change once the standard was required? Before and after, from one export.

A standard may carry ``required_from: YYYY-MM-DD`` and optionally ``teams: [...]``: the day
the leader required it, and of whom. :func:`requirement_changes` measures the standard's
metric in two **equal windows** from the same export: the ``L`` days before that date and
the ``L`` days from it, where ``L`` is the number of days from the date to the as-of date
(shortened so the window before does not start before the launch). Every team and every
producer of a required team gets its before, after and change with a 95% Newcombe
interval.

Teams the standard was *not* required of are the **comparison group**: their units are
pooled and their change is subtracted from each required team's change (a difference in
differences, with its MOVER interval), so a change that happened everywhere (a season, a
new lead source, a CRM update) is not credited to the requirement. The verdict of a
required team or producer rests on that difference; with no comparison group (the standard
was required of every team) it rests on the team's own change and says so.

Limits: snapshot metrics (open loans with a stale stage, past clients in cadence...) are
taken at the last day of each window, and an export only knows each loan's *current* status:
a loan open on the day before the requirement but closed since is not counted as open then.
Units of one producer are not independent (a producer's calls share habits), so intervals
are somewhat narrower than they should be; the comparison group absorbs changes common to
every team but not one that hit only the required teams.

Examples
--------
>>> REQUIREMENT_COLUMNS[:3]
('rule_id', 'statement', 'metric')
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from kit.diagnostics.changes import long_date, points
from kit.diagnostics.findings import format_value
from kit.diagnostics.intervals import mover, newcombe, verdict
from kit.diagnostics.metrics import METRICS
from kit.diagnostics.standards import Rule, Standards
from kit.exceptions import StandardsError

__all__ = [
    "MIN_WINDOW_DAYS",
    "REQUIREMENT_COLUMNS",
    "check_required_teams",
    "empty_requirements",
    "requirement_changes",
    "windows",
]

#: Shortest window (days on each side of the date) worth comparing.
MIN_WINDOW_DAYS = 7
DAY = pd.Timedelta(days=1)

REQUIREMENT_COLUMNS: tuple[str, ...] = (
    "rule_id",
    "statement",
    "metric",
    "unit",
    "better",
    "required_from",
    "required_of",
    "before_start",
    "before_end",
    "after_start",
    "after_end",
    "scope",
    "team",
    "producer_id",
    "producer_name",
    "required",
    "before",
    "before_numerator",
    "before_denominator",
    "after",
    "after_numerator",
    "after_denominator",
    "change",
    "change_low",
    "change_high",
    "comparison_change",
    "comparison_low",
    "comparison_high",
    "effect",
    "effect_low",
    "effect_high",
    "verdict",
    "note",
    "evidence",
    "rule_order",
)
_FLOATS = (
    "before",
    "before_numerator",
    "before_denominator",
    "after",
    "after_numerator",
    "after_denominator",
    "change",
    "change_low",
    "change_high",
    "comparison_change",
    "comparison_low",
    "comparison_high",
    "effect",
    "effect_low",
    "effect_high",
)
_SCOPE_ORDER = {"team": 0, "comparison": 1, "producer": 2}

#: ``measure(as_of, window_days)`` returns the metrics frame of the window ending at as_of.
Measure = Callable[[pd.Timestamp, int], pd.DataFrame]


def empty_requirements() -> pd.DataFrame:
    """An empty requirements frame with the canonical columns and dtypes."""
    return _typed(pd.DataFrame(columns=list(REQUIREMENT_COLUMNS)))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reindex(columns=list(REQUIREMENT_COLUMNS))
    for column in REQUIREMENT_COLUMNS:
        if column in _FLOATS:
            out[column] = pd.to_numeric(out[column]).astype("float64")
        elif column == "rule_order":
            out[column] = pd.to_numeric(out[column]).fillna(0).astype("int64")
        elif column == "required":
            out[column] = out[column].fillna(False).astype("bool")
        else:
            out[column] = out[column].astype(object).where(out[column].notna(), None)
            out[column] = out[column].astype("str")
    return out.reset_index(drop=True)


def check_required_teams(standards: Standards, teams: Sequence[str]) -> None:
    """Every team a standard names in ``teams:`` exists in the data.

    Raises
    ------
    StandardsError
        Naming each unknown team, the rule and the closest team names.
    """
    known = list(teams)
    problems = []
    for rule in standards.required:
        for team in rule.teams:
            if team not in known:
                close = difflib.get_close_matches(team, known, n=2, cutoff=0.5)
                hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
                problems.append(f"rule {rule.id}: team {team!r} is not in the data{hint}")
    if problems:
        raise StandardsError(
            f"{standards.source or 'standards'} names teams the data does not have "
            f"(teams: {', '.join(known)}):",
            problems=problems,
        )


def windows(
    required_from: pd.Timestamp, *, as_of: pd.Timestamp, launch: pd.Timestamp
) -> tuple[int, str | None]:
    """Days ``L`` of each window around ``required_from`` and, when it cannot be compared,
    why (``None`` otherwise).

    >>> day = pd.Timestamp
    >>> windows(day("2025-08-04"), as_of=day("2025-10-31"), launch=day("2025-01-13"))
    (89, None)
    >>> windows(day("2025-02-01"), as_of=day("2025-10-31"), launch=day("2025-01-13"))
    (19, None)
    >>> windows(day("2025-11-04"), as_of=day("2025-10-31"), launch=day("2025-01-13"))[1]
    'required from 2025-11-04, after the as-of date 2025-10-31: nothing to compare yet'
    """
    after = (as_of - required_from).days + 1
    before = (required_from - launch).days
    if after <= 0:
        return 0, (
            f"required from {required_from.date()}, after the as-of date {as_of.date()}: "
            "nothing to compare yet"
        )
    if before <= 0:
        return 0, (
            f"required from {required_from.date()}, not after the launch {launch.date()}: "
            "there is no before to compare with"
        )
    days = min(after, before)
    if days < MIN_WINDOW_DAYS:
        return days, (
            f"required from {required_from.date()}: only {days} days on one side of the date "
            f"(at least {MIN_WINDOW_DAYS} are needed)"
        )
    return days, None


def _pick(metrics: pd.DataFrame, metric: str) -> pd.DataFrame:
    return metrics[metrics["metric"] == metric]


def _side(frame: pd.DataFrame, scope: str, key: str) -> pd.DataFrame:
    rows = frame[frame["scope"] == scope]
    return rows.set_index(key)[["value", "numerator", "denominator", "assessed"]]


def _pool(rows: pd.DataFrame) -> tuple[float, float, float]:
    """Pooled share of a group's rows: value, numerator, denominator."""
    rows = rows[rows["assessed"].astype(bool)]
    num, den = float(rows["numerator"].sum()), float(rows["denominator"].sum())
    return (num / den if den > 0 else np.nan), num, den


def _rule_rows(
    rule: Rule,
    order: int,
    teams: Sequence[str],
    before: pd.DataFrame,
    after: pd.DataFrame,
    dates: dict[str, str],
    days: int,
) -> list[dict[str, Any]]:
    spec = METRICS[rule.metric]
    share = spec.unit == "share"
    required_of = ", ".join(rule.teams) if rule.teams else "every team"
    comparison = [t for t in teams if not rule.applies_to(t)]
    b_team, a_team = _side(before, "team", "team"), _side(after, "team", "team")
    base = {
        "rule_id": rule.id,
        "statement": rule.statement,
        "metric": rule.metric,
        "unit": spec.unit,
        "better": spec.better,
        "required_from": str(rule.required_from),
        "required_of": required_of,
        **dates,
        "rule_order": order,
    }
    rows: list[dict[str, Any]] = []

    def measured(b: pd.Series | None, a: pd.Series | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for prefix, side in (("before", b), ("after", a)):
            ok = side is not None and bool(side["assessed"])
            side = cast(pd.Series, side)  # read below only when ok, so never None
            out[prefix] = float(side["value"]) if ok else np.nan
            out[f"{prefix}_numerator"] = float(side["numerator"]) if ok else np.nan
            out[f"{prefix}_denominator"] = float(side["denominator"]) if ok else np.nan
        return out

    def pooled(b: pd.DataFrame, a: pd.DataFrame) -> dict[str, Any]:
        bv, bn, bd = _pool(b)
        av, an, ad = _pool(a)
        return {
            "before": bv,
            "before_numerator": bn,
            "before_denominator": bd,
            "after": av,
            "after_numerator": an,
            "after_denominator": ad,
        }

    # the comparison group: every team the standard was not required of, pooled
    comp: dict[str, Any] = {}
    if comparison and share:
        comp = pooled(
            b_team.loc[b_team.index.isin(comparison)], a_team.loc[a_team.index.isin(comparison)]
        )
        rows.append({**base, "scope": "comparison", "required": False, **comp})
    for team in teams:
        b = b_team.loc[team] if team in b_team.index else None
        a = a_team.loc[team] if team in a_team.index else None
        rows.append(
            {
                **base,
                "scope": "team",
                "team": team,
                "required": rule.applies_to(team),
                **measured(b, a),
            }
        )
    # producers of the required teams, against the comparison teams' producers pooled
    if "producer" in spec.scopes:
        bp, ap = before[before["scope"] == "producer"], after[after["scope"] == "producer"]
        comp_p: dict[str, Any] = {}
        if comparison and share:
            comp_p = pooled(bp[bp["team"].isin(comparison)], ap[ap["team"].isin(comparison)])
        b_ids = bp.set_index("producer_id")
        a_ids = ap.set_index("producer_id")
        for p in ap[ap["team"].map(rule.applies_to).astype(bool)].itertuples(index=False):
            b = b_ids.loc[p.producer_id] if p.producer_id in b_ids.index else None
            rows.append(
                {
                    **base,
                    "scope": "producer",
                    "team": p.team,
                    "producer_id": p.producer_id,
                    "producer_name": p.producer_name,
                    "required": True,
                    **measured(b, a_ids.loc[p.producer_id]),
                    "_comparison": comp_p,
                }
            )
    for row in rows:
        group = row.pop("_comparison", comp)
        _judge(row, group if row["scope"] != "comparison" else {}, share, days, rule)
    return rows


def _judge(row: dict[str, Any], comp: dict[str, Any], share: bool, days: int, rule: Rule) -> None:
    """Fill change, comparison, effect, verdict, note and evidence of one row in place."""
    b_n, a_n = row["before_denominator"], row["after_denominator"]
    if not share:
        row["change"] = row["after"] - row["before"]
        row["verdict"] = "not tested"
        row["note"] = (
            f"{METRICS[rule.metric].unit} metrics carry no interval in the results; only "
            "shares are tested for change"
        )
        row["evidence"] = _evidence(row, days)
        return
    change, low, high = (
        float(v) for v in newcombe(row["before_numerator"], b_n, row["after_numerator"], a_n)
    )
    row.update(change=change, change_low=low, change_high=high)
    own = str(verdict(change, low, high, b_n, a_n, better=METRICS[rule.metric].better))
    if row["before"] != row["before"] or row["after"] != row["after"]:
        row["verdict"] = "not assessed"
        row["note"] = "not measured in both windows"
    elif row["scope"] == "comparison" or not row["required"]:
        row["verdict"] = own
        row["note"] = (
            "teams the standard was not required of, pooled"
            if row["scope"] == "comparison"
            else "not required: part of the comparison group"
        )
    elif not comp:
        row["verdict"] = own
        row["note"] = (
            "no comparison group: the standard was required of every team, so a change that "
            "happened everywhere cannot be told apart from the requirement"
        )
    else:
        c_change, c_low, c_high = (
            float(v)
            for v in newcombe(
                comp["before_numerator"],
                comp["before_denominator"],
                comp["after_numerator"],
                comp["after_denominator"],
            )
        )
        effect, e_low, e_high = (
            float(v) for v in mover(change, low, high, c_change, c_low, c_high)
        )
        row.update(
            comparison_change=c_change,
            comparison_low=c_low,
            comparison_high=c_high,
            effect=effect,
            effect_low=e_low,
            effect_high=e_high,
        )
        row["verdict"] = str(
            verdict(
                effect,
                e_low,
                e_high,
                min(b_n, comp["before_denominator"]),
                min(a_n, comp["after_denominator"]),
                better=METRICS[rule.metric].better,
            )
        )
        row["note"] = (
            f"its own change alone: {own}; the verdict compares it with the teams not required"
            if own != row["verdict"]
            else ""
        )
    row["evidence"] = _evidence(row, days)


def _share(value: float, num: float, den: float, unit: str) -> str:
    if value != value:
        return "not assessed"
    if unit == "share":
        return f"{format_value(value, unit)} ({num:,.0f} of {den:,.0f})"
    return format_value(value, unit)


def _evidence(row: dict[str, Any], days: int) -> str:
    label = METRICS[row["metric"]].label
    unit = row["unit"]
    before = _share(row["before"], row["before_numerator"], row["before_denominator"], unit)
    after = _share(row["after"], row["after_numerator"], row["after_denominator"], unit)
    text = (
        f"{label}: {before} in the {days} days before {long_date(row['required_from'])}, "
        f"{after} in the {days} days from it"
    )
    change = row.get("change", np.nan)
    if unit == "share" and change == change:
        text += f"; {points(change)}"
        if row.get("change_low", np.nan) == row.get("change_low", np.nan):
            text += f" (95% interval {points(row['change_low'])} to {points(row['change_high'])})"
    effect = row.get("effect", np.nan)
    if effect == effect:
        text += (
            f"; the teams not required changed {points(row['comparison_change'])}, so the "
            f"difference is {points(effect)} (95% interval {points(row['effect_low'])} to "
            f"{points(row['effect_high'])})"
        )
    return f"{text}: {row['verdict']}."


def requirement_changes(
    standards: Standards,
    *,
    teams: Sequence[str],
    as_of: pd.Timestamp,
    launch: pd.Timestamp,
    measure: Measure,
) -> pd.DataFrame:
    """Before and after each standard was required, per team and producer (the
    requirements frame, :data:`REQUIREMENT_COLUMNS`); empty when no standard has a date.

    ``measure(as_of, window_days)`` computes the metrics of a window (the same definitions
    as the assessment); each distinct window is measured once.
    """
    required = [(i, r) for i, r in enumerate(standards.rules) if r.required_from is not None]
    if not required:
        return empty_requirements()
    check_required_teams(standards, teams)
    cache: dict[tuple[pd.Timestamp, int], pd.DataFrame] = {}

    def window(end: pd.Timestamp, days: int) -> pd.DataFrame:
        if (end, days) not in cache:
            cache[(end, days)] = measure(end, days)
        return cache[(end, days)]

    rows: list[dict[str, Any]] = []
    for order, rule in required:
        start = pd.Timestamp(rule.required_from)
        days, reason = windows(start, as_of=as_of, launch=launch)
        if reason is not None:
            spec = METRICS[rule.metric]
            rows.extend(
                {
                    "rule_id": rule.id,
                    "statement": rule.statement,
                    "metric": rule.metric,
                    "unit": spec.unit,
                    "better": spec.better,
                    "required_from": str(rule.required_from),
                    "required_of": ", ".join(rule.teams) if rule.teams else "every team",
                    "scope": "team",
                    "team": team,
                    "required": rule.applies_to(team),
                    "verdict": "not assessed",
                    "note": reason,
                    "evidence": f"{spec.label}: not assessed: {reason}.",
                    "rule_order": order,
                }
                for team in teams
            )
            continue
        dates = {
            "before_start": str((start - days * DAY).date()),
            "before_end": str((start - DAY).date()),
            "after_start": str(start.date()),
            "after_end": str((start + (days - 1) * DAY).date()),
        }
        before = _pick(window(start - DAY, days), rule.metric)
        after = _pick(window(start + (days - 1) * DAY, days), rule.metric)
        rows.extend(_rule_rows(rule, order, teams, before, after, dates, days))
    frame = pd.DataFrame(rows).reindex(columns=list(REQUIREMENT_COLUMNS))
    frame = frame.assign(_scope=frame["scope"].map(_SCOPE_ORDER)).sort_values(
        ["rule_order", "_scope", "team", "producer_id"], kind="stable", na_position="first"
    )
    return _typed(frame.drop(columns="_scope"))
