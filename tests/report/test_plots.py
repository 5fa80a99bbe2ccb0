from __future__ import annotations

import base64

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from kit.report import plots, present


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_team_scores_alt_text_lists_every_team_best_first():
    scores = pd.DataFrame(
        {
            "scope": ["organization", "team", "team", "team"],
            "team": [None, "North", "South", "East"],
            "score": [55.0, 82.0, 41.0, float("nan")],
        }
    )
    chart = plots.team_scores(scores)
    assert chart.alt == (
        "Bar chart of adoption scores by team: North 82, South 41, East not enough evidence."
    )
    assert [t.get_text() for t in chart.figure.axes[0].get_yticklabels()] == [
        "East",
        "South",
        "North",
    ]


def test_adoption_curves_average_four_weeks_and_describe_the_highlighted_team():
    weekly = pd.DataFrame(
        {
            "team": ["A"] * 5 + ["B"] * 5,
            "week_number": list(range(1, 6)) * 2,
            "share_active": [1.0, 1.0, 1.0, 1.0, 0.0, 0.5, 0.5, 0.5, 0.5, 0.5],
        }
    )
    chart = plots.adoption_curves(weekly, highlight="A")
    # week 5 averages weeks 2-5: (1 + 1 + 1 + 0) / 4
    assert chart.alt.endswith("A 100% in week 1 and 75% in week 5.")
    line = chart.figure.axes[0].lines[0]
    assert list(line.get_ydata()) == [1.0, 1.0, 1.0, 1.0, 0.75]


def test_organization_share_sums_producers_over_the_teams_each_week():
    weekly = pd.DataFrame(
        {
            "team": ["A", "A", "A", "A", "B", "B"],
            "week_number": [1, 2, 3, 4, 1, 3],  # B has no row for week 2
            "producers": [4, 4, 4, 0, 6, 6],
            "active_producers": [1, 2, 4, 0, 6, 0],
        }
    )
    share = plots._organization_share(weekly, active="active_producers")
    # week 1: (1 + 6) / (4 + 6), not the teams' average (1/4 + 6/6) / 2 = 0.625; week 2: A's
    # 2 of 4 alone; week 3: (4 + 0) / (4 + 6); week 4: no producer seated, no share
    assert share.to_dict() == {1: 0.7, 2: 0.5, 3: 0.4}


def _crowd(teams: int, weeks: int = 5) -> pd.DataFrame:
    """``teams`` teams "T00", "T01", ... of two producers each, every producer active in weeks
    1 to 4; in the last week one producer of each team is active and the last team has no
    row."""
    rows = [
        {
            "team": f"T{t:02d}",
            "week_number": week,
            "producers": 2,
            "active_producers": 2 if week < weeks else 1,
        }
        for t in range(teams)
        for week in range(1, weeks + 1)
        if not (t == teams - 1 and week == weeks)
    ]
    frame = pd.DataFrame(rows)
    return frame.assign(share_active=frame["active_producers"] / frame["producers"])


def test_adoption_curves_of_more_teams_than_colours_draw_the_organization_over_grey_teams():
    chart = plots.adoption_curves(_crowd(11))
    ax = chart.figure.axes[0]
    (organization,) = [line for line in ax.lines if line.get_label() == "Whole organization"]
    # the organization: 1.0 in weeks 1-4, 10 of 20 producers in week 5; week 5 averages
    # weeks 2-5: (1 + 1 + 1 + 0.5) / 4
    assert list(organization.get_xdata()) == [1, 2, 3, 4, 5]
    assert list(organization.get_ydata()) == [1.0, 1.0, 1.0, 1.0, 0.875]
    assert organization.get_color() == plots.PALETTE["primary"]
    (teams,) = ax.collections
    assert len(teams.get_segments()) == 11
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Whole organization",
        "Each team (11)",
    ]
    assert chart.alt == (
        "Line chart: Producers logging their own work since launch (4-week average). Whole "
        "organization 100% in week 1 and 88% in week 5, each of the 11 teams a grey line."
    )
    assert "<figcaption>Each grey line is one of the 11 teams. The blue line is the whole " in (
        chart._repr_html_()
    )
    chosen = plots.adoption_curves(_crowd(12), teams=[f"T{t:02d}" for t in range(11)])
    assert "The 11 teams together 100% in week 1 and 88% in week 5" in chosen.alt


