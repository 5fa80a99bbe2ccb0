"""Charts for the reports: one call each, one style, plain-language titles and labels.

Every function takes a frame of the results bundle (already aggregated: charts never scan
raw rows, so they cost the same for 30 producers or 3,000) and returns a :class:`Chart`: the
matplotlib figure plus alt text that says what the chart shows, in words, for screen readers
and for anyone reading the report without images. In a notebook a ``Chart`` displays itself
as an inline image.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ParamSpec

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from kit.schema import label

__all__ = [
    "PALETTE",
    "STATUS_COLOURS",
    "Chart",
    "adoption_curves",
    "compliance_heatmap",
    "data_health",
    "lead_source_outcomes",
    "score_colour",
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
}
_STATUS_ORDER = ("fail", "warn", "pass", "not_assessed")
_P = ParamSpec("_P")
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


def score_colour(score: float | None) -> str:
    """Colour of an adoption score on the red / amber / green scale.

    >>> score_colour(85), score_colour(60), score_colour(20), score_colour(None)
    ('#2e7d32', '#e0a100', '#c62828', '#9e9e9e')
    """
    from kit.report.present import SCORE_BANDS  # one definition of the bands for charts and cards

    if score is None or pd.isna(score):
        return STATUS_COLOURS["not_assessed"]
    amber, green = SCORE_BANDS
    if score >= green:
        return STATUS_COLOURS["pass"]
    if score >= amber:
        return STATUS_COLOURS["warn"]
    return STATUS_COLOURS["fail"]


@dataclass
class Chart:
    """A finished chart: the figure and the alt text that describes it in words."""

    figure: Figure
    alt: str
    _html: str | None = field(default=None, repr=False)

    def _repr_html_(self) -> str:
        if self._html is None:
            from kit.report.present import figure as _figure

            self._html = _figure(self.figure, alt=self.alt).data
        return self._html


def _figure(height: float) -> tuple[Figure, Any]:
    fig, ax = plt.subplots(figsize=(_WIDTH, height), layout="constrained")
    return fig, ax


def _percent_axis(axis: Any) -> None:
    axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))


def _join(parts: Sequence[str], limit: int = 12) -> str:
    parts = list(parts)
    if len(parts) > limit:
        parts = [*parts[:limit], f"and {len(parts) - limit} more"]
    return ", ".join(parts)


def _pct(value: float) -> str:
    return "no data" if pd.isna(value) else f"{value:.0%}"


def _empty(title: str, message: str) -> Chart:
    fig, ax = _figure(1.6)
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(0.0, 0.4, message, transform=ax.transAxes, fontsize=11, color=PALETTE["text"])
    return Chart(fig, f"{title}: {message}")


# --------------------------------------------------------------------------- adoption
@_styled
def adoption_curves(
    weekly: pd.DataFrame, *, highlight: str | None = None, teams: Sequence[str] | None = None
) -> Chart:
    """Share of producers active each week since launch (4-week average), one line per team.

    ``weekly`` is the results' weekly trajectory (team, week_number, share_active); each
    point averages the week with the three before it, so a team of six producers reads as a
    trend rather than noise. With
    ``highlight`` that team is drawn in the primary colour and the others in grey, so a team
    report shows its curve against the rest of the organization.
    """
    title = "Producers logging their own work since launch (4-week average)"
    data = weekly.dropna(subset=["share_active"]).sort_values(["team", "week_number"])
    if teams is not None:
        data = data[data["team"].isin(teams)]
    data = data.assign(
        share_active=data.groupby("team", observed=True)["share_active"].transform(
            lambda s: s.rolling(4, min_periods=1).mean()
        )
    )
    if data.empty:
        return _empty(title, "no weeks since launch to show")
    fig, ax = _figure(3.6)
    names = sorted(data["team"].astype(str).unique())
    palette = sns.color_palette("colorblind", n_colors=max(len(names), 1))
    for i, name in enumerate(names):
        rows = data[data["team"].astype(str) == name].sort_values("week_number")
        if highlight is None:
            style = {"color": palette[i % len(palette)], "linewidth": 2.0, "label": name}
        elif name == highlight:
            style = {"color": PALETTE["primary"], "linewidth": 3.0, "label": name, "zorder": 3}
        else:
            style = {"color": PALETTE["muted"], "linewidth": 1.0, "label": None}
        ax.plot(rows["week_number"], rows["share_active"], **style)
    if highlight is not None and len(names) > 1:
        ax.plot([], [], color=PALETTE["muted"], linewidth=1.0, label="Other teams")
    for day in (30, 60, 90):
        ax.axvline(day / 7, color=PALETTE["grid"], linewidth=1.0, linestyle="--", zorder=0)
        ax.text(day / 7, 1.02, f"day {day}", ha="center", fontsize=9, color=PALETTE["text"])
    ax.set_ylim(0, 1.08)
    _percent_axis(ax.yaxis)
    ax.set_xlabel("Weeks since the CRM launch")
    ax.set_ylabel("Producers active that week")
    ax.set_title(title, pad=18)
    legend_teams = len(names) if highlight is None else 2
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
        fontsize=9,
        ncols=1 if legend_teams < 12 else 2,
    )
    focus = [highlight] if highlight is not None else names
    described = []
    for name in focus:
        rows = data[data["team"].astype(str) == name].sort_values("week_number")
        if rows.empty:
            continue
        first, last = rows.iloc[0], rows.iloc[-1]
        described.append(
            f"{name} {_pct(first['share_active'])} in week {int(first['week_number'])} and "
            f"{_pct(last['share_active'])} in week {int(last['week_number'])}"
        )
    return Chart(fig, f"Line chart: {title}. {_join(described)}.")


# --------------------------------------------------------------------------- follow-up
SPEED_BANDS: tuple[str, ...] = ("5 minutes", "1 hour", "24 hours", "later", "never")


@_styled
def speed_to_lead(speed: pd.DataFrame, *, team: str) -> Chart:
    """How fast new leads got a first human touch, as a share of the team's leads."""
    title = f"How fast {team}'s new leads got a first human touch"
    rows = speed[speed["team"].astype(str) == team]
    if rows.empty or rows["leads"].sum() == 0:
        return _empty(title, "no new leads in the window")
    rows = rows.set_index(rows["band"].astype(str)).reindex(list(SPEED_BANDS)).fillna(0)
    share = rows["leads"] / rows["leads"].sum()
    fig, ax = _figure(2.8)
    colours = [
        PALETTE["primary"],
        PALETTE["secondary"],
        PALETTE["muted"],
        "#e7b0a8",
        STATUS_COLOURS["fail"],
    ]
    bands = [f"within {b}" if b not in ("later", "never") else b for b in SPEED_BANDS]
    bands[3] = "after 24 hours"
    bars = ax.barh(bands[::-1], share.to_numpy()[::-1], color=colours[::-1])
    for bar, count, value in zip(
        bars, rows["leads"].to_numpy()[::-1], share.to_numpy()[::-1], strict=True
    ):
        ax.text(
            bar.get_width() + 0.01,
            bar.get_y() + bar.get_height() / 2,
            f"{value:.0%} ({int(count):,})",
            va="center",
            fontsize=10,
        )
    ax.set_xlim(0, 1.15)
    _percent_axis(ax.xaxis)
    ax.set_xlabel("Share of new leads")
    ax.set_title(title)
    alt = ", ".join(f"{b} {v:.0%}" for b, v in zip(bands, share.to_numpy(), strict=True))
    return Chart(fig, f"Bar chart: {title}: {alt} of {int(rows['leads'].sum()):,} leads.")


