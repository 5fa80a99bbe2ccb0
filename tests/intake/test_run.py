"""kit.intake: canonical dataset out of small hand-made exports, with exact expectations."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kit import load_dataset
from kit.dataset import EXCLUDED_COLUMNS, FACT_COLUMNS
from kit.exceptions import InputError, OutputError
from kit.intake import QUALITY_ISSUES, IntakeReport, intake, read_export, summarize
from kit.schema import TABLES, validate_table

USERS = (
    "user_id,name,team,role,active,seat_start\n"
    "u1,Ana Ruiz,North,Loan Officer,Yes,2024-01-02\n"
    "u2,Ben Okafor,North,producer,no,01/15/2024\n"
    "m1,Cara Lind,North,Branch Manager,TRUE,\n"
)


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def facts(ds: object) -> dict[tuple[str, str, str], tuple[int, str]]:
    frame = ds.quality_facts  # type: ignore[attr-defined]
    return {
        (r.table, r.field, r.issue): (r.count, r.examples) for r in frame.itertuples(index=False)
    }


def excluded(ds: object) -> list[tuple[str, str, int, str]]:
    frame = ds.excluded_rows  # type: ignore[attr-defined]
    return [tuple(r) for r in frame.itertuples(index=False)]


def assert_canonical(ds: object) -> None:
    """Every table has exactly the canonical columns and dtypes and passes validation."""
    for name, frame in ds.tables.items():  # type: ignore[attr-defined]
        assert list(frame.columns) == [f.name for f in TABLES[name].fields]
        for f in TABLES[name].fields:
            assert str(frame[f.name].dtype) == str(f.dtype), (name, f.name, frame[f.name].dtype)
        validate_table(name, frame)


def assert_accounting(ds: object) -> None:
    manifest = ds.manifest  # type: ignore[attr-defined]
    rows = ds.excluded_rows  # type: ignore[attr-defined]
    for name, counts in manifest["tables"].items():
        assert counts["rows_read"] == counts["rows_kept"] + counts["rows_excluded"]
        assert counts["rows_kept"] == len(ds.tables[name])  # type: ignore[attr-defined]
        assert counts["rows_excluded"] == int((rows["table"] == name).sum())
    by_source = {}
    for s in manifest["sources"]:
        assert s["rows_read"] == s["rows_kept"] + s["rows_excluded"]
        by_source[s["table"]] = by_source.get(s["table"], 0) + s["rows_read"]
    assert by_source == {t: c["rows_read"] for t, c in manifest["tables"].items()}


# --------------------------------------------------------------------------- canonical layout
def test_canonical_users_are_typed_and_translated(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", USERS)
    ds = read_export(tmp_path)
    users = ds["users"]
    assert users["user_id"].tolist() == ["u1", "u2", "m1"]
    assert users["role"].tolist() == ["producer", "producer", "manager"]
    assert list(users["role"].cat.categories) == list(TABLES["users"].field("role").vocabulary)
    assert users["team"].tolist() == ["North"] * 3
    assert users["active"].tolist() == [True, False, True]
    assert users["seat_start"].tolist() == [
        pd.Timestamp("2024-01-02"),
        pd.Timestamp("2024-01-15"),
        pd.NaT,
    ]
    assert_canonical(ds)
    assert_accounting(ds)
    # only users: every other table is "not provided", not an empty table
    assert set(ds.tables) == {"users"}
    assert ds.manifest["tables_not_provided"] == [t for t in TABLES if t != "users"]
    assert facts(ds) == {
        ("users", "seat_start", "missing"): (1, "users.csv row 4"),
        ("users", "seat_start", "mixed_date_formats"): (1, "iso: 1, month-first: 1"),
    }


def test_absent_optional_columns_exist_blank_with_their_dtype(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", "user_id,name,team,role\nu1,Ana,North,producer\n")
    ds = read_export(tmp_path)
    users = ds["users"]
    assert users["active"].isna().all() and str(users["active"].dtype) == "boolean"
    assert users["seat_start"].isna().all() and str(users["seat_start"].dtype) == "datetime64[us]"
    assert ds.manifest["tables"]["users"]["absent_fields"] == ["active", "seat_start"]
    assert_canonical(ds)


OPPORTUNITIES = (
    "opportunity_id,owner_id,created_at,stage,amount,status,closed_at,loan_number\n"
    'o1,u1,2024-01-03 10:00:00,Pre-Approval,"$250,000.00",,,\n'
    "o2,u2,2024-01-04T09:30:00,Clear To Close,1000,open,,\n"
    "o3,u1,2024-01-05, UNDERWRITING ,(1500.50),Active,,\n"
    "o4,u9,2024-01-06,CTC,abc,won,2024-02-01,1.23457E+11\n"
    "o5,u1,2024-01-07,Underwritting,,,,\n"
    "o2,u1,2024-01-08,funded,,won,2024-03-01,\n"
    ",u1,2024-01-09,funded,,,,\n"
    "o6,u1,01-May,lost,,,,\n"
)


def test_vocabulary_amounts_duplicates_and_blank_keys(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", USERS)
    write(tmp_path, "opportunities.csv", OPPORTUNITIES)
    ds = read_export(tmp_path)
    opps = ds["opportunities"]
    assert opps["opportunity_id"].tolist() == ["o1", "o2", "o3", "o4"]
    assert opps["stage"].tolist() == [
        "pre_approval",
        "clear_to_close",
        "underwriting",
        "clear_to_close",
    ]
    assert opps["status"].tolist()[1:] == ["open", "open", "won"]
    assert pd.isna(opps["status"].iloc[0])
    amounts = opps["amount"].tolist()
    assert amounts[:3] == [250000.0, 1000.0, -1500.5] and np.isnan(amounts[3])
    assert opps["created_at"].tolist()[:2] == [
        pd.Timestamp("2024-01-03 10:00:00"),
        pd.Timestamp("2024-01-04 09:30:00"),
    ]
    assert excluded(ds) == [
        ("opportunities", "opportunities.csv", 6, "unrecognized stage 'Underwritting'"),
        (
            "opportunities",
            "opportunities.csv",
            7,
            "duplicate opportunity_id 'o2' (first kept: opportunities.csv row 3)",
        ),
        ("opportunities", "opportunities.csv", 8, "blank opportunity_id"),
        ("opportunities", "opportunities.csv", 9, "unreadable created_at '01-May'"),
    ]
    found = facts(ds)
    assert found[("opportunities", "stage", "invalid_value")] == (1, "'Underwritting' (1)")
    assert found[("opportunities", "amount", "unparseable_amount")] == (1, "'abc' (1)")
    assert found[("opportunities", "opportunity_id", "duplicate_key")] == (1, "'o2' (1)")
    assert found[("opportunities", "opportunity_id", "blank_required")] == (
        1,
        "opportunities.csv row 8",
    )
    assert found[("opportunities", "created_at", "unparseable_date")] == (1, "'01-May' (1)")
    assert found[("opportunities", "owner_id", "orphan_reference")] == (1, "'u9' (1)")
    assert found[("opportunities", "loan_number", "excel_mangled")] == (1, "'1.23457E+11' (1)")
    assert found[("opportunities", "status", "missing")] == (1, "opportunities.csv row 2")
    assert_canonical(ds)
    assert_accounting(ds)


def test_booleans_accept_every_spelling_and_flag_the_rest(tmp_path: Path) -> None:
    values = ["true", "FALSE", "Yes", "no", "Y", "n", "1", "0", "T", "f", "maybe", ""]
    rows = "".join(f"u{i},N{i},T,producer,{v}\n" for i, v in enumerate(values))
    write(tmp_path, "users.csv", "user_id,name,team,role,active\n" + rows)
    ds = read_export(tmp_path)
    got = ds["users"]["active"].tolist()
    assert got[:10] == [True, False, True, False, True, False, True, False, True, False]
    assert pd.isna(got[10]) and pd.isna(got[11])
    assert facts(ds)[("users", "active", "invalid_value")] == (1, "'maybe' (1)")
    assert facts(ds)[("users", "active", "missing")] == (1, "users.csv row 13")


def test_dates_iso_us_excel_serial_and_day_first(tmp_path: Path) -> None:
    write(
        tmp_path,
        "users.csv",
        "user_id,name,team,role,seat_start\n"
        "u1,A,T,producer,2024-03-04\n"
        "u2,B,T,producer,3/4/2024\n"
        "u3,C,T,producer,45355\n"
        "u4,D,T,producer,03/04/2024 2:05 PM\n"
        'u5,E,T,producer,"Mar 4, 2024"\n'
        "u6,F,T,producer,3/14/2024\n",
    )
    ds = read_export(tmp_path)
    got = ds["users"]["seat_start"].tolist()
    assert got == [
        pd.Timestamp("2024-03-04"),
        pd.Timestamp("2024-03-04"),  # month-first, as 3/14/2024 shows
        pd.Timestamp("2024-03-04"),  # Excel serial 45355
        pd.Timestamp("2024-03-04 14:05"),
        pd.Timestamp("2024-03-04"),
        pd.Timestamp("2024-03-14"),
    ]
    found = facts(ds)
    # 6 dates parsed: 3 month-first, 1 each of three other formats (3 in the minority)
    assert found[("users", "seat_start", "mixed_date_formats")] == (
        3,
        "month-first: 3, excel_serial: 1, iso: 1, text: 1",
    )
    # the same column declared day-first: 3/14/2024 is then no date at all
    dayfirst = {
        "dates": {"dayfirst": True},
        "tables": {"users": {"source": "users.csv", "columns": "canonical"}},
        "allow_missing_columns": True,
    }
    ds = read_export(tmp_path, mapping=dayfirst)
    got = ds["users"]["seat_start"].tolist()
    assert got[1] == pd.Timestamp("2024-04-03") and pd.isna(got[5])
    assert facts(ds)[("users", "seat_start", "unparseable_date")] == (1, "'3/14/2024' (1)")


def test_time_zone_aware_values_become_local_time(tmp_path: Path) -> None:
    write(
        tmp_path,
        "users.csv",
        "user_id,name,team,role,seat_start\n"
        "u1,A,T,producer,2024-07-01T15:00:00Z\n"
        "u2,B,T,producer,2024-07-01T15:00:00+02:00\n"
        "u3,C,T,producer,2024-07-01 09:00:00\n",
    )
    mapping = {
        "timezone": "America/Chicago",
        "allow_missing_columns": True,
        "tables": {"users": {"source": "users.csv", "columns": "canonical"}},
    }
    ds = read_export(tmp_path, mapping=mapping)
    assert ds["users"]["seat_start"].tolist() == [
        pd.Timestamp("2024-07-01 10:00"),  # 15:00 UTC = 10:00 CDT
        pd.Timestamp("2024-07-01 08:00"),  # 13:00 UTC
        pd.Timestamp("2024-07-01 09:00"),  # naive values are already local
    ]
    assert ds.manifest["warnings"] == []
    # without a time zone they are converted to UTC, with a warning saying so
    ds = read_export(tmp_path)
    assert ds["users"]["seat_start"].tolist()[0] == pd.Timestamp("2024-07-01 15:00")
    assert any("time-zone-aware" in w and "timezone:" in w for w in ds.manifest["warnings"])


def test_row_numbers_count_lines_of_multi_line_notes(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", "user_id,name,team,role\nu1,A,T,producer\n")
    write(
        tmp_path,
        "activities.csv",
        "activity_id,user_id,type,occurred_at,notes\n"
        'a1,u1,call,2024-01-02 10:00:00,"line one\nline two\nline three"\n'
        "a2,u1,fax,2024-01-02 11:00:00,\n"
        'a3,u1,call,2024-01-02 12:00:00,"<b>bold</b> & <script>x()</script>"\n'
        "a4,u1,call,never,\n",
    )
    ds = read_export(tmp_path)
    assert excluded(ds) == [
        ("activities", "activities.csv", 5, "unrecognized type 'fax'"),
        ("activities", "activities.csv", 7, "unreadable occurred_at 'never'"),
    ]
    notes = ds["activities"]["notes"].tolist()
    assert notes == ["line one\nline two\nline three", "<b>bold</b> & <script>x()</script>"]


def test_malformed_rows_are_excluded_with_their_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        "users.csv",
        "user_id,name,team,role\nu1,A,T,producer\nu2,B,T,producer,extra\nu3,C,T,producer\n",
    )
    ds = read_export(tmp_path)
    assert ds["users"]["user_id"].tolist() == ["u1", "u3"]
    (row,) = excluded(ds)
    assert row[:3] == ("users", "users.csv", 3)
    assert "row has 5 fields but the header has 4" in row[3]
    assert ds.manifest["tables"]["users"] == {
        "rows_read": 3,
        "rows_kept": 2,
        "rows_excluded": 1,
        "sources": ["users.csv"],
        "absent_fields": ["active", "seat_start"],
    }


def test_orphans_and_future_dates_are_facts_on_kept_rows(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", "user_id,name,team,role\nu1,A,T,producer\n")
    write(
        tmp_path,
        "contacts.csv",
        "contact_id,created_at,owner_id,referred_by\n"
        "c1,2024-01-01,u1,\n"
        "c2,2099-01-01,u7,c1\n"
        "c3,2024-01-01,u7,c9\n",
    )
    write(
        tmp_path,
        "activities.csv",
        "activity_id,user_id,type,occurred_at,contact_id,next_step_due\n"
        "a1,u1,call,2024-01-02,c2,2099-01-01\n"
        "a2,u2,email,2024-01-02,c8,\n",
    )
    ds = read_export(tmp_path)
    found = facts(ds)
    assert found[("contacts", "owner_id", "orphan_reference")] == (2, "'u7' (2)")
    assert found[("contacts", "referred_by", "orphan_reference")] == (1, "'c9' (1)")
    assert found[("contacts", "created_at", "future_date")] == (1, "'2099-01-01' (1)")
    assert found[("activities", "user_id", "orphan_reference")] == (1, "'u2' (1)")
    assert found[("activities", "contact_id", "orphan_reference")] == (1, "'c8' (1)")
    # a next step due in the future is normal
    assert ("activities", "next_step_due", "future_date") not in found
    assert set(QUALITY_ISSUES) >= set(ds.quality_facts["issue"])


# --------------------------------------------------------------------------- files and formats
def test_manifest_records_sources_checksums_and_engagement(tmp_path: Path) -> None:
    export = tmp_path / "export"
    users = write(export, "users.csv", USERS)
    write(export, "README.md", "hello")
    write(export, "notes/other.csv", "a,b\n1,2\n")
    write(
        export,
        "engagement.yaml",
        "client: Harborlight\nlaunch_date: 2025-01-13\nas_of: '2025-10-31'\n"
        "seat_cost_per_month: 125\n",
    )
    ds = read_export(export)
    m = ds.manifest
    assert m["engagement"] == {
        "client": "Harborlight",
        "launch_date": "2025-01-13",
        "as_of": "2025-10-31",
        "seat_cost_per_month": 125,
    }
    (source,) = m["sources"]
    assert source == {
        "path": "users.csv",
        "sheet": None,
        "table": "users",
        "size": users.stat().st_size,
        "sha256": hashlib.sha256(users.read_bytes()).hexdigest(),
        "rows_read": 3,
        "rows_kept": 3,
        "rows_excluded": 0,
        "encoding": "utf-8",
        "delimiter": ",",
    }
    assert m["export"] == {"name": "export", "kind": "folder"}
    assert m["mapping"]["origin"] == "preset:canonical"
    assert m["kit_version"]
    assert "not read (no table in the mapping matches them): notes/other.csv" in m["warnings"]
    assert "not data files, ignored: README.md" in m["warnings"]
    json.dumps(m)  # JSON-able as it is


def test_intake_writes_a_reproducible_dataset_atomically(tmp_path: Path) -> None:
    export = tmp_path / "export"
    write(export, "users.csv", USERS)
    write(export, "opportunities.csv", OPPORTUNITIES)
    before = {p.name: p.read_bytes() for p in export.iterdir()}
    one = intake(export, tmp_path / "one")
    intake(export, tmp_path / "two")
    assert isinstance(one, IntakeReport) and one.out_dir == tmp_path / "one"
    for name in (
        "manifest.json",
        "excluded_rows.parquet",
        "quality_facts.parquet",
        "tables/users.parquet",
        "tables/opportunities.parquet",
    ):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert {p.name: p.read_bytes() for p in export.iterdir()} == before  # inputs untouched
    loaded = load_dataset(tmp_path / "one")
    pd.testing.assert_frame_equal(loaded["opportunities"], one.dataset["opportunities"])
    assert list(loaded.excluded_rows.columns) == list(EXCLUDED_COLUMNS)
    assert list(loaded.quality_facts.columns) == list(FACT_COLUMNS)
    with pytest.raises(OutputError):
        intake(export, tmp_path / "one")
    assert intake(export, tmp_path / "one", replace=True).out_dir == tmp_path / "one"


def test_a_failed_intake_leaves_nothing_behind(tmp_path: Path) -> None:
    write(tmp_path / "export", "users.csv", "user_id,name\nu1,A\n")
    with pytest.raises(InputError):
        intake(tmp_path / "export", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["export"]


def test_summary_lists_tables_facts_and_destination(tmp_path: Path) -> None:
    write(tmp_path / "export", "users.csv", USERS)
    write(tmp_path / "export", "opportunities.csv", OPPORTUNITIES)
    text = summarize(intake(tmp_path / "export", tmp_path / "ds"))
    lines = text.splitlines()
    assert lines[0] == "Intake of export with mapping 'canonical' (preset:canonical)"
    assert "users                      3           3           0" in lines
    assert "opportunities              8           4           4" in lines
    assert "Data-quality facts recorded: 12" in text
    assert f"Written to {tmp_path / 'ds'}" in text


def test_zip_export(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("crm/users.csv", USERS)
        zf.writestr("crm/engagement.yaml", "client: Zed\n")
        zf.writestr("__MACOSX/crm/._users.csv", "junk")
    ds = read_export(archive)
    assert ds["users"]["user_id"].tolist() == ["u1", "u2", "m1"]
    m = ds.manifest
    assert m["export"] == {
        "name": "export.zip",
        "kind": "zip",
        "size": archive.stat().st_size,
        "sha256": hashlib.sha256(archive.read_bytes()).hexdigest(),
    }
    assert m["sources"][0]["path"] == "crm/users.csv"
    assert m["engagement"] == {"client": "Zed"}


def test_workbook_with_one_table_per_sheet(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "users"
    ws.append(["user_id", "name", "team", "role", "seat_start"])
    ws.append([1001, "Ana", "North", "producer", pd.Timestamp("2024-01-02").to_pydatetime()])
    ws.append([None, None, None, None, None])  # a blank row in the middle
    ws.append([1002, "Ben", "North", "LO", 45355])
    ws = wb.create_sheet("opportunities")
    ws.append(["opportunity_id", "owner_id", "created_at", "stage", "amount"])
    ws.append(["o1", 1001, "2024-01-03 10:00", "Pre-Approval", 250000.5])
    ws.append(["o2", 1002, "2024-01-04", "Closed", None])
    ws.append(["o3", 1003, "2024-01-05", "Bogus", 1])
    wb.save(tmp_path / "crm.xlsx")
    ds = read_export(tmp_path / "crm.xlsx")
    assert ds["users"]["user_id"].tolist() == ["1001", "1002"]
    assert ds["users"]["seat_start"].tolist() == [
        pd.Timestamp("2024-01-02"),
        pd.Timestamp("2024-03-04"),
    ]
    assert ds["opportunities"]["stage"].tolist() == ["pre_approval", "funded"]
    assert ds["opportunities"]["amount"].tolist()[0] == 250000.5
    assert excluded(ds) == [
        ("opportunities", "crm.xlsx#opportunities", 4, "unrecognized stage 'Bogus'")
    ]
    assert [(s["path"], s["sheet"], s["table"]) for s in ds.manifest["sources"]] == [
        ("crm.xlsx", "users", "users"),
        ("crm.xlsx", "opportunities", "opportunities"),
    ]
    assert_canonical(ds)
    assert_accounting(ds)


def test_parquet_sources(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "user_id": [1, 2],
            "name": ["A", "B"],
            "team": ["T", "T"],
            "role": ["producer", "Manager"],
            "seat_start": pd.to_datetime(["2024-01-01", "2024-02-01"]),
        }
    )
    frame.to_parquet(tmp_path / "users.parquet")
    ds = read_export(tmp_path)
    assert ds["users"]["user_id"].tolist() == ["1", "2"]
    assert ds["users"]["role"].tolist() == ["producer", "manager"]
    assert ds["users"]["seat_start"].tolist() == [
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-02-01"),
    ]
    assert_canonical(ds)


# --------------------------------------------------------------------------- derivations
def test_mapping_derivations(tmp_path: Path) -> None:
    write(
        tmp_path,
        "staff.csv",
        "Id,Full Name,ManagerId,Dept,Status\n"
        "005A,Ana Ruiz,005M,,Active\n"
        '005B,"Okafor, Ben",005M,,Inactive\n'
        "005M,Cara Lind,,Lending,Active\n"
        "005X,Solo,,,\n",
    )
    write(
        tmp_path,
        "deals.csv",
        "Id,Owner,Created,Stage,Closed?,CloseDate,Who\n"
        "006a,005A,2024-01-02,Closed Won,yes,2024-02-01,003x\n"
        "006b,005B,2024-01-03,Negotiation,no,2024-09-01,00Qy\n",
    )
    mapping = {
        "values": {"stage": {"Negotiation": "underwriting", "Closed Won": "funded"}},
        "tables": {
            "users": {
                "source": "staff.csv",
                "columns": {
                    "user_id": "Id",
                    "name": "Full Name",
                    "team": {
                        "column": "ManagerId",
                        "lookup": {"key": "Id", "value": "Full Name"},
                        "fallback": {"column": "Dept", "fallback": {"constant": "Unassigned"}},
                    },
                    "role": {
                        "column": "Id",
                        "is_in": "ManagerId",
                        "then": "manager",
                        "else": "producer",
                    },
                    "active": {"column": "Status", "values": {"active": True}, "default": False},
                },
            },
            "contacts": {
                "source": "staff.csv",
                "columns": {
                    "contact_id": "Id",
                    "created_at": {"constant": "2024-01-01"},
                    "first_name": {"column": "Full Name", "split_name": "first"},
                    "last_name": {"column": "Full Name", "split_name": "last"},
                    "email": {"join": ["Id", "Dept"], "sep": "@"},
                },
            },
            "opportunities": {
                "source": "deals.csv",
                "columns": {
                    "opportunity_id": "Id",
                    "owner_id": "Owner",
                    "created_at": "Created",
                    "stage": "Stage",
                    "status": {
                        "from_field": "stage",
                        "values": {"funded": "won", "lost": "lost"},
                        "default": "open",
                    },
                    "closed_at": {"column": "CloseDate", "when": {"column": "Closed?", "is": True}},
                    "contact_id": {"column": "Who", "matches": "^003"},
                },
            },
        },
    }
    ds = read_export(tmp_path, mapping=mapping)
    users = ds["users"]
    assert users["team"].tolist() == ["Cara Lind", "Cara Lind", "Lending", "Unassigned"]
    assert users["role"].tolist() == ["producer", "producer", "manager", "producer"]
    assert users["active"].tolist()[:3] == [True, False, True] and pd.isna(users["active"][3])
    contacts = ds["contacts"]
    assert contacts["first_name"].tolist() == ["Ana", "Ben", "Cara", "Solo"]
    assert contacts["last_name"].tolist()[:3] == ["Ruiz", "Okafor", "Lind"]
    assert pd.isna(contacts["last_name"][3])
    assert contacts["email"].tolist() == ["005A", "005B", "005M@Lending", "005X"]
    assert contacts["created_at"].unique().tolist() == [pd.Timestamp("2024-01-01")]
    opps = ds["opportunities"]
    assert opps["stage"].tolist() == ["funded", "underwriting"]
    assert opps["status"].tolist() == ["won", "open"]
    assert opps["closed_at"].tolist()[0] == pd.Timestamp("2024-02-01")
    assert pd.isna(opps["closed_at"][1])
    assert opps["contact_id"].tolist()[0] == "003x" and pd.isna(opps["contact_id"][1])
    assert [(s["table"], s.get("unused_columns")) for s in ds.manifest["sources"]] == [
        ("users", None),
        ("contacts", ["ManagerId", "Status"]),
        ("opportunities", None),
    ]
    assert_canonical(ds)


# --------------------------------------------------------------------------- presets
def test_salesforce_preset(tmp_path: Path) -> None:
    write(
        tmp_path,
        "User.csv",
        "Id,Name,FirstName,LastName,ManagerId,Department,IsActive,CreatedDate\n"
        "005M,Cara Lind,Cara,Lind,,Lending,true,2023-05-01T12:00:00.000Z\n"
        "005A,Ana Ruiz,Ana,Ruiz,005M,,true,2023-06-01T12:00:00.000Z\n"
        "005B,Ben Okafor,Ben,Okafor,005M,,false,2023-06-02T12:00:00.000Z\n",
    )
    write(
        tmp_path,
        "Lead.csv",
        "Id,CreatedDate,OwnerId,LeadSource,Status,FirstName,LastName,Email,Phone,MobilePhone\n"
        "00Q1,2024-01-02T15:00:00.000Z,005A,Web,Working - Contacted,Dee,Lee,d@x.org,,555-0101\n",
    )
    write(
        tmp_path,
        "Contact.csv",
        "Id,CreatedDate,OwnerId,LeadSource,FirstName,LastName,Email,Phone\n"
        "0031,2024-01-03T15:00:00.000Z,005B,Partner Referral,Eve,Ng,e@x.org,555-0102\n",
    )
    write(
        tmp_path,
        "Opportunity.csv",
        "Id,OwnerId,CreatedDate,StageName,ContactId,Amount,LeadSource,CloseDate,IsClosed,IsWon\n"
        "0061,005A,2024-01-04T15:00:00.000Z,Closed Won,0031,350000,Web,2024-02-15,true,true\n"
        "0062,005B,2024-01-05T15:00:00.000Z,Qualification,0031,,,2024-06-30,false,false\n",
    )
    write(
        tmp_path,
        "Task.csv",
        "Id,OwnerId,Type,TaskSubtype,CompletedDateTime,ActivityDate,CreatedDate,WhoId,WhatId,"
        "CallDisposition,Description\n"
        "00T1,005A,Call,Task,2024-01-05T16:00:00.000Z,2024-01-05,2024-01-05T16:05:00.000Z,"
        "00Q1,0061,Left voicemail,Called about rate\n"
        "00T2,005A,,ListEmail,,2024-01-06,2024-01-06T08:00:00.000Z,0031,001A,,\n",
    )
    write(
        tmp_path,
        "Event.csv",
        "Id,OwnerId,Type,StartDateTime,CreatedDate,WhoId,WhatId,Description\n"
        "00U1,005B,,2024-01-07T17:00:00.000Z,2024-01-07T09:00:00.000Z,0031,0062,Kitchen table\n",
    )
    write(
        tmp_path,
        "LoginHistory.csv",
        "Id,UserId,LoginTime,Status\n0Ya1,005A,2024-01-05T13:00:00.000Z,Success\n",
    )
    ds = read_export(tmp_path, mapping="salesforce")
    users = ds["users"]
    assert users["team"].tolist() == ["Lending", "Cara Lind", "Cara Lind"]
    assert users["role"].tolist() == ["manager", "producer", "producer"]
    assert users["active"].tolist() == [True, True, False]
    contacts = ds["contacts"]
    assert contacts["contact_id"].tolist() == ["00Q1", "0031"]
    assert contacts["contact_type"].tolist()[0] == "lead"
    assert contacts["lifecycle_stage"].tolist()[0] == "prospect"
    assert contacts["lead_source"].tolist() == ["website", "realtor_referral"]
    assert contacts["phone"].tolist() == ["555-0101", "555-0102"]
    opps = ds["opportunities"]
    assert opps["stage"].tolist() == ["funded", "new_lead"]
    assert opps["status"].tolist() == ["won", "open"]
    assert opps["closed_at"].tolist()[0] == pd.Timestamp("2024-02-15")
    assert pd.isna(opps["closed_at"][1])  # expected close date of an open deal is dropped
    assert opps["expected_close_date"][1] == pd.Timestamp("2024-06-30")  # ... and kept here
    acts = ds["activities"]
    assert acts["activity_id"].tolist() == ["00T1", "00T2", "00U1"]
    assert acts["type"].tolist() == ["call", "email", "meeting"]
    assert acts["automated"].tolist() == [False, True, False]
    assert acts["occurred_at"].tolist() == [
        pd.Timestamp("2024-01-05 16:00"),
        pd.Timestamp("2024-01-06"),
        pd.Timestamp("2024-01-07 17:00"),
    ]
    assert acts["opportunity_id"].tolist()[0] == "0061" and pd.isna(acts["opportunity_id"][1])
    assert ds["logins"]["login_at"].tolist() == [pd.Timestamp("2024-01-05 13:00")]
    assert any("timezone:" in w for w in ds.manifest["warnings"])
    assert_canonical(ds)
    assert_accounting(ds)


def test_hubspot_preset(tmp_path: Path) -> None:
    write(
        tmp_path,
        "hubspot-users.csv",
        "First Name,Last Name,Email,Primary Team\nAna,Ruiz,ana@x.org,North\n"
        "Ben,Okafor,ben@x.org,\n",
    )
    write(
        tmp_path,
        "hubspot-crm-exports-all-contacts-2024-05-01.csv",
        "Record ID,First Name,Last Name,Email,Phone Number,Contact owner,Lifecycle Stage,"
        "Original Source,Create Date\n"
        "101,Dee,Lee,d@x.org,555-0101,Ana Ruiz,Marketing Qualified Lead,Organic Search,"
        "2024-01-02 10:00\n",
    )
    write(
        tmp_path,
        "hubspot-crm-exports-all-deals-2024-05-01.csv",
        "Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Deal owner\n"
        '201,Lee purchase,Closed Won,"325,000",2024-03-01,2024-01-03 09:00,Ana Ruiz\n'
        "202,Ng refi,Contract Sent,,2024-07-01,2024-01-04 09:00,Ben Okafor\n",
    )
    write(
        tmp_path,
        "hubspot-crm-exports-all-calls-2024-05-01.csv",
        "Record ID,Activity date,Activity assigned to,Call outcome,Call notes\n"
        "301,2024-01-05 11:00,Ana Ruiz,Connected,Talked rates\n",
    )
    ds = read_export(tmp_path, mapping="hubspot")
    assert ds["users"]["user_id"].tolist() == ["Ana Ruiz", "Ben Okafor"]
    assert ds["users"]["team"].tolist() == ["North", "Unassigned"]
    assert ds["contacts"]["lifecycle_stage"].tolist() == ["prospect"]
    assert ds["contacts"]["lead_source"].tolist() == ["website"]
    opps = ds["opportunities"]
    assert opps["stage"].tolist() == ["funded", "underwriting"]
    assert opps["amount"].tolist()[0] == 325000.0
    assert opps["closed_at"].tolist()[0] == pd.Timestamp("2024-03-01")
    assert pd.isna(opps["closed_at"][1])
    assert opps["expected_close_date"][1] == pd.Timestamp("2024-07-01")
    assert ds["activities"]["type"].tolist() == ["call"]
    assert ds["activities"]["outcome"].tolist() == ["Connected"]
    assert ("opportunities", "owner_id", "orphan_reference") not in facts(ds)
    assert_canonical(ds)
    assert_accounting(ds)


def test_compact_dates_written_as_numbers(tmp_path: Path) -> None:
    write(
        tmp_path,
        "users.csv",
        "user_id,name,team,role,seat_start\nu1,A,T,producer,20240305\nu2,B,T,producer,20241231\n",
    )
    ds = read_export(tmp_path)
    assert ds["users"]["seat_start"].tolist() == [
        pd.Timestamp("2024-03-05"),
        pd.Timestamp("2024-12-31"),
    ]


def test_future_dates_are_after_the_export_date_not_the_as_of(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", "user_id,name,team,role\nu1,A,T,producer\n")
    write(tmp_path, "engagement.yaml", "export_date: 2024-06-30\nas_of: 2024-05-31\n")
    write(
        tmp_path,
        "logins.csv",
        "user_id,login_at\nu1,2024-06-30 23:59:00\nu1,2024-07-01 00:00:00\nu1,2024-07-02 08:00\n",
    )
    ds = read_export(tmp_path)
    # after the export's own date; the June login after the as-of date is not a defect
    assert facts(ds)[("logins", "login_at", "future_date")] == (
        2,
        "'2024-07-01' (1), '2024-07-02' (1)",
    )
    assert ds.manifest["future_dates_after"] == "after the export date 2024-06-30"
    assert ds.manifest["engagement"]["export_date"] == "2024-06-30"


def test_without_an_export_date_only_dates_far_from_the_rest_are_future(tmp_path: Path) -> None:
    write(tmp_path, "users.csv", "user_id,name,team,role\nu1,A,T,producer\n")
    days = [f"2024-0{m}-{d:02d} 09:00" for m in (1, 2, 3, 4, 5, 6) for d in (1, 10, 20)]
    write(
        tmp_path,
        "logins.csv",
        "user_id,login_at\n" + "".join(f"u1,{d}\n" for d in [*days, "2052-06-20 09:00"]),
    )
    ds = read_export(tmp_path)
    assert facts(ds)[("logins", "login_at", "future_date")] == (1, "'2052-06-20' (1)")
    assert ds.manifest["future_dates_after"] == (
        "on or after 2052-06-20, 10,227 days after the rest of the data (a gap of 180 days or "
        "more, with at most 5% of the events, or one, after it)"
    )


# --------------------------------------------------------------------------- properties
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ROW = st.tuples(
    st.sampled_from(["o1", "o2", "o3", "", " o4 "]),  # ids: duplicates, blanks, padding
    st.sampled_from(["2024-01-02", "01/13/2024", "45356", "01-May", ""]),
    st.sampled_from(["Funded", "CTC", "pre approval", "Underwritting", ""]),
    st.sampled_from(["", "note", '"two\nlines"', '"a, b"', "one,too many"]),
    st.booleans(),  # an empty line after the row
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(ROW, min_size=1, max_size=12))
def test_every_row_is_kept_or_excluded_with_its_line(tmp_path_factory, rows) -> None:
    folder = tmp_path_factory.mktemp("prop")
    write(folder, "users.csv", "user_id,name,team,role\nu1,A,T,producer\n")
    # 13 good rows first: random rows can then never make a required column mostly
    # unreadable (which would stop intake instead of excluding rows)
    good = [f"g{i},u1,2024-01-02,funded," for i in range(13)]
    lines = ["opportunity_id,owner_id,created_at,stage,loan_number", *good]
    first_line = []
    line = 2 + len(good)
    for key, created, stage, note, blank_after in rows:
        first_line.append(line)
        lines.append(f"{key},u1,{created},{stage},{note}")
        line += 1 + note.count("\n")
        if blank_after:
            lines.append("")
            line += 1
    write(folder, "opportunities.csv", "\n".join(lines) + "\n")
    ds = read_export(folder)
    kept = ds["opportunities"]
    excluded = ds.excluded_rows
    assert len(kept) + len(excluded) == len(rows) + len(good)
    assert_accounting(ds)
    # every excluded row number is the first line of one input row, each at most once
    assert set(excluded["row_number"]) <= set(first_line)
    assert excluded["row_number"].is_unique
    # kept rows are exactly the first occurrence of each readable key
    readable = [
        r[0].strip()
        for r in rows
        if r[0].strip()
        and r[1] not in ("", "01-May")
        and r[2] not in ("", "Underwritting")
        and r[3] != "one,too many"
    ]
    expected = [f"g{i}" for i in range(13)] + list(dict.fromkeys(readable))
    assert kept["opportunity_id"].tolist() == expected
    validate_table("opportunities", kept)
