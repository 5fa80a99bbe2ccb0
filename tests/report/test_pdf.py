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


def _fill(page) -> float:
    """How far down the page its lowest text or drawing reaches, as a share of its height."""
    height = float(page.mediabox.height)
    lowest = [height]
    xobjects = page.get("/Resources", {}).get("/XObject", {})

    def drawn(op, args, cm, tm):
        if op == b"Do" and args and args[0] in xobjects:
            box = [float(v) for v in xobjects[args[0]].get_object().get("/BBox", [0, 0, 1, 1])]
            lowest.extend(cm[1] * x + cm[3] * y + cm[5] for x in box[::2] for y in box[1::2])

    def text(content, cm, tm, font, size):
        if content.strip():
            lowest.append(cm[1] * tm[4] + cm[3] * tm[5] + cm[5])

    page.extract_text(visitor_operand_before=drawn, visitor_text=text)
    return 1 - min(lowest) / height


@pytest.mark.slow
@pytest.mark.skipif(
    not CHROMIUM.is_file(), reason="needs Debian's chromium (apt-get install chromium)"
)
@pytest.mark.parametrize(
    "team",
    [
        "old-mill",
        pytest.param(
            "lakeshore",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known since the wave-2 merge: the page before 'Pipeline truth' prints "
                "42% full (issue 17 note); strict, so a fix shows as XPASS",
            ),
        ),
    ],
)
def test_the_printed_team_report_has_no_half_empty_pages(demo_reports: Path, tmp_path, team):
    """The sections follow one another: only the last page may be short, and the pages are
    as few as the content allows (a page per section printed Old Mill on 18 pages, seven of
    them less than half full; now 13)."""
    import pypdf

    # a browser given by path, as on a laptop whose Chrome is not on PATH
    browser = _fake(tmp_path / "bin" / "msedge", f'#!/bin/sh\nexec {CHROMIUM} "$@"\n')
    pdf = render_pdf(
        demo_reports / "teams" / f"{team}.html", tmp_path / "team.pdf", browser=browser
    )
    pages = pypdf.PdfReader(pdf).pages
    fills = [round(_fill(p), 2) for p in pages]
    assert len(pages) >= 3, fills  # a cover page, then the sections
    assert min(fills[:-1]) >= 0.5, fills
    assert sum(fills[:-1]) / len(fills[:-1]) >= 0.8, fills
