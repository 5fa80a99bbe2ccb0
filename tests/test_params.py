from __future__ import annotations

from datetime import date

import pytest

from kit.exceptions import ParameterError
from kit.params import Engagement, parse_date, resolve_teams


def test_parse_date_accepts_iso_and_none():
    assert parse_date(" 2026-03-02 ", option="--as-of") == date(2026, 3, 2)
    assert parse_date(None, option="--as-of") is None


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "03/02/2026", ""])
def test_unparseable_date_names_the_option_and_the_format(value):
    with pytest.raises(ParameterError, match=r"--as-of .* is not a date: write it as YYYY-MM-DD"):
        parse_date(value, option="--as-of")


def test_launch_after_as_of_is_refused():
    with pytest.raises(ParameterError, match="--launch 2026-06-02 is after --as-of 2026-05-01"):
        Engagement(as_of=date(2026, 5, 1), launch=date(2026, 6, 2))


def test_negative_seat_cost_is_refused():
    with pytest.raises(ParameterError, match="--seat-cost -1"):
        Engagement(seat_cost_per_month=-1)


def test_resolve_teams_keeps_data_order_and_suggests_close_names():
    known = ["Harbor", "Lakeside", "Summit"]
    assert resolve_teams(None, known) == known
    assert resolve_teams(["Summit", "Harbor"], known) == ["Harbor", "Summit"]
    with pytest.raises(ParameterError) as info:
        resolve_teams(["Lakesde", "Nowhere"], known)
    text = str(info.value)
    assert "'Lakesde' is not a team in the data; did you mean 'Lakeside'?" in text
    assert "'Nowhere' is not a team in the data" in text
    assert "Known teams: Harbor, Lakeside, Summit" in text


# --------------------------------------------------------------------------- one parser
def test_parse_day_reads_dates_date_times_and_iso_texts_as_their_day():
    from datetime import datetime

    import numpy as np
    import pandas as pd

    from kit.params import parse_day

    day = date(2026, 3, 2)
    assert parse_day(day, name="as_of") == day
    assert parse_day(datetime(2026, 3, 2, 23, 59), name="as_of") == day
    assert parse_day(pd.Timestamp("2026-03-02 18:30", tz="America/Chicago"), name="as_of") == day
    assert parse_day(np.datetime64("2026-03-02T10:00"), name="as_of") == day
    assert parse_day(" 2026-03-02T18:30:00+01:00 ", name="as_of") == day


@pytest.mark.parametrize("value", ["03/02/2026", "June second", 20260302, 2.5])
def test_parse_day_refuses_anything_else_with_one_message(value):
    from kit.params import parse_day

    with pytest.raises(ParameterError) as info:
        parse_day(value, name="engagement.yaml: as_of")
    assert info.value.message == (
        f"engagement.yaml: as_of {value!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-03-02"
    )


@pytest.mark.parametrize("value", [None, float("nan")])
def test_a_missing_day_says_so(value):
    import pandas as pd

    from kit.params import parse_day

    for missing in (value, pd.NaT):
        with pytest.raises(ParameterError, match=r"^as_of is missing: write it as YYYY-MM-DD"):
            parse_day(missing, name="as_of")


def test_seat_cost_is_a_finite_number_of_dollars_zero_or_more():
    from kit.params import parse_seat_cost

    assert parse_seat_cost(None, name="--seat-cost") is None
    assert parse_seat_cost(0, name="--seat-cost") == 0.0
    assert parse_seat_cost("125.5", name="--seat-cost") == 125.5
    fix = "give the monthly cost of one CRM seat in dollars, e.g. 125"
    for value, problem in [
        ("lots", "is not a number"),
        (True, "is not a number"),
        (float("nan"), "is not a number"),
        (float("inf"), "is not a finite number: it must be zero or more;"),
        (-0.5, "is negative: it must be zero or more;"),
    ]:
        with pytest.raises(ParameterError) as info:
            parse_seat_cost(value, name="seat_cost_per_month")
        sep = " " if problem.endswith(";") else ": "
        assert info.value.message == f"seat_cost_per_month {value!r} {problem}{sep}{fix}"


def test_window_days_is_a_whole_number_of_at_least_a_week():
    import numpy as np

    from kit.params import parse_window_days

    assert parse_window_days(np.int64(30)) == 30
    assert parse_window_days(7) == 7
    for value, message in [
        (6, "window_days 6 is too short: use at least 7 days"),
        (30.0, "window_days must be a whole number of days, not 30.0"),
        (True, "window_days must be a whole number of days, not True"),
    ]:
        with pytest.raises(ParameterError) as info:
            parse_window_days(value)
        assert info.value.message == message


def test_launch_on_the_as_of_day_is_fine_and_the_sources_are_named():
    from kit.params import check_launch

    check_launch(date(2026, 5, 1), date(2026, 5, 1))
    with pytest.raises(ParameterError) as info:
        check_launch(
            date(2026, 6, 2),
            date(2026, 5, 1),
            launch_name="the launch date",
            as_of_name="the as-of date",
            launch_from="engagement.yaml",
            as_of_from="given",
        )
    assert info.value.message == (
        "the launch date 2026-06-02 (engagement.yaml) is after the as-of date 2026-05-01 "
        "(given): the CRM launch must come first. Give --launch on or before the as-of "
        "date, or a later --as-of."
    )


def test_engagement_hands_on_typed_values():
    e = Engagement(as_of="2026-05-01", launch=" 2026-03-02 ", export_date=date(2026, 5, 2))
    assert (e.as_of, e.launch, e.export_date) == (
        date(2026, 5, 1),
        date(2026, 3, 2),
        date(2026, 5, 2),
    )
    assert Engagement(seat_cost_per_month=125).seat_cost_per_month == 125.0
    with pytest.raises(ParameterError, match=r"^--as-of 'soon' is not a date"):
        Engagement(as_of="soon")
    with pytest.raises(ParameterError, match=r"^--seat-cost nan is not a number"):
        Engagement(seat_cost_per_month=float("nan"))


def test_every_reader_of_run_parameters_gives_the_same_message():
    """The diagnostics context, the plausibility gate, the report header and the time frame
    all parse through kit.params: one text per problem, named as each caller names it."""
    from kit.diagnostics.context import build_context
    from kit.diagnostics.plausibility import check
    from kit.report.present import header
    from kit.timeframe import time_frame
    from tests.diagnostics.helpers import dataset

    ds = dataset(
        contacts=[{"contact_id": "c1", "owner_id": "a1", "created_at": "2024-02-02 10:00"}]
    )
    expected = "as_of 'soon' is not a date: write it as YYYY-MM-DD, e.g. 2026-03-02"
    calls = [
        lambda: build_context(ds, as_of="soon"),
        lambda: check(ds, as_of="soon"),
        lambda: header(
            client="A",
            title="T",
            as_of="soon",
            window_start="2025-01-01",
            window_end="2025-03-31",
            data_start="2025-01-01",
            data_end="2025-03-31",
        ),
    ]
    for call in calls:
        with pytest.raises(ParameterError) as info:
            call()
        assert info.value.message == expected
    with pytest.raises(ParameterError) as info:
        time_frame({}, export_date="31/10/2025")
    assert info.value.message.startswith("export_date '31/10/2025' is not a date: write it")
