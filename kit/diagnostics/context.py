"""The assessment context: resolved dates, user index and the tables prepared once.

Every metric module reads the dataset through a :class:`Context`, which resolves the as-of
and launch dates, indexes users (and so teams and producers) as small integers, and prepares
each table once (user, team and contact codes per row, human vs automated flags). The
metric modules then count with :func:`numpy.bincount` and group-bys over whole tables.

Date rules
----------
as-of
    The ``as_of`` argument, else the engagement's ``as_of`` in the dataset manifest, else the
    data's last real event: the latest event (activity, contact or loan creation, stage
    change, close of a won or lost loan, login, LOS application or funding; never a due date
    or an open loan's expected close) that is not future-dated. An event is future-dated
    only when it lies after the export's declared ``export_date`` or far from the rest (see
    :mod:`kit.timeframe`): a 2052 typo cannot move the as-of date, and a two-month tail of
    real records is never cut off. Future-dated events, and any event after the as-of date,
    are left out of every metric; the future-dated ones are listed in data quality.
launch
    The ``launch`` argument, else the engagement's ``launch_date``, else the first day of
    human CRM activity (the earliest human activity no earlier than 14 days before the 0.5th
    percentile, the same rule mirrored), else the first contact or loan, else the window
    start.
window
    The ``window_days`` days ending at the end of the as-of day: ``[as_of + 1 day -
    window_days, as_of + 1 day)``. Timestamps are naive local time; elapsed times (speed to
    lead, logging lag) are clock time, nights and weekends included.

One module, though just over 500 lines: the dates, the user index and the prepared tables
are resolved together, once, and every section module reads them through :class:`Context`.

Examples
--------
>>> import pandas as pd
>>> from kit.dataset import Dataset
>>> from kit.schema import empty_table
>>> ctx = build_context(Dataset({"users": empty_table("users")}), as_of="2024-06-30")
>>> str(ctx.window_start.date()), ctx.window_days
('2024-04-02', 90)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit.dataset import Dataset
from kit.diagnostics.standards import Standards
from kit.exceptions import ParameterError
from kit.params import check_launch, parse_day, parse_seat_cost, parse_window_days
from kit.schema import OPEN_STAGES, STAGES, label
from kit.timeframe import TimeFrame, event_columns, future_records, time_frame

__all__ = [
    "Context",
    "Lookup",
    "build_context",
    "human_labels",
    "labels",
    "resolve_as_of",
    "resolve_launch",
    "take_text",
]

DAY = pd.Timedelta(days=1)
_TAIL = 0.995
_SLACK = np.timedelta64(14, "D")


def _day(value: object, name: str) -> pd.Timestamp:
    """The day ``value`` stands for (:func:`kit.params.parse_day`), as a timestamp."""
    return pd.Timestamp(parse_day(value, name=name)).as_unit("us")


def resolve_as_of(
    dataset: Dataset, *, export_date: object = None
) -> tuple[pd.Timestamp | None, int]:
    """The data's last real event day, and how many events are future-dated.

    >>> from kit.dataset import Dataset
    >>> from kit.schema import empty_table
    >>> resolve_as_of(Dataset({"users": empty_table("users")}))
    (None, 0)
    """
    frame = time_frame(dataset.tables, export_date=export_date)
    return frame.last, frame.future_events


def resolve_launch(dataset: Dataset, as_of: pd.Timestamp) -> pd.Timestamp | None:
    """First day of human CRM activity (robust to a few past-dated defects)."""
    frame = dataset.tables.get("activities")
    if frame is not None and len(frame):
        t = frame["occurred_at"].to_numpy(dtype="datetime64[us]")
        human = ~frame["automated"].to_numpy(dtype=bool, na_value=False)
        t = t[human & ~np.isnat(t)]
        t = t[t < np.datetime64(as_of + DAY)]
        if len(t):
            rank = int(np.floor((1 - _TAIL) * (len(t) - 1)))
            low = np.partition(t, rank)[rank] - _SLACK
            return pd.Timestamp(t[t >= low].min()).normalize().as_unit("us")
    firsts = []
    for table in ("contacts", "opportunities"):
        frame = dataset.tables.get(table)
        if frame is not None and len(frame):
            t = frame["created_at"].to_numpy(dtype="datetime64[us]")
            t = t[~np.isnat(t)]
            if len(t):
                firsts.append(t.min())
    if firsts:
        return pd.Timestamp(min(firsts)).normalize().as_unit("us")
    return None


def _arrow_text(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    if isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object:
        values = values.astype("str")
    return pc.cast(pa.array(values), pa.large_string())


#: A looked-up column at most this many times as long as the keys keeps its positions.
_KEPT_RATIO = 4
#: Up to this many values are looked up by scanning the keys for each.
_FEW = 16


class Lookup:
    """Position of ids in a key column, by a hash look-up in pyarrow.

    Each look-up builds a hash table of the keys (a quarter of a million contact ids: tens
    of milliseconds), so the positions of a column at most :data:`_KEPT_RATIO` times as
    long as the keys are kept: looked up again (the same Arrow array, as a frame gives it
    on every access) it costs a copy. Longer columns (an activity's user, contact, loan:
    looked up once) are not kept, which would hold 8 bytes a row for the whole run.

    >>> find = Lookup(pd.Series(["u1", "u2"], dtype="str"))
    >>> find(pd.Series(["u2", None, "zz"], dtype="str")).tolist()
    [1, -1, -1]
    >>> find(pd.Series(["u2", None, "zz"] * 10, dtype="str")).tolist()[:3]  # hashed
    [1, -1, -1]
    """

    def __init__(self, keys: pd.Series) -> None:
        arr = _arrow_text(keys)
        self._keys = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        #: id of a looked-up column's array -> (that array, kept alive so that its id is
        #: never reused, and its positions)
        self._found: dict[int, tuple[object, np.ndarray]] = {}

    def _first(self, value: str | None) -> int:
        """Position of the first key equal to ``value`` (blank: the first blank key, as
        ``index_in`` matches them), -1 when none."""
        if value is None:
            blank = np.flatnonzero(self._keys.is_null().to_numpy(zero_copy_only=False))
            return int(blank[0]) if len(blank) else -1
        return int(pc.index(self._keys, pa.scalar(value, pa.large_string())).as_py())

    def __call__(self, values: pd.Series) -> np.ndarray:
        """Position of each value (-1 when blank or not a key); a categorical column is
        looked up once per distinct value."""
        if not len(values):
            return np.empty(0, dtype="int64")
        if isinstance(values.dtype, pd.CategoricalDtype):
            found = np.append(self(pd.Series(values.cat.categories)), -1)
            return found[values.cat.codes.to_numpy()]  # code -1 (blank): the appended -1
        if len(values) <= _FEW:  # a few ids: scanned for, no hash table of every key built
            return np.array([self._first(v) for v in _arrow_text(values).to_pylist()], "int64")
        array = values.array
        kept = self._found.get(id(array))
        if kept is not None and kept[0] is array:
            return kept[1].copy()
        found = pc.index_in(_arrow_text(values), value_set=self._keys)
        positions = pc.fill_null(found, -1).to_numpy().astype("int64")
        if len(positions) > _KEPT_RATIO * len(self._keys):
            return positions
        self._found[id(array)] = (array, positions)
        return positions.copy()


def stage_codes(values: pd.Series | np.ndarray) -> np.ndarray:
    """Position of each stage in :data:`kit.schema.STAGES` (-1: blank or not a stage),
    hashed in Arrow.

    >>> stage_codes(pd.Series(["funded", None, "nope"], dtype="str")).tolist()
    [6, -1, -1]
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    if not len(series):
        return np.empty(0, dtype="int64")
    found = pc.index_in(_arrow_text(series), value_set=pa.array(STAGES, pa.large_string()))
    return pc.fill_null(found, -1).to_numpy().astype("int64")


