from __future__ import annotations

import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from kit.report import exports, workbook
from kit.report.exports import excel_notes, write_csvs, write_workbook


def _frames():
    return {
        "findings": pd.DataFrame(
            {"finding": ["=cmd|' /C calc'!A0", "Stage updates lag"], "value": [0.5, 0.25]}
        ),
        "scores": pd.DataFrame(
            {"team": pd.Categorical(["North", "@South"]), "score": [80.0, 41.5]}
        ),
    }


def test_csvs_are_neutralized_and_excel_friendly(tmp_path):
    paths = write_csvs(_frames(), tmp_path)
    assert [p.name for p in paths] == ["findings.csv", "scores.csv"]
    raw = (tmp_path / "findings.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig") == (
        "finding,value\n'=cmd|' /C calc'!A0,0.5\nStage updates lag,0.25\n"
    )
    assert (tmp_path / "scores.csv").read_text(encoding="utf-8-sig") == (
        "team,score\nNorth,80.0\n'@South,41.5\n"
    )


def test_workbook_has_one_sheet_per_frame_and_no_formulas(tmp_path):
    path = write_workbook(_frames(), tmp_path / "a.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Findings", "Scores"]
    # written as it is, shown without an apostrophe, kept as text when edited
    cell = book["Findings"]["A2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=cmd|' /C calc'!A0", "s", True)
    assert book["Findings"]["A3"].quotePrefix is False
    assert (book["Scores"]["A3"].value, book["Scores"]["A3"].quotePrefix) == ("@South", True)
    assert book["Scores"]["B3"].value == 41.5


def _results_like() -> dict[str, pd.DataFrame]:
    """Frames shaped like the results bundle's (a few rows each, values chosen by hand)."""
    compliance = pd.DataFrame(
        {
            "scope": ["team", "team"],
            "team": ["North", "North"],
            "rule_id": ["stage_freshness", "speed_to_lead"],
            "metric": ["stale_open_loans", "median_speed_to_lead"],
            "target": [0.1, 60.0],
            "value": [0.9139715394566623, 20.9],
            "numerator": [1413.0, np.nan],
            "denominator": [1546.0, 464.0],
            "status": ["fail", "not_assessed"],
            "owner_role": ["sales_manager", "producer"],
            "rule_order": [0, 1],
        }
    )
    review = pd.DataFrame(
        {
            "team": ["North"],
            "item": ["funded_loan_missing_from_crm"],
            "age_days": [12],
            "detail": ["-10 days late"],
        }
    )
    return {"compliance": compliance, "review_list": review}


def test_workbook_is_leader_ready(tmp_path):
    """Labelled headers, codes in words, numbers in their formats, frozen header, filters."""
    book = openpyxl.load_workbook(write_workbook(_results_like(), tmp_path / "a.xlsx"))
    assert book.sheetnames == ["Compliance", "Review list"]
    sheet = book["Compliance"]
    header = [c.value for c in sheet[1]]
    assert header == [
        "Scope",
        "Team",
        "Rule",
        "Measure",
        "Target",
        "Value",
        "Count",
        "Out of",
        "Status",
        "Owner",
        "Order",
    ]
    assert all(c.font.b for c in sheet[1])
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert row["Scope"].value == "Team"
    assert row["Rule"].value == "Stage freshness"
    assert row["Measure"].value == exports.METRICS["stale_open_loans"].label
    assert row["Status"].value == "Fail"
    assert row["Owner"].value == "Sales manager"
    # the number is kept whole; the format shows it as a leader reads it
    assert (row["Value"].value, row["Value"].number_format) == (0.9139715394566623, "0.0%")
    assert (row["Target"].value, row["Target"].number_format) == (0.1, "0.0%")
    assert (row["Count"].value, row["Count"].number_format) == (1413, "#,##0")
    assert row["Order"].number_format == "#,##0"
    minutes = {h: c for h, c in zip(header, sheet[3], strict=True)}
    assert minutes["Value"].number_format == '#,##0 "min"'
    assert minutes["Status"].value == "Not assessed"
    assert minutes["Count"].value is None
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:K3"
    assert sheet.column_dimensions["D"].width >= len(row["Measure"].value)
    review = book["Review list"]
    assert [c.value for c in review[1]] == ["Team", "Review item", "Age (days)", "Detail"]
    assert review["B2"].value == "Funded loan missing from CRM"
    assert (review["D2"].value, review["D2"].quotePrefix) == ("-10 days late", True)
    assert review.auto_filter.ref == "A1:D2"
    assert "Notes" not in book.sheetnames


def test_excel_limits_are_kept_and_what_was_cut_is_recorded(tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "MAX_ROWS", 4)  # a header and three rows
    monkeypatch.setattr(exports, "MAX_CELL_CHARS", 120)
    frames = {
        "review_list": pd.DataFrame({"detail": ["x" * 121, "ok", "y" * 120, "d", "e"]}),
    }
    notes = [
        "Review list: 5 rows, more than an Excel sheet holds; the first 3 are in the "
        "workbook, all of them in the CSV export.",
        "Review list, column Detail: 1 cell(s) longer than 120 characters were cut; the CSV "
        "export has them whole.",
    ]
    assert excel_notes(frames) == notes
    book = openpyxl.load_workbook(write_workbook(frames, tmp_path / "a.xlsx"))
    assert book.sheetnames == ["Review list", "Notes"]
    detail = [r[0] for r in book["Review list"].iter_rows(min_row=2, values_only=True)]
    assert len(detail) == 3
    assert len(detail[0]) == 120 and detail[0].startswith("x" * 20)
    assert detail[0].endswith(
        "[cut: an Excel cell holds 120 characters; the CSV export has it whole]"
    )
    assert detail[1:] == ["ok", "y" * 120]
    assert [r[0] for r in book["Notes"].iter_rows(values_only=True)] == [
        "What was cut to fit Excel",
        *notes,
    ]


def test_the_writer_refuses_a_sheet_beyond_excels_limits(monkeypatch):
    monkeypatch.setattr(workbook, "MAX_ROWS", 3)
    with pytest.raises(ValueError, match="3 rows do not fit a sheet"):
        workbook.workbook_bytes({"a": pd.DataFrame({"n": [1, 2, 3]})})
    monkeypatch.setattr(workbook, "MAX_CELL_CHARS", 5)
    with pytest.raises(ValueError, match="holds a text of 6 characters"):
        workbook.workbook_bytes({"a": pd.DataFrame({"t": ["abcdef"]})})


def test_workbook_bytes_are_reproducible(tmp_path):
    first = write_workbook(_frames(), tmp_path / "a.xlsx").read_bytes()
    second = write_workbook(_frames(), tmp_path / "b.xlsx").read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
