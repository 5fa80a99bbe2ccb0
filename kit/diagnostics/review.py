"""The weekly manager review list: the specific records to walk through in next week's
pipeline meeting, team by team.

Items (in this order):

``stale_loan``
    open loans whose stage has not changed in the stage-freshness days (default 14);
``aged_open_loan``
    open loans that entered the pipeline the age limit's days ago or more (default 60);
``past_due_loan``
    open loans past their expected close date;
``incomplete_closed_loan``
    loans closed in the window with no close date, or won with no amount;
``untouched_lead``
    leads created in the window that no person has touched;
``overdue_next_step``
    next steps past their due date with no follow-up;
``missing_next_step``
    calls and meetings of the last 7 days logged without a next step;
``past_client_out_of_cadence`` / ``partner_out_of_cadence``
    past clients and referral partners not touched within their cadence;
``missing_lead_source``
    contacts created in the window with no lead source;
``funded_loan_missing_from_crm``
    LOS loans funded in the window that do not exist in the CRM.

Records are identified by id (opportunity, contact, activity or LOS loan number), producer
and age in days, with a non-personal detail (stage, activity type, dates, amount) — never a
borrower's name, email, phone or any free text. Records that cannot be attributed to a team
are left out (they appear in the data-quality section instead).

Examples
--------
>>> REVIEW_COLUMNS
('team', 'item', 'record_id', 'producer_id', 'producer_name', 'age_days', 'detail')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from kit.diagnostics.context import Context

__all__ = ["REVIEW_COLUMNS", "REVIEW_ITEMS", "review_list"]

REVIEW_COLUMNS: tuple[str, ...] = (
    "team",
    "item",
    "record_id",
    "producer_id",
    "producer_name",
    "age_days",
    "detail",
)
#: Review item -> the unit frame (from the metric modules) it lists.
REVIEW_ITEMS: dict[str, str] = {
    "stale_loan": "stale_loans",
    "aged_open_loan": "aged_loans",
    "past_due_loan": "past_due_loans",
    "incomplete_closed_loan": "incomplete_closed_loans",
    "untouched_lead": "untouched_leads",
    "overdue_next_step": "overdue_next_steps",
    "missing_next_step": "missing_next_steps",
    "past_client_out_of_cadence": "past_client_out_of_cadence",
    "partner_out_of_cadence": "partner_out_of_cadence",
    "missing_lead_source": "missing_lead_source",
    "funded_loan_missing_from_crm": "funded_loan_missing_from_crm",
}


def review_list(ctx: Context, units: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Assemble the review list from the metric modules' unit frames.

    Sorted by team, item (in :data:`REVIEW_ITEMS` order), oldest first, then record id.
    """
    parts = []
    for order, (item, key) in enumerate(REVIEW_ITEMS.items()):
        unit = units.get(key)
        if unit is None or not len(unit):
            continue
        team = unit["team"].to_numpy(dtype="int64")
        user = unit["user"].to_numpy(dtype="int64")
        keep = team >= 0
        known = user >= 0
        parts.append(
            pd.DataFrame(
                {
                    "team": ctx.teams[team[keep]],
                    "item": item,
                    "record_id": unit["record_id"].to_numpy(dtype=object)[keep],
                    "producer_id": np.where(known, ctx.user_ids[np.maximum(user, 0)], None)[keep],
                    "producer_name": np.where(known, ctx.user_names[np.maximum(user, 0)], None)[
                        keep
                    ],
                    "age_days": unit["age_days"].to_numpy(dtype="int64")[keep],
                    "detail": unit["detail"].to_numpy(dtype=object)[keep],
                    "_order": order,
                }
            )
        )
    if not parts:
        frame = pd.DataFrame({c: pd.Series(dtype="str") for c in REVIEW_COLUMNS})
        frame["age_days"] = frame["age_days"].astype("int64")
        return frame
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.sort_values(
        ["team", "_order", "age_days", "record_id"],
        ascending=[True, True, False, True],
        kind="stable",
    )
    return frame[list(REVIEW_COLUMNS)].reset_index(drop=True)
