"""The data-quality appendix lists the assessment's time frame and every future-dated record."""

from __future__ import annotations

from kit.diagnostics.run import diagnose
from kit.report import present, quality_views, views
from tests.diagnostics.helpers import dataset


def _acts(times: list[str]) -> list[dict[str, object]]:
    return [
        {"activity_id": f"a{i}", "user_id": "a1", "type": "call", "occurred_at": t}
        for i, t in enumerate(times)
    ]


TIMES = ["2023-11-02 09:00", "2024-06-29 10:00", "2024-07-03 10:00", "2052-07-09 11:00"]


def test_every_future_dated_record_is_listed_with_counts_and_examples():
    results = diagnose(dataset(activities=_acts(TIMES)), export_date="2024-06-30")
    listed = quality_views.future_dated(results)
    assert listed.to_dict("records") == [
        {
            "Table": "activities",
            "Field": "occurred_at",
            "Records": 2,
            "Dated": "2024-07-03 to 2052-07-09",
            "Examples": "a2 (2024-07-03), a3 (2052-07-09)",
        }
    ]


def test_the_time_frame_is_labelled_item_by_item():
    results = diagnose(dataset(activities=_acts(TIMES)), export_date="2024-06-30")
    frame = quality_views.time_frame(results)
    assert frame.to_dict("records") == [
        {
            "Item": "As of",
            "Date": "2024-06-29",
            "How it was set": "the data's last real event (no as-of date was given)",
        },
        {
            "Item": "Assessment window",
            "Date": "2024-04-01 to 2024-06-29",
            "How it was set": "90 days",
        },
        {
            "Item": "Records dated",
            "Date": "2023-11-02 to 2024-06-29",
            "How it was set": "the data's first event and its last real (not future-dated) event",
        },
        {
            "Item": "Export taken",
            "Date": "2024-06-30",
            "How it was set": "declared: later events are future-dated",
        },
        {
            "Item": "Future-dated",
            "Date": "2 events",
            "How it was set": "treated as future-dated: after the export date 2024-06-30",
        },
    ]


def test_the_header_states_the_data_range_and_names_no_placeholder_client():
    # before: "Records dated" showed the window, and a missing client read "Client"
    results = diagnose(dataset(activities=_acts(TIMES)), as_of="2024-06-30")
    facts = views.report_header(results, title="T").extra[present.FACTS_MIMETYPE]
    # the 2052 typo is far from the rest: the data's last real event is 3 July
    assert (facts["data_start"], facts["data_end"]) == ("2023-11-02", "2024-07-03")
    assert (facts["window_start"], facts["as_of"]) == ("2024-04-02", "2024-06-30")
    assert facts["client"] is None
