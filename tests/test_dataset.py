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
