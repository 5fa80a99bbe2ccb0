"""The demo organization's true world: calendar, people, behaviour, and the loans they work.

This is what really happens, whether or not anyone records it in the CRM. The CRM records
(``kit.demo.crm``) are derived from it through each producer's adoption behaviour, and the
LOS export is its ground truth. Times are integer seconds since 1970-01-01 in the
organization's local time (naive); days are integer day numbers since the same epoch.
Everything is vectorized over rows; the only Python loops run over teams, stages or a few
dozen schedule offsets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kit.demo import text

DAY = 86_400
HOUR = 3_600
MINUTE = 60
_EPOCH = np.datetime64("1970-01-01", "D")


def day_number(iso: str) -> int:
    """Day number of an ISO date (days since 1970-01-01).

    >>> day_number("1970-01-02")
    1
    """
    return int((np.datetime64(iso, "D") - _EPOCH).astype(np.int64))


# ------------------------------------------------------------------------------ calendar
WINDOW_START = day_number("2024-11-01")
LAUNCH = day_number("2025-01-13")  # a Monday, 73 days into the window
AS_OF = day_number("2025-10-31")  # the last day of data
#: Leads start arriving this many days before the window so the pipeline (and the LOS
#: loans funding early in the window) is at steady state when the window opens.
LEAD_IN_START = WINDOW_START - 120
LAUNCH_S = LAUNCH * DAY
END_S = (AS_OF + 1) * DAY  # first second after the data
#: The day leadership required stage updates, next steps and lead source of the two
#: requirement teams (a Monday), and the start of that day's pipeline review.
REQUIRED = day_number("2025-08-04")
REQUIRED_S = REQUIRED * DAY
CLEANUP_S = REQUIRED_S + 9 * HOUR
NEVER = np.iinfo(np.int64).max // 4  # "does not happen"

#: US bank holidays: nobody books calls or moves loans on them.
HOLIDAYS = np.array(
    [
        "2024-07-04", "2024-09-02", "2024-10-14", "2024-11-11", "2024-11-28", "2024-12-25",
        "2025-01-01", "2025-01-20", "2025-02-17", "2025-05-26", "2025-06-19", "2025-07-04",
        "2025-09-01", "2025-10-13", "2025-11-11", "2025-11-27", "2025-12-25", "2026-01-01",
        "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07",
    ],
    dtype="datetime64[D]",
)  # fmt: skip


def business_day(days: np.ndarray) -> np.ndarray:
    """Roll day numbers forward to the next business day (weekday, not a bank holiday)."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    return np.busday_offset(d, 0, roll="forward", holidays=HOLIDAYS).astype(np.int64)


def _as_days(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]")


def add_business_days(days: np.ndarray, count: np.ndarray | int) -> np.ndarray:
    """The business day ``count`` business days after each of ``days`` (rolled forward)."""
    return np.busday_offset(_as_days(days), count, roll="forward", holidays=HOLIDAYS).astype(
        np.int64
    )


def random_business_day(
    rng: np.random.Generator, first: np.ndarray | int, last: np.ndarray | int, n: int
) -> np.ndarray:
    """A business day drawn uniformly between ``first`` and ``last`` (inclusive, per row).

    Drawing among business days, rather than rolling calendar days forward, keeps Monday
    from collecting every weekend's share.
    """
    first = np.broadcast_to(np.asarray(first, dtype=np.int64), (n,))
    last = np.broadcast_to(np.asarray(last, dtype=np.int64), (n,))
    count = np.busday_count(_as_days(first), _as_days(last + 1), holidays=HOLIDAYS)
    k = (rng.random(n) * np.maximum(count, 1)).astype(np.int64)
    return add_business_days(first, np.minimum(k, np.maximum(count - 1, 0)))


