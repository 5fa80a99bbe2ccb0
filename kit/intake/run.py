"""Intake: any CRM export in, one clean typed assessment dataset out, nothing lost.

:func:`read_export` reads an export (a folder, a ``.zip`` or a single CSV/Excel/Parquet file)
through a mapping (default: the canonical preset) into a :class:`kit.dataset.Dataset`;
:func:`intake` also writes it atomically and returns an :class:`IntakeReport`;
:func:`summarize` is what ``adoption-kit intake`` prints.

What happens to every input row is recorded:

* rows whose required field is blank or cannot be read, rows that could not be parsed and
  later copies of a duplicate key are **excluded**, each listed in ``excluded_rows`` with its
  file, row number and reason (rows read = rows kept + rows excluded, per table and file);
* values that cannot be understood in optional fields (a stage nobody mapped, ``"01-May"`` in
  a date column) become blank and are counted in ``quality_facts`` with examples, as are
  blanks, orphan references, future dates, mixed date formats and Excel-mangled ids;
* problems that make the whole intake wrong (a required table or column missing, a key column
  that mostly cannot be read, an empty file) stop intake with one
  :class:`~kit.exceptions.InputError` that lists every problem, with the file, column, example
  rows and how to fix the mapping.

Examples
--------
>>> import pathlib, tempfile
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "users.csv").write_text("user_id,name,team,role\\nu1,Ana Ruiz,North,Loan Officer\\n")
>>> ds = read_export(d)
>>> ds["users"]["role"].tolist()
['producer']
>>> ds.manifest["tables"]["users"]["rows_kept"]
1
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from kit._version import __version__
from kit.dataset import EXCLUDED_COLUMNS, FACT_COLUMNS, Dataset, write_dataset
from kit.exceptions import InputError
from kit.intake.mapping import (
    ColumnSpec,
    Mapping,
    SourceSpec,
    close_match,
    load_mapping,
    normalize_key,
)
from kit.intake.normalize import ISSUES, Converted, Translation, convert, derive, text
from kit.intake.readers import EmptyFileError, Export, RawTable, Unit, open_export, read_unit
from kit.schema import TABLES, Field

__all__ = [
    "QUALITY_ISSUES",
    "IntakeReport",
    "intake",
    "read_export",
    "summarize",
]

#: Every issue a quality fact can name, and what it means.
QUALITY_ISSUES: dict[str, str] = {
    "missing": "an optional field is blank in the source",
    "blank_required": "a required field is blank: the rows were excluded",
    "invalid_value": "a value outside the field's vocabulary (or not yes/no): now blank",
    "unparseable_date": "a value that is not a date (e.g. Excel's 01-May): now blank",
    "unparseable_amount": "a value that is not an amount: now blank",
    "mixed_date_formats": "one column holds dates written in more than one format",
    "excel_mangled": "an id or phone that Excel turned into a date or 1.2E+11",
    "duplicate_key": "a key seen before: later rows were excluded, the first kept",
    "orphan_reference": "points at a record that is not in the export",
    "future_date": "a date after the engagement's as-of date (else after the day of intake)",
}
_ARROW_STR = pd.StringDtype("pyarrow", na_value=float("nan"))
_NOT_FUTURE = ("next_step_due",)
#: Fields checked for values Excel mangled, besides every key (references are covered by the
#: orphan check, which shows the mangled values as examples).
_MANGLE_CHECKED = ("phone", "loan_number")
_MAX_EXAMPLE = 40
_BLOCKING_SHARE = 0.5


@dataclass(frozen=True)
class IntakeReport:
    """What one intake did.

    Attributes
    ----------
    dataset
        The dataset (also written to ``out_dir``).
    out_dir
        Where it was written.
    """

    dataset: Dataset
    out_dir: Path | None = None

    @property
    def manifest(self) -> dict[str, Any]:
        return self.dataset.manifest

    @property
    def tables(self) -> dict[str, dict[str, int]]:
        """Per table: rows read, kept and excluded."""
        return self.manifest["tables"]

    @property
    def warnings(self) -> list[str]:
        return self.manifest["warnings"]

    @property
    def facts(self) -> int:
        """Number of data-quality facts recorded."""
        return len(self.dataset.quality_facts)


# --------------------------------------------------------------------------- public API
def read_export(export: str | os.PathLike[str], *, mapping: Any = None) -> Dataset:
    """Read a CRM export into the canonical dataset, in memory.

    Parameters
    ----------
    export
        A folder, a ``.zip`` of one, or a single CSV/Excel/Parquet file.
    mapping
        ``None`` (canonical layout), a preset name (``"salesforce"``, ``"hubspot"``), the
        path of a mapping YAML file, or an already-parsed mapping dict.

    Returns
    -------
    Dataset
        Tables with exactly the canonical columns and dtypes (optional columns the export
        lacks are present and blank), ``excluded_rows``, ``quality_facts`` and the manifest.

    Raises
    ------
    MappingError
        The mapping is malformed.
    InputError
        Blocking problems, all listed at once.
    """
    resolved = load_mapping(mapping)
    with tempfile.TemporaryDirectory(prefix="kit-intake-") as tmp:
        found = open_export(Path(export), Path(tmp))
        return _Intake(resolved, found).run()


def intake(
    export: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    mapping: Any = None,
    replace: bool = False,
) -> IntakeReport:
    """Read ``export`` (see :func:`read_export`) and write the dataset to ``out_dir``.

    The dataset folder is written atomically: a failed intake leaves nothing behind, and
    with ``replace=True`` an existing dataset is swapped only once the new one is complete.

    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "users.csv").write_text("user_id,name,team,role\\nu1,Ana,North,producer\\n")
    >>> report = intake(d, d / "dataset")
    >>> report.tables["users"]["rows_kept"], (d / "dataset" / "manifest.json").is_file()
    (1, True)
    """
    dataset = read_export(export, mapping=mapping)
    path = write_dataset(dataset, out_dir, replace=replace)
    return IntakeReport(dataset=dataset, out_dir=Path(path))


def summarize(report: IntakeReport) -> str:
    """The plain-text summary ``adoption-kit intake`` prints."""
    m = report.manifest
    lines = [
        f"Intake of {m['export']['name']} with mapping {m['mapping']['name']!r} "
        f"({m['mapping']['origin']})",
        "",
        f"{'table':<16}{'read':>12}{'kept':>12}{'excluded':>12}",
    ]
    for name, counts in m["tables"].items():
        lines.append(
            f"{name:<16}{counts['rows_read']:>12,}{counts['rows_kept']:>12,}"
            f"{counts['rows_excluded']:>12,}"
        )
    if m["tables_not_provided"]:
        lines += [
            "",
            f"Not provided: {', '.join(m['tables_not_provided'])} "
            "(report sections that need them say 'not assessed').",
        ]
    lines += ["", f"Data-quality facts recorded: {report.facts} (quality_facts.parquet)"]
    if report.facts:
        facts = report.dataset.quality_facts.assign(
            _blank=lambda f: f["issue"] == "missing", _order=lambda f: -f["count"]
        )
        top = facts.sort_values(["_blank", "_order", "table", "field"], kind="stable")
        for row in top.head(6).itertuples(index=False):
            lines.append(f"  {row.table}.{row.field}: {row.issue} x{row.count:,} ({row.examples})")
        if len(top) > 6:
            lines.append(f"  ... and {len(top) - 6} more")
    excluded = report.dataset.excluded_rows
    if len(excluded):
        lines += ["", f"Rows excluded: {len(excluded):,} (excluded_rows.parquet), e.g."]
        for row in excluded.head(3).itertuples(index=False):
            lines.append(f"  {row.source_file} row {row.row_number}: {row.reason}")
    if m["warnings"]:
        lines += ["", "Warnings:"] + [f"  - {w}" for w in m["warnings"]]
    if report.out_dir is not None:
        lines += [
            "",
            f"Written to {report.out_dir}: tables/*.parquet, excluded_rows.parquet, "
            "quality_facts.parquet, manifest.json",
        ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- machinery
@dataclass
class _Part:
    """One unit read for one source of one table."""

    unit: Unit
    raw: RawTable
    columns: dict[str, Converted]
    absent: list[str]
    unused: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.raw.table.num_rows


@dataclass
class _TableResult:
    frame: pd.DataFrame
    excluded: pd.DataFrame
    parts: list[_Part]
    kept_per_part: list[int]
    read_per_part: list[int]
    absent: list[str]


@dataclass
class _Intake:
    mapping: Mapping
    export: Export
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)
    future_reference: str = "the day of intake"

    # ----------------------------------------------------------------- orchestration
    def run(self) -> Dataset:
        self.problems.extend(self.export.problems)
        assignment = self.assign()
        engagement = self.engagement()
        parts: dict[str, list[_Part]] = {}
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kit-checksum") as pool:
            jobs = [(t, spec, unit) for t, pairs in assignment.items() for spec, unit in pairs]
            # largest files first, so the big one does not start last
            by_size = sorted(range(len(jobs)), key=lambda i: -jobs[i][2].file.size)
            for i in by_size:
                jobs[i][2].file.start_scan(pool)
            try:
                # two units at a time (pyarrow releases the GIL); each job records its own
                # problems and warnings, merged in job order so the result is reproducible
                with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kit-unit") as units:
                    futures = {i: units.submit(self.isolated_part, jobs[i]) for i in by_size}
                    done = [futures[i].result() for i in range(len(jobs))]
                for (table, _, _), (part, problems, warnings) in zip(jobs, done, strict=True):
                    self.problems.extend(problems)
                    self.warnings.extend(warnings)
                    if part is not None:
                        parts.setdefault(table, []).append(part)
                return self.finish(parts, engagement)
            finally:
                pool.shutdown(wait=True, cancel_futures=True)

    def isolated_assemble(
        self, item: tuple[str, list[_Part]]
    ) -> tuple[_TableResult, list[dict[str, Any]], list[str]]:
        """:meth:`assemble` with its own facts and warnings (safe to run in a thread)."""
        worker = _Intake(self.mapping, self.export)
        result = worker.assemble(*item)
        return result, worker.facts, worker.warnings

    def isolated_part(
        self, job: tuple[str, SourceSpec, Unit]
    ) -> tuple[_Part | None, list[str], list[str]]:
        """:meth:`part` with its own problem and warning lists (safe to run in a thread)."""
        worker = _Intake(self.mapping, self.export)
        part = worker.part(*job)
        return part, worker.problems, worker.warnings

    def finish(self, parts: dict[str, list[_Part]], engagement: dict[str, Any] | None) -> Dataset:
        if self.problems:
            raise self.blocking()
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kit-table") as pool:
            done = list(pool.map(self.isolated_assemble, parts.items()))
        results = {}
        for (table, _), (result, facts, warnings) in zip(parts.items(), done, strict=True):
            results[table] = result
            self.facts.extend(facts)
            self.warnings.extend(warnings)
        for t in TABLES:
            if TABLES[t].required and t in results and results[t].frame.empty:
                self.problems.append(
                    f"{t}: no rows left to assess ({', '.join(p.unit.name for p in parts[t])} "
                    "has no data rows, or every row was excluded). The table is required."
                )
        if self.problems:
            raise self.blocking()
        tables = {t: r.frame for t, r in results.items()}
        self.cross_table(tables, engagement)
        for name, frame in tables.items():
            _check_structure(name, frame)
        excluded = [r.excluded for r in results.values() if len(r.excluded)]
        excluded_rows = (
            pd.concat(excluded, ignore_index=True) if excluded else _frame(EXCLUDED_COLUMNS, [])
        )
        facts = _frame(FACT_COLUMNS, self.facts)
        manifest = self.manifest(results, engagement, len(facts))
        return Dataset(
            tables=tables, excluded_rows=excluded_rows, quality_facts=facts, manifest=manifest
        )

    def blocking(self) -> InputError:
        message = (
            f"intake of {self.export.name} stopped: {len(self.problems)} blocking problem(s). "
            "Fix the mapping (see docs/mapping.md) or the export and run intake again."
        )
        missing = sum("is not in the file" in p for p in self.problems)
        if missing >= 3:
            message += (
                f" {missing} mapped columns are missing: do these files really have the layout "
                f"of mapping {self.mapping.name!r} ({self.mapping.origin})? Check --mapping."
            )
        return InputError(message, problems=self.problems)

    # ----------------------------------------------------------------- which file is which
    def assign(self) -> dict[str, list[tuple[SourceSpec, Unit]]]:
        units = self.export.units
        used: set[str] = set()
        assignment: dict[str, list[tuple[SourceSpec, Unit]]] = {}
        names = [u.name for u in units]
        for table, specs in self.mapping.tables.items():
            pairs: list[tuple[SourceSpec, Unit]] = []
            for spec in specs:
                hits = [u for u in units if any(u.matches(p) for p in spec.patterns)]
                seen = {u.name for _, u in pairs}
                hits = [u for u in hits if u.name not in seen]
                if not hits and not spec.optional and not TABLES[table].required:
                    self.problems.append(self.no_file(table, spec, names))
                pairs.extend((spec, u) for u in hits)
                used.update(u.name for u in hits)
            if pairs:
                assignment[table] = pairs
        for t in TABLES:
            if TABLES[t].required and t not in assignment:
                specs = self.mapping.tables.get(t, ())
                if specs:
                    self.problems.append(self.no_file(t, specs[0], names))
                else:
                    self.problems.append(
                        f"{t}: the mapping does not say which file holds {t}, and {t} is "
                        f"required. Add `tables: {t}: {{source: <file>, columns: ...}}`."
                    )
        ignored = [n for n in names if n not in used]
        if ignored:
            self.warnings.append(
                "not read (no table in the mapping matches them): " + ", ".join(ignored)
            )
        if self.export.other_files:
            self.warnings.append(
                "not data files, ignored: " + ", ".join(self.export.other_files[:20])
            )
        return assignment

    def no_file(self, table: str, spec: SourceSpec, names: list[str]) -> str:
        pats = ", ".join(repr(p) for p in spec.patterns)
        listing = ", ".join(names[:20]) or "none"
        guess = None
        for p in spec.patterns:
            guess = guess or close_match(p.partition("#")[0], [u.rsplit("/", 1)[-1] for u in names])
        hint = f" Did you mean {guess!r}?" if guess else ""
        required = " It is required." if TABLES[table].required else ""
        return (
            f"{table}: no file in the export matches {pats}.{required} Data files in the "
            f"export: {listing}.{hint} Fix `source:` for {table} in the mapping"
            + ("" if TABLES[table].required else ", or add `optional: true`")
            + "."
        )

    # ----------------------------------------------------------------- engagement.yaml
    def engagement(self) -> dict[str, Any] | None:
        path = self.export.engagement
        if path is None:
            return None
        rel = path.relative_to(self.export.root).as_posix()
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            self.problems.append(f"{rel}: not valid YAML ({exc}); fix or remove it.")
            return None
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.problems.append(f"{rel}: must be 'key: value' lines (client, launch_date, ...).")
            return None
        out: dict[str, Any] = {}
        known = ("client", "launch_date", "as_of", "seat_cost_per_month")
        for key, value in data.items():
            key = str(key)
            if key in ("launch_date", "as_of") and value is not None:
                day = value if isinstance(value, dt.date) else _iso_date(value)
                if day is None:
                    self.problems.append(
                        f"{rel}: {key} {value!r} is not a date; write it as YYYY-MM-DD."
                    )
                    continue
                value = (day.date() if isinstance(day, dt.datetime) else day).isoformat()
            elif key == "seat_cost_per_month" and value is not None:
                if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                    self.problems.append(
                        f"{rel}: seat_cost_per_month {value!r} must be a number of dollars."
                    )
                    continue
            elif key not in known:
                self.warnings.append(f"{rel}: unknown key {key!r} kept as is")
            out[key] = _jsonable(value)
        return out

    # ----------------------------------------------------------------- one unit
    def part(self, table: str, spec: SourceSpec, unit: Unit) -> _Part | None:
        tdef = TABLES[table]
        infer, dictionary = self.inferable(spec), self.encodable(spec)
        try:
            raw = read_unit(
                unit,
                infer=infer,
                dictionary=dictionary,
                delimiter=spec.delimiter,
                encoding=spec.encoding,
            )
        except EmptyFileError:
            self.problems.append(
                f"{unit.name} (read as {table}): the file is empty, it has no header row. "
                "Re-export it with its column names"
                + ("." if tdef.required else ", or remove it if the table is not available.")
            )
            return None
        except InputError as exc:
            self.problems.append(f"{unit.name} (read as {table}): {exc.message}")
            return None
        except Exception as exc:  # a file shape nobody foresaw: name it instead of crashing
            self.problems.append(
                f"{unit.name} (read as {table}): cannot be read ({type(exc).__name__}: {exc}). "
                "Re-export the file as UTF-8 CSV; if it still fails, report it with the file."
            )
            return None
        self.warnings.extend(raw.warnings)
        header = raw.table.column_names
        resolve = _resolver(header)
        lenient = self.mapping.allow_missing_columns
        absent: list[str] = []
        usable: dict[str, ColumnSpec] = {}
        fname: Any  # a field's name in these loops, the field itself in the last one
        for fname, cs in spec.columns.items():
            f = tdef.field(fname)
            missing = [c for c in cs.source_columns() if resolve(c) is None]
            if not missing:
                usable[fname] = cs
                continue
            if lenient or cs.optional:
                if _has_input(cs, resolve):
                    usable[fname] = cs
                    continue
                if not f.required:
                    absent.append(fname)
                    continue
            for c in missing:
                self.problems.append(self.missing_column(unit, table, f, c, header, raw))
        for fname, cs in list(usable.items()):
            if cs.from_field is not None and cs.from_field not in usable:
                del usable[fname]
                absent.append(fname)
        absent += [f.name for f in tdef.fields if f.name not in spec.columns]
        if len(raw.malformed) > _BLOCKING_SHARE * max(raw.rows_read, 1) and raw.malformed:
            rows = ", ".join(str(n) for n, _ in raw.malformed[:5])
            self.problems.append(
                f"{unit.name} (read as {table}): {len(raw.malformed)} of {raw.rows_read} rows "
                f"have a different number of fields than the header (e.g. rows {rows}). The "
                f"delimiter was taken to be {raw.delimiter!r}; if that is wrong set "
                "`delimiter:` for this source in the mapping, otherwise fix the quoting."
            )
        columns: dict[str, Converted] = {}

        def column(name: str) -> pa.ChunkedArray | None:
            actual = resolve(name)
            return None if actual is None else raw.table.column(actual)

        def from_field(name: str) -> pa.ChunkedArray:
            values = columns[name].values
            return text(pa.array(values.astype(object), type=pa.string(), from_pandas=True))

        def convert_field(fname: str) -> Converted:
            cs = usable[fname]
            f = tdef.field(fname)
            tr = Translation(
                f,
                spec_values=cs.values,
                default=cs.default,
                mapping_values=self.mapping.values.get(fname, {}),
            )
            return convert(
                derive(cs, raw.table, column, from_field=from_field),
                f,
                tr,
                dayfirst=self.mapping.dayfirst if cs.dayfirst is None else cs.dayfirst,
                date_format=cs.format or self.mapping.date_format,
                source_tz=cs.timezone,
                org_tz=self.mapping.timezone,
                check_mangled=f.unique or fname in _MANGLE_CHECKED,
            )

        direct = [n for n in usable if usable[n].from_field is None]
        derived = [n for n in usable if usable[n].from_field is not None]
        # pyarrow compute releases the GIL: convert the columns two at a time
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kit-convert") as pool:
            columns.update(zip(direct, pool.map(convert_field, direct), strict=True))
        for fname in derived:
            columns[fname] = convert_field(fname)
        for fname in tdef.fields:
            conv = columns.get(fname.name)
            if conv is None:
                continue
            if fname.required:
                self.check_required(unit, table, fname, usable[fname.name], conv, raw)
            if conv.aware and self.mapping.timezone is None:
                self.warnings.append(
                    f"{unit.name}: {table}.{fname.name} has {conv.aware:,} time-zone-aware "
                    "values, converted to UTC; set `timezone:` (e.g. America/Chicago) in the "
                    "mapping to get the organization's local times"
                )
        read = {resolve(c) for cs in usable.values() for c in cs.source_columns()}
        unused = [h for h in header if h not in read]
        return _Part(unit=unit, raw=raw, columns=columns, absent=sorted(set(absent)), unused=unused)

    def inferable(self, spec: SourceSpec) -> set[str]:
        """Source columns pyarrow may type itself: plain date and amount columns."""
        typed: set[str] = set()
        other: set[str] = set()
        for fname, cs in spec.columns.items():
            kind = TABLES[spec.table].field(fname).kind
            plain = (
                len(cs.column) == 1
                and not (cs.matches or cs.lookup or cs.is_in or cs.split_name or cs.fallback)
                and not cs.values
                and not cs.has_default
                and not self.mapping.values.get(fname)
            )
            if plain and kind in ("datetime", "float") and not cs.format:
                typed.add(cs.column[0])
            else:
                other.update(cs.source_columns())
        return typed - other

    def encodable(self, spec: SourceSpec) -> set[str]:
        """Source columns read dictionary-encoded: those only a vocabulary or yes/no field
        reads (few distinct values, translated once each)."""
        coded: set[str] = set()
        other: set[str] = set()
        for fname, cs in spec.columns.items():
            f = TABLES[spec.table].field(fname)
            plain = len(cs.column) == 1 and not (
                cs.join
                or cs.matches
                or cs.when
                or cs.lookup
                or cs.is_in
                or cs.split_name
                or cs.fallback
                or cs.has_constant
                or cs.from_field
            )
            if plain and (f.kind == "bool" or (f.kind == "category" and f.vocabulary)):
                coded.add(cs.column[0])
            else:
                other.update(normalize_key(c) for c in cs.source_columns())
        # a column another field also reads (under any spelling) stays plain text
        return {c for c in coded if normalize_key(c) not in other}

    def missing_column(
        self, unit: Unit, table: str, f: Field, column: str, header: list[str], raw: RawTable
    ) -> str:
        shown = ", ".join(header[:25]) + (
            f" ... ({len(header)} columns)" if len(header) > 25 else ""
        )
        guess = close_match(column, header)
        if guess:
            fix = f"change the mapping to `{f.name}: {guess}`"
        else:
            fix = f"map {table}.{f.name} to one of the columns above"
            if not f.required:
                fix += " (or remove it from the mapping)"
        what = "required " if f.required else ""
        msg = (
            f"{unit.name}: column {column!r} for {what}field {table}.{f.name} is not in the "
            f"file. Columns in the file: {shown}."
            + (f" Did you mean {guess!r}?" if guess else "")
            + f" Fix: {fix}."
        )
        if len(header) == 1 and any(d in header[0] for d in ",;\t|"):
            msg += (
                f" The whole header was read as one column, so the file is probably delimited "
                f"by something other than {raw.delimiter!r}: set `delimiter:` for this source."
            )
        return msg

    def check_required(
        self, unit: Unit, table: str, f: Field, cs: ColumnSpec, conv: Converted, raw: RawTable
    ) -> None:
        n = len(conv.blank)
        if n == 0:
            return
        where = f"{unit.name}: {table}.{f.name}" + (
            f" (column {cs.column[0]!r})" if len(cs.column) == 1 else ""
        )
        bad = int(conv.bad.sum())
        present = n - int(conv.blank.sum())
        if present == 0:
            self.problems.append(
                f"{where} is blank on every one of the {n:,} rows, and it is required. "
                "Map it to the column that holds it."
            )
            return
        if bad <= _BLOCKING_SHARE * present:
            return
        rows = raw.row_numbers(conv.raw.index[:5].to_numpy())
        examples = ", ".join(
            f"row {r}: {_short(v)!r}" for r, v in zip(rows, conv.raw.head(5), strict=False)
        )
        if f.kind == "datetime":
            fix = " ".join(conv.hints) or (
                "give the date format, e.g. `format: '%d.%m.%Y'`, for this column"
            )
        elif f.vocabulary is not None:
            counts = conv.raw.map(str).value_counts().sort_index(kind="stable")
            top = counts.sort_values(ascending=False, kind="stable").head(10)
            snippet = "; ".join(f"{v!r}: <{'|'.join(f.vocabulary[:3])}|...>" for v in top.index)
            fix = (
                f"translate them in the mapping under `values: {f.name}:` ({snippet}); "
                f"allowed values: {', '.join(f.vocabulary)}"
            )
        else:
            fix = "map this field to the column that holds it"
        self.problems.append(
            f"{where}: {bad:,} of {present:,} values cannot be read as "
            f"{_kind_text(f)} (e.g. {examples}). Fix: {fix}."
        )

    # ----------------------------------------------------------------- one table
    def assemble(self, table: str, parts: list[_Part]) -> _TableResult:
        tdef = TABLES[table]
        sizes = [p.rows for p in parts]
        total = sum(sizes)
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        part_of = np.repeat(np.arange(len(parts)), sizes)
        values: dict[str, pd.Series] = {}
        blank: dict[str, np.ndarray] = {}
        mapped: dict[str, np.ndarray] = {}
        bad: dict[str, np.ndarray] = {}
        # read-only masks shared by the fields
        everywhere, nowhere = (
            np.ones(max(sizes, default=0), bool),
            np.zeros(max(sizes, default=0), bool),
        )
        everywhere.flags.writeable = nowhere.flags.writeable = False
        for f in tdef.fields:
            pieces, bl, mp, bd = [], [], [], []
            for p, n in zip(parts, sizes, strict=True):
                conv = p.columns.get(f.name)
                if conv is None:
                    pieces.append(_nulls(f, n))
                    bl.append(everywhere[:n])
                    mp.append(nowhere[:n])
                    bd.append(nowhere[:n])
                else:
                    pieces.append(conv.values)
                    bl.append(conv.blank)
                    mp.append(everywhere[:n])
                    bd.append(conv.bad)
            values[f.name] = (
                pieces[0].reset_index(drop=True)
                if len(pieces) == 1
                else pd.concat(pieces, ignore_index=True)
            )
            blank[f.name], mapped[f.name], bad[f.name] = (
                m[0] if len(m) == 1 else np.concatenate(m) for m in (bl, mp, bd)
            )

        def rows_of(positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            """(source names, row numbers) of global positions."""
            owner = part_of[positions]
            numbers = np.empty(len(positions), dtype=np.int64)
            for i in np.unique(owner):
                sel = owner == i
                numbers[sel] = parts[i].raw.row_numbers(positions[sel] - offsets[i])
            names = np.array([parts[i].unit.name for i in range(len(parts))], dtype=object)
            return names[owner], numbers

        # -- exclusions: required fields blank or unreadable
        excluded = np.zeros(total, dtype=bool)
        for name in tdef.required_fields:
            excluded |= blank[name] | bad[name]
        reasons = pd.Series("", index=np.flatnonzero(excluded), dtype=object)
        if excluded.any():
            pos = reasons.index.to_numpy()
            for name in tdef.required_fields:
                sel_blank = blank[name][pos] & ~bad[name][pos]
                sel_bad = bad[name][pos]
                if sel_blank.any():
                    reasons.loc[pos[sel_blank]] += f"; blank {name}"
                if sel_bad.any():
                    raw = self.raw_values(parts, offsets, name, pos[sel_bad])
                    label = "unrecognized" if TABLES[table].field(name).vocabulary else "unreadable"
                    reasons.loc[pos[sel_bad]] += [f"; {label} {name} {_short(v)!r}" for v in raw]
            reasons = reasons.str.slice(2)
        # -- duplicates of the key among rows otherwise kept
        key = tdef.key
        duplicate = np.zeros(total, dtype=bool)
        dup_reasons = pd.Series([], dtype=object)
        if key is not None and total:
            candidates = values[key][~excluded] if excluded.any() else values[key]
            dup_local = (
                np.zeros(len(candidates), dtype=bool)
                if _is_unique(candidates)
                else candidates.duplicated(keep="first").to_numpy()
            )
            if dup_local.any():
                cand_pos = np.flatnonzero(~excluded)
                dpos = cand_pos[dup_local]
                duplicate[dpos] = True
                dvals = values[key].iloc[dpos]
                first_pos = pd.Series(
                    cand_pos[~dup_local], index=candidates[~dup_local].to_numpy()
                ).loc[lambda s: s.index.isin(dvals)]
                fsrc, frow = rows_of(first_pos.to_numpy())
                where = pd.Series(
                    [f"{s} row {r}" for s, r in zip(fsrc, frow, strict=True)],
                    index=first_pos.index,
                )
                dup_reasons = pd.Series(
                    [
                        f"duplicate {key} {_short(v)!r} (first kept: {where[v]})"
                        for v in dvals.to_numpy()
                    ],
                    index=dpos,
                    dtype=object,
                )
                self.fact(table, key, "duplicate_key", len(dpos), _value_examples(dvals))
        # -- excluded_rows
        all_pos = np.concatenate([reasons.index.to_numpy(), dup_reasons.index.to_numpy()])
        all_reason = np.concatenate([reasons.to_numpy(), dup_reasons.to_numpy()])
        src, rownum = rows_of(all_pos.astype(np.int64))
        malformed_src, malformed_rows, malformed_reason = [], [], []
        for p in parts:
            for number, why in p.raw.malformed:
                malformed_src.append(p.unit.name)
                malformed_rows.append(number)
                malformed_reason.append(why)
        excluded_frame = pd.DataFrame(
            {
                "table": table,
                "source_file": np.concatenate([src, np.array(malformed_src, dtype=object)]),
                "row_number": np.concatenate(
                    [rownum, np.array(malformed_rows, dtype=np.int64)]
                ).astype(np.int64),
                "reason": np.concatenate([all_reason, np.array(malformed_reason, dtype=object)]),
            }
        )
        excluded_frame = _typed_excluded(excluded_frame).sort_values(
            ["source_file", "row_number"], kind="stable", ignore_index=True
        )
        for p in parts:
            if p.raw.malformed:
                rows = ", ".join(str(n) for n, _ in p.raw.malformed[:5])
                self.warnings.append(
                    f"{p.unit.name}: {len(p.raw.malformed)} row(s) could not be parsed and "
                    f"were excluded (rows {rows})"
                )
        # -- the kept table, and quality facts on its values
        keep = ~(excluded | duplicate)
        for f in tdef.fields:
            self.field_facts(table, f, parts, offsets, keep, excluded, blank, mapped, bad, rows_of)
        frame = pd.DataFrame(values, copy=False)
        if not keep.all():
            frame = frame[keep].reset_index(drop=True)
        frame = _finish(table, frame)
        kept_per_part = [int(keep[offsets[i] : offsets[i + 1]].sum()) for i in range(len(parts))]
        read_per_part = [p.raw.rows_read for p in parts]
        absent = sorted(set.intersection(*(set(p.absent) for p in parts))) if parts else []
        return _TableResult(frame, excluded_frame, parts, kept_per_part, read_per_part, absent)

    @staticmethod
    def raw_values(
        parts: list[_Part], offsets: np.ndarray, name: str, positions: np.ndarray
    ) -> list[Any]:
        out = []
        for g in positions:
            i = int(np.searchsorted(offsets, g, side="right") - 1)
            out.append(parts[i].columns[name].raw.get(int(g - offsets[i])))
        return out

    def field_facts(
        self,
        table: str,
        f: Field,
        parts: list[_Part],
        offsets: np.ndarray,
        keep: np.ndarray,
        excluded: np.ndarray,
        blank: dict[str, np.ndarray],
        mapped: dict[str, np.ndarray],
        bad: dict[str, np.ndarray],
        rows_of: Any,
    ) -> None:
        """Facts about field ``f``: blanks and unreadable values on the rows kept (optional
        fields) or on the rows excluded because of them (required fields); mixed date
        formats and Excel-mangled values on the rows kept."""
        name = f.name
        if not mapped[name].any():
            return
        scope = excluded if f.required else keep
        empty = blank[name] & mapped[name] & ~bad[name] & scope if blank[name].any() else None
        n_empty = 0 if empty is None else int(empty.sum())
        if n_empty:
            src, rows = rows_of(_first(empty))  # type: ignore[arg-type]  # not None: n_empty
            issue = "blank_required" if f.required else "missing"
            self.fact(table, name, issue, n_empty, _row_examples(src, rows))
        raws, formats, mangled = [], Counter[str](), []
        for i, p in enumerate(parts):
            conv = p.columns.get(name)
            if conv is None:
                continue
            start, stop = offsets[i], offsets[i + 1]
            if len(conv.raw):
                raws.append(conv.raw[scope[start:stop][conv.raw.index.to_numpy()]])
            formats.update(conv.formats)
            if conv.mangled is not None:
                mangled.append(conv.mangled[keep[start:stop][conv.mangled.index.to_numpy()]])
            for hint in conv.hints:
                self.warnings.append(f"{p.unit.name}: {table}.{name}: {hint}")
        raw = pd.concat(raws, ignore_index=True) if raws else pd.Series([], dtype=object)
        if len(raw):
            self.fact(
                table, name, ISSUES.get(f.kind, "invalid_value"), len(raw), _value_examples(raw)
            )
        counted = sorted(((k, v) for k, v in formats.items() if v), key=lambda kv: (-kv[1], kv[0]))
        if len(counted) > 1:
            minority = sum(v for _, v in counted[1:])
            self.fact(
                table,
                name,
                "mixed_date_formats",
                minority,
                ", ".join(f"{k}: {v:,}" for k, v in counted),
            )
        allm = pd.concat(mangled, ignore_index=True) if mangled else pd.Series([], dtype=object)
        if len(allm):
            self.fact(table, name, "excel_mangled", len(allm), _value_examples(allm))

    def fact(self, table: str, fname: str, issue: str, count: int, examples: str) -> None:
        self.facts.append(_fact(table, fname, issue, count, examples))

    # ----------------------------------------------------------------- across tables
    def cross_table(
        self, tables: dict[str, pd.DataFrame], engagement: dict[str, Any] | None
    ) -> None:
        """Orphan references and future dates, on the rows kept (checks run two at a time).

        A date is in the future when it falls after the engagement's as-of day (from
        ``engagement.yaml``), or, without one, after tomorrow (the day of intake, with a day
        of slack for time zones).
        """
        as_of = (engagement or {}).get("as_of")
        if as_of:
            limit = pd.Timestamp(as_of) + pd.Timedelta(days=1)
            self.future_reference = f"the as-of date {as_of} (engagement.yaml)"
        else:
            tz = self.mapping.timezone or "UTC"
            limit = pd.Timestamp.now(tz=tz).tz_localize(None).normalize() + pd.Timedelta(days=2)
            self.future_reference = "the day of intake"

        def check(job: tuple[str, Field]) -> list[dict[str, Any]]:
            name, f = job
            col = tables[name][f.name]
            found = []
            if f.references:
                rt, rf = f.references.split(".")
                if rt in tables:
                    targets = pa.array(tables[rt][rf])  # a key: unique, never blank
                    arr = pa.array(col)
                    hit = pc.or_(pc.is_in(arr, value_set=targets), pc.is_null(arr))
                    orphan = ~hit.to_numpy(zero_copy_only=False)
                    if orphan.any():
                        found.append(
                            _fact(
                                name,
                                f.name,
                                "orphan_reference",
                                int(orphan.sum()),
                                _value_examples(col[orphan]),
                            )
                        )
            if f.kind == "datetime" and f.name not in _NOT_FUTURE:
                future = (col >= limit).to_numpy(dtype=bool, na_value=False)
                if future.any():
                    found.append(
                        _fact(
                            name,
                            f.name,
                            "future_date",
                            int(future.sum()),
                            _value_examples(col[future].dt.strftime("%Y-%m-%d")),
                        )
                    )
            return found

        jobs = [
            (name, f)
            for name in tables
            for f in TABLES[name].fields
            if f.references or f.kind == "datetime"
        ]
        # the costliest checks (references of the largest tables) first, so no long check
        # starts last; the facts are sorted below, so the order they are found in is free
        jobs.sort(key=lambda j: -len(tables[j[0]]) * (4 if j[1].references else 1))
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kit-check") as pool:
            for found in pool.map(check, jobs):
                self.facts.extend(found)
        order = {t: i for i, t in enumerate(TABLES)}
        self.facts.sort(key=lambda r: (order[r["table"]], r["field"], r["issue"]))

    # ----------------------------------------------------------------- manifest
    def manifest(
        self, results: dict[str, _TableResult], engagement: dict[str, Any] | None, n_facts: int
    ) -> dict[str, Any]:
        sources = []
        tables = {}
        for name, r in results.items():
            for p, kept, read in zip(r.parts, r.kept_per_part, r.read_per_part, strict=True):
                entry: dict[str, Any] = {
                    "path": p.unit.file.rel,
                    "sheet": p.unit.sheet,
                    "table": name,
                    "size": p.unit.file.size,
                    "sha256": p.unit.file.sha256,
                    "rows_read": read,
                    "rows_kept": kept,
                    "rows_excluded": read - kept,
                }
                if p.unused:
                    entry["unused_columns"] = p.unused
                if p.raw.encoding:
                    entry["encoding"] = p.raw.encoding
                    entry["delimiter"] = p.raw.delimiter
                sources.append(entry)
            read = sum(r.read_per_part)
            kept = len(r.frame)
            tables[name] = {
                "rows_read": read,
                "rows_kept": kept,
                "rows_excluded": read - kept,
                "sources": [p.unit.name for p in r.parts],
                "absent_fields": r.absent,
            }
        export: dict[str, Any] = {"name": self.export.name, "kind": self.export.kind}
        if self.export.kind == "zip":
            export.update(size=self.export.size, sha256=self.export.sha256)
        return {
            "kit_version": __version__,
            "export": export,
            "mapping": self.mapping.describe(),
            "timezone": self.mapping.timezone,
            "sources": sources,
            "tables": tables,
            "tables_not_provided": [t for t in TABLES if t not in results],
            "quality_facts": n_facts,
            "excluded_rows": sum(t["rows_excluded"] for t in tables.values()),
            "warnings": list(dict.fromkeys(self.warnings)),
            "engagement": engagement,
            "future_dates_after": self.future_reference,
        }


# --------------------------------------------------------------------------- helpers
def _resolver(header: list[str]) -> Any:
    exact = set(header)
    by_key: dict[str, list[str]] = {}
    for h in header:
        by_key.setdefault(normalize_key(h), []).append(h)

    def resolve(name: str) -> str | None:
        if name in exact:
            return name
        hits = by_key.get(normalize_key(name), [])
        return hits[0] if len(hits) == 1 else None

    return resolve


def _has_input(cs: ColumnSpec, resolve: Any) -> bool:
    """Whether ``cs`` (or its fallback) can produce values from the columns present."""
    if cs.has_constant or cs.from_field is not None:
        return True
    helpers = [*(cs.lookup or ()), *([cs.is_in] if cs.is_in else [])]
    own = any(resolve(c) is not None for c in (*cs.column, *cs.join)) and all(
        resolve(c) is not None for c in helpers
    )
    return own or (cs.fallback is not None and _has_input(cs.fallback, resolve))


def _nulls(f: Field, n: int) -> pd.Series:
    """A blank column of field ``f`` (for a source that does not provide it)."""
    if f.kind == "category" and f.vocabulary is not None:
        return pd.Series(pd.Categorical.from_codes(np.full(n, -1), categories=list(f.vocabulary)))
    if f.kind in ("id", "string", "category"):
        return pd.Series(pd.array([None] * n, dtype=_ARROW_STR))
    if f.kind == "datetime":
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[us]"))
    if f.kind == "float":
        return pd.Series(np.full(n, np.nan))
    return pd.Series(pd.array([None] * n, dtype="boolean"))


def _finish(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Exactly the canonical columns with the canonical dtypes."""
    out = {}
    for f in TABLES[table].fields:
        col = frame[f.name]
        if f.kind == "category" and f.vocabulary is None:
            col = col.astype(_ARROW_STR)
            col = pd.Series(
                pd.Categorical(col, categories=sorted(col.dropna().unique())), index=frame.index
            )
        elif f.kind == "category":
            if not isinstance(col.dtype, pd.CategoricalDtype):
                col = col.astype(pd.CategoricalDtype(list(f.vocabulary or ())))
        elif str(col.dtype) != str(f.dtype):
            col = col.astype(f.dtype)
        out[f.name] = col
    return pd.DataFrame(out, index=frame.index, copy=False)


