"""What the export could not show, as requests a leader can forward to whoever runs it.

Each :class:`Request` names a table or field the kit reads, how to ask for it in plain words
(with where it lives in Salesforce and HubSpot), what it would let the report show and the
metrics that need it. :func:`export_requests` lists the requests whose input this export
lacks, with the operating standards each would let the kit score (those not assessed today)
and their weight in the adoption score, the heaviest first.

Examples
--------
>>> [r.key for r in REQUESTS][:3]
['opportunities', 'activities', 'contacts']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from kit.diagnostics.context import Context

__all__ = ["REQUESTS", "REQUEST_COLUMNS", "Request", "export_requests"]

REQUEST_COLUMNS: tuple[str, ...] = ("request", "adds", "standards", "weight", "tables")


@dataclass(frozen=True)
class Request:
    """One thing to ask for.

    Attributes
    ----------
    key
        Stable id.
    ask
        What to export, in words a leader can forward.
    adds
        What it would let the report show.
    metrics
        Metric ids that cannot be measured without it.
    missing
        Whether this export lacks it.
    tables
        The canonical tables (or ``table.field``) it fills.
    """

    key: str
    ask: str
    adds: str
    metrics: tuple[str, ...]
    missing: Callable[[Context], bool]
    tables: str


def _no_table(table: str) -> Callable[[Context], bool]:
    return lambda ctx: not ctx.has(table)


def _no_field(table: str, field: str) -> Callable[[Context], bool]:
    """The table is there but the field is not: absent from the export, or blank throughout."""

    def missing(ctx: Context) -> bool:
        if not ctx.has(table):
            return False
        return not ctx.provided(table, field) or not ctx.dataset.tables[table][field].notna().any()

    return missing


def _no_stage_dates(ctx: Context) -> bool:
    if not ctx.has("opportunities"):
        return False
    _ = ctx.opportunities  # preparing the loans records whether any stage date is known
    return not ctx.notes.get("stage_dates_known")


_ACTIVITY_METRICS = (
    "weekly_active_producers",
    "active_last_week",
    "weeks_active_since_launch",
    "active_day_30",
    "active_day_60",
    "active_day_90",
    "manual_activities_per_producer_week",
    "logins_without_work",
    "leads_without_touch",
    "speed_to_lead_5m",
    "speed_to_lead_1h",
    "speed_to_lead_24h",
    "median_speed_to_lead",
    "conversations_with_outcome",
    "conversations_with_next_step",
    "overdue_next_steps",
    "past_clients_touched",
    "partners_touched",
    "human_touch_share",
    "idle_seat_share",
    "cost_per_active_producer",
    "idle_seat_spend",
    "logged_within_24h",
    "median_logging_lag",
)

#: Everything the kit can ask for, in the order a request list reads best.
REQUESTS: tuple[Request, ...] = (
    Request(
        "opportunities",
        "An opportunities (deals) export: one row per loan with its owner, stage, status, "
        "created date, close date, expected close date and amount (Salesforce "
        "Opportunities; HubSpot All deals).",
        "pipeline truth and hygiene (aged, past-due and incompletely closed loans) and "
        "adoption read from the records producers enter",
        (
            "stale_open_loans",
            "loan_fields_complete",
            "aged_open_loans",
            "typical_days_to_win",
            "past_due_open_loans",
            "closed_loans_complete",
            "won_in_one_step",
        ),
        _no_table("opportunities"),
        "opportunities",
    ),
    Request(
        "activities",
        "An activity export: every call, email, text, meeting, note and task with who "
        "logged it, when it happened, its outcome and next step (Salesforce Tasks and "
        "Events; HubSpot calls, meetings, emails, notes and tasks).",
        "logged work week by week (the adoption trajectory and the producer archetypes from "
        "logged work, the stronger signal than records), follow-up discipline (speed to "
        "lead, outcomes, next steps), relationship cadence, presence and seat ROI",
        _ACTIVITY_METRICS,
        _no_table("activities"),
        "activities",
    ),
    Request(
        "contacts",
        "A contacts export with each contact's owner, created date, contact type, lead "
        "source and lifecycle stage (Salesforce Contacts and Leads; HubSpot All contacts "
        "with Lifecycle Stage and Original Source added to the view).",
        "speed to lead, past-client and referral-partner cadence, contact ownership and "
        "marketing readiness (lead source, lifecycle stage)",
        (
            "leads_without_touch",
            "speed_to_lead_5m",
            "speed_to_lead_1h",
            "speed_to_lead_24h",
            "median_speed_to_lead",
            "past_clients_touched",
            "partners_touched",
            "active_partners",
            "contacts_without_owner",
            "new_contacts_with_lead_source",
            "automation_ready_contacts",
            "duplicate_contacts",
        ),
        _no_table("contacts"),
        "contacts",
    ),
    Request(
        "los_loans",
        "An export of loans from the loan origination system: loan number, loan officer, "
        "application and funded dates, amount.",
        "the shadow pipeline: loans funded outside the CRM",
        ("funded_loans_in_crm",),
        _no_table("los_loans"),
        "los_loans",
    ),
    Request(
        "stage_dates",
        "The stage history of each opportunity, or at least its last stage-change date "
        "(Salesforce Opportunity History or LastStageChangeDate; HubSpot deal stage history).",
        "stage freshness: open loans whose stage has not moved in the standard's days",
        ("stale_open_loans",),
        _no_stage_dates,
        "stage_history",
    ),
    Request(
        "expected_close_date",
        "The expected close date of each open opportunity (Salesforce CloseDate; HubSpot "
        "Close Date).",
        "open loans past their expected close date: a forecast nobody updates",
        ("past_due_open_loans",),
        _no_field("opportunities", "expected_close_date"),
        "opportunities.expected_close_date",
    ),
    Request(
        "loan_number",
        "The loan origination system's loan number on each opportunity.",
        "matching funded loans to the CRM (the shadow pipeline)",
        ("funded_loans_in_crm",),
        lambda ctx: ctx.has("los_loans") and _no_field("opportunities", "loan_number")(ctx),
        "opportunities.loan_number",
    ),
    Request(
        "lead_source",
        "The lead source of each contact (Salesforce LeadSource; HubSpot Original Source).",
        "which sources produce loans, and whether producers record them",
        ("new_contacts_with_lead_source", "automation_ready_contacts"),
        _no_field("contacts", "lead_source"),
        "contacts.lead_source",
    ),
    Request(
        "logins",
        "A login history of the CRM's users (Salesforce Login History; the CRM's user audit log).",
        "presence vs engagement: producers who log in without logging their work",
        ("logins_without_work",),
        _no_table("logins"),
        "logins",
    ),
)


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text + "."


def export_requests(ctx: Context, compliance: pd.DataFrame) -> pd.DataFrame:
    """The requests whose input this export lacks (columns :data:`REQUEST_COLUMNS`).

    ``standards`` lists, in the standards file's order, the statements (sentences) of the
    rules that measure one of the request's metrics and are not assessed for the
    organization today;
    ``weight`` is the sum of their weights. Sorted by weight (heaviest first), then in
    :data:`REQUESTS` order.
    """
    org = compliance[compliance["scope"] == "organization"]
    unscored = set(org.loc[org["status"] == "not_assessed", "rule_id"])
    rows = []
    for order, request in enumerate(REQUESTS):
        if not request.missing(ctx):
            continue
        rules = [r for r in ctx.standards.rules if r.metric in request.metrics and r.id in unscored]
        rows.append(
            {
                "request": request.ask,
                "adds": request.adds,
                "standards": " ".join(_sentence(r.statement) for r in rules),
                "weight": float(sum(r.weight for r in rules)),
                "tables": request.tables,
                "_order": order,
            }
        )
    frame = pd.DataFrame(rows, columns=[*REQUEST_COLUMNS, "_order"])
    frame["weight"] = frame["weight"].astype("float64")
    frame = frame.sort_values(["weight", "_order"], ascending=[False, True], kind="stable")
    return (
        frame.drop(columns="_order")
        .reset_index(drop=True)
        .astype({c: "str" for c in REQUEST_COLUMNS if c != "weight"})
    )
