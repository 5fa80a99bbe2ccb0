"""The ``adoption-kit`` command line.

Every command turns a :class:`kit.exceptions.KitError` into a short message on stderr and
its exit code (2 bad input or parameters, 3 output folder problems, 4 some team reports
failed), never a traceback. Heavy imports happen inside commands so ``--help`` is instant.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kit._version import __version__
from kit.exceptions import KitError

_PATH = click.Path(path_type=Path)
_EXISTING = click.Path(exists=True, path_type=Path)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="adoption-kit")
def cli() -> None:
    """Assess whether a mortgage team actually adopted its CRM.

    From a CRM export to client-ready HTML reports, team by team and producer by producer.
    """


@cli.command(
    "demo-data", short_help="Write a demo CRM export (CSV) of a mortgage lender."
)
@click.argument("out_dir", type=_PATH)
@click.option(
    "--scale",
    type=click.Choice(["small", "medium", "large"]),
    default="small",
    show_default=True,
    help="Size of the generated organization.",
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


@cli.command(
    "intake", short_help="Read a CRM export into a clean, typed dataset."
)
@click.argument("export", type=_EXISTING)
@click.option("--out", "out_dir", type=_PATH, required=True, help="Dataset folder to write.")
@click.option(
    "--mapping",
    default=None,
    metavar="MAP.yaml|PRESET",
    help="Mapping YAML, or a preset name (canonical, salesforce, hubspot) [default: canonical].",
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


@cli.command(
    "assess", short_help="From a CRM export or dataset to a folder of client-ready reports."
)
@click.argument("source", type=_EXISTING, metavar="EXPORT_OR_DATASET")
@click.option("--out", "out_dir", type=_PATH, required=True, help="Report folder to write.")
@click.option(
    "--mapping", default=None, help="Mapping YAML for the export's columns, or a preset name."
)
@click.option(
    "--standards",
    type=_EXISTING,
    default=None,
    help="Operating standards YAML [default: the shipped mortgage defaults].",
)
@click.option("--client", default=None, help="Client name shown in every report header.")
@click.option(
    "--as-of",
    "as_of",
    default=None,
    metavar="YYYY-MM-DD",
    help="Last day of the assessment window [default: latest date in the data].",
)
@click.option(
    "--launch",
    default=None,
    metavar="YYYY-MM-DD",
    help="CRM launch date [default: from engagement.yaml, else first CRM activity].",
)
@click.option(
    "--seat-cost",
    "seat_cost",
    type=float,
    default=None,
    metavar="DOLLARS",
    help="Monthly cost of one CRM seat, for seat ROI.",
)
@click.option(
    "--teams",
    multiple=True,
    metavar="TEAM",
    help="Only report on this team (repeat for several) [default: every team].",
)
@_workers_option
@click.option(
    "--show-pii",
    is_flag=True,
    help="Internal consultant copy: show borrower names, emails and phones.",
)
@click.option("--pdf", is_flag=True, help="Also print every report to PDF with Chromium.")
@click.option(
    "--logo",
    type=_EXISTING,
    default=None,
    help="Logo image (PNG, JPEG or SVG) for the report header.",
)
@click.option(
    "--brand-colour",
    "brand_colour",
    default=None,
    metavar="#RRGGBB",
    help="Brand colour of the report header, e.g. '#0b5394'.",
)
@click.option(
    "--baseline",
    "baselines",
    multiple=True,
    type=_EXISTING,
    metavar="PREVIOUS_DIR",
    help="Report folder of an earlier assessment of the same client to compare with "
    "(repeat for a history); the reports say what changed since.",
)
@click.option("--force", is_flag=True, help="Replace the report folder if it is not empty.")
def assess_command(
    source: Path,
    out_dir: Path,
    mapping: str | None,
    standards: Path | None,
    client: str | None,
    as_of: str | None,
    launch: str | None,
    seat_cost: float | None,
    teams: tuple[str, ...],
    workers: int | None,
    show_pii: bool,
    pdf: bool,
    logo: Path | None,
    brand_colour: str | None,
    baselines: tuple[Path, ...],
    force: bool,
) -> None:
    """From a CRM export (or intake dataset) to a folder of client-ready reports."""
    from kit.params import Engagement, parse_date
    from kit.runner import assess

    engagement = Engagement(
        client=client,
        as_of=parse_date(as_of, option="--as-of"),
        launch=parse_date(launch, option="--launch"),
        seat_cost_per_month=seat_cost,
        standards=standards,
    )
    result = assess(
        source,
        out_dir,
        mapping=mapping,
        engagement=engagement,
        teams=list(teams) or None,
        workers=workers,
        show_pii=show_pii,
        pdf=pdf,
        force=force,
        render_options={"logo": logo, "brand_colour": brand_colour},
        baselines=baselines,
    )
    click.echo(result.summary())


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
    type=click.Choice(["small", "medium", "large"]),
    default="small",
    show_default=True,
    help="Size of the demo organization.",
)
@_workers_option
def demo_command(out_dir: Path, scale: str, workers: int | None) -> None:
    """Generate the demo organization and render its whole assessment."""
    from kit.runner import run_demo

    result = run_demo(out_dir, scale=scale, workers=workers)
    click.echo(result.summary())


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``adoption-kit`` and ``python -m kit``; returns the exit code."""
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
    except KeyboardInterrupt:
        click.secho("interrupted: outputs already written are intact", fg="red", err=True)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
