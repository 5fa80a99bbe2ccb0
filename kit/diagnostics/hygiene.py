"""Pipeline hygiene: what a sales leader checks first, from the opportunities alone.

These need no activity log, contacts or stage history, so an opportunities-only export (a
deals report: owner, stage, created and close dates, amount) can be assessed on them:

* open loans older than N days: open loans that entered the pipeline N or more days
  before the as-of date (rule parameter ``days``, default 60), whole calendar days from
  the creation day; the team's own cycle is reported beside it
  (``typical_days_to_win``: the median days from entry to win of loans won in the window);
* open loans past their expected close date (``expected_close_date`` before the as-of
  day), among open loans that have one;
* closed loans with their close date and, when won, an amount above zero, among loans
  closed in the window (placed by their close date, else their last stage change, else
  their creation);
* won loans closed in one step: won in the window but created on the day they were won
  (or later), or, where stage history exists for the loan, with no open stage recorded
  after its creation (more than :data:`CREATION_TOLERANCE` later) and before the win.

A loan is open when its stage is an open stage and its status is open or blank (see
:attr:`kit.diagnostics.context.Context.opportunities`); it is won when closed at stage
funded or status won. A loan belongs to its owner and the owner's team.

Examples
--------
>>> HYGIENE_METRICS[0]
'aged_open_loans'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kit.diagnostics.context import human_labels, take_text
from kit.diagnostics.review import review_units
from kit.diagnostics.rows import Measurements, median_rows, missing_rows, money_suffix, share_rows

if TYPE_CHECKING:
    from kit.diagnostics.context import Context

__all__ = ["CREATION_TOLERANCE", "HYGIENE_METRICS", "compute"]

HYGIENE_METRICS: tuple[str, ...] = (
    "aged_open_loans",
    "typical_days_to_win",
    "past_due_open_loans",
    "closed_loans_complete",
    "won_in_one_step",
)
#: A stage-history entry this close to the loan's creation records the creation itself.
CREATION_TOLERANCE = np.timedelta64(1, "m")

_NO_OPPS = "not assessed: no opportunities provided"
_DAY = np.timedelta64(1, "D")


def compute(ctx: Context) -> Measurements:
    section = Measurements()
    if not ctx.has("opportunities"):
        for metric in HYGIENE_METRICS:
            section.metrics.append(missing_rows(ctx, metric, _NO_OPPS))
        return section
    loans = _loans(ctx)
    _aged(ctx, section, loans)
    _past_due(ctx, section, loans)
    _closed(ctx, section, loans)
    return section


def _loans(ctx: Context) -> pd.DataFrame:
    """The prepared opportunities with the raw fields this module reads."""
    opps = ctx.opportunities
    raw = ctx.dataset.tables["opportunities"]
    codes = opps["code"].to_numpy()
    status = raw["status"].isin(["won"]).to_numpy(dtype=bool)[codes]
    return opps.assign(
        won=~opps["open"].to_numpy() & ((opps["stage"].to_numpy() == "funded") | status),
        closed_at=raw["closed_at"].to_numpy(dtype="datetime64[us]")[codes],
        expected=raw["expected_close_date"].to_numpy(dtype="datetime64[us]")[codes],
        amount=raw["amount"].to_numpy(dtype="float64", na_value=np.nan)[codes],
    )


def _days(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """Whole calendar days between the days of two timestamp arrays."""
    return (later.astype("datetime64[D]") - earlier.astype("datetime64[D]")).astype("int64")


def _units(ctx: Context, rows: pd.DataFrame, age: np.ndarray, detail: np.ndarray) -> pd.DataFrame:
    raw = ctx.dataset.tables["opportunities"]
    return review_units(
        {
            "team": rows["team"].to_numpy(),
            "user": rows["owner"].to_numpy(),
            "record_id": take_text(raw["opportunity_id"], rows["code"].to_numpy()),
            "age_days": np.asarray(age, dtype="int64"),
            "detail": detail,
        }
    )


def _aged(ctx: Context, section: Measurements, loans: pd.DataFrame) -> None:
    metric = "aged_open_loans"
    days = int(ctx.params(metric)["days"])
    open_ = loans[loans["open"].to_numpy()]
    as_of = np.datetime64(ctx.as_of, "us")
    age = _days(np.full(len(open_), as_of), open_["created"].to_numpy())
    aged = age >= days
    section.metrics.append(
        share_rows(
            ctx,
            metric,
            team=open_["team"].to_numpy(),
            user=open_["owner"].to_numpy(),
            hit=aged,
            empty_reason="not assessed: no open loans",
        )
    )
    rows = open_[aged]
    detail = (
        "stage "
        + human_labels(rows["stage"].to_numpy()).astype(object)
        + money_suffix(rows["amount"].to_numpy())
        + f", open {days}+ days since it entered the pipeline"
    )
    section.units["aged_loans"] = _units(ctx, rows, age[aged], detail)


def _past_due(ctx: Context, section: Measurements, loans: pd.DataFrame) -> None:
    metric = "past_due_open_loans"
    if not ctx.provided("opportunities", "expected_close_date"):
        reason = "not assessed: the export has no expected close date (expected_close_date)"
        section.metrics.append(missing_rows(ctx, metric, reason))
        section.not_assessed.append(("pipeline", reason))
        return
    open_ = loans[loans["open"].to_numpy()]
    expected = open_["expected"].to_numpy()
    dated = open_[~np.isnat(expected)]
    expected = expected[~np.isnat(expected)]
    as_of = np.full(len(dated), np.datetime64(ctx.as_of, "us"))
    late = _days(as_of, expected)
    due = late > 0
    section.metrics.append(
        share_rows(
            ctx,
            metric,
            team=dated["team"].to_numpy(),
            user=dated["owner"].to_numpy(),
            hit=due,
            empty_reason="not assessed: no open loan has an expected close date",
        )
    )
    rows = dated[due]
    day = pd.Series(expected[due]).dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    detail = (
        "stage "
        + human_labels(rows["stage"].to_numpy()).astype(object)
        + money_suffix(rows["amount"].to_numpy())
        + ", expected to close "
        + day
    )
    section.units["past_due_loans"] = _units(ctx, rows, late[due], detail)


def _closed(ctx: Context, section: Measurements, loans: pd.DataFrame) -> None:
    closed = loans[~loans["open"].to_numpy()]
    closed_at = closed["closed_at"].to_numpy()
    has_date = ~np.isnat(closed_at)
    placed = np.where(has_date, closed_at, closed["last_change"].to_numpy())
    in_window = (placed >= ctx.start64) & (placed < ctx.end64)
    rows = closed[in_window]
    won = rows["won"].to_numpy()
    dated = has_date[in_window]
    amount = rows["amount"].to_numpy()
    priced = ~won | (amount > 0)
    complete = dated & priced
    section.metrics.append(
        share_rows(
            ctx,
            "closed_loans_complete",
            team=rows["team"].to_numpy(),
            user=rows["owner"].to_numpy(),
            hit=complete,
            empty_reason="not assessed: no loans closed in the window",
        )
    )
    gaps = rows[~complete]
    g_won, g_dated, g_priced = won[~complete], dated[~complete], priced[~complete]
    missing = np.select(
        [~g_dated & ~g_priced, ~g_dated],
        ["no close date and no amount", "no close date"],
        default="no amount",
    ).astype(object)
    detail = np.where(g_won, "won", "lost").astype(object) + ", " + missing
    age = _days(np.full(len(gaps), np.datetime64(ctx.as_of, "us")), placed[in_window][~complete])
    section.units["incomplete_closed_loans"] = _units(ctx, gaps, age, detail)

    # won loans with a close date in the window: their cycle, and whether they ever moved
    wins = rows[won & dated]
    won_at = wins["closed_at"].to_numpy()
    cycle = _days(won_at, wins["created"].to_numpy())
    ok = cycle >= 0
    section.metrics.append(
        median_rows(
            ctx,
            "typical_days_to_win",
            team=wins["team"].to_numpy()[ok],
            user=wins["owner"].to_numpy()[ok],
            values=cycle[ok].astype("float64"),
            empty_reason="not assessed: no loans won in the window",
        )
    )
    one_step = cycle <= 0
    if ctx.has("stage_history") and len(wins):
        worked, recorded = _worked(ctx, wins)
        one_step = one_step | (recorded & ~worked)
    section.metrics.append(
        share_rows(
            ctx,
            "won_in_one_step",
            team=wins["team"].to_numpy(),
            user=wins["owner"].to_numpy(),
            hit=one_step,
            empty_reason="not assessed: no loans won in the window",
        )
    )


def _worked(ctx: Context, wins: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """For each won loan: whether its stage history records an open stage after its
    creation and before its win, and whether it has any history at all."""
    sh = ctx.dataset.tables["stage_history"]
    opp = ctx.opportunity_codes(sh["opportunity_id"])
    at = sh["changed_at"].to_numpy(dtype="datetime64[us]")
    closing = sh["stage"].isin(["funded", "lost"]).to_numpy(dtype=bool)
    position = np.full(len(ctx.dataset.tables["opportunities"]), -1, dtype="int64")
    position[wins["code"].to_numpy()] = np.arange(len(wins))
    row = np.where(opp >= 0, position[np.maximum(opp, 0)], -1)
    known = (row >= 0) & ~np.isnat(at)
    recorded = np.zeros(len(wins), dtype=bool)
    recorded[row[known]] = True
    created = wins["created"].to_numpy()
    won_by = wins["closed_at"].to_numpy().astype("datetime64[D]") + _DAY  # end of win day
    r = np.maximum(row, 0)
    between = (
        known
        & ~closing
        & sh["stage"].notna().to_numpy()
        & (at > created[r] + CREATION_TOLERANCE)
        & (at < won_by[r])
    )
    worked = np.zeros(len(wins), dtype=bool)
    worked[row[between]] = True
    return worked, recorded
