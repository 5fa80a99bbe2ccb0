"""The ``adoption-kit`` command line.

Every command turns a :class:`kit.exceptions.KitError` into a short message on stderr and
its exit code (2 bad input or parameters, 3 output folder problems, 4 some team reports
failed), never a traceback. Heavy imports happen inside commands so ``--help`` is instant.
A run asked to stop (Ctrl-C, ``SIGTERM`` from ``kill`` or ``timeout``, ``SIGHUP``) unwinds
like an error: its staging and temporary folders are removed, earlier outputs stay intact.
"""

from __future__ import annotations

import contextlib
import gc
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

import click

from kit._version import __version__
from kit.demo.scales import SCALES
from kit.exceptions import KitError

_PATH = click.Path(path_type=Path)
_EXISTING = click.Path(exists=True, path_type=Path)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="adoption-kit")
def cli() -> None:
    """Assess whether a mortgage team actually adopted its CRM.

    From a CRM export to client-ready HTML reports, team by team and producer by producer.
    """


@cli.command("demo-data", short_help="Write a demo CRM export (CSV) of a mortgage lender.")
@click.argument("out_dir", type=_PATH)
@click.option(
    "--scale",
    type=click.Choice(list(SCALES)),
    default="small",
    show_default=True,
    help="Size of the generated organization: "
    + ", ".join(
        f"{name} {s['teams']} teams of {s['producers']} producers" for name, s in SCALES.items()
    )
    + " (and the two requirement teams); xlarge (23M activities, 3.7 GB of CSV) is "
    "streamed to disk team by team.",
)
@click.option(
    "--seed",
    type=int,
    default=7,
    show_default=True,
    help="Random seed: the same seed always writes identical files.",
)
@click.option("--force", is_flag=True, help="Replace OUT_DIR if it exists.")
@click.option(
    "--as-of",
    "as_of",
    default=None,
    metavar="YYYY-MM-DD",
    help="Write the export as it stood at the end of that day (an earlier export of the "
    "same client, for a baseline) [default: the whole export].",
)
def demo_data(out_dir: Path, scale: str, seed: int, force: bool, as_of: str | None) -> None:
    """Write a realistic demo CRM export (CSV files) of a mortgage organization."""
    from kit.demo.organization import write_export

    path = write_export(out_dir, scale=scale, seed=seed, replace=force, as_of=as_of)
    when = f", as of {as_of}" if as_of else ""
    click.echo(f"Demo export ({scale}, seed {seed}{when}) written to {path}")


@cli.command("intake", short_help="Read a CRM export into a clean, typed dataset.")
@click.argument("export", type=_EXISTING)
@click.option("--out", "out_dir", type=_PATH, required=True, help="Dataset folder to write.")
@click.option(
    "--mapping",
    default=None,
    metavar="MAP.yaml|PRESET",
    help="Mapping YAML, or a preset name (canonical, salesforce, salesforce_report, "
    "hubspot) [default: canonical].",
)
@click.option("--force", is_flag=True, help="Replace the dataset folder if it exists.")
def intake_command(export: Path, out_dir: Path, mapping: str | None, force: bool) -> None:
    """Read a CRM export (folder or .zip of CSV, Excel, Parquet) into a clean dataset.

    Every input row ends up in the dataset or in excluded_rows with its reason; blocking
    problems are all listed at once (exit code 2).
    """
    from kit.intake import intake, summarize

    report = intake(export, out_dir, mapping=mapping, replace=force)
    click.echo(summarize(report))


def _workers_option(f):  # type: ignore[no-untyped-def]
    return click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        help="Parallel worker processes for team reports [default: CPU cores].",
    )(f)


def _options(*decorators: Any) -> Any:
    """The decorators of a group of options, applied in the order they are listed."""

    def apply(f: Any) -> Any:
        for decorator in reversed(decorators):
            f = decorator(f)
        return f

    return apply