def _svg(chart: plots.Chart) -> str:
    html = chart._repr_html_()
    assert 'src="data:image/svg+xml;base64,' in html
    return base64.b64decode(html.split("base64,")[1].split('"')[0]).decode()


def test_past_a_hundred_other_teams_their_grey_lines_are_one_image_inside_the_svg():
    # 100 other teams: vector paths, as ever; 101: one 144 dpi image in the SVG, whose
    # texts (drawn as paths) and the team's own line stay vector shapes
    hundred = plots.adoption_curves(_crowd(101), highlight="T00")
    (grey,) = hundred.figure.axes[0].collections
    assert len(grey.get_segments()) == plots._RASTERIZED_LINES == 100
    assert not grey.get_rasterized() and "<image" not in _svg(hundred)
    crowd = plots.adoption_curves(_crowd(102), highlight="T00")
    (grey,) = crowd.figure.axes[0].collections
    assert len(grey.get_segments()) == 101 and grey.get_rasterized()
    svg = _svg(crowd)
    assert svg.count("<image ") == 1 and "<path " in svg
    png = base64.b64decode(svg.split("data:image/png;base64,")[1].split('"')[0])
    points = float(svg.split("<image ")[1].split(' width="')[1].split('"')[0])
    assert int.from_bytes(png[16:20], "big") == round(points * 144 / 72)  # 144 dpi, as a PNG


def test_adoption_curves_of_ten_teams_give_each_its_colour():
    chart = plots.adoption_curves(_crowd(10))
    ax = chart.figure.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [f"T{t:02d}" for t in range(10)]
    colours = {line.get_color() for line in ax.lines if line.get_label() in legend}
    assert len(colours) == 10 and not ax.collections
    assert "Whole organization" not in chart.alt and chart.caption is None


def test_record_curves_of_many_teams_count_producers_with_records():
    crowd = _crowd(11).rename(
        columns={"active_producers": "producers_with_records", "share_active": "share_with_records"}
    )
    chart = plots.record_curves(crowd)
    assert "Whole organization 100% in week 1 and 88% in week 5" in chart.alt


def _weeks(count: int, teams: list[str] | None = None) -> pd.DataFrame:
    """Weekly shares of ``teams`` (default one team, "A") for weeks 1 to ``count``."""
    teams = teams or ["A"]
    return pd.DataFrame(
        {
            "team": [team for team in teams for _ in range(count)],
            "week_number": list(range(1, count + 1)) * len(teams),
            "share_active": [0.5] * count * len(teams),
        }
    )


def _labels(chart: plots.Chart) -> list[tuple[str, float, float, str]]:
    """The labels of the chart's vertical lines as drawn: (text, x, y, horizontal alignment)."""
    chart.figure.canvas.draw()  # the labels are placed when the chart is drawn
    (labels,) = [a for a in chart.figure.axes[0].artists if isinstance(a, plots._LineLabels)]
    return [(t.get_text(), *t.get_position(), t.get_ha()) for t in labels.drawn]


def test_day_labels_one_per_line_over_13_weeks():
    # 13 weeks on a 6-inch-wide axes: the day lines are 30 days = about 150 points apart
    assert _labels(plots.adoption_curves(_weeks(13))) == [
        ("day 30", 30 / 7, 1.02, "center"),
        ("day 60", 60 / 7, 1.02, "center"),
        ("day 90", 90 / 7, 1.02, "center"),
    ]


def test_day_labels_combine_over_63_weeks():
    # 63 weeks: the lines are 30 days = about 28 points apart, "day 30" is 30 points wide
    for chart in (
        plots.adoption_curves(_weeks(63)),
        plots.record_curves(_weeks(63).rename(columns={"share_active": "share_with_records"})),
    ):
        assert _labels(chart) == [("days 30, 60, 90", 60 / 7, 1.02, "center")]
        lines = [line for line in chart.figure.axes[0].lines if line.get_linestyle() == "--"]
        assert [line.get_xdata()[0] for line in lines] == [30 / 7, 60 / 7, 90 / 7]


