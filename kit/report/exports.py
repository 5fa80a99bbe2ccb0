"""Spreadsheet exports of the results for leaders who live in Excel.

The CSV files hold the results as computed (codes, shares from 0 to 1) for analysts; the
workbook is the leader's copy of the same tables: columns in words, codes as words (statuses,
measures, roles), shares as percentages, counts with thousands separators, dollars, minutes
and days by each row's unit, a frozen header with filters. Every text cell is neutralized
against formula injection (a leading apostrophe in CSV; Excel's quote-prefix style, which
shows no apostrophe, in the workbook), and the files are reproducible: the same results give
the same bytes (the workbook carries no save time).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from kit._atomic import atomic_path
from kit._safe import neutralize_formulas
from kit.diagnostics.metrics import METRICS
from kit.report.present import status_word
from kit.report.workbook import MAX_CELL_CHARS, MAX_ROWS, Sheet, write_workbook_file
from kit.schema import label

__all__ = ["excel_notes", "fit_to_excel", "leader_sheet", "write_csvs", "write_workbook"]

#: Results columns as the workbook shows them: the header, and a number format (a name of
#: :data:`kit.report.workbook.FORMATS`) or how codes become words.
_COLUMNS: dict[str, tuple[str, str | None]] = {
    "rank": ("Rank", "integer"),
    "team_rank": ("Rank in team", "integer"),
    "scope": ("Scope", "words"),
    "team": ("Team", None),
    "producer_id": ("Producer id", None),
    "producer_name": ("Producer", None),
    "rule_id": ("Rule", "words"),
    "metric": ("Measure", "measure"),
    "statement": ("Standard", None),
    "standard": ("Standard", None),
    "status": ("Status", "status"),
    "severity": ("Severity", "status"),
    "finding": ("Finding", None),
    "value": ("Value", "unit"),
    "target": ("Target", "unit"),
    "warn": ("Warning level", "unit"),
    "direction": ("Direction", "words"),
    "numerator": ("Count", None),
    "denominator": ("Out of", None),
    "unit": ("Unit", "words"),
    "assessed": ("Assessed", "yesno"),
    "reason": ("Why not assessed", None),
    "require": ("Require next", None),
    "owner_role": ("Owner", "words"),
    "review": ("Review weekly", None),
    "weight": ("Weight", "decimal"),
    "rule_order": ("Order", "integer"),
    "score": ("Adoption score", "score"),
    "rules_assessed": ("Standards assessed", "integer"),
    "passed": ("Passed", "integer"),
    "warned": ("Warnings", "integer"),
    "failed": ("Failed", "integer"),
    "not_assessed": ("Not assessed", "integer"),
    "archetype": ("Archetype", "words"),
    "archetype_reason": ("Why this archetype", None),
    "item": ("Review item", "words"),
    "record_id": ("Record", None),
    "age_days": ("Age (days)", "integer"),
    "detail": ("Detail", None),
}
#: A metric's unit -> the number format of its values.
_UNIT_FORMATS = {"share": "percent", "minutes": "minutes", "days": "days", "currency": "currency"}
_ACRONYMS = re.compile(r"\b(crm|los|roi)\b", re.IGNORECASE)
_CUT = " … [cut: an Excel cell holds {limit:,} characters; the CSV export has it whole]"

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _prepare(frame: pd.DataFrame) -> pd.DataFrame:
    frame = neutralize_formulas(frame.reset_index(drop=True))
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype("str")
    return frame


def _words(code: object) -> str:
    """A code in words: ``funded_loan_missing_from_crm`` -> ``Funded loan missing from CRM``."""
    return _ACRONYMS.sub(lambda m: m.group(0).upper(), label(code))


def _measure(code: object) -> str:
    metric = METRICS.get(str(code))
    return metric.label if metric is not None else _words(code)


_WORDING: dict[str, Callable[[object], str]] = {
    "words": _words,
    "status": status_word,
    "measure": _measure,
    "yesno": lambda v: "Yes" if bool(v) else "No",
}


def _worded(values: pd.Series, word: Callable[[object], str]) -> pd.Series:
    """``values.map(word, na_action="ignore")`` as objects, each distinct value worded once
    (a review list's 200,000 rows hold a dozen codes).

    >>> _worded(pd.Series(["lost", None, "lost"], dtype=object), _words).tolist()
    ['Lost', None, 'Lost']
    """
    codes, distinct = pd.factorize(values)
    worded = np.array([word(v) for v in distinct], dtype=object)
    out = values.astype(object).to_numpy(copy=True)
    known = codes >= 0
    out[known] = worded[codes[known]]
    return pd.Series(out, index=values.index, name=values.name, dtype=object)


def _units(frame: pd.DataFrame) -> pd.Series | None:
    """Each row's unit: the frame's ``unit`` column, else its ``metric``'s unit."""
    if "unit" in frame:
        return frame["unit"].astype(object)
    if "metric" in frame:
        return frame["metric"].map(
            lambda m: METRICS[m].unit if m in METRICS else None, na_action="ignore"
        )
    return None


def leader_sheet(frame: pd.DataFrame) -> Sheet:
    """A results frame as a leader reads it: columns in words, codes as words, each number
    in its format (shares as percentages by each row's unit).

    Columns the kit does not know keep their name (in words) and a format by their type.

    >>> sheet = leader_sheet(pd.DataFrame({"metric": ["stale_open_loans"], "value": [0.25],
    ...                                     "status": ["warn"], "unit": ["share"]}))
    >>> sheet.frame.columns.tolist(), sheet.frame["Status"].tolist()
    (['Measure', 'Value', 'Status', 'Unit'], ['Warning'])
    >>> sheet.formats["Value"].tolist()
    ['percent']
    """
    frame = frame.reset_index(drop=True)
    units = _units(frame)
    out: dict[str, pd.Series] = {}
    formats: dict[str, object] = {}
    for column in frame.columns:
        title, how = _COLUMNS.get(str(column), (_words(column), None))
        if title in out:
            title = f"{title} ({column})"
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        if how in _WORDING:
            values = _worded(values, _WORDING[how])
        elif how == "unit":
            if units is not None:
                formats[title] = units.map(_UNIT_FORMATS.get, na_action="ignore").to_numpy()
        elif how is not None:
            formats[title] = how
        out[title] = values
    return Sheet(pd.DataFrame(out), formats=formats)


def fit_to_excel(sheet: Sheet, name: str) -> tuple[Sheet, list[str]]:
    """``sheet`` within Excel's limits, and a sentence for each cut made.

    Rows beyond :data:`~kit.report.workbook.MAX_ROWS` are left out and text beyond
    :data:`~kit.report.workbook.MAX_CELL_CHARS` characters is cut with a visible marker;
    the CSV export keeps everything.
    """
    frame, formats, notes = sheet.frame, dict(sheet.formats), []
    room = MAX_ROWS - 1
    if len(frame) > room:
        notes.append(
            f"{name}: {len(frame):,} rows, more than an Excel sheet holds; the first "
            f"{room:,} are in the workbook, all of them in the CSV export."
        )
        frame = frame.iloc[:room]
        formats = {
            k: v if isinstance(v, str) or v is None else np.asarray(v)[:room]
            for k, v in formats.items()
        }
    marker = _CUT.format(limit=MAX_CELL_CHARS)
    for column in frame.columns:
        values = frame[column]
        if values.dtype != object and not pd.api.types.is_string_dtype(values.dtype):
            continue
        lengths = (
            values.map(len, na_action="ignore") if values.dtype == object else values.str.len()
        )
        long = (pd.to_numeric(lengths, errors="coerce") > MAX_CELL_CHARS).fillna(False)
        if long.any():
            keep = MAX_CELL_CHARS - len(marker)
            frame = frame.copy()
            frame[column] = values.astype(object).where(
                ~long, values[long].astype(str).str[:keep] + marker
            )
            notes.append(
                f"{name}, column {column}: {int(long.sum()):,} cell(s) longer than "
                f"{MAX_CELL_CHARS:,} characters were cut; the CSV export has them whole."
            )
    return Sheet(frame, formats=formats, autofilter=sheet.autofilter), notes


def _leader_sheets(frames: Mapping[str, pd.DataFrame]) -> tuple[dict[str, Sheet], list[str]]:
    taken: set[str] = set()
    sheets, notes = {}, []
    for name, frame in frames.items():
        title = _sheet_name(name.replace("_", " ").capitalize(), taken)
        sheet, cut = fit_to_excel(leader_sheet(frame), title)
        sheets[title] = sheet
        notes.extend(cut)
    return sheets, notes


def excel_notes(frames: Mapping[str, pd.DataFrame]) -> list[str]:
    """What :func:`write_workbook` had to cut to fit Excel's limits (empty: nothing)."""
    return _leader_sheets(frames)[1]


def write_csvs(frames: Mapping[str, pd.DataFrame], folder: str | Path) -> list[Path]:
    """Write each frame to ``folder/<name>.csv`` (UTF-8 with BOM so Excel reads accents).

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> [p.name for p in write_csvs({"findings": pd.DataFrame({"a": ["=HYPERLINK()"]})}, d)]
    ['findings.csv']
    >>> (d / "findings.csv").read_text(encoding="utf-8-sig")
    "a\\n'=HYPERLINK()\\n"
    """
    folder = Path(folder)
    written = []
    for name, frame in frames.items():
        # streamed into the file by pandas, a chunk of rows at a time: never the whole text
        # and its bytes in memory (the large demo's 215,000-row review list: about 40 MB each)
        path = folder / f"{name}.csv"
        with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as file:
            _prepare(frame).to_csv(file, index=False, lineterminator="\n")
        written.append(path)
    return written


def _sheet_name(name: str, taken: set[str]) -> str:
    base = _SHEET_BAD.sub("_", name)[:31] or "sheet"
    sheet, n = base, 1
    while sheet.casefold() in taken:
        n += 1
        sheet = f"{base[: 31 - len(str(n)) - 1]}_{n}"
    taken.add(sheet.casefold())
    return sheet


def write_workbook(frames: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write every frame as one sheet of a leader-ready Excel workbook at ``path``, atomically.

    Each sheet (named in words: ``review_list`` -> "Review list") has a bold, frozen header
    row of labelled columns with filters, codes in words and numbers in their formats (see
    :func:`leader_sheet`), and column widths fitted to the first rows. Anything cut to fit
    Excel's limits is listed on a last sheet, "Notes" (see :func:`fit_to_excel`). The sheets
    are written by :mod:`kit.report.workbook` column by column (a 100,000-row review list in
    about a second; openpyxl's cell-by-cell writer took half a minute).

    >>> import tempfile, openpyxl
    >>> p = write_workbook({"scores": pd.DataFrame({"team": ["@North"], "score": [80.5]})},
    ...                    Path(tempfile.mkdtemp()) / "a.xlsx")
    >>> cells = openpyxl.load_workbook(p)["Scores"]["A2":"B2"][0]
    >>> [(c.value, c.quotePrefix, c.number_format) for c in cells]
    [('@North', True, 'General'), (80.5, False, '0')]
    """
    sheets, notes = _leader_sheets(frames)
    if notes:
        sheets[_sheet_name("Notes", {s.casefold() for s in sheets})] = Sheet(
            pd.DataFrame({"What was cut to fit Excel": notes}), autofilter=False
        )
    with atomic_path(path) as tmp, tmp.open("wb") as file:
        write_workbook_file(sheets, file)
    return Path(path)
