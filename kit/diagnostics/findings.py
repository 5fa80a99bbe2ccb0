"""Findings: the gaps that matter, ranked, in plain language with their evidence.

A finding is produced for

* every failed or warned compliance row (organization, team and producer scope): the
  metric's evidence sentence with the measured value and the count behind it, the standard
  it misses, the operating change to require, who owns it and what the manager reviews. A
  value measured on too few records (status ``too_few``, :mod:`kit.diagnostics.evidence`)
  or not assessed is never a finding. An organization finding says how many teams miss
  the standard; when no team misses it on its own, it says where the gap comes from
  (teams with too few records, records that belong to no team), never "0 of N teams fail";
* teams (and the organization) where at least 20% of the producers, together, are lapsed,
  never adopted or partial: one finding naming how many of each;
* the organization's idle seats (more than 10% of seats idle), with their monthly cost.

Every number is written by :mod:`kit.formatting` (threshold-safe: a value that misses its
standard never reads as the target) from the same frame the tables and CSVs show.

Order (rank 1 first): ``high`` (failed) before ``medium`` (warn band); then impact:
organization before team before producer findings (a gap across a whole team matters more
than one producer's), then rule weight (higher first), then the shortfall from the target
(share metrics in percentage points, other units relative to the target; bigger first),
then the number of records behind it (more first); then the rule's order in the standards
file; then team and producer id alphabetically, so ties always break the same way.
``team_rank`` is the rank within the team (team and producer findings), in the same order.

Examples
--------
>>> ARCHETYPE_SHARE, IDLE_SHARE
(0.2, 0.1)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kit.diagnostics.metrics import METRICS
from kit.diagnostics.reconciliation import SEAT_ACTIVE_DAYS
from kit.formatting import format_count, format_standard, format_value
from kit.results import FINDING_COLUMNS

if TYPE_CHECKING:
    from kit.diagnostics.context import Context

__all__ = ["ARCHETYPE_SHARE", "IDLE_SHARE", "findings"]
_SCOPE_ORDER = {"organization": 0, "team": 1, "producer": 2}
_SEVERITY_ORDER = {"high": 0, "medium": 1}
#: A team (or the organization) gets an archetype finding when at least this share of its
#: producers, together, are lapsed, never adopted or partial.
ARCHETYPE_SHARE = 0.2
#: The organization gets an idle-seat finding when more than this share of seats is idle.
IDLE_SHARE = 0.1
#: Per archetype that needs a fix: (how many of them, what to require, what to review).
_ARCHETYPE_TEXT = {
    "lapsed": (
        "{n} lapsed (used the CRM in their first weeks, logged far less in the last 4)",
        "Make the lapse visible and required: every pipeline and lead review runs from the "
        "CRM, and each lapsed producer's weekly 1:1 starts from their CRM activity.",
        "Each lapsed producer's logged work this week.",
    ),
    "never_adopted": (
        "{n} never adopted it (under a quarter of a typical producer's logged work)",
        "Check each never-adopted producer has access and a working login, pair them with a "
        "consistent user for two weeks, and set a 30-day onboarding goal with a weekly check.",
        "Each never-adopted producer's logins and logged work this week.",
    ),
    "partial": (
        "{n} {uses} it only partly (some work logged, but practice standards missed or weeks "
        "skipped)",
        "Name the standard each partial producer misses (stage updates, next steps, lead "
        "source) and review it with them every week until it holds.",
        "The standards each partial producer missed last week.",
    ),
    # read from record dates when the export has no activity log (the weaker signal)
    "lapsed_by_records": (
        "{n} lapsed by records (entered and moved loans in the CRM in their first weeks, far "
        "fewer in the last 4)",
        "Make the lapse visible and required: every pipeline review runs from the CRM, and each "
        "lapsed producer's weekly 1:1 starts from the loans they entered and moved there.",
        "The records each lapsed producer created or updated this week.",
    ),
    "never_adopted_by_records": (
        "{n} never adopted it by records (under a quarter of a typical producer's records)",
        "Check each one has access and a working login, and require every loan they work to be "
        "entered in the CRM from this week, checked in the pipeline meeting.",
        "The loans each never-adopted producer entered this week.",
    ),
    "partial_by_records": (
        "{n} {uses} it only partly by records (records entered, but pipeline standards missed "
        "or weeks skipped)",
        "Name the standard each one misses (open loans left to age, close dates, loans entered "
        "only when won) and review it with them every week until it holds.",
        "The pipeline standards each partial producer missed last week.",
    ),
}


def _count(x: float) -> str:
    return format_count(x)


def _whose(scope: str, team: object, name: object) -> str:
    if scope == "organization":
        return "the organization's"
    who = name if scope == "producer" else team
    return f"{who}'s"


def _fill(template: str, values: dict[str, np.ndarray | str], n: int) -> np.ndarray:
    """Fill ``{name}`` placeholders of a template with ``n`` texts each (object arrays) or
    constants, vectorized (see :func:`_sentences` for the capital letter)."""
    pieces = re.split(r"\{(\w+)\}", template)
    text = np.full(n, "", dtype=object)
    for i, piece in enumerate(pieces):
        text = text + (values.get(piece, "{" + piece + "}") if i % 2 else piece)
    return text


def _sentences(text: np.ndarray) -> pd.Series:
    """Filled evidence as sentences: "only 0% of" reads "none of", first letter capital."""
    series = pd.Series(text, dtype=object)
    series = series.str.replace(r"\bonly 0% of\b", "none of", regex=True)  # not "Only 0% of"
    return series.str[:1].str.upper() + series.str[1:]


def _each_distinct(numbers: np.ndarray, write: Callable[[float], str]) -> np.ndarray:
    """``write`` of each number, called once per distinct number (the same bits: -0.0 and
    0.0, or two NaNs, are written apart), as an object array.

    >>> _each_distinct(np.array([2.0, 1.0, 2.0]), lambda v: f"{v:g}x").tolist()
    ['2x', '1x', '2x']
    """
    codes, bits = pd.factorize(np.asarray(numbers, dtype="float64").view("int64"))
    texts = np.array([write(v) for v in bits.view("float64").tolist()], dtype=object)
    return texts[codes]


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _teams_sentence(rule_id: str, by_scope: dict[str, pd.DataFrame]) -> str:
    """How the teams stand on a rule the organization misses, in one sentence.

    ``by_scope``: the compliance rows of the teams and of the organization
    (:func:`_scopes`). Never "0 of N teams fail": when no team misses the standard on its
    own, the sentence says where the organization's gap comes from instead.
    """
    teams_rows, org_rows = by_scope["team"], by_scope["organization"]
    rows = teams_rows[teams_rows["rule_id"] == rule_id]
    status = rows["status"]
    fail, warn = int((status == "fail").sum()), int((status == "warn").sum())
    judged = int(status.isin(["pass", "warn", "fail"]).sum())
    few = int((status == "too_few").sum())
    org = org_rows[org_rows["rule_id"] == rule_id]
    org_den = float(org["denominator"].iloc[0]) if len(org) else np.nan
    team_den = float(rows["denominator"].fillna(0).sum())
    unattributed = round(org_den - team_den) if org_den == org_den else 0
    noun = METRICS[rows["metric"].iloc[0]].noun if len(rows) else "records"
    teams = f"the {judged} teams" + (" judged" if judged < len(rows) else "")
    if fail or warn:
        if fail:
            text = f"{fail} of {teams} {_plural(fail, 'fails', 'fail')} it"
            if warn:
                text += f" and {warn} {_plural(warn, 'is', 'are')} in the warn band"
        else:
            are = _plural(warn, "is", "are")
            text = f"No team fails it; {warn} of {teams} {are} in the warn band"
        return text + "."
    causes = []
    if few:
        causes.append(f"{few} {_plural(few, 'team has', 'teams have')} too few {noun} to judge")
    if unattributed > 0:
        causes.append(f"{_count(unattributed)} of the {_count(org_den)} {noun} belong to no team")
    if judged:
        text = (
            "The one team judged meets it on its own"
            if judged == 1
            else f"Each of {teams} meets it on its own"
        )
        return text + (": " + " and ".join(causes) if causes else "") + "."
    return ("No team could be judged on it: " + " and ".join(causes) + ".") if causes else ""


def _scopes(compliance: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The compliance rows of the teams and of the organization, selected once for every
    rule's sentence."""
    scope = compliance["scope"]
    return {s: compliance[(scope == s).to_numpy(dtype=bool)] for s in ("team", "organization")}


