"""``assess`` diagnoses the dataset it wrote, not intake's tables in memory: by the time the
diagnostics start, the dataset is on disk and intake's tables are gone."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

import kit.diagnostics.run
from kit.dataset import Dataset, partitions
from kit.runner import assess


class _Stop(Exception):
    """Ends the run once the diagnostics' input has been inspected."""


def test_the_diagnostics_read_the_written_dataset_with_intakes_tables_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = tmp_path / "export"
    export.mkdir()
    (export / "users.csv").write_text(
        "user_id,name,team,role\nu1,Ana,North,producer\nu2,Ben,South,producer\n"
    )
    (export / "activities.csv").write_text(
        "activity_id,user_id,type,occurred_at\n"
        "a1,u2,call,2024-06-20 10:00\na2,u1,call,2024-06-21 10:00\na3,ghost,call,2024-06-22 10:00\n"
    )
    seen: dict[str, object] = {}

    def inspect(dataset_dir: Path, **options: object) -> None:
        gc.collect()
        seen["live"] = [o for o in gc.get_objects() if isinstance(o, Dataset)]
        seen["partitions"] = partitions(dataset_dir)
        raise _Stop

    monkeypatch.setattr(kit.diagnostics.run, "diagnose_dataset", inspect)
    with pytest.raises(_Stop):
        assess(export, tmp_path / "out", workers=1, progress=False)
    assert seen["live"] == []  # intake's tables are no longer held
    assert seen["partitions"] == {}  # written whole: see write_dataset(by_team=...)
    assert not (tmp_path / "out").exists()  # a run stopped half-way leaves no folder


def test_a_dataset_folder_is_read_once_with_only_the_columns_the_diagnostics_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kit.steps
    from kit.intake import intake

    export = tmp_path / "export"
    export.mkdir()
    (export / "users.csv").write_text("user_id,name,team,role\nu1,Ana,North,producer\n")
    (export / "activities.csv").write_text(
        "activity_id,user_id,type,occurred_at,notes\na1,u1,call,2024-06-20 10:00,rang back\n"
    )
    intake(export, tmp_path / "dataset")
    reads: list[object] = []
    real_load = kit.steps.load_dataset

    def counted(*args: object, **kwargs: object) -> Dataset:
        reads.append(kwargs.get("columns"))
        return real_load(*args, **kwargs)  # type: ignore[arg-type]

    seen: dict[str, object] = {}

    def inspect(dataset: Dataset, **options: object) -> None:
        seen["activities"] = list(dataset["activities"].columns)
        raise _Stop

    monkeypatch.setattr(kit.steps, "load_dataset", counted)
    monkeypatch.setattr(kit.diagnostics.run, "diagnose", inspect)
    monkeypatch.setattr(kit.diagnostics.run, "diagnose_dataset", None)  # never called
    with pytest.raises(_Stop):
        assess(tmp_path / "dataset", tmp_path / "out", workers=1, progress=False)
    assert len(reads) == 1 and reads[0] is not None
    assert "notes" not in seen["activities"] and "occurred_at" in seen["activities"]
