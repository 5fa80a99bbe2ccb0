"""Users derived from the owner columns, for an export with no users file: one user per
distinct owner, named as written there.

Private to :mod:`kit.intake`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import pyarrow as pa

from kit.intake._convert import Converter, describe_spec
from kit.intake._ids import trimmed
from kit.intake._parts import DerivedUnit, Part, resolver
from kit.intake.mapping import ColumnSpec, SourceSpec
from kit.intake.normalize import text
from kit.intake.readers import RawTable


def derived_users(
    converter: Converter, spec: SourceSpec, parts: dict[str, list[Part]]
) -> Part | None:
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
            resolve = resolver(p.raw.table.column_names)
            for c in wanted:
                actual = resolve(c)
                seen[c] = seen[c] or actual is not None
                col = (
                    pd.Series(trimmed(text(p.raw.table.column(actual))).to_pandas())
                    if actual is not None
                    else pd.Series([None] * len(owner), dtype=object)
                )
                extra[c].append(col.astype(object))
    refs = ", ".join(f"{t}.{f}" for t, f in spec.derive)
    every = pd.concat(owners, ignore_index=True) if owners else pd.Series([], dtype=object)
    found = every.dropna()
    if found.empty:
        converter.log.problems.append(
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
    unit = DerivedUnit(owners=tuple(f"{t}.{f}" for t, f in spec.derive))
    raw = RawTable(table=pa.table(data))
    columns = {fname: _owner_input(cs) for fname, cs in spec.columns.items()}
    part = converter.convert_part("users", replace(spec, columns=columns), unit, raw)
    if part is not None:
        team = spec.columns.get("team")
        converter.log.notes.append(
            f"users: no users file; {len(distinct):,} users derived from the owners in "
            f"{refs}, keyed and named as written there; team "
            f"{describe_spec(team)}; role {describe_spec(spec.columns.get('role'))}. "
            "People who own no record are not in the assessment."
        )
    return part


def _owner_input(cs: ColumnSpec) -> ColumnSpec:
    """A derived user's spec with ``from_field: user_id`` read as the owner itself."""
    fallback = None if cs.fallback is None else _owner_input(cs.fallback)
    if cs.from_field == "user_id":
        return replace(cs, from_field=None, column=("__owner__",), fallback=fallback)
    return replace(cs, fallback=fallback)
