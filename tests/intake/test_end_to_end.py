"""End-to-end intake of the demo export and of the real Maven CRM export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kit import load_dataset
from kit.demo import write_export
from kit.intake import intake, read_export
from kit.schema import TABLES, validate_table

ROOT = Path(__file__).resolve().parents[2]
MAVEN = ROOT.parent / "shared" / "realdata" / "maven-crm"


@pytest.fixture(scope="module")
def demo_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_export(tmp_path_factory.mktemp("demo") / "export", scale="small", seed=7)


def test_small_demo_export_intakes_into_valid_tables(demo_export: Path) -> None:
    ds = read_export(demo_export)
    assert set(ds.tables) == set(TABLES)
    for name, frame in ds.tables.items():
        assert list(frame.columns) == [f.name for f in TABLES[name].fields]
        validate_table(name, frame)
        assert len(frame) > 0, name
    manifest = ds.manifest
    excluded = ds.excluded_rows
    for name, counts in manifest["tables"].items():
        assert counts["rows_read"] == counts["rows_kept"] + counts["rows_excluded"], name
        assert counts["rows_kept"] == len(ds[name])
        assert counts["rows_excluded"] == int((excluded["table"] == name).sum())
    # every data row of every CSV is read: lines minus the header (no cell spans lines)
    for source in manifest["sources"]:
        path = demo_export / source["path"]
        assert source["rows_read"] == len(path.read_text(encoding="utf-8").splitlines()) - 1
    assert manifest["engagement"]["client"]
    assert {"launch_date", "as_of", "seat_cost_per_month"} <= set(manifest["engagement"])
    json.dumps(manifest)


def test_demo_vocabulary_variants_are_understood(demo_export: Path) -> None:
    ds = read_export(demo_export)
    stages = ds["opportunities"]["stage"]
    # every kept stage is a canonical code; the few misspellings are excluded and recorded
    assert set(stages.dropna().unique()) <= set(TABLES["opportunities"].field("stage").vocabulary)
    bad = ds.excluded_rows[ds.excluded_rows["table"] == "opportunities"]
    facts = ds.quality_facts
    invalid = facts[(facts["table"] == "opportunities") & (facts["field"] == "stage")]
    assert int(invalid["count"].sum()) == len(bad)
    assert ds["activities"]["automated"].notna().all()


@pytest.mark.slow
def test_demo_via_the_cli_writes_a_loadable_dataset(demo_export: Path, tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    result = subprocess.run(
        [sys.executable, "-m", "kit", "intake", str(demo_export), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "activities" in result.stdout and f"Written to {out}" in result.stdout
    loaded = load_dataset(out)
    assert set(loaded.tables) == set(TABLES)
    for name, frame in loaded.tables.items():
        validate_table(name, frame)


@pytest.mark.realdata
@pytest.mark.skipif(not MAVEN.is_dir(), reason="../shared/realdata/maven-crm is not present")
def test_maven_crm_export_through_the_example_mapping(tmp_path: Path) -> None:
    report = intake(
        MAVEN, tmp_path / "maven", mapping=ROOT / "examples" / "mappings" / "maven-crm.yaml"
    )
    ds = report.dataset
    assert set(ds.tables) == {"users", "opportunities"}
    assert ds.manifest["tables_not_provided"] == [
        "contacts",
        "stage_history",
        "activities",
        "campaigns",
        "los_loans",
        "logins",
    ]
    users = ds["users"]
    assert len(users) == 35
    assert set(users["role"]) == {"producer"}
    assert users["team"].nunique() == 6  # the six managers
    opps = ds["opportunities"]
    tables = ds.manifest["tables"]
    assert tables["opportunities"]["rows_read"] == 8800
    # the 500 Prospecting deals with no engage_date cannot be dated: excluded, each listed
    assert tables["opportunities"]["rows_excluded"] == 500
    assert set(ds.excluded_rows["reason"]) == {"blank created_at"}
    assert len(opps) == 8300
    # every Prospecting deal is one of the 500 undated ones, so no new lead is left
    assert set(opps["stage"].unique()) == {"application", "funded", "lost"}
    assert set(opps["status"].unique()) == {"open", "won", "lost"}
    assert (opps.loc[opps["stage"] == "funded", "status"] == "won").all()
    assert opps["created_at"].min().year == 2016
    facts = ds.quality_facts.set_index(["table", "field", "issue"])["count"]
    assert facts[("opportunities", "contact_id", "missing")] > 0  # blank accounts
    assert facts[("opportunities", "created_at", "blank_required")] == 500
    for name, frame in ds.tables.items():
        validate_table(name, frame)
    warnings = " ".join(ds.manifest["warnings"])
    assert "accounts.csv" in warnings and "products.csv" in warnings
    source = next(s for s in ds.manifest["sources"] if s["path"] == "sales_pipeline.csv")
    assert source["unused_columns"] == ["product"]
