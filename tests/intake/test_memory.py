"""Intake does not hold the export several times over (issue 18 item 2): the CSV parser reads
the file in blocks, each part drops its raw values once converted and its converted values
once its table is assembled, and Arrow allocates from a pool that returns freed pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

import kit.intake.readers as readers
import kit.intake.run as run
from kit._memory_pool import jemalloc_pool
from kit.intake import read_export
from kit.intake.readers import RawTable


def _export(folder: Path) -> Path:
    """Users with a malformed row, activities with a three-line note and an ambiguous
    day/month date settled by the users' day-first seat starts."""
    (folder / "users.csv").write_text(
        "user_id,name,team,role,seat_start\n"
        "u1,Ana,North,producer,25/01/2024\n"
        "u2,Ben,North,producer,extra,field\n"
        "u3,Cy,North,producer,13/02/2024\n"
    )
    (folder / "activities.csv").write_text(
        "activity_id,user_id,type,occurred_at,notes\n"
        'a1,u1,call,03/04/2024,"line one\nline two\nline three"\n'
        "a2,u1,fax,04/04/2024,\n"
        "a3,u3,call,05/04/2024,\n"
    )
    return folder


def test_parts_keep_their_bookkeeping_but_not_their_values(tmp_path: Path, monkeypatch) -> None:
    seen: dict[str, Any] = {}
    real_manifest = run.manifest

    def manifest_spy(results, *args, **kwargs):
        seen["manifest_parts"] = {t: list(r.parts) for t, r in results.items()}
        return real_manifest(results, *args, **kwargs)

    monkeypatch.setattr(run, "manifest", manifest_spy)
    ds = read_export(_export(tmp_path))
    parts = seen["manifest_parts"]
    for table, rows in (("users", 2), ("activities", 3)):
        (part,) = parts[table]
        assert part.raw.table.num_rows == 0, table  # no raw values kept
        assert part.rows == rows and part.raw.num_rows == rows
        assert all(len(c.values) == 0 and len(c.blank) == 0 for c in part.columns.values())
    # ... and everything computed from them is as before
    assert ds.manifest["tables"]["users"]["rows_read"] == 3
    assert ds.manifest["tables"]["activities"]["rows_read"] == 3
    assert [tuple(r) for r in ds.excluded_rows.itertuples(index=False)] == [
        (
            "users",
            "users.csv",
            3,
            "row has 6 fields but the header has 5 (a stray delimiter or quote)",
        ),
        ("activities", "activities.csv", 5, "unrecognized type 'fax'"),
    ]
    # the ambiguous activity dates were read again day-first after conversion
    assert ds["activities"]["occurred_at"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-04-03",
        "2024-04-05",
    ]
    assert any("activities.occurred_at read day-first" in o for o in ds.manifest["date_orders"])


def test_raw_table_without_values_keeps_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text('id,notes\n1,"a\nb"\n2,x,y\n3,z\n')
    source = readers.SourceFile("notes.csv", path, path.stat().st_size)
    raw = readers.read_unit(readers.Unit(source))
    light = raw.without_values()
    assert isinstance(light, RawTable)
    assert (light.table.num_rows, light.num_rows, light.rows_read) == (0, 2, 3)
    assert light.table.column_names == ["id", "notes"]
    assert light.row_numbers(np.array([0, 1])).tolist() == [2, 5]
    assert (
        light.malformed
        == raw.malformed
        == [(4, "row has 3 fields but the header has 2 (a stray delimiter or quote)")]
    )
    assert raw.table.num_rows == 2  # the original is untouched


def test_csv_is_parsed_from_the_file_not_from_a_buffer_of_all_of_it(
    tmp_path: Path, monkeypatch
) -> None:
    sources: list[Any] = []
    real = readers.pacsv.read_csv

    def spy(source, *args, **kwargs):
        sources.append(source)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(readers.pacsv, "read_csv", spy)
    ds = read_export(_export(tmp_path))
    assert len(ds["users"]) == 2
    assert sources and not any(isinstance(s, pa.BufferReader) for s in sources)


