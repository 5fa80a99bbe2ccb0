"""The team reports as tasks on a Dask distributed cluster (``assess --scheduler ADDRESS``).

A ``LocalCluster`` of two worker processes stands for a cluster: its reports are the local
executor's, byte for byte; a worker killed in the middle of a report loses no report (the
scheduler runs it again on a worker that lives) and leaves no partial file; a task that
raises is retried, and one whose worker keeps dying becomes that item's failure.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import distributed  # the [dask] extra, which [test] installs: never skipped
import nbformat
import pytest

from kit.runner import assess
from tests.conftest import same_pages

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a LocalCluster of two single-threaded worker processes. A task whose
    worker dies once is run again; twice, it fails (KilledWorker)."""
    import dask

    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 1}),
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
    ):
        yield cluster.scheduler_address


def test_reports_on_dask_equal_the_local_executors(
    tmp_path: Path, scheduler: str, small_export: Path, small_assessed: Path
):
    out = tmp_path / "on-dask"
    done = assess(small_export, out, scheduler=scheduler, progress=False)
    assert done.failures == {}
    assert same_pages(small_assessed, out) == []
    run = json.loads((out / "run.json").read_text())
    assert run["scheduler"] == scheduler and run["workers"] == 2
    assert not [p for p in tmp_path.iterdir() if p.name != "on-dask"]  # no staging left
    # the workers outlive the run: their warm kernels let go of the bundle they read
    assert _kernels_on_every_worker(scheduler, _holds_a_bundle) == [False, False]
    # the workers keep their kernels, whose working folder was the run's: assessed again into
    # the same folder once it is removed, the next run's reports are the same
    shutil.rmtree(out)
    again = assess(small_export, out, scheduler=scheduler, teams=["Lakeshore"], progress=False)
    assert again.failures == {}
    page = "teams/lakeshore.html"
    assert (out / page).read_bytes() == (small_assessed / page).read_bytes()


def _holds_a_bundle() -> bool:
    """Whether this worker's warm kernel keeps a results bundle (or where teams' rows are)."""
    from kit.report import execute

    probe = "import kit.report.views as v\nassert not v._READ and not v._TEAM_ROWS, 'held'"
    try:
        execute._collect(execute._send(probe), timeout=60)
    except RuntimeError as error:
        assert "held" in str(error)
        return True
    return False


def _kernels_on_every_worker(scheduler: str, task) -> list:
    with distributed.Client(scheduler, set_as_default=False) as client:
        workers = sorted(client.scheduler_info(n_workers=-1)["workers"])
        futures = [
            client.submit(task, pure=False, workers=[w], allow_other_workers=False)
            for w in workers
        ]
        return client.gather(futures)


def _killing_notebooks(folder: Path, marker: Path) -> Path:
    """The bundled notebooks, but the team notebook kills its worker process (the kernel's
    parent) the first time it runs Lakeshore, half-way through; the code goes into an
    existing cell, whose input the reports never show, so the page stays the same."""
    from kit._resources import notebooks_dir

    folder.mkdir()
    kill = (
        "import os as _os, pathlib as _pathlib, signal as _signal\n"
        f"if team == 'Lakeshore' and not _pathlib.Path({str(marker)!r}).exists():\n"
        f"    _pathlib.Path({str(marker)!r}).write_text(str(_os.getppid()))\n"
        "    _os.kill(_os.getppid(), _signal.SIGKILL)\n"
    )
    for path in notebooks_dir().glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        if path.name == "team_assessment.ipynb":
            nb.cells[4].source = kill + nb.cells[4].source
        nbformat.write(nb, folder / path.name)
    return folder


def test_a_worker_killed_mid_report_loses_no_report_and_leaves_no_partial_file(
    tmp_path: Path, scheduler: str, small_export: Path, small_assessed: Path
):
    marker = tmp_path / "killed-once"
    notebooks = _killing_notebooks(tmp_path / "notebooks", marker)
    out = tmp_path / "out"
    teams = ["Lakeshore", "Old Mill", "Riverbend"]
    done = assess(
        small_export, out, scheduler=scheduler, teams=teams, notebooks=notebooks, progress=False
    )
    assert marker.is_file()  # a worker was killed in the middle of Lakeshore's report
    assert done.failures == {}
    for page in ("teams/lakeshore.html", "teams/old-mill.html", "teams/riverbend.html"):
        assert (out / page).read_bytes() == (small_assessed / page).read_bytes(), page
    assert sorted(p.name for p in (out / "teams").iterdir()) == [
        "lakeshore.html",
        "old-mill.html",
        "riverbend.html",
    ]
    executed = nbformat.read(out / "notebooks" / "lakeshore.ipynb", as_version=4)
    assert all(c.get("execution_count") for c in executed.cells if c.cell_type == "code")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["killed-once", "notebooks", "out"]
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]  # no temporary file


def _raises_the_first_time(marker: str) -> str:
    if not Path(marker).exists():
        Path(marker).write_text("raised")
        raise RuntimeError("a passing failure")
    return "done"


def _kills_its_worker(marker: str) -> str:
    Path(marker).write_text(str(os.getpid()))
    os.kill(os.getpid(), signal.SIGKILL)
    return "never"


def test_a_task_that_raises_is_retried_and_one_whose_worker_keeps_dying_fails(
    tmp_path: Path, scheduler: str
):
    from kit.executors import open_executor

    with open_executor(workers=2, scheduler=scheduler) as executor:
        assert executor.workers == 2
        assert list(executor.map(_raises_the_first_time, [str(tmp_path / "raised")])) == ["done"]
        lost = executor.map(
            _kills_its_worker,
            [str(tmp_path / "killed")],
            on_error=lambda item, error: f"lost: {type(error).__name__}",
        )
        assert list(lost) == ["lost: KilledWorker"]
