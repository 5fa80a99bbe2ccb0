"""Logged work of the demo organization: human activities, automated campaign messages, logins.

Producers really touch their leads, loans, past clients and partners whatever the CRM
says; a touch is *logged* with the probability of the producer's adoption state at that
moment (a lapsed producer stops logging after about 45 days, but keeps logging in).
Campaigns send regardless of adoption, to whoever the CRM says is enrolled, and stop
nurturing a lead only when the CRM shows it applied or lost. Vectorized over rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kit.demo import text
from kit.demo.crm import (
    LEAD,
    NEWSLETTER,
    NURTURE,
    PARTNER,
    PARTNER_UPDATE,
    PAST_CLIENT,
    RATE_ALERT,
    TEXT_DRIP,
    Contacts,
    Opportunities,
)
from kit.demo.world import (
    AS_OF,
    BEHAVIOUR,
    CONSISTENT,
    DAY,
    END_S,
    FIRST_TOUCH_MIN,
    HOLIDAYS,
    HOUR,
    LAUNCH,
    LAUNCH_S,
    MINUTE,
    NEVER,
    PARTNER_INTERVAL,
    PAST_CLIENT_INTERVAL,
    PRE,
    REGULAR_CADENCE,
    REQUIRED,
    S_NEVER,
    Loans,
    Organization,
    add_business_days,
    business_day,
    business_time,
    day_number,
    in_office,
    office_seconds,
    pick,
    random_business_day,
)

B = BEHAVIOUR
CALL, EMAIL, TEXT, MEETING, NOTE, TASK = range(6)  # kit.schema.ACTIVITY_TYPES order
#: Kinds of conversation (rows of the outcome / next-step lists).
NEW_LEAD, IN_PROCESS, WITH_PAST_CLIENT, WITH_PARTNER = range(4)
#: Activity type mix per kind of conversation.
_TYPE_MIX = np.array(
    [
        [0.50, 0.20, 0.25, 0.02, 0.03, 0.00],
        [0.35, 0.30, 0.15, 0.00, 0.10, 0.10],
        [0.40, 0.25, 0.30, 0.05, 0.00, 0.00],
        [0.35, 0.20, 0.25, 0.20, 0.00, 0.00],
    ]
)
_FIRST_TOUCH_TYPES = np.array([0.60, 0.15, 0.25, 0.0, 0.0, 0.0])
#: Mean follow-up touches of a lead by the furthest stage its loan reached.
_FOLLOW_UPS = np.array([2.0, 4.0, 6.0, 8.0, 9.0, 10.0, 11.0])
_EMAIL_DRIP_DAYS = np.array([0, 2, 5, 9, 14, 21, 30, 45, 60, 90, 120, 150, 180, 240, 300])
_TEXT_DRIP_DAYS = np.array([0, 1, 3, 8])
_RATE_ALERT_DAYS = np.array([day_number("2025-03-12"), day_number("2025-09-18")])
PARTNER_UPDATE_START = day_number("2025-01-23")


def _flat(groups: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    flat = tuple(s for g in groups for s in g)
    sizes = np.array([len(g) for g in groups])
    return flat, np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes


OUTCOME_TEXTS, _OUTCOME_START, _OUTCOME_N = _flat(text.OUTCOMES)
NEXT_STEP_TEXTS, _NEXT_START, _NEXT_N = _flat(text.NEXT_STEPS)
MESSAGE_TEXTS, _MESSAGE_START, _MESSAGE_N = _flat(text.CAMPAIGN_MESSAGES)
#: Note templates: the human notes, one note that quotes the borrower's phone, then every
#: campaign message. ``NOTE_INSERT``: 0 nothing, 1 the contact's first name, 2 its phone.
NOTE_PARTS: tuple[tuple[str, str], ...] = (
    *text.NOTES,
    ("Prefers a text at ", ""),
    *(("", m) for m in MESSAGE_TEXTS),
)
NOTE_INSERT = np.array(
    [1 if before else 0 for before, _ in text.NOTES] + [2] + [0] * len(MESSAGE_TEXTS)
)
_PHONE_NOTE = len(text.NOTES)
_FIRST_MESSAGE_NOTE = len(text.NOTES) + 1


@dataclass(frozen=True)
class Activities:
    """Activity rows (not yet sorted or numbered)."""

    user: np.ndarray  # user index
    type: np.ndarray
    occurred: np.ndarray
    logged: np.ndarray
    contact: np.ndarray  # contact row (-1)
    opportunity: np.ndarray  # opportunity row (-1)
    outcome: np.ndarray  # index into OUTCOME_TEXTS (-1)
    next_step: np.ndarray  # index into NEXT_STEP_TEXTS (-1)
    next_step_due: np.ndarray  # day number (-1)
    note: np.ndarray  # index into NOTE_PARTS (-1)
    automated: np.ndarray
    campaign: np.ndarray  # campaign index (-1)

    def __len__(self) -> int:
        return len(self.user)


def _concat(parts: list[Activities]) -> Activities:
    return Activities(
        **{
            k: np.concatenate([getattr(p, k) for p in parts])
            for k in Activities.__dataclass_fields__
        }
    )


def build_activities(
    rng: np.random.Generator,
    org: Organization,
    loans: Loans,
    contacts: Contacts,
    opportunities: Opportunities,
) -> Activities:
    """Every activity the CRM holds: logged human work, processor notes, campaign sends."""
    return _concat(
        [
            _human(rng, org, loans, contacts, opportunities),
            _processor_notes(rng, org, loans, contacts, opportunities),
            _automated(rng, org, contacts, opportunities),
        ]
    )


def _human(
    rng: np.random.Generator,
    org: Organization,
    loans: Loans,
    contacts: Contacts,
    opportunities: Opportunities,
) -> Activities:
    arrival = loans.arrival
    # First touch of every lead still being worked at launch.
    lead = np.flatnonzero(loans.end >= LAUNCH_S - 2 * DAY)
    prod = loans.producer[lead]
    state = org.state(prod, arrival[lead])
    minutes = np.exp(np.log(FIRST_TOUCH_MIN[state]) + rng.normal(0.0, 1.2, len(lead)))
    first = arrival[lead] + (minutes * MINUTE).astype(np.int64)
    slow = minutes > 600  # hours later: the next working day
    first = np.where(slow, np.maximum(business_time(rng, first // DAY + 1), first), first)
    first_type = pick(rng, _FIRST_TOUCH_TYPES, lead)
    # Follow-ups spread over the loan's life.
    n_follow = rng.poisson(_FOLLOW_UPS[loans.max_stage[lead]])
    rep = np.repeat(np.arange(len(lead)), n_follow)
    start = first[rep]
    stop = np.maximum(loans.end[lead][rep], start + DAY)
    stop = np.minimum(stop, start + 400 * DAY)  # loans still open long after the data
    day = random_business_day(rng, start // DAY, stop // DAY, len(rep))
    when = np.maximum(day * DAY + office_seconds(rng, len(rep)), start + MINUTE)
    at_stage = (loans.stage_at[lead[rep]] <= when[:, None]).sum(axis=1) - 1
    in_process = (at_stage >= 2) & (when < loans.lost_at[lead[rep]])
    follow_kind = np.where(in_process, IN_PROCESS, NEW_LEAD)
    follow_type = pick(rng, _TYPE_MIX, follow_kind)

    # Past clients and referral partners, touched on the producer's own cadence.
    rel, rel_conv, rel_when = _relationship_touches(rng, org, contacts)
    rel_type = pick(rng, _TYPE_MIX, rel_conv)

    lead_row = contacts.lead_offset + lead
    producer = np.concatenate([prod, prod[rep], contacts.producer[rel]])
    contact = np.concatenate([lead_row, lead_row[rep], rel])
    loan = np.concatenate([lead, lead[rep], np.full(len(rel), -1)])
    occurred = np.concatenate([first, when, rel_when])
    kind = np.concatenate([np.full(len(lead), NEW_LEAD), follow_kind, rel_conv])
    kind_type = np.concatenate([first_type, follow_type, rel_type])

    # Which of these touches made it into the CRM.
    state = org.state(producer, occurred)
    conversation = (kind_type == CALL) | (kind_type == MEETING)
    p_log = np.where(conversation, B.log_call[state], B.log_other[state])
    keep = (rng.random(len(occurred)) < p_log) & (occurred < END_S)
    producer, contact, loan = producer[keep], contact[keep], loan[keep]
    occurred, kind, kind_type = occurred[keep], kind[keep], kind_type[keep]
    state, conversation = state[keep], conversation[keep]
    n = len(occurred)

    has_next = conversation & (rng.random(n) < B.next_step[state])
    due = add_business_days(occurred // DAY, rng.integers(1, 7, n))
    # A next step done by its due date: the promised email or text, logged like any touch.
    done = np.flatnonzero(has_next & (rng.random(n) < B.complete_next_step[state]))
    done_day = random_business_day(rng, occurred[done] // DAY, due[done], len(done))
    done_at = done_day * DAY + office_seconds(rng, len(done))
    done_at = np.maximum(done_at, occurred[done] + 20 * MINUTE + rng.integers(0, HOUR, len(done)))
    done, done_at = done[done_at < END_S], done_at[done_at < END_S]
    k = len(done)
    producer = np.concatenate([producer, producer[done]])
    contact = np.concatenate([contact, contact[done]])
    loan = np.concatenate([loan, loan[done]])
    occurred = np.concatenate([occurred, done_at])
    kind = np.concatenate([kind, kind[done]])
    kind_type = np.concatenate([kind_type, np.where(rng.random(k) < 0.5, EMAIL, TEXT)])
    state = np.concatenate([state, org.state(producer[n:], done_at)])
    conversation = np.concatenate([conversation, np.zeros(k, dtype=bool)])
    has_next = np.concatenate([has_next, np.zeros(k, dtype=bool)])
    due = np.concatenate([due, np.full(k, -1)])
    n = len(occurred)

    opp_of_loan = np.full(len(loans), -1)
    opp_of_loan[opportunities.loan] = np.arange(len(opportunities))
    opp = np.where(loan >= 0, opp_of_loan[np.maximum(loan, 0)], -1)
    linked = (
        (opp >= 0)
        & (opportunities.created[np.maximum(opp, 0)] <= occurred)
        & (rng.random(n) < B.link_opportunity[state])
    )
    has_outcome = conversation & (rng.random(n) < B.outcome[state])
    outcome = _OUTCOME_START[kind] + (rng.random(n) * _OUTCOME_N[kind]).astype(np.int64)
    next_step = _NEXT_START[kind] + (rng.random(n) * _NEXT_N[kind]).astype(np.int64)
    has_note = (kind <= IN_PROCESS) & (rng.random(n) < B.notes[state])
    note = np.where(rng.random(n) < 0.02, _PHONE_NOTE, rng.integers(0, len(text.NOTES), n))
    late = rng.random(n) < B.late_share[state]
    lag_min = np.exp(np.log(B.log_lag_min[state]) + rng.normal(0.0, 1.0, n))
    lag = np.where(late, rng.integers(DAY, 12 * DAY, n), (lag_min * MINUTE).astype(np.int64))
    logged = occurred + lag
    logged = np.where(lag > HOUR, in_office(rng, logged), logged)
    ok = logged < END_S  # not yet logged when the export was taken
    return Activities(
        user=org.producer_user[producer][ok],
        type=kind_type[ok],
        occurred=occurred[ok],
        logged=logged[ok],
        contact=contact[ok],
        opportunity=np.where(linked, opp, -1)[ok],
        outcome=np.where(has_outcome, outcome, -1)[ok],
        next_step=np.where(has_next, next_step, -1)[ok],
        next_step_due=np.where(has_next, due, -1)[ok],
        note=np.where(has_note, note, -1)[ok],
        automated=np.zeros(ok.sum(), dtype=bool),
        campaign=np.full(ok.sum(), -1),
    )


def _relationship_touches(
    rng: np.random.Generator, org: Organization, contacts: Contacts
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Touches of past clients and referral partners since launch (contact row, kind of
    conversation, time): a consistent producer keeps a regular cadence (each gap 60-140% of
    the interval), the others touch them at random times at their own rate. A producer who
    takes up the requirement switches to a consistent producer's cadence on that day."""
    days_live = AS_OF + 1 - LAUNCH
    rows_out, kind_out, when_out = [], [], []
    for kind, interval, conversation in (
        (PAST_CLIENT, PAST_CLIENT_INTERVAL, WITH_PAST_CLIENT),
        (PARTNER, PARTNER_INTERVAL, WITH_PARTNER),
    ):
        rows = np.flatnonzero((contacts.kind == kind) & (contacts.duplicate_of < 0))
        arch = org.archetype[contacts.producer[rows]]
        every = interval[arch]
        regular = REGULAR_CADENCE[arch]
        # At random: a Poisson number of touches on uniformly drawn business days.
        n = np.where(regular, 0, rng.poisson(days_live / every))
        r_rows = np.repeat(rows, n)
        r_day = random_business_day(rng, LAUNCH, AS_OF, len(r_rows))
        # Regularly: gaps of 60-140% of the interval, the first a random part of one.
        reg = np.flatnonzero(regular)
        g_rows, g_day = _cadence(rng, rows[reg], every[reg], LAUNCH, days_live)
        responds = org.responds[contacts.producer[rows]]
        if responds.any():
            # the random touches stop on the requirement date, the cadence takes over
            keep = ~(org.responds[contacts.producer[r_rows]] & (r_day >= REQUIRED))
            r_rows, r_day = r_rows[keep], r_day[keep]
            c_rows, c_day = _cadence(
                rng,
                rows[responds],
                interval[np.full(int(responds.sum()), CONSISTENT)],
                REQUIRED,
                AS_OF + 1 - REQUIRED,
            )
            g_rows, g_day = np.concatenate([g_rows, c_rows]), np.concatenate([g_day, c_day])
        rows_out += [r_rows, g_rows]
        when_out += [r_day, g_day]
        kind_out.append(np.full(len(r_rows) + len(g_rows), conversation))
    day = np.concatenate(when_out)
    when = day * DAY + office_seconds(rng, len(day))
    return np.concatenate(rows_out), np.concatenate(kind_out), when


