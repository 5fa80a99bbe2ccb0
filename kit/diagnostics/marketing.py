"""Marketing and automation readiness: lead source, lifecycle stage, campaigns, sources.

* new contacts with a lead source: contacts created in the window, referral partners
  excluded (a partner is not a lead);
* contacts in campaigns ready for automation: enrolled in a campaign and carrying both a
  lifecycle stage and a lead source;
* human share of touches in the window;
* the ``sources`` frame: for contacts created in the window, per team, lead source and
  campaign, how many contacts, and how many of their loans reached application and funded.

A field that is blank on every contact of the whole export is treated as not provided by
the export (not assessed), not as "nobody ever filled it in".

Examples
--------
>>> SOURCE_COLUMNS
('team', 'lead_source', 'campaign_id', 'campaign', 'contacts', 'applications', 'funded')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kit.diagnostics.context import take_text
from kit.diagnostics.review import review_units
from kit.diagnostics.rows import Measurements, missing_rows, share_rows

if TYPE_CHECKING:
    from kit.diagnostics.context import Context

__all__ = ["SOURCE_COLUMNS", "compute"]

SOURCE_COLUMNS: tuple[str, ...] = (
    "team",
    "lead_source",
    "campaign_id",
    "campaign",
    "contacts",
    "applications",
    "funded",
)
_NO_CONTACTS = "not assessed: no contacts provided"


def compute(ctx: Context) -> Measurements:
    section = Measurements()
    _human_share(ctx, section)
    if not ctx.has("contacts"):
        for metric in ("new_contacts_with_lead_source", "automation_ready_contacts"):
            section.metrics.append(missing_rows(ctx, metric, _NO_CONTACTS))
        section.not_assessed.append(("marketing", _NO_CONTACTS))
        section.frames["sources"] = _empty_sources()
        return section
    raw = ctx.dataset.tables["contacts"]
    contacts = ctx.contacts
    codes = contacts["code"].to_numpy()
    source = raw["lead_source"].notna().to_numpy()[codes]
    life = raw["lifecycle_stage"].notna().to_numpy()[codes]
    campaign = raw["campaign_id"].notna().to_numpy()[codes]
    new = (contacts["created"].to_numpy() >= ctx.start64) & (
        contacts["type"].to_numpy() != "referral_partner"
    )
    if not raw["lead_source"].notna().any():
        reason = "not assessed: the export has no lead source on any contact"
        section.metrics.append(missing_rows(ctx, "new_contacts_with_lead_source", reason))
        section.not_assessed.append(("marketing", reason))
    else:
        section.metrics.append(
            share_rows(
                ctx,
                "new_contacts_with_lead_source",
                team=contacts["team"].to_numpy()[new],
                user=contacts["owner"].to_numpy()[new],
                hit=source[new],
                empty_reason="not assessed: no new contacts in the window",
            )
        )
        missing = new & ~source
        rows = contacts[missing]
        section.units["missing_lead_source"] = review_units(
            {
                "team": rows["team"].to_numpy(),
                "user": rows["owner"].to_numpy(),
                "record_id": take_text(raw["contact_id"], rows["code"].to_numpy()),
                "age_days": (
                    np.datetime64(ctx.as_of, "D")
                    - rows["created"].to_numpy().astype("datetime64[D]")
                ).astype("int64"),
                "detail": "new "
                + pd.Series(rows["type"].to_numpy())
                .fillna("contact")
                .astype(str)
                .str.replace("_", " ")
                .to_numpy(dtype=object)
                .astype(str)
                + " with no lead source",
            }
        )
    if not campaign.any():
        reason = "not assessed: no contact is enrolled in a campaign (campaign_id blank)"
        section.metrics.append(missing_rows(ctx, "automation_ready_contacts", reason))
        section.not_assessed.append(("marketing", reason))
    else:
        section.metrics.append(
            share_rows(
                ctx,
                "automation_ready_contacts",
                team=contacts["team"].to_numpy()[campaign],
                user=contacts["owner"].to_numpy()[campaign],
                hit=(source & life)[campaign],
                empty_reason="not assessed: no contacts in campaigns",
            )
        )
    section.frames["sources"] = _sources(ctx, contacts, new)
    return section


def _human_share(ctx: Context, section: Measurements) -> None:
    metric = "human_touch_share"
    if not ctx.has("activities"):
        section.metrics.append(missing_rows(ctx, metric, "not assessed: no activities provided"))
        return
    acts = ctx.activities
    recent = acts["t"].to_numpy() >= ctx.start64  # the three columns needed, not a copy of all
    section.metrics.append(
        share_rows(
            ctx,
            metric,
            team=acts["team"].to_numpy()[recent],
            user=acts["user"].to_numpy()[recent],
            hit=acts["manual"].to_numpy()[recent],
            empty_reason="not assessed: no activities in the window",
        )
    )


def _sources(ctx: Context, contacts: pd.DataFrame, new: np.ndarray) -> pd.DataFrame:
    from kit.diagnostics.relationships import opportunity_progress

    raw = ctx.dataset.tables["contacts"]
    n_all = len(raw)
    applied: np.ndarray = np.zeros(n_all)
    funded: np.ndarray = np.zeros(n_all)
    if ctx.has("opportunities"):
        prog = opportunity_progress(ctx)
        c = prog["contact"].to_numpy()
        ok = c >= 0
        applied = np.bincount(c[ok], weights=prog["applied"].to_numpy()[ok], minlength=n_all)
        funded = np.bincount(c[ok], weights=prog["funded"].to_numpy()[ok], minlength=n_all)
    sub = contacts[new & (contacts["team"].to_numpy() >= 0)]
    codes = sub["code"].to_numpy()
    frame = pd.DataFrame(
        {
            "team": ctx.teams[sub["team"].to_numpy()],
            "lead_source": take_text(raw["lead_source"], codes),
            "campaign_id": take_text(raw["campaign_id"], codes),
            "contacts": 1,
            "applications": applied[codes],
            "funded": funded[codes],
        }
    )
    grouped = (
        frame.groupby(["team", "lead_source", "campaign_id"], dropna=False, sort=True)
        .sum()
        .reset_index()
    )
    names = pd.Series(dtype="str")
    if ctx.has("campaigns"):
        camps = ctx.dataset.tables["campaigns"]
        names = pd.Series(
            camps["name"].astype("str").to_numpy(), index=camps["campaign_id"].astype("str")
        )
        names = names[~names.index.duplicated()]
    campaign = grouped["campaign_id"].map(names)
    grouped["campaign"] = campaign.where(campaign.notna(), grouped["campaign_id"])
    for column in ("contacts", "applications", "funded"):
        grouped[column] = grouped[column].astype("int64")
    return grouped[list(SOURCE_COLUMNS)]


def _empty_sources() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team": pd.Series(dtype="str"),
            "lead_source": pd.Series(dtype="str"),
            "campaign_id": pd.Series(dtype="str"),
            "campaign": pd.Series(dtype="str"),
            "contacts": pd.Series(dtype="int64"),
            "applications": pd.Series(dtype="int64"),
            "funded": pd.Series(dtype="int64"),
        }
    )
