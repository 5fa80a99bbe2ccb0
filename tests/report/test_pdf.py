"""PDFs are printed by whichever Chromium, Chrome or Edge the machine has, and the printed
team report has no half-empty pages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kit.exceptions import ParameterError
from kit.report.render import BROWSER_ENV, find_browser, render_pdf, require_browser

CHROMIUM = Path("/usr/bin/chromium")


def _fake(path: Path, script: str = "#!/bin/sh\nexit 0\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(script)
    path.chmod(0o755)
    return path


def test_names_on_path_are_tried_chromium_first(tmp_path: Path) -> None:
    bin_ = tmp_path / "bin"
    chrome = _fake(bin_ / "google-chrome")
    env = {"PATH": str(bin_), "HOME": str(tmp_path)}
    assert find_browser(environ=env, system="Linux") == chrome
    chromium = _fake(bin_ / "chromium")
    assert find_browser(environ=env, system="Linux") == chromium
    (bin_ / "chromium").unlink()
    (bin_ / "google-chrome").unlink()
    edge = _fake(bin_ / "msedge")
    assert find_browser(environ=env, system="Linux") == edge


def test_macos_application_bundles_are_found(tmp_path: Path) -> None:
    app = _fake(tmp_path / "Applications" / "Google Chrome.app/Contents/MacOS/Google Chrome")
    env = {"PATH": str(tmp_path / "empty"), "HOME": str(tmp_path)}
    assert find_browser(environ=env, system="Darwin") == app
    assert find_browser(environ=env, system="Windows") is None


def test_windows_installs_are_found(tmp_path: Path) -> None:
    edge = _fake(tmp_path / "Program Files (x86)" / "Microsoft/Edge/Application/msedge.exe")
    env = {
        "PATH": str(tmp_path / "empty"),
        "PROGRAMFILES": str(tmp_path / "Program Files"),
        "PROGRAMFILES(X86)": str(tmp_path / "Program Files (x86)"),
    }
    assert find_browser(environ=env, system="Windows") == edge
    chrome = _fake(tmp_path / "Program Files" / "Google/Chrome/Application/chrome.exe")
    assert find_browser(environ=env, system="Windows") == chrome


def test_the_named_browser_and_the_environment_variable_win(tmp_path: Path) -> None:
    bin_ = tmp_path / "bin"
    _fake(bin_ / "chromium")
    mine = _fake(tmp_path / "opt" / "my-chrome")
    env = {"PATH": str(bin_), BROWSER_ENV: str(mine)}
    assert find_browser(environ=env) == mine
    other = _fake(tmp_path / "opt" / "other")
    assert find_browser(other, environ=env) == other
    assert find_browser(tmp_path / "missing", environ=env) is None


def test_a_missing_browser_says_how_to_get_one(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv(BROWSER_ENV, raising=False)
    monkeypatch.setattr("kit.report.render._LINUX_PATHS", ())
    with pytest.raises(ParameterError, match=r"--browser PATH or the ADOPTION_KIT_BROWSER"):
        require_browser()
    with pytest.raises(ParameterError, match=r"nope \(--browser\) was not found"):
        require_browser(tmp_path / "nope")
    monkeypatch.setenv(BROWSER_ENV, str(tmp_path / "gone"))
    with pytest.raises(ParameterError, match=r"gone \(ADOPTION_KIT_BROWSER\) was not found"):
        require_browser()


def test_assess_refuses_a_missing_browser_before_any_work(tmp_path: Path) -> None:
    (tmp_path / "export").mkdir()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kit",
            "assess",
            str(tmp_path / "export"),
            "--out",
            str(tmp_path / "out"),
            "--browser",
            str(tmp_path / "no-such-browser"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "no-such-browser (--browser) was not found" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- page fill
_PAINT = frozenset({b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*", b"S", b"s"})
_STROKE_ONLY = frozenset({b"S", b"s"})
_NUMERIC_OPS = frozenset(
    {b"cm", b"rg", b"RG", b"g", b"G", b"k", b"K", b"sc", b"scn", b"SC", b"SCN"}
    | {b"re", b"m", b"l", b"c", b"v", b"y", b"Tm", b"Td", b"TD"}
)


def _times(m: list[float], n: list[float]) -> list[float]:
    """The PDF matrix product ``m x n`` (``m`` applied first)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return [
        a * p + b * r,
        a * q + b * s,
        c * p + d * r,
        c * q + d * s,
        e * p + f * r + t,
        e * q + f * s + u,
    ]