def _cadence(
    rng: np.random.Generator, rows: np.ndarray, every: np.ndarray, start: int, days: int
) -> tuple[np.ndarray, np.ndarray]:
    """Touch days of ``rows`` on a regular cadence from day ``start`` for ``days`` days."""
    slots = np.ceil(days / (0.6 * every)).astype(np.int64) + 1
    owner = np.repeat(np.arange(len(rows)), slots)
    gaps = every[owner] * rng.uniform(0.6, 1.4, len(owner))
    cum = np.cumsum(gaps)
    first = np.cumsum(slots) - slots
    since_start = cum - np.repeat(cum[first] - gaps[first], slots)
    lead_in = rng.random(len(rows)) * gaps[first]
    g_day = business_day(start + (since_start - lead_in[owner]).astype(np.int64))
    live = g_day <= AS_OF
    return rows[owner][live], g_day[live]


def _processor_notes(
    rng: np.random.Generator,
    org: Organization,
    loans: Loans,
    contacts: Contacts,
    opportunities: Opportunities,
) -> Activities:
    """Processors note conditions and tasks when a loan they see moves in the CRM."""
    h = opportunities
    recorded = h.history_at > h.created[h.history_opportunity]  # not the creation row
    rows = np.flatnonzero(
        recorded
        & (h.history_stage >= 3)
        & (h.history_stage <= 5)
        & (rng.random(len(h.history_stage)) < 0.6)
    )
    opp = h.history_opportunity[rows]
    loan = h.loan[opp]
    team = org.producer_team[loans.producer[loan]]
    occurred = in_office(rng, h.history_at[rows] + rng.integers(5 * MINUTE, 4 * HOUR, len(rows)))
    kind_type = np.where(rng.random(len(rows)) < 0.6, NOTE, TASK)
    n = len(rows)
    is_task = kind_type == TASK
    next_step = _NEXT_START[IN_PROCESS] + rng.integers(0, _NEXT_N[IN_PROCESS], n)
    logged = occurred + rng.integers(MINUTE, 30 * MINUTE, n)
    ok = (occurred < END_S) & (logged < END_S)
    nameless = np.flatnonzero(NOTE_INSERT[: len(text.NOTES)] == 0)
    return Activities(
        user=org.team_processor[team][ok],
        type=kind_type[ok],
        occurred=occurred[ok],
        logged=logged[ok],
        contact=(contacts.lead_offset + loan)[ok],
        opportunity=opp[ok],
        outcome=np.full(ok.sum(), -1),
        next_step=np.where(is_task, next_step, -1)[ok],
        next_step_due=np.where(is_task, add_business_days(occurred // DAY, 2), -1)[ok],
        note=np.where(is_task, -1, rng.choice(nameless, n))[ok],
        automated=np.zeros(ok.sum(), dtype=bool),
        campaign=np.full(ok.sum(), -1),
    )


def _automated(
    rng: np.random.Generator, org: Organization, contacts: Contacts, opportunities: Opportunities
) -> Activities:
    """Campaign sends: lead nurture emails and texts, the past-client newsletter and rate
    alerts, the partner update. Sent under the owning producer's name."""
    parts: list[
        tuple[np.ndarray, np.ndarray, int, int, np.ndarray]
    ] = []  # rows, times, campaign, type, step
    stop_of_loan = opportunities.progressed
    nurture = contacts.campaign == NURTURE
    for offsets, campaign, kind, reachable in (
        (_EMAIL_DRIP_DAYS, NURTURE, EMAIL, contacts.has_email),
        (_TEXT_DRIP_DAYS, TEXT_DRIP, TEXT, contacts.has_phone),
    ):
        rows = np.flatnonzero(nurture & reachable & (contacts.kind == LEAD))
        created = contacts.created[rows]
        loan = contacts.loan[rows]
        stop = np.where(loan >= 0, stop_of_loan[np.maximum(loan, 0)], NEVER)
        stop = np.minimum(stop, END_S)
        days = created[:, None] // DAY + offsets[None, :]  # automation sends every day
        when = days * DAY + 9 * HOUR + rng.integers(0, 2 * HOUR, (len(rows), len(offsets)))
        when[:, 0] = created + rng.integers(MINUTE // 2, 5 * MINUTE, len(rows))
        when = np.maximum(when, created[:, None] + MINUTE // 2)
        r, step = np.nonzero(when < stop[:, None])
        parts.append((rows[r], when[r, step], campaign, kind, step))
    months = np.arange("2025-02", "2025-11", dtype="datetime64[M]").astype("datetime64[D]")
    second_tuesday = np.busday_offset(months, 1, roll="forward", weekmask="Tue").astype(np.int64)
    partner_days = np.arange(PARTNER_UPDATE_START, AS_OF + 1, 14)
    for send_days, campaign, kind, audience, reachable, hour in (
        (second_tuesday, NEWSLETTER, EMAIL, NEWSLETTER, contacts.has_email, 10),
        (_RATE_ALERT_DAYS, RATE_ALERT, TEXT, NEWSLETTER, contacts.has_phone, 11),
        (partner_days, PARTNER_UPDATE, EMAIL, PARTNER_UPDATE, contacts.has_email, 8),
    ):
        rows = np.flatnonzero((contacts.campaign == audience) & reachable)
        base = (send_days * DAY + hour * HOUR)[None, :]
        when = base + rng.integers(0, 30 * MINUTE, (len(rows), len(send_days)))
        r, step = np.nonzero((when > contacts.created[rows][:, None]) & (when < END_S))
        parts.append((rows[r], when[r, step], campaign, kind, step))
    row = np.concatenate([p[0] for p in parts])
    occurred = np.concatenate([p[1] for p in parts])
    campaign = np.concatenate([np.full(len(p[0]), p[2]) for p in parts])  # type: ignore[assignment]
    kind_type = np.concatenate([np.full(len(p[0]), p[3]) for p in parts])
    step = np.concatenate([p[4] for p in parts])
    message = _FIRST_MESSAGE_NOTE + _MESSAGE_START[campaign] + step % _MESSAGE_N[campaign]
    n = len(row)
    blank = np.full(n, -1)
    return Activities(
        user=org.producer_user[contacts.producer[row]],
        type=kind_type,
        occurred=occurred,
        logged=occurred,
        contact=row,
        opportunity=blank,
        outcome=blank,
        next_step=blank,
        next_step_due=blank,
        note=message,
        automated=np.ones(n, dtype=bool),
        campaign=campaign,  # type: ignore[arg-type]  # every row's campaign, an array
    )


@dataclass(frozen=True)
class Logins:
    user: np.ndarray
    at: np.ndarray


def build_logins(rng: np.random.Generator, org: Organization) -> Logins:
    """Logins on business days from the training day before launch: presence, which a
    lapsed producer keeps up long after the work stopped being logged."""
    days = np.arange(LAUNCH - 3, AS_OF + 1)
    days = days[np.is_busday(days.astype("datetime64[D]"), holidays=HOLIDAYS)]
    n_users = len(org.user_ids)
    by_role = {"manager": 0.75, "processor": 0.90, "assistant": 0.80}
    p = np.zeros((n_users, len(days)))
    for role, share in by_role.items():
        p[org.user_role == role] = share
    noon = days * DAY + 12 * HOUR
    producer_state = org.state(
        np.repeat(np.arange(org.n_producers), len(days)), np.tile(noon, org.n_producers)
    ).reshape(org.n_producers, len(days))
    p_prod = B.login[producer_state]
    first_weeks = (days >= LAUNCH) & (days < LAUNCH + 14)
    p_prod = np.where((producer_state == S_NEVER) & first_weeks[None, :], 0.5, p_prod)
    p_prod = np.where(producer_state == PRE, 0.85, p_prod)
    p[org.producer_user] = p_prod
    p[:, days < LAUNCH] = 0.85  # the training day
    p[~org.user_active, :] = np.where(days < LAUNCH + 150, p[~org.user_active, :], 0.0)
    count = (rng.random(p.shape) < p) * (1 + rng.poisson(0.6, p.shape))
    user, day = np.nonzero(count)
    reps = count[user, day]
    user = np.repeat(user, reps)
    at = np.repeat(days[day], reps) * DAY + office_seconds(rng, int(reps.sum()))
    return Logins(user=user, at=at)


__all__ = [
    "MESSAGE_TEXTS",
    "NEXT_STEP_TEXTS",
    "NOTE_INSERT",
    "NOTE_PARTS",
    "OUTCOME_TEXTS",
    "Activities",
    "Logins",
    "build_activities",
    "build_logins",
]
