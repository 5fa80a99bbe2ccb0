"""The metric catalogue and the long-format rows every metric module produces.

:data:`METRICS` names every metric the kit computes: its label, plain-language definition,
unit, report section, which way is better, the scopes it exists for and its parameters.
The report's definitions appendix is generated from it, and the standards file refers to
metrics by these ids.

A metric module computes, for each unit of measure (an open loan, a new lead, a
conversation...), the team and producer it belongs to and whether it meets the behaviour;
:func:`share_rows` and friends then count those units per producer, per team and for the
whole organization with :func:`numpy.bincount`, in one pass over the whole dataset.

Examples
--------
>>> METRICS["stale_open_loans"].unit
'share'
>>> METRICS["stale_open_loans"].better
'lower'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from kit.formatting import format_value

if TYPE_CHECKING:
    from kit.diagnostics.context import Context

__all__ = [
    "METRICS",
    "METRIC_COLUMNS",
    "Measurements",
    "Metric",
    "count_rows",
    "empty_metrics",
    "median_rows",
    "missing_rows",
    "money_suffix",
    "not_blank",
    "present",
    "rows_from_counts",
    "share_rows",
]

Unit = Literal["share", "days", "minutes", "count", "currency"]
Scope = Literal["organization", "team", "producer"]

def not_blank(series: pd.Series) -> np.ndarray:
    """Whether each text value is present and not only whitespace."""
    text = series.astype("str")
    return (text.notna() & (text.str.strip() != "")).to_numpy(dtype=bool, na_value=False)


def present(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Whether ``frame[column]`` holds a value on each row (blank text counts as missing)."""
    series = frame[column]
    if isinstance(series.dtype, pd.CategoricalDtype) or series.dtype.kind in "fMb":
        return series.notna().to_numpy()
    return not_blank(series)


@dataclass(frozen=True)
class Metric:
    """One metric of the catalogue.

    Parameters
    ----------
    id
        Stable identifier used by the standards file and every results frame.
    label
        Short human label.
    definition
        Plain-language definition (the report's appendix quotes it).
    unit
        ``share`` (0-1), ``days``, ``minutes``, ``count`` or ``currency`` (dollars).
    section
        Report section (a measured section of :data:`kit.sections.SECTIONS`).
    better
        ``higher`` or ``lower``: which way is good.
    scopes
        Scopes the metric exists for.
    params
        Default parameters (a standards rule may override them, e.g. ``days``).
    evidence
        Sentence template of a finding: ``{value}``, ``{numerator}``, ``{denominator}``,
        ``{whose}``, ``{window}``, ``{seat_days}`` and the metric's params are filled in.
    noun
        What the denominator counts (``open loans``, ``calls and meetings``): the report's
        "Based on" column and the "too few to judge" reason name it.
    """

    id: str
    label: str
    definition: str
    unit: Unit
    section: str
    better: Literal["higher", "lower"]
    scopes: tuple[Scope, ...] = ("organization", "team", "producer")
    params: dict[str, Any] = field(default_factory=dict)
    evidence: str = ""
    noun: str = "records"

    @property
    def phrase(self) -> str:
        """The label inside a sentence: ``open loans with a stale stage``."""
        return self.label[:1].lower() + self.label[1:]


_ALL: tuple[Scope, ...] = ("organization", "team", "producer")
_TEAM: tuple[Scope, ...] = ("organization", "team")

