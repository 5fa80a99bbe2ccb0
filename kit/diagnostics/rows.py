"""The long-format metric rows every metric module produces, counted in one pass.

A metric module computes, for each unit of measure (an open loan, a new lead, a
conversation...), the team and producer it belongs to and whether it meets the behaviour;
:func:`share_rows` and friends then count those units per producer, per team and for the
whole organization with :func:`numpy.bincount`, in one pass over the whole dataset. Each
module returns its rows, detail frames and unit frames as :class:`Measurements`.

Examples
--------
>>> not_blank(pd.Series(["a", " ", None], dtype="str")).tolist()
[True, False, False]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kit.diagnostics.metrics import METRICS, Scope
from kit.formatting import format_value

if TYPE_CHECKING:
    from kit.diagnostics.context import Context

__all__ = [
    "Measurements",
    "count_rows",
    "empty_metrics",
    "median_rows",
    "missing_rows",
    "money_suffix",
    "not_blank",
    "present",
    "producer_rows",
    "rows_from_counts",
    "share_rows",
    "team_sum",
    "week_pairs",
]


def not_blank(series: pd.Series) -> np.ndarray:
    """Whether each text value is present and not only whitespace."""
    text = series.astype("str")
    return (text.notna() & (text.str.strip() != "")).to_numpy(dtype=bool, na_value=False)


def present(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Whether ``frame[column]`` holds a value on each row (blank text counts as missing)."""
    series = frame[column]
    if isinstance(series.dtype, pd.CategoricalDtype):  # each distinct value checked once
        filled = np.append(not_blank(pd.Series(series.cat.categories)), False)
        return filled[series.cat.codes.to_numpy()]
    if series.dtype.kind in "fMb":
        return series.notna().to_numpy()
    return not_blank(series)



@dataclass
class Measurements:
    """What one metric module measured (not a report section: see :mod:`kit.sections`).

    Attributes
    ----------
    metrics
        Long-format metric frames (columns :data:`METRIC_COLUMNS`).
    frames
        Named detail frames for the results bundle (e.g. ``speed_to_lead``).
    units
        Named unit-level frames other modules reuse (e.g. the stale loans for the review list).
    not_assessed
        ``(section, reason)`` pairs for inputs that were missing.
    """

    metrics: list[pd.DataFrame] = field(default_factory=list)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    units: dict[str, pd.DataFrame] = field(default_factory=dict)
    not_assessed: list[tuple[str, str]] = field(default_factory=list)

    def extend(self, other: Measurements) -> None:
        self.metrics.extend(other.metrics)
        self.frames.update(other.frames)
        self.units.update(other.units)
        self.not_assessed.extend(other.not_assessed)


def money_suffix(amounts: np.ndarray) -> np.ndarray:
    """``", $320,000"`` for each amount ('' when blank), for review-list details.

    >>> money_suffix(np.array([320000.0, np.nan])).tolist()
    [', $320,000', '']
    """
    amounts = np.asarray(amounts, dtype="float64")
    codes, distinct = pd.factorize(amounts)  # each distinct amount formatted once; blank: -1
    text = [", " + str(format_value(v, "currency")) for v in distinct]
    return np.array([*text, ""], dtype=object)[codes]


def empty_metrics() -> pd.DataFrame:
    """An empty metrics frame with the canonical columns and dtypes."""
    return pd.DataFrame(
        {
            "scope": pd.Series(dtype="str"),
            "team": pd.Series(dtype="str"),
            "producer_id": pd.Series(dtype="str"),
            "producer_name": pd.Series(dtype="str"),
            "metric": pd.Series(dtype="str"),
            "value": pd.Series(dtype="float64"),
            "numerator": pd.Series(dtype="float64"),
            "denominator": pd.Series(dtype="float64"),
            "unit": pd.Series(dtype="str"),
            "assessed": pd.Series(dtype="bool"),
            "reason": pd.Series(dtype="str"),
        }
    )


