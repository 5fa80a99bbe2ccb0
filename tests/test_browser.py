"""A real browser opens rendered reports with the network cut off.

Headless Chromium from the system's package manager (``/usr/bin/chromium``, installed by
``.ci/run`` when missing), driven by Playwright; never a browser Playwright downloads. The test
fails on any console error, any request that is not for the file itself or an inline
``data:`` image, or a key section that is not visible; it saves desktop and phone screenshots
in its temporary folder.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
]
sync_api = pytest.importorskip("playwright.sync_api")


@dataclass
class Visit:
    """What happened while a page was open."""

    console_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.blocked == [], f"requests left the file: {self.blocked}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"
        assert self.failed == [], f"failed requests: {self.failed}"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=FLAGS, headless=True
        )
        # the system's Chromium, not one Playwright downloaded
        system = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True)
        assert browser.version in system.stdout
        yield browser
        browser.close()


def _open(browser, html: Path, viewport: dict[str, int]):
    """Open ``html`` offline; every request other than file: and data: is blocked."""
    visit = Visit()
    context = browser.new_context(viewport=viewport, offline=True, java_script_enabled=True)

    def guard(route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            visit.blocked.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and visit.console_errors.append(m.text))
    page.on("pageerror", lambda e: visit.console_errors.append(str(e)))
    page.on("requestfailed", lambda r: visit.failed.append(f"{r.url}: {r.failure}"))
    page.goto(html.resolve().as_uri(), wait_until="load")
    return page, visit


# --------------------------------------------------------------------------- the report
SOURCE = [
    ("code", "client = 'Demo client'\nshow_pii = False", ["parameters"]),
    (
        "code",
        "import matplotlib\nmatplotlib.use('agg')\nimport matplotlib.pyplot as plt\n"
        "import pandas as pd\nfrom kit import present\nprint('log line')",
        [],
    ),
    (
        "code",
        "present.header(client=client, title='CRM adoption assessment', team='North',"
        " as_of='2025-03-31', window_start='2025-01-01', window_end='2025-03-31',"
        " data_start='2024-06-03', data_end='2025-03-30', show_pii=show_pii)",
        [],
    ),
    ("markdown", "## Executive summary\n\nWhat matters most this quarter.", []),
    (
        "code",
        "present.summary_card(score=46, findings=pd.DataFrame({'finding': ['Stale stages "
        "<script>alert(1)</script>', 'No next steps'], 'severity': ['high', 'medium'], "
        "'require': ['Update stages weekly', 'Write a next step']}))",
        [],
    ),
    ("markdown", "## Producer scorecard\n\nEvery producer, side by side.", []),
    (
        "code",
        "present.table(pd.DataFrame({'producer': [f'Producer {i} with a long name' for i in "
        "range(30)], 'calls': range(1000, 1030), 'share': [i / 30 for i in range(30)], "
        "'borrower_email': ['someone@example.com'] * 30, 'note': ['<b>x</b>'] * 30, "
        "'extra_a': [1.5] * 30, 'extra_b': [2.5] * 30}), formats={'share': 'percent'})",
        [],
    ),
    ("markdown", "## Follow-up\n\nCalls logged per week.", []),
    (
        "code",
        "fig, ax = plt.subplots(figsize=(8, 3.5)); ax.plot(range(12), range(12)); "
        "present.figure(fig, alt='Line chart: calls logged rose every week')",
        [],
    ),
]


@pytest.fixture(scope="module")
def team_report(tmp_path_factory) -> Path:
    import papermill

    from kit.report import render_html

    folder = tmp_path_factory.mktemp("browser")
    cells = [
        new_code_cell(text, metadata={"tags": tags}) if kind == "code" else new_markdown_cell(text)
        for kind, text, tags in SOURCE
    ]
    nb = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(nb, folder / "source.ipynb")
    papermill.execute_notebook(
        str(folder / "source.ipynb"),
        str(folder / "team.ipynb"),
        parameters={"client": "Acme Lending"},
        kernel_name="python3",
        progress_bar=False,
    )
    return render_html(folder / "team.ipynb", folder / "team.html")


def test_team_report_in_a_real_browser_offline(browser, team_report, tmp_path):
    page, visit = _open(browser, team_report, DESKTOP)
    header = page.locator("header.report-header")
    assert header.is_visible()
    assert "Acme Lending" in header.text_content() and "North" in header.text_content()
    links = page.locator("nav.toc a")
    assert links.count() == 3
    for i in range(links.count()):
        target = links.nth(i).get_attribute("href")
        assert page.locator(target).is_visible(), target
    assert page.locator(".kit-summary").is_visible()
    assert page.locator(".kit-summary").inner_text().count("<script>") == 1  # shown as text
    assert page.locator(".kit-table table").first.is_visible()
    images = page.locator("main img")
    assert images.count() == 1
    assert page.evaluate(
        "[...document.images].every(i => i.complete && i.naturalWidth > 0 && i.alt.trim())"
    )
    assert "version" in page.locator("footer.report-footer").inner_text()
    page.screenshot(path=tmp_path / "team-desktop.png", full_page=True)
    # printed: every section starts a page, charts and the summary card are never split
    page.emulate_media(media="print")
    assert page.evaluate(
        "[...document.querySelectorAll('main h2')].every("
        "h => getComputedStyle(h).breakBefore === 'page')"
    )
    for selector in (".kit-figure", ".kit-summary"):
        assert page.eval_on_selector(selector, "e => getComputedStyle(e).breakInside") == "avoid"
    visit.assert_clean()

    phone, visit = _open(browser, team_report, PHONE)
    # the page itself never scrolls sideways: wide tables scroll inside their own box
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    wide = phone.locator(".kit-table").first
    assert wide.evaluate("e => e.scrollWidth > e.clientWidth")
    assert wide.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    assert phone.locator(".kit-summary").is_visible()
    phone.screenshot(path=tmp_path / "team-phone.png", full_page=True)
    visit.assert_clean()
    for name in ("team-desktop.png", "team-phone.png"):
        assert (tmp_path / name).stat().st_size > 10_000


def test_the_guard_notices_outside_requests_and_console_errors(browser, tmp_path):
    # a page that tries to reach the network: the test's guard must see it
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><body><img src="https://cdn.example.com/x.png" alt="x">'
        "<script>console.error('boom')</script></body></html>"
    )
    _page, visit = _open(browser, bad, DESKTOP)
    assert visit.blocked == ["https://cdn.example.com/x.png"]
    assert "boom" in visit.console_errors
    with pytest.raises(AssertionError):
        visit.assert_clean()
