"""One command from a client's export to a folder of reports, or the same in three steps.

:func:`assess` reads the export (or an existing dataset) once, runs the diagnostics once for
every team, writes the results bundle and spreadsheet exports, then executes and renders one
notebook per team in parallel worker processes (or on a Dask cluster), the data-quality
appendix and the portfolio: the steps of :mod:`kit.steps`, in order.

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

The same folder, step by step for an orchestrator (Airflow, Dagster, a shell script;
docs/orchestration.md):

1. :func:`diagnose_folder` (``adoption-kit diagnose EXPORT --out FOLDER``): the folder with
   its ``data/`` and ``run.json``, built beside ``FOLDER`` and moved into place complete.
2. :func:`render_teams` (``adoption-kit render FOLDER --team NAME``): team reports into the
   folder (every team without ``--team``; on a Dask cluster with ``--scheduler``). Each is
   made in a staging folder inside ``FOLDER`` and moved into ``teams/`` only once complete,
   so a killed task leaves no partial page; several ``render`` commands may run at once on
   different teams. Each report's outcome is kept in ``notebooks/<slug>.outcome.json``.
3. :func:`render_portfolio` (``adoption-kit portfolio FOLDER``): the data-quality appendix
   and the portfolio, which lists the teams whose report is missing or failed; ``run.json``
   then records every report, as ``assess`` writes it.

The pages are the same, byte for byte, as those ``assess`` writes from the same input and
parameters.

It is over 500 lines because it holds the four entry points (``assess``, ``run_demo`` and
the step-by-step ``diagnose_folder``, ``render_teams``, ``render_portfolio``) with the
bookkeeping they share (report placement, run records); the steps' own work is in
:mod:`kit.steps`.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from kit._atomic import atomic_dir, check_apart, staging_dir, write_text
from kit._resources import notebooks_dir
from kit.exceptions import AssessmentError, InputError
from kit.executors import Executor, numbered, open_executor, require
from kit.params import Engagement, default_workers, resolve_teams
from kit.report.execute import NotebookJob, NotebookOutcome, release_kernel, run_job, warm_up
from kit.steps import (
    Progress,
    Reports,
    check_out_dir,
    check_rendering,
    diagnose_into,
    lost_report,
    print_pdfs,
    read_input,
    report_records,
    run_record,
    write_run,
)

__all__ = [
    "Assessment",
    "assess",
    "diagnose_folder",
    "render_portfolio",
    "render_teams",
    "run_demo",
]


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


def _run_reports(
    teams: Sequence[NotebookJob],
    appendix: NotebookJob,
    portfolio: Callable[[dict[str, str]], NotebookJob],
    *,
    executor: Executor,
    on_done: Callable[[NotebookOutcome], None],
) -> list[NotebookOutcome]:
    """Run the portfolio (the longest job), the appendix and the ``teams``' reports on
    ``executor``, in that order; return their outcomes, the portfolio's last.

    The portfolio's page depends only on the results bundle and on which reports failed, so
    it is run at the start, as if none fails, beside the others: no core waits for it alone
    at the end. Only when a report (or the appendix) failed is it run again at the end,
    listing them, its first page and notebook removed beforehand; a run where all succeed
    gets the very page the portfolio run last would have made.
    """
    hopeful = portfolio({})
    jobs = [hopeful, appendix, *teams]
    outcomes: dict[int, NotebookOutcome] = {}
    for number, outcome in executor.map(
        partial(numbered, run_job),
        list(enumerate(jobs)),
        on_error=lambda item, error: (item[0], lost_report(item[1], error)),
    ):
        outcomes[number] = outcome
        if number:
            on_done(outcome)
    done = [outcomes[n] for n in range(1, len(jobs))]
    failed = {o.label: o.error for o in done if o.error}
    if failed:
        hopeful.executed.unlink(missing_ok=True)
        if hopeful.html is not None:
            hopeful.html.unlink(missing_ok=True)
        outcomes[0] = next(iter(executor.map(run_job, [portfolio(failed)], on_error=lost_report)))
    on_done(outcomes[0])
    return [*done, outcomes[0]]


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

    Its steps (:mod:`kit.steps`), which :func:`diagnose_folder`, :func:`render_teams` and
    :func:`render_portfolio` call one at a time: ``read_input``, ``diagnose_into``, then the
    jobs of ``Reports`` (each team, the data-quality appendix, the portfolio) run on an
    executor (:mod:`kit.executors`), and ``run_record``.

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

    # the workers start their kernels once the diagnostics are done, while the results are
    # written: their memory never adds to the diagnostics' peak; the CSV and Excel exports
    # are written beside the reports, which read only the results bundle
    with (
        atomic_dir(out, replace=True) as stage,
        open_executor(workers=workers, scheduler=scheduler, release=release_kernel) as executor,
    ):
        facts, exports = diagnose_into(
            stage, given, engagement=engagement, diagnosed=lambda: executor.warm(warm_up)
        )
        seconds.update(facts["seconds"])
        exports.start()

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
                [*map(plan.team, plan.teams)],
                plan.appendix(),
                plan.portfolio,
                executor=executor,
                on_done=bar.advance,
            )
        finally:
            bar.close()
            exports.join()  # before the staging folder can be removed
        seconds["reports"] = time.perf_counter() - mark
        seconds["spreadsheets"] = exports.wait()  # written beside the reports
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


#: The record of one report's outcome, beside its executed notebook.
_OUTCOME = "notebooks/{stem}.outcome.json"


def diagnose_folder(
    source: str | Path,
    out: str | Path,
    *,
    mapping: str | Path | None = None,
    engagement: Engagement | None = None,
    teams: Sequence[str] | None = None,
    force: bool = False,
    strict: bool = False,
    echo: Callable[[str], None] | None = None,
    baselines: Sequence[str | Path] = (),
) -> Path:
    """Step 1: read ``source``, diagnose its teams and write the report folder ``out``
    without its pages (parameters as :func:`kit.runner.assess`). Returns ``out``."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.perf_counter()
    source, out = Path(source).absolute(), Path(out).absolute()
    engagement = engagement or Engagement()
    check_out_dir(out, force=force)
    check_apart(source, out)
    given = read_input(
        source,
        mapping=mapping,
        engagement=engagement,
        teams=teams,
        strict=strict,
        echo=echo,
        baselines=baselines,
    )
    with atomic_dir(out, replace=True) as stage:
        facts, exports = diagnose_into(stage, given, engagement=engagement)
        seconds = {"intake": given.seconds, **facts["seconds"]}
        seconds["spreadsheets"] = exports.wait()
        seconds["total"] = time.perf_counter() - started
        run = run_record(
            given,
            facts,
            started_at=started_at,
            mapping=mapping,
            workers=0,
            scheduler=None,
            show_pii=False,
            seconds=seconds,
        )
        write_run(stage / "run.json", run)
    return out


