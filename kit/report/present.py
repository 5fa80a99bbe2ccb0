"""Finished, safe blocks of report content: one notebook cell, one call, one block.

Every function returns an :class:`IPython.display.HTML` object (a :class:`Fragment`), so a
notebook cell either ends with the call or passes it to ``display()``. The same HTML shows
in JupyterLab and in the client report rendered by :func:`kit.report.render.render_html`, which
styles the ``kit-*`` classes used here. Every piece of data (client free text, names,
outcomes, team names) is HTML-escaped, so a ``<script>`` in a note shows as text.

Borrower PII (names, emails, phones) is masked unless ``show_pii=True`` is passed: the
notebooks have a papermill parameter ``show_pii`` (default ``False``) that they hand to
:func:`header`, :func:`table` and :func:`mask_pii`.

One module, though long: every block shares the escaping, the PII masking and the ``kit-*``
classes the report template styles, so a block cannot be built unsafe elsewhere.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"producer": ["Ana <b>"], "calls": [1234]})
>>> print(table(frame).data)  # doctest: +NORMALIZE_WHITESPACE
<div class="kit-table" role="region" tabindex="0"><table>
<thead><tr><th scope="col">Producer</th><th scope="col" class="num">Calls</th></tr></thead>
<tbody>
<tr><td>Ana &lt;b&gt;</td><td class="num">1,234</td></tr>
</tbody>
</table></div>
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, get_args

import pandas as pd
from IPython.display import HTML

from kit.exceptions import ParameterError
from kit.formatting import format_count, format_number, format_value
from kit.params import parse_day
from kit.report.render import FACTS_MIMETYPE
from kit.schema import label

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox

__all__ = [
    "FACTS_MIMETYPE",
    "FORMATS",
    "SCORE_BANDS",
    "Fragment",
    "Headline",
    "callout",
    "figure",
    "format_values",
    "header",
    "heading",
    "headlines",
    "mask_pii",
    "mask_pii_series",
    "not_assessed",
    "note_list",
    "paragraph",
    "score_band",
    "status_badge",
    "status_word",
    "summary_card",
    "table",
]


Format = Literal[
    "text",
    "label",
    "count",
    "number",
    "percent",
    "currency",
    "days",
    "date",
    "yesno",
    "score",
    "status",
    "name",
    "email",
    "phone",
]
#: Column formats :func:`table` understands.
FORMATS: tuple[str, ...] = get_args(Format)
PiiKind = Literal["name", "email", "phone"]

#: Score bands on the 0-100 adoption score: below 50 is red, 50 to 75 amber, 75 and up green
#: (the same bands as :func:`kit.report.plots.score_colour`, so charts and cards agree).
SCORE_BANDS: tuple[float, float] = (50.0, 75.0)
_BAND_WORDS = {"red": "Off track", "amber": "Partly adopted", "green": "On track"}

_NA = '<span class="kit-na">—</span>'
_NUMERIC_FORMATS = frozenset({"count", "number", "percent", "currency", "days", "score"})
_PII_FORMATS = frozenset({"name", "email", "phone"})

# status (as the diagnostics write it) -> (badge colour, human label)
_STATUSES: dict[str, tuple[str, str]] = {
    "pass": ("green", "Pass"),
    "warn": ("amber", "Warning"),
    "fail": ("red", "Fail"),
    "high": ("red", "High"),
    "medium": ("amber", "Medium"),
    "low": ("grey", "Low"),
    "not_assessed": ("grey", "Not assessed"),
    "too_few": ("grey", "Too few to judge"),
    "info": ("blue", "Info"),
}


# --------------------------------------------------------------------------- display object
class Fragment(HTML):
    """A finished block of report HTML.

    It displays as HTML in Jupyter; ``extra`` adds further MIME types to the display (used by
    :func:`header` for the report facts). ``str(fragment)`` and ``fragment.__html__()`` give
    the HTML, so fragments compose with :mod:`markupsafe`.
    """

    def __init__(self, html_text: str, *, extra: Mapping[str, Any] | None = None) -> None:
        super().__init__(html_text)
        self.extra: dict[str, Any] = dict(extra or {})

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, Any]:
        return {"text/html": self.data, **self.extra}

    def __html__(self) -> str:
        return str(self.data)

    def __str__(self) -> str:
        return str(self.data)


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


# --------------------------------------------------------------------------- PII masking
def mask_pii_series(values: pd.Series, *, kind: PiiKind, show_pii: bool) -> pd.Series:
    """Mask borrower names, emails or phones in a whole column (vectorized).

    Names keep each word's first letter (``"John Smith"`` -> ``"J*** S***"``), emails the
    first letter and the domain (``"j***@example.com"``), phones the last four digits
    (``"***-***-1234"``). With ``show_pii=True`` values pass through unchanged (the internal
    consultant copy). Missing values stay missing.

    >>> mask_pii_series(pd.Series(["John Smith", None]), kind="name", show_pii=False).tolist()
    ['J*** S***', nan]
    """
    text = values.astype("str") if values.dtype != "str" else values
    if show_pii:
        return text
    blank = text.isna()
    if kind == "name":
        masked = text.str.replace(r"(\w)\w*", r"\1***", regex=True)
        masked = masked.where(masked.str.contains(r"\w", regex=True), "***")
    elif kind == "email":
        pattern = r"^\s*([^@\s])[^@]*@([^@\s]+?)\s*$"
        masked = text.str.replace(pattern, r"\1***@\2", regex=True)
        masked = masked.where(text.str.match(pattern), "***")
    elif kind == "phone":
        digits = text.str.replace(r"\D", "", regex=True)
        masked = ("***-***-" + digits.str[-4:]).where(digits.str.len() >= 7, "***")
    else:
        raise ValueError(f"unknown PII kind {kind!r}: use 'name', 'email' or 'phone'")
    return masked.mask(blank)


def _guess_kind(value: str) -> PiiKind:
    if "@" in value:
        return "email"
    digits = sum(ch.isdigit() for ch in value)
    return "phone" if digits >= 7 and digits >= len(value.replace(" ", "")) // 2 else "name"


def mask_pii(value: object, *, show_pii: bool, kind: PiiKind | None = None) -> str:
    """Mask one borrower name, email or phone for a leader report.

    ``kind`` is guessed when not given (an ``@`` means email, mostly digits a phone, else a
    name). Missing values give ``""``.

    >>> mask_pii("Jane Smith", show_pii=False)
    'J*** S***'
    >>> mask_pii("jane.smith@example.com", show_pii=False)
    'j***@example.com'
    >>> mask_pii("(555) 201-1234", show_pii=False)
    '***-***-1234'
    >>> mask_pii("Jane Smith", show_pii=True)
    'Jane Smith'
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = str(value)
    masked = mask_pii_series(
        pd.Series([text], dtype="str"), kind=kind or _guess_kind(text), show_pii=show_pii
    )
    return str(masked.iloc[0])


