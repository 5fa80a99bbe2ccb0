"""A minimal, fast and reproducible ``.xlsx`` writer for plain tables.

:func:`workbook_bytes` writes each frame as one sheet: a bold, frozen header row with an
autofilter, column widths from the header and the first rows, numbers as numbers with an
Excel number format (thousands separators, percentages, dollars, minutes, days), text as
inline strings, blanks left empty. Text that a spreadsheet could take for a formula (starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written as it is, with Excel's
quote-prefix style: it shows without an apostrophe and stays text when the cell is edited.

The sheet XML is built column by column with :mod:`pyarrow.compute` (no Python loop over
cells), so a 100,000-row review list takes well under a second where openpyxl's cell objects
took half a minute. It is built and compressed :data:`CHUNK_ROWS` rows at a time, straight into
the file (:func:`write_workbook_file`): the large demo's 215,000-row review list took 670 MB
more memory as one string, a few tens of MB in chunks. The zip entries carry a fixed date, so
the same frames give the same bytes. Excel's limits are the caller's to respect
(:func:`kit.report.exports.fit_to_excel` cuts and records); a sheet beyond them is refused.

Examples
--------
>>> import io, zipfile
>>> data = workbook_bytes({"scores": pd.DataFrame({"team": ["North"], "score": [80.5]})})
>>> sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())[:3]
['[Content_Types].xml', '_rels/.rels', 'docProps/app.xml']
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import IO, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit._safe import FORMULA_START

__all__ = [
    "CHUNK_ROWS",
    "FORMATS",
    "MAX_CELL_CHARS",
    "MAX_ROWS",
    "Sheet",
    "workbook_bytes",
    "write_workbook_file",
]

#: Number formats by name: what a column (or one cell) of a sheet may be shown as.
FORMATS: dict[str, str] = {
    "integer": "#,##0",
    "decimal": "#,##0.0",
    "number": "#,##0.00",
    "percent": "0.0%",
    "score": "0",
    "currency": '"$"#,##0',
    "minutes": '#,##0 "min"',
    "days": '#,##0.0 "days"',
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "text": "@",
}
#: Excel's limits: rows of a sheet (the header included) and characters in one cell.
MAX_ROWS = 1_048_576
MAX_CELL_CHARS = 32_767

_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIXED_DOC_TIME = "2000-01-01T00:00:00Z"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
#: Characters XML 1.0 does not allow (Excel refuses a file holding them).
_ILLEGAL = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
_EXCEL_EPOCH = np.datetime64("1899-12-30", "us")
_WIDTH_ROWS = 200  # column widths look at the header and the first rows, like a person would
#: Rows of a sheet built and compressed at a time (at least :data:`_WIDTH_ROWS`).
CHUNK_ROWS = 20_000
_MAX_WIDTH = 60
_MIN_WIDTH = 8
_STYLE_HEADER = 1


@dataclass(frozen=True)
class Sheet:
    """A frame and how to show it.

    ``formats`` maps a column to a name of :data:`FORMATS`, or to one name per row (a
    sequence; ``None`` keeps the default) for a column mixing units. Without one, integers
    show with thousands separators, other numbers with two decimals (whole ones without),
    date-times as dates (with the time when any has one).
    """

    frame: pd.DataFrame
    formats: Mapping[str, object] = field(default_factory=dict)
    autofilter: bool = True


class _Styles:
    """The workbook's cell styles (``cellXfs``), added as the sheets ask for them."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str | None, bool], int] = {}

    def id(self, fmt: str | None, *, quote: bool = False) -> int:
        key = (fmt, quote)
        if key == (None, False):
            return 0
        if key not in self._ids:
            self._ids[key] = len(self._ids) + 2  # 0: normal, 1: header
        return self._ids[key]

    def xml(self) -> str:
        codes = sorted({fmt for fmt, _ in self._ids if fmt is not None})
        num_ids = {fmt: 164 + i for i, fmt in enumerate(codes)}
        num_fmts = "".join(
            f'<numFmt numFmtId="{num_ids[f]}" formatCode="{escape(FORMATS[f], quote=True)}"/>'
            for f in codes
        )
        xfs = [
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
            '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" '
            'applyFill="1" applyBorder="1" applyAlignment="1"><alignment vertical="top" '
            'wrapText="1"/></xf>',
        ]
        for (fmt, quote), _ in sorted(self._ids.items(), key=lambda kv: kv[1]):
            number = f' numFmtId="{num_ids[fmt]}" applyNumberFormat="1"' if fmt else ' numFmtId="0"'
            prefix = ' quotePrefix="1"' if quote else ""
            xfs.append(f'<xf{number} fontId="0" fillId="0" borderId="0" xfId="0"{prefix}/>')
        return (
            _DECL
            + f'<styleSheet xmlns="{_MAIN}">'
            + (f'<numFmts count="{len(codes)}">{num_fmts}</numFmts>' if codes else "")
            + '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            '<fills count="3"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill>'
            '<fill><patternFill patternType="solid"><fgColor rgb="FFDCE6F1"/>'
            '<bgColor indexed="64"/></patternFill></fill></fills>'
            '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '<border><left/><right/><top/><bottom style="thin"><color rgb="FF8EA9C1"/></bottom>'
            "<diagonal/></border></borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            "</cellStyleXfs>"
            f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        )


