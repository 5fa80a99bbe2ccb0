"""kit.report.render: executed notebooks become safe, self-contained client reports."""

from __future__ import annotations

import base64
import re
import zlib
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from IPython.core.formatters import DisplayFormatter
from nbformat.v4 import (
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
    new_raw_cell,
)

from kit._version import __version__
from kit.exceptions import AssessmentError, InputError, KitError, ParameterError
from kit.report import present
from kit.report.render import find_chromium, prepare_notebook, render_html, render_pdf

FACTS = dict(
    client="Acme <Lending>",
    title="CRM adoption assessment",
    team="North & <Team>",
    as_of="2025-03-31",
    window_start="2025-01-01",
    window_end="2025-03-31",
    data_start="2024-06-03",
    data_end="2025-03-30",
)


def _display(obj: object) -> dict:
    data, metadata = DisplayFormatter().format(obj)
    return new_output("display_data", data=data, metadata=metadata)


def _executed(*cells, show_pii: bool = False) -> nbformat.NotebookNode:
    """A hand-made 'executed' notebook: a header output, then ``cells``."""
    header = new_code_cell(
        "present.header(...)", outputs=[_display(present.header(**FACTS, show_pii=show_pii))]
    )
    return new_notebook(cells=[header, *cells])


def _write(nb: nbformat.NotebookNode, path: Path) -> Path:
    nbformat.write(nb, path)
    return path


def _html_cell(html: str) -> nbformat.NotebookNode:
    return new_code_cell("x", outputs=[new_output("display_data", data={"text/html": html})])


# --------------------------------------------------------------------------- preparing
def test_prepare_keeps_only_what_a_client_should_see():
    nb = _executed(
        new_code_cell("p = 1", metadata={"tags": ["parameters"]}),
        new_code_cell("p = 2", metadata={"tags": ["injected-parameters"]}),
        new_code_cell(
            "secret()",
            metadata={"tags": ["hide"]},
            outputs=[new_output("display_data", data={"text/html": "<p>hidden</p>"})],
        ),
        new_raw_cell("raw text"),
        new_markdown_cell("## Section"),
        new_code_cell(
            "noise()",
            outputs=[
                new_output("stream", name="stdout", text="loading...\n"),
                new_output("stream", name="stderr", text="UserWarning: careful\n"),
                new_output("execute_result", data={"text/plain": "<Figure size 640x480>"}),
                new_output(
                    "display_data",
                    data={"application/javascript": "alert(1)", "text/plain": "js"},
                ),
            ],
        ),
        new_code_cell(
            "shown()",
            outputs=[
                new_output(
                    "execute_result", data={"text/html": "<p>kept</p>", "text/plain": "kept"}
                ),
                new_output("display_data", data={"text/markdown": "*also kept*"}),
            ],
        ),
    )
    prepared, facts = prepare_notebook(nb)
    assert facts["client"] == "Acme <Lending>" and facts["show_pii"] is False
    assert [c.cell_type for c in prepared.cells] == ["markdown", "code"]
    code = prepared.cells[1]
    assert code.source == ""
    assert [o["data"] for o in code.outputs] == [
        {"text/html": "<p>kept</p>"},
        {"text/markdown": "*also kept*"},
    ]
    assert len(nb.cells) == 8  # the input notebook is not modified


def test_prepare_refuses_failed_cells_charts_without_alt_and_missing_header():
    failed = _executed(
        new_code_cell(
            "1/0",
            outputs=[new_output("error", ename="ZeroDivisionError", evalue="division by zero")],
        ),
        new_code_cell(
            "plt.show()",
            outputs=[new_output("display_data", data={"image/png": "iVBORw0KGgo="})],
        ),
    )
    with pytest.raises(AssessmentError) as caught:
        prepare_notebook(failed, source="north.ipynb")
    assert caught.value.message == "north.ipynb cannot be rendered as a report"
    assert caught.value.problems == [
        "cell 2 failed: ZeroDivisionError: division by zero",
        "cell 3 shows a chart without alt text: "
        "display it with kit.report.present.figure(fig, alt=...)",
    ]
    with pytest.raises(AssessmentError, match=r"never displays kit\.report\.present\.header"):
        prepare_notebook(new_notebook(cells=[new_markdown_cell("# Hi")]))


def test_bare_images_with_alt_metadata_become_figures():
    image = new_output(
        "display_data",
        data={"image/png": "iVBOR\nw0KGgo=\n"},
        metadata={"image/png": {"alt": 'Chart "<x>"'}},
    )
    prepared, _ = prepare_notebook(_executed(new_code_cell("c", outputs=[image])))
    assert prepared.cells[0].outputs[0]["data"] == {
        "text/html": '<figure class="kit-figure"><img src="data:image/png;base64,iVBORw0KGgo=" '
        'alt="Chart &quot;&lt;x&gt;&quot;"></figure>'
    }


