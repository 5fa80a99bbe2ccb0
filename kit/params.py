"""Engagement parameters of an assessment, parsed and checked before any heavy work."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from kit.exceptions import ParameterError

if TYPE_CHECKING:
    from kit.diagnostics.standards import Standards

__all__ = ["Engagement", "default_workers", "parse_date", "resolve_teams"]


def parse_date(value: str | date | None, *, option: str) -> date | None:
    """Parse an ISO date given on the command line; ``None`` stays ``None``.

    >>> parse_date("2026-03-02", option="--launch")
    datetime.date(2026, 3, 2)
    >>> parse_date("03/02/2026", option="--launch")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kit.exceptions.ParameterError: --launch '03/02/2026' is not a date: write it as YYYY-MM-DD...
    """
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ParameterError(
            f"{option} {value!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-03-02"
        ) from None


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
    """

    client: str | None = None
    as_of: date | None = None
    launch: date | None = None
    seat_cost_per_month: float | None = None
    standards: Path | Standards | None = None  # a file, or standards already parsed
    export_date: date | None = None

    def __post_init__(self) -> None:
        if self.as_of and self.launch and self.launch > self.as_of:
            raise ParameterError(
                f"--launch {self.launch} is after --as-of {self.as_of}: the CRM launch must "
                "fall on or before the as-of date"
            )
        if self.seat_cost_per_month is not None and self.seat_cost_per_month < 0:
            raise ParameterError(
                f"--seat-cost {self.seat_cost_per_month} is negative: give the monthly cost "
                "of one CRM seat, e.g. 125"
            )
