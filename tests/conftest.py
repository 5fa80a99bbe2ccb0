"""Shared fixtures: small deterministic tables of the canonical model."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.tables import canonical

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"

__all__ = ["REALDATA", "canonical"]


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
