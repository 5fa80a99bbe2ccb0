"""Data quality along the DAMA dimensions, per team, and the data health score.

Every check flags records of one table (contacts, opportunities, activities):

completeness
    a field the standards require is blank (``required_fields``; for loans, per stage; a
    referral partner needs no lead source).
validity
    email not shaped like ``name@domain.tld``; phone without 10 digits (11 with a leading 1);
    each only when the export carries any email (phone) at all, else not assessed.
    Values outside the agreed vocabularies, unreadable dates and amounts and mixed date
    formats were found at intake: they are reported from the dataset's ``quality_facts`` as
    organization rows, with the rows intake excluded for a blank required field
    (completeness) or a duplicate key (uniqueness).
uniqueness
    contacts sharing a normalized email (trimmed, lower case), phone (digits, last 10) or
    first + last name (trimmed, lower case) with another contact; by the keys the export
    carries (a note says which were left out), and not assessed when it carries none.
timeliness
    activities logged more than 24 hours after they happened.
consistency
    loans won without a close date, closed before created, status contradicting stage, stage
    changed before created; contacts still a lead or prospect with a funded loan; next step
    due before the conversation; dates in the future (future-dated events: after the export's
    date or far from the rest of the data, see :mod:`kit.timeframe`).
referential integrity
    a record pointing at a user, contact, loan or campaign that does not exist.

Records dated after the as-of date but not in the future of the data (an as-of date set in
the past) are outside the assessment and not checked. A record belongs to its owner (contacts:
first toucher's team when unowned; activities: the user). The data health score is the share
of records with no issue at all.

Examples
--------
>>> QUALITY_COLUMNS[:4]
('scope', 'team', 'dimension', 'table')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit.diagnostics.context import Lookup, stage_codes
from kit.diagnostics.rows import Measurements, median_rows, missing_rows, present, share_rows
from kit.schema import STAGES

if TYPE_CHECKING:
    from kit.diagnostics.context import Context

__all__ = ["DIMENSIONS", "QUALITY_COLUMNS", "compute"]

DIMENSIONS: tuple[str, ...] = (
    "completeness",
    "validity",
    "uniqueness",
    "timeliness",
    "consistency",
    "referential_integrity",
)
QUALITY_COLUMNS: tuple[str, ...] = (
    "scope",
    "team",
    "dimension",
    "table",
    "check",
    "records",
    "issues",
    "share_ok",
)
# Python's ``\s``, spelled out: every character ``re`` calls whitespace (str.isspace), as
# literal characters. The verdict is that of r"^[^@\s]+@[^@\s]+\.[^@\s]+$" on every value,
# but without ``\s`` pandas matches in Arrow (RE2) instead of in Python, value by value.
_WHITESPACE = "\t-\r\x1c- \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_EMAIL_PART = f"[^@{_WHITESPACE}]+"
_EMAIL = f"^{_EMAIL_PART}@{_EMAIL_PART}\\.{_EMAIL_PART}$"
_DAY_US = 24 * 3600 * 1_000_000
_LATE_US = _DAY_US  # logged more than this many microseconds after it happened: late
_NAT = np.iinfo("int64").min  # NaT's integer


@dataclass
class _Records:
    """One table's records in scope: team and user code per record, and the checks."""

    table: str
    team: np.ndarray
    user: np.ndarray
    checks: list[tuple[str, str, np.ndarray]]


def _scope_mask(values: np.ndarray, end: np.datetime64, future: np.datetime64) -> np.ndarray:
    """Rows before the as-of end, or in the data's future (a defect to flag)."""
    return np.isnat(values) | (values < end) | (values >= future)


def _dt(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype="datetime64[us]")


def _known(series: pd.Series) -> np.ndarray:
    return series.notna().to_numpy(dtype=bool)


