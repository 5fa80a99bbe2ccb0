"""The run's dates: as-of and launch rules, the window, parameter errors."""

from __future__ import annotations

import pandas as pd
import pytest

from kit.diagnostics.context import build_context, resolve_as_of, resolve_launch
from kit.exceptions import ParameterError
from tests.diagnostics.helpers import dataset


def _acts(times, automated=False):
    return [
        {
            "activity_id": f"a{i}",
            "user_id": "a1",
            "type": "call",
            "occurred_at": t,
            "automated": automated,
        }
        for i, t in enumerate(times)
    ]


def test_as_of_is_the_latest_event_day():
    ds = dataset(activities=_acts(["2024-06-01 09:00", "2024-06-29 17:30"]))
    assert resolve_as_of(ds) == (pd.Timestamp("2024-06-29"), 0)
    ctx = build_context(ds)
    assert ctx.as_of == pd.Timestamp("2024-06-29")
    assert ctx.notes["as_of_rule"] == "the data's last real event"


def test_a_few_future_dated_defects_do_not_move_the_as_of_date():
    days = pd.date_range("2024-01-01", "2024-06-29", freq="4h").strftime("%Y-%m-%d %H:%M")
    times = [*days, "2052-01-01 10:00", "2031-05-05 10:00"]  # two typos among ~1,070 events
    ds = dataset(activities=_acts(times))
    assert resolve_as_of(ds) == (pd.Timestamp("2024-06-29"), 2)
    assert build_context(ds).notes["future_dated_events_ignored"] == 2


def test_as_of_comes_from_the_engagement_when_given():
    ds = dataset(activities=_acts(["2024-06-01 09:00"]))
    ds.manifest = {"engagement": {"as_of": "2024-06-15", "launch_date": "2024-05-01"}}
    ctx = build_context(ds)
    assert (ctx.as_of, ctx.launch) == (pd.Timestamp("2024-06-15"), pd.Timestamp("2024-05-01"))
    assert build_context(ds, as_of="2024-06-20").as_of == pd.Timestamp("2024-06-20")


def test_launch_is_the_first_day_of_human_activity():
    acts = [
        *_acts(["2024-03-04 09:00", "2024-03-10 09:00"]),
        {
            "activity_id": "auto",
            "user_id": "a1",
            "type": "email",
            "occurred_at": "2024-02-01 09:00",
            "automated": True,
        },
    ]
    ds = dataset(activities=acts)
    assert resolve_launch(ds, pd.Timestamp("2024-06-30")) == pd.Timestamp("2024-03-04")
    assert build_context(ds).notes["launch_rule"] == "first day of CRM activity"


def test_launch_without_activities_falls_back_to_the_first_contact():
    contacts = [{"contact_id": "c1", "created_at": "2024-02-02 10:00"}]
    ds = dataset(contacts=contacts)
    assert build_context(ds, as_of="2024-06-30").launch == pd.Timestamp("2024-02-02")


def test_window_bounds():
    ctx = build_context(dataset(), as_of="2024-06-30", launch="2024-01-01", window_days=30)
    assert ctx.end == pd.Timestamp("2024-07-01")
    assert ctx.window_start == pd.Timestamp("2024-06-01")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"as_of": "2024-06-30", "launch": "2024-07-01"}, "is after the as-of date"),
        ({"as_of": "2024-06-30", "window_days": 3}, "too short"),
        ({"as_of": "2024-06-30", "window_days": 30.5}, "whole number"),
        ({"as_of": "June thirtieth"}, "is not a date"),
        ({"as_of": "2024-06-30", "seat_cost_per_month": -5}, "must be zero or more"),
        ({"as_of": "2024-06-30", "seat_cost_per_month": "lots"}, "not a number"),
    ],
)
def test_bad_parameters_raise_a_parameter_error(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        build_context(dataset(), **kwargs)


def test_no_dates_at_all_asks_for_an_as_of_date():
    with pytest.raises(ParameterError, match="give --as-of"):
        build_context(dataset())


def test_inactive_producers_are_not_scored_and_seats_start_at_launch():
    ctx = build_context(dataset(), as_of="2024-06-30", launch="2024-06-03")
    assert list(ctx.user_ids[ctx.producer_codes]) == ["a1", "a2", "b1", "w1"]
    assert list(ctx.teams) == ["North", "South", "West"]
    starts = dict(zip(ctx.user_ids, ctx.user_start.astype(str), strict=True))
    assert starts["a1"] == "2024-06-03" and starts["a2"] == "2024-06-10"


def test_an_as_of_with_a_time_zone_means_that_local_day():
    ctx = build_context(dataset(), as_of="2024-06-30T23:30:00-07:00", launch="2024-06-03")
    assert ctx.as_of == pd.Timestamp("2024-06-30")
    assert ctx.end == pd.Timestamp("2024-07-01")


def test_lookup_of_a_categorical_column_gives_the_positions_of_its_text() -> None:
    from kit.diagnostics.context import Lookup

    find = Lookup(pd.Series(["u1", "u2", "u3"], dtype="str"))
    ids = ["u3", None, "zz", "u1", "u3"]
    assert find(pd.Series(ids, dtype="category")).tolist() == [2, -1, -1, 0, 2]
    assert find(pd.Series(ids, dtype="str")).tolist() == [2, -1, -1, 0, 2]
