"""kit.intake.mapping: presets, the mapping language and its declarative validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from kit.exceptions import MappingError
from kit.intake.mapping import (
    close_match,
    common_values,
    load_mapping,
    normalize_key,
    preset_names,
    preset_path,
)
from kit.schema import TABLES

ROOT = Path(__file__).resolve().parents[2]


def users_source(**columns: object) -> dict[str, object]:
    base: dict[str, object] = {
        "user_id": "Id",
        "name": "Name",
        "team": "Branch",
        "role": {"constant": "producer"},
    }
    base.update(columns)
    return {"tables": {"users": {"source": "people.csv", "columns": base}}}


def problems(spec: object) -> list[str]:
    with pytest.raises(MappingError) as info:
        load_mapping(spec)
    return info.value.problems


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Pre-Approval", "pre_approval"),
        ("Clear To Close", "clear_to_close"),
        (" UNDERWRITING ", "underwriting"),
        ("Closed/Won", "closed_won"),
        ("__x__", "x"),
        ("Año", "año"),
    ],
)
def test_normalize_key(raw: str, key: str) -> None:
    assert normalize_key(raw) == key


def test_close_match_ignores_case_and_punctuation() -> None:
    assert close_match("owner id", ["OwnerId", "Name", "StageName"]) == "OwnerId"
    assert close_match("zzz", ["OwnerId"]) is None


def test_presets_ship_inside_the_package_and_all_load() -> None:
    assert preset_names() == ["canonical", "hubspot", "salesforce", "salesforce_report"]
    for name in preset_names():
        assert preset_path(name).parent == ROOT / "kit" / "intake" / "presets"
        mapping = load_mapping(name)
        assert mapping.origin == f"preset:{name}"
        assert "users" in mapping.tables
        assert mapping.sha256 is not None and len(mapping.sha256) == 64


def test_none_is_the_canonical_preset_with_every_table() -> None:
    mapping = load_mapping(None)
    assert mapping.name == "canonical"
    assert set(mapping.tables) == set(TABLES)
    users = mapping.tables["users"][0]
    assert users.patterns == ("users.*", "*#users")
    assert users.columns["role"].column == ("role",)
    assert not users.optional
    assert mapping.tables["activities"][0].optional


def test_common_values_are_normalized_and_point_into_the_vocabulary() -> None:
    assert common_values("stage")["ctc"] == "clear_to_close"
    for fname in ("stage", "type", "role", "lead_source", "contact_type", "lifecycle_stage"):
        vocab = next(f.vocabulary for t in TABLES.values() for f in t.fields if f.name == fname)
        assert set(common_values(fname).values()) <= set(vocab)


def test_a_user_mapping_parses_every_kind_of_column_spec() -> None:
    mapping = load_mapping(
        {
            "name": "example",
            "timezone": "America/Chicago",
            "dates": {"dayfirst": True},
            "values": {"stage": {"Closed Won": "funded"}},
            "tables": {
                "users": {
                    "source": "people.xlsx",
                    "sheet": "Staff",
                    "columns": {
                        "user_id": ["Id", "Email"],
                        "name": {"join": ["First", "Last"], "sep": " "},
                        "team": {
                            "column": "ManagerId",
                            "lookup": {"key": "Id", "value": "Name"},
                            "fallback": {"constant": "Unassigned"},
                        },
                        "role": {
                            "column": "Id",
                            "is_in": "ManagerId",
                            "then": "manager",
                            "else": "producer",
                        },
                        "active": {
                            "column": "Status",
                            "values": {"Active": True},
                            "default": False,
                        },
                    },
                }
            },
        }
    )
    assert mapping.timezone == "America/Chicago"
    assert mapping.dayfirst is True
    assert mapping.values == {"stage": {"closed_won": "funded"}}
    source = mapping.tables["users"][0]
    assert source.patterns == ("people.xlsx#Staff",)
    cols = source.columns
    assert cols["user_id"].column == ("Id", "Email")
    assert cols["name"].join == ("First", "Last")
    assert cols["team"].lookup == ("Id", "Name")
    assert cols["team"].fallback is not None and cols["team"].fallback.constant == "Unassigned"
    assert cols["role"].is_in == "ManagerId" and cols["role"].otherwise == "producer"
    assert cols["active"].values == {"active": True} and cols["active"].default is False
    assert cols["team"].source_columns() == ("ManagerId", "Id", "Name")


def test_every_problem_is_reported_at_once_with_suggestions() -> None:
    found = problems(
        {
            "tabels": {},
            "timezone": "Mars/Olympus",
            "tables": {
                "user": {"source": "x.csv", "columns": {}},
                "opportunities": {
                    "source": "deals.csv",
                    "colums": {},
                },
                "activities": {
                    "source": "acts.csv",
                    "columns": {
                        "activity_id": "Id",
                        "user_id": "Owner",
                        "typ": "Type",
                        "type": {"constant": "phone call"},
                        "occurred_at": "When",
                        "automated": True,
                    },
                },
            },
            "values": {"stage": {"Signed": "signed_contract"}},
        }
    )
    text = "\n".join(found)
    assert "mapping: unknown key 'tabels' (did you mean 'tables'?)" in text
    assert "timezone: 'Mars/Olympus' is not an IANA time zone" in text
    assert "tables.user: unknown table (did you mean 'users'?)" in text
    assert "tables.opportunities: unknown key 'colums' (did you mean 'columns'?)" in text
    assert "activities has no field 'typ' (did you mean 'type'?)" in text
    # "phone call" is a common spelling of call: accepted
    assert "'phone call'" not in text
    assert "tables.activities.columns.automated: True is not a column name" in text
    assert "{constant: True}" in text
    assert "values.stage['Signed']: 'signed_contract' is not a stage value" in text
    assert "required field opportunities.opportunity_id is not mapped" in text


def test_required_fields_must_be_mapped_with_a_helpful_hint() -> None:
    spec = users_source()
    del spec["tables"]["users"]["columns"]["role"]  # type: ignore[index]
    (problem,) = problems(spec)
    assert "required field users.role is not mapped" in problem
    assert "{constant: producer}" in problem


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ({"constant": "boss"}, "'boss' is not a role value"),
        ({"column": "Role", "constant": "producer"}, "exactly one of column, constant"),
        ({"column": "Role", "values": {"LO": "loan_shark"}}, "'loan_shark' is not a role value"),
        ({"constant": "producer", "is_in": "ManagerId", "then": "manager"}, "is_in needs a column"),
        ({"column": "Role", "split_name": "middle"}, "split_name must be first or last"),
        ({"column": "Role", "matches": "("}, "matches is not a valid regular expression"),
        ({"column": "Role", "format": "%Y"}, "only apply to dates"),
        ({"column": "Role", "lookup": {"key": "Id"}}, "lookup needs exactly"),
        ({"column": "Role", "when": {"col": "x"}}, "when needs exactly"),
        ({"column": 5}, "'column' must be a list or text, not 5"),
        ({"column": ["A", 5]}, "column must list source column names"),
    ],
)
def test_malformed_column_specs(column: object, message: str) -> None:
    found = problems(users_source(role=column))
    assert any(message in p for p in found), found


def test_from_field_must_name_a_mapped_field_of_the_table() -> None:
    spec = {
        "tables": {
            "opportunities": {
                "source": "o.csv",
                "columns": {
                    "opportunity_id": "Id",
                    "owner_id": "Owner",
                    "created_at": "Created",
                    "stage": "Stage",
                    "status": {"from_field": "stag", "values": {"funded": "won"}},
                    "loan_purpose": {"from_field": "lead_source"},
                },
            }
        }
    }
    text = "\n".join(problems(spec))
    assert "from_field 'stag' is not a field of opportunities (did you mean 'stage'?)" in text
    assert "from_field 'lead_source' is not mapped in this source" in text


def test_mapping_files_and_names(tmp_path: Path) -> None:
    path = tmp_path / "client.yaml"
    path.write_text(
        "name: client\ntables:\n  users:\n    source: staff.csv\n    columns:\n"
        "      user_id: Id\n      name: Name\n      team: Branch\n"
        "      role: {constant: producer}\n",
        encoding="utf-8",
    )
    mapping = load_mapping(path)
    assert (mapping.name, mapping.origin) == ("client", "file:client.yaml")
    assert mapping.describe()["definition"]["tables"]["users"]["source"] == "staff.csv"
    with pytest.raises(MappingError, match=r"no preset of that name \(did you mean 'hubspot'\?\)"):
        load_mapping("hubspt")
    with pytest.raises(MappingError, match="does not exist"):
        load_mapping(tmp_path / "missing.yaml")


def test_yaml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("tables:\n  users:\n    source: [a.csv\n", encoding="utf-8")
    with pytest.raises(MappingError, match=r"broken.yaml is not valid YAML at line \d+"):
        load_mapping(path)
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(MappingError, match="must be a YAML mapping"):
        load_mapping(path)


def test_the_maven_example_mapping_is_valid() -> None:
    mapping = load_mapping(ROOT / "examples" / "mappings" / "maven-crm.yaml")
    assert set(mapping.tables) == {"users", "opportunities"}
    assert mapping.values["stage"] == {
        "prospecting": "new_lead",
        "engaging": "application",
        "won": "funded",
        "lost": "lost",
    }