#: What is assessed and how: the options of ``assess`` and ``diagnose``.
_assessment_options = _options(
    click.option(
        "--mapping", default=None, help="Mapping YAML for the export's columns, or a preset name."
    ),
    click.option(
        "--standards",
        type=_EXISTING,
        default=None,
        help="Operating standards YAML [default: the shipped mortgage defaults].",
    ),
    click.option("--client", default=None, help="Client name shown in every report header."),
    click.option(
        "--as-of",
        "as_of",
        default=None,
        metavar="YYYY-MM-DD",
        help="Last day of the assessment window [default: the data's last real event].",
    ),
    click.option(
        "--launch",
        default=None,
        metavar="YYYY-MM-DD",
        help="CRM launch date [default: from engagement.yaml, else first CRM activity].",
    ),
    click.option(
        "--export-date",
        "export_date",
        default=None,
        metavar="YYYY-MM-DD",
        help="Day the export was taken: records dated after it are future-dated "
        "[default: from engagement.yaml].",
    ),
    click.option(
        "--strict",
        is_flag=True,
        help="Stop (exit 2) on an implausible as-of date instead of warning in the reports.",
    ),
    click.option(
        "--seat-cost",
        "seat_cost",
        type=float,
        default=None,
        metavar="DOLLARS",
        help="Monthly cost of one CRM seat, for seat ROI.",
    ),
    click.option(
        "--teams",
        multiple=True,
        metavar="TEAM",
        help="Only report on this team (repeat for several) [default: every team].",
    ),
)

_scheduler_option = click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Run the team reports on the workers of this running Dask scheduler, e.g. "
    "tcp://host:8786 (pip install 'crm-adoption-kit[dask]'; workers need the kit and the "
    "output folder on shared storage) [default: local worker processes].",
)

#: How the pages look: the options of ``assess``, ``render`` and ``portfolio``.
_rendering_options = _options(
    click.option(
        "--show-pii",
        is_flag=True,
        help="Internal consultant copy: show borrower names, emails and phones.",
    ),
    click.option(
        "--pdf", is_flag=True, help="Also print every report to PDF (Chromium, Chrome or Edge)."
    ),
    click.option(
        "--browser",
        default=None,
        metavar="PATH",
        help="The browser that prints the PDFs (implies --pdf) [default: "
        "$ADOPTION_KIT_BROWSER, else the first Chromium, Chrome or Edge found].",
    ),
    click.option(
        "--logo",
        type=_EXISTING,
        default=None,
        help="Logo image (PNG, JPEG or SVG) for the report header.",
    ),
    click.option(
        "--brand-colour",
        "brand_colour",
        default=None,
        metavar="#RRGGBB",
        help="Brand colour of the report header, e.g. '#0b5394'.",
    ),
    click.option(
        "--notebooks",
        "notebooks",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=None,
        metavar="DIR",
        help="Execute customized copies of the notebooks (from `adoption-kit notebooks DIR`).",
    ),
)

_baseline_option = click.option(
    "--baseline",
    "baselines",
    multiple=True,
    type=_EXISTING,
    metavar="PREVIOUS_DIR",
    help="Report folder of an earlier assessment of the same client to compare with "
    "(repeat for a history); the reports say what changed since.",
)
_force_option = click.option(
    "--force", is_flag=True, help="Replace the report folder if it is not empty."
)


def _engagement(
    client: str | None,
    as_of: str | None,
    launch: str | None,
    seat_cost: float | None,
    standards: Path | None,
    export_date: str | None,
) -> Any:
    from kit.params import Engagement, parse_date

    return Engagement(
        client=client,
        as_of=parse_date(as_of, option="--as-of"),
        launch=parse_date(launch, option="--launch"),
        seat_cost_per_month=seat_cost,
        standards=standards,
        export_date=parse_date(export_date, option="--export-date"),
    )


@cli.command(
    "assess", short_help="From a CRM export or dataset to a folder of client-ready reports."
)
@click.argument("source", type=_EXISTING, metavar="EXPORT_OR_DATASET")
@click.option("--out", "out_dir", type=_PATH, required=True, help="Report folder to write.")
@_assessment_options
@_workers_option
@_scheduler_option
@_rendering_options
@_baseline_option
@_force_option
def assess_command(
    source: Path,
    out_dir: Path,
    mapping: str | None,
    standards: Path | None,
    client: str | None,
    as_of: str | None,
    launch: str | None,
    export_date: str | None,
    strict: bool,
    seat_cost: float | None,
    teams: tuple[str, ...],
    workers: int | None,
    scheduler: str | None,
    show_pii: bool,
    pdf: bool,
    browser: str | None,
    logo: Path | None,
    brand_colour: str | None,
    notebooks: Path | None,
    baselines: tuple[Path, ...],
    force: bool,
) -> None:
    """From a CRM export (or intake dataset) to a folder of client-ready reports.

    The same as `diagnose`, `render` and `portfolio` one after the other, in one command.
    """
    from kit.runner import assess

    result = assess(
        source,
        out_dir,
        mapping=mapping,
        engagement=_engagement(client, as_of, launch, seat_cost, standards, export_date),
        teams=list(teams) or None,
        workers=workers,
        scheduler=scheduler,
        show_pii=show_pii,
        pdf=pdf or browser is not None,
        browser=browser,
        force=force,
        render_options={"logo": logo, "brand_colour": brand_colour},
        strict=strict,
        echo=click.echo,
        notebooks=notebooks,
        baselines=baselines,
    )
    click.echo(result.summary())


