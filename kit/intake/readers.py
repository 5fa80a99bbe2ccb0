"""Finding and reading the files of a CRM export (folder, .zip or single file).

An export holds *source files*; a CSV or Parquet file is one readable unit, a workbook has
one unit per sheet. Every unit is read into a :class:`pyarrow.Table` together with the
bookkeeping intake needs to account for every row: how many records were read, which ones
could not be parsed, and the row number of each record as a person sees it (the line in a
text editor for CSV, where the header is line 1; the sheet row for Excel; the 1-based record
for Parquet).

CSV is read by :func:`pyarrow.csv.read_csv` (multi-threaded, quoted newlines allowed) after
sniffing the encoding (UTF-8, UTF-8 with BOM, UTF-16 with BOM, else Windows-1252) and the
delimiter (comma, semicolon, tab or pipe) from the first kilobytes. Columns are read as text
except those whose types pyarrow may infer (dates and amounts), so ids keep their leading
zeros.
"""

from __future__ import annotations

import codecs
import csv
import fnmatch
import hashlib
import io
import zipfile
from collections.abc import Iterable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from kit.exceptions import InputError

__all__ = [
    "DATA_SUFFIXES",
    "Export",
    "RawTable",
    "SourceFile",
    "Unit",
    "open_export",
    "read_unit",
    "sha256_of",
]

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
DATA_SUFFIXES = CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES
ENGAGEMENT_NAMES = ("engagement.yaml", "engagement.yml")
#: Cell texts read as blank in CSV files (besides the empty cell).
NULL_TEXTS = ["", "NULL", "null", "#N/A", "N/A", "n/a"]
_SAMPLE = 1 << 16
_DELIMITERS = (",", ";", "\t", "|")
_DICTIONARY = pa.dictionary(pa.int32(), pa.string())


@dataclass
class SourceFile:
    """One data file of the export."""

    rel: str
    path: Path
    size: int
    _sha256: str | None = None

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.rel).suffix.lower()

    @property
    def kind(self) -> str:
        if self.suffix in EXCEL_SUFFIXES:
            return "excel"
        if self.suffix in PARQUET_SUFFIXES:
            return "parquet"
        return "csv"

    _scan: Future[tuple[str, int]] | None = None
    _pool: Executor | None = None

    def start_scan(self, pool: Executor) -> None:
        """Compute the checksum and line count in the background (while parsing runs).

        A CSV file is scanned from the bytes its reader loads (see :meth:`contents`), so it
        is read from disk once; other files are scanned from disk now.
        """
        if self._scan is not None:
            return
        if self.kind == "csv":
            self._pool = pool
        else:
            self._scan = pool.submit(scan_file, self.path)

    def contents(self) -> pa.Buffer:
        """The file's bytes (memory-mapped, so read from disk once); the checksum and line
        count are computed from them (in the background when :meth:`start_scan` gave a pool).
        """
        with pa.memory_map(str(self.path)) as source:
            data = source.read_buffer()
        if self._scan is None:
            if self._pool is not None:
                try:
                    self._scan = self._pool.submit(scan_bytes, data)
                except RuntimeError:  # the pool is shutting down
                    self._scan = _done(scan_bytes(data))
            else:
                self._scan = _done(scan_bytes(data))
        return data

    def _scanned(self) -> tuple[str, int]:
        if self._scan is None:
            self._scan = _done(scan_file(self.path))
        return self._scan.result()

    @property
    def sha256(self) -> str:
        """SHA-256 of the file's bytes."""
        return self._scanned()[0]

    @property
    def newlines(self) -> int:
        """Number of line feeds in the file."""
        return self._scanned()[1]


@dataclass
class Unit:
    """A readable table in the export: a CSV/Parquet file or one sheet of a workbook."""

    file: SourceFile
    sheet: str | None = None
    first_sheet: bool = True

    @property
    def name(self) -> str:
        return self.file.rel if self.sheet is None else f"{self.file.rel}#{self.sheet}"

    def matches(self, pattern: str) -> bool:
        """Whether glob ``pattern`` (``file`` or ``file#sheet``, case-insensitive) selects
        this unit. A pattern without ``#`` selects the first sheet of a workbook."""
        file_pat, hash_, sheet_pat = pattern.partition("#")
        target = self.file.rel if "/" in file_pat else PurePosixPath(self.file.rel).name
        if not fnmatch.fnmatch(target.casefold(), file_pat.casefold()):
            return False
        if hash_:
            return self.sheet is not None and fnmatch.fnmatch(
                self.sheet.casefold(), sheet_pat.casefold()
            )
        return self.sheet is None or self.first_sheet


