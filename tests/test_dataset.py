from __future__ import annotations

from kit.dataset import Dataset, load_dataset, write_dataset
from tests.tables import canonical


def test_load_only_the_tables_asked_for(tmp_path):
    users = canonical("users", [{"user_id": "u1", "name": "Ana", "team": "North"}])
    contacts = canonical("contacts", [{"contact_id": "c1", "owner_id": "u1"}])
    write_dataset(
        Dataset({"users": users, "contacts": contacts}, manifest={"kit_version": "x"}),
        tmp_path / "ds",
    )
    assert sorted(load_dataset(tmp_path / "ds").tables) == ["contacts", "users"]
    assert sorted(load_dataset(tmp_path / "ds", tables=["users"]).tables) == ["users"]
    bare = load_dataset(tmp_path / "ds", tables=())
    assert bare.tables == {}
    assert bare.manifest == {"kit_version": "x"}
    assert list(bare.excluded_rows.columns) == list(Dataset({}).excluded_rows.columns)


# ------------------------------------------------------------------ team partitions
import json  # noqa: E402

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from kit.dataset import load_team, partitions  # noqa: E402
from kit.exceptions import InputError  # noqa: E402


def _organization() -> Dataset:
    """North (u1, u3), South (u2), u4 with no team; rows of every kind of owner, interleaved."""
    users = canonical(
        "users",
        [
            {"user_id": "u1", "name": "Ana", "team": "North", "role": "producer"},
            {"user_id": "u2", "name": "Ben", "team": "South", "role": "producer"},
            {"user_id": "u3", "name": "Cy", "team": "North", "role": "manager"},
            {"user_id": "u4", "name": "Dee", "team": None, "role": "producer"},
            {"user_id": "u5", "name": "Eve", "team": "West", "role": "producer"},
        ],
    )
    contacts = canonical(
        "contacts",
        [
            {"contact_id": "c1", "owner_id": "u2"},
            {"contact_id": "c2", "owner_id": "u1"},
            {"contact_id": "c3", "owner_id": "ghost"},  # not a CRM user
            {"contact_id": "c4", "owner_id": None},  # no owner
            {"contact_id": "c5", "owner_id": "u3"},
            {"contact_id": "c6", "owner_id": "u4"},  # owner with no team
        ],
    )
    loans = canonical(
        "opportunities",
        [
            {"opportunity_id": "o1", "owner_id": "u1"},
            {"opportunity_id": "o2", "owner_id": "u2"},
            {"opportunity_id": "o3", "owner_id": "nobody"},
        ],
    )
    history = canonical(
        "stage_history",
        [
            {"opportunity_id": "o2", "changed_by": "u1"},
            {"opportunity_id": "o1", "changed_by": "u2"},
            {"opportunity_id": "o9", "changed_by": "u1"},  # a loan not in the export
            {"opportunity_id": "o3"},
        ],
    )
    activities = canonical(
        "activities",
        [
            {"activity_id": f"a{i}", "user_id": user}
            for i, user in enumerate(["u2", "u1", None, "u1", "u4", "u3", "zz", "u2"])
        ],
    )
    return Dataset(
        {
            "users": users,
            "contacts": contacts,
            "opportunities": loans,
            "stage_history": history,
            "activities": activities,
        },
        manifest={"kit_version": "x"},
    )


def test_partitioned_tables_have_one_row_group_per_team_and_read_back_in_order(tmp_path):
    ds = _organization()
    write_dataset(ds, tmp_path / "ds", by_team=True)
    assert partitions(tmp_path / "ds") == {
        "contacts": [("North", 2), ("South", 1), (None, 3)],
        "opportunities": [("North", 1), ("South", 1), (None, 1)],
        "stage_history": [("North", 1), ("South", 1), (None, 2)],
        "activities": [("North", 3), ("South", 2), (None, 3)],
    }
    import pyarrow.parquet as pq

    file = pq.ParquetFile(tmp_path / "ds" / "tables" / "activities.parquet")
    assert file.metadata.num_row_groups == 3
    assert file.read_row_group(0).column("activity_id").to_pylist() == ["a1", "a3", "a5"]
    back = load_dataset(tmp_path / "ds")
    before = load_dataset(_old_layout(ds, tmp_path / "old"))
    for name in ds.tables:  # intake's order, as the previous layout read back; no _row
        pd.testing.assert_frame_equal(back[name], before[name], check_exact=True)
        assert back[name][
            "user_id" if name == "activities" else back[name].columns[0]
        ].tolist() == (
            ds[name]["user_id" if name == "activities" else back[name].columns[0]].tolist()
        )
    assert back.manifest == {"kit_version": "x"}


