"""Spreadsheet exports of the results for leaders who live in Excel.

Every text cell is neutralized against formula injection, and the files are reproducible:
the same results give the same bytes (the workbook carries no save time).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from kit._atomic import write_bytes
from kit._safe import neutralize_formulas

__all__ = ["write_csvs", "write_workbook"]

_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIXED_DOC_TIME = "2000-01-01T00:00:00Z"
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


def _reproducible(xlsx: bytes) -> bytes:
    """Rewrite a workbook with fixed zip entry times and document times."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + _FIXED_DOC_TIME.encode() + rb"\g<2>",
                    data,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, data)
    return out.getvalue()


def write_workbook(frames: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write every frame as one sheet of an Excel workbook at ``path``, atomically."""
    buffer = io.BytesIO()
    taken: set[str] = set()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in frames.items():
            sheet = _sheet_name(name, taken)
            _prepare(frame).to_excel(writer, sheet_name=sheet, index=False)
            worksheet = writer.sheets[sheet]
            worksheet.freeze_panes = "A2"
            for cells in worksheet.columns:
                width = max(
                    (len(str(c.value)) for c in cells[:200] if c.value is not None), default=8
                )
                worksheet.column_dimensions[cells[0].column_letter].width = min(60, width + 2)
    return write_bytes(path, _reproducible(buffer.getvalue()))
