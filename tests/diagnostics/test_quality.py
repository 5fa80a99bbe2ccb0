"""Data quality: every check on a hand-made export, the health score, logging lag."""

from __future__ import annotations

import math

import pandas as pd

from kit.diagnostics import quality
from tests.diagnostics.helpers import context, row, value


def _contact(cid, owner, ctype="lead", **kw):
    return {
        "contact_id": cid,
        "created_at": "2024-06-01 10:00",
        "owner_id": owner,
        "contact_type": ctype,
        **kw,
    }


CONTACTS = [
    _contact(
        "q1",
        "a1",
        lead_source="zillow",
        email="ana@x.com",
        phone="(555) 123-4567",
        first_name="Ana",
        last_name="Ruiz",
    ),
    _contact("q2", "a1", email=" ANA@x.com "),  # no lead source; same email as q1
    _contact("q3", "a1", "referral_partner", email="bad-email", phone="12345"),
    _contact("q4", "zz", lead_source="website"),  # owner is not a user; no team
    _contact("q5", "a1", lead_source="website", lifecycle_stage="lead", phone="1-555-123-4567"),
    _contact(
        "q6",
        "b1",
        "past_client",
        lead_source="past_client",
        first_name="ana",
        last_name="ruiz ",
        referred_by="nope",
    ),
    {**_contact("q7", "b1", lead_source="website"), "created_at": "2031-01-01"},  # future
    _contact(
        "q8",
        "w1",
        lead_source="website",
        email="eve@y.org",
        phone="555 999 0000",
        first_name="Eve",
        last_name="Stone",
    ),
]


def _opp(oid, owner, stage="new_lead", status="open", **kw):
    return {
        "opportunity_id": oid,
        "owner_id": owner,
        "created_at": "2024-06-01",
        "stage": stage,
        "status": status,
        "contact_id": "q8",
        "loan_purpose": "purchase",
        "lead_source": "website",
        **kw,
    }


OPPS = [
    _opp("p1", "a1", "funded", "won", contact_id="q5", amount=1.0, loan_number="L1"),
    _opp(
        "p2",
        "a1",
        "processing",
        loan_purpose=None,
        amount=1.0,
        loan_number="L2",
        closed_at="2024-05-01",
    ),
    _opp("p3", "a1", "lost"),
    _opp("p4", "ghost"),
    _opp("p5", "b1", contact_id="nobody"),
    _opp("p6", "w1"),
]


def _act(aid, user, at, **kw):
    return {"activity_id": aid, "user_id": user, "type": "call", "occurred_at": at, **kw}


FILLER = [
    _act(
        f"f{i}",
        "w1",
        f"2024-06-{1 + i % 29:02d} 09:{i % 60:02d}",
        contact_id="q8",
        logged_at=f"2024-06-{1 + i % 29:02d} 09:{i % 60:02d}",
    )
    for i in range(500)
]
ACTS = [
    *FILLER,
    _act("late", "a1", "2024-06-10 10:00", logged_at="2024-06-12 10:00"),
    _act("due", "a1", "2024-06-10 10:00", next_step_due="2024-06-01"),
    _act("ghost", "zz", "2024-06-10 10:00"),
    _act("orphan_contact", "a1", "2024-06-10 10:00", contact_id="nope"),
    _act("orphan_loan", "a1", "2024-06-10 10:00", opportunity_id="nope"),
    _act("future", "b1", "2031-05-01 10:00"),
]


def _section():
    return quality.compute(context(contacts=CONTACTS, opportunities=OPPS, activities=ACTS))


def _issues(section, table, check, team=None):
    dq = section.frames["data_quality"]
    scope = "organization" if team is None else "team"
    hit = dq[(dq["table"] == table) & (dq["check"] == check) & (dq["scope"] == scope)]
    if team is not None:
        hit = hit[hit["team"] == team]
    assert len(hit) == 1, (table, check, team)
    return int(hit["issues"].iloc[0]), int(hit["records"].iloc[0])