def test_load_team_reads_one_team_alone(tmp_path):
    write_dataset(_organization(), tmp_path / "ds", by_team=True)
    north = load_team(tmp_path / "ds", "North")
    assert north["contacts"]["contact_id"].tolist() == ["c2", "c5"]
    assert north["activities"]["activity_id"].tolist() == ["a1", "a3", "a5"]
    assert north["stage_history"]["opportunity_id"].tolist() == ["o1"]
    assert len(north["users"]) == 5  # users are never partitioned
    nobody = load_team(tmp_path / "ds", None)  # no team, blank or unknown user
    assert nobody["contacts"]["contact_id"].tolist() == ["c3", "c4", "c6"]
    assert nobody["activities"]["activity_id"].tolist() == ["a2", "a4", "a6"]
    assert nobody["stage_history"]["opportunity_id"].tolist() == ["o9", "o3"]
    west = load_team(tmp_path / "ds", "West", columns={"activities": ["user_id"]})
    assert len(west["activities"]) == 0  # a team with no rows: empty, canonical dtypes
    assert list(west["activities"].columns) == ["user_id"]
    assert str(west["contacts"]["created_at"].dtype) == "datetime64[us]"


def _old_layout(ds: Dataset, folder):
    """``ds`` written as the previous version did: one plain Parquet file per table."""
    (folder / "tables").mkdir(parents=True)
    for name, frame in ds.tables.items():
        frame.to_parquet(folder / "tables" / f"{name}.parquet", index=False)
    ds.excluded_rows.to_parquet(folder / "excluded_rows.parquet", index=False)
    ds.quality_facts.to_parquet(folder / "quality_facts.parquet", index=False)
    (folder / "manifest.json").write_text(json.dumps(ds.manifest))
    return folder


def test_dataset_written_before_partitions_still_loads(tmp_path):
    ds = _organization()
    folder = _old_layout(ds, tmp_path / "old")
    back = load_dataset(folder)
    for name, frame in ds.tables.items():
        pd.testing.assert_frame_equal(
            back[name], frame, check_exact=True, check_dtype=False, check_categorical=False
        )
    assert partitions(folder) == {}
    with pytest.raises(InputError, match="was not written by team"):
        load_team(folder, "North")


@pytest.mark.parametrize("by_team", [False, True])
def test_text_columns_read_as_categoricals_hold_the_same_values(tmp_path, by_team):
    ds = _organization()
    write_dataset(ds, tmp_path / "ds", by_team=by_team)
    back = load_dataset(
        tmp_path / "ds", categories={"activities": ["user_id", "type", "outcome", "absent"]}
    )
    acts = back.tables["activities"]
    assert isinstance(acts["user_id"].dtype, pd.CategoricalDtype)
    assert acts["user_id"].astype(object).where(acts["user_id"].notna(), None).tolist() == [
        "u2",
        "u1",
        None,
        "u1",
        "u4",
        "u3",
        "zz",
        "u2",
    ]
    assert sorted(acts["user_id"].cat.categories) == ["u1", "u2", "u3", "u4", "zz"]
    assert isinstance(acts["outcome"].dtype, pd.CategoricalDtype)  # all blank: no category
    assert acts["outcome"].isna().all() and len(acts["outcome"].cat.categories) == 0
    assert str(acts["activity_id"].dtype) == "str"  # not asked for: canonical dtype
    assert str(back.tables["contacts"]["owner_id"].dtype) == "str"  # other tables untouched
