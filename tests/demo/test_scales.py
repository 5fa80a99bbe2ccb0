"""The demo's scales: xlarge's declared sizes and unique names, the export streamed part by
part (byte for byte what writing the tables at once gives), and the older scales unchanged.

No test generates xlarge itself (tens of GB of work): its per-team generation is checked on
a few teams of the same kind (``per_team``), and its people on its roster alone.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
import pytest
from click.testing import CliRunner

from kit.cli import cli
from kit.demo import SCALES, team_stories, text
from kit.demo import organization as demo
from kit.intake import read_export
from kit.schema import TABLES

#: sha256 of every file of the small export, seed 7, as written before the export was
#: streamed (and of the export as it stood on the baseline day): streaming changed no byte.
SMALL_DIGESTS = {
    "activities.csv": "d3adb0d50a0b662ca459b990ece05e99abfcaad55e294a915ed1e85cf3fc9fe5",
    "campaigns.csv": "799c0444cd682a8f87eb843a6b8fa5b93e142d485e36e56d687305d3b2736068",
    "contacts.csv": "741daa898c9f72a082b9e06cd1b7d7fcc1dbae9a623a495068cd70872a7403f3",
    "logins.csv": "e19765fb64df0369eb54d00b1b0b458dfa9eab7d1587634f905021d46f224605",
    "los_loans.csv": "5abbfd2e19eefc58a0520878d90d56767a340052ceed02f6ca36dc2db461ade4",
    "opportunities.csv": "e8c1e486be0139fa9dd16fc40d99404af7ad0f098b34849cfc554c51131b53ce",
    "stage_history.csv": "1da7fc07987f523676e49622c560899611c8dcebe96d48b8ccbddd04ca9a7b04",
    "users.csv": "fd8f226e93c024e8e1ba17bbf2c6d763963126cd6049ef91606ffc71bad29530",
}
SMALL_BASELINE_DIGESTS = {
    **SMALL_DIGESTS,
    "activities.csv": "6905d841e759832718240c989fc2a97ba68a9edc346aa07b636b2a5d6b5d89ec",
    "contacts.csv": "79148dbb9e08001c3f1306ed986bfbc2c6523d4cf00eb95e46a719aa6f22b453",
    "logins.csv": "a43e982b2768c31b087fb34bbf801a325bc701036be1cba7cd367e6f53804dff",
    "los_loans.csv": "8b5755fefa86c97ed59edb41a8b32ebd4c09f87a2676d294478d46424025dfbe",
    "opportunities.csv": "a5af93920564129a372ea7b725f7678e7a3d0040a60c8100423bb25fd9b9738e",
    "stage_history.csv": "553b5d73534b0d1ee6889a425037dccb7a9a417f6129e71c16236d9eebe26075",
}


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))
    }


def _tiny(teams: int) -> dict:
    """A few small teams generated the way xlarge is (per team, streamed)."""
    return {
        **SCALES["xlarge"],
        "teams": teams,
        "producers": 3 + 2 * (teams - 1),
        "team_sizes": (3, 2),
        "leads_per_producer_year": 40,
        "past_clients_per_producer": 10,
        "partners_per_producer": 4,
    }


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(SCALES, "tiny3", _tiny(3))
    monkeypatch.setitem(SCALES, "tiny4", _tiny(4))
    return "tiny4"


def _read(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False, na_values=[""])


# ------------------------------------------------------------------------------ xlarge
def test_xlarge_declares_550_teams_of_5500_producers_streamed_per_team() -> None:
    xl = SCALES["xlarge"]
    assert (xl["teams"], xl["producers"], xl["team_sizes"]) == (550, 5500, (11, 10, 9, 10, 10))
    assert xl["per_team"] is True
    # the volumes per producer of the large scale (2.37M activities for 570 producers)
    large = SCALES["large"]
    keys = ("leads_per_producer_year", "past_clients_per_producer", "partners_per_producer")
    assert [xl[k] for k in keys] == [large[k] for k in keys]
    assert xl["id_digits"] == {"contact": 7, "opportunity": 7, "activity": 8}
    stories = team_stories("xlarge")
    assert len(stories) == 552
    assert Counter(stories.values()) == {
        "disciplined": 110,
        "lapsed": 110,
        "never_adopted": 110,
        "partial": 110,
        "mixed": 110,
        "responds": 1,
        "ignores": 1,
    }
    assert list(stories)[:6] == [
        "Cedar Ridge 001",
        "Lakeshore 001",
        "Old Mill 001",
        "Pine Hollow 001",
        "Riverbend 001",
        "Cedar Ridge 002",
    ]
    assert list(stories)[549:] == ["Riverbend 110", "Harbor Point", "Stonebridge"]


def test_xlarge_roster_names_every_team_and_person_once() -> None:
    org, extra = demo._roster("xlarge", 7)
    assert org.n_producers == 5500 and extra.n_producers == 20
    names = np.concatenate([org.user_names, extra.user_names])
    ids = np.concatenate([org.user_ids, extra.user_ids])
    assert len(names) == len(ids) == 550 * 12 + 275 + 2 * 12 + 1  # managers, processors...
    assert len(set(names)) == len(names)
    assert len(set(ids)) == len(ids) and "U9999" not in set(ids)  # U9999: the deleted user
    teams = org.team_names + extra.team_names
    assert len(set(teams)) == len(teams) == 552
    surnames = {n.split(" ", 1)[1] for n in extra.user_names}
    assert surnames <= set(text.MORE_LAST_NAMES)


def test_the_phone_numbers_outnumber_xlarge_people() -> None:
    # about 4,600 contacts per large team, 1% of them a person entered twice
    assert not set(text.MORE_AREA_CODES) & set(text.AREA_CODES)
    assert len(set(text.MORE_AREA_CODES)) == len(text.MORE_AREA_CODES)
    people = 552 * 4_600
    assert (len(text.AREA_CODES) + len(text.MORE_AREA_CODES)) * 10_000 > 1.1 * people


# ------------------------------------------------------------------------------ streaming
def test_small_export_streamed_is_byte_identical_to_before(tmp_path: Path) -> None:
    assert _digests(demo.write_export(tmp_path / "now")) == SMALL_DIGESTS
    baseline = demo.write_export(tmp_path / "then", as_of=demo.REQUIREMENT["baseline_as_of"])
    assert _digests(baseline) == SMALL_BASELINE_DIGESTS


@pytest.mark.parametrize("scale", ["small", "tiny4"])
def test_streamed_export_equals_the_tables_written_at_once(
    tmp_path: Path, tiny: str, scale: str
) -> None:
    streamed = demo.write_export(tmp_path / "streamed", scale=scale)
    tables, _ = demo._build(scale, 7)
    at_once = tmp_path / "at_once"
    at_once.mkdir()
    for name, table in tables.items():
        pacsv.write_csv(table, at_once / f"{name}.csv")
    assert _digests(streamed) == _digests(at_once)
    assert set(_digests(streamed)) == {f"{name}.csv" for name in TABLES}


def test_the_per_team_scale_is_generated_one_team_at_a_time(tiny: str) -> None:
    parts = demo._parts(SCALES["tiny4"], 7)  # a generator: one part in memory at a time
    teams = [tuple(part.org.team_names) for part in parts]
    assert teams == [
        ("Cedar Ridge",),
        ("Lakeshore",),
        ("Old Mill",),
        ("Pine Hollow",),
        ("Harbor Point", "Stonebridge"),
    ]


def test_people_and_records_are_unique_across_teams(tmp_path: Path, tiny: str) -> None:
    out = demo.write_export(tmp_path / "demo", scale="tiny4")
    contacts, users = _read(out, "contacts"), _read(out, "users")
    team = contacts["owner_id"].map(users.set_index("user_id")["team"])
    email = contacts["email"].str.strip().str.lower()
    email = email.where(email.str.contains("@", regex=False))
    phone = contacts["phone"].str.replace(r"\D", "", regex=True).str[-10:]
    phone = phone.where(phone.str.len() == 10)
    for key in (email, phone):
        known = key.notna() & team.notna()
        teams_per_person = team[known].groupby(key[known]).nunique()
        assert len(teams_per_person) > 500
        assert (teams_per_person == 1).all()  # the same person is only ever one team's
    widths = {"contacts": ("contact_id", 8), "opportunities": ("opportunity_id", 8)}
    widths["activities"] = ("activity_id", 9)
    for table, (column, width) in widths.items():
        ids = _read(out, table)[column]
        assert ids.is_unique and (ids.str.len() == width).all(), table
    loans = _read(out, "los_loans")["loan_number"]
    assert loans.is_unique
    ids = set(contacts["contact_id"])
    activities = _read(out, "activities")
    orphans = activities["contact_id"].notna() & ~activities["contact_id"].isin(ids)
    assert 0 < orphans.sum() < 0.01 * len(activities)  # deleted contacts, never another's


def test_per_team_export_intakes(tmp_path: Path, tiny: str) -> None:
    out = demo.write_export(tmp_path / "demo", scale="tiny4")
    ds = read_export(out)
    assert ds["users"]["team"].nunique() == 6
    rows_read = {s["path"]: s["rows_read"] for s in ds.manifest["sources"]}
    assert rows_read["activities.csv"] == len(_read(out, "activities"))


# ------------------------------------------------------------------------------ command line
def test_cli_offers_every_scale() -> None:
    for command in ("demo-data", "demo"):
        result = CliRunner().invoke(cli, [command, "--help"])
        assert "[small|medium|large|xlarge]" in result.output, command
    assert list(SCALES) == ["small", "medium", "large", "xlarge"]
    result = CliRunner().invoke(cli, ["demo-data", "out", "--scale", "huge"])
    assert result.exit_code == 2 and "'huge' is not one of" in result.output


def test_the_command_line_reads_the_scales_without_numpy_or_pandas() -> None:
    code = (
        "import sys, kit.cli; "
        "print(sorted(m for m in ('numpy', 'pandas', 'pyarrow', 'kit.demo.organization') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
