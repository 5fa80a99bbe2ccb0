"""Vectorized conversion of source columns into canonical, typed columns.

Each converter takes a :mod:`pyarrow` column as read from a source file and returns a
:class:`Converted`: the canonical values (with the canonical dtype) and which rows were blank
in the source and which held a value that could not be understood (now blank, and reported as
a data-quality fact, never silently). Nothing here loops over rows in Python: vocabulary and
yes/no values are translated on the *distinct* values of a column (dictionary encoding), dates
are parsed by :func:`pyarrow.compute.strptime` format by format on the rows still unparsed,
fastest and most common formats first.

One module, though long: every converter shares :class:`Converted` and the translation of
distinct values, and the date parser (most of its length) is one algorithm read top to
bottom.

Examples
--------
>>> import pyarrow as pa
>>> from kit.schema import TABLES
>>> f = TABLES["opportunities"].field("stage")
>>> c = convert(pa.chunked_array([["Pre-Approval", "CTC", "Underwritting", None]]), f,
...             Translation(f))
>>> list(c.values.astype(object))
['pre_approval', 'clear_to_close', nan, nan]
>>> c.bad.tolist(), c.blank.tolist()
([False, False, True, False], [False, False, False, True])
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit.intake.mapping import BOOLEAN_WORDS, UNSET, ColumnSpec, common_values, normalize_key
from kit.schema import Field

__all__ = [
    "ISSUES",
    "NUMERIC_DATE",
    "Converted",
    "Translation",
    "convert",
    "decide_order",
    "derive",
    "numeric_format",
    "text",
    "unread_hint",
]

#: What each bad-value issue is called, by field kind.
ISSUES: dict[str, str] = {
    "category": "invalid_value",
    "bool": "invalid_value",
    "datetime": "unparseable_date",
    "float": "unparseable_amount",
}

_NAT = np.iinfo(np.int64).min
_ARROW_STR = pd.StringDtype("pyarrow", na_value=float("nan"))
_EPOCH_EXCEL_DAYS = 25569  # days from 1899-12-30 (Excel's day 0) to 1970-01-01
_US_PER_DAY = 86_400_000_000
_MIN_US = int(pd.Timestamp("1900-01-01").value // 1000)
_MAX_US = int(pd.Timestamp("2200-01-01").value // 1000)

_ISO_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y%m%d",
)
#: Dates with the day and the month written as numbers (``03/04/2024``, ``26-02-2018 19:58``,
#: ``1.2.18 10:00:05``, ``3/4/2024 2:05 PM``). Which of the two comes first is decided once per
#: column (:func:`decide_order`); the format of each shape is built from the values themselves.
NUMERIC_DATE = (
    r"^(?P<a>\d{1,2})(?P<s1>[/.\-])(?P<b>\d{1,2})(?P<s2>[/.\-])(?P<y>\d{4}|\d{2})"
    r"(?:(?P<t>[ T])(?P<h>\d{1,2}):(?P<mi>\d{2})(?P<sec>:\d{2})?(?P<ws>\s*)(?P<ap>[AaPp][Mm])?)?$"
)
#: The same shape without captures (a fast match), and values only one order can read.
_NUMERIC_SHAPE = re.sub(r"\(\?P<\w+>", "(?:", NUMERIC_DATE)
_AFTER_TWO = r"[/.\-](?:\d{4}|\d{2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp][Mm])?)?$"
_DAY_FIRST = r"^(?:1[3-9]|2\d|3[01])[/.\-](?:0?[1-9]|1[0-2])" + _AFTER_TWO
_MONTH_FIRST = r"^(?:0?[1-9]|1[0-2])[/.\-](?:1[3-9]|2\d|3[01])" + _AFTER_TWO
#: Numeric dates whose shapes are read in Python, up front (the rest: only those unread).
_SHAPE_SAMPLE = 20_000
_TEXT_MONTH_FORMATS = (
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%d-%b-%Y %H:%M",
    "%b %d, %Y %I:%M %p",
)
_AWARE = r"(Z|[+-]\d\d:?\d\d)$"
_EUROPEAN = r"^[^\d,.]*\d{1,3}(\.\d{3})+,\d+\D*$|^[^\d,.]*\d+,\d{1,2}\D*$"
_SERIAL = r"^\d{4,6}(\.\d+)?$"
#: Values Excel made out of ids: scientific notation, or a day-month date like 01-May.
_MANGLED = (
    r"^\d(\.\d+)?E\+\d+$|^\d{1,2}-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)$"
    r"|^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{1,2}$"
)


@dataclass
class Converted:
    """One canonical column and what went wrong in it.

    Attributes
    ----------
    values
        Canonical values (canonical dtype; ``category`` fields use their vocabulary as
        categories, other category fields are plain text until the table is assembled).
    blank
        Rows with no value in the source.
    bad
        Rows whose source value could not be understood (now blank in ``values``).
    raw
        The source text of the ``bad`` rows, indexed by row position.
    formats
        Date fields: how many values each date format family parsed.
    no_such_date, out_of_range
        Date fields: rows (among ``bad``) naming a day their month does not have
        (``2025-02-30``, never rolled over into March), or a real date outside 1900-2199.
    order, dayfirst
        Date fields: how numeric dates (``03/04/2024``) were read, and why; ``dayfirst`` is
        set when the column's own values decided it (not when the mapping declared it).
    ambiguous
        Date fields: examples when the column's numeric dates read both day-first and
        month-first and nothing decides (a blocking problem; its values stay unread).
    mangled
        Text and id fields: rows whose value looks mangled by Excel (``1.2E+11``, ``01-May``).
    """

    values: pd.Series
    blank: np.ndarray
    bad: np.ndarray
    raw: pd.Series
    formats: Counter[str] = field(default_factory=Counter)
    mangled: pd.Series | None = None
    hints: list[str] = field(default_factory=list)
    aware: int = 0
    no_such_date: np.ndarray | None = None
    out_of_range: np.ndarray | None = None
    order: str | None = None
    dayfirst: bool | None = None
    ambiguous: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers
def text(arr: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    """``arr`` as text (nulls kept), one chunk."""
    if isinstance(arr, pa.Array):
        arr = pa.chunked_array([arr])
    if pa.types.is_timestamp(arr.type) and arr.type.tz is not None:
        arr = pc.cast(arr, pa.timestamp(arr.type.unit, "UTC"))
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = (
            pc.cast(arr, pa.string())
            if not pa.types.is_null(arr.type)
            else pa.chunked_array([pa.nulls(len(arr), pa.string())])
        )
    return arr


def _printable(arr: pa.ChunkedArray | pa.Array) -> bool:
    """Whether every byte of the text in ``arr`` is printable ASCII other than the space
    (so no value has whitespace to trim), checked on the data buffers in slices."""
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    for chunk in chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return False
        data = chunk.buffers()[2]
        if data is None:
            continue
        view = np.frombuffer(data, dtype=np.uint8)
        for start in range(0, len(view), 1 << 20):
            # bytes 0x21-0x7e map to 0-93; spaces, controls and non-ASCII wrap around
            if not ((view[start : start + (1 << 20)] - np.uint8(0x21)) < 94).all():
                return False
    return True


def _blank_to_null(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Text without surrounding whitespace; empty text becomes null."""
    if _printable(arr) and (
        arr.null_count == len(arr) or pc.min(pc.binary_length(arr)).as_py() > 0
    ):
        return arr
    trimmed = pc.utf8_trim_whitespace(arr)
    lengths = pc.utf8_length(trimmed)
    if trimmed.null_count == len(trimmed) or pc.min(lengths).as_py() > 0:
        return trimmed
    return pc.if_else(pc.equal(lengths, 0), pa.scalar(None, trimmed.type), trimmed)


