"""kit.report.present: exact HTML of the report blocks, number formats, escaping and PII masking."""

from __future__ import annotations

import base64
import contextlib
import io
import re

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from IPython.core.formatters import DisplayFormatter

from kit.exceptions import ParameterError
from kit.report import present

NA = '<span class="kit-na">—</span>'


# --------------------------------------------------------------------------- tables
def test_table_formats_numbers_for_people_exactly():
    frame = pd.DataFrame(
        {
            "producer": ["Ana Ruiz", "Ben Okafor"],
            "loans": [1234, 5],
            "share": [0.1534, 0.004],
            "volume": [1250000.4, -300.0],
            "stale_days": [1.0, 12.25],
            "funded": pd.to_datetime(["2025-03-01", None]).astype("datetime64[us]"),
        }
    )
    fragment = present.table(
        frame,
        columns={
            "producer": "Producer",
            "loans": "Loans",
            "share": "Share logged",
            "volume": "Volume",
            "stale_days": "Days stale",
            "funded": "Funded",
        },
        formats={"share": "percent", "volume": "currency", "stale_days": "days"},
    )
    assert fragment.data == (
        '<div class="kit-table" role="region" tabindex="0"><table>\n'
        "<thead><tr>"
        '<th scope="col">Producer</th>'
        '<th scope="col" class="num">Loans</th>'
        '<th scope="col" class="num">Share logged</th>'
        '<th scope="col" class="num">Volume</th>'
        '<th scope="col" class="num">Days stale</th>'
        '<th scope="col">Funded</th>'
        "</tr></thead>\n<tbody>\n"
        '<tr><td>Ana Ruiz</td><td class="num">1,234</td><td class="num">15%</td>'
        '<td class="num">$1,250,000</td><td class="num">1 day</td><td>Mar 1, 2025</td></tr>\n'
        '<tr><td>Ben Okafor</td><td class="num">5</td><td class="num">&lt;1%</td>'
        f'<td class="num">-$300</td><td class="num">12.2 days</td><td>{NA}</td></tr>\n'
        "</tbody>\n</table></div>"
    )


def test_table_escapes_every_cell_label_and_caption():
    frame = pd.DataFrame({"note": ["<script>alert(1)</script>", 'say "hi" & <b>bye</b>']})
    html = present.table(frame, columns={"note": "<i>Note</i>"}, caption="<Team> & co").data
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in html
    assert "<td>say &quot;hi&quot; &amp; &lt;b&gt;bye&lt;/b&gt;</td>" in html
    assert '<th scope="col">&lt;i&gt;Note&lt;/i&gt;</th>' in html
    assert "<caption>&lt;Team&gt; &amp; co</caption>" in html
    assert 'aria-label="&lt;Team&gt; &amp; co"' in html


def test_table_labels_by_schema_and_formats_by_dtype_without_index_noise():
    frame = pd.DataFrame(
        {
            "lead_source": pd.Categorical(["realtor_referral"]),
            "ratio": [2.25],
            "active": pd.array([True], dtype="boolean"),
        },
        index=[17],
    )
    html = present.table(frame).data
    assert "17" not in html  # an unnamed index is noise
    assert '<th scope="col">Lead source</th>' in html
    assert '<td>Realtor referral</td><td class="num">2.2</td><td>Yes</td>' in html


def test_table_keeps_a_named_index_as_the_first_column():
    frame = pd.DataFrame({"calls": [3]}, index=pd.Index(["North"], name="team"))
    html = present.table(frame).data
    assert '<tr><td>North</td><td class="num">3</td></tr>' in html
    assert '<th scope="col">Team</th>' in html


def test_table_limits_rows_and_says_how_many_there_were():
    frame = pd.DataFrame({"n": range(1500)})
    html = present.table(frame, max_rows=2).data
    assert html.count("<tr><td") == 2
    assert html.endswith('<p class="kit-table__note">Showing 2 of 1,500 rows.</p></div>')


