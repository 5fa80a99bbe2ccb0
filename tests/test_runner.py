"""End-to-end runs of the real notebooks through the runner and the real CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest

from kit.demo.organization import STORIES
from kit.exceptions import AssessmentError, OutputError
from kit.runner import assess

pytestmark = pytest.mark.slow


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kit", *args], capture_output=True, text=True, cwd=cwd, timeout=600
    )


def test_demo_writes_the_documented_layout(demo_reports: Path):
    slugs = {
        "Cedar Ridge": "cedar-ridge",
        "Lakeshore": "lakeshore",
        "Old Mill": "old-mill",
        "Pine Hollow": "pine-hollow",
        "Riverbend": "riverbend",
        "Harbor Point": "harbor-point",
        "Stonebridge": "stonebridge",
    }
    assert set(STORIES) == set(slugs)
    assert (demo_reports / "index.html").is_file()
    assert (demo_reports / "data-quality.html").is_file()
    assert sorted(p.name for p in (demo_reports / "teams").iterdir()) == sorted(
        f"{s}.html" for s in slugs.values()
    )
    assert sorted(p.name for p in (demo_reports / "notebooks").iterdir()) == sorted(
        [f"{s}.ipynb" for s in slugs.values()] + ["portfolio.ipynb", "data-quality.ipynb"]
    )
    for name in ("findings", "scores", "compliance", "metrics", "review_list"):
        assert (demo_reports / "data" / "csv" / f"{name}.csv").is_file()
    # a follow-up against the baseline taken the day before the standards were required
    for name in ("changes", "requirements"):
        assert (demo_reports / "data" / "csv" / f"{name}.csv").is_file()
    assert (demo_reports / "data" / "baseline" / "results.json").is_file()
    assert (demo_reports / "data" / "standards.yaml").is_file()
    assert (demo_reports / "data" / "assessment.xlsx").is_file()
    assert (demo_reports / "data" / "results" / "results.json").is_file()
    run = json.loads((demo_reports / "run.json").read_text())
    assert run["teams"] == slugs
    assert run["failures"] == {}
    assert {s["path"] for s in run["inputs"]} >= {"users.csv", "activities.csv"}
    assert all(len(s["sha256"]) == 64 for s in run["inputs"])
    assert not list(demo_reports.parent.glob(".*partial*"))  # staging folder swapped in
    # the demo keeps its CSV export beside the reports, and run.json says where
    assert (demo_reports / "data" / "export" / "activities.csv").is_file()
    assert run["source"] == str((demo_reports / "data" / "export").absolute())
    assert run["baselines"] == ["data/baseline"]
    assert not list(demo_reports.parent.glob(".*demo-export*"))


def test_each_team_report_names_its_team_and_shows_its_score(demo_reports: Path):
    from kit.results import load_results

    results = load_results(demo_reports / "data" / "results")
    scores = results.scores[results.scores["scope"] == "team"].set_index("team")["score"]
    for team, slug in json.loads((demo_reports / "run.json").read_text())["teams"].items():
        page = (demo_reports / "teams" / f"{slug}.html").read_text(encoding="utf-8")
        assert team in page
        assert f"{team}: adoption score" in page
        assert f'kit-score__value">{round(scores[team])}<' in page


def test_no_executed_notebook_has_an_error_or_stderr(demo_reports: Path):
    for path in (demo_reports / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                assert output["output_type"] != "error", (path.name, output)
                assert output.get("name") != "stderr", (path.name, output.get("text"))


def test_portfolio_links_every_team_report(demo_reports: Path):
    page = (demo_reports / "index.html").read_text(encoding="utf-8")
    for slug in json.loads((demo_reports / "run.json").read_text())["teams"].values():
        assert f'href="teams/{slug}.html"' in page


def _failing_notebooks(tmp_path: Path, *, crash: bool = False) -> Path:
    """A copy of the bundled notebooks whose team notebook fails for team Lakeshore."""
    from kit._resources import notebooks_dir

    folder = tmp_path / "notebooks"
    folder.mkdir()
    for path in notebooks_dir().glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        if path.name == "team_assessment.ipynb":
            boom = (
                "import os; os._exit(1)"
                if crash
                else "raise RuntimeError('simulated failure in ' + team)"
            )
            nb.cells.insert(3, nbformat.v4.new_code_cell(f"if team == 'Lakeshore':\n    {boom}"))
        nbformat.write(nb, folder / path.name)
    return folder


@pytest.mark.parametrize("crash", [False, True], ids=["cell-error", "kernel-crash"])
def test_a_failing_team_is_reported_while_the_others_finish(tmp_path, demo_reports, crash):
    out = tmp_path / "out"
    with pytest.raises(AssessmentError) as info:
        assess(
            demo_reports / "data" / "dataset",
            out,
            teams=["Lakeshore", "Old Mill", "Riverbend"],
            workers=2,
            progress=False,
            notebooks=_failing_notebooks(tmp_path, crash=crash),
        )
    message = str(info.value)
    assert "1 report(s) failed" in message
    expected = "simulated failure in Lakeshore" if not crash else "kernel died"
    assert f"Lakeshore: {'cell 5 failed: RuntimeError: ' if not crash else ''}" in message
    assert expected in message
    assert not (out / "teams" / "lakeshore.html").exists()
    assert (out / "notebooks" / "lakeshore.ipynb").is_file()  # kept for audit
    assert sorted(p.name for p in (out / "teams").iterdir()) == ["old-mill.html", "riverbend.html"]
    run = json.loads((out / "run.json").read_text())
    assert list(run["failures"]) == ["Lakeshore"]
    portfolio = (out / "index.html").read_text(encoding="utf-8")
    assert "Lakeshore (report failed)" in portfolio
    assert 'href="teams/lakeshore.html"' not in portfolio
    assert 'href="teams/old-mill.html"' in portfolio


def _visible(page: str) -> str:
    """The text of a report page, tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_the_demo_shows_what_changed_since_the_standards_were_required(demo_reports: Path):
    harbor = _visible((demo_reports / "teams" / "harbor-point.html").read_text(encoding="utf-8"))
    assert "Since the last assessment (Aug 3, 2025)" in harbor
    assert "Since the standards were required (Aug 4, 2025)" in harbor
    assert (
        "3 standards required of Harbor Point from Aug 4, 2025: 3 improved beyond noise" in harbor
    )
    assert "partial then, consistent now" in harbor
    assert "What changed" in harbor
    stone = _visible((demo_reports / "teams" / "stonebridge.html").read_text(encoding="utf-8"))
    assert "3 standards required of Stonebridge from Aug 4, 2025: 0 improved beyond noise" in stone
    assert stone.count(": no clear change.") >= 3
    cedar = _visible((demo_reports / "teams" / "cedar-ridge.html").read_text(encoding="utf-8"))
    assert "Since the last assessment (Aug 3, 2025)" in cedar
    assert "Since the standards were required" not in cedar  # not required of Cedar Ridge
    portfolio = _visible((demo_reports / "index.html").read_text(encoding="utf-8"))
    assert "Teams ranked by the change in their adoption score" in portfolio
    assert "Since the standards were required" in portfolio
    changes = pd.read_csv(demo_reports / "data" / "csv" / "changes.csv", encoding="utf-8-sig")
    assert set(changes["baseline_as_of"]) == {"2025-08-03"}
    workbook = openpyxl.load_workbook(demo_reports / "data" / "assessment.xlsx", read_only=True)
    assert {"Changes", "Requirements"} <= set(workbook.sheetnames)


