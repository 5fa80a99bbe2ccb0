"""The one formatter: every surface writes a value the same way."""

from __future__ import annotations

import pandas as pd
import pytest

from kit.formatting import counted, format_level, format_of, format_standard, format_value


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (0.584, "share", "58%"),
        (0.004, "share", "<1%"),
        (0.0053, "share", "1%"),
        (0.996, "share", ">99%"),
        (1.0, "share", "100%"),
        (0.0, "share", "0%"),
        (0.5, "minutes", "under 1 minute"),
        (1, "minutes", "1 minute"),
        (3.2, "minutes", "3 minutes"),
        (95, "minutes", "1.6 hours"),
        (2400, "minutes", "40 hours"),
        (4320, "minutes", "3 days"),
        (4000, "minutes", "2.8 days"),
        (1, "days", "1 day"),
        (12.5, "days", "12.5 days"),
        (1234.6, "currency", "$1,235"),
        (-40, "currency", "-$40"),
        (7.0, "count", "7"),
        (6.25, "count", "6.2"),
        (61.6, "score", "62"),
        (float("nan"), "share", "not assessed"),
        (None, "days", "not assessed"),
    ],
)
def test_format_value(value, unit, text):
    assert format_value(value, unit) == text


def test_the_three_formatters_that_disagreed_now_agree():
    """Seen: 2,400 minutes was "1.7 days" in a finding and "40.0 hours" in the table; 0.996 was
    ">99%" in one and "100%" in the other; "<1%" in the summary, "1%" on the card. Every
    surface now calls format_value: the table cells and chart labels are checked here."""
    from kit.report import present

    assert present.format_values(pd.Series([0.996, 0.004]), "percent").tolist() == [
        "&gt;99%",
        "&lt;1%",
    ]
    assert format_value(2400, "minutes") == "40 hours"
    assert present.format_values(pd.Series([1234.6]), "currency").tolist() == ["$1,235"]


@pytest.mark.parametrize(
    ("value", "direction", "target", "warn", "text"),
    [
        (0.8997, "at_least", 0.90, 0.75, "89.9%"),  # misses the target: never "90%"
        (0.9, "at_least", 0.90, 0.75, "90%"),  # meets it exactly
        (0.904, "at_least", 0.90, 0.75, "90%"),  # meets it: plain rounding is honest
        (0.7496, "at_least", 0.90, 0.75, "74.9%"),  # misses the warn level
        (0.1003, "at_most", 0.10, 0.25, "10.1%"),
        (0.99999, "at_least", 1.0, 1.0, ">99%"),
        (0.90549, "at_least", 0.9055, 0.9055, "90.54%"),  # two decimals when one is not enough
        (90.3, "minutes", None, None, "1.5 hours"),
    ],
)
def test_threshold_safe_rounding(value, direction, target, warn, text):
    if target is None:
        assert format_value(value, direction) == text
        assert format_value(value, direction, direction="at_most", target=90) == "1.51 hours"
        return
    assert format_value(value, "share", direction=direction, target=target, warn=warn) == text


def test_standards_and_counts():
    assert format_standard("at_most", 0.1, "share") == "at most 10%"
    assert format_standard("at_least", 30, "minutes") == "at least 30 minutes"
    assert format_standard("at_least", 0.925, "share") == "at least 92.5%"
    assert format_level(0.004, "share") == "0.4%"
    assert format_of(3, 146) == "3 of 146"
    assert format_of(786, 937, "calls and meetings") == "786 of 937 calls and meetings"
    assert counted(1, "new leads") == "1 new lead"
    assert counted(1, "calls and meetings") == "1 call or meeting"
    assert counted(4, "funded LOS loans") == "4 funded LOS loans"


def test_unknown_unit_is_refused():
    with pytest.raises(ValueError, match="unknown unit 'percent'"):
        format_value(0.5, "percent")
