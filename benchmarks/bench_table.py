"""Figures of repeated runs (median and spread), the targets, and the markdown table.

A *figure* is one measured quantity over every repeat: its median, minimum and maximum.
A *target* compares one figure (or a ratio of two) with the limit the project committed to
for the large scale on a 2-core machine; the benchmark prints pass or fail beside each.

Examples
--------
>>> f = Figure.of([3.0, 1.0, 2.0], unit="s")
>>> f.median, f.low, f.high, f.text()
(2.0, 1.0, 3.0, '2.00 s (1.00–3.00)')
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Figure", "Row", "ScaleRow", "Target", "markdown", "scales_table"]


@dataclass(frozen=True)
class Figure:
    """The median and the spread (min-max) of one quantity over the repeats."""

    median: float
    low: float
    high: float
    runs: tuple[float, ...]
    unit: str = "s"

    @classmethod
    def of(cls, values: Sequence[float], *, unit: str = "s") -> Figure:
        runs = tuple(float(v) for v in values)
        if not runs:
            raise ValueError("a figure needs at least one run")
        return cls(statistics.median(runs), min(runs), max(runs), runs, unit)

    def text(self, digits: int = 2) -> str:
        one = _number(self.median, self.unit, digits)
        if len(self.runs) == 1:
            return one
        low, high = _bare(self.low, self.unit, digits), _bare(self.high, self.unit, digits)
        return f"{one} ({low}–{high})"


def _bare(value: float, unit: str, digits: int) -> str:
    if unit == "MB":
        return f"{value:,.0f}"
    if unit == "bytes":
        return f"{value / 1e6:,.2f}"
    return f"{value:,.{digits}f}"


def _number(value: float, unit: str, digits: int) -> str:
    if unit == "bytes":
        return f"{value / 1e6:,.2f} MB"
    if unit == "x":
        return f"{value:,.{digits}f}x"
    return f"{_bare(value, unit, digits)} {unit}"


@dataclass(frozen=True)
class Target:
    """One committed limit: ``figure`` must be at most (or at least) ``limit``."""

    name: str
    value: float | None
    limit: float
    unit: str
    at_most: bool = True
    note: str = ""
    failed: str = ""  # why the measured run failed (a failed run fails its target)

    @property
    def ok(self) -> bool | None:
        if self.failed:
            return False
        if self.value is None:
            return None
        return self.value <= self.limit if self.at_most else self.value >= self.limit

    @property
    def verdict(self) -> str:
        if self.failed:
            return f"FAIL ({self.failed})"
        if self.ok is None and self.note:
            return f"not measured ({self.note})"
        return {True: "pass", False: "FAIL", None: "not measured"}[self.ok]

    def row(self) -> list[str]:
        sign = "≤" if self.at_most else "≥"
        value = "—" if self.value is None else _number(self.value, self.unit, 2)
        limit = _number(self.limit, self.unit, 2 if self.limit != int(self.limit) else 0)
        return [self.name, value, f"{sign} {limit}", self.verdict]

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok, "verdict": self.verdict}


@dataclass
class Row:
    """One line of the stage table."""

    stage: str
    time: Figure | None
    peak_mb: float | None = None
    note: str = ""
    target: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def cells(self) -> list[str]:
        return [
            self.stage,
            "—" if self.time is None else self.time.text(),
            "—" if self.peak_mb is None else f"{self.peak_mb:,.0f}",
            self.target,
            self.note,
        ]


def _table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    marks = {"l": "---", "r": "---:"}
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(marks[a] for a in align) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return lines


def markdown(
    *,
    title: str,
    facts: list[str],
    rows: list[Row],
    targets: list[Target],
    split: list[tuple[str, Figure, str]],
    comparison: list[list[str]],
    scales: Sequence[ScaleRow] = (),
    scales_note: str = "",
    targets_title: str = "Targets (large scale, 2 cores)",
) -> str:
    """The benchmark's markdown report: facts, every scale side by side, stages, targets,
    notebook split, comparison."""
    out = [f"## {title}", "", *[f"- {f}" for f in facts], ""]
    if scales:
        out += [
            "### Every scale side by side: adoption-kit assess as a consultant types it",
            "",
            *([scales_note, ""] if scales_note else []),
            *scales_table(scales),
            "",
        ]
    out += [
        "### Stages (median of the runs, spread min–max in brackets)",
        "",
        *_table(
            ["Stage", "Wall clock", "Peak memory (MB)", "Target", "Note"],
            [r.cells() for r in rows],
            "lrrll",
        ),
        "",
        f"### {targets_title}",
        "",
        *_table(["Target", "Measured", "Limit", "Result"], [t.row() for t in targets], "lrrl"),
        "",
    ]
    if split:
        out += [
            "### One team report, where the time goes",
            "",
            *_table(
                ["Part", "Wall clock", "What it is"],
                [[name, fig.text(), what] for name, fig, what in split],
                "lrl",
            ),
            "",
        ]
    if comparison:
        out += [
            "### Side by side on the same files",
            "",
            *_table(
                ["Tool", "Work", "Wall clock", "Peak memory (MB)", "Output", "Ratio"],
                comparison,
                "llrrrl",
            ),
            "",
        ]
    return "\n".join(out)


@dataclass(frozen=True)
class ScaleRow:
    """One line of the side-by-side table: ``adoption-kit assess`` at one scale.

    ``total`` is the whole process's wall clock (median over runs) and ``peak_mb`` the peak
    memory of its process tree; ``intake``, ``diagnose`` and ``reports`` are the stage
    seconds its run.json records, ``team_report`` the median seconds of one team report in
    the pool. ``skipped`` says why a scale (or executor) was not run.
    """

    scale: str
    executor: str
    teams: int | None = None
    activities: int | None = None
    csv_bytes: int | None = None
    total: Figure | None = None
    peak_mb: float | None = None
    intake: float | None = None
    diagnose: float | None = None
    reports: float | None = None
    team_report: float | None = None
    skipped: str = ""

    def per_million(self) -> tuple[float | None, float | None]:
        """Seconds and peak MB per 1M activities (the growth curve's slope)."""
        if not self.activities or self.total is None:
            return None, None
        millions = self.activities / 1e6
        peak = None if self.peak_mb is None else self.peak_mb / millions
        return self.total.median / millions, peak

    def cells(self) -> list[str]:
        if self.skipped:
            return [self.scale, self.executor, *[""] * 9, f"skipped: {self.skipped}"]
        seconds, memory = self.per_million()

        def num(value: float | None, fmt: str) -> str:
            return "—" if value is None else format(value, fmt)

        return [
            self.scale,
            self.executor,
            num(self.teams, ","),
            num(self.activities, ","),
            num(None if self.csv_bytes is None else self.csv_bytes / 1e6, ",.0f"),
            "—" if self.total is None else self.total.text(1),
            num(self.peak_mb, ",.0f"),
            " / ".join(num(v, ".1f") for v in (self.intake, self.diagnose, self.reports)),
            num(self.team_report, ".2f"),
            num(seconds, ",.1f"),
            num(memory, ",.0f"),
            "",
        ]


def scales_table(rows: Sequence[ScaleRow]) -> list[str]:
    """The side-by-side table of every scale, as markdown lines.

    Examples
    --------
    >>> row = ScaleRow("large", "local, 2 workers", teams=55, activities=2_000_000,
    ...                csv_bytes=365_000_000, total=Figure.of([60.0]), peak_mb=2190.0,
    ...                intake=3.0, diagnose=9.5, reports=45.0, team_report=1.68)
    >>> scales_table([row])[2].split(" | ")[5:]
    ['60.0 s', '2,190', '3.0 / 9.5 / 45.0', '1.68', '30.0', '1,095', ' |']
    """
    header = [
        "Scale",
        "Executor",
        "Teams",
        "Activities",
        "CSV (MB)",
        "End to end",
        "Peak memory (MB)",
        "Intake / diagnose / reports (s)",
        "Team report (s, median)",
        "s per 1M activities",
        "Peak MB per 1M activities",
        "Note",
    ]
    return _table(header, [r.cells() for r in rows], "llrrrrrrrrrl")