def test_day_labels_in_the_report_svg():
    # what a report holds: the SVG names each text it draws (as glyph paths) in a comment
    svg = present.figure(plots.adoption_curves(_weeks(63)).figure, alt="chart").data
    svg = base64.b64decode(svg.split("base64,")[1].split('"')[0]).decode()
    assert "<!-- days 30, 60, 90 -->" in svg and "<!-- day 30 -->" not in svg
    svg = present.figure(plots.adoption_curves(_weeks(13)).figure, alt="chart").data
    svg = base64.b64decode(svg.split("base64,")[1].split('"')[0]).decode()
    assert "<!-- days 30, 60, 90 -->" not in svg
    assert all(f"<!-- day {day} -->" in svg for day in (30, 60, 90))


def test_day_labels_follow_the_axes_width_left_by_the_legend():
    # the same 42 weeks: three labels beside a one-team legend, one beside a legend of ten
    # long team names (the most a legend names; the axes are about 2 inches narrower)
    assert [t[0] for t in _labels(plots.adoption_curves(_weeks(42)))] == [
        "day 30",
        "day 60",
        "day 90",
    ]
    teams = [f"Mortgage team with a long name {i:02d}" for i in range(10)]
    assert [t[0] for t in _labels(plots.adoption_curves(_weeks(42, teams)))] == ["days 30, 60, 90"]


def test_day_labels_fit_at_the_boundary():
    # lines 30 points apart (7 points a week): labels 25.5 points wide clear each other by
    # exactly the 4.5-point gap; half a point wider and they do not
    assert plots._day_labels_fit(7.0, [25.5, 25.5, 25.5])
    assert not plots._day_labels_fit(7.0, [25.5, 25.5, 26.0])
    assert not plots._day_labels_fit(7.0 - 1e-9, [25.5, 25.5, 25.5])


def test_mark_labels_take_the_lowest_free_row():
    marks = [
        (100, "required Jan 28"),
        (107, "required Feb 4"),
        (114, "required Feb 11"),
        (121, "required Feb 18"),
    ]
    apart = [(100, "required Jan 28"), (300, "assessed Aug 16")]
    labels = _labels(plots.adoption_curves(_weeks(63), marks=marks))[1:]
    assert [(text, x, ha) for text, x, _, ha in labels] == [
        (text, day / 7 + 0.3, "left") for day, text in marks
    ]
    # a week apart the labels overlap: each goes one row up (the fourth used to share the
    # first one's row)
    assert [y for _, _, y, _ in labels] == pytest.approx([0.06, 0.15, 0.24, 0.33])
    labels = _labels(plots.adoption_curves(_weeks(63), marks=apart))[1:]
    assert [y for _, _, y, _ in labels] == pytest.approx([0.06, 0.06])


def test_mark_label_at_the_right_edge_turns_left():
    chart = plots.adoption_curves(_weeks(63), marks=[(437, "assessed Dec 31, 2017")])
    assert [(t[0], t[2]) for t in _labels(chart)] == [
        ("days 30, 60, 90", 1.02),
        ("assessed Dec 31, 2017", 0.06),
    ]
    ax = chart.figure.axes[0]
    (labels,) = ax.artists
    box = labels.drawn[1].get_window_extent()
    # it ends 0.3 weeks left of its line, inside the axes
    assert box.x1 == pytest.approx(ax.transData.transform((437 / 7 - 0.3, 0))[0])
    assert ax.bbox.x0 < box.x0 and box.x1 < ax.bbox.x1


def test_speed_to_lead_shares_and_counts():
    speed = pd.DataFrame(
        {
            "team": ["A"] * 5,
            "band": ["5 minutes", "1 hour", "24 hours", "later", "never"],
            "leads": [10, 5, 3, 1, 1],
        }
    )
    chart = plots.speed_to_lead(speed, team="A")
    assert chart.alt == (
        "Bar chart: How fast A's new leads got a first human touch, each lead in one band: "
        "within 5 minutes 50% (10 of 20); 5 to 60 minutes 25% (5 of 20); 1 to 24 hours 15% "
        "(3 of 20); after 24 hours 5% (1 of 20); never touched 5% (1 of 20)."
    )