def _read_run(folder: Path) -> dict[str, Any]:
    path = folder / "run.json"
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
        if not (folder / "data" / "results").is_dir() or not isinstance(run["teams"], dict):
            raise FileNotFoundError(folder / "data" / "results")
        if not isinstance(run["source"], str) or not isinstance(run["seconds"], dict):
            raise TypeError("run.json")
        return dict(run)
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(
            f"{folder} is not a report folder written by `adoption-kit diagnose` (or assess): "
            "it has no readable run.json and data/results. Run `adoption-kit diagnose "
            f"EXPORT --out {folder}` first."
        ) from None


def _plan(
    folder: Path,
    run: dict[str, Any],
    *,
    into: Path,
    show_pii: bool,
    render_options: dict[str, Any] | None,
    notebooks: str | Path | None,
) -> Reports:
    from_export = run.get("source_kind") == "export"
    return Reports(
        folder=folder,
        teams=dict(run["teams"]),
        dataset_dir="data/dataset" if from_export else str(run["source"]),
        notebooks=Path(notebooks).absolute() if notebooks else notebooks_dir(),
        show_pii=show_pii,
        render=dict(render_options or {}),
        into=into,
    )


def _place(folder: Path, stage: Path, outcome: NotebookOutcome, stem: str, page: str) -> None:
    """Move one report's executed notebook, page (and PDF) from ``stage`` into ``folder``,
    then record its outcome; a failed report's earlier page is removed."""
    (folder / "notebooks").mkdir(exist_ok=True)
    (folder / page).parent.mkdir(parents=True, exist_ok=True)
    notebook = Path("notebooks") / f"{stem}.ipynb"
    if (stage / notebook).is_file():
        os.replace(stage / notebook, folder / notebook)
    for made in (Path(page), Path(page).with_suffix(".pdf")):
        if outcome.ok and (stage / made).is_file():
            os.replace(stage / made, folder / made)
        elif not outcome.ok:
            (folder / made).unlink(missing_ok=True)
    record = {"label": outcome.label, **report_records([outcome])[outcome.label]}
    write_text(folder / _OUTCOME.format(stem=stem), json.dumps(record, indent=2) + "\n")