def test_contact_checks():
    s = _section()
    expected = {
        "missing owner_id": 0,
        "missing contact_type": 0,
        "missing lead_source": 1,  # q2 (a partner needs none)
        "email not shaped like name@domain.tld": 1,
        "phone without 10 digits": 1,
        "duplicate email": 2,
        "duplicate phone": 2,  # q1 and q5 (leading 1 dropped)
        "duplicate name": 2,
        "lead or prospect lifecycle with a funded loan": 1,
        "created in the future": 1,
        "owner is not a CRM user": 1,
        "referred by a contact that does not exist": 1,
    }
    for check, issues in expected.items():
        assert _issues(s, "contacts", check) == (issues, 8), check
    assert _issues(s, "contacts", "duplicate email", "North") == (2, 4)
    assert _issues(s, "contacts", "created in the future", "South") == (1, 2)


def test_opportunity_checks():
    s = _section()
    expected = {
        "missing contact_id": 0,
        "missing loan_purpose": 1,
        "missing amount (from application)": 0,
        "won without a close date": 1,
        "closed before created": 1,
        "status contradicts stage": 1,
        "owner is not a CRM user": 1,
        "contact that does not exist": 1,
    }
    for check, issues in expected.items():
        assert _issues(s, "opportunities", check) == (issues, 6), check


def test_activity_checks_include_future_dated_rows():
    s = _section()
    expected = {
        "logged more than 24 hours after it happened": 1,
        "next step due before the conversation": 1,
        "dated in the future": 1,
        "user is not a CRM user": 1,
        "contact that does not exist": 1,
        "loan that does not exist": 1,
    }
    for check, issues in expected.items():
        assert _issues(s, "activities", check) == (issues, 506), check


def test_data_health_is_the_share_of_records_with_no_issue():
    s = _section()
    # clean: contact q8, loan p6 and the 500 filler activities, of 8 + 6 + 506 records
    assert value(s, "data_health") == (502 / 520, 502, 520)
    assert value(s, "data_health", "West") == (1.0, 502, 502)
    assert value(s, "data_health", "North") == (0.0, 0, 4 + 3 + 4)


def test_duplicate_contacts_metric():
    s = _section()
    assert value(s, "duplicate_contacts") == (0.5, 4, 8)
    assert value(s, "duplicate_contacts", "North") == (0.75, 3, 4)


def test_logging_lag():
    s = _section()
    assert value(s, "logged_within_24h", "North") == (0.0, 0, 1)
    assert value(s, "logged_within_24h") == (500 / 501, 500, 501)
    lag = row(s, "median_logging_lag", "North")
    assert (lag["value"], lag["denominator"]) == (2880.0, 1)


def test_without_logged_times_the_lag_is_not_assessed():
    acts = [_act("a", "a1", "2024-06-10 10:00")]
    s = quality.compute(context(activities=acts))
    assert row(s, "logged_within_24h", "North")["reason"] == (
        "not assessed: the export has no logged_at times"
    )


def test_intake_facts_become_organization_validity_rows():
    ctx = context(contacts=CONTACTS)
    ctx.dataset.quality_facts = pd.DataFrame(
        {
            "table": ["contacts"],
            "field": ["lead_source"],
            "issue": ["invalid_value"],
            "count": [3],
            "examples": ["'Zilow'"],
        }
    )
    dq = quality.compute(ctx).frames["data_quality"]
    fact = dq[dq["check"].str.endswith("(found at intake)")].iloc[0]
    assert fact["check"] == "lead_source: invalid value (found at intake)"
    assert (fact["scope"], fact["dimension"], fact["issues"], fact["records"]) == (
        "organization",
        "validity",
        3,
        8,
    )
    assert math.isclose(fact["share_ok"], 5 / 8)


def test_missing_tables_are_listed_not_checked():
    s = quality.compute(context())
    assert ("data_quality", "not assessed: no contacts provided (its checks are skipped)") in (
        s.not_assessed
    )
    assert row(s, "data_health", "North")["reason"] == (
        "not assessed: no contacts, opportunities or activities"
    )


