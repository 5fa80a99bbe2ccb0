"""The worker's warm kernel: papermill executes every notebook on the worker's own client."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from kit.report import execute
from kit.report.execute import NotebookJob, run_job

pytestmark = pytest.mark.slow


@pytest.fixture
def worker() -> Iterator[None]:
    """A worker of this process with no kernel yet; its kernel is shut down afterwards."""
    execute._shutdown()
    execute._kernel = execute._client = None
    yield
    execute._shutdown()
    execute._kernel = execute._client = None


def _notebook(folder: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python", "language": "python"}
    params = nbformat.v4.new_code_cell('team = ""', metadata={"tags": ["parameters"]})
    nb.cells = [params, *(nbformat.v4.new_code_cell(c) for c in cells)]
    path = folder / "source.ipynb"
    nbformat.write(nb, path)
    return path


def _job(folder: Path, notebook: Path, name: str, team: str) -> NotebookJob:
    return NotebookJob(
        label=team,
        notebook=notebook,
        parameters={"team": team},
        executed=folder / "executed" / f"{name}.ipynb",
        html=None,
        workdir=folder,
    )


def _text_outputs(path: Path) -> list[str]:
    cells = nbformat.read(path, as_version=4).cells
    return [o.get("text", "") for c in cells if c.cell_type == "code" for o in c.outputs]


def _north_then_south(tmp_path: Path, notebook: Path) -> None:
    """Run ``notebook`` for North ("first") then South ("second") in this worker, both fine."""
    outcomes = [
        run_job(_job(tmp_path, notebook, name, team))
        for name, team in (("first", "North"), ("second", "South"))
    ]
    assert [o.error for o in outcomes] == [None, None]


def test_a_warm_kernel_is_not_asked_to_prove_it_is_ready(tmp_path, worker, monkeypatch):
    """Under heavy load the readiness check of a freshly connected client timed out on a
    kernel that was up all along ("Kernel didn't respond in 60 seconds"): reports run on the
    worker's connected client, so a readiness wait that can only time out changes nothing."""
    from jupyter_client.asynchronous.client import AsyncKernelClient
    from jupyter_client.blocking.client import BlockingKernelClient

    def times_out(self: object, timeout: float | None = None) -> None:
        raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")

    async def times_out_async(self: object, timeout: float | None = None) -> None:
        times_out(self, timeout)

    monkeypatch.setattr(BlockingKernelClient, "wait_for_ready", times_out)
    monkeypatch.setattr(AsyncKernelClient, "wait_for_ready", times_out_async)
    notebook = _notebook(tmp_path, "seen = globals().get('seen', 0) + 1\nprint(team, seen)")
    _north_then_south(tmp_path, notebook)
    assert _text_outputs(tmp_path / "executed" / "first.ipynb") == ["North 1\n"]
    # the same kernel, its namespace reset in between
    assert _text_outputs(tmp_path / "executed" / "second.ipynb") == ["South 1\n"]


def test_a_kernel_that_dies_leaves_the_notebook_so_far_and_the_next_report_runs(tmp_path, worker):
    notebook = _notebook(
        tmp_path, "print('before', team)", "import os\nif team == 'North':\n    os._exit(1)"
    )
    died = run_job(_job(tmp_path, notebook, "north", "North"))
    assert died.error == "the notebook's kernel died (a crash or out of memory) while it ran"
    assert _text_outputs(tmp_path / "executed" / "north.ipynb") == ["before North\n"]
    after = run_job(_job(tmp_path, notebook, "south", "South"))  # a new kernel
    assert after.error is None
    assert _text_outputs(tmp_path / "executed" / "south.ipynb") == ["before South\n"]


def test_the_warm_up_is_frozen_out_of_collections_and_a_reports_garbage_still_collected(
    tmp_path, worker
):
    """The kernel's imports are frozen (``gc.freeze``) so the reset's collections skip them;
    a reference cycle a report leaves behind is still collected by the next reset."""
    notebook = _notebook(
        tmp_path,
        "import gc, sys, weakref\n"
        "class Node: pass\n"
        "if team == 'North':\n"
        "    node = Node(); node.me = node; sys.kit_probe = weakref.ref(node)\n"
        "print(team, gc.get_freeze_count() > 0, sys.kit_probe() is None)",
    )
    _north_then_south(tmp_path, notebook)
    assert _text_outputs(tmp_path / "executed" / "first.ipynb") == ["North True False\n"]
    assert _text_outputs(tmp_path / "executed" / "second.ipynb") == ["South True True\n"]


def test_a_warm_kernel_whose_last_folder_was_removed_runs_the_next_report(tmp_path, worker):
    """A cluster worker keeps its kernel between runs; the last run's folder may be gone."""
    notebook = _notebook(tmp_path, "import os\nprint(team, os.path.basename(os.getcwd()))")
    first, second = tmp_path / "first-run", tmp_path / "second-run"
    first.mkdir()
    second.mkdir()
    assert run_job(_job(first, notebook, "north", "North")).error is None
    first.joinpath("executed", "north.ipynb").unlink()
    first.joinpath("executed").rmdir()
    first.rmdir()  # the kernel's working directory is gone
    outcome = run_job(_job(second, notebook, "south", "South"))
    assert outcome.error is None
    assert _text_outputs(second / "executed" / "south.ipynb") == ["South second-run\n"]


def test_a_report_worker_loads_neither_pandas_nor_pyarrow():
    # papermill imports pyarrow.fs (HDFS) when pyarrow is installed, and present imported
    # pandas for one constant render reads: ~80 MB in each worker, which runs no pandas
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from kit.report import execute\n"
        "execute._warm_worker()\n"
        "import papermill.iorw\n"
        "print(sorted(m for m in ('pandas', 'pyarrow', 'numpy') if m in sys.modules))\n"
        "print(papermill.iorw.papermill_io.get_handler('report.ipynb') is not None)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split("\n")[:2] == ["[]", "True"]


def test_a_released_kernel_forgets_the_bundle_it_read_and_still_runs_reports(tmp_path, worker):
    """What a cluster's workers do at the end of a run: the kernel stays warm, out of the
    run's folder (removed here), without the bundle the last report kept."""
    notebook = _notebook(
        tmp_path,
        "import os, kit.report.views as v\n"
        "if team == 'North':\n"
        "    v._READ.update(key='bundle', results='read')\n"
        "print(team, sorted(v._READ), os.path.basename(os.getcwd()))",
    )
    first, second = tmp_path / "first-run", tmp_path / "second-run"
    first.mkdir()
    second.mkdir()
    assert run_job(_job(first, notebook, "north", "North")).error is None
    assert _text_outputs(first / "executed" / "north.ipynb") == [
        "North ['key', 'results'] first-run\n"
    ]
    execute.release_kernel()
    shutil.rmtree(first)
    assert run_job(_job(second, notebook, "south", "South")).error is None
    assert _text_outputs(second / "executed" / "south.ipynb") == ["South [] second-run\n"]


def test_releasing_a_worker_without_a_kernel_does_nothing(worker):
    execute.release_kernel()
    assert execute._kernel is None


def test_every_report_numbers_its_cells_from_one_whatever_ran_before(tmp_path, worker):
    """An executed notebook never depends on which reports its warm kernel ran before."""
    notebook = _notebook(tmp_path, "x = 1", "print(team)")
    _north_then_south(tmp_path, notebook)
    for name in ("first", "second"):
        cells = nbformat.read(tmp_path / "executed" / f"{name}.ipynb", as_version=4).cells
        assert [c.execution_count for c in cells if c.cell_type == "code"] == [1, 2, 3, 4], name
