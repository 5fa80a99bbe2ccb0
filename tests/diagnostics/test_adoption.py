"""Adoption: weekly active producers, the trajectory and the day 30/60/90 points."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kit.diagnostics import adoption
from tests.diagnostics.helpers import context, row, value

ACTIVITIES = [
    {"activity_id": "x1", "user_id": "a1", "type": "call", "occurred_at": "2024-06-05 10:00"},
    {"activity_id": "x2", "user_id": "a1", "type": "call", "occurred_at": "2024-06-20 10:00"},
    {
        "activity_id": "x3",
        "user_id": "a1",
        "type": "email",
        "occurred_at": "2024-06-27 10:00",
        "automated": True,
    },
    {"activity_id": "x4", "user_id": "a2", "type": "call", "occurred_at": "2024-06-11 10:00"},
    {"activity_id": "x5", "user_id": "a2", "type": "call", "occurred_at": "2024-06-28 10:00"},
    # before Ben's seat started: ignored for his weeks
    {"activity_id": "x6", "user_id": "a2", "type": "call", "occurred_at": "2024-06-05 10:00"},
    {"activity_id": "x7", "user_id": "m1", "type": "note", "occurred_at": "2024-06-12 10:00"},
]


def _section(**kw):
    return adoption.compute(context(window_days=14, activities=ACTIVITIES, **kw))


def test_weekly_active_counts_own_manual_work_and_seated_weeks_only():
    s = _section()
    # Ana: seated both window weeks, active in one (the automated send does not count)
    assert value(s, "weekly_active_producers", "a1") == (0.5, 1, 2)
    # Ben joined mid-window (June 10): both window weeks start after his seat, active in one
    assert value(s, "weekly_active_producers", "a2") == (0.5, 1, 2)
    assert value(s, "weekly_active_producers", "North") == (0.5, 2, 4)
    assert value(s, "weekly_active_producers", "South") == (0.0, 0, 2)  # Dee is inactive
    assert value(s, "weekly_active_producers") == (0.25, 2, 8)
    assert "b2" not in set(pd.concat(s.metrics)["producer_id"].dropna())


def test_active_last_week_and_activities_per_producer_week():
    s = _section()
    assert value(s, "active_last_week", "North") == (0.5, 1, 2)
    assert value(s, "active_last_week", "a1") == (0.0, 0, 1)
    assert value(s, "manual_activities_per_producer_week", "North") == (0.5, 2, 4)


def test_weeks_active_since_launch_counts_from_the_producer_seat():
    s = _section()
    assert value(s, "weeks_active_since_launch", "a1") == (0.5, 2, 4)
    v, n, d = value(s, "weeks_active_since_launch", "a2")
    assert (n, d) == (2, 3) and math.isclose(v, 2 / 3)
    assert value(s, "weeks_active_since_launch", "North")[1:] == (4, 7)
    assert value(s, "weeks_active_since_launch")[1:] == (4, 15)


def test_day_points_not_assessed_before_they_happen():
    s = _section()
    r = row(s, "active_day_30", "North")
    assert not r["assessed"] and math.isnan(r["value"])
    assert r["reason"] == "not assessed: day 30 after launch (2024-07-03) is after the as-of date"


def test_day_30_and_60_points():
    acts = [
        {"activity_id": "y1", "user_id": "a1", "type": "call", "occurred_at": "2024-05-31 09:00"},
        # a day before the 7 days ending on day 30 (May 25-31)
        {"activity_id": "y2", "user_id": "b1", "type": "call", "occurred_at": "2024-05-24 09:00"},
    ]
    s = adoption.compute(context(launch="2024-05-01", activities=acts))
    assert value(s, "active_day_30", "North") == (1.0, 1, 1)  # Ben was not seated yet
    assert value(s, "active_day_30", "South") == (0.0, 0, 1)
    assert value(s, "active_day_60", "North") == (0.0, 0, 2)
    assert not row(s, "active_day_90", "North")["assessed"]


def test_trajectory_frame():
    s = _section()
    north = s.frames["weekly"].query("team == 'North'").set_index("week_number")
    assert north["week_start"].dt.strftime("%m-%d").tolist() == ["06-03", "06-10", "06-17", "06-24"]
    assert north["producers"].tolist() == [1, 2, 2, 2]
    assert north["active_producers"].tolist() == [1, 1, 1, 1]
    assert north["share_active"].tolist() == [1.0, 0.5, 0.5, 0.5]
    assert north["manual_activities"].tolist() == [2, 2, 1, 1]
    assert north["automated_activities"].tolist() == [0, 0, 0, 1]
    assert north["days_observed"].tolist() == [7, 7, 7, 7]
    ben = s.frames["producer_weekly"].query("producer_id == 'a2'")
    assert ben["seated"].tolist() == [False, True, True, True]
    assert ben["active"].tolist() == [False, True, False, True]
    assert ben["manual_activities"].tolist() == [1, 1, 0, 1]


def test_partial_current_week_is_marked():
    s = adoption.compute(context(as_of="2024-06-26", activities=ACTIVITIES))
    weekly = s.frames["weekly"].query("team == 'North'")
    assert weekly["days_observed"].tolist() == [7, 7, 7, 3]


def test_presence_counts_logins_without_logged_work():
    logins = [
        {"user_id": "a1", "login_at": "2024-06-25 08:00"},  # week with only an automated send
        {"user_id": "a1", "login_at": "2024-06-18 08:00"},  # week Ana logged a call
        {"user_id": "b1", "login_at": "2024-06-26 08:00"},
        {"user_id": "m1", "login_at": "2024-06-26 08:00"},  # managers are not scored
    ]
    s = _section(logins=logins)
    assert value(s, "logins_without_work", "a1") == (0.5, 1, 2)
    assert value(s, "logins_without_work", "South") == (1.0, 1, 1)
    assert value(s, "logins_without_work") == (2 / 3, 2, 3)


def test_without_logins_presence_is_not_assessed():
    s = _section()
    r = row(s, "logins_without_work", "North")
    assert r["reason"] == "not assessed: no logins provided" and not r["assessed"]
    assert ("presence", "not assessed: no logins provided") in s.not_assessed


def test_missing_activities_table_is_not_assessed_never_zero():
    s = adoption.compute(context())
    m = pd.concat(s.metrics)
    assert not m["assessed"].any()
    assert m["value"].isna().all()
    assert set(m["reason"]) == {"not assessed: no activities provided"}
    assert s.frames["weekly"].empty


def test_empty_window_is_zero_activity_not_missing():
    acts = [{"activity_id": "z", "user_id": "a1", "type": "call", "occurred_at": "2024-06-04"}]
    s = adoption.compute(context(window_days=14, activities=acts))
    assert value(s, "weekly_active_producers", "North") == (0.0, 0, 4)


def test_no_full_week_seated_is_not_assessed():
    s = adoption.compute(
        context(as_of="2024-06-05", launch="2024-06-03", window_days=14, activities=ACTIVITIES)
    )
    r = row(s, "weekly_active_producers", "North")
    assert not r["assessed"]
    assert r["reason"] == "not assessed: no producer seated for a full week in the window"


def test_profile_feeds_archetypes():
    s = _section()
    p = s.units["producer_activity"].set_index("user")
    ana = p.loc[0]
    assert (ana["weeks"], ana["active_weeks"], ana["recent_weeks"], ana["recent_active"]) == (
        4,
        2,
        4,
        2,
    )
    assert np.isclose(ana["early_weeks"], 0)  # every launch week is within the last 4


def test_work_dated_at_midnight_opening_a_week_counts_in_that_week():
    """Window weeks are [start, next start): with launch Monday 3 June and the as-of day
    Sunday 30 June, a date-only call on 3 June is in Eve's first seated week (it used to
    fall in the week before her seat and was dropped), one on Monday 24 June in the last."""
    acts = [
        {"activity_id": "z1", "user_id": "w1", "type": "call", "occurred_at": "2024-06-03"},
        {"activity_id": "z2", "user_id": "w1", "type": "call", "occurred_at": "2024-06-24"},
    ]
    s = adoption.compute(context(activities=acts))
    assert value(s, "weekly_active_producers", "w1") == (0.5, 2, 4)
    assert value(s, "active_last_week", "w1") == (1.0, 1, 1)