def _letter(index: int) -> str:
    """Excel's column letters: 0 -> A, 25 -> Z, 26 -> AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _xml_text(values: pa.Array) -> pa.Array:
    """Text escaped for XML, characters XML cannot hold removed."""
    values = pc.replace_substring_regex(values, _ILLEGAL, "")
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        values = pc.replace_substring(values, raw, entity)
    return values


def _style_ids(names: np.ndarray, styles: _Styles, *, quote: bool = False) -> pa.Array:
    """Each cell's style id, as text, from its format name (``None``: the default)."""
    codes, uniques = pd.factorize(pd.Series(names, dtype=object), use_na_sentinel=False)
    ids = np.array([str(styles.id(u, quote=quote)) for u in uniques], dtype=object)
    return pa.array(ids[codes] if len(codes) else [], type=pa.string())


def _rows_of(fmt: object, start: int, stop: int) -> object:
    """The part of a column's format for rows ``start`` to ``stop`` (one name is all rows')."""
    if fmt is None or isinstance(fmt, str):
        return fmt
    return list(cast("Iterable[object]", fmt))[start:stop]


def _timed(series: pd.Series) -> bool:
    """Whether any date-time of a column has a time of day (the whole column shows it)."""
    stamps = series.dt.tz_localize(None) if getattr(series.dtype, "tz", None) else series
    known = stamps.dropna()
    return bool((known != known.dt.normalize()).any())


def _per_row(fmt: object, n: int) -> np.ndarray:
    """A column's format as one name (or ``None``) per row."""
    if fmt is None or isinstance(fmt, str):
        return np.full(n, fmt, dtype=object)
    values = list(cast("Iterable[object]", fmt))
    names = np.asarray(pd.Series(values, dtype=object).where(pd.notna(values), None))
    if len(names) != n:
        raise ValueError(f"{len(names)} formats given for a column of {n} rows")
    return names


def _shown(value: float, fmt: str | None) -> str:
    """About the text Excel shows for ``value`` in format ``fmt``: for column widths only."""
    if fmt == "percent":
        return f"{value:.1%}"
    if fmt == "currency":
        return f"${value:,.0f}"
    if fmt == "minutes":
        return f"{value:,.0f} min"
    if fmt == "days":
        return f"{value:,.1f} days"
    if fmt in ("integer", "score"):
        return f"{value:,.0f}"
    if fmt == "decimal":
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def _column_cells(
    series: pd.Series, ref: pa.Array, fmt: object, styles: _Styles, *, timed: bool = False
) -> tuple[pa.Array, list[str]]:
    """The ``<c>`` element of every cell of one column ('' when blank), and the text of the
    first cells as Excel shows them (for the column width). ``timed``: date-times show their
    time of day (decided on the whole column, see :func:`_timed`)."""
    dtype = series.dtype
    n = len(series)
    if pd.api.types.is_bool_dtype(dtype):
        arr = pa.array(series.astype("boolean"), type=pa.bool_(), from_pandas=True)
        value = pc.if_else(arr, "1", "0")
        head, tail = '" t="b"><v>', "</v></c>"
        shown = [str(v) for v in pc.if_else(arr, "TRUE", "FALSE").slice(0, _WIDTH_ROWS).to_pylist()]
    elif pd.api.types.is_numeric_dtype(dtype):
        numbers = series.to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(numbers)
        if pd.api.types.is_integer_dtype(dtype):
            digits = np.where(finite, numbers, 0).astype(np.int64).astype(str)
            default = np.full(n, "integer", dtype=object)
        else:
            digits = numbers.astype(str)  # shortest text that reads back as the same float
            whole = finite & (np.mod(np.where(finite, numbers, 0), 1) == 0)
            default = np.where(whole, "integer", "number").astype(object)
        names = _per_row(fmt, n)
        names = np.where(pd.isna(names), default, names)
        value = pc.if_else(pa.array(finite), pa.array(digits), pa.scalar(None, pa.string()))
        head = pc.binary_join_element_wise('" s="', _style_ids(names, styles), '"><v>', "")
        tail = "</v></c>"
        shown = [
            _shown(v, f)
            for v, f in zip(numbers[:_WIDTH_ROWS], names[:_WIDTH_ROWS], strict=True)
            if np.isfinite(v)
        ]
    elif pd.api.types.is_datetime64_any_dtype(dtype):
        stamps = series.dt.tz_localize(None) if getattr(dtype, "tz", None) else series
        micros = (stamps.to_numpy("datetime64[us]") - _EXCEL_EPOCH).astype("timedelta64[us]")
        days = micros.astype(np.int64) / 86_400_000_000
        arr = pa.array(np.where(stamps.isna().to_numpy(), np.nan, days), from_pandas=True)
        value = pc.cast(arr, pa.string())
        default_fmt = "datetime" if timed else "date"
        names = _per_row(fmt, n)
        names = np.where(pd.isna(names), default_fmt, names)
        head = pc.binary_join_element_wise('" s="', _style_ids(names, styles), '"><v>', "")
        tail = "</v></c>"
        pattern = "%Y-%m-%d %H:%M:%S" if timed else "%Y-%m-%d"
        shown = stamps.iloc[:_WIDTH_ROWS].dt.strftime(pattern).dropna().tolist()
    else:
        if isinstance(dtype, pd.StringDtype):
            text = pc.cast(pa.array(series, from_pandas=True), pa.string())
        else:
            objects = series.astype(object).where(series.notna(), None)
            text = pa.array(
                objects.map(str, na_action="ignore"), type=pa.string(), from_pandas=True
            )
        longest = pc.max(pc.utf8_length(text)).as_py() or 0
        if longest > MAX_CELL_CHARS:
            raise ValueError(
                f"column {series.name!r} holds a text of {longest:,} characters; Excel holds "
                f"{MAX_CELL_CHARS:,} in a cell (cut it first: kit.report.exports.fit_to_excel)"
            )
        value = _xml_text(text)
        risky = pc.fill_null(pc.starts_with(text, FORMULA_START[0]), False)
        for start in FORMULA_START[1:]:
            risky = pc.or_(risky, pc.fill_null(pc.starts_with(text, start), False))
        quoted = styles.id(None, quote=True) if pc.any(risky).as_py() else 0
        plain = '" t="inlineStr"><is><t xml:space="preserve">'
        head = pc.if_else(risky, f'" s="{quoted}"{plain[1:]}', plain)
        tail = "</t></is></c>"
        shown = [t for t in text.slice(0, _WIDTH_ROWS).to_pylist() if t is not None]
    cells = pc.binary_join_element_wise(ref, head, value, tail, "")
    return pc.fill_null(cells, ""), shown