_CATALOGUE: tuple[Metric, ...] = (
    # ----------------------------------------------------------------- adoption
    Metric(
        "weekly_active_producers",
        "Weekly active producers",
        "Share of producer-weeks in the window in which the producer logged at least one own, "
        "non-automated activity (call, email, text, meeting, note or task). Automated sends "
        "never count. Weeks are the 7-day periods ending at the as-of date; a producer counts "
        "only for the weeks after their seat started.",
        "share",
        "adoption",
        "higher",
        noun="producer-weeks",
        evidence="{whose} producers were active in {value} of their {denominator} "
        "producer-weeks over the last {window} days",
    ),
    Metric(
        "active_last_week",
        "Active last week",
        "Share of producers who logged at least one own, non-automated activity in the 7 days "
        "ending at the as-of date.",
        "share",
        "adoption",
        "higher",
        noun="producers",
        evidence="{value} of {whose} {denominator} producers logged any work in the CRM in "
        "the last 7 days",
    ),
    Metric(
        "weeks_active_since_launch",
        "Weeks active since launch",
        "Share of the weeks since launch (or since the producer's seat started, if later) in "
        "which the producer logged own, non-automated work.",
        "share",
        "adoption",
        "higher",
        noun="producer-weeks",
        evidence="{whose} producers were active in {value} of their {denominator} "
        "producer-weeks since launch",
    ),
    *(
        Metric(
            f"active_day_{day}",
            f"Active at day {day}",
            f"Share of producers (seated by then) who logged own, non-automated work in the 7 "
            f"days ending on day {day} after launch (the {day}-day point of the adoption curve).",
            "share",
            "adoption",
            "higher",
            noun="producers",
            evidence=f"{{value}} of {{whose}} {{denominator}} producers were active at day {day}",
        )
        for day in (30, 60, 90)
    ),
    Metric(
        "manual_activities_per_producer_week",
        "Logged activities per producer-week",
        "Own, non-automated activities logged in the window divided by the producer-weeks in "
        "the window.",
        "count",
        "adoption",
        "higher",
        noun="producer-weeks",
        evidence="{whose} producers logged {value} activities per producer-week",
    ),
    Metric(
        "logins_without_work",
        "Logins without logged work",
        "Among producer-weeks in the window with at least one login, the share with no own, "
        "non-automated activity logged: presence without engagement.",
        "share",
        "presence",
        "lower",
        noun="producer-weeks with a login",
        evidence="in {value} of the {denominator} producer-weeks {whose} producers logged in, "
        "they logged no work",
    ),
    # ----------------------------------------------------------------- pipeline
    Metric(
        "stale_open_loans",
        "Open loans with a stale stage",
        "Share of open loans (an open stage, not won or lost) whose stage has not changed in "
        "the last N days as of the as-of date. The last change is the opportunity's stage "
        "change date, else its latest stage-history entry, else its creation date.",
        "share",
        "pipeline",
        "lower",
        params={"days": 14},
        noun="open loans",
        evidence="{value} of {whose} {denominator} open loans have not changed stage in "
        "{days}+ days",
    ),
    Metric(
        "leads_without_touch",
        "New leads never touched",
        "Share of leads (contact type lead, or a blank type with a lead or prospect lifecycle "
        "stage) created in the window with no human (non-automated) activity on them since "
        "their creation, by the as-of date.",
        "share",
        "pipeline",
        "lower",
        noun="new leads",
        evidence="{value} of {whose} {denominator} new leads in the last {window} days were "
        "never touched by a person",
    ),
    Metric(
        "loan_fields_complete",
        "Open loans with required fields",
        "Share of open loans that carry every field the standards require at their stage "
        "(required_fields in the standards file).",
        "share",
        "pipeline",
        "higher",
        noun="open loans",
        evidence="{value} of {whose} {denominator} open loans carry every field required at "
        "their stage",
    ),
    # ----------------------------------------------------------------- follow-up
    *(
        Metric(
            f"speed_to_lead_{key}",
            f"Leads touched within {text}",
            f"Share of leads created in the window whose first human (non-automated) activity "
            f"came within {text} of the lead's creation. Elapsed clock time: nights and weekends "
            f"count. A touch up to 10 minutes before the lead's creation counts as immediate.",
            "share",
            "follow_up",
            "higher",
            noun="new leads",
            evidence=f"{{value}} of {{whose}} {{denominator}} new leads in the last {{window}} "
            f"days were touched by a person within {text}",
        )
        for key, text in (("5m", "5 minutes"), ("1h", "1 hour"), ("24h", "24 hours"))
    ),
    Metric(
        "median_speed_to_lead",
        "Median speed to lead",
        "Median elapsed minutes from a lead's creation to its first human activity, among "
        "leads created in the window that were touched.",
        "minutes",
        "follow_up",
        "lower",
        noun="touched leads",
        evidence="{whose} median time from new lead to first human touch was {value} "
        "({denominator} touched leads)",
    ),
    Metric(
        "conversations_with_outcome",
        "Conversations with an outcome",
        "Share of human calls and meetings in the window with an outcome recorded.",
        "share",
        "follow_up",
        "higher",
        noun="calls and meetings",
        evidence="{value} of {whose} {denominator} calls and meetings in the last {window} "
        "days recorded an outcome",
    ),
    Metric(
        "conversations_with_next_step",
        "Conversations with a next step",
        "Share of human calls and meetings in the window with a next step recorded.",
        "share",
        "follow_up",
        "higher",
        noun="calls and meetings",
        evidence="{value} of {whose} {denominator} calls and meetings in the last {window} "
        "days recorded a next step",
    ),
    Metric(
        "overdue_next_steps",
        "Overdue next steps",
        "Share of next steps due in the window before the as-of day with no later human "
        "activity on the same contact (or loan, when the activity has no contact) by the "
        "as-of date.",
        "share",
        "follow_up",
        "lower",
        noun="next steps due",
        evidence="{value} of {whose} {denominator} next steps due in the last {window} days "
        "are overdue with no follow-up",
    ),
    # ----------------------------------------------------------------- relationships
    Metric(
        "past_clients_touched",
        "Past clients in cadence",
        "Share of past clients touched in the last N days (by default any touch counts, "
        "automated nurture included: parameter touches = any or human).",
        "share",
        "relationships",
        "higher",
        params={"days": 90, "touches": "any"},
        noun="past clients",
        evidence="{value} of {whose} {denominator} past clients were touched in the last "
        "{days} days",
    ),
    Metric(
        "partners_touched",
        "Referral partners in cadence",
        "Share of referral partners touched by a person in the last N days (parameter "
        "touches = human or any).",
        "share",
        "relationships",
        "higher",
        params={"days": 30, "touches": "human"},
        noun="referral partners",
        evidence="{value} of {whose} {denominator} referral partners were touched by a person "
        "in the last {days} days",
    ),
    Metric(
        "active_partners",
        "Active referral partners",
        "Number of referral partners who sent at least one new contact in the window "
        "(contacts whose referred_by is the partner); per producer, the partners they own.",
        "count",
        "relationships",
        "higher",
        noun="referral partners",
        evidence="{whose} {denominator} referral partners, {value} sent a new contact in the "
        "last {window} days",
    ),
    Metric(
        "contacts_without_owner",
        "Contacts without an owner",
        "Share of contacts with no owner (or an owner who is not a CRM user). A contact is "
        "attributed to the team of the first person who touched it.",
        "share",
        "relationships",
        "lower",
        scopes=_TEAM,
        noun="contacts",
        evidence="{value} of {whose} {denominator} contacts have no owner",
    ),
    # ----------------------------------------------------------------- marketing
    Metric(
        "new_contacts_with_lead_source",
        "New contacts with a lead source",
        "Share of contacts created in the window (referral partners excluded) with a lead "
        "source recorded.",
        "share",
        "marketing",
        "higher",
        noun="new contacts",
        evidence="{value} of {whose} {denominator} new contacts in the last {window} days "
        "have a lead source",
    ),
    Metric(
        "automation_ready_contacts",
        "Campaign contacts ready for automation",
        "Share of contacts enrolled in a campaign that have both a lifecycle stage and a lead "
        "source (what automation keys its messages on).",
        "share",
        "marketing",
        "higher",
        noun="campaign contacts",
        evidence="{value} of {whose} {denominator} contacts in campaigns have both a lifecycle "
        "stage and a lead source",
    ),
    Metric(
        "human_touch_share",
        "Human share of touches",
        "Share of activities in the window logged by a person rather than sent by automation.",
        "share",
        "marketing",
        "higher",
        noun="touches",
        evidence="{value} of {whose} {denominator} touches in the last {window} days were "
        "made by a person",
    ),
    # ----------------------------------------------------------------- shadow pipeline
    Metric(
        "funded_loans_in_crm",
        "Funded loans present in the CRM",
        "Share of LOS loans funded in the window whose loan number appears on a CRM "
        "opportunity (compared trimmed and case-insensitive). The rest is the shadow "
        "pipeline: work done outside the system.",
        "share",
        "shadow_pipeline",
        "higher",
        noun="funded LOS loans",
        evidence="only {value} of {whose} {denominator} loans funded in the last {window} days "
        "exist in the CRM",
    ),
    # ----------------------------------------------------------------- seat ROI
    Metric(
        "idle_seat_share",
        "Idle seats",
        "Share of active seats (users not marked inactive) whose holder logged no own, "
        "non-automated work in the 30 days ending at the as-of date.",
        "share",
        "seat_roi",
        "lower",
        scopes=_TEAM,
        noun="seats",
        evidence="{value} of {whose} {denominator} paid seats had no logged work in the last "
        "{seat_days} days",
    ),
    Metric(
        "cost_per_active_producer",
        "Cost per active producer",
        "Monthly seat cost of the team divided by its producers with own logged work in the "
        "last 30 days.",
        "currency",
        "seat_roi",
        "lower",
        scopes=_TEAM,
        noun="active producers",
        evidence="{whose} seats cost {value} a month per producer actually working in the CRM",
    ),
    Metric(
        "idle_seat_spend",
        "Monthly spend on idle seats",
        "Idle seats times the monthly seat cost.",
        "currency",
        "seat_roi",
        "lower",
        scopes=_TEAM,
        noun="seats",
        evidence="{whose} idle seats cost {value} a month",
    ),
    # ----------------------------------------------------------------- data quality
    Metric(
        "data_health",
        "Data health score",
        "Share of records (contacts, opportunities, activities) with no data-quality issue of "
        "any check (completeness, validity, uniqueness, timeliness, consistency, referential "
        "integrity).",
        "share",
        "data_quality",
        "higher",
        noun="records",
        evidence="{value} of {whose} {denominator} records have no data-quality issue",
    ),
    Metric(
        "logged_within_24h",
        "Activities logged within 24 hours",
        "Share of human activities in the window entered in the CRM within 24 hours of "
        "happening (logged_at minus occurred_at).",
        "share",
        "data_quality",
        "higher",
        noun="human activities",
        evidence="{value} of {whose} {denominator} activities in the last {window} days were "
        "logged within 24 hours",
    ),
    Metric(
        "median_logging_lag",
        "Median logging lag",
        "Median minutes between a human activity happening and being entered in the CRM.",
        "minutes",
        "data_quality",
        "lower",
        noun="human activities",
        evidence="{whose} median delay between an activity and its logging was {value}",
    ),
    Metric(
        "duplicate_contacts",
        "Duplicate contacts",
        "Share of contacts that share a normalized email, phone or first+last name with "
        "another contact.",
        "share",
        "data_quality",
        "lower",
        noun="contacts",
        evidence="{value} of {whose} {denominator} contacts look like duplicates",
    ),
)

