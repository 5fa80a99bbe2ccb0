"""The data's own time frame: its first and last real events, and what is future-dated.

Intake (its ``future_date`` facts) and the diagnostics (the default as-of date, the report
header's data range, the data-quality listing) read the time frame through this one module,
so the same record is future-dated, or not, everywhere.

Events
    Timestamps that say something happened: an activity, a contact or a loan created, a stage
    change, the close of a won or lost loan, a login, an LOS application or funding. Never a
    due date, an open loan's expected close, a seat start or a campaign's start.
Future-dated
    An event is future-dated when it lies after the export's own date (a declared
    ``export_date``, to the end of that day) or far from the rest: after an empty stretch of
    at least :data:`FAR_GAP_DAYS` days beyond which at most :data:`FAR_SHARE` of the events
    lie, or one event, and fewer than before it (a 2052 typo in 2024 data, or 2025 for
    2024). A tail of real records (deals closed in an export's last two months) or a trickle
    of real events after a team stopped using the CRM never leaves such a gap, so it is
    never cut off.
First and last
    The earliest event, and the latest event that is not future-dated (the default as-of).

Examples
--------
>>> import pandas as pd
>>> days = pd.to_datetime(["2024-01-02", "2024-03-01", "2024-04-30", "2052-05-01"])
>>> r = time_frame({"activities": pd.DataFrame({"occurred_at": days, "automated": False})})
>>> str(r.first.date()), str(r.last.date()), r.future_events, str(r.future_after.date())
('2024-01-02', '2024-04-30', 1, '2052-05-01')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit.params import parse_day
from kit.schema import TABLES

__all__ = [
    "EVENT_COLUMNS",
    "FAR_GAP_DAYS",
    "FAR_SHARE",
    "TimeFrame",
    "closed_loans",
    "event_columns",
    "future_records",
    "time_frame",
]

#: Event timestamps: (table, column). Won or lost loans' ``closed_at`` is added by
#: :func:`event_columns`.
EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("activities", "occurred_at"),
    ("contacts", "created_at"),
    ("opportunities", "created_at"),
    ("opportunities", "stage_changed_at"),
    ("stage_history", "changed_at"),
    ("logins", "login_at"),
    ("los_loans", "application_date"),
    ("los_loans", "funded_date"),
)
#: An empty stretch at least this long sets the events after it apart as future-dated...
FAR_GAP_DAYS = 180
#: ...when at most this share of the events lie after it.
FAR_SHARE = 0.05
_DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class TimeFrame:
    """The time frame of a data set's events.

    Attributes
    ----------
    first, last
        Day of the earliest event and of the latest event not future-dated (``None``: no
        dated event at all).
    future_after
        Events at or after this instant are future-dated (``None``: no dated event).
    rule
        In words, why events from ``future_after`` on are future-dated (or that none are).
    events, future_events
        How many dated events there are, and how many of them are future-dated.
    export_date
        The export's declared date, if any.
    """

    first: pd.Timestamp | None
    last: pd.Timestamp | None
    future_after: pd.Timestamp | None
    rule: str
    events: int = 0
    future_events: int = 0
    export_date: dt.date | None = None


def closed_loans(opportunities: pd.DataFrame) -> np.ndarray:
    """Loans that are won or lost: their close date happened (an open loan's close date is
    only expected)."""
    status = opportunities.get("status")
    stage = opportunities.get("stage")
    closed = np.zeros(len(opportunities), dtype=bool)
    if status is not None:
        closed |= status.isin(["won", "lost"]).to_numpy(dtype=bool)
    if stage is not None:
        closed |= stage.isin(["funded", "lost"]).to_numpy(dtype=bool)
    return closed


def event_columns(
    tables: Mapping[str, pd.DataFrame],
) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
    """Every event column present: ``(table, column, timestamps, rows)`` with the rows of
    the table that hold an event (dated; for ``closed_at``, won or lost loans only)."""
    out = []
    for table, column in (*EVENT_COLUMNS, ("opportunities", "closed_at")):
        frame = tables.get(table)
        if frame is None or column not in frame:
            continue
        values = frame[column].to_numpy(dtype="datetime64[us]")
        dated = ~np.isnat(values)
        if column == "closed_at":
            dated &= closed_loans(frame)
        rows = np.flatnonzero(dated)
        out.append((table, column, values if len(rows) == len(values) else values[rows], rows))
    return out


#: Widest span of event days (about 180 years) counted with one array slot per day: a 2052
#: typo in 2016 data spans 13,000 days; wider (a year-9999 typo), the days are sorted.
_DENSE_DAYS = 1 << 16


def _day_counts(tables: Mapping[str, pd.DataFrame]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct days holding an event (``datetime64[D]``, ascending) and how many events
    fall on each: every rule of :func:`time_frame` is decided day by day, so the events are
    counted per day (one pass over each column) rather than sorted."""
    parts = [
        values.astype("datetime64[D]").view("int64") for _, _, values, _ in event_columns(tables)
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return np.array([], dtype="datetime64[D]"), np.array([], dtype="int64")
    low = min(int(p.min()) for p in parts)
    span = max(int(p.max()) for p in parts) - low + 1
    if span <= _DENSE_DAYS:
        counts = np.zeros(span, dtype="int64")
        for p in parts:  # each a new array: shifted in place
            p -= low
            counts += np.bincount(p, minlength=span)
        days = np.flatnonzero(counts)
        return (days + low).astype("datetime64[D]"), counts[days]
    days, counts = np.unique(np.concatenate(parts), return_counts=True)
    return days.astype("datetime64[D]"), counts.astype("int64")


def _far_start(days: np.ndarray, counts: np.ndarray) -> np.datetime64 | None:
    """Start of the far-future cluster of the events on ``days`` (distinct, ascending;
    ``counts`` events on each), if there is one."""
    total = int(counts.sum())
    if total < 2:
        return None
    upto = np.cumsum(counts)  # events on or before each day
    gaps = np.diff(days) >= np.timedelta64(FAR_GAP_DAYS, "D")
    for j in np.flatnonzero(gaps):  # the earliest gap that sets only a few events apart
        beyond = total - int(upto[j])
        if beyond <= max(FAR_SHARE * total, 1) and beyond < int(upto[j]):
            return days[j + 1].astype("datetime64[us]")
    return None


def time_frame(tables: Mapping[str, pd.DataFrame], *, export_date: object = None) -> TimeFrame:
    """The time frame of ``tables`` (see the module's rules).

    >>> import pandas as pd
    >>> acts = pd.DataFrame({"occurred_at": pd.to_datetime(["2024-01-02", "2024-06-10"])})
    >>> time_frame({"activities": acts}, export_date="2024-06-01").future_events
    1
    >>> time_frame({}).rule
    'no dated events'
    """
    days, counts = _day_counts(tables)
    declared = None if export_date is None else parse_day(export_date, name="export_date")
    if not len(days):
        return TimeFrame(None, None, None, "no dated events", export_date=declared)
    events = int(counts.sum())
    first = pd.Timestamp(days[0]).normalize().as_unit("us")
    limit: np.datetime64 | None = None
    rule = ""
    if declared is not None:
        limit = np.datetime64(declared, "us") + _DAY
        rule = f"after the export date {declared.isoformat()}"
    real = np.ones(len(days), dtype=bool) if limit is None else days < limit
    far = _far_start(days[real], counts[real])
    if far is not None:
        limit = far
        before = days[real & (days < far)].max()
        gap = int((far.astype("datetime64[D]") - before) // _DAY)
        far_rule = (
            f"on or after {pd.Timestamp(far).date().isoformat()}, {gap:,} days after the "
            f"rest of the data (a gap of {FAR_GAP_DAYS} days or more, with at most "
            f"{FAR_SHARE:.0%} of the events, or one, after it)"
        )
        rule = f"{rule}, or {far_rule}" if rule else far_rule
        real &= days < far
    if not real.any():  # every event lies after the export date: nothing is real
        return TimeFrame(
            first,
            None,
            pd.Timestamp(limit).as_unit("us"),
            rule,
            events=events,
            future_events=events,
            export_date=declared,
        )
    last = pd.Timestamp(days[real][-1]).normalize().as_unit("us")
    if limit is None:
        limit = np.datetime64(last, "us") + _DAY
        rule = "none: no event lies after the export date or far from the rest"
    return TimeFrame(
        first=first,
        last=last,
        future_after=pd.Timestamp(limit).as_unit("us"),
        rule=rule,
        events=events,
        future_events=int(counts[days >= limit].sum()),
        export_date=declared,
    )


def future_records(
    tables: Mapping[str, pd.DataFrame], after: pd.Timestamp | None, *, examples: int = 5
) -> list[dict[str, object]]:
    """Per event column, the records whose event is at or after ``after``: how many, their
    date range and a few examples (the record's key and date).

    >>> import pandas as pd
    >>> acts = pd.DataFrame({"activity_id": ["a1", "a2"],
    ...                      "occurred_at": pd.to_datetime(["2024-01-02", "2052-01-02"])})
    >>> future_records({"activities": acts}, pd.Timestamp("2024-01-03"))
    [{'table': 'activities', 'field': 'occurred_at', 'records': 1, 'first': '2052-01-02', \
'last': '2052-01-02', 'examples': 'a2 (2052-01-02)'}]
    """
    if after is None:
        return []
    limit = np.datetime64(after, "us")
    out: list[dict[str, object]] = []
    for table, column, values, rows in event_columns(tables):
        hit = values >= limit
        if not hit.any():
            continue
        frame = tables[table]
        key = TABLES[table].key if table in TABLES else None
        if key is None or key not in frame:
            key = next((c for c in frame.columns if c.endswith("_id")), None)
        when = values[hit]
        order = np.argsort(when, kind="stable")[:examples]
        ids = (  # only the examples' keys (not the whole key column) as objects
            frame[key].take(rows[hit][order]).to_numpy(dtype=object) if key else [None] * len(order)
        )
        shown = [
            f"{i} ({pd.Timestamp(w).date().isoformat()})" if i is not None else str(w)[:10]
            for i, w in zip(ids, when[order], strict=True)
        ]
        out.append(
            {
                "table": table,
                "field": column,
                "records": int(hit.sum()),
                "first": pd.Timestamp(when.min()).date().isoformat(),
                "last": pd.Timestamp(when.max()).date().isoformat(),
                "examples": ", ".join(shown),
            }
        )
    return out