def _digits(text: pd.Series) -> pd.Series:
    r"""Each text with every character but the digits 0-9 removed (blank stays blank).

    ASCII text (every phone number seen so far) is filtered byte by byte in its Arrow
    buffers, the verdict of pandas' ``str.replace(r"\D", "")`` there (RE2, ASCII digits);
    other text goes through that call itself (Python's Unicode-aware ``\D``).

    >>> _digits(pd.Series(["(407) 555-8406", None, "+1 602.555.8048"], dtype="str")).tolist()
    ['4075558406', nan, '16025558048']
    """
    arrow = pa.array(text.array)
    arrow = arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow
    ascii_only = pc.all(pc.string_is_ascii(arrow)).as_py() is not False
    if arrow.type != pa.large_string() or arrow.offset or not ascii_only or not len(arrow):
        return text.str.replace(r"\D", "", regex=True)
    validity, offsets_buffer, data_buffer = arrow.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype="int64")[: len(arrow) + 1]
    start, stop = int(offsets[0]), int(offsets[-1])
    data = np.frombuffer(data_buffer, dtype="uint8")[start:stop] if stop > start else (
        np.empty(0, dtype="uint8")
    )
    digit = (data >= ord("0")) & (data <= ord("9"))
    kept = np.concatenate([[0], np.cumsum(digit, dtype="int64")])[offsets - start]
    filtered = pa.LargeStringArray.from_buffers(
        len(arrow),
        pa.py_buffer(kept),
        pa.py_buffer(data[digit].tobytes()),
        validity,
        arrow.null_count,
    )
    return pd.Series(
        pd.arrays.ArrowStringArray(filtered, dtype=text.dtype), index=text.index, name=text.name
    )


def _duplicated(key: pd.Series) -> np.ndarray | None:
    """Whether each contact's key is shared with another contact (``None``: no contact has
    the key at all)."""
    if not key.notna().any():
        return None
    return (key.notna() & key.duplicated(keep=False)).to_numpy(dtype=bool, na_value=False)


def _contacts(ctx: Context, future: np.datetime64) -> _Records:
    raw = ctx.dataset.tables["contacts"]
    created = _dt(raw, "created_at")
    keep = _scope_mask(created, ctx.end64, future)
    owner = ctx.user_codes(raw["owner_id"])
    team = ctx.team_of(owner)
    first_user = ctx.contact_touches["first_human_user"].to_numpy()
    team = np.where(team >= 0, team, ctx.team_of(first_user))
    checks: list[tuple[str, str, np.ndarray]] = []
    partner = raw["contact_type"].isin(["referral_partner"]).to_numpy(dtype=bool)
    for f in ctx.standards.fields_required("contacts"):
        blank = ~present(raw, f)
        if f == "lead_source":
            blank &= ~partner
        checks.append(("completeness", f"missing {f}", blank))
    # each text key is reduced to its flags (one byte a contact) before the next is built
    email = raw["email"].astype("str").str.strip()
    email = email.where(email != "")
    bad_email = (email.notna() & ~email.str.match(_EMAIL)).to_numpy(dtype=bool, na_value=False)
    any_email = bool(email.notna().any())
    dup_email = _duplicated(email.str.lower().where(~bad_email))
    del email
    has_phone = _known(raw["phone"])
    digits = _digits(raw["phone"].astype("str"))
    digits = digits.where(~((digits.str.len() == 11) & digits.str.startswith("1")), digits.str[1:])
    bad_phone = has_phone & (digits.str.len() != 10).to_numpy(dtype=bool, na_value=True)
    dup_phone = _duplicated(digits.where(~bad_phone & has_phone))
    del digits
    first = raw["first_name"].astype("str").str.strip().str.lower()
    last = raw["last_name"].astype("str").str.strip().str.lower()
    dup_name = _duplicated(
        (first + " " + last).where(first.notna() & last.notna() & (first != "") & (last != ""))
    )
    del first, last
    # a check whose input the export does not carry is not assessed, never "100% valid"
    if any_email:
        checks.append(("validity", "email not shaped like name@domain.tld", bad_email))
    if has_phone.any():
        checks.append(("validity", "phone without 10 digits", bad_phone))
    for label, dup in (("email", dup_email), ("phone", dup_phone), ("name", dup_name)):
        if dup is not None:  # None: nothing to compare, uniqueness by this key not assessed
            checks.append(("uniqueness", f"duplicate {label}", dup))
    if ctx.has("opportunities"):
        from kit.diagnostics.relationships import opportunity_progress

        prog = opportunity_progress(ctx)
        c = prog["contact"].to_numpy()
        has_funded = np.zeros(len(raw), dtype=bool)
        has_funded[c[(c >= 0) & prog["funded"].to_numpy()]] = True
        early = raw["lifecycle_stage"].isin(["lead", "prospect"]).to_numpy(dtype=bool)
        checks.append(
            ("consistency", "lead or prospect lifecycle with a funded loan", has_funded & early)
        )
    checks.append(("consistency", "created in the future", created >= future))
    checks.append(
        ("referential_integrity", "owner is not a CRM user", _known(raw["owner_id"]) & (owner < 0))
    )
    ref = ctx.contact_codes(raw["referred_by"])
    checks.append(
        (
            "referential_integrity",
            "referred by a contact that does not exist",
            _known(raw["referred_by"]) & (ref < 0),
        )
    )
    if ctx.has("campaigns"):
        camp = Lookup(ctx.dataset.tables["campaigns"]["campaign_id"])(raw["campaign_id"])
        bad = _known(raw["campaign_id"]) & (camp < 0)
        checks.append(("referential_integrity", "campaign that does not exist", bad))
    return _Records("contacts", team[keep], owner[keep], [(d, c, f[keep]) for d, c, f in checks])


