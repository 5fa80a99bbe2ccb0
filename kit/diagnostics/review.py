"""The weekly manager review list: the specific records to walk through in next week's
pipeline meeting, team by team.

Items (in this order):

``stale_loan``
    open loans whose stage has not changed in the stage-freshness days (the ``days`` of the
    standards' stale-loan rule);
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

Titles are templates filled from the standards (:func:`review_title`), so a custom
standards file with other cadences changes every heading that names one.

Examples
--------
>>> REVIEW_COLUMNS
('team', 'item', 'record_id', 'producer_id', 'producer_name', 'age_days', 'detail')
>>> review_title("stale_loan", {"rules": [{"metric": "stale_open_loans", "params": {"days": 21}}]})
'Open loans with no stage change in 21+ days'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit.diagnostics.metrics import METRICS
from kit.results import REVIEW_COLUMNS

if TYPE_CHECKING:
    from kit.diagnostics.context import Context
    from kit.diagnostics.standards import Standards

__all__ = ["REVIEW_ITEMS", "ReviewItem", "review_list", "review_title"]


@dataclass(frozen=True)
class ReviewItem:
    """One kind of record on the weekly review list.

    Parameters
    ----------
    id
        Stable identifier (the ``item`` column of the review list).
    unit
        The unit frame of the metric modules that lists its records.
    record_table
        The canonical table its record ids belong to (``None``: an LOS loan number), used to
        name the borrower in an internal consultant copy.
    title
        The heading of its table in a team report: a template whose ``{name}`` placeholders
        are the parameters of ``metric`` in the standards (see :func:`review_title`).
    definition
        What it lists, in one line (the metrics reference quotes it).
    metric
        The metric whose records it lists: its parameters (``days``) fill the title, and
        where the metric is not assessed the item could not be checked.
    """

    id: str
    unit: str
    record_table: str | None
    title: str
    definition: str
    metric: str | None = None


def _items(*items: ReviewItem) -> dict[str, ReviewItem]:
    return {i.id: i for i in items}


#: Review items, in the order a manager walks through them.
REVIEW_ITEMS: dict[str, ReviewItem] = _items(
    ReviewItem(
        "stale_loan",
        "stale_loans",
        "opportunities",
        "Open loans with no stage change in {days}+ days",
        "open loans with no stage change in the stage-freshness days",
        "stale_open_loans",
    ),
    ReviewItem(
        "aged_open_loan",
        "aged_loans",
        "opportunities",
        "Open loans that entered the pipeline {days}+ days ago",
        "open loans that entered the pipeline the age limit's days ago or more",
        "aged_open_loans",
    ),
    ReviewItem(
        "past_due_loan",
        "past_due_loans",
        "opportunities",
        "Open loans past their expected close date",
        "open loans past their expected close date, with the days past due",
        "past_due_open_loans",
    ),
    ReviewItem(
        "incomplete_closed_loan",
        "incomplete_closed_loans",
        "opportunities",
        "Closed loans with no close date or amount",
        "loans closed in the window with no close date or (won) amount",
        "closed_loans_complete",
    ),
    ReviewItem(
        "untouched_lead",
        "untouched_leads",
        "contacts",
        "New leads nobody has touched",
        "leads created in the window that no person has touched",
        "leads_without_touch",
    ),
    ReviewItem(
        "overdue_next_step",
        "overdue_next_steps",
        "activities",
        "Overdue next steps",
        "next steps past their due date with no later human activity",
        "overdue_next_steps",
    ),
    ReviewItem(
        "missing_next_step",
        "missing_next_steps",
        "activities",
        "Calls and meetings with no next step",
        "calls and meetings of the last 7 days logged without a next step",
        "conversations_with_next_step",
    ),
    ReviewItem(
        "past_client_out_of_cadence",
        "past_client_out_of_cadence",
        "contacts",
        "Past clients not touched in {days}+ days",
        "past clients not touched within their cadence",
        "past_clients_touched",
    ),
    ReviewItem(
        "partner_out_of_cadence",
        "partner_out_of_cadence",
        "contacts",
        "Referral partners not touched in {days}+ days",
        "referral partners not touched by a person within cadence",
        "partners_touched",
    ),
    ReviewItem(
        "missing_lead_source",
        "missing_lead_source",
        "contacts",
        "New contacts with no lead source",
        "contacts created in the window with no lead source",
        "new_contacts_with_lead_source",
    ),
    ReviewItem(
        "funded_loan_missing_from_crm",
        "funded_loan_missing_from_crm",
        None,
        "Funded loans missing from the CRM",
        "LOS loans funded in the window not in the CRM",
        "funded_loans_in_crm",
    ),
)


def _metric_params(standards: Standards | Mapping[str, Any], metric: str) -> dict[str, Any]:
    """The parameters of ``metric`` in ``standards`` (a :class:`Standards` or its dict in a
    results bundle): the first rule's that measures it, else the catalogue's defaults."""
    rules = standards.get("rules", []) if isinstance(standards, Mapping) else standards.rules
    for rule in rules:
        found = rule.get("metric") if isinstance(rule, Mapping) else rule.metric
        if found == metric:
            params = rule.get("params") if isinstance(rule, Mapping) else rule.params
            return {**METRICS[metric].params, **(params or {})}
    return dict(METRICS[metric].params)


def review_title(item: str, standards: Standards | Mapping[str, Any]) -> str:
    """The heading of a review item, its cadence taken from ``standards``.

    ``standards`` is a :class:`kit.diagnostics.standards.Standards` or the dict a results
    bundle keeps (``results.parameters["standards"]``).
    """
    spec = REVIEW_ITEMS[item]
    if spec.metric is None or "{" not in spec.title:
        return spec.title
    return spec.title.format(**_metric_params(standards, spec.metric))


#: The text columns of a module's review units, kept as Python objects.
_UNIT_TEXT = ("record_id", "detail")


def review_units(columns: Mapping[str, Any]) -> pd.DataFrame:
    """A metric module's review-list units (``team``, ``user``, ``record_id``,
    ``age_days``, ``detail``), their text columns kept as the Python strings they were
    built from: :func:`review_list` reads them as such, so they are never converted to
    Arrow text and back.

    >>> review_units({"record_id": np.array(["O1"], dtype="U2")})["record_id"].dtype
    dtype('O')
    """
    return pd.DataFrame(
        {
            name: pd.Series(np.asarray(values, dtype=object), dtype=object)
            if name in _UNIT_TEXT
            else values
            for name, values in columns.items()
        }
    )


def _text_at(names: np.ndarray, codes: np.ndarray) -> pd.Series:
    """``names[codes]`` as text (blank where the code is negative), taken in Arrow: no
    Python string made per row.

    >>> _text_at(np.array(["ana", None], dtype=object), np.array([1, 0, -1, 0])).tolist()
    [nan, 'ana', nan, 'ana']
    """
    taken = pa.array(names, type=pa.large_string()).take(pa.array(codes, mask=codes < 0))
    return pd.Series(pd.arrays.ArrowStringArray(taken, dtype=pd.StringDtype("pyarrow", np.nan)))


def _arrow_text(values: pa.Array) -> pd.Series:
    """An Arrow text array as a ``str`` column, without a copy."""
    return pd.Series(pd.arrays.ArrowStringArray(values, dtype=pd.StringDtype("pyarrow", np.nan)))


def _arrow(values: np.ndarray) -> pa.Array:
    """An object array of text (None or NaN: blank) as one Arrow array, converted at once
    rather than inferred value by value by a frame's constructor."""
    return pa.array(values, type=pa.large_string(), from_pandas=True)


