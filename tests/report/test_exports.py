from __future__ import annotations

import zipfile

import openpyxl
import pandas as pd

from kit.report.exports import write_csvs, write_workbook


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
    assert book.sheetnames == ["findings", "scores"]
    assert book["findings"]["A2"].value == "'=cmd|' /C calc'!A0"
    assert book["findings"]["A2"].data_type == "s"
    assert book["scores"]["B3"].value == 41.5


def test_workbook_bytes_are_reproducible(tmp_path):
    first = write_workbook(_frames(), tmp_path / "a.xlsx").read_bytes()
    second = write_workbook(_frames(), tmp_path / "b.xlsx").read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
