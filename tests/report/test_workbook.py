from __future__ import annotations

import datetime as dt
import io
import zipfile

import numpy as np
import openpyxl
import pandas as pd

from kit.report.workbook import workbook_bytes


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": ["a<b & c", None, "  padded", "bell\x07"],
            "share": [80.0, 41.5, np.nan, 1e-5],
            "count": pd.array([1, None, 3, 4], dtype="Int64"),
            "flag": pd.array([True, False, None, True], dtype="boolean"),
            "when": pd.to_datetime(
                ["2024-01-02 03:04:05", None, "2025-06-30 00:00:00", "2020-02-29 12:00:00"]
            ),
            "name": pd.Series(["x", "y", None, "z"], dtype="str"),
        }
    )


def _book(frames: dict[str, pd.DataFrame]) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes(frames)))


def test_values_keep_their_types_and_blanks_stay_blank():
    sheet = _book({"one": _frame()})["one"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows == [
        ("text", "share", "count", "flag", "when", "name"),
        ("a<b & c", 80.0, 1, True, dt.datetime(2024, 1, 2, 3, 4, 5), "x"),
        (None, 41.5, None, False, None, "y"),
        ("  padded", None, 3, None, dt.datetime(2025, 6, 30), None),
        ("bell", 1e-05, 4, True, dt.datetime(2020, 2, 29, 12), "z"),
    ]
    assert sheet["A2"].data_type == "s"


def test_header_is_bold_and_frozen_and_columns_fit_the_text():
    sheet = _book({"one": _frame()})["one"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b is True
    assert sheet["A2"].font.b is False
    assert sheet.column_dimensions["A"].width == len("  padded") + 2


def test_sheets_in_order_and_an_empty_frame_keeps_its_header():
    book = _book({"first": _frame(), "empty": _frame().iloc[:0]})
    assert book.sheetnames == ["first", "empty"]
    assert list(book["empty"].iter_rows(values_only=True)) == [
        ("text", "share", "count", "flag", "when", "name")
    ]


def test_same_frames_same_bytes_with_fixed_times():
    first, second = workbook_bytes({"one": _frame()}), workbook_bytes({"one": _frame()})
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_pandas_reads_it_back():
    back = pd.read_excel(io.BytesIO(workbook_bytes({"one": _frame()})), sheet_name="one")
    assert back["share"].tolist()[:2] == [80.0, 41.5]
    assert back["text"].iloc[0] == "a<b & c"


def test_a_sheet_written_in_chunks_shows_the_same_cells_as_in_one_piece(monkeypatch):
    from kit.report import workbook
    from kit.report.workbook import Sheet

    frame = pd.DataFrame(
        {
            # the time of day shows because one stamp in the last chunk has one
            "when": pd.to_datetime(
                ["2024-01-02 00:00", "2024-01-03 00:00", None, "2024-01-05 10:30"]
            ),
            "amount": [1.0, 2.5, 3.0, np.nan],
            "note": ["plain", "also plain", "=SUM(A1)", None],  # a formula-like text in chunk 2
        }
    )
    sheet = Sheet(frame, formats={"amount": [None, "currency", "percent", None]})

    def cells(data: bytes) -> list[tuple[object, str, bool]]:
        rows = openpyxl.load_workbook(io.BytesIO(data))["one"].iter_rows()
        return [(c.value, c.number_format, c.quotePrefix) for row in rows for c in row]

    whole = workbook_bytes({"one": sheet})
    monkeypatch.setattr(workbook, "CHUNK_ROWS", 2)
    chunked = workbook_bytes({"one": sheet})
    assert cells(chunked) == cells(whole)
    assert cells(chunked)[3:6] == [
        (dt.datetime(2024, 1, 2), "yyyy-mm-dd hh:mm:ss", False),
        (1.0, "#,##0", False),
        ("plain", "General", False),
    ]
    assert cells(chunked)[9:12] == [
        (None, "General", False),
        (3.0, "0.0%", False),
        ("=SUM(A1)", "General", True),
    ]
    assert workbook_bytes({"one": sheet}) == chunked  # the same frames, the same bytes
