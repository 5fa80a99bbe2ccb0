"""The manifest of a dataset: what was read (every source with its size and SHA-256), how
(mapping, time zones, date orders), what came out (rows read, kept and excluded per table),
what the export lacks, and what intake assumed.

Private to :mod:`kit.intake`.
"""

from __future__ import annotations

from typing import Any

from kit._version import __version__
from kit.intake._lookups import LookupFiles
from kit.intake._parts import DerivedUnit, Log, TableResult
from kit.intake.mapping import Mapping
from kit.intake.readers import Export
from kit.schema import TABLES
from kit.sections import section_title


def manifest(
    results: dict[str, TableResult],
    engagement: dict[str, Any] | None,
    n_facts: int,
    *,
    mapping: Mapping,
    export: Export,
    lookups: LookupFiles,
    log: Log,
    future_reference: str,
) -> dict[str, Any]:
    """The dataset's ``manifest.json``: the export and every source read (size, SHA-256,
    rows read, kept and excluded), the mapping, the tables, what the export lacks, the
    assumptions, warnings and date orders."""
    sources = []
    tables = {}
    for name, r in results.items():
        for p, kept, read in zip(r.parts, r.kept_per_part, r.read_per_part, strict=True):
            if isinstance(p.unit, DerivedUnit):
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
    about: dict[str, Any] = {"name": export.name, "kind": export.kind}
    if export.kind == "zip":
        about.update(size=export.size, sha256=export.sha256)
    return {
        "kit_version": __version__,
        "export": about,
        "mapping": mapping.describe(),
        "timezone": mapping.timezone,
        "source_timezone": mapping.source_timezone,
        "sources": sources,
        "lookup_files": lookups.describe(),
        "tables": tables,
        "tables_not_provided": [t for t in TABLES if t not in results],
        "not_in_export": not_in_export(results),
        "assumptions": assumptions(mapping, results, log.notes),
        "quality_facts": n_facts,
        "excluded_rows": sum(t["rows_excluded"] for t in tables.values()),
        "warnings": list(dict.fromkeys(log.warnings)),
        "date_orders": [
            f"{p.unit.name}: {name}.{fname} read {conv.order}"
            for name, r in results.items()
            for p in r.parts
            for fname, conv in p.columns.items()
            if conv.order
        ],
        "engagement": engagement,
        "future_dates_after": future_reference,
    }


def assumptions(mapping: Mapping, results: dict[str, TableResult], notes: list[str]) -> list[str]:
    """What intake assumed, for the summary: the time zone of zone-less times, derived
    users, currencies, rows set by a rule, stage-history rows that are not changes."""
    out = []
    source_tz, org_tz = mapping.source_timezone, mapping.timezone
    dated = any(
        f.name in p.columns
        for r in results.values()
        for p in r.parts
        for f in TABLES[p.spec.table].fields
        if f.kind == "datetime"
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
    out.extend(notes)
    return list(dict.fromkeys(out))


def not_in_export(results: dict[str, TableResult]) -> list[dict[str, Any]]:
    """Fields the mapping reads from columns that no file of their table has, once each,
    with the report sections they limit."""
    out = []
    for table, r in results.items():
        parts = r.parts
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
