"""Lookup files: the other files a mapping looks values up in (``lookup: {file, key,
value}``), found in the export or next to the mapping file, each read once.

Private to :mod:`kit.intake`.
"""

from __future__ import annotations

import threading
from typing import Any

import pyarrow as pa

from kit.exceptions import InputError
from kit.intake._parts import resolver
from kit.intake.mapping import ColumnSpec, Mapping
from kit.intake.readers import EmptyFileError, Export, SourceFile, Unit, file_units, read_unit


class LookupFiles:
    """The other files a mapping looks values up in (``lookup: {file: ...}``), each read
    once: a file of the export, else a file next to the mapping file."""

    def __init__(self, mapping: Mapping, export: Export) -> None:
        self.mapping, self.export = mapping, export
        self._lock = threading.Lock()
        self._loaded: dict[str, tuple[Unit, pa.Table] | str] = {}
        self.patterns = sorted(
            {
                pattern
                for specs in mapping.tables.values()
                for spec in specs
                for cs in spec.columns.values()
                for pattern, _ in lookup_files(cs)
            }
        )

    def used_units(self) -> set[str]:
        """Names of the export's units read as lookup files."""
        return {u.name for u in self.export.units for p in self.patterns if u.matches(p)}

    def load(self, pattern: str) -> tuple[Unit, pa.Table] | str:
        """The file ``pattern`` names, read; or why it cannot be."""
        with self._lock:
            if pattern not in self._loaded:
                self._loaded[pattern] = self._read(pattern)
            return self._loaded[pattern]

    def _read(self, pattern: str) -> tuple[Unit, pa.Table] | str:
        units = [u for u in self.export.units if u.matches(pattern)]
        base = self.mapping.base_dir
        if not units and base is not None:
            # a file next to the mapping; a workbook is read by sheet, like the export's
            paths = sorted(p for p in base.glob(pattern.partition("#")[0]) if p.is_file())
            for path in paths:
                found = SourceFile(rel=path.name, path=path, size=path.stat().st_size)
                try:
                    units.extend(u for u in file_units(found) if u.matches(pattern))
                except Exception as exc:  # calamine raises several types on corrupt files
                    return (
                        f"the lookup file {found.rel} cannot be read (cannot open the workbook: "
                        f"{type(exc).__name__}: {exc})."
                    )
        if not units:
            where = "in the export" + (f" or next to the mapping ({base})" if base else "")
            return (
                f"the lookup file {pattern!r} is not {where}. Data files in the export: "
                f"{', '.join(u.name for u in self.export.units[:20]) or 'none'}."
            )
        try:
            raw = read_unit(units[0])
        except (EmptyFileError, InputError) as exc:
            return f"the lookup file {units[0].name} cannot be read ({exc})."
        return units[0], raw.table

    def missing(self, pattern: str, columns: tuple[str, ...]) -> list[str]:
        """The ``columns`` that file ``pattern`` lacks (all of them if it is not there)."""
        loaded = self.load(pattern)
        if isinstance(loaded, str):
            return list(columns)
        resolve = resolver(loaded[1].column_names)
        return [c for c in columns if resolve(c) is None]

    def check(self, pattern: str, columns: tuple[str, ...], where: str) -> str | None:
        """A blocking problem of a lookup in file ``pattern`` by ``where``, if any."""
        loaded = self.load(pattern)
        if isinstance(loaded, str):
            return f"{where}: {loaded} Fix `lookup: file:` in the mapping."
        unit, table = loaded
        resolve = resolver(table.column_names)
        missing = [c for c in columns if resolve(c) is None]
        if missing:
            return (
                f"{where}: the lookup file {unit.name} has no column "
                f"{', '.join(repr(c) for c in missing)}. Columns in it: "
                f"{', '.join(table.column_names[:25])}. Fix `lookup:` in the mapping."
            )
        return None

    def column_of(self, pattern: str) -> Any:
        """The ``column(name)`` function of file ``pattern`` (``None`` for every name if it
        cannot be read)."""
        loaded = self.load(pattern)
        if isinstance(loaded, str):
            return lambda name: None
        _, table = loaded
        resolve = resolver(table.column_names)

        def column(name: str) -> pa.ChunkedArray | None:
            actual = resolve(name)
            return None if actual is None else table.column(actual)

        return column

    def describe(self) -> list[dict[str, Any]]:
        """The lookup files read, for the manifest."""
        out = []
        for pattern in self.patterns:
            loaded = self._loaded.get(pattern)
            if loaded is None or isinstance(loaded, str):
                continue
            unit, table = loaded
            out.append(
                {
                    "path": unit.file.rel,
                    "pattern": pattern,
                    "size": unit.file.size,
                    "sha256": unit.file.sha256,
                    "rows": table.num_rows,
                }
            )
        return out


def lookup_files(cs: ColumnSpec) -> list[tuple[str, tuple[str, ...]]]:
    """``(file pattern, its columns)`` of every lookup in another file by ``cs``."""
    found = []
    while cs is not None:
        if cs.lookup is not None and cs.lookup_file is not None:
            found.append((cs.lookup_file, cs.lookup))
        cs = cs.fallback  # type: ignore[assignment]
    return found
