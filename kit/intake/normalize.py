"""Vectorized conversion of source columns into canonical, typed columns.

Each converter takes a :mod:`pyarrow` column as read from a source file and returns a
:class:`Converted`: the canonical values (with the canonical dtype) and which rows were blank
in the source and which held a value that could not be understood (now blank, and reported as
a data-quality fact, never silently). Nothing here loops over rows in Python: vocabulary and
yes/no values are translated on the *distinct* values of a column (dictionary encoding), dates
are parsed by :func:`pyarrow.compute.strptime` format by format on the rows still unparsed,
fastest and most common formats first.

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

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit.intake.mapping import _UNSET, BOOLEAN_WORDS, ColumnSpec, common_values, normalize_key
from kit.schema import Field

__all__ = [
    "ISSUES",
    "Converted",
    "Translation",
    "convert",
    "derive",
    "text",
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
_SLASH_FORMATS = (
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y",
    "%m/%d/%y %H:%M",
    "%m/%d/%y %I:%M %p",
    "%m/%d/%y",
    "%m-%d-%Y",
    "%m.%d.%Y",
)
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
) -> pa.ChunkedArray:
    """Evaluate the input and derivation steps of ``spec`` on ``table``.

    ``column(name)`` returns a source column (or ``None`` if the file lacks it, for lenient
    mappings); ``from_field(name)`` returns another canonical field of the row as text. The
    value-map steps (``values``, ``default``) are applied later by :func:`convert`.
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
    if spec.lookup is not None:
        key, value = (column(c) for c in spec.lookup)
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
        otherwise = None if spec.otherwise is _UNSET else _constant_text(spec.otherwise)
        picked = pc.if_else(found, pa.scalar(then, pa.string()), pa.scalar(otherwise, pa.string()))
        out = pc.if_else(pc.is_null(t), pa.scalar(None, pa.string()), picked)
    if spec.split_name is not None:
        out = _split_name(text(out), spec.split_name)
    if spec.fallback is not None:
        other = derive(spec.fallback, table, column, from_field=from_field)
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

    ``spec`` maps (with their ``default``), then the mapping's ``values`` for the field,
    then (vocabulary fields) the vocabulary itself and the common spellings.
    """

    field: Field
    spec_values: dict[str, Any] = field(default_factory=dict)  # type: ignore[operator]
    default: Any = _UNSET
    mapping_values: dict[str, Any] = field(default_factory=dict)  # type: ignore[operator]

    @property
    def active(self) -> bool:
        return bool(self.spec_values or self.mapping_values) or self.default is not _UNSET

    def lookup(self, value: Any) -> tuple[Any, bool]:
        """Translate one distinct source value: ``(result, understood)``."""
        key = normalize_key(value)
        if key in self.spec_values:
            return self.spec_values[key], True
        if self.default is not _UNSET:
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
    dayfirst: bool = False,
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
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        values = (
            arr.to_numpy().astype(np.float64)
            if arr.null_count == 0
            else np.asarray(
                pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64
            )
        )
        blank = _null_mask(arr)
        return Converted(pd.Series(values), blank, np.zeros_like(blank), _empty_raw())
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
    bad = np.isnan(number) & ~blank
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
    dayfirst: bool,
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
        formats["iso"] = int(n - blank.sum())
        result = _date_result(us, blank, np.zeros(n, bool), _empty_raw(), formats)
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
    todo = np.flatnonzero(~blank)

    def attempt(family: str, parse: Callable[[pa.Array], np.ndarray]) -> None:
        nonlocal todo
        if not len(todo):
            return
        subset = t if len(todo) == n else t.take(pa.array(todo))
        got = parse(subset)
        ok = (got != _NAT) & (got >= _MIN_US) & (got < _MAX_US)
        if ok.any():
            us[todo[ok]] = got[ok]
            formats[family] += int(ok.sum())
            todo = todo[~ok]

    def strptime(fmt: str) -> Callable[[pa.Array], np.ndarray]:
        return lambda s: _int64(pc.strptime(s, format=fmt, unit="us", error_is_null=True))

    if date_format:
        attempt("format", strptime(date_format))
        attempt("format", lambda s: _pandas_format(s, date_format))
    aware_count = 0
    if len(todo):
        subset = t if len(todo) == n else t.take(pa.array(todo))
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
        attempt("iso", strptime(fmt))
    attempt("iso", _pandas_iso)
    slash_family = "day-first" if dayfirst else "us"
    for fmt in _SLASH_FORMATS:
        attempt(slash_family, strptime(_swap(fmt) if dayfirst else fmt))
    for fmt in _TEXT_MONTH_FORMATS:
        attempt("text", strptime(fmt))
    attempt("excel_serial", _serial_text)
    if source_tz and org_tz and source_tz != org_tz:
        unread = np.zeros(n, dtype=bool)
        unread[todo] = True
        parsed_naive = naive_start[~unread[naive_start]]
        if len(parsed_naive):
            local = pa.array(us[parsed_naive], type=pa.timestamp("us"))
            us[parsed_naive] = _int64(_to_local_naive(local, source_tz, org_tz))
    bad = np.zeros(n, dtype=bool)
    bad[todo] = True
    raw = pd.Series(
        t.take(pa.array(todo)).to_pylist() if len(todo) else [], index=todo, dtype=object
    )
    hints = []
    if len(todo) and not dayfirst:
        sample = t.take(pa.array(todo[:1000]))
        swapped = sum(
            int(
                (
                    _int64(pc.strptime(sample, format=_swap(f), unit="us", error_is_null=True))
                    != _NAT
                ).sum()
            )
            for f in _SLASH_FORMATS[:5]
        )
        if swapped >= max(1, len(sample) // 2):
            hints.append("these look like day-first dates: set `dayfirst: true` in the mapping")
    result = _date_result(us, blank, bad, raw, formats)
    result.hints = hints
    result.aware = aware_count
    return result


def _swap(fmt: str) -> str:
    return fmt.replace("%m", "\0").replace("%d", "%m").replace("\0", "%d")


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
