"""The mapping language's semantics, made explicit: fallback levels with their own value
maps, keys that would do nothing are errors, fix hints only for alike names, ``extends``,
users derived from owner columns and lookups in another file (issues 12 and 14)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kit.exceptions import InputError, MappingError
from kit.intake import read_export
from kit.intake.mapping import close_match, load_mapping, merge_mappings

USERS = "user_id,name,team,role\nu1,Ana Ruiz,North,producer\n"


def problems(spec: object) -> list[str]:
    with pytest.raises(MappingError) as info:
        load_mapping(spec)
    return info.value.problems


def activities_mapping(automated: object) -> dict[str, object]:
    return {
        "tables": {
            "users": "users.csv",
            "activities": {
                "source": "tasks.csv",
                "columns": {
                    "activity_id": "Id",
                    "user_id": {"constant": "u1"},
                    "type": {"constant": "task"},
                    "occurred_at": "Date",
                    "automated": automated,
                },
            },
        }
    }


def test_values_and_default_apply_at_their_own_level_before_the_fallback(tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text(USERS)
    (tmp_path / "tasks.csv").write_text(
        "Id,Date,TaskSubtype,Subject\n"
        "t1,2024-01-02,ListEmail,Hello\n"
        "t2,2024-01-02,Call,List Email: spring rates\n"
        "t3,2024-01-02,,List Email: spring rates\n"
        "t4,2024-01-02,,Checked docs\n"
        "t5,2024-01-02,,\n"
    )
    automated = {
        "column": "TaskSubtype",
        "values": {"ListEmail": True},
        "default": False,
        "fallback": {
            "column": "Subject",
            "patterns": {"^list email": True},
            "default": False,
        },
    }
    ds = read_export(tmp_path, mapping=activities_mapping(automated))
    # t2: the outer default answers for a non-blank TaskSubtype; the fallback is only read
    # where the outer level is blank (t3-t5), with its own patterns and default; t5 has
    # neither and stays unknown. Before, the fallback's patterns/default were ignored and
    # the outer default was applied to the fallback's values.
    assert ds["activities"]["automated"].tolist() == [True, False, True, False, pd.NA]


def test_a_value_mapped_to_null_falls_through_to_the_next_level(tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text(USERS)
    (tmp_path / "tasks.csv").write_text(
        "Id,Date,Kind,Subject\nt1,2024-01-02,Task,Call Ana\nt2,2024-01-02,Email,Call Ana\n"
    )
    mapping = activities_mapping({"constant": False})
    mapping["tables"]["activities"]["columns"]["type"] = {  # type: ignore[index]
        "column": "Kind",
        "values": {"Task": None},
        "fallback": {"column": "Subject", "patterns": {"^call": "call"}, "default": "task"},
    }
    ds = read_export(tmp_path, mapping=mapping)
    assert ds["activities"]["type"].astype(str).tolist() == ["call", "email"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"column": "A", "fallback": {"column": "B", "optional": True}},
            "optional cannot be set inside a fallback: they apply to the whole field",
        ),
        (
            {"column": "A", "fallback": {"column": "B", "format": "%d.%m.%Y"}},
            "format cannot be set inside a fallback",
        ),
        ({"column": "A", "sep": "-"}, "sep only applies to join"),
        ({"column": "A", "then": True}, "then only applies to is_in"),
        ({"column": "A", "patterns": {"(": True}}, "patterns key '(' is not a valid regular"),
        ({"column": "A", "when": {"column": "B", "is": 1, "otherwise": 2}}, "when needs exactly"),
    ],
)
def test_keys_that_would_do_nothing_are_errors(spec: dict[str, object], message: str) -> None:
    found = problems(activities_mapping(spec))
    assert any(message in p for p in found), found


def test_fix_hints_never_suggest_an_unrelated_column() -> None:
    assert close_match("Deal owner", ["Record ID", "Deal Name", "Amount"]) is None
    assert close_match("Create Date", ["Close Date", "Deal Stage"]) is None
    assert close_match("Lifecycle Stage", ["Lead Status", "Last Name"]) is None
    assert close_match("OwnerId", ["Owner Id", "Name"]) == "Owner Id"
    assert close_match("role", ["Role Name", "Team"]) == "Role Name"
    assert close_match("users.*", ["user.csv"]) == "user.csv"


def test_missing_column_error_suggests_nothing_unrelated(tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text("user_id,name,team,Deal Name\nu1,Ana,North,x\n")
    with pytest.raises(InputError) as info:
        read_export(
            tmp_path,
            mapping={
                "tables": {
                    "users": {
                        "source": "users.csv",
                        "columns": {
                            "user_id": "user_id",
                            "name": "name",
                            "team": "team",
                            "role": "Deal owner",
                        },
                    }
                }
            },
        )
    text = str(info.value)
    assert "column 'Deal owner' for required field users.role is not in the file" in text
    assert "Did you mean" not in text
    assert "Fix: map users.role to one of the columns above." in text


# --------------------------------------------------------------------------- extends
def test_extends_merges_values_tables_and_columns(tmp_path: Path) -> None:
    client = tmp_path / "client.yaml"
    client.write_text(
        "extends: salesforce\n"
        "timezone: America/Chicago\n"
        "values:\n  stage:\n    Firmado: application\n"
        "tables:\n"
        "  opportunities:\n    columns:\n      lead_source: null\n"
        "      amount:\n        column: Amount\n"
        "        currency: {column: CurrencyIsoCode, rates: {EUR: 1.1}, to: USD}\n"
        "  campaigns: null\n"
    )
    m = load_mapping(client)
    assert (m.name, m.origin, m.extends) == ("client", "file:client.yaml", ("preset:salesforce",))
    assert m.timezone == "America/Chicago" and m.source_timezone == "UTC"
    assert m.values["stage"]["firmado"] == "application"
    assert m.values["stage"]["closed_won"] == "funded"  # the preset's stay
    opp = m.tables["opportunities"][0]
    assert "lead_source" not in opp.columns and opp.columns["stage"].column == ("StageName",)
    assert opp.columns["amount"].currency.rates == {"EUR": 1.1}
    assert "campaigns" not in m.tables
    assert m.describe()["extends"] == ["preset:salesforce"]


def test_extends_columns_alone_apply_to_every_source_of_the_table() -> None:
    merged = merge_mappings(
        {
            "tables": {
                "activities": [
                    {"source": "a", "columns": {"x": 1}},
                    {"source": "b", "columns": {"x": 2}},
                ]
            }
        },
        {"tables": {"activities": {"columns": {"x": 3}}}},
    )
    assert merged["tables"]["activities"] == [
        {"source": "a", "columns": {"x": 3}},
        {"source": "b", "columns": {"x": 3}},
    ]


def test_extends_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(
        MappingError,
        match=r"extends 'salesforse', which is neither a preset "
        r"\(did you mean 'salesforce'\?\)",
    ):
        load_mapping({"extends": "salesforse", "tables": {}})
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("extends: b.yaml\n")
    b.write_text("extends: a.yaml\n")
    with pytest.raises(MappingError, match="goes round in a circle"):
        load_mapping(a)


# --------------------------------------------------------------------------- no users file
LEADS = """Lead ID,Created,Owner
L1,2024-01-02,Ana Ruiz
L2,2024-01-03,Ben Ode
L3,2024-01-04,
"""
DEALS = """Deal ID,Lead ID,Opened,Stage
D1,L1,2024-01-10,Funded
D2,L2,2024-01-11,Processing
D3,L9,2024-01-12,Processing
"""
NO_USERS = """\
tables:
  users:
    derive: [contacts.owner_id, opportunities.owner_id]
    columns:
      team: {constant: Inside Sales}
  contacts:
    source: leads.csv
    columns: {contact_id: Lead ID, created_at: Created, owner_id: Owner}
  opportunities:
    source: deals.csv
    columns:
      opportunity_id: Deal ID
      # the deal's owner is its lead's owner, joined from the other file
      owner_id: {column: Lead ID, lookup: {file: leads.csv, key: Lead ID, value: Owner}}
      contact_id: Lead ID
      created_at: Opened
      stage: Stage
