"""What intake's steps hand each other: the parts read, the tables assembled, the log of
problems, warnings, facts and notes, and the few text helpers their messages share.

Private to :mod:`kit.intake`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from kit.intake._money import Money
from kit.intake.mapping import SourceSpec, normalize_key
from kit.intake.normalize import Converted
from kit.intake.readers import RawTable, Unit

#: A required field unreadable in more than this share of its rows (or a file with more
#: malformed rows than this) stops intake: the mapping or the file is wrong, not the data.
BLOCKING_SHARE = 0.5
_MAX_EXAMPLE = 40


@dataclass
class Log:
    """What one step of intake found: blocking problems, warnings, quality facts and the
    summary's notes (each thread of intake writes its own, merged in a fixed order)."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def fact(self, table: str, fname: str, issue: str, count: int, examples: str) -> None:
        self.facts.append(fact_row(table, fname, issue, count, examples))


@dataclass
class Part:
    """One unit read for one source of one table."""

    unit: Unit | DerivedUnit
    raw: RawTable
    #: the source of the mapping this unit was read for (every part has one)
    spec: SourceSpec
    columns: dict[str, Converted]
    absent: list[str]
    unused: list[str] = field(default_factory=list)
    #: Date fields whose numeric dates read both ways, each with how to read it again in a
    #: given order (see :func:`kit.intake._column_checks.settle_ambiguous`).
    ambiguous: dict[str, Any] = field(default_factory=dict)
    #: field -> the source columns the mapping names that this file does not have
    not_in_file: dict[str, list[str]] = field(default_factory=dict)
    #: amount field -> what was done to make it one currency
    currencies: dict[str, Money] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.raw.num_rows

    def summary(self) -> Part:
        """This part without its values (the raw table, the converted columns): what the
        manifest needs once the table is assembled, so a large table is not kept twice."""
        return replace(
            self,
            raw=self.raw.without_values(),
            columns={name: _no_values(conv) for name, conv in self.columns.items()},
            ambiguous={},
        )


@dataclass(frozen=True)
class DerivedUnit:
    """Stands for the users derived from owner columns (there is no file)."""

    owners: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"users derived from {', '.join(self.owners)}"


@dataclass
class TableResult:
    frame: pd.DataFrame
    excluded: pd.DataFrame
    parts: list[Part]
    kept_per_part: list[int]
    read_per_part: list[int]
    absent: list[str]


def _no_values(conv: Converted) -> Converted:
    """``conv`` with empty values and masks: its conversion summary (date order, formats)."""
    nothing = np.zeros(0, dtype=bool)
    return replace(
        conv,
        values=pd.Series([], dtype=conv.values.dtype),
        blank=nothing,
        bad=nothing,
        raw=conv.raw.iloc[:0].copy(),
        mangled=None,
        no_such_date=None,
        out_of_range=None,
    )


def fact_row(table: str, fname: str, issue: str, count: int, examples: str) -> dict[str, Any]:
    return {"table": table, "field": fname, "issue": issue, "count": count, "examples": examples}


def resolver(header: list[str]) -> Any:
    exact = set(header)
    by_key: dict[str, list[str]] = {}
    for h in header:
        by_key.setdefault(normalize_key(h), []).append(h)

    def resolve(name: str) -> str | None:
        if name in exact:
            return name
        hits = by_key.get(normalize_key(name), [])
        return hits[0] if len(hits) == 1 else None

    return resolve


def short(value: Any) -> str:
    s = str(value)
    return s if len(s) <= _MAX_EXAMPLE else s[: _MAX_EXAMPLE - 3] + "..."


def value_examples(values: pd.Series) -> str:
    """Up to five most frequent values with their counts, e.g. ``'Prospect' (12)``."""
    counts = pd.Series(values).astype(object).map(short).value_counts()
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:5]
    return ", ".join(f"{v!r} ({n:,})" for v, n in ranked)


def row_examples(sources: np.ndarray, rows: np.ndarray) -> str:
    """E.g. ``users.csv rows 4, 9``."""
    by_source: dict[str, list[str]] = {}
    for s, r in zip(sources, rows, strict=True):
        by_source.setdefault(str(s), []).append(str(r))
    return "; ".join(
        f"{s} row{'s' if len(r) > 1 else ''} {', '.join(r)}" for s, r in by_source.items()
    )