@dataclass
class Export:
    """What an export contains."""

    kind: str  # folder, zip or file
    name: str
    root: Path
    files: list[SourceFile]
    units: list[Unit]
    engagement: Path | None
    other_files: list[str]
    size: int | None = None
    sha256: str | None = None
    problems: list[str] = field(default_factory=list)


def _done(value: tuple[str, int]) -> Future[tuple[str, int]]:
    future: Future[tuple[str, int]] = Future()
    future.set_result(value)
    return future


def scan_file(path: Path) -> tuple[str, int]:
    """SHA-256 and number of line feeds of a file, in one pass of 4 MiB chunks."""
    digest = hashlib.sha256()
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
            count += chunk.count(b"\n")
    return digest.hexdigest(), count


def scan_bytes(data: pa.Buffer) -> tuple[str, int]:
    """SHA-256 and number of line feeds of a file's bytes (what :func:`scan_file` gives)."""
    digest = hashlib.sha256()
    count = 0
    view = memoryview(data)
    for start in range(0, len(view), 1 << 22):
        chunk = view[start : start + (1 << 22)]
        digest.update(chunk)
        count += int(np.count_nonzero(np.frombuffer(chunk, dtype=np.uint8) == 10))
    return digest.hexdigest(), count


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _skip(rel: str) -> bool:
    parts = PurePosixPath(rel).parts
    return any(p.startswith((".", "~$", "__MACOSX")) for p in parts)


def open_export(export: Path, workdir: Path) -> Export:
    """List the files of ``export`` (a folder, a .zip extracted into ``workdir``, or a file).

    Raises
    ------
    InputError
        If the export does not exist or is an unreadable archive.
    """
    export = Path(export)
    if not export.exists():
        raise InputError(f"the export {export} does not exist.")
    size = sha = None
    if export.is_dir():
        kind, root = "folder", export
        paths = sorted(p for p in export.rglob("*") if p.is_file())
    elif export.suffix.lower() == ".zip":
        kind, root = "zip", workdir / "export"
        size, sha = export.stat().st_size, sha256_of(export)
        paths = _extract(export, root)
    else:
        kind, root = "file", export.parent
        paths = [export]
        if export.suffix.lower() not in DATA_SUFFIXES:
            raise InputError(
                f"{export.name} is not a CSV, Excel (.xlsx) or Parquet file, a folder or a .zip; "
                "point intake at the export folder or a supported file."
            )
    files, other, engagement = [], [], None
    for path in paths:
        rel = path.relative_to(root).as_posix()
        if _skip(rel):
            continue
        if path.name.casefold() in ENGAGEMENT_NAMES and kind != "file":
            if engagement is None or len(rel) < len(engagement.relative_to(root).as_posix()):
                engagement = path
            continue
        if path.suffix.lower() in DATA_SUFFIXES:
            files.append(SourceFile(rel=rel, path=path, size=path.stat().st_size))
        elif path.suffix.lower() in (".xls", ".xlsb", ".numbers", ".ods"):
            other.append(f"{rel} (this spreadsheet format is not read: save it as .xlsx or CSV)")
        else:
            other.append(rel)
    result = Export(kind, export.name, root, files, [], engagement, other, size, sha)
    for f in files:
        if f.kind == "excel":
            try:
                names = _sheet_names(f.path)
            except Exception as exc:  # calamine raises several types on corrupt files
                result.problems.append(
                    f"{f.rel}: cannot open the workbook ({type(exc).__name__}: {exc}). "
                    "Re-save it from Excel as .xlsx, or export the sheets as CSV."
                )
                continue
            result.units.extend(Unit(f, s, i == 0) for i, s in enumerate(names))
        else:
            result.units.append(Unit(f))
    return result