"""


def test_owners_by_name_with_no_users_file_and_a_cross_file_lookup(tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    (export / "leads.csv").write_text(LEADS)
    (export / "deals.csv").write_text(DEALS)
    mapping = tmp_path / "funnel.yaml"
    mapping.write_text(NO_USERS)
    ds = read_export(export, mapping=mapping)
    assert ds["users"][["user_id", "name", "team", "role"]].astype(str).values.tolist() == [
        ["Ana Ruiz", "Ana Ruiz", "Inside Sales", "producer"],
        ["Ben Ode", "Ben Ode", "Inside Sales", "producer"],
    ]
    opps = ds["opportunities"]
    assert opps[["opportunity_id", "owner_id"]].values.tolist() == [
        ["D1", "Ana Ruiz"],
        ["D2", "Ben Ode"],
    ]
    assert ds.excluded_rows[["source_file", "row_number", "reason"]].values.tolist() == [
        ["deals.csv", 4, "blank owner_id"],
    ]
    assert any(
        a.startswith(
            "users: no users file; 2 users derived from the owners in "
            "contacts.owner_id, opportunities.owner_id"
        )
        for a in ds.manifest["assumptions"]
    )
    # leads.csv is read as contacts and as the lookup: not reported unread
    assert not any("not read" in w for w in ds.manifest["warnings"])


def test_a_missing_lookup_file_is_a_clear_error(tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    (export / "leads.csv").write_text(LEADS)
    (export / "deals.csv").write_text(DEALS)
    mapping = tmp_path / "funnel.yaml"
    mapping.write_text(NO_USERS.replace("file: leads.csv", "file: owners.csv"))
    with pytest.raises(InputError) as info:
        read_export(export, mapping=mapping)
    assert (
        "deals.csv: opportunities.owner_id: the lookup file 'owners.csv' is not in the export "
        f"or next to the mapping ({tmp_path})."
    ) in str(info.value)


def test_derived_users_need_a_team_and_owner_fields() -> None:
    found = problems({"tables": {"users": {"derive": ["contacts.owner", "opportunities.stage"]}}})
    assert any(
        "'contacts.owner' is not a field naming a user (did you mean 'contacts.owner_id'?)" in p
        for p in found
    ), found
    assert any("'opportunities.stage' is not a field naming a user" in p for p in found)
    assert any("derived users need a team" in p for p in found)


def test_no_owner_anywhere_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "leads.csv").write_text("Lead ID,Created,Owner\nL1,2024-01-02,\n")
    mapping = {
        "tables": {
            "users": {"derive": ["contacts.owner_id"], "columns": {"team": {"constant": "T"}}},
            "contacts": {
                "source": "leads.csv",
                "columns": {"contact_id": "Lead ID", "created_at": "Created", "owner_id": "Owner"},
            },
        }
    }
    with pytest.raises(InputError, match=r"no owner was found in contacts\.owner_id"):
        read_export(tmp_path, mapping=mapping)


def test_a_workbook_lookup_file_next_to_the_mapping_is_read(tmp_path: Path) -> None:
    """A lookup file next to the mapping may be a workbook: its first sheet, or the sheet a
    ``file#sheet`` pattern names (issue 17: it was opened without a sheet name, and intake
    stopped with "cannot open the workbook")."""
    import openpyxl

    export = tmp_path / "export"
    export.mkdir()
    (export / "leads.csv").write_text(LEADS)
    (export / "deals.csv").write_text(DEALS)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Notes"
    ws.append(["nothing to see"])
    teams = wb.create_sheet("Teams")
    teams.append(["Owner", "Team"])
    teams.append(["Ana Ruiz", "North"])
    teams.append(["Ben Ode", "South"])
    wb.save(tmp_path / "teams.xlsx")
    book = openpyxl.Workbook()
    book.active.title = "Owners"
    for row in (["Owner", "Team"], ["Ana Ruiz", "East"], ["Ben Ode", "West"]):
        book.active.append(row)
    book.save(tmp_path / "owners.xlsx")
    team = "team: {from_field: user_id, lookup: {file: %s, key: Owner, value: Team}}"
    for pattern, expected in [
        ("owners.xlsx", ["East", "West"]),  # its first sheet
        ("teams.xlsx#Teams", ["North", "South"]),
    ]:
        mapping = tmp_path / "funnel.yaml"
        mapping.write_text(NO_USERS.replace("team: {constant: Inside Sales}", team % pattern))
        ds = read_export(export, mapping=mapping)
        assert ds["users"][["user_id", "team"]].astype(str).values.tolist() == [
            ["Ana Ruiz", expected[0]],
            ["Ben Ode", expected[1]],
        ]
        files = ds.manifest["lookup_files"]
        book_name = pattern.partition("#")[0]
        assert [(f["path"], f["pattern"], f["rows"]) for f in files] == [
            ("leads.csv", "leads.csv", 3),
            (book_name, pattern, 2),
        ]
