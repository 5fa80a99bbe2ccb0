"""Producer archetypes: never adopted, lapsed, partial, consistent.

Each needs a different fix: access and onboarding (never adopted), accountability
(lapsed), standards and coaching (partial). The rules look at each producer's *volume* of
own, non-automated logged work per week, because a lapsed producer rarely drops to zero: a
call logged now and then keeps the weekly-active flag alive while the habit is gone. Volumes
are compared with the organization's *typical* producer: the median weekly volume since
launch of all scored producers. Launch weeks are complete 7-day weeks from launch (from the
producer's seat start when later); the *early* weeks are the producer's first 6 such weeks
that ended before the last 4 weeks; the *recent* weeks are the last 4 weeks ending at the
as-of date. Applied in this order:

lapsed
    Used it, then stopped: active in at least half of their early weeks, logging at least
    half the typical volume then, while their recent volume is under a quarter of their own
    early volume and under a quarter of the typical volume.
never_adopted
    Never built the habit: no logged work since launch, or a weekly volume since launch
    under a quarter of the typical volume.
partial
    Uses some of it: active in fewer than half of their weeks, or logging under half the
    typical volume, or failing at least one producer-level practice standard (every rule
    outside the adoption, presence and seat sections: stage freshness, next steps, lead
    source...).
consistent
    Everything else: works in the CRM most weeks at a typical volume and fails no practice
    standard it was judged on (a rule measured on too few records is not judged). The reason
    names any practice standard it is in the warn band on, so "meets every practice
    standard" is said only of a producer who does.

A producer seated for less than one complete week since launch, or assessed without
activities, gets no archetype (blank) and a reason.

Archetypes by records
---------------------
An export with no activity log at all is classified by the same rules on the producers'
*record-days* instead (:mod:`kit.diagnostics.records`: records they own created, moved or
closed, per week), and every archetype says so: ``never_adopted_by_records``,
``lapsed_by_records`` (their deal entry stopped), ``partial_by_records``,
``consistent_by_records``. This is the weaker signal: a record shows whose it is, not who
worked it.

Examples
--------
>>> ARCHETYPES
('never_adopted', 'lapsed', 'partial', 'consistent')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kit.diagnostics.metrics import METRICS

if TYPE_CHECKING:
    from kit.diagnostics.context import Context

__all__ = ["ARCHETYPES", "ARCHETYPE_COLUMNS", "RECORD_ARCHETYPES", "archetypes"]

ARCHETYPES: tuple[str, ...] = ("never_adopted", "lapsed", "partial", "consistent")
#: The archetypes read from records when the export has no activity log.
RECORD_ARCHETYPES: tuple[str, ...] = tuple(f"{kind}_by_records" for kind in ARCHETYPES)
ARCHETYPE_COLUMNS: tuple[str, ...] = ("producer_id", "archetype", "archetype_reason")
#: Share of the typical weekly volume under which a producer never adopted (or lapsed).
QUARTER = 0.25
#: Share of weeks, and of the typical volume, a habit needs.
HALF = 0.5
#: Sections whose rules measure *whether* the CRM is used, not *how well*.
_USAGE_SECTIONS = ("adoption", "presence", "seat_roi", "records")
_SECTION_OF = {m.id: m.section for m in METRICS.values()}


def _rate(activities: np.ndarray, weeks: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(weeks > 0, activities / np.where(weeks > 0, weeks, 1), np.nan)


def _num(values: np.ndarray, digits: int = 1) -> pd.Series:
    """Numbers as text (``3``, ``12.5``) for the reason sentences."""
    rounded = pd.Series(np.round(np.nan_to_num(values), digits))
    text = rounded.map(f"{{:.{digits}f}}".format).astype("str")
    return text.str.replace(r"\.0+$", "", regex=True)


def _practice(compliance: pd.DataFrame, status: str) -> pd.Series:
    """Per producer id: the practice rules (outside the usage sections) with ``status``,
    as ``stage freshness, next step``."""
    rows = compliance[
        (compliance["scope"] == "producer")
        & (compliance["status"] == status)
        & ~compliance["metric"].map(_SECTION_OF).isin(_USAGE_SECTIONS)
    ]
    return (
        rows.sort_values(["producer_id", "rule_order"], kind="stable")
        .assign(text=rows["metric"].map(lambda m: METRICS[m].phrase))
        .groupby("producer_id", sort=False)["text"]
        .agg(", ".join)
    )


def archetypes(
    ctx: Context,
    profile: pd.DataFrame,
    compliance: pd.DataFrame,
    *,
    records: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Classify every scored producer.

    Parameters
    ----------
    profile
        Per-producer activity profile from :func:`kit.diagnostics.adoption.compute` (``units``).
    compliance
        The compliance frame; producer rows with status ``fail`` on practice rules make a
        producer partial.
    records
        Per-producer record profile from :func:`kit.diagnostics.records.compute`; used only
        when there is no activity log (every activity profile blank): see "Archetypes by
        records".

    Returns
    -------
    pandas.DataFrame
        producer_id, archetype (blank when not classified), archetype_reason.
    """
    if records is not None and profile["weeks"].isna().all() and records["weeks"].notna().any():
        return _by_records(ctx, records, compliance)
    user = profile["user"].to_numpy()
    ids = ctx.user_ids[user].astype(object)
    p = {c: profile[c].to_numpy(dtype="float64") for c in profile.columns if c != "user"}
    weeks, active = p["weeks"], p["active_weeks"]
    rate = _rate(p["activities"], weeks)
    early_rate = _rate(p["early_activities"], p["early_weeks"])
    recent_rate = _rate(p["recent_activities"], p["recent_weeks"])
    share = _rate(active, weeks)
    early_share = _rate(p["early_active"], p["early_weeks"])
    assessable = ~np.isnan(weeks) & (weeks >= 1)
    typical = float(np.median(rate[assessable])) if assessable.any() else np.nan

    fails = pd.Series(ids).map(_practice(compliance, "fail"))
    has_fail = fails.notna().to_numpy()
    warns = pd.Series(ids).map(_practice(compliance, "warn"))
    has_warn = warns.notna().to_numpy()

    with np.errstate(invalid="ignore"):
        lapsed = (
            assessable
            & (p["early_weeks"] >= 2)
            & (early_share >= HALF)
            & (early_rate >= HALF * typical)
            & (p["recent_weeks"] >= 1)
            & (recent_rate < QUARTER * early_rate)
            & (recent_rate < QUARTER * typical)
        )
        never = assessable & ~lapsed & ((active == 0) | (rate < QUARTER * typical))
        partial = (
            assessable & ~lapsed & ~never & ((share < HALF) | (rate < HALF * typical) | has_fail)
        )
    consistent = assessable & ~lapsed & ~never & ~partial
    kind = np.select(
        [lapsed, never, partial, consistent],
        ["lapsed", "never_adopted", "partial", "consistent"],
        default="",
    ).astype(object)

    worked = (
        "active in "
        + _num(active, 0)
        + " of "
        + _num(weeks, 0)
        + " weeks since launch ("
        + _num(rate)
        + " activities a week; typical producer "
        + f"{float(np.nan_to_num(typical)):.1f}".removesuffix(".0")
        + ")"
    )
    early = (
        "logged "
        + _num(early_rate)
        + " activities a week in their first "
        + _num(p["early_weeks"], 0)
        + " weeks but "
        + _num(recent_rate)
        + " a week in the last "
        + _num(p["recent_weeks"], 0)
        + " ("
        + _num(p["recent_activities"], 0)
        + np.where(np.nan_to_num(p["recent_activities"]) == 1, " activity)", " activities)")
    )
    missing = np.isnan(weeks)
    reason = np.select(
        [
            missing,
            ~assessable,
            lapsed,
            never,
            partial & has_fail,
            partial,
            consistent,
        ],
        [
            "not assessed: no activities provided",
            "not classified: seated less than one complete week since launch",
            early.to_numpy(dtype=object),
            ("never built the habit: " + worked).to_numpy(dtype=object),
            (worked + ", but fails " + fails.astype(object).where(has_fail, "")).to_numpy(
                dtype=object
            ),
            ("uses it only part of the time: " + worked).to_numpy(dtype=object),
            np.where(
                has_warn,
                (
                    worked
                    + ", fails no practice standard but is in the warn band on "
                    + warns.astype(object).where(has_warn, "")
                ).to_numpy(dtype=object),
                (worked + " and meets every practice standard it was judged on").to_numpy(
                    dtype=object
                ),
            ),
        ],
        default="",
    )
    return pd.DataFrame(
        {
            "producer_id": ids,
            "archetype": np.where(kind == "", None, kind),  # type: ignore[call-overload]
            "archetype_reason": reason,
        }
    )


