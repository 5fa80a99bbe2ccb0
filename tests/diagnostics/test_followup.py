"""Follow-up: speed to lead (weekends included), conversations, overdue next steps."""

from __future__ import annotations

import math

from kit.diagnostics import followup
from tests.diagnostics.helpers import context, row, value


def _lead(cid, created, owner="a1", ctype="lead"):
    return {"contact_id": cid, "created_at": created, "owner_id": owner, "contact_type": ctype}


def _act(aid, contact, at, *, user="a1", kind="call", **kw):
    return {
        "activity_id": aid,
        "user_id": user,
        "type": kind,
        "occurred_at": at,
        "contact_id": contact,
        **kw,
    }


LEADS = [
    _lead("l1", "2024-06-21 18:00"),  # Friday evening, called Monday 9:00: 63 hours
    _lead("l2", "2024-06-24 10:00"),  # 3 minutes
    _lead("l3", "2024-06-24 10:00"),  # automated at 10:01, a person at 10:45
    _lead("l4", "2024-06-24 10:00"),  # 23 hours
    _lead("l5", "2024-06-24 10:00"),  # automated only: never
    _lead("l6", "2024-06-24 10:00"),  # called 5 minutes before the contact was created
    _lead("l7", "2024-06-24 10:00"),  # only an old call from before it was a lead: never
    _lead("l8", "2024-03-01 10:00"),  # created before the window
    _lead("x1", "2024-06-24 10:00", ctype="past_client"),  # not a lead
]
TOUCHES = [
    _act("t1", "l1", "2024-06-24 09:00"),
    _act("t2", "l2", "2024-06-24 10:03"),
    _act("t3a", "l3", "2024-06-24 10:01", kind="email", automated=True),
    _act("t3b", "l3", "2024-06-24 10:45"),
    _act("t4", "l4", "2024-06-25 09:00"),
    _act("t5", "l5", "2024-06-24 10:30", kind="email", automated=True),
    _act("t6", "l6", "2024-06-24 09:55"),
    _act("t7", "l7", "2024-05-01 09:00"),
    _act("t8", "x1", "2024-06-24 10:01"),
]


def test_speed_to_lead_bands_count_elapsed_time_including_weekends():
    s = followup.compute(context(contacts=LEADS, activities=TOUCHES))
    bands = s.frames["speed_to_lead"].query("team == 'North'").set_index("band")
    assert bands["leads"].to_dict() == {
        "5 minutes": 2,
        "1 hour": 1,
        "24 hours": 1,
        "later": 1,
        "never": 2,
    }
    assert math.isclose(bands["share"].sum(), 1.0)
    assert value(s, "speed_to_lead_5m", "North")[1:] == (2, 7)
    assert value(s, "speed_to_lead_1h", "North")[1:] == (3, 7)
    assert value(s, "speed_to_lead_24h", "a1")[1:] == (4, 7)
    # touched leads took 63 h, 3 min, 45 min, 23 h and 0 min: the median is 45 minutes
    median = row(s, "median_speed_to_lead", "North")
    assert (median["value"], median["denominator"], median["unit"]) == (45.0, 5, "minutes")


def test_a_team_with_no_leads_is_not_assessed_and_its_bands_are_blank():
    s = followup.compute(context(contacts=LEADS, activities=TOUCHES))
    r = row(s, "speed_to_lead_1h", "South")
    assert not r["assessed"] and r["reason"] == "not assessed: no new leads in the window"
    south = s.frames["speed_to_lead"].query("team == 'South'")
    assert south["leads"].sum() == 0 and south["share"].isna().all()


def test_speed_to_lead_without_contacts_is_not_assessed():
    s = followup.compute(context(activities=TOUCHES))
    assert row(s, "speed_to_lead_1h", "North")["reason"] == "not assessed: no contacts provided"


CONVERSATIONS = [
    _act("c1", None, "2024-06-26 10:00", outcome="Booked", next_step="Send docs"),
    _act("c2", None, "2024-06-26 11:00", next_step_due="2024-07-02"),
    _act("c3", None, "2024-06-27 12:00", kind="meeting", outcome="  "),
    _act("c4", None, "2024-06-27 12:00", kind="email"),  # not a conversation
    _act("c5", None, "2024-06-27 12:00", automated=True),  # automated
    _act("c6", None, "2024-01-27 12:00"),  # before the window
]


def test_conversations_with_outcome_and_next_step():
    s = followup.compute(context(activities=CONVERSATIONS))
    v, n, d = value(s, "conversations_with_outcome", "a1")
    assert (n, d) == (1, 3) and math.isclose(v, 1 / 3)
    assert value(s, "conversations_with_next_step", "North")[1:] == (2, 3)
    missing = s.units["missing_next_steps"]
    assert missing["record_id"].tolist() == ["c3"]
    assert missing["detail"].tolist() == ["Meeting on 2024-06-27, no outcome"]
    assert missing["age_days"].tolist() == [3]


CONTACTS = [_lead(f"k{i}", "2024-01-01", ctype="past_client") for i in range(1, 6)]
STEPS = [
    # due June 15, followed up June 16: done
    _act("s1", "k1", "2024-06-10 10:00", next_step="Call back", next_step_due="2024-06-15"),
    _act("f1", "k1", "2024-06-16 10:00"),
    # due June 15, nothing since: overdue
    _act("s2", "k2", "2024-06-10 10:00", next_step="Call back", next_step_due="2024-06-15"),
    # due after the as-of date: not due yet
    _act("s3", "k3", "2024-06-20 10:00", next_step="Call", next_step_due="2024-07-05"),
    # no contact, a loan: followed up on the loan
    {
        **_act("s4", None, "2024-06-01 10:00", next_step="Docs", next_step_due="2024-06-05"),
        "opportunity_id": "o1",
    },
    {**_act("f4", None, "2024-06-07 10:00"), "opportunity_id": "o1"},
    # due on the as-of day itself: not overdue yet
    _act("s5", "k4", "2024-06-25 10:00", next_step="Call", next_step_due="2024-06-30"),
    # due June 29, only an automated send since: overdue
    _act("s6", "k5", "2024-06-20 10:00", next_step="Call", next_step_due="2024-06-29"),
    _act("f6", "k5", "2024-06-29 12:00", kind="email", automated=True),
]
OPPS = [
    {
        "opportunity_id": "o1",
        "owner_id": "a1",
        "created_at": "2024-05-01",
        "stage": "application",
        "status": "open",
    }
]


def test_overdue_next_steps_need_a_later_human_touch():
    s = followup.compute(context(contacts=CONTACTS, activities=STEPS, opportunities=OPPS))
    assert value(s, "overdue_next_steps", "a1") == (0.5, 2, 4)
    overdue = s.units["overdue_next_steps"].set_index("record_id")
    assert sorted(overdue.index) == ["s2", "s6"]
    assert overdue.loc["s2", "age_days"] == 15
    assert (
        overdue.loc["s2", "detail"] == "next step from a call, due 2024-06-15, no follow-up since"
    )
    r = row(s, "overdue_next_steps", "South")
    assert r["reason"] == "not assessed: no next steps due in the window"
