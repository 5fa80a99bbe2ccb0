"""One formatter for every number a reader sees: findings, tables, cards, charts, alt text.

Every surface of the kit (the findings' sentences, the report's tables and headline
numbers, chart labels and alt text, the standards' targets) formats a value through
:func:`format_value`, so the same fact reads the same everywhere. The rules, by unit:

``share``
    a whole percent (``58%``). A share above 0 that would round to ``0%`` reads ``<1%`` and
    one below 1 that would round to ``100%`` reads ``>99%``: a real share is never rounded
    to nothing or to everything.
``minutes`` (durations)
    under 1 minute: ``under 1 minute``; under 90 minutes: whole minutes (``16 minutes``);
    under 48 hours: hours with one decimal (``1.6 hours``, ``40 hours``); else days
    (``2.5 days``).
``days``
    days with at most one decimal (``1 day``, ``12 days``, ``2.5 days``).
``count``
    whole numbers with thousands separators (``1,234``); averages keep one decimal
    (``12.5``).
``currency``
    whole dollars (``$1,235``, ``-$40``).
``score``
    a whole number on the 0-100 adoption score (``62``).

**Threshold-safe rounding.** Given the standard a value is judged against
(``direction``, ``target`` and optionally ``warn``), a value that misses a level never
reads as that level: 0.8997 against "at least 90%" reads ``89.9%``, not ``90%``. The value
is shown with one more decimal (two if needed), rounded away from the level, only when
plain rounding would hide the miss.

Examples
--------
>>> format_value(0.584, "share"), format_value(95, "minutes"), format_value(1234.6, "currency")
('58%', '1.6 hours', '$1,235')
>>> format_value(2400, "minutes"), format_value(0.996, "share"), format_value(0.004, "share")
('40 hours', '>99%', '<1%')
>>> format_value(0.8997, "share", direction="at_least", target=0.90)
'89.9%'
>>> format_standard("at_least", 0.9, "share")
'at least 90%'
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = [
    "UNITS",
    "counted",
    "format_count",
    "format_level",
    "format_number",
    "format_of",
    "format_standard",
    "format_value",
]

#: Units :func:`format_value` understands.
UNITS: tuple[str, ...] = ("share", "minutes", "days", "count", "currency", "score")
#: Tolerance when comparing a value with a level (the compliance status uses the same).
_EPS = 1e-9
#: Most decimals threshold-safe rounding adds.
_MAX_EXTRA = 2


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def _digits(x: float, decimals: int, mode: str = "round", *, trim: bool = False) -> str:
    """``x`` with ``decimals`` decimals and thousands separators, rounded by ``mode``."""
    if mode != "round":
        scale = 10**decimals
        shifted = x * scale
        # a hair of tolerance so 0.29 * 100 (28.999...) floors to 29, not 28
        shifted = math.floor(shifted + 1e-9) if mode == "floor" else math.ceil(shifted - 1e-9)
        x = shifted / scale
    text = f"{x:,.{decimals}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "-0.0") else text


def _plural(word: str) -> Callable[[str], str]:
    return lambda t: f"{t} {word}" if t == "1" else f"{t} {word}s"


def _scale(value: float, unit: str) -> tuple[float, int, bool, Callable[[str], str]]:
    """``value`` in its display scale: (number, decimals, trim zeros, text around it)."""
    if unit == "share":
        return value * 100, 0, False, lambda t: f"{t}%"
    if unit == "minutes":
        if value < 90:
            return value, 0, False, _plural("minute")
        if value < 48 * 60:
            return value / 60, 1, True, _plural("hour")
        return value / 1440, 1, True, _plural("day")
    if unit == "days":
        return value, 1, True, _plural("day")
    if unit == "currency":
        return value, 0, False, lambda t: f"-${t[1:]}" if t.startswith("-") else f"${t}"
    if unit == "score":
        return value, 0, False, lambda t: t
    whole = float(value).is_integer()
    return value, 0 if whole else 1, False, lambda t: t


def _plain(value: float, unit: str, extra: int = 0, mode: str = "round") -> str:
    number, decimals, trim, wrap = _scale(value, unit)
    text = wrap(_digits(number, decimals + extra, mode, trim=trim and extra == 0))
    if unit == "share" and extra == 0 and mode == "round":
        if value > 0 and text == "0%":
            return "<1%"  # never round a real share down to nothing
        if value < 1 and text == "100%":
            return ">99%"  # nor up to everything
    if unit == "minutes" and 0 <= value < 1 and extra == 0:
        return "under 1 minute"
    return text


def _misses(value: float, level: float, direction: str) -> bool:
    return value < level - _EPS if direction == "at_least" else value > level + _EPS


def _level_text(level: float, unit: str, value: float, extra: int) -> str:
    """``level`` written in the display scale chosen for ``value`` (a duration of 95
    minutes is shown in hours, so its level is compared in hours too)."""
    number, decimals, trim, wrap = _scale(value, unit)
    if unit == "share":
        factor = 100.0
    elif value:
        factor = number / value
    else:
        factor = 1.0
    return wrap(_digits(level * factor, decimals + extra, trim=trim and extra == 0))


def format_value(
    value: object,
    unit: str,
    *,
    direction: str | None = None,
    target: float | None = None,
    warn: float | None = None,
    missing: str = "not assessed",
) -> str:
    """A measured value in words and numbers, by its unit (see the module docstring).

    Parameters
    ----------
    value
        The value (a share is a fraction: 0.58 is 58%). Blank values give ``missing``.
    unit
        One of :data:`UNITS`.
    direction, target, warn
        The standard the value is judged against (``at_least`` / ``at_most``): with them a
        value that misses the target (or the warn level) never reads as that level.
    missing
        What a blank value reads as.

    Examples
    --------
    >>> format_value(0.1003, "share", direction="at_most", target=0.10)
    '10.1%'
    >>> format_value(0.905, "share", direction="at_least", target=0.90), format_value(None, "share")
    ('90%', 'not assessed')
    >>> format_value(1, "days"), format_value(0.4, "minutes"), format_value(12.25, "count")
    ('1 day', 'under 1 minute', '12.2')
    """
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; use one of {', '.join(UNITS)}")
    if _missing(value):
        return missing
    x = float(value)  # type: ignore[arg-type]
    text = _plain(x, unit)
    if direction not in ("at_least", "at_most"):
        return text
    for level in (target, warn):
        if level is None or _missing(level) or not _misses(x, float(level), direction):
            continue
        shown_as_level = text in (_plain(float(level), unit), _level_text(float(level), unit, x, 0))
        if not shown_as_level:
            continue
        mode = "floor" if direction == "at_least" else "ceil"
        for extra in range(1, _MAX_EXTRA + 1):
            text = _plain(x, unit, extra, mode)
            if text != _level_text(float(level), unit, x, extra):
                break
    return text


def format_standard(direction: str, target: float, unit: str) -> str:
    """A standard's target in words: ``at most 10%`` / ``at least 80%``.

    The target is written exactly (``at least 92.5%``), never rounded onto another value.

    >>> format_standard("at_most", 0.1, "share"), format_standard("at_least", 0.925, "share")
    ('at most 10%', 'at least 92.5%')
    """
    word = "at least" if direction == "at_least" else "at most"
    return f"{word} {format_level(target, unit)}"


def format_level(level: float, unit: str) -> str:
    """A target or warn level, written exactly (up to two more decimals than a value).

    >>> format_level(0.75, "share"), format_level(0.875, "share"), format_level(60, "minutes")
    ('75%', '87.5%', '60 minutes')
    """
    number, decimals, _trim, _wrap = _scale(level, unit)
    for extra in range(0, _MAX_EXTRA + 1):
        if abs(round(number, decimals + extra) - number) < 1e-9:
            return _plain(level, unit, extra) if extra else _plain(level, unit)
    return _plain(level, unit, _MAX_EXTRA)


def format_count(value: object) -> str:
    """A count of records: ``1,234`` (a blank count reads ``0``).

    >>> format_count(1234.0), format_count(None)
    ('1,234', '0')
    """
    return "0" if _missing(value) else f"{float(value):,.0f}"  # type: ignore[arg-type]


def format_number(value: object) -> str:
    """A plain number with one decimal and thousands separators: ``1,234.5``.

    >>> format_number(1234.46), format_number(2)
    ('1,234.5', '2.0')
    """
    return "" if _missing(value) else f"{float(value):,.1f}"  # type: ignore[arg-type]


def format_of(numerator: object, denominator: object, noun: str = "") -> str:
    """The counts behind a share: ``3 of 146`` (``3 of 146 new leads`` with a noun).

    >>> format_of(3, 146), format_of(786, 937, "calls and meetings")
    ('3 of 146', '786 of 937 calls and meetings')
    """
    text = f"{format_count(numerator)} of {format_count(denominator)}"
    return f"{text} {noun}" if noun else text


#: Nouns whose singular is not the plural minus its last "s".
_SINGULAR = {
    "calls and meetings": "call or meeting",
    "next steps due": "next step due",
    "producer-weeks with a login": "producer-week with a login",
    "touches": "touch",
    "activities": "activity",
    "people": "person",
}


def counted(n: object, noun: str) -> str:
    """A count with its noun, singular for one: ``1 open loan``, ``3 open loans``.

    >>> counted(1, "calls and meetings"), counted(2, "human activities"), counted(1, "producers")
    ('1 call or meeting', '2 human activities', '1 producer')
    """
    text = format_count(n)
    if text != "1":
        return f"{text} {noun}"
    for plural, singular in _SINGULAR.items():
        if noun.endswith(plural):
            return f"1 {noun[: -len(plural)]}{singular}"
    return f"1 {noun[:-1]}" if noun.endswith("s") else f"1 {noun}"