@cli.command(
    "diagnose",
    short_help="Step 1 of assess: the dataset, results bundle and CSV/Excel exports.",
)
@click.argument("source", type=_EXISTING, metavar="EXPORT_OR_DATASET")
@click.option("--out", "out_dir", type=_PATH, required=True, help="Report folder to write.")
@_assessment_options
@_baseline_option
@_force_option
def diagnose_command(
    source: Path,
    out_dir: Path,
    mapping: str | None,
    standards: Path | None,
    client: str | None,
    as_of: str | None,
    launch: str | None,
    export_date: str | None,
    strict: bool,
    seat_cost: float | None,
    teams: tuple[str, ...],
    baselines: tuple[Path, ...],
    force: bool,
) -> None:
    """Read the export, diagnose every team and write the report folder without its pages:
    data/ (dataset, results bundle, CSV and Excel exports) and run.json.

    Then `adoption-kit render OUT` (the team reports, in parallel or one team per task) and
    `adoption-kit portfolio OUT` (the data-quality appendix and index.html).
    """
    from kit.runner import diagnose_folder

    out = diagnose_folder(
        source,
        out_dir,
        mapping=mapping,
        engagement=_engagement(client, as_of, launch, seat_cost, standards, export_date),
        teams=list(teams) or None,
        force=force,
        strict=strict,
        echo=click.echo,
        baselines=baselines,
    )
    click.echo(f"Diagnosed; results and exports in {out / 'data'}")
    click.echo(f"Next: adoption-kit render {out}  then  adoption-kit portfolio {out}")


@cli.command("render", short_help="Step 2 of assess: team reports into a diagnosed folder.")
@click.argument("folder", type=_EXISTING, metavar="FOLDER")
@click.option(
    "--team",
    "teams",
    multiple=True,
    metavar="NAME",
    help="Render this team's report (repeat for several) [default: every team of FOLDER].",
)
@_workers_option
@_scheduler_option
@_rendering_options
def render_command(
    folder: Path,
    teams: tuple[str, ...],
    workers: int | None,
    scheduler: str | None,
    show_pii: bool,
    pdf: bool,
    browser: str | None,
    logo: Path | None,
    brand_colour: str | None,
    notebooks: Path | None,
) -> None:
    """Execute and render team reports into FOLDER (written by `adoption-kit diagnose`).

    Each report is moved into FOLDER/teams/ only once complete; several render commands may
    run at the same time on different teams. Exit code 4 when a report failed.
    """
    from kit.runner import render_teams

    chosen = list(teams) or None
    render_teams(
        folder,
        teams=chosen,
        workers=workers,
        scheduler=scheduler,
        show_pii=show_pii,
        pdf=pdf or browser is not None,
        browser=browser,
        render_options={"logo": logo, "brand_colour": brand_colour},
        notebooks=notebooks,
        progress=chosen is None or len(chosen) > 1,
    )
    click.echo(f"Rendered {', '.join(teams) if teams else 'every team'} into {folder / 'teams'}")


