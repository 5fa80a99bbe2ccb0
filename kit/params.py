"""Run parameters of an assessment, parsed and checked in one place before any heavy work.

Every run parameter (the as-of, launch and export dates, the seat cost, the window) is read
here, whether it comes from the command line, the export's ``engagement.yaml``, a notebook
or the Python API, and each problem has one message, naming the parameter as the user wrote
it (``--as-of``, ``engagement.yaml: as_of``, ``as_of``). The values handed on are typed:
:class:`datetime.date`, ``float`` and ``int``.
"""

from __future__ import annotations

import difflib
import math
import numbers
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kit.exceptions import ParameterError

if TYPE_CHECKING:
    from kit.diagnostics.standards import Standards

__all__ = [
    "Engagement",
    "check_launch",
    "default_workers",
    "parse_date",
    "parse_day",
    "parse_seat_cost",
    "parse_window_days",
    "resolve_teams",
]

#: The shortest assessment window, in days.
MIN_WINDOW_DAYS = 7


def parse_day(value: object, *, name: str) -> date:
    """The calendar day ``value`` stands for: a date, a date-time (its day) or an ISO text.

    Texts must be ISO 8601 (``2026-03-02``, or with a time of day): ``03/02/2026`` reads
    two ways and is refused rather than guessed.

    >>> parse_day("2026-03-02", name="--launch")
    datetime.date(2026, 3, 2)
    >>> parse_day("2026-03-02T18:30:00+01:00", name="as_of")
    datetime.date(2026, 3, 2)
    >>> parse_day("03/02/2026", name="--launch")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kit.exceptions.ParameterError: --launch '03/02/2026' is not a date: write it as YYYY-MM-DD...
    >>> parse_day(None, name="as_of")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kit.exceptions.ParameterError: as_of is missing: write it as YYYY-MM-DD...
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or _is_nat(value):
        raise ParameterError(f"{name} is missing: write it as YYYY-MM-DD, e.g. 2026-03-02")
    if isinstance(value, datetime):  # pandas Timestamps too: the day as written
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return datetime.fromisoformat(text).date()
        except ValueError:
            pass
    elif type(value).__name__ == "datetime64":  # numpy, without importing it
        return parse_day(str(value), name=name)
    raise ParameterError(f"{name} {value!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-03-02")


def _is_nat(value: object) -> bool:
    """Whether ``value`` is a missing time (pandas ``NaT``, numpy ``NaT``)."""
    return str(value) == "NaT" and not isinstance(value, str)


def parse_date(value: object, *, option: str) -> date | None:
    """An optional date parameter (see :func:`parse_day`); ``None`` stays ``None``.

    >>> parse_date("2026-03-02", option="--launch")
    datetime.date(2026, 3, 2)
    >>> parse_date(None, option="--launch") is None
    True
    """
    return None if value is None else parse_day(value, name=option)


def check_launch(
    launch: date,
    as_of: date,
    *,
    launch_name: str = "--launch",
    as_of_name: str = "--as-of",
    launch_from: str | None = None,
    as_of_from: str | None = None,
) -> None:
    """Refuse a launch after the as-of date (on the as-of date is allowed); ``*_from`` says
    where a date came from (``"engagement.yaml"``) when it was not given by that name.

    >>> check_launch(date(2026, 6, 2), date(2026, 5, 1))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kit.exceptions.ParameterError: --launch 2026-06-02 is after --as-of 2026-05-01: ...
    """
    if launch > as_of:
        raise ParameterError(
            f"{launch_name} {launch}{_from(launch_from)} is after {as_of_name} {as_of}"
            f"{_from(as_of_from)}: the CRM launch must come first. Give --launch on or before "
            "the as-of date, or a later --as-of."
        )


def _from(source: str | None) -> str:
    return f" ({source})" if source else ""


def parse_seat_cost(value: object, *, name: str) -> float | None:
    """The monthly cost of one CRM seat in dollars (zero or more); ``None`` stays ``None``.

    >>> parse_seat_cost(" 125 ", name="--seat-cost")
    125.0
    >>> parse_seat_cost(-1, name="--seat-cost")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kit.exceptions.ParameterError: --seat-cost -1 is negative: it must be zero or more; give...
    """
    if value is None:
        return None
    fix = "give the monthly cost of one CRM seat in dollars, e.g. 125"
    try:
        if isinstance(value, bool):
            raise TypeError(value)
        cost = float(value)  # type: ignore[arg-type]  # refused below if it is no number
    except (TypeError, ValueError):
        raise ParameterError(f"{name} {value!r} is not a number: {fix}") from None
    if math.isnan(cost):
        raise ParameterError(f"{name} {value!r} is not a number: {fix}")
    if not math.isfinite(cost) or cost < 0:
        what = "is negative" if cost < 0 else "is not a finite number"
        raise ParameterError(f"{name} {value!r} {what}: it must be zero or more; {fix}")
    return cost


def parse_window_days(value: object, *, name: str = "window_days") -> int:
    """The assessment window in whole days, at least :data:`MIN_WINDOW_DAYS`.

    >>> parse_window_days(90)
    90
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterError(f"{name} must be a whole number of days, not {value!r}")
    days = int(value)
    if days < MIN_WINDOW_DAYS:
        raise ParameterError(f"{name} {days} is too short: use at least {MIN_WINDOW_DAYS} days")
    return days


def default_workers() -> int:
    """Number of CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def resolve_teams(requested: Sequence[str] | None, known: Iterable[str]) -> list[str]:
    """Return the teams to report on, in the order of ``known``.

    Raises
    ------
    ParameterError
        Naming every unknown team, with the closest known names.
    """
    known = list(known)
    if not requested:
        return known
    unknown = [t for t in requested if t not in known]
    if unknown:
        problems = []
        for team in unknown:
            close = difflib.get_close_matches(team, known, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            problems.append(f"{team!r} is not a team in the data{hint}")
        raise ParameterError(
            f"--teams names teams that do not exist. Known teams: {', '.join(known)}",
            problems=problems,
        )
    wanted = set(requested)
    return [t for t in known if t in wanted]


@dataclass(frozen=True)
class Engagement:
    """What the consultant states about the engagement (all optional).

    Values left ``None`` fall back to the export's ``engagement.yaml`` and then to the
    data (as-of: the data's last real event; launch: first day of CRM activity).
    ``export_date`` is the day the export was taken: events after it are future-dated.
    Dates may be given as ISO texts and the seat cost as a numeric text: they are parsed
    here (named as the command line names them), so the values handed on are typed.

    >>> Engagement(as_of="2026-05-01", seat_cost_per_month="125").seat_cost_per_month
    125.0
    """

    client: str | None = None
    as_of: date | None = None
    launch: date | None = None
    seat_cost_per_month: float | None = None
    standards: Path | Standards | None = None  # a file, or standards already parsed
    export_date: date | None = None

    def __post_init__(self) -> None:
        for attr, option in (
            ("as_of", "--as-of"),
            ("launch", "--launch"),
            ("export_date", "--export-date"),
        ):
            object.__setattr__(self, attr, parse_date(getattr(self, attr), option=option))
        cost = parse_seat_cost(self.seat_cost_per_month, name="--seat-cost")
        object.__setattr__(self, "seat_cost_per_month", cost)
        if self.as_of and self.launch:
            check_launch(self.launch, self.as_of)