def test_empty_table_says_so():
    html = present.table(pd.DataFrame({"n": []}), caption="Stale <loans>", empty="None stale.")
    assert html.data == (
        '<div class="kit-table kit-table--empty"><p class="kit-table__caption">'
        'Stale &lt;loans&gt;</p><p class="kit-empty">None stale.</p></div>'
    )


def test_table_links_only_to_relative_paths():
    frame = pd.DataFrame({"team": ["North <1>", "South"], "report": ["teams/north.html", None]})
    html = present.table(frame, columns={"team": "Team"}, links={"team": "report"}).data
    assert '<td><a href="teams/north.html">North &lt;1&gt;</a></td>' in html
    assert "<td>South</td>" in html
    for bad in ("https://evil.example/x", "javascript:alert(1)", "//evil.example", "data:x"):
        hostile = pd.DataFrame({"team": ["T"], "report": [bad]})
        with pytest.raises(ValueError, match="not a relative path"):
            present.table(hostile, links={"team": "report"})


def test_table_rejects_unknown_columns_and_formats():
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(ValueError, match=r"no column\(s\) \['b'\]"):
        present.table(frame, columns={"b": "B"})
    with pytest.raises(ValueError, match="unknown format 'percentage'"):
        present.table(frame, formats={"a": "percentage"})


def test_status_and_score_formats_render_coloured_badges():
    frame = pd.DataFrame({"status": ["fail", "pass", None], "score": [49.6, 74.4, 75.0]})
    html = present.table(frame, formats={"status": "status", "score": "score"}).data
    assert (
        '<tr><td><span class="kit-badge kit-badge--red">Fail</span></td>'
        '<td class="num"><span class="kit-chip kit-chip--amber">50</span></td></tr>'
    ) in html
    assert '<td class="num"><span class="kit-chip kit-chip--amber">74</span></td>' in html
    assert f'<tr><td>{NA}</td><td class="num"><span class="kit-chip kit-chip--green">75</span>' in (
        html
    )


@pytest.mark.parametrize(
    ("values", "fmt", "expected"),
    [
        (
            [0.0, 0.004, 0.005, 0.994, 0.996, 1.0, 0.1534],
            "percent",
            ["0%", "&lt;1%", "&lt;1%", "99%", "&gt;99%", "100%", "15%"],
        ),
        ([1.0, 0.5, 2.0, np.nan], "days", ["1 day", "0.5 days", "2 days", NA]),
        ([-0.4, -1234.5, 1234567.5], "currency", ["$0", "-$1,234", "$1,234,568"]),
        ([1234.56, -2.0], "number", ["1,234.6", "-2.0"]),
    ],
)
def test_format_values_edge_cases(values, fmt, expected):
    assert present.format_values(pd.Series(values), fmt).tolist() == expected


# --------------------------------------------------------------------------- PII
@pytest.mark.parametrize(
    ("value", "kind", "masked"),
    [
        ("John Smith", None, "J*** S***"),
        ("Mary-Jane O'Neil", "name", "M***-J*** O***'N***"),
        ("Émile Zola", "name", "É*** Z***"),
        ("john.smith@example.com", None, "j***@example.com"),
        (" Jo@Mail.Example.org ", "email", "J***@Mail.Example.org"),
        ("not an email", "email", "***"),
        ("(555) 201-1234", None, "***-***-1234"),
        ("+1 555 201 9876", "phone", "***-***-9876"),
        ("12", "phone", "***"),
        (None, "name", ""),
        (float("nan"), None, ""),
    ],
)
def test_mask_pii(value, kind, masked):
    assert present.mask_pii(value, kind=kind, show_pii=False) == masked


