"""``adoption-kit diagnose``, ``render`` and ``portfolio``: ``assess`` step by step.

Run one after the other on the small demo's export, the commands write the same pages, CSVs,
workbook, dataset and results bundle as ``assess``, byte for byte; a team never rendered is
listed as failed by the portfolio (exit code 4); a folder that was not diagnosed, or a team
not in it, is refused with a clear message (exit code 2).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import same_pages


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kit", *args], capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def diagnosed(tmp_path_factory: pytest.TempPathFactory, small_export: Path) -> Path:
    out = tmp_path_factory.mktemp("steps") / "diagnosed"
    done = _cli("diagnose", str(small_export), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert f"adoption-kit render {out}" in done.stdout
    return out


@pytest.mark.slow
def test_the_steps_in_sequence_write_what_assess_writes(
    tmp_path: Path, diagnosed: Path, small_assessed: Path
):
    folder = tmp_path / "steps"
    shutil.copytree(diagnosed, folder)
    # diagnose wrote the data, and no page yet
    assert (folder / "data" / "csv" / "scores.csv").is_file()
    assert not (folder / "teams").exists() and not (folder / "index.html").exists()
    teams = sorted(json.loads((folder / "run.json").read_text())["teams"])
    assert len(teams) == 7
    # as an orchestrator would: one task for a team, one for two teams, one for the rest
    for chosen in (teams[:1], teams[1:3], teams[3:]):
        args = [a for team in chosen for a in ("--team", team)]
        done = _cli("render", str(folder), *args, "--workers", "2")
        assert done.returncode == 0, done.stderr
    done = _cli("portfolio", str(folder))
    assert done.returncode == 0, done.stderr
    assert same_pages(small_assessed, folder) == []
    # nothing more than assess's folder but each report's outcome, and no staging left
    extra = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {
        p.relative_to(small_assessed).as_posix() for p in small_assessed.rglob("*") if p.is_file()
    }
    assert all(name.endswith(".outcome.json") for name in extra), extra
    assert not list(folder.glob(".*"))
    run = json.loads((folder / "run.json").read_text())
    assessed = json.loads((small_assessed / "run.json").read_text())
    assert run["failures"] == {}
    assert sorted(run["reports"]) == sorted(assessed["reports"])
    assert run["teams"] == assessed["teams"] and run["parameters"] == assessed["parameters"]


@pytest.mark.slow
def test_the_portfolio_lists_a_team_never_rendered_and_exits_4(tmp_path: Path, diagnosed: Path):
    folder = tmp_path / "partly"
    shutil.copytree(diagnosed, folder)
    teams = json.loads((folder / "run.json").read_text())["teams"]
    done = _cli("portfolio", str(folder))
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr
    assert f"{len(teams)} report(s) failed or missing" in done.stderr
    assert "Lakeshore: no report rendered (run `adoption-kit render` for it)" in done.stderr
    portfolio = (folder / "index.html").read_text(encoding="utf-8")
    assert "Lakeshore (report failed)" in portfolio
    assert 'href="teams/lakeshore.html"' not in portfolio
    assert (folder / "data-quality.html").is_file()
    run = json.loads((folder / "run.json").read_text())
    assert sorted(run["failures"]) == sorted(teams)


def _fake_diagnosed(folder: Path) -> Path:
    """The least a diagnosed folder holds for ``render`` to start: run.json, data/results."""
    (folder / "data" / "results").mkdir(parents=True)
    run = {"teams": {"Lakeshore": "lakeshore"}, "source": "/x", "seconds": {}}
    (folder / "run.json").write_text(json.dumps(run))
    return folder


@pytest.mark.parametrize(
    ("command", "args", "code", "message"),
    [
        ("render", [], 2, "is not a report folder written by `adoption-kit diagnose`"),
        ("portfolio", [], 2, "Run `adoption-kit diagnose EXPORT --out"),
        ("render", ["--team", "Lakeshor"], 2, "did you mean 'Lakeshore'"),
        ("render", ["--workers", "0"], 2, "Invalid value for '--workers'"),
    ],
    ids=["render-undiagnosed", "portfolio-undiagnosed", "unknown-team", "zero-workers"],
)
def test_steps_refuse_bad_folders_and_teams_clearly(tmp_path, command, args, code, message):
    folder = tmp_path / "folder"
    folder.mkdir()
    if "--team" in args or "--workers" in args:
        _fake_diagnosed(folder)
    done = _cli(command, str(folder), *args)
    assert done.returncode == code, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in folder.iterdir()) == (["data", "run.json"] if args else [])


def test_the_portfolio_reads_each_teams_outcome_from_render_or_from_assess(tmp_path: Path):
    from kit.runner import _team_outcomes

    (tmp_path / "teams").mkdir()
    (tmp_path / "notebooks").mkdir()
    for slug in ("north", "south", "east"):
        (tmp_path / "teams" / f"{slug}.html").write_text("page")
    # North rendered by `render` (its record wins over run.json's); South by `assess`;
    # East's page was removed after; West was never rendered
    record = {"label": "North", "ok": False, "error": "cell 3 failed: boom", "seconds": {}}
    (tmp_path / "notebooks" / "north.outcome.json").write_text(json.dumps(record))
    (tmp_path / "teams" / "east.html").unlink()
    run = {
        "teams": {"North": "north", "South": "south", "East": "east", "West": "west"},
        "reports": {
            "North": {"ok": True, "error": None, "seconds": {}},
            "South": {"ok": True, "error": None, "seconds": {"execute": 1.5}},
            "East": {"ok": True, "error": None, "seconds": {}},
        },
    }
    found = {o.label: (o.error, o.seconds) for o in _team_outcomes(tmp_path, run)}
    assert found == {
        "North": ("cell 3 failed: boom", {}),
        "South": (None, {"execute": 1.5}),
        "East": ("its report is missing from teams/", {}),
        "West": ("no report rendered (run `adoption-kit render` for it)", {}),
    }
