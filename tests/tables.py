"""Small deterministic tables of the canonical model, for fixtures written in the tests."""

from __future__ import annotations

import pandas as pd

from kit.schema import TABLES


def canonical(name: str, rows: list[dict[str, object]]) -> pd.DataFrame:
    """Build table ``name`` from ``rows`` with every canonical column and dtype.

    Columns absent from ``rows`` are filled with blanks, so fixtures list only what a test
    is about.
    """
    table = TABLES[name]
    frame = pd.DataFrame(rows, columns=[f.name for f in table.fields])
    for f in table.fields:
        if f.kind == "datetime":
            frame[f.name] = pd.to_datetime(frame[f.name]).astype("datetime64[us]")
        elif f.kind == "category":
            frame[f.name] = frame[f.name].astype("str").astype("category")
        else:
            frame[f.name] = frame[f.name].astype(f.dtype)
    return frame