#: Every metric the kit computes, by id.
METRICS: dict[str, Metric] = {m.id: m for m in _CATALOGUE}

#: Columns of :attr:`kit.diagnose.Results.metrics`.
METRIC_COLUMNS: tuple[str, ...] = (
    "scope",
    "team",
    "producer_id",
    "producer_name",
    "metric",
    "value",
    "numerator",
    "denominator",
    "unit",
    "assessed",
    "reason",
)


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
    text = pd.Series(amounts).map(lambda v: format_value(v, "currency")).to_numpy(dtype=object)
    return np.where(np.isnan(amounts), "", ", " + text.astype(str)).astype(object)


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


def _frame(
    ctx: Context,
    metric: str,
    scope: Scope,
    *,
    value: np.ndarray,
    numerator: np.ndarray,
    denominator: np.ndarray,
    assessed: np.ndarray,
    reason: str,
) -> pd.DataFrame:
    n = len(value)
    if scope == "organization":
        team = np.full(n, np.nan, dtype=object)
        pid = np.full(n, np.nan, dtype=object)
        pname = np.full(n, np.nan, dtype=object)
    elif scope == "team":
        team = ctx.teams.astype(object)
        pid = np.full(n, np.nan, dtype=object)
        pname = np.full(n, np.nan, dtype=object)
    else:
        prod = ctx.producer_codes
        team = ctx.teams[ctx.user_team[prod]].astype(object)
        pid = ctx.user_ids[prod].astype(object)
        pname = ctx.user_names[prod].astype(object)
    reasons = np.full(n, reason, dtype=object)
    reasons[np.asarray(assessed, dtype=bool)] = None
    return pd.DataFrame(
        {
            "scope": np.full(n, scope, dtype=object),
            "team": team,
            "producer_id": pid,
            "producer_name": pname,
            "metric": np.full(n, metric, dtype=object),
            "value": np.asarray(value, dtype="float64"),
            "numerator": np.asarray(numerator, dtype="float64"),
            "denominator": np.asarray(denominator, dtype="float64"),
            "unit": np.full(n, METRICS[metric].unit, dtype=object),
            "assessed": np.asarray(assessed, dtype=bool),
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
    ``empty_reason``.
    """
    spec = METRICS[metric]
    parts = []

    def build(scope: Scope, num: np.ndarray, den: np.ndarray, given: np.ndarray | None) -> None:
        num = np.asarray(num, dtype="float64")
        den = np.asarray(den, dtype="float64")
        assessed = den > 0
        if value == "ratio":
            with np.errstate(divide="ignore", invalid="ignore"):
                val = np.where(assessed, num / np.where(assessed, den, 1.0), np.nan)
        else:
            val = np.where(assessed, np.asarray(given, dtype="float64"), np.nan)
        assessed = assessed & ~np.isnan(val)
        parts.append(
            _frame(
                ctx,
                metric,
                scope,
                value=val,
                numerator=num,
                denominator=den,
                assessed=assessed,
                reason=empty_reason,
            )
        )

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
    return pd.concat(parts, ignore_index=True)


def _bincount(codes: np.ndarray, weights: np.ndarray | None, size: int) -> np.ndarray:
    keep = codes >= 0
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
