"""Honest change statistics: intervals for a share, for a change in a share, and verdicts.

A share's change is claimed only when it is beyond noise:

- the share of each side gets a 95% **Wilson score interval** (Wilson 1927), which stays
  inside 0-100% and behaves at 0 of n and n of n, where the textbook ``p +/- 1.96 SE``
  interval does not;
- the change ``after - before`` gets the 95% **Newcombe hybrid score interval** (Newcombe
  1998, method 10), built from the two Wilson intervals;
- a difference in differences (a team's change minus its comparison group's change) gets
  the **MOVER** interval (Zou & Donner 2008) built from the two Newcombe intervals, the
  same construction one level up.

:func:`verdict` turns a change and its interval into words: ``improved`` or ``worse``
only when the interval excludes zero and the change is at least :data:`MIN_CHANGE`;
``too few to tell`` when either side measured fewer than :data:`MIN_UNITS` units, or when
the interval is wider than :data:`MAX_WIDTH` (the data could not have seen a real change);
otherwise ``no clear change``. Small samples never get a direction.

Examples
--------
>>> low, high = wilson(81, 263)
>>> round(float(low), 4), round(float(high), 4)
(0.2553, 0.3662)
>>> change, low, high = newcombe(48, 80, 56, 70)  # before 48/80, after 56/70
>>> round(float(change), 4), round(float(low), 4), round(float(high), 4)
(0.2, 0.0524, 0.3339)
>>> str(verdict(change, low, high, 80, 70, better="higher"))
'improved'
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "MAX_WIDTH",
    "MIN_CHANGE",
    "MIN_UNITS",
    "VERDICTS",
    "Z95",
    "mover",
    "newcombe",
    "verdict",
    "wilson",
]

#: The normal quantile of a two-sided 95% interval.
Z95 = 1.959963984540054
#: Fewer units measured than this on either side: "too few to tell", never a direction.
MIN_UNITS = 10
#: An interval around zero wider than this (30 percentage points) could not have seen a real
#: change: "too few to tell" rather than "no clear change".
MAX_WIDTH = 0.30
#: A change smaller than this (five percentage points) is "no clear change" even when the
#: interval excludes zero: with thousands of records a one- or two-point drift is "beyond
#: noise" yet no behaviour a leader required, and a share near 0% or 100% cannot move as far
#: as one in the middle, which skews small differences in differences.
MIN_CHANGE = 0.05

#: Every verdict a comparison can give, in the order reports list them.
VERDICTS: tuple[str, ...] = (
    "improved",
    "worse",
    "mixed",
    "no clear change",
    "too few to tell",
    "newly assessed",
    "no longer assessed",
    "definition changed",
    "not tested",
    "not assessed",
)


def _arrays(*values: object) -> list[np.ndarray]:
    return [np.asarray(v, dtype="float64") for v in values]


def wilson(successes: object, n: object, *, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``successes / n`` (NaN where ``n`` is 0 or missing).

    >>> [round(float(v), 4) for v in wilson(0, 10)]
    [0.0, 0.2775]
    """
    x, n = _arrays(successes, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        z2 = z * z
        denominator = 1 + z2 / n
        centre = (p + z2 / (2 * n)) / denominator
        half = z / denominator * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    ok = n > 0
    low = np.where(ok, np.clip(centre - half, 0.0, 1.0), np.nan)
    high = np.where(ok, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high


def newcombe(
    before_successes: object,
    before_n: object,
    after_successes: object,
    after_n: object,
    *,
    z: float = Z95,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The change ``after - before`` of two independent shares and its Newcombe interval.

    Returns ``(change, low, high)``; NaN where either side measured nothing.

    >>> change, low, high = newcombe(3, 10, 9, 10)
    >>> [round(float(v), 4) for v in (change, low, high)]
    [0.6, 0.1705, 0.809]
    """
    x1, n1, x2, n2 = _arrays(before_successes, before_n, after_successes, after_n)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, z=z)
    l2, u2 = wilson(x2, n2, z=z)
    change = p2 - p1
    low = change - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = change + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    ok = (n1 > 0) & (n2 > 0)
    nan = np.full(np.broadcast(change).shape, np.nan)
    return np.where(ok, change, nan), np.where(ok, low, nan), np.where(ok, high, nan)


def mover(
    first: object,
    first_low: object,
    first_high: object,
    second: object,
    second_low: object,
    second_high: object,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``first - second`` of two independent estimates with their intervals, and its MOVER
    interval (method of variance estimates recovery, Zou & Donner 2008).

    Used for a difference in differences: a team's change minus its comparison group's.

    >>> effect, low, high = mover(0.2, 0.1, 0.3, 0.05, 0.0, 0.1)
    >>> [round(float(v), 4) for v in (effect, low, high)]
    [0.15, 0.0382, 0.2618]
    """
    a, al, ah, b, bl, bh = _arrays(first, first_low, first_high, second, second_low, second_high)
    effect = a - b
    low = effect - np.sqrt((a - al) ** 2 + (bh - b) ** 2)
    high = effect + np.sqrt((ah - a) ** 2 + (b - bl) ** 2)
    return effect, low, high


def verdict(
    change: object,
    low: object,
    high: object,
    before_n: object,
    after_n: object,
    *,
    better: object,
) -> np.ndarray:
    """Verdict of each change: improved, worse, no clear change or too few to tell.

    Parameters
    ----------
    change, low, high
        The change (after - before, or a difference in differences) and its 95% interval.
    before_n, after_n
        Units measured on each side (the smallest group involved, for a difference in
        differences).
    better
        ``"higher"`` or ``"lower"`` (one value, or one per row): which way is good.

    Examples
    --------
    >>> verdict([0.875, 0.02, -0.3], [0.4, -0.05, -0.4], [0.98, 0.09, -0.2], [8, 500, 200],
    ...         [8, 500, 200], better="higher").tolist()
    ['too few to tell', 'no clear change', 'worse']
    """
    change, low, high, n1, n2 = _arrays(change, low, high, before_n, after_n)
    better = np.broadcast_to(np.asarray(better, dtype=object), change.shape)
    sign = np.where(better == "lower", -1.0, 1.0)
    few = ~(n1 >= MIN_UNITS) | ~(n2 >= MIN_UNITS) | np.isnan(change)
    beyond = ((low > 0) | (high < 0)) & (np.abs(change) >= MIN_CHANGE - 1e-12)
    wide = (high - low) > MAX_WIDTH
    good = sign * change > 0
    out = np.select(
        [few, beyond & good, beyond & ~good, wide],
        ["too few to tell", "improved", "worse", "too few to tell"],
        default="no clear change",
    )
    return out.astype(object)
