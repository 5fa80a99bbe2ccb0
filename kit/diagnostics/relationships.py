"""Relationships: past clients and referral partners in cadence, active partners, owners.

A past client is in cadence when touched within the last N days (rule parameter ``days``,
default 90; ``touches: any`` lets automated nurture count, the default for past clients).
A referral partner is in cadence when a *person* touched them within the last N days
(default 30, ``touches: human``). A partner is active when at least one contact created in
the window names them in ``referred_by``. Contacts belong to their owner; a contact with no
owner is attributed to the team of the first person who touched it.

Examples
--------
>>> PARTNER_COLUMNS[:3]
('team', 'partner_id', 'producer_id')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kit.diagnostics.context import stage_codes, take_text
from kit.diagnostics.review import review_units
from kit.diagnostics.rows import Measurements, count_rows, missing_rows, share_rows

if TYPE_CHECKING:
    from kit.diagnostics.context import Context

__all__ = ["PARTNER_COLUMNS", "compute", "opportunity_progress"]

PARTNER_COLUMNS: tuple[str, ...] = (
    "team",
    "partner_id",
    "producer_id",
    "producer_name",
    "days_since_touch",
    "referrals",
    "applications",
    "funded",
)
_NO_CONTACTS = "not assessed: no contacts provided"


def opportunity_progress(ctx: Context) -> pd.DataFrame:
    """Per opportunity (created by the as-of date): contact code, applied and funded flags.

    An opportunity is an *application* when its stage is application or later (funded
    included) or its stage history shows it reached application by the as-of date; *funded*
    when its stage is funded or its status is won, and it did not close after the as-of
    date. Computed once per context.
    """
    return ctx.memo("opportunity_progress", lambda: _progress(ctx))


def _progress(ctx: Context) -> pd.DataFrame:
    from kit.schema import STAGES

    opps = ctx.opportunities
    raw = ctx.dataset.tables["opportunities"]
    codes = opps["code"].to_numpy()
    idx = opps["stage_index"].to_numpy()
    app, funded_i, lost_i = (STAGES.index(s) for s in ("application", "funded", "lost"))
    applied = (idx >= app) & (idx != lost_i)
    if ctx.has("stage_history") and len(ctx.dataset.tables["stage_history"]):
        sh = ctx.dataset.tables["stage_history"]
        sh_codes = ctx.opportunity_codes(sh["opportunity_id"])
        sh_idx = stage_codes(sh["stage"])
        reached = np.zeros(len(raw), dtype=bool)
        at = sh["changed_at"].to_numpy(dtype="datetime64[us]")
        ok = (sh_codes >= 0) & (sh_idx >= app) & (sh_idx != lost_i) & ~(at >= ctx.end64)
        reached[sh_codes[ok]] = True
        applied |= reached[codes]
    won = raw["status"].isin(["won"]).to_numpy(dtype=bool)[codes]
    # a loan closed after the as-of date was not funded yet on the as-of date
    closed_later = raw["closed_at"].to_numpy(dtype="datetime64[us]")[codes] >= ctx.end64
    funded = ((idx == funded_i) | won) & ~closed_later
    contact = (
        ctx.contact_codes(raw["contact_id"])[codes]
        if ctx.has("contacts")
        else np.full(len(codes), -1)
    )
    return pd.DataFrame(
        {"contact": contact, "applied": applied | funded, "funded": funded, "team": opps["team"]}
    )


def compute(ctx: Context) -> Measurements:
    section = Measurements()
    metrics = (
        "past_clients_touched",
        "partners_touched",
        "active_partners",
        "contacts_without_owner",
    )
    if not ctx.has("contacts"):
        for metric in metrics:
            section.metrics.append(missing_rows(ctx, metric, _NO_CONTACTS))
        section.not_assessed.append(("relationships", _NO_CONTACTS))
        section.frames["partners"] = _empty_partners()
        return section
    contacts = ctx.contacts
    touches = ctx.contact_touches
    ctype = contacts["type"].to_numpy()
    codes = contacts["code"].to_numpy()
    as_of_day = np.datetime64(ctx.as_of, "D")
    for metric, kind, item in (
        ("past_clients_touched", "past_client", "past_client_out_of_cadence"),
        ("partners_touched", "referral_partner", "partner_out_of_cadence"),
    ):
        if not ctx.has("activities"):
            section.metrics.append(
                missing_rows(ctx, metric, "not assessed: no activities provided")
            )
            continue
        params = ctx.params(metric)
        days = int(params["days"])
        column = "last_any" if params.get("touches") == "any" else "last_human"
        mask = ctype == kind
        last = touches[column].to_numpy()[codes[mask]]
        since = (as_of_day - last.astype("datetime64[D]")).astype("float64")
        since[np.isnat(last)] = np.nan
        in_cadence = since < days
        sub = contacts[mask]
        who = "past clients" if kind == "past_client" else "referral partners"
        section.metrics.append(
            share_rows(
                ctx,
                metric,
                team=sub["team"].to_numpy(),
                user=sub["owner"].to_numpy(),
                hit=in_cadence,
                empty_reason=f"not assessed: no {who} in the CRM",
            )
        )
        out = ~in_cadence
        age = np.where(
            np.isnan(since[out]),
            (as_of_day - sub["created"].to_numpy()[out].astype("datetime64[D]")).astype("float64"),
            since[out],
        )
        last_text = pd.Series(last[out]).dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
        raw_ids = ctx.dataset.tables["contacts"]["contact_id"]
        section.units[item] = review_units(
            {
                "team": sub["team"].to_numpy()[out],
                "user": sub["owner"].to_numpy()[out],
                "record_id": take_text(raw_ids, codes[mask][out]),
                "age_days": age.astype("int64"),
                "detail": np.where(
                    pd.isna(last_text),
                    f"{who[:-1]}, never touched",
                    f"{who[:-1]}, last touch " + pd.Series(last_text).fillna("").astype(str),
                ),
            }
        )
    _partners(ctx, section, contacts)
    section.metrics.append(
        share_rows(
            ctx,
            "contacts_without_owner",
            team=contacts["team"].to_numpy(),
            user=np.full(len(contacts), -1),
            hit=contacts["owner"].to_numpy() < 0,
            empty_reason="not assessed: no contacts",
        )
    )
    return section


def _partners(ctx: Context, section: Measurements, contacts: pd.DataFrame) -> None:
    raw = ctx.dataset.tables["contacts"]
    ctype = contacts["type"].to_numpy()
    codes = contacts["code"].to_numpy()
    partners = contacts[ctype == "referral_partner"]
    p_codes = partners["code"].to_numpy()
    n_all = len(raw)
    referred = ctx.contact_codes(raw["referred_by"])[codes]
    created = contacts["created"].to_numpy()
    new = (created >= ctx.start64) & (referred >= 0)
    referrals = np.bincount(referred[new], minlength=n_all)
    applications: np.ndarray = np.zeros(n_all)
    funded: np.ndarray = np.zeros(n_all)
    if ctx.has("opportunities"):
        prog = opportunity_progress(ctx)
        by_contact_app = np.bincount(
            prog["contact"].to_numpy()[prog["contact"].to_numpy() >= 0],
            weights=prog["applied"].to_numpy()[prog["contact"].to_numpy() >= 0],
            minlength=n_all,
        )
        by_contact_funded = np.bincount(
            prog["contact"].to_numpy()[prog["contact"].to_numpy() >= 0],
            weights=prog["funded"].to_numpy()[prog["contact"].to_numpy() >= 0],
            minlength=n_all,
        )
        applications = np.bincount(
            referred[new], weights=by_contact_app[codes[new]], minlength=n_all
        )
        funded = np.bincount(referred[new], weights=by_contact_funded[codes[new]], minlength=n_all)
    sent = referrals[p_codes] > 0
    section.metrics.append(
        count_rows(
            ctx,
            "active_partners",
            team=partners["team"].to_numpy(),
            user=partners["owner"].to_numpy(),
            hit=sent,
            empty_reason="not assessed: no referral partners in the CRM",
        )
    )
    last = ctx.contact_touches["last_human"].to_numpy()[p_codes]
    since = (np.datetime64(ctx.as_of, "D") - last.astype("datetime64[D]")).astype("float64")
    since[np.isnat(last)] = np.nan
    owner = partners["owner"].to_numpy()
    team = partners["team"].to_numpy()
    frame = pd.DataFrame(
        {
            "team": np.where(team >= 0, ctx.teams[np.maximum(team, 0)], None),
            "partner_id": take_text(raw["contact_id"], p_codes),
            "producer_id": np.where(owner >= 0, ctx.user_ids[np.maximum(owner, 0)], None),
            "producer_name": np.where(owner >= 0, ctx.user_names[np.maximum(owner, 0)], None),
            "days_since_touch": since,
            "referrals": referrals[p_codes].astype("int64"),
            "applications": applications[p_codes].astype("int64"),
            "funded": funded[p_codes].astype("int64"),
        }
    )
    section.frames["partners"] = frame


def _empty_partners() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team": pd.Series(dtype="str"),
            "partner_id": pd.Series(dtype="str"),
            "producer_id": pd.Series(dtype="str"),
            "producer_name": pd.Series(dtype="str"),
            "days_since_touch": pd.Series(dtype="float64"),
            "referrals": pd.Series(dtype="int64"),
            "applications": pd.Series(dtype="int64"),
            "funded": pd.Series(dtype="int64"),
        }
    )
