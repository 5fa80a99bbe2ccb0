"""The steps of an assessment, each a function an orchestrator can call on its own.

:func:`kit.runner.assess` is these steps in order; ``adoption-kit diagnose``, ``render`` and
``portfolio`` (:func:`kit.runner.diagnose_folder`, :func:`kit.runner.render_teams`,
:func:`kit.runner.render_portfolio`) call them one at a time on a report folder:

1. :func:`read_input`: the earlier assessments, the export (or dataset), the plausibility
   gate and the teams to report on (:class:`Input`);
2. :func:`diagnose_into`: the diagnostics, written into ``data/``: the dataset, the results
   bundle, then the CSV and Excel exports (:class:`Exports`, which may be written while the
   reports run: they read only the bundle);
3. to 5. the jobs of :class:`Reports`: one team's report, the data-quality appendix, the
   portfolio, each run by :func:`kit.report.execute.run_job` on an executor
   (:mod:`kit.executors`);
6. :func:`run_record`: what ``run.json`` records of the run.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version as _pkg_version
from pathlib import Path
from typing import Any

from kit._atomic import write_text
from kit._memory_pool import release_memory
from kit._safe import slugify_teams
from kit._version import __version__
from kit.dataset import Dataset, is_dataset, load_dataset, write_dataset
from kit.exceptions import OutputError
from kit.params import Engagement, resolve_teams
from kit.report.execute import NotebookJob, NotebookOutcome

__all__ = [
    "Exports",
    "Input",
    "Progress",
    "Reports",
    "check_out_dir",
    "check_rendering",
    "diagnose_into",
    "lost_report",
    "print_pdfs",
    "read_input",
    "report_records",
    "run_record",
    "write_run",
]


_EXPORTED_FRAMES = ("findings", "scores", "compliance", "metrics", "review_list")


_VERSIONED = ("pandas", "pyarrow", "numpy", "papermill", "nbconvert", "seaborn", "matplotlib")


def _versions() -> dict[str, str]:
    found = {"kit": __version__, "python": platform.python_version()}
    for name in _VERSIONED:
        try:
            found[name] = _pkg_version(name)
        except Exception:  # pragma: no cover - optional packages
            found[name] = "not installed"
    return found


def write_run(path: Path, run: dict[str, Any]) -> None:
    write_text(path, json.dumps(run, indent=2, sort_keys=True, default=str) + "\n")


def check_out_dir(out: Path, *, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise OutputError(
            f"--out {out} is not empty: choose a new folder, or add --force to replace it "
            "(the old folder is swapped out only once the new reports are complete)"
        )
    # before any long work: the staging folder is created beside --out, so the first folder
    # above it that exists must be writable; and a read-only --out is never swapped out
    above = next((p for p in out.parents if p.exists()), Path("."))
    for folder in [*([out] if out.is_dir() else []), above]:
        if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
            raise OutputError(
                f"cannot write to {out}: {folder} is read-only or permission is denied. "
                "Choose a writable folder with --out."
            )


def _read_baselines(folders: Sequence[str | Path]) -> tuple[list[Any], list[Path]]:
    """The earlier assessments to compare with, read before any long work.

    Raises
    ------
    InputError
        A folder that is neither a report folder of an earlier run nor a results bundle.
    """
    from kit.results import find_bundle, load_results

    bundles = [find_bundle(Path(f).absolute()) for f in folders]
    return [load_results(b) for b in bundles], bundles


def _comparison_frames(results: Any, *, baselines: bool) -> dict[str, Any]:
    """The comparison tables exported beside the others: changes (with baselines) and
    requirements (when a standard has a required_from date)."""
    frames = {}
    if baselines:
        frames["changes"] = results.changes
    if len(results.requirements):
        frames["requirements"] = results.requirements
    return frames


def _read_input(
    source: Path, mapping: str | Path | None, *, engagement: Engagement
) -> tuple[Dataset, bool]:
    """Return the dataset and whether it came from an export (so it should be saved).

    A dataset folder is read once, as :func:`kit.diagnostics.run.diagnose_dataset` reads it
    (only the columns the diagnostics read under the engagement's standards, repeated
    activity text as categories): the tables go straight to the diagnostics, never read a
    second time.
    """
    if is_dataset(source):
        from kit.diagnostics.run import COMPACT_COLUMNS, read_columns
        from kit.diagnostics.standards import Standards, load_standards

        given = engagement.standards
        standards = given if isinstance(given, Standards) else load_standards(given)
        columns = read_columns(standards)
        return load_dataset(source, columns=columns, categories=COMPACT_COLUMNS), False
    from kit.intake import read_export

    return read_export(source, mapping=mapping), True


def _time_frame_summary(dataset: Dataset, gate: Any, engagement: Engagement) -> str:
    """What ``assess`` prints after intake's summary, before any heavy work: the data's
    time frame, what is future-dated and the plausibility gate's warnings."""
    lines = [""]
    frame = gate.frame
    if frame is not None and frame.first is not None and frame.last is not None:
        lines.append(
            f"Data dated {frame.first.date()} to {frame.last.date()} (first and last real "
            f"event); assessed as of {gate.as_of.date()}."
        )
    if frame is not None and frame.future_events:
        lines.append(
            f"Future-dated: {frame.future_events:,} events ({frame.rule}) are left out of "
            "every measure and listed on the data-quality page."
        )
    if not (engagement.client or (dataset.manifest.get("engagement") or {}).get("client")):
        lines.append("No client name given (--client): the reports name no client.")
    if gate.warnings:
        lines += ["", "Check before sending the reports:"] + [f"  - {w}" for w in gate.warnings]
    return "\n".join(lines)


