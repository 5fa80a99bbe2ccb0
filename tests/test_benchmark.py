"""The benchmark script runs end to end (no timing is asserted: speed is the script's job)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_table import Figure, Target  # noqa: E402


def test_figure_is_the_median_with_its_spread():
    figure = Figure.of([4.0, 1.0, 2.0, 3.0], unit="s")
    assert (figure.median, figure.low, figure.high) == (2.5, 1.0, 4.0)
    assert figure.text() == "2.50 s (1.00–4.00)"
    assert Figure.of([2_100_000], unit="bytes").text() == "2.10 MB"


def test_targets_pass_fail_or_not_measured():
    assert Target("intake", 1.9, 2.0, "x").verdict == "pass"
    assert Target("intake", 2.1, 2.0, "x").verdict == "FAIL"
    assert Target("ydata", 9.0, 10.0, "x", at_most=False).verdict == "FAIL"
    assert Target("ydata", None, 10.0, "x", at_most=False).verdict == "not measured"
    assert Target("size", 2_000_000, 2_000_000, "bytes").row() == [
        "size",
        "2.00 MB",
        "≤ 2.00 MB",
        "pass",
    ]


@pytest.mark.slow
def test_benchmark_runs_at_the_small_scale(tmp_path):
    work = tmp_path / "work"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--scale",
            "small",
            "--repeat",
            "1",
            "--skip-ydata",
            "--results",
            str(tmp_path),
            "--workdir",
            str(work),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert not work.exists()  # the scratch folder is removed
    stamped = sorted(p.suffix for p in tmp_path.glob("small-*"))
    assert stamped == [".json", ".md"]
    result = json.loads((tmp_path / "latest-small.json").read_text())
    assert result["rows"]["users"] == 60
    assert result["runs"]["assess"][0]["result"]["teams"] == 7
    assert sorted(result["figures"]["notebook_split"]) == sorted(
        [
            "kernel_start",
            "imports",
            "reset",
            "read_results",
            "computing",
            "plotting",
            "papermill",
            "rendering",
        ]
    )
    verdicts = {t["name"]: t["verdict"] for t in result["targets"]}
    assert len(verdicts) == 8
    assert verdicts["ydata-profiling minimal (activities) vs kit diagnostics"] == "not measured"
    table = (tmp_path / "latest-small.md").read_text()
    assert "| Intake from the CSV export (kit.intake.read_export) |" in table
    assert done.stdout.strip() == table.strip()
