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

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kit.metrics import Section, missing_rows, money_suffix, share_rows
from kit.schema import STAGES, label

if TYPE_CHECKING:
    from kit.context import Context

__all__ = ["compute", "lead_mask"]

_NO_OPPS = "not assessed: no opportunities provided"


def lead_mask(ctx: Context, contacts: pd.DataFrame) -> np.ndarray:
    """Which prepared contacts are leads: contact type lead, or (type blank) a lifecycle
    stage of lead or prospect."""
    raw = ctx.dataset.tables["contacts"]
    codes = contacts["code"].to_numpy()
    ctype = contacts["type"].to_numpy()
    life = raw["lifecycle_stage"].astype("str").to_numpy(dtype=object)[codes]
    blank = ~np.isin(ctype, ["lead", "past_client", "referral_partner", "other"])
    return (ctype == "lead") | (blank & np.isin(life, ["lead", "prospect"]))


def compute(ctx: Context) -> Section:
    section = Section()
    _stale(ctx, section)
    _untouched(ctx, section)
    _fields(ctx, section)
    return section


def _stale(ctx: Context, section: Section) -> None:
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
    stage_labels = pd.Series(rows["stage"].to_numpy()).map(label).to_numpy(dtype=object)
    amount_text = money_suffix(amount)
    section.units["stale_loans"] = pd.DataFrame(
        {
            "team": rows["team"].to_numpy(),
            "user": rows["owner"].to_numpy(),
            "record_id": raw["opportunity_id"].astype("str").to_numpy(dtype=object)[codes],
            "age_days": age[stale],
            "detail": (
                "stage "
                + stage_labels.astype(str)
                + amount_text.astype(str)
                + f", no stage change in {days}+ days"
            ),
        }
    )


def _untouched(ctx: Context, section: Section) -> None:
    metric = "leads_without_touch"
    for table in ("contacts", "activities"):
        if not ctx.has(table):
            section.metrics.append(missing_rows(ctx, metric, f"not assessed: no {table} provided"))
            return
    contacts = ctx.contacts
    created = contacts["created"].to_numpy()
    new = lead_mask(ctx, contacts) & (created >= ctx.start64)
    leads = contacts[new]
    touched = ~np.isnat(ctx.contact_touches["first_human"].to_numpy()[leads["code"].to_numpy()])
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
    source = raw["lead_source"].astype("str").to_numpy(dtype=object)[codes]
    age = (
        np.datetime64(ctx.as_of, "D") - rows["created"].to_numpy().astype("datetime64[D]")
    ).astype("int64")
    section.units["untouched_leads"] = pd.DataFrame(
        {
            "team": rows["team"].to_numpy(),
            "user": rows["owner"].to_numpy(),
            "record_id": raw["contact_id"].astype("str").to_numpy(dtype=object)[codes],
            "age_days": age,
            "detail": "new lead, source "
            + pd.Series(source).map(label).to_numpy(dtype=object).astype(str)
            + ", never touched by a person",
        }
    )


def _fields(ctx: Context, section: Section) -> None:
    metric = "loan_fields_complete"
    if not ctx.has("opportunities"):
        section.metrics.append(missing_rows(ctx, metric, _NO_OPPS))
        return
    spec = ctx.standards.required_fields.get("opportunities", {})
    if not spec:
        section.metrics.append(
            missing_rows(ctx, metric, "not assessed: the standards require no loan fields")
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
            present = raw[f].notna().to_numpy()[codes]
            if raw[f].dtype == "str" or str(raw[f].dtype).startswith("string"):
                present &= (raw[f].astype("str").str.strip() != "").to_numpy(
                    dtype=bool, na_value=False
                )[codes]
            complete &= ~applies | present
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