def _null_mask(arr: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return pc.is_null(arr).to_numpy(zero_copy_only=False)


def _constant_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _repeat(value: Any, n: int) -> pa.ChunkedArray:
    v = _constant_text(value)
    if v is None:
        return pa.chunked_array([pa.nulls(n, pa.string())])
    return pa.chunked_array([pa.repeat(pa.scalar(v, pa.string()), n)])


def _distinct_text(arr: pa.ChunkedArray | pa.Array) -> tuple[list[Any], np.ndarray]:
    """Distinct values of ``arr`` as text without surrounding whitespace and, per row, the
    index of its value (-1 for a blank row). Only the distinct values are trimmed; a
    dictionary column (as read for vocabulary fields) is used as it is."""
    if isinstance(arr, pa.Array):
        arr = pa.chunked_array([arr])
    if not (
        pa.types.is_dictionary(arr.type)
        and (
            pa.types.is_string(arr.type.value_type) or pa.types.is_large_string(arr.type.value_type)
        )
    ):
        arr = pc.dictionary_encode(text(arr))
    encoded = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    trimmed = _blank_to_null(pa.chunked_array([encoded.dictionary])).combine_chunks()
    distinct = pc.dictionary_encode(trimmed)
    # 32-bit positions (as pyarrow's): half the memory to touch of 64-bit ones
    remap = pc.fill_null(distinct.indices, -1).to_numpy(zero_copy_only=False).astype(np.int32)
    remap = np.append(remap, np.int32(-1))  # a null row (index -1) picks the last entry: blank
    indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return distinct.dictionary.to_pylist(), remap[indices]


# --------------------------------------------------------------------------- derivations
def derive(
    spec: ColumnSpec,
    table: pa.Table,
    column: Callable[[str], pa.ChunkedArray | None],
    *,
    from_field: Callable[[str], pa.ChunkedArray] | None = None,
    other_file: Callable[[str], Callable[[str], pa.ChunkedArray | None]] | None = None,
    _inner: bool = False,
) -> pa.ChunkedArray:
    """Evaluate the input and derivation steps of ``spec`` on ``table``.

    ``column(name)`` returns a source column (or ``None`` if the file lacks it, for lenient
    mappings); ``from_field(name)`` returns another canonical field of the row as text;
    ``other_file(pattern)`` returns the ``column`` function of another file of the export
    (for a ``lookup`` with a ``file``). The value map of a spec (``values``, ``patterns``,
    ``default``) is applied by :func:`convert`, except in a spec with a ``fallback``: there
    each level applies its own value map before the next level fills its blanks.
    """
    n = table.num_rows
    if spec.has_constant:
        return _repeat(spec.constant, n)
    if spec.from_field is not None:
        assert from_field is not None
        out = from_field(spec.from_field)
    elif spec.join:
        parts = [text(c) for c in (column(name) for name in spec.join) if c is not None]
        if not parts:
            return _repeat(None, n)
        parts = [_blank_to_null(p) for p in parts]
        joined = pc.binary_join_element_wise(*parts, spec.sep, null_handling="skip")
        out = _blank_to_null(joined)
    else:
        cols = [c for c in (column(name) for name in spec.column) if c is not None]
        if not cols:
            out = _repeat(None, n)
        elif len(cols) == 1:
            out = cols[0]
        else:
            out = pc.coalesce(*[_blank_to_null(text(c)) for c in cols])
    if spec.matches is not None:
        t = text(out)
        keep = pc.fill_null(pc.match_substring_regex(t, spec.matches), False)
        out = pc.if_else(keep, t, pa.scalar(None, pa.string()))
    kept: pa.ChunkedArray | None = None
    if spec.when is not None:
        cond = column(spec.when[0])
        accepted = set(spec.when[1])
        if cond is None:
            keep = pa.chunked_array([pa.repeat(pa.scalar(False), n)])
        else:
            accepted = {_yes_no(a) for a in accepted}
            values, idx = _distinct_text(cond)
            table_ok = np.array([_yes_no(normalize_key(v)) in accepted for v in values] + [False])
            keep = pa.chunked_array([pa.array(table_ok[idx])])
        out = pc.if_else(keep, out, pa.scalar(None, out.type))
        kept = keep
    if spec.lookup is not None:
        source = column
        if spec.lookup_file is not None:
            assert other_file is not None
            source = other_file(spec.lookup_file)
        key, value = (source(c) for c in spec.lookup)
        if key is None or value is None:
            out = _repeat(None, n)
        else:
            key_t, value_t = _blank_to_null(text(key)), text(value)
            at = pc.index_in(_blank_to_null(text(out)), value_set=key_t.combine_chunks())
            out = pc.take(value_t, at)
    if spec.is_in is not None:
        other = column(spec.is_in)
        members = (
            pc.unique(_blank_to_null(text(other)).combine_chunks())
            if other is not None
            else pa.array([], pa.string())
        )
        t = _blank_to_null(text(out))
        found = pc.is_in(t, value_set=members.drop_null())
        then = _constant_text(spec.then)
        otherwise = None if spec.otherwise is UNSET else _constant_text(spec.otherwise)
        picked = pc.if_else(found, pa.scalar(then, pa.string()), pa.scalar(otherwise, pa.string()))
        out = pc.if_else(pc.is_null(t), pa.scalar(None, pa.string()), picked)
    if spec.split_name is not None:
        out = _split_name(text(out), spec.split_name)
    if kept is not None and spec.when_else is not UNSET:
        value_else = pa.scalar(_constant_text(spec.when_else), pa.string())
        out = pc.if_else(kept, _blank_to_null(text(out)), value_else)
    if (spec.fallback is not None or _inner) and spec.has_value_map:
        out = _translate(out, Translation(None, spec.values, spec.default, {}, spec.patterns))
    if spec.fallback is not None:
        other = derive(
            spec.fallback, table, column, from_field=from_field, other_file=other_file, _inner=True
        )
        if out.type != other.type:
            out, other = _blank_to_null(text(out)), _blank_to_null(text(other))
        out = pc.coalesce(out, other)
    if isinstance(out, pa.Array):
        out = pa.chunked_array([out])
    return out


def _yes_no(key: str) -> str:
    """Spellings of yes and no compare equal (``when: {is: true}`` matches "Yes")."""
    word = BOOLEAN_WORDS.get(key)
    return key if word is None else ("true" if word else "false")


def _split_name(names: pa.ChunkedArray, part: str) -> pa.ChunkedArray:
    """First or last part of full names; "Last, First" is understood too."""
    s = pd.Series(_blank_to_null(names).to_pandas(), dtype=_ARROW_STR)
    comma = s.str.contains(",", regex=False).fillna(False).astype(bool)
    before_comma, _, after_comma = (s.str.partition(",")[i] for i in range(3))
    first_word, _, rest = (s.str.partition(" ")[i] for i in range(3))
    if part == "first":
        result = first_word.where(~comma, after_comma)
    else:
        result = rest.where(~comma, before_comma)
    result = result.str.strip().replace("", np.nan)
    return pa.chunked_array([pa.array(result.astype(object), type=pa.string(), from_pandas=True)])


# --------------------------------------------------------------------------- value maps
@dataclass
class Translation:
    """The value maps that apply to one field, most specific first.

    ``spec`` maps (``values``, then ``patterns``: regular expressions searched in the value,
    case-insensitive, first match wins, then ``default``), then the mapping's ``values`` for
    the field, then (vocabulary fields) the vocabulary itself and the common spellings.
    """

    field: Field | None
    spec_values: dict[str, Any] = field(default_factory=dict)  # type: ignore[operator,misc]  # mypy reads `field` as the attribute above; at run time it is dataclasses.field
    default: Any = UNSET
    mapping_values: dict[str, Any] = field(default_factory=dict)  # type: ignore[operator,misc]  # mypy reads `field` as the attribute above; at run time it is dataclasses.field
    patterns: tuple[tuple[str, Any], ...] = ()

    @property
    def active(self) -> bool:
        return (
            bool(self.spec_values or self.mapping_values or self.patterns)
            or self.default is not UNSET
        )

    def lookup(self, value: Any) -> tuple[Any, bool]:
        """Translate one distinct source value: ``(result, understood)``."""
        key = normalize_key(value)
        if key in self.spec_values:
            return self.spec_values[key], True
        for regex, target in self.patterns:
            if re.search(regex, str(value), flags=re.IGNORECASE):
                return target, True
        if self.default is not UNSET:
            return self.default, True
        if key in self.mapping_values:
            return self.mapping_values[key], True
        return value, False


def _translate(arr: pa.ChunkedArray, tr: Translation) -> pa.ChunkedArray:
    """Apply the mapping's value maps to the distinct values of ``arr`` (as text)."""
    values, idx = _distinct_text(arr)
    out = [_constant_text(tr.lookup(v)[0]) for v in values]
    table = pa.array([*out, None], type=pa.string())
    return pa.chunked_array([pc.take(table, pa.array(np.where(idx < 0, len(out), idx)))])


# --------------------------------------------------------------------------- converters
def convert(
    arr: pa.ChunkedArray,
    f: Field,
    tr: Translation,
    *,
    dayfirst: bool | None = None,
    date_format: str | None = None,
    source_tz: str | None = None,
    org_tz: str | None = None,
    check_mangled: bool = False,
) -> Converted:
    """Convert one derived source column into canonical field ``f``."""
    if f.kind == "category" and f.vocabulary is not None:
        return _vocabulary(arr, f, tr)
    if tr.active:
        arr = _translate(arr, tr)
    if f.kind == "bool":
        return _boolean(arr)
    if f.kind == "datetime":
        return _datetime(arr, dayfirst, date_format, source_tz, org_tz)
    if f.kind == "float":
        return _amount(arr)
    return _text(arr, f, check_mangled)


def _empty_raw() -> pd.Series:
    return pd.Series([], dtype=object)


def _vocabulary(arr: pa.ChunkedArray, f: Field, tr: Translation) -> Converted:
    vocab = f.vocabulary or ()
    codes_of = {c: i for i, c in enumerate(vocab)}
    common = common_values(f.name)
    values, idx = _distinct_text(arr)
    # per distinct value: category code, -1 blank (mapped to null), -2 not understood
    code = np.empty(len(values) + 1, dtype=np.int16 if len(vocab) < 32_000 else np.int64)
    code[-1] = -1
    for i, v in enumerate(values):
        result, _ = tr.lookup(v)
        if result is None:
            code[i] = -1
            continue
        key = normalize_key(result)
        key = key if key in codes_of else common.get(key, key)
        code[i] = codes_of.get(key, -2)
    row_code = code[idx]  # idx == -1 picks code[-1] == -1 (blank)
    blank = idx < 0
    bad = row_code == -2
    cat = pd.Categorical.from_codes(np.where(bad, -1, row_code), categories=list(vocab))
    raw = _raw(values, idx, bad)
    blank = blank | (row_code == -1)
    return Converted(pd.Series(cat), blank, bad, raw)


def _raw(values: list[Any], idx: np.ndarray, bad: np.ndarray) -> pd.Series:
    if not bad.any():
        return _empty_raw()
    pos = np.flatnonzero(bad)
    arr = np.asarray(values, dtype=object)
    return pd.Series(arr[idx[pos]], index=pos, dtype=object)


def _boolean(arr: pa.ChunkedArray) -> Converted:
    if pa.types.is_boolean(arr.type):
        blank = _null_mask(arr)
        return Converted(
            pd.Series(arr.to_pandas(), dtype="boolean"), blank, np.zeros_like(blank), _empty_raw()
        )
    values, idx = _distinct_text(arr)
    code = np.array(
        [{True: 1, False: 0}.get(BOOLEAN_WORDS.get(normalize_key(v)), -2) for v in values] + [-1],  # type: ignore[arg-type]
        dtype=np.int8,
    )
    row = code[idx]
    bad = row == -2
    out = pd.arrays.BooleanArray(row == 1, row < 0)
    return Converted(pd.Series(out), idx < 0, bad, _raw(values, idx, bad))


def _amount(arr: pa.ChunkedArray) -> Converted:
    """Amounts; ``inf``, ``1e400`` (too large for a number) and ``nan`` are not amounts."""
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        values = (
            arr.to_numpy().astype(np.float64)
            if arr.null_count == 0
            else np.asarray(
                pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64
            )
        )
        blank = _null_mask(arr)
        bad = ~np.isfinite(values) & ~blank
        if not bad.any():
            return Converted(pd.Series(values), blank, bad, _empty_raw())
        pos = np.flatnonzero(bad)
        raw = pd.Series([repr(float(v)) for v in values[pos]], index=pos, dtype=object)
        values = np.where(bad, np.nan, values)
        return Converted(pd.Series(values), blank, bad, raw)
    t = _blank_to_null(text(arr))
    blank = _null_mask(t)
    s = pd.Series(t.to_pandas(), dtype=_ARROW_STR)
    negative = s.str.match(r"^\(.*\)$|^-").fillna(False).astype(bool)
    # 250.000,00 and 12,5: a decimal comma (thousands with dots); swap the separators
    european = s.str.match(_EUROPEAN).fillna(False).astype(bool)
    if european.any():
        swapped = s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        s = s.where(~european, swapped)
    cleaned = s.str.replace(r"[\s$€£,()+-]|USD|EUR", "", regex=True)
    number = pd.to_numeric(cleaned, errors="coerce").astype(np.float64).to_numpy()
    number = np.where(negative.to_numpy(), -number, number)
    bad = ~np.isfinite(number) & ~blank
    number[bad] = np.nan
    raw = pd.Series(s.to_numpy(dtype=object)[bad], index=np.flatnonzero(bad), dtype=object)
    return Converted(pd.Series(number), blank, bad, raw)


def _text(arr: pa.ChunkedArray, f: Field, check_mangled: bool) -> Converted:
    t = text(arr)
    if f.kind in ("id", "category"):
        t = _blank_to_null(t)
    blank = _null_mask(t)
    values = pd.Series(t.to_pandas(), dtype=_ARROW_STR)
    mangled = None
    if check_mangled and (~blank).any() and _may_contain(t, (b"E+", b"-")):
        hit = pc.fill_null(pc.match_substring_regex(t, _MANGLED), False)
        if pc.any(hit).as_py():
            mask = hit.to_numpy(zero_copy_only=False)
            mangled = values[mask]
    return Converted(values, blank, np.zeros_like(blank), _empty_raw(), mangled=mangled)


def _may_contain(arr: pa.ChunkedArray, needles: tuple[bytes, ...]) -> bool:
    """Whether some value of text column ``arr`` may contain one of ``needles``: ``False``
    only if none occurs anywhere in its data buffers (one fast scan of the bytes instead of
    a regular expression on every value)."""
    for chunk in arr.chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return True
        data = chunk.buffers()[2]
        if data is None:
            continue
        raw = data.to_pybytes()
        if any(n in raw for n in needles):
            return True
    return False


# --------------------------------------------------------------------------- dates
def _to_local_naive(
    arr: pa.ChunkedArray | pa.Array, source_tz: str | None, org_tz: str | None
) -> pa.ChunkedArray | pa.Array:
    """Timestamps as naive organization-local microseconds."""
    arr = pc.cast(arr, pa.timestamp("us", arr.type.tz))
    if arr.type.tz is None and source_tz and org_tz and source_tz != org_tz:
        arr = pc.assume_timezone(arr, source_tz, ambiguous="earliest", nonexistent="earliest")
    if arr.type.tz is not None:
        arr = pc.local_timestamp(pc.cast(arr, pa.timestamp("us", org_tz or "UTC")))
    return arr


def _datetime(
    arr: pa.ChunkedArray,
    dayfirst: bool | None,
    date_format: str | None,
    source_tz: str | None,
    org_tz: str | None,
) -> Converted:
    n = len(arr)
    formats: Counter[str] = Counter()
    if pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type):
        ts = _to_local_naive(
            pc.cast(arr, pa.timestamp("us", getattr(arr.type, "tz", None)))
            if pa.types.is_date(arr.type)
            else arr,
            source_tz,
            org_tz,
        )
        us = _int64(ts)
        blank = us == _NAT
        out_of_range = ~blank & ((us < _MIN_US) | (us >= _MAX_US))
        raw = _empty_raw()
        if out_of_range.any():
            where = np.flatnonzero(out_of_range)
            raw = pd.Series(_iso_text(us[where]), index=where, dtype=object)
            us = np.where(out_of_range, _NAT, us)
        formats["iso"] = int(n - blank.sum() - out_of_range.sum())
        result = _date_result(us, blank, out_of_range, raw, formats)
        result.no_such_date = np.zeros(n, dtype=bool)
        result.out_of_range = out_of_range
        if pa.types.is_timestamp(arr.type) and arr.type.tz is not None:
            result.aware = int(n - blank.sum())
        return result
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        num = np.asarray(pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), np.float64)
        blank = np.isnan(num)
        us = _from_serial(num)
        formats["excel_serial"] = int((us != _NAT).sum())
        compact = (us == _NAT) & (num >= 19000101) & (num < 22000101) & (num % 1 == 0)
        if compact.any():  # 20240305 written as a number
            digits = pa.array(num[compact].astype(np.int64).astype(str))
            got = _int64(pc.strptime(digits, format="%Y%m%d", unit="us", error_is_null=True))
            us[compact] = got
            formats["iso"] += int((got != _NAT).sum())
        bad = (us == _NAT) & ~blank
        raw = pd.Series(num[bad], index=np.flatnonzero(bad), dtype=object)
        return _date_result(us, blank, bad, raw, formats)

    t = _blank_to_null(text(arr)).combine_chunks()
    blank = _null_mask(t)
    us = np.full(n, _NAT, dtype=np.int64)
    no_such = np.zeros(n, dtype=bool)
    out_of_range = np.zeros(n, dtype=bool)
    todo = np.flatnonzero(~blank)

    def rows(positions: np.ndarray) -> pa.Array:
        return t if len(positions) == n else t.take(pa.array(positions))

    def settle(family: str, positions: np.ndarray, got: np.ndarray, rolled: np.ndarray) -> None:
        """Record what one format read at ``positions``: dates in range, days that do not
        exist (strptime rolled them over), dates out of range; the rest stays to do."""
        nonlocal todo
        read = got != _NAT
        rolled = rolled & read
        ok = read & ~rolled & (got >= _MIN_US) & (got < _MAX_US)
        us[positions[ok]] = got[ok]
        no_such[positions[rolled]] = True
        out_of_range[positions[read & ~rolled & ~ok]] = True
        if ok.any():
            formats[family] += int(ok.sum())
        if read.any():
            done = np.zeros(n, dtype=bool)
            done[positions[read]] = True
            todo = todo[~done[todo]]

    def attempt(family: str, fmt: str) -> None:
        if len(todo):
            subset = todo
            settle(family, subset, *_strptime(rows(subset), fmt))

    if date_format:
        attempt("format", date_format)
        if len(todo):
            subset = todo
            got = _pandas_format(rows(subset), date_format)
            settle("format", subset, got, np.zeros(len(got), dtype=bool))
    aware_count = 0
    if len(todo):
        subset = rows(todo)
        aware = pc.fill_null(pc.match_substring_regex(subset, _AWARE), False).to_numpy(
            zero_copy_only=False
        )
        if aware.any():
            idx = todo[aware]
            got = _aware(t.take(pa.array(idx)), org_tz)
            ok = got != _NAT
            us[idx[ok]] = got[ok]
            formats["iso"] += int(ok.sum())
            aware_count = int(ok.sum())
            todo = np.concatenate([todo[~aware], idx[~ok]])
            todo.sort()
    naive_start = todo.copy()
    for fmt in _ISO_FORMATS:
        attempt("iso", fmt)
    if len(todo):
        subset = todo
        got = _pandas_iso(rows(subset))
        settle("iso", subset, got, np.zeros(len(got), dtype=bool))
    order = _Order(declared=dayfirst)
    if len(todo):
        order = _numeric(rows(todo), dayfirst)
        for fmt in order.formats:
            attempt(order.family, fmt)
        if order.dayfirst is not None and len(todo):
            more = _more_formats(rows(todo), dayfirst=order.dayfirst, tried=order.formats)
            for fmt in more:
                attempt(order.family, fmt)
    for fmt in _TEXT_MONTH_FORMATS:
        attempt("text", fmt)
    if len(todo):
        subset = todo
        got = _serial_text(rows(subset))
        settle("excel_serial", subset, got, np.zeros(len(got), dtype=bool))
    if source_tz and org_tz and source_tz != org_tz:
        unread = np.zeros(n, dtype=bool)
        unread[todo] = True
        unread |= no_such | out_of_range
        parsed_naive = naive_start[~unread[naive_start]]
        if len(parsed_naive):
            local = pa.array(us[parsed_naive], type=pa.timestamp("us"))
            us[parsed_naive] = _int64(_to_local_naive(local, source_tz, org_tz))
    bad = np.zeros(n, dtype=bool)
    bad[todo] = True
    bad |= no_such | out_of_range
    where = np.flatnonzero(bad)
    raw = pd.Series(
        t.take(pa.array(where)).to_pylist() if len(where) else [], index=where, dtype=object
    )
    hints = list(order.hints)
    if len(todo) and not order.ambiguous and not order.hints:
        sample = t.take(pa.array(todo[:1000])).to_pylist()
        hint = unread_hint(sample, dayfirst=order.dayfirst, generic=False)
        if hint:  # only a specific one: a few values that are not dates need no warning
            hints.append(hint)
    result = _date_result(us, blank, bad, raw, formats)
    result.hints = hints
    result.aware = aware_count
    result.no_such_date = no_such
    result.out_of_range = out_of_range
    result.order = order.description
    result.dayfirst = order.dayfirst if order.declared is None and order.evidence else None
    result.ambiguous = order.ambiguous
    return result


