"""Which file is which table: the units of an export assigned to the tables of a mapping,
and the problem, with its fix, of a table no file matches.

Private to :mod:`kit.intake`.
"""

from __future__ import annotations

from kit.intake._lookups import LookupFiles
from kit.intake._parts import Log
from kit.intake.mapping import Mapping, SourceSpec, close_match
from kit.intake.readers import Export, Unit
from kit.schema import TABLES


def assign_files(
    mapping: Mapping, export: Export, lookups: LookupFiles, log: Log
) -> dict[str, list[tuple[SourceSpec, Unit]]]:
    """Which units of ``export`` each table of ``mapping`` reads, in mapping order.

    A table no file matches is a problem in ``log`` when it is required (or named and not
    optional); units nothing reads, and files that are not data, are warnings.
    """
    units = export.units
    used: set[str] = set()
    assignment: dict[str, list[tuple[SourceSpec, Unit]]] = {}
    names = [u.name for u in units]
    for table, specs in mapping.tables.items():
        pairs: list[tuple[SourceSpec, Unit]] = []
        for spec in specs:
            if spec.derive:
                continue
            hits = [u for u in units if any(u.matches(p) for p in spec.patterns)]
            seen = {u.name for _, u in pairs}
            hits = [u for u in hits if u.name not in seen]
            derivable = any(s.derive for s in specs)
            if not hits and not spec.optional and not TABLES[table].required and not derivable:
                log.problems.append(no_file(export, table, spec, names))
            pairs.extend((spec, u) for u in hits)
            used.update(u.name for u in hits)
        if pairs:
            assignment[table] = pairs
    used.update(lookups.used_units())
    for t in TABLES:
        if TABLES[t].required and t not in assignment:
            specs = mapping.tables.get(t, ())
            if any(s.derive for s in specs):
                continue  # users derived from the owner columns
            if specs:
                log.problems.append(no_file(export, t, specs[0], names))
            else:
                log.problems.append(
                    f"{t}: the mapping does not say which file holds {t}, and {t} is "
                    f"required. Add `tables: {t}: {{source: <file>, columns: ...}}`."
                )
    ignored = [n for n in names if n not in used]
    if ignored:
        log.warnings.append(
            "not read (no table in the mapping matches them): " + ", ".join(ignored)
        )
    if export.other_files:
        log.warnings.append("not data files, ignored: " + ", ".join(export.other_files[:20]))
    return assignment


def no_file(export: Export, table: str, spec: SourceSpec, names: list[str]) -> str:
    """The problem of a table that no file of the export matches, with the fix."""
    pats = ", ".join(repr(p) for p in spec.patterns)
    listing = ", ".join(names[:20]) or "none"
    guess = None
    for p in spec.patterns:
        guess = guess or close_match(p.partition("#")[0], [u.rsplit("/", 1)[-1] for u in names])
    # a mapping cannot keep spaces around a name (and needs none: matching ignores them)
    hint = f" Did you mean {guess.strip()!r}?" if guess else ""
    required = " It is required." if TABLES[table].required else ""
    archives = export.archives
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