def _by_records(ctx: Context, records: pd.DataFrame, compliance: pd.DataFrame) -> pd.DataFrame:
    """The archetypes of :func:`archetypes` decided on record-days, named ``*_by_records``
    and explained in record words."""
    found = archetypes(ctx, records, compliance)
    kind = found["archetype"].to_numpy(dtype=object)
    p = {c: records[c].to_numpy(dtype="float64") for c in records.columns if c != "user"}
    weeks, active = p["weeks"], p["active_weeks"]
    rate = _rate(p["activities"], weeks)
    assessable = weeks >= 1
    typical = float(np.median(rate[assessable])) if assessable.any() else np.nan
    worked = (
        "created or updated records in "
        + _num(active, 0)
        + " of "
        + _num(weeks, 0)
        + " weeks since launch ("
        + _num(rate)
        + " record-days a week; typical producer "
        + f"{float(np.nan_to_num(typical)):.1f}".removesuffix(".0")
        + ")"
    ).to_numpy(dtype=object)
    stopped = (
        "by records: their deal entry stopped: "
        + _num(_rate(p["early_activities"], p["early_weeks"]))
        + " record-days a week in their first "
        + _num(p["early_weeks"], 0)
        + " weeks but "
        + _num(_rate(p["recent_activities"], p["recent_weeks"]))
        + " a week in the last "
        + _num(p["recent_weeks"], 0)
        + " ("
        + _num(p["recent_activities"], 0)
        + " record-days)"
    ).to_numpy(dtype=object)
    reason = found["archetype_reason"].to_numpy(dtype=object)
    failed = found["producer_id"].map(_practice(compliance, "fail"))
    fails = np.where(failed.notna(), ", but fails " + failed.astype(object).fillna(""), "")
    reason = np.select(
        [kind == "lapsed", kind == "never_adopted", kind == "partial", kind == "consistent"],
        [
            stopped,
            "by records: never built the habit: " + worked,
            np.where(
                fails != "",
                "by records: " + worked + fails,
                "by records: uses it only part of the time: " + worked,
            ),
            "by records: " + worked + " and meets every practice standard it was assessed on",
        ],
        default=reason,
    )
    return found.assign(
        archetype=[None if k is None else f"{k}_by_records" for k in kind],
        archetype_reason=reason,
    )
