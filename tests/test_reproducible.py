"""Reproducibility: the same inputs and parameters give the same outputs, byte for byte.

A second run of the demo is compared with the session's ``demo_reports``: the results bundle,
the CSV and Excel exports, the intake dataset and every HTML report are identical files.
``run.json`` differs only in what it records about the run itself (start and finish times,
durations, and the path of the demo's temporary export); the executed notebooks kept for
audit only in papermill's timing metadata, the staging path they were written to and the
random id of the parameters cell papermill injects.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kit.runner import run_demo

pytestmark = pytest.mark.slow

#: What run.json records about the run rather than its inputs and results.
RUN_ONLY = ("started_at", "finished_at", "seconds", "source")
#: Papermill's record of when and where a notebook ran.
PAPERMILL_RUN_ONLY = ("start_time", "end_time", "duration", "input_path", "output_path")


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _run_facts(data: bytes) -> dict[str, Any]:
    run = json.loads(data)
    for key in RUN_ONLY:
        run.pop(key)
    for report in run["reports"].values():
        report.pop("seconds")
    return run


def _notebook(data: bytes) -> dict[str, Any]:
    nb = json.loads(data)
    for key in PAPERMILL_RUN_ONLY:
        nb["metadata"]["papermill"].pop(key)
    for cell in nb["cells"]:
        meta = cell.get("metadata", {})
        meta.pop("execution", None)  # kernel timestamps of each cell
        if "injected-parameters" in meta.get("tags", []):
            cell.pop("id")  # papermill gives the cell it injects a random id
        for key in PAPERMILL_RUN_ONLY:
            meta.get("papermill", {}).pop(key, None)
    return nb


@pytest.fixture(scope="module")
def again(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same demo (scale, seed, engagement) assessed a second time, elsewhere."""
    out = tmp_path_factory.mktemp("again") / "demo-again"
    run_demo(out, scale="small", seed=7, progress=False)
    return out


def test_a_second_run_gives_an_identical_bundle(demo_reports: Path, again: Path):
    first, second = _files(demo_reports), _files(again)
    assert sorted(first) == sorted(second)
    differing = sorted(name for name in first if first[name] != second[name])
    # only the run's own record and the audit notebooks may differ, nothing else
    assert set(differing) <= {"run.json", *(n for n in first if n.startswith("notebooks/"))}
    identical = [n for n in first if n not in differing]
    for kind in ("data/results/", "data/csv/", "data/dataset/", "teams/"):
        assert any(n.startswith(kind) for n in identical), kind
    for name in ("data/assessment.xlsx", "index.html", "data-quality.html"):
        assert name in identical, name
    assert "data/results/results.json" in identical


def test_run_json_differs_only_in_times_durations_and_source_path(demo_reports: Path, again: Path):
    first = (demo_reports / "run.json").read_bytes()
    second = (again / "run.json").read_bytes()
    assert _run_facts(first) == _run_facts(second)
    assert json.loads(first)["source"] != json.loads(second)["source"]  # two temp exports


def test_executed_notebooks_differ_only_in_papermill_run_metadata(demo_reports: Path, again: Path):
    names = sorted(p.name for p in (demo_reports / "notebooks").glob("*.ipynb"))
    assert len(names) == 9  # seven teams, the data-quality appendix and the portfolio
    for name in names:
        first = (demo_reports / "notebooks" / name).read_bytes()
        second = (again / "notebooks" / name).read_bytes()
        assert _notebook(first) == _notebook(second), name