def test_mask_pii_passes_through_for_the_internal_copy():
    assert present.mask_pii("John Smith", show_pii=True) == "John Smith"
    series = pd.Series(["a@b.co", None, "Ann Lee"])
    shown = present.mask_pii_series(series, kind="email", show_pii=True)
    assert shown.iloc[0] == "a@b.co" and pd.isna(shown.iloc[1]) and shown.iloc[2] == "Ann Lee"
    masked = present.mask_pii_series(series, kind="email", show_pii=False)
    assert masked.iloc[0] == "a***@b.co" and pd.isna(masked.iloc[1]) and masked.iloc[2] == "***"


def test_table_masks_pii_columns_by_format_and_by_name_unless_show_pii():
    frame = pd.DataFrame(
        {
            "borrower": ["John Smith"],
            "email": ["john@example.com"],
            "phone": ["555-201-1234"],
            "referrer": ["Rita Realtor"],
        }
    )
    masked = present.table(frame, formats={"referrer": "name"}).data
    assert (
        "<tr><td>J*** S***</td><td>j***@example.com</td><td>***-***-1234</td>"
        "<td>R*** R***</td></tr>"
    ) in masked
    for raw in ("John", "john@", "201-1234", "Rita"):
        assert raw not in masked
    shown = present.table(frame, formats={"referrer": "name"}, show_pii=True).data
    assert (
        "<tr><td>John Smith</td><td>john@example.com</td><td>555-201-1234</td>"
        "<td>Rita Realtor</td></tr>"
    ) in shown


# --------------------------------------------------------------------------- small blocks
def test_badges_callouts_and_not_assessed_exact_html():
    assert present.status_badge("warn").data == (
        '<span class="kit-badge kit-badge--amber">Warning</span>'
    )
    assert present.status_badge("Not assessed").data == (
        '<span class="kit-badge kit-badge--grey">Not assessed</span>'
    )
    assert present.status_badge("<odd>").data == (
        '<span class="kit-badge kit-badge--grey">&lt;odd&gt;</span>'
    )
    assert present.callout("Only <3> weeks", kind="risk", title="Heads up").data == (
        '<div class="kit-callout kit-callout--risk"><p><strong>Heads up</strong> '
        "Only &lt;3&gt; weeks</p></div>"
    )
    assert present.not_assessed("no LOS loans provided").data == (
        '<div class="kit-callout kit-callout--muted"><p><strong>Not assessed:</strong> '
        "no LOS loans provided</p></div>"
    )
    with pytest.raises(ValueError, match="unknown callout kind"):
        present.callout("x", kind="loud")  # type: ignore[arg-type]


def test_heading_and_headlines_exact_html():
    assert present.heading("Team <North> & co", level=3).data == (
        '<h3 id="team-north-co">Team &lt;North&gt; &amp; co</h3>'
    )
    html = present.headlines(
        [
            present.Headline("Active producers", 9, note="of <14> seats", status="warn"),
            present.Headline("Seat spend idle", 0.25, format="percent"),
        ]
    ).data
    assert html == (
        '<div class="kit-headlines">'
        '<div class="kit-headline kit-headline--amber"><div class="kit-headline__value">9</div>'
        '<div class="kit-headline__label">Active producers</div>'
        '<div class="kit-headline__note">of &lt;14&gt; seats</div></div>'
        '<div class="kit-headline"><div class="kit-headline__value">25%</div>'
        '<div class="kit-headline__label">Seat spend idle</div></div></div>'
    )


def test_fragments_display_as_html_in_jupyter():
    data, _ = DisplayFormatter().format(present.callout("hi"))
    assert data["text/html"] == '<div class="kit-callout kit-callout--info"><p>hi</p></div>'
    assert str(present.callout("hi")) == data["text/html"]


# --------------------------------------------------------------------------- summary card
FINDINGS = pd.DataFrame(
    {
        "finding": [f"Finding {i}" for i in range(1, 7)] + ["<script>x</script>"],
        "severity": ["high", "high", "medium", "medium", "low", "low", "low"],
        "evidence": ["41 of 60 loans untouched"] + [None] * 6,
        "require": ["Update stages weekly", "Log calls", "Log calls", None, "A", "B", "C"],
    }
)


