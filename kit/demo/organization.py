"""A deterministic demo mortgage organization, exported the way a client's CRM export arrives.

The demo client, *Harborlight Home Lending*, launched a CRM on 13 January 2025. Its teams
used the same tool with very different outcomes ("same tool, different outcomes"):

=================  ===============================================================
story              what its producers did
=================  ===============================================================
``disciplined``    stages moved within days and reviewed every Monday, dead leads
                   closed out, calls logged with outcome and next step and next steps
                   done on time, lead source on nearly every contact, leads called
                   within minutes, past clients and partners in cadence, funded loans
                   in the CRM
``lapsed``         adopted at launch, stopped logging after about 45 days (but kept
                   logging in)
``never_adopted``  worked from the inbox: few logged activities, most funded LOS loans
                   never reached the CRM
``partial``        logs calls but never moves a stage or records lead source
``mixed``          producers of every archetype side by side
=================  ===============================================================

Each team also has a minority of other producer archetypes (``never_adopted``, ``lapsed``,
``partial``, ``consistent``), recoverable through :func:`generate_with_truth`.

:func:`generate` returns the export tables as string columns *with* real data-quality
defects (spelling variants, blanks, duplicates, orphans, late logging, future dates);
intake turns them into the typed canonical dataset. :func:`write_export` writes them as CSV
files, streamed part by part (team by team at the ``xlarge`` scale, see
:mod:`kit.demo.scales`). Everything is vectorized numpy/pyarrow; the same seed gives
byte-identical files.

It is over 500 lines because it turns the simulated organization (:mod:`kit.demo.world`,
:mod:`kit.demo.crm`, :mod:`kit.demo.activity`) into the export's tables, one builder per
table, and the planted defects of every table must be read together with the streaming
that numbers rows across parts; the next seam, if it grows, is the table builders
(``_users`` to ``_logins``) into a module of their own.

Examples
--------
>>> tables = generate(scale="small", seed=7)
>>> sorted(tables)[:3]
['activities', 'campaigns', 'contacts']
>>> tables["users"].columns.tolist()
['user_id', 'name', 'team', 'role', 'active', 'seat_start']
>>> STORIES["Cedar Ridge"]
'disciplined'
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import yaml

from kit._atomic import atomic_dir
from kit.demo import render, text
from kit.demo.activity import (
    NEXT_STEP_TEXTS,
    NOTE_INSERT,
    NOTE_PARTS,
    OUTCOME_TEXTS,
    PARTNER_UPDATE_START,
    Activities,
    Logins,
    build_activities,
    build_logins,
)
from kit.demo.crm import (
    LEAD,
    PARTNER,
    PAST_CLIENT,
    Contacts,
    LosLoans,
    Opportunities,
    build_contacts,
    build_los,
    build_opportunities,
    update_lifecycle,
)
from kit.demo.scales import SCALES
from kit.demo.world import (
    ARCHETYPES as _WORLD_ARCHETYPES,
)
from kit.demo.world import (
    AS_OF,
    DAY,
    HOUR,
    LAUNCH,
    LAUNCH_S,
    NEVER,
    PURPOSES,
    REQUIREMENT_STORIES,
    SOURCES,
    Loans,
    Organization,
    build_loans,
    build_organization,
    day_number,
    team_names,
)
from kit.demo.world import STORIES as _STORY_CYCLE
from kit.exceptions import OutputError, ParameterError
from kit.schema import ACTIVITY_TYPES, CONTACT_TYPES, LIFECYCLE_STAGES, STAGES, TABLES

__all__ = [
    "ARCHETYPES",
    "ENGAGEMENT",
    "REQUIREMENT",
    "SCALES",
    "STORIES",
    "STORY_CODES",
    "generate",
    "generate_with_truth",
    "team_stories",
    "write_export",
    "write_standards",
]

#: The demo engagement: who the client is, when the CRM launched, the last day of data, the
#: day the export was taken (so the meetings entered ahead as held are future-dated), and
#: what a CRM seat costs.
ENGAGEMENT: dict[str, Any] = {
    "client": "Harborlight Home Lending",
    "launch_date": "2025-01-13",
    "as_of": "2025-10-31",
    "export_date": "2025-10-31",
    "seat_cost_per_month": 125.0,
}

#: Producer archetypes.
ARCHETYPES: tuple[str, ...] = ("never_adopted", "lapsed", "partial", "consistent")
#: Team stories, in the order teams cycle through them.
STORY_CODES: tuple[str, ...] = _STORY_CYCLE

#: The requirement story: on ``required_from`` leadership required three standards of two
#: teams (``teams``: team -> story). Harbor Point takes them up (from that Monday's pipeline
#: review on, its producers but one work like Cedar Ridge's); Stonebridge carries on as
#: before. Every other team is the comparison group. ``baseline_as_of`` is the day before:
#: the demo's baseline assessment is of the export as it stood then.
REQUIREMENT: dict[str, Any] = {
    "required_from": "2025-08-04",
    "baseline_as_of": "2025-08-03",
    "rules": ("stage_freshness", "next_step", "lead_source"),
    "teams": dict(zip(text.REQUIREMENT_TEAM_NAMES, REQUIREMENT_STORIES, strict=True)),
}


def _scale(scale: str) -> dict[str, Any]:
    try:
        return SCALES[scale]
    except KeyError:
        raise ParameterError(
            f"unknown demo scale {scale!r}; choose one of {', '.join(SCALES)}"
        ) from None


def team_stories(scale: str = "small") -> dict[str, str]:
    """Team name -> story code for a scale: teams cycle through :data:`STORY_CODES`, then
    the two requirement teams (:data:`REQUIREMENT`).

    >>> team_stories("small")["Old Mill"]
    'never_adopted'
    >>> team_stories("large")["Riverbend 11"]
    'mixed'
    >>> list(team_stories("small").items())[-2:]
    [('Harbor Point', 'responds'), ('Stonebridge', 'ignores')]
    """
    sizes = _scale(scale)
    names = team_names(sizes["teams"])
    cycle = {name: STORY_CODES[i % len(STORY_CODES)] for i, name in enumerate(names)}
    return {**cycle, **REQUIREMENT["teams"]}


def write_standards(path: str | os.PathLike[str]) -> Path:
    """Write the demo client's operating standards: the shipped defaults, with the
    requirement date and teams of :data:`REQUIREMENT` on its three rules.

    >>> import tempfile, pathlib
    >>> p = write_standards(pathlib.Path(tempfile.mkdtemp()) / "standards.yaml")
    >>> "required_from: 2025-08-04" in p.read_text()
    True
    """
    from kit._atomic import write_text

    shipped = Path(__file__).resolve().parents[1] / "diagnostics" / "standards.yaml"
    lines = []
    for line in shipped.read_text(encoding="utf-8").splitlines():
        lines.append(line)
        rule = line.removeprefix("  - id: ").strip()
        if line.startswith("  - id: ") and rule in REQUIREMENT["rules"]:
            teams = ", ".join(REQUIREMENT["teams"])
            lines += [
                f"    required_from: {REQUIREMENT['required_from']}",
                f"    teams: [{teams}]",
            ]
    header = (
        f"# {ENGAGEMENT['client']}: the shipped defaults, with the standards leadership "
        f"required of {' and '.join(REQUIREMENT['teams'])} from {REQUIREMENT['required_from']}.\n"
    )
    return write_text(Path(path), header + "\n".join(lines) + "\n")


#: Team name -> story of the default (small) demo.
STORIES: dict[str, str] = team_stories("small")


def generate(
    *, scale: str = "small", seed: int = 7, as_of: str | None = None
) -> dict[str, pd.DataFrame]:
    """Generate the demo export tables.

    Parameters
    ----------
    scale
        ``small``, ``medium``, ``large`` or ``xlarge`` (see :data:`SCALES`). The whole
        export is held in memory: write ``xlarge`` with :func:`write_export`, which streams.
    seed
        Random seed; the same seed always gives the same tables.
    as_of
        ``YYYY-MM-DD``: the export as the CRM held it at the end of that day (an earlier
        export of the same client, e.g. ``REQUIREMENT["baseline_as_of"]``); default: the
        whole export to :data:`ENGAGEMENT`'s as-of date.

    Returns
    -------
    dict of DataFrame
        Canonical table name -> frame with exactly the canonical columns, every value a
        string as the export holds it (blank cells are missing values).

    Examples
    --------
    >>> generate()["campaigns"]["channel"].tolist()
    ['email', 'text', 'email', 'text', 'email']
    """
    return generate_with_truth(scale=scale, seed=seed, as_of=as_of)[0]


def generate_with_truth(
    *, scale: str = "small", seed: int = 7, as_of: str | None = None
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Generate the export tables and the truth behind them.

    Returns
    -------
    tables
        As :func:`generate`.
    truth
        ``teams``: team, story, producers (count). ``producers``: user_id, name, team,
        story, archetype (one of :data:`ARCHETYPES`), lapse_date (when a lapsed producer
        stopped logging work; missing for the others).

    Examples
    --------
    >>> _, truth = generate_with_truth()
    >>> truth["producers"].columns.tolist()
    ['user_id', 'name', 'team', 'story', 'archetype', 'lapse_date']
    """
    tables, orgs = _build(scale, seed, _export_day(as_of))
    frames = {name: table.to_pandas() for name, table in tables.items()}
    return frames, _truth(orgs)


