"""An assessment step by step, for an orchestrator (Airflow, Dagster, a shell script).

``adoption-kit assess`` in three commands, each a function here, on one report folder:

1. :func:`diagnose_folder` (``adoption-kit diagnose EXPORT --out FOLDER``): reads the export,
   diagnoses every team and writes the folder with its ``data/`` (dataset, results bundle,
   CSV and Excel exports) and ``run.json``; built beside ``FOLDER`` and moved into place
   complete, as :func:`kit.runner.assess` does.
2. :func:`render_teams` (``adoption-kit render FOLDER --team NAME``): executes and renders
   team reports into the folder (every team without ``--team``; on a Dask cluster with
   ``--scheduler``). Each report is made in a staging folder inside ``FOLDER`` and moved
   into ``teams/`` only once complete, so a killed task leaves no partial page; several
   ``render`` commands may run at once on different teams. What happened to each report is
   kept in ``notebooks/<slug>.outcome.json`` for the portfolio.
3. :func:`render_portfolio` (``adoption-kit portfolio FOLDER``): the data-quality appendix
   and the portfolio ``index.html``, which lists the teams whose report is missing or
   failed; ``run.json`` then records every report, as ``assess`` writes it.

The pages are the same, byte for byte, as those ``assess`` writes from the same input and
parameters (the test compares them).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kit._atomic import atomic_dir, check_apart, staging_dir, write_text
from kit._resources import notebooks_dir
from kit.exceptions import AssessmentError, InputError
from kit.executors import open_executor, require
from kit.params import Engagement, default_workers, resolve_teams
from kit.report.execute import NotebookOutcome, run_job, warm_up
from kit.runner import (
    Progress,
    Reports,
    check_out_dir,
    check_rendering,
    diagnose_into,
    lost_report,
    read_input,
    report_records,
    run_record,
    write_run,
)

__all__ = ["diagnose_folder", "render_portfolio", "render_teams"]

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
        facts = diagnose_into(stage, given, engagement=engagement)
        seconds = {"intake": given.seconds, **facts["seconds"]}
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
        open_executor(workers=min(workers, len(selected)), scheduler=scheduler) as executor,
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


def _team_outcomes(folder: Path, teams: dict[str, str]) -> list[NotebookOutcome]:
    """Each team's outcome as its ``render`` recorded it (a team never rendered: failed)."""
    outcomes = []
    for team, slug in teams.items():
        record_path = folder / _OUTCOME.format(stem=slug)
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
            error, seconds = record["error"], record["seconds"]
        except (OSError, ValueError, KeyError):
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
    outcomes = _team_outcomes(folder, run["teams"])
    with staging_dir(folder, "render") as stage, open_executor(workers=1) as executor:
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
