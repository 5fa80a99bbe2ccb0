"""One canonical table from the parts read for it: exclusions with their reasons, key
duplicates, stage-history rows that are not changes, quality facts, canonical dtypes.

Private to :mod:`kit.intake`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit.intake._facts import bad_kinds_at, field_facts
from kit.intake._money import money_notes, no_money
from kit.intake._parts import Log, Part, TableResult, short, value_examples
from kit.schema import TABLES, Field

_ARROW_STR = pd.StringDtype("pyarrow", na_value=float("nan"))


def assemble(table: str, parts: list[Part], log: Log) -> TableResult:
    """One canonical table from its converted parts: rows whose required fields are blank or
    unreadable, later copies of a key and (stage history) rows that are not stage changes
    excluded, each with its reason; quality facts on the values of the rows kept."""
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
                raw = _raw_values(parts, offsets, name, pos[sel_bad])
                kinds = _bad_kinds(parts, offsets, tdef.field(name), pos[sel_bad])
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
                    f"duplicate {key} {short(v)!r} (first kept: {where[v]})"
                    for v in dvals.to_numpy()
                ],
                index=dpos,
                dtype=object,
            )
            log.fact(table, key, "duplicate_key", len(dpos), value_examples(dvals))
    # -- stage history rows that are not stage changes (amount or date edits)
    if total and any(p.spec.changes_only for p in parts):
        same, same_reasons = _not_stage_changes(values, ~(excluded | duplicate))
        if len(same_reasons):
            duplicate |= same
            dup_reasons = pd.concat([dup_reasons, same_reasons])
            log.notes.append(
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
            "row_number": np.concatenate([rownum, np.array(malformed_rows, dtype=np.int64)]).astype(
                np.int64
            ),
            "reason": np.concatenate([all_reason, np.array(malformed_reason, dtype=object)]),
        }
    )
    excluded_frame = _typed_excluded(excluded_frame).sort_values(
        ["source_file", "row_number"], kind="stable", ignore_index=True
    )
    for p in parts:
        if p.raw.malformed:
            rows = ", ".join(str(n) for n, _ in p.raw.malformed[:5])
            log.warnings.append(
                f"{p.unit.name}: {len(p.raw.malformed)} row(s) could not be parsed and "
                f"were excluded (rows {rows})"
            )
    # -- the kept table, and quality facts on its values
    keep = ~(excluded | duplicate)
    for f in tdef.fields:
        field_facts(table, f, parts, offsets, keep, excluded, blank, mapped, bad, rows_of, log)
        if any(f.name in p.currencies for p in parts):
            monies = [p.currencies.get(f.name) or no_money(p.rows) for p in parts]
            note, fact = money_notes(table, f.name, monies, keep)
            if note:
                log.notes.append(note)
            if fact:
                log.fact(table, f.name, "other_currency", *fact)
    frame = pd.DataFrame(values, copy=False)
    if not keep.all():
        frame = frame[keep].reset_index(drop=True)
    frame = _finish(table, frame)
    kept_per_part = [int(keep[offsets[i] : offsets[i + 1]].sum()) for i in range(len(parts))]
    read_per_part = [p.raw.rows_read for p in parts]
    absent = sorted(set.intersection(*(set(p.absent) for p in parts))) if parts else []
    return TableResult(frame, excluded_frame, parts, kept_per_part, read_per_part, absent)


def _bad_kinds(
    parts: list[Part], offsets: np.ndarray, f: Field, positions: np.ndarray
) -> list[str]:
    """The quality issue of each unusable value of ``f`` at global ``positions``."""
    owner = np.searchsorted(offsets, positions, side="right") - 1
    out = np.empty(len(positions), dtype=object)
    for i in np.unique(owner):
        sel = owner == i
        kinds = bad_kinds_at(f, parts[i].columns[f.name], positions[sel] - offsets[i])
        issue = np.empty(int(sel.sum()), dtype=object)
        for kind, rows in kinds.items():  # disjoint
            issue[rows] = kind
        out[sel] = issue
    return out.tolist()


def _not_stage_changes(
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


def _raw_values(
    parts: list[Part], offsets: np.ndarray, name: str, positions: np.ndarray
) -> list[Any]:
    out = []
    for g in positions:
        i = int(np.searchsorted(offsets, g, side="right") - 1)
        out.append(parts[i].columns[name].raw.get(int(g - offsets[i])))
    return out


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


def _bad_reason(kind: str, label: str, name: str, value: Any) -> str:
    """The exclusion reason of a row whose required ``name`` holds ``value``."""
    if kind == "no_such_date":
        return f"; no such date: {name} {short(value)!r}"
    if kind == "out_of_range_date":
        return f"; {name} {short(value)!r} is out of range (1900 to 2199)"
    return f"; {label} {name} {short(value)!r}"


def _is_unique(keys: pd.Series) -> bool:
    """Whether ``keys`` has no duplicates; exports sorted by key are checked in one pass."""
    arr = pa.array(keys)
    if len(arr) < 2:
        return True
    if pc.all(pc.greater(arr.slice(1), arr.slice(0, len(arr) - 1))).as_py():
        return True
    return bool(keys.is_unique)


def check_structure(table: str, frame: pd.DataFrame) -> None:
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
