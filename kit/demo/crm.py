"""What the demo organization's CRM and LOS hold: contacts, opportunities, stage history.

Derived from the true world (``kit.demo.world``) through each producer's adoption state at
the moment something happened: a consistent producer records a stage change within a day,
a partial producer never does, a lapsed producer stops after about 45 days, a producer who
never adopted leaves the CRM to lead routing. The LOS holds every loan that reached
application, whatever the CRM says. All arrays are row-aligned numpy; no loops over rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kit.demo import text
from kit.demo.world import (
    AS_OF,
    BEHAVIOUR,
    CLEANUP_S,
    DAY,
    END_S,
    FUNDED,
    HOUR,
    IMPORT_DILIGENCE,
    IMPORT_OPEN_PIPELINE,
    INTERNET,
    LAUNCH,
    LAUNCH_S,
    LEAD_IN_START,
    MINUTE,
    NEVER,
    REFERRED,
    REQUIRED_S,
    SOURCES,
    WINDOW_START,
    Loans,
    Organization,
    business_day,
    day_number,
    in_office,
    office_seconds,
    pick,
    random_business_day,
    true_stage_at,
)

B = BEHAVIOUR
LEAD, PAST_CLIENT, PARTNER = 0, 1, 2
#: Campaign indexes (kit.demo.text.CAMPAIGNS).
NURTURE, TEXT_DRIP, NEWSLETTER, RATE_ALERT, PARTNER_UPDATE = range(5)
#: Where past clients originally came from (indexes of SOURCES).
_PAST_CLIENT_SOURCES = np.array([0.10, 0.04, 0.03, 0.10, 0.40, 0.10, 0.08, 0.15, 0.0])
_PHONE_FORMATS = np.array([0.60, 0.25, 0.10, 0.05])
_EMAIL_PATTERNS = np.array([0.45, 0.20, 0.15, 0.10, 0.10])
#: Lifecycle codes (kit.schema.LIFECYCLE_STAGES order) a recorded stage implies.
_LIFECYCLE_OF_STAGE = np.array([0, 1, 2, 2, 2, 2, 3, 0])  # lead, prospect, applicant, customer
LIFECYCLE_PAST_CLIENT, LIFECYCLE_PARTNER = 4, 5


@dataclass(frozen=True)
class Contacts:
    """Every contact row, in generation order: partners, past clients, leads, duplicates."""

    kind: np.ndarray
    producer: np.ndarray
    created: np.ndarray
    loan: np.ndarray  # loan of a lead (-1 otherwise)
    first: np.ndarray  # index into FIRST_NAMES
    last: np.ndarray  # index into LAST_NAMES
    lead_source: np.ndarray  # index into SOURCES (-1 blank)
    lifecycle: np.ndarray  # index into LIFECYCLE_STAGES (-1 blank); leads updated later
    referred_by: np.ndarray  # row of the referring partner (-1)
    campaign: np.ndarray  # campaign index (-1)
    has_email: np.ndarray
    has_phone: np.ndarray
    email_pattern: np.ndarray
    email_domain: np.ndarray
    email_variant: np.ndarray  # 0 as typed; 1 upper case, 2 capitalized, 3 padded (duplicates)
    phone_slot: np.ndarray  # unique (area code, line) slot of the person
    phone_format: np.ndarray
    duplicate_of: np.ndarray  # row this one duplicates (-1)
    lead_offset: int  # row of loan 0's lead contact

    def __len__(self) -> int:
        return len(self.kind)


def build_contacts(
    rng: np.random.Generator,
    org: Organization,
    loans: Loans,
    *,
    past_clients: float,
    partners: float,
    deal_phones: bool = True,
) -> Contacts:
    """Referral partners and past clients imported at launch (with their original created
    dates), every lead the producers received, and a few duplicate people.

    Each person gets a random phone slot (an area code and line); with ``deal_phones``
    false, just the person's number (0, 1, ...), for a caller that deals out the real
    slots itself (it saves shuffling every slot for each team of the xlarge scale).
    """
    n_prod = org.n_producers
    arch = org.archetype
    # Referral partners (realtors and builders), imported at launch.
    n_partners = np.maximum(3, rng.poisson(partners, n_prod))
    pr_prod = np.repeat(np.arange(n_prod), n_partners)
    pr_first_row = np.concatenate([[0], np.cumsum(n_partners)[:-1]])
    n_pr = len(pr_prod)
    pr_day = random_business_day(rng, day_number("2018-01-02"), LAUNCH - 4, n_pr)
    pr_created = pr_day * DAY + office_seconds(rng, n_pr)
    import_fill = np.maximum(IMPORT_DILIGENCE[arch], _steward(org))
    pr_source = np.where(rng.random(n_pr) < import_fill[pr_prod], 7, -1)
    # Past clients, imported at launch.
    n_clients = rng.poisson(past_clients, n_prod)
    pc_prod = np.repeat(np.arange(n_prod), n_clients)
    n_pc = len(pc_prod)
    pc_day = random_business_day(rng, day_number("2016-01-04"), LEAD_IN_START - 1, n_pc)
    pc_created = pc_day * DAY + office_seconds(rng, n_pc)
    pc_source = pick(rng, _PAST_CLIENT_SOURCES, np.arange(n_pc))
    pc_source = np.where(rng.random(n_pc) < import_fill[pc_prod], pc_source, -1)
    # Leads: one per loan. Leads from before launch were imported with their dates.
    n_ld = len(loans)
    arrival = loans.arrival
    post = arrival >= LAUNCH_S
    state = org.state(loans.producer, arrival)
    fill = np.where(post, B.diligence[state], IMPORT_DILIGENCE[arch[loans.producer]])
    fill = np.maximum(fill, _steward(org)[loans.producer])
    ld_source = np.where(rng.random(n_ld) < fill, loans.source, -1)
    referred = REFERRED[loans.source] & (rng.random(n_ld) < fill)
    skew = rng.random(n_ld) ** 2  # a few partners send most referrals
    partner = pr_first_row[loans.producer] + (skew * n_partners[loans.producer]).astype(np.int64)
    ld_referred = np.where(referred, partner, -1)  # partners are the first rows

    kind = np.concatenate([np.full(n_pr, PARTNER), np.full(n_pc, PAST_CLIENT), np.full(n_ld, LEAD)])
    n = len(kind)
    producer = np.concatenate([pr_prod, pc_prod, loans.producer])
    has_email = rng.random(n) >= np.select(
        [kind == PARTNER, kind == PAST_CLIENT], [0.02, 0.08], 0.04
    )
    has_phone = rng.random(n) >= np.select(
        [kind == PARTNER, kind == PAST_CLIENT], [0.01, 0.10], 0.05
    )
    post_all = np.concatenate([np.zeros(n_pr + n_pc, dtype=bool), post])
    lifecycle = np.select(
        [kind == PARTNER, kind == PAST_CLIENT], [LIFECYCLE_PARTNER, LIFECYCLE_PAST_CLIENT], 0
    )
    lifecycle_set = rng.random(n) < np.where(post_all, 0.90, 0.80)
    lifecycle = np.where(lifecycle_set, lifecycle, -1)
    u = rng.random(n)
    campaign = np.select(
        [
            (kind == LEAD) & post_all & (u < 0.92),
            (kind == PAST_CLIENT) & (u < 0.90),
            (kind == PARTNER) & (u < 0.85),
        ],
        [NURTURE, NEWSLETTER, PARTNER_UPDATE],
        -1,
    )
    reachable = has_email | ((campaign == NURTURE) & has_phone)
    campaign = np.where(reachable, campaign, -1)
    base = dict(
        kind=kind,
        producer=producer,
        created=np.concatenate([pr_created, pc_created, arrival]),
        loan=np.concatenate([np.full(n_pr + n_pc, -1), np.arange(n_ld)]),
        first=rng.integers(len(text.FIRST_NAMES), size=n),
        last=rng.integers(len(text.LAST_NAMES), size=n),
        lead_source=np.concatenate([pr_source, pc_source, ld_source]),
        lifecycle=lifecycle,
        referred_by=np.concatenate([np.full(n_pr + n_pc, -1), ld_referred]),
        campaign=campaign,
        has_email=has_email,
        has_phone=has_phone,
        email_pattern=pick(rng, _EMAIL_PATTERNS, np.arange(n)),
        email_domain=rng.integers(len(text.EMAIL_DOMAINS), size=n),
        email_variant=np.zeros(n, dtype=np.int64),
        phone_format=pick(rng, _PHONE_FORMATS, np.arange(n)),
        duplicate_of=np.full(n, -1),
    )
    # Duplicates: the same person entered again (a second lead form, a re-import).
    dup = np.flatnonzero(
        rng.random(n) < np.select([kind == LEAD, kind == PAST_CLIENT], [0.015, 0.005], 0.0)
    )
    again = base["created"][dup] + rng.integers(HOUR, 30 * DAY, len(dup))
    dup, again = dup[again < END_S], again[again < END_S]  # not yet entered a second time
    n_dup = len(dup)
    team = org.producer_team[producer[dup]]
    other = _other_producer_in_team(rng, org, team)
    dup_producer = np.where(rng.random(n_dup) < 0.7, producer[dup], other)
    re_entered = random_business_day(rng, LAUNCH, AS_OF, n_dup) * DAY + office_seconds(rng, n_dup)
    dup_created = np.where(kind[dup] == PAST_CLIENT, re_entered, again)
    extra = {key: values[dup] for key, values in base.items()}
    extra.update(
        producer=dup_producer,
        created=dup_created,
        loan=np.full(n_dup, -1),
        # Half the re-entries lose the lead source, unless the team reviews new contacts.
        lead_source=np.where(
            rng.random(n_dup) < np.maximum(0.5, _steward(org)[dup_producer]),
            base["lead_source"][dup],
            -1,
        ),
        email_variant=rng.integers(1, 4, n_dup),
        phone_format=(base["phone_format"][dup] + rng.integers(1, 4, n_dup)) % 4,
        duplicate_of=dup,
    )
    rows = {key: np.concatenate([base[key], extra[key]]) for key in base}
    slots = rng.permutation(len(text.AREA_CODES) * 10_000)[:n] if deal_phones else np.arange(n)
    rows["phone_slot"] = np.concatenate([slots, slots[dup]])
    return Contacts(**rows, lead_offset=n_pr + n_pc)


def _steward(org: Organization) -> np.ndarray:
    """Per producer: the lead-source fill rate the team's own review guarantees. The
    disciplined team's assistant checks every new contact each morning."""
    disciplined = np.asarray(org.team_stories)[org.producer_team] == "disciplined"
    return np.where(disciplined, 0.99, 0.0)