@cli.command(
    "portfolio", short_help="Step 3 of assess: the data-quality appendix and the portfolio."
)
@click.argument("folder", type=_EXISTING, metavar="FOLDER")
@_rendering_options
def portfolio_command(
    folder: Path,
    show_pii: bool,
    pdf: bool,
    browser: str | None,
    logo: Path | None,
    brand_colour: str | None,
    notebooks: Path | None,
) -> None:
    """Render the data-quality appendix and the portfolio (index.html) of FOLDER, once its
    team reports are rendered, and record every report's outcome in run.json.

    A team without a report is listed as failed in the portfolio (exit code 4).
    """
    from kit.runner import render_portfolio

    render_portfolio(
        folder,
        show_pii=show_pii,
        pdf=pdf or browser is not None,
        browser=browser,
        render_options={"logo": logo, "brand_colour": brand_colour},
        notebooks=notebooks,
    )
    click.echo(f"Open {Path(folder).absolute() / 'index.html'}")


@cli.command("demo", short_help="Generate the demo organization and render its whole assessment.")
@click.option(
    "--out",
    "out_dir",
    type=_PATH,
    default=Path("reports/demo"),
    show_default=True,
    help="Report folder to write (a previous demo there is replaced).",
)
@click.option(
    "--scale",
    type=click.Choice(list(SCALES)),
    default="small",
    show_default=True,
    help="Size of the demo organization (see demo-data --help).",
)
@_workers_option
def demo_command(out_dir: Path, scale: str, workers: int | None) -> None:
    """Generate the demo organization and render its whole assessment."""
    from kit.runner import run_demo

    result = run_demo(out_dir, scale=scale, workers=workers)
    click.echo(result.summary())


class _Stopped(BaseException):
    """The process was asked to stop by a signal: unwind (and clean up) as for Ctrl-C.

    A ``BaseException``, like ``KeyboardInterrupt``, so no ``except Exception`` swallows it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stopped(signum)


def _on_stop_signals(handler: Any) -> dict[int, Any]:
    """Set ``handler`` for SIGTERM and SIGHUP; return the handlers it replaced."""
    replaced = {}
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is None:  # pragma: no cover - Windows has no SIGHUP
            continue
        with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
            replaced[signum] = signal.signal(signum, handler)
    return replaced


def _stopped(exc: _Stopped) -> int:
    name = signal.Signals(exc.signum).name
    click.secho(
        f"stopped by {name}: outputs already written are intact, temporary files removed",
        fg="red",
        err=True,
    )
    return 128 + exc.signum


@cli.command("notebooks", short_help="Copy the parameterized notebooks into a folder of yours.")
@click.argument("out_dir", type=_PATH)
@click.option("--force", is_flag=True, help="Replace notebooks of the same name in OUT_DIR.")
def notebooks_command(out_dir: Path, force: bool) -> None:
    """Copy the kit's parameterized notebooks into OUT_DIR, to explore or customize.

    With their parameters blank they open the bundled demo organization; point results_dir
    at an assessment's data/results to explore a client. Customized copies are what
    `adoption-kit assess ... --notebooks OUT_DIR` executes.
    """
    from kit._resources import copy_notebooks

    copied = copy_notebooks(out_dir, force=force)
    click.echo(f"Copied {len(copied)} notebooks to {out_dir}: {', '.join(p.name for p in copied)}")
    click.echo(
        f'Open them with: jupyter lab {out_dir}  (JupyterLab: pip install "crm-adoption-kit[lab]")'
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``adoption-kit`` and ``python -m kit``; returns the exit code."""
    from kit._budget import stop_hard_on_overrun

    replaced = _on_stop_signals(_stop)
    stop_hard_on_overrun(True)
    try:
        return _main(argv)
    finally:
        stop_hard_on_overrun(False)
        for signum, handler in replaced.items():
            signal.signal(signum, handler)


def run() -> NoReturn:
    """The ``adoption-kit`` program and ``python -m kit``: :func:`main`, then exit with its
    code.

    The objects left are then hidden from the garbage collector (``gc.freeze``): the full
    collection Python runs while the process exits walked every object pandas, pyarrow and
    the diagnostics had made, 1.4 s after a large assessment (0.6 s frozen), when nothing
    is left to do. Only garbage cycles are then left to the operating system. :func:`main`
    itself freezes nothing: tests call it in their own process.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


def _main(argv: list[str] | None) -> int:
    try:
        cli.main(args=argv, prog_name="adoption-kit", standalone_mode=False)
    except KitError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.secho("aborted", fg="red", err=True)
        return 130
    except _Stopped as exc:
        return _stopped(exc)
    except KeyboardInterrupt:
        click.secho("interrupted: outputs already written are intact", fg="red", err=True)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    run()