def test_speed_to_lead_bands_are_labelled_as_the_exclusive_ranges_they_are():
    """Seen: exclusive bands labelled like the cumulative table ("within 24 hours 2% (3)"
    beside "3% (4 of 146)"). The bars are ranges now; the table's cumulative "within 24
    hours" is the sum of the first three bars, both written by the same formatter."""
    speed = pd.DataFrame(
        {
            "team": ["A"] * 5,
            "band": ["5 minutes", "1 hour", "24 hours", "later", "never"],
            "leads": [0, 1, 3, 40, 102],
        }
    )
    chart = plots.speed_to_lead(speed, team="A")
    labels = [t.get_text() for t in chart.figure.axes[0].texts]
    assert labels == ["70% (102 of 146)", "27% (40 of 146)", "2% (3 of 146)", "1% (1 of 146)",
                      "0% (0 of 146)"]
    ticks = [t.get_text() for t in chart.figure.axes[0].get_yticklabels()]
    assert ticks == ["never touched", "after 24 hours", "1 to 24 hours", "5 to 60 minutes",
                     "within 5 minutes"]
    from kit.formatting import format_of, format_value

    within_24h = 0 + 1 + 3
    assert f"{format_value(within_24h / 146, 'share')} ({format_of(within_24h, 146)})" == (
        "3% (4 of 146)"
    )


def test_lead_sources_with_no_crm_loans_name_the_funded_los_loans():
    """Seen: "no applications or funded loans in the window" beside 19 funded LOS loans."""
    sources = pd.DataFrame(
        {"team": ["A"], "lead_source": ["web"], "contacts": [12], "applications": [0],
         "funded": [0]}
    )
    chart = plots.lead_source_outcomes(sources, team="A", los_funded=19)
    assert chart.alt.endswith(
        "none of the 12 contacts created in the window has a CRM loan at application or "
        "funded, while the LOS shows 19 funded loans: work outside the CRM (see the shadow "
        "pipeline)"
    )
    assert "19 funded" not in plots.lead_source_outcomes(sources, team="A").alt
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the long message is wrapped: no layout warning
        assert chart._repr_html_().startswith('<figure class="kit-figure">')


def test_seat_chart_shows_seats_in_use_so_its_gap_is_the_idle_seats():
    """Seen: a team with 10 seats, 7 active and 2 idle whose chart showed a gap of 3."""
    roi = pd.DataFrame(
        {"team": ["North"], "seats": [10], "active_producers": [7.0], "active_seats": [8.0]}
    )
    chart = plots.seat_roi(roi, active_days=30)
    assert chart.alt == (
        "Bar chart: Seats paid for vs seats in use in the last 30 days: North 10 seats, 8 in "
        "use, 2 idle."
    )
    widths = [bar.get_width() for bar in chart.figure.axes[0].patches]
    assert widths == [10, 8.0]


def _shown_ticks(chart: plots.Chart) -> list[str]:
    """The labels of the x axis's ticks inside its limits, as drawn."""
    chart.figure.canvas.draw()
    ax = chart.figure.axes[0]
    low, high = ax.get_xlim()
    return [t.get_text() for t in ax.get_xticklabels() if low <= t.get_position()[0] <= high]


def test_count_axes_tick_whole_numbers():
    """Seen: a lead-source chart of one loan whose axis read "0 0 0 1 1 1"."""
    sources = pd.DataFrame(
        {"team": ["A"], "lead_source": ["web"], "contacts": [3], "applications": [1],
         "funded": [1]}
    )
    assert _shown_ticks(plots.lead_source_outcomes(sources, team="A")) == ["0", "1"]
    shadow = pd.DataFrame(
        {"team": ["A"], "producer_name": ["Ann"], "funded_los_loans": [1], "in_crm": [0],
         "missing": [1]}
    )
    assert _shown_ticks(plots.shadow_pipeline(shadow)) == ["0", "1"]
    roi = pd.DataFrame(
        {"team": ["North"], "seats": [2], "active_producers": [1.0], "active_seats": [1.0]}
    )
    assert _shown_ticks(plots.seat_roi(roi, active_days=30)) == ["0", "1", "2"]
    # larger counts keep matplotlib's own ticks
    roi = roi.assign(seats=1000)
    assert _shown_ticks(plots.seat_roi(roi, active_days=30)) == [
        "0", "200", "400", "600", "800", "1000"
    ]


