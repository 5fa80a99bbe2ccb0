"""Checks across tables, on the rows kept: references to records that are not in the
export, and events dated in the future.

Private to :mod:`kit.intake`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit.intake._parts import Log, fact_row, value_examples
from kit.schema import TABLES, Field
from kit.timeframe import event_columns, time_frame


def cross_table(
    tables: dict[str, pd.DataFrame], engagement: dict[str, Any] | None, log: Log
) -> str:
    """Orphan references and future dates, on the rows kept (checks run two at a time).

    An event date is future-dated when it lies after the export's date (``export_date``
    in ``engagement.yaml``) or far from the rest of the data (:mod:`kit.timeframe`);
    due dates, open loans' expected close, seat starts and campaign starts may lie ahead.
    The facts go to ``log`` (all of its facts sorted by table, field and issue); returns
    the rule that defined "future" (for the manifest).
    """
    frame = time_frame(tables, export_date=(engagement or {}).get("export_date"))
    future_rows = {
        (table, column): rows[values >= np.datetime64(frame.future_after, "us")]
        for table, column, values, rows in event_columns(tables)
        if frame.future_after is not None
    }

    def check(job: tuple[str, Field]) -> list[dict[str, Any]]:
        name, f = job
        col = tables[name][f.name]
        found = []
        if f.references:
            rt, rf = f.references.split(".")
            if rt in tables:
                targets = pa.array(tables[rt][rf])  # a key: unique, never blank
                arr = pa.array(col)
                hit = pc.or_(pc.is_in(arr, value_set=targets), pc.is_null(arr))
                orphan = ~hit.to_numpy(zero_copy_only=False)
                if orphan.any():
                    found.append(
                        fact_row(
                            name,
                            f.name,
                            "orphan_reference",
                            int(orphan.sum()),
                            value_examples(col[orphan]),
                        )
                    )
        future = future_rows.get((name, f.name))
        if future is not None and len(future):
            found.append(
                fact_row(
                    name,
                    f.name,
                    "future_date",
                    len(future),
                    value_examples(col.iloc[future].dt.strftime("%Y-%m-%d")),
                )
            )
        return found

    jobs = [
        (name, f)
        for name in tables
        for f in TABLES[name].fields
        if f.references or f.kind == "datetime"
    ]
    # the costliest checks (references of the largest tables) first, so no long check
    # starts last; the facts are sorted below, so the order they are found in is free
    jobs.sort(key=lambda j: -len(tables[j[0]]) * (4 if j[1].references else 1))
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kit-check") as pool:
        for found in pool.map(check, jobs):
            log.facts.extend(found)
    order = {t: i for i, t in enumerate(TABLES)}
    log.facts.sort(key=lambda r: (order[r["table"]], r["field"], r["issue"]))
    return frame.rule
