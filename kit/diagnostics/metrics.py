"""The metric catalogue: every metric the kit computes, defined once.

:data:`METRICS` names every metric: its label, plain-language definition, unit, report
section, which way is better, the scopes it exists for and its parameters. The report's
definitions appendix and docs/metrics.md are generated from it, and the standards file
refers to metrics by these ids. The rows that carry their values are built by
:mod:`kit.diagnostics.rows`.

One module, though long: it is the catalogue itself, one entry per metric, and one place
is its point.

Examples
--------
>>> METRICS["stale_open_loans"].unit
'share'
>>> METRICS["stale_open_loans"].better
'lower'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["METRICS", "Metric", "Scope", "Unit"]

Unit = Literal["share", "days", "minutes", "count", "currency"]
Scope = Literal["organization", "team", "producer"]

@dataclass(frozen=True)
class Metric:
    """One metric of the catalogue.

    Parameters
    ----------
    id
        Stable identifier used by the standards file and every results frame.
    label
        Short human label.
    definition
        Plain-language definition (the report's appendix quotes it).
    unit
        ``share`` (0-1), ``days``, ``minutes``, ``count`` or ``currency`` (dollars).
    section
        Report section (a measured section of :data:`kit.sections.SECTIONS`).
    better
        ``higher`` or ``lower``: which way is good.
    scopes
        Scopes the metric exists for.
    params
        Default parameters (a standards rule may override them, e.g. ``days``).
    evidence
        Sentence template of a finding: ``{value}``, ``{numerator}``, ``{denominator}``,
        ``{whose}``, ``{window}``, ``{seat_days}`` and the metric's params are filled in.
    superseded_by
        A stronger metric of the same behaviour: where it is assessed (same scope, team and
        producer), a rule on this metric is not scored (see
        :func:`kit.diagnostics.compliance.compliance`), though the metric is still reported.
    noun
        What the denominator counts (``open loans``, ``calls and meetings``): the report's
        "Based on" column and the "too few to judge" reason name it.
    """

    id: str
    label: str
    definition: str
    unit: Unit
    section: str
    better: Literal["higher", "lower"]
    scopes: tuple[Scope, ...] = ("organization", "team", "producer")
    params: dict[str, Any] = field(default_factory=dict)
    evidence: str = ""
    superseded_by: str | None = None
    noun: str = "records"

    @property
    def phrase(self) -> str:
        """The label inside a sentence: ``open loans with a stale stage``."""
        return self.label[:1].lower() + self.label[1:]


_ALL: tuple[Scope, ...] = ("organization", "team", "producer")
_TEAM: tuple[Scope, ...] = ("organization", "team")

_CATALOGUE: tuple[Metric, ...] = (
    # ----------------------------------------------------------------- adoption
    Metric(
        "weekly_active_producers",
        "Weekly active producers",
        "Share of producer-weeks in the window in which the producer logged at least one own, "
        "non-automated activity (call, email, text, meeting, note or task). Automated sends "
        "never count. Weeks are the 7-day periods ending at the as-of date, each from midnight "
        "of its first day (work dated that day, with a time or not, belongs to it); a producer "
        "counts only for the weeks after their seat started.",
        "share",
        "adoption",
        "higher",
        noun="producer-weeks",
        evidence="{whose} producers were active in {value} of their {denominator} "
        "producer-weeks over the last {window} days",
    ),
    Metric(
        "active_last_week",
        "Active last week",
        "Share of producers who logged at least one own, non-automated activity in the 7 days "
        "ending at the as-of date.",
        "share",
        "adoption",
        "higher",
        noun="producers",
        evidence="{value} of {whose} {denominator} producers logged any work in the CRM in "
        "the last 7 days",
    ),
    Metric(
        "weeks_active_since_launch",
        "Weeks active since launch",
        "Share of the weeks since launch (or since the producer's seat started, if later) in "
        "which the producer logged own, non-automated work.",
        "share",
        "adoption",
        "higher",
        noun="producer-weeks",
        evidence="{whose} producers were active in {value} of their {denominator} "
        "producer-weeks since launch",
    ),
    *(
        Metric(
            f"active_day_{day}",
            f"Active at day {day}",
            f"Share of producers (seated by then) who logged own, non-automated work in the 7 "
            f"days ending on day {day} after launch (the {day}-day point of the adoption curve).",
            "share",
            "adoption",
            "higher",
            noun="producers",
            evidence=f"{{value}} of {{whose}} {{denominator}} producers were active at day {day}",
        )
        for day in (30, 60, 90)
    ),
    Metric(
        "manual_activities_per_producer_week",
        "Logged activities per producer-week",
        "Own, non-automated activities logged in the window divided by the producer-weeks in "
        "the window.",
        "count",
        "adoption",
        "higher",
        noun="producer-weeks",
        evidence="{whose} producers logged {value} activities per producer-week",
    ),
    Metric(
        "logins_without_work",
        "Logins without logged work",
        "Among producer-weeks in the window with at least one login, the share with no own, "
        "non-automated activity logged: presence without engagement.",
        "share",
        "presence",
        "lower",
        noun="producer-weeks with a login",
        evidence="in {value} of the {denominator} producer-weeks {whose} producers logged in, "
        "they logged no work",
    ),
    # ----------------------------------------------------------------- adoption by records
    Metric(
        "weekly_record_producers",
        "Weekly record entry (by records)",
        "Share of producer-weeks in the window in which the producer created or updated at "
        "least one CRM record, read from the records' own dates: an opportunity they own "
        "created, moved to another stage (a stage-history entry, credited to its changed_by "
        "user when that is a CRM user, else the owner; or a stage change date after the "
        "creation day) or closed as won or lost, or a contact they own created. A weaker "
        "signal than logged activities: the export says whose record it is, not who typed "
        "it, and lead routing or an import creates records nobody worked. Weeks as for weekly "
        "active producers. A rule on it is scored only where weekly active producers cannot "
        "be measured (no activity log).",
        "share",
        "records",
        "higher",
        noun="producer-weeks",
        evidence="{whose} CRM records were created or updated in {value} of "
        "{denominator} producer-weeks over the last {window} days",
        superseded_by="weekly_active_producers",
    ),
    Metric(
        "records_per_producer_week",
        "Records entered per producer-week",
        "Record-days in the window (each record created or updated by the producer counts "
        "once per day it was touched, as listed under weekly record entry) divided by the "
        "producer-weeks in the window.",
        "count",
        "records",
        "higher",
        noun="producer-weeks",
        evidence="{whose} producers created or updated {value} records per producer-week",
    ),
    # ----------------------------------------------------------------- pipeline
    Metric(
        "stale_open_loans",
        "Open loans with a stale stage",
        "Share of open loans (an open stage, not won or lost) whose stage has not changed in "
        "the last N days as of the as-of date. The last change is the opportunity's stage "
        "change date, else its latest stage-history entry, else its creation date.",
        "share",
        "pipeline",
        "lower",
        params={"days": 14},
        noun="open loans",
        evidence="{value} of {whose} {denominator} open loans have not changed stage in "
        "{days}+ days",
    ),
    Metric(
        "leads_without_touch",
        "New leads never touched",
        "Share of leads (contact type lead, or a blank type with a lead or prospect lifecycle "
        "stage) created in the window with no human (non-automated) activity on them since "
        "their creation, by the as-of date.",
        "share",
        "pipeline",
        "lower",
        noun="new leads",
        evidence="{value} of {whose} {denominator} new leads in the last {window} days were "
        "never touched by a person",
    ),
    Metric(
        "loan_fields_complete",
        "Open loans with required fields",
        "Share of open loans that carry every field the standards require at their stage "
        "(required_fields in the standards file).",
        "share",
        "pipeline",
        "higher",
        noun="open loans",
        evidence="{value} of {whose} {denominator} open loans carry every field required at "
        "their stage",
    ),
    Metric(
        "aged_open_loans",
        "Open loans past the age limit",
        "Share of open loans (an open stage, not won or lost) that entered the pipeline N or "
        "more days before the as-of date (whole calendar days from the creation day), whatever "
        "their stage changes: a loan still open long after a typical cycle is dead or "
        "forgotten and needs a review. Needs only the creation date.",
        "share",
        "pipeline",
        "lower",
        params={"days": 60},
        noun="open loans",
        evidence="{value} of {whose} {denominator} open loans entered the pipeline {days}+ "
        "days ago and are still open",
    ),
    Metric(
        "typical_days_to_win",
        "Typical days from entry to win",
        "Median whole days from an opportunity's creation to its close, among loans won with "
        "a close date in the window: the team's own cycle, to read the age limit of open loans "
        "against.",
        "days",
        "pipeline",
        "lower",
        noun="won loans",
        evidence="{whose} loans won in the last {window} days took a median of {value} from "
        "entry to win ({denominator} loans)",
    ),
    Metric(
        "past_due_open_loans",
        "Open loans past their expected close date",
        "Share of open loans with an expected close date (the CRM's close date while a loan "
        "is open) whose date is before the as-of day: the forecast is stale. Open loans with "
        "no expected close date are not counted.",
        "share",
        "pipeline",
        "lower",
        noun="open loans",
        evidence="{value} of {whose} {denominator} open loans are past their expected close date",
    ),
    Metric(
        "closed_loans_complete",
        "Closed loans with close date and amount",
        "Share of loans closed as won or lost in the window that record their close date and, "
        "when won, an amount above zero (a lost loan needs no amount). A loan closed with no "
        "close date is placed by its last stage change, else its creation.",
        "share",
        "pipeline",
        "higher",
        noun="closed loans",
        evidence="{value} of {whose} {denominator} loans closed in the last {window} days "
        "record their close date (and, when won, their amount)",
    ),
    Metric(
        "won_in_one_step",
        "Won loans closed in one step",
        "Share of loans won with a close date in the window that never showed as worked in "
        "the pipeline: created on the day they were won (or later), or, where stage history "
        "is provided, with no stage recorded between their creation and the win. Entered "
        "after the fact, the pipeline never showed them.",
        "share",
        "pipeline",
        "lower",
        noun="won loans",
        evidence="{value} of {whose} {denominator} loans won in the last {window} days went "
        "from entry to won in one step, never worked in the pipeline",
    ),
    # ----------------------------------------------------------------- follow-up
    *(
        Metric(
            f"speed_to_lead_{key}",
            f"Leads touched within {text}",
            f"Share of leads created in the window whose first human (non-automated) activity "
            f"came within {text} of the lead's creation. Elapsed clock time: nights and weekends "
            f"count. A touch up to 10 minutes before the lead's creation counts as immediate.",
            "share",
            "follow_up",
            "higher",
            noun="new leads",
            evidence=f"{{value}} of {{whose}} {{denominator}} new leads in the last {{window}} "
            f"days were touched by a person within {text}",
        )
        for key, text in (("5m", "5 minutes"), ("1h", "1 hour"), ("24h", "24 hours"))
    ),
    Metric(
        "median_speed_to_lead",
        "Median speed to lead",
        "Median elapsed minutes from a lead's creation to its first human activity, among "
        "leads created in the window that were touched.",
        "minutes",
        "follow_up",
        "lower",
        noun="touched leads",
        evidence="{whose} median time from new lead to first human touch was {value} "
        "({denominator} touched leads)",
    ),
    Metric(
        "conversations_with_outcome",
        "Conversations with an outcome",
        "Share of human calls and meetings in the window with an outcome recorded.",
        "share",
        "follow_up",
        "higher",
        noun="calls and meetings",
        evidence="{value} of {whose} {denominator} calls and meetings in the last {window} "
        "days recorded an outcome",
    ),
    Metric(
        "conversations_with_next_step",
        "Conversations with a next step",
        "Share of human calls and meetings in the window with a next step recorded.",
        "share",
        "follow_up",
        "higher",
        noun="calls and meetings",
        evidence="{value} of {whose} {denominator} calls and meetings in the last {window} "
        "days recorded a next step",
    ),
    Metric(
        "overdue_next_steps",
        "Overdue next steps",
        "Share of next steps due in the window before the as-of day with no later human "
        "activity on the same contact (or loan, when the activity has no contact) by the "
        "as-of date.",
        "share",
        "follow_up",
        "lower",
        noun="next steps due",
        evidence="{value} of {whose} {denominator} next steps due in the last {window} days "
        "are overdue with no follow-up",
    ),
    # ----------------------------------------------------------------- relationships
    Metric(
        "past_clients_touched",
        "Past clients in cadence",
        "Share of past clients touched in the last N days (by default any touch counts, "
        "automated nurture included: parameter touches = any or human).",
        "share",
        "relationships",
        "higher",
        params={"days": 90, "touches": "any"},
        noun="past clients",
        evidence="{value} of {whose} {denominator} past clients were touched in the last "
        "{days} days",
    ),
    Metric(
        "partners_touched",
        "Referral partners in cadence",
        "Share of referral partners touched by a person in the last N days (parameter "
        "touches = human or any).",
        "share",
        "relationships",
        "higher",
        params={"days": 30, "touches": "human"},
        noun="referral partners",
        evidence="{value} of {whose} {denominator} referral partners were touched by a person "
        "in the last {days} days",
    ),
    Metric(
        "active_partners",
        "Active referral partners",
        "Number of referral partners who sent at least one new contact in the window "
        "(contacts whose referred_by is the partner); per producer, the partners they own.",
        "count",
        "relationships",
        "higher",
        noun="referral partners",
        evidence="{whose} {denominator} referral partners, {value} sent a new contact in the "
        "last {window} days",
    ),
    Metric(
        "contacts_without_owner",
        "Contacts without an owner",
        "Share of contacts with no owner (or an owner who is not a CRM user). A contact is "
        "attributed to the team of the first person who touched it.",
        "share",
        "relationships",
        "lower",
        scopes=_TEAM,
        noun="contacts",
        evidence="{value} of {whose} {denominator} contacts have no owner",
    ),
    # ----------------------------------------------------------------- marketing
    Metric(
        "new_contacts_with_lead_source",
        "New contacts with a lead source",
        "Share of contacts created in the window (referral partners excluded) with a lead "
        "source recorded.",
        "share",
        "marketing",
        "higher",
        noun="new contacts",
        evidence="{value} of {whose} {denominator} new contacts in the last {window} days "
        "have a lead source",
    ),
    Metric(
        "automation_ready_contacts",
        "Campaign contacts ready for automation",
        "Share of contacts enrolled in a campaign that have both a lifecycle stage and a lead "
        "source (what automation keys its messages on).",
        "share",
        "marketing",
        "higher",
        noun="campaign contacts",
        evidence="{value} of {whose} {denominator} contacts in campaigns have both a lifecycle "
        "stage and a lead source",
    ),
    Metric(
        "human_touch_share",
        "Human share of touches",
        "Share of activities in the window logged by a person rather than sent by automation.",
        "share",
        "marketing",
        "higher",
        noun="touches",
        evidence="{value} of {whose} {denominator} touches in the last {window} days were "
        "made by a person",
    ),
    # ----------------------------------------------------------------- shadow pipeline
    Metric(
        "funded_loans_in_crm",
        "Funded loans present in the CRM",
        "Share of LOS loans funded in the window whose loan number appears on a CRM "
        "opportunity (compared trimmed and case-insensitive). The rest is the shadow "
        "pipeline: work done outside the system.",
        "share",
        "shadow_pipeline",
        "higher",
        noun="funded LOS loans",
        evidence="only {value} of {whose} {denominator} loans funded in the last {window} days "
        "exist in the CRM",
    ),
    # ----------------------------------------------------------------- seat ROI
    Metric(
        "idle_seat_share",
        "Idle seats",
        "Share of active seats (users not marked inactive) whose holder logged no own, "
        "non-automated work in the 30 days ending at the as-of date.",
        "share",
        "seat_roi",
        "lower",
        scopes=_TEAM,
        noun="seats",
        evidence="{value} of {whose} {denominator} paid seats had no logged work in the last "
        "{seat_days} days",
    ),
    Metric(
        "cost_per_active_producer",
        "Cost per active producer",
        "Monthly seat cost of the team divided by its producers with own logged work in the "
        "last 30 days.",
        "currency",
        "seat_roi",
        "lower",
        scopes=_TEAM,
        noun="active producers",
        evidence="{whose} seats cost {value} a month per producer actually working in the CRM",
    ),
    Metric(
        "idle_seat_spend",
        "Monthly spend on idle seats",
        "Idle seats times the monthly seat cost.",
        "currency",
        "seat_roi",
        "lower",
        scopes=_TEAM,
        noun="seats",
        evidence="{whose} idle seats cost {value} a month",
    ),
    # ----------------------------------------------------------------- data quality
    Metric(
        "data_health",
        "Data health score",
        "Share of records (contacts, opportunities, activities) with no data-quality issue of "
        "any check (completeness, validity, uniqueness, timeliness, consistency, referential "
        "integrity).",
        "share",
        "data_quality",
        "higher",
        noun="records",
        evidence="{value} of {whose} {denominator} records have no data-quality issue",
    ),
    Metric(
        "logged_within_24h",
        "Activities logged within 24 hours",
        "Share of human activities in the window entered in the CRM within 24 hours of "
        "happening (logged_at minus occurred_at).",
        "share",
        "data_quality",
        "higher",
        noun="human activities",
        evidence="{value} of {whose} {denominator} activities in the last {window} days were "
        "logged within 24 hours",
    ),
    Metric(
        "median_logging_lag",
        "Median logging lag",
        "Median minutes between a human activity happening and being entered in the CRM.",
        "minutes",
        "data_quality",
        "lower",
        noun="human activities",
        evidence="{whose} median delay between an activity and its logging was {value}",
    ),
    Metric(
        "duplicate_contacts",
        "Duplicate contacts",
        "Share of contacts that share a normalized email, phone or first+last name with "
        "another contact.",
        "share",
        "data_quality",
        "lower",
        noun="contacts",
        evidence="{value} of {whose} {denominator} contacts look like duplicates",
    ),
)

#: Every metric the kit computes, by id.
METRICS: dict[str, Metric] = {m.id: m for m in _CATALOGUE}