# --------------------------------------------------------------------------- day or month first
@dataclass
class _Order:
    """How one column's numeric dates (``03/04/2024``) are read: in which order, and the
    strptime formats of their shapes, most frequent first."""

    declared: bool | None = None
    dayfirst: bool | None = None
    formats: list[str] = field(default_factory=list)
    description: str | None = None
    ambiguous: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    evidence: int = 0

    @property
    def family(self) -> str:
        return "day-first" if self.dayfirst else "month-first"


def decide_order(first: np.ndarray, second: np.ndarray) -> tuple[bool | None, int, int]:
    """Whether numeric dates are day-first, from their first and second numbers.

    A value whose first number is above 12 can only be day-first; whose second number is
    above 12, only month-first. The side with more such values decides (a tie, or no such
    value while some values read differently both ways, is undecided: ``None``). Also
    returns how many values showed each order.

    >>> decide_order(np.array([1, 20, 3]), np.array([2, 10, 4]))
    (True, 1, 0)
    >>> decide_order(np.array([1, 3]), np.array([2, 4]))
    (None, 0, 0)
    >>> decide_order(np.array([5, 7]), np.array([5, 7]))  # 05/05: the same either way
    (False, 0, 0)
    """
    day_first = int(((first > 12) & (first <= 31) & (second <= 12)).sum())
    month_first = int(((second > 12) & (second <= 31) & (first <= 12)).sum())
    if day_first != month_first:
        return day_first > month_first, day_first, month_first
    if day_first == 0 and not ((first != second) & (first <= 12) & (second <= 12)).any():
        return False, 0, 0
    return None, day_first, month_first