# --------------------------------------------------------------------------- rendering
def test_rendered_page_has_header_contents_and_footer(tmp_path):
    nb = _executed(
        new_markdown_cell("## Executive summary\n\nFirst."),
        _html_cell(present.heading("Team <North> detail").data),
        new_markdown_cell("### Not in contents\n\n## Executive summary"),
    )
    out = render_html(_write(nb, tmp_path / "n.ipynb"), tmp_path / "out" / "north.html")
    assert out == tmp_path / "out" / "north.html"
    assert sorted(p.name for p in out.parent.iterdir()) == ["north.html"]  # nothing half-written
    page = out.read_text(encoding="utf-8")
    assert (
        "<title>CRM adoption assessment · North &amp; &lt;Team&gt; · Acme &lt;Lending&gt;" in page
    )
    assert '<p class="report-header__client">Acme &lt;Lending&gt;</p>' in page
    assert '<p class="report-header__team">North &amp; &lt;Team&gt;</p>' in page
    assert "<div><dt>As of</dt><dd>Mar 31, 2025</dd></div>" in page
    assert "<div><dt>Assessment window</dt><dd>Jan 1 – Mar 31, 2025</dd></div>" in page
    assert re.findall(r'<li><a href="#([^"]+)">(.*?)</a></li>', page) == [
        ("executive-summary", "Executive summary"),
        ("team-north-detail", "Team &lt;North&gt; detail"),
        ("executive-summary-3", "Executive summary"),
    ]
    assert re.findall(r"<h2 id=\"([^\"]+)\"", page) == [
        "executive-summary",
        "team-north-detail",
        "executive-summary-3",
    ]
    assert "Records dated Jun 3, 2024 – Mar 30, 2025" in page
    assert f"with the CRM adoption kit, version {__version__}." in page
    assert "Borrower names, emails and phone numbers are masked." in page
    assert "Internal consultant copy" not in page
    assert "default-src 'none'" in page  # the browser itself refuses any outside request


