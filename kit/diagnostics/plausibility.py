"""The plausibility gate: is this input worth assessing, as stated, before any heavy work?

:func:`check` runs right after the data is read (in well under a second: it looks only at
which tables exist and at their event dates) and before the diagnostics and the reports:

blocking (a :class:`~kit.exceptions.KitError`, exit code 2)
    an export with no table any standard can use (a users file alone): what is missing and
    which report sections need it; a launch date after the as-of date; no dated event and no
    as-of date.
warnings (printed, and shown in every report header; ``strict`` makes them blocking)
    an as-of date more than :data:`LATE_AS_OF_DAYS` days after the data's last real event
    (the window would be mostly empty), or before most of the data (most events fall
    outside the assessment).

Examples
--------
>>> from kit.dataset import Dataset
>>> from kit.schema import empty_table
>>> check(Dataset({"users": empty_table("users")}), as_of="2024-06-30")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
kit.exceptions.InputError: the export holds no rows in any table: no report section can be...
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kit.dataset import Dataset
from kit.exceptions import InputError, ParameterError
from kit.params import check_launch, parse_day
from kit.sections import SECTIONS
from kit.timeframe import TimeFrame, event_columns, time_frame

__all__ = ["LATE_AS_OF_DAYS", "SECTION_TABLES", "Gate", "check", "warnings"]

#: An as-of date more than this many days after the data's last real event is a warning.
LATE_AS_OF_DAYS = 30
#: The tables each report section assesses (a section needs at least one of them).
SECTION_TABLES: dict[str, tuple[str, ...]] = {
    "adoption": ("activities",),
    "presence": ("logins",),
    "pipeline": ("opportunities",),
    "follow_up": ("activities",),
    "relationships": ("contacts",),
    "marketing": ("contacts",),
    "shadow_pipeline": ("los_loans",),
    "seat_roi": ("activities",),
    "data_quality": ("contacts", "opportunities", "activities"),
}
_DAY = pd.Timedelta(days=1)


@dataclass(frozen=True)
class Gate:
    """What the plausibility gate found.

    Attributes
    ----------
    warnings
        Implausible parameters, in words (each also shown in the report header).
    frame
        The data's time frame.
    as_of
        The as-of day the assessment will use.
    """

    warnings: list[str] = field(default_factory=list)
    frame: TimeFrame | None = None
    as_of: pd.Timestamp | None = None


def _day(value: object, name: str) -> pd.Timestamp | None:
    """The day ``value`` stands for (:func:`kit.params.parse_day`); ``None`` stays ``None``."""
    if value is None:
        return None
    return pd.Timestamp(parse_day(value, name=name)).as_unit("us")


def _assessable(dataset: Dataset) -> None:
    """Raise when no table a report section assesses holds a row."""
    usable = {t for t, frame in dataset.tables.items() if len(frame)}
    if any(usable & set(tables) for tables in SECTION_TABLES.values()):
        return
    have = sorted(usable) or ["no table with rows"]
    needed: dict[str, list[str]] = {}
    for section, tables in SECTION_TABLES.items():
        needed.setdefault(" or ".join(tables), []).append(SECTIONS[section].title)
    problems = [f"{tables}: needed by {', '.join(s)}" for tables, s in needed.items()]
    what = "only " + ", ".join(have) if usable else "no rows in any table"
    raise InputError(
        f"the export holds {what}: no report section can be assessed. Add the CRM's "
        "activities, contacts or opportunities to the export (and map them: see "
        "docs/mapping.md), then run again. What each section needs:",
        problems=problems,
    )


def _date_warnings(
    frame: TimeFrame, events: np.ndarray, as_of: pd.Timestamp, source: str
) -> list[str]:
    if frame.last is None:
        return []
    found = []
    late = (as_of - frame.last).days
    if late > LATE_AS_OF_DAYS:
        found.append(
            f"the as-of date {as_of.date()} ({source}) is {late:,} days after the data's last "
            f"event ({frame.last.date()}): the assessment window holds little or no data, "
            "so most measures will read as no activity. Check the as-of date, or whether the "
            "export is complete."
        )
    end = np.datetime64(as_of + _DAY, "us")
    if frame.future_after is not None:
        events = events[events < np.datetime64(frame.future_after, "us")]
    real = events
    after = int((real >= end).sum())
    if len(real) and after > len(real) / 2:
        found.append(
            f"the as-of date {as_of.date()} ({source}) comes before most of the data: "
            f"{after:,} of {len(real):,} events ({after / len(real):.0%}) are later, up to "
            f"{frame.last.date()}, and are left out of the assessment. Check the as-of date."
        )
    return found


def _events(dataset: Dataset) -> np.ndarray:
    parts = [values for _, _, values, _ in event_columns(dataset.tables)]
    return np.concatenate(parts) if parts else np.array([], dtype="datetime64[us]")


def check(
    dataset: Dataset,
    *,
    as_of: object = None,
    launch: object = None,
    export_date: object = None,
    strict: bool = False,
) -> Gate:
    """Check that ``dataset`` can be assessed with these dates, before any heavy work.

    ``as_of``, ``launch`` and ``export_date`` default to the dataset's engagement, then (the
    as-of) to the data's last real event, as :func:`kit.diagnostics.context.build_context`
    resolves them.

    Raises
    ------
    InputError
        No table any report section can use.
    ParameterError
        Launch after the as-of date; no date to assess as of; with ``strict``, any warning.
    """
    _assessable(dataset)
    engagement = (dataset.manifest or {}).get("engagement") or {}
    export_date = export_date if export_date is not None else engagement.get("export_date")
    frame = time_frame(dataset.tables, export_date=export_date)
    source = "given"
    if as_of is None and engagement.get("as_of"):
        as_of, source = engagement["as_of"], "engagement.yaml"
    as_of_day = _day(as_of, "as_of") if as_of is not None else frame.last
    if as_of is None:
        source = "the data's last event"
    if as_of_day is None:
        raise ParameterError(
            "the data has no dated events to assess as of; give --as-of YYYY-MM-DD"
        )
    launch_source = "given"
    if launch is None and engagement.get("launch_date"):
        launch, launch_source = engagement["launch_date"], "engagement.yaml"
    launch_day = _day(launch, "launch")
    if launch_day is not None:
        check_launch(
            launch_day.date(),
            as_of_day.date(),
            launch_name="the launch date",
            as_of_name="the as-of date",
            launch_from=launch_source,
            as_of_from=source,
        )
    found = _date_warnings(frame, _events(dataset), as_of_day, source)
    if strict and found:
        raise ParameterError(
            f"{len(found)} implausible parameter(s) (--strict makes them errors)", problems=found
        )
    return Gate(warnings=found, frame=frame, as_of=as_of_day)


def warnings(ctx: object) -> list[str]:
    """The gate's warnings for a resolved context (no blocking checks)."""
    dataset: Dataset = ctx.dataset  # type: ignore[attr-defined]
    frame: TimeFrame = ctx.time_frame  # type: ignore[attr-defined]
    rule = ctx.notes.get("as_of_rule", "given")  # type: ignore[attr-defined]
    source = {
        "engagement as_of": "engagement.yaml",
        "the data's last real event": "the data's last event",
    }.get(rule, "given")
    return _date_warnings(frame, _events(dataset), ctx.as_of, source)  # type: ignore[attr-defined]