def test_intake_allocates_from_jemalloc_and_restores_the_pool(tmp_path: Path, monkeypatch) -> None:
    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow has no jemalloc")
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    before = pa.default_memory_pool().backend_name
    used: list[str] = []
    real = run.assemble

    def spy(*args, **kwargs):
        used.append(pa.default_memory_pool().backend_name)
        return real(*args, **kwargs)

    monkeypatch.setattr(run, "assemble", spy)
    read_export(_export(tmp_path))
    assert set(used) == {"jemalloc"}
    assert pa.default_memory_pool().backend_name == before


def test_a_pool_the_user_chose_is_kept(monkeypatch) -> None:
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "system")
    before = pa.default_memory_pool().backend_name
    with jemalloc_pool() as pool:
        assert pool.backend_name == before == pa.default_memory_pool().backend_name


def _amounts(path: Path, rows: int, late: str) -> readers.Unit:
    """A CSV of ``rows`` integer amounts (more than one 4 MB block) whose last amount is
    ``late``."""
    lines = [f"{i},{i % 1000}" for i in range(rows - 1)] + [f"{rows - 1},{late}"]
    path.write_text("id,amount\n" + "\n".join(lines) + "\n")
    return readers.Unit(readers.SourceFile(path.name, path, path.stat().st_size))


def test_csv_with_inferred_columns_is_read_block_by_block(tmp_path: Path, monkeypatch) -> None:
    whole: list[Any] = []
    real = readers.pacsv.read_csv
    monkeypatch.setattr(readers.pacsv, "read_csv", lambda *a, **k: whole.append(a) or real(*a, **k))
    raw = readers.read_unit(_amounts(tmp_path / "a.csv", 600_000, "7"), infer={"amount"})
    assert not whole  # every block fitted the first block's types
    assert raw.table.num_columns == 2 and raw.table.column("amount").num_chunks > 1
    assert raw.table.schema.field("amount").type == pa.int64()
    assert raw.table.column("amount").to_pylist()[-3:] == [997, 998, 7]


def test_a_later_block_that_changes_a_type_is_read_whole(tmp_path: Path, monkeypatch) -> None:
    whole: list[Any] = []
    real = readers.pacsv.read_csv
    monkeypatch.setattr(readers.pacsv, "read_csv", lambda *a, **k: whole.append(a) or real(*a, **k))
    raw = readers.read_unit(_amounts(tmp_path / "a.csv", 600_000, "12.5"), infer={"amount"})
    assert len(whole) == 1  # the streamed read stopped at the last block: read again whole
    assert raw.table.schema.field("amount").type == pa.float64()
    assert raw.table.column("amount").to_pylist()[-3:] == [997.0, 998.0, 12.5]
    assert raw.num_rows == 600_000 and raw.malformed == []


def test_source_columns_are_released_once_converted(tmp_path: Path, monkeypatch) -> None:
    released: dict[int, set[str]] = {}
    real = RawTable.release

    def spy(self: RawTable, names) -> None:
        names = list(names)
        released.setdefault(id(self), set()).update(
            n for n in names if n in self.table.column_names
        )
        real(self, names)

    monkeypatch.setattr(RawTable, "release", spy)
    export = _export(tmp_path)
    (export / "activities.csv").write_text(
        "activity_id,user_id,type,occurred_at,notes,unmapped\n"
        "a1,u1,call,03/04/2024,first,x\n"
        "a2,u1,fax,04/04/2024,,y\n"
        "a3,u3,call,05/04/2024,,z\n"
    )
    ds = read_export(export)
    # users: every column read once converted; activities: the ambiguous occurred_at is
    # kept to be read again day-first, the unmapped column dropped at once
    assert sorted(map(sorted, released.values())) == [
        ["activity_id", "notes", "type", "unmapped", "user_id"],
        ["name", "role", "seat_start", "team", "user_id"],
    ]
    assert ds["activities"]["occurred_at"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-04-03",
        "2024-04-05",
    ]
