"""The ``adoption-kit`` command line.

Every command turns a :class:`kit.exceptions.KitError` into a short message on stderr and
its exit code (2 bad input or parameters, 3 output folder problems, 4 some team reports
failed), never a traceback. Heavy imports happen inside commands so ``--help`` is instant.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kit import __version__
from kit.exceptions import KitError

_PATH = click.Path(path_type=Path)
_EXISTING = click.Path(exists=True, path_type=Path)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="adoption-kit")
def cli() -> None:
    """Assess whether a mortgage team actually adopted its CRM.

    From a CRM export to client-ready HTML reports, team by team and producer by producer.
    """


@cli.command("demo-data")
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
def demo_data(out_dir: Path, scale: str, seed: int, force: bool) -> None:
    """Write a realistic demo CRM export (CSV files) of a mortgage organization."""
    from kit.demo import write_export

    path = write_export(out_dir, scale=scale, seed=seed, replace=force)
    click.echo(f"Demo export ({scale}, seed {seed}) written to {path}")


@cli.command("intake")
@click.argument("export", type=_EXISTING)
@click.option("--out", "out_dir", type=_PATH, required=True, help="Dataset folder to write.")
@click.option(
    "--mapping",
    type=_EXISTING,
    default=None,
    help="Mapping YAML, or a preset name (canonical, salesforce, hubspot).",
)
@click.option("--force", is_flag=True, help="Replace the dataset folder if it exists.")
def intake_command(export: Path, out_dir: Path, mapping: Path | None, force: bool) -> None:
    """Read a CRM export (folder or .zip of CSV, Excel, Parquet) into a clean dataset."""
    from kit.intake import intake, summarize

    report = intake(export, out_dir, mapping=mapping, replace=force)
    click.echo(summarize(report))


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
