"""Adoption by records: who creates and updates CRM records, week by week, since launch.

An export with no activity log (an opportunities report, a deals export) still shows CRM
work: every record carries dates. A producer's *record-days* are the distinct (record, day)
pairs on which a record of theirs was created or changed:

* an opportunity they own was created (``created_at``);
* an opportunity moved stage: a ``stage_history`` entry, credited to its ``changed_by`` when
  that is a CRM user, else to the opportunity's owner; or the opportunity's
  ``stage_changed_at`` (owner);
* an opportunity they own was closed as won or lost (``closed_at``);
* a contact they own was created (``created_at``).

Only dates up to the as-of date count. This is a **weaker signal** than logged activities:
the export says whose record it is, not who typed it, and lead routing or an import creates
records nobody worked. The metrics are reported beside the activity-based ones; a rule on
``weekly_record_producers`` is scored only where weekly active producers cannot be measured
(see :func:`kit.diagnostics.compliance.compliance`).

Weeks are those of :mod:`kit.diagnostics.adoption`: window weeks end at the as-of date, launch
weeks start on the launch day, and a producer counts for a week only once seated.

Examples
--------
>>> RECORD_WEEKLY_COLUMNS[:3]
('team', 'week_start', 'week_number')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kit.diagnostics.adoption import EARLY_WEEKS, RECENT_WEEKS
from kit.diagnostics.rows import (
    Measurements,
    missing_rows,
    producer_rows,
    week_pairs,
)

if TYPE_CHECKING:
    from kit.diagnostics.context import Context

__all__ = ["RECORD_METRICS", "RECORD_WEEKLY_COLUMNS", "compute", "record_days"]

RECORD_METRICS: tuple[str, ...] = ("weekly_record_producers", "records_per_producer_week")
RECORD_WEEKLY_COLUMNS: tuple[str, ...] = (
    "team",
    "week_start",
    "week_number",
    "days_observed",
    "producers",
    "producers_with_records",
    "share_with_records",
    "records",
)

_WEEK = np.timedelta64(7, "D")
_TICK = np.timedelta64(1, "us")  # window weeks are [week start, next week start)
_DAY = np.timedelta64(1, "D")
_NO_RECORDS = "not assessed: no opportunities or contacts provided"
_NO_PRODUCER_WEEKS = "not assessed: no producer seated for a full week in the window"


def record_days(ctx: Context) -> pd.DataFrame:
    """Every (user, record, day) on which a CRM record was created or changed, up to the
    as-of date (see the module docstring for what counts).

    Returns
    -------
    pandas.DataFrame
        ``user`` (user code), ``record`` (opportunity code, or the number of opportunities
        plus the contact code), ``day`` (midnight of the day, ``datetime64[us]``); one row per
        distinct triple, records of unknown users left out.
    """
    return ctx.memo("record_days", lambda: _record_days(ctx))


def _record_days(ctx: Context) -> pd.DataFrame:
    users, records, times = [], [], []
    n_opps = 0
    end = ctx.end64

    def add(user: np.ndarray, record: np.ndarray, t: np.ndarray) -> None:
        keep = (user >= 0) & ~np.isnat(t) & (t < end)
        users.append(user[keep])
        records.append(record[keep])
        times.append(t[keep])

    if ctx.has("opportunities"):
        raw = ctx.dataset.tables["opportunities"]
        n_opps = len(raw)
        owner = ctx.user_codes(raw["owner_id"])
        code = np.arange(n_opps)
        created = raw["created_at"].to_numpy(dtype="datetime64[us]")
        add(owner, code, created)
        add(owner, code, raw["stage_changed_at"].to_numpy(dtype="datetime64[us]"))
        opps = ctx.opportunities
        closed = np.zeros(n_opps, dtype=bool)  # loans after the as-of: never closed
        closed[opps["code"].to_numpy()] = ~opps["open"].to_numpy()
        closed_at = raw["closed_at"].to_numpy(dtype="datetime64[us]")
        add(owner[closed], code[closed], closed_at[closed])
        if ctx.has("stage_history"):
            sh = ctx.dataset.tables["stage_history"]
            opp = ctx.opportunity_codes(sh["opportunity_id"])
            by = ctx.user_codes(sh["changed_by"])
            owner_of = np.append(owner, -1)  # position -1: an unknown opportunity
            user = np.where(opp >= 0, np.where(by >= 0, by, owner_of[opp]), -1)
            add(user, opp, sh["changed_at"].to_numpy(dtype="datetime64[us]"))
    if ctx.has("contacts"):
        contacts = ctx.contacts
        add(
            contacts["owner"].to_numpy(),
            n_opps + contacts["code"].to_numpy(),
            contacts["created"].to_numpy(dtype="datetime64[us]"),
        )
    if not users:
        return pd.DataFrame(
            {
                "user": np.empty(0, "int64"),
                "record": np.empty(0, "int64"),
                "day": np.empty(0, "datetime64[us]"),
            }
        )
    day = np.concatenate(times).astype("datetime64[D]").astype("datetime64[us]")
    frame = pd.DataFrame(
        {
            "user": np.concatenate(users).astype("int64"),
            "record": np.concatenate(records).astype("int64"),
            "day": day,
        }
    )
    return frame.drop_duplicates(ignore_index=True)


def compute(ctx: Context) -> Measurements:
    """Record-based adoption metrics, the weekly trajectory and each producer's profile."""
    section = Measurements()
    if not (ctx.has("opportunities") or ctx.has("contacts")):
        for metric in RECORD_METRICS:
            section.metrics.append(missing_rows(ctx, metric, _NO_RECORDS))
        section.not_assessed.append(("records", _NO_RECORDS))
        section.frames["record_weekly"] = _empty_weekly()
        section.units["producer_records"] = _profile(ctx)
        return section

    days = record_days(ctx)
    n_users = len(ctx.user_ids)
    user = days["user"].to_numpy()
    t = days["day"].to_numpy(dtype="datetime64[us]")
    start = ctx.user_start.astype("datetime64[us]")
    end = ctx.end64
    n_window = ctx.window_days // 7

    # ---------------------------------------------------------------- window weeks
    wk = ((end - t - _TICK) // _WEEK).astype("int64")  # a Monday record: its own week
    seated = (end - (wk + 1) * _WEEK) >= start[user]
    in_window = seated & (wk < n_window)
    active = week_pairs(user[in_window], wk[in_window], n_window, n_users)
    # numpy's stubs type datetime64 minus datetime64s as datetime64 (it is timedelta64)
    seated_weeks = np.clip((end - start) // _WEEK, 0, n_window).astype("float64")  # type: ignore[operator]
    section.metrics.append(
        producer_rows(
            ctx,
            "weekly_record_producers",
            active.sum(axis=1).astype("float64"),
            seated_weeks,
            _NO_PRODUCER_WEEKS,
        )
    )
    section.metrics.append(
        producer_rows(
            ctx,
            "records_per_producer_week",
            np.bincount(user[in_window], minlength=n_users).astype("float64"),
            seated_weeks,
            _NO_PRODUCER_WEEKS,
        )
    )

    # ---------------------------------------------------------------- launch weeks
    launch = np.datetime64(ctx.launch, "us")
    total_weeks = max(int(-(-(end - launch) // _WEEK)), 0)
    complete_weeks = max(int((end - launch) // _WEEK), 0)
    lw = np.where(t >= launch, (t - launch) // _WEEK, -1).astype("int64")
    lw_seated = (lw >= 0) & ((launch + np.maximum(lw, 0) * _WEEK) >= start[user])
    l_active = week_pairs(user[lw_seated], lw[lw_seated], total_weeks, n_users)
    first_week = np.maximum(np.ceil((start - launch) / _WEEK).astype("int64"), 0)
    weeks_idx = np.arange(total_weeks)
    seated_grid = weeks_idx[None, :] >= first_week[:, None]
    flat = user * max(total_weeks, 1) + lw
    size = n_users * max(total_weeks, 1)
    per_week = np.bincount(flat[lw >= 0], minlength=size).reshape(n_users, -1)[:, :total_weeks]
    section.frames["record_weekly"] = _trajectory(
        ctx, total_weeks, launch, seated_grid, l_active, per_week
    )

    # ---------------------------------------------------------------- producer profile
    recent = seated & (wk < RECENT_WEEKS)
    section.units["producer_records"] = _profile(
        ctx,
        seated_grid=seated_grid,
        complete_weeks=complete_weeks,
        l_active=l_active,
        per_week=per_week,
        first_week=first_week,
        recent_active=week_pairs(user[recent], wk[recent], RECENT_WEEKS, n_users).sum(axis=1),
        recent_records=np.bincount(user[recent], minlength=n_users),
        # numpy's stubs type datetime64 minus datetime64s as datetime64 (it is timedelta64)
        recent_weeks=np.clip((end - start) // _WEEK, 0, RECENT_WEEKS),  # type: ignore[operator]
    )
    return section


def _trajectory(
    ctx: Context,
    total_weeks: int,
    launch: np.datetime64,
    seated_grid: np.ndarray,
    l_active: np.ndarray,
    per_week: np.ndarray,
) -> pd.DataFrame:
    if total_weeks <= 0 or not len(ctx.teams):
        return _empty_weekly()
    weeks = np.arange(total_weeks)
    week_start = (launch + weeks * _WEEK).astype("datetime64[us]")
    # numpy's stubs type datetime64 minus datetime64s as datetime64 (it is timedelta64)
    days = np.minimum((ctx.end64 - week_start) // _DAY, 7).astype("int64")  # type: ignore[operator]
    prod = ctx.producer_codes
    n_teams = len(ctx.teams)
    team = ctx.user_team[prod]
    p_seated = seated_grid[prod]
    producers = np.zeros((n_teams, total_weeks))
    with_records = np.zeros((n_teams, total_weeks))
    records = np.zeros((n_teams, total_weeks))
    np.add.at(producers, team, p_seated.astype("float64"))
    np.add.at(with_records, team, (l_active[prod] & p_seated).astype("float64"))
    np.add.at(records, team, (per_week[prod] * p_seated).astype("float64"))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(
            producers > 0, with_records / np.where(producers > 0, producers, 1), np.nan
        )
    return pd.DataFrame(
        {
            "team": np.repeat(ctx.teams, total_weeks).astype(object),
            "week_start": np.tile(week_start, n_teams),
            "week_number": np.tile(weeks + 1, n_teams).astype("int64"),
            "days_observed": np.tile(days, n_teams),
            "producers": producers.ravel().astype("int64"),
            "producers_with_records": with_records.ravel().astype("int64"),
            "share_with_records": share.ravel(),
            "records": records.ravel().astype("int64"),
        }
    )


_PROFILE_COLUMNS = (
    "weeks",
    "active_weeks",
    "activities",
    "early_weeks",
    "early_active",
    "early_activities",
    "recent_weeks",
    "recent_active",
    "recent_activities",
)


def _profile(
    ctx: Context,
    *,
    seated_grid: np.ndarray | None = None,
    complete_weeks: int = 0,
    l_active: np.ndarray | None = None,
    per_week: np.ndarray | None = None,
    first_week: np.ndarray | None = None,
    recent_active: np.ndarray | None = None,
    recent_records: np.ndarray | None = None,
    recent_weeks: np.ndarray | None = None,
) -> pd.DataFrame:
    """Per producer, what the archetypes by records are decided on: the columns of the
    activity profile of :mod:`kit.diagnostics.adoption` (so one set of archetype rules reads
    both), with ``*activities`` counting record-days."""
    prod = ctx.producer_codes
    if seated_grid is None or l_active is None or per_week is None:
        nan = np.full(len(prod), np.nan)
        return pd.DataFrame({"user": prod, **{c: nan for c in _PROFILE_COLUMNS}})
    assert first_week is not None and recent_active is not None
    assert recent_records is not None and recent_weeks is not None
    weeks_idx = np.arange(seated_grid.shape[1])
    usable = seated_grid & (weeks_idx < complete_weeks)[None, :]
    recent_start = ctx.end64 - RECENT_WEEKS * _WEEK
    week_end = np.datetime64(ctx.launch, "us") + (weeks_idx + 1) * _WEEK
    before = usable & (week_end <= recent_start)[None, :]
    early = before & (weeks_idx[None, :] < (first_week[:, None] + EARLY_WEEKS))
    counts = per_week.astype("float64")

    def per(grid: np.ndarray, values: np.ndarray) -> np.ndarray:
        return (grid * values).sum(axis=1)[prod].astype("float64")

    return pd.DataFrame(
        {
            "user": prod,
            "weeks": usable.sum(axis=1)[prod].astype("float64"),
            "active_weeks": per(usable, l_active),
            "activities": per(usable, counts),
            "early_weeks": early.sum(axis=1)[prod].astype("float64"),
            "early_active": per(early, l_active),
            "early_activities": per(early, counts),
            "recent_weeks": np.asarray(recent_weeks)[prod].astype("float64"),
            "recent_active": np.asarray(recent_active)[prod].astype("float64"),
            "recent_activities": np.asarray(recent_records)[prod].astype("float64"),
        }
    )


def _empty_weekly() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team": pd.Series(dtype="str"),
            "week_start": pd.Series(dtype="datetime64[us]"),
            "week_number": pd.Series(dtype="int64"),
            "days_observed": pd.Series(dtype="int64"),
            "producers": pd.Series(dtype="int64"),
            "producers_with_records": pd.Series(dtype="int64"),
            "share_with_records": pd.Series(dtype="float64"),
            "records": pd.Series(dtype="int64"),
        }
    )
