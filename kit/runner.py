"""One command from a client's export to a folder of reports.

:func:`assess` reads the export (or an existing dataset) once, runs the diagnostics once for
every team, writes the results bundle and spreadsheet exports, then executes and renders one
notebook per team in parallel worker processes, the data-quality appendix and the portfolio.

The output folder is built beside its destination and moved into place only when complete,
so an assessment killed half-way leaves an earlier report folder intact and never leaves a
folder that looks complete but is not. Layout::

    index.html            portfolio: every team side by side, links to each team
    data-quality.html     intake and data-quality appendix
    teams/<slug>.html     one self-contained report per team
    notebooks/*.ipynb     executed notebooks, for audit (kept for failed teams too)
    data/results/         results bundle (Parquet + results.json), read by the notebooks
    data/dataset/         the intake dataset (when the input was an export)
    data/csv/*.csv        metrics, compliance, scores, findings, review list as CSV (with
                          changes.csv against --baseline runs and requirements.csv when
                          a standard has required_from)
    data/assessment.xlsx  the same tables as one Excel workbook
    run.json              parameters, versions, timings, input checksums, failures
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version as _pkg_version
from pathlib import Path
from typing import Any

from kit._atomic import atomic_dir, check_apart, write_text
from kit._resources import notebooks_dir
from kit._safe import slugify_teams
from kit._version import __version__
from kit.dataset import Dataset, is_dataset, load_dataset, write_dataset
from kit.exceptions import AssessmentError, OutputError
from kit.executors import Executor, open_executor, require
from kit.params import Engagement, default_workers, resolve_teams
from kit.report.execute import NotebookJob, NotebookOutcome, run_job, warm_up

__all__ = [
    "Assessment",
    "Input",
    "Progress",
    "Reports",
    "assess",
    "check_out_dir",
    "check_rendering",
    "diagnose_into",
    "lost_report",
    "print_pdfs",
    "read_input",
    "report_records",
    "run_demo",
    "run_record",
    "write_run",
]

_EXPORTED_FRAMES = ("findings", "scores", "compliance", "metrics", "review_list")
_VERSIONED = ("pandas", "pyarrow", "numpy", "papermill", "nbconvert", "seaborn", "matplotlib")


@dataclass
class Assessment:
    """Summary of one run of :func:`assess`."""

    out: Path
    teams: dict[str, str]
    failures: dict[str, str]
    seconds: dict[str, float]
    run: dict[str, Any] = field(repr=False)

    @property
    def index(self) -> Path:
        return self.out / "index.html"

    def summary(self) -> str:
        """Plain-text end-of-run summary for the command line."""
        done = len(self.teams) - len([t for t in self.failures if t in self.teams])
        lines = [
            f"{done} of {len(self.teams)} team reports written in {self.seconds['total']:.1f} s",
            f"Open {self.index}",
        ]
        if self.failures:
            lines.append("Failed:")
            for label, error in self.failures.items():
                slug = self.teams.get(label)
                where = f" (executed notebook: notebooks/{slug}.ipynb)" if slug else ""
                lines.append(f"  - {label}: {error}{where}")
        return "\n".join(lines)


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


def _read_input(source: Path, mapping: str | Path | None) -> tuple[Dataset, bool]:
    """Return the dataset and whether it came from an export (so it should be saved)."""
    if is_dataset(source):
        return load_dataset(source), False
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


def _release_memory() -> None:
    """Hand memory freed after the diagnostics back to the system, for the report kernels.

    pyarrow's allocator and the C library keep freed memory for reuse; on the large demo
    that is about 850 MB held by a process that only waits for the reports from then on.
    """
    import gc

    gc.collect()
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except Exception:  # pragma: no cover - older pyarrow
        pass
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def lost_report(job: NotebookJob, error: BaseException) -> NotebookOutcome:
    """The outcome of a report whose worker died every time it ran it."""
    return NotebookOutcome(
        job.label, f"its worker died every time it ran ({type(error).__name__}: {error})", {}
    )


def _run_reports(
    jobs: Sequence[NotebookJob],
    then: Callable[[dict[str, str]], NotebookJob] | None,
    *,
    executor: Executor,
    on_done: Callable[[NotebookOutcome], None],
) -> list[NotebookOutcome]:
    """Run ``jobs`` on ``executor``, then the job ``then(failures)`` builds (the portfolio).

    The workers keep their warm kernels for the final job, so it starts no kernel of its own.
    """
    outcomes: list[NotebookOutcome] = []
    for outcome in executor.map(run_job, jobs, on_error=lost_report):
        outcomes.append(outcome)
        on_done(outcome)
    if then is not None:
        failed = {o.label: o.error for o in outcomes if o.error}
        outcomes += executor.map(run_job, [then(failed)], on_error=lost_report)
        on_done(outcomes[-1])
    return outcomes


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
        _release_memory()


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
    """Step 1 of :func:`assess`: read the earlier assessments, the export (or dataset), and
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
    dataset, from_export = _read_input(source, mapping)
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


