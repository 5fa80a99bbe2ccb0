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

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kit._atomic import check_apart, check_target, private_tempdir
from kit._budget import Budget, Meter
from kit._memory_pool import jemalloc_pool
from kit.dataset import EXCLUDED_COLUMNS, FACT_COLUMNS, Dataset, write_dataset
from kit.exceptions import InputError
from kit.intake._assemble import assemble, check_structure
from kit.intake._assign import assign_files
from kit.intake._column_checks import settle_ambiguous
from kit.intake._convert import Converter
from kit.intake._cross_table import cross_table
from kit.intake._derived_users import derived_users
from kit.intake._engagement import read_engagement
from kit.intake._lookups import LookupFiles
from kit.intake._manifest import manifest
from kit.intake._parts import Log, Part, TableResult
from kit.intake.mapping import Mapping, SourceSpec, load_mapping
from kit.intake.readers import Export, Unit, open_export
from kit.schema import TABLES

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
        jemalloc_pool(),
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


# --------------------------------------------------------------------------- the steps
@dataclass
class _Intake:
    """One intake: the steps in order, each in its module, over one shared :class:`Log`
    (threads write their own and are merged in job order, so the result is reproducible)."""

    mapping: Mapping
    export: Export
    meter: Meter | None = None
    lookups: LookupFiles | None = None
    log: Log = field(default_factory=Log)
    future_reference: str = "no dated events"

    def check_budget(self) -> None:
        """Stop with :class:`BudgetError` if intake has gone over its resource budget."""
        if self.meter is not None:
            self.meter.check()

    def __post_init__(self) -> None:
        if self.lookups is None:
            self.lookups = LookupFiles(self.mapping, self.export)

    def converter(self, log: Log) -> Converter:
        assert self.lookups is not None  # set in __post_init__
        derives_users = any(s.derive for s in self.mapping.tables.get("users", ()))
        return Converter(self.mapping, self.lookups, log, meter=self.meter, keep_raw=derives_users)

    def run(self) -> Dataset:
        self.log.problems.extend(self.export.problems)
        self.log.warnings.extend(self.export.notes)
        assignment = self.assign()
        engagement = self.engagement()
        parts: dict[str, list[Part]] = {}
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
                    self.log.problems.extend(problems)
                    self.log.warnings.extend(warnings)
                    if part is not None:
                        parts.setdefault(table, []).append(part)
                        self.log.notes.extend(part.notes)
                # from here on ``parts`` alone holds them (finish frees each once assembled)
                del futures, done
                part = None
                derived = [s for s in self.mapping.tables.get("users", ()) if s.derive]
                if derived and "users" not in parts and not self.log.problems:
                    users = derived_users(self.converter(self.log), derived[0], parts)
                    if users is not None:
                        parts = {"users": [users], **parts}
                settle_ambiguous(parts, self.log)
                return self.finish(parts, engagement)
            finally:
                pool.shutdown(wait=True, cancel_futures=True)

    def assign(self) -> dict[str, list[tuple[SourceSpec, Unit]]]:
        """Which units each table reads (:mod:`kit.intake._assign`)."""
        assert self.lookups is not None  # set in __post_init__
        return assign_files(self.mapping, self.export, self.lookups, self.log)

    def engagement(self) -> dict[str, Any] | None:
        """The export's ``engagement.yaml`` (:mod:`kit.intake._engagement`)."""
        return read_engagement(self.export, self.log)

    def isolated_assemble(
        self, item: tuple[str, list[Part]]
    ) -> tuple[TableResult, list[dict[str, Any]], list[str], list[str]]:
        """:func:`assemble` with its own facts, warnings and notes (safe to run in a thread)."""
        log = Log()
        result = assemble(*item, log)
        self.check_budget()
        return result, log.facts, log.warnings, log.notes

    def isolated_part(
        self, job: tuple[str, SourceSpec, Unit]
    ) -> tuple[Part | None, list[str], list[str]]:
        """:meth:`Converter.part` with its own problems and warnings (safe in a thread)."""
        log = Log()
        part = self.converter(log).part(*job)
        self.check_budget()
        return part, log.problems, log.warnings

    def finish(self, parts: dict[str, list[Part]], engagement: dict[str, Any] | None) -> Dataset:
        self.check_budget()
        if self.log.problems:
            raise self.blocking()
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kit-table") as pool:
            done = list(pool.map(self.isolated_assemble, parts.items()))
        results = {}
        for (table, _), (result, facts, warnings, notes) in zip(parts.items(), done, strict=True):
            # the values now live in the table's frame: keep only what the manifest needs
            # (here and in ``parts``, so the converted columns and their masks are freed)
            result.parts = parts[table] = [p.summary() for p in result.parts]
            results[table] = result
            self.log.facts.extend(facts)
            self.log.warnings.extend(warnings)
            self.log.notes.extend(notes)
        for t in TABLES:
            if TABLES[t].required and t in results and results[t].frame.empty:
                self.log.problems.append(
                    f"{t}: no rows left to assess ({', '.join(p.unit.name for p in parts[t])} "
                    "has no data rows, or every row was excluded). The table is required."
                )
        if self.log.problems:
            raise self.blocking()
        tables = {t: r.frame for t, r in results.items()}
        self.check_budget()
        self.future_reference = cross_table(tables, engagement, self.log)
        self.check_budget()
        for name, frame in tables.items():
            check_structure(name, frame)
        excluded = [r.excluded for r in results.values() if len(r.excluded)]
        excluded_rows = (
            pd.concat(excluded, ignore_index=True) if excluded else _frame(EXCLUDED_COLUMNS, [])
        )
        facts = _frame(FACT_COLUMNS, self.log.facts)
        assert self.lookups is not None  # set in __post_init__
        about = manifest(
            results,
            engagement,
            len(facts),
            mapping=self.mapping,
            export=self.export,
            lookups=self.lookups,
            log=self.log,
            future_reference=self.future_reference,
        )
        return Dataset(
            tables=tables, excluded_rows=excluded_rows, quality_facts=facts, manifest=about
        )

    def blocking(self) -> InputError:
        problems = self.log.problems
        message = (
            f"intake of {self.export.name} stopped: {len(problems)} blocking problem(s). "
            "Fix the mapping (see docs/mapping.md) or the export and run intake again."
        )
        missing = sum("is not in the file" in p for p in problems)
        if missing >= 3:
            message += (
                f" {missing} mapped columns are missing: do these files really have the layout "
                f"of mapping {self.mapping.name!r} ({self.mapping.origin})? Check --mapping."
            )
        return InputError(message, problems=problems)


def _frame(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    types = {c: ("int64" if c in ("count", "row_number") else "str") for c in columns}
    return frame.astype(types)
