"""The committed notebooks: clean inputs for papermill, and runnable as-is on the demo."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_the_three_notebooks_exist():
    assert [p.name for p in NOTEBOOKS] == [
        "data_quality.ipynb",
        "portfolio.ipynb",
        "team_assessment.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs_and_with_a_documented_parameters_cell(path: Path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is code[0]
    parameters = papermill.inspect_notebook(str(path))
    assert parameters, "papermill could not infer the parameters"
    for name, spec in parameters.items():
        assert spec["inferred_type_name"] in {"str", "bool", "dict", "list"}, name
        assert len(spec["help"]) > 20, f"{name} has no explanatory comment"
    assert {"results_dir", "show_pii"} <= set(parameters)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_runs_top_to_bottom_on_the_demo_with_no_set_up(path: Path, tmp_path, monkeypatch):
    # A fresh temp folder stands in for a fresh machine: the demo is built there on first use.
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    out = papermill.execute_notebook(
        str(path),
        str(tmp_path / path.name),
        progress_bar=False,
        kernel_name="python3",
        cwd=str(tmp_path),
    )
    errors = [o for c in out.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert errors == []
    html = "".join(
        o.get("data", {}).get("text/html", "") for c in out.cells for o in c.get("outputs", [])
    )
    assert "Harborlight Home Lending" in html  # the demo client, read from its results
