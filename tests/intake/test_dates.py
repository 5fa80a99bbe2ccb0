"""Dates are read the way the export wrote them, or intake says exactly what it cannot tell.

Day-first or month-first is decided per column from the values themselves; a column that
reads both ways throughout is a blocking error with a fix built from its own values; a day a
month does not have is never rolled over into the next month; a real date outside the range
the kit assesses is recorded as such, not as "unreadable".
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kit.exceptions import InputError
from kit.intake import IntakeReport, read_export, summarize

USERS = "user_id,name,team,role\nu1,Ana Ruiz,North,producer\n"


def export(folder: Path, contacts: list[str], *, header: str = "contact_id,created_at") -> Path:
    (folder / "users.csv").write_text(USERS)
    rows = "".join(f"c{i},{v}\n" for i, v in enumerate(contacts, start=1))
    (folder / "contacts.csv").write_text(header + "\n" + rows)
    return folder


def canonical(**dates: object) -> dict[str, object]:
    """The canonical layout with a ``dates:`` section (and per-column options)."""
    columns = dates.pop("columns", "canonical")
    mapping: dict[str, object] = {
        "tables": {
            "users": {"source": "users.csv", "columns": "canonical"},
            "contacts": {"source": "contacts.csv", "columns": columns},
        },
        "allow_missing_columns": True,
    }
    if dates:
        mapping["dates"] = dates
    return mapping


def created(ds: object) -> list[object]:
    return ds["contacts"]["created_at"].tolist()  # type: ignore[index]


def facts(ds: object) -> dict[tuple[str, str, str], tuple[int, str]]:
    qf = ds.quality_facts  # type: ignore[attr-defined]
    return {
        (r.table, r.field, r.issue): (int(r.count), str(r.examples))
        for r in qf.itertuples(index=False)
    }


def blocking(folder: Path, mapping: object = None) -> str:
    with pytest.raises(InputError) as info:
        read_export(folder, mapping=mapping)
    return str(info.value)


# --------------------------------------------------------------------------- day or month first
def test_a_day_above_12_makes_the_whole_column_day_first(tmp_path: Path) -> None:
    # before: '01-02-2018' was read as 2 January and '20-10-2017' excluded as unreadable
    ds = read_export(export(tmp_path, ["01-02-2018", "20-10-2017", "03-04-2018"]))
    assert created(ds) == [
        pd.Timestamp("2018-02-01"),
        pd.Timestamp("2017-10-20"),
        pd.Timestamp("2018-04-03"),
    ]
    assert len(ds.excluded_rows) == 0
    assert ds.manifest["date_orders"] == [
        "contacts.csv: contacts.created_at read day-first "
        "(1 value such as '20-10-2017' has a first number above 12)"
    ]
    summary = summarize(IntakeReport(dataset=ds))
    assert (
        "Numeric dates (03/04/2024) read:\n  contacts.csv: contacts.created_at read day-first"
    ) in summary


def test_a_month_above_12_in_second_place_makes_the_column_month_first(tmp_path: Path) -> None:
    ds = read_export(export(tmp_path, ["01/02/2018", "10/20/2017", "03/04/2018 2:05 PM"]))
    assert created(ds) == [
        pd.Timestamp("2018-01-02"),
        pd.Timestamp("2017-10-20"),
        pd.Timestamp("2018-03-04 14:05"),
    ]


def test_a_column_ambiguous_throughout_blocks_with_a_fix_built_from_its_values(
    tmp_path: Path,
) -> None:
    message = blocking(
        export(tmp_path, ["01-02-2018 19:58", "03-04-2018 08:00", "05-05-2018 09:00"])
    )
    assert (
        "contacts.csv: contacts.created_at (column 'created_at'): the dates are ambiguous: "
        "values such as '01-02-2018 19:58', '03-04-2018 08:00' read both day-first and "
        "month-first ('01-02-2018 19:58' is 1 February 2018 or 2 January 2018), and no value "
        "has a day above 12 to tell which (nor does any other date column of the export). "
        "Fix: state the order in the mapping: "
        "`dates: {dayfirst: true}` (reads '01-02-2018 19:58' as 1 February 2018) or "
        "`dates: {dayfirst: false}` (reads it as 2 January 2018), or give this column's "
        "format: `created_at: {column: created_at, format: '%d-%m-%Y %H:%M'}`."
    ) in message
    # the fix works as written
    ds = read_export(tmp_path, mapping=canonical(dayfirst=True))
    assert created(ds)[0] == pd.Timestamp("2018-02-01 19:58")
    ds = read_export(tmp_path, mapping=canonical(dayfirst=False))
    assert created(ds)[0] == pd.Timestamp("2018-01-02 19:58")


def test_dayfirst_covers_dates_with_times_and_seconds(tmp_path: Path) -> None:
    # before: with dayfirst every one of these "cannot be read as dates"
    values = ["26-02-2018 19:58", "01-02-2018 09:05:03", "3/4/2024 2:05 PM", "4.5.24 10:00"]
    ds = read_export(export(tmp_path, values), mapping=canonical(dayfirst=True))
    assert created(ds) == [
        pd.Timestamp("2018-02-26 19:58"),
        pd.Timestamp("2018-02-01 09:05:03"),
        pd.Timestamp("2024-04-03 14:05"),
        pd.Timestamp("2024-05-04 10:00"),
    ]
    assert len(ds.excluded_rows) == 0


def test_a_column_format_covers_date_times(tmp_path: Path) -> None:
    mapping = canonical(
        columns={
            "contact_id": "contact_id",
            "created_at": {"column": "created_at", "format": "%d-%m-%Y %H:%M"},
        }
    )
    ds = read_export(export(tmp_path, ["26-02-2018 19:58", "01-02-2018 09:05"]), mapping=mapping)
    assert created(ds) == [pd.Timestamp("2018-02-26 19:58"), pd.Timestamp("2018-02-01 09:05")]


def test_a_column_is_never_read_half_one_way_and_half_the_other(tmp_path: Path) -> None:
    ds = read_export(export(tmp_path, ["20/10/2017", "21/10/2017", "10/22/2017", "01/02/2018"]))
    # day-first, as two values show; '10/22/2017' reads only month-first: not guessed
    assert created(ds)[:2] == [pd.Timestamp("2017-10-20"), pd.Timestamp("2017-10-21")]
    assert created(ds)[2] == pd.Timestamp("2018-02-01")  # the 3rd kept row is c4
    assert ds.excluded_rows["reason"].tolist() == ["unreadable created_at '10/22/2017'"]
    assert any(
        "read day-first, as 2 values such as '20/10/2017' show; 1 value(s) read only the "
        "other way ('10/22/2017') and are left unread" in w
        for w in ds.manifest["warnings"]
    )


def test_a_declared_order_the_values_contradict_gets_a_hint_from_the_values(
    tmp_path: Path,
) -> None:
    message = blocking(
        export(tmp_path, ["13-01-2024", "25-02-2024", "31-03-2024"]),
        mapping=canonical(dayfirst=False),
    )
    assert "3 of 3 values cannot be read as dates (e.g. row 2: '13-01-2024'" in message
    assert (
        "Fix: values such as '13-01-2024' read only day-first: set `dayfirst: true` for this "
        "column, or `format: '%d-%m-%Y'`." in message
    )
    assert "%d.%m.%Y" not in message


def test_an_unknown_date_shape_asks_for_its_format_naming_a_value(tmp_path: Path) -> None:
    message = blocking(export(tmp_path, ["2018.02.26", "2018.02.27"]))
    assert (
        "Fix: give the column's date format with `format:` (Python strftime codes), e.g. for "
        "'2018.02.26'." in message
    )


# --------------------------------------------------------------------------- impossible dates
def test_a_day_the_month_does_not_have_is_excluded_never_rolled_over(tmp_path: Path) -> None:
    values = ["2025-02-30", "2023-02-29", "2025-04-31 10:00:00", "2024-02-29", "31/04/2024"]
    ds = read_export(export(tmp_path, values + ["2025-03-01"] * 5))
    # only real days are kept: no 2 March 2025, no 1 March 2023, no 1 May 2025
    assert created(ds) == [pd.Timestamp("2024-02-29")] + [pd.Timestamp("2025-03-01")] * 5
    assert ds.excluded_rows["reason"].tolist() == [
        "no such date: created_at '2025-02-30'",
        "no such date: created_at '2023-02-29'",
        "no such date: created_at '2025-04-31 10:00:00'",
        "no such date: created_at '31/04/2024'",
    ]
    assert facts(ds)[("contacts", "created_at", "no_such_date")][0] == 4


def test_an_impossible_optional_date_is_blank_with_a_no_such_date_fact(tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text(
        "user_id,name,team,role,seat_start\nu1,A,T,producer,2025-02-30\n"
        "u2,B,T,producer,2025-03-01\n"
    )
    ds = read_export(tmp_path)
    assert pd.isna(ds["users"]["seat_start"].iloc[0])
    assert facts(ds)[("users", "seat_start", "no_such_date")] == (1, "'2025-02-30' (1)")
    assert ("users", "seat_start", "unparseable_date") not in facts(ds)


# --------------------------------------------------------------------------- out of range
def test_real_dates_out_of_range_are_facts_not_unreadable(tmp_path: Path) -> None:
    ds = read_export(export(tmp_path, ["2999-12-31", "1500-06-15"] + ["2024-05-01"] * 3))
    assert created(ds) == [pd.Timestamp("2024-05-01")] * 3
    assert ds.excluded_rows["reason"].tolist() == [
        "created_at '2999-12-31' is out of range (1900 to 2199)",
        "created_at '1500-06-15' is out of range (1900 to 2199)",
    ]
    found = facts(ds)
    assert found[("contacts", "created_at", "out_of_range_date")] == (
        2,
        "'1500-06-15' (1), '2999-12-31' (1)",
    )
    assert ("contacts", "created_at", "unparseable_date") not in found


def test_the_guide_shows_the_ambiguous_dates_error_the_kit_gives(tmp_path: Path) -> None:
    (tmp_path / "agents.csv").write_text("agent,manager\nAna,Lee\n")
    (tmp_path / "sales.csv").write_text(
        "deal_id,agent,deal_stage,engage_date\n"
        "d1,Ana,Won,01-02-2018 19:58\nd2,Ana,Won,03-04-2018 08:00\n"
    )
    mapping = {
        "tables": {
            "users": {
                "source": "agents.csv",
                "columns": {
                    "user_id": "agent",
                    "name": "agent",
                    "team": "manager",
                    "role": {"constant": "producer"},
                },
            },
            "opportunities": {
                "source": "sales.csv",
                "columns": {
                    "opportunity_id": "deal_id",
                    "owner_id": "agent",
                    "stage": {"column": "deal_stage", "values": {"Won": "funded"}},
                    "created_at": "engage_date",
                },
            },
        }
    }
    message = blocking(tmp_path, mapping)
    problem = next(line for line in message.splitlines() if "ambiguous" in line)
    guide = (Path(__file__).resolve().parents[2] / "docs" / "mapping.md").read_text()
    shown = guide.split("## Dates", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    assert " ".join(shown.split()) == problem.removeprefix("  - ")


def test_an_ambiguous_column_takes_the_order_every_other_date_column_shows(
    tmp_path: Path,
) -> None:
    (tmp_path / "users.csv").write_text(
        "user_id,name,team,role,seat_start\nu1,A,T,producer,01/06/2025\nu2,B,T,producer,02/03/2025\n"
    )
    (tmp_path / "contacts.csv").write_text("contact_id,created_at\nc1,25/06/2025\nc2,03/07/2025\n")
    ds = read_export(tmp_path)
    assert ds["users"]["seat_start"].tolist() == [
        pd.Timestamp("2025-06-01"),
        pd.Timestamp("2025-03-02"),
    ]
    assert ds.manifest["date_orders"][0] == (
        "users.csv: users.seat_start read day-first (its values read both ways; the export's "
        "other dates are day-first, e.g. contacts.csv: contacts.created_at)"
    )
    # columns that disagree decide nothing: the ambiguous one blocks
    (tmp_path / "logins.csv").write_text("user_id,login_at\nu1,06/25/2025 10:00\n")
    message = blocking(tmp_path)
    assert (
        "and no value has a day above 12 to tell which (and the export's other date columns "
        "disagree: contacts.csv: contacts.created_at is day-first, logins.csv: logins.login_at "
        "month-first)" in message
    )
