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

__all__ = ["Figure", "Target", "markdown"]


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

    @property
    def ok(self) -> bool | None:
        if self.value is None:
            return None
        return self.value <= self.limit if self.at_most else self.value >= self.limit

    @property
    def verdict(self) -> str:
        return {True: "pass", False: "FAIL", None: "not measured"}[self.ok]

    def row(self) -> list[str]:
        sign = "≤" if self.at_most else "≥"
        value = "—" if self.value is None else _number(self.value, self.unit, 2)
        return [self.name, value, f"{sign} {_number(self.limit, self.unit, 0)}", self.verdict]

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
) -> str:
    """The benchmark's markdown report: facts, stages, targets, notebook split, comparison."""
    out = [f"## {title}", "", *[f"- {f}" for f in facts], ""]
    out += [
        "### Stages (median of the runs, spread min–max in brackets)",
        "",
        *_table(
            ["Stage", "Wall clock", "Peak memory (MB)", "Target", "Note"],
            [r.cells() for r in rows],
            "lrrll",
        ),
        "",
        "### Targets (large scale, 2 cores)",
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
