"""The intake and data-quality appendix: what was received, kept, left out, and why.

Examples
--------
>>> from kit.dataset import Dataset
>>> from kit.schema import empty_table
>>> list(sources(Dataset({"users": empty_table("users")})).columns)
['File', 'Table', 'Size', 'SHA-256', 'Rows read', 'Kept', 'Left out']
"""

from __future__ import annotations

import os

import pandas as pd

from kit.dataset import Dataset, load_dataset
from kit.report import present
from kit.report.views import demo_dir
from kit.report.views import report_header as _report_header
from kit.results import Results, load_results
from kit.schema import TABLES

__all__ = [
    "excluded_rows",
    "exclusion_reasons",
    "facts",
    "future_dated",
    "health_by_team",
    "open_inputs",
    "report_header",
    "sources",
    "time_frame",
]


def open_inputs(
    results_dir: str | os.PathLike[str] = "", dataset_dir: str | os.PathLike[str] = ""
) -> tuple[Results, Dataset]:
    """Open the results bundle and the intake dataset; blank folders open the demo's.

    The dataset's tables are not read: the appendix shows only the manifest, the excluded
    rows and the quality facts (reading two million activities would cost seconds and
    leave a large kernel behind).
    """
    demo = demo_dir() if not (results_dir and dataset_dir) else None
    results = load_results(results_dir or demo / "results")  # type: ignore[operator]
    dataset = load_dataset(dataset_dir or demo / "dataset", tables=())  # type: ignore[operator]
    return results, dataset


def report_header(results: Results, *, show_pii: bool = False) -> present.Fragment:
    """The branded header of the appendix."""
    return _report_header(results, title="Intake and data-quality appendix", show_pii=show_pii)


def _size(n: object) -> str:
    if n is None or pd.isna(n):
        return ""
    size = float(n)  # type: ignore[arg-type]
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return ""  # pragma: no cover


def sources(dataset: Dataset) -> pd.DataFrame:
    """Every source file: size, checksum (first 12 hex digits) and rows read, kept, left out."""
    rows = dataset.manifest.get("sources", [])
    frame = pd.DataFrame(
        rows,
        columns=[
            "path",
            "sheet",
            "table",
            "size",
            "sha256",
            "rows_read",
            "rows_kept",
            "rows_excluded",
        ],
    )
    where = frame["path"].astype("str")
    sheet = frame["sheet"].notna()
    where = where.where(~sheet, where + " [" + frame["sheet"].astype("str") + "]")
    return pd.DataFrame(
        {
            "File": where,
            "Table": frame["table"],
            "Size": frame["size"].map(_size),
            "SHA-256": frame["sha256"].astype("str").str[:12],
            "Rows read": frame["rows_read"].astype("Int64"),
            "Kept": frame["rows_kept"].astype("Int64"),
            "Left out": frame["rows_excluded"].astype("Int64"),
        }
    )


def exclusion_reasons(dataset: Dataset) -> pd.DataFrame:
    """Rows left out, counted by table and reason (most frequent first)."""
    ex = dataset.excluded_rows
    if ex.empty:
        return pd.DataFrame(columns=["Table", "Reason", "Rows"])
    counts = ex.groupby(["table", "reason"], observed=True).size().reset_index(name="rows")
    counts = counts.sort_values(["rows", "table", "reason"], ascending=[False, True, True])
    return pd.DataFrame(
        {
            "Table": counts["table"].to_numpy(),
            "Reason": counts["reason"].to_numpy(),
            "Rows": counts["rows"].to_numpy(),
        }
    )


def excluded_rows(dataset: Dataset) -> pd.DataFrame:
    """Every row left out: table, source file, row number in that file, reason."""
    ex = dataset.excluded_rows.sort_values(["table", "source_file", "row_number"], kind="stable")
    return pd.DataFrame(
        {
            "Table": ex["table"].to_numpy(),
            "File": ex["source_file"].to_numpy(),
            "Row": ex["row_number"].to_numpy(),
            "Reason": ex["reason"].to_numpy(),
        }
    )


_ISSUES = {
    "missing": "Blank",
    "invalid_value": "Not in the agreed vocabulary",
    "orphan_reference": "Points at a record that does not exist",
    "duplicate_key": "Duplicate id",
    "future_date": "Date in the future",
    "unparseable_date": "Date that cannot be read",
    "no_such_date": "A day its month does not have",
    "out_of_range_date": "Date outside 1900 to 2199",
}


#: Borrower PII fields (``table.field``): their values are never examples in a leader report.
_PII_FIELDS = frozenset(f"{t.name}.{f.name}" for t in TABLES.values() for f in t.fields if f.pii)
#: Issues whose examples are row numbers, not values.
_ROW_EXAMPLES = ("missing", "blank_required", "mixed_date_formats")
WITHHELD = "(borrower data: not shown)"