def _fact(table: str, fname: str, issue: str, count: int, examples: str) -> dict[str, Any]:
    return {"table": table, "field": fname, "issue": issue, "count": count, "examples": examples}


def _is_unique(keys: pd.Series) -> bool:
    """Whether ``keys`` has no duplicates; exports sorted by key are checked in one pass."""
    arr = pa.array(keys)
    if len(arr) < 2:
        return True
    if pc.all(pc.greater(arr.slice(1), arr.slice(0, len(arr) - 1))).as_py():
        return True
    return bool(keys.is_unique)


def _first(mask: np.ndarray, k: int = 5) -> np.ndarray:
    """Positions of the first ``k`` true values of ``mask``, scanning only as far as needed."""
    found: list[np.ndarray] = []
    count, step = 0, 8192
    for start in range(0, len(mask), step):
        hits = np.flatnonzero(mask[start : start + step]) + start
        found.append(hits)
        count += len(hits)
        if count >= k:
            break
    return np.concatenate(found)[:k] if found else np.array([], dtype=np.int64)


def _check_structure(table: str, frame: pd.DataFrame) -> None:
    """Cheap guard of the contract: exactly the canonical columns and dtypes.

    Values are valid by construction (vocabulary categories, required fields non-blank,
    keys de-duplicated); the full :func:`kit.schema.validate_table` runs in the tests.
    """
    expected = {f.name: str(f.dtype) for f in TABLES[table].fields}
    actual = {c: str(t) for c, t in frame.dtypes.items()}
    if list(actual) != list(expected) or any(
        actual[c] != t and not (t == "category" and actual[c] == "category")
        for c, t in expected.items()
    ):
        raise AssertionError(f"intake built {table} with {actual}, expected {expected}")


