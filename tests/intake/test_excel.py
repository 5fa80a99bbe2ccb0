"""Excel exports are read with python-calamine: cells become the text a CSV would hold."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import openpyxl

from kit.intake.readers import open_export, read_unit


def _units(path: Path, tmp_path: Path):
    export = open_export(path, tmp_path / "work")
    return export, {u.sheet: u for u in export.units}


def test_cells_read_as_csv_text_with_sheet_row_numbers(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    ws["B2"], ws["C2"], ws["D2"], ws["E2"], ws["F2"] = "id", "when", "amount", "flag", "note"
    ws["B3"], ws["C3"], ws["D3"], ws["E3"], ws["F3"] = (
        "007",
        dt.datetime(2024, 1, 2, 3, 4, 5),
        12,
        True,
        "  ",
    )
    ws["B5"], ws["C5"], ws["D5"], ws["E5"], ws["F5"] = 1.5, dt.date(2024, 5, 6), "=1+1", False, "ok"
    wb.create_chartsheet("Chart")  # holds no rows: not a unit
    wb.save(tmp_path / "crm.xlsx")
    _, units = _units(tmp_path / "crm.xlsx", tmp_path)
    assert list(units) == ["Leads"]
    raw = read_unit(units["Leads"])
    assert raw.table.column_names == ["column_1", "id", "when", "amount", "flag", "note"]
    assert raw.table.to_pylist() == [
        {
            "column_1": None,
            "id": "007",
            "when": "2024-01-02 03:04:05",
            "amount": "12",
            "flag": "true",
            "note": None,
        },
        {
            "column_1": None,
            "id": "1.5",
            "when": "2024-05-06",
            "amount": None,  # a formula Excel never calculated has no value
            "flag": "false",
            "note": "ok",
        },
    ]
    assert raw.row_numbers([0, 1]).tolist() == [3, 5]  # the header is row 2, row 4 is blank


def test_a_corrupt_workbook_is_a_problem_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    export, units = _units(tmp_path / "broken.xlsx", tmp_path)
    assert units == {}
    assert export.problems[0].startswith("broken.xlsx: cannot open the workbook")
    assert "Re-save it from Excel as .xlsx" in export.problems[0]


def test_reading_a_workbook_does_not_load_openpyxl(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["user_id", "name"])
    wb.active.append(["u1", "Ana"])
    wb.save(tmp_path / "users.xlsx")
    probe = (
        "import sys, tempfile; from pathlib import Path;"
        "from kit.intake.readers import open_export, read_unit;"
        f"e = open_export(Path({str(tmp_path / 'users.xlsx')!r}), Path(tempfile.mkdtemp()));"
        "print(read_unit(e.units[0]).table.num_rows, 'openpyxl' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["1", "False"]
