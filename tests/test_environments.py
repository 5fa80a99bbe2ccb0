"""The kit on the machines its users have: other kernelspecs, Jupyter's own commands, a
notebook folder of the analyst's own."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest


def _decoy_kernelspec(folder: Path, interpreter: Path) -> Path:
    """A ``python3`` kernelspec, as a shared image or a conda base install leaves one."""
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [str(interpreter), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3 (other env)", "language": "python"})
    )
    return spec


def test_report_kernels_use_the_kits_interpreter_whatever_is_installed():
    from kit.report.execute import KERNEL_NAME, kernel_spec_manager

    spec = kernel_spec_manager().get_kernel_spec("python3")
    assert spec.argv[0] == sys.executable
    assert spec.argv[1:3] == ["-m", "ipykernel_launcher"]
    assert kernel_spec_manager().find_kernel_specs() == {KERNEL_NAME: ""}


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kit", *args], capture_output=True, text=True, env=env, timeout=600
    )


def test_notebooks_command_copies_the_notebooks_for_an_analyst(tmp_path):
    from kit._resources import notebooks_dir

    out = tmp_path / "my notebooks"
    done = _cli("notebooks", str(out))
    assert done.returncode == 0, done.stderr
    names = ["data_quality.ipynb", "portfolio.ipynb", "team_assessment.ipynb"]
    assert sorted(p.name for p in out.iterdir()) == names
    for name in names:
        assert (out / name).read_bytes() == (notebooks_dir() / name).read_bytes()
    assert f"jupyter lab {out}" in done.stdout
    (out / "portfolio.ipynb").write_text("{}")
    again = _cli("notebooks", str(out))
    assert again.returncode == 3
    assert (
        "already holds data_quality.ipynb, portfolio.ipynb, team_assessment.ipynb" in again.stderr
    )
    assert "Traceback" not in again.stderr
    assert (out / "portfolio.ipynb").read_text() == "{}"  # nothing was overwritten
    assert _cli("notebooks", str(out), "--force").returncode == 0
    assert (out / "portfolio.ipynb").read_bytes() == (
        notebooks_dir() / "portfolio.ipynb"
    ).read_bytes()


@pytest.mark.slow
def test_jupyter_nbconvert_renders_a_kit_notebook_as_assess_does(tmp_path, demo_reports: Path):
    executed = tmp_path / "old-mill.ipynb"
    executed.write_bytes((demo_reports / "notebooks" / "old-mill.ipynb").read_bytes())
    jupyter = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "adoption_report"]
    done = subprocess.run([*jupyter, str(executed)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "old-mill.html").read_text(encoding="utf-8")
    # the same page but for the bar of links to the assessment's other pages, which only
    # the runner knows
    assessed = (demo_reports / "teams" / "old-mill.html").read_text(encoding="utf-8")
    bar = re.compile(r'<nav [^>]*class="report-nav".*?</nav>\n', re.DOTALL)
    assert bar.search(assessed) and not bar.search(page)
    assert page == bar.sub("", assessed)
    branded = subprocess.run(
        [
            *jupyter,
            "--ReportExporter.brand_colour=#0B5394",
            "--output",
            "branded",
            str(executed),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert branded.returncode == 0, branded.stderr
    assert "--brand: #0b5394" in (tmp_path / "branded.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_assess_ignores_a_decoy_python3_kernelspec(tmp_path, demo_reports: Path):
    """A broken ``python3`` kernelspec on JUPYTER_PATH and in the user's home changes nothing.

    The run also executes an analyst's customized copies of the notebooks (``--notebooks``).
    """
    broken = tmp_path / "bin" / "python3"
    broken.parent.mkdir()
    broken.write_text("#!/bin/sh\necho 'this is not the kit interpreter' >&2\nexit 1\n")
    broken.chmod(0o755)
    home = tmp_path / "home"
    _decoy_kernelspec(home / ".local" / "share" / "jupyter", broken)
    _decoy_kernelspec(tmp_path / "shared-jupyter", broken)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("JUPYTER_DATA_DIR", "XDG_DATA_HOME", "JUPYTER_CONFIG_DIR", "IPYTHONDIR")
    }
    env.update(
        HOME=str(home),
        JUPYTER_PATH=str(tmp_path / "shared-jupyter"),
        MPLCONFIGDIR=str(tmp_path / "mpl"),
    )
    # the decoy really is what Jupyter finds for "python3" in this environment
    found = subprocess.run(
        [sys.executable, "-m", "jupyter", "kernelspec", "list", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(found.stdout)["kernelspecs"]["python3"]["spec"]["argv"][0] == str(broken)
    mine = tmp_path / "my-notebooks"
    assert _cli("notebooks", str(mine), env=env).returncode == 0
    team = json.loads((mine / "team_assessment.ipynb").read_text(encoding="utf-8"))
    team["cells"].append(
        {"cell_type": "markdown", "metadata": {}, "source": ["## Our own closing note"]}
    )
    (mine / "team_assessment.ipynb").write_text(json.dumps(team), encoding="utf-8")
    done = _cli(
        "assess",
        str(demo_reports / "data" / "dataset"),
        "--out",
        str(tmp_path / "out"),
        "--teams",
        "Old Mill",
        "--workers",
        "1",
        "--notebooks",
        str(mine),
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "1 of 1 team reports written" in done.stdout
    page = (tmp_path / "out" / "teams" / "old-mill.html").read_text(encoding="utf-8")
    assert "Our own closing note" in page
    assert (tmp_path / "out" / "index.html").is_file()


def test_help_loads_nothing_heavy():
    """``adoption-kit --help`` (and each command's) answers without pandas or Jupyter."""
    code = (
        "import sys; from kit.cli import main; "
        "codes = [main([*args, '--help']) for args in ([], ['assess'], ['notebooks'])]; "
        "heavy = ('pandas', 'numpy', 'pyarrow', 'matplotlib', 'nbformat', 'papermill', "
        "'jupyter_client', 'kit.runner', 'pandera'); "
        "print(codes, sorted(m for m in heavy if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip() == "[0, 0, 0] []"


def test_pandera_is_loaded_only_to_validate_a_table():
    code = (
        "import sys, kit.schema, kit.intake, kit.report.views; print('pandera' in sys.modules); "
        "kit.schema.table_schema('users'); print('pandera' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]