def _identity(ctx: Context, scope: Scope, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Team, producer id and producer name of the ``n`` rows of ``scope`` (blank: NaN)."""
    if scope == "organization":
        blank = np.full(n, np.nan, dtype=object)
        return blank, blank, blank
    if scope == "team":
        blank = np.full(n, np.nan, dtype=object)
        return ctx.teams.astype(object), blank, blank
    prod = ctx.producer_codes
    return (
        ctx.teams[ctx.user_team[prod]].astype(object),
        ctx.user_ids[prod].astype(object),
        ctx.user_names[prod].astype(object),
    )


def _frame(
    ctx: Context,
    metric: str,
    scopes: list[Scope],
    *,
    value: list[np.ndarray],
    numerator: list[np.ndarray],
    denominator: list[np.ndarray],
    assessed: list[np.ndarray],
    reason: str,
) -> pd.DataFrame:
    """One metric's rows of every scope in ``scopes`` (at least one; the arrays: one per
    scope, in that order), built as one frame."""
    sizes = [len(v) for v in value]
    n = sum(sizes)
    identity = [_identity(ctx, scope, size) for scope, size in zip(scopes, sizes, strict=True)]
    known = np.concatenate([np.asarray(a, dtype=bool) for a in assessed])
    reasons = np.full(n, reason, dtype=object)
    reasons[known] = None

    def joined(arrays: list[np.ndarray], dtype: str) -> np.ndarray:
        return np.concatenate([np.asarray(a, dtype=dtype) for a in arrays])

    return pd.DataFrame(
        {
            "scope": np.repeat(np.array(scopes, dtype=object), sizes),
            "team": joined([i[0] for i in identity], "object"),
            "producer_id": joined([i[1] for i in identity], "object"),
            "producer_name": joined([i[2] for i in identity], "object"),
            "metric": np.full(n, metric, dtype=object),
            "value": joined(value, "float64"),
            "numerator": joined(numerator, "float64"),
            "denominator": joined(denominator, "float64"),
            "unit": np.full(n, METRICS[metric].unit, dtype=object),
            "assessed": known,
            "reason": reasons,
        }
    )


def rows_from_counts(
    ctx: Context,
    metric: str,
    *,
    user_num: np.ndarray,
    user_den: np.ndarray,
    team_num: np.ndarray,
    team_den: np.ndarray,
    org_num: float,
    org_den: float,
    empty_reason: str,
    value: str = "ratio",
    user_value: np.ndarray | None = None,
    team_value: np.ndarray | None = None,
    org_value: float | None = None,
) -> pd.DataFrame:
    """Build the organization, team and producer rows of one metric from counts.

    ``user_*`` arrays are indexed by user code (every CRM user), ``team_*`` by team code.
    With ``value="ratio"`` the value is numerator / denominator; with ``value="given"`` the
    ``*_value`` arrays are used. A row whose denominator is zero is not assessed, with
    ``empty_reason``. The rows of every scope are built as one frame.
    """
    spec = METRICS[metric]
    scopes: list[Scope] = []
    values: list[np.ndarray] = []
    nums: list[np.ndarray] = []
    dens: list[np.ndarray] = []
    known: list[np.ndarray] = []

    def build(scope: Scope, num: np.ndarray, den: np.ndarray, given: np.ndarray | None) -> None:
        num = np.asarray(num, dtype="float64")
        den = np.asarray(den, dtype="float64")
        assessed = den > 0
        if value == "ratio":
            with np.errstate(divide="ignore", invalid="ignore"):
                val = np.where(assessed, num / np.where(assessed, den, 1.0), np.nan)
        else:
            val = np.where(assessed, np.asarray(given, dtype="float64"), np.nan)
        scopes.append(scope)
        values.append(val)
        nums.append(num)
        dens.append(den)
        known.append(assessed & ~np.isnan(val))

    if "organization" in spec.scopes:
        build(
            "organization",
            np.array([org_num]),
            np.array([org_den]),
            None if org_value is None else np.array([org_value]),
        )
    if "team" in spec.scopes:
        build("team", team_num, team_den, team_value)
    if "producer" in spec.scopes:
        prod = ctx.producer_codes
        build(
            "producer",
            np.asarray(user_num)[prod],
            np.asarray(user_den)[prod],
            None if user_value is None else np.asarray(user_value)[prod],
        )
    if not scopes:
        raise ValueError(f"metric {metric!r} is measured at no scope")
    return _frame(
        ctx,
        metric,
        scopes,
        value=values,
        numerator=nums,
        denominator=dens,
        assessed=known,
        reason=empty_reason,
    )


def _bincount(codes: np.ndarray, weights: np.ndarray | None, size: int) -> np.ndarray:
    keep = codes >= 0
    if weights is not None and np.asarray(weights).dtype == bool:  # count the hits: the
        keep &= weights  # same sums as weights of 0.0 and 1.0, with no float copy of them
        weights = None
    w = None if weights is None else np.asarray(weights, dtype="float64")[keep]
    return np.bincount(codes[keep], weights=w, minlength=size).astype("float64")


def share_rows(
    ctx: Context,
    metric: str,
    *,
    team: np.ndarray,
    user: np.ndarray,
    hit: np.ndarray,
    empty_reason: str,
) -> pd.DataFrame:
    """Rows of a share metric from its units.

    Parameters
    ----------
    team, user
        Team code and user code of each unit (-1 when unknown); producer rows count the
        units whose user is a producer, team rows the units of the team, the organization
        row every unit.
    hit
        Whether each unit meets the behaviour the metric counts.
    empty_reason
        Reason given where a scope has no unit (e.g. "not assessed: no open loans").
    """
    team = np.asarray(team, dtype="int64")
    user = np.asarray(user, dtype="int64")
    hit = np.asarray(hit, dtype=bool)
    n_users, n_teams = len(ctx.user_ids), len(ctx.teams)
    return rows_from_counts(
        ctx,
        metric,
        user_num=_bincount(user, hit, n_users),
        user_den=_bincount(user, None, n_users),
        team_num=_bincount(team, hit, n_teams),
        team_den=_bincount(team, None, n_teams),
        org_num=float(hit.sum()),
        org_den=float(len(hit)),
        empty_reason=empty_reason,
    )


def count_rows(
    ctx: Context,
    metric: str,
    *,
    team: np.ndarray,
    user: np.ndarray,
    hit: np.ndarray,
    empty_reason: str,
) -> pd.DataFrame:
    """Rows of a count metric: value = number of units that hit, denominator = units."""
    frame = share_rows(ctx, metric, team=team, user=user, hit=hit, empty_reason=empty_reason)
    frame["value"] = frame["numerator"].where(frame["assessed"])
    return frame


def median_rows(
    ctx: Context,
    metric: str,
    *,
    team: np.ndarray,
    user: np.ndarray,
    values: np.ndarray,
    empty_reason: str,
) -> pd.DataFrame:
    """Rows of a median metric: value = median of ``values``, denominator = their count."""
    team = np.asarray(team, dtype="int64")
    user = np.asarray(user, dtype="int64")
    values = np.asarray(values, dtype="float64")
    n_users, n_teams = len(ctx.user_ids), len(ctx.teams)

    def medians(codes: np.ndarray, size: int) -> np.ndarray:
        keep = codes >= 0
        s = pd.Series(values[keep]).groupby(codes[keep], sort=False).median()
        out = np.full(size, np.nan)
        out[s.index.to_numpy()] = s.to_numpy()
        return out

    nan = np.full(n_users, np.nan)
    return rows_from_counts(
        ctx,
        metric,
        user_num=nan,
        user_den=_bincount(user, None, n_users),
        team_num=np.full(n_teams, np.nan),
        team_den=_bincount(team, None, n_teams),
        org_num=np.nan,
        org_den=float(len(values)),
        empty_reason=empty_reason,
        value="given",
        user_value=medians(user, n_users),
        team_value=medians(team, n_teams),
        org_value=float(np.median(values)) if len(values) else np.nan,
    )


def missing_rows(ctx: Context, metric: str, reason: str) -> pd.DataFrame:
    """Rows of a metric that cannot be assessed at all (its input is missing)."""
    n_users, n_teams = len(ctx.user_ids), len(ctx.teams)
    zeros_u, zeros_t = np.zeros(n_users), np.zeros(n_teams)
    return rows_from_counts(
        ctx,
        metric,
        user_num=zeros_u * np.nan,
        user_den=zeros_u,
        team_num=zeros_t * np.nan,
        team_den=zeros_t,
        org_num=np.nan,
        org_den=0.0,
        empty_reason=reason,
    ).assign(denominator=np.nan)


def team_sum(ctx: Context, per_user: np.ndarray) -> np.ndarray:
    """Sum a per-user array over the scored producers of each team."""
    prod = ctx.producer_codes
    return np.bincount(
        ctx.user_team[prod],
        weights=np.asarray(per_user, dtype="float64")[prod],
        minlength=len(ctx.teams),
    )


def producer_rows(
    ctx: Context, metric: str, num: np.ndarray, den: np.ndarray, reason: str
) -> pd.DataFrame:
    """Rows of a metric counted per user (indexed by user code), producers only: teams and
    the organization are the sums of their producers' counts."""
    mask = np.zeros(len(ctx.user_ids), dtype=bool)
    mask[ctx.producer_codes] = True
    num = np.where(mask, num, 0.0)
    den = np.where(mask, den, 0.0)
    return rows_from_counts(
        ctx,
        metric,
        user_num=num,
        user_den=den,
        team_num=team_sum(ctx, num),
        team_den=team_sum(ctx, den),
        org_num=float(num.sum()),
        org_den=float(den.sum()),
        empty_reason=reason,
    )


def week_pairs(user: np.ndarray, week: np.ndarray, n_weeks: int, n_users: int) -> np.ndarray:
    """Boolean (user, week) matrix of the pairs present."""
    out = np.zeros((n_users, max(n_weeks, 1)), dtype=bool)
    keep = (user >= 0) & (week >= 0) & (week < n_weeks)
    out[user[keep], week[keep]] = True
    return out[:, :n_weeks]