def _opportunities(ctx: Context, future: np.datetime64) -> _Records:
    raw = ctx.dataset.tables["opportunities"]
    created = _dt(raw, "created_at")
    keep = _scope_mask(created, ctx.end64, future)
    owner = ctx.user_codes(raw["owner_id"])
    team = ctx.team_of(owner)
    checks: list[tuple[str, str, np.ndarray]] = []
    stage_idx = stage_codes(raw["stage"])
    lost = stage_idx == STAGES.index("lost")
    funded = stage_idx == STAGES.index("funded")
    spec = ctx.standards.required_fields.get("opportunities", {})
    for key, fields in spec.items():
        applies = (
            np.ones(len(raw), dtype=bool)
            if key == "all"
            else (stage_idx >= STAGES.index(key)) & ~lost
        )
        where = "" if key == "all" else f" (from {key.replace('_', ' ')})"
        for f in fields:
            if ctx.provided("opportunities", f):  # a column never sent is not "missing"
                checks.append(("completeness", f"missing {f}{where}", applies & ~present(raw, f)))
    status = raw["status"]
    s_won = status.isin(["won"]).to_numpy(dtype=bool)
    s_lost = status.isin(["lost"]).to_numpy(dtype=bool)
    s_open = status.isin(["open"]).to_numpy(dtype=bool)
    closed = _dt(raw, "closed_at")
    changed = _dt(raw, "stage_changed_at")
    checks.append(("consistency", "won without a close date", (s_won | funded) & np.isnat(closed)))
    checks.append(("consistency", "closed before created", ~np.isnat(closed) & (closed < created)))
    contradiction = (s_won & ~funded) | (s_lost & ~lost) | (s_open & (funded | lost))
    checks.append(("consistency", "status contradicts stage", contradiction))
    checks.append(
        ("consistency", "stage changed before created", ~np.isnat(changed) & (changed < created))
    )
    # an open loan's close date is an expected date, not a defect
    closed_at_all = np.isin(stage_idx, [STAGES.index("funded"), STAGES.index("lost")])
    happened = s_won | s_lost | closed_at_all
    in_future = (created >= future) | (changed >= future) | (happened & (closed >= future))
    checks.append(("consistency", "dated in the future", in_future))
    checks.append(("referential_integrity", "owner is not a CRM user", owner < 0))
    if ctx.has("contacts"):
        c = ctx.contact_codes(raw["contact_id"])
        checks.append(
            (
                "referential_integrity",
                "contact that does not exist",
                _known(raw["contact_id"]) & (c < 0),
            )
        )
    return _Records(
        "opportunities", team[keep], owner[keep], [(d, c, f[keep]) for d, c, f in checks]
    )


