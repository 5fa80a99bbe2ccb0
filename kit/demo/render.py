"""Render typed demo columns as the strings a CRM export holds, with planted spelling defects.

Every function takes numpy arrays (and an optional ``valid`` mask: False = blank cell) and
returns a :class:`pyarrow.StringArray`, so a demo table is a :class:`pyarrow.Table` of
strings that writes straight to CSV. All work is vectorized (pyarrow compute kernels).

Examples
--------
>>> import numpy as np
>>> timestamps(np.array([1736760000]))[0].as_py()
'2025-01-13 09:20:00'
>>> ids("C", np.array([7]), 6)[0].as_py()
'C000007'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "booleans",
    "concat",
    "dates",
    "ids",
    "money",
    "spelled",
    "timestamps",
    "words",
]


def _mask(valid: np.ndarray | None) -> np.ndarray | None:
    return None if valid is None else ~np.asarray(valid, dtype=bool)


def timestamps(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """``YYYY-MM-DD HH:MM:SS`` from seconds since 1970 (naive local time)."""
    arr = pa.array(np.asarray(seconds, dtype=np.int64), type=pa.timestamp("s"), mask=_mask(valid))
    return pc.cast(arr, pa.string())


def dates(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """``YYYY-MM-DD`` from day numbers since 1970."""
    arr = pa.array(np.asarray(days, dtype=np.int32), type=pa.date32(), mask=_mask(valid))
    return pc.cast(arr, pa.string())


def ids(prefix: str, numbers: np.ndarray, width: int, valid: np.ndarray | None = None) -> pa.Array:
    """Identifiers like ``C000042``: a prefix and a zero-padded number."""
    digits = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64), mask=_mask(valid)), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(digits, width, padding="0"), "")


def words(
    vocabulary: Sequence[str], index: np.ndarray, valid: np.ndarray | None = None
) -> pa.Array:
    """Look ``index`` up in ``vocabulary``; rows that are not valid (or index < 0) are blank."""
    index = np.asarray(index, dtype=np.int64)
    blank = index < 0 if valid is None else (index < 0) | ~np.asarray(valid, dtype=bool)
    taken = pa.array(np.where(blank, 0, index), mask=blank)
    return pa.array(list(vocabulary), type=pa.string()).take(taken)


def concat(*parts: pa.Array | str) -> pa.Array:
    """Concatenate string arrays (and constants) element-wise; blanks count as empty."""
    return pc.binary_join_element_wise(*parts, "", null_handling="replace", null_replacement="")


def spelled(
    rng: np.random.Generator,
    codes: Sequence[str],
    index: np.ndarray,
    *,
    valid: np.ndarray | None = None,
    variants: Mapping[str, Sequence[str]] | None = None,
    variant_rate: float = 0.0,
    misspellings: Mapping[str, str] | None = None,
    misspelling_rate: float = 0.0,
) -> pa.Array:
    """Vocabulary codes as an export spells them: mostly the code, a share of rows in a
    variant spelling that normalizes back to the code, a few truly misspelled."""
    variants = variants or {}
    misspellings = misspellings or {}
    index = np.asarray(index, dtype=np.int64)
    vocabulary: list[str] = list(codes)
    first_variant = np.zeros(len(codes), dtype=np.int64)
    n_variants = np.zeros(len(codes), dtype=np.int64)
    misspelled = np.arange(len(codes), dtype=np.int64)
    for i, code in enumerate(codes):
        first_variant[i] = len(vocabulary)
        n_variants[i] = len(variants.get(code, ()))
        vocabulary.extend(variants.get(code, ()))
        if code in misspellings:
            misspelled[i] = len(vocabulary)
            vocabulary.append(misspellings[code])
    safe = np.maximum(index, 0)
    u = rng.random(len(index))
    pick = (rng.random(len(index)) * np.maximum(n_variants[safe], 1)).astype(np.int64)
    out = np.where((u < variant_rate) & (n_variants[safe] > 0), first_variant[safe] + pick, safe)
    out = np.where(
        (u >= variant_rate) & (u < variant_rate + misspelling_rate), misspelled[safe], out
    )
    out = np.where(index < 0, -1, out)
    return words(vocabulary, out, valid)


def booleans(
    rng: np.random.Generator,
    values: np.ndarray,
    *,
    yes_no_rate: float,
    valid: np.ndarray | None = None,
) -> pa.Array:
    """``true``/``false``, with a share of rows written ``Yes``/``No``."""
    values = np.asarray(values, dtype=bool)
    yes_no = rng.random(len(values)) < yes_no_rate
    index = values.astype(np.int64) + 2 * yes_no
    return words(("false", "true", "No", "Yes"), index, valid)


def money(amounts: np.ndarray, *, cents: bool, valid: np.ndarray | None = None) -> pa.Array:
    """Dollar amounts as plain decimals: ``325000`` or ``323950.00``."""
    amounts = np.asarray(amounts, dtype=np.float64)
    if cents:
        whole = pc.cast(
            pa.array(np.round(amounts).astype(np.int64), mask=_mask(valid)), pa.string()
        )
        return pc.binary_join_element_wise(whole, ".00", "")
    return pc.cast(pa.array(np.round(amounts).astype(np.int64), mask=_mask(valid)), pa.string())