def write_export(
    out_dir: str | os.PathLike[str],
    *,
    scale: str = "small",
    seed: int = 7,
    replace: bool = False,
    as_of: str | None = None,
) -> Path:
    """Write the demo export: one ``<table>.csv`` per table and ``engagement.yaml``.

    The folder appears atomically (complete or not at all). CSV files are UTF-8 with a
    header row; timestamps are ``YYYY-MM-DD HH:MM:SS`` and dates ``YYYY-MM-DD``. With
    ``as_of`` the export is the one taken at the end of that day (see :func:`generate`)
    and ``engagement.yaml`` says so.

    The tables are written part by part, appended to each file as each part is generated:
    at the ``per_team`` scale (``xlarge``) a part is one team, so memory is bounded by the
    largest team; at the other scales the organization and then the two requirement teams.
    The files are byte for byte those of writing :func:`generate`'s tables at once.

    Raises
    ------
    OutputError
        ``out_dir`` exists and ``replace`` is false, or it cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = write_export(pathlib.Path(tempfile.mkdtemp()) / "demo")
    >>> sorted(p.name for p in out.iterdir())[:3]
    ['activities.csv', 'campaigns.csv', 'contacts.csv']
    """
    out = Path(out_dir)
    if out.exists() and not replace:
        raise OutputError(f"{out} already exists; remove it or use --force to replace it.")
    day = _export_day(as_of)
    sizes = _scale(scale)
    engagement = ENGAGEMENT if day is None else {**ENGAGEMENT, "as_of": day}
    with atomic_dir(out, replace=replace) as tmp, ExitStack() as files:
        writers: dict[str, pacsv.CSVWriter] = {}
        for part in _parts(sizes, seed, day):
            for name, table in _export_tables(part, first=not writers).items():
                if name not in writers:
                    writers[name] = files.enter_context(
                        pacsv.CSVWriter(tmp / f"{name}.csv", table.schema)
                    )
                writers[name].write_table(table)
            del part  # the next part is generated without this one's tables
        files.close()
        (tmp / "engagement.yaml").write_text(
            yaml.safe_dump(engagement, sort_keys=False), encoding="utf-8"
        )
    return out


def _export_day(as_of: str | None) -> str | None:
    """The day of an earlier export, checked: between the launch and the as-of date."""
    if as_of is None:
        return None
    import datetime as dt

    try:
        day = dt.date.fromisoformat(str(as_of).strip())
    except ValueError:
        raise ParameterError(
            f"--as-of {as_of!r} is not a date: write it as YYYY-MM-DD, e.g. 2025-08-03"
        ) from None
    first, last = ENGAGEMENT["launch_date"], ENGAGEMENT["as_of"]
    if not first <= day.isoformat() <= last:
        raise ParameterError(
            f"--as-of {day} is outside the demo's data: choose a day from the launch "
            f"{first} to {last}"
        )
    return None if day.isoformat() == last else day.isoformat()


