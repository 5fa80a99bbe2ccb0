"""The evidence rules, in one place: when a number is judged, scored, or only shown.

Every surface of the kit (compliance, scores, findings, the report's tables and cards)
asks this module whether a value rests on enough evidence, so a value is never scored
in one place and "too few to judge" in another.

Not assessed
    A metric whose input is absent from the export (no activities, no email, phone or name
    to compare for duplicates, no LOS loans) is *not assessed*, with the reason; its value
    is blank, never 0% or 100%.
Too few to judge
    A value measured on fewer than :data:`MIN_DENOMINATOR` records (leads, loans, calls,
    producer-weeks...) shows its counts but is not scored, ranked or flagged: 1 of 2 leads
    touched within the hour says nothing about a habit. Money (idle-seat spend, cost per
    active producer) is a fact, not a rate, and has no minimum.
Not enough evidence
    An adoption score needs at least :data:`MIN_WEIGHT_SHARE` of the standards' weight
    (the rules that apply to that organization, team or producer) judged, pass, warn or
    fail. Otherwise the score is blank and reads "not enough evidence", with what is
    missing; never a number, never "On track". The organization's score follows the same
    rule as every team's and producer's.

Examples
--------
>>> import numpy as np
>>> too_few(np.array([4.0, 5.0, np.nan]), "share").tolist()
[True, False, False]
>>> too_few_reason(3, "new leads")
'too few to judge: 3 new leads (fewer than 5)'
>>> enough_weight(np.array([2.0, 1.0]), np.array([4.0, 4.0])).tolist()
[True, False]
"""

from __future__ import annotations

import numpy as np

from kit.formatting import counted

__all__ = [
    "MIN_DENOMINATOR",
    "MIN_WEIGHT_SHARE",
    "NOT_ENOUGH_EVIDENCE",
    "TOO_FEW",
    "enough_weight",
    "evidence_rules",
    "too_few",
    "too_few_reason",
]

#: A value measured on fewer records than this is too few to judge.
MIN_DENOMINATOR: int = 5
#: A score needs at least this share of the standards' weight judged.
MIN_WEIGHT_SHARE: float = 0.5
#: What a value on too few records reads as.
TOO_FEW = "too few to judge"
#: What a score resting on too little of the standards reads as.
NOT_ENOUGH_EVIDENCE = "not enough evidence"
#: Units that are facts to report rather than rates to judge (no minimum).
_FACT_UNITS = frozenset({"currency"})


def too_few(denominator: np.ndarray | float, unit: np.ndarray | str) -> np.ndarray:
    """Whether each value rests on too few records to judge (blank denominators: no).

    Parameters
    ----------
    denominator
        The records each value was measured on.
    unit
        The metric's unit (one for all, or one per value); money has no minimum.
    """
    den = np.asarray(denominator, dtype="float64")
    units = np.broadcast_to(np.asarray(unit, dtype=object), den.shape)
    judged = ~np.isin(units, list(_FACT_UNITS))
    with np.errstate(invalid="ignore"):
        return judged & ~np.isnan(den) & (den < MIN_DENOMINATOR)


def too_few_reason(denominator: float, noun: str = "records") -> str:
    """The reason a value is not judged: ``too few to judge: 3 new leads (fewer than 5)``."""
    return f"{TOO_FEW}: {counted(denominator, noun)} (fewer than {MIN_DENOMINATOR})"


def enough_weight(assessed: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Whether the judged weight is at least :data:`MIN_WEIGHT_SHARE` of the total (and > 0)."""
    assessed = np.asarray(assessed, dtype="float64")
    total = np.asarray(total, dtype="float64")
    return (assessed > 0) & (assessed >= MIN_WEIGHT_SHARE * total - 1e-9)


def evidence_rules() -> list[str]:
    """The evidence rules as Markdown paragraphs (docs/metrics.md quotes them)."""
    half = f"{MIN_WEIGHT_SHARE:.0%}"
    return [
        "## Evidence rules",
        "",
        "Every number rests on evidence, and says so. The same rules apply on every "
        "surface (findings, tables, cards, charts, CSVs and the workbook):",
        "",
        "- **Not assessed.** A metric whose input is absent from the export (no activities, "
        "no LOS loans, no email, phone or name on any contact to compare for duplicates, no "
        "email or phone to validate) is *not assessed*, with the reason. Its value is blank, "
        "never 0% or 100%, and its rules are left out of the score.",
        f"- **Too few to judge.** A value measured on fewer than {MIN_DENOMINATOR} records "
        "(leads, open loans, calls and meetings, producer-weeks...) shows its counts but is "
        "not scored, ranked or flagged: its rule's status is *too few to judge* and no "
        "finding is made from it. Money (idle-seat spend, cost per active producer) is a "
        "fact rather than a rate and has no minimum; the archetype finding counts "
        "producers, each classified on their own weeks of work, and has none either.",
        f"- **Not enough evidence.** An adoption score needs at least {half} of the "
        "standards' weight judged (pass, warn or fail) for that organization, team or "
        "producer; the weight counted is that of every rule whose metric exists at that "
        "level. With less, the score is blank and reads *not enough evidence*, naming what "
        "is missing; never a number and never *On track*. The organization's score follows "
        "the same rule as the teams' and producers'.",
        "",
    ]
