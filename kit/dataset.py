"""The assessment dataset: canonical tables as typed Parquet, plus what intake recorded.

Layout of a dataset folder::

    manifest.json            sources, checksums, row counts, mapping, kit version, warnings
    tables/<table>.parquet   one file per canonical table present in the export
    excluded_rows.parquet    every input row not kept: table, source file, row number, reason
    quality_facts.parquet    data-quality facts found at intake (nulls, bad vocabulary, ...)

Examples
--------
>>> import tempfile, pathlib
>>> from kit.schema import empty_table
>>> d = pathlib.Path(tempfile.mkdtemp()) / "ds"
>>> _ = write_dataset(Dataset(tables={"users": empty_table("users")}), d)
>>> sorted(load_dataset(d).tables)
['users']
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kit._atomic import atomic_dir
from kit.exceptions import InputError
from kit.schema import TABLES

__all__ = [
    "EXCLUDED_COLUMNS",
    "FACT_COLUMNS",
    "Dataset",
    "is_dataset",
    "load_dataset",
    "write_dataset",
]

#: Columns of ``excluded_rows``: which input row was left out and why.
EXCLUDED_COLUMNS: tuple[str, ...] = ("table", "source_file", "row_number", "reason")
#: Columns of ``quality_facts``: one row per (table, field, issue) found at intake.
FACT_COLUMNS: tuple[str, ...] = ("table", "field", "issue", "count", "examples")


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    """An empty frame of ``columns``: counts and row numbers are integers, the rest text."""
    integer = {"count", "row_number"}
    return pd.DataFrame({c: pd.Series(dtype="int64" if c in integer else "str") for c in columns})


@dataclass
class Dataset:
    """Canonical tables of one organization's export, ready for diagnostics.

    Attributes
    ----------
    tables
        Table name to DataFrame, only for the tables the export provided.
    excluded_rows
        Input rows intake did not keep, with the reason (columns :data:`EXCLUDED_COLUMNS`).
    quality_facts
        Data-quality facts found at intake (columns :data:`FACT_COLUMNS`).
    manifest
        What intake read and did (sources, checksums, counts, mapping, version, warnings).
    """

    tables: dict[str, pd.DataFrame]
    excluded_rows: pd.DataFrame = field(default_factory=lambda: _empty(EXCLUDED_COLUMNS))
    quality_facts: pd.DataFrame = field(default_factory=lambda: _empty(FACT_COLUMNS))
    manifest: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def has(self, name: str) -> bool:
        """Whether the export provided table ``name`` (possibly with zero rows)."""
        return name in self.tables


def is_dataset(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a dataset folder written by :func:`write_dataset`."""
    p = Path(path)
    return (p / "manifest.json").is_file() and (p / "tables").is_dir()


def write_dataset(dataset: Dataset, path: str | os.PathLike[str], *, replace: bool = False) -> Path:
    """Write ``dataset`` to folder ``path`` atomically (all of it or nothing)."""
    path = Path(path)
    with atomic_dir(path, replace=replace) as tmp:
        (tmp / "tables").mkdir()
        for name, frame in dataset.tables.items():
            if name not in TABLES:
                raise InputError(f"unknown table {name!r}; known tables: {', '.join(TABLES)}")
            frame.to_parquet(tmp / "tables" / f"{name}.parquet", index=False)
        dataset.excluded_rows.to_parquet(tmp / "excluded_rows.parquet", index=False)
        dataset.quality_facts.to_parquet(tmp / "quality_facts.parquet", index=False)
        (tmp / "manifest.json").write_text(
            json.dumps(dataset.manifest, indent=2, sort_keys=True, default=str) + "\n",
            encoding="utf-8",
        )
    return path


def _conform(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Give every canonical column its canonical dtype (Parquet loses it for empty ones)."""
    wrong = {
        c: dtype
        for c, dtype in TABLES[name].dtypes.items()
        if c in frame.columns and str(frame[c].dtype) != str(dtype)
    }
    return frame.astype(wrong) if wrong else frame


def load_dataset(path: str | os.PathLike[str], *, tables: Iterable[str] | None = None) -> Dataset:
    """Read a dataset folder written by intake.

    ``tables`` reads only those tables (default: all); ``tables=()`` reads just the
    manifest, excluded rows and quality facts, which is all the data-quality appendix shows.

    Raises
    ------
    InputError
        If ``path`` is not a dataset folder.
    """
    path = Path(path)
    if not is_dataset(path):
        raise InputError(
            f"{path} is not an assessment dataset (no manifest.json and tables/). "
            "Create one with: adoption-kit intake EXPORT --out DATASET_DIR"
        )
    wanted = set(TABLES) if tables is None else set(tables) & set(TABLES)
    frames = {
        p.stem: _conform(p.stem, pd.read_parquet(p))
        for p in sorted((path / "tables").glob("*.parquet"))
        if p.stem in wanted
    }
    return Dataset(
        tables=frames,
        excluded_rows=pd.read_parquet(path / "excluded_rows.parquet"),
        quality_facts=pd.read_parquet(path / "quality_facts.parquet"),
        manifest=json.loads((path / "manifest.json").read_text(encoding="utf-8")),
    )
