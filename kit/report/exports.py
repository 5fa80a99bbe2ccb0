"""Spreadsheet exports of the results for leaders who live in Excel.

Every text cell is neutralized against formula injection, and the files are reproducible:
the same results give the same bytes (the workbook carries no save time).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from kit._atomic import write_bytes
from kit._safe import neutralize_formulas
from kit.report.workbook import workbook_bytes

__all__ = ["write_csvs", "write_workbook"]

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _prepare(frame: pd.DataFrame) -> pd.DataFrame:
    frame = neutralize_formulas(frame.reset_index(drop=True))
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype("str")
    return frame


def write_csvs(frames: Mapping[str, pd.DataFrame], folder: str | Path) -> list[Path]:
    """Write each frame to ``folder/<name>.csv`` (UTF-8 with BOM so Excel reads accents).

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> [p.name for p in write_csvs({"findings": pd.DataFrame({"a": ["=HYPERLINK()"]})}, d)]
    ['findings.csv']
    >>> (d / "findings.csv").read_text(encoding="utf-8-sig")
    "a\\n'=HYPERLINK()\\n"
    """
    folder = Path(folder)
    written = []
    for name, frame in frames.items():
        data = _prepare(frame).to_csv(index=False, lineterminator="\n").encode("utf-8-sig")
        written.append(write_bytes(folder / f"{name}.csv", data))
    return written


def _sheet_name(name: str, taken: set[str]) -> str:
    base = _SHEET_BAD.sub("_", name)[:31] or "sheet"
    sheet, n = base, 1
    while sheet.casefold() in taken:
        n += 1
        sheet = f"{base[: 31 - len(str(n)) - 1]}_{n}"
    taken.add(sheet.casefold())
    return sheet


def write_workbook(frames: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write every frame as one sheet of an Excel workbook at ``path``, atomically.

    Each sheet has a bold, frozen header row and column widths fitted to the first rows.
    The sheets are written by :mod:`kit.report.workbook` column by column (a 100,000-row review list
    in about a second; openpyxl's cell-by-cell writer took half a minute).

    >>> import tempfile, openpyxl
    >>> p = write_workbook({"scores": pd.DataFrame({"team": ["@North"], "score": [80.5]})},
    ...                    Path(tempfile.mkdtemp()) / "a.xlsx")
    >>> [c.value for c in openpyxl.load_workbook(p)["scores"][2]]
    ["'@North", 80.5]
    """
    taken: set[str] = set()
    sheets = {_sheet_name(name, taken): _prepare(frame) for name, frame in frames.items()}
    return write_bytes(path, workbook_bytes(sheets))
