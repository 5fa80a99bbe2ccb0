"""One diagnostic pass over the whole dataset, and the results bundle it produces.

:func:`diagnose` resolves the run's dates (:mod:`kit.diagnostics.context`), runs every metric module
once over whole tables (every team and producer at the same time), scores every team and
producer against the operating standards, classifies producers, ranks the findings and
assembles the weekly review lists. :class:`Results` holds the frames;
:meth:`Results.write` saves them as a bundle (one Parquet file per frame plus
``results.json``) and :func:`load_results` reads it back. :func:`diagnose_dataset` is
:func:`diagnose` of a dataset folder read back from disk (only the columns the diagnostics
read), for a caller that has dropped intake's tables.

Examples
--------
>>> from kit.dataset import Dataset, load_dataset
>>> from kit.schema import empty_table
>>> r = diagnose(Dataset({"users": empty_table("users")}), as_of="2024-06-30")
>>> r.parameters["as_of"], len(r.metrics) == len(METRICS), r.not_assessed["section"].iloc[0]
('2024-06-30', True, 'adoption')
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from kit.dataset import Dataset, load_dataset
from kit.diagnostics import (
    adoption,
    followup,
    hygiene,
    marketing,
    pipeline,
    quality,
    reconciliation,
    records,
    relationships,
)
from kit.diagnostics.archetypes import archetypes
from kit.diagnostics.changes import baseline_facts, check_baselines, compare
from kit.diagnostics.compliance import compliance as score_compliance
from kit.diagnostics.context import build_context
from kit.diagnostics.evidence import MIN_DENOMINATOR, MIN_WEIGHT_SHARE, NOT_ENOUGH_EVIDENCE
from kit.diagnostics.findings import findings as rank_findings
from kit.diagnostics.metrics import METRICS
from kit.diagnostics.plausibility import warnings as plausibility_warnings
from kit.diagnostics.reconciliation import SEAT_ACTIVE_DAYS
from kit.diagnostics.requests import export_requests
from kit.diagnostics.requirement import Measure, check_required_teams, requirement_changes
from kit.diagnostics.review import review_list
from kit.diagnostics.rewind import rewind
from kit.diagnostics.rows import Measurements, empty_metrics
from kit.diagnostics.scoring import scores as score_rows
from kit.diagnostics.standards import Standards, load_standards
from kit.exceptions import ParameterError
from kit.results import SCORES_COLUMNS, Results
from kit.schema import TABLES
from kit.sections import SECTIONS

__all__ = ["COMPACT_COLUMNS", "diagnose", "diagnose_dataset", "read_columns"]

#: The metric modules, run in this order.
_MODULES: tuple[ModuleType, ...] = (
    adoption, pipeline, followup, relationships, marketing, reconciliation, quality
)
_MODULES += (records, hygiene)  # evidence an opportunities-only export carries too

#: The module that measures each section (to measure only what a requirement needs).
_SECTION_MODULE = {
    "adoption": adoption,
    "presence": adoption,
    "pipeline": pipeline,
    "follow_up": followup,
    "relationships": relationships,
    "marketing": marketing,
    "shadow_pipeline": reconciliation,
    "seat_roi": reconciliation,
    "data_quality": quality,
    "records": records,
}
_SCOPE_ORDER = {"organization": 0, "team": 1, "producer": 2}
_METRIC_ORDER = {m: i for i, m in enumerate(METRICS)}


# ---------------------------------------------------------------------------- helpers
def _text(frame: pd.DataFrame) -> pd.DataFrame:
    """Give every object column the ``str`` dtype (stable Parquet types)."""
    wrong = {c: "str" for c in frame.columns if frame[c].dtype == object}
    return frame.astype(wrong) if wrong else frame


def _sort(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    order = frame.assign(
        _scope=frame["scope"].map(_SCOPE_ORDER) if "scope" in frame else 0,
    )
    order = order.sort_values(["_scope", *keys], kind="stable", na_position="first")
    return order.drop(columns="_scope").reset_index(drop=True)


def _standards(standards: Standards | str | os.PathLike[str] | None) -> Standards:
    if standards is None or isinstance(standards, Standards):
        return standards if standards is not None else load_standards()
    if isinstance(standards, str | os.PathLike):
        return load_standards(standards)
    raise ParameterError(
        f"standards must be a path to a YAML file or a Standards object, not {type(standards)}"
    )


def _all_scopes(ctx: Any) -> pd.DataFrame:
    prod = ctx.producer_codes
    return pd.DataFrame(
        {
            "scope": ["organization", *["team"] * len(ctx.teams), *["producer"] * len(prod)],
            "team": [None, *ctx.teams, *ctx.teams[ctx.user_team[prod]]],
            "producer_id": [None] * (1 + len(ctx.teams)) + list(ctx.user_ids[prod]),
            "producer_name": [None] * (1 + len(ctx.teams)) + list(ctx.user_names[prod]),
        }
    )


def _not_assessed(section: Measurements) -> pd.DataFrame:
    frame = pd.DataFrame(section.not_assessed, columns=["section", "reason"]).drop_duplicates()
    order = {s: i for i, s in enumerate(SECTIONS)}
    frame = frame.assign(_o=frame["section"].map(order)).sort_values(
        ["_o", "reason"], kind="stable"
    )
    return _text(frame.drop(columns="_o").reset_index(drop=True))


def _window_metrics(
    dataset: Dataset,
    parsed: Standards,
    *,
    launch: pd.Timestamp,
    seat_cost_per_month: float | None,
    metrics: set[str],
) -> Measure:
    """``measure(as_of, window_days)``: the metrics frame of another window of the same data,
    as the CRM stood then (:func:`kit.diagnostics.rewind.rewind`), computed by the modules
    that measure ``metrics`` with the assessment's definitions."""
    needed = {_SECTION_MODULE.get(METRICS[m].section) for m in metrics}
    modules = _MODULES if None in needed else [m for m in _MODULES if m in needed]

    def measure(as_of: pd.Timestamp, window_days: int) -> pd.DataFrame:
        ctx = build_context(
            rewind(dataset, as_of),
            as_of=as_of,
            launch=launch,
            window_days=window_days,
            standards=parsed,
            seat_cost_per_month=seat_cost_per_month,
        )
        found = Measurements()
        for module in modules:
            found.extend(module.compute(ctx))
        frame = pd.concat([empty_metrics(), *found.metrics], ignore_index=True)
        return frame[frame["metric"].isin(metrics)].reset_index(drop=True)

    return measure


