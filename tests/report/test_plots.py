from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from kit.report import plots


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
        "Bar chart of adoption scores by team: North 82, South 41, East not assessed."
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
        "Bar chart: How fast A's new leads got a first human touch: within 5 minutes 50%, "
        "within 1 hour 25%, within 24 hours 15%, after 24 hours 5%, never 5% of 20 leads."
    )


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