def facts(dataset: Dataset, *, show_pii: bool = False) -> pd.DataFrame:
    """Data-quality facts recorded at intake, in plain words, largest first.

    Example values of borrower PII fields (a phone Excel turned into ``2.125551407E+9``) are
    withheld unless ``show_pii``; row-number examples are always shown.

    >>> f = pd.DataFrame({"table": ["contacts"], "field": ["phone"], "issue": ["excel_mangled"],
    ...                   "count": [1], "examples": ["'2.125551407E+9' (1)"]})
    >>> facts(Dataset({}, quality_facts=f))["Examples"].tolist()
    ['(borrower data: not shown)']
    """
    f = dataset.quality_facts.sort_values(
        ["count", "table", "field"], ascending=[False, True, True]
    )
    pii = (f["table"].astype("str") + "." + f["field"].astype("str")).isin(_PII_FIELDS)
    withheld = pii & ~f["issue"].isin(_ROW_EXAMPLES) & (not show_pii)
    return pd.DataFrame(
        {
            "Table": f["table"].to_numpy(),
            "Field": f["field"].to_numpy(),
            "Issue": f["issue"].map(lambda i: _ISSUES.get(i, str(i).replace("_", " "))).to_numpy(),
            "Records": f["count"].to_numpy(),
            "Examples": f["examples"].astype("object").where(~withheld, WITHHELD).to_numpy(),
        }
    )


def health_by_team(results: Results) -> pd.DataFrame:
    """Data health per team and quality dimension: share of records with no issue."""
    q = results.data_quality
    q = q[q["scope"] == "team"]
    grouped = q.groupby(["team", "dimension"], observed=True)[["records", "issues"]].sum()
    grouped = grouped.reset_index()
    share = 1 - grouped["issues"] / grouped["records"].where(grouped["records"] > 0)
    return pd.DataFrame(
        {
            "Team": grouped["team"].to_numpy(),
            "Dimension": grouped["dimension"]
            .astype("str")
            .str.replace("_", " ")
            .str.capitalize()
            .to_numpy(),
            "Records checked": grouped["records"].round().astype("int64").to_numpy(),
            "Issues": grouped["issues"].round().astype("int64").to_numpy(),
            "Data health": share.to_numpy(),
        }
    )


def time_frame(results: Results) -> pd.DataFrame:
    """The assessment's dates, each labelled: the data's first and last real events, the
    export date, the as-of date, the window, and what was treated as future-dated.

    >>> from kit.diagnostics.run import diagnose
    >>> from kit.dataset import Dataset
    >>> from kit.schema import empty_table
    >>> r = diagnose(Dataset({"users": empty_table("users")}), as_of="2024-06-30")
    >>> time_frame(r)["Date"].tolist()
    ['2024-06-30', '2024-04-02 to 2024-06-30', '0 events']
    """
    p = results.parameters
    rows = [
        ("As of", p["as_of"], _AS_OF_RULES.get(str(p.get("as_of_rule")), "given")),
        ("Assessment window", f"{p['window_start']} to {p['as_of']}", f"{p['window_days']} days"),
    ]
    if p.get("data_start") and p.get("data_end"):
        rows.append(
            (
                "Records dated",
                f"{p['data_start']} to {p['data_end']}",
                "the data's first event and its last real (not future-dated) event",
            )
        )
    if p.get("export_date"):
        rows.append(("Export taken", p["export_date"], "declared: later events are future-dated"))
    future = sum(int(r["records"]) for r in p.get("future_dated") or [])
    rule = p.get("future_rule") or "not checked"
    rows.append(("Future-dated", f"{future:,} events", f"treated as future-dated: {rule}"))
    later = int(p.get("events_after_as_of") or 0)
    if later:
        rows.append(
            (
                "After the as-of date",
                f"{later:,} events",
                "real events after the as-of date: outside this assessment, not defects",
            )
        )
    return pd.DataFrame(rows, columns=["Item", "Date", "How it was set"])


_AS_OF_RULES = {
    "engagement as_of": "from the export's engagement.yaml",
    "the data's last real event": "the data's last real event (no as-of date was given)",
    "given": "given for this assessment",
}


def future_dated(results: Results) -> pd.DataFrame:
    """Every event treated as future-dated, by table and field: how many, their dates and
    examples (record id and date). These records are left out of every measure.

    >>> from kit.diagnostics.run import diagnose
    >>> from kit.dataset import Dataset
    >>> from kit.schema import empty_table
    >>> len(future_dated(diagnose(Dataset({"users": empty_table("users")}), as_of="2024-06-30")))
    0
    """
    found = results.parameters.get("future_dated") or []
    return pd.DataFrame(
        {
            "Table": [r["table"] for r in found],
            "Field": [r["field"] for r in found],
            "Records": [int(r["records"]) for r in found],
            "Dated": [
                r["first"] if r["first"] == r["last"] else f"{r['first']} to {r['last']}"
                for r in found
            ],
            "Examples": [r["examples"] for r in found],
        },
        columns=["Table", "Field", "Records", "Dated", "Examples"],
    )
