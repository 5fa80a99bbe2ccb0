"""The change statistics against published and hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kit.diagnostics.intervals import (
    MAX_WIDTH,
    MIN_CHANGE,
    MIN_UNITS,
    mover,
    newcombe,
    verdict,
    wilson,
)


def _wilson_by_hand(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_wilson_matches_newcombe_1998_table_i() -> None:
    # Newcombe (1998), Statistics in Medicine 17:857-872, example 81/263: 0.2553 to 0.3662
    low, high = wilson(81, 263)
    assert (round(float(low), 4), round(float(high), 4)) == (0.2553, 0.3662)
    # 0 of 10: the interval starts at zero and is not degenerate
    low, high = wilson(0, 10)
    assert float(low) == 0.0 and round(float(high), 4) == 0.2775


def test_newcombe_matches_the_published_method_10_intervals() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10
    change, low, high = newcombe(48, 80, 56, 70)
    assert [round(float(v), 4) for v in (change, low, high)] == [0.2, 0.0524, 0.3339]
    change, low, high = newcombe(3, 10, 9, 10)
    assert [round(float(v), 4) for v in (change, low, high)] == [0.6, 0.1705, 0.8090]


def test_newcombe_of_20_to_80_in_100_by_hand() -> None:
    # Wilson(20/100) = 0.13337..0.28883, Wilson(80/100) = 0.71117..0.86663; change 0.6;
    # low = 0.6 - sqrt((0.8 - 0.71117)^2 + (0.28883 - 0.2)^2) = 0.6 - 0.12562 = 0.47438
    # high = 0.6 + sqrt((0.86663 - 0.8)^2 + (0.2 - 0.13337)^2) = 0.6 + 0.09423 = 0.69423
    l1, u1 = _wilson_by_hand(20, 100)
    l2, u2 = _wilson_by_hand(80, 100)
    assert (round(l1, 5), round(u1, 5)) == (0.13337, 0.28883)
    _change, low, high = newcombe(20, 100, 80, 100)
    assert round(float(low), 5) == round(0.6 - math.hypot(0.8 - l2, u1 - 0.2), 5) == 0.47438
    assert round(float(high), 5) == round(0.6 + math.hypot(u2 - 0.8, 0.2 - l1), 5) == 0.69423


def test_newcombe_is_blank_when_a_side_measured_nothing() -> None:
    change, low, high = newcombe([0, 5], [0, 10], [3, 5], [10, 10])
    assert np.isnan(change[0]) and np.isnan(low[0]) and np.isnan(high[0])
    assert change[1] == 0.0 and low[1] < 0 < high[1]


def test_mover_difference_in_differences_by_hand() -> None:
    # 0.2 (0.1 to 0.3) minus 0.05 (0 to 0.1): 0.15 -/+ sqrt(0.1^2 + 0.05^2) = 0.0382, 0.2618
    effect, low, high = mover(0.2, 0.1, 0.3, 0.05, 0.0, 0.1)
    assert [round(float(v), 4) for v in (effect, low, high)] == [0.15, 0.0382, 0.2618]


@pytest.mark.parametrize(
    ("before", "after", "better", "expected"),
    [
        ((20, 100), (80, 100), "higher", "improved"),  # clear improvement
        ((10, 100), (40, 100), "lower", "worse"),  # more stale loans: a clear regression
        ((40, 100), (10, 100), "lower", "improved"),
        ((0, 8), (7, 8), "higher", "too few to tell"),  # beyond noise, but 8 records a side
        ((30, 50), (35, 50), "higher", "too few to tell"),  # interval wider than 30 points
        ((300, 500), (310, 500), "higher", "no clear change"),  # narrow, around zero
        ((5_000, 10_000), (5_300, 10_000), "higher", "no clear change"),  # 3 points < 5
        ((5_000, 10_000), (5_600, 10_000), "higher", "improved"),  # 6 points
    ],
)
def test_verdicts(before, after, better, expected) -> None:
    change, low, high = newcombe(*before, *after)
    got = verdict(change, low, high, before[1], after[1], better=better)
    assert str(got) == expected


def test_the_small_sample_would_have_had_a_direction_without_the_rule() -> None:
    _change, low, _high = newcombe(0, 8, 7, 8)
    assert low > 0  # the interval leaves out zero ...
    assert MIN_UNITS > 8  # ... but 8 records is too few: no direction is claimed
    _change, low, high = newcombe(30, 50, 35, 50)
    assert low < 0 < high and high - low > MAX_WIDTH


def test_a_small_change_beyond_noise_is_not_called_a_direction() -> None:
    _change, low, _high = newcombe(5_000, 10_000, 5_300, 10_000)
    assert low > 0 and MIN_CHANGE > 0.03  # beyond noise, but three points is not a change
