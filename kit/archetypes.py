"""Producer archetypes: never adopted, lapsed, partial, consistent.

Each needs a different fix: access and onboarding (never adopted), accountability
(lapsed), standards and coaching (partial). Rules, applied in this order to each producer's
launch weeks (complete 7-day weeks from launch, counted from the producer's seat start):

lapsed
    Used it, then stopped: at least 2 weeks before the last 4 weeks, active in at least half
    of their first 6 weeks *or* of all those earlier weeks, and active in at most 1 of the
    last 4 weeks.
never_adopted
    Never built the habit: active in fewer than 25% of their weeks since launch.
partial
    Uses some of it: active in fewer than half of their weeks, or fails at least one of the
    producer-level practice standards (every rule outside the adoption section, e.g. stage
    freshness, next steps, lead source).
consistent
    Everything else: active most weeks and fails no practice standard it was assessed on.

A producer seated for less than one complete week since launch, or assessed without
activities, gets no archetype (blank) and a reason.

Examples
--------
>>> ARCHETYPES
('never_adopted', 'lapsed', 'partial', 'consistent')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kit.metrics import METRICS
from kit.schema import label

if TYPE_CHECKING:
    from kit.context import Context

__all__ = ["ARCHETYPES", "ARCHETYPE_COLUMNS", "archetypes"]

ARCHETYPES: tuple[str, ...] = ("never_adopted", "lapsed", "partial", "consistent")
ARCHETYPE_COLUMNS: tuple[str, ...] = ("producer_id", "archetype", "archetype_reason")
NEVER_SHARE = 0.25
HABIT_SHARE = 0.5
LAPSED_RECENT_MAX = 1
#: Sections whose rules measure *whether* the CRM is used, not *how well*.
_USAGE_SECTIONS = ("adoption", "presence", "seat_roi")
_SECTION_OF = {m.id: m.section for m in METRICS.values()}


def _int(x: float) -> int:
    return round(float(x))


def archetypes(ctx: Context, profile: pd.DataFrame, compliance: pd.DataFrame) -> pd.DataFrame:
    """Classify every scored producer.

    Parameters
    ----------
    profile
        Per-producer activity profile from :func:`kit.adoption.compute` (``units``).
    compliance
        The compliance frame; producer rows with status ``fail`` on practice rules make a
        producer partial.
    """
    user = profile["user"].to_numpy()
    ids = ctx.user_ids[user].astype(object)
    weeks = profile["weeks"].to_numpy(dtype="float64")
    active = profile["active_weeks"].to_numpy(dtype="float64")
    early_w = profile["early_weeks"].to_numpy(dtype="float64")
    early_a = profile["early_active"].to_numpy(dtype="float64")
    before_w = profile["before_weeks"].to_numpy(dtype="float64")
    before_a = profile["before_active"].to_numpy(dtype="float64")
    recent_w = profile["recent_weeks"].to_numpy(dtype="float64")
    recent_a = profile["recent_active"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(weeks > 0, active / np.where(weeks > 0, weeks, 1), np.nan)
        early_share = np.where(early_w > 0, early_a / np.where(early_w > 0, early_w, 1), 0.0)
        before_share = np.where(before_w > 0, before_a / np.where(before_w > 0, before_w, 1), 0.0)

    practice = compliance[
        (compliance["scope"] == "producer")
        & (compliance["status"] == "fail")
        & ~compliance["metric"].map(_SECTION_OF).isin(_USAGE_SECTIONS)
    ]
    failed = (
        practice.sort_values(["producer_id", "rule_order"], kind="stable")
        .assign(text=practice["rule_id"].map(label).str.lower())
        .groupby("producer_id", sort=False)["text"]
        .agg(", ".join)
    )
    fails = pd.Series(ids).map(failed).to_numpy(dtype=object)
    has_fail = pd.notna(fails)

    assessable = ~np.isnan(weeks) & (weeks >= 1)
    lapsed = (
        assessable
        & (before_w >= 2)
        & ((early_share >= HABIT_SHARE) | (before_share >= HABIT_SHARE))
        & (recent_w >= 1)
        & (recent_a <= LAPSED_RECENT_MAX)
    )
    never = assessable & ~lapsed & (share < NEVER_SHARE)
    partial = assessable & ~lapsed & ~never & ((share < HABIT_SHARE) | has_fail)
    consistent = assessable & ~lapsed & ~never & ~partial
    kind = np.select(
        [lapsed, never, partial, consistent],
        ["lapsed", "never_adopted", "partial", "consistent"],
        default=None,
    )

    w = [_int(x) if x == x else 0 for x in weeks]
    a = [_int(x) if x == x else 0 for x in active]
    reasons = np.empty(len(user), dtype=object)
    for i in range(len(user)):  # one short sentence per producer (hundreds, not rows of data)
        if kind[i] is None:
            reasons[i] = (
                "not assessed: no activities provided"
                if weeks[i] != weeks[i]
                else "not classified: seated less than one complete week since launch"
            )
        elif kind[i] == "lapsed":
            reasons[i] = (
                f"active in {_int(early_a[i])} of their first {_int(early_w[i])} weeks "
                f"({_int(before_a[i])} of {_int(before_w[i])} before the last 4), but in only "
                f"{_int(recent_a[i])} of the last {_int(recent_w[i])} weeks"
            )
        elif kind[i] == "never_adopted":
            reasons[i] = (
                f"active in only {a[i]} of {w[i]} weeks since launch "
                f"(under {NEVER_SHARE:.0%}): never built the habit"
            )
        elif kind[i] == "partial":
            parts = []
            if share[i] < HABIT_SHARE:
                parts.append(f"active in only {a[i]} of {w[i]} weeks since launch")
            else:
                parts.append(f"active in {a[i]} of {w[i]} weeks since launch")
            if has_fail[i]:
                parts.append(f"fails {fails[i]}")
            reasons[i] = ", but ".join(parts) if len(parts) > 1 else parts[0]
        else:
            reasons[i] = (
                f"active in {a[i]} of {w[i]} weeks since launch and meets every practice "
                "standard it was assessed on"
            )
    return pd.DataFrame({"producer_id": ids, "archetype": kind, "archetype_reason": reasons})
