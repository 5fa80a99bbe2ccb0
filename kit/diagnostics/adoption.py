"""Adoption: who logs their own work in the CRM, week by week, since launch.

A producer is *active* in a week when they logged at least one own, non-automated activity
in it; automated sends never count. Producers are users with role ``producer`` whose seat
is not marked inactive. A producer counts for a week only when their seat started on or
before the week's first day (the later of launch and ``seat_start``), so someone who joined
mid-window is measured on the weeks they were there.

Two week grids are used:

* window weeks: the ``window_days // 7`` seven-day periods ending at the end of the as-of
  day (week 0 is the last 7 days);
* launch weeks: seven-day periods from the launch date (week number 1 starts on launch day),
  for the trajectory; the last one may be partial (``days_observed`` < 7).

Examples
--------
>>> sorted(k for k in ("weekly", "producer_weekly"))
['producer_weekly', 'weekly']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kit.diagnostics.rows import (
    Measurements,
    missing_rows,
    producer_rows,
    week_pairs,
)

if TYPE_CHECKING:
    from kit.diagnostics.context import Context

__all__ = ["ADOPTION_METRICS", "PRODUCER_WEEKLY_COLUMNS", "WEEKLY_COLUMNS", "compute"]

ADOPTION_METRICS: tuple[str, ...] = (
    "weekly_active_producers",
    "active_last_week",
    "weeks_active_since_launch",
    "active_day_30",
    "active_day_60",
    "active_day_90",
    "manual_activities_per_producer_week",
)
WEEKLY_COLUMNS: tuple[str, ...] = (
    "team",
    "week_start",
    "week_number",
    "days_observed",
    "producers",
    "active_producers",
    "share_active",
    "manual_activities",
    "automated_activities",
)
PRODUCER_WEEKLY_COLUMNS: tuple[str, ...] = (
    "team",
    "producer_id",
    "producer_name",
    "week_start",
    "week_number",
    "days_observed",
    "seated",
    "active",
    "manual_activities",
    "automated_activities",
)
#: Number of first weeks of a producer's tenure that describe their launch behaviour.
EARLY_WEEKS = 6
#: Number of last weeks that describe their current behaviour.
RECENT_WEEKS = 4

_WEEK = np.timedelta64(7, "D")
#: One tick of datetime64[us]: window weeks are half-open, [week start, next week start).
_TICK = np.timedelta64(1, "us")
_WEEK_US = 7 * 24 * 3600 * 1_000_000
#: A week bound no week number reaches (the bound of user code -1).
_NO_WEEK = np.iinfo("int64").max
_NO_ACTIVITIES = "not assessed: no activities provided"
_NO_PRODUCER_WEEKS = "not assessed: no producer seated for a full week in the window"


def compute(ctx: Context) -> Measurements:
    """Adoption metrics, the weekly trajectory and each producer's activity profile."""
    section = Measurements()
    if not ctx.has("activities"):
        for metric in (*ADOPTION_METRICS, "logins_without_work"):
            section.metrics.append(missing_rows(ctx, metric, _NO_ACTIVITIES))
        section.not_assessed.append(("adoption", _NO_ACTIVITIES))
        section.frames["weekly"] = _empty_weekly()
        section.frames["producer_weekly"] = _empty_producer_weekly()
        section.units["producer_activity"] = _profile(ctx)
        return section

    acts = ctx.activities
    n_users = len(ctx.user_ids)
    user = acts["user"].to_numpy()
    t = acts["t"].to_numpy()
    manual = acts["manual"].to_numpy()
    start = ctx.user_start.astype("datetime64[us]")  # per user
    end = ctx.end64
    n_window = ctx.window_days // 7

    # ---------------------------------------------------------------- window weeks
    # 0 = the last 7 days; a week is [its start, the next start): an event at midnight
    # opening a week (every date-only event) belongs to that week
    # in microseconds as integers (no NaT among kept activities or seat starts): the same
    # floor divisions and comparisons as on datetime64, without numpy's NaT checks per row
    t_us = t.astype("datetime64[us]", copy=False).view("int64")
    end_us, week_us = int(end.astype("datetime64[us]").astype("int64")), _WEEK_US
    start_us = start.astype("datetime64[us]", copy=False).view("int64")  # per user
    wk = (end_us - t_us - 1) // week_us
    # seated for the whole week: end - (wk + 1) weeks >= start, i.e. wk < (end - start) //
    # week, a bound per user (the appended bound, for user -1, holds for no week)
    seated_weeks_of = np.append((end_us - start_us) // week_us, -_NO_WEEK)
    seated_act = wk < seated_weeks_of[user]
    in_window = (wk < n_window) & seated_act
    human = manual & in_window
    active = week_pairs(user[human], wk[human], n_window, n_users)
    seated_weeks = np.clip((end - start) // _WEEK, 0, n_window).astype("float64")  # type: ignore[operator]
    active_weeks = active.sum(axis=1).astype("float64")
    section.metrics.append(
        producer_rows(
            ctx, "weekly_active_producers", active_weeks, seated_weeks, _NO_PRODUCER_WEEKS
        )
    )
    last_seated = (seated_weeks >= 1).astype("float64")
    last_active = (active[:, 0] if n_window else np.zeros(n_users, bool)).astype("float64")
    section.metrics.append(
        producer_rows(
            ctx,
            "active_last_week",
            last_active * last_seated,
            last_seated,
            "not assessed: no producer seated for the whole last week",
        )
    )
    manual_count = np.bincount(user[human], minlength=n_users).astype("float64")
    frame = producer_rows(
        ctx,
        "manual_activities_per_producer_week",
        manual_count,
        seated_weeks,
        _NO_PRODUCER_WEEKS,
    )
    section.metrics.append(frame)

    # ---------------------------------------------------------------- presence (logins)
    section.metrics.append(_presence(ctx, active, start, n_window))
    if not ctx.has("logins"):
        section.not_assessed.append(("presence", "not assessed: no logins provided"))

    # ---------------------------------------------------------------- launch weeks
    launch = np.datetime64(ctx.launch, "us")
    total_weeks = int(-(-(end - launch) // _WEEK))  # including a partial last week
    complete_weeks = int((end - launch) // _WEEK)
    launch_us = int(launch.astype("datetime64[us]").astype("int64"))
    lw = np.where(t_us >= launch_us, (t_us - launch_us) // week_us, -1)
    # seated from the start of launch week lw >= 0: launch + lw weeks >= start, i.e. lw is at
    # least ceil((start - launch) / week) and at least 0 (no week for user -1)
    first_seated = np.append(np.maximum(-((launch_us - start_us) // week_us), 0), _NO_WEEK)
    lw_seated = lw >= first_seated[user]
    l_active = week_pairs(user[manual & lw_seated], lw[manual & lw_seated], total_weeks, n_users)
    # first seated launch week per user
    first_week = np.ceil((start - launch) / _WEEK).astype("int64")
    first_week = np.maximum(first_week, 0)
    weeks_idx = np.arange(total_weeks)
    seated_grid = weeks_idx[None, :] >= first_week[:, None]
    complete = weeks_idx < complete_weeks
    since_den = (seated_grid & complete[None, :]).sum(axis=1).astype("float64")
    since_num = (l_active & seated_grid & complete[None, :]).sum(axis=1).astype("float64")
    section.metrics.append(
        producer_rows(
            ctx,
            "weeks_active_since_launch",
            since_num,
            since_den,
            "not assessed: no complete week since launch",
        )
    )
    manual_user, manual_t = user[manual], t[manual]  # gathered once for the three points
    for day in (30, 60, 90):
        section.metrics.append(_day_point(ctx, day, manual_user, manual_t, start))
    del manual_user, manual_t

    # ---------------------------------------------------------------- trajectory frames
    ok = (user >= 0) & (lw >= 0)  # lw: the launch week, -1 before launch
    flat = user * max(total_weeks, 1) + lw
    size = n_users * max(total_weeks, 1)
    manual_per = np.bincount(flat[ok & manual], minlength=size).reshape(n_users, -1)
    auto_per = np.bincount(flat[ok & ~manual], minlength=size).reshape(n_users, -1)
    manual_per, auto_per = manual_per[:, :total_weeks], auto_per[:, :total_weeks]
    section.frames["weekly"], section.frames["producer_weekly"] = _trajectory(
        ctx, total_weeks, launch, end, seated_grid, l_active, manual_per, auto_per
    )

    # ---------------------------------------------------------------- producer profile
    recent = manual & seated_act & (wk < RECENT_WEEKS)
    recent_matrix = week_pairs(user[recent], wk[recent], RECENT_WEEKS, n_users)
    section.units["producer_activity"] = _profile(
        ctx,
        seated_grid=seated_grid,
        complete_weeks=complete_weeks,
        l_active=l_active,
        manual_per=manual_per,
        first_week=first_week,
        recent_active=recent_matrix.sum(axis=1),
        recent_activities=np.bincount(user[recent], minlength=n_users),
        recent_weeks=np.clip((end - start) // _WEEK, 0, RECENT_WEEKS),  # type: ignore[operator]
    )
    return section


def _presence(ctx: Context, active: np.ndarray, start: np.ndarray, n_window: int) -> pd.DataFrame:
    if not ctx.has("logins"):
        return missing_rows(ctx, "logins_without_work", "not assessed: no logins provided")
    logins = ctx.dataset.tables["logins"]
    user = ctx.user_codes(logins["user_id"])
    t = logins["login_at"].to_numpy(dtype="datetime64[us]")
    ok = (user >= 0) & ~np.isnat(t) & (t < ctx.end64)
    user, t = user[ok], t[ok]
    wk = ((ctx.end64 - t - _TICK) // _WEEK).astype("int64")
    seated = (ctx.end64 - (wk + 1) * _WEEK) >= start[user]
    logged_in = week_pairs(user[seated], wk[seated], n_window, len(ctx.user_ids))
    den = logged_in.sum(axis=1).astype("float64")
    num = (logged_in & ~active).sum(axis=1).astype("float64")
    return producer_rows(
        ctx,
        "logins_without_work",
        num,
        den,
        "not assessed: no logins by producers in the window",
    )


def _day_point(
    ctx: Context, day: int, user: np.ndarray, t: np.ndarray, start: np.ndarray
) -> pd.DataFrame:
    metric = f"active_day_{day}"
    period_end = np.datetime64(ctx.launch + pd.Timedelta(days=day + 1), "us")
    period_start = period_end - _WEEK
    if period_end > ctx.end64:
        day_date = (ctx.launch + pd.Timedelta(days=day)).date()
        return missing_rows(
            ctx,
            metric,
            f"not assessed: day {day} after launch ({day_date}) is after the as-of date",
        )
    n_users = len(ctx.user_ids)
    hit = (t >= period_start) & (t < period_end) & (user >= 0)
    was_active = np.zeros(n_users, dtype=bool)
    was_active[user[hit]] = True
    seated = (start <= period_start).astype("float64")
    return producer_rows(
        ctx,
        metric,
        (was_active & (seated > 0)).astype("float64"),
        seated,
        f"not assessed: no producer seated by day {day - 6} after launch",
    )


def _trajectory(
    ctx: Context,
    total_weeks: int,
    launch: np.datetime64,
    end: np.datetime64,
    seated_grid: np.ndarray,
    l_active: np.ndarray,
    manual_per: np.ndarray,
    auto_per: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    if total_weeks <= 0:
        return _empty_weekly(), _empty_producer_weekly()
    weeks = np.arange(total_weeks)
    week_start = (launch + weeks * _WEEK).astype("datetime64[us]")
    days = np.minimum((end - week_start) // np.timedelta64(1, "D"), 7).astype("int64")  # type: ignore[operator]
    prod = ctx.producer_codes
    n_teams = len(ctx.teams)
    p_team = ctx.user_team[prod]
    p_seated = seated_grid[prod]
    p_active = l_active[prod] & p_seated
    producers = np.zeros((n_teams, total_weeks))
    actives = np.zeros((n_teams, total_weeks))
    np.add.at(producers, p_team, p_seated.astype("float64"))
    np.add.at(actives, p_team, p_active.astype("float64"))
    team_manual = np.zeros((n_teams, total_weeks))
    team_auto = np.zeros((n_teams, total_weeks))
    member = ctx.user_team
    np.add.at(team_manual, member, manual_per)
    np.add.at(team_auto, member, auto_per)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(producers > 0, actives / np.where(producers > 0, producers, 1), np.nan)
    weekly = pd.DataFrame(
        {
            "team": np.repeat(ctx.teams, total_weeks).astype(object),
            "week_start": np.tile(week_start, n_teams),
            "week_number": np.tile(weeks + 1, n_teams).astype("int64"),
            "days_observed": np.tile(days, n_teams),
            "producers": producers.ravel().astype("int64"),
            "active_producers": actives.ravel().astype("int64"),
            "share_active": share.ravel(),
            "manual_activities": team_manual.ravel().astype("int64"),
            "automated_activities": team_auto.ravel().astype("int64"),
        }
    )
    n_prod = len(prod)
    producer_weekly = pd.DataFrame(
        {
            "team": np.repeat(ctx.teams[p_team], total_weeks).astype(object),
            "producer_id": np.repeat(ctx.user_ids[prod], total_weeks).astype(object),
            "producer_name": np.repeat(ctx.user_names[prod], total_weeks).astype(object),
            "week_start": np.tile(week_start, n_prod),
            "week_number": np.tile(weeks + 1, n_prod).astype("int64"),
            "days_observed": np.tile(days, n_prod),
            "seated": p_seated.ravel(),
            "active": p_active.ravel(),
            "manual_activities": manual_per[prod].ravel().astype("int64"),
            "automated_activities": auto_per[prod].ravel().astype("int64"),
        }
    )
    producer_weekly = producer_weekly.sort_values(
        ["team", "producer_id", "week_number"], kind="stable"
    ).reset_index(drop=True)
    return weekly, producer_weekly


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
    manual_per: np.ndarray | None = None,
    first_week: np.ndarray | None = None,
    recent_active: np.ndarray | None = None,
    recent_activities: np.ndarray | None = None,
    recent_weeks: np.ndarray | None = None,
) -> pd.DataFrame:
    """Per producer, what the archetypes are decided on.

    Launch weeks: ``weeks`` (complete launch weeks seated), ``active_weeks`` and
    ``activities`` (own manual activities) in them; ``early_*`` the same over the first
    :data:`EARLY_WEEKS` of those weeks that ended before the recent period; ``recent_*``
    over the last :data:`RECENT_WEEKS` weeks ending at the as-of date (seated weeks only).
    """
    prod = ctx.producer_codes
    if seated_grid is None or l_active is None or manual_per is None:
        nan = np.full(len(prod), np.nan)
        return pd.DataFrame({"user": prod, **{c: nan for c in _PROFILE_COLUMNS}})
    assert first_week is not None and recent_active is not None
    assert recent_activities is not None and recent_weeks is not None
    weeks_idx = np.arange(seated_grid.shape[1])
    usable = seated_grid & (weeks_idx < complete_weeks)[None, :]
    recent_start = ctx.end64 - RECENT_WEEKS * _WEEK
    week_end = np.datetime64(ctx.launch, "us") + (weeks_idx + 1) * _WEEK
    before = usable & (week_end <= recent_start)[None, :]
    early = before & (weeks_idx[None, :] < (first_week[:, None] + EARLY_WEEKS))
    counts = manual_per.astype("float64")

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
            "recent_weeks": recent_weeks[prod].astype("float64"),
            "recent_active": recent_active[prod].astype("float64"),
            "recent_activities": recent_activities[prod].astype("float64"),
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
            "active_producers": pd.Series(dtype="int64"),
            "share_active": pd.Series(dtype="float64"),
            "manual_activities": pd.Series(dtype="int64"),
            "automated_activities": pd.Series(dtype="int64"),
        }
    )


def _empty_producer_weekly() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team": pd.Series(dtype="str"),
            "producer_id": pd.Series(dtype="str"),
            "producer_name": pd.Series(dtype="str"),
            "week_start": pd.Series(dtype="datetime64[us]"),
            "week_number": pd.Series(dtype="int64"),
            "days_observed": pd.Series(dtype="int64"),
            "seated": pd.Series(dtype="bool"),
            "active": pd.Series(dtype="bool"),
            "manual_activities": pd.Series(dtype="int64"),
            "automated_activities": pd.Series(dtype="int64"),
        }
    )