def test_empty_inputs_draw_a_message_not_an_error():
    speed = pd.DataFrame({"team": [], "band": [], "leads": []})
    chart = plots.speed_to_lead(speed, team="A")
    assert chart.alt.endswith(": no new leads in the window")


def test_shadow_pipeline_counts_missing_loans():
    shadow = pd.DataFrame(
        {
            "team": ["A", "A", "B"],
            "producer_name": ["Ann", "Bo", "Cy"],
            "funded_los_loans": [4, 2, 3],
            "in_crm": [1, 2, 3],
            "missing": [3, 0, 0],
        }
    )
    chart = plots.shadow_pipeline(shadow)
    assert "3 of 9 funded loans are missing from the CRM" in chart.alt
    assert "A 3 of 6 missing" in chart.alt


def test_data_health_names_repeated_checks_by_table_and_keeps_the_weakest():
    quality = pd.DataFrame(
        {
            "team": ["A"] * 3,
            "table": ["contacts", "opportunities", "activities"],
            "check": ["Missing lead source", "Missing lead source", "Logged late"],
            "records": [10, 20, 5],
            "share_ok": [0.9, 0.5, 1.0],
        }
    )
    chart = plots.data_health(quality, team="A", limit=2)
    assert chart.alt == (
        "Bar chart: Data quality: A's weakest checks, share of records with no issue: "
        "Missing lead source (opportunities) 50%, Missing lead source (contacts) 90%."
    )


def test_data_health_does_not_rank_checks_on_too_few_records():
    quality = pd.DataFrame(
        {
            "team": ["A"] * 2,
            "table": ["contacts", "activities"],
            "check": ["Missing lead source", "Logged late"],
            "records": [10, 2],
            "share_ok": [0.9, 0.5],
        }
    )
    chart = plots.data_health(quality, team="A")
    assert chart.alt == (
        "Bar chart: Data quality: A's weakest checks, share of records with no issue: "
        "Missing lead source 90% (1 check on fewer than 5 records left out: too few to judge)."
    )


def test_chart_renders_as_inline_image_with_its_alt_text():
    scores = pd.DataFrame({"scope": ["team"], "team": ["<North>"], "score": [80.0]})
    html = plots.team_scores(scores)._repr_html_()
    assert html.startswith('<figure class="kit-figure"><img src="data:image/')
    assert 'alt="Bar chart of adoption scores by team: &lt;North&gt; 80."' in html


@pytest.mark.parametrize(("score", "colour"), [(75, "#2e7d32"), (74.9, "#e0a100"), (49, "#c62828")])
def test_score_colour_bands_match_the_report(score, colour):
    from kit.report.present import SCORE_BANDS

    assert SCORE_BANDS == (50.0, 75.0)
    assert plots.score_colour(score) == colour


def test_charts_leave_the_analysts_plot_settings_alone(monkeypatch):
    """The kit's style applies inside each chart only: no global seaborn theme."""
    import matplotlib as mpl
    import seaborn as sns

    def no_global_theme(*args, **kwargs):
        raise AssertionError("a kit chart changed the global seaborn theme")

    monkeypatch.setattr(sns, "set_theme", no_global_theme)
    with mpl.rc_context({"xtick.color": "#ff00ff", "font.size": 17.0, "axes.grid": False}):
        before = dict(mpl.rcParams)
        scores = pd.DataFrame({"scope": ["team"], "team": ["North"], "score": [82.0]})
        chart = plots.team_scores(scores)
        assert dict(mpl.rcParams) == before
        # the chart itself is in the kit's style, not the analyst's
        tick = chart.figure.axes[0].get_xticklabels()[0]
        assert mpl.colors.to_hex(tick.get_color()) == plots.PALETTE["text"]
        assert chart.figure.axes[0].xaxis.get_gridlines()[0].get_visible()
        # and a plot of the analyst's own after it keeps the analyst's settings
        _, ax = plt.subplots()
        ax.plot([1, 2], [1, 2])
        assert mpl.colors.to_hex(ax.get_xticklabels()[0].get_color()) == "#ff00ff"