def _extract(archive: Path, root: Path) -> list[Path]:
    try:
        with zipfile.ZipFile(archive) as zf:
            paths = []
            for info in zf.infolist():
                if info.is_dir():
                    continue
                parts = [
                    p
                    for p in PurePosixPath(info.filename.replace("\\", "/")).parts
                    if p not in ("", ".", "..", "/")
                ]
                if not parts:
                    continue
                target = root.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, target.open("wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
                paths.append(target)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
        raise InputError(
            f"cannot read the archive {archive.name}: {exc}. Re-create the .zip (no password, "
            "standard compression) or unzip it and point intake at the folder."
        ) from None
    return sorted(paths)


def _sheet_names(path: Path) -> list[str]:
    """The workbook's worksheets (chart sheets hold no rows), in their order."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    wb = CalamineWorkbook.from_path(str(path))
    try:
        return [m.name for m in wb.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    finally:
        wb.close()


# --------------------------------------------------------------------------- reading
@dataclass
class RawTable:
    """One unit read into memory, with row bookkeeping.

    Attributes
    ----------
    table
        The records that parsed, columns named as in the file (duplicates suffixed .1, .2).
    malformed
        ``(row_number, reason)`` of records that could not be parsed (wrong field count).
    encoding, delimiter
        What was detected (CSV only).
    """

    table: pa.Table
    malformed: list[tuple[int, str]] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    warnings: list[str] = field(default_factory=list)
    _rows: np.ndarray | None = None
    #: the row number of the first record when rows are consecutive, else a function
    #: computing every record's row number
    _row_source: object = None

    @property
    def rows_read(self) -> int:
        return self.table.num_rows + len(self.malformed)

    def row_numbers(self, positions: np.ndarray) -> np.ndarray:
        """Row numbers (as a person sees them) of the parsed records at ``positions``."""
        positions = np.asarray(positions, dtype=np.int64)
        if callable(self._row_source):
            if self._rows is None:
                self._rows = self._row_source()
            return self._rows[positions]
        first = 1 if self._row_source is None else int(self._row_source)  # type: ignore[call-overload]
        return first + positions


class EmptyFileError(Exception):
    """The unit has no header row."""


def read_unit(
    unit: Unit,
    *,
    infer: Iterable[str] = (),
    dictionary: Iterable[str] = (),
    delimiter: str | None = None,
    encoding: str | None = None,
) -> RawTable:
    """Read ``unit``; columns named in ``infer`` may get a type inferred by pyarrow, CSV
    columns named in ``dictionary`` are read dictionary-encoded (text, each distinct value
    stored once: for vocabulary and yes/no columns).

    Raises
    ------
    EmptyFileError
        The file or sheet has no header row.
    InputError
        The file cannot be parsed.
    """
    kind = unit.file.kind
    if kind == "excel":
        return _read_sheet(unit)
    if kind == "parquet":
        return _read_parquet(unit)
    return _read_csv(unit.file, set(infer), set(dictionary) - set(infer), delimiter, encoding)


def _dedupe(names: list[str]) -> tuple[list[str], list[str]]:
    seen: dict[str, int] = {}
    out, dups = [], []
    for i, raw in enumerate(names):
        name = (raw or "").strip() or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            dups.append(name)
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out, dups


def _detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _decode(sample: bytes, encoding: str) -> str:
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=False)
    return text.lstrip("\ufeff")


def _sniff_delimiter(text: str) -> str:
    lines = text.splitlines()
    complete = lines[:-1] if len(lines) > 1 and not text.endswith(("\n", "\r")) else lines
    sample = "\n".join(complete[:50]) or text
    best, best_score = ",", (-1, -1)
    for delim in _DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delim) if r]
        except csv.Error:
            continue
        if not rows:
            continue
        width = len(rows[0])
        consistent = sum(len(r) == width for r in rows)
        score = (consistent if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delim, score
    return best


def _header(text: str, delimiter: str) -> tuple[list[str], int]:
    """The header row and the number of lines up to its end (blank lines before it count)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    for row in reader:
        if any(cell.strip() for cell in row):
            return row, reader.line_num
    return [], 0


def _read_csv(
    file: SourceFile,
    infer: set[str],
    dictionary: set[str],
    delimiter: str | None,
    encoding: str | None,
) -> RawTable:
    data = file.contents()
    sample = data[:_SAMPLE].to_pybytes()
    if not sample.strip():
        raise EmptyFileError(file.rel)
    enc = encoding or _detect_encoding(sample)
    text = _decode(sample, enc)
    delim = delimiter or _sniff_delimiter(text)
    header, header_lines = _header(text, delim)
    if not header:
        raise EmptyFileError(file.rel)
    names, dups = _dedupe(header)
    warnings = []
    if dups:
        warnings.append(
            f"{file.rel}: duplicate column name(s) {', '.join(sorted(set(dups)))}; later copies "
            "were renamed with .1, .2 (map them by those names if needed)"
        )
    try:
        table, invalid = _arrow_csv(file, data, names, infer, dictionary, delim, enc, header_lines)
    except _Utf8Error:
        fallback = "cp1252"
        try:
            table, invalid = _arrow_csv(
                file, data, names, infer, dictionary, delim, fallback, header_lines
            )
        except (UnicodeDecodeError, _Utf8Error, pa.ArrowInvalid):
            fallback = "latin-1"
            table, invalid = _arrow_csv(
                file, data, names, infer, dictionary, delim, fallback, header_lines
            )
        enc = fallback
    if enc in ("cp1252", "latin-1") and not encoding:
        warnings.append(
            f"{file.rel}: not valid UTF-8; read as Windows-1252 ({enc}). "
            "Check that accented names look right in the dataset."
        )
    elif enc != "utf-8":
        warnings.append(f"{file.rel}: read as {enc}")
    # Records in file order: the rows pyarrow parsed and the rows it could not (``invalid``,
    # numbered by record after the skipped header lines, so the first record after the header
    # is number header_lines + 1). Empty lines are parsed as rows of blanks: they are not
    # data and are dropped below.
    n_records = table.num_rows + len(invalid)
    invalid_at = np.array([n - header_lines - 1 for n, _ in invalid], dtype=np.int64)
    one_line_each = enc != "utf-16" and file.newlines in (
        header_lines + n_records,
        header_lines + n_records - 1,
    )

    def parsed_records() -> np.ndarray:
        """Record number (0-based, in file order) of every parsed row."""
        if not len(invalid_at):
            return np.arange(n_records, dtype=np.int64)
        parsed = np.ones(n_records, dtype=bool)
        parsed[invalid_at] = False
        return np.flatnonzero(parsed)

    def record_lines() -> np.ndarray:
        """The line each record starts on (line 1 is the header)."""
        lines = 1 + header_lines + np.arange(n_records, dtype=np.int64)
        if not one_line_each:  # some cells span lines: count the breaks inside records
            breaks = np.zeros(n_records, dtype=np.int64)
            parsed_at = parsed_records()
            for col in table.columns:
                if pa.types.is_dictionary(col.type):
                    col = pc.cast(col, pa.string())
                if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
                    counts = pc.fill_null(pc.count_substring(col, "\n"), 0)
                    breaks[parsed_at] += counts.to_numpy().astype(np.int64)
            breaks[invalid_at] = [t.count("\n") for _, t in invalid]
            lines[1:] += np.cumsum(breaks)[:-1]
        return lines

    lines = record_lines() if invalid or not one_line_each else None
    empty = _all_blank(table)
    parsed_at = None
    if empty is not None:
        parsed_at = parsed_records()[~empty]
        table = table.filter(pa.array(~empty))
        warnings.append(f"{file.rel}: {int(empty.sum())} empty row(s) skipped (no data)")
    width = len(names)
    malformed = [
        (
            int(lines[r]) if lines is not None else int(r) + 1 + header_lines,
            f"row has {t.count(delim) + 1} fields but the header has {width} "
            "(a stray delimiter or quote)",
        )
        for r, (_, t) in zip(invalid_at, invalid, strict=True)
    ]
    if lines is None and parsed_at is None:
        source: object = 1 + header_lines
    else:
        at = parsed_records() if parsed_at is None else parsed_at
        source = (lambda: lines[at]) if lines is not None else (lambda: 1 + header_lines + at)
    return RawTable(
        table=table,
        malformed=malformed,
        encoding=enc,
        delimiter=delim,
        warnings=warnings,
        _row_source=source,
    )


def _all_blank(table: pa.Table) -> np.ndarray | None:
    """Rows whose every cell is blank (empty lines), or ``None`` if there are none."""
    if table.num_columns == 0 or table.num_rows == 0:
        return None
    blank = None
    for col in table.columns:
        nulls = pc.is_null(col)
        blank = nulls if blank is None else pc.and_(blank, nulls)
        if not pc.any(blank).as_py():
            return None
    return blank.to_numpy(zero_copy_only=False) if blank is not None else None


def _valid_utf8(data: pa.Buffer) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(data), 1 << 22):
            decoder.decode(view[start : start + (1 << 22)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


class _Utf8Error(Exception):
    pass


def _arrow_csv(
    file: SourceFile,
    data: pa.Buffer,
    names: list[str],
    infer: set[str],
    dictionary: set[str],
    delim: str,
    enc: str,
    header_lines: int,
) -> tuple[pa.Table, list[tuple[int, str]]]:
    """Read a CSV with pyarrow: first the fast way, then carefully if that could be wrong.

    The fast read does not allow line breaks inside quoted cells and stops at the first row
    with the wrong number of fields. It is kept only if the file has exactly one line per
    record (checked against the file's line count), so a cell spanning lines can never be
    split silently. Otherwise the careful read allows quoted line breaks and skips, and
    records, rows that do not fit the header.
    """

    def attempt(threads: bool, careful: bool) -> tuple[pa.Table, list[tuple[int | None, str]]]:
        invalid: list[tuple[int | None, str]] = []

        def handler(row: pacsv.InvalidRow) -> str:
            invalid.append((row.number, row.text))
            return "skip"

        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(
                column_names=names,
                skip_rows=header_lines,
                encoding="utf8" if enc == "utf-8" else enc,
                use_threads=threads,
                block_size=1 << 22,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delim,
                newlines_in_values=careful,
                ignore_empty_lines=False,
                invalid_row_handler=handler if careful else None,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={
                    n: _DICTIONARY if n in dictionary else pa.string()
                    for n in names
                    if n not in infer
                },
                null_values=NULL_TEXTS,
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                check_utf8=True,
            ),
        )
        if any(pa.types.is_binary(t) or pa.types.is_large_binary(t) for t in table.schema.types):
            raise _Utf8Error("binary column")
        return table, invalid

    def utf8_problem(exc: Exception) -> bool:
        return "utf8" in str(exc).lower()

    if enc != "utf-16":
        try:
            table, _ = attempt(True, careful=False)
            records = header_lines + table.num_rows
            if file.newlines in (records, records - 1):
                return table, []
        except pa.ArrowInvalid as exc:
            if utf8_problem(exc):
                raise _Utf8Error(str(exc)) from None
    if enc == "utf-8" and not _valid_utf8(data):
        # decide before the careful read: pyarrow cannot hand us a badly encoded bad row
        raise _Utf8Error("invalid UTF-8")
    try:
        table, invalid = attempt(True, careful=True)
        if any(n is None for n, _ in invalid):
            table, invalid = attempt(False, careful=True)
    except pa.ArrowInvalid as exc:
        if utf8_problem(exc):
            raise _Utf8Error(str(exc)) from None
        raise InputError(f"{file.rel}: cannot be parsed as CSV: {exc}") from None
    return table, [(int(n), t) for n, t in invalid if n is not None]


def _cell_text(value: object) -> str | None:
    """A spreadsheet cell as the text a CSV export would hold (``None`` when blank)."""
    import datetime as dt

    if type(value) is str:  # the common case first
        return value if value.strip() else None
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    text = str(value)
    return text if text.strip() else None


def _blank(values: Iterable[object]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _sheet_rows(unit: Unit) -> list[list[Any]]:
    """Every row of the unit's sheet from A1, blank cells as ``""`` (read by calamine)."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(unit.file.path))
        try:
            sheet = wb.get_sheet_by_name(str(unit.sheet))  # an Excel unit always names its sheet
            return list(sheet.to_python(skip_empty_area=False))
        finally:
            wb.close()
    except Exception as exc:  # corrupt workbook: calamine raises several types
        raise InputError(f"{unit.file.rel}: cannot open the workbook: {exc}") from None


def _read_sheet(unit: Unit) -> RawTable:
    """One worksheet as text columns; blank rows are skipped, row numbers are the sheet's.

    python-calamine reads the sheet (a 100,000-row sheet in seconds, where openpyxl took
    most of a minute); cells become the text a CSV export would hold, so intake types them
    exactly as it types CSV columns.
    """
    header: list[str] | None = None
    rows: list[list[Any]] = []
    numbers: list[int] = []
    for r, values in enumerate(_sheet_rows(unit), start=1):
        if _blank(values):
            continue
        if header is None:
            header = [_cell_text(v) or "" for v in values]
            continue
        rows.append(values)
        numbers.append(r)
    if header is None:
        raise EmptyFileError(unit.name)
    while header and not header[-1]:
        header.pop()
    names, dups = _dedupe(header)
    width = len(names)
    cells = zip(*(values[:width] + [None] * (width - len(values)) for values in rows), strict=True)
    columns = list(cells) if rows else [() for _ in names]
    table = pa.table(
        {
            n: pa.array([_cell_text(v) for v in column], type=pa.string())
            for n, column in zip(names, columns, strict=True)
        }
    )
    warnings = []
    if dups:
        warnings.append(f"{unit.name}: duplicate column name(s) {', '.join(sorted(set(dups)))}")
    rn = np.asarray(numbers, dtype=np.int64)
    return RawTable(table=table, warnings=warnings, _row_source=lambda: rn)


def _read_parquet(unit: Unit) -> RawTable:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(unit.file.path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{unit.file.rel}: cannot read the Parquet file: {exc}") from None
    names, _ = _dedupe([str(n) for n in table.column_names])
    return RawTable(table=table.rename_columns(names))