@pytest.mark.parametrize(
    "html",
    [
        '<img src="https://cdn.example.com/x.png" alt="x">',
        '<link rel="stylesheet" href="//fonts.example.com/a.css">',
        '<div style="background: url(http://t.example/p.gif)">x</div>',
        "<style>@import 'https://fonts.example.com/b.css';</style>",
        '<img src="chart.png" alt="a file beside the report">',
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<img src="data:," alt="x" onerror="alert(1)">',
        '<iframe src="data:text/html,hi"></iframe>',
    ],
)
def test_outputs_that_load_or_run_anything_are_refused(tmp_path, html):
    nb = _write(_executed(_html_cell(html)), tmp_path / "n.ipynb")
    with pytest.raises(AssessmentError, match="self-contained"):
        render_html(nb, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_client_text_that_looks_like_markup_is_escaped_and_allowed(tmp_path):
    notes = pd.DataFrame(
        {
            "note": [
                '<img src="https://evil.example/x.png" onerror="alert(1)">',
                "see url(http://evil.example) or @import 'https://x'",
                "<a href=javascript:alert(1)>click</a> src=//evil.example",
            ]
        }
    )
    cell = _html_cell(present.table(notes).data)
    page = render_html(_write(_executed(cell), tmp_path / "n.ipynb"), tmp_path / "r.html")
    text = page.read_text(encoding="utf-8")
    # (nbconvert's final pass writes quotes in text unescaped: still text, not a tag)
    assert '>&lt;img src="https://evil.example/x.png" onerror="alert(1)"&gt;</td>' in text
    assert "<img src=" not in text.split('<main class="report"')[1]


def test_relative_links_and_inline_images_are_allowed(tmp_path):
    html = '<a href="teams/north.html">North</a><img src="data:image/png;base64,AAAA" alt="x">'
    page = render_html(
        _write(_executed(_html_cell(html)), tmp_path / "n.ipynb"), tmp_path / "r.html"
    )
    assert '<a href="teams/north.html">North</a>' in page.read_text(encoding="utf-8")


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    raw = b"".join(b"\x00" + b"\x1f\x4e\x79" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_logo_and_brand_colour(tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(_png(4, 2))
    nb = _write(_executed(), tmp_path / "n.ipynb")
    page = render_html(nb, tmp_path / "r.html", logo=logo, brand_colour="#FFD700").read_text()
    encoded = base64.b64encode(logo.read_bytes()).decode()
    assert (
        f'<img alt="Acme &lt;Lending&gt;" class="report-header__logo" '
        f'src="data:image/png;base64,{encoded}"/>'
    ) in page
    # gold is too light for white text: the header text turns dark
    assert ":root { --brand: #ffd700; --brand-ink: #1d2733; }" in page
    navy = render_html(nb, tmp_path / "r2.html", brand_colour="#123").read_text()
    assert ":root { --brand: #123; --brand-ink: #ffffff; }" in navy
    with pytest.raises(ParameterError, match="not a hex colour"):
        render_html(nb, tmp_path / "r3.html", brand_colour="red;} body{display:none")
    with pytest.raises(ParameterError, match="must be a"):
        render_html(nb, tmp_path / "r3.html", logo=tmp_path / "logo.bmp")
    with pytest.raises(ParameterError, match="cannot read logo"):
        render_html(nb, tmp_path / "r3.html", logo=tmp_path / "missing.png")
    assert not (tmp_path / "r3.html").exists()


def test_a_notebook_run_with_pii_renders_only_as_an_internal_copy(tmp_path):
    nb = _write(_executed(show_pii=True), tmp_path / "n.ipynb")
    with pytest.raises(ParameterError, match="executed with show_pii=True"):
        render_html(nb, tmp_path / "leader.html")
    page = render_html(nb, tmp_path / "internal.html", show_pii=True).read_text()
    assert '<div class="internal-copy" role="note"><strong>Internal consultant copy.' in page
    assert "Internal consultant copy: contains borrower personal data." in page


def test_unreadable_notebook_is_a_clear_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read the executed notebook"):
        render_html(tmp_path / "missing.ipynb", tmp_path / "r.html")
    (tmp_path / "bad.ipynb").write_text("{not json")
    with pytest.raises(InputError, match=r"bad\.ipynb"):
        render_html(tmp_path / "bad.ipynb", tmp_path / "r.html")


def test_pdf_needs_a_browser_that_exists(tmp_path):
    with pytest.raises(KitError, match=r"no-chromium \(--browser\) was not found"):
        render_pdf(tmp_path / "r.html", tmp_path / "r.pdf", chromium=tmp_path / "no-chromium")
    with pytest.raises(ParameterError, match="paper"):
        render_pdf(tmp_path / "r.html", tmp_path / "r.pdf", paper="legal")  # type: ignore[arg-type]
    assert not (tmp_path / "r.pdf").exists()


# --------------------------------------------------------------------------- end to end
PARAMETERS = "client = 'Demo client'\nshow_pii = False"
SETUP = """\
import warnings
import matplotlib
matplotlib.use("agg")
import matplotlib.pyplot as plt
import pandas as pd
from kit.report import present
print("loading results... LOGLINE-7731")
warnings.warn("WARNTEXT-4417: something noisy")
"""
HEADER = """\
present.header(client=client, title="CRM adoption assessment", team="North <Team>",
               as_of="2025-03-31", window_start="2025-01-01", window_end="2025-03-31",
               data_start="2024-06-03", data_end="2025-03-30", show_pii=show_pii)
"""
SUMMARY = """\
findings = pd.DataFrame({
    "finding": ["Loans sit in stale stages <script>alert(1)</script>", "Calls lack next steps"],
    "severity": ["high", "medium"],
    "require": ["Update every open loan's stage weekly", "Write a next step on every call"],
})
present.summary_card(score=46.0, findings=findings)
"""
TABLE = """\
loans = pd.DataFrame({
    "producer": ["Ana Ruiz", "Ben <script>alert(2)</script>"],
    "borrower_name": ["Johnathan Quimby", "Maribel Vasquez"],
    "email": ["jquimby@example.com", "mv@example.org"],
    "open_loans": [1234, 7],
    "stale_share": [0.4567, 0.0],
})
present.table(loans, formats={"stale_share": "percent"}, caption="Stale loans by producer",
              show_pii=show_pii)
"""
FIGURE = """\
fig, ax = plt.subplots(figsize=(6, 3))
ax.bar(["Ana", "Ben"], [12, 4])
present.figure(fig, alt="Bar chart: Ana logged 12 calls, Ben 4")
"""


@pytest.fixture(scope="module")
def source_notebook(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("nb")
    nb = new_notebook(
        cells=[
            new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
            new_code_cell(SETUP),
            new_code_cell(HEADER),
            new_markdown_cell("## Executive summary\n\nThe three things that matter."),
            new_code_cell(SUMMARY),
            new_markdown_cell("## Pipeline truth\n\nLoans whose stage has not moved."),
            new_code_cell(TABLE),
            new_markdown_cell("## Follow-up\n\nCalls logged per producer."),
            new_code_cell(FIGURE),
            new_code_cell("total = 1 + 1"),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    return _write(nb, folder / "team.ipynb")


def _execute(source: Path, out: Path, **parameters) -> Path:
    import papermill

    papermill.execute_notebook(
        str(source),
        str(out),
        parameters=parameters,
        kernel_name="python3",
        progress_bar=False,
        log_output=False,
    )
    return out


@pytest.fixture(scope="module")
def leader_report(source_notebook, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("leader")
    executed = _execute(source_notebook, folder / "team.ipynb", client="Acme <Lending>")
    return render_html(executed, folder / "team.html")


@pytest.mark.slow
def test_end_to_end_report_shows_no_code_prompts_parameters_or_logs(leader_report):
    executed = nbformat.read(leader_report.with_suffix(".ipynb"), as_version=4)
    tags = [c.metadata.get("tags", []) for c in executed.cells]
    assert ["injected-parameters"] in tags  # papermill did inject parameters
    streams = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert any(o.output_type == "stream" and "WARNTEXT-4417" in o.text for o in streams)

    page = leader_report.read_text(encoding="utf-8")
    for leaked in (
        "LOGLINE-7731",
        "WARNTEXT-4417",
        "UserWarning",
        "import warnings",
        "present.header(",
        "total = 1 + 1",
        "show_pii",
        "Demo client",
        "Parameters",
        "In&nbsp;[",
        "In [",
        "Out[",
        "jp-InputPrompt",
        "Traceback",
    ):
        assert leaked not in page, leaked
    assert re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', page) == [
        ("executive-summary", "Executive summary"),
        ("pipeline-truth", "Pipeline truth"),
        ("follow-up", "Follow-up"),
    ]


@pytest.mark.slow
def test_end_to_end_report_is_self_contained_safe_and_branded(leader_report):
    page = leader_report.read_text(encoding="utf-8")
    assert not re.search(r"<script", page, flags=re.IGNORECASE)
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page)
    assert "http://" not in page and "https://" not in page
    # header and footer
    assert '<p class="report-header__client">Acme &lt;Lending&gt;</p>' in page
    assert '<p class="report-header__team">North &lt;Team&gt;</p>' in page
    assert "<dd>Mar 31, 2025</dd>" in page
    assert f"with the CRM adoption kit, version {__version__}." in page
    # data is escaped, PII masked, numbers formatted
    assert "Loans sit in stale stages &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<td>Ben &lt;script&gt;alert(2)&lt;/script&gt;</td>" in page
    assert "<td>J*** Q***</td><td>j***@example.com</td>" in page
    for pii in ("Johnathan", "Quimby", "Maribel", "jquimby@", "mv@example"):
        assert pii not in page
    assert '<td class="num">1,234</td><td class="num">46%</td>' in page
    assert '<div class="kit-score kit-score--red">' in page
    assert 'alt="Bar chart: Ana logged 12 calls, Ben 4"' in page
    size = leader_report.stat().st_size
    print(f"\nrendered test report: {size:,} bytes")
    assert size < 2_000_000


@pytest.mark.slow
def test_end_to_end_internal_copy_shows_pii(source_notebook, tmp_path):
    executed = _execute(source_notebook, tmp_path / "team.ipynb", show_pii=True)
    with pytest.raises(ParameterError):
        render_html(executed, tmp_path / "leader.html")
    page = render_html(executed, tmp_path / "internal.html", show_pii=True).read_text()
    assert "<td>Johnathan Quimby</td><td>jquimby@example.com</td>" in page
    assert "Internal consultant copy." in page


@pytest.mark.slow
@pytest.mark.skipif(find_chromium() is None, reason="the system's Chromium is not installed")
@pytest.mark.parametrize(("paper", "box"), [("letter", (612, 792)), ("a4", (595.3, 841.9))])
def test_pdf_is_printed_by_the_system_chromium(leader_report, tmp_path, paper, box):
    pdf = render_pdf(leader_report, tmp_path / "team.pdf", paper=paper)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert len(boxes) >= 2  # a cover page, then the sections
    width, height = (float(v) for v in boxes[0])
    assert (width, height) == pytest.approx(box, abs=1)  # points; A4 is 210 x 297 mm
    assert sorted(p.name for p in tmp_path.iterdir()) == ["team.pdf"]
    assert not [p for p in leader_report.parent.iterdir() if p.name.startswith(".")]