def test_a_one_source_chart_keeps_room_for_its_axes():
    """Seen: a team with one lead source got a chart whose axes collapsed to nothing (a
    matplotlib warning in the executed notebook)."""
    import io
    import warnings

    sources = pd.DataFrame(
        {
            "team": ["North"],
            "lead_source": ["referral"],
            "campaign_id": [None],
            "campaign": [None],
            "contacts": [12],
            "applications": [3],
            "funded": [1],
        }
    )
    chart = plots.lead_source_outcomes(sources, team="North")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chart.figure.savefig(io.BytesIO(), format="svg", bbox_inches="tight")
    assert chart.figure.get_size_inches()[1] >= 2.2


def test_lead_source_bars_pair_applications_over_funded_per_source_most_funded_first():
    sources = pd.DataFrame(
        {"team": ["A", "A", "A"], "lead_source": ["web", "referral", "web"],
         "contacts": [20, 9, 4], "applications": [4, 3, 1], "funded": [0, 2, 1]}
    )
    ax = plots.lead_source_outcomes(sources, team="A").figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Referral", "Web"]
    assert ax.yaxis_inverted()  # the first source on top
    applications, funded = ax.containers
    assert [b.get_width() for b in applications] == [3, 5]
    assert [b.get_width() for b in funded] == [2, 1]
    assert [b.get_y() for b in applications] == pytest.approx([-0.4, 0.6])
    assert [b.get_y() for b in funded] == pytest.approx([0.0, 1.0])
    # seaborn's barplot colours (75% saturation), which the chart kept when it dropped it
    assert matplotlib.colors.to_hex(funded[0].get_facecolor()) == "#2a4e6e"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Applications", "Funded"]


_DATES = {"2025-03-31": "Mar 31, 2025", "2025-06-30": "Jun 30, 2025"}


def _score_history(teams: int) -> pd.DataFrame:
    """``teams`` teams "T00", "T01", ... scored 10 + t on Mar 31 and 20 + 2t on Jun 30, but
    for the last team, not scored on Jun 30 (too little evidence)."""
    return pd.DataFrame(
        [
            {"team": f"T{t:02d}", "as_of": as_of, "score": score}
            for t in range(teams)
            for as_of, score in (
                ("2025-03-31", 10.0 + t),
                ("2025-06-30", float("nan") if t == teams - 1 else 20.0 + 2 * t),
            )
        ]
    )


def test_score_trend_past_a_hundred_grey_teams_draws_them_as_one_image():
    # 100 grey teams: a line each, as ever; 101: one collection of lines and one line of
    # points, both drawn as an image inside the SVG
    hundred = plots.score_trend(_score_history(101), highlight="T00", dates=_DATES)
    ax = hundred.figure.axes[0]
    assert not ax.collections and len([ln for ln in ax.lines if ln.get_label() == "_T01"]) == 1
    crowd = plots.score_trend(_score_history(102), highlight="T00", dates=_DATES)
    ax = crowd.figure.axes[0]
    (grey,) = ax.collections
    assert len(grey.get_segments()) == 101 and grey.get_rasterized()
    (points,) = [line for line in ax.lines if line.get_label() == "_each team"]
    assert points.get_rasterized() and points.get_linestyle() == "None"
    assert len(points.get_xdata()) == 2 * 101 - 1  # the last team has no second score
    assert _legend(crowd) == ["T00", "Other teams"]
    assert "<image " in _svg(crowd)


def _legend(chart: plots.Chart) -> list[str]:
    return [t.get_text() for t in chart.figure.axes[0].get_legend().get_texts()]