def office_seconds(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds after midnight in office hours (08:00-18:00), busiest late morning."""
    return (8 * HOUR + rng.beta(2.0, 2.4, n) * 10 * HOUR).astype(np.int64)


def business_time(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """A time in office hours on the first business day on or after each of ``days``."""
    days = np.asarray(days, dtype=np.int64)
    return business_day(days) * DAY + office_seconds(rng, len(days))


def in_office(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """Move times that fall outside office hours (07:00-19:00 on a business day) to office
    hours on the next business day; times that never happen stay as they are."""
    t = np.asarray(t, dtype=np.int64)
    real = t < END_S + 400 * DAY
    tt = np.where(real, t, 0)
    day, sec = tt // DAY, tt % DAY
    working = np.is_busday(day.astype("datetime64[D]"), holidays=HOLIDAYS)
    ok = working & (sec >= 7 * HOUR) & (sec < 19 * HOUR)
    moved = np.maximum(business_time(rng, day + (sec >= 19 * HOUR)), tt)
    return np.where(real & ~ok, moved, t)


def pick(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Draw a category per row: from ``probs`` (1-D), or from row ``rows[i]`` of a 2-D table.

    >>> pick(np.random.default_rng(0), np.array([0.0, 1.0]), None).item()
    1
    """
    probs = np.asarray(probs, dtype=float)
    if probs.ndim == 1:
        n = 1 if rows is None else len(rows)
        cum = np.cumsum(probs / probs.sum())
        return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(probs) - 1)
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(rows))  # type: ignore[arg-type]  # a 2-D table always comes with rows
    return np.minimum((u[:, None] >= cum[rows]).sum(axis=1), probs.shape[1] - 1)


# ------------------------------------------------------------------------------ behaviour
#: Producer archetypes (index = code). A *responder* works like a partial producer until the
#: requirement date and like a consistent one from it.
ARCHETYPES: tuple[str, ...] = ("consistent", "partial", "lapsed", "never_adopted", "responder")
CONSISTENT, PARTIAL, LAPSED, NEVER_ADOPTED, RESPONDER = range(5)

#: Team stories and how each staffs its producers: (main archetype, minority archetype).
STORIES: tuple[str, ...] = ("disciplined", "lapsed", "never_adopted", "partial", "mixed")
#: Stories of the two teams the standards were required of on the requirement date: one
#: takes the requirement up (one producer holds out), one carries on as before.
REQUIREMENT_STORIES: tuple[str, ...] = ("responds", "ignores")
_STAFFING: dict[str, tuple[int, int]] = {
    "disciplined": (CONSISTENT, PARTIAL),
    "lapsed": (LAPSED, NEVER_ADOPTED),
    "never_adopted": (NEVER_ADOPTED, LAPSED),
    "partial": (PARTIAL, NEVER_ADOPTED),
    "responds": (RESPONDER, PARTIAL),
    "ignores": (PARTIAL, PARTIAL),
}
_MIXED_CYCLE = (CONSISTENT, PARTIAL, LAPSED, NEVER_ADOPTED)

# A producer's adoption *state* at a moment: what they do with the CRM then.
PRE, S_CONSISTENT, S_PARTIAL, S_LAPSED_ACTIVE, S_LAPSED_AFTER, S_NEVER = range(6)
_STATE_OF_ARCHETYPE = np.array([S_CONSISTENT, S_PARTIAL, S_LAPSED_ACTIVE, S_NEVER, S_PARTIAL])


@dataclass(frozen=True)
class Behaviour:
    """Per-state probabilities and lags (arrays indexed by state: pre-launch, consistent,
    partial, lapsed while active, lapsed after lapsing, never adopted)."""

    log_call: np.ndarray  # a call or meeting that happened is logged
    log_other: np.ndarray  # an email, text, note or task that happened is logged
    create_opportunity: np.ndarray  # a non-internet lead gets an opportunity
    opportunity_lag_h: np.ndarray  # mean hours from lead to opportunity
    track_stage: np.ndarray  # a stage change that happened is recorded
    track_lost: np.ndarray  # a lost loan is marked lost
    close_out: np.ndarray  # a lead that went quiet is closed out as lost within days
    pipeline_review: np.ndarray  # the Monday pipeline review records what was missed
    track_lag_h: np.ndarray  # mean hours from the change to its recording
    loan_number: np.ndarray  # the LOS loan number is typed into the opportunity
    diligence: np.ndarray  # lead source, referred-by, amount, purpose are filled in
    outcome: np.ndarray  # a logged conversation has an outcome
    next_step: np.ndarray  # a logged conversation has a next step
    complete_next_step: np.ndarray  # a next step is done (and logged) by its due date
    notes: np.ndarray  # a logged activity has a note
    link_opportunity: np.ndarray  # a logged touch on a loan points at its opportunity
    log_lag_min: np.ndarray  # median minutes from activity to logging
    late_share: np.ndarray  # share logged days later
    login: np.ndarray  # logs in on a business day