def _unpainted(colour: list[float]) -> bool:
    """White (RGB or grey 1, CMYK 0): the page's own colour, nothing drawn."""
    if len(colour) == 4:
        return all(v <= 0.01 for v in colour)
    return all(v >= 0.99 for v in colour)


def _lowest(stream, resources, ctm: list[float], reader) -> float:
    """The lowest point, in page space, that a content stream draws: text, images, and
    filled or stroked paths that are not white (Chromium prints an SVG chart as paths, its
    labels too, and paints the page white first)."""
    from pypdf.generic import ContentStream

    xobjects = resources.get("/XObject", {}) if resources else {}
    saved: list[tuple[list[float], list[float], list[float]]] = []
    fill: list[float] = [0.0]
    stroke: list[float] = [0.0]
    path: list[tuple[float, float]] = []
    text_line = text = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    lowest = float("inf")

    def y(m: list[float], px: float, py: float) -> float:
        return m[1] * px + m[3] * py + m[5]

    for operands, op in ContentStream(stream, reader).operations:
        args = [float(v) for v in operands] if op in _NUMERIC_OPS else []
        if op == b"q":
            saved.append((ctm, fill, stroke))
        elif op == b"Q" and saved:
            ctm, fill, stroke = saved.pop()
        elif op == b"cm":
            ctm = _times(args, ctm)
        elif op in (b"rg", b"g", b"k", b"sc", b"scn"):
            fill = args
        elif op in (b"RG", b"G", b"K", b"SC", b"SCN"):
            stroke = args
        elif op == b"re":
            x0, y0, w, h = args
            path += [(x0, y0), (x0 + w, y0 + h)]
        elif op in (b"m", b"l", b"c", b"v", b"y"):
            path += list(zip(args[::2], args[1::2], strict=True))
        elif op in _PAINT:
            if not _unpainted(stroke if op in _STROKE_ONLY else fill):
                lowest = min([lowest, *(y(ctm, px, py) for px, py in path)])
            path = []
        elif op == b"n":  # a clipping path: nothing is painted
            path = []
        elif op == b"BT":
            text_line = text = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
        elif op == b"Tm":
            text_line = text = args
        elif op in (b"Td", b"TD"):
            text_line = text = _times([1.0, 0.0, 0.0, 1.0, args[0], args[1]], text_line)
        elif op in (b"Tj", b"TJ", b"'", b'"') and not _unpainted(fill):
            lowest = min(lowest, y(_times(text, ctm), 0.0, 0.0))
        elif op == b"Do" and operands[0] in xobjects:
            xobject = xobjects[operands[0]].get_object()
            if xobject.get("/Subtype") == "/Image":  # the unit square, placed by the matrix
                lowest = min([lowest, *(y(ctm, px, py) for px in (0, 1) for py in (0, 1))])
            elif xobject.get("/Subtype") == "/Form":
                matrix = [float(v) for v in xobject.get("/Matrix", [1, 0, 0, 1, 0, 0])]
                form = _lowest(xobject, xobject.get("/Resources"), _times(matrix, ctm), reader)
                lowest = min(lowest, form)
    return lowest


def _fill(page) -> float:
    """How far down the page its lowest text or drawing reaches, as a share of its height.

    It agrees within 0.04 with the lowest non-white pixel row of the page rasterized
    (poppler's pdftoppm at 30 dpi, every page of the seven demo team reports). Reading text
    positions alone missed every chart (an SVG chart prints as paths, its labels included).
    """
    height = float(page.mediabox.height)
    identity = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    lowest = _lowest(page.get_contents(), page.get("/Resources"), identity, page.pdf)
    return 0.0 if lowest == float("inf") else 1 - max(lowest, 0.0) / height


