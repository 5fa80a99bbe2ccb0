"""Charts for the reports: one call each, one style, plain-language titles and labels.

Every function takes a frame of the results bundle (already aggregated: charts never scan
raw rows, so they cost the same for 30 producers or 3,000) and returns a :class:`Chart`: the
matplotlib figure plus alt text that says what the chart shows, in words, for screen readers
and for anyone reading the report without images. In a notebook a ``Chart`` displays itself
as an inline image.

It stays one module over 500 lines on purpose: every chart shares one theme, one figure
helper and the :class:`Chart` type, and a report's charts are easiest to keep consistent
side by side; each chart is one function of its own.

Examples
--------
>>> import pandas as pd
>>> scores = pd.DataFrame({"scope": ["team", "team"], "team": ["North", "South"],
...                        "score": [82.0, 41.0]})
>>> chart = team_scores(scores)
>>> chart.alt
'Bar chart of adoption scores by team: North 82, South 41.'
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ParamSpec

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.artist import Artist, allow_rasterization
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from kit.formatting import format_of, format_value
from kit.schema import label

__all__ = [
    "PALETTE",
    "STATUS_COLOURS",
    "VERDICT_COLOURS",
    "Chart",
    "adoption_curves",
    "before_after",
    "compliance_heatmap",
    "data_health",
    "lead_source_outcomes",
    "record_curves",
    "score_colour",
    "score_trend",
    "seat_roi",
    "shadow_pipeline",
    "speed_to_lead",
    "team_scores",
]

#: The kit's palette: a calm navy for the subject, greys for context.
PALETTE: dict[str, str] = {
    "primary": "#1f4e79",
    "secondary": "#7aa6c2",
    "muted": "#b8c4ce",
    "text": "#1d2733",
    "grid": "#e6eaee",
}
#: Compliance status colours, used identically in charts and in the HTML template.
STATUS_COLOURS: dict[str, str] = {
    "pass": "#2e7d32",
    "warn": "#e0a100",
    "fail": "#c62828",
    "not_assessed": "#9e9e9e",
    "too_few": "#d5d9dd",
}
_STATUS_ORDER = ("fail", "warn", "pass", "not_assessed")
_P = ParamSpec("_P")

#: Colours of the verdicts of a change (the rest are grey).
VERDICT_COLOURS: dict[str, str] = {
    "improved": STATUS_COLOURS["pass"],
    "worse": STATUS_COLOURS["fail"],
    "mixed": STATUS_COLOURS["warn"],
}
_WIDTH = 8.0  # inches: legible on a laptop at 100 dpi, scales down on phones


def _theme() -> dict[Any, Any]:
    """The kit's chart style as matplotlib settings: seaborn's "whitegrid" look, its
    "notebook" sizes and "deep" palette, with the kit's colours and fonts."""
    from cycler import cycler

    return {
        **sns.axes_style("whitegrid"),
        **sns.plotting_context("notebook"),
        "axes.prop_cycle": cycler(color=sns.color_palette("deep")),
        "font.family": ["DejaVu Sans"],
        "axes.edgecolor": PALETTE["grid"],
        "axes.labelcolor": PALETTE["text"],
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": 11,
        "xtick.color": PALETTE["text"],
        "ytick.color": PALETTE["text"],
        "grid.color": PALETTE["grid"],
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "figure.autolayout": False,
    }


def _styled(chart: Callable[_P, Chart]) -> Callable[_P, Chart]:
    """Draw ``chart`` in the kit's style, inside a settings context: the analyst's own
    matplotlib and seaborn settings are the same before and after (no ``sns.set_theme``)."""

    @functools.wraps(chart)
    def draw(*args: _P.args, **kwargs: _P.kwargs) -> Chart:
        with matplotlib.rc_context(_theme()):
            return chart(*args, **kwargs)

    return draw


def score_colour(score: float | None, *, bands: tuple[float, float] | None = None) -> str:
    """Colour of an adoption score on the red / amber / green scale (``bands``: where amber
    and green start; default the kit's, the standards file may set others).

    >>> score_colour(85), score_colour(60), score_colour(20), score_colour(None)
    ('#2e7d32', '#e0a100', '#c62828', '#9e9e9e')
    >>> score_colour(80, bands=(60, 90))
    '#e0a100'
    """
    from kit.report.present import SCORE_BANDS  # one definition of the bands for charts and cards

    if score is None or pd.isna(score):
        return STATUS_COLOURS["not_assessed"]
    amber, green = bands or SCORE_BANDS
    if score >= green:
        return STATUS_COLOURS["pass"]
    if score >= amber:
        return STATUS_COLOURS["warn"]
    return STATUS_COLOURS["fail"]


@dataclass
class Chart:
    """A finished chart: the figure, the alt text that describes it in words and, when the
    chart needs one to be read, a caption shown under it."""

    figure: Figure
    alt: str
    caption: str | None = None
    _html: str | None = field(default=None, repr=False)

    def _repr_html_(self) -> str:
        if self._html is None:
            from kit.report.present import figure as _figure

            self._html = _figure(self.figure, alt=self.alt, caption=self.caption).data
        return self._html


#: The least height (inches) a chart gets: a title, a legend and one bar need this much, or
#: constrained layout collapses the axes to nothing (a one-source bar chart did).
_MIN_HEIGHT = 2.2


def _figure(height: float) -> tuple[Figure, Any]:
    fig, ax = plt.subplots(figsize=(_WIDTH, max(height, _MIN_HEIGHT)), layout="constrained")
    return fig, ax