# --------------------------------------------------------------------------- marketing
@_styled
def lead_source_outcomes(sources: pd.DataFrame, *, team: str | None = None) -> Chart:
    """Applications and funded loans by lead source (the whole organization without ``team``)."""
    who = team or "the organization"
    title = "Applications and funded loans by lead source"
    rows = sources if team is None else sources[sources["team"].astype(str) == team]
    if rows.empty:
        return _empty(title, "no lead sources recorded")
    totals = (
        rows.assign(source=rows["lead_source"].map(label))
        .groupby("source", observed=True)[["applications", "funded"]]
        .sum()
        .sort_values(["funded", "applications"], ascending=False)
    )
    if totals.to_numpy().sum() == 0:
        return _empty(title, "no applications or funded loans in the window")
    long = totals.reset_index().melt("source", var_name="outcome", value_name="loans")
    long["outcome"] = long["outcome"].map({"applications": "Applications", "funded": "Funded"})
    fig, ax = _figure(0.9 + 0.38 * len(totals))
    sns.barplot(
        long,
        y="source",
        x="loans",
        hue="outcome",
        ax=ax,
        palette=[PALETTE["secondary"], PALETTE["primary"]],
    )
    ax.set_xlabel("Loans")
    ax.set_ylabel("")
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
def seat_roi(roi: pd.DataFrame) -> Chart:
    """Seats paid for vs producers actually active, per team."""
    title = "Seats paid for vs producers active in the last 30 days"
    if roi.empty:
        return _empty(title, "no seats recorded")
    rows = roi.sort_values("seats")
    names = rows["team"].astype(str)
    fig, ax = _figure(0.9 + 0.32 * len(rows))
    ax.barh(names, rows["seats"], color=PALETTE["muted"], label="Seats paid for")
    ax.barh(
        names,
        rows["active_producers"],
        color=PALETTE["primary"],
        height=0.5,
        label="Producers active",
    )
    ax.set_xlabel("People")
    ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2)
    ax.set_title(title, pad=26)
    parts = [
        f"{n} {int(s)} seats, {int(a)} active"
        for n, s, a in zip(names, rows["seats"], rows["active_producers"], strict=True)
    ]
    return Chart(fig, f"Bar chart: {title}: {_join(parts)}.")