def numeric_format(value: str, *, dayfirst: bool) -> str | None:
    """The strptime format of one numeric date, read day-first or month-first.

    >>> numeric_format("26-02-2018 19:58", dayfirst=True)
    '%d-%m-%Y %H:%M'
    >>> numeric_format("3/4/24 2:05:09 PM", dayfirst=False)
    '%m/%d/%y %I:%M:%S %p'
    >>> numeric_format("2018-02-26", dayfirst=True) is None
    True
    """
    m = re.match(NUMERIC_DATE, value.strip())
    if m is None:
        return None
    return _shape_format(
        m["s1"],
        m["s2"],
        len(m["y"]),
        m["t"] or "",
        bool(m["sec"]),
        m["ws"] or "",
        bool(m["ap"]),
        dayfirst=dayfirst,
    )


def _shape_format(
    s1: str, s2: str, year: int, t: str, sec: bool, ws: str, ap: bool, *, dayfirst: bool
) -> str:
    first, second = ("%d", "%m") if dayfirst else ("%m", "%d")
    fmt = f"{first}{s1}{second}{s2}{'%Y' if year == 4 else '%y'}"
    if t:
        fmt += f"{t}{'%I' if ap else '%H'}:%M{':%S' if sec else ''}{ws if ap else ''}"
        fmt += "%p" if ap else ""
    return fmt


