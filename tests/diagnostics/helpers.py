"""Helpers for the diagnostics tests: a small organization and metric look-ups."""

from __future__ import annotations

from typing import Any

import pandas as pd

from kit.dataset import Dataset
from kit.diagnostics.context import Context, build_context
from kit.diagnostics.standards import Standards
from kit.schema import TABLES
from tests.tables import canonical

AS_OF = "2024-06-30"  # a Sunday
LAUNCH = "2024-06-03"  # a Monday, four weeks before the end of the as-of day

#: North: two producers (Ben joined mid-window) and a manager; South: one producer and one
#: whose seat is inactive (not scored); West: one producer with nothing at all.
USERS: list[dict[str, Any]] = [
    {"user_id": "a1", "name": "Ana Ruiz", "team": "North", "role": "producer", "active": True},
    {
        "user_id": "a2",
        "name": "Ben Okafor",
        "team": "North",
        "role": "producer",
        "seat_start": "2024-06-10",
    },
    {"user_id": "m1", "name": "Cara Lind", "team": "North", "role": "manager"},
    {"user_id": "b1", "name": "Cy Moss", "team": "South", "role": "producer"},
    {"user_id": "b2", "name": "Dee Park", "team": "South", "role": "producer", "active": False},
    {"user_id": "w1", "name": "Eve Stone", "team": "West", "role": "producer"},
]


def table(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A canonical table from rows whose timestamps may mix dates and date-times."""
    dates = {f.name for f in TABLES[name].fields if f.kind == "datetime"}
    rows = [
        {k: (pd.Timestamp(v) if k in dates and v is not None else v) for k, v in r.items()}
        for r in rows
    ]
    return canonical(name, rows)


def dataset(**tables: list[dict[str, Any]] | pd.DataFrame) -> Dataset:
    """A dataset of USERS plus the given tables (rows or frames)."""
    built = {"users": table("users", USERS)}
    for name, rows in tables.items():
        built[name] = rows if isinstance(rows, pd.DataFrame) else table(name, rows)
    return Dataset(tables=built)


def context(
    *,
    as_of: str | None = AS_OF,
    launch: str | None = LAUNCH,
    window_days: int = 90,
    standards: Standards | None = None,
    seat_cost_per_month: float | None = None,
    **tables: list[dict[str, Any]] | pd.DataFrame,
) -> Context:
    return build_context(
        dataset(**tables),
        as_of=as_of,
        launch=launch,
        window_days=window_days,
        standards=standards,
        seat_cost_per_month=seat_cost_per_month,
    )


def row(frames: Any, metric: str, who: str | None = None) -> pd.Series:
    """The metric row of the organization (who=None), a team or a producer id."""
    if not isinstance(frames, pd.DataFrame):
        frames = pd.concat(frames.metrics, ignore_index=True)
    m = frames[frames["metric"] == metric]
    if who is None:
        m = m[m["scope"] == "organization"]
    elif (m["scope"].eq("team") & m["team"].eq(who)).any():
        m = m[(m["scope"] == "team") & (m["team"] == who)]
    else:
        m = m[(m["scope"] == "producer") & (m["producer_id"] == who)]
    assert len(m) == 1, f"{metric} {who}: {len(m)} rows"
    return m.iloc[0]


def value(frames: Any, metric: str, who: str | None = None) -> tuple[float, float, float]:
    """(value, numerator, denominator) of a metric row."""
    r = row(frames, metric, who)
    return (float(r["value"]), float(r["numerator"]), float(r["denominator"]))