BEHAVIOUR = Behaviour(
    log_call=np.array([0.0, 0.95, 0.78, 0.88, 0.015, 0.03]),
    log_other=np.array([0.0, 0.92, 0.12, 0.82, 0.01, 0.02]),
    create_opportunity=np.array([0.0, 0.995, 0.85, 0.90, 0.12, 0.08]),
    opportunity_lag_h=np.array([0.0, 1.0, 24.0, 4.0, 72.0, 120.0]),
    track_stage=np.array([0.0, 0.96, 0.0, 0.90, 0.03, 0.0]),
    track_lost=np.array([0.0, 0.95, 0.0, 0.60, 0.0, 0.0]),
    close_out=np.array([0.0, 0.99, 0.0, 0.0, 0.0, 0.0]),
    pipeline_review=np.array([0.0, 0.98, 0.0, 0.0, 0.0, 0.0]),
    track_lag_h=np.array([1.0, 20.0, 1.0, 40.0, 200.0, 1.0]),
    loan_number=np.array([0.0, 0.995, 0.65, 0.92, 0.08, 0.04]),
    diligence=np.array([0.0, 0.98, 0.25, 0.85, 0.35, 0.30]),
    outcome=np.array([0.0, 0.95, 0.50, 0.85, 0.40, 0.30]),
    next_step=np.array([0.0, 0.90, 0.15, 0.75, 0.20, 0.10]),
    complete_next_step=np.array([0.0, 0.95, 0.0, 0.80, 0.0, 0.0]),
    notes=np.array([0.0, 0.55, 0.30, 0.50, 0.30, 0.30]),
    link_opportunity=np.array([0.0, 0.85, 0.20, 0.80, 0.20, 0.20]),
    log_lag_min=np.array([1.0, 3.0, 90.0, 10.0, 1440.0, 1440.0]),
    late_share=np.array([0.0, 0.02, 0.06, 0.04, 0.50, 0.50]),
    login=np.array([0.0, 0.94, 0.86, 0.90, 0.72, 0.05]),
)
#: Per archetype: share of the open pipeline imported at launch, and how well imported
#: contacts carry lead source and lifecycle.
IMPORT_OPEN_PIPELINE = np.array([0.95, 0.80, 0.90, 0.35, 0.80])
IMPORT_DILIGENCE = np.array([0.95, 0.40, 0.70, 0.50, 0.40])
#: True behaviour, logged or not: mean days between touches of a past client / partner
#: (a consistent producer keeps a regular cadence, the others touch them at random), and
#: the median minutes to the first touch of a new lead.
PAST_CLIENT_INTERVAL = np.array([75.0, 160.0, 140.0, 200.0, 160.0])
PARTNER_INTERVAL = np.array([16.0, 30.0, 28.0, 35.0, 30.0])
REGULAR_CADENCE = np.array([True, False, False, False, False])
FIRST_TOUCH_MIN = np.array([1.0, 3.0, 120.0, 8.0, 300.0, 300.0])  # by state


