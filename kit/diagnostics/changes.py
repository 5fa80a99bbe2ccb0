"""Compare an assessment with previous ones: what changed since the last assessment.

:func:`compare` lines up a follow-up :class:`~kit.results.Results` with one or more
baselines (previous assessments of the same client) and returns one row per baseline,
scope, team, producer and standard, plus one adoption-score row per organization, team and
producer:

- the organization always matches itself; teams match **by name**, producers **by user
  id**. A team or producer found on one side only is listed, never dropped: ``match`` says
  ``joined`` (follow-up only), ``left`` (baseline only) or ``renamed`` (a team that left
  and a team that joined share at least half of each other's producers: probably the same
  team under a new name; teams match by name, so it is not compared). A producer who
  changed team or name is matched and the ``note`` says so;
- standards match **by id** and are compared only when their metric and parameters are
  unchanged; otherwise the verdict is ``definition changed``. A changed target is compared
  (the behaviour measured is the same) and noted;
- a share's change gets a 95% Newcombe interval and a verdict
  (:func:`kit.diagnostics.intervals.verdict`): ``improved``, ``worse``, ``no clear change``
  or ``too few to tell``. Other units (medians, counts, money) carry no interval in the
  results: ``not tested``. A standard measured on one side only is ``newly assessed`` or
  ``no longer assessed``;
- a score row's verdict rests on its standards: ``improved`` when at least one standard
  improved, none got worse and the score rose; ``worse`` mirrored; ``mixed`` when some
  improved and some got worse; ``too few to tell`` when every standard compared was too
  few to tell; otherwise ``no clear change``. Producer score rows carry the archetype then
  and now.

One module, though long: the matching of teams, producers and standards and the verdicts
rest on one alignment of baseline and follow-up, computed once.

Examples
--------
>>> CHANGE_COLUMNS[:4]
('baseline_as_of', 'scope', 'team', 'producer_id')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kit.diagnostics.findings import format_value
from kit.diagnostics.intervals import newcombe, verdict
from kit.diagnostics.metrics import METRICS
from kit.exceptions import ParameterError

if TYPE_CHECKING:
    from kit.results import Results

__all__ = [
    "CHANGE_COLUMNS",
    "baseline_facts",
    "check_baselines",
    "compare",
    "empty_changes",
    "long_date",
    "points",
]

CHANGE_COLUMNS: tuple[str, ...] = (
    "baseline_as_of",
    "scope",
    "team",
    "producer_id",
    "producer_name",
    "kind",
    "rule_id",
    "statement",
    "metric",
    "unit",
    "better",
    "before",
    "before_numerator",
    "before_denominator",
    "before_status",
    "after",
    "after_numerator",
    "after_denominator",
    "after_status",
    "change",
    "change_low",
    "change_high",
    "verdict",
    "match",
    "note",
    "archetype_before",
    "archetype_after",
    "standards_improved",
    "standards_worse",
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
)
_INTS = ("standards_improved", "standards_worse", "rule_order")
_SCOPE_ORDER = {"organization": 0, "team": 1, "producer": 2}
_RENAME_SHARE = 0.5


def empty_changes() -> pd.DataFrame:
    """An empty changes frame with the canonical columns and dtypes."""
    return _typed(pd.DataFrame(columns=list(CHANGE_COLUMNS)))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reindex(columns=list(CHANGE_COLUMNS))
    kinds = {c: "float64" for c in _FLOATS}
    kinds.update({c: "int64" for c in _INTS})
    for column in CHANGE_COLUMNS:
        if column in kinds:
            out[column] = pd.to_numeric(out[column]).fillna(0 if column in _INTS else np.nan)
            out[column] = out[column].astype(kinds[column])
        else:
            out[column] = out[column].astype(object).where(out[column].notna(), None)
            out[column] = out[column].astype("str")
    return out.reset_index(drop=True)


def points(change: float, *, signed: bool = True) -> str:
    """A change in a share as percentage points, in words.

    >>> points(0.234), points(-0.004), points(0.0), points(0.01)
    ('+23 points', '-0.4 points', '0 points', '+1 point')
    """
    if change is None or change != change:
        return "n/a"
    value = change * 100
    text = f"{abs(value):.0f}" if abs(value) >= 1 or value == 0 else f"{abs(value):.1f}"
    sign = ("+" if value > 0 else "-" if value < 0 else "") if signed else ""
    return f"{sign}{text} {'point' if text == '1' else 'points'}"


def long_date(value: object) -> str:
    """A day as the reports write it.

    >>> long_date("2025-08-03")
    'Aug 3, 2025'
    """
    stamp = pd.Timestamp(str(value))
    return f"{stamp:%b} {stamp.day}, {stamp.year}"


def baseline_facts(results: Results) -> dict[str, Any]:
    """What a comparison records about a baseline (no paths: bundles stay reproducible)."""
    p = results.parameters
    return {
        "as_of": p.get("as_of"),
        "window_start": p.get("window_start"),
        "window_days": p.get("window_days"),
        "client": p.get("client"),
        "teams": list(p.get("teams", [])),
    }


def _entity(frame: pd.DataFrame) -> pd.Series:
    scope = frame["scope"].astype(object)
    return pd.Series(
        np.select(
            [scope == "team", scope == "producer"],
            [frame["team"].astype(object), frame["producer_id"].astype(object)],
            "",
        ),
        index=frame.index,
        dtype=object,
    )


def _rules(results: Results) -> dict[str, dict[str, Any]]:
    standards = results.parameters.get("standards") or {}
    return {r["id"]: r for r in standards.get("rules", [])}


def _producer_teams(scores: pd.DataFrame) -> pd.Series:
    rows = scores[scores["scope"] == "producer"]
    return pd.Series(rows["team"].to_numpy(dtype=object), index=rows["producer_id"].to_numpy())


def _entities(before: Results, after: Results) -> pd.DataFrame:
    """Every organization, team and producer of either side, with how it matched."""
    cols = ["scope", "team", "producer_id", "producer_name", "score", "archetype"]
    b = before.scores[cols].assign(entity=lambda f: _entity(f))
    a = after.scores[cols].assign(entity=lambda f: _entity(f))
    both = a.merge(
        b, on=["scope", "entity"], how="outer", suffixes=("_after", "_before"), indicator=True
    )
    side = both.pop("_merge").astype(str).to_numpy()
    both["match"] = np.select(
        [side == "both", side == "left_only"], ["matched", "joined"], "left"
    ).astype(object)
    for column in ("team", "producer_id", "producer_name"):
        both[column] = both[f"{column}_after"].where(
            both["match"] != "left", both[f"{column}_before"]
        )
    note = pd.Series("", index=both.index, dtype=object)
    prod = (both["scope"] == "producer") & (both["match"] == "matched")
    moved = prod & (both["team_after"] != both["team_before"])
    note[moved] = "moved from team " + both.loc[moved, "team_before"].astype(str)
    renamed = prod & (both["producer_name_after"] != both["producer_name_before"])
    name_note = "name was " + both.loc[renamed, "producer_name_before"].astype(str)
    note[renamed] = np.where(note[renamed] != "", note[renamed] + "; " + name_note, name_note)
    left_p = (both["scope"] == "producer") & (both["match"] == "left")
    note[left_p] = "in team " + both.loc[left_p, "team"].astype(str) + " at the baseline only"
    joined_p = (both["scope"] == "producer") & (both["match"] == "joined")
    note[joined_p] = "not a producer at the baseline"
    left_t = (both["scope"] == "team") & (both["match"] == "left")
    note[left_t] = "team at the baseline only"
    joined_t = (both["scope"] == "team") & (both["match"] == "joined")
    note[joined_t] = "team not at the baseline"
    both["note"] = note
    _mark_renamed_teams(both, before, after)
    return both


def _mark_renamed_teams(both: pd.DataFrame, before: Results, after: Results) -> None:
    """A team that left and a team that joined sharing at least half of each other's
    producers is probably one team renamed: ``match`` says ``renamed`` on both rows."""
    teams = both["scope"] == "team"
    left = both.loc[teams & (both["match"] == "left"), "team"].tolist()
    joined = both.loc[teams & (both["match"] == "joined"), "team"].tolist()
    then, now = _producer_teams(before.scores), _producer_teams(after.scores)
    for old in left:
        members = set(then.index[then.to_numpy() == old])
        for new in joined:
            current = set(now.index[now.to_numpy() == new])
            shared = len(members & current)
            if (
                shared
                and shared >= _RENAME_SHARE * len(members)
                and shared >= _RENAME_SHARE * len(current)
            ):
                old_row = teams & (both["team"] == old) & (both["match"] == "left")
                new_row = teams & (both["team"] == new) & (both["match"] == "joined")
                both.loc[old_row, "note"] = (
                    f"probably renamed {new}: {shared} of its {len(members)} producers are "
                    f"in {new} now (teams match by name, so it is not compared)"
                )
                both.loc[new_row, "note"] = (
                    f"probably renamed from {old}: {shared} of its {len(current)} producers "
                    f"were in {old} at the baseline (teams match by name, so it is not "
                    "compared)"
                )
                both.loc[old_row | new_row, "match"] = "renamed"
                break


def _standard_rows(
    before: Results, after: Results, entities: pd.DataFrame, baseline_as_of: str
) -> pd.DataFrame:
    cols = ["scope", "team", "producer_id", "rule_id", "value", "numerator", "denominator"]
    cols += ["status", "rule_order", "metric", "statement"]
    b = (
        before.compliance[cols]
        .assign(entity=lambda f: _entity(f))
        .drop(columns=["team", "producer_id"])
    )
    a = (
        after.compliance[cols]
        .assign(entity=lambda f: _entity(f))
        .drop(columns=["team", "producer_id"])
    )
    rows = a.merge(b, on=["scope", "entity", "rule_id"], how="outer", suffixes=("_a", "_b"))
    rows = rows.merge(
        entities[["scope", "entity", "team", "producer_id", "producer_name", "match", "note"]],
        on=["scope", "entity"],
        how="left",
    )
    rules_b, rules_a = _rules(before), _rules(after)
    rid = rows["rule_id"].to_numpy(dtype=object)
    metric = rows["metric_a"].fillna(rows["metric_b"]).to_numpy(dtype=object)
    statement = rows["statement_a"].fillna(rows["statement_b"]).to_numpy(dtype=object)
    def flags(values: Any) -> np.ndarray:
        return np.array(list(values), dtype=bool)

    in_a = rows["status_a"].notna().to_numpy() | flags(r in rules_a for r in rid)
    in_b = rows["status_b"].notna().to_numpy() | flags(r in rules_b for r in rid)
    in_a &= flags(not rules_a or r in rules_a for r in rid)
    in_b &= flags(not rules_b or r in rules_b for r in rid)
    spec_better = np.array(
        [METRICS[m].better if m in METRICS else "higher" for m in metric], dtype=object
    )
    unit = np.array([METRICS[m].unit if m in METRICS else "" for m in metric], dtype=object)
    same = flags(_same(rules_b.get(r), rules_a.get(r)) for r in rid) & (
        rows["metric_a"].isna() | rows["metric_b"].isna() | (rows["metric_a"] == rows["metric_b"])
    ).to_numpy(dtype=bool)
    status_a = rows["status_a"].fillna("not_assessed").to_numpy(dtype=object)
    status_b = rows["status_b"].fillna("not_assessed").to_numpy(dtype=object)
    assessed_a = status_a != "not_assessed"
    assessed_b = status_b != "not_assessed"
    share = unit == "share"
    change, low, high = newcombe(
        rows["numerator_b"], rows["denominator_b"], rows["numerator_a"], rows["denominator_a"]
    )
    plain = rows["value_a"].to_numpy(dtype="float64") - rows["value_b"].to_numpy(dtype="float64")
    change = np.where(share, change, plain)
    low = np.where(share, low, np.nan)
    high = np.where(share, high, np.nan)
    tested = verdict(
        change,
        low,
        high,
        rows["denominator_b"],
        rows["denominator_a"],
        better=spec_better,
    )
    match = rows["match"].fillna("matched").to_numpy(dtype=object)
    result = np.select(
        [
            match == "joined",
            np.isin(match, ["left"]),
            match == "renamed",
            in_a & ~in_b,
            in_b & ~in_a,
            ~same,
            assessed_a & ~assessed_b,
            assessed_b & ~assessed_a,
            ~assessed_a & ~assessed_b,
            ~share,
        ],
        [
            "newly assessed",
            "no longer assessed",
            _renamed_side(rows),
            "newly assessed",
            "no longer assessed",
            "definition changed",
            "newly assessed",
            "no longer assessed",
            "not assessed",
            "not tested",
        ],
        default=tested,
    ).astype(object)
    note = rows["note"].fillna("").to_numpy(dtype=object).copy()
    for i, r in enumerate(rid):
        extra = _definition_note(rules_b.get(r), rules_a.get(r))
        if extra:
            note[i] = f"{note[i]}; {extra}" if note[i] else extra
    order_a = rows["rule_order_a"].to_numpy(dtype="float64")
    order_b = rows["rule_order_b"].to_numpy(dtype="float64") + 1000
    out = pd.DataFrame(
        {
            "baseline_as_of": baseline_as_of,
            "scope": rows["scope"].to_numpy(dtype=object),
            "team": rows["team"].to_numpy(dtype=object),
            "producer_id": rows["producer_id"].to_numpy(dtype=object),
            "producer_name": rows["producer_name"].to_numpy(dtype=object),
            "kind": "standard",
            "rule_id": rid,
            "statement": statement,
            "metric": metric,
            "unit": unit,
            "better": spec_better,
            "before": rows["value_b"].to_numpy(dtype="float64"),
            "before_numerator": rows["numerator_b"].to_numpy(dtype="float64"),
            "before_denominator": rows["denominator_b"].to_numpy(dtype="float64"),
            "before_status": rows["status_b"].to_numpy(dtype=object),
            "after": rows["value_a"].to_numpy(dtype="float64"),
            "after_numerator": rows["numerator_a"].to_numpy(dtype="float64"),
            "after_denominator": rows["denominator_a"].to_numpy(dtype="float64"),
            "after_status": rows["status_a"].to_numpy(dtype=object),
            "change": np.where(assessed_a & assessed_b, change, np.nan),
            "change_low": np.where(assessed_a & assessed_b, low, np.nan),
            "change_high": np.where(assessed_a & assessed_b, high, np.nan),
            "verdict": result,
            "match": match,
            "note": note,
            "rule_order": np.where(np.isnan(order_a), order_b, order_a),
        }
    )
    out["evidence"] = _standard_evidence(out, baseline_as_of)
    return out


def _same(before: dict[str, Any] | None, after: dict[str, Any] | None) -> bool:
    """Whether two definitions of a standard measure the same thing: the same metric with
    the same parameters (a side without a definition is judged by its metric alone)."""
    if before is None or after is None:
        return True
    return before["metric"] == after["metric"] and (before.get("params") or {}) == (
        after.get("params") or {}
    )


def _renamed_side(rows: pd.DataFrame) -> np.ndarray:
    """On a renamed team's rows: the old name's are no longer assessed, the new one's newly."""
    return np.where(rows["status_a"].notna(), "newly assessed", "no longer assessed").astype(object)