def diagnose(
    dataset: Dataset,
    *,
    as_of: object = None,
    launch: object = None,
    window_days: int = 90,
    standards: Standards | str | os.PathLike[str] | None = None,
    seat_cost_per_month: float | None = None,
    client: str | None = None,
    export_date: object = None,
    warnings: list[str] | None = None,
    baselines: Sequence[Results] = (),
) -> Results:
    """Run the whole diagnosis of ``dataset`` in one vectorized pass.

    Parameters
    ----------
    dataset
        Canonical tables (``users`` required; every other table optional).
    as_of
        Last day assessed (default: the engagement's as_of, else the data's last real
        event; see :mod:`kit.diagnostics.context`).
    launch
        CRM launch date (default: the engagement's launch_date, else the first day of human
        CRM activity).
    window_days
        Length of the window ending at the as-of date (default 90).
    standards
        ``None`` (the shipped mortgage defaults), a path to a standards YAML file, or a
        parsed :class:`kit.diagnostics.standards.Standards`.
    seat_cost_per_month
        Monthly cost of one seat (default: the engagement's seat_cost_per_month).
    client
        Client name for the reports (default: the engagement's client).
    export_date
        The day the export was taken (default: the engagement's): events after it are
        future-dated (see :mod:`kit.timeframe`).
    warnings
        What the plausibility gate found (:func:`kit.diagnostics.plausibility.check`);
        default: checked here. Shown in every report header.
    baselines
        Previous assessments of the same client (:func:`kit.results.load_results`), each
        earlier than this one: the ``changes`` frame compares with them
        (:mod:`kit.diagnostics.changes`). Standards with ``required_from`` fill the
        ``requirements`` frame (:mod:`kit.diagnostics.requirement`).

    Raises
    ------
    ParameterError
        Launch after the as-of date, a window under 7 days, a negative seat cost, a baseline
        that is not earlier than this assessment...
    StandardsError
        An invalid standards file, or ``teams:`` naming a team the data does not have.
    """
    parsed = _standards(standards)
    ctx = build_context(
        dataset,
        as_of=as_of,
        launch=launch,
        window_days=window_days,
        standards=parsed,
        seat_cost_per_month=seat_cost_per_month,
        export_date=export_date,
    )
    if warnings is None:
        warnings = plausibility_warnings(ctx)
    check_required_teams(parsed, [str(t) for t in ctx.teams])
    check_baselines(str(ctx.as_of.date()), baselines)
    everything = Measurements()
    for module in _MODULES:
        everything.extend(module.compute(ctx))

    metrics = pd.concat([empty_metrics(), *everything.metrics], ignore_index=True)
    metrics = _text(
        _sort(
            metrics.assign(_m=metrics["metric"].map(_METRIC_ORDER)),
            ["team", "producer_id", "_m"],
        ).drop(columns="_m")
    )
    metrics["assessed"] = metrics["assessed"].astype("bool")

    compliance = score_compliance(metrics, parsed)
    compliance = _text(_sort(compliance, ["team", "producer_id", "rule_order"]))

    kinds = archetypes(
        ctx,
        everything.units["producer_activity"],
        compliance,
        records=everything.units["producer_records"],
    )
    base = _all_scopes(ctx)
    scored = score_rows(compliance) if len(compliance) else None
    keys = ["scope", "team", "producer_id", "producer_name"]
    if scored is not None:
        base = base.merge(scored, on=keys, how="left")
    for column in ("rules_assessed", "passed", "warned", "failed", "not_assessed", "too_few"):
        base[column] = base[column].fillna(0).astype("int64") if column in base else 0
    for column in ("score", "weight_assessed", "weight_total"):
        base[column] = base[column].astype("float64") if column in base else np.nan
    for column in ("weight_assessed", "weight_total"):
        base[column] = base[column].fillna(0.0)
    base["evidence"] = (
        base["evidence"].fillna(NOT_ENOUGH_EVIDENCE) if "evidence" in base else NOT_ENOUGH_EVIDENCE
    )
    if "missing" not in base:
        base["missing"] = None
    base["missing"] = base["missing"].where(
        base["missing"].notna() | (base["evidence"] != NOT_ENOUGH_EVIDENCE) | (
            base["weight_total"] > 0
        ),
        "no standard applies",
    )
    base = base.merge(kinds, on="producer_id", how="left")
    scores = _text(
        _sort(
            base[list(SCORES_COLUMNS)],
            ["team", "producer_id"],
        )
    )
    for column in ("score", "weight_assessed", "weight_total"):
        scores[column] = scores[column].astype("float64")

    ranked = _text(rank_findings(ctx, compliance, scores, metrics))
    review = _text(review_list(ctx, everything.units))

    frames = everything.frames
    parameters = {
        "client": client or (dataset.manifest.get("engagement") or {}).get("client"),
        "warnings": list(warnings),
        "as_of": str(ctx.as_of.date()),
        "launch": str(ctx.launch.date()),
        "window_days": ctx.window_days,
        "window_start": str(ctx.window_start.date()),
        "seat_cost_per_month": ctx.seat_cost_per_month,
        "teams": [str(t) for t in ctx.teams],
        "producers": len(ctx.producer_codes),
        "tables": {name: len(frame) for name, frame in sorted(dataset.tables.items())},
        "standards": parsed.to_dict(),
        "seat_active_days": SEAT_ACTIVE_DAYS,
        "evidence": {"min_denominator": MIN_DENOMINATOR, "min_weight_share": MIN_WEIGHT_SHARE},
        **{k: v for k, v in sorted(ctx.notes.items()) if k != "stage_dates_known"},
    }
    if baselines:
        parameters["baselines"] = sorted(
            (baseline_facts(b) for b in baselines), key=lambda b: str(b["as_of"])
        )
    requirements = requirement_changes(
        parsed,
        teams=[str(t) for t in ctx.teams],
        as_of=ctx.as_of,
        launch=ctx.launch,
        measure=_window_metrics(
            dataset,
            parsed,
            launch=ctx.launch,
            seat_cost_per_month=ctx.seat_cost_per_month,
            metrics={r.metric for r in parsed.required},
        ),
    )
    results = Results(
        metrics=metrics,
        compliance=compliance,
        scores=scores,
        findings=ranked,
        review_list=review,
        weekly=_text(
            frames["weekly"].sort_values(["team", "week_number"], kind="stable")
        ).reset_index(drop=True),
        producer_weekly=_text(frames["producer_weekly"]),
        speed_to_lead=_text(frames["speed_to_lead"]),
        sources=_text(frames["sources"]),
        partners=_text(
            frames["partners"].sort_values(
                ["team", "partner_id"], kind="stable", na_position="first"
            )
        ).reset_index(drop=True),
        seat_roi=_text(frames["seat_roi"]),
        shadow_pipeline=_text(frames["shadow_pipeline"]),
        data_quality=_text(_sort(frames["data_quality"], ["team", "table", "dimension", "check"])),
        not_assessed=_not_assessed(everything),
        record_weekly=_text(
            frames["record_weekly"].sort_values(["team", "week_number"], kind="stable")
        ).reset_index(drop=True),
        export_requests=_text(export_requests(ctx, compliance)),
        requirements=requirements,
        parameters=json.loads(json.dumps(parameters, default=str)),
    )
    if baselines:
        results.changes = compare(results, baselines)
    results.check()
    return results


