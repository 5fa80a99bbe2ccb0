"""One diagnostic pass over the whole dataset, and the results bundle it produces.

:func:`diagnose` resolves the run's dates (:mod:`kit.context`), runs every metric module
once over whole tables (every team and producer at the same time), scores every team and
producer against the operating standards, classifies producers, ranks the findings and
assembles the weekly review lists. :class:`Results` holds the frames;
:meth:`Results.write` saves them as a bundle (one Parquet file per frame plus
``results.json``) and :func:`load_results` reads it back.

Examples
--------
>>> from kit.dataset import Dataset
>>> from kit.schema import empty_table
>>> r = diagnose(Dataset({"users": empty_table("users")}), as_of="2024-06-30")
>>> r.parameters["as_of"], len(r.metrics) == len(METRICS), r.not_assessed["section"].iloc[0]
('2024-06-30', True, 'adoption')
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kit import adoption, followup, marketing, pipeline, quality, reconciliation, relationships
from kit._atomic import atomic_dir
from kit.archetypes import archetypes
from kit.compliance import compliance as score_compliance
from kit.context import build_context
from kit.dataset import Dataset
from kit.exceptions import InputError, OutputError, ParameterError
from kit.findings import findings as rank_findings
from kit.metrics import METRICS, SECTIONS, Section, empty_metrics
from kit.review import review_list
from kit.scoring import scores as score_rows
from kit.standards import Standards, load_standards

__all__ = ["FRAMES", "Results", "diagnose", "load_results"]

#: The metric modules, run in this order.
_MODULES = (adoption, pipeline, followup, relationships, marketing, reconciliation, quality)
_SCOPE_ORDER = {"organization": 0, "team": 1, "producer": 2}
_METRIC_ORDER = {m: i for i, m in enumerate(METRICS)}


@dataclass
class Results:
    """Everything one diagnostic pass found. Every frame is sorted deterministically.

    Attributes
    ----------
    metrics
        One row per (scope, team, producer, metric). ``scope``: organization | team |
        producer; ``team`` (blank for the organization); ``producer_id`` and
        ``producer_name`` (blank unless scope is producer); ``metric`` (an id of
        :data:`kit.metrics.METRICS`); ``value`` (float, NaN when not assessed);
        ``numerator`` and ``denominator`` (the counts behind the value: for a share, the
        records meeting the behaviour and the records measured; for a median, the records
        measured); ``unit`` (share, days, minutes, count, currency); ``assessed`` (bool);
        ``reason`` (why not assessed, e.g. "not assessed: no LOS loans provided").
    compliance
        Every organization, team and producer (where the metric exists per producer) x
        every rule: scope, team, producer_id, producer_name, rule_id, statement, metric,
        target, warn, direction (at_least | at_most), value, numerator, denominator,
        status (pass | warn | fail | not_assessed), reason, owner_role, weight, rule_order.
    scores
        Adoption score per organization, team and producer: scope, team, producer_id,
        producer_name, score (0-100, NaN when no rule was assessed), rules_assessed, passed,
        warned, failed, not_assessed, archetype (never_adopted | lapsed | partial |
        consistent; producers only, blank when not classified) and archetype_reason.
    findings
        Ranked findings: rank (1 = most important), team_rank (rank within the team), scope
        (organization | team | producer), team, producer_id, producer_name, rule_id, metric,
        status, severity (high | medium), finding (the sentence with its evidence), value,
        numerator, denominator, standard (the statement and target missed), require (the
        operating change to require), owner_role, review (what the manager reviews weekly).
    review_list
        The weekly manager review list: team, item (stale_loan, untouched_lead,
        overdue_next_step, missing_next_step, past_client_out_of_cadence,
        partner_out_of_cadence, missing_lead_source, funded_loan_missing_from_crm),
        record_id, producer_id, producer_name, age_days, detail. Never borrower PII.
    weekly
        Team trajectory since launch: team, week_start, week_number (1 = launch week),
        days_observed (7, less for the current week), producers (seated that week),
        active_producers, share_active, manual_activities, automated_activities.
    producer_weekly
        The same per producer: team, producer_id, producer_name, week_start, week_number,
        days_observed, seated, active, manual_activities, automated_activities.
    speed_to_lead
        team, band (5 minutes, 1 hour, 24 hours, later, never; exclusive), leads, share.
    sources
        team, lead_source, campaign_id, campaign (name when campaigns are given), contacts
        (created in the window), applications, funded (their loans).
    partners
        team, partner_id, producer_id, producer_name, days_since_touch, referrals (contacts
        referred in the window), applications, funded.
    seat_roi
        team, seats, active_producers, active_seats, idle_seats, monthly_cost,
        cost_per_active_producer, idle_seat_spend.
    shadow_pipeline
        Per LOS officer: team, producer_id, producer_name, funded_los_loans (funded in the
        window), in_crm, missing, missing_amount.
    data_quality
        scope (organization | team), team, dimension, table, check, records, issues,
        share_ok. The data health score per team is the ``data_health`` metric.
    not_assessed
        section, reason: what could not be assessed and why.
    parameters
        The run's resolved parameters (as_of, launch, window, standards, rules used...).
    """

    metrics: pd.DataFrame
    compliance: pd.DataFrame
    scores: pd.DataFrame
    findings: pd.DataFrame
    review_list: pd.DataFrame
    weekly: pd.DataFrame
    producer_weekly: pd.DataFrame
    speed_to_lead: pd.DataFrame
    sources: pd.DataFrame
    partners: pd.DataFrame
    seat_roi: pd.DataFrame
    shadow_pipeline: pd.DataFrame
    data_quality: pd.DataFrame
    not_assessed: pd.DataFrame
    parameters: dict[str, Any] = field(default_factory=dict)

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every frame by name, in bundle order."""
        return {name: getattr(self, name) for name in FRAMES}

    def teams(self) -> list[str]:
        """The teams assessed, sorted."""
        return list(self.parameters.get("teams", []))

    def write(self, folder: str | os.PathLike[str], *, replace: bool = True) -> Path:
        """Write the bundle atomically: ``<frame>.parquet`` for every frame and
        ``results.json`` (parameters, findings, compliance, scores, not_assessed).

        The same results always give the same bytes (sorted rows, no timestamps). An
        existing bundle is replaced as a whole (unless ``replace=False``); any other
        non-empty folder is refused, never overwritten.

        Raises
        ------
        OutputError
            The folder exists and cannot be replaced, or cannot be written.
        """
        folder = Path(folder)
        if folder.exists() and not replace:
            raise OutputError(f"{folder} already exists; remove it or write with replace=True")
        if folder.is_dir() and any(folder.iterdir()) and not (folder / "results.json").is_file():
            raise OutputError(
                f"{folder} exists and is not a results bundle; it will not be replaced. "
                "Choose an empty or new folder."
            )
        with atomic_dir(folder, replace=True) as tmp:
            for name, frame in self.frames().items():
                frame.to_parquet(tmp / f"{name}.parquet", index=False)
            document = {
                "parameters": self.parameters,
                **{
                    name: json.loads(
                        getattr(self, name).to_json(
                            orient="records", date_format="iso", double_precision=10
                        )
                    )
                    for name in _JSON_FRAMES
                },
            }
            (tmp / "results.json").write_text(
                json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, default=str)
                + "\n",
                encoding="utf-8",
            )
        return folder