def _numeric(values: pa.Array, dayfirst: bool | None) -> _Order:
    """Decide (or take) the day/month order of the numeric dates among ``values``, and the
    formats of their shapes (found on a sample; :func:`_more_formats` finds the rest).
    Undecided: the column's examples, and no formats.

    Whole-column work is two regular-expression matches without captures (fast); the
    numbers themselves are extracted only when no value decides.
    """
    order = _Order(declared=dayfirst)
    if dayfirst is None:
        day_ev = pc.fill_null(pc.match_substring_regex(values, _DAY_FIRST), False)
        month_ev = pc.fill_null(pc.match_substring_regex(values, _MONTH_FIRST), False)
        n_day, n_month = pc.sum(day_ev).as_py() or 0, pc.sum(month_ev).as_py() or 0
        if n_day == n_month:
            matched = pc.fill_null(pc.match_substring_regex(values, _NUMERIC_SHAPE), False)
            if not pc.any(matched).as_py():
                return order
            numeric = values.filter(matched)
            parts = pc.extract_regex(numeric, NUMERIC_DATE)
            first, second = (
                np.asarray(
                    pc.cast(pc.struct_field(parts, k), pa.int32()).to_numpy(zero_copy_only=False)
                )
                for k in ("a", "b")
            )
            decided, _, _ = decide_order(first, second)
            if decided is None:
                mixed = (first != second) & (first <= 12) & (second <= 12)
                order.ambiguous = list(
                    dict.fromkeys(numeric.filter(pa.array(mixed)).to_pylist()[:200])
                )[:3]
                return order
            order.dayfirst = decided  # every value reads the same either way
            order.description = "either way (every value has the same day and month number)"
        else:
            order.dayfirst = n_day > n_month
            k, other = max(n_day, n_month), min(n_day, n_month)
            deciding, against = (day_ev, month_ev) if order.dayfirst else (month_ev, day_ev)
            example = values.filter(deciding).slice(0, 1).to_pylist()[0]
            order.evidence = k
            order.description = (
                f"{order.family} ({k:,} value{'s' if k != 1 else ''} such as {example!r} "
                f"{'have' if k != 1 else 'has'} a {'first' if order.dayfirst else 'second'} "
                "number above 12)"
            )
            if other:
                odd = values.filter(against).slice(0, 3).to_pylist()
                order.hints.append(
                    f"read {order.family}, as {k:,} values such as {example!r} show; "
                    f"{other:,} value(s) read only the other way "
                    f"({', '.join(repr(v) for v in odd)}) and are left unread: check them at "
                    "the source, or give the column's `format:` if it mixes both orders"
                )
    else:
        order.dayfirst = dayfirst
        order.description = f"{order.family} (declared in the mapping)"
    order.formats = _shape_formats(values.slice(0, _SHAPE_SAMPLE), dayfirst=bool(order.dayfirst))
    return order