#: Past this many grey context lines, a chart draws them as one image inside its SVG (its
#: texts, axes and the highlighted line stay vector shapes): 551 teams' lines as vector paths
#: made a 650 kB SVG, which :func:`kit.report.present.figure` then drew again as a PNG
#: (0.25 s of a 550-team organization's team report, for a blurrier chart). 57 teams' lines
#: take 110 kB.
_RASTERIZED_LINES = 100


def _context_lines(ax: Any, lines: Sequence[np.ndarray]) -> None:
    """The other teams' curves behind a highlighted one: thin grey lines, drawn as one
    collection (one artist to lay out and draw instead of one per team) styled as
    ``ax.plot`` would style them; past :data:`_RASTERIZED_LINES`, as an image."""
    from matplotlib.collections import LineCollection

    if not lines:
        return
    ax.add_collection(
        LineCollection(
            lines,
            colors=PALETTE["muted"],
            linewidths=1.0,
            capstyle=matplotlib.rcParams["lines.solid_capstyle"],
            joinstyle=matplotlib.rcParams["lines.solid_joinstyle"],
            zorder=2,
            rasterized=len(lines) > _RASTERIZED_LINES,
        )
    )


def _percent_axis(axis: Any) -> None:
    axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))


def _count_axis(axis: Any) -> None:
    """Ticks at whole numbers only, for an axis of counts (loans, seats): matplotlib's own
    choice of ticks otherwise, which on counts up to 1 or 2 falls between whole numbers (a
    loans axis read "0 0 0 1 1" once rounded)."""
    axis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))


def _join(parts: Sequence[str], limit: int = 12) -> str:
    parts = list(parts)
    if len(parts) > limit:
        parts = [*parts[:limit], f"and {len(parts) - limit} more"]
    return ", ".join(parts)


def _pct(value: float) -> str:
    return format_value(value, "share", missing="no data")


def _empty(title: str, message: str) -> Chart:
    """A chart with nothing to draw: its title and why, wrapped to the chart's width."""
    import textwrap

    lines = textwrap.wrap(message, width=80) or [""]
    fig, ax = _figure(1.3 + 0.25 * len(lines))
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(
        0.0,
        0.5,
        "\n".join(lines),
        transform=ax.transAxes,
        fontsize=11,
        color=PALETTE["text"],
        va="center",
    )
    return Chart(fig, f"{title}: {message}")


# --------------------------------------------------------------------------- adoption
#: The days since launch the adoption curves mark with dashed lines.
_DAY_MARKS: tuple[int, ...] = (30, 60, 90)
#: Size (points) of the lines' labels, and the least white space (points) between two labels.
_LINE_LABEL_SIZE = 9.0
_LABEL_GAP = 4.5
#: Rows (heights, share of the y axis) for the labels of the marks: ten rows up to 0.87, under
#: the day labels at 1.02.
_MARK_ROWS: tuple[float, ...] = tuple(0.06 + 0.09 * row for row in range(10))


def _day_labels_fit(points_per_week: float, widths: Sequence[float]) -> bool:
    """Whether labels centred on the day lines (``_DAY_MARKS``, 30 days apart) clear each other.

    ``points_per_week`` is how wide a week is on the axes and ``widths`` the labels' widths,
    in points. Two neighbouring labels clear each other when their lines are at least half
    of each label plus ``_LABEL_GAP`` (4.5 points) apart.

    >>> _day_labels_fit(7.0, [25.5, 25.5, 25.5])  # 30 days = 30 points = 12.75 + 12.75 + 4.5
    True
    >>> _day_labels_fit(7.0, [25.5, 25.5, 26.0])  # day 60 and day 90 need 30.25 points
    False
    """
    spacing = 30 * points_per_week / 7
    return all(spacing >= (a + b) / 2 + _LABEL_GAP for a, b in itertools.pairwise(widths))


class _LineLabels(Artist):
    """The labels of the adoption curves' vertical lines, placed when the chart is drawn.

    Where they fit depends on the axes' width, known only once the figure is laid out (the
    legend beside the axes takes what the team names need), so each drawing places them
    from the axes as drawn, without a layout pass of its own:

    - the day lines: "day 30", "day 60", "day 90" over each line when the labels clear each
      other (:func:`_day_labels_fit`, from the axis span and the axes' width), otherwise one
      label "days 30, 60, 90" centred over the day-60 line, moved right just enough to stay
      inside the axes;
    - the marks (``(days since launch, label)``): each label right of its line, or left of it
      when it would run past the axes' right edge (ending at that edge when it fits on
      neither side), in the lowest of the ``_MARK_ROWS`` where it clears the labels already
      there by ``_LABEL_GAP`` (if none, the row whose labels end furthest left).

    The labels are made with the chart (in the kit's style) and measured with the fonts that
    draw them, so the same chart always gets the same labels; they stay inside the axes, so
    the layout need not make room for them. ``drawn`` holds the labels of the last drawing.
    """

    def __init__(self, ax: Any, marks: Sequence[tuple[int, str]]) -> None:
        super().__init__()
        self.set_zorder(3)  # as the axes' texts
        self.set_in_layout(False)

        def text(x: float, y: float, words: str, colour: str, ha: str) -> Text:
            # as ``ax.text`` makes it, without adding it to the axes
            made = Text(x, y, words, fontsize=_LINE_LABEL_SIZE, color=colour, ha=ha, va="baseline")
            made.set_clip_on(False)
            made.set_transform(ax.transData)
            made.set_clip_path(ax.patch)
            made.set_figure(ax.figure)
            made.axes = ax
            return made

        self.days = [text(d / 7, 1.02, f"day {d}", PALETTE["text"], "center") for d in _DAY_MARKS]
        combined = "days " + ", ".join(str(day) for day in _DAY_MARKS)
        self.combined = text(_DAY_MARKS[1] / 7, 1.02, combined, PALETTE["text"], "center")
        self.marks = [
            (day / 7, text(0, 0, words, PALETTE["primary"], "left")) for day, words in marks
        ]
        self.drawn: list[Text] = []

    @allow_rasterization
    def draw(self, renderer: Any) -> None:
        if not self.get_visible():
            return
        ax: Any = self.axes
        left, right = ax.get_xlim()
        points = renderer.points_to_pixels(1.0)  # display units in a point
        per_week = float(ax.bbox.width) / points / (right - left)  # points in a week
        if per_week <= 0:  # axes laid out to nothing: no room for any label
            self.drawn = []
            return

        def width(text: Text) -> float:  # points
            return float(text.get_window_extent(renderer).width) / points

        if _day_labels_fit(per_week, [width(text) for text in self.days]):
            self.drawn = list(self.days)
        else:
            self.combined.set_x(max(_DAY_MARKS[1] / 7, left + width(self.combined) / 2 / per_week))
            self.drawn = [self.combined]
        gap = _LABEL_GAP / per_week
        rows: list[list[tuple[float, float]]] = [[] for _ in _MARK_ROWS]  # extents, in weeks
        for line, text in self.marks:
            span, start = width(text) / per_week, line + 0.3
            if start + span > right:
                start = line - 0.3 - span if line - 0.3 - span >= left else right - span
            free = [
                i
                for i, row in enumerate(rows)
                if all(start + span + gap <= a or b <= start - gap for a, b in row)
            ]
            ends = [max((b for _, b in row), default=left) for row in rows]
            row = free[0] if free else ends.index(min(ends))
            rows[row].append((start, start + span))
            text.set_position((start, _MARK_ROWS[row]))
            self.drawn.append(text)
        for text in self.drawn:
            text.draw(renderer)
        self.stale = False