# --------------------------------------------------------------------------- scores
@_styled
def team_scores(scores: pd.DataFrame) -> Chart:
    """Adoption score of every team, coloured on the red / amber / green scale."""
    title = "Adoption score by team (0-100)"
    rows = scores[scores["scope"] == "team"].sort_values(
        ["score", "team"], ascending=[True, True], na_position="first"
    )
    if rows.empty:
        return _empty(title, "no teams assessed")
    fig, ax = _figure(0.9 + 0.36 * len(rows))
    values = rows["score"].fillna(0).to_numpy()
    ax.barh(rows["team"].astype(str), values, color=[score_colour(s) for s in rows["score"]])
    for y, score in enumerate(rows["score"]):
        ax.text(
            (0 if pd.isna(score) else score) + 1,
            y,
            "not assessed" if pd.isna(score) else f"{score:.0f}",
            va="center",
            fontsize=10,
        )
    ax.set_xlim(0, 108)
    ax.set_xlabel("Adoption score")
    ax.set_title(title)
    ordered = rows.sort_values(["score", "team"], ascending=[False, True])
    parts = [
        f"{t} {'not assessed' if pd.isna(s) else f'{s:.0f}'}"
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
    codes = {status: i for i, status in enumerate(("pass", "warn", "fail", "not_assessed"))}
    grid = rows.assign(code=rows["status"].map(codes)).pivot_table(
        index="team", columns="rule_id", values="code", aggfunc="first", observed=True
    )
    grid.index = grid.index.astype(str)
    names = rule_labels or {}
    fig, ax = _figure(1.6 + 0.34 * len(grid))
    cmap = matplotlib.colors.ListedColormap([STATUS_COLOURS[s] for s in codes])
    ax.imshow(grid.to_numpy(dtype=float), cmap=cmap, vmin=-0.5, vmax=3.5, aspect="auto")
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
    handles = [
        matplotlib.patches.Patch(color=STATUS_COLOURS[s], label=s.replace("_", " ")) for s in codes
    ]
    ax.legend(
        handles=handles, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9
    )
    ax.set_title(title)
    counts = rows.groupby(rows["team"].astype(str))["status"].apply(
        lambda s: (
            f"{(s == 'pass').sum()} pass, {(s == 'warn').sum()} warn, {(s == 'fail').sum()} fail"
        )
    )
    parts = [f"{t}: {c}" for t, c in counts.items()]
    return Chart(fig, f"Grid of standards met per team: {_join(parts, 60)}.")


# --------------------------------------------------------------------------- data quality
@_styled
def data_health(quality: pd.DataFrame, *, team: str, limit: int = 10) -> Chart:
    """Share of the team's records passing each data-quality check: the ``limit`` weakest."""
    title = f"Data quality: {team}'s weakest checks"
    rows = quality[(quality["team"].astype(str) == team) & (quality["records"] > 0)]
    if rows.empty:
        return _empty(title, "no records to check")
    names = rows["check"].astype(str).str.replace("_", " ").str.capitalize()
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
    return Chart(fig, f"Bar chart: {title}, share of records with no issue: {_join(parts)}.")
