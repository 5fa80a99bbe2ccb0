"""What ``assess`` runs beside what: the portfolio beside the team reports (again at the end
only when a report failed), the CSV and Excel exports beside the reports. Fake notebook
runs, no kernels: the order and the files are what is checked."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import kit.report.exports
import kit.runner
from kit.exceptions import OutputError
from kit.executors import open_executor
from kit.report.execute import NotebookJob, NotebookOutcome
from kit.steps import Exports


def _job(tmp_path: Path, label: str, stem: str) -> NotebookJob:
    return NotebookJob(
        label=label,
        notebook=tmp_path / f"{stem}.ipynb",
        parameters={},
        executed=tmp_path / "notebooks" / f"{stem}.ipynb",
        html=tmp_path / f"{stem}.html",
        workdir=tmp_path,
    )


def _fake_runs(ran: list[str], failing: set[str]):
    """A run_job that records what it ran and writes its notebook and page, or only the
    notebook when its label is in ``failing``."""

    def run(job: NotebookJob) -> NotebookOutcome:
        failed = job.parameters.get("failed_teams", [])
        ran.append(f"{job.label} {failed}" if job.label == "Portfolio" else job.label)
        job.executed.parent.mkdir(parents=True, exist_ok=True)
        job.executed.write_text(f"{job.label} listing {failed}")
        if job.label in failing:
            return NotebookOutcome(job.label, "boom", {})
        assert job.html is not None
        job.html.write_text(f"{job.label} listing {failed}")
        return NotebookOutcome(job.label, None, {})

    return run


def _portfolio(tmp_path: Path):
    def make(failed: dict[str, str]) -> NotebookJob:
        job = _job(tmp_path, "Portfolio", "index")
        return NotebookJob(**{**job.__dict__, "parameters": {"failed_teams": sorted(failed)}})

    return make


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: set[str]):
    ran: list[str] = []
    done: list[str] = []
    monkeypatch.setattr(kit.runner, "run_job", _fake_runs(ran, failing))
    with open_executor(workers=1) as executor:
        outcomes = kit.runner._run_reports(
            [_job(tmp_path, "North", "north"), _job(tmp_path, "South", "south")],
            _job(tmp_path, "Data-quality appendix", "data-quality"),
            _portfolio(tmp_path),
            executor=executor,
            on_done=lambda o: done.append(o.label),
        )
    return ran, done, outcomes


def test_the_portfolio_runs_first_and_once_when_every_report_succeeds(tmp_path, monkeypatch):
    ran, done, outcomes = _run(tmp_path, monkeypatch, failing=set())
    assert ran == ["Portfolio []", "Data-quality appendix", "North", "South"]
    assert done == ["Data-quality appendix", "North", "South", "Portfolio"]
    assert [(o.label, o.error) for o in outcomes] == [
        ("Data-quality appendix", None),
        ("North", None),
        ("South", None),
        ("Portfolio", None),
    ]
    assert (tmp_path / "index.html").read_text() == "Portfolio listing []"


def test_the_portfolio_runs_again_listing_the_failed_reports(tmp_path, monkeypatch):
    ran, done, outcomes = _run(tmp_path, monkeypatch, failing={"South", "Portfolio"})
    assert ran == ["Portfolio []", "Data-quality appendix", "North", "South", "Portfolio ['South']"]
    assert done == ["Data-quality appendix", "North", "South", "Portfolio"]
    assert [(o.label, o.error) for o in outcomes] == [
        ("Data-quality appendix", None),
        ("North", None),
        ("South", "boom"),
        ("Portfolio", "boom"),
    ]
    # the first page (listing no failure) was removed before the second run, which failed
    assert not (tmp_path / "index.html").exists()
    assert (tmp_path / "notebooks" / "index.ipynb").read_text() == "Portfolio listing ['South']"


def test_the_exports_write_the_csv_and_workbook_on_their_thread(tmp_path):
    import pandas as pd

    frames = {"scores": pd.DataFrame({"team": ["North", "=cmd"], "score": [71.5, 40.0]})}
    exports = Exports(frames, tmp_path).start()
    assert exports.wait() > 0
    assert (tmp_path / "csv" / "scores.csv").read_text() == (
        "\ufeffteam,score\nNorth,71.5\n'=cmd,40.0\n"
    )
    assert (tmp_path / "assessment.xlsx").read_bytes()[:2] == b"PK"


def test_an_error_writing_the_exports_is_raised_by_wait_only(tmp_path, monkeypatch):
    import pandas as pd

    def full_disk(frames: object, path: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kit.report.exports, "write_workbook", full_disk)
    exports = Exports({"scores": pd.DataFrame({"score": [1.0]})}, tmp_path).start()
    exports.join()  # never raises
    with pytest.raises(OSError, match="No space left"):
        exports.wait()


def _tiny_export(folder: Path) -> Path:
    folder.mkdir()
    (folder / "users.csv").write_text(
        "user_id,name,team,role\nu1,Ana,North,producer\nu2,Ben,South,producer\n"
    )
    (folder / "activities.csv").write_text(
        "activity_id,user_id,type,occurred_at\n"
        "a1,u2,call,2024-06-20 10:00\na2,u1,call,2024-06-21 10:00\n"
    )
    return folder


def _no_reports(teams, appendix, portfolio, *, executor, on_done):
    return [NotebookOutcome(job.label, None, {}) for job in [*teams, appendix, portfolio({})]]


def test_assess_writes_the_exports_while_the_reports_run(tmp_path, monkeypatch):
    reports_started = threading.Event()
    seen: dict[str, bool] = {}
    write_workbook = kit.report.exports.write_workbook

    def slow_workbook(frames, path):
        # run before the reports (as it was), this would wait 30 s and see no report started
        seen["reports started first"] = reports_started.wait(timeout=30)
        return write_workbook(frames, path)

    def reports(*args, **kwargs):
        reports_started.set()
        return _no_reports(*args, **kwargs)

    monkeypatch.setattr(kit.report.exports, "write_workbook", slow_workbook)
    monkeypatch.setattr(kit.runner, "_run_reports", reports)
    out = tmp_path / "out"
    kit.runner.assess(_tiny_export(tmp_path / "export"), out, workers=1, progress=False)
    assert seen == {"reports started first": True}
    assert (out / "data" / "assessment.xlsx").is_file()
    assert (out / "data" / "csv" / "scores.csv").is_file()
    assert (out / "run.json").is_file()


def test_assess_places_no_folder_when_the_exports_fail_beside_the_reports(tmp_path, monkeypatch):
    def full_disk(frames: object, path: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kit.report.exports, "write_workbook", full_disk)
    monkeypatch.setattr(kit.runner, "_run_reports", _no_reports)
    out = tmp_path / "out"
    with pytest.raises(OutputError, match="the disk is full"):
        kit.runner.assess(_tiny_export(tmp_path / "export"), out, workers=1, progress=False)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["export"]  # no staging folder left