def test_summary_card_shows_score_band_top_findings_and_requirements():
    html = present.summary_card(score=49.6, findings=FINDINGS, top_n=3).data
    assert '<div class="kit-score kit-score--amber">' in html  # 49.6 shows as 50: amber
    assert '<div class="kit-score__value">50<span class="kit-score__of"> / 100</span></div>' in (
        html
    )
    assert '<div class="kit-score__band">Partly adopted</div>' in html
    assert '<span class="kit-scale__marker" style="left:49.6%"></span>' in html
    assert re.findall(r"<strong>(Finding \d)</strong>", html) == [
        "Finding 1",
        "Finding 2",
        "Finding 3",
    ]
    assert (
        '<li><span class="kit-badge kit-badge--red">High</span> <strong>Finding 1</strong>'
        '<p class="kit-finding__evidence">41 of 60 loans untouched</p></li>'
    ) in html
    assert '<ul class="kit-require"><li>Update stages weekly</li><li>Log calls</li></ul>' in html


@pytest.mark.parametrize(
    ("score", "band", "word"),
    [(0, "red", "Off track"), (74.4, "amber", "Partly adopted"), (75, "green", "On track")],
)
def test_summary_card_colour_scale(score, band, word):
    html = present.summary_card(score=score, findings=FINDINGS.head(1)).data
    assert f'<div class="kit-score kit-score--{band}">' in html
    assert f'<div class="kit-score__band">{word}</div>' in html


def test_summary_card_without_score_escapes_findings_and_takes_explicit_requirements():
    html = present.summary_card(
        score=None, findings=FINDINGS.tail(1), requires=["Require <this>"]
    ).data
    assert '<div class="kit-score kit-score--grey">' in html
    assert "Not scored: no standard could be assessed." in html
    assert "kit-scale__marker" not in html
    assert "<strong>&lt;script&gt;x&lt;/script&gt;</strong>" in html
    assert "<li>Require &lt;this&gt;</li>" in html


def test_summary_card_with_no_findings_and_bad_frame():
    html = present.summary_card(score=90, findings=FINDINGS.head(0)).data
    assert "No findings: every standard judged was met." in html
    assert "What to require next" not in html
    with pytest.raises(ValueError, match="'finding' column"):
        present.summary_card(score=1, findings=pd.DataFrame({"text": ["x"]}))


# --------------------------------------------------------------------------- figures
def _bar_figure():
    fig, ax = plt.subplots(figsize=(5, 2.5))
    ax.bar(["North", "South"], [3, 5])
    return fig