def _print(html: Path, pdf: Path, browser: Path | None = None) -> list:
    import pypdf

    return list(pypdf.PdfReader(render_pdf(html, pdf, browser=browser)).pages)


needs_chromium = pytest.mark.skipif(
    not CHROMIUM.is_file(), reason="needs Debian's chromium (apt-get install chromium)"
)


@pytest.mark.slow
@needs_chromium
def test_every_printed_demo_team_report_has_no_half_empty_page(demo_reports: Path, tmp_path):
    """The sections follow one another: only the last page may be short, and the pages are
    as few as the content allows (a page per section printed Old Mill on 18 pages, seven of
    them less than half full)."""
    # a browser given by path, as on a laptop whose Chrome is not on PATH
    browser = _fake(tmp_path / "bin" / "msedge", f'#!/bin/sh\nexec {CHROMIUM} "$@"\n')
    reports = sorted((demo_reports / "teams").glob("*.html"))
    assert len(reports) == 7
    short = {}
    for report in reports:
        fills = [round(_fill(p), 2) for p in _print(report, tmp_path / "team.pdf", browser)]
        assert len(fills) >= 3, (report.stem, fills)  # a cover page, then the sections
        if min(fills[:-1]) < 0.5 or sum(fills[:-1]) / len(fills[:-1]) < 0.8:
            short[report.stem] = fills
    assert not short, short


def _filler(words: int) -> str:
    """A paragraph of about ``words`` words of plain prose."""
    sentence = "The team logs each call in the CRM on the day it happens and reviews it weekly. "
    return (sentence * (words // 16 + 1)).strip()


@pytest.mark.slow
@needs_chromium
def test_a_block_taller_than_the_rest_of_a_page_breaks_instead_of_moving_on(tmp_path):
    """A third of a page of text, then an executive summary taller than the rest of the
    page; a section whose text fills half a page, then a chart drawn as tall as a page.
    The summary starts under the text and breaks between its findings, and the chart
    prints at most half a page tall, so no page before the last is under half full (kept
    whole, the summary moved on and left its page 38% full; the chart, 210 mm tall, left
    its page 45% full)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import nbformat
    import pandas as pd
    from IPython.core.formatters import DisplayFormatter
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from kit.report import present
    from kit.report.render import render_html

    def shown(fragment: object) -> nbformat.NotebookNode:
        data, metadata = DisplayFormatter().format(fragment)
        return new_code_cell(
            "x", outputs=[new_output("display_data", data=data, metadata=metadata)]
        )

    findings = pd.DataFrame(
        {
            "finding": [f"Finding {n}: {_filler(12)}" for n in range(1, 5)],
            "severity": ["high"] * 4,
            "evidence": [_filler(20)] * 4,
            "require": [f"Requirement {n}: {_filler(15)}" for n in range(1, 5)],
        }
    )
    fig, ax = plt.subplots(figsize=(6, 9))
    ax.barh([f"producer {n}" for n in range(30)], range(30))
    nb = new_notebook(
        cells=[
            shown(
                present.header(
                    client="Acme",
                    title="CRM adoption assessment",
                    team="North",
                    as_of="2025-03-31",
                    window_start="2025-01-01",
                    window_end="2025-03-31",
                    data_start="2024-06-03",
                    data_end="2025-03-30",
                )
            ),
            new_markdown_cell("## Executive summary\n\n" + "\n\n".join([_filler(90)] * 2)),
            shown(present.summary_card(score=41, findings=findings)),
            new_markdown_cell("## Trajectory\n\n" + "\n\n".join([_filler(90)] * 3)),
            shown(present.figure(fig, alt="Bar chart: thirty producers")),
            new_markdown_cell("## Appendix\n\nThe end."),
        ]
    )
    notebook = tmp_path / "north.ipynb"
    nbformat.write(nb, notebook)
    pages = _print(render_html(notebook, tmp_path / "north.html"), tmp_path / "north.pdf")
    texts = [page.extract_text() for page in pages]
    fills = [round(_fill(page), 2) for page in pages]
    # the cover, then the first section on a page of its own, its summary starting under it
    assert "Executive summary" in texts[1] and "Finding 1:" in texts[1], fills
    assert min(fills[1:-1]) >= 0.5, fills
