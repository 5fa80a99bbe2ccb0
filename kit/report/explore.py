"""The analyst's API: the results of an assessment as plain DataFrames, down to one producer.

The reports show formatted words and numbers; these functions return the numbers behind them
(shares from 0 to 1, counts, minutes, dollars), one row per thing, ready for pandas. Every
function takes the :class:`kit.results.Results` of :func:`open_results` and raises
:class:`kit.exceptions.ParameterError` naming the known teams or producers, and the closest
ones, when given a name the results do not hold: a typo never becomes an empty frame.

=============================  ===============================================================
:func:`open_results`           the results bundle of an assessment (blank: the demo's)
:func:`teams`                  one row per team: score, standards passed, producers by archetype
:func:`team_metrics`           every metric of one team beside the organization
:func:`producers`              one row per producer of a team: score, archetype, key metrics
:func:`producer_metrics`       one producer's drill-down: every metric beside team and org
:func:`producer_standards`     one producer against every standard: value, target, status
:func:`producer_review_list`   one producer's items for next week's pipeline meeting
=============================  ===============================================================

Examples
--------
>>> from kit.report import explore
>>> results = explore.open_results()  # doctest: +SKIP
>>> explore.team_metrics(results, "Old Mill", section="pipeline")  # doctest: +SKIP
>>> explore.producer_metrics(results, "Amara Roberts")  # doctest: +SKIP
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence

import pandas as pd

from kit.diagnostics.metrics import METRICS
from kit.diagnostics.review import REVIEW_ITEMS
from kit.exceptions import ParameterError
from kit.results import Results, load_results
from kit.sections import SECTIONS

__all__ = [
    "open_results",
    "producer_metrics",
    "producer_review_list",
    "producer_standards",
    "producers",
    "team_metrics",
    "teams",
]

_SHOWN = 30  # known names listed in an error before "and N more"
_METRIC_ORDER = {key: i for i, key in enumerate(METRICS)}
_DETAIL = ["value", "numerator", "denominator", "assessed", "reason"]


def open_results(results_dir: str | os.PathLike[str] = "") -> Results:
    """The results bundle of an assessment (``<report folder>/data/results``).

    A blank ``results_dir`` opens the bundled demo organization's (assessed once and cached).
    """
    if not results_dir:
        from kit.report.views import demo_dir

        return load_results(demo_dir() / "results")
    return load_results(results_dir)


def _unknown(
    kind: str, name: str, known: Sequence[str], *, where: str = "in the results"
) -> ParameterError:
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    listed = ", ".join(known[:_SHOWN])
    if len(known) > _SHOWN:
        listed += f" and {len(known) - _SHOWN} more"
    return ParameterError(
        f"{kind} {name!r} is not {where}.{hint} Known {kind}s: {listed or 'none'}"
    )


def _team(results: Results, team: str) -> str:
    known = results.teams()
    if team not in known:
        raise _unknown("team", team, known)
    return team


def _section(section: str | None) -> str | None:
    measured = [s.id for s in SECTIONS.values() if s.measured]
    if section is not None and section not in measured:
        raise _unknown("section", section, measured, where="a report section")
    return section


def _producer(results: Results, producer: str) -> str:
    """The producer id of ``producer``, given as an id or a name."""
    rows = results.scores[results.scores["scope"] == "producer"]
    ids = rows["producer_id"].astype(str).tolist()
    if producer in ids:
        return producer
    named = rows[rows["producer_name"].astype(str) == producer]
    if len(named) == 1:
        return str(named["producer_id"].iloc[0])
    if len(named) > 1:
        raise ParameterError(
            f"{len(named)} producers are named {producer!r}: give one of their ids "
            f"({', '.join(named['producer_id'].astype(str))})"
        )
    names = sorted(rows["producer_name"].dropna().astype(str).unique())
    raise _unknown("producer", producer, names)


def _measures(frame: pd.DataFrame) -> pd.DataFrame:
    """Add each metric's label, section and unit, in catalogue order."""
    metric = frame["metric"].astype(str)
    out = frame.assign(
        measure=metric.map(lambda k: METRICS[k].label),
        section=metric.map(lambda k: METRICS[k].section),
        _order=metric.map(_METRIC_ORDER),
    )
    return out.sort_values("_order", kind="stable").drop(columns="_order")


