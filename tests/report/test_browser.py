"""A real browser opens the rendered demo reports with the network cut off.

Headless Chromium from the system's package manager (``/usr/bin/chromium``, installed by
``.ci/run`` when missing), driven by Playwright; never a browser Playwright downloads. The test
opens a demo team report and the portfolio (``adoption-kit demo``) and fails on any console
error, any request that is not for a local file or an inline ``data:`` image, or a key section
that is not visible; it saves desktop and phone screenshots in its temporary folder.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from kit._version import __version__

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
#: Sections of a team report a leader must find (the report outline in BRIEF.md).
TEAM_SECTIONS = (
    "Executive summary",
    "Adoption trajectory",
    "Pipeline truth",
    "Producer scorecard",
    "Standards compliance",
    "Weekly manager review list",
    "Appendix",
)

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
        assert self.blocked == [], f"requests left the report: {self.blocked}"
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
    context = browser.new_context(viewport=viewport, offline=True)

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


def _assert_readable(page) -> None:
    """Header, contents whose every entry leads to a visible section, images, footer."""
    assert page.locator("header.report-header").is_visible()
    links = page.locator("nav.toc a")
    assert links.count() >= 4
    for i in range(links.count()):
        target = links.nth(i).get_attribute("href")
        assert page.locator(f"[id='{target[1:]}']").is_visible(), target
    assert page.evaluate(
        "[...document.images].every(i => i.complete && i.naturalWidth > 0 && i.alt.trim())"
    ), "an image did not load or has no alt text"
    footer = page.locator("footer.report-footer")
    assert footer.is_visible()
    assert f"version {__version__}" in footer.inner_text()
    # nothing of the notebook machinery
    text = page.locator("body").inner_text()
    for leaked in ("In [", "Out[", "Traceback", "UserWarning", "FutureWarning", "results_dir"):
        assert leaked not in text, leaked


def _assert_prints_and_fits_a_phone(browser, html: Path, page, tmp_path: Path, name: str):
    page.screenshot(path=tmp_path / f"{name}-desktop.png", full_page=True)
    page.emulate_media(media="print")
    # the first section starts after the cover, the others follow on (no half-empty pages);
    # a heading stays with what follows it; charts and cards are never split
    breaks = page.evaluate(
        "[...document.querySelectorAll('main > .cell')].filter(c => c.querySelector('h2'))"
        ".map(c => getComputedStyle(c).breakBefore)"
    )
    assert breaks[0] == "page" and set(breaks[1:]) <= {"auto"}, breaks
    assert page.evaluate(
        "[...document.querySelectorAll('main h2')].every("
        "h => getComputedStyle(h).breakAfter === 'avoid')"
    )
    assert page.evaluate(
        "[...document.querySelectorAll('nav.report-nav')].every("
        "n => getComputedStyle(n).display === 'none')"
    ), "the bar of links between pages is left off paper"
    assert page.evaluate(
        "[...document.querySelectorAll('.kit-figure, .kit-headline, .kit-findings li')].every("
        "e => getComputedStyle(e).breakInside === 'avoid')"
    ), "charts, cards and findings are never split across pages"
    assert page.evaluate(
        "[...document.querySelectorAll('.kit-summary, .kit-headlines, .kit-callout')].every("
        "e => getComputedStyle(e).breakInside === 'auto')"
    ), "the blocks made of them break between their parts (tests/report/test_pdf.py)"
    phone, visit = _open(browser, html, PHONE)
    # the page never scrolls sideways: wide tables scroll inside their own box
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone.evaluate(
        "[...document.querySelectorAll('.kit-table')].every("
        "e => getComputedStyle(e).overflowX === 'auto')"
    )
    assert phone.locator("header.report-header").is_visible()
    # charts keep a legible size: drawn at three quarters of their laptop size or more
    # (the smallest chart text, 9 pt, is 9 px and up), scrolling sideways in their own box
    scales = phone.evaluate(
        "[...document.querySelectorAll('.kit-figure img')].map("
        "i => i.getBoundingClientRect().width / Number(i.getAttribute('width')))"
    )
    assert scales and min(scales) >= 0.72, scales
    assert phone.evaluate(
        "[...document.querySelectorAll('.kit-figure')].every("
        "e => getComputedStyle(e).overflowX === 'auto')"
    )
    # a wide table keeps its key column in view while the rest scrolls under it
    assert phone.evaluate(
        "[...document.querySelectorAll('.kit-table td:first-child')].every("
        "e => getComputedStyle(e).position === 'sticky')"
    )
    phone.screenshot(path=tmp_path / f"{name}-phone.png", full_page=True)
    visit.assert_clean()
    for device in ("desktop", "phone"):
        assert (tmp_path / f"{name}-{device}.png").stat().st_size > 20_000


@pytest.fixture(scope="module")
def run(demo_reports) -> dict:
    return json.loads((demo_reports / "run.json").read_text(encoding="utf-8"))


def test_demo_team_report_in_a_real_browser_offline(browser, demo_reports, run, tmp_path):
    team, slug = sorted(run["teams"].items())[0]
    html = demo_reports / "teams" / f"{slug}.html"
    assert html.stat().st_size < 2_000_000
    page, visit = _open(browser, html, DESKTOP)
    header = page.locator("header.report-header").text_content()
    assert run["parameters"]["client"] in header and team in header
    entries = page.locator("nav.toc a").all_inner_texts()
    for section in TEAM_SECTIONS:
        assert section in entries, section
        assert page.get_by_role("heading", name=section, exact=True).is_visible()
    summary = page.locator(".kit-summary")
    assert summary.is_visible()
    assert summary.locator(".kit-score__value").inner_text().split("/")[0].strip().isdigit()
    assert summary.locator(".kit-findings li").count() >= 1
    assert page.locator(".kit-figure img").count() >= 3
    assert page.locator(".kit-table table").count() >= 5
    _assert_readable(page)
    visit.assert_clean()
    _assert_prints_and_fits_a_phone(browser, html, page, tmp_path, "team")
    # on a phone the standards table shows whether each standard passed without scrolling
    phone, _ = _open(browser, html, PHONE)
    status = phone.locator(".kit-table th", has_text="Status").first
    box = status.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"], box
    # the team report links back to the portfolio and on to the data-quality appendix
    nav = page.locator("nav.report-nav a")
    assert [(nav.nth(i).inner_text(), nav.nth(i).get_attribute("href")) for i in range(2)] == [
        ("Portfolio", "../index.html"),
        ("Data-quality appendix", "../data-quality.html"),
    ]
    page.emulate_media(media="screen")
    nav.first.click()
    page.wait_for_load_state("load")
    assert Path(unquote(urlparse(page.url).path)) == (demo_reports / "index.html").resolve()
    visit.assert_clean()


def test_demo_portfolio_in_a_real_browser_offline(browser, demo_reports, run, tmp_path):
    html = demo_reports / "index.html"
    page, visit = _open(browser, html, DESKTOP)
    assert run["parameters"]["client"] in page.locator("header.report-header").text_content()
    _assert_readable(page)
    assert page.locator(".kit-figure img").count() >= 3
    # a link to every team's report, each pointing at a file beside the portfolio
    links = page.locator("main a[href^='teams/']")
    hrefs = sorted(links.nth(i).get_attribute("href") for i in range(links.count()))
    assert hrefs == sorted(f"teams/{slug}.html" for slug in run["teams"].values())
    visit.assert_clean()
    _assert_prints_and_fits_a_phone(browser, html, page, tmp_path, "portfolio")
    # the data-quality appendix is a link, in the page bar and where the text mentions it
    assert page.locator("nav.report-nav a[href='data-quality.html']").count() == 1
    assert page.locator("main a[href='data-quality.html']").count() >= 1
    # following a link opens the team's report, still without leaving the folder
    page.emulate_media(media="screen")
    page.locator("main a[href^='teams/']").first.click()
    page.wait_for_load_state("load")
    opened = Path(unquote(urlparse(page.url).path))
    assert opened.parent == (demo_reports / "teams").resolve()
    assert page.locator(".kit-summary").is_visible()
    visit.assert_clean()


def test_the_guard_notices_outside_requests_and_console_errors(browser, tmp_path):
    # a page that reaches for the network and logs an error: the guard must see both
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