def _shape_formats(values: pa.Array, *, dayfirst: bool, skip: set[str] | None = None) -> list[str]:
    """The strptime formats of the numeric dates among ``values`` (distinct values read in
    Python), most frequent first, leaving out those in ``skip``."""
    counts: Counter[str] = Counter()
    distinct = pc.value_counts(values)
    for value, n in zip(
        distinct.field("values").to_pylist(), distinct.field("counts").to_pylist(), strict=True
    ):
        fmt = None if value is None else numeric_format(value, dayfirst=dayfirst)
        if fmt is not None and fmt not in (skip or ()):
            counts[fmt] += n
    return [fmt for fmt, _ in counts.most_common()]


def _more_formats(values: pa.Array, *, dayfirst: bool, tried: list[str]) -> list[str]:
    """Formats of numeric dates still unread after ``tried`` (shapes the sample missed)."""
    matched = pc.fill_null(pc.match_substring_regex(values, _NUMERIC_SHAPE), False)
    if not pc.any(matched).as_py():
        return []
    return _shape_formats(values.filter(matched), dayfirst=dayfirst, skip=set(tried))


def unread_hint(values: list[str], *, dayfirst: bool | None, generic: bool = True) -> str | None:
    """How to read date values that no format read, built from the values themselves
    (``None`` when there is nothing to say, or only the generic advice and not ``generic``).

    >>> print(unread_hint(["20-10-2017"], dayfirst=False))  # doctest: +NORMALIZE_WHITESPACE
    values such as '20-10-2017' read only day-first: set `dayfirst: true` for this column, or
    `format: '%d-%m-%Y'`
    >>> print(unread_hint(["2018.02.26"], dayfirst=None))
    give the column's date format with `format:` (Python strftime codes), e.g. for '2018.02.26'

    """
    if not values:
        return None
    for v in values:
        m = re.match(NUMERIC_DATE, str(v).strip())
        if m is None or dayfirst is None:
            continue
        a, b = int(m["a"]), int(m["b"])
        other = not dayfirst
        if (a > 12 and b <= 12 and other) or (b > 12 and a <= 12 and not other):
            fmt = numeric_format(str(v), dayfirst=other)
            word = "day-first" if other else "month-first"
            return (
                f"values such as {v!r} read only {word}: set `dayfirst: "
                f"{'true' if other else 'false'}` for this column, or `format: {fmt!r}`"
            )
    if not generic:
        return None
    return (
        f"give the column's date format with `format:` (Python strftime codes), "
        f"e.g. for {_short_text(values[0])!r}"
    )