def _links(page: str) -> dict[str, str]:
    """The links from ``page`` (relative to the report folder) to the folder's other pages."""
    up = "../" * page.count("/")
    pages = {"Portfolio": "index.html", "Data-quality appendix": "data-quality.html"}
    return {label: up + target for label, target in pages.items() if target != page}


def lost_report(job: NotebookJob, error: BaseException) -> NotebookOutcome:
    """The outcome of a report whose worker died every time it ran it."""
    return NotebookOutcome(
        job.label, f"its worker died every time it ran ({type(error).__name__}: {error})", {}
    )


class Progress:
    """A progress bar of reports done of total, with the elapsed time, on stderr."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self._bar = None
        if enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._task = self._bar.add_task("Team reports", total=total)
            self._bar.start()

    def advance(self, outcome: NotebookOutcome) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)
            if not outcome.ok:
                self._bar.console.print(f"[red]failed:[/red] {outcome.label}: {outcome.error}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


@dataclass
class Input:
    """What :func:`read_input` read: the dataset, the gate's verdict, the teams to report on
    (name -> file slug) and the earlier assessments to compare with."""

    source: Path
    dataset: Dataset
    from_export: bool
    gate: Any
    teams: dict[str, str]
    baselines: list[Any]
    baseline_dirs: list[Path]
    seconds: float

    @property
    def dataset_dir(self) -> str:
        """The dataset folder the notebooks read, relative to the report folder when the
        dataset is written there."""
        return "data/dataset" if self.from_export else str(self.source.resolve())

    def release(self) -> None:
        """Drop the tables once they are written: the notebooks read them from disk."""
        self.dataset = None  # type: ignore[assignment]
        self.baselines = []
        release_memory()


def read_input(
    source: str | Path,
    *,
    mapping: str | Path | None = None,
    engagement: Engagement | None = None,
    teams: Sequence[str] | None = None,
    strict: bool = False,
    echo: Callable[[str], None] | None = None,
    baselines: Sequence[str | Path] = (),
) -> Input:
    """Step 1: read the earlier assessments, the export (or dataset), and
    check the parameters' plausibility against the data.

    Raises
    ------
    KitError
        A baseline that is no assessment, an unreadable export, an implausible as-of date
        with ``strict``, an unknown team.
    """
    from kit.diagnostics.plausibility import check as check_plausibility

    source = Path(source).absolute()
    engagement = engagement or Engagement()
    earlier, baseline_dirs = _read_baselines(baselines)
    mark = time.perf_counter()
    dataset, from_export = _read_input(source, mapping, engagement=engagement)
    seconds = time.perf_counter() - mark
    if echo is not None:
        from kit.intake import IntakeReport, summarize

        echo(summarize(IntakeReport(dataset=dataset)))
    gate = check_plausibility(
        dataset,
        as_of=engagement.as_of,
        launch=engagement.launch,
        export_date=engagement.export_date,
        strict=strict,
    )
    if echo is not None:
        echo(_time_frame_summary(dataset, gate, engagement))
    selected = resolve_teams(teams, sorted(dataset["users"]["team"].dropna().astype(str).unique()))
    return Input(
        source=source,
        dataset=dataset,
        from_export=from_export,
        gate=gate,
        teams=slugify_teams(selected),
        baselines=earlier,
        baseline_dirs=baseline_dirs,
        seconds=seconds,
    )


class Exports:
    """The CSV and Excel exports of the results (``data/csv``, ``data/assessment.xlsx``),
    written on a thread of their own once :meth:`start` is called.

    Nothing else reads them, so :func:`kit.runner.assess` lets them be written while the
    team reports run on the workers (the main process only waits for the reports then):
    on the large demo they cost about 4 s of one core, which sat idle before the reports
    could start. :meth:`wait` is called before the report folder is placed and ``run.json``
    written, so a folder in place always has them, and an error writing them still stops
    the run, as when they were written first.
    """

    def __init__(self, frames: dict[str, Any], folder: Path) -> None:
        self._frames = frames
        self._folder = folder
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._write, name="exports", daemon=True)
        self.seconds = 0.0

    def _write(self) -> None:
        from kit.report.exports import write_csvs, write_workbook

        mark = time.perf_counter()
        try:
            write_csvs(self._frames, self._folder / "csv")
            write_workbook(self._frames, self._folder / "assessment.xlsx")
        except BaseException as error:  # handed to the caller by wait()
            self._error = error
        finally:
            self._frames = {}
            release_memory()  # the frames' and the workbook's: the kernels' once written
            self.seconds = time.perf_counter() - mark

    def start(self) -> Exports:
        """Begin writing them on the thread; return ``self``."""
        self._thread.start()
        return self

    def join(self) -> None:
        """Wait until they are written or failed (never raises): e.g. before the staging
        folder they are written into is removed."""
        if self._thread.ident is not None:
            self._thread.join()

    def wait(self) -> float:
        """Write them here unless started; wait for them; return the seconds they took.

        Raises
        ------
        Exception
            Whatever stopped writing them (e.g. an :class:`OSError` of a full disk).
        """
        if self._thread.ident is None:
            self._write()
        self.join()
        if self._error is not None:
            raise self._error
        return self.seconds


def diagnose_into(
    folder: Path,
    given: Input,
    *,
    engagement: Engagement,
    diagnosed: Callable[[], object] | None = None,
) -> tuple[dict[str, Any], Exports]:
    """Step 2: diagnose every team and write ``folder/data``: the dataset
    (when the input was an export) and the results bundle; the CSV and Excel exports are
    returned to be written (:meth:`Exports.start` to write them beside the reports, then
    :meth:`Exports.wait`; or only :meth:`Exports.wait`).

    ``diagnosed`` is called once the diagnostics are done and their tables freed, before the
    results bundle is written: :func:`kit.runner.assess` starts the report workers' kernels
    there, so they never add to the diagnostics' memory peak.

    Returns what the run record keeps of it: ``parameters``, ``inputs`` and ``seconds``
    (diagnose; exports: the dataset's and the bundle's writing; the caller records
    :meth:`Exports.wait`'s seconds as spreadsheets), and the exports. The tables of ``given``
    are released.
    """
    from kit.diagnostics.run import diagnose, diagnose_dataset

    seconds: dict[str, float] = {}
    stage = folder
    mark = time.perf_counter()
    # an export's dataset is written first and intake's tables dropped: the diagnostics
    # read it back from disk with only the columns they use; a dataset folder was read
    # with only those columns already (read_input)
    inputs = given.dataset.manifest.get("sources", [])
    if given.from_export:
        stored = stage / "data" / "dataset"
        write_dataset(given.dataset, stored)
        given.dataset = None  # type: ignore[assignment]
        release_memory()
    written = time.perf_counter() - mark
    mark = time.perf_counter()
    options: dict[str, Any] = {
        "as_of": engagement.as_of,
        "launch": engagement.launch,
        "standards": engagement.standards,
        "seat_cost_per_month": engagement.seat_cost_per_month,
        "client": engagement.client,
        "export_date": engagement.export_date,
        "warnings": given.gate.warnings,
        "baselines": given.baselines,
    }
    if given.from_export:
        results = diagnose_dataset(stored, **options)
    else:
        dataset, given.dataset = given.dataset, None  # type: ignore[assignment]
        results = diagnose(dataset, **options)
        del dataset
    given.baselines = []
    seconds["diagnose"] = time.perf_counter() - mark
    if diagnosed is not None:
        release_memory()
        diagnosed()

    mark = time.perf_counter() - written  # the dataset's write counts as an export
    results.write(stage / "data" / "results")
    frames = {name: getattr(results, name) for name in _EXPORTED_FRAMES}
    frames.update(_comparison_frames(results, baselines=bool(given.baseline_dirs)))
    seconds["exports"] = time.perf_counter() - mark
    # the notebooks read the bundle from disk: free the tables for their kernels (the
    # exports keep only their frames, until written)
    facts = {
        "parameters": results.parameters,
        "inputs": inputs,
        "seconds": seconds,
    }
    exports = Exports(frames, stage / "data")
    del results, frames
    given.release()
    return facts, exports


@dataclass(frozen=True)
class Reports:
    """The notebooks of one report folder, as jobs for :func:`kit.report.execute.run_job`.

    ``folder`` is where the kernels work (the notebooks read ``data/results`` relative to
    it); the executed notebooks and pages are written into ``into`` (default: ``folder``),
    a staging folder when pages are added to a finished folder.
    """

    folder: Path
    teams: dict[str, str]
    dataset_dir: str
    notebooks: Path
    show_pii: bool = False
    render: dict[str, Any] = field(default_factory=dict)
    into: Path | None = None

    def _job(
        self, label: str, notebook: str, stem: str, html: str, **parameters: Any
    ) -> NotebookJob:
        into = self.into or self.folder
        return NotebookJob(
            label=label,
            notebook=self.notebooks / notebook,
            parameters={"results_dir": "data/results", "show_pii": self.show_pii, **parameters},
            executed=into / "notebooks" / f"{stem}.ipynb",
            html=into / html,
            workdir=self.folder,
            render={"show_pii": self.show_pii, **self.render, "links": _links(html)},
        )

    def team(self, team: str) -> NotebookJob:
        """Step 3: one team's report, ``teams/<slug>.html``."""
        slug = self.teams[team]
        return self._job(
            team,
            "team_assessment.ipynb",
            slug,
            f"teams/{slug}.html",
            team=team,
            dataset_dir=self.dataset_dir,  # read only with show_pii, to name borrowers
        )

    def appendix(self) -> NotebookJob:
        """Step 4: the data-quality appendix, ``data-quality.html``."""
        return self._job(
            "Data-quality appendix",
            "data_quality.ipynb",
            "data-quality",
            "data-quality.html",
            dataset_dir=self.dataset_dir,
        )

    def portfolio(self, failed: dict[str, str]) -> NotebookJob:
        """Step 5: the portfolio ``index.html``, linking every team report
        but the ``failed`` ones (which it lists)."""
        links = {t: f"teams/{s}.html" for t, s in self.teams.items() if t not in failed}
        return self._job(
            "Portfolio",
            "portfolio.ipynb",
            "portfolio",
            "index.html",
            team_reports=links,
            failed_teams=sorted(failed),
        )


def check_rendering(
    render_options: dict[str, Any] | None, *, pdf: bool, browser: str | Path | None
) -> Any:
    """Refuse a bad logo or brand colour, or a missing browser for ``pdf``, before any long
    work; return the browser that prints the PDFs (``None`` without ``pdf``)."""
    from kit.report.render import check_branding, require_browser

    check_branding(
        **{k: v for k, v in (render_options or {}).items() if k in ("logo", "brand_colour")}
    )
    return require_browser(browser) if pdf else None


def print_pdfs(folder: Path, pages: Sequence[Path] | None, *, printer: Any) -> None:
    """Print ``pages`` (default: every page of ``folder``) to PDF beside them."""
    from kit.report.render import render_pdf

    for html in sorted(pages if pages is not None else folder.glob("**/*.html")):
        render_pdf(html, html.with_suffix(".pdf"), browser=printer)


def run_record(
    given: Input,
    facts: dict[str, Any],
    *,
    started_at: str,
    mapping: str | Path | None,
    workers: int,
    scheduler: str | None,
    show_pii: bool,
    seconds: dict[str, float],
    outcomes: Sequence[NotebookOutcome] = (),
) -> dict[str, Any]:
    """What ``run.json`` records of a run: parameters, versions, timings, inputs, reports."""
    return {
        "kit_version": __version__,
        "command": Path(sys.argv[0]).name if sys.argv else None,
        "started_at": started_at,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": str(given.source.resolve()),
        "source_kind": "export" if given.from_export else "dataset",
        "baselines": [str(b) for b in given.baseline_dirs],
        "mapping": str(mapping) if mapping else None,
        "parameters": facts["parameters"],
        "teams": given.teams,
        "workers": workers,
        "scheduler": scheduler,
        "show_pii": show_pii,
        "versions": _versions(),
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "reports": report_records(outcomes),
        "inputs": facts["inputs"],
        "failures": {o.label: o.error for o in outcomes if o.error},
    }


def report_records(outcomes: Sequence[NotebookOutcome]) -> dict[str, Any]:
    """``run.json``'s record of each report: success, error, seconds."""
    return {
        o.label: {
            "ok": o.ok,
            "error": o.error,
            "seconds": {k: round(v, 3) for k, v in o.seconds.items()},
        }
        for o in sorted(outcomes, key=lambda o: o.label)
    }
