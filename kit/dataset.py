"""The assessment dataset: canonical tables as typed Parquet, plus what intake recorded.

Layout of a dataset folder::

    manifest.json            sources, checksums, row counts, mapping, kit version, warnings
    partitions.json          with by_team only: which row group holds which team (below)
    tables/<table>.parquet   one file per canonical table present in the export
    excluded_rows.parquet    every input row not kept: table, source file, row number, reason
    quality_facts.parquet    data-quality facts found at intake (nulls, bad vocabulary, ...)

Team partitions
---------------
Written with ``write_dataset(..., by_team=True)`` (off by default: see its docstring for the
measured cost), the tables whose rows belong to a CRM user (:data:`PARTITIONED`: activities,
contacts, loans, stage history, LOS loans, logins) are written sorted stably by the team of
that user (the activity's user, the contact's or loan's owner, the stage change's loan
owner, the LOS loan's officer, the login's user), one Parquet row group per team, teams in
name order. Rows whose user has no team, is blank or is not a CRM user form one more
partition, last (team ``null``): they are kept and counted exactly as before.
``partitions.json`` lists, per table, the row groups in order as ``{"team": name or null,
"rows": n}`` (a team with no rows in a table has no row group there). A hidden column
``_row`` holds each row's position in the table as intake produced it: :func:`load_dataset`
gives the rows back in that order, so a dataset reads back exactly as it was written, and
:func:`load_team` reads one team's rows alone (in the same relative order) without touching
the others. ``users`` and ``campaigns`` are small and never partitioned. Datasets written
before partitions existed (no ``partitions.json``, one plain file per table) still load.

Examples
--------
>>> import tempfile, pathlib
>>> from kit.schema import empty_table
>>> d = pathlib.Path(tempfile.mkdtemp()) / "ds"
>>> _ = write_dataset(Dataset(tables={"users": empty_table("users")}), d)
>>> sorted(load_dataset(d).tables)
['users']
>>> partitions(d)
{}
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from kit._atomic import atomic_dir
from kit._memory_pool import jemalloc_pool
from kit.exceptions import InputError
from kit.schema import TABLES

__all__ = [
    "EXCLUDED_COLUMNS",
    "FACT_COLUMNS",
    "PARTITIONED",
    "Dataset",
    "is_dataset",
    "load_dataset",
    "load_team",
    "partitions",
    "write_dataset",
]

#: Columns of ``excluded_rows``: which input row was left out and why.
EXCLUDED_COLUMNS: tuple[str, ...] = ("table", "source_file", "row_number", "reason")
#: Columns of ``quality_facts``: one row per (table, field, issue) found at intake.
FACT_COLUMNS: tuple[str, ...] = ("table", "field", "issue", "count", "examples")
#: Tables written one row group per team, and the column naming the user whose team a row
#: belongs to (stage history: the team of its loan's owner).
PARTITIONED: dict[str, str] = {
    "contacts": "owner_id",
    "opportunities": "owner_id",
    "stage_history": "opportunity_id",
    "activities": "user_id",
    "los_loans": "officer_id",
    "logins": "user_id",
}
_ROW = "_row"
_INDEX = "partitions.json"


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


def _text_array(values: pd.Series) -> pa.Array:
    """``values`` as a large-string arrow array (blank stays null)."""
    if isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object:
        values = values.astype("str")
    arr = pa.array(values)
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return pc.cast(arr, pa.large_string())


def _positions(keys: pd.Series, values: pd.Series) -> np.ndarray:
    """Position of each of ``values`` among ``keys`` (first match; -1: blank or unknown)."""
    if not len(values):
        return np.empty(0, dtype="int64")
    found = pc.index_in(_text_array(values), value_set=_text_array(keys))
    return pc.fill_null(found, -1).to_numpy().astype("int64")


def _partition_codes(
    tables: dict[str, pd.DataFrame],
) -> tuple[list[str | None], dict[str, np.ndarray]]:
    """Partition labels (team names in order, then ``None``) and each partitioned table's
    partition code per row (the last code: no team, blank or unknown user)."""
    users = tables.get("users")
    if users is None:
        return [None], {}
    team = users["team"].astype("str")
    names = sorted({str(t) for t in team.dropna()})
    labels: list[str | None] = [*names, None]
    none = len(names)
    user_code = np.append(
        pd.Index(names).get_indexer(team.astype(object).where(team.notna(), None)), -1
    )
    user_code = np.where(user_code < 0, none, user_code)  # index -1: an unknown user
    codes: dict[str, np.ndarray] = {}
    for name, column in PARTITIONED.items():
        frame = tables.get(name)
        if frame is None or name == "stage_history":
            continue
        codes[name] = user_code[_positions(users["user_id"], frame[column])]
    history = tables.get("stage_history")
    if history is not None:
        loans = tables.get("opportunities")
        if loans is None:
            codes["stage_history"] = np.full(len(history), none, dtype="int64")
        else:
            loan_code = np.append(codes["opportunities"], none)
            codes["stage_history"] = loan_code[
                _positions(loans["opportunity_id"], history["opportunity_id"])
            ]
    return labels, codes


def _write_partitioned(
    frame: pd.DataFrame, codes: np.ndarray, labels: list[str | None], path: Path
) -> list[dict[str, Any]]:
    """Write ``frame`` sorted stably by partition, one row group per partition, with each
    row's original position in ``_row``; return the row groups' index entries."""
    order = np.argsort(codes, kind="stable")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    schema = table.schema.append(pa.field(_ROW, pa.int64())).with_metadata(table.schema.metadata)
    counts = np.bincount(codes, minlength=len(labels))
    groups = []
    with pq.ParquetWriter(path, schema) as writer:
        start = 0
        for label, n in zip(labels, counts, strict=True):
            if not n:
                continue
            rows = order[start : start + int(n)]  # one partition at a time: little memory
            part = table.take(pa.array(rows)).append_column(_ROW, pa.array(rows, pa.int64()))
            writer.write_table(part.replace_schema_metadata(schema.metadata), row_group_size=int(n))
            groups.append({"team": label, "rows": int(n)})
            start += int(n)
    return groups


def write_dataset(
    dataset: Dataset,
    path: str | os.PathLike[str],
    *,
    replace: bool = False,
    by_team: bool = False,
) -> Path:
    """Write ``dataset`` to folder ``path`` atomically (all of it or nothing).

    With ``by_team`` the tables of :data:`PARTITIONED` are written one row group per team
    (see the module's layout), so :func:`load_team` can read one team alone. It is off by
    default: measured on the large demo, the partitioned write took 3 to 4 times as long as
    the plain one and a whole read-back 4 times as long (restoring intake's row order), and
    the diagnostics still read the whole dataset.
    """
    path = Path(path)
    for name in dataset.tables:
        if name not in TABLES:
            raise InputError(f"unknown table {name!r}; known tables: {', '.join(TABLES)}")
    labels, codes = _partition_codes(dataset.tables) if by_team else ([None], {})
    index: dict[str, list[dict[str, Any]]] = {}
    with atomic_dir(path, replace=replace) as tmp:
        (tmp / "tables").mkdir()
        for name, frame in dataset.tables.items():
            target = tmp / "tables" / f"{name}.parquet"
            if name in codes:
                index[name] = _write_partitioned(frame, codes[name], labels, target)
            else:
                frame.to_parquet(target, index=False)
        dataset.excluded_rows.to_parquet(tmp / "excluded_rows.parquet", index=False)
        dataset.quality_facts.to_parquet(tmp / "quality_facts.parquet", index=False)
        if by_team:
            (tmp / _INDEX).write_text(
                json.dumps({"by": "team", "tables": index}, indent=2) + "\n", encoding="utf-8"
            )
        (tmp / "manifest.json").write_text(
            json.dumps(dataset.manifest, indent=2, sort_keys=True, default=str) + "\n",
            encoding="utf-8",
        )
    return path


def _conform(name: str, frame: pd.DataFrame, *, keep: Iterable[str] = ()) -> pd.DataFrame:
    """Give every canonical column its canonical dtype (Parquet loses it for empty ones),
    except the columns ``keep`` (text read as categoricals on purpose)."""
    kept = set(keep)
    wrong = {
        c: dtype
        for c, dtype in TABLES[name].dtypes.items()
        if c in frame.columns and c not in kept and str(frame[c].dtype) != str(dtype)
    }
    return frame.astype(wrong) if wrong else frame


def partitions(path: str | os.PathLike[str]) -> dict[str, list[tuple[str | None, int]]]:
    """Row groups of each partitioned table of dataset ``path``: ``(team, rows)`` in file
    order (``None``: the rows with no team); ``{}`` for a dataset written before partitions.
    """
    index = Path(path) / _INDEX
    if not index.is_file():
        return {}
    found = json.loads(index.read_text(encoding="utf-8"))
    return {
        table: [(g["team"], int(g["rows"])) for g in groups]
        for table, groups in (found.get("tables") or {}).items()
    }


def _check(path: Path) -> None:
    if not is_dataset(path):
        raise InputError(
            f"{path} is not an assessment dataset (no manifest.json and tables/). "
            "Create one with: adoption-kit intake EXPORT --out DATASET_DIR"
        )


def _read_table(
    file: Path,
    *,
    groups: list[int] | None = None,
    columns: Iterable[str] | None = None,
    categories: Iterable[str] = (),
) -> pd.DataFrame:
    """One table file as pandas: all of it in its original row order, or only row
    ``groups`` (in file order); ``columns`` limits what is read; the text columns among
    ``categories`` are read as pandas categoricals (dictionary-encoded: each distinct text
    once, a small integer code per row)."""
    probe = pq.ParquetFile(file)
    text = {pa.string(), pa.large_string()}
    compact = [f.name for f in probe.schema_arrow if f.name in set(categories) and f.type in text]
    parquet = pq.ParquetFile(file, read_dictionary=compact) if compact else probe
    names = parquet.schema_arrow.names
    wanted = names if columns is None else [c for c in names if c in set(columns) or c == _ROW]

    def read(which: list[str]) -> pa.Table:
        if groups is None:
            return parquet.read(columns=which)
        if groups:
            return parquet.read_row_groups(groups, columns=which)
        return parquet.schema_arrow.empty_table().select(which)

    data = [c for c in wanted if c != _ROW]
    if not data:
        table = read(wanted)
        return _conform(file.stem, table.drop_columns([_ROW] * (_ROW in wanted)).to_pandas())
    order = None
    if _ROW in wanted and groups is None:  # rows back in intake's order
        rows = read([_ROW]).column(_ROW).to_numpy()
        inverse = np.empty(len(rows), dtype="int64")
        inverse[rows] = np.arange(len(rows))
        order = pa.array(inverse)
    parts = []
    for c in data:  # one column at a time: only its decoding buffers are ever held
        table = read([c])
        if order is not None:  # one gather, its chunks combined first
            gathered = table.column(c).combine_chunks().take(order)
            table = pa.Table.from_arrays([gathered], schema=table.schema)
        parts.append(table.to_pandas())
        del table
    frame = pd.concat(parts, axis=1) if len(parts) > 1 else parts[0]
    return _conform(file.stem, frame, keep=compact)


def _others(path: Path) -> dict[str, Any]:
    return {
        "excluded_rows": pd.read_parquet(path / "excluded_rows.parquet"),
        "quality_facts": pd.read_parquet(path / "quality_facts.parquet"),
        "manifest": json.loads((path / "manifest.json").read_text(encoding="utf-8")),
    }


def load_dataset(
    path: str | os.PathLike[str],
    *,
    tables: Iterable[str] | None = None,
    columns: Mapping[str, Iterable[str]] | None = None,
    categories: Mapping[str, Iterable[str]] | None = None,
) -> Dataset:
    """Read a dataset folder written by intake, every team (rows in intake's order).

    ``tables`` reads only those tables (default: all); ``tables=()`` reads just the
    manifest, excluded rows and quality facts, which is all the data-quality appendix shows.
    ``columns`` maps a table to the only columns to read of it (default: every column).
    ``categories`` maps a table to text columns to read as pandas categoricals instead of
    ``str`` (the same values in a fraction of the memory when few are distinct, such as an
    activity's user; default: none).

    Raises
    ------
    InputError
        If ``path`` is not a dataset folder.
    """
    path = Path(path)
    _check(path)
    wanted = set(TABLES) if tables is None else set(tables) & set(TABLES)
    with jemalloc_pool():
        frames = {
            p.stem: _read_table(
                p,
                columns=(columns or {}).get(p.stem),
                categories=(categories or {}).get(p.stem, ()),
            )
            for p in sorted((path / "tables").glob("*.parquet"))
            if p.stem in wanted
        }
    return Dataset(tables=frames, **_others(path))


def load_team(
    path: str | os.PathLike[str],
    team: str | None,
    *,
    tables: Iterable[str] | None = None,
    columns: Mapping[str, Iterable[str]] | None = None,
) -> Dataset:
    """Read one team's partition of a dataset folder: the rows of :data:`PARTITIONED`
    tables that belong to ``team`` (``None``: the rows with no team, a blank or an unknown
    user), in intake's relative order, and the whole small tables (users, campaigns).

    ``tables`` and ``columns`` as in :func:`load_dataset`. A team with no rows in a table
    gets that table empty (with its columns); a dataset written before partitions has none,
    and gives :class:`InputError`.
    """
    path = Path(path)
    _check(path)
    index = partitions(path)
    if not index and any(p.stem in PARTITIONED for p in (path / "tables").glob("*.parquet")):
        raise InputError(
            f"{path} was not written by team (datasets are written whole unless "
            "write_dataset(..., by_team=True)); read it whole with load_dataset"
        )
    wanted = set(TABLES) if tables is None else set(tables) & set(TABLES)
    frames = {}
    for p in sorted((path / "tables").glob("*.parquet")):
        if p.stem not in wanted:
            continue
        picked = None
        if p.stem in PARTITIONED:
            picked = [i for i, (t, _) in enumerate(index.get(p.stem, [])) if t == team]
        frames[p.stem] = _read_table(p, groups=picked, columns=(columns or {}).get(p.stem))
    return Dataset(tables=frames, **_others(path))
