"""The one-pass diagnosis, the results bundle, and the demo organization's stories."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import kit
from kit.diagnostics.metrics import METRICS
from kit.diagnostics.run import diagnose
from kit.diagnostics.standards import load_standards
from kit.exceptions import InputError, OutputError, ParameterError, StandardsError
from kit.results import FRAMES, Results, load_results
from tests.diagnostics.helpers import dataset

CONTACTS = [
    {
        "contact_id": "c1",
        "created_at": "2024-06-20 10:00",
        "owner_id": "a1",
        "contact_type": "lead",
        "lead_source": "zillow",
        "first_name": "Maria",
        "email": "maria@example.com",
    },
    {
        "contact_id": "c2",
        "created_at": "2024-06-21 10:00",
        "owner_id": "b1",
        "contact_type": "lead",
    },
]
OPPS = [
    {
        "opportunity_id": "o1",
        "owner_id": "a1",
        "created_at": "2024-05-01",
        "stage": "processing",
        "status": "open",
        "stage_changed_at": "2024-06-01",
        "contact_id": "c1",
    }
]
ACTS = [
    {
        "activity_id": f"x{i}",
        "user_id": user,
        "type": "call",
        "occurred_at": f"2024-06-{day:02d} 10:00",
        "contact_id": "c1",
        "outcome": "spoke",
    }
    for i, (user, day) in enumerate([("a1", 20), ("a1", 27), ("a2", 25), ("b1", 5)])
]


def _ds(**extra):
    return dataset(contacts=CONTACTS, opportunities=OPPS, activities=ACTS, **extra)


def _run(**kw):
    kw.setdefault("as_of", "2024-06-30")
    kw.setdefault("launch", "2024-06-03")
    return diagnose(_ds(), **kw)


def test_results_frames_and_parameters():
    r = _run(seat_cost_per_month=100, client="Acme Lending")
    assert kit.diagnose is diagnose and isinstance(r, Results)
    assert set(FRAMES) >= {
        "metrics",
        "compliance",
        "scores",
        "findings",
        "review_list",
        "weekly",
        "speed_to_lead",
        "sources",
        "seat_roi",
        "shadow_pipeline",
        "data_quality",
        "not_assessed",
    }
    p = r.parameters
    assert (p["client"], p["as_of"], p["launch"], p["window_days"], p["window_start"]) == (
        "Acme Lending",
        "2024-06-30",
        "2024-06-03",
        90,
        "2024-04-02",
    )
    assert p["teams"] == ["North", "South", "West"] and r.teams() == p["teams"]
    assert p["standards"]["source"] == "shipped defaults"
    # every scope x metric once; every team and producer scored
    m = r.metrics
    assert not m.duplicated(["scope", "team", "producer_id", "metric"]).any()
    assert set(m["metric"]) == set(METRICS)
    teams = r.scores[r.scores["scope"] == "team"]
    assert teams["team"].tolist() == ["North", "South", "West"]
    producers = r.scores[r.scores["scope"] == "producer"]
    assert producers["producer_id"].tolist() == ["a1", "a2", "b1", "w1"]
    assert producers["archetype_reason"].notna().all()
    assert r.findings["rank"].tolist() == list(range(1, len(r.findings) + 1))


def test_missing_inputs_are_reported_not_zero():
    r = _run()
    los = r.metrics[r.metrics["metric"] == "funded_loans_in_crm"]
    assert los["value"].isna().all() and not los["assessed"].any()
    assert set(los["reason"]) == {"not assessed: no LOS loans provided"}
    na = set(zip(r.not_assessed["section"], r.not_assessed["reason"], strict=True))
    assert ("shadow_pipeline", "not assessed: no LOS loans provided") in na
    assert ("seat_roi", "not assessed: no seat cost given") in na
    rule = r.compliance[(r.compliance["rule_id"] == "funded_in_crm")]
    assert set(rule["status"]) == {"not_assessed"}


def test_engagement_in_the_manifest_supplies_the_defaults():
    ds = _ds()
    ds.manifest = {
        "engagement": {
            "client": "Harbor",
            "as_of": "2024-06-29",
            "launch_date": "2024-06-03",
            "seat_cost_per_month": 50,
        }
    }
    r = diagnose(ds)
    assert (r.parameters["client"], r.parameters["as_of"], r.parameters["launch"]) == (
        "Harbor",
        "2024-06-29",
        "2024-06-03",
    )
    assert r.seat_roi.set_index("team").loc["North", "monthly_cost"] == 150.0


def test_standards_argument_forms(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "rules:\n  - id: fresh\n    statement: Stages move weekly.\n"
        "    metric: stale_open_loans\n    params: {days: 7}\n    direction: at_most\n"
        "    target: 0.2\n    owner_role: producer\n",
        encoding="utf-8",
    )
    by_path = _run(standards=path)
    assert by_path.compliance["rule_id"].unique().tolist() == ["fresh"]
    assert by_path.parameters["standards"]["source"] == str(path)
    assert len(_run(standards=load_standards(path)).compliance) == len(by_path.compliance)
    with pytest.raises(ParameterError, match="standards must be"):
        _run(standards=42)
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: x\n    metric: nope\n", encoding="utf-8")
    with pytest.raises(StandardsError, match="unknown metric 'nope'"):
        _run(standards=bad)


def test_parameter_errors():
    with pytest.raises(ParameterError, match="after the as-of date"):
        _run(launch="2024-07-15")
    with pytest.raises(ParameterError, match="no users table"):
        diagnose(kit.Dataset(tables={}), as_of="2024-06-30")


def test_write_load_round_trip_and_identical_bytes(tmp_path):
    r = _run(seat_cost_per_month=100)
    first = r.write(tmp_path / "one")
    again = _run(seat_cost_per_month=100).write(tmp_path / "two")
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted([*(f"{n}.parquet" for n in FRAMES), "results.json"])
    for name in names:
        assert (first / name).read_bytes() == (again / name).read_bytes(), name
    loaded = load_results(first)
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(r, name), obj=name)
    assert loaded.parameters == r.parameters
    r.write(first)  # rewriting in place replaces the bundle atomically
    assert (first / "results.json").read_bytes() == (again / "results.json").read_bytes()
    import json

    text = (first / "results.json").read_text(encoding="utf-8")
    document = json.loads(text)
    assert set(document) == {"parameters", "findings", "compliance", "scores", "not_assessed"}
    assert len(document["findings"]) == len(r.findings)
    # the parameters are read without decoding the frames: the layout that allows it holds
    from kit import results

    assert text.startswith(results._TOP) and text.count(results._PARAMETERS) == 1


def test_write_never_replaces_a_folder_that_is_not_a_bundle(tmp_path):
    r = _run()
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "letter.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputError, match="not a results bundle"):
        r.write(precious)
    assert (precious / "letter.txt").read_text(encoding="utf-8") == "keep me"
    bundle = r.write(tmp_path / "bundle")
    with pytest.raises(OutputError, match="already exists"):
        r.write(bundle, replace=False)
    (tmp_path / "empty").mkdir()
    assert (r.write(tmp_path / "empty") / "results.json").is_file()


def test_load_results_refuses_a_non_bundle(tmp_path):
    with pytest.raises(InputError, match="not a results bundle"):
        load_results(tmp_path)


def test_review_list_and_findings_carry_no_borrower_pii():
    r = _run()
    text = " ".join(map(str, r.review_list.to_numpy().ravel()))
    text += " ".join(map(str, r.findings.to_numpy().ravel()))
    assert "Maria" not in text and "maria@example.com" not in text


# ------------------------------------------------------------------ the demo's stories
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Results:
    from kit.demo.organization import STORIES, write_export
    from kit.intake import read_export

    folder = write_export(tmp_path_factory.mktemp("demo") / "export", scale="small", seed=7)
    results = diagnose(read_export(folder))
    results.stories = {story: team for team, story in STORIES.items()}  # type: ignore[attr-defined]
    return results


def _team_findings(r: Results, story: str) -> pd.DataFrame:
    team = r.stories[story]  # type: ignore[attr-defined]
    return r.findings[(r.findings["scope"] == "team") & (r.findings["team"] == team)]


@pytest.mark.slow
def test_demo_lapsed_team_is_flagged_for_lapse(demo):
    f = _team_findings(demo, "lapsed")
    lapse = f[f["rule_id"] == "producer_archetypes"]
    assert len(lapse) == 1 and lapse["severity"].iloc[0] == "high"
    team = demo.stories["lapsed"]
    kinds = demo.scores.loc[demo.scores["team"] == team, "archetype"].value_counts()
    assert kinds["lapsed"] >= lapse["denominator"].iloc[0] / 2
    assert f"{kinds['lapsed']} lapsed" in lapse["finding"].iloc[0]
    weekly = demo.weekly[demo.weekly["team"] == team]
    # adopted at launch, then back to the old way
    assert weekly["share_active"].head(4).mean() > 0.8
    assert weekly["manual_activities"].tail(8).sum() < weekly["manual_activities"].head(4).sum() / 5


@pytest.mark.slow
def test_demo_never_adopted_team_is_flagged_for_its_shadow_pipeline(demo):
    f = _team_findings(demo, "never_adopted")
    shadow = f[f["rule_id"] == "funded_in_crm"]
    assert len(shadow) == 1 and shadow["status"].iloc[0] == "fail"
    assert shadow["value"].iloc[0] < 0.5
    team = demo.stories["never_adopted"]
    rows = demo.shadow_pipeline[demo.shadow_pipeline["team"] == team]
    assert rows["missing"].sum() > rows["in_crm"].sum()
    items = demo.review_list.loc[demo.review_list["team"] == team, "item"]
    assert (items == "funded_loan_missing_from_crm").any()
    archetype = f.loc[f["rule_id"] == "producer_archetypes", "finding"]
    assert len(archetype) == 1 and "never adopted it" in archetype.iloc[0]


@pytest.mark.slow
def test_demo_partial_team_is_flagged_for_stage_freshness_and_lead_source(demo):
    f = _team_findings(demo, "partial")
    failed = set(f.loc[f["status"] == "fail", "rule_id"])
    assert {"stage_freshness", "lead_source"} <= failed
    team = demo.stories["partial"]
    m = demo.metrics
    mask = (m["scope"] == "team") & (m["team"] == team)
    weekly_active = m.loc[mask & (m["metric"] == "weekly_active_producers"), "value"].iloc[0]
    assert weekly_active > 0.75  # they do log calls


@pytest.mark.slow
def test_demo_disciplined_team_scores_best(demo):
    teams = demo.scores[demo.scores["scope"] == "team"].set_index("team")["score"]
    assert teams.idxmax() == demo.stories["disciplined"]


@pytest.mark.slow
def test_demo_bundle_round_trips(demo, tmp_path: Path):
    loaded = load_results(demo.write(tmp_path / "bundle"))
    pd.testing.assert_frame_equal(loaded.findings, demo.findings)
    pd.testing.assert_frame_equal(loaded.metrics, demo.metrics)


# ------------------------------------------------------------------ a real export
MAVEN = Path(__file__).resolve().parents[3] / "shared" / "realdata" / "maven-crm"


@pytest.mark.realdata
@pytest.mark.skipif(not MAVEN.is_dir(), reason="../shared/realdata/maven-crm is not present")
def test_real_export_with_only_users_and_opportunities():
    from kit.intake import read_export

    mapping = Path(__file__).resolve().parents[2] / "examples" / "mappings" / "maven-crm.yaml"
    r = diagnose(read_export(MAVEN, mapping=mapping))
    # the latest close of a won or lost deal; no engagement file
    assert r.parameters["as_of_rule"] == "the data's last real event"
    sections = set(r.not_assessed["section"])
    assert {"adoption", "follow_up", "relationships", "shadow_pipeline", "seat_roi"} <= sections
    assessed = set(r.metrics.loc[r.metrics["assessed"], "metric"])
    # only what the opportunities carry (tests/diagnostics/test_pipeline_only.py checks the
    # numbers and the scores against the CSV)
    assert assessed == {
        "data_health",
        "loan_fields_complete",
        "weekly_record_producers",
        "records_per_producer_week",
        "aged_open_loans",
        "typical_days_to_win",
        "closed_loans_complete",
        "won_in_one_step",
    }
    dq = r.data_quality
    future = dq[(dq["check"] == "dated in the future") & (dq["scope"] == "organization")]
    assert future["issues"].iloc[0] == 0  # won and lost close dates define the as-of date


def test_results_refuse_to_write_a_frame_that_breaks_its_column_contract(tmp_path: Path) -> None:
    from kit.results import COLUMNS

    r = diagnose(dataset(), as_of="2025-03-31")
    frames = r.frames()
    frames["findings"] = frames["findings"].drop(columns="severity")
    broken = Results(**frames, parameters=r.parameters)
    with pytest.raises(ValueError, match="'findings' breaks its contract"):
        broken.write(tmp_path / "bundle")
    assert not (tmp_path / "bundle").exists()
    assert set(COLUMNS) <= set(frames)