FRAMES: tuple[str, ...] = tuple(f.name for f in fields(Results) if f.name != "parameters")
_JSON_FRAMES = ("findings", "compliance", "scores", "not_assessed")


def load_results(folder: str | os.PathLike[str]) -> Results:
    """Read a bundle written by :meth:`Results.write`.

    Raises
    ------
    InputError
        If ``folder`` is not a results bundle.
    """
    folder = Path(folder)
    if not (folder / "results.json").is_file():
        raise InputError(
            f"{folder} is not a results bundle (no results.json); "
            "create one with kit.diagnose(dataset).write(folder)"
        )
    missing = [n for n in FRAMES if not (folder / f"{n}.parquet").is_file()]
    if missing:
        raise InputError(f"results bundle {folder} is incomplete: missing {', '.join(missing)}")
    document = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    frames = {name: pd.read_parquet(folder / f"{name}.parquet") for name in FRAMES}
    return Results(**frames, parameters=document["parameters"])


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


def _not_assessed(section: Section) -> pd.DataFrame:
    frame = pd.DataFrame(section.not_assessed, columns=["section", "reason"]).drop_duplicates()
    order = {s: i for i, s in enumerate(SECTIONS)}
    frame = frame.assign(_o=frame["section"].map(order)).sort_values(
        ["_o", "reason"], kind="stable"
    )
    return _text(frame.drop(columns="_o").reset_index(drop=True))


