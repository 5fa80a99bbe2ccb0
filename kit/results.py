"""The results bundle: the contract between diagnostics and the notebooks.

:func:`kit.diagnose` produces a :class:`Results`; :meth:`Results.write` saves it as a bundle
(one Parquet file per frame plus ``results.json``) and :func:`load_results` reads it back.
The notebooks, views and exports read nothing else.

Examples
--------
>>> FRAMES[:3]
('metrics', 'compliance', 'scores')
>>> FRAMES[-2:]
('changes', 'requirements')
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

from kit._atomic import atomic_dir
from kit.exceptions import InputError, OutputError

__all__ = [
    "COLUMNS",
    "COMPLIANCE_COLUMNS",
    "FINDING_COLUMNS",
    "FRAMES",
    "METRIC_COLUMNS",
    "REVIEW_COLUMNS",
    "SCORES_COLUMNS",
    "SCORE_COLUMNS",
    "Results",
    "find_bundle",
    "load_results",
]

#: Columns of :attr:`Results.metrics`: one row per (scope, team, producer, metric).
METRIC_COLUMNS: tuple[str, ...] = (
    "scope",
    "team",
    "producer_id",
    "producer_name",
    "metric",
    "value",
    "numerator",
    "denominator",
    "unit",
    "assessed",
    "reason",
)

#: Columns of :attr:`Results.compliance`: every scope x every rule of the standards.
COMPLIANCE_COLUMNS: tuple[str, ...] = (
    "scope",
    "team",
    "producer_id",
    "producer_name",
    "rule_id",
    "statement",
    "metric",
    "target",
    "warn",
    "direction",
    "value",
    "numerator",
    "denominator",
    "status",
    "reason",
    "owner_role",
    "weight",
    "rule_order",
)

#: Columns of the adoption score per scope (:attr:`Results.scores` adds the archetype).
SCORE_COLUMNS: tuple[str, ...] = (
    "scope",
    "team",
    "producer_id",
    "producer_name",
    "score",
    "rules_assessed",
    "passed",
    "warned",
    "failed",
    "not_assessed",
    "too_few",
    "weight_assessed",
    "weight_total",
    "evidence",
    "missing",
)

#: Columns of :attr:`Results.findings`, ranked.
FINDING_COLUMNS: tuple[str, ...] = (
    "rank",
    "team_rank",
    "scope",
    "team",
    "producer_id",
    "producer_name",
    "rule_id",
    "metric",
    "status",
    "severity",
    "finding",
    "value",
    "numerator",
    "denominator",
    "standard",
    "require",
    "owner_role",
    "review",
)

#: Columns of :attr:`Results.review_list`: the weekly manager review list.
REVIEW_COLUMNS: tuple[str, ...] = (
    "team",
    "item",
    "record_id",
    "producer_id",
    "producer_name",
    "age_days",
    "detail",
)
#: Columns of :attr:`Results.scores`.
SCORES_COLUMNS: tuple[str, ...] = (*SCORE_COLUMNS, "archetype", "archetype_reason")


@dataclass
class Results:
    """Everything one diagnostic pass found. Every frame is sorted deterministically.

    Attributes
    ----------
    metrics
        One row per (scope, team, producer, metric). ``scope``: organization | team |
        producer; ``team`` (blank for the organization); ``producer_id`` and
        ``producer_name`` (blank unless scope is producer); ``metric`` (an id of
        :data:`kit.diagnostics.metrics.METRICS`); ``value`` (float, NaN when not assessed);
        ``numerator`` and ``denominator`` (the counts behind the value: for a share, the
        records meeting the behaviour and the records measured; for a median, the records
        measured); ``unit`` (share, days, minutes, count, currency); ``assessed`` (bool);
        ``reason`` (why not assessed, e.g. "not assessed: no LOS loans provided").
    compliance
        Every organization, team and producer (where the metric exists per producer) x
        every rule: scope, team, producer_id, producer_name, rule_id, statement, metric,
        target, warn, direction (at_least | at_most), value, numerator, denominator,
        status (pass | warn | fail | not_assessed | too_few: measured on fewer records than
        the evidence minimum), reason, owner_role, weight, rule_order.
    scores
        Adoption score per organization, team and producer: scope, team, producer_id,
        producer_name, score (0-100, NaN when under half of the standards' weight was
        judged), rules_assessed (judged: pass, warn or fail), passed, warned, failed,
        not_assessed, too_few, weight_assessed, weight_total, evidence (scored | not enough
        evidence), missing (the rules not judged and why), archetype (never_adopted |
        lapsed | partial | consistent; producers only, blank when not classified) and
        archetype_reason.
    findings
        Ranked findings: rank (1 = most important), team_rank (rank within the team), scope
        (organization | team | producer), team, producer_id, producer_name, rule_id, metric,
        status, severity (high | medium), finding (the sentence with its evidence), value,
        numerator, denominator, standard (the statement and target missed), require (the
        operating change to require), owner_role, review (what the manager reviews weekly).
    review_list
        The weekly manager review list: team, item (stale_loan, aged_open_loan,
        past_due_loan, incomplete_closed_loan, untouched_lead, overdue_next_step,
        missing_next_step, past_client_out_of_cadence, partner_out_of_cadence,
        missing_lead_source, funded_loan_missing_from_crm), record_id, producer_id,
        producer_name, age_days, detail. Never borrower PII.
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
    record_weekly
        Team trajectory of adoption by records since launch: team, week_start, week_number,
        days_observed, producers (seated that week), producers_with_records,
        share_with_records, records (record-days of the seated producers).
    export_requests
        What the export could not show, as requests to whoever runs it: request (what to
        export, in words), adds (what it would let the report show), standards (the
        standards it would let the kit score), weight (their weight in the score), tables.
    changes
        Since the last assessment (empty without a baseline): one row per baseline, scope,
        team, producer and standard, plus an adoption-score row per organization, team and
        producer: baseline_as_of, scope, team, producer_id, producer_name, kind (score |
        standard), rule_id, statement, metric, unit, better, before, before_numerator,
        before_denominator, before_status, after, after_numerator, after_denominator,
        after_status, change, change_low and change_high (the 95% Newcombe interval of a
        share's change), verdict (improved | worse | mixed | no clear change | too few to
        tell | newly assessed | no longer assessed | definition changed | not tested | not
        assessed), match (matched | joined | left | renamed), note, archetype_before,
        archetype_after, standards_improved, standards_worse (score rows), evidence (the
        sentence), rule_order. See :mod:`kit.diagnostics.changes`.
    requirements
        Since each standard was required (empty when no standard has ``required_from``): per
        standard with a date, equal windows before and after it: rule_id, statement, metric,
        unit, better, required_from, required_of, before_start, before_end, after_start,
        after_end, scope (team | comparison | producer), team, producer_id, producer_name,
        required, before, before_numerator, before_denominator, after, after_numerator,
        after_denominator, change, change_low, change_high, comparison_change,
        comparison_low, comparison_high (the teams not required, pooled), effect, effect_low,
        effect_high (the difference in differences and its MOVER interval), verdict, note,
        evidence, rule_order. See :mod:`kit.diagnostics.requirement`.
    parameters
        The run's resolved parameters (as_of, launch, window, standards, rules used,
        baselines compared with...).
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
    record_weekly: pd.DataFrame = field(default_factory=lambda: _empty("record_weekly"))
    export_requests: pd.DataFrame = field(default_factory=lambda: _empty("export_requests"))
    changes: pd.DataFrame = field(default_factory=lambda: _empty("changes"))
    requirements: pd.DataFrame = field(default_factory=lambda: _empty("requirements"))
    parameters: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        """Raise ``ValueError`` when a frame's columns differ from :data:`COLUMNS`.

        :func:`kit.diagnose` and :meth:`write` check every bundle they build or save.
        """
        for name, columns in COLUMNS.items():
            found = tuple(getattr(self, name).columns)
            if found != columns:
                raise ValueError(
                    f"results frame {name!r} breaks its contract: columns {found}, "
                    f"expected {columns} (kit.results.COLUMNS)"
                )

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
        self.check()
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
#: The frames whose columns are fixed by this contract (checked whenever a bundle is built).
COLUMNS: dict[str, tuple[str, ...]] = {
    "metrics": METRIC_COLUMNS,
    "compliance": COMPLIANCE_COLUMNS,
    "scores": SCORES_COLUMNS,
    "findings": FINDING_COLUMNS,
    "review_list": REVIEW_COLUMNS,
}
_JSON_FRAMES = ("findings", "compliance", "scores", "not_assessed")
#: Frames a bundle written before they existed may lack: they load empty.
_OPTIONAL_FRAMES = ("record_weekly", "export_requests", "changes", "requirements")
_OPTIONAL_COLUMNS: dict[str, dict[str, str]] = {
    "record_weekly": {
        "team": "str",
        "week_start": "datetime64[us]",
        "week_number": "int64",
        "days_observed": "int64",
        "producers": "int64",
        "producers_with_records": "int64",
        "share_with_records": "float64",
        "records": "int64",
    },
    "export_requests": {
        "request": "str",
        "adds": "str",
        "standards": "str",
        "weight": "float64",
        "tables": "str",
    },
}


