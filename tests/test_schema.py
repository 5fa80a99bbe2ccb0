from __future__ import annotations

import pandas as pd
import pytest

from kit.exceptions import SchemaError
from kit.schema import (
    OPEN_STAGES,
    REQUIRED_TABLES,
    STAGES,
    TABLES,
    empty_table,
    label,
    table_schema,
    validate_table,
)


def test_every_table_has_a_schema_that_accepts_its_empty_frame():
    for name in TABLES:
        assert table_schema(name).name == name
        validate_table(name, empty_table(name))


def test_required_tables_are_users_only():
    assert REQUIRED_TABLES == ("users",)


def test_stages_are_ordered_and_open_stages_exclude_funded_and_lost():
    assert STAGES[0] == "new_lead"
    assert OPEN_STAGES == (
        "new_lead",
        "pre_approval",
        "application",
        "processing",
        "underwriting",
        "clear_to_close",
    )


def test_valid_users_pass(users):
    pd.testing.assert_frame_equal(validate_table("users", users), users)


def test_wrong_vocabulary_missing_column_and_duplicate_key_are_all_reported(users):
    bad = users.copy()
    bad["role"] = bad["role"].cat.rename_categories({"manager": "boss"})
    bad.loc[1, "user_id"] = "u1"
    bad = bad.drop(columns=["team"])
    with pytest.raises(SchemaError) as info:
        validate_table("users", bad)
    message = str(info.value)
    assert "users.role" in message and "'boss'" in message
    assert "users.user_id" in message and "'u1'" in message
    assert "team" in message


def test_required_field_may_not_be_blank(users):
    bad = users.copy()
    bad["name"] = pd.Series(["Ana", None, "Cara"], dtype="str")
    with pytest.raises(SchemaError, match=r"users\.name"):
        validate_table("users", bad)


def test_unknown_table_is_a_clear_error():
    with pytest.raises(SchemaError, match="unknown table 'loans'"):
        table_schema("loans")


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("lendingtree", "LendingTree"),
        ("clear_to_close", "Clear to close"),
        ("call", "Call"),
        (None, "(blank)"),
    ],
)
def test_label(code, text):
    assert label(code) == text


def test_data_model_doc_is_generated_from_the_schema():
    from pathlib import Path

    from kit.schema import data_model_markdown

    doc = Path(__file__).resolve().parents[1] / "docs" / "data-model.md"
    assert doc.read_text(encoding="utf-8") == data_model_markdown(), (
        "docs/data-model.md is stale: run `python -m kit.schema > docs/data-model.md`"
    )