def _definition_note(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    if before is None:
        return "standard added since the baseline"
    if after is None:
        return "standard dropped since the baseline"
    if before["metric"] != after["metric"]:
        return f"definition changed: measured by {before['metric']}, now by {after['metric']}"
    if before.get("params", {}) != after.get("params", {}):
        return (
            f"definition changed: parameters {_params(before)} at the baseline, "
            f"{_params(after)} now"
        )
    unit = METRICS[after["metric"]].unit if after["metric"] in METRICS else "count"
    if (before.get("target"), before.get("direction")) != (
        after.get("target"),
        after.get("direction"),
    ):
        return (
            f"target changed from {format_value(before['target'], unit)} to "
            f"{format_value(after['target'], unit)}"
        )
    return ""


def _params(rule: dict[str, Any]) -> str:
    params = rule.get("params") or {}
    return ", ".join(f"{k} {v}" for k, v in sorted(params.items())) or "none"


def _side(value: float, numerator: float, denominator: float, unit: str) -> str:
    if value != value:
        return "not assessed"
    if unit == "share" and numerator == numerator and denominator == denominator:
        return f"{format_value(value, unit)} ({numerator:,.0f} of {denominator:,.0f})"
    if denominator == denominator:
        return f"{format_value(value, unit)} ({denominator:,.0f} measured)"
    return format_value(value, unit)


def _standard_evidence(rows: pd.DataFrame, baseline_as_of: str) -> list[str]:
    out = []
    for r in rows.itertuples(index=False):
        label = METRICS[r.metric].label if r.metric in METRICS else r.metric
        then = _side(r.before, r.before_numerator, r.before_denominator, r.unit)
        now = _side(r.after, r.after_numerator, r.after_denominator, r.unit)
        text = f"{label}: {then} as of {long_date(baseline_as_of)}, {now} now"
        if r.change == r.change and r.unit == "share":
            text += f"; {points(r.change)}"
            if r.change_low == r.change_low:
                text += f" (95% interval {points(r.change_low)} to {points(r.change_high)})"
        text += f": {r.verdict}"
        out.append(text + ".")
    return out


def _score_rows(
    entities: pd.DataFrame, standards: pd.DataFrame, baseline_as_of: str
) -> pd.DataFrame:
    counts = (
        standards.assign(
            standards_improved=standards["verdict"] == "improved",
            standards_worse=standards["verdict"] == "worse",
            _compared=standards["verdict"].isin(["improved", "worse", "no clear change"]),
            _few=standards["verdict"] == "too few to tell",
        )
        .assign(entity=lambda f: _entity(f))
        .groupby(["scope", "entity"], sort=False)[
            ["standards_improved", "standards_worse", "_compared", "_few"]
        ]
        .sum()
        .reset_index()
    )
    rows = entities.merge(counts, on=["scope", "entity"], how="left")
    for column in ("standards_improved", "standards_worse", "_compared", "_few"):
        rows[column] = rows[column].fillna(0).astype("int64")
    before = rows["score_before"].to_numpy(dtype="float64")
    after = rows["score_after"].to_numpy(dtype="float64")
    change = after - before
    improved, worse = rows["standards_improved"].to_numpy(), rows["standards_worse"].to_numpy()
    match = rows["match"].to_numpy(dtype=object)
    result = np.select(
        [
            np.isin(match, ["joined"]) | ((match == "renamed") & ~np.isnan(after)),
            np.isin(match, ["left", "renamed"]),
            np.isnan(before) & ~np.isnan(after),
            ~np.isnan(before) & np.isnan(after),
            np.isnan(before) & np.isnan(after),
            (improved > 0) & (worse > 0),
            (improved > 0) & (change > 0),
            (worse > 0) & (change < 0),
            (rows["_compared"].to_numpy() == 0) & (rows["_few"].to_numpy() > 0),
        ],
        [
            "newly assessed",
            "no longer assessed",
            "newly assessed",
            "no longer assessed",
            "not assessed",
            "mixed",
            "improved",
            "worse",
            "too few to tell",
        ],
        default="no clear change",
    ).astype(object)
    out = pd.DataFrame(
        {
            "baseline_as_of": baseline_as_of,
            "scope": rows["scope"].to_numpy(dtype=object),
            "team": rows["team"].to_numpy(dtype=object),
            "producer_id": rows["producer_id"].to_numpy(dtype=object),
            "producer_name": rows["producer_name"].to_numpy(dtype=object),
            "kind": "score",
            "rule_id": None,
            "statement": "Adoption score",
            "metric": None,
            "unit": "score",
            "better": "higher",
            "before": before,
            "after": after,
            "change": change,
            "verdict": result,
            "match": match,
            "note": rows["note"].to_numpy(dtype=object),
            "archetype_before": rows["archetype_before"].to_numpy(dtype=object),
            "archetype_after": rows["archetype_after"].to_numpy(dtype=object),
            "standards_improved": improved,
            "standards_worse": worse,
            "rule_order": -1,
        }
    )
    out["evidence"] = [_score_evidence(r, baseline_as_of) for r in out.itertuples(index=False)]
    return out


def _score(value: float) -> str:
    return "not scored" if value != value else f"{value:.0f}"


def _score_evidence(r: Any, baseline_as_of: str) -> str:
    text = (
        f"Adoption score {_score(r.before)} as of {long_date(baseline_as_of)}, "
        f"{_score(r.after)} now"
    )
    if r.change == r.change:
        text += f" ({r.change:+.0f})"
    counts = []
    if r.standards_improved:
        counts.append(f"{r.standards_improved} standard{'s' * (r.standards_improved > 1)} improved")
    if r.standards_worse:
        counts.append(f"{r.standards_worse} worse")
    if counts:
        text += "; " + ", ".join(counts)
    moved = (
        isinstance(r.archetype_before, str)
        and isinstance(r.archetype_after, str)
        and r.archetype_before != r.archetype_after
    )
    if moved:
        text += (
            f"; archetype {r.archetype_before.replace('_', ' ')} then, "
            f"{r.archetype_after.replace('_', ' ')} now"
        )
    return text + f": {r.verdict}."


def check_baselines(as_of: str | None, baselines: Sequence[Results]) -> list[Results]:
    """The baselines, oldest first, each checked to be earlier than ``as_of``.

    Raises
    ------
    ParameterError
        A baseline with no as-of date, one not before ``as_of``, or two as of one date.
    """
    seen: dict[str, int] = {}
    problems = []
    for i, b in enumerate(baselines, start=1):
        when = b.parameters.get("as_of")
        if when is None:
            problems.append(f"baseline {i} has no as-of date: is it a results bundle?")
        elif as_of is not None and str(when) >= str(as_of):
            problems.append(
                f"baseline {i} is as of {when}, not before this assessment's as-of date "
                f"{as_of}: a baseline is an earlier assessment"
            )
        elif when in seen:
            problems.append(f"baselines {seen[when]} and {i} are both as of {when}")
        else:
            seen[when] = i
    if problems:
        raise ParameterError("the baselines cannot be compared:", problems=problems)
    return sorted(baselines, key=lambda b: str(b.parameters["as_of"]))


def compare(after: Results, baselines: Sequence[Results]) -> pd.DataFrame:
    """Compare ``after`` with each baseline: the changes frame (:data:`CHANGE_COLUMNS`).

    Raises
    ------
    ParameterError
        A baseline that is not earlier than ``after``, or two baselines as of one date.
    """
    if not baselines:
        return empty_changes()
    parts = []
    for before in check_baselines(after.parameters.get("as_of"), baselines):
        as_of = str(before.parameters["as_of"])
        entities = _entities(before, after)
        standards = _standard_rows(before, after, entities, as_of)
        scores = _score_rows(entities, standards, as_of)
        parts.extend([scores, standards])
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.assign(
        _scope=frame["scope"].map(_SCOPE_ORDER),
        _kind=(frame["kind"] != "score").astype(int),
    ).sort_values(
        ["baseline_as_of", "_scope", "team", "producer_id", "_kind", "rule_order"],
        kind="stable",
        na_position="first",
    )
    return _typed(frame.drop(columns=["_scope", "_kind"]))