def diagnose(
    dataset: Dataset,
    *,
    as_of: object = None,
    launch: object = None,
    window_days: int = 90,
    standards: Standards | str | os.PathLike[str] | None = None,
    seat_cost_per_month: float | None = None,
    client: str | None = None,
) -> Results:
    """Run the whole diagnosis of ``dataset`` in one vectorized pass.

    Parameters
    ----------
    dataset
        Canonical tables (``users`` required; every other table optional).
    as_of
        Last day assessed (default: the engagement's as_of, else the latest reasonable
        event date in the data; see :mod:`kit.context`).
    launch
        CRM launch date (default: the engagement's launch_date, else the first day of human
        CRM activity).
    window_days
        Length of the window ending at the as-of date (default 90).
    standards
        ``None`` (the shipped mortgage defaults), a path to a standards YAML file, or a
        parsed :class:`kit.standards.Standards`.
    seat_cost_per_month
        Monthly cost of one seat (default: the engagement's seat_cost_per_month).
    client
        Client name for the reports (default: the engagement's client).

    Raises
    ------
    ParameterError
        Launch after the as-of date, a window under 7 days, a negative seat cost...
    StandardsError
        An invalid standards file.
    """
    parsed = _standards(standards)
    ctx = build_context(
        dataset,
        as_of=as_of,
        launch=launch,
        window_days=window_days,
        standards=parsed,
        seat_cost_per_month=seat_cost_per_month,
    )
    everything = Section()
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

    kinds = archetypes(ctx, everything.units["producer_activity"], compliance)
    base = _all_scopes(ctx)
    scored = score_rows(compliance) if len(compliance) else None
    keys = ["scope", "team", "producer_id", "producer_name"]
    if scored is not None:
        base = base.merge(scored, on=keys, how="left")
    for column in ("rules_assessed", "passed", "warned", "failed", "not_assessed"):
        base[column] = base[column].fillna(0).astype("int64") if column in base else 0
    if "score" not in base:
        base["score"] = np.nan
    base = base.merge(kinds, on="producer_id", how="left")
    scores = _text(
        _sort(
            base[
                [
                    *keys,
                    "score",
                    "rules_assessed",
                    "passed",
                    "warned",
                    "failed",
                    "not_assessed",
                    "archetype",
                    "archetype_reason",
                ]
            ],
            ["team", "producer_id"],
        )
    )
    scores["score"] = scores["score"].astype("float64")

    ranked = _text(rank_findings(ctx, compliance, scores, metrics))
    review = _text(review_list(ctx, everything.units))

    frames = everything.frames
    parameters = {
        "client": client or (dataset.manifest.get("engagement") or {}).get("client"),
        "as_of": str(ctx.as_of.date()),
        "launch": str(ctx.launch.date()),
        "window_days": ctx.window_days,
        "window_start": str(ctx.window_start.date()),
        "seat_cost_per_month": ctx.seat_cost_per_month,
        "teams": [str(t) for t in ctx.teams],
        "producers": len(ctx.producer_codes),
        "tables": {name: len(frame) for name, frame in sorted(dataset.tables.items())},
        "standards": parsed.to_dict(),
        **{k: v for k, v in sorted(ctx.notes.items()) if k != "stage_dates_known"},
    }
    return Results(
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
        parameters=json.loads(json.dumps(parameters, default=str)),
    )
