"""The bad-input corpus: every messy export gives a clear error or a recorded fact.

Each case is generated here (small files in a temporary folder) so the corpus documents itself:
the file as a consultant would receive it, then what intake must say about it. A case ends in
either one clear InputError (file, column, example rows, how to fix it) or a dataset where the
problem is recorded (excluded row with its reason, quality fact or manifest entry); never a
traceback, never a silent loss.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from kit import load_dataset
from kit.exceptions import InputError, MappingError
from kit.intake import read_export
from kit.schema import TABLES, validate_table

ROOT = Path(__file__).resolve().parents[2]
USERS = "user_id,name,team,role\nu1,Ana Ruiz,North,producer\nu2,Ben Okafor,South,producer\n"
ACTIVITIES_HEADER = "activity_id,user_id,type,occurred_at,notes\n"


def write(folder: Path, name: str, data: str | bytes, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def blocking(export: Path, mapping: object = None) -> str:
    with pytest.raises(InputError) as info:
        read_export(export, mapping=mapping)
    return str(info.value)


def fact(ds: object, table: str, field: str, issue: str) -> tuple[int, str]:
    qf = ds.quality_facts  # type: ignore[attr-defined]
    row = qf[(qf["table"] == table) & (qf["field"] == field) & (qf["issue"] == issue)]
    assert len(row) == 1, qf
    return int(row["count"].iloc[0]), str(row["examples"].iloc[0])


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kit", "intake", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


# --------------------------------------------------------------------------- blocking errors
def test_missing_required_column(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", "user_id,name,team,rolle\nu1,Ana,North,producer\n")
    message = blocking(tmp_path)
    assert "users.csv: column 'role' for required field users.role is not in the file" in message
    assert "Columns in the file: user_id, name, team, rolle" in message
    assert "Did you mean 'rolle'?" in message
    assert "Fix: change the mapping to `role: rolle`" in message


def test_missing_required_column_via_the_cli_exits_2_without_traceback(tmp_path: Path) -> None:
    write(tmp_path / "export", "users.csv", "user_id,name,team\nu1,Ana,North\n")
    result = run_cli(str(tmp_path / "export"), "--out", str(tmp_path / "ds"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "users.csv: column 'role' for required field users.role" in result.stderr
    assert not (tmp_path / "ds").exists()


def test_every_blocking_problem_is_listed_in_one_pass(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", "user_id,name,team\nu1,Ana,North\n")
    write(tmp_path, "opportunities.csv", "opportunity_id,owner_id,stage\no1,u1,funded\n")
    write(tmp_path, "logins.csv", b"")
    message = blocking(tmp_path)
    assert "3 blocking problem(s)" in message
    assert "users.csv: column 'role'" in message
    assert "opportunities.csv: column 'created_at'" in message
    assert "logins.csv (read as logins): the file is empty" in message


def test_wrong_delimiter_forced_by_the_mapping(tmp_path: Path) -> None:
    write(tmp_path, "staff.csv", "user_id;name;team;role\nu1;Ana;North;producer\n")
    mapping = {
        "tables": {
            "users": {
                "source": "staff.csv",
                "delimiter": ",",
                "columns": {"user_id": "user_id", "name": "name", "team": "team", "role": "role"},
            }
        }
    }
    message = blocking(tmp_path, mapping)
    assert "staff.csv: column 'user_id' for required field users.user_id" in message
    assert "Columns in the file: user_id;name;team;role" in message
    assert "probably delimited by something other than ','" in message
    assert "set `delimiter:`" in message


def test_rows_that_do_not_fit_the_header(tmp_path: Path) -> None:
    rows = "".join(f"a{i},u1,call,2024-01-02,note {i},extra,fields\n" for i in range(4))
    write(tmp_path, "users.csv", USERS)
    write(tmp_path, "activities.csv", ACTIVITIES_HEADER + "a9,u1,call,2024-01-02,ok\n" + rows)
    message = blocking(tmp_path)
    assert "activities.csv (read as activities): 4 of 5 rows have a different number of" in message
    assert "(e.g. rows 3, 4, 5, 6)" in message
    assert "`delimiter:`" in message


def test_empty_file(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", b"")
    message = blocking(tmp_path)
    assert "users.csv (read as users): the file is empty, it has no header row" in message


def test_header_only_required_table(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", "user_id,name,team,role\n")
    message = blocking(tmp_path)
    assert "users: no rows left to assess (users.csv has no data rows" in message


def test_header_only_optional_table_is_an_empty_table(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", USERS)
    write(tmp_path, "activities.csv", ACTIVITIES_HEADER)
    ds = read_export(tmp_path)
    assert len(ds["activities"]) == 0
    assert list(ds["activities"].columns) == [f.name for f in TABLES["activities"].fields]
    validate_table("activities", ds["activities"])
    assert ds.manifest["tables"]["activities"]["rows_read"] == 0


def test_key_column_that_cannot_be_read_blocks_with_a_fix(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", USERS)
    rows = "".join(
        f"a{i},u1,call,{d}/0{m}/2024\n" for i, (d, m) in enumerate([(13, 1), (25, 2), (31, 3)])
    )
    write(tmp_path, "activities.csv", "activity_id,user_id,type,occurred_at\n" + rows)
    month_first = {
        "dates": {"dayfirst": False},
        "tables": {
            t: {"source": f"{t}.csv", "columns": "canonical"} for t in ("users", "activities")
        },
        "allow_missing_columns": True,
    }
    message = blocking(tmp_path, month_first)
    assert "activities.csv: activities.occurred_at (column 'occurred_at'): 3 of 3 values" in message
    assert "row 2: '13/01/2024', row 3: '25/02/2024', row 4: '31/03/2024'" in message
    assert "set `dayfirst: true` for this column, or `format: '%d/%m/%Y'`" in message


def test_unmapped_stage_names_block_with_the_values_to_map(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", USERS)
    write(
        tmp_path,
        "opportunities.csv",
        "opportunity_id,owner_id,created_at,stage\n"
        "o1,u1,2024-01-02,Qualifying\no2,u1,2024-01-02,Engaging\no3,u1,2024-01-02,Won\n"
        "o4,u1,2024-01-02,Engaging\n",
    )
    message = blocking(tmp_path)
    assert "opportunities.stage (column 'stage'): 3 of 4 values cannot be read" in message
    assert "translate them in the mapping under `values: stage:`" in message
    assert "'Engaging'" in message


def test_required_table_missing_names_the_files_that_exist(tmp_path: Path) -> None:
    write(tmp_path, "user.csv", USERS)
    message = blocking(tmp_path)
    assert "users: no file in the export matches 'users.*', '*#users'. It is required." in message
    assert "Data files in the export: user.csv." in message
    assert "Did you mean 'user.csv'?" in message


def test_malformed_mapping_via_the_cli(tmp_path: Path) -> None:
    write(tmp_path / "export", "users.csv", USERS)
    mapping = write(tmp_path, "map.yaml", "tables:\n  user:\n    source: users.csv\n")
    result = run_cli(
        str(tmp_path / "export"), "--out", str(tmp_path / "ds"), "--mapping", str(mapping)
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "tables.user: unknown table (did you mean 'users'?)" in result.stderr


def test_unknown_preset_name_via_the_cli(tmp_path: Path) -> None:
    write(tmp_path / "export", "users.csv", USERS)
    result = run_cli(
        str(tmp_path / "export"), "--out", str(tmp_path / "ds"), "--mapping", "salesforse"
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "did you mean 'salesforce'?" in result.stderr


def test_bad_engagement_file(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", USERS)
    write(tmp_path, "engagement.yaml", "client: X\nas_of: 31/10/2025\nseat_cost_per_month: lots\n")
    message = blocking(tmp_path)
    # the messages of kit.params, the one parser of run parameters, naming the file
    assert "engagement.yaml: as_of '31/10/2025' is not a date: write it as YYYY-MM-DD" in message
    assert "engagement.yaml: seat_cost_per_month 'lots' is not a number: give" in message


def test_corrupt_zip_and_workbook(tmp_path: Path) -> None:
    write(tmp_path, "export.zip", b"PK not really a zip")
    assert "cannot read the archive export.zip" in blocking(tmp_path / "export.zip")
    folder = tmp_path / "folder"
    write(folder, "users.csv", USERS)
    write(folder, "extra.xlsx", b"not a workbook")
    assert "extra.xlsx: cannot open the workbook" in blocking(folder)


# --------------------------------------------------------------------------- recorded, not lost
def test_bom_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", b"\xef\xbb\xbf" + USERS.encode())
    ds = read_export(tmp_path)
    assert ds["users"]["user_id"].tolist() == ["u1", "u2"]
    assert ds.manifest["sources"][0]["encoding"] == "utf-8"


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolon"), ("\t", "tab")])
def test_semicolon_and_tab_delimiters_are_sniffed(
    tmp_path: Path, delimiter: str, name: str
) -> None:
    write(tmp_path, "users.csv", USERS.replace(",", delimiter))
    ds = read_export(tmp_path)
    assert ds["users"]["name"].tolist() == ["Ana Ruiz", "Ben Okafor"], name
    assert ds.manifest["sources"][0]["delimiter"] == delimiter


def test_windows_1252_names(tmp_path: Path) -> None:
    text = "user_id,name,team,role\nu1,José Núñez,Peña,producer\nu2,Zoë “Z” Brontë,Peña,producer\n"
    write(tmp_path, "users.csv", text, encoding="cp1252")
    ds = read_export(tmp_path)
    assert ds["users"]["name"].tolist() == ["José Núñez", "Zoë “Z” Brontë"]
    assert ds["users"]["team"].tolist() == ["Peña", "Peña"]
    assert ds.manifest["sources"][0]["encoding"] == "cp1252"
    assert any("Windows-1252" in w for w in ds.manifest["warnings"])


def test_windows_1252_after_the_first_kilobytes(tmp_path: Path) -> None:
    rows = "".join(f"u{i},Name {i},North,producer\n" for i in range(5000))
    text = "user_id,name,team,role\n" + rows + "u9999,René,North,producer\n"
    write(tmp_path, "users.csv", text, encoding="cp1252")
    ds = read_export(tmp_path)
    assert ds["users"]["name"].iloc[-1] == "René"
    assert len(ds["users"]) == 5001


def test_excel_mangled_values(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", USERS)
    write(
        tmp_path,
        "los_loans.csv",
        "loan_number,officer_id,application_date,amount\n"
        "1000104189,u1,2024-03-01,250000\n"
        "1.00010E+09,u1,01-May,300000\n"
        "5-1,u2,2024-03-04,\n"
        "01-May,u2,May-01,1000\n",
    )
    ds = read_export(tmp_path)
    assert ds["los_loans"]["loan_number"].tolist() == ["1000104189", "1.00010E+09", "5-1", "01-May"]
    assert fact(ds, "los_loans", "loan_number", "excel_mangled") == (
        2,
        "'01-May' (1), '1.00010E+09' (1)",
    )
    assert fact(ds, "los_loans", "application_date", "unparseable_date") == (
        2,
        "'01-May' (1), 'May-01' (1)",
    )
    assert pd.isna(ds["los_loans"]["application_date"].iloc[1])


def test_mixed_date_formats_in_one_column(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", USERS)
    write(
        tmp_path,
        "logins.csv",
        "user_id,login_at\nu1,2024-03-05 08:00:00\nu1,2024-03-06 08:00:00\nu2,03/17/2024 08:00\n"
        "u2,45359.5\n",
    )
    ds = read_export(tmp_path)
    assert ds["logins"]["login_at"].tolist() == [
        pd.Timestamp("2024-03-05 08:00"),
        pd.Timestamp("2024-03-06 08:00"),
        pd.Timestamp("2024-03-17 08:00"),
        pd.Timestamp("2024-03-08 12:00"),
    ]
    assert fact(ds, "logins", "login_at", "mixed_date_formats") == (
        2,
        "iso: 2, excel_serial: 1, month-first: 1",
    )


def test_duplicate_ids(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", USERS + "u1,Ana Again,North,producer\nu1,Third,North,producer\n")
    ds = read_export(tmp_path)
    assert ds["users"]["name"].tolist() == ["Ana Ruiz", "Ben Okafor"]
    assert (
        ds.excluded_rows["reason"].tolist()
        == ["duplicate user_id 'u1' (first kept: users.csv row 2)"] * 2
    )
    assert ds.excluded_rows["row_number"].tolist() == [4, 5]
    assert fact(ds, "users", "user_id", "duplicate_key") == (2, "'u1' (2)")


def test_unknown_extra_columns_are_listed_in_the_manifest(tmp_path: Path) -> None:
    write(
        tmp_path,
        "users.csv",
        "user_id,name,team,role,Favourite Color,Shoe Size\nu1,Ana,North,producer,blue,7\n",
    )
    ds = read_export(tmp_path)
    assert ds.manifest["sources"][0]["unused_columns"] == ["Favourite Color", "Shoe Size"]
    assert list(ds["users"].columns) == [f.name for f in TABLES["users"].fields]


def test_a_one_megabyte_notes_cell_and_html_are_kept_verbatim(tmp_path: Path) -> None:
    big = "Borrower said: " + "x" * (1 << 20) + ' and "quoted", commas, new\nlines'
    html = '<img src=x onerror="alert(1)"> <a href="javascript:void(0)">=HYPERLINK("x")</a>'
    quoted_big = '"' + big.replace('"', '""') + '"'
    quoted_html = '"' + html.replace('"', '""') + '"'
    write(tmp_path, "users.csv", USERS)
    write(
        tmp_path,
        "activities.csv",
        ACTIVITIES_HEADER
        + f"a1,u1,call,2024-01-02,{quoted_big}\n"
        + f"a2,u1,note,2024-01-02,{quoted_html}\n"
        + "a3,u1,fax,2024-01-03,\n",
    )
    ds = read_export(tmp_path)
    assert ds["activities"]["notes"].tolist() == [big, html]
    # the multi-line 1 MB cell spans lines 2-3, so the bad row is on line 5
    assert ds.excluded_rows[["row_number", "reason"]].values.tolist() == [
        [5, "unrecognized type 'fax'"]
    ]


def test_zip_of_a_messy_export(tmp_path: Path) -> None:
    archive = tmp_path / "crm.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("users.csv", b"\xef\xbb\xbf" + USERS.replace(",", ";").encode())
        zf.writestr(
            "activities.csv",
            (ACTIVITIES_HEADER + "a1,u1,Phone Call,2024-01-02,Café\n").encode("cp1252"),
        )
    ds = read_export(archive)
    assert ds["users"]["user_id"].tolist() == ["u1", "u2"]
    assert ds["activities"]["type"].tolist() == ["call"]
    assert ds["activities"]["notes"].tolist() == ["Café"]


def test_workbook_sheets_and_a_missing_sheet_column(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Users"
    ws.append(["user_id", "name", "team", "role"])
    ws.append(["u1", "Ana", "North", "producer"])
    ws = wb.create_sheet("activities")
    ws.append(["activity_id", "user_id", "type", "when"])
    ws.append(["a1", "u1", "call", "2024-01-02"])
    wb.save(tmp_path / "export.xlsx")
    message = blocking(tmp_path)
    assert "export.xlsx#activities: column 'occurred_at' for required field" in message
    assert "Columns in the file: activity_id, user_id, type, when" in message


def test_mapping_error_is_separate_from_input_error(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", USERS)
    with pytest.raises(MappingError):
        read_export(tmp_path, mapping={"tables": {"users": {"source": "users.csv"}}})


def test_the_wrong_preset_says_so(tmp_path: Path) -> None:
    write(tmp_path, "User.csv", USERS)
    message = blocking(tmp_path, "salesforce")
    assert "User.csv: column 'Id' for required field users.user_id is not in the file" in message
    assert "do these files really have the layout of mapping 'salesforce'" in message


def test_european_amounts_and_an_old_excel_file(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", USERS)
    write(
        tmp_path,
        "los_loans.csv",
        'loan_number;amount\nL1;"250.000,00"\nL2;"12,5"\nL3;"$1,500"\nL4;"(2,000.00)"\n',
    )
    write(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0 legacy workbook")
    ds = read_export(tmp_path)
    assert ds["los_loans"]["amount"].tolist() == [250000.0, 12.5, 1500.0, -2000.0]
    assert any("old.xls (this spreadsheet format is not read" in w for w in ds.manifest["warnings"])


def test_line_numbers_after_multi_line_cells_bad_rows_and_blank_lines(tmp_path: Path) -> None:
    write(
        tmp_path,
        "users.csv",
        "user_id,name,team,role\n"  # line 1
        'u1,"Ana\nRuiz",T,producer\n'  # lines 2-3
        "u2,B,T,producer,extra\n"  # line 4: one field too many
        "u3,C,T,producer\n"  # line 5
        "\n"  # line 6: empty, not data
        'u4,"D\n\nE",T,bogus\n'  # lines 7-9: unknown role
        "u5,F,T,producer\n",  # line 10
    )
    ds = read_export(tmp_path)
    assert ds["users"]["user_id"].tolist() == ["u1", "u3", "u5"]
    assert ds.excluded_rows[["row_number", "reason"]].values.tolist() == [
        [4, "row has 5 fields but the header has 4 (a stray delimiter or quote)"],
        [7, "unrecognized role 'bogus'"],
    ]
    assert ds.manifest["tables"]["users"]["rows_read"] == 5
    assert "users.csv: 1 empty row(s) skipped (no data)" in ds.manifest["warnings"]


def test_blank_lines_before_the_header(tmp_path: Path) -> None:
    write(
        tmp_path,
        "users.csv",
        "\n\nuser_id,name,team,role\nu1,A,T,producer\nu2,B,T,producer,x\nu3,C,T,bogus\n",
    )
    ds = read_export(tmp_path)
    assert ds["users"]["user_id"].tolist() == ["u1"]
    assert ds.excluded_rows["row_number"].tolist() == [5, 6]


def test_windows_1252_bad_row_far_into_the_file_via_the_cli(tmp_path: Path) -> None:
    rows = "".join(f"u{i},Name {i},North,producer\n" for i in range(4000))
    text = "user_id,name,team,role\n" + rows + "u9998,Zoë,T,producer,extra\nu9999,René,T,producer\n"
    write(tmp_path / "export", "users.csv", text, encoding="cp1252")
    result = run_cli(str(tmp_path / "export"), "--out", str(tmp_path / "ds"))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    ds = load_dataset(tmp_path / "ds")
    assert ds["users"]["name"].iloc[-1] == "René"
    assert ds.excluded_rows[["row_number", "reason"]].values.tolist() == [
        [4002, "row has 5 fields but the header has 4 (a stray delimiter or quote)"]
    ]
