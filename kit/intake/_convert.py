"""Conversion of one unit: a file (or sheet) read for a table, each mapped field derived
from its columns and converted to its canonical type, with what could not be read.

Private to :mod:`kit.intake`.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit._budget import BudgetError, Meter
from kit.exceptions import InputError
from kit.intake._column_checks import ambiguous_dates, missing_column, required_problem
from kit.intake._ids import clean_ids, trimmed
from kit.intake._lookups import LookupFiles, lookup_files
from kit.intake._money import Money, one_currency
from kit.intake._parts import BLOCKING_SHARE, DerivedUnit, Log, Part, resolver
from kit.intake._stages import place_stages
from kit.intake.mapping import UNSET, ColumnSpec, Mapping, SourceSpec, normalize_key
from kit.intake.normalize import Converted, Translation, convert, derive, text
from kit.intake.readers import EmptyFileError, RawTable, Unit, read_unit
from kit.schema import TABLES, Field

#: Fields checked for values Excel mangled, besides every key (references are covered by the
#: orphan check, which shows the mangled values as examples).
_MANGLE_CHECKED = ("phone", "loan_number")


@dataclass
class Converter:
    """Reads and converts the units of an export through ``mapping``; the problems and
    warnings it finds go to ``log`` (one converter per thread)."""

    mapping: Mapping
    lookups: LookupFiles
    log: Log
    meter: Meter | None = None
    #: keep each part's raw table after conversion (users derived from owner columns read
    #: them); otherwise only its bookkeeping is kept, so the export is not held twice
    keep_raw: bool = False

    def part(self, table: str, spec: SourceSpec, unit: Unit) -> Part | None:
        """Read ``unit`` as ``table`` and convert it; ``None`` (a problem logged) if it cannot
        be read."""
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
            self.log.problems.append(
                f"{unit.name} (read as {table}): {exc.what}. "
                "Re-export it with its column names"
                + ("." if tdef.required else ", or remove it if the table is not available.")
            )
            return None
        except BudgetError:
            raise
        except InputError as exc:
            self.log.problems.append(f"{unit.name} (read as {table}): {exc.message}")
            return None
        except Exception as exc:  # a file shape nobody foresaw: name it instead of crashing
            self.log.problems.append(
                f"{unit.name} (read as {table}): cannot be read ({type(exc).__name__}: {exc}). "
                "Re-export the file as UTF-8 CSV; if it still fails, report it with the file."
            )
            return None
        self.log.warnings.extend(raw.warnings)
        return self.convert_part(table, spec, unit, raw)

    def convert_part(
        self, table: str, spec: SourceSpec, unit: Unit | DerivedUnit, raw: RawTable
    ) -> Part | None:
        """Convert the columns of one unit read for ``table``."""
        tdef = TABLES[table]
        header = raw.table.column_names
        resolve = resolver(header)
        lenient = self.mapping.allow_missing_columns
        absent: list[str] = []
        not_in_file: dict[str, list[str]] = {}
        usable: dict[str, ColumnSpec] = {}
        notes: list[str] = []
        for fname, cs in spec.columns.items():
            f = tdef.field(fname)
            missing = [c for c in cs.source_columns() if resolve(c) is None]
            lookup_problems = [
                problem
                for pattern, cols in lookup_files(cs)
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
                            f"from {describe_spec(available)}"
                        )
                    continue
                if not f.required:
                    absent.append(fname)
                    not_in_file[fname] = missing or [
                        c for _, cols in lookup_files(cs) for c in cols
                    ]
                    continue
            for c in missing:
                self.log.problems.append(
                    missing_column(self.mapping, unit, table, f, c, header, raw)
                )
            self.log.problems.extend(lookup_problems)
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
        if len(inside) > BLOCKING_SHARE * max(raw.rows_read, 1) and inside:
            rows = ", ".join(str(n) for n in inside[:5])
            self.log.problems.append(
                f"{unit.name} (read as {table}): {len(raw.malformed)} of {raw.rows_read} rows "
                f"have a different number of fields than the header (e.g. rows {rows}). The "
                f"delimiter was taken to be {raw.delimiter!r}; if that is wrong set "
                "`delimiter:` for this source in the mapping, otherwise fix the quoting."
            )
        columns: dict[str, Converted] = {}
        currencies: dict[str, Money] = {}

        def column(name: str) -> pa.ChunkedArray | None:
            actual = resolve(name)
            return None if actual is None else raw.table.column(actual)

        def from_field(name: str) -> pa.ChunkedArray:
            values = columns[name].values
            return text(pa.array(values.astype(object), type=pa.string(), from_pandas=True))

        def convert_field(fname: str, dayfirst: bool | None = None) -> Converted:
            cs = usable[fname]
            f = tdef.field(fname)
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
                arr = clean_ids(arr, mapping=self.mapping)
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
                    currencies[fname] = one_currency(conv, codes, cs.currency)
            if cs.infer_stage and conv.bad.any():
                note = place_stages(conv, f, cs.infer_stage, column, f"{table}.{fname}")
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
        readers = {} if self.keep_raw else _readers(usable, resolve, header)
        raw.release([h for h in header if h not in readers and not self.keep_raw])
        lock = threading.Lock()

        def convert_direct(fname: str) -> Converted:
            """:func:`convert_field`, then drop the source columns no field still reads (an
            ambiguous date column stays: it is read again once the order is settled)."""
            conv = convert_field(fname)
            if not self.keep_raw and not conv.ambiguous:
                with lock:
                    done = []
                    for name, fields in readers.items():
                        fields.discard(fname)
                        if not fields:
                            done.append(name)
                    for name in done:
                        del readers[name]
                    raw.release(done)
            return conv

        # pyarrow compute releases the GIL: convert the columns two at a time
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kit-convert") as pool:
            columns.update(zip(direct, pool.map(convert_direct, direct), strict=True))
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
                problem = required_problem(unit, table, fdef, usable[fdef.name], conv, raw)
                if problem is not None:
                    self.log.problems.append(problem)
            if conv.aware and self.mapping.timezone is None:
                self.log.warnings.append(
                    f"{unit.name}: {table}.{fdef.name} has {conv.aware:,} time-zone-aware "
                    "values, converted to UTC; set `timezone:` (e.g. America/Chicago) in the "
                    "mapping to get the organization's local times"
                )
        read = {resolve(c) for cs in usable.values() for c in _all_columns(cs)}
        unused = [h for h in header if h not in read]
        return Part(
            unit=unit,
            # an ambiguous date column is read again once the export's other dates are known
            raw=raw if ambiguous or self.keep_raw else raw.without_values(),
            columns=columns,
            absent=sorted(set(absent)),
            unused=unused,
            ambiguous=ambiguous,
            spec=spec,
            not_in_file=not_in_file,
            currencies=currencies,
            notes=notes,
        )

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

    @staticmethod
    def redo_dates(
        unit: Unit | DerivedUnit,
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
                return ambiguous_dates(unit, table, f, cs, conv, shown)
            again = convert_field(f.name, dayfirst=dayfirst)
            problem = required_problem(unit, table, f, cs, again, raw) if f.required else None
            return again, [] if problem is None else [problem]

        return redo


def describe_spec(cs: ColumnSpec | None) -> str:
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
        parts.append(f"else {describe_spec(cs.fallback)}")
    return ", ".join(parts) or "derived"


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


def _readers(usable: dict[str, ColumnSpec], resolve: Any, header: list[str]) -> dict[str, set[str]]:
    """Per source column of the file, the fields converted first (those not read from
    another field) that read it; a column a field read from another field reads, or that
    ``when: {..., else: X}`` names rows by (``name``), is read by ``"*"``: never released
    before the end."""
    readers: dict[str, set[str]] = {}
    for fname, cs in usable.items():
        reader = fname if cs.from_field is None else "*"
        for c in _all_columns(cs):
            actual = resolve(c)
            if actual is not None:
                readers.setdefault(actual, set()).add(reader)
    labelled = any(cs.when is not None and cs.when_else is not UNSET for cs in usable.values())
    if labelled and "name" in usable:
        for c in _all_columns(usable["name"]):
            actual = resolve(c)
            if actual is not None:
                readers.setdefault(actual, set()).add("*")
    return readers


def _all_columns(cs: ColumnSpec) -> tuple[str, ...]:
    """Every column of the row ``cs`` reads, its currency column included."""
    extra = cs.currency.column if cs.currency is not None else ()
    return (*cs.source_columns(), *extra, *cs.infer_stage.values())


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
    values = pd.Series(trimmed(text(cond)).to_pandas(), dtype=object).fillna("(blank)")
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
        names = pd.Series(trimmed(text(labels)).to_pandas(), dtype=object)[~is_accepted]
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


def _available(cs: ColumnSpec, resolve: Any, lookups: LookupFiles) -> ColumnSpec | None:
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
