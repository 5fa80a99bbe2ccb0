"""Amounts in one currency: an amount column with a currency column is converted at the
mapping's rates, or (without a rate) left blank and counted, never added up as if one.

Private to :mod:`kit.intake`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa

from kit.intake._ids import trimmed
from kit.intake.mapping import CurrencySpec
from kit.intake.normalize import Converted, text


@dataclass
class Money:
    """What :func:`one_currency` did to one amount column."""

    base: str | None
    codes: np.ndarray  # each row's currency (blank codes read as the base)
    original: np.ndarray  # the amounts as written
    blanked: np.ndarray  # rows left blank: another currency without a rate
    converted: np.ndarray  # rows converted at a rate
    rates: dict[str, float]


def one_currency(conv: Converted, codes_column: pa.ChunkedArray, spec: CurrencySpec) -> Money:
    """Make the amounts of ``conv`` one currency, in place: converted at ``spec.rates``, or
    (without a rate) left blank."""
    codes = (
        pd.Series(trimmed(text(codes_column)).to_pandas(), dtype=object)
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
    return Money(base, codes, original, blanked, converted, spec.rates)


def no_money(n: int) -> Money:
    """A part whose amounts needed no currency handling (no currency column)."""
    empty = np.zeros(n, dtype=bool)
    return Money(None, np.full(n, None, dtype=object), np.full(n, np.nan), empty, empty, {})


def money_notes(
    table: str, fname: str, monies: list[Money], keep: np.ndarray
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
