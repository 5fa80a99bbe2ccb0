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
zeros; a file with such columns is read block by block (:func:`pyarrow.csv.open_csv`, which
frees each parsed block) and read whole only if a later block changes an inferred type.

An export is read, never followed out of: a link (symbolic link) in an export folder that
points outside it is refused by name, without reading what it points to; folders the kit
wrote itself (a dataset, a report folder) are skipped and said; a ``.zip`` is extracted into
a private folder only if its members have distinct names, its data is undamaged and it does
not expand beyond the budget of :mod:`kit._budget`.

One module, though long: finding units and reading them share the unit model
(:class:`SourceFile`, :class:`Unit`, sheets, checksums) and the budget checks; if it grows,
the seam is :func:`open_export` (finding) against :func:`read_unit` (parsing).
"""

from __future__ import annotations

import codecs
import csv
import fnmatch
import hashlib
import html
import io
import lzma
import os
import re
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from kit._budget import BudgetError, Meter
from kit.dataset import is_dataset
from kit.exceptions import InputError

__all__ = [
    "DATA_SUFFIXES",
    "Export",
    "RawTable",
    "SourceFile",
    "Unit",
    "file_units",
    "open_export",
    "read_unit",
    "sha256_of",
]

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
DATA_SUFFIXES = CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES
ENGAGEMENT_NAMES = ("engagement.yaml", "engagement.yml")
#: Archives intake does not open when they are inside an export.
ARCHIVE_SUFFIXES = (".zip", ".7z", ".rar", ".tar", ".gz", ".tgz", ".bz2", ".xz")
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
    #: bytes of data once uncompressed (a workbook is a zip of XML), else the size
    data_size: int = -1

    def __post_init__(self) -> None:
        if self.data_size < 0:
            self.data_size = self.size

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

    def start_scan(self, pool: Executor) -> None:
        """Compute the checksum and line count in the background (while parsing runs).

        The file is scanned from disk in chunks (the operating system's cache serves the
        parser's read): scanning the parser's bytes instead would keep the whole file
        resident in the process's memory while it is parsed.
        """
        if self._scan is None:
            self._scan = pool.submit(scan_file, self.path)

    def contents(self) -> pa.Buffer:
        """The file's bytes, memory-mapped: only the pages read count in the process's
        memory (the CSV reader reads the first bytes from it, the parser reads the file)."""
        with pa.memory_map(str(self.path)) as source:
            return source.read_buffer()

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
        this unit. A pattern without ``#`` selects the first sheet of a workbook. Spaces
        around a file or folder name are ignored (a mapping cannot keep them), so
        ``contacts.csv`` selects a file saved as `` contacts.csv``."""
        file_pat, hash_, sheet_pat = pattern.partition("#")
        target = self.file.rel if "/" in file_pat else PurePosixPath(self.file.rel).name
        target = "/".join(part.strip() for part in target.split("/"))
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
    #: what intake should say it left out (folders the kit wrote, links it did not follow)
    notes: list[str] = field(default_factory=list)
    #: archives inside the export, which intake does not open
    archives: list[str] = field(default_factory=list)

    @property
    def data_size(self) -> int:
        """Bytes of the data files once uncompressed: what the budget is measured against."""
        return sum(f.data_size for f in self.files)


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


def _kit_output(folder: Path) -> str | None:
    """What the kit wrote in ``folder`` (a dataset, a report folder, a results bundle)."""
    if is_dataset(folder):
        return "a dataset written by adoption-kit intake"
    if (folder / "run.json").is_file() and (folder / "data").is_dir():
        return "a report folder written by adoption-kit assess"
    if (folder / "results.json").is_file():
        return "a results bundle written by the kit"
    return None


def _wanted(name: str) -> bool:
    """Whether intake would read a file of this name (data files and engagement.yaml)."""
    return name.casefold() in ENGAGEMENT_NAMES or PurePosixPath(name).suffix.lower() in (
        DATA_SUFFIXES
    )


def _walk(export: Path) -> tuple[list[Path], list[str], list[str]]:
    """Regular files of the export folder, never following a link out of it.

    Returns the files, the problems (links to data files outside the export: refused) and
    notes (folders the kit wrote, links not followed, special files: skipped).
    """
    real = export.resolve()
    files: list[Path] = []
    problems: list[str] = []
    notes: list[str] = []

    def outside(path: Path) -> bool:
        try:
            return not path.resolve().is_relative_to(real)
        except (OSError, RuntimeError):  # a loop of links
            return True

    for here, dirnames, filenames in os.walk(export, followlinks=False):
        base = Path(here)
        kept = []
        for name in sorted(dirnames):
            path = base / name
            rel = path.relative_to(export).as_posix()
            if _skip(rel):
                continue
            if path.is_symlink():
                where = "outside the export" if outside(path) else "elsewhere in the export"
                notes.append(f"{rel}/: a link to a folder {where}, not followed")
                continue
            made_by = _kit_output(path)
            if made_by is not None:
                notes.append(
                    f"{rel}/: skipped, it is {made_by}, not part of the client's export "
                    "(write --out outside the export folder)"
                )
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            path = base / name
            rel = path.relative_to(export).as_posix()
            if _skip(rel):
                continue
            if path.is_symlink() and outside(path):
                if _wanted(name):
                    problems.append(
                        f"{rel} is a link to a file outside the export "
                        f"({os.readlink(path)}); intake does not follow links out of the "
                        "export folder. Copy the file itself into the export, or remove the link."
                    )
                else:
                    notes.append(f"{rel}: a link to a file outside the export, not followed")
                continue
            try:
                mode = path.stat().st_mode
            except OSError:
                notes.append(f"{rel}: a link to nothing (its target is missing), ignored")
                continue
            if not stat.S_ISREG(mode):
                notes.append(f"{rel}: not a regular file (a pipe, socket or device), ignored")
                continue
            files.append(path)
    return sorted(files), problems, notes


def open_export(export: Path, workdir: Path, *, meter: Meter | None = None) -> Export:
    """List the files of ``export`` (a folder, a .zip extracted into ``workdir``, or a file).

    ``meter`` (optional) stops an archive that expands beyond the intake budget.

    Raises
    ------
    InputError
        If the export does not exist or is an unreadable archive.
    """
    export = Path(export)
    if not export.exists():
        raise InputError(f"the export {export} does not exist.")
    size = sha = None
    problems: list[str] = []
    notes: list[str] = []
    if export.is_dir():
        kind, root = "folder", export
        paths, problems, notes = _walk(export)
    elif export.suffix.lower() == ".zip":
        kind, root = "zip", workdir / "export"
        size, sha = export.stat().st_size, sha256_of(export)
        paths = _extract(export, root, meter)
    else:
        kind, root = "file", export.parent
        paths = [export]
        if export.suffix.lower() not in DATA_SUFFIXES:
            raise InputError(
                f"{export.name} is not a CSV, Excel (.xlsx) or Parquet file, a folder or a .zip; "
                "point intake at the export folder or a supported file."
            )
    files, other, engagement, archives = [], [], None, []
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
        elif rel.casefold().endswith(ARCHIVE_SUFFIXES):
            archives.append(rel)
            other.append(f"{rel} (an archive inside the export is not opened: unzip it first)")
        else:
            other.append(rel)
    result = Export(kind, export.name, root, files, [], engagement, other, size, sha)
    result.problems.extend(problems)
    result.notes.extend(notes)
    result.archives.extend(archives)
    for f in files:
        if f.kind == "excel":
            try:
                f.data_size = _unpacked_size(f, meter)
                names = _sheet_names(f.path)
            except BudgetError:
                raise
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


def _unpacked_size(file: SourceFile, meter: Meter | None) -> int:
    """Bytes of a workbook's XML once uncompressed (a workbook is a zip archive)."""
    with zipfile.ZipFile(file.path) as zf:
        unpacked = sum(info.file_size for info in zf.infolist())
    if meter is not None:
        meter.check_archive(f"workbook {file.rel}", file.size, unpacked)
    return unpacked


#: Errors a damaged archive raises while a member is extracted.
_DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


def _member_parts(info: zipfile.ZipInfo) -> list[str]:
    """The path of a member inside the extraction folder (no ``..``, no root, no drive)."""
    return [
        p
        for p in PurePosixPath(info.filename.replace("\\", "/")).parts
        if p not in ("", ".", "..", "/")
    ]


def _extract(archive: Path, root: Path, meter: Meter | None = None) -> list[Path]:
    """Extract ``archive`` into ``root``; refuse clashing names, damage and zip bombs."""

    def unreadable(why: str) -> InputError:
        return InputError(
            f"cannot read the archive {archive.name}: {why}. Re-create the .zip (no password, "
            "standard compression) or unzip it and point intake at the folder."
        )

    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, *_DAMAGED) as exc:
        raise unreadable(str(exc)) from None
    with zf:
        members: list[tuple[zipfile.ZipInfo, list[str]]] = []
        first: dict[str, zipfile.ZipInfo] = {}
        clashes: list[str] = []
        for info in zf.infolist():
            parts = _member_parts(info)
            if info.is_dir() or not parts:
                continue
            # one file on disk per name, whatever the case or Unicode form (macOS, Windows)
            key = unicodedata.normalize("NFC", "/".join(parts)).casefold()
            if key in first:
                clashes.append(
                    f"{info.filename!r} and {first[key].filename!r} would both be extracted "
                    f"as {'/'.join(parts)}"
                )
                continue
            first[key] = info
            members.append((info, parts))
        if clashes:
            raise InputError(
                f"the archive {archive.name} holds {len(clashes)} member(s) with the same name "
                "as another, so one would overwrite the other and its rows be lost. Re-create "
                "the .zip with one file per name (or unzip it, keep the right files and point "
                "intake at the folder).",
                problems=clashes,
            )
        packed = archive.stat().st_size
        if meter is not None:
            declared = sum(i.file_size for i, _ in members)
            meter.check_archive(archive.name, packed, declared)
            meter.measure(declared)  # the time budget of the extraction itself
        paths, written = [], 0
        for info, parts in members:
            target = root.joinpath(*parts)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, target.open("wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
                        written += len(chunk)
                        if meter is not None:
                            meter.check_archive(archive.name, packed, written)
                            meter.check()
            except _DAMAGED as exc:
                raise unreadable(
                    f"its member {info.filename} is damaged or cannot be extracted ({exc})"
                ) from None
            except OSError as exc:
                raise unreadable(f"{info.filename}: {exc.strerror or exc}") from None
            paths.append(target)
    return sorted(paths)


def file_units(file: SourceFile) -> list[Unit]:
    """The units of one data file: itself, or each worksheet of a workbook (the first one
    first: a pattern without ``#sheet`` selects it).

    Raises
    ------
    Exception
        Whatever python-calamine raises on a workbook it cannot open.
    """
    if file.kind != "excel":
        return [Unit(file)]
    return [Unit(file, s, i == 0) for i, s in enumerate(_sheet_names(file.path))]


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
    #: the number of records parsed, when :meth:`without_values` dropped them
    _num_rows: int | None = None
    #: the columns as read, when :meth:`release` dropped some
    _schema: pa.Schema | None = None

    @property
    def num_rows(self) -> int:
        """Records parsed (also after :meth:`without_values`)."""
        return self.table.num_rows if self._num_rows is None else self._num_rows

    @property
    def rows_read(self) -> int:
        return self.num_rows + len(self.malformed)

    def without_values(self) -> RawTable:
        """This table's bookkeeping (rows read, row numbers, malformed rows, encoding)
        without its values: what intake keeps once the values are converted."""
        schema = self.table.schema if self._schema is None else self._schema
        return replace(self, table=schema.empty_table(), _num_rows=self.num_rows)

    def release(self, names: Iterable[str]) -> None:
        """Drop the values of columns ``names`` (converted and no longer needed), so a large
        file is not held twice while its other columns are converted; the bookkeeping
        (rows, row numbers, the columns as read) stays.

        >>> raw = RawTable(pa.table({"a": ["x", "y"], "b": ["1", "2"]}))
        >>> raw.release(["a"])
        >>> raw.table.column_names, raw.num_rows, raw.without_values().table.column_names
        (['b'], 2, ['a', 'b'])
        """
        names = [n for n in names if n in self.table.column_names]
        if not names:
            return
        if self._schema is None:
            self._schema = self.table.schema
        if self._num_rows is None:
            self._num_rows = self.table.num_rows
        self.table = self.table.drop_columns(names)

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
    """The unit has no header row; ``what`` says what the file holds instead."""

    def __init__(self, name: str, what: str = "the file is empty, it has no header row") -> None:
        super().__init__(name)
        self.what = what


#: Bytes that are blank (the NUL is half of each UTF-16 character) and bytes that separate
#: cells without being a column name or a value.
_BLANK = np.zeros(256, dtype=bool)
_BLANK[list(b" \t\r\n\x0b\x0c\x00")] = True
_SEPARATOR = _BLANK.copy()
_SEPARATOR[list(b"\"',;|")] = True


def _only(data: pa.Buffer, allowed: np.ndarray) -> bool:
    """Whether every byte of ``data`` (after a byte-order mark) is one of ``allowed``."""
    view = memoryview(data)
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if bytes(view[: len(bom)]) == bom:
            view = view[len(bom) :]
            break
    for start in range(0, len(view), 1 << 22):
        if not allowed[np.frombuffer(view[start : start + (1 << 22)], dtype=np.uint8)].all():
            return False
    return True


def _no_header(file: SourceFile, data: pa.Buffer) -> EmptyFileError:
    """Say accurately why a CSV file has no header row."""
    size = len(data)
    amount = f"{size:,} bytes" if size < 1 << 20 else f"{size / (1 << 20):,.1f} MB"
    if size == 0:
        return EmptyFileError(file.rel, "the file is empty, it has no header row")
    if _only(data, _BLANK):
        return EmptyFileError(
            file.rel, f"the file holds only blank lines ({amount}), it has no header row"
        )
    if _only(data, _SEPARATOR):
        return EmptyFileError(
            file.rel,
            f"the file holds no column names and no values: its {amount} are only delimiters, "
            "quotes and line breaks",
        )
    return EmptyFileError(
        file.rel,
        f"the file has no header row in its first {_SAMPLE // 1024} KB, only blank lines and "
        "delimiters; delete the empty lines above the column names",
    )


def read_unit(
    unit: Unit,
    *,
    infer: Iterable[str] = (),
    dictionary: Iterable[str] = (),
    delimiter: str | None = None,
    encoding: str | None = None,
    meter: Meter | None = None,
) -> RawTable:
    """Read ``unit``; columns named in ``infer`` may get a type inferred by pyarrow, CSV
    columns named in ``dictionary`` are read dictionary-encoded (text, each distinct value
    stored once: for vocabulary and yes/no columns). ``meter`` (optional) stops a read that
    goes over the intake budget.

    Raises
    ------
    EmptyFileError
        The file or sheet has no header row.
    InputError
        The file cannot be parsed.
    """
    kind = unit.file.kind
    if kind == "excel":
        return _read_sheet(unit, meter)
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
        raise _no_header(file, data)
    enc = encoding or _detect_encoding(sample)
    text = _decode(sample, enc)
    delim = delimiter or _sniff_delimiter(text)
    header, header_lines = _header(text, delim)
    if not header:
        raise _no_header(file, data)
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

    def utf8_problem(exc: Exception) -> bool:
        return "utf8" in str(exc).lower()

    def attempt(threads: bool, careful: bool) -> tuple[pa.Table, list[tuple[int | None, str]]]:
        invalid: list[tuple[int | None, str]] = []

        def handler(row: pacsv.InvalidRow) -> str:
            invalid.append((row.number, row.text))
            return "skip"

        options: dict[str, Any] = {
            "read_options": pacsv.ReadOptions(
                column_names=names,
                skip_rows=header_lines,
                encoding="utf8" if enc == "utf-8" else enc,
                use_threads=threads,
                block_size=1 << 22,
            ),
            "parse_options": pacsv.ParseOptions(
                delimiter=delim,
                newlines_in_values=careful,
                ignore_empty_lines=False,
                invalid_row_handler=handler if careful else None,
            ),
            "convert_options": pacsv.ConvertOptions(
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
        }
        table = None
        if set(names) & infer:
            try:
                table = _streamed_csv(file, options)
            except pa.ArrowInvalid as exc:
                if utf8_problem(exc):
                    raise
                invalid.clear()  # a later block does not fit: read the whole file below
        if table is None:
            # read from the file in blocks (freed once parsed), not from the memory map: a
            # parser reading the map would keep every page of the file resident to the end
            with pa.OSFile(str(file.path)) as source:
                table = pacsv.read_csv(source, **options)
        if any(pa.types.is_binary(t) or pa.types.is_large_binary(t) for t in table.schema.types):
            raise _Utf8Error("binary column")
        return table, invalid

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


def _streamed_csv(file: SourceFile, options: dict[str, Any]) -> pa.Table:
    """The CSV read block by block, each block's columns typed as pyarrow inferred them
    from the first block.

    :func:`pyarrow.csv.read_csv` keeps every parsed block of a file with inferred columns
    until the end (to convert them again if a later block changes a column's type): about
    the file's size on top of the table. Reading block by block frees each block once
    converted. A later block that does not fit the first block's types raises
    :class:`pyarrow.ArrowInvalid`; the caller then reads the whole file, so the types are
    those :func:`pyarrow.csv.read_csv` infers either way.
    """
    with pa.OSFile(str(file.path)) as source:
        reader = pacsv.open_csv(source, **options)
        return pa.Table.from_batches(list(reader), schema=reader.schema)


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


#: A sheet whose cells, laid out as a grid, would exceed this many (and 50 times the cells it
#: holds) is read cell by cell: calamine would allocate the whole grid (a stray cell at
#: XFD1048576 makes that 17 billion cells).
_DENSE_LIMIT = 20_000_000
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')


def _sheet_xml(zf: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding worksheet ``sheet`` of an .xlsx workbook."""
    try:
        book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return None
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book):
        name = re.search(r'\bname="([^"]*)"', tag)
        rid = re.search(r'\br:id="([^"]*)"', tag)
        if name and rid and html.unescape(name.group(1)) == sheet:
            for rel in re.findall(r"<Relationship\b[^>]*>", rels):
                if f'Id="{rid.group(1)}"' in rel:
                    target = re.search(r'Target="([^"]*)"', rel)
                    if target:
                        path = target.group(1).lstrip("/")
                        return path if path.startswith("xl/") else f"xl/{path}"
    return None


def _sparse_sheet(unit: Unit) -> bool:
    """Whether the sheet's cells are spread over a grid too large to allocate whole."""
    try:
        with zipfile.ZipFile(unit.file.path) as zf:
            member = _sheet_xml(zf, unit.sheet or "")
            if member is None:
                return False
            extent = [0, 0, 0]  # cells, last row, last column
            tail = b""
            with zf.open(member) as stream:
                while chunk := stream.read(1 << 22):
                    data = tail + chunk
                    end = data.rfind(b"<c ")
                    scan, tail = (data[:end], data[end:]) if end > 0 else (data, b"")
                    _count_cells(scan, extent)
                _count_cells(tail, extent)
    except (zipfile.BadZipFile, OSError, zlib.error):
        return False  # calamine reports a damaged workbook clearly
    cells, max_row, max_col = extent
    grid = max_row * max_col
    return grid > _DENSE_LIMIT and grid > 50 * max(cells, 1)


def _count_cells(xml: bytes, extent: list[int]) -> None:
    """Add the cell references in ``xml`` to ``extent`` (cells, last row, last column)."""
    for letters, digits in _CELL_REF.findall(xml):
        col = 0
        for ch in letters:
            col = col * 26 + ch - 64
        extent[0] += 1
        extent[1] = max(extent[1], int(digits))
        extent[2] = max(extent[2], col)


def _sheet_rows(unit: Unit) -> Iterable[tuple[int, list[object]]]:
    """Every row of the unit's sheet with its row number, blank cells as ``""`` or ``None``.

    calamine reads it (fast) unless its cells are spread over a grid too large to allocate,
    which openpyxl then reads cell by cell.
    """
    if unit.file.path.suffix.lower() == ".xlsx" and _sparse_sheet(unit):
        return _sparse_rows(unit)
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(unit.file.path))
        try:
            # every workbook unit names its sheet (file_units, open_export)
            sheet = cast(str, unit.sheet)
            rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        finally:
            wb.close()
    except Exception as exc:  # corrupt workbook: calamine raises several types
        raise InputError(f"{unit.file.rel}: cannot open the workbook: {exc}") from None
    return enumerate(cast("list[list[object]]", rows), start=1)


def _sparse_rows(unit: Unit) -> list[tuple[int, list[object]]]:
    """The rows a sparse sheet holds, read by openpyxl without padding to the declared size."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(unit.file.path, read_only=True, data_only=True)
    except Exception as exc:  # corrupt workbook
        raise InputError(f"{unit.file.rel}: cannot open the workbook: {exc}") from None
    try:
        ws = wb[unit.sheet]
        ws.reset_dimensions()
        out = []
        for cells in ws.iter_rows():
            row = next((c.row for c in cells if getattr(c, "row", None)), None)
            if row is not None:
                out.append((int(row), [c.value for c in cells]))
        return out
    finally:
        wb.close()


def _read_sheet(unit: Unit, meter: Meter | None = None) -> RawTable:
    """One worksheet as text columns; blank rows are skipped, row numbers are the sheet's.

    python-calamine reads the sheet (a 100,000-row sheet in seconds, where openpyxl took
    most of a minute); cells become the text a CSV export would hold, so intake types them
    exactly as it types CSV columns.
    """
    header: list[str] | None = None
    rows: list[list[Any]] = []
    numbers: list[int] = []
    for r, values in _sheet_rows(unit):
        if meter is not None and not r % 1024:
            meter.check()
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
