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
import re
import shutil
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from kit._atomic import check_apart, check_target, private_tempdir
from kit._budget import Budget, BudgetError, Meter
from kit._version import __version__
from kit._yaml import describe, safe_load
from kit.dataset import EXCLUDED_COLUMNS, FACT_COLUMNS, Dataset, write_dataset
from kit.exceptions import InputError
from kit.intake.mapping import (
    BOOLEAN_WORDS,
    UNSET,
    ColumnSpec,
    CurrencySpec,
    Mapping,
    SourceSpec,
    close_match,
    load_mapping,
    normalize_key,
)
from kit.intake.normalize import (
    ISSUES,
    Converted,
    Translation,
    convert,
    derive,
    numeric_format,
    text,
    unread_hint,
)
from kit.intake.readers import (
    EmptyFileError,
    Export,
    RawTable,
    SourceFile,
    Unit,
    open_export,
    read_unit,
)
from kit.schema import TABLES, Field
from kit.sections import section_title
from kit.timeframe import event_columns, time_frame

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
    "no_such_date": "a day its month does not have (2025-02-30): now blank, never rolled over",
    "out_of_range_date": "a real date outside 1900 to 2199 (2999-12-31): now blank",
    "unparseable_amount": "a value that is not an amount: now blank",
    "mixed_date_formats": "one column holds dates written in more than one format",
    "excel_mangled": "an id or phone that Excel turned into a date or 1.2E+11",
    "duplicate_key": "a key seen before: later rows were excluded, the first kept",
    "orphan_reference": "points at a record that is not in the export",
    "other_currency": "an amount in another currency than the one kept, with no rate: now blank",
    "future_date": "an event dated after the export's date, or far after the rest of the data",
}
_ARROW_STR = pd.StringDtype("pyarrow", na_value=float("nan"))
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
def read_export(
    export: str | os.PathLike[str], *, mapping: Any = None, budget: Budget | None = None
) -> Dataset:
    """Read a CRM export into the canonical dataset, in memory.

    Parameters
    ----------
    export
        A folder, a ``.zip`` of one, or a single CSV/Excel/Parquet file.
    mapping
        ``None`` (canonical layout), a preset name (``"salesforce"``, ``"hubspot"``), the
        path of a mapping YAML file, or an already-parsed mapping dict.
    budget
        The memory and time intake may use (default: :class:`kit._budget.Budget`, with
        any limit raised by its environment variable).

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
        Blocking problems, all listed at once; :class:`kit._budget.BudgetError` when the
        export would need more memory or time than the budget.
    """
    resolved = load_mapping(mapping)
    budget = budget or Budget.from_environment()
    with (
        private_tempdir("kit-intake-") as tmp,
        Meter(
            budget, Path(export).name, on_hard_stop=lambda: shutil.rmtree(tmp, ignore_errors=True)
        ) as meter,
    ):
        found = open_export(Path(export), tmp, meter=meter)
        meter.measure(found.data_size)
        meter.check()
        return _Intake(resolved, found, meter=meter).run()


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
    >>> (d / "export").mkdir()
    >>> users = "user_id,name,team,role\\nu1,Ana,North,producer\\n"
    >>> _ = (d / "export" / "users.csv").write_text(users)
    >>> report = intake(d / "export", d / "dataset")
    >>> report.tables["users"]["rows_kept"], (d / "dataset" / "manifest.json").is_file()
    (1, True)
    """
    check_apart(export, out_dir)
    check_target(out_dir, replace=replace)
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
    if m.get("not_in_export"):
        lines += ["", "Not in this export (add the column to the export to assess more):"]
        for item in m["not_in_export"]:
            limits = (
                f"limits {', '.join(item['sections'])}"
                if item["sections"]
                else "used by no report section"
            )
            lines.append(
                f"  {item['table']}.{item['field']} "
                f"({' or '.join(repr(c) for c in item['columns'])}): {limits}"
            )
    if m.get("assumptions"):
        lines += ["", "Assumptions (check them with the client):"]
        lines += [f"  - {a}" for a in m["assumptions"]]
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
    orders = [o for o in m.get("date_orders") or [] if " read either way " not in o]
    if orders:
        lines += ["", "Numeric dates (03/04/2024) read:"] + [f"  {o}" for o in orders[:6]]
        if len(orders) > 6:
            lines.append(f"  ... and {len(orders) - 6} more (manifest.json: date_orders)")
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

    unit: Unit | _DerivedUnit
    raw: RawTable
    columns: dict[str, Converted]
    absent: list[str]
    unused: list[str] = field(default_factory=list)
    #: Date fields whose numeric dates read both ways, each with how to read it again in a
    #: given order (see :meth:`_Intake.settle_ambiguous`).
    ambiguous: dict[str, Any] = field(default_factory=dict)
    spec: SourceSpec | None = None
    #: field -> the source columns the mapping names that this file does not have
    not_in_file: dict[str, list[str]] = field(default_factory=dict)
    #: amount field -> what was done to make it one currency
    currencies: dict[str, _Money] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.raw.table.num_rows


@dataclass(frozen=True)
class _DerivedUnit:
    """Stands for the users derived from owner columns (there is no file)."""

    owners: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"users derived from {', '.join(self.owners)}"


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
    future_reference: str = "no dated events"
    meter: Meter | None = None
    lookups: _LookupFiles | None = None
    notes: list[str] = field(default_factory=list)
    not_in_export: list[dict[str, Any]] = field(default_factory=list)

    def check_budget(self) -> None:
        """Stop with :class:`BudgetError` if intake has gone over its resource budget."""
        if self.meter is not None:
            self.meter.check()

    def __post_init__(self) -> None:
        if self.lookups is None:
            self.lookups = _LookupFiles(self.mapping, self.export)

    # ----------------------------------------------------------------- orchestration
    def run(self) -> Dataset:
        self.problems.extend(self.export.problems)
        self.warnings.extend(self.export.notes)
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
                        self.notes.extend(part.notes)
                derived = [s for s in self.mapping.tables.get("users", ()) if s.derive]
                if derived and "users" not in parts and not self.problems:
                    users = self.derived_users(derived[0], parts)
                    if users is not None:
                        parts = {"users": [users], **parts}
                self.settle_ambiguous(parts)
                return self.finish(parts, engagement)
            finally:
                pool.shutdown(wait=True, cancel_futures=True)

    def isolated_assemble(
        self, item: tuple[str, list[_Part]]
    ) -> tuple[_TableResult, list[dict[str, Any]], list[str], list[str]]:
        """:meth:`assemble` with its own facts, warnings and notes (safe to run in a thread)."""
        worker = _Intake(self.mapping, self.export, meter=self.meter, lookups=self.lookups)
        result = worker.assemble(*item)
        self.check_budget()
        return result, worker.facts, worker.warnings, worker.notes

    def isolated_part(
        self, job: tuple[str, SourceSpec, Unit]
    ) -> tuple[_Part | None, list[str], list[str]]:
        """:meth:`part` with its own problem and warning lists (safe to run in a thread)."""
        worker = _Intake(self.mapping, self.export, meter=self.meter, lookups=self.lookups)
        part = worker.part(*job)
        self.check_budget()
        return part, worker.problems, worker.warnings

    def settle_ambiguous(self, parts: dict[str, list[_Part]]) -> None:
        """Read each date column whose numeric dates read both ways in the order every other
        column of the export showed (one export, one locale); with no such column, or
        columns that disagree, it is a blocking problem naming the fix."""
        shown: dict[bool, str] = {}
        for table, plist in parts.items():
            for p in plist:
                for fname, conv in p.columns.items():
                    if conv.dayfirst is not None and fname not in p.ambiguous:
                        shown.setdefault(conv.dayfirst, f"{p.unit.name}: {table}.{fname}")
        for plist in parts.values():
            for p in plist:
                for fname, redo in p.ambiguous.items():
                    if len(shown) != 1:
                        self.problems.append(redo(None, shown))
                        continue
                    dayfirst, where = next(iter(shown.items()))
                    conv, problems = redo(dayfirst, shown)
                    word = "day-first" if dayfirst else "month-first"
                    conv.order = (
                        f"{word} (its values read both ways; the export's other dates are "
                        f"{word}, e.g. {where})"
                    )
                    p.columns[fname] = conv
                    self.problems.extend(problems)

    def finish(self, parts: dict[str, list[_Part]], engagement: dict[str, Any] | None) -> Dataset:
        self.check_budget()
        if self.problems:
            raise self.blocking()
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kit-table") as pool:
            done = list(pool.map(self.isolated_assemble, parts.items()))
        results = {}
        for (table, _), (result, facts, warnings, notes) in zip(parts.items(), done, strict=True):
            results[table] = result
            self.facts.extend(facts)
            self.warnings.extend(warnings)
            self.notes.extend(notes)
        for t in TABLES:
            if TABLES[t].required and t in results and results[t].frame.empty:
                self.problems.append(
                    f"{t}: no rows left to assess ({', '.join(p.unit.name for p in parts[t])} "
                    "has no data rows, or every row was excluded). The table is required."
                )
        if self.problems:
            raise self.blocking()
        tables = {t: r.frame for t, r in results.items()}
        self.check_budget()
        self.cross_table(tables, engagement)
        self.check_budget()
        for name, frame in tables.items():
            _check_structure(name, frame)
        self.not_in_export = _not_in_export(results)
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
                if spec.derive:
                    continue
                hits = [u for u in units if any(u.matches(p) for p in spec.patterns)]
                seen = {u.name for _, u in pairs}
                hits = [u for u in hits if u.name not in seen]
                derivable = any(s.derive for s in specs)
                if not hits and not spec.optional and not TABLES[table].required and not derivable:
                    self.problems.append(self.no_file(table, spec, names))
                pairs.extend((spec, u) for u in hits)
                used.update(u.name for u in hits)
            if pairs:
                assignment[table] = pairs
        assert self.lookups is not None  # set in __post_init__
        used.update(self.lookups.used_units())
        for t in TABLES:
            if TABLES[t].required and t not in assignment:
                specs = self.mapping.tables.get(t, ())
                if any(s.derive for s in specs):
                    continue  # users derived from the owner columns
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
        # a mapping cannot keep spaces around a name (and needs none: matching ignores them)
        hint = f" Did you mean {guess.strip()!r}?" if guess else ""
        required = " It is required." if TABLES[table].required else ""
        archives = self.export.archives
        inside = (
            f" The export also holds {', '.join(archives[:5])}: an archive inside the export is "
            "not opened; unzip it into the export folder and run intake again."
            if archives
            else ""
        )
        return (
            f"{table}: no file in the export matches {pats}.{required} Data files in the "
            f"export: {listing}.{hint}{inside} Fix `source:` for {table} in the mapping"
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
            data = safe_load(path.read_text(encoding="utf-8-sig"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            what = describe(exc) if isinstance(exc, yaml.YAMLError) else str(exc)
            self.problems.append(f"{rel}: not valid YAML ({what}); fix or remove it.")
            return None
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.problems.append(f"{rel}: must be 'key: value' lines (client, launch_date, ...).")
            return None
        out: dict[str, Any] = {}
        known = ("client", "launch_date", "as_of", "export_date", "seat_cost_per_month")
        for key, value in data.items():
            key = str(key)
            if key in ("launch_date", "as_of", "export_date") and value is not None:
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
                meter=self.meter,
            )
        except EmptyFileError as exc:
            self.problems.append(
                f"{unit.name} (read as {table}): {exc.what}. "
                "Re-export it with its column names"
                + ("." if tdef.required else ", or remove it if the table is not available.")
            )
            return None
        except BudgetError:
            raise
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
        return self.convert_part(table, spec, unit, raw)

    def convert_part(
        self, table: str, spec: SourceSpec, unit: Unit | _DerivedUnit, raw: RawTable
    ) -> _Part | None:
        """Convert the columns of one unit read for ``table``."""
        tdef = TABLES[table]
        header = raw.table.column_names
        resolve = _resolver(header)
        lenient = self.mapping.allow_missing_columns
        assert self.lookups is not None  # set in __post_init__
        absent: list[str] = []
        not_in_file: dict[str, list[str]] = {}
        usable: dict[str, ColumnSpec] = {}
        notes: list[str] = []
        for fname, cs in spec.columns.items():
            f = tdef.field(fname)
            missing = [c for c in cs.source_columns() if resolve(c) is None]
            lookup_problems = [
                problem
                for pattern, cols in _lookup_files(cs)
                if (problem := self.lookups.check(pattern, cols, f"{unit.name}: {table}.{fname}"))
            ]
            if not missing and not lookup_problems:
                usable[fname] = cs
                continue
            if lenient or cs.optional:
                available = _available(cs, resolve, self.lookups)
                if available is not None:
                    usable[fname] = available
                    skipped = _skipped_levels(cs, available)
                    if skipped:
                        notes.append(
                            f"{unit.name}: {', '.join(repr(c) for c in skipped)} not in the "
                            f"file (or in a file it looks up), so {table}.{fname} is read "
                            f"from {_describe_spec(available)}"
                        )
                    continue
                if not f.required:
                    absent.append(fname)
                    not_in_file[fname] = missing or [
                        c for _, cols in _lookup_files(cs) for c in cols
                    ]
                    continue
            for c in missing:
                self.problems.append(self.missing_column(unit, table, f, c, header, raw))
            self.problems.extend(lookup_problems)
        for fname, cs in list(usable.items()):
            if cs.from_field is not None and cs.from_field not in usable and not spec.derive:
                del usable[fname]
                absent.append(fname)
        absent += [f.name for f in tdef.fields if f.name not in spec.columns]
        # lines after the last record (a report export's title, copyright and "Generated
        # By" footer) are listed as excluded but do not make the file unreadable
        last = (
            int(raw.row_numbers(np.array([raw.table.num_rows - 1]))[0]) if raw.table.num_rows else 0
        )
        inside = [n for n, why in raw.malformed if n < last or not why.startswith("row has 1 ")]
        if len(inside) > _BLOCKING_SHARE * max(raw.rows_read, 1) and inside:
            rows = ", ".join(str(n) for n in inside[:5])
            self.problems.append(
                f"{unit.name} (read as {table}): {len(raw.malformed)} of {raw.rows_read} rows "
                f"have a different number of fields than the header (e.g. rows {rows}). The "
                f"delimiter was taken to be {raw.delimiter!r}; if that is wrong set "
                "`delimiter:` for this source in the mapping, otherwise fix the quoting."
            )
        columns: dict[str, Converted] = {}
        currencies: dict[str, _Money] = {}

        def column(name: str) -> pa.ChunkedArray | None:
            actual = resolve(name)
            return None if actual is None else raw.table.column(actual)

        def from_field(name: str) -> pa.ChunkedArray:
            values = columns[name].values
            return text(pa.array(values.astype(object), type=pa.string(), from_pandas=True))

        def convert_field(fname: str, dayfirst: bool | None = None) -> Converted:
            cs = usable[fname]
            f = tdef.field(fname)
            assert self.lookups is not None  # set in __post_init__
            tr = Translation(
                f,
                # a spec with a fallback applies its own value maps level by level (derive)
                spec_values={} if cs.fallback else cs.values,
                default=UNSET if cs.fallback else cs.default,
                mapping_values=self.mapping.values.get(fname, {}),
                patterns=() if cs.fallback else cs.patterns,
            )
            arr = derive(
                cs, raw.table, column, from_field=from_field, other_file=self.lookups.column_of
            )
            if f.kind == "id":
                arr = self.clean_ids(arr)
            conv = convert(
                arr,
                f,
                tr,
                dayfirst=next(
                    (d for d in (dayfirst, cs.dayfirst, self.mapping.dayfirst) if d is not None),
                    None,
                ),
                date_format=cs.format or self.mapping.date_format,
                source_tz=cs.timezone or _zone_of_times(arr, self.mapping.source_timezone),
                org_tz=self.mapping.timezone,
                check_mangled=f.unique or fname in _MANGLE_CHECKED,
            )
            if cs.currency is not None:
                codes = next((c for c in map(column, cs.currency.column) if c is not None), None)
                if codes is not None:
                    currencies[fname] = _one_currency(conv, codes, cs.currency)
            if cs.infer_stage and conv.bad.any():
                note = _place_stages(conv, f, cs.infer_stage, column, f"{table}.{fname}")
                if note:
                    notes.append(note)
            if cs.when is not None and cs.when_else is not UNSET:
                labels = None
                if tdef.key is not None and "name" in usable and fname != "name":
                    labels = derive(usable["name"], raw.table, column, from_field=from_field)
                note = _when_else_note(unit.name, table, fname, cs, column, labels)
                if note:
                    notes.append(note)
            return conv

        ambiguous: dict[str, Any] = {}
        direct = [n for n in usable if usable[n].from_field is None]
        derived = [n for n in usable if usable[n].from_field is not None]
        # pyarrow compute releases the GIL: convert the columns two at a time
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kit-convert") as pool:
            columns.update(zip(direct, pool.map(convert_field, direct), strict=True))
        for fname in derived:
            columns[fname] = convert_field(fname)
        for fdef in tdef.fields:
            conv = columns.get(fdef.name)
            if conv is None:
                continue
            if conv.ambiguous:
                ambiguous[fdef.name] = self.redo_dates(
                    unit, table, fdef, usable[fdef.name], conv, raw, convert_field
                )
                continue
            if fdef.required:
                self.check_required(unit, table, fdef, usable[fdef.name], conv, raw)
            if conv.aware and self.mapping.timezone is None:
                self.warnings.append(
                    f"{unit.name}: {table}.{fdef.name} has {conv.aware:,} time-zone-aware "
                    "values, converted to UTC; set `timezone:` (e.g. America/Chicago) in the "
                    "mapping to get the organization's local times"
                )
        read = {resolve(c) for cs in usable.values() for c in _all_columns(cs)}
        unused = [h for h in header if h not in read]
        return _Part(
            unit=unit,
            raw=raw,
            columns=columns,
            absent=sorted(set(absent)),
            unused=unused,
            ambiguous=ambiguous,
            spec=spec,
            not_in_file=not_in_file,
            currencies=currencies,
            notes=notes,
        )

    def derived_users(self, spec: SourceSpec, parts: dict[str, list[_Part]]) -> _Part | None:
        """Users found in owner columns (an export with no users file): one per distinct
        owner, named as written there (the id when owners are names); other fields from the
        spec's columns, where a ``column`` is read on the owner's rows (its most frequent
        value for that owner)."""
        owners: list[pd.Series] = []
        wanted = sorted({c for cs in spec.columns.values() for c in cs.source_columns()})
        extra: dict[str, list[pd.Series]] = {c: [] for c in wanted}
        seen = dict.fromkeys(wanted, False)
        sources = []
        for table, fname in spec.derive:
            for p in parts.get(table, []):
                conv = p.columns.get(fname)
                if conv is None:
                    continue
                sources.append(f"{p.unit.name} ({table}.{fname})")
                owner = conv.values.astype(object)
                owners.append(owner)
                resolve = _resolver(p.raw.table.column_names)
                for c in wanted:
                    actual = resolve(c)
                    seen[c] = seen[c] or actual is not None
                    col = (
                        pd.Series(_trimmed(text(p.raw.table.column(actual))).to_pandas())
                        if actual is not None
                        else pd.Series([None] * len(owner), dtype=object)
                    )
                    extra[c].append(col.astype(object))
        refs = ", ".join(f"{t}.{f}" for t, f in spec.derive)
        every = pd.concat(owners, ignore_index=True) if owners else pd.Series([], dtype=object)
        found = every.dropna()
        if found.empty:
            self.problems.append(
                f"users: there is no users file, and no owner was found in {refs} to derive "
                "users from"
                + (f" ({'; '.join(sources)} have no owner filled in)" if sources else "")
                + ". Export the users (or add an owner column to the export's view)."
            )
            return None
        distinct = sorted(found.unique(), key=str)
        data: dict[str, Any] = {"__owner__": pa.array(distinct, pa.string())}
        for c, pieces in extra.items():
            if not seen[c]:
                continue  # in no file: reported as a missing column
            frame = pd.DataFrame({"owner": every, "value": pd.concat(pieces, ignore_index=True)})
            frame = frame.dropna()
            counts = frame.value_counts().reset_index(name="n")
            counts = counts.sort_values(["owner", "n", "value"], ascending=[True, False, True])
            top = counts.drop_duplicates("owner").set_index("owner")["value"]
            data[c] = pa.array([top.get(o) for o in distinct], pa.string())
        unit = _DerivedUnit(owners=tuple(f"{t}.{f}" for t, f in spec.derive))
        raw = RawTable(table=pa.table(data))
        columns = {fname: _owner_input(cs) for fname, cs in spec.columns.items()}
        part = self.convert_part("users", replace(spec, columns=columns), unit, raw)
        if part is not None:
            team = spec.columns.get("team")
            self.notes.append(
                f"users: no users file; {len(distinct):,} users derived from the owners in "
                f"{refs}, keyed and named as written there; team "
                f"{_describe_spec(team)}; role {_describe_spec(spec.columns.get('role'))}. "
                "People who own no record are not in the assessment."
            )
        return part

    def clean_ids(self, arr: pa.ChunkedArray) -> pa.ChunkedArray:
        """Ids as the mapping says to read them: "no link" placeholders blank, 15-character
        Salesforce ids in their 18-character form."""
        if not (self.mapping.blank_ids or self.mapping.salesforce_ids):
            return arr
        t = _trimmed(text(arr))
        if self.mapping.blank_ids:
            placeholder = pc.is_in(t, value_set=pa.array(self.mapping.blank_ids, pa.string()))
            if pc.any(placeholder).as_py():
                t = pc.if_else(placeholder, pa.scalar(None, pa.string()), t)
        if self.mapping.salesforce_ids:
            t = _salesforce_18(t)
        return t

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
        self,
        unit: Unit | _DerivedUnit,
        table: str,
        f: Field,
        column: str,
        header: list[str],
        raw: RawTable,
    ) -> str:
        shown = ", ".join(header[:25]) + (
            f" ... ({len(header)} columns)" if len(header) > 25 else ""
        )
        guess = close_match(column, header)
        preset = next(
            (
                o.split(":", 1)[1]
                for o in (self.mapping.origin, *self.mapping.extends)
                if o.startswith("preset:")
            ),
            None,
        )
        if guess:
            fix = f"change the mapping to `{f.name}: {guess}`"
        elif preset is not None and preset != "canonical":
            fix = (
                f"export the file again with the column {column!r} (add it to the view or "
                f"report before exporting), or map {table}.{f.name} to one of the columns "
                f"above in a mapping that `extends: {preset}`"
            )
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

    def redo_dates(
        self,
        unit: Unit | _DerivedUnit,
        table: str,
        f: Field,
        cs: ColumnSpec,
        conv: Converted,
        raw: RawTable,
        convert_field: Any,
    ) -> Any:
        """How to settle an ambiguous date column once the export's other columns are read:
        ``redo(dayfirst, shown)`` reads it again in that order (the converted column and its
        blocking problems), or with ``None`` returns the blocking problem."""

        def redo(dayfirst: bool | None, shown: dict[bool, str]) -> Any:
            if dayfirst is None:
                return self.ambiguous_dates(unit, table, f, cs, conv, shown)
            again = convert_field(f.name, dayfirst=dayfirst)
            worker = _Intake(self.mapping, self.export)
            if f.required:
                worker.check_required(unit, table, f, cs, again, raw)
            return again, worker.problems

        return redo

    def ambiguous_dates(
        self,
        unit: Unit | _DerivedUnit,
        table: str,
        f: Field,
        cs: ColumnSpec,
        conv: Converted,
        shown: dict[bool, str] | None = None,
    ) -> str:
        """The blocking problem of a date column that reads both day-first and month-first,
        with the fix built from its own values."""
        column = cs.column[0] if len(cs.column) == 1 else None
        where = f"{unit.name}: {table}.{f.name}" + (f" (column {column!r})" if column else "")
        example = conv.ambiguous[0]
        day_first, month_first = (
            f"{d.day} {d:%B %Y}"
            for d in (
                dt.datetime.strptime(example, numeric_format(example, dayfirst=first) or "")
                for first in (True, False)
            )
        )
        fmt = numeric_format(example, dayfirst=True)
        per_column = (
            f", or give this column's format: `{f.name}: {{column: {column}, format: '{fmt}'}}`"
            if column
            else ""
        )
        return (
            f"{where}: the dates are ambiguous: values such as "
            f"{', '.join(repr(v) for v in conv.ambiguous)} read both day-first and month-first "
            f"({example!r} is {day_first} or {month_first}), and no value has a day above 12 "
            f"to tell which{_other_columns(shown)}. Fix: state the order in the mapping: "
            "`dates: {dayfirst: true}` "
            f"(reads {example!r} as {day_first}) or `dates: {{dayfirst: false}}` (reads it as "
            f"{month_first}){per_column}."
        )

    def check_required(
        self,
        unit: Unit | _DerivedUnit,
        table: str,
        f: Field,
        cs: ColumnSpec,
        conv: Converted,
        raw: RawTable,
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
                unread_hint([str(v) for v in conv.raw.head(1000)], dayfirst=None)
                or "give this column's date format with `format:`"
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
                    kinds = self.bad_kinds(parts, offsets, tdef.field(name), pos[sel_bad])
                    label = "unrecognized" if TABLES[table].field(name).vocabulary else "unreadable"
                    reasons.loc[pos[sel_bad]] += [
                        _bad_reason(k, label, name, v) for k, v in zip(kinds, raw, strict=True)
                    ]
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
        # -- stage history rows that are not stage changes (amount or date edits)
        if total and any(p.spec is not None and p.spec.changes_only for p in parts):
            same, same_reasons = self.not_stage_changes(values, ~(excluded | duplicate))
            if len(same_reasons):
                duplicate |= same
                dup_reasons = pd.concat([dup_reasons, same_reasons])
                self.notes.append(
                    f"stage_history: {len(same_reasons):,} of {total:,} rows are not stage "
                    "changes (the opportunity was already in that stage: an edit of its amount "
                    "or dates); excluded, each listed in excluded_rows."
                )
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
            if any(f.name in p.currencies for p in parts):
                monies = [p.currencies.get(f.name) or _no_money(p.rows) for p in parts]
                note, fact = _money_notes(table, f.name, monies, keep)
                if note:
                    self.notes.append(note)
                if fact:
                    self.fact(table, f.name, "other_currency", *fact)
        frame = pd.DataFrame(values, copy=False)
        if not keep.all():
            frame = frame[keep].reset_index(drop=True)
        frame = _finish(table, frame)
        kept_per_part = [int(keep[offsets[i] : offsets[i + 1]].sum()) for i in range(len(parts))]
        read_per_part = [p.raw.rows_read for p in parts]
        absent = sorted(set.intersection(*(set(p.absent) for p in parts))) if parts else []
        return _TableResult(frame, excluded_frame, parts, kept_per_part, read_per_part, absent)

    @staticmethod
    def bad_kinds(
        parts: list[_Part], offsets: np.ndarray, f: Field, positions: np.ndarray
    ) -> list[str]:
        """The quality issue of each unusable value of ``f`` at global ``positions``."""
        owner = np.searchsorted(offsets, positions, side="right") - 1
        out = np.empty(len(positions), dtype=object)
        for i in np.unique(owner):
            sel = owner == i
            kinds = _bad_kinds(f, parts[i].columns[f.name], positions[sel] - offsets[i])
            issue = np.empty(int(sel.sum()), dtype=object)
            for kind, rows in kinds.items():  # disjoint
                issue[rows] = kind
            out[sel] = issue
        return out.tolist()

    @staticmethod
    def not_stage_changes(
        values: dict[str, pd.Series], candidates: np.ndarray
    ) -> tuple[np.ndarray, pd.Series]:
        """Rows (among ``candidates``) whose stage is the stage of the same opportunity's
        previous row, by time (then file order), and their exclusion reasons."""
        pos = np.flatnonzero(candidates)
        frame = pd.DataFrame(
            {
                "opportunity": values["opportunity_id"].iloc[pos].to_numpy(dtype=object),
                "stage": values["stage"].iloc[pos].to_numpy(dtype=object),
                "at": values["changed_at"].iloc[pos].to_numpy(),
                "pos": pos,
            }
        ).sort_values(["opportunity", "at", "pos"], kind="stable")
        same = (frame["opportunity"] == frame["opportunity"].shift()) & (
            frame["stage"] == frame["stage"].shift()
        )
        hits = frame[same.to_numpy()]
        mask = np.zeros(len(candidates), dtype=bool)
        mask[hits["pos"].to_numpy()] = True
        reasons = pd.Series(
            [
                f"not a stage change: the opportunity was already in stage {s} "
                "(an edit of its amount or dates)"
                for s in hits["stage"]
            ],
            index=hits["pos"].to_numpy(),
            dtype=object,
        )
        return mask, reasons

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
        raws: dict[str, list[pd.Series]] = {}
        formats: Counter[str] = Counter()
        mangled = []
        for i, p in enumerate(parts):
            conv = p.columns.get(name)
            if conv is None:
                continue
            start, stop = offsets[i], offsets[i + 1]
            if len(conv.raw):
                at = conv.raw.index.to_numpy()
                in_scope = scope[start:stop][at]
                for issue, rows in _bad_kinds(f, conv, at).items():
                    raws.setdefault(issue, []).append(conv.raw[in_scope & rows])
            formats.update(conv.formats)
            if conv.mangled is not None:
                mangled.append(conv.mangled[keep[start:stop][conv.mangled.index.to_numpy()]])
            for hint in conv.hints:
                self.warnings.append(f"{p.unit.name}: {table}.{name}: {hint}")
        for issue, pieces in raws.items():
            raw = pd.concat(pieces, ignore_index=True)
            if len(raw):
                self.fact(table, name, issue, len(raw), _value_examples(raw))
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

        An event date is future-dated when it lies after the export's date (``export_date``
        in ``engagement.yaml``) or far from the rest of the data (:mod:`kit.timeframe`);
        due dates, open loans' expected close, seat starts and campaign starts may lie ahead.
        """
        frame = time_frame(tables, export_date=(engagement or {}).get("export_date"))
        self.future_reference = frame.rule
        future_rows = {
            (table, column): rows[values >= np.datetime64(frame.future_after, "us")]
            for table, column, values, rows in event_columns(tables)
            if frame.future_after is not None
        }

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
            future = future_rows.get((name, f.name))
            if future is not None and len(future):
                found.append(
                    _fact(
                        name,
                        f.name,
                        "future_date",
                        len(future),
                        _value_examples(col.iloc[future].dt.strftime("%Y-%m-%d")),
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
                if isinstance(p.unit, _DerivedUnit):
                    sources.append(
                        {
                            "derived_from": list(p.unit.owners),
                            "table": name,
                            "rows_read": read,
                            "rows_kept": kept,
                            "rows_excluded": read - kept,
                        }
                    )
                    continue
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
        assert self.lookups is not None  # set in __post_init__
        return {
            "kit_version": __version__,
            "export": export,
            "mapping": self.mapping.describe(),
            "timezone": self.mapping.timezone,
            "source_timezone": self.mapping.source_timezone,
            "sources": sources,
            "lookup_files": self.lookups.describe(),
            "tables": tables,
            "tables_not_provided": [t for t in TABLES if t not in results],
            "not_in_export": self.not_in_export,
            "assumptions": self.assumptions(results),
            "quality_facts": n_facts,
            "excluded_rows": sum(t["rows_excluded"] for t in tables.values()),
            "warnings": list(dict.fromkeys(self.warnings)),
            "date_orders": [
                f"{p.unit.name}: {name}.{fname} read {conv.order}"
                for name, r in results.items()
                for p in r.parts
                for fname, conv in p.columns.items()
                if conv.order
            ],
            "engagement": engagement,
            "future_dates_after": self.future_reference,
        }

    def assumptions(self, results: dict[str, _TableResult]) -> list[str]:
        """What intake assumed, for the summary: the time zone of zone-less times, derived
        users, currencies, rows set by a rule, stage-history rows that are not changes."""
        out = []
        source_tz, org_tz = self.mapping.source_timezone, self.mapping.timezone
        dated = any(
            name in p.columns
            for r in results.values()
            for p in r.parts
            # every part has its spec (_Part is made with one; the `if` below runs after this)
            for name in (
                f.name
                for f in TABLES[cast(SourceSpec, p.spec).table].fields
                if f.kind == "datetime"
            )
            if p.spec is not None
        )
        if source_tz and dated:
            if org_tz and org_tz != source_tz:
                out.append(
                    f"Times written without a time zone are read as {source_tz} (the export's "
                    f"zone) and converted to the organization's time zone {org_tz}."
                )
            elif org_tz:
                out.append(f"Times written without a time zone are read as {source_tz}.")
            else:
                out.append(
                    f"Times written without a time zone are read as {source_tz} (the export's "
                    f"zone) and kept in {source_tz}: set `timezone:` (e.g. America/Chicago) "
                    "in the mapping to get the organization's local times (times of day and "
                    "same-day response use them)."
                )
        out.extend(self.notes)
        return list(dict.fromkeys(out))


# --------------------------------------------------------------------------- lookup files
class _LookupFiles:
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
                for pattern, _ in _lookup_files(cs)
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
            paths = sorted(p for p in base.glob(pattern) if p.is_file())
            units = [Unit(SourceFile(rel=p.name, path=p, size=p.stat().st_size)) for p in paths]
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
        resolve = _resolver(loaded[1].column_names)
        return [c for c in columns if resolve(c) is None]

    def check(self, pattern: str, columns: tuple[str, ...], where: str) -> str | None:
        """A blocking problem of a lookup in file ``pattern`` by ``where``, if any."""
        loaded = self.load(pattern)
        if isinstance(loaded, str):
            return f"{where}: {loaded} Fix `lookup: file:` in the mapping."
        unit, table = loaded
        resolve = _resolver(table.column_names)
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
        resolve = _resolver(table.column_names)

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


def _owner_input(cs: ColumnSpec) -> ColumnSpec:
    """A derived user's spec with ``from_field: user_id`` read as the owner itself."""
    fallback = None if cs.fallback is None else _owner_input(cs.fallback)
    if cs.from_field == "user_id":
        return replace(cs, from_field=None, column=("__owner__",), fallback=fallback)
    return replace(cs, fallback=fallback)


def _describe_spec(cs: ColumnSpec | None) -> str:
    """A column spec in a few words, for the summary."""
    if cs is None:
        return "not set"
    parts = []
    if cs.has_constant:
        parts.append(f"{cs.constant!r} for everyone")
    elif cs.column == ("__owner__",) or cs.from_field == "user_id":
        parts.append("the owner as written")
    elif cs.column or cs.join:
        parts.append(f"column {' / '.join(repr(c) for c in cs.column or cs.join)}")
    elif cs.from_field:
        parts.append(f"field {cs.from_field}")
    if cs.lookup_file is not None and cs.lookup is not None:
        parts.append(f"looked up in {cs.lookup_file} ({cs.lookup[0]} -> {cs.lookup[1]})")
    elif cs.lookup is not None:
        parts.append(f"looked up ({cs.lookup[0]} -> {cs.lookup[1]})")
    if cs.fallback is not None:
        parts.append(f"else {_describe_spec(cs.fallback)}")
    return ", ".join(parts) or "derived"


def _not_in_export(results: dict[str, _TableResult]) -> list[dict[str, Any]]:
    """Fields the mapping reads from columns that no file of their table has, once each,
    with the report sections they limit."""
    out = []
    for table, r in results.items():
        parts = [p for p in r.parts if p.spec is not None]
        if not parts:
            continue
        for f in TABLES[table].fields:
            if not all(f.name in p.not_in_file for p in parts):
                continue
            columns = list(dict.fromkeys(c for p in parts for c in p.not_in_file[f.name]))
            out.append(
                {
                    "table": table,
                    "field": f.name,
                    "columns": columns,
                    "files": [p.unit.name for p in parts],
                    "sections": [section_title(s) for s in f.sections],
                }
            )
    return out


def _lookup_files(cs: ColumnSpec) -> list[tuple[str, tuple[str, ...]]]:
    """``(file pattern, its columns)`` of every lookup in another file by ``cs``."""
    found = []
    while cs is not None:
        if cs.lookup is not None and cs.lookup_file is not None:
            found.append((cs.lookup_file, cs.lookup))
        cs = cs.fallback  # type: ignore[assignment]
    return found


def _zone_of_times(arr: pa.ChunkedArray, zone: str | None) -> str | None:
    """``zone`` for a column of times; ``None`` for a column of calendar dates only (a
    date such as a close date is the same day in every zone: never shifted)."""
    if zone is None or pa.types.is_date(arr.type):
        return None
    if pa.types.is_timestamp(arr.type):
        return zone
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        has_time = pc.any(pc.match_substring(arr, ":")).as_py()
        return zone if has_time else None
    return zone


def _all_columns(cs: ColumnSpec) -> tuple[str, ...]:
    """Every column of the row ``cs`` reads, its currency column included."""
    extra = cs.currency.column if cs.currency is not None else ()
    return (*cs.source_columns(), *extra, *cs.infer_stage.values())


#: Where an open stage of a given probability sits: the placement the salesforce preset
#: gives Salesforce's default stages of that probability (Prospecting 10: new lead, Needs
#: Analysis 20 and Value Proposition 50: pre-approval, Id. Decision Makers 60 and
#: Perception Analysis 70: application, Proposal 75: processing, Negotiation 90:
#: underwriting); an open stage at 100% is clear to close.
_PROBABILITY_BANDS = (
    (20.0, "new_lead"),
    (60.0, "pre_approval"),
    (75.0, "application"),
    (90.0, "processing"),
    (100.0, "underwriting"),
    (float("inf"), "clear_to_close"),
)


def _place_stages(
    conv: Converted, f: Field, infer: dict[str, str], column: Any, where: str
) -> str | None:
    """Place stage names no value map knows from what the rows carrying them say: closed
    and won (funded), closed and not won (lost), forecast category Closed (funded) or
    Omitted at 0% (lost), else the median probability (:data:`_PROBABILITY_BANDS`). One
    placement per stage name, stated in the summary; names with no evidence stay unknown."""
    cols = {k: column(c) for k, c in infer.items()}
    if not any(c is not None for c in cols.values()):
        return None
    positions = conv.raw.index.to_numpy()
    frame = pd.DataFrame({"name": conv.raw.astype(str).to_numpy()})
    take = pa.array(positions)
    for key, col in cols.items():
        if col is not None:
            frame[key] = pd.Series(_trimmed(text(col)).take(take).to_pandas(), dtype=object)
    placed: dict[str, tuple[str, str]] = {}
    for name, rows in frame.groupby("name", sort=True):
        closed = _share_true(rows.get("closed"))
        won = _share_true(rows.get("won"))
        forecast = rows.get("forecast")
        prob = (
            pd.to_numeric(rows.get("probability"), errors="coerce")
            if "probability" in rows
            else None
        )
        median = None if prob is None or prob.isna().all() else float(prob.median())
        top_forecast = None
        if forecast is not None and forecast.notna().any():
            top_forecast = normalize_key(forecast.dropna().value_counts().index[0])
        if closed is not None and closed > 0.5 and won is not None:
            stage, why = ("funded", "closed and won") if won > 0.5 else ("lost", "closed, not won")
        elif top_forecast == "closed":
            stage, why = "funded", "forecast category Closed"
        elif top_forecast == "omitted" and median == 0:
            stage, why = "lost", "forecast category Omitted at 0%"
        elif median is not None:
            stage = next(s for limit, s in _PROBABILITY_BANDS if median < limit)
            why = f"open at {median:g}%"
        else:
            continue
        placed[str(name)] = (stage, why)
    if not placed:
        return None
    vocab = list(f.vocabulary or ())
    codes = conv.values.cat.codes.to_numpy().copy()
    names = conv.raw.astype(str)
    hit = names.isin(list(placed)).to_numpy()
    for pos, name in zip(positions[hit], names[hit], strict=True):
        codes[pos] = vocab.index(placed[name][0])
    conv.values = pd.Series(pd.Categorical.from_codes(codes, categories=vocab))
    conv.bad = conv.bad.copy()
    conv.bad[positions[hit]] = False
    conv.raw = conv.raw[~hit]
    counts = names[hit].value_counts()
    shown = "; ".join(
        f"{name!r} ({counts[name]:,} row{'s' if counts[name] > 1 else ''}, {why}) -> {stage}"
        for name, (stage, why) in placed.items()
    )
    return (
        f"{where}: {len(placed)} stage name(s) not in the mapping placed from "
        f"{', '.join(c for c in infer.values())}: {shown}. Put them under `values: stage:` "
        "to place them yourself."
    )


def _share_true(values: pd.Series | None) -> float | None:
    """Share of yes among the readable yes/no ``values``, or ``None``."""
    if values is None:
        return None
    words = values.dropna().map(lambda v: BOOLEAN_WORDS.get(normalize_key(v)))
    words = words.dropna()
    return None if words.empty else float(words.astype(bool).mean())


# --------------------------------------------------------------------------- ids, money
_SF_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
#: 15 letters and digits, at least three of them digits (ids are; a name is not)
_SF_15 = re.compile(r"^(?=(?:[^0-9]*[0-9]){3})[a-zA-Z0-9]{15}$")


def salesforce_18(sf_id: str) -> str:
    """The 18-character form of a 15-character Salesforce id (others unchanged).

    Salesforce adds three characters encoding which of the 15 are upper case, so that ids
    differing only in case stay distinct where case is ignored.

    >>> salesforce_18("0055e000001AbCd")
    '0055e000001AbCdAAK'
    >>> salesforce_18("0055e000001AbCdAAK")
    '0055e000001AbCdAAK'
    >>> salesforce_18("AnaRuizGonzalez")  # a name, not an id
    'AnaRuizGonzalez'
    """
    if not _SF_15.match(sf_id):
        return sf_id
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(sf_id[start : start + 5]) if "A" <= ch <= "Z")
        suffix += _SF_SUFFIX[bits]
    return sf_id + suffix


def _salesforce_18(t: pa.ChunkedArray) -> pa.ChunkedArray:
    short = pc.equal(pc.utf8_length(t), 15)
    if not pc.any(short).as_py():
        return t
    encoded = pc.dictionary_encode(t).combine_chunks()
    longer = pa.array(
        [None if v is None else salesforce_18(v) for v in encoded.dictionary.to_pylist()],
        pa.string(),
    )
    return pa.chunked_array([pc.take(longer, encoded.indices)])


def _trimmed(t: pa.ChunkedArray) -> pa.ChunkedArray:
    trimmed = pc.utf8_trim_whitespace(t)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


@dataclass
class _Money:
    """What :func:`_one_currency` did to one amount column."""

    base: str | None
    codes: np.ndarray  # each row's currency (blank codes read as the base)
    original: np.ndarray  # the amounts as written
    blanked: np.ndarray  # rows left blank: another currency without a rate
    converted: np.ndarray  # rows converted at a rate
    rates: dict[str, float]


def _one_currency(conv: Converted, codes_column: pa.ChunkedArray, spec: CurrencySpec) -> _Money:
    """Make the amounts of ``conv`` one currency, in place: converted at ``spec.rates``, or
    (without a rate) left blank."""
    codes = (
        pd.Series(_trimmed(text(codes_column)).to_pandas(), dtype=object)
        .str.upper()
        .to_numpy(dtype=object)
    )
    amounts = conv.values.to_numpy(dtype=np.float64, copy=True)
    original = amounts.copy()
    has_amount = ~np.isnan(amounts)
    present = pd.Series(codes[has_amount]).dropna().value_counts()
    ranked = sorted(present.items(), key=lambda kv: (-kv[1], kv[0]))
    base = spec.to or (ranked[0][0] if ranked else None)
    codes = cast(np.ndarray, np.where(pd.isna(codes), base, codes))
    blanked = np.zeros(len(amounts), dtype=bool)
    converted = np.zeros(len(amounts), dtype=bool)
    for code, _ in ranked:
        rows = has_amount & (codes == code)
        if code == base:
            continue
        if code in spec.rates:
            amounts[rows] = amounts[rows] * spec.rates[code]
            converted |= rows
        else:
            amounts[rows] = np.nan
            blanked |= rows
    conv.values = pd.Series(amounts)
    return _Money(base, codes, original, blanked, converted, spec.rates)


def _no_money(n: int) -> _Money:
    """A part whose amounts needed no currency handling (no currency column)."""
    empty = np.zeros(n, dtype=bool)
    return _Money(None, np.full(n, None, dtype=object), np.full(n, np.nan), empty, empty, {})


def _money_notes(
    table: str, fname: str, monies: list[_Money], keep: np.ndarray
) -> tuple[str | None, tuple[int, str] | None]:
    """The summary's note on the currencies of an amount field, and its ``other_currency``
    fact ``(count, examples)`` (on the rows kept), if any."""
    codes = np.concatenate([m.codes for m in monies])[keep]
    original = np.concatenate([m.original for m in monies])[keep]
    blanked = np.concatenate([m.blanked for m in monies])[keep]
    converted = np.concatenate([m.converted for m in monies])[keep]
    base = next((m.base for m in monies if m.base), None)
    if not (blanked.any() or converted.any()):
        return None, None
    kept = int((~np.isnan(original) & ~blanked & ~converted).sum())

    def per_code(mask: np.ndarray, with_total: bool) -> str:
        frame = pd.DataFrame({"code": codes[mask], "amount": original[mask]})
        grouped = frame.groupby("code")["amount"].agg(["count", "sum"])
        grouped = grouped.sort_values("count", ascending=False, kind="stable")
        return ", ".join(
            f"{code} ({int(row['count']):,}"
            + (f", total {row['sum']:,.0f})" if with_total else ")")
            for code, row in grouped.iterrows()
        )

    parts = [f"{table}.{fname}: amounts in more than one currency; {kept:,} in {base} kept"]
    if converted.any():
        rates = ", ".join(f"{c} {r:g}" for c, r in sorted(monies[0].rates.items()))
        parts.append(
            f"{int(converted.sum()):,} converted to {base} at the mapping's rates "
            f"({per_code(converted, False)}; rates {rates})"
        )
    fact = None
    if blanked.any():
        parts.append(
            f"{int(blanked.sum()):,} in other currencies left blank, never added to {base} "
            f"({per_code(blanked, False)}; other_currency fact); give `currency: {{rates: "
            f"{{...}}, to: {base}}}` in the mapping to convert them"
        )
        fact = (int(blanked.sum()), per_code(blanked, True))
    return "; ".join(parts) + ".", fact


def _when_else_note(
    unit: str,
    table: str,
    fname: str,
    cs: ColumnSpec,
    column: Any,
    labels: pa.ChunkedArray | None = None,
) -> str | None:
    """What ``when: {..., else: X}`` did, e.g. which user types were not counted as seats."""
    assert cs.when is not None
    cond = column(cs.when[0])
    if cond is None:
        return None
    values = pd.Series(_trimmed(text(cond)).to_pandas(), dtype=object).fillna("(blank)")
    accepted = set(cs.when[1])
    is_accepted = values.map(lambda v: normalize_key(v) in accepted).astype(bool)
    other = values[~is_accepted]
    if other.empty:
        return None
    shown_accepted = sorted(values[is_accepted].unique()) or list(cs.when[1])
    counts = other.value_counts()
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    shown = ", ".join(f"{v} ({n:,})" for v, n in ranked[:8])
    setting = cs.when_else
    named = ""
    if labels is not None:
        names = pd.Series(_trimmed(text(labels)).to_pandas(), dtype=object)[~is_accepted]
        names = sorted(names.dropna().astype(str).unique())
        if names:
            more = f" and {len(names) - 10:,} more" if len(names) > 10 else ""
            named = f" ({', '.join(names[:10])}{more})"
    return (
        f"{table}.{fname}: {len(other):,} row(s) of {unit}{named} set to {_setting(setting)} "
        f"because {cs.when[0]} is not {' or '.join(shown_accepted)}: {shown}"
    )


def _setting(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return repr(value)


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


def _available(cs: ColumnSpec, resolve: Any, lookups: _LookupFiles) -> ColumnSpec | None:
    """``cs`` without the levels (itself, its fallbacks) whose columns are not all in the
    file (an input column, or a column a step needs: ``when``, ``is_in``, a lookup's, a
    lookup file), or ``None`` when no level is left. A mapping with
    ``allow_missing_columns`` (or an ``optional`` field) then reads the next level."""
    rest = None if cs.fallback is None else _available(cs.fallback, resolve, lookups)
    if cs.has_constant or cs.from_field is not None:
        own = True
    else:
        own = any(resolve(c) is not None for c in (*cs.column, *cs.join))
    helpers = [*([cs.is_in] if cs.is_in else []), *([cs.when[0]] if cs.when else [])]
    if cs.lookup and cs.lookup_file is None:
        helpers.extend(cs.lookup)
    own = own and all(resolve(c) is not None for c in helpers)
    if cs.lookup_file is not None and cs.lookup is not None:
        own = own and not lookups.missing(cs.lookup_file, cs.lookup)
    if own:
        return cs if rest is cs.fallback else replace(cs, fallback=rest)
    if rest is None:
        return None
    # the field-wide options stay with the field
    return replace(
        rest,
        format=cs.format,
        dayfirst=cs.dayfirst,
        timezone=cs.timezone,
        currency=cs.currency,
        infer_stage=cs.infer_stage,
        optional=cs.optional,
    )


def _skipped_levels(cs: ColumnSpec, available: ColumnSpec) -> list[str]:
    """The input columns of the levels of ``cs`` that :func:`_available` left out."""
    kept = set()
    level: ColumnSpec | None = available
    while level is not None:
        kept.add((level.column, level.join, level.lookup, level.lookup_file, level.when))
        level = level.fallback
    skipped: list[str] = []
    level = cs
    while level is not None:
        if (level.column, level.join, level.lookup, level.lookup_file, level.when) not in kept:
            skipped.extend(level.column or level.join)
        level = level.fallback
    return skipped


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


def _other_columns(shown: dict[bool, str] | None) -> str:
    """What the export's other date columns say about the day/month order."""
    if not shown:
        return " (nor does any other date column of the export)"
    return (
        f" (and the export's other date columns disagree: {shown[True]} is day-first, "
        f"{shown[False]} month-first)"
    )


def _bad_kinds(f: Field, conv: Converted, at: np.ndarray) -> dict[str, np.ndarray]:
    """Which of the unusable values at rows ``at`` of one converted column have which
    quality issue (dates: a day that does not exist, out of range, or not a date)."""
    issue = ISSUES.get(f.kind, "invalid_value")
    if conv.no_such_date is None or conv.out_of_range is None:
        return {issue: np.ones(len(at), dtype=bool)}
    no_such, out_of_range = conv.no_such_date[at], conv.out_of_range[at]
    return {
        issue: ~(no_such | out_of_range),
        "no_such_date": no_such,
        "out_of_range_date": out_of_range,
    }


def _bad_reason(kind: str, label: str, name: str, value: Any) -> str:
    """The exclusion reason of a row whose required ``name`` holds ``value``."""
    if kind == "no_such_date":
        return f"; no such date: {name} {_short(value)!r}"
    if kind == "out_of_range_date":
        return f"; {name} {_short(value)!r} is out of range (1900 to 2199)"
    return f"; {label} {name} {_short(value)!r}"


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