def render_teams(
    folder: str | Path,
    *,
    teams: Sequence[str] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    show_pii: bool = False,
    pdf: bool = False,
    browser: str | Path | None = None,
    render_options: dict[str, Any] | None = None,
    notebooks: str | Path | None = None,
    progress: bool = True,
) -> dict[str, str]:
    """Step 2: execute and render the reports of ``teams`` (default: every team of the
    folder) into ``folder``; return ``{team: error}`` of those that failed.

    Raises
    ------
    InputError
        ``folder`` was not written by :func:`diagnose_folder` or ``assess``.
    AssessmentError
        After placing every other report, when one or more failed (exit code 4).
    """
    folder = Path(folder).absolute()
    run = _read_run(folder)
    selected = resolve_teams(teams, run["teams"])
    printer = check_rendering(render_options, pdf=pdf, browser=browser)
    workers = workers or default_workers()
    require(workers=workers, scheduler=scheduler)
    with (
        staging_dir(folder, "render") as stage,
        open_executor(
            workers=min(workers, len(selected)), scheduler=scheduler, release=release_kernel
        ) as executor,
    ):
        plan = _plan(
            folder,
            run,
            into=stage,
            show_pii=show_pii,
            render_options=render_options,
            notebooks=notebooks,
        )
        executor.warm(warm_up)
        bar = Progress(len(selected), enabled=progress)
        failures: dict[str, str] = {}
        try:
            jobs = [plan.team(t) for t in selected]
            for outcome in executor.map(run_job, jobs, on_error=lost_report):
                slug = plan.teams[outcome.label]
                page = stage / "teams" / f"{slug}.html"
                if printer is not None and outcome.ok:
                    from kit.report.render import render_pdf

                    render_pdf(page, page.with_suffix(".pdf"), browser=printer)
                _place(folder, stage, outcome, slug, f"teams/{slug}.html")
                if outcome.error:
                    failures[outcome.label] = outcome.error
                bar.advance(outcome)
        finally:
            bar.close()
    if failures:
        raise AssessmentError(
            f"{len(failures)} report(s) failed; the others were written to {folder}",
            problems=[f"{label}: {error}" for label, error in failures.items()],
        )
    return failures


def _team_outcomes(folder: Path, run: dict[str, Any]) -> list[NotebookOutcome]:
    """Each team's outcome as its ``render`` recorded it, else as ``run.json`` has it (a
    folder ``assess`` wrote); a team never rendered, or whose page is gone, failed."""
    outcomes = []
    for team, slug in run["teams"].items():
        record_path = folder / _OUTCOME.format(stem=slug)
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = (run.get("reports") or {}).get(team)
        if isinstance(record, dict) and "error" in record:
            error, seconds = record["error"], record.get("seconds") or {}
        else:
            error, seconds = "no report rendered (run `adoption-kit render` for it)", {}
        if error is None and not (folder / "teams" / f"{slug}.html").is_file():
            error = "its report is missing from teams/"
        outcomes.append(NotebookOutcome(team, error, seconds))
    return outcomes


def render_portfolio(
    folder: str | Path,
    *,
    show_pii: bool = False,
    pdf: bool = False,
    browser: str | Path | None = None,
    render_options: dict[str, Any] | None = None,
    notebooks: str | Path | None = None,
) -> dict[str, str]:
    """Step 3: the data-quality appendix and the portfolio of ``folder``, then ``run.json``
    with every report's outcome; return ``{label: error}`` of the failed reports.

    Raises
    ------
    AssessmentError
        After writing both pages, when a team report (or the appendix or portfolio) is
        missing or failed (exit code 4), as ``assess`` does.
    """
    folder = Path(folder).absolute()
    run = _read_run(folder)
    printer = check_rendering(render_options, pdf=pdf, browser=browser)
    started = time.perf_counter()
    outcomes = _team_outcomes(folder, run)
    with (
        staging_dir(folder, "render") as stage,
        open_executor(workers=1, release=release_kernel) as executor,
    ):
        plan = _plan(
            folder,
            run,
            into=stage,
            show_pii=show_pii,
            render_options=render_options,
            notebooks=notebooks,
        )
        failed = {o.label: o.error for o in outcomes if o.error}
        for job, stem, page in [
            (plan.appendix(), "data-quality", "data-quality.html"),
            (plan.portfolio(failed), "portfolio", "index.html"),
        ]:
            outcome = next(iter(executor.map(run_job, [job])))
            if printer is not None and outcome.ok:
                from kit.report.render import render_pdf

                render_pdf(stage / page, (stage / page).with_suffix(".pdf"), browser=printer)
            _place(folder, stage, outcome, stem, page)
            outcomes.append(outcome)
    run["reports"] = report_records(outcomes)
    run["failures"] = {o.label: o.error for o in outcomes if o.error}
    run["show_pii"] = show_pii
    run["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    run["seconds"]["portfolio"] = round(time.perf_counter() - started, 3)
    write_run(folder / "run.json", run)
    failures: dict[str, str] = run["failures"]
    if failures:
        raise AssessmentError(
            f"{len(failures)} report(s) failed or missing; the portfolio lists them: "
            f"{folder / 'index.html'}",
            problems=[f"{label}: {error}" for label, error in failures.items()],
        )
    return failures
