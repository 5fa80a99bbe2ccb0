"""The plausibility gate: blocking problems and warnings found before any heavy work."""

from __future__ import annotations

import pytest

from kit.dataset import Dataset
from kit.diagnostics.plausibility import check
from kit.diagnostics.run import diagnose
from kit.exceptions import InputError, ParameterError
from tests.diagnostics.helpers import dataset


def _acts(times: list[str]) -> list[dict[str, object]]:
    return [
        {"activity_id": f"a{i}", "user_id": "a1", "type": "call", "occurred_at": t}
        for i, t in enumerate(times)
    ]


ACTS = _acts(["2025-08-04 09:00", "2025-09-10 09:00", "2025-10-31 16:00"])


def test_an_export_of_users_only_names_what_is_missing_and_who_needs_it():
    with pytest.raises(InputError) as info:
        check(dataset())
    assert str(info.value).startswith(
        "the export holds only users: no report section can be assessed. Add the CRM's "
        "activities, contacts or opportunities to the export"
    )
    assert info.value.problems == [
        "activities: needed by Adoption trajectory, Follow-up discipline, Seat ROI",
        "logins: needed by Presence vs engagement",
        "opportunities: needed by Pipeline truth",
        "contacts: needed by Relationships, Marketing and automation readiness",
        "los_loans: needed by Shadow pipeline (LOS reconciliation)",
        "contacts or opportunities or activities: needed by Data quality",
    ]
    assert info.value.exit_code == 2


def test_an_empty_activities_table_is_no_more_usable_than_none():
    ds = dataset(activities=[])
    with pytest.raises(InputError, match="the export holds only users"):
        check(ds)


def test_a_launch_after_the_data_s_last_event_is_refused_at_once():
    with pytest.raises(ParameterError) as info:
        check(dataset(activities=ACTS), launch="2025-12-01")
    assert str(info.value) == (
        "the launch date 2025-12-01 (given) is after the as-of date 2025-10-31 (the data's "
        "last event): the CRM launch must come first. Give --launch on or before the as-of "
        "date, or a later --as-of."
    )


def test_an_as_of_far_after_the_data_is_a_warning_and_strict_makes_it_an_error():
    # before: --as-of 2027-06-30, 20 months after the last event, ran with no warning
    gate = check(dataset(activities=ACTS), as_of="2027-06-30")
    assert gate.warnings == [
        "the as-of date 2027-06-30 (given) is 607 days after the data's last event "
        "(2025-10-31): the assessment window holds little or no data, so most measures will "
        "read as no activity. Check the as-of date, or whether the export is complete."
    ]
    # thirty days later is still plausible (a quiet month before the export)
    assert check(dataset(activities=ACTS), as_of="2025-11-30").warnings == []
    with pytest.raises(ParameterError) as info:
        check(dataset(activities=ACTS), as_of="2027-06-30", strict=True)
    assert info.value.problems == gate.warnings


def test_an_as_of_before_most_of_the_data_is_a_warning():
    gate = check(dataset(activities=ACTS), as_of="2025-08-31")
    assert gate.warnings == [
        "the as-of date 2025-08-31 (given) comes before most of the data: 2 of 3 events (67%) "
        "are later, up to 2025-10-31, and are left out of the assessment. Check the as-of date."
    ]


def test_the_warnings_reach_the_report_parameters():
    p = diagnose(dataset(activities=ACTS), as_of="2027-06-30").parameters
    assert len(p["warnings"]) == 1 and p["warnings"][0].startswith("the as-of date 2027-06-30")
    assert diagnose(dataset(activities=ACTS)).parameters["warnings"] == []


def test_no_dated_event_and_no_as_of_is_a_clear_error():
    undated = Dataset(tables={**dataset().tables, **dataset(activities=ACTS).tables})
    undated.tables["activities"] = undated.tables["activities"].assign(occurred_at=None)
    with pytest.raises(ParameterError, match="no dated events to assess as of"):
        check(undated)
