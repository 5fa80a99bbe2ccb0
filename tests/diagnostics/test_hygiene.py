"""Pipeline hygiene from the opportunities alone, on hand-made loans (as of 2024-06-30, a
90-day window from 2024-04-02; see tests/diagnostics/helpers.py for the users)."""

from __future__ import annotations

import math

from kit.dataset import Dataset
from kit.diagnostics import hygiene
from kit.diagnostics.context import build_context
from kit.diagnostics.standards import parse_standards
from tests.diagnostics.helpers import AS_OF, LAUNCH, context, dataset, row, value


def _opp(oid, owner, stage, created, status="open", **kw):
    return {
        "opportunity_id": oid,
        "owner_id": owner,
        "stage": stage,
        "created_at": created,
        "status": status,
        **kw,
    }


OPPS = [
    # ---- open loans (age on 30 June; expected close date)
    _opp("h1", "a1", "application", "2024-05-01 15:00", expected_close_date="2024-06-29"),  # 60
    _opp("h2", "a1", "new_lead", "2024-05-02", expected_close_date="2024-06-30"),  # 59, not due
    _opp("h3", "a1", "pre_approval", "2024-01-10", amount=410000.0),  # 172 days, no expected
    _opp("h4", "b1", "processing", "2024-06-01", expected_close_date="2024-07-15"),  # 29 days
    _opp("h5", "m1", "processing", "2024-01-01", expected_close_date="2024-06-01"),  # manager
    # ---- closed loans
    _opp(
        "c1", "a1", "funded", "2024-05-20", "won", closed_at="2024-06-10", amount=300000.0
    ),  # complete, 21 days, moved (history)
    _opp(
        "c2",
        "a1",
        "funded",
        "2024-06-15 09:00",
        "won",
        closed_at="2024-06-15 17:00",
        amount=250000.0,
    ),  # complete, entered the day it was won: one step
    _opp("c3", "a1", "funded", "2024-06-01", "won", stage_changed_at="2024-06-20"),  # no date
    _opp("c4", "b1", "lost", "2024-05-01", "lost", closed_at="2024-06-05"),  # lost: no amount ok
    _opp(
        "c5", "b1", "funded", "2024-05-01", "won", closed_at="2024-06-20", amount=0.0
    ),  # no amount; history shows no move
    _opp("c6", "a1", "funded", "2023-01-01", "won", closed_at="2023-02-01"),  # before window
]
HISTORY = [
    {"opportunity_id": "c1", "stage": "new_lead", "changed_at": "2024-05-20 00:00"},
    {"opportunity_id": "c1", "stage": "pre_approval", "changed_at": "2024-05-25 10:00"},
    {"opportunity_id": "c1", "stage": "funded", "changed_at": "2024-06-10 00:00"},
    # c5: its creation row (within a minute of created_at) and the win: never moved
    {"opportunity_id": "c5", "stage": "new_lead", "changed_at": "2024-05-01 00:00:30"},
    {"opportunity_id": "c5", "stage": "funded", "changed_at": "2024-06-20 00:00"},
]


def _section(**kw):
    return hygiene.compute(context(opportunities=OPPS, stage_history=HISTORY, **kw))


def test_aged_open_loans_count_whole_days_since_creation():
    s = _section()
    assert value(s, "aged_open_loans", "North") == (0.75, 3, 4)  # h1 (60), h3, h5 of 4
    assert value(s, "aged_open_loans", "a1") == (2 / 3, 2, 3)  # the manager's h5 is not a1's
    assert value(s, "aged_open_loans", "South") == (0.0, 0, 1)
    r = row(s, "aged_open_loans", "West")
    assert not r["assessed"] and r["reason"] == "not assessed: no open loans"
    units = s.units["aged_loans"].set_index("record_id")
    assert units["age_days"].to_dict() == {"h1": 60, "h3": 172, "h5": 181}
    assert units.loc["h3", "detail"] == (
        "stage Pre-approval, $410,000, open 60+ days since it entered the pipeline"
    )