def labels(values: pd.Series) -> np.ndarray:
    """Values as an object array (None when blank), cheap for categorical columns.

    >>> labels(pd.Series(["call", None, "note"], dtype="category")).tolist()
    ['call', None, 'note']
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = np.append(np.asarray(values.cat.categories, dtype=object), None)  # type: ignore[call-overload]
        return categories[values.cat.codes.to_numpy()]
    out = values.to_numpy(dtype=object)
    out[pd.isna(out)] = None
    return out


def human_labels(values: object) -> np.ndarray:
    """Human labels of vocabulary codes (``Pre-approval``; ``(blank)`` when missing), as a
    ``str`` array; each distinct code is labelled once.

    >>> human_labels(["pre_approval", None, "pre_approval"]).tolist()
    ['Pre-approval', '(blank)', 'Pre-approval']
    """
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    names = np.array([label(u) for u in uniques] + [label(None)], dtype=object)
    return names[codes].astype(str)


_NAT = np.iinfo("int64").min  # NaT's integer: below every time


def latest(codes: np.ndarray, times: np.ndarray, size: int) -> np.ndarray:
    """Per code in ``range(size)``, the latest of ``times`` (no NaT among them) at that code
    (NaT: none); in one unbuffered pass, without grouping.

    >>> t = np.array(["2024-01-02", "2024-01-05", "2024-01-03"], dtype="datetime64[us]")
    >>> latest(np.array([0, 0, 2]), t, 3).astype("datetime64[D]").tolist()
    [datetime.date(2024, 1, 5), None, datetime.date(2024, 1, 3)]
    """
    out = np.full(size, _NAT, dtype="int64")
    np.maximum.at(out, codes, times.astype("datetime64[us]", copy=False).view("int64"))
    return out.view("datetime64[us]")


def earliest(codes: np.ndarray, times: np.ndarray, size: int) -> np.ndarray:
    """Per code in ``range(size)``, the earliest of ``times`` (no NaT among them) at that
    code (NaT: none).

    >>> t = np.array(["2024-01-02", "2024-01-05", "2024-01-03"], dtype="datetime64[us]")
    >>> earliest(np.array([0, 0, 2]), t, 3).astype("datetime64[D]").tolist()
    [datetime.date(2024, 1, 2), None, datetime.date(2024, 1, 3)]
    """
    out = np.full(size, np.iinfo("int64").max, dtype="int64")
    np.minimum.at(out, codes, times.astype("datetime64[us]", copy=False).view("int64"))
    out[out == np.iinfo("int64").max] = _NAT
    return out.view("datetime64[us]")


def take_text(values: pd.Series, rows: np.ndarray) -> np.ndarray:
    """``values`` at positions ``rows`` as an object array (None when blank)."""
    return labels(values.take(np.asarray(rows, dtype="int64")))


@dataclass(eq=False)
class Context:
    """Everything a metric module needs, resolved once.

    Attributes
    ----------
    dataset
        The assessment dataset.
    standards
        The validated operating standards.
    as_of, launch
        Resolved dates (midnight of the day; the as-of day is included in the window).
    window_days
        Window length in days.
    seat_cost_per_month
        Monthly cost of one seat, or None.
    teams
        Sorted team names; a team's code is its position.
    user_ids, user_names, user_team, is_producer, user_start
        Per user code: id, display name, team code, producer flag and the start of the
        user's assessment (the later of launch and seat start).
    """

    dataset: Dataset
    standards: Standards
    as_of: pd.Timestamp
    launch: pd.Timestamp
    window_days: int
    seat_cost_per_month: float | None = None
    notes: dict[str, Any] = field(default_factory=dict)
    export_date: object = None

    def __post_init__(self) -> None:
        self._memo: dict[str, Any] = {}
        users = self.dataset.tables["users"]
        self.user_lookup = Lookup(users["user_id"])
        self.user_ids = labels(users["user_id"])
        self.user_names = labels(users["name"])
        team = users["team"].astype("str")
        self.teams = np.array(sorted(team.unique()), dtype=object)
        self.user_team = pd.Index(self.teams).get_indexer(team).astype("int64")
        self._team_or_none = np.append(self.user_team, -1)
        self.is_producer = users["role"].isin(["producer"]).to_numpy(dtype=bool)
        seat = users["seat_start"].to_numpy(dtype="datetime64[us]")
        launch = np.datetime64(self.launch)
        start = np.where(np.isnat(seat) | (seat < launch), launch, seat)
        self.user_start = start.astype("datetime64[us]").astype("datetime64[D]")
        #: Seat still active (a blank ``active`` counts as active).
        self.user_seated = users["active"].fillna(True).to_numpy(dtype=bool)
        #: Producers scored on adoption: role producer with a seat not marked inactive.
        self.producer_codes = np.flatnonzero(self.is_producer & self.user_seated)

    # ------------------------------------------------------------------ dates
    @property
    def end(self) -> pd.Timestamp:
        """Exclusive end of the window: midnight after the as-of day."""
        return self.as_of + DAY

    @property
    def window_start(self) -> pd.Timestamp:
        return self.end - pd.Timedelta(days=self.window_days)

    @property
    def end64(self) -> np.datetime64:
        return np.datetime64(self.end, "us")

    @property
    def start64(self) -> np.datetime64:
        return np.datetime64(self.window_start, "us")

    def has(self, table: str) -> bool:
        return table in self.dataset.tables

    def provided(self, table: str, field: str) -> bool:
        """Whether the export had a column for ``table.field`` at all.

        Intake adds every canonical column, blank when the export lacked it, and lists those
        in the manifest as ``absent_fields``: a field the client never sent cannot be judged
        incomplete, only "not assessed".
        """
        if table not in self.dataset.tables:
            return False
        info = (self.dataset.manifest.get("tables") or {}).get(table) or {}
        return field not in (info.get("absent_fields") or [])

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per context: intermediate results several modules share."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def params(self, metric: str) -> dict[str, Any]:
        return self.standards.metric_params(metric)

    def user_codes(self, ids: pd.Series) -> np.ndarray:
        """User code of each id (-1 when blank or not a CRM user)."""
        return self.user_lookup(ids)

    def contact_codes(self, ids: pd.Series) -> np.ndarray:
        """Contact code (row of the contacts table) of each id (-1 when unknown)."""
        if not self.has("contacts"):
            return np.full(len(ids), -1, dtype="int64")
        return self.contact_lookup(ids)

    def opportunity_codes(self, ids: pd.Series) -> np.ndarray:
        """Opportunity code (row of the opportunities table) of each id (-1 when unknown)."""
        if not self.has("opportunities"):
            return np.full(len(ids), -1, dtype="int64")
        return self.opportunity_lookup(ids)

    def team_of(self, user: np.ndarray) -> np.ndarray:
        """Team code of each user code (-1 for user code -1)."""
        return self._team_or_none[np.asarray(user, dtype="int64")]  # -1: the appended -1

    # ------------------------------------------------------------------ prepared tables
    @cached_property
    def activities(self) -> pd.DataFrame:
        """Activities up to the as-of date with codes: user, team, contact, opp, manual, t,
        and ``row`` (the activity's position in the activities table)."""
        raw = self.dataset.tables["activities"]
        t = raw["occurred_at"].to_numpy(dtype="datetime64[us]")
        keep = ~np.isnat(t) & (t < self.end64)
        # the codes are new arrays: taken whole when every activity is kept, and not copied
        # again into one block (``copy=False``), so no second copy of each is ever held
        kept = slice(None) if keep.all() else keep
        user = self.user_codes(raw["user_id"])[kept]
        return pd.DataFrame(
            {
                "user": user,
                "team": self.team_of(user),
                "t": t[keep],
                "manual": ~raw["automated"].to_numpy(dtype=bool, na_value=False)[keep],
                "contact": self.contact_codes(raw["contact_id"])[kept],
                "opp": self.opportunity_codes(raw["opportunity_id"])[kept],
                "row": np.flatnonzero(keep),
            },
            copy=False,
        )

    @cached_property
    def time_frame(self) -> TimeFrame:
        """The data's own time frame (first and last real events, what is future-dated)."""
        return time_frame(self.dataset.tables, export_date=self.export_date)

    @cached_property
    def data_end(self) -> np.datetime64:
        """Where the data's future begins (or the end of the as-of day, when later): events
        at or after it are future-dated defects."""
        future = self.time_frame.future_after
        data_end = future if future is not None else self.end
        return np.datetime64(max(data_end, self.end), "us")

    @cached_property
    def contact_lookup(self) -> Lookup:
        return Lookup(self.dataset.tables["contacts"]["contact_id"])

    @cached_property
    def opportunity_lookup(self) -> Lookup:
        return Lookup(self.dataset.tables["opportunities"]["opportunity_id"])

    @cached_property
    def contact_touches(self) -> pd.DataFrame:
        """Per contact code: first/last human touch time and user, last touch of any kind."""
        n = len(self.dataset.tables["contacts"])
        out = pd.DataFrame(
            {
                "first_human": np.full(n, np.datetime64("NaT"), dtype="datetime64[us]"),
                "first_human_user": np.full(n, -1, dtype="int64"),
                "last_human": np.full(n, np.datetime64("NaT"), dtype="datetime64[us]"),
                "last_any": np.full(n, np.datetime64("NaT"), dtype="datetime64[us]"),
            }
        )
        if not self.has("activities"):
            return out
        acts = self.activities  # the three columns needed, never a copy of the whole table
        contact, t = acts["contact"].to_numpy(), acts["t"].to_numpy()
        linked = contact >= 0
        if linked.any():
            out["last_any"] = latest(contact[linked], t[linked], n)
        human = linked & acts["manual"].to_numpy()
        if human.any():
            who, when = contact[human], t[human]
            first = earliest(who, when, n)
            out["first_human"] = first
            # the first human touch's position per contact (the earliest of equal times)
            at_first = np.flatnonzero(when == first[who])
            first_pos = np.full(n, len(when), dtype="int64")
            np.minimum.at(first_pos, who[at_first], at_first)
            touched = first_pos < len(when)
            first_user = np.full(n, -1, dtype="int64")
            first_user[touched] = acts["user"].to_numpy()[human][first_pos[touched]]
            out["first_human_user"] = first_user
            out["last_human"] = latest(who, when, n)
        return out

    @cached_property
    def contacts(self) -> pd.DataFrame:
        """Contacts created up to the as-of date, with owner code and attributed team.

        ``owner`` is the owner's user code (-1: none or unknown user). ``team`` is the
        owner's team, else the team of the first person who touched the contact. ``code``
        is the contact's position in the contacts table.
        """
        raw = self.dataset.tables["contacts"]
        owner = self.user_codes(raw["owner_id"])
        team = self.team_of(owner)
        touches = self.contact_touches
        fallback = self.team_of(touches["first_human_user"].to_numpy())
        team = np.where(team >= 0, team, fallback)
        created = raw["created_at"].to_numpy(dtype="datetime64[us]")
        keep = ~np.isnat(created) & (created < self.end64)
        out = pd.DataFrame(
            {
                "code": np.arange(len(raw)),
                "owner": owner,
                "team": team,
                "created": created,
                "type": labels(raw["contact_type"]),
            }
        )
        return out.loc[keep].reset_index(drop=True)

    @cached_property
    def opportunities(self) -> pd.DataFrame:
        """Opportunities created up to the as-of date with owner, team, open flag and the
        time of the last stage change (stage_changed_at, else stage history, else created)."""
        raw = self.dataset.tables["opportunities"]
        owner = self.user_codes(raw["owner_id"])
        created = raw["created_at"].to_numpy(dtype="datetime64[us]")
        stage = labels(raw["stage"])
        status_known = raw["status"].notna().to_numpy()
        open_stage = raw["stage"].isin(OPEN_STAGES).to_numpy(dtype=bool)
        is_open = open_stage & (~status_known | raw["status"].isin(["open"]).to_numpy(bool))
        changed = raw["stage_changed_at"].to_numpy(dtype="datetime64[us]").copy()
        changed[changed >= self.end64] = np.datetime64("NaT")
        history_known = False
        if self.has("stage_history") and len(self.dataset.tables["stage_history"]):
            sh = self.dataset.tables["stage_history"]
            codes = self.opportunity_codes(sh["opportunity_id"])
            at = sh["changed_at"].to_numpy(dtype="datetime64[us]")
            ok = (codes >= 0) & ~np.isnat(at) & (at < self.end64)
            if ok.any():
                history_known = True
                last = latest(codes[ok], at[ok], len(raw))
                both = ~np.isnat(changed) & ~np.isnat(last)
                changed = np.where(both, np.maximum(changed, last), changed)
                changed = np.where(np.isnat(changed), last, changed)
        stage_dates_known = history_known or bool((~np.isnat(changed)).any())
        last_change = np.where(np.isnat(changed), created, changed)
        self.notes["stage_dates_known"] = stage_dates_known
        keep = ~np.isnat(created) & (created < self.end64)
        out = pd.DataFrame(
            {
                "code": np.arange(len(raw)),
                "owner": owner,
                "team": self.team_of(owner),
                "created": created,
                "stage": stage,
                "stage_index": stage_codes(stage),
                "open": is_open,
                "last_change": last_change.astype("datetime64[us]"),
            }
        )
        return out.loc[keep].reset_index(drop=True)


def build_context(
    dataset: Dataset,
    *,
    as_of: object = None,
    launch: object = None,
    window_days: int = 90,
    standards: Standards | None = None,
    seat_cost_per_month: float | None = None,
    export_date: object = None,
) -> Context:
    """Resolve the run's dates and parameters (see the module's date rules).

    ``export_date`` (default: the engagement's) is the day the export was taken: events
    after it are future-dated.

    Raises
    ------
    ParameterError
        Launch after the as-of date, a window shorter than 7 days, a negative seat cost,
        no users table, or no date at all to assess as of.
    """
    from kit.diagnostics.standards import load_standards

    if "users" not in dataset.tables:
        raise ParameterError("the dataset has no users table; every assessment needs one")
    window_days = parse_window_days(window_days)
    engagement = (dataset.manifest or {}).get("engagement") or {}
    notes: dict[str, Any] = {}
    if as_of is None and engagement.get("as_of"):
        as_of = engagement["as_of"]
        notes["as_of_rule"] = "engagement as_of"
    if export_date is None and engagement.get("export_date"):
        export_date = engagement["export_date"]
    if export_date is not None:
        export_date = _day(export_date, "export_date").date()
    frame = time_frame(dataset.tables, export_date=export_date)
    if as_of is None:
        if frame.last is None:
            raise ParameterError(
                "the data has no dated events to assess as of; give --as-of YYYY-MM-DD"
            )
        as_of_ts = frame.last
        notes["as_of_rule"] = "the data's last real event"
        notes["future_dated_events_ignored"] = frame.future_events
    else:
        as_of_ts = _day(as_of, "as_of")
        notes.setdefault("as_of_rule", "given")
    end = np.datetime64(as_of_ts + DAY, "us")
    after = frame.future_after
    notes.update(
        data_start=None if frame.first is None else str(frame.first.date()),
        data_end=None if frame.last is None else str(frame.last.date()),
        export_date=None if export_date is None else str(export_date),
        future_rule=frame.rule,
        future_dated=future_records(dataset.tables, after),
        events_after_as_of=sum(
            int(((values >= end) & (values < np.datetime64(after, "us"))).sum())
            if after is not None
            else int((values >= end).sum())
            for _, _, values, _ in event_columns(dataset.tables)
        ),
    )
    if launch is None and engagement.get("launch_date"):
        launch = engagement["launch_date"]
        notes["launch_rule"] = "engagement launch_date"
    if launch is None:
        found_launch = resolve_launch(dataset, as_of_ts)
        if found_launch is None:
            found_launch = as_of_ts + DAY - pd.Timedelta(days=window_days)
            notes["launch_rule"] = "window start (no activity found)"
        else:
            notes["launch_rule"] = "first day of CRM activity"
        launch_ts = found_launch
    else:
        launch_ts = _day(launch, "launch")
        notes.setdefault("launch_rule", "given")
    check_launch(
        launch_ts.date(), as_of_ts.date(), launch_name="launch", as_of_name="the as-of date"
    )
    if seat_cost_per_month is None and engagement.get("seat_cost_per_month") is not None:
        seat_cost_per_month = engagement["seat_cost_per_month"]
    seat_cost_per_month = parse_seat_cost(seat_cost_per_month, name="seat_cost_per_month")
    context = Context(
        dataset=dataset,
        standards=standards if standards is not None else load_standards(),
        as_of=as_of_ts,
        launch=launch_ts,
        window_days=int(window_days),
        seat_cost_per_month=seat_cost_per_month,
        notes=notes,
        export_date=export_date,
    )
    context.__dict__["time_frame"] = frame  # the cached property, computed once
    return context