def test_a_baseline_and_a_follow_up_on_two_exports_of_the_same_client(tmp_path):
    from kit.demo.organization import REQUIREMENT, write_export, write_standards

    earlier = write_export(tmp_path / "august", as_of=REQUIREMENT["baseline_as_of"])
    later = write_export(tmp_path / "october")
    standards = write_standards(tmp_path / "standards.yaml")
    common = ["--standards", str(standards), "--teams", "Harbor Point", "--workers", "1"]
    first = _cli("assess", str(earlier), "--out", str(tmp_path / "baseline"), *common)
    assert first.returncode == 0, first.stderr
    second = _cli(
        "assess",
        str(later),
        "--out",
        str(tmp_path / "follow-up"),
        "--baseline",
        str(tmp_path / "baseline"),
        *common,
    )
    assert second.returncode == 0, second.stderr
    out = tmp_path / "follow-up"
    changes = pd.read_csv(out / "data" / "csv" / "changes.csv", encoding="utf-8-sig")
    team = changes[(changes["team"] == "Harbor Point") & (changes["scope"] == "team")]
    verdicts = team.set_index("rule_id")["verdict"]
    assert verdicts[["stage_freshness", "next_step", "lead_source"]].tolist() == ["improved"] * 3
    assert (changes["match"] == "matched").all()  # the same client, team by team
    run = json.loads((out / "run.json").read_text())
    assert run["baselines"] == [str((tmp_path / "baseline" / "data" / "results").absolute())]
    page = _visible((out / "teams" / "harbor-point.html").read_text(encoding="utf-8"))
    assert "Since the last assessment (Aug 3, 2025)" in page
    # the score row of changes.csv, said in words on the page
    row = changes[(changes["kind"] == "score") & (changes["team"] == "Harbor Point")]
    row = row[row["scope"] == "team"].iloc[0]
    assert row["after"] > row["before"]
    assert f"The adoption score went from {row['before']:.0f} to {row['after']:.0f}" in page