def review_list(ctx: Context, units: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Assemble the review list from the metric modules' unit frames.

    Sorted by team, item (in :data:`REVIEW_ITEMS` order), oldest first, then record id.
    The order is found on codes (team code, item order, age, the record id's rank among
    the ids; teams are numbered in name order) and every column is then taken once
    in that order: no text column is sorted or gathered twice.
    """
    team_parts: list[np.ndarray] = []
    user_parts: list[np.ndarray] = []
    order_parts: list[np.ndarray] = []
    age_parts: list[np.ndarray] = []
    id_parts: list[np.ndarray] = []
    detail_parts: list[np.ndarray] = []
    for order, (_item, spec) in enumerate(REVIEW_ITEMS.items()):
        unit = units.get(spec.unit)
        if unit is None or not len(unit):
            continue
        team = unit["team"].to_numpy(dtype="int64")
        keep = team >= 0
        user = unit["user"].to_numpy(dtype="int64")[keep]
        team_parts.append(team[keep])
        user_parts.append(np.where(user >= 0, user, -1))
        order_parts.append(np.full(int(keep.sum()), order, dtype="int64"))
        age_parts.append(unit["age_days"].to_numpy(dtype="int64")[keep])
        id_parts.append(unit["record_id"].to_numpy(dtype=object)[keep])
        detail_parts.append(unit["detail"].to_numpy(dtype=object)[keep])
    if not team_parts:
        frame = pd.DataFrame({c: pd.Series(dtype="str") for c in REVIEW_COLUMNS})
        frame["age_days"] = frame["age_days"].astype("int64")
        return frame
    team, user, item_order, age, record_id, detail = (
        np.concatenate(parts)
        for parts in (team_parts, user_parts, order_parts, age_parts, id_parts, detail_parts)
    )
    ids = _arrow(record_id)  # converted in their own order, then taken in Arrow
    keys = pa.table({"team": team, "item": item_order, "age": -age, "record_id": ids})
    # Arrow's sort is stable, a blank record id last, as in pandas' sort of the frame
    rows = pc.sort_indices(
        keys, sort_keys=[(c, "ascending", "at_end") for c in keys.column_names]
    ).to_numpy()
    items = np.array(list(REVIEW_ITEMS), dtype=object)
    return pd.DataFrame(
        {
            "team": _text_at(ctx.teams, team[rows]),
            "item": _arrow_text(_arrow(items).take(item_order[rows])),
            "record_id": _arrow_text(ids.take(rows)),
            "producer_id": _text_at(ctx.user_ids, user[rows]),
            "producer_name": _text_at(ctx.user_names, user[rows]),
            "age_days": age[rows],
            "detail": _arrow_text(_arrow(detail).take(rows)),
        }
    )