def _rule_findings(ctx: Context, compliance: pd.DataFrame) -> pd.DataFrame:
    """One finding per failed or warned compliance row, rule by rule in the standards'
    order (each rule's rows in compliance order); the rows are taken once in that order and
    each rule fills its slice of every column."""
    gaps = compliance[compliance["status"].isin(["fail", "warn"])].reset_index(drop=True)
    rules = list(ctx.standards.rules)
    rule_of = pd.Index([r.id for r in rules]).get_indexer(gaps["rule_id"].to_numpy(dtype=object))
    order = np.argsort(np.where(rule_of >= 0, rule_of, len(rules)), kind="stable")
    order = order[: int((rule_of >= 0).sum())]  # rows of a rule the standards do not have: none
    if not len(order):
        return pd.DataFrame()
    rows = gaps.take(order).reset_index(drop=True)
    which = rule_of[order]
    scope = rows["scope"].to_numpy(dtype=object)
    whose = (
        pd.Series(
            np.where(
                scope == "organization",
                "the organization",
                np.where(scope == "producer", rows["producer_name"], rows["team"]),
            ),
            dtype=object,
        ).astype(str)
        + "'s"
    ).to_numpy(dtype=object)
    value = rows["value"].to_numpy(dtype="float64")
    numerator = rows["numerator"].to_numpy(dtype="float64")
    denominator = rows["denominator"].to_numpy(dtype="float64")
    n = len(rows)
    evidence, after = np.empty(n, dtype=object), np.empty(n, dtype=object)
    standard, require = np.empty(n, dtype=object), np.empty(n, dtype=object)
    owner, review = np.empty(n, dtype=object), np.empty(n, dtype=object)
    weight, gap = np.empty(n, dtype="float64"), np.empty(n, dtype="float64")
    by_scope: dict[str, pd.DataFrame] | None = None  # the teams' and organization's rows
    bounds = np.searchsorted(which, np.arange(len(rules) + 1))
    # one vectorized pass per rule (rules number a dozen; rows are never looped over)
    for i, rule in enumerate(rules):
        at = slice(int(bounds[i]), int(bounds[i + 1]))
        if at.start == at.stop:
            continue
        spec = METRICS[rule.metric]
        target = format_standard(rule.direction, rule.target, spec.unit)
        values: dict[str, np.ndarray | str] = {
            "value": _each_distinct(
                value[at],
                partial(
                    format_value,
                    unit=spec.unit,
                    direction=rule.direction,
                    target=rule.target,
                    warn=rule.warn,
                ),
            ),
            "numerator": _each_distinct(numerator[at], _count),
            "denominator": _each_distinct(denominator[at], _count),
            "whose": whose[at],
            "window": str(ctx.window_days),
            "seat_days": str(SEAT_ACTIVE_DAYS),
            **{k: str(v) for k, v in rule.params.items()},
        }
        evidence[at] = _fill(spec.evidence, values, at.stop - at.start)
        tail = np.full(at.stop - at.start, f" (standard: {target}).", dtype=object)
        org = scope[at] == "organization"
        if org.any():
            by_scope = by_scope if by_scope is not None else _scopes(compliance)
            teams = _teams_sentence(rule.id, by_scope)
            if teams:
                tail[org] = tail[org] + " " + teams
        after[at] = tail
        off = np.abs(value[at] - rule.target)
        gap[at] = off if spec.unit == "share" else off / max(abs(rule.target), 1.0)
        standard[at] = f"{rule.statement} (target: {target})"
        require[at], owner[at], review[at] = rule.require, rule.owner_role, rule.review
        weight[at] = rule.weight
    return rows[["scope", "team", "producer_id", "producer_name", "rule_id", "metric"]].assign(
        status=rows["status"],
        severity=np.where(rows["status"] == "fail", "high", "medium"),
        finding=(_sentences(evidence) + after).to_numpy(dtype=object),
        value=value,
        numerator=rows["numerator"],
        denominator=rows["denominator"],
        standard=standard,
        require=require,
        owner_role=owner,
        review=review,
        _weight=weight,
        _gap=gap,
        _order=rows["rule_order"],
    )


