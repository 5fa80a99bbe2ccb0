"""Shared fixtures: small deterministic tables of the canonical model."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kit.schema import TABLES

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


def canonical(name: str, rows: list[dict[str, object]]) -> pd.DataFrame:
    """Build table ``name`` from ``rows`` with every canonical column and dtype.

    Columns absent from ``rows`` are filled with blanks, so fixtures list only what a test
    is about.
    """
    table = TABLES[name]
    frame = pd.DataFrame(rows, columns=[f.name for f in table.fields])
    for f in table.fields:
        if f.kind == "datetime":
            frame[f.name] = pd.to_datetime(frame[f.name]).astype("datetime64[us]")
        elif f.kind == "category":
            frame[f.name] = frame[f.name].astype("str").astype("category")
        else:
            frame[f.name] = frame[f.name].astype(f.dtype)
    return frame


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
