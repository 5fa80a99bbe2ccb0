"""Truth in the report: every number the rendered reports state agrees with the same fact in
every other place it appears, every score rests on enough evidence, and every sentence with
a threshold, cadence or colour band comes from the standards file the run used.

End-to-end through the real CLI on the demo, on a custom standards file and on the real Maven
export; the checks themselves are in :mod:`tests.consistency`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from kit.diagnostics.standards import DEFAULT_STANDARDS
from tests.conftest import REALDATA
from tests.consistency import contradictions, page_tables, page_text

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
MAVEN = REALDATA / "maven-crm"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kit", *args], capture_output=True, text=True, timeout=900
    )


def _pages(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): p.read_text(encoding="utf-8") for p in out.rglob("*.html")}


def test_the_demo_renders_with_no_contradiction(demo_reports: Path):
    """Each number in the findings equals the same fact in the tables, cards, charts, CSVs and
    the workbook (seat counts, idle seats, spend, archetype counts, scores, speed to lead)."""
    assert contradictions(demo_reports) == []
    findings = pd.read_csv(demo_reports / "data" / "csv" / "findings.csv")
    seats = findings[findings["rule_id"] == "idle_seats"]
    roi = pd.read_parquet(demo_reports / "data" / "results" / "seat_roi.parquet")
    assert seats[["numerator", "denominator"]].values.tolist() == [
        [roi["idle_seats"].sum(), roi["seats"].sum()]
    ]


# ------------------------------------------------------------------ a custom standards file
def _custom_standards(path: Path) -> Path:
    """The shipped defaults with other days, targets, warn levels and colour bands, and
    sentences that name the new numbers."""
    raw = yaml.safe_load(DEFAULT_STANDARDS.read_text(encoding="utf-8"))
    changes = {
        "stage_freshness": ({"days": 21}, 0.15, 0.3, "Every open loan moves stage within 21 days."),
        "speed_to_lead": (None, 0.7, 0.5, "Seven in ten new leads get a call within the hour."),
        "next_step": (None, 0.85, 0.72, "Calls and meetings record a next step."),
        "conversation_outcome": (None, 0.85, 0.72, "Calls and meetings record an outcome."),
        "overdue_next_steps": (None, 0.15, 0.3, "Next steps are followed up when due."),
        "lead_source": (None, 0.88, 0.8, "New contacts carry a lead source."),
        "past_client_cadence": (
            {"days": 120, "touches": "any"},
            0.85,
            0.65,
            "Past clients hear from us every 120 days.",
        ),
        "partner_cadence": (
            {"days": 45, "touches": "human"},
            0.82,
            0.62,
            "Referral partners hear from a person every 45 days.",
        ),
        "weekly_active": (None, 0.85, 0.72, "Producers log their work in the CRM every week."),
        "funded_in_crm": (None, 0.92, 0.8, "Funded loans exist in the CRM."),
        "contact_owner": (None, 0.05, 0.15, "Contacts have an owner."),
        "weekly_pipeline_entry": (
            None,
            0.85,
            0.68,
            "Producers enter or update their pipeline every week.",
        ),
        "open_loan_age": (
            {"days": 75},
            0.12,
            0.3,
            "At most 12% of open loans entered the pipeline more than 75 days ago.",
        ),
        "close_date_current": (None, 0.12, 0.3, "Open loans keep a current close date."),
        "closed_loans_recorded": (None, 0.92, 0.82, "Closed loans carry their date and amount."),
        "loans_worked_in_pipeline": (None, 0.06, 0.18, "Won loans were worked in the pipeline."),
    }
    for rule in raw["rules"]:
        params, target, warn, statement = changes[rule["id"]]
        if params:
            rule["params"] = params
        rule.update(target=target, warn=warn, statement=statement)
        rule["review"] = "What the manager walks through this week."
        rule["require"] = "The operating change the leader requires."
    raw["score_bands"] = {"amber": 60, "green": 85}
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


#: Phrases the shipped defaults put in a report; none may survive a custom standards file.
DEFAULT_PHRASES = (
    "14+ days",
    "14 days",
    "60+ days",
    "more than 60 days",
    "90+ days",
    "30+ days",
    "every 90 days",
    "every 30 days",
    "at least 80%",
    "at least 90%",
    "at least 95%",
    "at most 10%",
    "at most 2%",
    "down to 75%",
    "down to 70%",
    "down to 60%",
    "down to 85%",
    "up to 25%",
    "up to 20%",
    "up to 10%",
    "Green is 75",
    "amber 50",
)


def test_a_custom_standards_file_changes_every_sentence_it_should(demo_reports: Path, tmp_path):
    """Seen: notebook markdown and review titles hard-coded "14 days", "90/30 days" and
    "Green is 75"; with a custom --standards file the report contradicted itself."""
    standards = _custom_standards(tmp_path / "standards.yaml")
    out = tmp_path / "custom"
    done = _cli(
        "assess",
        str(demo_reports / "data" / "dataset"),
        "--out",
        str(out),
        "--standards",
        str(standards),
        "--teams",
        "Cedar Ridge",
    )
    assert done.returncode == 0, done.stderr
    pages = _pages(out)
    assert {"index.html", "teams/cedar-ridge.html", "data-quality.html"} <= set(pages)
    for name, page in pages.items():
        text = page_text(page)
        left = [p for p in DEFAULT_PHRASES if p in text]
        assert left == [], f"{name} still says {left}"
    team = page_text(pages["teams/cedar-ridge.html"])
    for said in (
        "Every open loan moves stage within 21 days. Target: at most 15%; a warning, not a "
        "failure, up to 30%.",
        "Green is 85 and above, amber 60 to 85, red below 60.",
        "Past clients not touched in 120+ days",
        "Referral partners not touched in 45+ days",
        "(standard: at least 85%)",
    ):
        assert said in team, said
    assert contradictions(out) == []


def test_notebook_markdown_types_no_threshold():
    """Words from the data: a notebook's markdown never types a number; the sentences with
    thresholds, cadences and bands are built by the kit from the standards."""
    import nbformat

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                assert not re.search(r"\d", cell.source), (path.name, cell.source)


# ------------------------------------------------------------------ a real export
@pytest.mark.realdata
@pytest.mark.skipif(not MAVEN.is_dir(), reason="../shared/realdata/maven-crm is not present")
def test_the_real_maven_export_renders_with_no_contradiction(tmp_path):
    """No activities, contacts or LOS loans: teams are scored on what the opportunities show
    (the pipeline standards, at least half of the weight), producers with too few deals are
    not, and every number agrees with the CSVs."""
    out = tmp_path / "maven"
    done = _cli(
        "assess",
        str(MAVEN),
        "--mapping",
        str(ROOT / "examples/mappings/maven-crm.yaml"),
        "--out",
        str(out),
        "--teams",
        "Cara Losch",
    )
    assert done.returncode == 0, done.stderr
    assert contradictions(out) == []
    scores = pd.read_csv(out / "data" / "csv" / "scores.csv")
    teams = scores[scores["scope"] == "team"]
    assert teams["score"].notna().all()
    assert (teams["weight_assessed"] >= teams["weight_total"] / 2).all()
    # a score is a number only where at least half the weight was judged, everywhere
    judged = scores["weight_assessed"] >= scores["weight_total"] / 2
    assert (scores["score"].notna() == judged).all()
    assert set(scores.loc[~judged, "evidence"]) <= {"not enough evidence"}
    team = (out / "teams" / "cara-losch.html").read_text(encoding="utf-8")
    text = page_text(team)
    assert "What this export could not show" in text
    assert "0 of 5 teams" not in text
    # no email, phone or name to compare, and no contacts at all: never "0%" duplicates
    quality = [t for t in page_tables(team) if {"Measure", "Cara Losch"} <= set(t.columns)]
    rows = pd.concat(quality).set_index("Measure")
    assert rows.loc["Duplicate contacts", "Cara Losch"] == "not assessed"
    portfolio = page_text((out / "index.html").read_text(encoding="utf-8"))
    cara = teams.set_index("team").loc["Cara Losch"]
    assert f"{cara['passed']} of {cara['rules_assessed']} judged" in portfolio
