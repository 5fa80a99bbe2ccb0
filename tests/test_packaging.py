"""The built wheel carries the notebooks, templates, presets and standards the kit needs."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (built,) = out.glob("*.whl")
    return built


def test_wheel_contains_every_resource(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    for notebook in ("team_assessment", "portfolio", "data_quality"):
        assert f"kit/_bundled/notebooks/{notebook}.ipynb" in names
    assert "kit/_bundled/templates/report/conf.json" in names
    assert "kit/_bundled/templates/report/index.html.j2" in names
    assert "kit/diagnostics/standards.yaml" in names
    assert any(n.startswith("kit/intake/presets/") and n.endswith(".yaml") for n in names)
    assert not any(n.startswith(("tests/", "reports/")) for n in names)


def test_installed_wheel_finds_its_notebooks_and_templates(wheel: Path, tmp_path: Path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "import kit, kit._resources as r, kit.diagnostics.standards as s;"
        "print(kit.__file__); print(r.notebooks_dir()); print(r.templates_dir());"
        "print(len(s.load_standards().rules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=True,
    )
    module, notebooks, templates, rules = done.stdout.split("\n")[:4]
    assert module == str(site / "kit" / "__init__.py")
    assert notebooks == str(site / "kit" / "_bundled" / "notebooks")
    assert templates == str(site / "kit" / "_bundled" / "templates")
    assert int(rules) >= 8


def test_wheel_metadata_is_complete(wheel: Path):
    """A license file, typing marker, classifiers, the nbconvert exporter; no dead URL."""
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        meta = z.read(metadata).decode("utf-8")
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        entries = z.read(entry_points).decode("utf-8")
    assert "kit/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-Expression: MIT" in meta
    assert "Classifier: Typing :: Typed" in meta
    assert "Classifier: Framework :: Jupyter :: JupyterLab" in meta
    assert "example.invalid" not in meta and "Project-URL" not in meta
    assert "[nbconvert.exporters]\nadoption_report = kit.report.exporter:ReportExporter" in entries
    # the demo needs no JupyterLab or pandera; they are extras (openpyxl stays: it reads the
    # rare sparse sheet calamine would expand to a whole grid)
    runtime = [line for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    for extra_only in ("jupyterlab", "pandera", "pytest"):
        assert not [r for r in runtime if extra_only in r and "extra ==" not in r], extra_only
    assert "Provides-Extra: lab" in meta and "Provides-Extra: test" in meta


def test_an_installed_wheel_copies_its_notebooks_out(wheel: Path, tmp_path: Path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    done = subprocess.run(
        [sys.executable, "-m", "kit", "notebooks", str(tmp_path / "mine")],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == [
        "data_quality.ipynb",
        "portfolio.ipynb",
        "team_assessment.ipynb",
    ]
    assert (tmp_path / "mine" / "portfolio.ipynb").read_bytes() == (
        site / "kit" / "_bundled" / "notebooks" / "portfolio.ipynb"
    ).read_bytes()
