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