#: Archetypes that need a fix, in the order a finding names them.
_NEEDS_FIX = (
    "lapsed",
    "never_adopted",
    "partial",
    "lapsed_by_records",
    "never_adopted_by_records",
    "partial_by_records",
)


def _archetype_findings(ctx: Context, scores: pd.DataFrame) -> pd.DataFrame:
    """One finding per team (and the organization) whose lapsed, never-adopted and partial
    producers together are at least :data:`ARCHETYPE_SHARE` of its classified producers."""
    producers = scores[(scores["scope"] == "producer") & scores["archetype"].notna()]
    if not len(producers):
        return pd.DataFrame()
    counts = pd.crosstab(producers["team"], producers["archetype"])
    counts = counts.reindex(
        columns=[*_NEEDS_FIX, "consistent", "consistent_by_records"], fill_value=0
    )
    totals = counts.sum(axis=1)
    scopes = [("team", t, counts.loc[t], int(totals[t])) for t in counts.index]
    scopes.append(("organization", None, counts.sum(axis=0), int(totals.sum())))
    records = []
    for scope, team, row, total in scopes:
        n = int(sum(int(row[k]) for k in _NEEDS_FIX))
        share = n / total if total else np.nan
        if not n or share < ARCHETYPE_SHARE:
            continue
        present = [k for k in _NEEDS_FIX if int(row[k])]
        kinds = ", ".join(
            _ARCHETYPE_TEXT[k][0].format(n=int(row[k]), uses=_plural(int(row[k]), "uses", "use"))
            for k in present
        )
        whose = _whose(scope, team, None)
        broken = sum(int(row[k]) for k in _NEEDS_FIX if not k.startswith("partial"))
        records.append(
            {
                "scope": scope,
                "team": team,
                "producer_id": None,
                "producer_name": None,
                "rule_id": "producer_archetypes",
                "metric": None,
                "status": "fail",
                "severity": "high" if broken or share >= 0.5 else "medium",
                "finding": (
                    f"{n} of {whose} {total} producers ({format_value(share, 'share')}) "
                    f"{_plural(n, 'does', 'do')} not work fully in the CRM: {kinds}."
                ),
                "value": share,
                "numerator": float(n),
                "denominator": float(total),
                "standard": "Every producer runs their work from the CRM every week.",
                "require": " ".join(_ARCHETYPE_TEXT[k][1] for k in present),
                "owner_role": "sales manager",
                "review": " ".join(_ARCHETYPE_TEXT[k][2] for k in present),
                "_weight": 2.0 if broken else 1.0,
                "_gap": share,
                "_order": len(ctx.standards.rules),
            }
        )
    return pd.DataFrame.from_records(records)


