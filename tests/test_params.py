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
