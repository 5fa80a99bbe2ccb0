"""The blocking problems of a converted column, each with its fix: a mapped column not in
the file, a required field that mostly cannot be read, and numeric dates that read both
day-first and month-first (settled by the export's other date columns when they agree).

Private to :mod:`kit.intake`.
"""

from __future__ import annotations

import datetime as dt

from kit.intake._parts import BLOCKING_SHARE, DerivedUnit, Log, Part, short
from kit.intake.mapping import ColumnSpec, Mapping, close_match
from kit.intake.normalize import Converted, numeric_format, unread_hint
from kit.intake.readers import RawTable, Unit
from kit.schema import Field


def missing_column(
    mapping: Mapping,
    unit: Unit | DerivedUnit,
    table: str,
    f: Field,
    column: str,
    header: list[str],
    raw: RawTable,
) -> str:
    """The problem of a mapped ``column`` that is not in the file, with the closest
    header as the likely fix."""
    shown = ", ".join(header[:25]) + (f" ... ({len(header)} columns)" if len(header) > 25 else "")
    guess = close_match(column, header)
    preset = next(
        (o.split(":", 1)[1] for o in (mapping.origin, *mapping.extends) if o.startswith("preset:")),
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


def required_problem(
    unit: Unit | DerivedUnit,
    table: str,
    f: Field,
    cs: ColumnSpec,
    conv: Converted,
    raw: RawTable,
) -> str | None:
    """The problem of a required field blank on every row, or unreadable in more than
    :data:`BLOCKING_SHARE` of the rows where it is filled in (``None``: none)."""
    n = len(conv.blank)
    if n == 0:
        return None
    where = f"{unit.name}: {table}.{f.name}" + (
        f" (column {cs.column[0]!r})" if len(cs.column) == 1 else ""
    )
    bad = int(conv.bad.sum())
    present = n - int(conv.blank.sum())
    if present == 0:
        return (
            f"{where} is blank on every one of the {n:,} rows, and it is required. "
            "Map it to the column that holds it."
        )
    if bad <= BLOCKING_SHARE * present:
        return None
    rows = raw.row_numbers(conv.raw.index[:5].to_numpy())
    examples = ", ".join(
        f"row {r}: {short(v)!r}" for r, v in zip(rows, conv.raw.head(5), strict=False)
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
    return (
        f"{where}: {bad:,} of {present:,} values cannot be read as "
        f"{_kind_text(f)} (e.g. {examples}). Fix: {fix}."
    )


def ambiguous_dates(
    unit: Unit | DerivedUnit,
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


def settle_ambiguous(parts: dict[str, list[Part]], log: Log) -> None:
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
                    log.problems.append(redo(None, shown))
                    continue
                dayfirst, where = next(iter(shown.items()))
                conv, problems = redo(dayfirst, shown)
                word = "day-first" if dayfirst else "month-first"
                conv.order = (
                    f"{word} (its values read both ways; the export's other dates are "
                    f"{word}, e.g. {where})"
                )
                p.columns[fname] = conv
                log.problems.extend(problems)


def _other_columns(shown: dict[bool, str] | None) -> str:
    """What the export's other date columns say about the day/month order."""
    if not shown:
        return " (nor does any other date column of the export)"
    return (
        f" (and the export's other date columns disagree: {shown[True]} is day-first, "
        f"{shown[False]} month-first)"
    )


def _kind_text(f: Field) -> str:
    if f.vocabulary is not None:
        return f"a {f.name} ({', '.join(f.vocabulary)})"
    return {"datetime": "dates", "float": "amounts", "bool": "yes/no"}.get(f.kind, f.kind)