def _other_producer_in_team(
    rng: np.random.Generator, org: Organization, team: np.ndarray
) -> np.ndarray:
    """A random producer of each given team."""
    order = np.argsort(org.producer_team, kind="stable")
    counts = np.bincount(org.producer_team, minlength=len(org.team_names))
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    offset = (rng.random(len(team)) * counts[team]).astype(np.int64)
    return order[first[team] + offset]


@dataclass(frozen=True)
class Opportunities:
    """Opportunities (rows aligned with ``loan``) and their stage history rows."""

    loan: np.ndarray
    created: np.ndarray
    stage: np.ndarray  # last recorded stage (index of kit.schema.STAGES)
    stage_changed: np.ndarray
    closed: np.ndarray  # NEVER if not closed in the CRM
    amount: np.ndarray
    has_amount: np.ndarray
    has_purpose: np.ndarray
    has_loan_number: np.ndarray
    history_opportunity: np.ndarray  # row of the opportunity
    history_stage: np.ndarray
    history_at: np.ndarray
    history_by: np.ndarray  # user index
    progressed: np.ndarray  # per loan: when the CRM first showed it applied or lost

    def __len__(self) -> int:
        return len(self.loan)


def build_opportunities(rng: np.random.Generator, org: Organization, loans: Loans) -> Opportunities:
    """Opportunities as each producer's behaviour leaves them: lead routing creates one for
    every internet lead; producers create the rest, import their open pipeline at launch,
    and record (or do not record) each stage change."""
    n = len(loans)
    arrival = loans.arrival
    arch = org.archetype[loans.producer]
    state = org.state(loans.producer, arrival)
    post = arrival >= LAUNCH_S
    internet = INTERNET[loans.source]
    lag_h = np.where(internet, 0.01, B.opportunity_lag_h[state])
    created = arrival + (rng.exponential(1.0, n) * lag_h * HOUR).astype(np.int64) + 30
    created = np.where(internet, created, in_office(rng, created))
    # Lead routing misses a few internet leads; a producer who adopted creates those too.
    p_create = np.where(
        internet, np.maximum(0.98, B.create_opportunity[state]), B.create_opportunity[state]
    )
    made = post & (rng.random(n) < p_create) & (created < np.minimum(loans.end, END_S))
    import_s = (LAUNCH - 3) * DAY + 18 * HOUR  # Friday evening before go-live
    imported = (~post) & (loans.end > import_s) & (rng.random(n) < IMPORT_OPEN_PIPELINE[arch])
    created = np.where(imported, import_s + rng.integers(0, 2 * HOUR, n), created)
    # The disciplined team's processor takes no file into processing without a CRM
    # opportunity carrying its loan number, and creates any that is missing.
    processing = loans.stage_at[:, 3]
    enforced = org.reviews_pipeline[loans.producer] & (processing >= LAUNCH_S)
    submitted = in_office(rng, processing + rng.integers(10 * MINUTE, 2 * HOUR, n))
    by_processor = enforced & ~(made | imported) & (submitted < END_S)
    created = np.where(by_processor, submitted, created)
    loan = np.flatnonzero(made | imported | by_processor)
    created = created[loan]
    m = len(loan)
    producer = loans.producer[loan]
    owner = org.producer_user[producer]
    processor = org.team_processor[org.producer_team[producer]]
    init = true_stage_at(_subset(loans, loan), created)

    # When each event became visible: stages 1..6 when reached; the loss (7) when the loan
    # was lost, or, where leads are closed out, when a losing lead went quiet.
    quiet = loans.quiet_at[loan]
    closes_out = org.reviews_pipeline[producer] | (
        rng.random(m) < B.close_out[org.state(producer, quiet)]
    )
    loss_seen = np.where(closes_out, quiet, loans.lost_at[loan])
    loss_seen = np.where(loss_seen < NEVER, np.maximum(loss_seen, created + MINUTE), NEVER)
    events = np.column_stack([loans.stage_at[loan], loss_seen])
    # The next event after each one: a review records only the stage a loan is in by then.
    next_event = np.minimum.accumulate(events[:, ::-1], axis=1)[:, ::-1]
    next_event = np.column_stack([next_event[:, 1:], np.full(m, NEVER)])
    manager = org.team_manager[org.producer_team[producer]]

    stage = init.copy()
    last = created.copy()
    closed = np.full(m, NEVER)
    progressed = np.full(m, NEVER)
    h_opp, h_stage, h_at, h_by = [np.arange(m)], [init], [created], [owner]
    for k in range(1, FUNDED + 2):  # 1..6 are stages, 7 is lost
        reached = events[:, k]
        st = org.state(producer, reached)
        p = B.track_lost[st] if k == FUNDED + 1 else B.track_stage[st]
        lag = (rng.exponential(1.0, m) * B.track_lag_h[st] * HOUR).astype(np.int64)
        own_at = in_office(rng, reached + lag)
        own = rng.random(m) < p
        # The Monday pipeline review records what the producer has not (yet) recorded. A
        # team that takes up the requirement walks its whole pipeline at the first review
        # of the requirement date, recording each loan's real stage (and its losses).
        review_at = monday_review(rng, reached)
        catch_up = org.responds[producer] & (reached < REQUIRED_S) & (review_at < REQUIRED_S)
        review_at = np.where(catch_up, CLEANUP_S + (np.arange(m) % 120) * MINUTE, review_at)
        self_review = rng.random(m) < B.pipeline_review[org.state(producer, review_at)]
        # (the walk records every stage a loan has reached, in order, minutes apart: the
        # pipeline then shows how each loan got where it is)
        catch = (
            (self_review | org.reviews_pipeline[producer])
            & ((next_event[:, k] > review_at) | catch_up)
            & (~own | (own_at > review_at))
        )
        at = np.maximum(np.where(catch, review_at, own_at), last + MINUTE)
        rec = (k > init) & (reached < END_S) & (own | catch) & (at < END_S)
        by = np.where((k >= 3) & (k <= 5) & (rng.random(m) < 0.35), processor, owner)
        by = np.where(catch & ~self_review, manager, by)
        h_opp.append(np.flatnonzero(rec))
        h_stage.append(np.full(rec.sum(), k))
        h_at.append(at[rec])
        h_by.append(by[rec])
        stage = np.where(rec, k, stage)
        last = np.where(rec, at, last)
        if k >= FUNDED:
            closed = np.where(rec, at, closed)
        if k >= 2:
            progressed = np.where(rec & (progressed == NEVER), at, progressed)

    # Details the producer fills in (or not), and the LOS loan number once applied.
    diligence = np.where(
        created >= LAUNCH_S,
        B.diligence[org.state(producer, created)],
        IMPORT_DILIGENCE[org.archetype[producer]],
    )
    applied = loans.stage_at[loan, 2]
    p_number = np.where(
        applied < created,
        IMPORT_DILIGENCE[org.archetype[producer]],
        B.loan_number[org.state(producer, applied)],
    )
    p_number = np.where(enforced[loan] & (processing[loan] < END_S), 0.995, p_number)
    has_loan_number = (applied < END_S) & (rng.random(m) < p_number)
    estimate = np.round(loans.amount[loan] * rng.uniform(0.97, 1.03, m) / 1000) * 1000
    per_loan = np.full(n, NEVER)
    per_loan[loan] = progressed
    return Opportunities(
        loan=loan,
        created=created,
        stage=stage,
        stage_changed=last,
        closed=closed,
        amount=estimate,
        has_amount=rng.random(m) < diligence,
        has_purpose=rng.random(m) < diligence,
        has_loan_number=has_loan_number,
        history_opportunity=np.concatenate(h_opp),
        history_stage=np.concatenate(h_stage),
        history_at=np.concatenate(h_at),
        history_by=np.concatenate(h_by),
        progressed=per_loan,
    )