# --------------------------------------------------------------------------- value formats
def score_band(score: float | None, *, bands: tuple[float, float] = SCORE_BANDS) -> str:
    """Colour band of a 0-100 score: ``"red"``, ``"amber"``, ``"green"`` or ``"grey"`` (none).

    >>> score_band(49.9), score_band(50), score_band(75), score_band(None)
    ('red', 'amber', 'green', 'grey')
    """
    if score is None or pd.isna(score):
        return "grey"
    low, high = bands
    if score < low:
        return "red"
    return "amber" if score < high else "green"


def _score(value: float) -> str:
    return format_value(value, "score")


# Every number goes through the one formatter (kit.formatting), so a table cell reads like
# the finding beside it: 0.996 is ">99%" in both, 2,400 minutes "40 hours" in both.
_SCALAR_FORMATTERS = {
    "count": format_count,
    "number": format_number,
    "percent": lambda v: format_value(v, "share"),
    "currency": lambda v: format_value(v, "currency"),
    "days": lambda v: format_value(v, "days"),
    "score": _score,
}


# Column names that hold borrower PII: masked by default even when no format is given.
_PII_COLUMNS: tuple[tuple[str, PiiKind], ...] = (
    (r"(?:^|_)e_?mail(?:$|_)", "email"),
    (r"(?:^|_)(?:phone|mobile|cell)(?:$|_)", "phone"),
    (r"(?:first|last|full|borrower|contact|client)_name|(?:^|_)borrower(?:$|_)", "name"),
)


