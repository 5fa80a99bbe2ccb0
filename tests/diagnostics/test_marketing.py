"""Marketing readiness: lead source, lifecycle stage, campaigns, sources, human touches."""

from __future__ import annotations

from kit.diagnostics import marketing
from tests.diagnostics.helpers import context, row, value


def _contact(cid, created="2024-06-10", **kw):
    return {"contact_id": cid, "created_at": created, "owner_id": "a1", **kw}


CONTACTS = [
    _contact(
        "c1", contact_type="lead", lead_source="zillow", campaign_id="k1", lifecycle_stage="lead"
    ),
    _contact("c2", contact_type="lead", lead_source="zillow", campaign_id="k1"),  # no lifecycle
    _contact("c3", contact_type="lead", campaign_id="k2", lifecycle_stage="lead"),  # no source
    _contact("c4", contact_type="past_client", lead_source="past_client"),
    _contact("c5", contact_type="referral_partner"),  # partners need no lead source
    _contact("c6", created="2024-01-01", contact_type="lead"),  # not new
]
OPPS = [
    {
        "opportunity_id": "o1",
        "owner_id": "a1",
        "created_at": "2024-06-12",
        "stage": "funded",
        "status": "won",
        "contact_id": "c1",
    },
    {
        "opportunity_id": "o2",
        "owner_id": "a1",
        "created_at": "2024-06-12",
        "stage": "processing",
        "status": "open",
        "contact_id": "c2",
    },
    {
        "opportunity_id": "o3",
        "owner_id": "a1",
        "created_at": "2024-06-12",
        "stage": "lost",
        "status": "lost",
        "contact_id": "c3",
    },
]
HISTORY = [{"opportunity_id": "o3", "stage": "application", "changed_at": "2024-06-13"}]
CAMPAIGNS = [{"campaign_id": "k1", "name": "Spring buyers"}]


def _section(**kw):
    return marketing.compute(
        context(
            contacts=CONTACTS, opportunities=OPPS, stage_history=HISTORY, campaigns=CAMPAIGNS, **kw
        )
    )


def test_new_contacts_with_lead_source_exclude_partners_and_old_contacts():
    s = _section()
    assert value(s, "new_contacts_with_lead_source", "a1") == (0.75, 3, 4)
    assert sorted(s.units["missing_lead_source"]["record_id"]) == ["c3"]
    assert s.units["missing_lead_source"]["detail"].tolist() == ["new lead with no lead source"]


def test_campaign_contacts_need_lifecycle_and_source():
    s = _section()
    assert value(s, "automation_ready_contacts", "North") == (1 / 3, 1, 3)


def test_sources_count_contacts_applications_and_funded_loans():
    s = _section()
    src = s.frames["sources"]
    zillow = src[(src["lead_source"] == "zillow")].iloc[0]
    assert zillow[["campaign_id", "campaign", "contacts", "applications", "funded"]].tolist() == [
        "k1",
        "Spring buyers",
        2,
        2,
        1,
    ]
    blank = src[src["lead_source"].isna()]
    # c3's loan reached application before it was lost; the unknown campaign keeps its id
    assert blank[["campaign", "contacts", "applications", "funded"]].values.tolist() == [
        ["k2", 1, 1, 0]
    ]


def test_lead_source_never_exported_is_not_assessed():
    contacts = [_contact("c1", contact_type="lead"), _contact("c2", contact_type="lead")]
    s = marketing.compute(context(contacts=contacts))
    r = row(s, "new_contacts_with_lead_source", "North")
    assert r["reason"] == "not assessed: the export has no lead source on any contact"
    r = row(s, "automation_ready_contacts", "North")
    assert r["reason"] == "not assessed: no contact is enrolled in a campaign (campaign_id blank)"


def test_human_share_of_touches():
    acts = [
        {"activity_id": "a", "user_id": "a1", "type": "call", "occurred_at": "2024-06-10"},
        {
            "activity_id": "b",
            "user_id": "a1",
            "type": "email",
            "occurred_at": "2024-06-10",
            "automated": True,
        },
        {
            "activity_id": "c",
            "user_id": "a1",
            "type": "email",
            "occurred_at": "2024-06-11",
            "automated": True,
        },
        {"activity_id": "d", "user_id": "b1", "type": "text", "occurred_at": "2024-06-11"},
    ]
    s = marketing.compute(context(activities=acts))
    assert value(s, "human_touch_share", "North") == (1 / 3, 1, 3)
    assert value(s, "human_touch_share") == (0.5, 2, 4)
    assert row(s, "new_contacts_with_lead_source", "North")["reason"] == (
        "not assessed: no contacts provided"
    )
