"""Reconciliation against money and ground truth: the shadow pipeline and seat ROI.

Shadow pipeline (needs ``los_loans``): an LOS loan funded in the window is *in the CRM* when
its loan number (trimmed, case-insensitive) appears on a CRM opportunity. The rest is work
done outside the system. Loans belong to their LOS officer (a CRM user id) and their team.

Seat ROI (needs ``activities``; cost metrics need a seat cost): a seat is a user whose seat
is not marked inactive. A seat is *used* when its holder logged own, non-automated work in
the :data:`SEAT_ACTIVE_DAYS` days ending at the as-of date, else *idle*; an *active
producer* is a producer with a used seat. Monthly cost = seats x seat cost; cost per active
producer = monthly cost / active producers; idle seat spend = idle seats x seat cost.

Seats, used seats and idle seats are counted once, per team; the organization's are their
sums, and every seat number (the ``seat_roi`` frame, the idle-seat share and spend, the
findings) comes from these counts, so they always add up.

Examples
--------
>>> SEAT_COLUMNS[:3]
('team', 'seats', 'active_producers')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit.diagnostics.context import labels
from kit.diagnostics.review import review_units
from kit.diagnostics.rows import (
    Measurements,
    missing_rows,
    money_suffix,
    rows_from_counts,
    share_rows,
)

if TYPE_CHECKING:
    from kit.diagnostics.context import Context

__all__ = [
    "SEAT_ACTIVE_DAYS",
    "SEAT_COLUMNS",
    "SHADOW_COLUMNS",
    "compute",
    "normalize_loan_number",
]

SHADOW_COLUMNS: tuple[str, ...] = (
    "team",
    "producer_id",
    "producer_name",
    "funded_los_loans",
    "in_crm",
    "missing",
    "missing_amount",
)
SEAT_COLUMNS: tuple[str, ...] = (
    "team",
    "seats",
    "active_producers",
    "active_seats",
    "idle_seats",
    "monthly_cost",
    "cost_per_active_producer",
    "idle_seat_spend",
)
#: A seat is used when its holder logged own work in this many days ending at the as-of date.
SEAT_ACTIVE_DAYS = 30


def normalize_loan_number(values: pd.Series) -> pd.Series:
    """Trim and upper-case loan numbers so ``' ab-12 '`` matches ``'AB-12'``.

    >>> normalize_loan_number(pd.Series([" ab-12 ", None])).tolist()
    ['AB-12', nan]
    """
    text = values.astype("str").str.strip().str.upper()
    return text.where(text != "")


def compute(ctx: Context) -> Measurements:
    section = Measurements()
    _shadow(ctx, section)
    _seats(ctx, section)
    return section


def _shadow(ctx: Context, section: Measurements) -> None:
    metric = "funded_loans_in_crm"
    reason = None
    if not ctx.has("los_loans"):
        reason = "not assessed: no LOS loans provided"
    elif not ctx.has("opportunities"):
        reason = "not assessed: no CRM opportunities provided to reconcile against"
    elif not ctx.dataset.tables["opportunities"]["loan_number"].notna().any():
        reason = "not assessed: CRM opportunities carry no LOS loan numbers"
    if reason is not None:
        section.metrics.append(missing_rows(ctx, metric, reason))
        section.not_assessed.append(("shadow_pipeline", reason))
        section.frames["shadow_pipeline"] = _empty_shadow()
        return
    los = ctx.dataset.tables["los_loans"]
    funded_at = los["funded_date"].to_numpy(dtype="datetime64[us]")
    funded = ~np.isnat(funded_at) & (funded_at >= ctx.start64) & (funded_at < ctx.end64)
    sub = los.loc[funded]
    # loans entered in the CRM by the as-of date (one entered later was not there on it)
    numbers = ctx.dataset.tables["opportunities"]["loan_number"]
    crm = normalize_loan_number(numbers.iloc[ctx.opportunities["code"].to_numpy()]).dropna()
    # matched in Arrow (a hash of the CRM's numbers), never as Python strings in a set
    in_crm = np.asarray(
        pc.fill_null(
            pc.is_in(pa.array(normalize_loan_number(sub["loan_number"])), value_set=pa.array(crm)),
            False,
        ),
        dtype=bool,
    )
    user = ctx.user_codes(sub["officer_id"])
    team = ctx.team_of(user)
    section.metrics.append(
        share_rows(
            ctx,
            metric,
            team=team,
            user=user,
            hit=in_crm,
            empty_reason="not assessed: no LOS loans funded in the window",
        )
    )
    amount = sub["amount"].to_numpy(dtype="float64", na_value=np.nan)
    officer = labels(sub["officer_id"])
    frame = pd.DataFrame(
        {
            "team": np.where(team >= 0, ctx.teams[np.maximum(team, 0)], None),
            "producer_id": officer,
            "producer_name": np.where(user >= 0, ctx.user_names[np.maximum(user, 0)], None),
            "funded_los_loans": 1,
            "in_crm": in_crm.astype("int64"),
            "missing": (~in_crm).astype("int64"),
            "missing_amount": np.where(in_crm, 0.0, np.nan_to_num(amount)),
        }
    )
    section.frames["shadow_pipeline"] = (
        frame.groupby(["team", "producer_id", "producer_name"], dropna=False, sort=True)
        .sum()
        .reset_index()[list(SHADOW_COLUMNS)]
    )
    miss = ~in_crm
    days = (np.datetime64(ctx.as_of, "D") - funded_at[funded][miss].astype("datetime64[D]")).astype(
        "int64"
    )
    amount_text = pd.Series(money_suffix(amount[miss]))
    section.units["funded_loan_missing_from_crm"] = review_units(
        {
            "team": team[miss],
            "user": user[miss],
            "record_id": labels(sub["loan_number"])[miss],
            "age_days": days,
            "detail": "LOS loan funded "
            + pd.Series(funded_at[funded][miss]).dt.strftime("%Y-%m-%d").astype(str).to_numpy()
            + amount_text.astype(str).to_numpy()
            + ", no CRM opportunity",
        }
    )


def _seats(ctx: Context, section: Measurements) -> None:
    n_users, n_teams = len(ctx.user_ids), len(ctx.teams)
    seated = ctx.user_seated
    seats = np.bincount(ctx.user_team, weights=seated, minlength=n_teams)
    cost = ctx.seat_cost_per_month
    if not ctx.has("activities"):
        reason = "not assessed: no activities provided"
        for metric in ("idle_seat_share", "cost_per_active_producer", "idle_seat_spend"):
            section.metrics.append(missing_rows(ctx, metric, reason))
        section.not_assessed.append(("seat_roi", reason))
        section.frames["seat_roi"] = _seat_frame(ctx, seats, None, None, cost)
        return
    acts = ctx.activities
    since = ctx.end64 - np.timedelta64(SEAT_ACTIVE_DAYS, "D")
    recent = acts["manual"].to_numpy() & (acts["t"].to_numpy() >= since)
    worked = np.zeros(n_users, dtype=bool)
    users = acts["user"].to_numpy()[recent]
    worked[users[users >= 0]] = True
    used = worked & seated
    active_producers = np.bincount(ctx.user_team, weights=used & ctx.is_producer, minlength=n_teams)
    active_seats = np.bincount(ctx.user_team, weights=used, minlength=n_teams)
    idle = seats - active_seats
    # one count of seats and idle seats per team; the organization's is their sum
    section.metrics.append(
        rows_from_counts(
            ctx,
            "idle_seat_share",
            user_num=np.zeros(n_users),
            user_den=np.zeros(n_users),
            team_num=idle,
            team_den=seats,
            org_num=float(idle.sum()),
            org_den=float(seats.sum()),
            empty_reason="not assessed: no active seats",
        )
    )
    frame = _seat_frame(ctx, seats, active_producers, active_seats, cost)
    section.frames["seat_roi"] = frame
    if cost is None:
        reason = "not assessed: no seat cost given"
        for metric in ("cost_per_active_producer", "idle_seat_spend"):
            section.metrics.append(missing_rows(ctx, metric, reason))
        section.not_assessed.append(("seat_roi", reason))
        return
    monthly = seats * cost
    org_active = float(active_producers.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        per = np.where(
            active_producers > 0,
            monthly / np.where(active_producers > 0, active_producers, 1),
            np.nan,
        )
    section.metrics.append(
        rows_from_counts(
            ctx,
            "cost_per_active_producer",
            user_num=np.zeros(n_users),
            user_den=np.zeros(n_users),
            team_num=monthly,
            team_den=active_producers,
            org_num=float(monthly.sum()),
            org_den=org_active,
            empty_reason="not assessed: no producer logged work in the last "
            f"{SEAT_ACTIVE_DAYS} days",
            value="given",
            team_value=per,
            org_value=float(monthly.sum() / org_active) if org_active else np.nan,
        )
    )
    section.metrics.append(
        rows_from_counts(
            ctx,
            "idle_seat_spend",
            user_num=np.zeros(n_users),
            user_den=np.zeros(n_users),
            team_num=idle,
            team_den=seats,
            org_num=float(idle.sum()),
            org_den=float(seats.sum()),
            empty_reason="not assessed: no active seats",
            value="given",
            team_value=idle * cost,
            org_value=float(idle.sum() * cost),
        )
    )


def _seat_frame(
    ctx: Context,
    seats: np.ndarray,
    active_producers: np.ndarray | None,
    active_seats: np.ndarray | None,
    cost: float | None,
) -> pd.DataFrame:
    n = len(ctx.teams)
    nan = np.full(n, np.nan)
    ap = nan if active_producers is None else active_producers
    aseats = nan if active_seats is None else active_seats
    monthly = nan if cost is None else seats * cost
    idle = seats - aseats
    with np.errstate(divide="ignore", invalid="ignore"):
        per = np.where(ap > 0, monthly / np.where(ap > 0, ap, 1), np.nan)
    return pd.DataFrame(
        {
            "team": ctx.teams.astype(object),
            "seats": seats.astype("int64"),
            "active_producers": ap,
            "active_seats": aseats,
            "idle_seats": idle,
            "monthly_cost": monthly,
            "cost_per_active_producer": per,
            "idle_seat_spend": nan if cost is None else idle * cost,
        }
    )


def _empty_shadow() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team": pd.Series(dtype="str"),
            "producer_id": pd.Series(dtype="str"),
            "producer_name": pd.Series(dtype="str"),
            "funded_los_loans": pd.Series(dtype="int64"),
            "in_crm": pd.Series(dtype="int64"),
            "missing": pd.Series(dtype="int64"),
            "missing_amount": pd.Series(dtype="float64"),
        }
    )