def diagnose_into(folder: Path, given: Input, *, engagement: Engagement) -> dict[str, Any]:
    """Step 2 of :func:`assess`: diagnose every team and write ``folder/data``: the dataset
    (when the input was an export), the results bundle, the CSV and Excel exports.

    Returns what the run record keeps of it: ``parameters``, ``inputs`` and ``seconds``
    (diagnose, exports). The tables of ``given`` are released afterwards.
    """
    from kit.diagnostics.run import diagnose
    from kit.report.exports import write_csvs, write_workbook

    seconds: dict[str, float] = {}
    dataset, stage = given.dataset, folder
    mark = time.perf_counter()
    results = diagnose(
        dataset,
        as_of=engagement.as_of,
        launch=engagement.launch,
        standards=engagement.standards,
        seat_cost_per_month=engagement.seat_cost_per_month,
        client=engagement.client,
        export_date=engagement.export_date,
        warnings=given.gate.warnings,
        baselines=given.baselines,
    )
    given.baselines = []
    seconds["diagnose"] = time.perf_counter() - mark

    mark = time.perf_counter()
    if given.from_export:
        write_dataset(dataset, stage / "data" / "dataset")
    results.write(stage / "data" / "results")
    frames = {name: getattr(results, name) for name in _EXPORTED_FRAMES}
    frames.update(_comparison_frames(results, baselines=bool(given.baseline_dirs)))
    write_csvs(frames, stage / "data" / "csv")
    write_workbook(frames, stage / "data" / "assessment.xlsx")
    seconds["exports"] = time.perf_counter() - mark
    # the notebooks read the bundle from disk: free the tables for their kernels
    facts = {
        "parameters": results.parameters,
        "inputs": dataset.manifest.get("sources", []),
        "seconds": seconds,
    }
    del dataset, results, frames
    given.release()
    return facts


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
        """Step 3 of :func:`assess`: one team's report, ``teams/<slug>.html``."""
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
        """Step 4 of :func:`assess`: the data-quality appendix, ``data-quality.html``."""
        return self._job(
            "Data-quality appendix",
            "data_quality.ipynb",
            "data-quality",
            "data-quality.html",
            dataset_dir=self.dataset_dir,
        )

    def portfolio(self, failed: dict[str, str]) -> NotebookJob:
        """Step 5 of :func:`assess`: the portfolio ``index.html``, linking every team report
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


def assess(
    source: str | Path,
    out: str | Path,
    *,
    mapping: str | Path | None = None,
    engagement: Engagement | None = None,
    teams: Sequence[str] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    show_pii: bool = False,
    pdf: bool = False,
    browser: str | Path | None = None,
    force: bool = False,
    progress: bool = True,
    render_options: dict[str, Any] | None = None,
    notebooks: str | Path | None = None,
    strict: bool = False,
    echo: Callable[[str], None] | None = None,
    baselines: Sequence[str | Path] = (),
) -> Assessment:
    """Assess every team of ``source`` and write the report folder ``out``.

    The steps, each callable on its own (``adoption-kit diagnose``, ``render`` and
    ``portfolio`` call them on a folder, :mod:`kit.steps`): :func:`read_input`,
    :func:`diagnose_into`, then the jobs of :class:`Reports` (each team, the data-quality
    appendix, the portfolio) run on an executor (:mod:`kit.executors`).

    Parameters
    ----------
    source
        A CRM export (folder, .zip or file; read with ``mapping``) or a dataset folder
        written by ``adoption-kit intake``.
    out
        Report folder to create. Refused when it exists and is not empty, unless ``force``.
    engagement
        Client name, as-of and launch dates, seat cost, standards file.
    teams
        Only these teams (default: all); unknown names are a :class:`ParameterError`.
    workers
        Worker processes executing team notebooks (default: CPU cores).
    scheduler
        Address of a running Dask scheduler (``tcp://host:8786``): the reports run on its
        workers instead of local processes (``workers`` is then ignored). The workers need
        the kit installed and ``out``'s parent folder at the same path (shared storage).
    show_pii
        Render an internal consultant copy that shows borrower names and contacts.
    pdf, browser
        Also print every report to PDF, with ``browser`` (default: the Chromium, Chrome or
        Edge :func:`kit.report.render.find_browser` finds).
    render_options
        Passed to :func:`kit.report.render.render_html` (e.g. ``logo``, ``brand_colour``).
    notebooks
        Folder of customized copies of the kit's notebooks (default: the bundled ones).
    strict
        Make the plausibility gate's warnings (an as-of date far after the data or before
        most of it) errors.
    echo
        Called with intake's summary and the plausibility gate's findings, once the input is
        read and before any heavy work (the command line prints them).
    baselines
        Report folders of earlier assessments of the same client (or their results
        bundles) to compare with: the reports say what changed since each
        (:mod:`kit.diagnostics.changes`) and ``data/csv/changes.csv`` lists it.

    Raises
    ------
    AssessmentError
        After writing everything else, when one or more reports failed.
    """
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    source, out = Path(source).absolute(), Path(out).absolute()  # kernels run elsewhere
    engagement = engagement or Engagement()
    workers = workers or default_workers()
    if workers < 1:
        from kit.exceptions import ParameterError

        raise ParameterError(f"--workers {workers} must be at least 1")
    check_out_dir(out, force=force)
    check_apart(source, out)
    require(workers=workers, scheduler=scheduler)
    printer = check_rendering(render_options, pdf=pdf, browser=browser)
    given = read_input(
        source,
        mapping=mapping,
        engagement=engagement,
        teams=teams,
        strict=strict,
        echo=echo,
        baselines=baselines,
    )
    seconds: dict[str, float] = {"intake": given.seconds}

    # the workers start their kernels now, while the diagnostics run
    with (
        atomic_dir(out, replace=True) as stage,
        open_executor(workers=workers, scheduler=scheduler) as executor,
    ):
        executor.warm(warm_up)
        facts = diagnose_into(stage, given, engagement=engagement)
        seconds.update(facts["seconds"])

        mark = time.perf_counter()
        plan = Reports(
            folder=stage,
            teams=given.teams,
            dataset_dir=given.dataset_dir,
            notebooks=Path(notebooks) if notebooks else notebooks_dir(),
            show_pii=show_pii,
            render=dict(render_options or {}),
        )
        bar = Progress(len(plan.teams) + 2, enabled=progress)
        try:
            outcomes = _run_reports(
                [*map(plan.team, plan.teams), plan.appendix()],
                plan.portfolio,
                executor=executor,
                on_done=bar.advance,
            )
        finally:
            bar.close()
        seconds["reports"] = time.perf_counter() - mark
        if pdf:
            mark = time.perf_counter()
            print_pdfs(stage, None, printer=printer)
            seconds["pdf"] = time.perf_counter() - mark
        seconds["total"] = time.perf_counter() - started
        run = run_record(
            given,
            facts,
            started_at=started_at,
            mapping=mapping,
            workers=executor.workers,
            scheduler=scheduler,
            show_pii=show_pii,
            seconds=seconds,
            outcomes=outcomes,
        )
        write_run(stage / "run.json", run)
    failures = run["failures"]
    assessment = Assessment(out=out, teams=given.teams, failures=failures, seconds=seconds, run=run)
    if failures:
        raise AssessmentError(
            f"{len(failures)} report(s) failed; the others were written to {out}",
            problems=[f"{label}: {error}" for label, error in failures.items()],
        )
    return assessment


def run_demo(
    out: str | Path,
    *,
    scale: str = "small",
    seed: int = 7,
    workers: int | None = None,
    progress: bool = True,
) -> Assessment:
    """Generate the demo organization's export and assess it into ``out``: a follow-up
    assessment against the baseline taken the day before the demo's standards were
    required (:data:`kit.demo.organization.REQUIREMENT`).

    The baseline is the assessment of the demo's export as it stood that day (only its
    results: it renders no reports); it is kept in ``data/baseline``, the standards in
    ``data/standards.yaml`` and the export in ``data/export``. A previous report folder at
    ``out`` (one holding ``run.json``) is replaced; any other non-empty folder is refused.
    """
    from kit.demo.organization import ENGAGEMENT, write_export
    from kit.diagnostics.demo_baseline import demo_baseline, demo_standards

    out = Path(out)
    replace = (out / "run.json").is_file()
    check_out_dir(out, force=replace)
    scratch = out.with_name(f".{out.name}.demo-export")
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        # the export's own folder name is recorded in the dataset manifest: keep it the same
        # wherever the reports go, so two demo runs give identical bundles
        export = write_export(scratch / "demo-export", scale=scale, seed=seed)
        # recorded where the file is kept, not in the scratch folder: reproducible bundles
        standards = demo_standards(scratch / "standards.yaml", source="data/standards.yaml")
        baseline = demo_baseline(scratch, scale=scale, seed=seed, standards=standards).write(
            scratch / "baseline"
        )
        engagement = Engagement(client=ENGAGEMENT["client"], standards=standards)
        assessment = assess(
            export,
            out,
            engagement=engagement,
            workers=workers,
            force=True,
            progress=progress,
            baselines=[baseline],
        )
        # Keep the demo's CSV export beside its reports (what a client's export looks like),
        # its standards and its baseline, and record where they now are, instead of the
        # scratch folder about to be removed.
        data = assessment.out / "data"
        os.replace(export, data / "export")
        os.replace(baseline, data / "baseline")
        os.replace(scratch / "standards.yaml", data / "standards.yaml")
        assessment.run["source"] = str(data / "export")
        assessment.run["baselines"] = ["data/baseline"]
        write_run(assessment.out / "run.json", assessment.run)
        return assessment
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