#: Activity columns no metric reads unless the standards require them to be filled: the
#: free-text ``notes`` and the ``campaign_id`` (campaigns are measured on contacts).
_UNREAD_ACTIVITY_COLUMNS = ("notes", "campaign_id")
#: Text columns of the activities, the largest table, read as categoricals
#: (:func:`kit.dataset.load_dataset`): few distinct values per row, and the diagnostics
#: only look them up (user, contact, loan) or check they are filled (outcome, next step).
COMPACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "activities": ("user_id", "contact_id", "opportunity_id", "outcome", "next_step"),
}


def read_columns(standards: Standards) -> dict[str, list[str]]:
    """The columns of each table the diagnostics read under ``standards``: every canonical
    column except an activity's free-text ``notes`` and its ``campaign_id``, which no
    metric reads (each kept when the standards require it to be filled).

    >>> from kit.diagnostics.standards import load_standards
    >>> [c in read_columns(load_standards())["activities"] for c in ("notes", "user_id")]
    [False, True]
    """
    out = {name: list(schema.dtypes) for name, schema in TABLES.items()}
    required = standards.fields_required("activities")
    unread = [c for c in _UNREAD_ACTIVITY_COLUMNS if c not in required]
    out["activities"] = [c for c in out["activities"] if c not in unread]
    return out


def diagnose_dataset(
    dataset_dir: str | os.PathLike[str],
    *,
    standards: Standards | str | os.PathLike[str] | None = None,
    **options: Any,
) -> Results:
    """:func:`diagnose` of the dataset folder ``dataset_dir``, read from disk with only the
    columns the diagnostics read (:func:`read_columns`): the same results as
    ``diagnose(load_dataset(dataset_dir))``, for a caller that no longer holds the tables
    (the runner writes the dataset, drops intake's tables, then calls this).

    ``options`` are :func:`diagnose`'s. The activities' :data:`COMPACT_COLUMNS` are read as
    categoricals: the same results in a fraction of the memory.
    """
    parsed = _standards(standards)
    dataset = load_dataset(dataset_dir, columns=read_columns(parsed), categories=COMPACT_COLUMNS)
    return diagnose(dataset, standards=parsed, **options)