def test_duplicates_and_validity_without_their_inputs_are_not_assessed():
    """Seen: "Duplicate contacts 0%" and "Validity 100%" for an export with no emails,
    phones or names."""
    bare = [_contact(f"n{i}", "a1", lead_source="website") for i in range(6)]
    s = quality.compute(context(contacts=bare))
    r = row(s, "duplicate_contacts", "North")
    assert (bool(r["assessed"]), r["reason"]) == (
        False,
        "not assessed: contacts carry no email, phone or name to compare",
    )
    assert math.isnan(value(s, "duplicate_contacts")[0])
    checks = set(s.frames["data_quality"]["check"])
    assert not checks & {
        "email not shaped like name@domain.tld",
        "phone without 10 digits",
        "duplicate email",
        "duplicate phone",
        "duplicate name",
    }
    assert (
        "data_quality",
        "not assessed: contacts carry no email, phone or name to compare (duplicates)",
    ) in s.not_assessed
    # emails only: compared by email, and the report says which keys were left out
    emails = [{**c, "email": f"p{i % 3}@x.com"} for i, c in enumerate(bare)]
    s = quality.compute(context(contacts=emails))
    assert value(s, "duplicate_contacts") == (1.0, 6, 6)
    assert (
        "data_quality",
        "duplicate contacts compared by email only: contacts carry no phone or name",
    ) in s.not_assessed


def test_email_pattern_spells_out_exactly_pythons_whitespace():
    """The email pattern's character class holds every character Python's ``\\s`` matches
    and no other: over all code points, a character is an email part iff it is neither
    ``@`` nor ``\\s``."""
    import re
    import sys

    part = re.compile(quality._EMAIL_PART)
    space = re.compile(r"\s")
    for code in range(sys.maxunicode + 1):
        c = chr(code)
        assert (part.fullmatch(c) is not None) == (c != "@" and space.match(c) is None), hex(code)


def test_email_verdict_same_as_python_whitespace_regex_on_tricky_values():
    """Arrow (RE2) and Python agree value by value, non-ASCII whitespace included; the
    values with a newline take pandas' Python path, the others the Arrow one."""
    import re

    python = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    values = {
        "ana@x.com": True,
        "ána@zürich.ch": True,
        "a.b@c.d.e": True,
        "a@b.c.": True,
        "a@b.": False,
        "@b.c": False,
        "a@b": False,
        "a@@b.c": False,
        "a@b@c.d": False,
        "a b@c.d": False,
        "a\x0b@b.c": False,  # vertical tab: missed by RE2's \s
        "a\x1c@b.c": False,  # file separator: whitespace to Python
        "a@b.c\x85": False,  # next line
        "a\xa0b@c.d": False,  # no-break space
        "a@b\u3000.c": False,  # ideographic space
        "a@b.c\u2028": False,  # line separator
        "a@b.c\u200b": True,  # zero-width space: not whitespace to Python
    }
    with_newline = {"a@b.c\n": True, "a\n@b.c": False}  # Python's $ before a final newline
    for case in (values, with_newline):
        emails = pd.Series(list(case), dtype="str")
        got = emails.str.match(quality._EMAIL).tolist()
        assert got == list(case.values())
        assert got == [python.match(v) is not None for v in case]


def test_phone_digits_in_arrow_and_beyond_ascii():
    """ASCII numbers are filtered in Arrow's buffers, other text by Python's \\D; both as
    pandas' str.replace(r"\\D", "") gives them."""
    ascii_only = pd.Series(["(407) 555-8406", None, "", "+1 602.555.8048", "ext"], dtype="str")
    assert quality._digits(ascii_only).fillna("<blank>").tolist() == [
        "4075558406",
        "<blank>",
        "",
        "16025558048",
        "",
    ]
    # Arabic-Indic digits are digits to Python's \\D: the fallback keeps them
    assert quality._digits(pd.Series(["٣٤5-6", "é9"], dtype="str")).tolist() == ["٣٤56", "9"]