#: Teams a chart can tell apart by colour: the colours of seaborn's "colorblind" palette.
_TEAM_COLOURS = len(sns.color_palette("colorblind"))


def _organization_share(weekly: pd.DataFrame, *, active: str) -> pd.Series:
    """The whole organization's share each week since launch: the producers ``active`` that
    week (a column of counts) summed over the teams, over the producers seated that week
    summed over the teams; indexed by week number, in week order.

    Week numbers are comparable across teams: every team's week 1 starts on the one launch
    date of the organization (:mod:`kit.diagnostics.adoption`), so each sum adds the same
    seven days of every team. A team with no row for a week adds nothing to that week; a
    week with no producer seated in any team has no share and is left out, as a team's is.

    >>> weekly = pd.DataFrame({"team": ["A", "A", "B"], "week_number": [1, 2, 1],
    ...                        "producers": [4, 4, 6], "active_producers": [1, 2, 6]})
    >>> _organization_share(weekly, active="active_producers").to_dict()  # (1 + 6) / (4 + 6)
    {1: 0.7, 2: 0.5}
    """
    totals = weekly.groupby("week_number", sort=True)[[active, "producers"]].sum()
    totals = totals[totals["producers"] > 0]
    return totals[active] / totals["producers"]


@_styled
def adoption_curves(
    weekly: pd.DataFrame,
    *,
    highlight: str | None = None,
    teams: Sequence[str] | None = None,
    column: str = "share_active",
    active: str = "active_producers",
    title: str = "Producers logging their own work since launch (4-week average)",
    ylabel: str = "Producers active that week",
    marks: Sequence[tuple[int, str]] = (),
) -> Chart:
    """Share of producers active each week since launch (4-week average), one line per team.

    ``weekly`` is the results' weekly trajectory (team, week_number, share_active); each
    point averages the week with the three before it, so a team of six producers reads as a
    trend rather than noise. With
    ``highlight`` that team is drawn in the primary colour and the others in grey, so a team
    report shows its curve against the rest of the organization. Without it each team has a
    colour of its own, up to the palette's ten; past ten a colour no longer names a team, so
    every team is a thin grey line and the whole organization's curve (of the ``teams``
    given, named so; producers ``active`` summed over them over producers summed, each week:
    :func:`_organization_share`, then the same 4-week average) is drawn in the primary
    colour. ``column``, ``active``, ``title`` and ``ylabel`` draw another weekly share, and
    the count it is the share of, the same way (:func:`record_curves`); ``marks`` are
    ``(days since launch, label)`` pairs drawn as labelled vertical lines (a baseline's as-of
    date, the day a standard was required). Dashed lines mark days 30, 60 and 90, each
    labelled, or under one label "days 30, 60, 90" when the weeks shown are too narrow for
    three; labels never overlap (:class:`_LineLabels`).
    """
    if column != "share_active":
        weekly = weekly.rename(columns={column: "share_active"})
    data = weekly.dropna(subset=["share_active"]).sort_values(["team", "week_number"])
    if teams is not None:
        data = data[data["team"].isin(teams)]
    if data.empty:
        return _empty(title, "no weeks since launch to show")
    curves = _four_week_curves(data)
    fig, ax = _figure(3.6)
    names = list(curves)
    palette = sns.color_palette("colorblind", n_colors=max(len(names), 1))
    crowded = highlight is None and len(names) > _TEAM_COLOURS
    organization: tuple[np.ndarray, np.ndarray] | None = None
    # the organization's line: its name in the legend and alt text, and in the caption
    together, together_words = (
        ("Whole organization", "the whole organization")
        if teams is None
        else (f"The {len(names)} teams together", f"the {len(names)} teams together")
    )
    if crowded:
        share = _organization_share(data, active=active)
        organization = (
            share.index.to_numpy(),
            share.rolling(4, min_periods=1).mean().to_numpy(),
        )
        ax.plot(
            *organization,
            color=PALETTE["primary"],
            linewidth=3.0,
            zorder=3,
            label=together,
        )
        _context_lines(ax, [np.column_stack(xy) for xy in curves.values()])
        ax.plot([], [], color=PALETTE["muted"], linewidth=1.0, label=f"Each team ({len(names)})")
    elif highlight is None:
        for i, name in enumerate(names):
            x, y = curves[name]
            ax.plot(x, y, color=palette[i % len(palette)], linewidth=2.0, label=name)
    else:
        _context_lines(ax, [np.column_stack(xy) for n, xy in curves.items() if n != highlight])
        if highlight in curves:
            x, y = curves[highlight]
            ax.plot(x, y, color=PALETTE["primary"], linewidth=3.0, label=highlight, zorder=3)
    if highlight is not None and len(names) > 1:
        ax.plot([], [], color=PALETTE["muted"], linewidth=1.0, label="Other teams")
    for day in _DAY_MARKS:
        ax.axvline(day / 7, color=PALETTE["grid"], linewidth=1.0, linestyle="--", zorder=0)
    for day, _ in marks:
        ax.axvline(day / 7, color=PALETTE["secondary"], linewidth=1.4, linestyle=":", zorder=1)
    ax.set_ylim(0, 1.08)
    _percent_axis(ax.yaxis)
    ax.set_xlabel("Weeks since the CRM launch")
    ax.set_ylabel(ylabel)
    ax.set_title(title, pad=18)
    legend_teams = len(names) if highlight is None and not crowded else 2
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
        fontsize=9,
        ncols=1 if legend_teams < 12 else 2,
    )
    ax.add_artist(_LineLabels(ax, marks))
    focus = [highlight] if highlight is not None else names
    described = [f"marked: {text} (day {day})" for day, text in marks]
    described_curves = (
        [(together, organization)]
        if organization is not None
        else [(name, curves[name]) for name in focus if name in curves]
    )
    for name, (weeks, shares) in described_curves:
        described.append(
            f"{name} {_pct(shares[0])} in week {int(weeks[0])} and "
            f"{_pct(shares[-1])} in week {int(weeks[-1])}"
        )
    caption = None
    if crowded:
        described.append(f"each of the {len(names)} teams a grey line")
        caption = (
            f"Each grey line is one of the {len(names)} teams. The blue line is "
            f"{together_words}: the producers of every team counted together each week (a "
            "large team weighs more than a small one), averaged over 4 weeks as each team's is."
        )
    return Chart(fig, f"Line chart: {title}. {_join(described)}.", caption)