def test_figure_is_an_inline_reproducible_svg_with_alt_text_and_closes_the_figure():
    fig = _bar_figure()
    html = present.figure(fig, alt='Bars: North 3, South 5 "<b>"', caption="Calls <week>").data
    assert not plt.fignum_exists(fig.number)
    match = re.fullmatch(
        r'<figure class="kit-figure"><img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" '
        r'alt="Bars: North 3, South 5 &quot;&lt;b&gt;&quot;" width="(\d+)" height="(\d+)">'
        r"<figcaption>Calls &lt;week&gt;</figcaption></figure>",
        html,
    )
    assert match, html[:300]
    svg = base64.b64decode(match.group(1)).decode("utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "<dc:date>" not in svg
    # the img is as large as the tight-cropped SVG: points * 4/3 = CSS pixels
    points = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert int(match.group(2)) == round(float(points.group(1)) * 4 / 3)
    assert int(match.group(3)) == round(float(points.group(2)) * 4 / 3)
    assert 400 < int(match.group(2)) <= 480  # 5 inches wide before cropping
    assert (
        present.figure(_bar_figure(), alt="x").data == present.figure(_bar_figure(), alt="x").data
    )


def _chart(title: str, width: float):
    """What the kit's charts are: one axes in constrained layout, long tick labels, a legend
    beside the axes and a left-aligned title."""
    fig, ax = plt.subplots(figsize=(width, 2.2), layout="constrained")
    ax.barh(["Logged more than 24 hours late", "Missing owner"], [0.4, 0.9], label="Share")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(title, loc="left")
    ax.set_xlabel("Records with no issue")
    return fig


def _points(svg: bytes) -> tuple[float, float]:
    found = re.search(rb'width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert found
    return float(found.group(1)), float(found.group(2))


@pytest.mark.filterwarnings("ignore:constrained_layout not applied")
@pytest.mark.parametrize(
    ("title", "width"),
    [
        ("Weakest checks", 6.0),
        ("A title far wider than the six inches of this figure, written long on purpose", 6.0),
        ("Too narrow: the labels leave the axes no room", 2.0),
    ],
)
def test_figure_places_and_crops_a_chart_as_matplotlib_would(title: str, width: float):
    """present.figure lays a one-axes chart out itself (one measuring renderer, one draw):
    the axes land where constrained layout puts them and the crop is the tight crop, a
    title wider than the figure included, and a figure too narrow for its labels is left
    as constrained layout leaves it."""
    expected = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "crm-adoption-kit"}):
        reference = _chart(title, width)
        reference.savefig(expected, format="svg", metadata={"Date": None}, bbox_inches="tight")
    placed = reference.axes[0].get_position().bounds
    plt.close(reference)
    fig = _chart(title, width)
    html = present.figure(fig, alt="Two bars").data
    svg = base64.b64decode(re.search(r"base64,([^\"]+)", html).group(1))
    assert fig.axes[0].get_position().bounds == pytest.approx(placed, abs=1e-9)
    assert _points(svg) == pytest.approx(_points(expected.getvalue()), abs=1e-5)
    assert fig.get_layout_engine() is None  # laid out once: saving did not lay it out again


def _curves_chart():
    """A kit chart with every kind of text: tick labels, a title, axis labels, a legend, marks."""
    from kit.report import plots

    weekly = pd.DataFrame(
        {
            "team": ["North"] * 6 + ["South"] * 6,
            "week_number": list(range(6)) * 2,
            "share_active": [0.1, 0.4, 0.5, 0.7, 0.6, 0.9, 0.8, 0.6, 0.5, 0.3, 0.2, 0.2],
        }
    )
    return plots.adoption_curves(weekly, highlight="North", marks=[(21, "required")])


def test_figure_measures_each_text_and_ticks_once_and_draws_the_same_svg(monkeypatch):
    """present.figure keeps the first layout of each text and the ticks of each axis state
    while it places and saves a chart: the SVG is byte for byte the one matplotlib draws
    measuring everything afresh, and matplotlib's own methods are back afterwards."""
    from matplotlib.axis import Axis
    from matplotlib.text import Text

    layout, ticks = Text._get_layout, Axis._update_ticks
    kept = present.figure(_curves_chart().figure, alt="Two curves").data
    assert (Text._get_layout, Axis._update_ticks) == (layout, ticks)
    calls = {"layout": 0, "ticks": 0}

    def counted_layout(text, renderer):
        calls["layout"] += 1
        return layout(text, renderer)

    def counted_ticks(axis):
        calls["ticks"] += 1
        return ticks(axis)

    monkeypatch.setattr(Text, "_get_layout", counted_layout)
    monkeypatch.setattr(Axis, "_update_ticks", counted_ticks)
    present.figure(_curves_chart().figure, alt="Two curves")
    once = dict(calls)
    monkeypatch.setattr(present, "_measured_once", contextlib.nullcontext)
    calls.update(layout=0, ticks=0)
    afresh = present.figure(_curves_chart().figure, alt="Two curves").data
    assert afresh == kept
    assert once["layout"] < calls["layout"] / 3 and once["ticks"] < calls["ticks"] / 3