# ------------------------------------------------------------------------------ organization
@dataclass(frozen=True)
class Organization:
    """Teams, users and producers. Producer arrays are indexed by producer number."""

    team_names: tuple[str, ...]
    team_stories: tuple[str, ...]
    user_ids: np.ndarray  # str
    user_names: np.ndarray  # str
    user_team: np.ndarray  # team index
    user_role: np.ndarray  # str role code
    user_active: np.ndarray  # bool
    user_seat_start: np.ndarray  # day number
    producer_user: np.ndarray  # user index of each producer
    producer_team: np.ndarray
    archetype: np.ndarray
    lapse_s: np.ndarray  # when a lapsed producer stopped (NEVER for the others)
    team_processor: np.ndarray  # user index of each team's processor
    team_manager: np.ndarray  # user index of each team's manager

    @property
    def n_producers(self) -> int:
        return len(self.producer_user)

    @property
    def reviews_pipeline(self) -> np.ndarray:
        """Per producer: their team holds a Monday pipeline review of every open loan,
        whoever owns it (the disciplined team's habit)."""
        return np.asarray(self.team_stories)[self.producer_team] == "disciplined"

    def state(self, producer: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Adoption state of each ``producer`` at time ``t`` (seconds)."""
        arch = self.archetype[producer]
        s = _STATE_OF_ARCHETYPE[arch]
        s = np.where((arch == LAPSED) & (t >= self.lapse_s[producer]), S_LAPSED_AFTER, s)
        s = np.where((arch == RESPONDER) & (t >= REQUIRED_S), S_CONSISTENT, s)
        return np.where(t < LAUNCH_S, PRE, s)

    @property
    def responds(self) -> np.ndarray:
        """Per producer: they took up the standards required on the requirement date."""
        return self.archetype == RESPONDER


def team_names(n_teams: int) -> tuple[str, ...]:
    """Team names: the five base names, numbered when there is more than one cycle (two
    digits, three past 99 cycles, so every name is unique and they sort in order).

    >>> team_names(5)[:2]
    ('Cedar Ridge', 'Lakeshore')
    >>> team_names(10)[5]
    'Cedar Ridge 02'
    >>> team_names(550)[-1], len(set(team_names(550)))
    ('Riverbend 110', 550)
    """
    base = text.TEAM_BASE_NAMES
    if n_teams <= len(base):
        return base[:n_teams]
    width = max(2, len(str(-(-n_teams // len(base)))))
    return tuple(f"{base[i % len(base)]} {i // len(base) + 1:0{width}d}" for i in range(n_teams))


def build_organization(
    rng: np.random.Generator,
    *,
    n_teams: int,
    team_sizes: tuple[int, ...],
    names: tuple[str, ...] | None = None,
    stories: tuple[str, ...] | None = None,
) -> Organization:
    """Staff every team: a manager, its producers, a processor, and every other team an
    assistant. Archetypes follow the team's story (loops over teams and producers only).
    ``names`` and ``stories`` default to the story cycle (:func:`team_names`)."""
    names = names or team_names(n_teams)
    stories = stories or tuple(STORIES[i % len(STORIES)] for i in range(n_teams))
    roles: list[str] = []
    teams: list[int] = []
    producer_user: list[int] = []
    producer_team: list[int] = []
    archetype: list[int] = []
    team_processor: list[int] = []
    team_manager: list[int] = []
    for t in range(n_teams):
        size = team_sizes[t % len(team_sizes)]
        story = stories[t]
        if story == "mixed":
            offset = int(rng.integers(len(_MIXED_CYCLE)))
            arch = [_MIXED_CYCLE[(offset + i) % len(_MIXED_CYCLE)] for i in range(size)]
        else:
            main, minority = _STAFFING[story]
            arch = [main] * size
            n_minor = max(1, round(0.15 * size))
            for i in rng.choice(size, n_minor, replace=False):
                arch[int(i)] = minority
        team_manager.append(len(roles))
        roles.append("manager")
        teams.append(t)
        for a in arch:
            producer_user.append(len(roles))
            producer_team.append(t)
            archetype.append(a)
            roles.append("producer")
            teams.append(t)
        team_processor.append(len(roles))
        roles.append("processor")
        teams.append(t)
        if t % 2 == 0:
            roles.append("assistant")
            teams.append(t)
    n_users = len(roles)
    combos = rng.choice(len(text.FIRST_NAMES) * len(text.LAST_NAMES), n_users, replace=False)
    first = np.asarray(text.FIRST_NAMES)[combos // len(text.LAST_NAMES)]
    last = np.asarray(text.LAST_NAMES)[combos % len(text.LAST_NAMES)]
    user_names = np.char.add(np.char.add(first, " "), last)
    user_ids = np.char.add("U", np.char.zfill(np.arange(1, n_users + 1).astype(str), 4))
    role_arr = np.asarray(roles)
    # Seats were bought for the launch; one assistant seat has since been vacated.
    active = np.ones(n_users, dtype=bool)
    assistants = np.flatnonzero(role_arr == "assistant")
    if len(assistants):
        active[assistants[-1]] = False
    seat_start = np.full(n_users, LAUNCH - 7, dtype=np.int64)
    arch_arr = np.asarray(archetype, dtype=np.int64)
    lapse_days = rng.integers(35, 56, len(arch_arr))
    lapse_s = np.where(arch_arr == LAPSED, (LAUNCH + lapse_days) * DAY, NEVER)
    return Organization(
        team_names=names,
        team_stories=stories,
        user_ids=user_ids,
        user_names=user_names,
        user_team=np.asarray(teams, dtype=np.int64),
        user_role=role_arr,
        user_active=active,
        user_seat_start=seat_start,
        producer_user=np.asarray(producer_user, dtype=np.int64),
        producer_team=np.asarray(producer_team, dtype=np.int64),
        archetype=arch_arr,
        lapse_s=lapse_s.astype(np.int64),
        team_processor=np.asarray(team_processor, dtype=np.int64),
        team_manager=np.asarray(team_manager, dtype=np.int64),
    )


# ------------------------------------------------------------------------------ loans
#: Lead sources (codes of kit.schema.LEAD_SOURCES) and how often leads come from each.
SOURCES: tuple[str, ...] = (
    "zillow",
    "lendingtree",
    "bankrate",
    "website",
    "realtor_referral",
    "past_client",
    "builder",
    "self_generated",
    "other",
)
SOURCE_SHARE = np.array([0.17, 0.13, 0.06, 0.12, 0.24, 0.10, 0.06, 0.09, 0.03])
#: Internet leads arrive through lead routing, which creates the contact and a new-lead
#: opportunity; lead source is left for the producer to set.
INTERNET = np.array([True, True, True, True, False, False, False, False, False])
REFERRED = np.array([False, False, False, False, True, False, True, False, False])
#: Share of leads from each source that fund.
FUND_RATE = np.array([0.05, 0.04, 0.045, 0.07, 0.32, 0.30, 0.38, 0.18, 0.10])
#: Where lost loans were lost: new lead, pre-approval, application, processing,
#: underwriting, clear to close.
LOST_AT_STAGE = np.array([0.62, 0.22, 0.07, 0.03, 0.04, 0.02])

PURPOSES: tuple[str, ...] = ("purchase", "refinance", "cash_out_refinance", "heloc", "other")
# Purpose mix per source group: internet, referral/builder, past client, self/other.
_PURPOSE_BY_GROUP = np.array(
    [
        [0.60, 0.22, 0.12, 0.05, 0.01],
        [0.95, 0.03, 0.02, 0.00, 0.00],
        [0.35, 0.35, 0.20, 0.10, 0.00],
        [0.60, 0.20, 0.10, 0.08, 0.02],
    ]
)
_SOURCE_GROUP = np.array([0, 0, 0, 0, 1, 2, 1, 3, 3])
#: Median days (and log-spread) to move into each stage from the previous one:
#: pre-approval, application (purchase: the buyer finds a home), processing, underwriting,
#: clear to close, funded.
_STAGE_DAYS = np.array([[2.5, 0.9], [10.0, 0.6], [1.5, 0.5], [6.0, 0.4], [10.0, 0.4], [5.0, 0.4]])
#: Business days from a loan's last real move to its loss: a lead or pre-approval fades
#: over weeks; a loan in process is withdrawn or denied within days.
_LOST_AFTER_LEAD = (5, 33)
_LOST_IN_PROCESS = (2, 12)
#: Business days after a losing lead's last move at which it has visibly gone quiet (no
#: answer to calls, texts and emails): a disciplined producer closes it out then.
_QUIET_AFTER = (3, 9)
_REFI_APPLICATION_DAYS = (3.0, 0.7)
N_STAGES = 7  # new_lead .. funded
FUNDED = 6


@dataclass(frozen=True)
class Loans:
    """Every lead a producer really worked, and how far its loan really got."""

    producer: np.ndarray
    source: np.ndarray  # index into SOURCES
    purpose: np.ndarray  # index into PURPOSES
    amount: np.ndarray  # dollars, rounded to $50
    funded: np.ndarray  # bool
    max_stage: np.ndarray  # furthest stage reached (6 = funded)
    stage_at: np.ndarray  # (n, 7) when each stage was reached; NEVER if not reached
    lost_at: np.ndarray  # NEVER for funded loans
    quiet_at: np.ndarray  # a losing lead has visibly gone quiet (= lost_at in process)
    end: np.ndarray  # funded or lost time

    @property
    def arrival(self) -> np.ndarray:
        return self.stage_at[:, 0]

    def __len__(self) -> int:
        return len(self.producer)


def build_loans(rng: np.random.Generator, org: Organization, *, leads_per_year: float) -> Loans:
    """Leads arriving from the lead-in start to the as-of date, and their true loan paths."""
    span = AS_OF - LEAD_IN_START + 1
    per_producer = rng.poisson(leads_per_year * span / 365, org.n_producers)
    producer = np.repeat(np.arange(org.n_producers), per_producer)
    n = len(producer)
    day = rng.integers(LEAD_IN_START, AS_OF + 1, n)
    in_office = rng.random(n) < 0.8
    after_hours = day * DAY + rng.integers(6 * HOUR, 22 * HOUR, n)
    office_day = random_business_day(rng, LEAD_IN_START, AS_OF, n)
    arrival = np.where(in_office, office_day * DAY + office_seconds(rng, n), after_hours)

    source = pick(rng, SOURCE_SHARE, np.arange(n))
    purpose = pick(rng, _PURPOSE_BY_GROUP, _SOURCE_GROUP[source])
    median = np.where(source == SOURCES.index("builder"), 420_000.0, 340_000.0)
    amount = np.exp(np.log(median) + rng.normal(0.0, 0.42, n))
    heloc = purpose == PURPOSES.index("heloc")
    amount = np.where(heloc, np.exp(np.log(85_000.0) + rng.normal(0.0, 0.5, n)), amount)
    amount = np.round(np.clip(amount, 20_000, 1_800_000) / 50) * 50

    funded = rng.random(n) < FUND_RATE[source]
    lost_stage = pick(rng, LOST_AT_STAGE, np.arange(n))
    max_stage = np.where(funded, FUNDED, lost_stage)

    stage_at = np.empty((n, N_STAGES), dtype=np.int64)
    stage_at[:, 0] = arrival
    refi = purpose != PURPOSES.index("purchase")
    for k in range(1, N_STAGES):
        med, spread = _STAGE_DAYS[k - 1]
        days = np.exp(np.log(med) + rng.normal(0.0, spread, n))
        if k == 2:
            refi_days = np.exp(np.log(_REFI_APPLICATION_DAYS[0]) + rng.normal(0, 0.7, n))
            days = np.where(refi, refi_days, days)
        prev = stage_at[:, k - 1]
        working_days = np.round(days * 5 / 7).astype(np.int64)
        t = add_business_days(prev // DAY, working_days) * DAY + office_seconds(rng, n)
        stage_at[:, k] = np.maximum(t, prev + 10 * MINUTE)
    reached = np.arange(N_STAGES)[None, :] <= max_stage[:, None]
    stage_at = np.where(reached, stage_at, NEVER)
    last = stage_at[np.arange(n), max_stage]
    last_day = np.minimum(last, END_S + 400 * DAY) // DAY
    early = max_stage <= 1
    after = np.where(early, rng.integers(*_LOST_AFTER_LEAD, n), rng.integers(*_LOST_IN_PROCESS, n))
    lost_at = add_business_days(last_day, after) * DAY + office_seconds(rng, n)
    lost_at = np.where(funded, NEVER, np.maximum(lost_at, last + HOUR))
    quiet = add_business_days(last_day, rng.integers(*_QUIET_AFTER, n)) * DAY
    quiet_at = np.where(early, np.minimum(quiet + office_seconds(rng, n), lost_at), lost_at)
    quiet_at = np.where(funded, NEVER, np.maximum(quiet_at, last + HOUR))
    end = np.where(funded, stage_at[:, FUNDED], lost_at)
    return Loans(
        producer=producer,
        source=source,
        purpose=purpose,
        amount=amount,
        funded=funded,
        max_stage=max_stage,
        stage_at=stage_at,
        lost_at=lost_at,
        quiet_at=quiet_at,
        end=end,
    )


def true_stage_at(loans: Loans, t: np.ndarray) -> np.ndarray:
    """The stage each loan was really in at ``t`` (7 = lost)."""
    stage = (loans.stage_at <= t[:, None]).sum(axis=1) - 1
    return np.where(loans.lost_at <= t, N_STAGES, np.maximum(stage, 0))