def monday_review(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """When the first Monday pipeline review after each time ``t`` is held (09:00-10:00;
    on Tuesday when Monday is a bank holiday). Times that never happen stay ``NEVER``.

    >>> wednesdays = np.array([day_number("2025-01-22"), day_number("2025-01-15")]) * DAY
    >>> held = monday_review(np.random.default_rng(0), wednesdays) // DAY
    >>> [str(d) for d in held.astype("datetime64[D]")]  # 20 January was a bank holiday
    ['2025-01-27', '2025-01-21']
    """
    t = np.asarray(t, dtype=np.int64)
    real = t < END_S + 400 * DAY
    day = np.where(real, t, 0) // DAY + 1
    monday = np.busday_offset(day.astype("datetime64[D]"), 0, roll="forward", weekmask="Mon")
    held = business_day(monday.astype(np.int64))
    return np.where(real, held * DAY + 9 * HOUR + rng.integers(0, HOUR, len(t)), NEVER)


def _subset(loans: Loans, rows: np.ndarray) -> Loans:
    return Loans(**{k: getattr(loans, k)[rows] for k in loans.__dataclass_fields__})


def update_lifecycle(
    rng: np.random.Generator, contacts: Contacts, opportunities: Opportunities
) -> np.ndarray:
    """Lifecycle stage of every contact after the CRM's recorded stage moves: a lead whose
    opportunity was moved becomes prospect, applicant or customer (a few are missed)."""
    lifecycle = contacts.lifecycle.copy()
    rows_per_opportunity = np.bincount(
        opportunities.history_opportunity, minlength=len(opportunities)
    )
    moved = np.flatnonzero(rows_per_opportunity > 1)
    loan = opportunities.loan[moved]
    row = contacts.lead_offset + loan
    update = rng.random(len(row)) < 0.95
    lifecycle[row[update]] = _LIFECYCLE_OF_STAGE[opportunities.stage[moved[update]]]
    return lifecycle


@dataclass(frozen=True)
class LosLoans:
    """LOS loans: every loan that reached application, applied or funded in the window."""

    loan: np.ndarray  # loan index
    number: np.ndarray  # loan number (int) of every loan index; -1 if never applied
    application_day: np.ndarray
    funded_day: np.ndarray  # -1 if not funded by the as-of date


def build_los(loans: Loans) -> LosLoans:
    """Loan numbers are issued in application order; the export covers the window."""
    applied_at = loans.stage_at[:, 2]
    applied = applied_at < END_S
    order = np.flatnonzero(applied)[np.argsort(applied_at[applied], kind="stable")]
    number = np.full(len(loans), -1, dtype=np.int64)
    number[order] = 1_000_104_000 + np.arange(len(order))
    funded_at = loans.stage_at[:, FUNDED]
    funded_day = np.where(funded_at < END_S, funded_at // DAY, -1)
    app_day = applied_at // DAY
    in_window = applied & ((app_day >= WINDOW_START) | (funded_day >= WINDOW_START))
    keep = order[in_window[order]]
    return LosLoans(
        loan=keep,
        number=number,
        application_day=app_day[keep],
        funded_day=funded_day[keep],
    )


__all__ = [
    "LEAD",
    "PARTNER",
    "PAST_CLIENT",
    "SOURCES",
    "Contacts",
    "LosLoans",
    "Opportunities",
    "build_contacts",
    "build_los",
    "build_opportunities",
    "monday_review",
    "update_lifecycle",
]
