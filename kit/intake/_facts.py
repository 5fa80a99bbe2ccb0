"""Quality facts on one field's values: blanks, values that cannot be read (with what kind
of unreadable), mixed date formats and values Excel mangled, each counted with examples.

Private to :mod:`kit.intake`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from kit.intake._parts import Log, Part, row_examples, value_examples
from kit.intake.normalize import ISSUES, Converted
from kit.schema import Field


def field_facts(
    table: str,
    f: Field,
    parts: list[Part],
    offsets: np.ndarray,
    keep: np.ndarray,
    excluded: np.ndarray,
    blank: dict[str, np.ndarray],
    mapped: dict[str, np.ndarray],
    bad: dict[str, np.ndarray],
    rows_of: Any,
    log: Log,
) -> None:
    """Facts about field ``f``: blanks and unreadable values on the rows kept (optional
    fields) or on the rows excluded because of them (required fields); mixed date
    formats and Excel-mangled values on the rows kept."""
    name = f.name
    if not mapped[name].any():
        return
    scope = excluded if f.required else keep
    empty = blank[name] & mapped[name] & ~bad[name] & scope if blank[name].any() else None
    n_empty = 0 if empty is None else int(empty.sum())
    if n_empty:
        src, rows = rows_of(_first(empty))  # type: ignore[arg-type]  # not None: n_empty
        issue = "blank_required" if f.required else "missing"
        log.fact(table, name, issue, n_empty, row_examples(src, rows))
    raws: dict[str, list[pd.Series]] = {}
    formats: Counter[str] = Counter()
    mangled = []
    for i, p in enumerate(parts):
        conv = p.columns.get(name)
        if conv is None:
            continue
        start, stop = offsets[i], offsets[i + 1]
        if len(conv.raw):
            at = conv.raw.index.to_numpy()
            in_scope = scope[start:stop][at]
            for issue, rows in bad_kinds_at(f, conv, at).items():
                raws.setdefault(issue, []).append(conv.raw[in_scope & rows])
        formats.update(conv.formats)
        if conv.mangled is not None:
            mangled.append(conv.mangled[keep[start:stop][conv.mangled.index.to_numpy()]])
        for hint in conv.hints:
            log.warnings.append(f"{p.unit.name}: {table}.{name}: {hint}")
    for issue, pieces in raws.items():
        raw = pd.concat(pieces, ignore_index=True)
        if len(raw):
            log.fact(table, name, issue, len(raw), value_examples(raw))
    counted = sorted(((k, v) for k, v in formats.items() if v), key=lambda kv: (-kv[1], kv[0]))
    if len(counted) > 1:
        minority = sum(v for _, v in counted[1:])
        log.fact(
            table,
            name,
            "mixed_date_formats",
            minority,
            ", ".join(f"{k}: {v:,}" for k, v in counted),
        )
    allm = pd.concat(mangled, ignore_index=True) if mangled else pd.Series([], dtype=object)
    if len(allm):
        log.fact(table, name, "excel_mangled", len(allm), value_examples(allm))


def bad_kinds_at(f: Field, conv: Converted, at: np.ndarray) -> dict[str, np.ndarray]:
    """Which of the unusable values at rows ``at`` of one converted column have which
    quality issue (dates: a day that does not exist, out of range, or not a date)."""
    issue = ISSUES.get(f.kind, "invalid_value")
    if conv.no_such_date is None or conv.out_of_range is None:
        return {issue: np.ones(len(at), dtype=bool)}
    no_such, out_of_range = conv.no_such_date[at], conv.out_of_range[at]
    return {
        issue: ~(no_such | out_of_range),
        "no_such_date": no_such,
        "out_of_range_date": out_of_range,
    }


def _first(mask: np.ndarray, k: int = 5) -> np.ndarray:
    """Positions of the first ``k`` true values of ``mask``, scanning only as far as needed."""
    found: list[np.ndarray] = []
    count, step = 0, 8192
    for start in range(0, len(mask), step):
        hits = np.flatnonzero(mask[start : start + step]) + start
        found.append(hits)
        count += len(hits)
        if count >= k:
            break
    return np.concatenate(found)[:k] if found else np.array([], dtype=np.int64)