def _sheet_xml(sheet: Sheet, styles: _Styles) -> Iterator[str]:
    """The sheet's XML in pieces: its head, then :data:`CHUNK_ROWS` rows at a time, then its
    tail (never the whole sheet in memory)."""
    frame = sheet.frame
    n = len(frame)
    if n + 1 > MAX_ROWS:
        raise ValueError(
            f"{n:,} rows do not fit a sheet ({MAX_ROWS - 1:,} at most below the header); "
            "cut it first: kit.report.exports.fit_to_excel"
        )
    letters = [_letter(i) for i in range(len(frame.columns))]
    timed = {
        i: _timed(frame.iloc[:, i])
        for i in range(len(frame.columns))
        if pd.api.types.is_datetime64_any_dtype(frame.iloc[:, i].dtype)
    }

    def rows_xml(start: int, stop: int) -> tuple[str, list[list[str]]]:
        rows = pa.array(np.arange(start + 2, stop + 2).astype(str))
        body, shown = [], []
        for i, name in enumerate(frame.columns):
            ref = pc.binary_join_element_wise(f'<c r="{letters[i]}', rows, "")
            cells, first = _column_cells(
                frame.iloc[start:stop, i],
                ref,
                _rows_of(sheet.formats.get(name), start, stop),
                styles,
                timed=timed.get(i, False),
            )
            body.append(cells)
            shown.append(first)
        if not body:
            return "", shown
        lines = pc.binary_join_element_wise('<row r="', rows, '">', *body, "</row>", "")
        return "".join(lines.to_pylist()), shown

    header = []
    for i, name in enumerate(frame.columns):
        title = _xml_text(pa.array([str(name)]))[0].as_py()
        header.append(
            f'<c r="{letters[i]}1" s="{_STYLE_HEADER}" t="inlineStr">'
            f'<is><t xml:space="preserve">{title}</t></is></c>'
        )
    first, shown = rows_xml(0, min(n, CHUNK_ROWS)) if n else ("", [[] for _ in letters])
    widths = [
        max(_MIN_WIDTH, min(_MAX_WIDTH, max([len(str(name)), *(len(t) for t in texts)]) + 2))
        for name, texts in zip(frame.columns, shown, strict=True)
    ]
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
        for i, w in enumerate(widths, start=1)
    )
    last = f"{letters[-1]}{n + 1}" if letters else "A1"
    view = (
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" '
        'sqref="A2"/></sheetView></sheetViews>'
    )
    yield (
        _DECL + f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><dimension ref="A1:{last}"/>{view}'
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + f'<sheetData><row r="1">{"".join(header)}</row>'
    )
    yield first
    for start in range(CHUNK_ROWS, n, CHUNK_ROWS):
        yield rows_xml(start, min(n, start + CHUNK_ROWS))[0]
    autofilter = f'<autoFilter ref="A1:{last}"/>' if _filtered(sheet) else ""
    yield (
        f"</sheetData>{autofilter}"
        '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
        "</worksheet>"
    )