def test_score_trend_of_a_highlighted_team_greys_the_others_under_a_two_entry_legend():
    history = pd.DataFrame(
        {
            "team": ["North", "North", "South", "South", "West", "West"],
            "as_of": ["2025-03-31", "2025-06-30"] * 3,
            "score": [40.0, 60.0, 70.0, 65.0, 20.0, 30.0],
        }
    )
    chart = plots.score_trend(history, highlight="South", dates=_DATES)
    ax = chart.figure.axes[0]
    assert _legend(chart) == ["South", "Other teams"]
    colours = {line.get_label(): line.get_color() for line in ax.lines}
    assert colours == {
        "_North": plots.PALETTE["muted"],
        "South": plots.PALETTE["primary"],
        "_West": plots.PALETTE["muted"],
        "Other teams": plots.PALETTE["muted"],
    }
    assert chart.alt == (
        "Line chart: Adoption score by team at each assessment. South 70 on Mar 31, 2025, "
        "65 on Jun 30, 2025, each of the other 2 teams a grey line."
    )
    assert chart.caption is None
    two = plots.score_trend(history[history["team"] != "West"], highlight="South")
    assert _legend(two) == ["South", "Other teams"]
    assert two.alt == (
        "Line chart: Adoption score by team at each assessment. South 70 on 2025-03-31, "
        "65 on 2025-06-30, the other team a grey line."
    )


def test_score_trend_of_more_teams_than_colours_draws_the_organization_over_grey_teams():
    organization = pd.DataFrame({"as_of": ["2025-06-30", "2025-03-31"], "score": [55.0, 40.0]})
    chart = plots.score_trend(_score_history(11), dates=_DATES, organization=organization)
    ax = chart.figure.axes[0]
    assert _legend(chart) == ["Whole organization", "Each team (11)"]
    (whole,) = [line for line in ax.lines if line.get_label() == "Whole organization"]
    assert list(whole.get_xdata()) == [0, 1] and list(whole.get_ydata()) == [40.0, 55.0]
    assert whole.get_color() == plots.PALETTE["primary"]
    teams = [line for line in ax.lines if line.get_label().startswith("_T")]
    assert len(teams) == 11
    assert {line.get_color() for line in teams} == {plots.PALETTE["muted"]}
    assert chart.alt == (
        "Line chart: Adoption score by team at each assessment. Whole organization 40 on "
        "Mar 31, 2025, 55 on Jun 30, 2025, each of the 11 teams a grey line, on Jun 30, 2025 "
        "the lowest T00 20, the highest T09 38."
    )
    assert chart.caption == (
        "Each grey line is one of the 11 teams. The blue line is the whole organization's "
        "adoption score at each assessment: the standards measured over the whole "
        "organization at once, not the teams' scores averaged."
    )


def test_score_trend_of_more_teams_than_colours_without_an_organization_score_invents_none():
    unscored = pd.DataFrame({"as_of": ["2025-03-31"], "score": [float("nan")]})
    for organization in (None, unscored):
        chart = plots.score_trend(_score_history(11), organization=organization)
        ax = chart.figure.axes[0]
        assert _legend(chart) == ["Each team (11)"]
        assert {line.get_color() for line in ax.lines} == {plots.PALETTE["muted"]}
        assert chart.alt == (
            "Line chart: Adoption score by team at each assessment. Each of the 11 teams a "
            "grey line, on 2025-06-30 the lowest T00 20, the highest T09 38."
        )
        assert chart.caption == "Each grey line is one of the 11 teams."


def test_score_trend_of_ten_teams_gives_each_its_colour_and_legend_entry():
    organization = pd.DataFrame({"as_of": ["2025-03-31"], "score": [40.0]})
    chart = plots.score_trend(_score_history(10), organization=organization)
    ax = chart.figure.axes[0]
    assert _legend(chart) == [f"T{t:02d}" for t in range(10)]
    assert len({line.get_color() for line in ax.lines}) == 10
    assert "Whole organization" not in chart.alt and chart.caption is None
    assert chart.alt.startswith(
        "Line chart: Adoption score by team at each assessment. T00 10 on 2025-03-31, "
        "20 on 2025-06-30, T01 11 on 2025-03-31, 22 on 2025-06-30,"
    )