def _short_text(value: object, limit: int = 40) -> str:
    s = str(value)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _iso_text(us: np.ndarray) -> list[str]:
    """Microsecond timestamps as ISO text (the date alone at midnight), for examples.

    >>> _iso_text(np.array([32503593600000000, 32503600800000000]))
    ['2999-12-31', '2999-12-31 02:00:00']
    """
    stamps = np.datetime_as_string(us.astype("datetime64[us]"), unit="s")
    return [s[:10] if s.endswith("T00:00:00") else s.replace("T", " ") for s in stamps]


@functools.lru_cache(maxsize=256)
def _day_pattern(fmt: str) -> str | None:
    """A regular expression matching text written in strptime format ``fmt``, with the day
    of the month as group ``d`` (``None`` when the format has no day)."""
    if "%d" not in fmt:
        return None
    codes = {
        "Y": r"\d{4}",
        "y": r"\d{2}",
        "m": r"\d{1,2}",
        "d": r"(?P<d>\d{1,2})",
        "H": r"\d{1,2}",
        "I": r"\d{1,2}",
        "M": r"\d{1,2}",
        "S": r"\d{1,2}",
        "p": r"[AaPp]\.?[Mm]\.?",
        "b": r"[A-Za-z]{3,4}\.?",
        "B": r"[A-Za-z]+",
        "a": r"[A-Za-z]{3}",
        "A": r"[A-Za-z]+",
        "j": r"\d{1,3}",
        "f": r"\d+",
        "z": r"(?:Z|[+-]\d{2}:?\d{2})",
        "%": "%",
    }
    out, i, seen_day = ["^"], 0, False
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%" and i + 1 < len(fmt):
            code = fmt[i + 1]
            if code not in codes or (code == "d" and seen_day):
                return None
            seen_day |= code == "d"
            out.append(codes[code])
            i += 2
        else:
            out.append(re.escape(ch))
            i += 1
    return "".join(out) + "$"