def _filtered(sheet: Sheet) -> bool:
    return sheet.autofilter and len(sheet.frame.columns) > 0


def _package(names: list[str], filters: dict[int, str], styles: str) -> dict[str, str]:
    """Every part of the workbook but the sheets; ``filters`` maps a sheet's position to the
    range of its autofilter."""
    sheets = "".join(
        f'<sheet name="{escape(name, quote=True)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(names, start=1)
    )
    sheet_rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(names) + 1)
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(names) + 1)
    )
    defined = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{escape(_quoted(names[i]), quote=False)}!{_absolute(area)}</definedName>"
        for i, area in sorted(filters.items())
    )
    office = "application/vnd.openxmlformats-officedocument"
    return {
        "[Content_Types].xml": _DECL
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{office}.spreadsheetml.sheet.'
        'main+xml"/>'
        f"{overrides}"
        f'<Override PartName="/xl/styles.xml" ContentType="{office}.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
        'package.core-properties+xml"/>'
        f'<Override PartName="/docProps/app.xml" ContentType="{office}.extended-properties+xml"/>'
        "</Types>",
        "_rels/.rels": _DECL + f'<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
        'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>",
        "docProps/app.xml": _DECL
        + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties"><Application>crm-adoption-kit</Application></Properties>',
        "docProps/core.xml": _DECL
        + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{_FIXED_DOC_TIME}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{_FIXED_DOC_TIME}</dcterms:modified>'
        "</cp:coreProperties>",
        "xl/workbook.xml": _DECL + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        f"<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets>"
        + (f"<definedNames>{defined}</definedNames>" if defined else "")
        + "</workbook>",
        "xl/_rels/workbook.xml.rels": _DECL + f'<Relationships xmlns="{_PKG_REL}">{sheet_rels}'
        f'<Relationship Id="rId{len(names) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        "</Relationships>",
        "xl/styles.xml": styles,
    }


def _quoted(name: str) -> str:
    """A sheet name as a formula refers to it: ``'Review list'``."""
    return "'" + name.replace("'", "''") + "'"


def _absolute(area: str) -> str:
    """``A1:F20`` -> ``$A$1:$F$20``."""
    import re

    return re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", area)


def workbook_bytes(sheets: Mapping[str, pd.DataFrame | Sheet]) -> bytes:
    """The ``.xlsx`` file holding each frame (or :class:`Sheet`) as a sheet named by its key
    (see :func:`write_workbook_file`)."""
    out = io.BytesIO()
    write_workbook_file(sheets, out)
    return out.getvalue()


def write_workbook_file(sheets: Mapping[str, pd.DataFrame | Sheet], file: IO[bytes]) -> None:
    """Write the ``.xlsx`` file holding each frame (or :class:`Sheet`) as a sheet named by its
    key into the binary ``file``, each sheet built and compressed :data:`CHUNK_ROWS` rows at a
    time.

    Sheet names must already be valid (at most 31 characters, none of ``[]:*?/\\``), and
    each sheet within Excel's limits (:data:`MAX_ROWS` rows, :data:`MAX_CELL_CHARS`
    characters in a cell): a sheet beyond them raises :class:`ValueError`; see
    :func:`kit.report.exports.write_workbook`, which cuts and records.
    """
    styles = _Styles()
    given = [item if isinstance(item, Sheet) else Sheet(item) for item in sheets.values()]
    filters = {
        i: f"A1:{_letter(len(sheet.frame.columns) - 1)}{len(sheet.frame) + 1}"
        for i, sheet in enumerate(given)
        if _filtered(sheet)
    }
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:

        def part(name: str, pieces: Iterable[str]) -> None:
            entry = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            with archive.open(entry, "w") as dest:
                for piece in pieces:
                    dest.write(piece.encode("utf-8"))

        # the styles are known once every sheet is written: styles.xml comes last
        package = _package(list(sheets), filters, "")
        styles_part = "xl/styles.xml"
        for name in sorted(package, key=lambda p: (not p.startswith("[Content"), p)):
            if name != styles_part:
                part(name, [package[name]])
        for i, sheet in enumerate(given):
            part(f"xl/worksheets/sheet{i + 1}.xml", _sheet_xml(sheet, styles))
        part(styles_part, [styles.xml()])