# ------------------------------------------------------------------------------ internals
#: Family names by index: the base list, then the requirement teams' own.
_LAST_NAMES: tuple[str, ...] = text.LAST_NAMES + text.MORE_LAST_NAMES
#: The requirement teams draw from their own random stream (seed, this number), so adding
#: them leaves every draw of the other teams, and so their data, exactly as it was.
_REQUIREMENT_STREAM = 16
#: LOS loan numbers of the requirement teams start this far above the others'.
_LOS_NUMBER_OFFSET = 800_000
#: At the ``per_team`` scale each team draws from its own random stream (seed, this
#: number, team number), and the phone numbers are dealt out from one shuffle of every
#: number (seed, :data:`_PHONE_STREAM`).
_TEAM_STREAM = 17
_PHONE_STREAM = 18
#: Widths of the zero-padded record numbers (a scale's ``id_digits`` may widen them).
_DIGITS: dict[str, int] = {"contact": 6, "opportunity": 6, "activity": 7}
#: Area codes of the demo's phone numbers: the base list (every scale but the per-team
#: one uses only these), then more for the per-team scale's millions of people.
_AREA_CODES: tuple[str, ...] = text.AREA_CODES + text.MORE_AREA_CODES


@dataclass(frozen=True)
class _Part:
    """One generated part of the organization: its tables and what the next part needs."""

    tables: dict[str, pa.Table]
    org: Organization
    contacts: Contacts


def _build(
    scale: str, seed: int, as_of: str | None = None
) -> tuple[dict[str, pa.Table], list[Organization]]:
    """The whole export in memory: every part's tables concatenated."""
    tables: dict[str, list[pa.Table]] = {}
    orgs: list[Organization] = []
    for part in _parts(_scale(scale), seed, as_of):
        for name, table in _export_tables(part, first=not orgs).items():
            tables.setdefault(name, []).append(table)
        orgs.append(part.org)
    return {name: pa.concat_tables(parts) for name, parts in tables.items()}, orgs


def _export_tables(part: _Part, *, first: bool) -> dict[str, pa.Table]:
    """A part's tables as they go into the export: the campaigns are the first part's only
    (every part knows them), and every table has exactly its canonical columns."""
    tables = {name: table for name, table in part.tables.items() if first or name != "campaigns"}
    for name, table in tables.items():
        assert table.column_names == [f.name for f in TABLES[name].fields], name
    return tables