def _activities(ctx: Context, future: np.datetime64) -> _Records:
    raw = ctx.dataset.tables["activities"]
    acts = ctx.activities
    t_all = _dt(raw, "occurred_at")
    fut_rows = np.flatnonzero(~np.isnat(t_all) & (t_all >= future))
    rows = np.concatenate([acts["row"].to_numpy(), fut_rows])
    fut = raw.iloc[fut_rows]
    user_f = ctx.user_codes(fut["user_id"])
    user = np.concatenate([acts["user"].to_numpy(), user_f])
    team = np.concatenate([acts["team"].to_numpy(), ctx.team_of(user_f)])
    # each check is decided on the whole table, then its flags (one byte a row) taken at
    # ``rows``: no timestamps gathered per record
    checks: list[tuple[str, str, np.ndarray]] = []
    for f in ctx.standards.fields_required("activities"):
        checks.append(("completeness", f"missing {f}", ~present(raw, f)[rows]))
    # one timestamp column a time beside ``t_all``: each freed once reduced to its flags
    # compared as integer microseconds on the whole table (NaT: the smallest integer, never
    # late nor early), each check then taken at ``rows`` as flags: the verdicts of the
    # datetime64 comparisons, without NaT checks per row
    t_us = t_all.view("int64")
    known_t = t_us != _NAT
    logged = _dt(raw, "logged_at").view("int64")
    late = known_t & (logged != _NAT) & (logged - t_us > _LATE_US)
    del logged
    checks.append(("timeliness", "logged more than 24 hours after it happened", late[rows]))
    del late
    due = _dt(raw, "next_step_due").view("int64")
    early = known_t & (due != _NAT) & (due // _DAY_US < t_us // _DAY_US)  # whole days
    del due
    checks.append(("consistency", "next step due before the conversation", early[rows]))
    del early, known_t
    checks.append(("consistency", "dated in the future", (t_all >= future)[rows]))
    checks.append(("referential_integrity", "user is not a CRM user", user < 0))
    if ctx.has("contacts"):
        c = np.concatenate(
            [acts["contact"].to_numpy() < 0, ctx.contact_codes(fut["contact_id"]) < 0]
        )
        checks.append(
            (
                "referential_integrity",
                "contact that does not exist",
                _known(raw["contact_id"])[rows] & c,
            )
        )
    if ctx.has("opportunities"):
        o = np.concatenate(
            [acts["opp"].to_numpy() < 0, ctx.opportunity_codes(fut["opportunity_id"]) < 0]
        )
        checks.append(
            (
                "referential_integrity",
                "loan that does not exist",
                _known(raw["opportunity_id"])[rows] & o,
            )
        )
    return _Records("activities", team, user, checks)


_BUILDERS: dict[str, Callable[[Context, np.datetime64], _Records]] = {
    "contacts": _contacts,
    "opportunities": _opportunities,
    "activities": _activities,
}


def compute(ctx: Context) -> Measurements:
    section = Measurements()
    future = ctx.data_end
    n_teams = len(ctx.teams)
    parts: list[pd.DataFrame] = []
    all_team, all_user, all_clean = [], [], []
    for table, build in _BUILDERS.items():
        if not ctx.has(table):
            section.not_assessed.append(
                ("data_quality", f"not assessed: no {table} provided (its checks are skipped)")
            )
            continue
        rec = build(ctx, future)
        n = len(rec.team)
        keep = rec.team >= 0
        team_kept = rec.team[keep]
        records_t = np.bincount(team_kept, minlength=n_teams)
        any_issue = np.zeros(n, dtype=bool)
        for dimension, check, flags in rec.checks:
            flags = np.asarray(flags, dtype=bool)
            any_issue |= flags
            # the flagged records' teams counted (no float weight per record)
            issues_t = np.bincount(rec.team[flags & keep], minlength=n_teams)
            parts.append(
                pd.DataFrame(
                    {
                        "scope": ["organization", *["team"] * n_teams],
                        "team": [None, *ctx.teams],
                        "dimension": dimension,
                        "table": table,
                        "check": check,
                        "records": np.concatenate([[n], records_t]).astype("float64"),
                        "issues": np.concatenate([[flags.sum()], issues_t]).astype("int64"),
                    }
                )
            )
        all_team.append(rec.team)
        all_user.append(rec.user)
        all_clean.append(~any_issue)
        if table == "contacts":
            _duplicates(ctx, section, rec)
        del rec  # its team and user codes live on in the lists above, its checks are done
    if not ctx.has("contacts"):
        section.metrics.append(
            missing_rows(ctx, "duplicate_contacts", "not assessed: no contacts provided")
        )
    parts.append(_facts(ctx))
    if all_team:
        team, user, clean = (np.concatenate(parts) for parts in (all_team, all_user, all_clean))
        del all_team[:], all_user[:], all_clean[:]  # each table's codes: copied just above
        section.metrics.append(
            share_rows(
                ctx,
                "data_health",
                team=team,
                user=user,
                hit=clean,
                empty_reason="not assessed: no records",
            )
        )
        del team, user, clean
    else:
        section.metrics.append(
            missing_rows(
                ctx, "data_health", "not assessed: no contacts, opportunities or activities"
            )
        )
    _lag(ctx, section)
    parts = [p for p in parts if len(p)]
    empty = pd.DataFrame({c: pd.Series(dtype="str") for c in QUALITY_COLUMNS[:-1]}).astype(
        {"records": "float64", "issues": "int64"}
    )
    frame = pd.concat([empty, *parts], ignore_index=True) if parts else empty
    with np.errstate(divide="ignore", invalid="ignore"):
        records = frame["records"].to_numpy(dtype="float64")
        issues = frame["issues"].to_numpy(dtype="float64")
        frame["share_ok"] = np.where(
            records > 0, 1 - issues / np.where(records > 0, records, 1), np.nan
        )
    section.frames["data_quality"] = frame
    return section


#: What each uniqueness key is compared by, for the not-assessed reasons.
_KEYS = {"duplicate email": "email", "duplicate phone": "phone", "duplicate name": "name"}
_NOTHING_TO_COMPARE = "not assessed: contacts carry no email, phone or name to compare"


def _duplicates(ctx: Context, section: Measurements, rec: _Records) -> None:
    """Duplicate contacts by the keys the export carries; none at all: not assessed."""
    compared = [(check, flags) for dimension, check, flags in rec.checks if check in _KEYS]
    if not compared:
        section.metrics.append(missing_rows(ctx, "duplicate_contacts", _NOTHING_TO_COMPARE))
        section.not_assessed.append(("data_quality", f"{_NOTHING_TO_COMPARE} (duplicates)"))
        return
    missing = [key for check, key in _KEYS.items() if check not in dict(compared)]
    if missing:
        section.not_assessed.append(
            (
                "data_quality",
                f"duplicate contacts compared by {', '.join(_KEYS[c] for c, _ in compared)} "
                f"only: contacts carry no {' or '.join(missing)}",
            )
        )
    dup = np.zeros(len(rec.team), dtype=bool)
    for _check, flags in compared:
        dup |= flags
    section.metrics.append(
        share_rows(
            ctx,
            "duplicate_contacts",
            team=rec.team,
            user=rec.user,
            hit=dup,
            empty_reason="not assessed: no contacts",
        )
    )


#: Intake issues this module does not check itself, and their dimension. (Blank optional
#: fields, orphan references and future dates are checked above, per team.)
_FACT_DIMENSIONS: dict[str, str] = {
    "blank_required": "completeness",
    "duplicate_key": "uniqueness",
}
_FACTS_CHECKED_HERE = ("missing", "orphan_reference", "future_date")


def _facts(ctx: Context) -> pd.DataFrame:
    """Intake's quality facts this module cannot recompute: values outside the vocabulary,
    unreadable dates and amounts, mixed date formats, rows excluded for a blank required
    field or a duplicate key. Organization rows (intake does not know the team)."""
    facts = ctx.dataset.quality_facts
    if facts is None or not len(facts):
        return pd.DataFrame()
    facts = facts[~facts["issue"].isin(_FACTS_CHECKED_HERE)]
    # a fact counts rows kept or rows intake excluded (blank required field, duplicate key,
    # unrecognized required value), so it is measured against every row read
    dropped = ctx.dataset.excluded_rows["table"].astype("str").value_counts()
    counts = pd.Series(
        {t: len(f) + int(dropped.get(t, 0)) for t, f in ctx.dataset.tables.items()},
        dtype="float64",
    )
    table = facts["table"].astype("str")
    issue = facts["issue"].astype("str")
    return pd.DataFrame(
        {
            "scope": "organization",
            "team": None,
            "dimension": issue.map(_FACT_DIMENSIONS).fillna("validity").to_numpy(dtype=object),
            "table": table,
            "check": facts["field"].astype("str")
            + ": "
            + issue.str.replace("_", " ")
            + " (found at intake)",
            "records": table.map(counts).to_numpy(dtype="float64"),
            "issues": facts["count"].to_numpy(dtype="int64"),
        }
    )


def _lag(ctx: Context, section: Measurements) -> None:
    metrics = ("logged_within_24h", "median_logging_lag")
    if not ctx.has("activities"):
        for metric in metrics:
            section.metrics.append(
                missing_rows(ctx, metric, "not assessed: no activities provided")
            )
        return
    raw = ctx.dataset.tables["activities"]
    if not raw["logged_at"].notna().any():
        reason = "not assessed: the export has no logged_at times"
        for metric in metrics:
            section.metrics.append(missing_rows(ctx, metric, reason))
        section.not_assessed.append(("data_quality", f"{reason} (logging lag)"))
        return
    acts = ctx.activities
    logged = _dt(raw, "logged_at")[acts["row"].to_numpy()]
    t = acts["t"].to_numpy()
    ok = acts["manual"].to_numpy() & (t >= ctx.start64) & ~np.isnat(logged)
    lag = np.maximum((logged[ok] - t[ok]) / np.timedelta64(60_000_000, "us"), 0.0)
    team, user = acts["team"].to_numpy()[ok], acts["user"].to_numpy()[ok]
    reason = "not assessed: no human activities with a logged time in the window"
    section.metrics.append(
        share_rows(ctx, metrics[0], team=team, user=user, hit=lag <= 1440, empty_reason=reason)
    )
    section.metrics.append(
        median_rows(ctx, metrics[1], team=team, user=user, values=lag, empty_reason=reason)
    )