def test_the_age_limit_comes_from_the_standards_rule():
    standards = parse_standards(
        {
            "rules": [
                {
                    "id": "age",
                    "statement": "Loans close within a month.",
                    "metric": "aged_open_loans",
                    "params": {"days": 30},
                    "direction": "at_most",
                    "target": 0.1,
                    "owner_role": "producer",
                }
            ]
        }
    )
    s = _section(standards=standards)
    assert value(s, "aged_open_loans", "North") == (1.0, 4, 4)  # h2 (59 days) too
    assert value(s, "aged_open_loans", "South") == (0.0, 0, 1)  # h4 is 29 days old
    assert value(s, "aged_open_loans") == (0.8, 4, 5)
    assert (
        s.units["aged_loans"]["detail"]
        .str.endswith("open 30+ days since it entered the pipeline")
        .all()
    )


def test_past_due_open_loans_among_those_with_an_expected_close_date():
    s = _section()
    assert value(s, "past_due_open_loans", "North") == (2 / 3, 2, 3)  # h1, h5 of h1, h2, h5
    assert value(s, "past_due_open_loans", "a1") == (0.5, 1, 2)  # due on the as-of day: not late
    assert value(s, "past_due_open_loans", "South") == (0.0, 0, 1)
    units = s.units["past_due_loans"].set_index("record_id")
    assert units["age_days"].to_dict() == {"h1": 1, "h5": 29}
    assert units.loc["h5", "detail"] == "stage Processing, expected to close 2024-06-01"


def test_past_due_is_not_assessed_when_the_export_has_no_expected_close_date():
    ds = dataset(opportunities=OPPS)
    ds = Dataset(
        tables=ds.tables,
        manifest={"tables": {"opportunities": {"absent_fields": ["expected_close_date"]}}},
    )
    s = hygiene.compute(build_context(ds, as_of=AS_OF, launch=LAUNCH))
    r = row(s, "past_due_open_loans", "North")
    reason = "not assessed: the export has no expected close date (expected_close_date)"
    assert not r["assessed"] and r["reason"] == reason
    assert ("pipeline", reason) in s.not_assessed
    blank = [{**o, "expected_close_date": None} for o in OPPS]
    r = row(hygiene.compute(context(opportunities=blank)), "past_due_open_loans", "North")
    assert r["reason"] == "not assessed: no open loan has an expected close date"


def test_closed_loans_need_a_close_date_and_when_won_an_amount():
    s = _section()
    assert value(s, "closed_loans_complete", "North") == (2 / 3, 2, 3)  # c1, c2; not c3
    assert value(s, "closed_loans_complete", "South") == (0.5, 1, 2)  # c4; not c5 ($0 won)
    assert value(s, "closed_loans_complete") == (0.6, 3, 5)  # c6 closed before the window
    units = s.units["incomplete_closed_loans"].set_index("record_id")
    assert units["detail"].to_dict() == {
        "c3": "won, no close date and no amount",
        "c5": "won, no amount",
    }
    assert units["age_days"].to_dict() == {"c3": 10, "c5": 10}  # placed 20 June


def test_won_in_one_step_and_the_typical_days_to_win():
    s = _section()
    assert value(s, "won_in_one_step", "North") == (0.5, 1, 2)  # c2 same day; c1 moved
    assert value(s, "won_in_one_step", "South") == (1.0, 1, 1)  # c5: history shows no move
    assert value(s, "won_in_one_step") == (2 / 3, 2, 3)
    days = row(s, "typical_days_to_win", "North")
    assert (days["value"], days["denominator"]) == (10.5, 2)  # 21 and 0 days
    assert value(s, "typical_days_to_win", "South")[0] == 50
    assert value(s, "typical_days_to_win")[0] == 21


def test_without_stage_history_one_step_is_read_from_the_dates():
    s = hygiene.compute(context(opportunities=OPPS))
    assert value(s, "won_in_one_step") == (1 / 3, 1, 3)  # only c2, entered the day it won


def test_no_opportunities_is_not_assessed():
    s = hygiene.compute(context())
    for metric in hygiene.HYGIENE_METRICS:
        r = row(s, metric, "North")
        assert not r["assessed"] and r["reason"] == "not assessed: no opportunities provided"
        assert math.isnan(r["value"])
