"""The demo's requirement story: two teams required on a date, one responds and one does
not; and the earlier export (the baseline's) is the same organization as it stood then.

The story checks use plain pandas on the export strings; the verdict checks run the
diagnostics on both exports, as ``adoption-kit demo`` does.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from kit.demo import organization as demo
from kit.demo import text

REQUIRED = pd.Timestamp(demo.REQUIREMENT["required_from"])
BASELINE = demo.REQUIREMENT["baseline_as_of"]
MANUAL = ["false", "No"]
RESPONDS, IGNORES = demo.REQUIREMENT["teams"]


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return demo.generate(seed=7)


@pytest.fixture(scope="module")
def earlier() -> dict[str, pd.DataFrame]:
    return demo.generate(seed=7, as_of=BASELINE)


@pytest.fixture(scope="module")
def team_of(tables) -> pd.Series:
    return tables["users"].set_index("user_id")["team"]


def _share_before_after(values: pd.Series, when: pd.Series, team: pd.Series, name: str):
    mine = team == name
    before = values[mine & (when < REQUIRED) & (when >= REQUIRED - pd.Timedelta(days=89))]
    after = values[mine & (when >= REQUIRED)]
    return before.mean(), after.mean()


def test_the_responding_team_records_next_steps_from_the_date_the_other_does_not(
    tables, team_of
) -> None:
    a = tables["activities"]
    calls = a[a["automated"].isin(MANUAL) & a["type"].str.lower().isin(["call", "meeting"])]
    when = pd.to_datetime(calls["occurred_at"])
    team = calls["user_id"].map(team_of)
    with_step = calls["next_step"].notna()
    before, after = _share_before_after(with_step, when, team, RESPONDS)
    assert before < 0.3 and after > 0.7
    before, after = _share_before_after(with_step, when, team, IGNORES)
    assert before < 0.3 and after < 0.3


def test_the_responding_team_records_lead_source_from_the_date(tables, team_of) -> None:
    c = tables["contacts"]
    leads = c[c["contact_type"].str.lower() == "lead"]
    when = pd.to_datetime(leads["created_at"])
    team = leads["owner_id"].map(team_of)
    filled = leads["lead_source"].notna()
    before, after = _share_before_after(filled, when, team, RESPONDS)
    assert before < 0.4 and after > 0.8
    before, after = _share_before_after(filled, when, team, IGNORES)
    assert before < 0.4 and after < 0.4


def test_the_requirement_teams_share_no_family_name_with_the_others(tables, team_of) -> None:
    users = tables["users"]
    last = users["name"].str.split().str[-1]
    required = users["team"].isin(demo.REQUIREMENT["teams"])
    assert set(last[required]) <= set(text.MORE_LAST_NAMES)
    assert set(last[~required]) <= set(text.LAST_NAMES)
    c = tables["contacts"]
    team = c["owner_id"].map(team_of)
    theirs = team.isin(demo.REQUIREMENT["teams"])
    others = team.notna() & ~theirs
    assert theirs.sum() > 1000 and others.sum() > 5000
    assert not set(c.loc[theirs, "last_name"].dropna()) & set(c.loc[others, "last_name"].dropna())


def test_the_earlier_export_is_the_same_organization_as_it_stood(tables, earlier) -> None:
    end = "2025-08-04 00:00:00"
    assert (earlier["contacts"]["created_at"] < end).all()
    assert (earlier["activities"]["logged_at"].dropna() < end).all()
    assert (earlier["los_loans"]["funded_date"].dropna() < "2025-08-04").all()
    # the same records under the same ids: a subset of the later export
    for name, key in (("contacts", "contact_id"), ("opportunities", "opportunity_id")):
        assert set(earlier[name][key]) <= set(tables[name][key])
    assert earlier["users"].equals(tables["users"])
    # a loan lost after the day was still open on it, at the stage it had then
    later = tables["opportunities"].set_index("opportunity_id")
    then = earlier["opportunities"].set_index("opportunity_id")
    lost_since = later.index[
        (later["status"].str.lower() == "lost") & (later["closed_at"] >= end)
    ].intersection(then.index)
    assert len(lost_since) > 20
    assert (then.loc[lost_since, "status"] == "open").all()
    assert then.loc[lost_since, "closed_at"].isna().all()
    assert (then.loc[lost_since, "stage_changed_at"] < end).all()


def test_the_earlier_export_says_its_date(tmp_path: Path) -> None:
    out = demo.write_export(tmp_path / "earlier", as_of=BASELINE)
    engagement = yaml.safe_load((out / "engagement.yaml").read_text())
    assert engagement == {**demo.ENGAGEMENT, "as_of": BASELINE}
    from kit.exceptions import ParameterError

    with pytest.raises(ParameterError, match="outside the demo's data"):
        demo.write_export(tmp_path / "too-early", as_of="2024-12-01")


def test_the_demo_standards_require_three_rules_of_the_two_teams(tmp_path: Path) -> None:
    from kit.diagnostics.standards import load_standards

    standards = load_standards(demo.write_standards(tmp_path / "standards.yaml"))
    required = {r.id: r for r in standards.required}
    assert set(required) == set(demo.REQUIREMENT["rules"])
    for rule in required.values():
        assert str(rule.required_from) == demo.REQUIREMENT["required_from"]
        assert rule.teams == (RESPONDS, IGNORES)


# ------------------------------------------------------------------ the planted verdicts
@pytest.fixture(scope="module")
def follow_up(tmp_path_factory: pytest.TempPathFactory):
    from kit.diagnostics.demo_baseline import demo_baseline, demo_standards
    from kit.diagnostics.run import diagnose
    from kit.intake import read_export

    folder = tmp_path_factory.mktemp("story")
    standards = demo_standards(folder / "standards.yaml", source="standards.yaml")
    baseline = demo_baseline(folder, scale="small", seed=7, standards=standards)
    dataset = read_export(demo.write_export(folder / "export"))
    return diagnose(dataset, standards=standards, baselines=[baseline])


@pytest.mark.slow
def test_since_the_standards_were_required_one_team_improved_the_other_did_not(follow_up):
    r = follow_up.requirements
    teams = r[r["scope"] == "team"].set_index(["team", "rule_id"])["verdict"]
    for rule in demo.REQUIREMENT["rules"]:
        assert teams[(RESPONDS, rule)] == "improved", rule
        assert teams[(IGNORES, rule)] == "no clear change", rule
    harbor = r[(r["team"] == RESPONDS) & (r["scope"] == "team")].set_index("rule_id")
    assert harbor.loc["next_step", "effect"] > 0.5  # beyond the teams not required
    assert harbor.loc["stage_freshness", "effect"] < -0.15


@pytest.mark.slow
def test_since_the_last_assessment_the_responding_team_moved(follow_up):
    c = follow_up.changes
    assert set(c["baseline_as_of"]) == {BASELINE}
    standards = c[(c["scope"] == "team") & (c["kind"] == "standard")].set_index(
        ["team", "rule_id"]
    )["verdict"]
    for rule in demo.REQUIREMENT["rules"]:
        assert standards[(RESPONDS, rule)] == "improved", rule
        assert standards[(IGNORES, rule)] == "no clear change", rule
    scores = c[(c["scope"] == "team") & (c["kind"] == "score")].set_index("team")
    assert scores.loc[RESPONDS, "verdict"] == "improved"
    # its required standards did not move; loans it never reviews go on ageing, so its score
    # may read mixed or worse, never improved
    assert scores.loc[IGNORES, "verdict"] in {"no clear change", "mixed", "worse"}
    assert scores.loc[RESPONDS, "change"] > 20
    producers = c[(c["scope"] == "producer") & (c["kind"] == "score") & (c["team"] == RESPONDS)]
    moved = producers[
        (producers["archetype_before"] == "partial")
        & (producers["archetype_after"] == "consistent")
    ]
    assert len(moved) >= 4  # all but the one who held out
    assert (c["match"] == "matched").all()  # the same people and teams in both exports


@pytest.mark.slow
def test_the_other_teams_keep_their_scores(follow_up):
    s = follow_up.scores
    teams = s[s["scope"] == "team"].set_index("team")["score"].round(1)
    assert teams[["Cedar Ridge", "Lakeshore", "Old Mill", "Pine Hollow", "Riverbend"]].tolist() == [
        95.2,
        7.1,
        7.1,
        11.4,
        38.7,
    ]
