"""Render ``docs/metrics.md``: every metric, the rules around them, the standards format,
the adoption score, the archetypes and the results bundle.

The document is generated from the code (:data:`kit.diagnostics.metrics.METRICS`, the shipped
standards, the module constants), so it cannot drift: ``python -m kit.diagnostics.reference >
docs/metrics.md`` regenerates it and a test compares them. The team report's appendix and
the runner link to its sections.

One module, though long: it is one document, rendered section by section in reading
order.

Examples
--------
>>> metrics_markdown().splitlines()[0]
'# Metrics, standards and scores'
"""

from __future__ import annotations

import re
import textwrap

from kit.diagnostics import (
    adoption,
    archetypes,
    evidence,
    findings,
    followup,
    hygiene,
    intervals,
    records,
    requirement,
    review,
)
from kit.diagnostics import requests as export_requests
from kit.diagnostics.metrics import METRICS
from kit.diagnostics.reconciliation import SEAT_ACTIVE_DAYS
from kit.diagnostics.standards import load_standards
from kit.formatting import format_level, format_standard
from kit.sections import SECTIONS
from kit.timeframe import FAR_GAP_DAYS, FAR_SHARE

__all__ = ["metrics_markdown"]

_UNITS = {
    "share": "share (0-100%)",
    "days": "days",
    "minutes": "minutes",
    "count": "count",
    "currency": "dollars",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _catalogue() -> list[str]:
    out = ["## Metric definitions", ""]
    out += [
        "Every metric is computed for the organization, every team and (where it exists per "
        "producer) every producer, in one pass over the whole dataset. `numerator` and "
        "`denominator` are the counts behind each value: for a share, the records that meet "
        "the behaviour and the records measured.",
        "",
    ]
    for section in SECTIONS.values():
        metrics = [m for m in METRICS.values() if m.section == section.id]
        if not metrics:
            continue
        out += [f"### {section.title}", "", "| metric | what it measures | unit | better | per |"]
        out += ["| --- | --- | --- | --- | --- |"]
        for m in metrics:
            per = "producer, team" if "producer" in m.scopes else "team"
            params = ""
            if m.params:
                listed = ", ".join(f"`{k}` = {v}" for k, v in m.params.items())
                params = f" Parameters (set by a standards rule): {listed}."
            definition = (m.definition + params).replace("|", "\\|")
            out.append(
                f"| **{m.label}** (`{m.id}`) | {definition} | {_UNITS[m.unit]} "
                f"| {m.better} | {per} |"
            )
        out.append("")
    return out


def _standards() -> list[str]:
    s = load_standards()
    out = [
        "## Standards file format",
        "",
        "Operating standards state the behaviour a leader expects. Pass your own file with "
        "`--standards FILE` (or `kit.diagnose(..., standards=path)`); without one the shipped "
        "mortgage defaults below are used (`kit/diagnostics/standards.yaml`: copy it to start).",
        "",
        "```yaml",
        "name: Mortgage team defaults",
        "rules:",
        "  - id: stage_freshness            # snake_case, unique",
        "    statement: Every open loan's stage is updated at least every 14 days.",
        "    metric: stale_open_loans       # a metric id from the tables above",
        "    params: {days: 14}             # optional metric parameters",
        "    direction: at_most             # at_most (lower is better) or at_least",
        "    target: 0.10                   # shares are fractions: 0.10 = 10%",
        "    warn: 0.25                     # optional warn level (default: the target)",
        "    owner_role: producer           # who owns the behaviour",
        "    require: Run Monday's pipeline meeting from the CRM stage view ...",
        "    review: Every open loan with no stage change in 14+ days, by producer.",
        "    weight: 2                      # optional weight in the adoption score (default 1)",
        "    required_from: 2025-08-04      # optional: the day the leader required it",
        "    teams: [North, West]           # optional: the teams it was required of",
        "required_fields:                   # optional: fields records must carry",
        "  contacts: [owner_id, contact_type, lead_source]",
        "  opportunities:",
        "    all: [contact_id, loan_purpose, lead_source]   # every loan",
        "    application: [amount, loan_number]             # from this stage on",
        "score_bands: {amber: 50, green: 75}  # optional: where the score turns amber, green",
        "```",
        "",
        "The file is validated before anything is computed and every problem is listed at "
        "once: unknown keys and metrics (with a suggestion), missing id, statement, metric, "
        "direction, target or owner_role, duplicate ids, a direction that contradicts the "
        "metric (a lower-is-better metric needs `at_most`), a share target outside 0-1 "
        "(`80` instead of `0.80`), a warn level on the wrong side of the target, unknown or "
        "non-positive parameters, two rules measuring one metric with different parameters, "
        "unknown tables, fields or stages in `required_fields`, score bands that are not "
        "0 < amber < green <= 100, a `required_from` that is not a date, and `teams` without "
        "`required_from`. A team named in `teams` that the data does not have is refused when "
        "the assessment runs, with the closest names.",
        "",
        "`required_from` and `teams` say when, and of whom, the leader required a standard; "
        "every team is still scored against it (see *Since a standard was required* below).",
        "",
        "Every sentence of a report that names a threshold, a cadence or a colour band (the "
        "standards shown above each section, the review list's headings such as *Open loans "
        "with no stage change in 14+ days*, the score's colour bands, the findings) is built "
        "from the standards file the run used, so a custom file changes every one of them.",
        "",
        "### Status of a rule",
        "",
        "For `at_least` rules a value passes at or above the target, is in the **warn** band "
        "at or above the warn level, and fails below it; `at_most` rules mirror this. A rule "
        "whose metric could not be measured is **not assessed**, with the reason (never a "
        f"zero); one measured on fewer than {evidence.MIN_DENOMINATOR} records is **too few to "
        "judge** (see *Evidence rules*). A value is written threshold-safe: one that misses "
        "its target never reads as the target (89.97% against *at least 90%* reads 89.9%).",
        "",
        "### The shipped defaults",
        "",
        "| rule | statement | metric | target | warn | owner | weight |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in s.rules:
        unit = METRICS[r.metric].unit
        out.append(
            f"| `{r.id}` | {r.statement} | `{r.metric}` "
            f"| {format_standard(r.direction, r.target, unit)} "
            f"| {format_level(r.warn, unit)} | {r.owner_role} | {r.weight:g} |"
        )
    out += [
        "",
        "What each default requires when a team misses it, and what is reviewed weekly:",
        "",
    ]
    out += ["| rule | require | weekly review |", "| --- | --- | --- |"]
    out += [f"| `{r.id}` | {_cell(r.require)} | {_cell(r.review)} |" for r in s.rules]
    fields = s.required_fields
    out += [
        "",
        "Default required fields: contacts "
        + ", ".join(f"`{f}`" for f in fields.get("contacts", {}).get("all", ()))
        + " (a referral partner needs no lead source); every open loan "
        + ", ".join(f"`{f}`" for f in fields.get("opportunities", {}).get("all", ()))
        + "; from application on also "
        + ", ".join(f"`{f}`" for f in fields.get("opportunities", {}).get("application", ()))
        + ".",
        "",
    ]
    return out


def _score() -> list[str]:
    heavy = [r for r in load_standards().rules if r.weight != 1]
    weights = ", ".join(f"`{r.id}` x{r.weight:g}" for r in heavy) or "none"
    return [
        "## Adoption score",
        "",
        "One number from 0 to 100 for the organization, each team and each producer, derived "
        "from the compliance results:",
        "",
        "```",
        "score = 100 x sum(weight x points) / sum(weight)",
        "```",
        "",
        "over the rules *judged* for that organization, team or producer, where a rule earns "
        "1 point when passed, 0.5 in the warn band and 0 when failed. Rules that could not be "
        "assessed, or were measured on too few records, are left out of both sums. Weights "
        f"come from the standards file (default 1; weighted in the shipped defaults: "
        f"{weights}). Example: a team "
        "that passes a weight-2 rule, is in the warn band on one weight-1 rule and fails "
        "another scores 100 x (2 + 0.5 + 0) / 4 = 62.5.",
        "",
        f"A score needs at least {evidence.MIN_WEIGHT_SHARE:.0%} of the standards' weight "
        "judged (see *Evidence rules*); otherwise it is blank and reads *not enough "
        "evidence*, naming the standards not judged and why. Every score says what it rests "
        "on (*Based on 10 of 11 standards*). The organization's score is computed by the same "
        "function and the same rule as the teams'.",
        "",
        "Colour bands: a score below the standards' `score_bands.amber` (default "
        f"{load_standards().score_bands[0]:g}) is red (*Off track*), below `score_bands.green` "
        f"(default {load_standards().score_bands[1]:g}) amber (*Partly adopted*), else green "
        "(*On track*). A score that is not a number has no colour and no band word.",
        "",
    ]


def _archetypes() -> list[str]:
    return [
        "## Producer archetypes",
        "",
        "Each producer gets one archetype, because each needs a different fix: access and "
        "onboarding (never adopted), accountability (lapsed), standards and coaching "
        "(partial). The rules look at the *volume* of a producer's own, non-automated logged "
        "work per week (a lapsed producer rarely drops to zero: a call logged now and then "
        "keeps the weekly-active flag alive while the habit is gone), compared with the "
        "organization's **typical producer**: the median weekly volume since launch of all "
        "scored producers. Launch weeks are complete 7-day weeks from the launch date (from "
        "the producer's seat start when later); a producer's *early* weeks are their first "
        f"{adoption.EARLY_WEEKS} such weeks that ended before the last "
        f"{adoption.RECENT_WEEKS} weeks; *recent* weeks are the last "
        f"{adoption.RECENT_WEEKS} weeks ending at the as-of date. Applied in this order:",
        "",
        f"1. **Lapsed** (used it, then stopped): active in at least {_pct(archetypes.HALF)} of "
        f"their early weeks, logging at least {_pct(archetypes.HALF)} of the typical volume "
        f"then, while their recent volume is under {_pct(archetypes.QUARTER)} of their own "
        f"early volume and under {_pct(archetypes.QUARTER)} of the typical volume.",
        f"2. **Never adopted** (never built the habit): no logged work since launch, or a "
        f"weekly volume since launch under {_pct(archetypes.QUARTER)} of the typical volume.",
        f"3. **Partial** (uses some of it): active in fewer than {_pct(archetypes.HALF)} of "
        f"their weeks, or logging under {_pct(archetypes.HALF)} of the typical volume, or "
        "failing at least one producer-level practice standard (every rule outside the "
        "adoption, presence and seat sections: stage freshness, next steps, lead source, "
        "speed to lead ...).",
        "4. **Consistent**: everything else: works in the CRM most weeks at a typical volume "
        "and fails no practice standard it was judged on (a standard measured on too few "
        "records is not judged). Its reason names any practice standard it is in the warn "
        "band on; *meets every practice standard* is said only of a producer who does.",
        "",
        "A producer seated for less than one complete week since launch, or assessed without "
        "activities, is not classified (blank archetype, with the reason). Every archetype "
        "comes with a reason sentence quoting the producer's numbers.",
        "",
    ]


def _pipeline_only() -> list[str]:
    s = load_standards()
    own = set(records.RECORD_METRICS) | set(hygiene.HYGIENE_METRICS)
    pipeline = [r for r in s.rules if r.metric in own]
    total = sum(r.weight for r in s.rules)
    share = sum(r.weight for r in pipeline) / total if total else 0.0
    dated = [r for r in pipeline if r.metric != "past_due_open_loans"]
    without = sum(r.weight for r in dated) / total if total else 0.0
    named = ", ".join(f"`{r.id}`" for r in pipeline)
    out = [
        "## An opportunities-only export",
        "",
        "The export a consultant most often gets is an opportunities report: owner, stage, "
        "created and close dates, amount, and nothing else. It still carries evidence of "
        "adoption, read from the records themselves:",
        "",
        "- **Adoption by records** (the weaker signal). A producer's *record-days* are the "
        "distinct (record, day) pairs on which a record of theirs was created or changed: an "
        "opportunity they own created, moved stage (a stage-history entry credited to its "
        "`changed_by` when that is a CRM user, else the owner; or its `stage_changed_at`) or "
        "closed as won or lost, and a contact they own created, dated up to the as-of date. "
        "The export says whose record it is, not who typed it, and lead routing or an import "
        "creates records nobody worked, so these metrics are named *by records* everywhere. "
        "A rule on `weekly_record_producers` is **not scored where weekly active producers "
        "can be measured** (same scope, team and producer): the stronger signal of the same "
        "behaviour is scored, the weaker one is reported beside it, never both.",
        "- **Archetypes by records.** An export with no activity log at all classifies its "
        "producers by the archetype rules above applied to record-days a week instead of "
        "logged activities, named `never_adopted_by_records`, `lapsed_by_records` (their deal "
        "entry stopped), `partial_by_records` and `consistent_by_records`.",
        "- **Pipeline hygiene.** Open loans that entered the pipeline N or more days before "
        "the as-of date (`aged_open_loans`, N from the rule's `days`, default "
        f"{METRICS['aged_open_loans'].params['days']}; the team's own cycle is reported "
        "beside it as `typical_days_to_win`, the median days from entry to win of loans won "
        "in the window); open loans past their `expected_close_date` (the CRM's close date "
        "while a loan is open: Salesforce CloseDate, HubSpot Close Date); loans closed in "
        "the window with no close date or, when won, no amount above zero; won loans that "
        "went from entry to won in one step (created on the day they were won, or with a "
        "stage history recording no open stage between their creation and the win; an entry "
        f"within {int(hygiene.CREATION_TOLERANCE.astype('int64'))} minute of the creation "
        "records the creation itself).",
        "",
        f"The shipped standards give these rules ({named}) {_pct(share)} of the standards' "
        f"weight ({_pct(without)} without the expected close date rule, for an export that "
        "lacks that column), so an opportunities-only export is scored on at least half of "
        "it; a full export is scored on both halves, with the records rule left to the "
        "activity log.",
        "",
        "### What the export could not show",
        "",
        "Every assessment lists, as requests a leader can forward to whoever runs the export "
        "(`export_requests` in the results), what is missing, what it would add, and the "
        "standards it would let the kit score with their weight, heaviest first:",
        "",
        "| missing | ask for | it would add |",
        "| --- | --- | --- |",
    ]
    out += [
        f"| `{r.tables}` | {_cell(r.ask)} | {_cell(r.adds)} |" for r in export_requests.REQUESTS
    ]
    return [*out, ""]


def _findings() -> list[str]:
    return [
        "## Findings",
        "",
        "A finding is produced for every failed or warned rule (organization, team and "
        "producer; never for a rule that is not assessed or too few to judge), for each team "
        f"(and the organization) where at least {_pct(findings.ARCHETYPE_SHARE)} of the "
        "classified producers *together* are lapsed, never adopted or partial, from logged "
        "work or, with no activity log, by records (one finding "
        "naming how many of each: a team of 7 with one lapsed and one partial producer, 29%, "
        "gets one), and for the organization's idle seats when more than "
        f"{_pct(findings.IDLE_SHARE)} of paid seats had no logged work in the last "
        f"{SEAT_ACTIVE_DAYS} days. Each carries the sentence with its evidence number and the "
        "count behind it, the standard missed, the operating change to require, its owner "
        "and what the manager reviews each week. Severity is **high** for a failed rule and "
        "**medium** for the warn band; the archetype finding is high when any producer is "
        "lapsed or never adopted, or at least half are not consistent.",
        "",
        "An organization finding says how many teams miss the standard. When no team misses "
        "it on its own, it says where the organization's gap comes from (teams with too few "
        "records to judge, records that belong to no team), never *0 of N teams fail*.",
        "",
        "Order (rank 1 first): severity, high before medium; then impact: organization, then "
        "team, then producer findings (a gap across a team affects more than one "
        "producer's); then the rule's weight (higher first); then the shortfall from the "
        "target (share metrics in percentage points, other units relative to the target; "
        "bigger first); then the number of records behind it (more first); then the rule's "
        "order in the standards file; then team and producer id alphabetically, so ties "
        "always break the same way. `team_rank` is the rank within a team, in the same order, "
        "so a team report's *What matters most* never lists a medium finding above a high "
        "one.",
        "",
        "Seat numbers come from one count per team (seats, seats in use, idle seats); the "
        "organization's are their sums, so the idle-seat finding, the seat table and its "
        "chart always agree.",
        "",
    ]


def _review() -> list[str]:
    out = [
        "## Weekly manager review list",
        "",
        "Per team, the specific records to walk through in next week's pipeline meeting, "
        "identified by record id (opportunity, contact, activity or LOS loan number), "
        "producer and age in days, with a non-personal detail (stage, activity type, dates, "
        "amount). Never a borrower's name, email, phone or any free text. Items, in order:",
        "",
    ]
    out += [f"- `{i.id}`: {i.definition}" for i in review.REVIEW_ITEMS.values()]
    return [*out, ""]


def _rules() -> list[str]:
    bands = ", ".join(f"*{b}*" for b in followup.BANDS)
    return [
        "## How the numbers are counted",
        "",
        "**Window and dates.** Every metric covers the window of `window_days` (default 90) "
        "days ending at the end of the as-of day. The as-of date is the one given, else the "
        "engagement's, else the data's last real event: the latest event (activity, contact "
        "or loan creation, stage change, close of a won or lost loan, login, LOS application "
        "or funding) that is not future-dated. An event is future-dated only when it lies "
        "after the export's declared `export_date`, or far from the rest: after an empty "
        f"stretch of at least {FAR_GAP_DAYS} days beyond which at most {FAR_SHARE:.0%} of the "
        "events lie (a 2052 typo), so a tail of real records at the end of an export is "
        "never cut off. Future-dated events are counted as *dated in the future* in data "
        "quality, listed on the data-quality page and left out of every metric, as is every "
        "event after the as-of date (a loan closed after it was not yet funded on it). The "
        "launch date is the one given, else the engagement's, else the first day of human "
        "CRM activity (the earliest human activity no earlier than 14 days before the 0.5th "
        "percentile). A launch after the as-of date is refused.",
        "",
        "**Time.** Timestamps are the organization's naive local time. Elapsed times (speed "
        "to lead, logging lag) are clock time: nights and weekends count, because a lead that "
        "arrives on Friday evening and is called on Monday waited all weekend. Ages in days "
        "are calendar days from the event's day to the as-of day.",
        "",
        "**Who is counted.** Producers are users with role `producer` whose seat is not "
        "marked inactive; only they get producer rows, scores and archetypes. Records belong "
        "to their owner (loans, contacts) or their user (activities) and to that person's "
        "team, so a manager's loans count for the team but not for any producer. A contact "
        "with no owner is attributed to the team of the first person who touched it. A "
        "producer counts for a week only when their seat started on or before the week's "
        "first day, so someone who joined mid-window is measured on the weeks they were "
        "there.",
        "",
        "**Human vs automated.** A weekly active producer logged at least one own, "
        "non-automated activity that week; automated sends never count as work, as a "
        "touch of a lead or as follow-up. Past clients may count automated nurture as a "
        "touch (parameter `touches: any`, the default for past clients); referral partners "
        "need a person (`touches: human`).",
        "",
        f"**Speed to lead bands** are exclusive: {bands}; each lead is in exactly one, and "
        "the chart labels them as ranges (*5 to 60 minutes*), while the measures *Leads "
        "touched within 1 hour* and *within 24 hours* are cumulative (the sum of the bands up "
        "to them). A human touch up to 10 minutes "
        "before the lead's creation counts as immediate (the producer called, then created "
        "the contact); older activity on the contact does not count.",
        "",
        "**Not assessed, never zero.** A metric whose table is missing, whose fields are "
        "blank in the whole export (for example no lead source on any contact, no stage "
        "change dates and no stage history) or that has nothing to measure for a team (a "
        "team with no new leads) is *not assessed* with the reason, e.g. `not assessed: no "
        "LOS loans provided`. Its value is blank, its rules are not scored and the report "
        "says why.",
        "",
    ]


def _changes() -> list[str]:
    pts = intervals.MAX_WIDTH * 100
    return [
        "## Did it change? Re-assessment and required standards",
        "",
        "The kit answers \"did the behaviour change once it was required?\" two ways: by "
        "comparing an assessment with earlier ones (`adoption-kit assess EXPORT --out DIR "
        "--baseline PREVIOUS_DIR`, repeatable), and, from one export, by comparing equal "
        "windows before and after the date a standard was required (`required_from`).",
        "",
        "### How a change is judged",
        "",
        "Every standard the shipped defaults hold measures a **share** (records meeting the "
        "behaviour out of records measured). A change in a share is judged with intervals, "
        "never by the size of the difference alone:",
        "",
        "- each share gets a 95% **Wilson score interval** (Wilson 1927), which stays inside "
        "0-100% and behaves at 0 of n and n of n;",
        "- the change (after minus before) gets the 95% **Newcombe hybrid score interval** "
        "(Newcombe 1998, method 10), built from the two Wilson intervals. Example: 48 of 80 "
        "then, 56 of 70 now is +20 points, 95% interval +5.2 to +33.4 points;",
        "- a difference in differences (a team's change minus its comparison group's change) "
        "gets the **MOVER** interval (Zou & Donner 2008), the same construction applied to "
        "the two Newcombe intervals.",
        "",
        "The verdict, in this order:",
        "",
        f"1. **too few to tell** when either side measured fewer than {intervals.MIN_UNITS} "
        "records: never a direction from a small sample;",
        "2. **improved** or **worse** (by the metric's better direction) when the interval "
        f"leaves out zero and the change is at least {intervals.MIN_CHANGE * 100:g} "
        "percentage points: with thousands of records a one- or two-point drift is beyond "
        "noise yet no behaviour a leader required, and a share near 0% or 100% cannot move "
        "as far as one in the middle, which skews small differences in differences;",
        f"3. **too few to tell** when the interval is wider than {pts:g} percentage points: "
        "the data could not have seen a real change;",
        "4. otherwise **no clear change**.",
        "",
        "A standard measured on one side only is **newly assessed** or **no longer "
        "assessed**; a standard whose metric or parameters changed is **definition changed** "
        "(not compared); a standard whose metric is not a share (a median, a count, money) "
        "is **not tested**, because the results carry no interval for it.",
        "",
        "### Since the last assessment (`--baseline`)",
        "",
        "`PREVIOUS_DIR` is the `--out` folder of an earlier `adoption-kit assess` (or its "
        "`data/results` bundle), as of an earlier date. The organization matches itself, "
        "teams match **by name**, producers **by user id**, standards **by id**. Nothing is "
        "dropped: a team or producer on one side only is listed as **joined** or **left**; a "
        "team that left and a team that joined sharing at least half of each other's "
        "producers is listed as **renamed** (probably one team under a new name; it is not "
        "compared, because teams match by name); a producer who changed team or name is "
        "matched and noted. A changed target is compared (the behaviour measured is the "
        "same) and noted. The adoption score row of a team or producer says **improved** "
        "when at least one of its standards improved, none got worse and the score rose; "
        "**worse** mirrored; **mixed** when some improved and some got worse; **too few to "
        "tell** when every standard compared was; otherwise **no clear change**. Producer "
        "rows carry the archetype then and now. The rows are `data/csv/changes.csv`, the "
        "`changes` sheet of the workbook and the `changes` frame of the results bundle.",
        "",
        "### Since a standard was required (`required_from`)",
        "",
        "For a standard with `required_from`, the kit measures its metric in two **equal "
        "windows** of the same export: the *L* days before the date and the *L* days from "
        "it, where *L* is the number of days from the date to the as-of date, shortened so "
        "the window before starts no earlier than the launch (at least "
        f"{requirement.MIN_WINDOW_DAYS} days, else not assessed). Each window is measured "
        "as the CRM stood at its last day (`kit.diagnostics.rewind`): a loan that changed "
        "stage later takes the stage of its last stage-history entry by then, activities "
        "logged later are left out. Every team and every producer of a required team gets "
        "its before, after and change with its Newcombe interval. The teams the standard "
        "was **not** required of (`teams:` leaves them out) are the **comparison group**: "
        "their records are pooled, and each required team's verdict rests on its change "
        "minus the comparison group's change (difference in differences, MOVER interval), "
        "so a change that happened everywhere is not credited to the requirement. Without a "
        "comparison group (no `teams:`, or every team listed) the verdict rests on the "
        "team's own change and says so. The rows are `data/csv/requirements.csv` and the "
        "`requirements` frame.",
        "",
        "### Limits",
        "",
        "- Records of one producer are not independent (a producer's calls share habits), "
        "so the intervals are somewhat narrower than they should be, most for producer-week "
        "shares such as weekly active producers.",
        "- Many standards, teams and producers are compared at once: about one comparison in "
        "twenty with no real change still shows improved or worse by chance. Read a single "
        "producer's single verdict with that in mind; a team whose standards move together "
        "is the stronger evidence.",
        "- Without stage history a past stage cannot be reconstructed: only close dates "
        "after the day are removed. Contacts' lifecycle stages are never rewound.",
        "- The comparison group absorbs what changed for every team (a season, a new lead "
        "source, a CRM update), not what hit only the required teams (a new manager there). "
        "It assumes the teams would have moved alike: a share already near 0% or 100% cannot "
        "move as far as the comparison group's, so a team at 95% stale loans that did nothing "
        "can read *improved* when the comparison group went from 88% to 93%. Read the team's "
        "own change beside the difference (both are in the evidence).",
        "- A baseline computed by another kit version is compared as it was written; "
        "definitions that changed between versions show as *definition changed* only when "
        "the standard's metric or parameters changed.",
        "",
    ]


def _bundle() -> list[str]:
    from kit.results import Results

    doc = (Results.__doc__ or "").split("Attributes\n    ----------\n", 1)[1]
    out = [
        "## Results bundle",
        "",
        "`kit.diagnose(dataset)` returns a `Results`; `results.write(folder)` writes one "
        "Parquet file per frame plus `results.json` (parameters, findings, compliance, scores "
        "and not_assessed), byte-identical for the same input; `kit.load_results(folder)` "
        "reads it back. The frames and their columns:",
        "",
    ]
    for line in textwrap.dedent(doc).splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            out.append(f"- **`{line.strip()}`**:")
        else:
            out[-1] += " " + line.strip()
    out = [re.sub(r":\w+:`(?:[\w.]+\.)?(\w+)`", r"`\1`", o).replace("``", "`") for o in out]
    return [*out, ""]


def metrics_markdown() -> str:
    """The Markdown of ``docs/metrics.md``."""
    out = [
        "# Metrics, standards and scores",
        "",
        "<!-- Generated from the kit by `python -m kit.diagnostics.reference > docs/metrics.md`. "
        "Do not edit by hand. -->",
        "",
        "What the kit measures, how a team is scored against its operating standards, how "
        "producers are classified and how findings are ranked. Every number in a report is "
        "computed by the code this page is generated from.",
        "",
        *_rules(),
        *evidence.evidence_rules(),
        *_catalogue(),
        *_standards(),
        *_score(),
        *_archetypes(),
        *_pipeline_only(),
        *_findings(),
        *_review(),
        *_changes(),
        *_bundle(),
    ]
    return "\n".join(out).rstrip("\n") + "\n"


if __name__ == "__main__":  # pragma: no cover - documentation generator
    import sys

    sys.stdout.write(metrics_markdown())