def _seat_findings(ctx: Context, metrics: pd.DataFrame) -> pd.DataFrame:
    """The organization's idle seats and their cost, from the same metric rows (and so the
    same seat counts) the seat table shows."""
    org = metrics[(metrics["scope"] == "organization") & metrics["assessed"]].set_index("metric")
    if "idle_seat_share" not in org.index:
        return pd.DataFrame()
    idle = org.loc["idle_seat_share"]
    share = float(idle["value"])
    if share <= IDLE_SHARE:
        return pd.DataFrame()
    text = (
        f"{_count(idle['numerator'])} of the organization's {_count(idle['denominator'])} paid "
        f"seats ({format_value(share, 'share')}) had no logged work in the last "
        f"{SEAT_ACTIVE_DAYS} days"
    )
    if "idle_seat_spend" in org.index:
        spend = float(org.loc["idle_seat_spend", "value"])
        text += f", costing {format_value(spend, 'currency')} a month"
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
                f"the CRM within {SEAT_ACTIVE_DAYS} days.",
                "owner_role": "leadership",
                "review": f"Seats with no logged work in the last {SEAT_ACTIVE_DAYS} days.",
                "_weight": 1.0,
                "_gap": share,
                "_order": len(ctx.standards.rules) + 1,
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
        ["_severity", "_scope", "_weight", "_gap", "denominator", "_order", "_team", "_producer"],
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
