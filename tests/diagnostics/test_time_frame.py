"""The assessment's time frame: the as-of default is the data's last real event, a record is
future-dated only after a declared export date or far from the rest, every future-dated
record is listed, no measure counts an event after the as-of date, and the parameters state
the data's true first and last dates."""

from __future__ import annotations

import pandas as pd

from kit.diagnostics.context import build_context, resolve_as_of
from kit.diagnostics.run import diagnose
from kit.timeframe import time_frame
from tests.diagnostics.helpers import dataset


def _acts(times: list[str]) -> list[dict[str, object]]:
    return [
        {"activity_id": f"a{i}", "user_id": "a1", "type": "call", "occurred_at": t}
        for i, t in enumerate(times)
    ]


def _busy_months_then_a_sparse_tail() -> list[dict[str, object]]:
    """Activities every ten minutes from January to April, then 36 deals closed (won) over
    May and June: the export's last two months hold only those closes (0.2% of events)."""
    busy = pd.date_range("2024-01-01", "2024-04-30 23:50", freq="10min")
    return _acts(list(busy.strftime("%Y-%m-%d %H:%M")))


def _tail_deals() -> list[dict[str, object]]:
    closes = pd.date_range("2024-05-02", "2024-06-28", periods=36).normalize()
    return [
        {
            "opportunity_id": f"o{i}",
            "owner_id": "a1",
            "created_at": "2024-03-01",
            "stage": "funded",
            "status": "won",
            "closed_at": str(c.date()),
        }
        for i, c in enumerate(closes)
    ]


def test_a_two_month_tail_of_real_records_is_never_future_dated():
    # before: the 99.5th percentile + 14 days put the as-of date on 13 May and called 28 of
    # the deals closed in May and June future-dated typos, left out of every measure
    ds = dataset(activities=_busy_months_then_a_sparse_tail(), opportunities=_tail_deals())
    assert resolve_as_of(ds) == (pd.Timestamp("2024-06-28"), 0)
    ctx = build_context(ds)
    assert ctx.as_of == pd.Timestamp("2024-06-28")
    assert ctx.notes["future_dated"] == []
    assert ctx.notes["data_start"] == "2024-01-01"
    assert ctx.notes["data_end"] == "2024-06-28"


def test_records_after_the_declared_export_date_are_future_dated_and_listed():
    times = ["2024-05-01 09:00", "2024-06-29 10:00", "2024-07-03 10:00", "2024-07-09 11:00"]
    ds = dataset(activities=_acts(times))
    ctx = build_context(ds, export_date="2024-06-30")
    assert ctx.as_of == pd.Timestamp("2024-06-29")
    assert ctx.notes["future_dated_events_ignored"] == 2
    assert ctx.notes["future_rule"] == "after the export date 2024-06-30"
    assert ctx.notes["future_dated"] == [
        {
            "table": "activities",
            "field": "occurred_at",
            "records": 2,
            "first": "2024-07-03",
            "last": "2024-07-09",
            "examples": "a2 (2024-07-03), a3 (2024-07-09)",
        }
    ]
    # the export date can come from the export's engagement.yaml too
    ds.manifest = {"engagement": {"export_date": "2024-06-30"}}
    assert build_context(ds).as_of == pd.Timestamp("2024-06-29")


def test_only_a_date_far_from_the_rest_is_future_dated_without_an_export_date():
    times = [f"2024-0{m}-15 09:00" for m in range(1, 7)] + ["2052-06-15 09:00"]
    frame = time_frame(dataset(activities=_acts(times)).tables)
    assert (frame.last, frame.future_events) == (pd.Timestamp("2024-06-15"), 1)
    # a one-year typo is far too; a real trickle of events a month apart is not
    times = [f"2024-0{m}-15 09:00" for m in range(1, 7)] + ["2025-06-15 09:00"]
    assert time_frame(dataset(activities=_acts(times)).tables).future_events == 1
    trickle = [f"2024-{m:02d}-15 09:00" for m in range(1, 13)]
    assert time_frame(dataset(activities=_acts(trickle)).tables).future_events == 0


def test_no_measure_counts_a_loan_won_after_the_as_of_date():
    contacts = [
        {"contact_id": f"c{i}", "created_at": "2024-06-01", "owner_id": "a1", "lead_source": "web"}
        for i in range(2)
    ]
    deals = [
        {
            "opportunity_id": f"o{i}",
            "owner_id": "a1",
            "contact_id": f"c{i}",
            "created_at": "2024-06-02",
            "stage": "funded",
            "status": "won",
            "closed_at": closed,
        }
        for i, closed in enumerate(["2024-06-20", "2024-07-15"])
    ]
    ds = dataset(contacts=contacts, opportunities=deals)
    sources = diagnose(ds, as_of="2024-06-30", launch="2024-06-01").sources
    north = sources[sources["team"] == "North"]
    # before: both loans counted as funded on 30 June, though one closed on 15 July
    assert north[["contacts", "applications", "funded"]].sum().tolist() == [2, 2, 1]


def test_parameters_state_the_data_range_not_the_window():
    # activities start seven months before the 90-day window
    times = ["2023-11-02 09:00", "2024-03-01 09:00", "2024-06-29 10:00"]
    p = diagnose(dataset(activities=_acts(times)), as_of="2024-06-30").parameters
    assert (p["data_start"], p["data_end"]) == ("2023-11-02", "2024-06-29")
    assert (p["window_start"], p["as_of"]) == ("2024-04-02", "2024-06-30")


def test_a_loan_entered_in_the_crm_after_the_as_of_date_was_not_in_it_on_that_date():
    los = [
        {"loan_number": f"L{i}", "officer_id": "a1", "funded_date": "2024-06-10"} for i in range(2)
    ]
    opps = [
        {
            "opportunity_id": f"o{i}",
            "owner_id": "a1",
            "created_at": created,
            "stage": "funded",
            "loan_number": f"L{i}",
        }
        for i, created in enumerate(["2024-05-01", "2024-07-20"])
    ]
    shadow = diagnose(
        dataset(los_loans=los, opportunities=opps), as_of="2024-06-30", launch="2024-06-01"
    ).shadow_pipeline
    # before: both counted as in the CRM, though o1 was entered on 20 July
    assert shadow[["funded_los_loans", "in_crm", "missing"]].sum().tolist() == [2, 1, 1]


def test_a_far_typo_gives_the_same_frame_counted_per_day_or_sorted() -> None:
    """Events spanning more than _DENSE_DAYS days (a year-9999 typo) are sorted, not counted
    day by day: the frame is the same one."""
    days = ["2024-01-02 09:00", "2024-01-02 17:00", "2024-03-01", "2024-04-30 23:59"]
    for typo, gap in (("2052-05-01", 10_228), ("9999-05-01", 2_912_809)):
        acts = pd.DataFrame(
            {"occurred_at": pd.to_datetime([*days, typo], format="ISO8601").astype("M8[us]")}
        )
        frame = time_frame({"activities": acts})
        assert (str(frame.first.date()), str(frame.last.date())) == ("2024-01-02", "2024-04-30")
        assert (frame.events, frame.future_events) == (5, 1)
        assert str(frame.future_after.date()) == typo
        assert f"{gap:,} days after the rest" in frame.rule