def test_a_baseline_that_is_not_an_earlier_run_is_refused(tmp_path, demo_reports: Path):
    out = tmp_path / "out"
    done = _cli(
        "assess",
        str(demo_reports / "data" / "dataset"),
        "--out",
        str(out),
        "--baseline",
        str(tmp_path),
    )
    assert done.returncode == 2
    assert "is not a previous assessment" in done.stderr and "Traceback" not in done.stderr
    later = _cli(
        "assess",
        str(demo_reports / "data" / "dataset"),
        "--out",
        str(out),
        "--baseline",
        str(demo_reports),
        "--as-of",
        "2025-07-01",
    )
    assert later.returncode == 2
    assert "is as of 2025-10-31, not before this assessment's as-of date 2025-07-01" in (
        later.stderr
    )
    assert not out.exists()


def test_cli_assess_a_dataset_for_one_team(tmp_path, demo_reports: Path):
    out = tmp_path / "one"
    done = _cli(
        "assess",
        str(demo_reports / "data" / "dataset"),
        "--out",
        "one",  # relative to the working directory, as a user types it
        "--teams",
        "Old Mill",
        "--client",
        "Acme <Lending>",
        "--workers",
        "1",
        "--brand-colour",
        "#0B5394",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "1 of 1 team reports written" in done.stdout
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in (out / "teams").iterdir()) == ["old-mill.html"]
    page = (out / "teams" / "old-mill.html").read_text(encoding="utf-8")
    assert "Acme &lt;Lending&gt;" in page and "Acme <Lending>" not in page
    assert "#0b5394" in page


def test_cli_refuses_a_non_empty_output_folder(tmp_path, demo_reports: Path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.txt").write_text("client notes")
    done = _cli("assess", str(demo_reports / "data" / "dataset"), "--out", str(out))
    assert done.returncode == 3
    assert "is not empty" in done.stderr and "--force" in done.stderr
    assert "Traceback" not in done.stderr
    assert (out / "keep.txt").read_text() == "client notes"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2025-13-40"], "--as-of '2025-13-40' is not a date"),
        (
            ["--launch", "2025-12-01", "--as-of", "2025-10-31"],
            "--launch 2025-12-01 is after --as-of 2025-10-31",
        ),
        (["--teams", "Lakeshor"], "'Lakeshor' is not a team in the data; did you mean 'Lakeshore'"),
        (["--seat-cost", "-5"], "--seat-cost -5.0 is negative"),
        (["--brand-colour", "blue"], "brand colour 'blue' is not a hex colour"),
    ],
    ids=["bad-date", "launch-after-as-of", "unknown-team", "negative-seat-cost", "bad-colour"],
)
def test_cli_bad_parameters_get_clear_errors(tmp_path, demo_reports: Path, args, message):
    out = tmp_path / "out"
    done = _cli("assess", str(demo_reports / "data" / "dataset"), "--out", str(out), *args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_assess_refuses_output_inside_a_file(tmp_path, demo_reports: Path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        assess(demo_reports / "data" / "dataset", target, progress=False)


MAVEN = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "maven-crm"


@pytest.mark.realdata
@pytest.mark.skipif(not MAVEN.is_dir(), reason="../shared/realdata/maven-crm is not present")
def test_real_maven_export_renders_with_missing_sections_not_assessed(tmp_path):
    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "maven"
    done = _cli(
        "assess",
        str(MAVEN),
        "--mapping",
        str(root / "examples/mappings/maven-crm.yaml"),
        "--out",
        str(out),
        "--teams",
        "Cara Losch",
        "--teams",
        "Rocco Neubert",
    )
    assert done.returncode == 0, done.stderr
    assert "2 of 2 team reports written" in done.stdout
    # intake's summary and the data's true time frame, printed before any heavy work
    assert "Intake of maven-crm with mapping 'maven-crm'" in done.stdout
    assert "Data dated 2016-10-20 to 2017-12-31 (first and last real event)" in done.stdout
    page = (out / "teams" / "cara-losch.html").read_text(encoding="utf-8")
    # the header states the data's own first and last dates, not the assessment window
    assert "<dt>Records dated</dt><dd>Oct 20, 2016 – Dec 31, 2017</dd>" in page
    assert "<dt>As of</dt><dd>Dec 31, 2017</dd>" in page
    assert "Not assessed:" in page and "no activities provided" in page
    # scored on what the opportunities show, with the request for what they cannot
    assert "Not scored" not in page
    assert "entered the pipeline 60+ days ago and are still open" in page
    assert "What this export could not show" in page and "An activity export" in page
    portfolio = (out / "index.html").read_text(encoding="utf-8")
    assert "no LOS loans provided" in portfolio
    run = json.loads((out / "run.json").read_text())
    assert run["failures"] == {}
    assert {s["path"] for s in run["inputs"]} >= {"sales_pipeline.csv", "sales_teams.csv"}
