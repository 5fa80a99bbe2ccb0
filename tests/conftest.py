"""Shared fixtures: small deterministic tables of the canonical model."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.tables import canonical

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"

__all__ = ["REALDATA", "canonical", "same_pages"]


@pytest.fixture
def users() -> pd.DataFrame:
    return canonical(
        "users",
        [
            {"user_id": "u1", "name": "Ana Ruiz", "team": "North", "role": "producer"},
            {"user_id": "u2", "name": "Ben Okafor", "team": "North", "role": "producer"},
            {"user_id": "m1", "name": "Cara Lind", "team": "North", "role": "manager"},
        ],
    )


@pytest.fixture(scope="session")
def demo_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo's complete report folder (``adoption-kit demo``), built once per session.

    Slow (the whole assessment); shared so the tests that need real rendered reports pay for
    it once.
    """
    from kit.runner import run_demo

    out = tmp_path_factory.mktemp("demo-reports") / "demo"
    run_demo(out, scale="small", progress=False)
    return out


@pytest.fixture(scope="session")
def small_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo's CSV export (seed 7), written once per session."""
    from kit.demo.organization import write_export

    return write_export(tmp_path_factory.mktemp("small-export") / "export", scale="small", seed=7)


@pytest.fixture(scope="session")
def small_assessed(tmp_path_factory: pytest.TempPathFactory, small_export: Path) -> Path:
    """``assess`` of :func:`small_export` on the local executor (two worker processes): what
    the step-by-step commands and the Dask executor must reproduce."""
    from kit.runner import assess

    out = tmp_path_factory.mktemp("small-assessed") / "reports"
    assess(small_export, out, workers=2, progress=False)
    return out


def same_pages(first: Path, second: Path) -> list[str]:
    """The files of report folder ``first`` missing from ``second`` or different there, but
    ``run.json`` and the audit notebooks (which record when and where they ran)."""
    names = [
        p.relative_to(first).as_posix()
        for p in sorted(first.rglob("*"))
        if p.is_file() and p.name != "run.json" and p.parent.name != "notebooks"
    ]
    assert names, f"{first} has no files"
    return [
        n
        for n in names
        if not (second / n).is_file() or (first / n).read_bytes() != (second / n).read_bytes()
    ]
