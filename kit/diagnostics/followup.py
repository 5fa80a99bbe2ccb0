"""Follow-up discipline: speed to lead, conversations with an outcome and a next step,
overdue next steps.

Speed to lead is the elapsed clock time from a lead's creation (``contacts.created_at``) to
its first human activity; nights and weekends count, because a lead that arrives on Friday
night and is called on Monday waited all weekend. A touch logged before the lead's creation
(up to 10 minutes: the contact was created after the call) counts as immediate; earlier
activities on the contact (it was known before it became a lead) do not count. Bands are exclusive:
within 5 minutes, within 1 hour, within 24 hours, later, never.

A conversation is a human call or meeting. A next step is *overdue* when its due date is
before the as-of day and no later human activity on the same contact (or on the same loan,
when the activity names no contact) happened by the as-of date.

Examples
--------
>>> BANDS
('5 minutes', '1 hour', '24 hours', 'later', 'never')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kit.diagnostics.context import human_labels, latest, take_text
from kit.diagnostics.pipeline import lead_first_touch, new_leads
from kit.diagnostics.review import review_units
from kit.diagnostics.rows import Measurements, median_rows, missing_rows, not_blank, share_rows
from kit.schema import CONVERSATION_TYPES

if TYPE_CHECKING:
    from kit.diagnostics.context import Context

__all__ = ["BANDS", "SPEED_COLUMNS", "compute"]

BANDS: tuple[str, ...] = ("5 minutes", "1 hour", "24 hours", "later", "never")
SPEED_COLUMNS: tuple[str, ...] = ("team", "band", "leads", "share")
_SPEED = ("speed_to_lead_5m", "speed_to_lead_1h", "speed_to_lead_24h", "median_speed_to_lead")
_LIMITS = {"speed_to_lead_5m": 5, "speed_to_lead_1h": 60, "speed_to_lead_24h": 1440}
_MINUTE = np.timedelta64(60_000_000, "us")


def compute(ctx: Context) -> Measurements:
    section = Measurements()
    _speed(ctx, section)
    _conversations(ctx, section)
    _overdue(ctx, section)
    return section


def _speed(ctx: Context, section: Measurements) -> None:
    missing = [t for t in ("contacts", "activities") if not ctx.has(t)]
    if missing:
        reason = f"not assessed: no {missing[0]} provided"
        for metric in _SPEED:
            section.metrics.append(missing_rows(ctx, metric, reason))
        section.not_assessed.append(("follow_up", f"{reason} (speed to lead)"))
        section.frames["speed_to_lead"] = _speed_frame(
            ctx, np.array([], "int64"), np.array([], "int64")
        )
        return
    leads = new_leads(ctx)
    first = lead_first_touch(ctx)
    elapsed = (first - leads["created"].to_numpy()) / _MINUTE
    elapsed = np.where(np.isnat(first), np.nan, np.maximum(elapsed, 0.0))
    team, user = leads["team"].to_numpy(), leads["owner"].to_numpy()
    reason = "not assessed: no new leads in the window"
    for metric in _SPEED[:3]:
        limit = _LIMITS[metric]
        section.metrics.append(
            share_rows(ctx, metric, team=team, user=user, hit=elapsed <= limit, empty_reason=reason)
        )
    touched = ~np.isnan(elapsed)
    section.metrics.append(
        median_rows(
            ctx,
            "median_speed_to_lead",
            team=team[touched],
            user=user[touched],
            values=elapsed[touched],
            empty_reason="not assessed: no new lead in the window was touched",
        )
    )
    band = np.select(
        [elapsed <= 5, elapsed <= 60, elapsed <= 1440, touched],
        [0, 1, 2, 3],
        default=4,
    )
    section.frames["speed_to_lead"] = _speed_frame(ctx, team, band)


def _speed_frame(ctx: Context, team: np.ndarray, band: np.ndarray) -> pd.DataFrame:
    n_teams, n_bands = len(ctx.teams), len(BANDS)
    keep = team >= 0
    counts = np.bincount(team[keep] * n_bands + band[keep], minlength=n_teams * n_bands).reshape(
        n_teams, n_bands
    )
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(totals > 0, counts / np.where(totals > 0, totals, 1), np.nan)
    return pd.DataFrame(
        {
            "team": np.repeat(ctx.teams, n_bands).astype(object),
            "band": np.tile(np.array(BANDS, dtype=object), n_teams),
            "leads": counts.ravel().astype("int64"),
            "share": share.ravel(),
        }
    )


def _conversations(ctx: Context, section: Measurements) -> None:
    metrics = ("conversations_with_outcome", "conversations_with_next_step")
    if not ctx.has("activities"):
        for metric in metrics:
            section.metrics.append(
                missing_rows(ctx, metric, "not assessed: no activities provided")
            )
        section.not_assessed.append(("follow_up", "not assessed: no activities provided"))
        return
    acts = ctx.activities
    raw = ctx.dataset.tables["activities"]
    t = acts["t"].to_numpy()
    rows = acts["row"].to_numpy()
    is_conv = raw["type"].isin(CONVERSATION_TYPES).to_numpy(dtype=bool)[rows]
    conv = acts["manual"].to_numpy() & (t >= ctx.start64) & is_conv
    sub = acts[conv]
    sub_rows = rows[conv]
    team, user = sub["team"].to_numpy(), sub["user"].to_numpy()
    reason = "not assessed: no calls or meetings logged in the window"
    outcome = not_blank(raw["outcome"].iloc[sub_rows])
    next_step = (
        not_blank(raw["next_step"].iloc[sub_rows])
        | raw["next_step_due"].iloc[sub_rows].notna().to_numpy()
    )
    section.metrics.append(
        share_rows(ctx, metrics[0], team=team, user=user, hit=outcome, empty_reason=reason)
    )
    section.metrics.append(
        share_rows(ctx, metrics[1], team=team, user=user, hit=next_step, empty_reason=reason)
    )
    review_start = ctx.end64 - np.timedelta64(7, "D")
    recent = ~next_step & (sub["t"].to_numpy() >= review_start)
    r_rows = sub_rows[recent]
    when = sub["t"].to_numpy()[recent]
    age = (np.datetime64(ctx.as_of, "D") - when.astype("datetime64[D]")).astype("int64")
    kinds = human_labels(take_text(raw["type"], r_rows))
    section.units["missing_next_steps"] = review_units(
        {
            "team": team[recent],
            "user": user[recent],
            "record_id": take_text(raw["activity_id"], r_rows),
            "age_days": age,
            "detail": kinds
            + " on "
            + pd.Series(when).dt.strftime("%Y-%m-%d").to_numpy(dtype=object).astype(str)
            + np.where(outcome[recent], ", outcome recorded", ", no outcome"),
        }
    )


def _overdue(ctx: Context, section: Measurements) -> None:
    metric = "overdue_next_steps"
    if not ctx.has("activities"):
        section.metrics.append(missing_rows(ctx, metric, "not assessed: no activities provided"))
        return
    acts = ctx.activities
    raw = ctx.dataset.tables["activities"]
    rows = acts["row"].to_numpy()
    due = raw["next_step_due"].to_numpy(dtype="datetime64[us]")[rows]
    as_of_day = np.datetime64(ctx.as_of, "us")
    has_step = acts["manual"].to_numpy() & ~np.isnat(due)
    in_scope = has_step & (due >= ctx.start64) & (due < as_of_day)
    sub = acts[in_scope]
    t = sub["t"].to_numpy()
    contact, opp = sub["contact"].to_numpy(), sub["opp"].to_numpy()
    followed = np.zeros(len(sub), dtype=bool)
    if ctx.has("contacts"):
        last_contact = ctx.contact_touches["last_human"].to_numpy()
        by_contact = contact >= 0
        if len(last_contact):  # an empty contacts table: no activity points at a contact
            followed |= by_contact & (last_contact[np.maximum(contact, 0)] > t)
    else:
        by_contact = np.zeros(len(sub), dtype=bool)
    if ctx.has("opportunities"):
        every_opp = acts["opp"].to_numpy()
        linked = acts["manual"].to_numpy() & (every_opp >= 0)  # human touches of a loan
        n_opps = len(ctx.dataset.tables["opportunities"])
        last_opp = latest(every_opp[linked], acts["t"].to_numpy()[linked], n_opps)
        by_opp = ~by_contact & (opp >= 0)
        if len(last_opp):  # an empty opportunities table: no activity points at a loan
            followed |= by_opp & (last_opp[np.maximum(opp, 0)] > t)
    overdue = ~followed
    section.metrics.append(
        share_rows(
            ctx,
            metric,
            team=sub["team"].to_numpy(),
            user=sub["user"].to_numpy(),
            hit=overdue,
            empty_reason="not assessed: no next steps due in the window",
        )
    )
    o_rows = sub["row"].to_numpy()[overdue]
    o_due = due[in_scope][overdue]
    kind = take_text(raw["type"], o_rows)
    section.units["overdue_next_steps"] = review_units(
        {
            "team": sub["team"].to_numpy()[overdue],
            "user": sub["user"].to_numpy()[overdue],
            "record_id": take_text(raw["activity_id"], o_rows),
            "age_days": (np.datetime64(ctx.as_of, "D") - o_due.astype("datetime64[D]")).astype(
                "int64"
            ),
            "detail": "next step from a "
            + np.char.lower(human_labels(kind))
            + ", due "
            + pd.Series(o_due).dt.strftime("%Y-%m-%d").to_numpy(dtype=object).astype(str)
            + ", no follow-up since",
        }
    )