def _parts(sizes: dict[str, Any], seed: int, as_of: str | None = None) -> Iterator[_Part]:
    """The parts of the organization, in export order, each with its tables (as they stood
    at the end of ``as_of`` when given): the organization (or, ``per_team``, each team in
    turn), then the two requirement teams."""

    def snapshot(part: _Part) -> _Part:
        return part if as_of is None else replace(part, tables=_snapshot(part.tables, as_of))

    if sizes.get("per_team"):
        yield from (snapshot(p) for p in _team_parts(sizes, seed))
        return
    rng = np.random.default_rng(seed)
    org = build_organization(rng, n_teams=sizes["teams"], team_sizes=sizes["team_sizes"])
    base = _part(rng, org, sizes)
    taken = base.contacts.phone_slot
    first = {
        # past the ids the others' orphans point at (deleted contacts, just above theirs)
        "contact": (base.tables["contacts"].num_rows // 100_000 + 1) * 100_000 + 1,
        "opportunity": base.tables["opportunities"].num_rows + 1,
        "activity": base.tables["activities"].num_rows + 1,
    }
    n_users = len(base.org.user_ids)
    yield snapshot(base)
    del base
    yield snapshot(
        _requirement_part(
            np.random.default_rng([seed, _REQUIREMENT_STREAM]),
            sizes,
            n_users_before=n_users,
            taken=taken,
            first=first,
            los_offset=_LOS_NUMBER_OFFSET,
        )
    )


def _team_parts(sizes: dict[str, Any], seed: int) -> Iterator[_Part]:
    """The ``per_team`` scale: the roster of every team drawn at once (so names are unique
    across the organization), then each team generated from its own random stream (seed,
    :data:`_TEAM_STREAM`, team number), continuing the record, loan and phone numbering and
    the email addresses of the teams before it; then the two requirement teams."""
    roster = build_organization(
        np.random.default_rng(seed), n_teams=sizes["teams"], team_sizes=sizes["team_sizes"]
    )
    digits = {**_DIGITS, **sizes.get("id_digits", {})}
    slots = np.random.default_rng([seed, _PHONE_STREAM]).permutation(len(_AREA_CODES) * 10_000)
    cursor = {"contact": 1, "opportunity": 1, "activity": 1, "los": 0, "phone": 0}
    emails_seen: dict[str, int] = {}
    for team in range(len(roster.team_names)):
        org = _team_organization(roster, team)
        rng = np.random.default_rng([seed, _TEAM_STREAM, team])

        def adjust(contacts: Contacts, los: LosLoans) -> tuple[Contacts, LosLoans]:
            # phone numbers nobody in an earlier team has; loan numbers after theirs
            person_slots, person = np.unique(contacts.phone_slot, return_inverse=True)
            start = cursor["phone"]
            fresh = slots[start : start + len(person_slots)]
            assert len(fresh) == len(person_slots), "more people than phone numbers"
            cursor["phone"] += len(person_slots)
            cursor["issued"] = int((los.number >= 0).sum())
            numbers = np.where(los.number >= 0, los.number + cursor["los"], -1)
            return replace(contacts, phone_slot=fresh[person]), replace(los, number=numbers)

        part = _part(
            rng,
            org,
            sizes,
            plant=team == 0,
            first={k: cursor[k] for k in ("contact", "opportunity", "activity")},
            adjust=adjust,
            digits=digits,
            emails_seen=emails_seen,
        )
        cursor["los"] += cursor.pop("issued")
        cursor["opportunity"] += part.tables["opportunities"].num_rows
        cursor["activity"] += part.tables["activities"].num_rows
        # past the ids this team's orphans point at (deleted contacts, just above its own)
        cursor["contact"] = _last_contact(part.tables) + 1
        yield part
        del part
    yield _requirement_part(
        np.random.default_rng([seed, _REQUIREMENT_STREAM]),
        sizes,
        n_users_before=len(roster.user_ids),
        taken=slots[: cursor["phone"]],
        first={
            "contact": (cursor["contact"] // 100_000 + 1) * 100_000 + 1,
            "opportunity": cursor["opportunity"],
            "activity": cursor["activity"],
        },
        los_offset=max(_LOS_NUMBER_OFFSET, (cursor["los"] // 100_000 + 1) * 100_000),
        digits=digits,
        emails_seen=emails_seen,
    )


def _team_organization(roster: Organization, team: int) -> Organization:
    """One team of the roster as an organization of its own (its users, numbered as in
    the roster)."""
    users = np.flatnonzero(roster.user_team == team)
    producers = np.flatnonzero(roster.producer_team == team)
    local = np.full(len(roster.user_ids), -1, dtype=np.int64)
    local[users] = np.arange(len(users))
    return Organization(
        team_names=(roster.team_names[team],),
        team_stories=(roster.team_stories[team],),
        user_ids=roster.user_ids[users],
        user_names=roster.user_names[users],
        user_team=np.zeros(len(users), dtype=np.int64),
        user_role=roster.user_role[users],
        user_active=roster.user_active[users],
        user_seat_start=roster.user_seat_start[users],
        producer_user=local[roster.producer_user[producers]],
        producer_team=np.zeros(len(producers), dtype=np.int64),
        archetype=roster.archetype[producers],
        lapse_s=roster.lapse_s[producers],
        team_processor=local[roster.team_processor[[team]]],
        team_manager=local[roster.team_manager[[team]]],
    )


def _last_contact(tables: dict[str, pa.Table]) -> int:
    """The highest contact number a part's tables use (its contacts and the deleted
    contacts its orphans point at)."""
    numbers = [
        pc.max(pc.cast(pc.utf8_slice_codeunits(tables[name][column], 1), pa.int64())).as_py()
        for name, column in (
            ("contacts", "contact_id"),
            ("opportunities", "contact_id"),
            ("activities", "contact_id"),
        )
    ]
    return max(n for n in numbers if n is not None)


def _part(
    rng: np.random.Generator,
    org: Organization,
    sizes: dict[str, Any],
    *,
    plant: bool = True,
    first: dict[str, int] | None = None,
    adjust: Any = None,
    digits: dict[str, int] = _DIGITS,
    emails_seen: dict[str, int] | None = None,
) -> _Part:
    """Generate one part of the organization: the world of ``org`` and its export tables.

    ``first`` holds the first record number of each kind (the part continues another's
    numbering); ``plant`` plants the one-off defects (a 2052 contact, meetings entered
    ahead...); ``adjust(contacts, los)`` may rework the people and loan numbers first (at
    the per-team scale it deals out the phone numbers); ``digits`` are the widths of the
    record numbers; ``emails_seen`` continues the email numbering of earlier parts (see
    :func:`_emails`).
    """
    first = first or {}
    loans = build_loans(rng, org, leads_per_year=sizes["leads_per_producer_year"])
    contacts = build_contacts(
        rng,
        org,
        loans,
        past_clients=sizes["past_clients_per_producer"],
        partners=sizes["partners_per_producer"],
        deal_phones=adjust is None or not sizes.get("per_team"),
    )
    opportunities = build_opportunities(rng, org, loans)
    lifecycle = update_lifecycle(rng, contacts, opportunities)
    los = build_los(loans)
    activities = build_activities(rng, org, loans, contacts, opportunities)
    logins = build_logins(rng, org)
    if adjust is not None:
        contacts, los = adjust(contacts, los)

    contact_number = _numbering(contacts.created) + first.get("contact", 1) - 1
    opportunity_number = _numbering(opportunities.created) + first.get("opportunity", 1) - 1
    tables: dict[str, pa.Table] = {}
    tables["users"] = _users(rng, org)
    contacts_table, phone = _contacts(
        rng,
        org,
        contacts,
        lifecycle,
        contact_number,
        plant=plant,
        digits=digits,
        emails_seen=emails_seen,
    )
    tables["contacts"] = contacts_table
    tables["opportunities"] = _opportunities(
        rng,
        org,
        loans,
        contacts,
        opportunities,
        los,
        contact_number,
        opportunity_number,
        plant=plant,
        digits=digits,
    )
    tables["stage_history"] = _stage_history(
        rng, org, opportunities, opportunity_number, digits=digits
    )
    tables["activities"] = _activities(
        rng,
        org,
        contacts,
        activities,
        contact_number,
        opportunity_number,
        phone,
        plant=plant,
        first_id=first.get("activity", 1),
        digits=digits,
    )
    tables["campaigns"] = _campaigns()
    tables["los_loans"] = _los_loans(rng, org, loans, los, plant=plant)
    tables["logins"] = _logins(org, logins)
    return _Part(tables=tables, org=org, contacts=contacts)


def _requirement_organization(
    rng: np.random.Generator, sizes: dict[str, Any], *, n_users_before: int
) -> Organization:
    """The two requirement teams' people: user numbers after the others' ``n_users_before``
    users, names of first names and :data:`kit.demo.text.MORE_LAST_NAMES` (no one else
    has those family names)."""
    size = sizes["team_sizes"][0] - 1
    org = build_organization(
        rng,
        n_teams=len(REQUIREMENT_STORIES),
        team_sizes=(size,),
        names=text.REQUIREMENT_TEAM_NAMES,
        stories=REQUIREMENT_STORIES,
    )
    n_users = len(org.user_ids)
    offset = n_users_before
    n_first, n_more = len(text.FIRST_NAMES), len(text.MORE_LAST_NAMES)
    combos = rng.choice(n_first * n_more, n_users, replace=False)
    names = np.char.add(
        np.char.add(np.asarray(text.FIRST_NAMES)[combos // n_more], " "),
        np.asarray(text.MORE_LAST_NAMES)[combos % n_more],
    )
    numbers = np.arange(offset + 1, offset + n_users + 1).astype(str)
    ids = np.char.add("U", np.char.zfill(numbers, 4))
    return replace(org, user_ids=ids, user_names=names)


def _roster(scale: str, seed: int) -> list[Organization]:
    """Every team and person of a scale (the organization, then the requirement teams),
    drawn as :func:`write_export` draws them, without generating their records."""
    sizes = _scale(scale)
    rng = np.random.default_rng(seed)
    org = build_organization(rng, n_teams=sizes["teams"], team_sizes=sizes["team_sizes"])
    extra = _requirement_organization(
        np.random.default_rng([seed, _REQUIREMENT_STREAM]),
        sizes,
        n_users_before=len(org.user_ids),
    )
    return [org, extra]


def _requirement_part(
    rng: np.random.Generator,
    sizes: dict[str, Any],
    *,
    n_users_before: int,
    taken: np.ndarray,
    first: dict[str, int],
    los_offset: int,
    digits: dict[str, int] = _DIGITS,
    emails_seen: dict[str, int] | None = None,
) -> _Part:
    """The two teams the standards were required of on the requirement date, generated
    after (and apart from) the others: their own random stream, user and record numbers
    continuing the others' (``n_users_before`` users, records from ``first``, LOS loan
    numbers ``los_offset`` above theirs), family names and phone numbers (``taken``: the
    others' phone slots) no other person has, and none of the one-off defects (the others
    already carry them)."""
    org = _requirement_organization(rng, sizes, n_users_before=n_users_before)
    n_more = len(text.MORE_LAST_NAMES)
    # the per-team scale's people need more area codes than the others'
    space = len(_AREA_CODES if sizes.get("per_team") else text.AREA_CODES) * 10_000

    def adjust(contacts: Contacts, los: LosLoans) -> tuple[Contacts, LosLoans]:
        free = np.ones(space, dtype=bool)
        free[taken] = False
        free = np.flatnonzero(free)
        slots, person = np.unique(contacts.phone_slot, return_inverse=True)  # a few thousand
        fresh = rng.permutation(free)[: len(slots)]
        contacts = replace(
            contacts,
            last=len(text.LAST_NAMES) + contacts.last % n_more,
            email_pattern=np.where(contacts.email_pattern == 4, 0, contacts.email_pattern),
            phone_slot=fresh[person],
        )
        numbers = np.where(los.number >= 0, los.number + los_offset, -1)
        return contacts, replace(los, number=numbers)

    return _part(
        rng,
        org,
        sizes,
        plant=False,
        first=first,
        adjust=adjust,
        digits=digits,
        emails_seen=emails_seen,
    )


def _normalized(values: pa.Array) -> pa.Array:
    """Vocabulary codes the way intake reads them (casefold, runs of other characters -> _)."""
    text_ = pc.utf8_lower(values)
    return pc.utf8_trim(pc.replace_substring_regex(text_, "[^0-9a-z]+", "_"), "_")


def _snapshot(tables: dict[str, pa.Table], as_of: str) -> dict[str, pa.Table]:
    """The export as the CRM (and the LOS) held it at the end of the day ``as_of``.

    Records created after the day are left out; a loan takes the stage of its last stage
    change up to the day (its status following that stage, a later close date removed); an
    activity logged after the day and a loan number typed after the loan's application are
    left out; an LOS loan funded later is not funded yet. Identifiers, names and spellings
    are those of the full export, so the two exports describe the same organization.
    """
    import pandas as pd

    day = pd.Timestamp(as_of)
    end = str((day + pd.Timedelta(days=1)).date())  # timestamps sort as text
    end_ts = f"{end} 00:00:00"

    def before(table: pa.Table, column: str, bound: str = end_ts) -> pa.Table:
        values = table[column]
        keep = pc.and_kleene(pc.is_valid(values), pc.less(values, bound))
        return table.filter(pc.fill_null(keep, False))

    out = dict(tables)
    out["contacts"] = before(tables["contacts"], "created_at")
    out["campaigns"] = before(tables["campaigns"], "started_at")
    out["logins"] = before(tables["logins"], "login_at")
    acts = before(tables["activities"], "occurred_at")
    out["activities"] = acts.filter(pc.fill_null(pc.less(acts["logged_at"], end_ts), True))
    history = before(tables["stage_history"], "changed_at")
    out["stage_history"] = history
    los = before(tables["los_loans"], "application_date", end)
    funded_later = pc.fill_null(pc.greater_equal(los["funded_date"], end), False)
    out["los_loans"] = los.set_column(
        los.schema.get_field_index("funded_date"),
        "funded_date",
        pc.if_else(funded_later, pa.scalar(None, pa.string()), los["funded_date"]),
    )
    opps = before(tables["opportunities"], "created_at").to_pandas()
    last = (
        history.to_pandas()
        .sort_values(["opportunity_id", "changed_at"], kind="stable")
        .groupby("opportunity_id", sort=False)
        .tail(1)
        .set_index("opportunity_id")
    )
    changed_later = (opps["stage_changed_at"].fillna("") >= end_ts) | (
        opps["closed_at"].fillna("") >= end_ts
    )
    known = opps["opportunity_id"].isin(last.index)
    fix = changed_later & known
    stage = opps.loc[fix, "opportunity_id"].map(last["stage"])
    opps.loc[fix, "stage"] = stage
    opps.loc[fix, "stage_changed_at"] = opps.loc[fix, "opportunity_id"].map(last["changed_at"])
    code = _normalized(pa.array(stage.astype(object), type=pa.string())).to_pylist()
    status = pd.Series(code, index=stage.index).map({"funded": "won", "lost": "lost"})
    opps.loc[fix, "status"] = status.fillna("open")
    reopened = fix & (opps["status"] == "open")
    opps.loc[reopened | (opps["closed_at"].fillna("") >= end_ts), "closed_at"] = None
    applied = set(out["los_loans"]["loan_number"].to_pylist())
    opps.loc[~opps["loan_number"].isin(applied), "loan_number"] = None
    out["opportunities"] = pa.Table.from_pandas(
        opps, schema=tables["opportunities"].schema, preserve_index=False
    )
    return out


def _numbering(created: np.ndarray) -> np.ndarray:
    """Record numbers in creation order (1-based), ties broken by generation order."""
    order = np.lexsort((np.arange(len(created)), created))
    number = np.empty(len(created), dtype=np.int64)
    number[order] = np.arange(1, len(created) + 1)
    return number


def _few(rng: np.random.Generator, n: int, rate: float, minimum: int = 1) -> np.ndarray:
    """Row indexes for a planted defect: ``rate`` of ``n`` rows, at least ``minimum``."""
    k = min(n, max(minimum, round(rate * n)))
    return np.sort(rng.choice(n, k, replace=False)) if k else np.array([], dtype=np.int64)


def _flag(n: int, rows: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[rows] = True
    return out


def _table(name: str, columns: dict[str, pa.Array]) -> pa.Table:
    return pa.table({f.name: columns[f.name] for f in TABLES[name].fields})


def _user_ids(org: Organization, users: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return render.words(org.user_ids.tolist(), users, valid)


_GHOST_USER = "U9999"  # a producer who left: their user record was deleted, records remain

_SOURCE_LABELS = {
    "zillow": ("Zillow",),
    "lendingtree": ("LendingTree", "Lendingtree"),
    "bankrate": ("Bankrate",),
    "website": ("Website", "WEBSITE"),
    "realtor_referral": ("Realtor Referral", "Realtor referral"),
    "past_client": ("Past Client",),
    "builder": ("Builder",),
    "self_generated": ("Self-Generated", "Self Generated"),
    "other": ("Other",),
}
_UNKNOWN_SOURCES = ("Facebook", "Open House")


def _lead_source(rng: np.random.Generator, source: np.ndarray) -> pa.Array:
    """Lead source codes, 3% spelled as labels, 0.3% a source outside the vocabulary."""
    codes = (*SOURCES, *_UNKNOWN_SOURCES)
    unknown = (source >= 0) & (rng.random(len(source)) < 0.003)
    source = np.where(unknown, len(SOURCES) + rng.integers(0, 2, len(source)), source)
    return render.spelled(rng, codes, source, variants=_SOURCE_LABELS, variant_rate=0.03)


def _users(rng: np.random.Generator, org: Organization) -> pa.Table:
    n = len(org.user_ids)
    return _table(
        "users",
        {
            "user_id": pa.array(org.user_ids.tolist()),
            "name": pa.array(org.user_names.tolist()),
            "team": render.words(org.team_names, org.user_team),
            "role": pa.array(org.user_role.tolist()),
            "active": render.booleans(rng, org.user_active, yes_no_rate=0.1),
            "seat_start": render.dates(org.user_seat_start, np.ones(n, dtype=bool)),
        },
    )


def _contacts(
    rng: np.random.Generator,
    org: Organization,
    c: Contacts,
    lifecycle: np.ndarray,
    number: np.ndarray,
    *,
    plant: bool = True,
    digits: dict[str, int] = _DIGITS,
    emails_seen: dict[str, int] | None = None,
) -> tuple[pa.Table, pa.Array]:
    n = len(c)
    order = np.argsort(number)
    created = c.created.copy()
    recent = np.flatnonzero((c.kind == LEAD) & (created >= LAUNCH_S))
    future = recent[_few(rng, len(recent), 0.0, int(plant))]
    created[future] += 9862 * DAY  # a typo'd year: 2052 instead of 2025
    owner = org.producer_user[c.producer]
    no_owner = rng.random(n) < 0.01
    ghost = _flag(n, _few(rng, n, 0.0, 2 * plant))
    owner_ids = pc.if_else(
        pa.array(ghost), pa.scalar(_GHOST_USER), _user_ids(org, owner, ~no_owner)
    )
    kind_code = np.select([c.kind == LEAD, c.kind == PAST_CLIENT, c.kind == PARTNER], [0, 1, 2])
    contact_type = render.spelled(
        rng,
        CONTACT_TYPES,
        np.where(rng.random(n) < 0.01, -1, kind_code),
        variants={
            "lead": ("Lead",),
            "past_client": ("Past Client",),
            "referral_partner": ("Referral Partner",),
        },
        variant_rate=0.02,
    )
    lifecycle_stage = render.spelled(
        rng,
        LIFECYCLE_STAGES,
        lifecycle,
        variants={"lead": ("Lead",), "customer": ("Customer",), "past_client": ("Past Client",)},
        variant_rate=0.02,
    )
    first = render.words(text.FIRST_NAMES, c.first, rng.random(n) >= 0.005)
    last = render.words(_LAST_NAMES, c.last, rng.random(n) >= 0.003)
    email = _emails(rng, c, emails_seen)
    phone = _phones(rng, c)
    columns = {
        "contact_id": render.ids("C", number, digits["contact"]),
        "created_at": render.timestamps(created),
        "owner_id": owner_ids,
        "contact_type": contact_type,
        "lead_source": _lead_source(rng, c.lead_source),
        "lifecycle_stage": lifecycle_stage,
        "referred_by": render.ids(
            "C", number[np.maximum(c.referred_by, 0)], digits["contact"], c.referred_by >= 0
        ),
        "campaign_id": render.ids("CMP-", c.campaign + 1, 2, c.campaign >= 0),
        "first_name": first,
        "last_name": last,
        "email": email,
        "phone": phone,
    }
    table = _table("contacts", columns).take(pa.array(order))
    return table, phone


def _emails(
    rng: np.random.Generator, c: Contacts, seen_before: dict[str, int] | None = None
) -> pa.Array:
    """Fictional emails at example.* domains: unique per person, varied patterns; a
    duplicate person's email differs in case or whitespace; a few have no valid shape.

    ``seen_before`` (updated in place) counts the people of earlier parts with each
    address, so the numbers that keep addresses unique continue across the parts.
    """
    n = len(c)
    first = pc.utf8_lower(render.words(text.FIRST_NAMES, c.first))
    last = pc.utf8_lower(render.words(_LAST_NAMES, c.last))
    f1 = pc.utf8_slice_codeunits(first, 0, 1)
    l1 = pc.utf8_slice_codeunits(last, 0, 1)
    p = c.email_pattern
    head = pc.if_else(pa.array(p == 2), f1, first)
    sep = render.words((".", "", "", "_", "."), p)
    tail = pc.if_else(pa.array(p == 4), l1, last)
    domain = render.words(text.EMAIL_DOMAINS, c.email_domain)
    base = render.concat(head, sep, tail, "@", domain)
    # Same name, pattern and domain: a number keeps each person's address unique.
    original = np.flatnonzero(c.duplicate_of < 0)
    codes, uniques = pd.factorize(base.take(pa.array(original)).to_numpy(zero_copy_only=False))
    seen = np.zeros(n, dtype=np.int64)
    seen[original] = pd.Series(codes).groupby(codes).cumcount().to_numpy()
    if seen_before is not None:
        before = np.array([seen_before.get(address, 0) for address in uniques], dtype=np.int64)
        seen[original] += before[codes]
        for address, count in zip(uniques, before + np.bincount(codes), strict=True):
            seen_before[address] = int(count)
    copy = np.flatnonzero(c.duplicate_of >= 0)
    seen[copy] = seen[c.duplicate_of[copy]]
    number = pc.cast(pa.array(seen + 1), pa.string())
    suffix = pc.if_else(pa.array(seen > 0), number, pa.scalar("", pa.string()))
    email = render.concat(head, sep, tail, suffix, "@", domain)
    v = c.email_variant
    email = pc.if_else(pa.array(v == 1), pc.utf8_upper(email), email)
    email = pc.if_else(pa.array(v == 2), pc.utf8_capitalize(email), email)
    email = pc.if_else(pa.array(v == 3), render.concat("  ", email, " "), email)
    bad = rng.random(n) < 0.004
    email = pc.if_else(pa.array(bad), pc.replace_substring(email, "@", " at "), email)
    return pc.if_else(pa.array(c.has_email), email, pa.scalar(None, pa.string()))


def _phones(rng: np.random.Generator, c: Contacts) -> pa.Array:
    """Fictional 555 numbers typed four ways; a few lack the area code."""
    area = render.words(_AREA_CODES, c.phone_slot // 10_000)
    line = pc.utf8_lpad(pc.cast(pa.array(c.phone_slot % 10_000), pa.string()), 4, padding="0")
    formats = [
        render.concat("(", area, ") 555-", line),
        render.concat(area, "-555-", line),
        render.concat(area, "555", line),
        render.concat("+1 ", area, " 555 ", line),
    ]
    f = c.phone_format
    phone = formats[0]
    for k in (1, 2, 3):
        phone = pc.if_else(pa.array(f == k), formats[k], phone)
    bad = rng.random(len(c)) < 0.004
    phone = pc.if_else(pa.array(bad), render.concat("555-", line), phone)
    return pc.if_else(pa.array(c.has_phone), phone, pa.scalar(None, pa.string()))


def _stage(rng: np.random.Generator, stage: np.ndarray) -> pa.Array:
    return render.spelled(
        rng,
        STAGES,
        stage,
        variants=text.STAGE_VARIANTS,
        variant_rate=0.03,
        misspellings=text.STAGE_MISSPELLINGS,
        misspelling_rate=0.002,
    )


def _opportunities(
    rng: np.random.Generator,
    org: Organization,
    loans: Loans,
    c: Contacts,
    o: Opportunities,
    los: LosLoans,
    contact_number: np.ndarray,
    number: np.ndarray,
    *,
    plant: bool = True,
    digits: dict[str, int] = _DIGITS,
) -> pa.Table:
    m = len(o)
    order = np.argsort(number)
    producer = loans.producer[o.loan]
    ghost = _flag(m, _few(rng, m, 0.001, 2 * plant))
    owner = pc.if_else(
        pa.array(ghost), pa.scalar(_GHOST_USER), _user_ids(org, org.producer_user[producer])
    )
    lead_row = c.lead_offset + o.loan
    orphan = _few(rng, m, 0.0005, int(plant))
    contact = contact_number[lead_row]
    contact[orphan] = contact_number.max() + 500 + np.arange(len(orphan))  # a deleted contact
    status = np.select([o.stage == 6, o.stage == 7], [1, 2], 0)
    closed = o.closed.copy()
    won = np.flatnonzero(status == 1)
    if len(won):
        closed[won[_few(rng, len(won), 0.02, int(plant))]] = NEVER  # won without a close date
    shut = np.flatnonzero(closed < NEVER)
    if len(shut):
        early = shut[_few(rng, len(shut), 0.003, int(plant))]  # closed before it was created
        closed[early] = o.created[early] - rng.integers(1, 30, len(early)) * DAY
    source = c.lead_source[lead_row]
    source = np.where(rng.random(m) < 0.95, source, -1)
    loan_number = los.number[o.loan]
    has_number = o.has_loan_number & (loan_number >= 0)
    # The CRM asks for an expected close date: 60 days out when the loan is entered, moved
    # to 45 days past each recorded stage change; exported for open loans only.
    expected = np.maximum(o.created + 60 * DAY, o.stage_changed + 45 * DAY) // DAY
    columns = {
        "opportunity_id": render.ids("O", number, digits["opportunity"]),
        "owner_id": owner,
        "created_at": render.timestamps(o.created),
        "stage": _stage(rng, o.stage),
        "contact_id": render.ids("C", contact, digits["contact"]),
        "stage_changed_at": render.timestamps(o.stage_changed, rng.random(m) >= 0.005),
        "status": render.spelled(
            rng,
            ("open", "won", "lost"),
            status,
            variants={"open": ("Open",), "won": ("Won",), "lost": ("Lost",)},
            variant_rate=0.02,
        ),
        "amount": render.money(o.amount, cents=False, valid=o.has_amount),
        "loan_purpose": render.words(PURPOSES, loans.purpose[o.loan], o.has_purpose),
        "lead_source": _lead_source(rng, source),
        "closed_at": render.timestamps(closed, closed < NEVER),
        "loan_number": pc.cast(pa.array(loan_number, mask=~has_number), pa.string()),
        "expected_close_date": render.dates(expected, status == 0),
    }
    return _table("opportunities", columns).take(pa.array(order))


def _stage_history(
    rng: np.random.Generator,
    org: Organization,
    o: Opportunities,
    number: np.ndarray,
    *,
    digits: dict[str, int] = _DIGITS,
) -> pa.Table:
    opp = number[o.history_opportunity]
    order = np.lexsort((o.history_at, opp))
    n = len(opp)
    columns = {
        "opportunity_id": render.ids("O", opp, digits["opportunity"]),
        "stage": _stage(rng, o.history_stage),
        "changed_at": render.timestamps(o.history_at),
        "changed_by": _user_ids(org, o.history_by, rng.random(n) >= 0.01),
    }
    return _table("stage_history", columns).take(pa.array(order))


def _activities(
    rng: np.random.Generator,
    org: Organization,
    c: Contacts,
    a: Activities,
    contact_number: np.ndarray,
    opportunity_number: np.ndarray,
    phone: pa.Array,
    *,
    plant: bool = True,
    first_id: int = 1,
    digits: dict[str, int] = _DIGITS,
) -> pa.Table:
    n = len(a)
    occurred = a.occurred.copy()
    human = np.flatnonzero(~a.automated)
    future = human[_few(rng, len(human), 0.0, 2 * plant)]  # meetings booked ahead, entered as held
    occurred[future] = (AS_OF + rng.integers(10, 40, len(future))) * DAY + 10 * HOUR
    order = np.lexsort((np.arange(n), occurred))
    contact = np.where(a.contact >= 0, contact_number[np.maximum(a.contact, 0)], -1)
    orphan = human[_few(rng, len(human), 0.0015, 3 * plant)]
    contact[orphan] = contact_number.max() + 1000 + np.arange(len(orphan))  # deleted contacts
    opportunity = np.where(a.opportunity >= 0, opportunity_number[np.maximum(a.opportunity, 0)], -1)
    # Notes: template text around the contact's first name or phone number.
    before = render.words([b for b, _ in NOTE_PARTS], a.note)
    after = render.words([s for _, s in NOTE_PARTS], a.note)
    insert = NOTE_INSERT[np.maximum(a.note, 0)] * (a.note >= 0)
    row = np.maximum(a.contact, 0)
    name = render.words(text.FIRST_NAMES, c.first[row], insert == 1)
    number_said = phone.take(pa.array(row))
    number_said = pc.if_else(pa.array(insert == 2), number_said, pa.scalar(None, pa.string()))
    notes = render.concat(before, name, number_said, after)
    # A template that names someone whose name or number is blank reads "Sent rate quote".
    missing = ((insert == 1) & ~pc.is_valid(name).to_numpy(zero_copy_only=False)) | (
        (insert == 2) & ~pc.is_valid(number_said).to_numpy(zero_copy_only=False)
    )
    notes = pc.if_else(pa.array(missing), pa.scalar(NOTE_PARTS[0][1]), notes)
    notes = pc.if_else(pa.array(a.note >= 0), notes, pa.scalar(None, pa.string()))
    columns = {
        "activity_id": render.ids("A", np.argsort(order) + first_id, digits["activity"]),
        "user_id": _user_ids(org, a.user),
        "type": render.spelled(
            rng,
            ACTIVITY_TYPES,
            a.type,
            variants={
                "call": ("Call",),
                "email": ("Email",),
                "text": ("Text",),
                "meeting": ("Meeting",),
            },
            variant_rate=0.01,
        ),
        "occurred_at": render.timestamps(occurred),
        "contact_id": render.ids("C", contact, digits["contact"], contact >= 0),
        "opportunity_id": render.ids("O", opportunity, digits["opportunity"], opportunity >= 0),
        "logged_at": render.timestamps(a.logged),
        "outcome": render.words(OUTCOME_TEXTS, a.outcome),
        "next_step": render.words(NEXT_STEP_TEXTS, a.next_step),
        "next_step_due": render.dates(a.next_step_due, a.next_step_due >= 0),
        "notes": notes,
        "automated": render.booleans(rng, a.automated, yes_no_rate=0.03),
        "campaign_id": render.ids("CMP-", a.campaign + 1, 2, a.campaign >= 0),
    }
    return _table("activities", columns).take(pa.array(order))


def _campaigns() -> pa.Table:
    started = np.array(
        [
            LAUNCH * DAY + 8 * HOUR,
            LAUNCH * DAY + 8 * HOUR,
            day_number("2025-02-11") * DAY + 10 * HOUR,
            day_number("2025-03-12") * DAY + 11 * HOUR,
            PARTNER_UPDATE_START * DAY + 8 * HOUR,
        ]
    )
    k = len(text.CAMPAIGNS)
    return _table(
        "campaigns",
        {
            "campaign_id": render.ids("CMP-", np.arange(1, k + 1), 2),
            "name": pa.array([name for name, _ in text.CAMPAIGNS]),
            "channel": pa.array([channel for _, channel in text.CAMPAIGNS]),
            "started_at": render.timestamps(started),
        },
    )


_LOS_PURPOSES = ("Purchase", "Refinance", "Cash-Out Refinance", "HELOC", "Other")
_LOS_SOURCES = (
    "Zillow",
    "LendingTree",
    "Bankrate",
    "Website",
    "Realtor Referral",
    "Past Client",
    "Builder",
    "Self Generated",
    "Other",
)


def _los_loans(
    rng: np.random.Generator, org: Organization, loans: Loans, los: LosLoans, *, plant: bool = True
) -> pa.Table:
    k = len(los.loan)
    officer = org.producer_user[loans.producer[los.loan]]
    no_officer = _flag(k, _few(rng, k, 0.005, int(plant)))
    columns = {
        "loan_number": pc.cast(pa.array(los.number[los.loan]), pa.string()),
        "officer_id": _user_ids(org, officer, ~no_officer),
        "application_date": render.dates(los.application_day),
        "funded_date": render.dates(los.funded_day, los.funded_day >= 0),
        "amount": render.money(loans.amount[los.loan], cents=True),
        "purpose": render.words(_LOS_PURPOSES, loans.purpose[los.loan]),
        "lead_source": render.words(_LOS_SOURCES, loans.source[los.loan], rng.random(k) < 0.8),
    }
    return _table("los_loans", columns)


def _logins(org: Organization, logins: Logins) -> pa.Table:
    order = np.lexsort((logins.user, logins.at))
    return _table(
        "logins",
        {
            "user_id": _user_ids(org, logins.user[order]),
            "login_at": render.timestamps(logins.at[order]),
        },
    )


def _truth(orgs: list[Organization]) -> dict[str, pd.DataFrame]:
    parts = [_truth_of(org) for org in orgs]
    return {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in parts[0]}


#: The archetype a producer of each world archetype shows at the as-of date: a responder
#: has worked like a consistent producer since the requirement date.
_PUBLIC_ARCHETYPE = {"responder": "consistent"}


def _truth_of(org: Organization) -> dict[str, pd.DataFrame]:
    public_archetype = np.array(
        [ARCHETYPES.index(_PUBLIC_ARCHETYPE.get(a, a)) for a in _WORLD_ARCHETYPES]
    )
    lapsed = org.lapse_s < NEVER
    lapse = np.where(
        lapsed,
        (np.where(lapsed, org.lapse_s, 0) // DAY).astype("datetime64[D]"),
        np.datetime64("NaT"),
    ).astype("datetime64[s]")
    producers = pd.DataFrame(
        {
            "user_id": org.user_ids[org.producer_user],
            "name": org.user_names[org.producer_user],
            "team": np.asarray(org.team_names)[org.producer_team],
            "story": np.asarray(org.team_stories)[org.producer_team],
            "archetype": np.asarray(ARCHETYPES)[public_archetype[org.archetype]],
            "lapse_date": lapse,
        }
    )
    teams = pd.DataFrame(
        {
            "team": list(org.team_names),
            "story": list(org.team_stories),
            "producers": np.bincount(org.producer_team, minlength=len(org.team_names)),
        }
    )
    return {"teams": teams, "producers": producers.astype({"user_id": "str", "name": "str"})}