def test_dense_figures_fall_back_to_png_and_alt_text_is_required():
    fig, ax = plt.subplots(figsize=(6, 4))
    rng = np.random.default_rng(0)
    ax.scatter(rng.random(20_000), rng.random(20_000), s=2)
    html = present.figure(fig, alt="Scatter of 20,000 contacts").data
    assert html.startswith('<figure class="kit-figure"><img src="data:image/png;base64,')
    png = base64.b64decode(re.search(r"base64,([^\"]+)", html).group(1))
    assert int(re.search(r'width="(\d+)"', html).group(1)) == round(
        int.from_bytes(png[16:20], "big") * 96 / 144
    )
    assert len(html) < 400_000
    with pytest.raises(ValueError, match="alt text"):
        present.figure(_bar_figure(), alt="  ")


# --------------------------------------------------------------------------- header facts
def test_header_records_the_report_facts_in_a_hidden_mime_type():
    h = present.header(
        client="Acme <Lending>",
        title="CRM adoption assessment",
        team="North",
        as_of=pd.Timestamp("2025-03-31 17:00"),
        window_start="2025-01-01",
        window_end="2025-03-31",
        data_start="2024-06-03",
        data_end="2025-03-30",
        kit_version="9.9.9",
    )
    data, _ = DisplayFormatter().format(h)
    assert data[present.FACTS_MIMETYPE] == {
        "client": "Acme <Lending>",
        "title": "CRM adoption assessment",
        "team": "North",
        "as_of": "2025-03-31",
        "window_start": "2025-01-01",
        "window_end": "2025-03-31",
        "data_start": "2024-06-03",
        "data_end": "2025-03-30",
        "kit_version": "9.9.9",
        "method": present.DEFAULT_METHOD,
        "show_pii": False,
        "warnings": [],
    }
    assert data["text/html"] == (
        '<div class="kit-header-preview"><strong>Acme &lt;Lending&gt; · North</strong><br>'
        "CRM adoption assessment: as of Mar 31, 2025, window Jan 1, 2025 to Mar 31, 2025</div>"
    )


def test_header_rejects_bad_dates():
    base = dict(
        client="A",
        title="T",
        as_of="2025-03-31",
        window_start="2025-01-01",
        window_end="2025-03-31",
        data_start="2025-01-01",
        data_end="2025-03-31",
    )
    with pytest.raises(ParameterError, match="as_of 'soon' is not a date"):
        present.header(**{**base, "as_of": "soon"})
    with pytest.raises(ParameterError, match="window starts"):
        present.header(**{**base, "window_start": "2025-04-01"})


def test_text_that_reads_as_numbers_is_right_aligned_and_prose_gets_room():
    frame = pd.DataFrame(
        {
            "measure": ["Weekly active producers", "Median speed to lead"],
            "value": ["58%", "16 min"],
            "based_on": ["42 of 72", "88 records"],
            "why": ["logged 14 activities a week in their first 6 weeks but 0.2 since", "—"],
        }
    )
    html = present.table(frame).data
    assert (
        '<thead><tr><th scope="col">Measure</th><th scope="col" class="num">Value</th>'
        '<th scope="col" class="num">Based on</th><th scope="col" class="long">Why</th>'
        "</tr></thead>"
    ) in html
    assert '<tr><td>Median speed to lead</td><td class="num">16 min</td>' in html
    assert '<td class="num">88 records</td><td class="long">—</td></tr>' in html


def test_all_missing_scores_and_links_render_as_dashes():
    """Regression: an all-blank score or link column (a team with nothing assessed, a
    portfolio whose reports all failed) must not break the string concatenation."""
    frame = pd.DataFrame({"score": [float("nan")] * 2, "team": ["a", "b"], "href": [None, None]})
    html = present.table(frame, formats={"score": "score"}, links={"team": "href"}).data
    assert html.count('<span class="kit-na">—</span>') == 4
    assert "<a " not in html
    assert "<td>a</td>" in html