def _strptime(s: pa.Array, fmt: str) -> tuple[np.ndarray, np.ndarray]:
    """``s`` parsed with ``fmt`` (microseconds, ``_NAT`` where unread), and which values name
    a day their month does not have (``2025-02-30``: strptime rolls it over to March 2)."""
    parsed = pc.strptime(s, format=fmt, unit="us", error_is_null=True)
    got = _int64(parsed)
    rolled = np.zeros(len(got), dtype=bool)
    pattern = _day_pattern(fmt)
    if pattern is None or parsed.null_count == len(parsed):
        return got, rolled
    day = np.asarray(pc.fill_null(pc.day(parsed), 0).to_numpy(zero_copy_only=False))
    month = np.asarray(pc.fill_null(pc.month(parsed), 0).to_numpy(zero_copy_only=False))
    # a day a month lacks rolls over into the next month's first days: 29-31 February into
    # 1-3 March, 31 April, June, September or November into the 1st of the next month
    candidates = np.flatnonzero(
        ((month == 3) & (day >= 1) & (day <= 3)) | (np.isin(month, (5, 7, 10, 12)) & (day == 1))
    )
    if len(candidates):
        found = pc.extract_regex(s.take(pa.array(candidates)), pattern)
        written = pc.cast(pc.struct_field(found, "d"), pa.int32())
        written = np.asarray(
            pc.fill_null(written, -1).to_numpy(zero_copy_only=False), dtype=np.int64
        )
        rolled[candidates] = (written >= 0) & (written != day[candidates])
    return got, rolled


def _int64(arr: pa.ChunkedArray | pa.Array) -> np.ndarray:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    ints = pc.cast(arr.cast(pa.timestamp("us")), pa.int64())
    return pc.fill_null(ints, _NAT).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)


def _aware(s: pa.Array, org_tz: str | None) -> np.ndarray:
    parsed = pd.to_datetime(
        pd.Series(s.to_pandas(), dtype=_ARROW_STR), format="ISO8601", utc=True, errors="coerce"
    )
    local = parsed.dt.tz_convert(org_tz or "UTC").dt.tz_localize(None).astype("datetime64[us]")
    return local.to_numpy().view(np.int64).copy()


def _pandas_iso(s: pa.Array) -> np.ndarray:
    series = pd.Series(s.to_pandas(), dtype=_ARROW_STR)
    looks_iso = series.str.match(r"^\d{4}-\d\d-\d\d").fillna(False).astype(bool)
    out = np.full(len(series), _NAT, dtype=np.int64)
    if looks_iso.any():
        parsed = pd.to_datetime(series[looks_iso], format="ISO8601", errors="coerce")
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_localize(None)
        out[looks_iso.to_numpy()] = parsed.astype("datetime64[us]").to_numpy().view(np.int64)
    return out


def _pandas_format(s: pa.Array, fmt: str) -> np.ndarray:
    parsed = pd.to_datetime(pd.Series(s.to_pandas(), dtype=_ARROW_STR), format=fmt, errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.astype("datetime64[us]").to_numpy().view(np.int64).copy()


def _from_serial(num: np.ndarray) -> np.ndarray:
    ok = (num >= 10_000) & (num < 100_000)
    us = np.full(len(num), _NAT, dtype=np.int64)
    us[ok] = np.round((num[ok] - _EPOCH_EXCEL_DAYS) * _US_PER_DAY).astype(np.int64)
    return us


def _serial_text(s: pa.Array) -> np.ndarray:
    looks = pc.fill_null(pc.match_substring_regex(s, _SERIAL), False).to_numpy(zero_copy_only=False)
    out = np.full(len(s), _NAT, dtype=np.int64)
    if looks.any():
        num = np.asarray(
            pc.cast(s.filter(pa.array(looks)), pa.float64()).to_numpy(zero_copy_only=False)
        )
        out[looks] = _from_serial(num)
    return out


def _date_result(
    us: np.ndarray, blank: np.ndarray, bad: np.ndarray, raw: pd.Series, formats: Counter[str]
) -> Converted:
    values = pd.Series(us.view("datetime64[us]"))
    return Converted(values, blank, bad, raw, formats=formats)