def _empty(name: str) -> pd.DataFrame:
    """The empty, typed frame of an optional bundle frame."""
    if name in _OPTIONAL_COLUMNS:
        return pd.DataFrame(
            {c: pd.Series(dtype=t) for c, t in _OPTIONAL_COLUMNS[name].items()}  # type: ignore[call-overload]
        )
    if name == "changes":
        from kit.diagnostics.changes import empty_changes

        return empty_changes()
    from kit.diagnostics.requirement import empty_requirements

    return empty_requirements()


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
    present = {n for n in FRAMES if (folder / f"{n}.parquet").is_file()}
    missing = [n for n in FRAMES if n not in present and n not in _OPTIONAL_FRAMES]
    if missing:
        raise InputError(f"results bundle {folder} is incomplete: missing {', '.join(missing)}")
    parameters = _read_parameters(folder / "results.json")
    frames = {name: pd.read_parquet(folder / f"{name}.parquet") for name in sorted(present)}
    return Results(**frames, parameters=parameters)


#: How :meth:`Results.write` begins ``results.json`` and each of its top-level keys.
_TOP = '{\n  "'
_PARAMETERS = '\n  "parameters": '


def _read_parameters(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``parameters`` of a ``results.json``, without decoding the frames written beside
    them (findings and compliance as JSON: 100 MB at 550 teams, half a second and 200 MB to
    decode in every report kernel that opened the bundle).

    :meth:`Results.write` indents by two spaces, so its top-level keys, and only they, begin
    a line with two spaces (a newline inside a string is escaped): the value is decoded
    from there. A document written any other way is decoded whole.

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "results.json"
    >>> _ = f.write_text(json.dumps({"findings": [{"parameters": 0}], "parameters": {"a": 1}},
    ...                             indent=2, sort_keys=True))
    >>> _read_parameters(f)
    {'a': 1}
    >>> _ = f.write_text('{"parameters": {"a": 2}, "scores": []}')  # not indented
    >>> _read_parameters(f)
    {'a': 2}
    """
    text = Path(path).read_text(encoding="utf-8")
    at = text.find(_PARAMETERS) if text.startswith(_TOP) else -1
    if at >= 0:
        try:
            value, _ = json.JSONDecoder().raw_decode(text, at + len(_PARAMETERS))
        except json.JSONDecodeError:
            pass
        else:
            if isinstance(value, dict):
                return value
    document = json.loads(text)
    parameters: dict[str, Any] = document["parameters"]
    return parameters


def find_bundle(folder: str | os.PathLike[str]) -> Path:
    """The results bundle of a previous run: ``folder`` itself when it is a bundle, else the
    ``data/results`` of the report folder ``folder``.

    Raises
    ------
    InputError
        ``folder`` is neither a report folder of ``adoption-kit assess`` nor a bundle.
    """
    folder = Path(folder)
    for candidate in (folder, folder / "data" / "results"):
        if (candidate / "results.json").is_file():
            return candidate
    raise InputError(
        f"{folder} is not a previous assessment: it has neither data/results/results.json "
        "(the report folder of adoption-kit assess) nor results.json (a results bundle). "
        "Give the --out folder of the earlier run."
    )