def _typed_excluded(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(
        {"table": "str", "source_file": "str", "row_number": "int64", "reason": "str"}
    )


def _frame(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    types = {c: ("int64" if c in ("count", "row_number") else "str") for c in columns}
    return frame.astype(types)


def _short(value: Any) -> str:
    s = str(value)
    return s if len(s) <= _MAX_EXAMPLE else s[: _MAX_EXAMPLE - 3] + "..."


def _value_examples(values: pd.Series) -> str:
    """Up to five most frequent values with their counts, e.g. ``'Prospect' (12)``."""
    counts = pd.Series(values).astype(object).map(_short).value_counts()
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:5]
    return ", ".join(f"{v!r} ({n:,})" for v, n in ranked)


def _row_examples(sources: np.ndarray, rows: np.ndarray) -> str:
    """E.g. ``users.csv rows 4, 9``."""
    by_source: dict[str, list[str]] = {}
    for s, r in zip(sources, rows, strict=True):
        by_source.setdefault(str(s), []).append(str(r))
    return "; ".join(
        f"{s} row{'s' if len(r) > 1 else ''} {', '.join(r)}" for s, r in by_source.items()
    )


def _kind_text(f: Field) -> str:
    if f.vocabulary is not None:
        return f"a {f.name} ({', '.join(f.vocabulary)})"
    return {"datetime": "dates", "float": "amounts", "bool": "yes/no"}.get(f.kind, f.kind)


def _iso_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value