def _four_week_curves(data: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each team's curve, by team name in sorted order: its weeks and its share averaged over
    the week and the three before it (fewer at the start).

    ``data``: team, week_number, share_active, in week order within each team. One rolling
    pass over every team's rows (a report draws every other team's curve: 550 of them at the
    xlarge scale), each team's window kept to its own rows, the same numbers as rolling over
    each team on its own.

    >>> d = pd.DataFrame({"team": ["South", "North", "North", "North", "South"],
    ...                   "week_number": [0, 0, 1, 2, 1],
    ...                   "share_active": [1.0, 0.2, 0.4, 0.9, 0.0]})
    >>> {t: (w.tolist(), s.round(2).tolist()) for t, (w, s) in _four_week_curves(d).items()}
    {'North': ([0, 1, 2], [0.2, 0.3, 0.5]), 'South': ([0, 1], [1.0, 0.5])}
    """
    names, codes = np.unique(data["team"].astype(str).to_numpy(), return_inverse=True)
    order = np.argsort(codes, kind="stable")  # each team's rows together, still in week order
    codes = codes[order]
    shares = (
        pd.Series(data["share_active"].to_numpy(dtype="float64")[order])
        .groupby(codes, sort=False)
        .rolling(4, min_periods=1)
        .mean()
        .to_numpy()  # the teams' rows stay together, so in the order given
    )
    weeks = data["week_number"].to_numpy()[order]
    bounds = np.searchsorted(codes, np.arange(len(names) + 1))
    return {
        str(name): (weeks[bounds[i] : bounds[i + 1]], shares[bounds[i] : bounds[i + 1]])
        for i, name in enumerate(names)
    }


def record_curves(
    record_weekly: pd.DataFrame,
    *,
    highlight: str | None = None,
    teams: Sequence[str] | None = None,
) -> Chart:
    """Share of producers who created or updated CRM records each week since launch (4-week
    average), one line per team: adoption read from record dates, the weaker signal."""
    return adoption_curves(
        record_weekly,
        highlight=highlight,
        teams=teams,
        column="share_with_records",
        active="producers_with_records",
        title="Producers creating or updating records since launch, by records (4-week average)",
        ylabel="Producers with records that week",
    )


# --------------------------------------------------------------------------- follow-up
SPEED_BANDS: tuple[str, ...] = ("5 minutes", "1 hour", "24 hours", "later", "never")
#: How each exclusive band reads on the chart: the bars add up to every lead, so they are
#: labelled as ranges, not as the cumulative "within 1 hour" of the measures table.
SPEED_LABELS: dict[str, str] = {
    "5 minutes": "within 5 minutes",
    "1 hour": "5 to 60 minutes",
    "24 hours": "1 to 24 hours",
    "later": "after 24 hours",
    "never": "never touched",
}


@_styled
def speed_to_lead(speed: pd.DataFrame, *, team: str) -> Chart:
    """How fast new leads got a first human touch: each lead in exactly one band.

    The bands are exclusive and labelled as ranges (``5 to 60 minutes``); each bar says its
    share and its count (``2% (3 of 146)``). The measures table's "within 1 hour" is the sum
    of the first two bars.
    """
    title = f"How fast {team}'s new leads got a first human touch"
    rows = speed[speed["team"].astype(str) == team]
    if rows.empty or rows["leads"].sum() == 0:
        return _empty(title, "no new leads in the window")
    rows = rows.set_index(rows["band"].astype(str)).reindex(list(SPEED_BANDS)).fillna(0)
    total = float(rows["leads"].sum())
    share = rows["leads"] / total
    fig, ax = _figure(2.8)
    colours = [
        PALETTE["primary"],
        PALETTE["secondary"],
        PALETTE["muted"],
        "#e7b0a8",
        STATUS_COLOURS["fail"],
    ]
    bands = [SPEED_LABELS[b] for b in SPEED_BANDS]
    texts = [
        f"{format_value(v, 'share')} ({format_of(n, total)})"
        for v, n in zip(share.to_numpy(), rows["leads"].to_numpy(), strict=True)
    ]
    bars = ax.barh(bands[::-1], share.to_numpy()[::-1], color=colours[::-1])
    for bar, text in zip(bars, texts[::-1], strict=True):
        ax.text(
            bar.get_width() + 0.01,
            bar.get_y() + bar.get_height() / 2,
            text,
            va="center",
            fontsize=10,
        )
    ax.set_xlim(0, 1.25)
    _percent_axis(ax.xaxis)
    ax.set_xlabel("Share of new leads (each lead in one band)")
    ax.set_title(title)
    alt = "; ".join(f"{b} {t}" for b, t in zip(bands, texts, strict=True))
    return Chart(fig, f"Bar chart: {title}, each lead in one band: {alt}.")


# --------------------------------------------------------------------------- marketing
@_styled
def lead_source_outcomes(
    sources: pd.DataFrame, *, team: str | None = None, los_funded: int | None = None
) -> Chart:
    """Applications and funded CRM loans by lead source (the whole organization without
    ``team``), for contacts created in the window.

    ``los_funded`` (funded LOS loans in the window, when an LOS export was given) keeps an
    empty chart honest: CRM loans absent while the LOS shows funded loans is the shadow
    pipeline, not "no loans".
    """
    who = team or "the organization"
    title = "Applications and funded loans in the CRM by lead source"
    rows = sources if team is None else sources[sources["team"].astype(str) == team]
    if rows.empty:
        return _empty(title, "no new contacts with their loans in the window to show")
    totals = (
        rows.assign(source=rows["lead_source"].map(label))
        .groupby("source", observed=True)[["applications", "funded"]]
        .sum()
        .sort_values(["funded", "applications"], ascending=False)
    )
    if totals.to_numpy().sum() == 0:
        contacts = int(rows["contacts"].sum()) if "contacts" in rows else 0
        message = (
            f"none of the {contacts:,} contacts created in the window has a CRM loan at "
            "application or funded"
        )
        if los_funded:
            message += (
                f", while the LOS shows {los_funded:,} funded loans: work outside the CRM "
                "(see the shadow pipeline)"
            )
        return _empty(title, message)
    fig, ax = _figure(0.9 + 0.38 * len(totals))
    # a pair of bars per source, applications above funded, in the colours seaborn's
    # barplot gave them (its default 75% saturation): drawn directly, at a tenth of the cost
    y = np.arange(len(totals))
    for shift, column, name, colour in (
        (-0.2, "applications", "Applications", PALETTE["secondary"]),
        (0.2, "funded", "Funded", PALETTE["primary"]),
    ):
        ax.barh(
            y + shift,
            totals[column].to_numpy(),
            height=0.4,
            color=sns.desaturate(colour, 0.75),
            label=name,
        )
    ax.set_yticks(y, totals.index.astype(str))
    ax.set_ylim(len(totals) - 0.5, -0.5)
    ax.yaxis.grid(False)
    ax.set_xlabel("Loans")
    _count_axis(ax.xaxis)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.legend(title=None, frameon=False, loc="lower right")
    ax.set_title(title)
    parts = [
        f"{s}: {int(r.applications):,} applications, {int(r.funded):,} funded"
        for s, r in totals.iterrows()
    ]
    return Chart(fig, f"Bar chart: {title} ({who}). {_join(parts, 8)}.")


# --------------------------------------------------------------------------- reconciliation
@_styled
def shadow_pipeline(shadow: pd.DataFrame, *, team: str | None = None) -> Chart:
    """Funded LOS loans that are in the CRM vs missing from it, per team or per producer."""
    by = "team" if team is None else "producer_name"
    who = "each team" if team is None else f"{team}'s producers"
    title = f"Funded loans in the CRM vs missing from it, {who}"
    rows = shadow if team is None else shadow[shadow["team"].astype(str) == team]
    if by not in rows.columns or rows.empty or rows["funded_los_loans"].sum() == 0:
        return _empty(title, "no funded loans in the LOS export for this window")
    totals = (
        rows.groupby(rows[by].astype(str))[["in_crm", "missing"]]
        .sum()
        .assign(total=lambda t: t["in_crm"] + t["missing"])
        .sort_values(["total", "missing"], ascending=[True, True])
    )
    fig, ax = _figure(0.9 + 0.32 * len(totals))
    ax.barh(totals.index, totals["in_crm"], color=PALETTE["primary"], label="In the CRM")
    ax.barh(
        totals.index,
        totals["missing"],
        left=totals["in_crm"],
        color=STATUS_COLOURS["fail"],
        label="Missing from the CRM",
    )
    ax.set_xlabel("Funded loans (LOS)")
    _count_axis(ax.xaxis)
    ax.legend(frameon=False, loc="lower right")
    ax.set_title(title)
    missing = int(totals["missing"].sum())
    total = int(totals["total"].sum())
    worst = totals.sort_values("missing", ascending=False).head(3)
    parts = [f"{n} {int(r.missing):,} of {int(r.total):,} missing" for n, r in worst.iterrows()]
    return Chart(
        fig,
        f"Stacked bar chart: {title}. {missing:,} of {total:,} funded "
        f"loans are missing from the CRM; most: {_join(parts)}.",
    )


# --------------------------------------------------------------------------- seat ROI
@_styled
def seat_roi(roi: pd.DataFrame, *, active_days: int | None = None) -> Chart:
    """Seats paid for vs seats in use, per team: the gap is the idle seats, the same count as
    the seat table and the idle-seat finding."""
    window = f"the last {active_days} days" if active_days else "the seat window"
    title = f"Seats paid for vs seats in use in {window}"
    if roi.empty:
        return _empty(title, "no seats recorded")
    rows = roi.sort_values("seats")
    names = rows["team"].astype(str)
    fig, ax = _figure(0.9 + 0.32 * len(rows))
    ax.barh(names, rows["seats"], color=PALETTE["muted"], label="Seats paid for")
    ax.barh(
        names,
        rows["active_seats"],
        color=PALETTE["primary"],
        height=0.5,
        label="Seats in use",
    )
    ax.set_xlabel("Seats")
    _count_axis(ax.xaxis)
    ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2)
    ax.set_title(title, pad=26)
    parts = [
        f"{n} {int(s)} seats, {int(a)} in use, {int(s) - int(a)} idle"
        for n, s, a in zip(names, rows["seats"], rows["active_seats"].fillna(0), strict=True)
    ]
    return Chart(fig, f"Bar chart: {title}: {_join(parts)}.")


# --------------------------------------------------------------------------- scores
@_styled
def team_scores(scores: pd.DataFrame, *, bands: tuple[float, float] | None = None) -> Chart:
    """Adoption score of every team, coloured on the red / amber / green scale (``bands``:
    the standards' amber and green thresholds). A team whose score rests on too little of
    the standards reads "not enough evidence", with no bar."""
    title = "Adoption score by team (0-100)"
    rows = scores[scores["scope"] == "team"].sort_values(
        ["score", "team"], ascending=[True, True], na_position="first"
    )
    if rows.empty:
        return _empty(title, "no teams assessed")
    fig, ax = _figure(0.9 + 0.36 * len(rows))
    values = rows["score"].fillna(0).to_numpy()
    colours = [score_colour(s, bands=bands) for s in rows["score"]]
    ax.barh(rows["team"].astype(str), values, color=colours)
    for y, score in enumerate(rows["score"]):
        ax.text(
            (0 if pd.isna(score) else score) + 1,
            y,
            format_value(score, "score", missing="not enough evidence"),
            va="center",
            fontsize=10,
        )
    ax.set_xlim(0, 108)
    ax.set_xlabel("Adoption score")
    ax.set_title(title)
    ordered = rows.sort_values(["score", "team"], ascending=[False, True])
    parts = [
        f"{t} {format_value(s, 'score', missing='not enough evidence')}"
        for t, s in zip(ordered["team"].astype(str), ordered["score"], strict=True)
    ]
    return Chart(fig, f"Bar chart of adoption scores by team: {_join(parts, 60)}.")


@_styled
def compliance_heatmap(
    compliance: pd.DataFrame, *, rule_labels: dict[str, str] | None = None
) -> Chart:
    """Team x rule grid of pass / warn / fail (grey: not assessed)."""
    title = "Which standards each team meets"
    rows = compliance[compliance["scope"] == "team"]
    if rows.empty:
        return _empty(title, "no standards assessed")
    codes = {
        status: i for i, status in enumerate(("pass", "warn", "fail", "not_assessed", "too_few"))
    }
    grid = rows.assign(code=rows["status"].map(codes)).pivot_table(
        index="team", columns="rule_id", values="code", aggfunc="first", observed=True
    )
    grid.index = grid.index.astype(str)
    names = rule_labels or {}
    fig, ax = _figure(1.6 + 0.34 * len(grid))
    cmap = matplotlib.colors.ListedColormap([STATUS_COLOURS[s] for s in codes])
    ax.imshow(
        grid.to_numpy(dtype=float), cmap=cmap, vmin=-0.5, vmax=len(codes) - 0.5, aspect="auto"
    )
    ax.set_xticks(
        range(grid.shape[1]),
        [names.get(r, r) for r in grid.columns],
        rotation=35,
        ha="right",
        fontsize=9,
    )
    ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=9)
    ax.grid(False)
    ax.set_xticks(np.arange(-0.5, grid.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, grid.shape[0]), minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    words = {"too_few": "too few to judge"}
    handles = [
        matplotlib.patches.Patch(color=STATUS_COLOURS[s], label=words.get(s, s.replace("_", " ")))
        for s in codes
    ]
    ax.legend(
        handles=handles, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9
    )
    ax.set_title(title)
    counts = rows.groupby(rows["team"].astype(str))["status"].apply(
        lambda s: (
            f"{(s == 'pass').sum()} pass, {(s == 'warn').sum()} warn, {(s == 'fail').sum()} fail"
            + (f", {(s == 'too_few').sum()} too few to judge" if (s == "too_few").any() else "")
            + (
                f", {(s == 'not_assessed').sum()} not assessed"
                if (s == "not_assessed").any()
                else ""
            )
        )
    )
    parts = [f"{t}: {c}" for t, c in counts.items()]
    return Chart(fig, f"Grid of standards met per team: {_join(parts, 60)}.")


# --------------------------------------------------------------------------- data quality
@_styled
def data_health(quality: pd.DataFrame, *, team: str, limit: int = 10) -> Chart:
    """Share of the team's records passing each data-quality check: the ``limit`` weakest.

    A check run on fewer records than the evidence minimum is too few to judge, so it is
    not ranked among the weakest (the alt text says how many were left out).
    """
    from kit.diagnostics.evidence import MIN_DENOMINATOR

    title = f"Data quality: {team}'s weakest checks"
    mine = quality[(quality["team"].astype(str) == team) & (quality["records"] > 0)]
    rows = mine[mine["records"] >= MIN_DENOMINATOR]
    few = len(mine) - len(rows)
    left_out = (
        f" ({few} {'check' if few == 1 else 'checks'} on fewer than {MIN_DENOMINATOR} records "
        "left out: too few to judge)"
        if few
        else ""
    )
    if rows.empty:
        message = "no check ran on enough records to judge" if few else "no records to check"
        return _empty(title, message)
    text = rows["check"].astype(str).str.replace("_", " ")
    names = text.str[:1].str.upper() + text.str[1:]
    repeated = names.duplicated(keep=False)
    names = names.where(~repeated, names + " (" + rows["table"].astype(str) + ")")
    rows = rows.assign(name=names).sort_values(["share_ok", "name"]).head(limit)
    fig, ax = _figure(0.9 + 0.34 * len(rows))
    y = np.arange(len(rows))[::-1]
    ax.barh(y, rows["share_ok"], color=[score_colour(v * 100) for v in rows["share_ok"]])
    ax.set_yticks(y, rows["name"])
    ax.set_xlim(0, 1.12)
    _percent_axis(ax.xaxis)
    for position, value in zip(y, rows["share_ok"], strict=True):
        ax.text(value + 0.01, position, _pct(value), va="center", fontsize=9)
    ax.set_xlabel("Records with no issue")
    ax.set_title(title)
    parts = [f"{n} {_pct(v)}" for n, v in zip(rows["name"], rows["share_ok"], strict=True)]
    return Chart(
        fig, f"Bar chart: {title}, share of records with no issue: {_join(parts)}{left_out}."
    )


# --------------------------------------------------------------------------- change
@_styled
def before_after(rows: pd.DataFrame, *, title: str, before: str, after: str) -> Chart:
    """Each standard then and now: one row per standard, a line from its value before
    (hollow) to its value after (filled, green when improved, red when worse, navy
    otherwise).

    ``rows``: label, before, after (shares, 0-1) and verdict; optional comparison_before and
    comparison_after draw the comparison group's change as a thin grey line under it.
    ``before`` and ``after`` name the two sides ("Aug 3, 2025", "now").

    >>> r = pd.DataFrame({"label": ["Next step"], "before": [0.18], "after": [0.79],
    ...                   "verdict": ["improved"]})
    >>> before_after(r, title="Then and now", before="before", after="after").alt
    'Dot chart: Then and now. Next step 18% before, 79% after (improved).'
    """
    rows = rows.dropna(subset=["before", "after"], how="all")
    if rows.empty:
        return _empty(title, "no standard measured on both sides")
    fig, ax = _figure(1.1 + 0.42 * len(rows))
    y = np.arange(len(rows))[::-1]
    comparison = "comparison_before" in rows and rows["comparison_before"].notna().any()
    for pos, row in zip(y, rows.itertuples(index=False), strict=True):
        colour = VERDICT_COLOURS.get(str(row.verdict), PALETTE["primary"])
        if comparison and pd.notna(row.comparison_before):
            ax.plot(
                [row.comparison_before, row.comparison_after],
                [pos - 0.22, pos - 0.22],
                color=PALETTE["muted"],
                linewidth=1.5,
                marker="o",
                markersize=4,
            )
        ax.plot([row.before, row.after], [pos, pos], color=colour, linewidth=2.2, zorder=2)
        ax.scatter([row.before], [pos], s=60, facecolors="white", edgecolors=colour, zorder=3)
        ax.scatter([row.after], [pos], s=60, color=colour, zorder=3)
        for value, align in ((row.after, "left"), (row.before, "right")):
            if pd.notna(value):
                shift = 0.02 if align == "left" else -0.02
                if pd.notna(row.before) and pd.notna(row.after) and row.after < row.before:
                    shift, align = -shift, "right" if align == "left" else "left"
                ax.text(value + shift, pos + 0.18, _pct(value), ha=align, fontsize=9)
    ax.set_yticks(y, rows["label"].astype(str))
    ax.set_xlim(-0.08, 1.12)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    _percent_axis(ax.xaxis)
    ax.set_title(title)
    handles = [
        matplotlib.lines.Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor="white",
            markeredgecolor=PALETTE["primary"],
            label=before,
        ),
        matplotlib.lines.Line2D(
            [], [], marker="o", linestyle="", color=PALETTE["primary"], label=after
        ),
    ]
    if comparison:
        handles.append(
            matplotlib.lines.Line2D(
                [], [], color=PALETTE["muted"], marker="o", markersize=4, label="teams not required"
            )
        )
    ax.legend(
        handles=handles, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9
    )
    parts = [
        f"{r.label} {_pct(r.before)} {before}, {_pct(r.after)} {after} ({r.verdict})"
        for r in rows.itertuples(index=False)
    ]
    return Chart(fig, f"Dot chart: {title}. {_join(parts, 30)}.")


@_styled
def score_trend(
    history: pd.DataFrame,
    *,
    highlight: str | None = None,
    dates: dict[str, str] | None = None,
    organization: pd.DataFrame | None = None,
) -> Chart:
    """Adoption score of every team at each assessment, one line per team.

    ``history``: team, as_of (the assessment's ISO date), score; ``dates`` names the dates
    on the axis (``{"2025-08-03": "Aug 3, 2025"}``; default: as given). With ``highlight``
    that team is drawn in the primary colour and the others in grey, under a two-entry
    legend. Without it each team has a colour of its own, up to the palette's ten; past ten
    a colour no longer names a team, so every team is a thin grey line and the
    ``organization``'s score at each assessment (as_of, score: the results' organization
    row), when given, is drawn in the primary colour as "Whole organization"; without it
    the alt text names the lowest and the highest team at the last assessment.

    >>> h = pd.DataFrame({"team": ["North", "North"], "as_of": ["2025-08-03", "2025-10-31"],
    ...                   "score": [23.0, 57.0]})
    >>> score_trend(h).alt.split(". ")[1]
    'North 23 on 2025-08-03, 57 on 2025-10-31.'
    """
    title = "Adoption score by team at each assessment"
    data = history.dropna(subset=["score"]).sort_values(["team", "as_of"])
    if data.empty:
        return _empty(title, "no team scored twice")
    days = sorted(data["as_of"].astype(str).unique())
    x = {d: i for i, d in enumerate(days)}
    names_of = dates or {}
    fig, ax = _figure(3.4)
    names = sorted(data["team"].astype(str).unique())
    palette = sns.color_palette("colorblind", n_colors=max(len(names), 1))
    crowded = highlight is None and len(names) > _TEAM_COLOURS
    whole = (
        organization.dropna(subset=["score"])
        .assign(as_of=lambda f: f["as_of"].astype(str))
        .loc[lambda f: f["as_of"].isin(x)]
        .sort_values("as_of")
        if crowded and organization is not None
        else None
    )
    if whole is not None and whole.empty:
        whole = None
    grey = {"color": PALETTE["muted"], "linewidth": 1.0, "markersize": 3.0}
    greyed = len(names) - (highlight in names) if highlight is not None or crowded else 0
    as_image: list[np.ndarray] = []  # past _RASTERIZED_LINES grey teams: one image
    by_team = data.groupby(data["team"].astype(str), sort=True)  # in the order of ``names``
    for i, (name, rows) in enumerate(by_team):
        xs, ys = rows["as_of"].astype(str).map(x), rows["score"]
        if highlight is None and not crowded:
            ax.plot(xs, ys, marker="o", label=name, color=palette[i % len(palette)], linewidth=2.0)
        elif name == highlight:
            ax.plot(
                xs, ys, marker="o", label=name, color=PALETTE["primary"], linewidth=3.0, zorder=3
            )
        elif greyed > _RASTERIZED_LINES:
            as_image.append(np.column_stack([xs.to_numpy(float), ys.to_numpy(float)]))
        else:
            ax.plot(xs, ys, marker="o", label="_" + name, zorder=2, **grey)  # no legend entry
    if as_image:  # the lines as one collection, their points as one marker line
        _context_lines(ax, as_image)
        points = np.concatenate(as_image)
        ax.plot(
            points[:, 0],
            points[:, 1],
            linestyle="none",
            marker="o",
            label="_each team",
            zorder=2,
            rasterized=True,
            **grey,
        )
    if whole is not None:
        ax.plot(
            whole["as_of"].map(x),
            whole["score"],
            marker="o",
            color=PALETTE["primary"],
            linewidth=3.0,
            zorder=3,
            label="Whole organization",
        )
    if crowded:
        ax.plot([], [], marker="o", label=f"Each team ({len(names)})", **grey)
    elif highlight is not None and any(name != highlight for name in names):
        ax.plot([], [], marker="o", label="Other teams", **grey)
    ax.set_xticks(range(len(days)), [names_of.get(d, d) for d in days])
    ax.set_ylim(0, 105)
    ax.set_xlim(-0.3, len(days) - 0.7)
    ax.set_ylabel("Adoption score")
    ax.set_title(title)
    legend_teams = len(names) if highlight is None and not crowded else 2
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
        fontsize=9,
        ncols=1 if legend_teams < 12 else 2,
    )

    def scores(rows: pd.DataFrame) -> str:
        return ", ".join(
            f"{s:.0f} on {names_of.get(d, d)}"
            for d, s in zip(rows["as_of"].astype(str), rows["score"], strict=True)
        )

    caption = None
    if crowded:
        last = data[data["as_of"].astype(str) == days[-1]].sort_values(["score", "team"])
        low, high = last.iloc[0], last.iloc[-1]
        when = names_of.get(days[-1], days[-1])
        each = f"each of the {len(names)} teams a grey line"
        parts = [f"Whole organization {scores(whole)}", each] if whole is not None else [each]
        parts[0] = parts[0][0].upper() + parts[0][1:]
        parts += [
            f"on {when} the lowest {low['team']} {low['score']:.0f}, "
            f"the highest {high['team']} {high['score']:.0f}",
        ]
        caption = f"Each grey line is one of the {len(names)} teams."
        if whole is not None:
            caption += (
                " The blue line is the whole organization's adoption score at each "
                "assessment: the standards measured over the whole organization at once, "
                "not the teams' scores averaged."
            )
    elif highlight is not None:
        parts = [f"{t} {scores(r)}" for t, r in by_team if t == highlight]
        others = sum(name != highlight for name in names)
        if others:
            parts.append(
                "the other team a grey line"
                if others == 1
                else f"each of the other {others} teams a grey line"
            )
    else:
        parts = [f"{t} {scores(r)}" for t, r in by_team]
    return Chart(fig, f"Line chart: {title}. {_join(parts, 60)}.", caption)
