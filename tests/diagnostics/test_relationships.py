"""Relationships: past clients and partners in cadence, active partners, owners."""

from __future__ import annotations

from kit.diagnostics import relationships
from tests.diagnostics.helpers import context, row, value


def _contact(cid, ctype, owner="a1", created="2024-01-10", **kw):
    return {
        "contact_id": cid,
        "created_at": created,
        "owner_id": owner,
        "contact_type": ctype,
        **kw,
    }


def _touch(aid, contact, at, user="a1", automated=False):
    return {
        "activity_id": aid,
        "user_id": user,
        "type": "email" if automated else "call",
        "occurred_at": at,
        "contact_id": contact,
        "automated": automated,
    }


CONTACTS = [
    _contact("p1", "past_client"),
    _contact("p2", "past_client"),
    _contact("p3", "past_client"),
    _contact("r1", "referral_partner"),
    _contact("r2", "referral_partner"),
    _contact("r3", "referral_partner"),
    _contact("n1", "lead", created="2024-06-01", referred_by="r1"),
    _contact("n2", "lead", created="2024-01-20", referred_by="r2"),  # before the window
    _contact("u1", "lead", owner=None, created="2024-06-02"),  # no owner; touched by Cy
    _contact("u2", "lead", owner="zz", created="2024-06-02"),  # owner is not a user
]
TOUCHES = [
    _touch("t1", "p1", "2024-06-01 09:00", automated=True),  # nurture counts for past clients
    _touch("t2", "p2", "2024-03-01 09:00"),  # 121 days ago
    _touch("t3", "r1", "2024-06-20 09:00"),
    _touch("t4", "r2", "2024-06-25 09:00", automated=True),  # partners need a person
    _touch("t5", "r3", "2024-05-31 09:00"),  # exactly 30 days: out of cadence
    _touch("t6", "u1", "2024-06-03 09:00", user="b1"),
]
OPPS = [
    {
        "opportunity_id": "o1",
        "owner_id": "a1",
        "created_at": "2024-06-05",
        "stage": "funded",
        "status": "won",
        "contact_id": "n1",
    }
]


def _section():
    return relationships.compute(context(contacts=CONTACTS, activities=TOUCHES, opportunities=OPPS))


def test_past_clients_in_cadence_count_any_touch():
    s = _section()
    assert value(s, "past_clients_touched", "a1") == (1 / 3, 1, 3)
    out = s.units["past_client_out_of_cadence"].set_index("record_id")
    assert out.loc["p2", "age_days"] == 121
    assert out.loc["p2", "detail"] == "past client, last touch 2024-03-01"
    assert out.loc["p3", "detail"] == "past client, never touched"
    assert out.loc["p3", "age_days"] == 172  # days since created when never touched


def test_partners_in_cadence_need_a_person_within_30_days():
    s = _section()
    assert value(s, "partners_touched", "North") == (1 / 3, 1, 3)
    assert sorted(s.units["partner_out_of_cadence"]["record_id"]) == ["r2", "r3"]


def test_active_partners_and_what_they_sent():
    s = _section()
    assert value(s, "active_partners", "a1") == (1.0, 1, 3)
    partners = s.frames["partners"].set_index("partner_id")
    assert partners.loc["r1", ["referrals", "applications", "funded"]].tolist() == [1, 1, 1]
    assert partners.loc["r2", "referrals"] == 0
    assert partners.loc["r1", "days_since_touch"] == 10


def test_contacts_without_owner_are_attributed_to_the_first_toucher_team():
    s = _section()
    assert value(s, "contacts_without_owner", "South") == (1.0, 1, 1)  # u1, touched by Cy
    assert value(s, "contacts_without_owner", "North") == (0.0, 0, 8)
    assert value(s, "contacts_without_owner") == (0.2, 2, 10)  # u2 belongs to no team
    assert "producer" not in set(s.metrics[-1]["scope"])  # a contact without owner has no producer


def test_partner_cadence_can_count_automation_when_the_standard_says_so():
    from kit.diagnostics.standards import parse_standards

    standards = parse_standards(
        {
            "rules": [
                {
                    "id": "p",
                    "statement": "Partners hear from us monthly.",
                    "metric": "partners_touched",
                    "params": {"days": 30, "touches": "any"},
                    "direction": "at_least",
                    "target": 0.9,
                    "owner_role": "marketing",
                }
            ]
        }
    )
    s = relationships.compute(
        context(contacts=CONTACTS, activities=TOUCHES, opportunities=OPPS, standards=standards)
    )
    assert value(s, "partners_touched", "North") == (2 / 3, 2, 3)


def test_without_contacts_nothing_is_assessed():
    s = relationships.compute(context())
    r = row(s, "past_clients_touched", "North")
    assert r["reason"] == "not assessed: no contacts provided"
    assert s.frames["partners"].empty
