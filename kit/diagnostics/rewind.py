"""The CRM as it stood on an earlier day, reconstructed from a later export.

An export holds each loan's *current* stage and status. Measured "as of" an earlier day, a
loan that was open then but has closed since would not count as open, and an activity
logged days after that day would count although nobody could see it then. :func:`rewind`
puts the tables back as far as the export can tell, for the before-and-after windows of a
required standard (:mod:`kit.diagnostics.requirement`):

- a loan that changed stage after the day takes the stage of its last stage-history entry
  up to the day, with that entry's time as its stage change; its status follows that stage
  (funded: won, lost: lost, otherwise open) and a later close date is removed. Without a
  history entry up to the day its stage stays as exported and its stage change date is
  unknown (the creation date is used). Without any stage history only close dates after
  the day are removed;
- activities logged after the day are left out (they were not in the CRM yet);
- LOS loans funded after the day lose their funding date.

Everything dated after the day is left out by the metrics themselves. Contacts' lifecycle
stages cannot be rewound (exports carry no history of them).

Examples
--------
>>> import pandas as pd
>>> from kit.dataset import Dataset
>>> from kit.schema import empty_table
>>> ds = Dataset({"users": empty_table("users")})
>>> sorted(rewind(ds, "2025-08-03").tables)
['users']
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from kit.dataset import Dataset

__all__ = ["rewind"]

_DAY = pd.Timedelta(days=1)
_STATUS_OF_STAGE = {"funded": "won", "lost": "lost"}


def _allow(frame: pd.DataFrame, column: str, values: pd.Series) -> None:
    """Let a categorical ``column`` hold ``values`` (adds the categories it lacks)."""
    if column in frame and isinstance(frame[column].dtype, pd.CategoricalDtype):
        missing = sorted(set(values.dropna()) - set(frame[column].cat.categories))
        if missing:
            frame[column] = frame[column].cat.add_categories(missing)


def _opportunities(
    opps: pd.DataFrame, history: pd.DataFrame | None, end: pd.Timestamp
) -> pd.DataFrame:
    out = opps.copy()
    closed = out["closed_at"].to_numpy(dtype="datetime64[us]")
    end64 = np.datetime64(end, "us")
    later_close = ~np.isnat(closed) & (closed >= end64)
    if history is None or history.empty:
        out.loc[later_close, "closed_at"] = pd.NaT
        return out
    at = history["changed_at"].to_numpy(dtype="datetime64[us]")
    dated = ~np.isnat(at)
    before = history[dated & (at < end64)]
    after = history[dated & (at >= end64)]
    last = (
        before.sort_values(["opportunity_id", "changed_at"], kind="stable")
        .groupby("opportunity_id", sort=False, observed=True)
        .tail(1)
        .set_index("opportunity_id")
    )
    changed = out["stage_changed_at"].to_numpy(dtype="datetime64[us]")
    moved_later = (
        (~np.isnat(changed) & (changed >= end64))
        | later_close
        | out["opportunity_id"].isin(after["opportunity_id"]).to_numpy(dtype=bool)
    )
    ids = out["opportunity_id"]
    known = ids.isin(last.index).to_numpy(dtype=bool)
    fix = moved_later & known
    stage_then = ids[fix].map(last["stage"].astype("str"))
    status = stage_then.map(_STATUS_OF_STAGE).fillna("open")
    _allow(out, "stage", stage_then)
    _allow(out, "status", status)
    out.loc[fix, "stage"] = stage_then.to_numpy()
    out.loc[fix, "stage_changed_at"] = ids[fix].map(last["changed_at"]).to_numpy()
    out.loc[moved_later & ~known, "stage_changed_at"] = pd.NaT
    if "status" in out:
        out.loc[fix, "status"] = status.to_numpy()
    reopened = np.zeros(len(out), dtype=bool)
    reopened[fix] = (status == "open").to_numpy()
    out.loc[later_close | reopened, "closed_at"] = pd.NaT
    return out


def rewind(dataset: Dataset, as_of: object) -> Dataset:
    """``dataset`` as the CRM held it at the end of the day ``as_of`` (see the module)."""
    end = pd.Timestamp(as_of).normalize() + _DAY
    tables = dict(dataset.tables)
    if "opportunities" in tables and len(tables["opportunities"]):
        tables["opportunities"] = _opportunities(
            tables["opportunities"], tables.get("stage_history"), end
        )
    if "activities" in tables and len(tables["activities"]):
        acts = tables["activities"]
        logged = acts["logged_at"].to_numpy(dtype="datetime64[us]")
        late = ~np.isnat(logged) & (logged >= np.datetime64(end, "us"))
        if late.any():
            tables["activities"] = acts[~late].reset_index(drop=True)
    if "los_loans" in tables and len(tables["los_loans"]):
        los = tables["los_loans"]
        funded = los["funded_date"].to_numpy(dtype="datetime64[us]")
        later = ~np.isnat(funded) & (funded >= np.datetime64(end, "us"))
        if later.any():
            los = los.copy()
            los.loc[later, "funded_date"] = pd.NaT
            tables["los_loans"] = los
    return replace(dataset, tables=tables)
