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
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version as _pkg_version
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from kit._atomic import atomic_dir, check_apart, write_text
from kit._resources import notebooks_dir
from kit._safe import slugify_teams
from kit._version import __version__
from kit.dataset import Dataset, is_dataset, load_dataset, write_dataset
from kit.exceptions import AssessmentError, OutputError
from kit.params import Engagement, default_workers, resolve_teams
from kit.report.execute import NotebookJob, NotebookOutcome, run_job, warm_up

__all__ = ["Assessment", "assess", "run_demo"]

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


def _write_run(path: Path, run: dict[str, Any]) -> None:
    write_text(path, json.dumps(run, indent=2, sort_keys=True, default=str) + "\n")


def _check_out_dir(out: Path, *, force: bool) -> None:
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


@contextmanager
def _workers(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """The pool of report workers (none for one worker), each starting its kernel at once.

    Entered before the diagnostics, so the workers' kernels boot and import pandas and
    seaborn while the main process computes (mostly on one core) and writes the exports;
    the first report of every worker then starts as warm as the rest.
    """
    if workers <= 1:
        yield None
        return
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
    try:
        for _ in range(workers):  # with no idle worker, each submit spawns one
            pool.submit(warm_up)
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


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


def _run_reports(
    jobs: Sequence[NotebookJob],
    then: Callable[[dict[str, str]], NotebookJob],
    *,
    workers: int,
    on_done: Callable[[NotebookOutcome], None],
    pool: ProcessPoolExecutor | None = None,
) -> list[NotebookOutcome]:
    """Run ``jobs`` in parallel, then the job ``then(failures)`` builds (the portfolio).

    The workers keep their warm kernels for the final job, so it starts no kernel of its own.
    ``pool`` is a running pool of ``workers`` processes (default: one made here).
    """
    outcomes: list[NotebookOutcome] = []

    def failures() -> dict[str, str]:
        return {o.label: o.error for o in outcomes if o.error}

    if workers <= 1:
        for job in jobs:
            outcomes.append(run_job(job))
            on_done(outcomes[-1])
        outcomes.append(run_job(then(failures())))
        on_done(outcomes[-1])
        return outcomes
    if pool is None:
        with _workers(workers) as own:
            return _run_reports(jobs, then, workers=workers, on_done=on_done, pool=own)
    for future in as_completed([pool.submit(run_job, job) for job in jobs]):
        outcomes.append(future.result())
        on_done(outcomes[-1])
    outcomes.append(pool.submit(run_job, then(failures())).result())
    on_done(outcomes[-1])
    return outcomes


class _Progress:
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


def assess(
    source: str | Path,
    out: str | Path,
    *,
    mapping: str | Path | None = None,
    engagement: Engagement | None = None,
    teams: Sequence[str] | None = None,
    workers: int | None = None,
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
    from kit.diagnostics.plausibility import check as check_plausibility
    from kit.diagnostics.run import diagnose_dataset
    from kit.report.exports import write_csvs, write_workbook

    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    source, out = Path(source).absolute(), Path(out).absolute()  # kernels run elsewhere
    engagement = engagement or Engagement()
    workers = workers or default_workers()
    if workers < 1:
        from kit.exceptions import ParameterError

        raise ParameterError(f"--workers {workers} must be at least 1")
    _check_out_dir(out, force=force)
    check_apart(source, out)
    from kit.report.render import check_branding, require_browser

    check_branding(
        **{k: v for k, v in (render_options or {}).items() if k in ("logo", "brand_colour")}
    )
    printer = require_browser(browser) if pdf else None
    earlier, baseline_dirs = _read_baselines(baselines)
    seconds: dict[str, float] = {}

    mark = time.perf_counter()
    dataset, from_export = _read_input(source, mapping)
    seconds["intake"] = time.perf_counter() - mark
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
    slugs = slugify_teams(selected)

    # the workers start their kernels now, while the diagnostics run
    with atomic_dir(out, replace=True) as stage, _workers(workers) as pool:
        mark = time.perf_counter()
        stored = stage / "data" / "dataset" if from_export else source
        if from_export:
            write_dataset(dataset, stored)
        written, inputs = time.perf_counter() - mark, dataset.manifest.get("sources", [])
        del dataset  # the diagnostics read the dataset back from disk, intake's tables go
        _release_memory()
        mark = time.perf_counter()
        results = diagnose_dataset(
            stored,
            as_of=engagement.as_of,
            launch=engagement.launch,
            standards=engagement.standards,
            seat_cost_per_month=engagement.seat_cost_per_month,
            client=engagement.client,
            export_date=engagement.export_date,
            warnings=gate.warnings,
            baselines=earlier,
        )
        del earlier
        seconds["diagnose"] = time.perf_counter() - mark

        mark = time.perf_counter() - written
        results.write(stage / "data" / "results")
        frames = {name: getattr(results, name) for name in _EXPORTED_FRAMES}
        frames.update(_comparison_frames(results, baselines=bool(baseline_dirs)))
        write_csvs(frames, stage / "data" / "csv")
        write_workbook(frames, stage / "data" / "assessment.xlsx")
        seconds["exports"] = time.perf_counter() - mark
        # the notebooks read the bundle from disk: free the tables for their kernels
        parameters = results.parameters
        del results, frames
        _release_memory()

        mark = time.perf_counter()
        render = {"show_pii": show_pii, **(render_options or {})}
        nbdir = Path(notebooks) if notebooks else notebooks_dir()
        results_rel = "data/results"

        def job(label: str, notebook: str, stem: str, html: str, **parameters: Any) -> NotebookJob:
            return NotebookJob(
                label=label,
                notebook=nbdir / notebook,
                parameters={"results_dir": results_rel, "show_pii": show_pii, **parameters},
                executed=stage / "notebooks" / f"{stem}.ipynb",
                html=stage / html,
                workdir=stage,
                render={**render, "links": _links(html)},
            )

        dataset_dir = "data/dataset" if from_export else str(source.resolve())
        team_jobs = [
            job(
                team,
                "team_assessment.ipynb",
                slug,
                f"teams/{slug}.html",
                team=team,
                dataset_dir=dataset_dir,  # read only with show_pii, to name borrowers
            )
            for team, slug in slugs.items()
        ]
        appendix = job(
            "Data-quality appendix",
            "data_quality.ipynb",
            "data-quality",
            "data-quality.html",
            dataset_dir=dataset_dir,
        )

        def portfolio(failed: dict[str, str]) -> NotebookJob:
            links = {t: f"teams/{s}.html" for t, s in slugs.items() if t not in failed}
            return job(
                "Portfolio",
                "portfolio.ipynb",
                "portfolio",
                "index.html",
                team_reports=links,
                failed_teams=sorted(failed),
            )

        bar = _Progress(len(team_jobs) + 2, enabled=progress)
        try:
            outcomes = _run_reports(
                [*team_jobs, appendix], portfolio, workers=workers, on_done=bar.advance, pool=pool
            )
        finally:
            bar.close()
        failures = {o.label: o.error for o in outcomes if o.error}
        seconds["reports"] = time.perf_counter() - mark
        if pdf:
            from kit.report.render import render_pdf

            mark = time.perf_counter()
            for html in sorted(stage.glob("**/*.html")):
                render_pdf(html, html.with_suffix(".pdf"), browser=printer)
            seconds["pdf"] = time.perf_counter() - mark
        seconds["total"] = time.perf_counter() - started
        run = {
            "kit_version": __version__,
            "command": Path(sys.argv[0]).name if sys.argv else None,
            "started_at": started_at,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "source": str(source.resolve()),
            "source_kind": "export" if from_export else "dataset",
            "baselines": [str(b) for b in baseline_dirs],
            "mapping": str(mapping) if mapping else None,
            "parameters": parameters,
            "teams": slugs,
            "workers": workers,
            "show_pii": show_pii,
            "versions": _versions(),
            "seconds": {k: round(v, 3) for k, v in seconds.items()},
            "reports": {
                o.label: {
                    "ok": o.ok,
                    "error": o.error,
                    "seconds": {k: round(v, 3) for k, v in o.seconds.items()},
                }
                for o in sorted(outcomes, key=lambda o: o.label)
            },
            "inputs": inputs,
            "failures": failures,
        }
        _write_run(stage / "run.json", run)
    assessment = Assessment(out=out, teams=slugs, failures=failures, seconds=seconds, run=run)
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
    _check_out_dir(out, force=replace)
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
        _write_run(assessment.out / "run.json", assessment.run)
        return assessment
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
