"""Pipeline truth: is the CRM's pipeline a true picture of the loans being worked?

* stale open loans: open loans whose stage has not changed in N days (rule parameter
  ``days``, default 14). The stage's age is counted in whole calendar days from the day of
  the last change to the as-of day; the last change is ``stage_changed_at``, else the latest
  ``stage_history`` entry, else the loan's creation (a loan that never moved).
* new leads never touched: leads created in the window with no human activity by the as-of
  date.
* open loans with the fields the standards require at their stage.

A loan belongs to its owner and the owner's team.

Examples
--------
>>> "stale_loans" in {"stale_loans": None}
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kit.diagnostics.context import human_labels, take_text
from kit.diagnostics.review import review_units
from kit.diagnostics.rows import Measurements, missing_rows, money_suffix, present, share_rows
from kit.schema import STAGES

if TYPE_CHECKING:
    from kit.diagnostics.context import Context

__all__ = ["LEAD_TOUCH_TOLERANCE", "compute", "lead_first_touch", "lead_mask", "new_leads"]

#: A human touch this long before a lead's creation still counts as its first touch (the
#: producer called, then created the contact): it counts as immediate.
LEAD_TOUCH_TOLERANCE = pd.Timedelta(minutes=10)

_NO_OPPS = "not assessed: no opportunities provided"


def lead_mask(ctx: Context, contacts: pd.DataFrame) -> np.ndarray:
    """Which prepared contacts are leads: contact type lead, or (type blank) a lifecycle
    stage of lead or prospect."""
    raw = ctx.dataset.tables["contacts"]
    codes = contacts["code"].to_numpy()
    ctype = contacts["type"].to_numpy()
    early_life = raw["lifecycle_stage"].isin(["lead", "prospect"]).to_numpy(dtype=bool)[codes]
    return (ctype == "lead") | (pd.isna(ctype) & early_life)


def new_leads(ctx: Context) -> pd.DataFrame:
    """Prepared contacts that are leads created in the window (computed once per context)."""
    return ctx.memo("new_leads", lambda: _new_leads(ctx))


def _new_leads(ctx: Context) -> pd.DataFrame:
    contacts = ctx.contacts
    created = contacts["created"].to_numpy()
    return contacts[lead_mask(ctx, contacts) & (created >= ctx.start64)].reset_index(drop=True)


def lead_first_touch(ctx: Context) -> np.ndarray:
    """For each of :func:`new_leads`, its first human activity at or after its creation (less
    :data:`LEAD_TOUCH_TOLERANCE`), by the as-of date; NaT when never touched.

    Earlier activities on the contact (it was known before it became this lead) do not
    count as following up the lead. Computed once per context for :func:`new_leads`.
    """
    return ctx.memo("lead_first_touch", lambda: _first_touch(ctx, new_leads(ctx)))


def _first_touch(ctx: Context, leads: pd.DataFrame) -> np.ndarray:
    out = np.full(len(leads), np.datetime64("NaT"), dtype="datetime64[us]")
    if not len(leads) or not ctx.has("activities"):
        return out
    acts = ctx.activities
    is_lead = np.zeros(len(ctx.dataset.tables["contacts"]), dtype=bool)
    is_lead[leads["code"].to_numpy()] = True
    contact = acts["contact"].to_numpy()
    human = acts["manual"].to_numpy() & (contact >= 0)
    human[human] = is_lead[contact[human]]
    touches = pd.DataFrame(
        {"contact": contact[human], "t": acts["t"].to_numpy()[human]}
    ).sort_values("t", kind="stable")
    left = pd.DataFrame(
        {
            "contact": leads["code"].to_numpy(),
            "t": (leads["created"] - LEAD_TOUCH_TOLERANCE).to_numpy(),
            "i": np.arange(len(leads)),
        }
    ).sort_values("t", kind="stable")
    touches = touches.rename(columns={"t": "touch"})
    touches["t"] = touches["touch"]
    merged = pd.merge_asof(left, touches, on="t", by="contact", direction="forward")
    out[merged["i"].to_numpy()] = merged["touch"].to_numpy(dtype="datetime64[us]")
    return out


def compute(ctx: Context) -> Measurements:
    section = Measurements()
    _stale(ctx, section)
    _untouched(ctx, section)
    _fields(ctx, section)
    return section


def _stale(ctx: Context, section: Measurements) -> None:
    metric = "stale_open_loans"
    if not ctx.has("opportunities"):
        section.metrics.append(missing_rows(ctx, metric, _NO_OPPS))
        section.not_assessed.append(("pipeline", _NO_OPPS))
        return
    opps = ctx.opportunities
    if not ctx.notes.get("stage_dates_known"):
        reason = "not assessed: no stage change dates (stage_changed_at) or stage history provided"
        section.metrics.append(missing_rows(ctx, metric, reason))
        section.not_assessed.append(("pipeline", reason))
        return
    days = int(ctx.params(metric)["days"])
    open_ = opps[opps["open"].to_numpy()]
    as_of_day = np.datetime64(ctx.as_of, "D")
    age = (as_of_day - open_["last_change"].to_numpy().astype("datetime64[D]")).astype("int64")
    stale = age >= days
    section.metrics.append(
        share_rows(
            ctx,
            metric,
            team=open_["team"].to_numpy(),
            user=open_["owner"].to_numpy(),
            hit=stale,
            empty_reason="not assessed: no open loans",
        )
    )
    raw = ctx.dataset.tables["opportunities"]
    rows = open_[stale]
    codes = rows["code"].to_numpy()
    amount = raw["amount"].to_numpy(dtype="float64", na_value=np.nan)[codes]
    stage_labels = human_labels(rows["stage"].to_numpy())
    amount_text = money_suffix(amount)
    section.units["stale_loans"] = review_units(
        {
            "team": rows["team"].to_numpy(),
            "user": rows["owner"].to_numpy(),
            "record_id": take_text(raw["opportunity_id"], codes),
            "age_days": age[stale],
            "detail": (
                "stage "
                + stage_labels.astype(str)
                + amount_text.astype(str)
                + f", no stage change in {days}+ days"
            ),
        }
    )


def _untouched(ctx: Context, section: Measurements) -> None:
    metric = "leads_without_touch"
    for table in ("contacts", "activities"):
        if not ctx.has(table):
            section.metrics.append(missing_rows(ctx, metric, f"not assessed: no {table} provided"))
            return
    leads = new_leads(ctx)
    touched = ~np.isnat(lead_first_touch(ctx))
    section.metrics.append(
        share_rows(
            ctx,
            metric,
            team=leads["team"].to_numpy(),
            user=leads["owner"].to_numpy(),
            hit=~touched,
            empty_reason="not assessed: no new leads in the window",
        )
    )
    rows = leads[~touched]
    raw = ctx.dataset.tables["contacts"]
    codes = rows["code"].to_numpy()
    source = take_text(raw["lead_source"], codes)
    age = (
        np.datetime64(ctx.as_of, "D") - rows["created"].to_numpy().astype("datetime64[D]")
    ).astype("int64")
    section.units["untouched_leads"] = review_units(
        {
            "team": rows["team"].to_numpy(),
            "user": rows["owner"].to_numpy(),
            "record_id": take_text(raw["contact_id"], codes),
            "age_days": age,
            "detail": "new lead, source " + human_labels(source) + ", never touched by a person",
        }
    )


def _fields(ctx: Context, section: Measurements) -> None:
    metric = "loan_fields_complete"
    if not ctx.has("opportunities"):
        section.metrics.append(missing_rows(ctx, metric, _NO_OPPS))
        return
    spec: dict[str, Any] = ctx.standards.required_fields.get("opportunities", {})
    if not spec:
        section.metrics.append(
            missing_rows(ctx, metric, "not assessed: the standards require no loan fields")
        )
        return
    spec = {
        key: [f for f in fields if ctx.provided("opportunities", f)] for key, fields in spec.items()
    }
    if not any(spec.values()):
        missing = sorted(
            {
                f
                for fields in ctx.standards.required_fields["opportunities"].values()
                for f in fields
            }
        )
        section.metrics.append(
            missing_rows(
                ctx, metric, f"not assessed: the export has no {', '.join(missing)} column"
            )
        )
        return
    opps = ctx.opportunities
    open_ = opps[opps["open"].to_numpy()]
    raw = ctx.dataset.tables["opportunities"]
    codes = open_["code"].to_numpy()
    stage_index = open_["stage_index"].to_numpy()
    complete = np.ones(len(open_), dtype=bool)
    for key, fields in spec.items():
        applies = (
            np.ones(len(open_), dtype=bool) if key == "all" else stage_index >= STAGES.index(key)
        )
        for f in fields:
            complete &= ~applies | present(raw, f)[codes]
    section.metrics.append(
        share_rows(
            ctx,
            metric,
            team=open_["team"].to_numpy(),
            user=open_["owner"].to_numpy(),
            hit=complete,
            empty_reason="not assessed: no open loans",
        )
    )
