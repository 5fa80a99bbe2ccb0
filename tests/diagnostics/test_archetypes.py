"""Producer archetypes: each rule on a hand-made activity profile."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.diagnostics.archetypes import archetypes
from tests.diagnostics.helpers import context

# producers of the helper organization: a1 (code 0), a2 (1), b1 (3), w1 (5)
PROFILE = pd.DataFrame(
    {
        "user": [0, 1, 3, 5],
        "weeks": [20.0, 20, 20, 20],
        "active_weeks": [8.0, 20, 3, 20],
        "activities": [80.0, 200, 6, 160],  # 4, 10, 0.3 and 8 a week: typical is 6
        "early_weeks": [6.0, 6, 6, 6],
        "early_active": [6.0, 6, 1, 6],
        "early_activities": [72.0, 60, 2, 48],
        "recent_weeks": [4.0, 4, 4, 4],
        "recent_active": [1.0, 4, 1, 4],
        "recent_activities": [1.0, 40, 1, 32],
    }
)
COMPLIANCE = pd.DataFrame(
    {
        "scope": ["producer", "producer", "producer"],
        "producer_id": ["w1", "w1", "a2"],
        "rule_id": ["lead_source", "stage_freshness", "weekly_active"],
        "metric": ["new_contacts_with_lead_source", "stale_open_loans", "weekly_active_producers"],
        "status": ["fail", "fail", "fail"],
        "rule_order": [5, 0, 8],
    }
)


def test_each_archetype_with_its_reason():
    out = archetypes(context(), PROFILE, COMPLIANCE).set_index("producer_id")
    assert out["archetype"].to_dict() == {
        "a1": "lapsed",
        "a2": "consistent",  # failing the usage rule alone does not make a producer partial
        "b1": "never_adopted",
        "w1": "partial",
    }
    assert out.loc["a1", "archetype_reason"] == (
        "logged 12 activities a week in their first 6 weeks but 0.2 a week in the last 4 "
        "(1 activity)"
    )
    assert out.loc["b1", "archetype_reason"] == (
        "never built the habit: active in 3 of 20 weeks since launch "
        "(0.3 activities a week; typical producer 6)"
    )
    assert out.loc["w1", "archetype_reason"] == (
        "active in 20 of 20 weeks since launch (8 activities a week; typical producer 6), "
        "but fails open loans with a stale stage, new contacts with a lead source"
    )
    assert out.loc["a2", "archetype_reason"].endswith(
        "and meets every practice standard it was judged on"
    )


def test_a_consistent_producer_in_the_warn_band_is_not_said_to_meet_every_standard():
    """Seen: "meets every practice standard it was assessed on" for producers scoring 89-96
    with warnings."""
    warned = pd.concat(
        [
            COMPLIANCE,
            pd.DataFrame(
                {
                    "scope": ["producer", "producer"],
                    "producer_id": ["a2", "a2"],
                    "rule_id": ["next_step", "stage_freshness"],
                    "metric": ["conversations_with_next_step", "stale_open_loans"],
                    "status": ["warn", "too_few"],  # too few to judge is neither
                    "rule_order": [2, 0],
                }
            ),
        ],
        ignore_index=True,
    )
    out = archetypes(context(), PROFILE, warned).set_index("producer_id")
    assert out.loc["a2", "archetype"] == "consistent"
    assert out.loc["a2", "archetype_reason"] == (
        "active in 20 of 20 weeks since launch (10 activities a week; typical producer 6), "
        "fails no practice standard but is in the warn band on conversations with a next step"
    )


def test_a_steady_low_volume_producer_is_partial_not_lapsed():
    profile = PROFILE.copy()
    # a1 now logs 2 a week throughout: under half the typical volume
    profile.loc[0, ["active_weeks", "activities", "early_activities", "recent_activities"]] = [
        20,
        40,
        12,
        8,
    ]
    out = archetypes(context(), profile, COMPLIANCE.iloc[:0]).set_index("producer_id")
    assert out.loc["a1", "archetype"] == "partial"
    assert out.loc["a1", "archetype_reason"].startswith("uses it only part of the time")


def test_new_or_unmeasured_producers_are_not_classified():
    profile = PROFILE.copy()
    profile.loc[0, "weeks"] = 0
    out = archetypes(context(), profile, COMPLIANCE.iloc[:0]).set_index("producer_id")
    assert pd.isna(out.loc["a1", "archetype"])
    assert out.loc["a1", "archetype_reason"] == (
        "not classified: seated less than one complete week since launch"
    )
    nan = PROFILE.assign(**{c: np.nan for c in PROFILE.columns if c != "user"})
    out = archetypes(context(), nan, COMPLIANCE.iloc[:0])
    assert out["archetype"].isna().all()
    assert set(out["archetype_reason"]) == {"not assessed: no activities provided"}