def teams(results: Results) -> pd.DataFrame:
    """One row per team: adoption score, standards passed / warned / failed, and how many
    producers fall in each archetype.

    Columns: team, score, rules_assessed, passed, warned, failed, producers and one column
    per archetype (never_adopted, lapsed, partial, consistent) holding counts.
    """
    s = results.scores
    rows = s[s["scope"] == "team"].set_index("team")
    counts = (
        s[s["scope"] == "producer"]
        .groupby(["team", "archetype"], observed=True)
        .size()
        .unstack(fill_value=0)
    )
    columns = ["score", "rules_assessed", "passed", "warned", "failed"]
    out = rows.reindex(columns=columns).reindex(results.teams())
    out["producers"] = counts.sum(axis=1).reindex(out.index).fillna(0).astype("int64")
    for archetype in ("never_adopted", "lapsed", "partial", "consistent"):
        found = counts[archetype] if archetype in counts else pd.Series(dtype="int64")
        out[archetype] = found.reindex(out.index).fillna(0).astype("int64")
    return out.rename_axis("team").reset_index()


def team_metrics(results: Results, team: str, *, section: str | None = None) -> pd.DataFrame:
    """Every metric of ``team`` (of one report ``section``) beside the whole organization.

    Columns: metric, measure, section, unit, value, numerator, denominator, assessed,
    reason, organization (the organization's value). Values are numbers: a share is 0-1.
    """
    _team(results, team)
    section = _section(section)
    m = results.metrics
    rows = m[(m["scope"] == "team") & (m["team"] == team)]
    org = m[m["scope"] == "organization"].set_index("metric")["value"]
    out = _measures(rows)
    if section is not None:
        out = out[out["section"] == section]
    out = out.assign(organization=out["metric"].map(org))
    columns = ["metric", "measure", "section", "unit", *_DETAIL, "organization"]
    return out[columns].reset_index(drop=True)


def producers(results: Results, team: str) -> pd.DataFrame:
    """One row per producer of ``team``, best score first: id, name, score, archetype and why,
    then one column per metric (numbers; a share is 0-1)."""
    _team(results, team)
    s = results.scores
    rows = s[(s["scope"] == "producer") & (s["team"] == team)]
    out = rows[["producer_id", "producer_name", "score", "archetype", "archetype_reason"]]
    m = results.metrics
    wide = m[(m["scope"] == "producer") & (m["team"] == team)].pivot_table(
        index="producer_id", columns="metric", values="value", aggfunc="first", observed=True
    )
    wide = wide.reindex(columns=[k for k in METRICS if k in wide.columns])
    out = out.merge(wide, left_on="producer_id", right_index=True, how="left")
    ordered = out.sort_values(
        ["score", "producer_name"], ascending=[False, True], na_position="last"
    )
    return ordered.reset_index(drop=True)


def producer_metrics(results: Results, producer: str) -> pd.DataFrame:
    """One producer's drill-down: every metric of theirs beside their team and the
    organization. ``producer`` is a producer id or name.

    Columns: metric, measure, section, unit, value, numerator, denominator, assessed,
    reason, team_value, organization.
    """
    pid = _producer(results, producer)
    m = results.metrics
    rows = m[(m["scope"] == "producer") & (m["producer_id"] == pid)]
    team = results.scores.loc[
        (results.scores["scope"] == "producer") & (results.scores["producer_id"] == pid), "team"
    ].iloc[0]
    team_values = m[(m["scope"] == "team") & (m["team"] == team)].set_index("metric")["value"]
    org = m[m["scope"] == "organization"].set_index("metric")["value"]
    out = _measures(rows)
    out = out.assign(team_value=out["metric"].map(team_values), organization=out["metric"].map(org))
    columns = ["metric", "measure", "section", "unit", *_DETAIL, "team_value", "organization"]
    return out[columns].reset_index(drop=True)


def producer_standards(results: Results, producer: str) -> pd.DataFrame:
    """One producer against every standard: rule, statement, value, target, direction,
    status (pass, warn, fail, not_assessed) and the counts behind the value."""
    pid = _producer(results, producer)
    c = results.compliance
    rows = c[(c["scope"] == "producer") & (c["producer_id"] == pid)]
    columns = [
        "rule_id",
        "statement",
        "metric",
        "value",
        "target",
        "direction",
        "status",
        "numerator",
        "denominator",
        "reason",
    ]
    return rows.sort_values("rule_order")[columns].reset_index(drop=True)


def producer_review_list(results: Results, producer: str) -> pd.DataFrame:
    """One producer's items for next week's pipeline meeting, in the meeting's order and
    oldest first: item, record_id, age_days, detail."""
    pid = _producer(results, producer)
    r = results.review_list
    rows = r[r["producer_id"] == pid]
    order = {item: i for i, item in enumerate(REVIEW_ITEMS)}
    rows = rows.assign(_order=rows["item"].map(order)).sort_values(
        ["_order", "age_days", "record_id"], ascending=[True, False, True]
    )
    return rows[["item", "record_id", "age_days", "detail"]].reset_index(drop=True)