def _default_format(values: pd.Series) -> str:
    name = str(values.name).lower()
    for pattern, kind in _PII_COLUMNS:
        if re.search(pattern, name):
            return kind
    if pd.api.types.is_bool_dtype(values.dtype):
        return "yesno"
    if pd.api.types.is_integer_dtype(values.dtype):
        return "count"
    if pd.api.types.is_float_dtype(values.dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return "date"
    if isinstance(values.dtype, pd.CategoricalDtype):
        return "label"
    return "text"


def _long_dates(values: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(values, errors="coerce")
    text = stamps.dt.strftime("%b ") + stamps.dt.day.astype("Int64").astype("str")
    return (text + stamps.dt.strftime(", %Y")).astype("str")


def format_values(
    values: pd.Series,
    fmt: str,
    *,
    show_pii: bool = False,
    score_bands: tuple[float, float] = SCORE_BANDS,
) -> pd.Series:
    """Format a column for people and HTML-escape it: the cell contents :func:`table` writes.

    Missing values become a muted dash. Numbers get thousands separators; ``percent`` expects
    a share between 0 and 1; ``date`` writes ``Mar 1, 2025``; ``label`` turns vocabulary
    codes into words (``realtor_referral`` -> ``Realtor referral``); ``name``/``email``/``phone``
    are masked unless ``show_pii``; ``status`` writes a coloured badge; ``score`` a chip
    coloured by ``score_bands`` (amber, green). Numbers are written by :mod:`kit.formatting`.

    >>> format_values(pd.Series([1234.4, 0.5, None]), "count").tolist()
    ['1,234', '0', '<span class="kit-na">—</span>']
    >>> format_values(pd.Series([0.153, 0.004, 1.0]), "percent").tolist()
    ['15%', '&lt;1%', '100%']
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    missing = values.isna()
    if fmt in _SCALAR_FORMATTERS:
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
        if fmt == "score":  # the colour follows the number shown, so 49.6 shows as an amber 50
            numbers = numbers.round(0)
        missing = missing | numbers.isna()
        text = numbers.map(_SCALAR_FORMATTERS[fmt], na_action="ignore")
    elif fmt == "date":
        text = _long_dates(values)
        missing = missing | text.isna()
    elif fmt == "yesno":
        text = values.astype("boolean").map({True: "Yes", False: "No"})
    elif fmt == "label":
        text = values.astype("str").map(label, na_action="ignore")
    elif fmt in _PII_FORMATS:
        text = mask_pii_series(values, kind=fmt, show_pii=show_pii)  # type: ignore[arg-type]
    else:
        text = values.astype("str")
    # object dtype: an all-missing column must still concatenate as text below. Every value
    # of a "str" Series is a Python str or missing (NaN): escaped in one pass over the
    # values, without converting them to Arrow and back for each step.
    strings = text.astype("str")
    cells = pd.Series(
        [_esc(v) if isinstance(v, str) else "" for v in strings.to_numpy(dtype=object)],
        index=strings.index,
        name=strings.name,
        dtype="object",
    )
    if fmt == "status":
        cells = values.map(lambda v: status_badge(v).data, na_action="ignore")
    elif fmt == "score":
        bands = numbers.map(lambda v: score_band(v, bands=score_bands)).astype("object")
        cells = '<span class="kit-chip kit-chip--' + bands + '">' + cells + "</span>"
    # missing cells say so (``cells.mask(missing, _NA)``, without aligning two indexes that
    # are one and the same: pandas' fixed cost per column was a quarter of a table's)
    out = cells.to_numpy(dtype=object, copy=True)
    out[missing.to_numpy(dtype=bool)] = _NA
    return pd.Series(out, index=cells.index, name=cells.name, dtype="object")


# --------------------------------------------------------------------------- blocks
def _check_href(href: str) -> str:
    if re.match(r"^\s*([a-z][a-z0-9+.-]*:|//|\\)", href, flags=re.IGNORECASE):
        raise ValueError(
            f"link {href!r} is not a relative path: reports link only to files beside them"
        )
    return href


# Text that reads as a number ("58%", "<1%", "16 min", "346 of 375", "$1,200") is aligned
# like one; long prose gets room to breathe instead of a column one word wide.
_NUMBER_LIKE = r"[<>~≈+\-−$]*\d[\d,.]*\s?%?(?:\s+(?:of\s+[\d,.]+|[a-z]+))?"
_LONG_TEXT = 48
#: Compiled once: pandas matches a pattern with ``\s`` by Python's ``re`` (RE2's ``\s``
#: differs), parsing it again on every call.
_NUMBER_LIKE_RE = re.compile(_NUMBER_LIKE)


def _text_layout(values: pd.Series) -> str:
    """The class of a text column's cells: ``num`` when every value reads as a number,
    ``long`` when one is longer than :data:`_LONG_TEXT` characters.

    >>> _text_layout(pd.Series(["58%", " <1% ", "346 of 375", None]))
    ' class="num"'
    >>> _text_layout(pd.Series(["58%", "x" * 49])), _text_layout(pd.Series(["a b"]))
    (' class="long"', '')
    """
    text = values.dropna().astype("str").str.strip()
    if text.empty:
        return ""
    strings = text.to_numpy(dtype=object)
    if all(_NUMBER_LIKE_RE.fullmatch(v) for v in strings):
        return ' class="num"'
    return ' class="long"' if max(map(len, strings)) > _LONG_TEXT else ""


def table(
    frame: pd.DataFrame,
    *,
    columns: Mapping[str, str] | None = None,
    formats: Mapping[str, str] | None = None,
    caption: str | None = None,
    max_rows: int | None = None,
    links: Mapping[str, str] | None = None,
    show_pii: bool = False,
    empty: str = "Nothing to list.",
    score_bands: tuple[float, float] = SCORE_BANDS,
) -> Fragment:
    """An HTML table formatted for people: labels, number formats, no index noise.

    Parameters
    ----------
    frame
        The rows to show. A named index becomes the first column(s); an unnamed one is dropped.
    columns
        Columns to show, in order, with their human labels (``{"calls": "Calls logged"}``).
        When omitted every column is shown, labelled by :func:`kit.schema.label`.
    formats
        Per column: one of :data:`FORMATS`. Unlisted columns are formatted by dtype (integers
        as counts, floats with one decimal, timestamps as dates, booleans as Yes/No,
        categories as vocabulary labels).
        ``name``/``email``/``phone`` columns are masked unless ``show_pii``; so are, without a
        format, columns named like borrower PII (``email``, ``phone``, ``first_name``,
        ``last_name``, ``borrower``, ``contact_name``...).
    caption
        Shown above the table (also names the scroll region for screen readers).
    max_rows
        Show at most this many rows, with a note of how many there were.
    links
        ``{column: href_column}``: the cell links to the relative path in ``href_column``
        (e.g. a team's report ``teams/north.html``). Absolute URLs are refused.
    show_pii
        Show borrower names, emails and phones unmasked (internal consultant copy only).
    empty
        What to say when there are no rows.
    score_bands
        Where ``score`` columns turn amber and green (the standards' bands).

    Examples
    --------
    >>> t = table(pd.DataFrame({"share": [0.25]}), formats={"share": "percent"})
    >>> '<td class="num">25%</td>' in t.data
    True
    """
    if any(name is not None for name in frame.index.names):
        frame = frame.reset_index()
    wanted = dict(columns) if columns is not None else {c: label(c) for c in frame.columns}
    formats = dict(formats or {})
    links = dict(links or {})
    unknown = sorted(
        {str(c) for c in (*wanted, *formats, *links, *links.values())} - set(map(str, frame))
    )
    if unknown:
        raise ValueError(f"table has no column(s) {unknown}; it has {list(frame.columns)}")
    head = f"<caption>{_esc(caption)}</caption>\n" if caption else ""
    region = f' aria-label="{_esc(caption)}"' if caption else ""
    if frame.empty:
        body = f'<p class="kit-empty">{_esc(empty)}</p>'
        title = f'<p class="kit-table__caption">{_esc(caption)}</p>' if caption else ""
        return Fragment(f'<div class="kit-table kit-table--empty">{title}{body}</div>')
    total = len(frame)
    shown = frame.head(max_rows) if max_rows is not None else frame
    header_cells: list[str] = []
    row_cells: list[list[str]] = []  # per column, its cells as HTML
    for column, heading_text in wanted.items():
        values = shown[column]  # taken once: every frame[column] builds a new Series
        fmt = formats.get(column) or _default_format(values)
        numeric = ' class="num"' if fmt in _NUMERIC_FORMATS else ""
        if fmt == "text" and column not in links:
            numeric = _text_layout(values)
        header_cells.append(f'<th scope="col"{numeric}>{_esc(heading_text)}</th>')
        cells = format_values(values, fmt, show_pii=show_pii, score_bands=score_bands)
        if column in links:
            hrefs = shown[links[column]].astype("str").map(_check_href, na_action="ignore")
            escaped = hrefs.map(_esc, na_action="ignore").astype("object").fillna("")
            linked = '<a href="' + escaped + '">' + cells + "</a>"
            cells = linked.where(hrefs.notna(), cells)
        row_cells.append([f"<td{numeric}>{cell}</td>" for cell in cells.tolist()])
    # joined row by row in Python: a frame of a few dozen rows costs pandas' fixed overhead
    # per operation, three times a column
    rows = ["<tr>" + "".join(cells) + "</tr>" for cells in zip(*row_cells, strict=True)]
    note = ""
    if len(shown) < total:
        note = f'\n<p class="kit-table__note">Showing {len(shown):,} of {total:,} rows.</p>'
    return Fragment(
        f'<div class="kit-table" role="region"{region} tabindex="0"><table>\n{head}'
        f"<thead><tr>{''.join(header_cells)}</tr></thead>\n"
        f"<tbody>\n{chr(10).join(rows)}\n</tbody>\n</table>{note}</div>"
    )


def status_badge(status: object, *, text: str | None = None) -> Fragment:
    """A coloured badge for a status (pass, warn, fail) or a severity (high, medium, low).

    >>> status_badge("fail").data
    '<span class="kit-badge kit-badge--red">Fail</span>'
    """
    key = str(status).strip().lower().replace(" ", "_")
    colour, word = _STATUSES.get(key, ("grey", str(status)))
    return Fragment(f'<span class="kit-badge kit-badge--{colour}">{_esc(text or word)}</span>')


def status_word(status: object) -> str:
    """The word a report shows for a status or severity code (the badge's text).

    >>> status_word("warn"), status_word("not_assessed")
    ('Warning', 'Not assessed')
    """
    key = str(status).strip().lower().replace(" ", "_")
    return _STATUSES.get(key, ("grey", str(status)))[1]


_CALLOUT_KINDS = ("info", "good", "warning", "risk", "muted")


def callout(
    text: str,
    *,
    kind: Literal["info", "good", "warning", "risk", "muted"] = "info",
    title: str | None = None,
) -> Fragment:
    """A highlighted note: what a number means, a caveat, a risk.

    >>> print(callout("Data ends <b>early</b>.", kind="warning"))
    <div class="kit-callout kit-callout--warning"><p>Data ends &lt;b&gt;early&lt;/b&gt;.</p></div>
    """
    if kind not in _CALLOUT_KINDS:
        raise ValueError(f"unknown callout kind {kind!r}; use one of {', '.join(_CALLOUT_KINDS)}")
    head = f"<strong>{_esc(title)}</strong> " if title else ""
    return Fragment(f'<div class="kit-callout kit-callout--{kind}"><p>{head}{_esc(text)}</p></div>')


def not_assessed(reason: str) -> Fragment:
    """Say that a section could not be assessed because its inputs are missing.

    >>> print(not_assessed("no LOS loans provided"))  # doctest: +NORMALIZE_WHITESPACE
    <div class="kit-callout kit-callout--muted"><p><strong>Not assessed:</strong>
    no LOS loans provided</p></div>
    """
    return callout(reason, kind="muted", title="Not assessed:")


def note_list(title: str, items: Sequence[str], *, kind: str = "info") -> Fragment:
    """A highlighted note with a title and a list (e.g. the standards a section is judged by).

    >>> print(note_list("The standard:", ["At least 90% <b>."]))  # doctest: +NORMALIZE_WHITESPACE
    <div class="kit-callout kit-callout--info"><p><strong>The standard:</strong></p>
    <ul><li>At least 90% &lt;b&gt;.</li></ul></div>
    """
    if kind not in _CALLOUT_KINDS:
        raise ValueError(f"unknown note kind {kind!r}; use one of {', '.join(_CALLOUT_KINDS)}")
    entries = "".join(f"<li>{_esc(i)}</li>" for i in items)
    return Fragment(
        f'<div class="kit-callout kit-callout--{kind}"><p><strong>{_esc(title)}</strong></p>\n'
        f"<ul>{entries}</ul></div>"
    )


def paragraph(text: str) -> Fragment:
    """A paragraph of prose built from data (a sentence with the standards' numbers).

    >>> paragraph("Green is 75 & up.").data
    '<p>Green is 75 &amp; up.</p>'
    """
    return Fragment(f"<p>{_esc(text)}</p>")


def _slug(text: str) -> str:
    slug = re.sub(r"[^\w]+", "-", text.strip().lower(), flags=re.UNICODE).strip("-")
    return slug or "section"


def heading(text: str, *, level: Literal[2, 3] = 2) -> Fragment:
    """A section heading built from data (e.g. a team's name); ``##`` headings join the TOC.

    >>> heading("Team <North>").data
    '<h2 id="team-north">Team &lt;North&gt;</h2>'
    """
    if level not in (2, 3):
        raise ValueError("heading level must be 2 or 3")
    return Fragment(f'<h{level} id="{_esc(_slug(text))}">{_esc(text)}</h{level}>')


@dataclass(frozen=True)
class Headline:
    """One headline number: ``Headline("Active producers", 9, note="of 14 seats")``."""

    label: str
    value: object
    format: str = "count"
    note: str | None = None
    status: str | None = None


def headlines(items: Sequence[Headline]) -> Fragment:
    """A row of headline numbers, each with its label and an optional note and status colour.

    >>> '<div class="kit-headline__value">1,234</div>' in str(headlines([Headline("Calls", 1234)]))
    True
    """
    tiles = []
    for item in items:
        value = format_values(pd.Series([item.value], dtype="object"), item.format).iloc[0]
        colour = ""
        if item.status is not None:
            colour = f" kit-headline--{_STATUSES.get(item.status, ('grey', ''))[0]}"
        note = f'<div class="kit-headline__note">{_esc(item.note)}</div>' if item.note else ""
        tiles.append(
            f'<div class="kit-headline{colour}"><div class="kit-headline__value">{value}</div>'
            f'<div class="kit-headline__label">{_esc(item.label)}</div>{note}</div>'
        )
    return Fragment(f'<div class="kit-headlines">{"".join(tiles)}</div>')


def summary_card(
    *,
    score: float | None,
    score_label: str = "Adoption score",
    findings: pd.DataFrame,
    top_n: int = 5,
    requires: Sequence[str] | None = None,
    bands: tuple[float, float] = SCORE_BANDS,
    not_scored: str = "Not scored: no standard could be assessed.",
    score_note: str | None = None,
    no_findings: str = "No findings: every standard judged was met.",
) -> Fragment:
    """The executive-summary card: the score on a red/amber/green scale, the top findings,
    and what to require next.

    Parameters
    ----------
    score
        The 0-100 score, or ``None`` when it could not be computed (says ``not_scored``).
    score_label
        What the score is ("Adoption score").
    findings
        Ranked findings, most important first: column ``finding`` (required) and optional
        ``severity`` (high/medium/low), ``evidence`` and ``require`` (the standard to require).
    top_n
        How many findings to show.
    requires
        What to require next; defaults to the distinct ``require`` of the shown findings.
    bands
        Where amber and green start on the 0-100 scale.
    not_scored
        What the band reads when there is no score (never a band word such as "On track").
    score_note
        What the score rests on, or why there is none ("Based on 10 of 11 standards.").
    no_findings
        What to say when there is no finding (it must not claim standards were met when none
        could be judged).

    Examples
    --------
    >>> f = pd.DataFrame({"finding": ["Stages are stale"], "require": ["Update weekly"]})
    >>> "kit-score--amber" in summary_card(score=62, findings=f).data
    True
    """
    if "finding" not in findings.columns:
        raise ValueError(f"findings need a 'finding' column; got {list(findings.columns)}")
    shown = None if score is None or pd.isna(score) else round(float(score))
    band = score_band(shown, bands=bands)
    top = findings.head(top_n)
    if shown is None:
        value, word, marker, band = "—", not_scored, "", "grey"
    else:
        clipped = min(max(float(score), 0.0), 100.0)  # type: ignore[arg-type]
        value, word = f"{shown}", _BAND_WORDS[band]
        marker = f'<span class="kit-scale__marker" style="left:{clipped:.1f}%"></span>'
    note = f'<p class="kit-score__note">{_esc(score_note)}</p>' if score_note else ""
    low, high = bands
    scale = (
        '<div class="kit-scale" aria-hidden="true">'
        f'<span class="kit-scale__red" style="width:{low:g}%"></span>'
        f'<span class="kit-scale__amber" style="width:{high - low:g}%"></span>'
        f'<span class="kit-scale__green" style="width:{100 - high:g}%"></span>{marker}</div>'
        f'<div class="kit-scale__legend"><span>0</span><span style="left:{low:g}%">{low:g}</span>'
        f'<span style="left:{high:g}%">{high:g}</span><span>100</span></div>'
    )
    score_html = (
        f'<div class="kit-score kit-score--{band}">'
        f'<div class="kit-score__label">{_esc(score_label)}</div>'
        f'<div class="kit-score__value">{_esc(value)}<span class="kit-score__of">'
        f"{' / 100' if marker else ''}</span></div>"
        f'<div class="kit-score__band">{_esc(word)}</div>{scale}{note}</div>'
    )
    items = []
    for row in top.to_dict("records"):
        badge = ""
        if pd.notna(row.get("severity")):
            badge = status_badge(row["severity"]).data + " "
        evidence = ""
        if pd.notna(row.get("evidence")):
            evidence = f'<p class="kit-finding__evidence">{_esc(row["evidence"])}</p>'
        items.append(f"<li>{badge}<strong>{_esc(row['finding'])}</strong>{evidence}</li>")
    findings_html = (
        f'<ol class="kit-findings">{"".join(items)}</ol>'
        if items
        else f'<p class="kit-empty">{_esc(no_findings)}</p>'
    )
    if requires is None:
        requires = list(top["require"].dropna().astype("str").unique()) if "require" in top else []
    require_html = ""
    if requires:
        entries = "".join(f"<li>{_esc(r)}</li>" for r in requires)
        require_html = (
            '<div class="kit-summary__require"><h3>What to require next</h3>'
            f'<ul class="kit-require">{entries}</ul></div>'
        )
    return Fragment(
        f'<section class="kit-summary">{score_html}'
        f'<div class="kit-summary__body"><h3>What matters most</h3>{findings_html}'
        f"{require_html}</div></section>"
    )


_MAX_SVG_BYTES = 350_000
_PNG_DPI = 144


def _css_size(image: bytes, fmt: str) -> tuple[int, int]:
    """Display size of a saved chart in CSS pixels (96 per inch), as tight-cropped."""
    if fmt == "svg":
        found = re.search(rb'width="([\d.]+)pt" height="([\d.]+)pt"', image[:2000])
        if found is None:  # pragma: no cover - matplotlib always writes both
            raise ValueError("matplotlib wrote an SVG without a size")
        return round(float(found.group(1)) * 4 / 3), round(float(found.group(2)) * 4 / 3)
    width, height = int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")
    return round(width * 96 / _PNG_DPI), round(height * 96 / _PNG_DPI)


def _rasterizes(fig: Figure) -> bool:
    """Whether any artist of ``fig`` is drawn as an image (``rasterized``) in a vector file."""
    return any(a.get_rasterized() for ax in fig.axes for a in ax.get_children())


def _laid_out(fig: Figure) -> Bbox | None:
    """Lay out a one-chart figure as constrained layout would, and return the area to save.

    The kit's charts are one set of axes with constrained layout, saved cropped to what they
    show (``bbox_inches="tight"``). Matplotlib does that in five passes over every tick
    label and text: the layout (twice), a silent draw, the crop, then the drawing, with
    three renderers that each measure every text afresh. This places the axes the same way
    (margins from the axes' layout extent plus the layout's pads, twice, as constrained
    layout iterates) with one renderer, takes the crop from the last of those two passes
    when the layout has settled, and leaves the figure without a layout engine, so that
    saving it draws it once. The picture is the same to a millionth of a point (the
    layout's floating-point rounding aside: clip-path ids, which hash coordinates, can
    differ from matplotlib's own).

    Returns None, leaving the figure untouched, for any other figure (several axes, figure
    texts or legends, another layout engine): matplotlib then lays it out and crops it.
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_svg import RendererSVG
    from matplotlib.layout_engine import ConstrainedLayoutEngine
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    engine = fig.get_layout_engine()
    if not isinstance(engine, ConstrainedLayoutEngine) or len(fig.axes) != 1:
        return None
    (ax,) = fig.axes
    spec = ax.get_subplotspec()
    params = engine.get()
    if (
        spec is None
        or spec.get_gridspec().get_geometry() != (1, 1)
        or ax.child_axes
        or ax.get_axes_locator() is not None
        or tuple(params["rect"]) != (0, 0, 1, 1)
        or ax.get_aspect() != "auto"  # (fixed aspects are what "compressed" layout moves)
        or any(a is not fig.patch and a is not ax for a in fig.get_children())
    ):
        return None
    width, height = fig.get_size_inches()
    w_pad, h_pad = params["w_pad"] / width, params["h_pad"] / height
    dpi = fig.dpi
    fig.dpi = 72  # measured in points, as the SVG writer measures
    try:
        renderer = RendererSVG(width * 72, height * 72, io.StringIO())
        to_figure = fig.transFigure.inverted()
        settled = False
        for _ in range(2):
            position = ax.get_position(original=True)
            extent = ax.get_tightbbox(renderer, for_layout_only=True)
            if extent is None:  # an invisible axes: nothing to place
                break
            inner = extent.transformed(to_figure)
            placed = Bbox.from_extents(
                w_pad + position.x0 - inner.x0,
                h_pad + position.y0 - inner.y0,
                1 - (w_pad + inner.x1 - position.x1),
                1 - (h_pad + inner.y1 - position.y1),
            )
            if placed.width <= 0 or placed.height <= 0:
                break  # the margins leave no room: constrained layout leaves the axes too
            settled = bool(abs(placed.get_points() - position.get_points()).max() < 1e-12)
            if settled:
                break
            ax.set_position(placed)
            ax.set_in_layout(True)
        if settled and extent is not None:
            # the layout extent narrows titles and axis labels to a point; the crop needs
            # their whole width
            boxes: list[Bbox] = [extent]
            boxes += [
                t.get_window_extent(renderer)
                for t in ax.get_children()
                if isinstance(t, Text) and t.get_visible()
            ]
            boxes += [
                axis.label.get_window_extent(renderer)
                for axis in (ax.xaxis, ax.yaxis)
                if ax.axison and axis.get_visible() and axis.label.get_visible()
            ]
            content = Bbox.union([b for b in boxes if b.width != 0 or b.height != 0])
            crop = content.transformed(fig.dpi_scale_trans.inverted())
        else:
            crop = fig.get_tightbbox(renderer)
    finally:
        fig.dpi = dpi
    with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)  # laid out: saving draws once, with no layout pass
    return crop.padded(mpl.rcParams["savefig.pad_inches"])


@contextlib.contextmanager
def _measured_once() -> Iterator[None]:
    """While a chart is laid out and saved as SVG, lay out each distinct text once and place
    each axis's ticks once per state of the axis.

    Placing and drawing a chart asks for the layout of every tick label, title and legend
    entry a dozen times over (two layout passes, the title's placement, each axis label's
    placement beside its tick labels, the spines, the crop and the drawing), and every time
    matplotlib looked the font up and measured the text again, and placed and labelled the
    axis's ticks again. A text's layout (its box and lines, before it is moved to its place)
    depends only on what its key below holds: its words, font, the figure's resolution, line
    spacing, alignments and rotation, and how the renderer measures (its class); an axis's
    ticks on its view limits, where the axes stand, the resolution and its locators and
    formatters. So the first answer for each key is kept, for this chart only, and is the very
    one matplotlib would compute again: the SVG is byte for byte the same. Texts that wrap
    (their lines depend on where they stand) or go through TeX are laid out as before.
    The two methods are put back on the way out; a matplotlib that lacks either is left as it
    is. Not for threads that draw at the same time (the kit draws one chart at a time).
    Measured on the large demo's team report: its six charts took about a quarter less CPU
    time.
    """
    from matplotlib.axis import Axis
    from matplotlib.text import Text

    text_class: Any = Text  # the method is matplotlib's own, private: typed as Any
    axis_class: Any = Axis  # likewise
    if not (hasattr(text_class, "_get_layout") and hasattr(axis_class, "_update_ticks")):
        yield  # a matplotlib without them: every text and tick measured as it asks
        return
    lay_out = text_class._get_layout
    kept: dict[tuple[Any, ...], Any] = {}

    def laid_out(text: Any, renderer: Any) -> Any:
        if text.get_wrap() or text.get_usetex():
            return lay_out(text, renderer)
        key = (
            # how it measures: the SVG writer wraps its renderer in a mixed-mode one
            type(getattr(renderer, "_renderer", renderer)),
            text.get_text(),
            text.get_fontproperties().copy(),  # a copy: the key must not change under it
            text.figure.dpi,
            text.get_parse_math(),
            text._linespacing,
            text._multialignment,
            text.get_horizontalalignment(),
            text.get_verticalalignment(),
            text.get_rotation(),
            text.get_rotation_mode(),
        )
        found = kept.get(key)
        if found is None:
            found = kept[key] = lay_out(text, renderer)
        return found

    update_ticks = axis_class._update_ticks
    ticked: dict[int, tuple[Any, tuple[Any, ...], list[Any]]] = {}

    def ticks_updated(axis: Any) -> list[Any]:
        # The ticks, their places and labels follow from the view limits, where the axes
        # stand (how many ticks fit), the resolution and the locators and formatters: asked
        # again with all of them unchanged, the ticks are already placed and labelled.
        key = (
            tuple(axis.get_view_interval()),
            axis.axes.bbox.bounds,
            axis.axes.get_figure(root=True).dpi,
            axis.major.locator,
            axis.major.formatter,
            axis.minor.locator,
            axis.minor.formatter,
        )
        held = ticked.get(id(axis))
        if held is None or held[0] is not axis or held[1] != key:
            held = ticked[id(axis)] = (axis, key, update_ticks(axis))
        return list(held[2])

    text_class._get_layout = laid_out
    axis_class._update_ticks = ticks_updated
    try:
        yield
    finally:
        text_class._get_layout = lay_out
        axis_class._update_ticks = update_ticks


def figure(
    fig: Figure,
    *,
    alt: str,
    caption: str | None = None,
    fmt: Literal["svg", "png"] = "svg",
) -> Fragment:
    """A matplotlib figure as an inline image with alt text; the figure is closed.

    SVG by default (crisp when printed, small for bar and line charts); artists a chart marks
    ``rasterized`` (hundreds of grey lines) are images inside the SVG at 144 dpi; a chart
    whose SVG would still exceed 350 kB (dense scatter plots) is written as a 144 dpi PNG
    instead, which keeps a report under 2 MB. Output is byte-for-byte reproducible.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> f, ax = plt.subplots(figsize=(4, 2)); _ = ax.bar(["a"], [1])
    >>> figure(f, alt="One bar").data.startswith('<figure class="kit-figure"><img src="data:')
    True
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    if not alt or not alt.strip():
        raise ValueError("every chart needs alt text describing what it shows")
    buffer = io.BytesIO()
    try:
        if fmt == "svg":
            with (
                mpl.rc_context({"svg.fonttype": "path", "svg.hashsalt": "crm-adoption-kit"}),
                _measured_once(),
            ):
                crop = _laid_out(fig) or "tight"
                options: dict[str, Any] = {"metadata": {"Date": None}, "bbox_inches": crop}
                if _rasterizes(fig):  # artists drawn as images inside the SVG: the PNG's dpi
                    options["dpi"] = _PNG_DPI
                fig.savefig(buffer, format="svg", **options)
            if buffer.tell() > _MAX_SVG_BYTES:
                fmt, buffer = "png", io.BytesIO()
        if fmt == "png":
            fig.savefig(
                buffer, format="png", dpi=_PNG_DPI, metadata={"Software": None}, bbox_inches="tight"
            )
    finally:
        plt.close(fig)
    width, height = _css_size(buffer.getvalue(), fmt)
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    cap = f"<figcaption>{_esc(caption)}</figcaption>" if caption else ""
    return Fragment(
        f'<figure class="kit-figure"><img src="data:{mime};base64,{data}" alt="{_esc(alt)}" '
        f'width="{width}" height="{height}">{cap}</figure>'
    )


# --------------------------------------------------------------------------- report facts
def _iso_day(name: str, value: object) -> str:
    return parse_day(value, name=name).isoformat()


DEFAULT_METHOD = (
    "Every figure is computed from the client's CRM export by the open-source CRM adoption "
    "kit and scored against the agreed operating standards; definitions are in the appendix."
)


def header(
    *,
    client: str | None,
    title: str,
    as_of: date | datetime | str,
    window_start: date | datetime | str,
    window_end: date | datetime | str,
    data_start: date | datetime | str,
    data_end: date | datetime | str,
    team: str | None = None,
    kit_version: str | None = None,
    method: str | None = None,
    show_pii: bool = False,
    warnings: Sequence[str] = (),
) -> Fragment:
    """Record the facts of the report's branded header and footer; display it once, first.

    In JupyterLab it shows a small title block. In the rendered report
    (:func:`kit.report.render.render_html`) it is replaced by the branded header (client, title,
    team, as-of date, assessment window, the data's first and last dates, optional logo and
    brand colour, and ``warnings`` about the assessment's dates) and the footer (method,
    data date range, kit version). A blank ``client`` shows no client name (never a
    placeholder). ``show_pii`` records whether the notebook ran with unmasked PII; a leader
    report refuses to render such a notebook.

    >>> h = header(client="Acme", title="CRM adoption assessment", team="North",
    ...            as_of="2025-03-31", window_start="2025-01-01", window_end="2025-03-31",
    ...            data_start="2024-06-01", data_end="2025-03-30", kit_version="1.0")
    >>> h.extra[FACTS_MIMETYPE]["as_of"], h.extra[FACTS_MIMETYPE]["team"]
    ('2025-03-31', 'North')
    """
    if kit_version is None:
        from kit._version import __version__ as kit_version
    facts: dict[str, Any] = {
        "client": (str(client).strip() or None) if client is not None else None,
        "title": str(title),
        "team": None if team is None else str(team),
        "as_of": _iso_day("as_of", as_of),
        "window_start": _iso_day("window_start", window_start),
        "window_end": _iso_day("window_end", window_end),
        "data_start": _iso_day("data_start", data_start),
        "data_end": _iso_day("data_end", data_end),
        "kit_version": str(kit_version),
        "method": str(method or DEFAULT_METHOD),
        "show_pii": bool(show_pii),
        "warnings": [str(w) for w in warnings],
    }
    if facts["window_start"] > facts["window_end"]:
        raise ParameterError(
            f"the assessment window starts ({facts['window_start']}) after it ends "
            f"({facts['window_end']})"
        )
    dates = _long_dates(pd.Series([facts[k] for k in ("as_of", "window_start", "window_end")]))
    who = " · ".join(_esc(p) for p in (facts["client"], team) if p)
    preview = (
        f'<div class="kit-header-preview"><strong>{who}</strong><br>'
        f"{_esc(title)}: as of {dates.iloc[0]}, window {dates.iloc[1]} to {dates.iloc[2]}"
        + "".join(f"<br>Warning: {_esc(w)}" for w in facts["warnings"])
        + "</div>"
    )
    return Fragment(preview, extra={FACTS_MIMETYPE: facts})
