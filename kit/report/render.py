"""Render executed notebooks into client-ready HTML reports, and optionally PDF.

:func:`render_html` passes an executed notebook through the kit's nbconvert template
(``templates/report``, found by :func:`kit._resources.templates_dir`): no code, no prompts, no
parameter cells, no log lines or warnings; a branded header, a table of contents built from
the ``##`` headings, and a footer with the method, the data's date range and the kit version.
The result is one self-contained file: styles and images are inline, nothing is loaded from
the network (a Content-Security-Policy forbids it, and rendering refuses a notebook whose
output would try).

The header and footer facts come from the notebook itself: it displays
:func:`kit.report.present.header` once, which records them in a hidden output. ``show_pii`` guards
borrower PII: a notebook executed with ``show_pii=True`` renders only as an internal copy.

:func:`render_pdf` prints a rendered report with a headless Chromium, Google Chrome or
Microsoft Edge already on the machine (:func:`find_browser`), never a downloaded browser.

One module, though long: HTML and PDF rendering share the report facts, the template and
the checks on what a client-ready file may contain.

Examples
--------
>>> from kit.report.render import render_html  # doctest: +SKIP
>>> render_html("notebooks/north.ipynb", "teams/north.html", logo="acme.png")  # doctest: +SKIP
PosixPath('teams/north.html')
"""

from __future__ import annotations

import base64
import copy
import functools
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from datetime import date
from html import escape, unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from kit._atomic import atomic_path, private_tempdir, write_text
from kit._resources import templates_dir
from kit.exceptions import AssessmentError, InputError, KitError, ParameterError

if TYPE_CHECKING:
    from nbconvert import HTMLExporter
    from nbformat import NotebookNode

__all__ = [
    "BROWSER_ENV",
    "FACTS_MIMETYPE",
    "HIDDEN_TAGS",
    "TEMPLATE",
    "check_branding",
    "find_browser",
    "find_chromium",
    "prepare_notebook",
    "render_html",
    "render_pdf",
    "report_html",
    "require_browser",
    "warm_exporter",
]

#: The nbconvert template (a folder of ``templates/``) reports are rendered with.
TEMPLATE = "report"
#: MIME type of the hidden output :func:`kit.report.present.header` displays: the report
#: facts as JSON, which :func:`prepare_notebook` reads. Defined here, where it is read, so a
#: worker that only renders never imports pandas (``present`` does).
FACTS_MIMETYPE = "application/vnd.crm-adoption-kit.report.render+json"
#: Cells with any of these tags are left out of the report entirely.
HIDDEN_TAGS = frozenset(
    {
        "hide",
        "hide-cell",
        "remove",
        "remove-cell",
        "parameters",
        "injected-parameters",
        "papermill-error-cell-tag",
    }
)
_IMAGE_TYPES = ("image/svg+xml", "image/png", "image/jpeg")
_LOGO_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
_MAX_LOGO_BYTES = 1_000_000
_DEFAULT_BRAND = "#1f4e79"
_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
_FACT_KEYS = (
    "title",
    "as_of",
    "window_start",
    "window_end",
    "data_start",
    "data_end",
    "kit_version",
)


# --------------------------------------------------------------------------- preparing
def _image_fragment(output: dict[str, Any], mime: str) -> str | None:
    """A bare image output as report HTML, or ``None`` when it has no alt text."""
    metadata = output.get("metadata", {})
    alt = metadata.get("alt") or metadata.get(mime, {}).get("alt")
    if not alt:
        return None
    data = output["data"][mime]
    if mime == "image/svg+xml":
        data = base64.b64encode("".join(data).encode("utf-8")).decode("ascii")
    else:
        data = "".join("".join(data).split())
    return (
        f'<figure class="kit-figure"><img src="data:{mime};base64,{data}" '
        f'alt="{escape(str(alt), quote=True)}"></figure>'
    )


def prepare_notebook(
    nb: NotebookNode, *, source: str = "notebook"
) -> tuple[NotebookNode, dict[str, Any]]:
    """Strip from an executed notebook everything a client must not see.

    Returns a copy holding only markdown cells and the rich outputs of code cells (each
    reduced to ``text/html`` or ``text/markdown``; code is blanked), and the report facts
    recorded by :func:`kit.report.present.header`. Cells tagged with one of :data:`HIDDEN_TAGS`,
    raw cells, stream output (prints, logs, warnings), plain-text reprs and scripts are
    dropped.

    Raises
    ------
    AssessmentError
        When a cell failed (an error output), a chart has no alt text, or the notebook never
        displayed :func:`kit.report.present.header`.
    """
    nb = copy.deepcopy(nb)
    facts: dict[str, Any] | None = None
    problems: list[str] = []
    cells = []
    for number, cell in enumerate(nb.cells, start=1):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & HIDDEN_TAGS or cell.cell_type not in ("markdown", "code"):
            continue
        if cell.cell_type == "markdown":
            cells.append(cell)
            continue
        outputs = []
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "error":
                problems.append(
                    f"cell {number} failed: {output.get('ename')}: {output.get('evalue')}"
                )
                continue
            if kind not in ("display_data", "execute_result"):
                continue  # stdout, stderr: prints, log lines and warnings
            data = output.get("data", {})
            if FACTS_MIMETYPE in data:
                facts = dict(data[FACTS_MIMETYPE])
                continue
            if "text/html" in data:
                kept = {"text/html": "".join(data["text/html"])}
            elif "text/markdown" in data:
                kept = {"text/markdown": "".join(data["text/markdown"])}
            elif mime := next((m for m in _IMAGE_TYPES if m in data), None):
                html = _image_fragment(output, mime)
                if html is None:
                    problems.append(
                        f"cell {number} shows a chart without alt text: display it with "
                        "kit.report.present.figure(fig, alt=...)"
                    )
                    continue
                kept = {"text/html": html}
            else:
                continue  # text/plain reprs, javascript, widgets, LaTeX
            outputs.append({"output_type": "display_data", "data": kept, "metadata": {}})
        if outputs:
            cell.source = ""
            cell.outputs = outputs
            cells.append(cell)
    if facts is None:
        problems.append(
            "it never displays kit.report.present.header(client=..., title=..., as_of=..., ...), "
            "which gives the report its header and footer"
        )
    if problems:
        raise AssessmentError(f"{source} cannot be rendered as a report", problems=problems)
    nb.cells = cells
    missing = [key for key in _FACT_KEYS if not facts.get(key)]  # type: ignore[union-attr]
    if missing:
        raise AssessmentError(f"{source}: the report header is missing {', '.join(missing)}")
    return nb, facts  # type: ignore[return-value]


# --------------------------------------------------------------------------- header facts
def _day(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d:%b} {d.day}, {d.year}"


def _span(start: str, end: str) -> str:
    a, b = date.fromisoformat(start), date.fromisoformat(end)
    if a == b:
        return _day(end)
    if a.year == b.year:
        return f"{a:%b} {a.day} – {b:%b} {b.day}, {b.year}"
    return f"{_day(start)} – {_day(end)}"


def _luminance(colour: str) -> float:
    digits = colour[1:]
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _brand(colour: str | None) -> tuple[str, str]:
    """The brand colour and the text colour readable on it (white unless contrast < 4.5)."""
    colour = _DEFAULT_BRAND if colour is None else str(colour).strip()
    if not _HEX_COLOUR.fullmatch(colour):
        raise ParameterError(
            f"brand colour {colour!r} is not a hex colour: give one such as #1f4e79"
        )
    white_contrast = 1.05 / (_luminance(colour) + 0.05)
    return colour.lower(), "#ffffff" if white_contrast >= 4.5 else "#1d2733"


def _logo(path: str | os.PathLike[str] | None) -> str | None:
    """The logo file as a ``data:`` URI, so the report stays one self-contained file."""
    if path is None:
        return None
    path = Path(path)
    mime = _LOGO_TYPES.get(path.suffix.lower())
    if mime is None:
        raise ParameterError(f"logo {path} must be a {', '.join(sorted(_LOGO_TYPES))} image file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParameterError(f"cannot read logo {path}: {exc.strerror or exc}") from None
    if len(data) > _MAX_LOGO_BYTES:
        raise ParameterError(
            f"logo {path} is {len(data) / 1e6:.1f} MB; use an image under 1 MB "
            "(a logo is shown about 200 pixels wide)"
        )
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def check_branding(
    *, logo: str | os.PathLike[str] | None = None, brand_colour: str | None = None
) -> None:
    """Raise :class:`ParameterError` now for a logo or brand colour rendering would refuse.

    The runner calls it before any heavy work, so a typo in ``--brand-colour`` is one clear
    message rather than every team report failing.
    """
    _brand(brand_colour)
    _logo(logo)


def _template_facts(
    facts: dict[str, Any], *, logo: str | None, brand_colour: str | None
) -> dict[str, Any]:
    brand, ink = _brand(brand_colour)
    team = facts.get("team")
    title_parts = [facts["title"], *([team] if team else []), *filter(None, [facts.get("client")])]
    return {
        **facts,
        "page_title": " · ".join(str(p) for p in title_parts),
        "as_of_text": _day(facts["as_of"]),
        "window_text": _span(facts["window_start"], facts["window_end"]),
        "data_end_text": _day(facts["data_end"]),
        "warnings": list(facts.get("warnings") or []),
        "data_range_text": _span(facts["data_start"], facts["data_end"]),
        "internal_copy": bool(facts.get("show_pii")),
        "logo": logo,
        "brand_colour": brand,
        "brand_ink": ink,
    }


# --------------------------------------------------------------------------- rendering
def warm_exporter() -> None:
    """Build (and cache) the report exporter once, so a worker's first report is not slower."""
    from kit._resources import templates_dir

    _exporter(str(templates_dir()))


@functools.cache
def _exporter(template_root: str) -> HTMLExporter:
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name=TEMPLATE,
        extra_template_basedirs=[template_root],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        embed_images=True,
        # the notebook is validated once, after the last preprocessor, not after each of
        # the eleven (most of them disabled, so changing nothing): the same page, and the
        # same refusal of a notebook they leave invalid
        optimistic_validation=True,
    )


_HEADING = re.compile(r"<h2\b([^>]*)>(.*?)</h2>", re.DOTALL | re.IGNORECASE)
_ID = re.compile(r'\bid="([^"]*)"')


def _with_contents(page: str) -> str:
    """Number-free table of contents from the ``<h2>`` sections, with unique anchors."""
    head, sep, body = page.partition('<main class="report"')
    if not sep:
        raise AssessmentError("the report template lost its <main> element; reinstall the kit")
    entries: list[str] = []
    seen: set[str] = set()

    def anchor(match: re.Match[str]) -> str:
        attrs, inner = match.group(1), match.group(2)
        text = re.sub(r"<[^>]+>", "", inner).strip()
        found = _ID.search(attrs)
        ident = found.group(1) if found else ""
        if not ident or ident in seen:
            slug = re.sub(r"[^\w]+", "-", unescape(text).lower()).strip("-") or "section"
            ident = slug if slug not in seen else f"{slug}-{len(entries) + 1}"
            attrs = _ID.sub("", attrs) + f' id="{escape(ident, quote=True)}"'
        seen.add(ident)
        entries.append(f'<li><a href="#{escape(ident, quote=True)}">{text}</a></li>')
        return f"<h2{attrs}>{inner}</h2>"

    body = _HEADING.sub(anchor, body)
    nav = ""
    if entries:
        nav = (
            '<nav class="toc" aria-label="Contents"><p class="toc__title">Contents</p>'
            f"<ol>{''.join(entries)}</ol></nav>"
        )
    return head.replace("<!--kit:toc-->", nav, 1) + sep + body


# Only markup is inspected: escaped client text (``&lt;img src=...&gt;``) is not a tag.
_TAG = re.compile(r"<([a-zA-Z][\w:-]*)((?:\s[^>]*)?)>")
_ATTRIBUTE = re.compile(r"""([^\s"'=/>]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
_CSS_LOAD = re.compile(r"""(?:url\(|@import)\s*["']?\s*([^"')\s;]*)""", re.IGNORECASE)
_FETCHED = frozenset({"src", "srcset", "poster", "data", "background", "xlink:href"})


def _is_inline(target: str) -> bool:
    return not target or target.lower().startswith(("data:", "#"))


def _check_self_contained(page: str, *, source: str) -> None:
    """Refuse a report that would run a script or load anything from outside the file."""
    problems: set[str] = set()
    for tag in _TAG.finditer(page):
        name = tag.group(1).lower()
        if name in ("script", "iframe", "object", "embed", "base"):
            problems.add(f"an output contains a <{name}>: reports never run or embed anything")
        for found in _ATTRIBUTE.finditer(tag.group(2)):
            attribute = found.group(1).lower()
            value = unescape(found.group(2).strip("\"'")).strip()
            if attribute.startswith("on"):
                problems.add(f"an output has an event handler ({attribute}): reports run no code")
            elif attribute in _FETCHED or (name == "link" and attribute == "href"):
                if not _is_inline(value):
                    problems.add(f"an output loads {value[:80]!r} from outside the report file")
            elif attribute == "href" and re.match(r"\s*(?:javascript|vbscript):", value, re.I):
                problems.add("an output links to a script (javascript:)")
            elif attribute == "style":
                problems.update(_css_problems(value))
    for css in _STYLE_ELEMENT.finditer(page):
        problems.update(_css_problems(css.group(1)))
    if problems:
        raise AssessmentError(
            f"{source} would not render as a self-contained report: "
            "show data with kit.report.present",
            problems=sorted(problems)[:5],
        )


def _css_problems(css: str) -> set[str]:
    return {
        f"an output's style loads {m.group(1)[:80]!r} from outside the report file"
        for m in _CSS_LOAD.finditer(css)
        if not _is_inline(m.group(1))
    }


def render_html(
    executed_ipynb: str | os.PathLike[str],
    out_html: str | os.PathLike[str],
    *,
    show_pii: bool = False,
    logo: str | os.PathLike[str] | None = None,
    brand_colour: str | None = None,
    links: Mapping[str, str] | None = None,
) -> Path:
    """Render an executed notebook into a client-ready, self-contained HTML report.

    Parameters
    ----------
    executed_ipynb
        A notebook executed by papermill that displayed :func:`kit.report.present.header`.
    out_html
        The report file, written atomically.
    show_pii
        Allow an internal consultant copy: a notebook executed with ``show_pii=True`` (borrower
        names and contacts unmasked) is refused unless this is ``True``. Such a copy carries a
        red "Internal consultant copy" banner.
    logo
        An image file (PNG, JPEG, GIF, WebP or SVG, under 1 MB) shown in the header.
    brand_colour
        Hex colour of the header band, e.g. ``"#0b6e4f"`` (default: the kit's navy).
    links
        Other pages of the assessment, label to relative link (e.g. ``{"Portfolio":
        "../index.html"}``), shown as a bar above the header on screen.

    Returns
    -------
    Path
        ``out_html``.

    Raises
    ------
    InputError
        The notebook cannot be read.
    ParameterError
        Bad logo or brand colour, or a notebook with unmasked PII rendered as a leader report.
    AssessmentError
        The notebook has a failed cell, a chart without alt text, no header, or output that
        would run a script or load something from the network.

    Examples
    --------
    >>> render_html("notebooks/north.ipynb", "teams/north.html")  # doctest: +SKIP
    PosixPath('teams/north.html')
    """
    import nbformat

    source = Path(executed_ipynb)
    try:
        nb = nbformat.read(source, as_version=4)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the executed notebook {source}: {exc}") from None
    page = report_html(
        nb,
        source=str(source),
        show_pii=show_pii,
        logo=logo,
        brand_colour=brand_colour,
        links=links,
    )
    return write_text(out_html, page)


def report_html(
    nb: NotebookNode,
    *,
    source: str = "notebook",
    show_pii: bool = False,
    logo: str | os.PathLike[str] | None = None,
    brand_colour: str | None = None,
    links: Mapping[str, str] | None = None,
) -> str:
    """The report page of an executed notebook, as :func:`render_html` writes it.

    ``jupyter nbconvert --to adoption_report`` calls this too (through
    :class:`kit.report.exporter.ReportExporter`), so both give the same page.
    """
    nb, facts = prepare_notebook(nb, source=source)
    if facts.get("show_pii") and not show_pii:
        raise ParameterError(
            f"{source} was executed with show_pii=True (borrower PII unmasked); render it "
            "with show_pii=True as an internal copy, or rerun it with show_pii=False for leaders"
        )
    kit = _template_facts(facts, logo=_logo(logo), brand_colour=brand_colour)
    kit["links"] = [{"label": label, "href": href} for label, href in (links or {}).items()]
    resources = {
        "kit": kit,
        "metadata": {"path": str(Path(source).parent), "name": Path(source).stem},
    }
    try:
        exporter = _exporter(str(templates_dir()))
    except ValueError as exc:  # nbconvert cannot find its own "base" template
        raise KitError(
            f"nbconvert's templates are missing ({exc}); reinstall the kit with its dependencies"
        ) from None
    page, _ = exporter.from_notebook_node(nb, resources=resources)
    page = _with_contents(page)
    _check_self_contained(page, source=source)
    return page


# --------------------------------------------------------------------------- PDF
_PAPER = {"letter": "letter", "a4": "A4"}
#: The environment variable naming the browser that prints PDFs (as ``--browser`` does).
BROWSER_ENV = "ADOPTION_KIT_BROWSER"
#: Chromium-based browsers by the names their packages put on PATH, Chromium first.
_BROWSER_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "microsoft-edge",
    "microsoft-edge-stable",
    "msedge",
)
#: Where installers put them when they are not on PATH: macOS application bundles (under
#: /Applications or ~/Applications), Windows installs (under Program Files or the user's
#: local application data), and Linux installs outside PATH.
_MAC_APPS = (
    "Google Chrome.app/Contents/MacOS/Google Chrome",
    "Chromium.app/Contents/MacOS/Chromium",
    "Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    "Google Chrome Canary.app/Contents/MacOS/Google Chrome Canary",
)
_WINDOWS_APPS = (
    "Google/Chrome/Application/chrome.exe",
    "Chromium/Application/chrome.exe",
    "Microsoft/Edge/Application/msedge.exe",
)
_WINDOWS_ROOTS = ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")
_LINUX_PATHS = (
    "/usr/bin/chromium",
    "/snap/bin/chromium",
    "/opt/google/chrome/chrome",
    "/opt/microsoft/msedge/msedge",
)


def _browser_locations(system: str, environ: Mapping[str, str], home: Path) -> list[Path]:
    """Install locations of Chromium, Chrome and Edge on ``system`` (``platform.system()``)."""
    if system == "Darwin":
        return [
            root / app
            for root in (Path("/Applications"), home / "Applications")
            for app in _MAC_APPS
        ]
    if system == "Windows":
        roots = [Path(environ[name]) for name in _WINDOWS_ROOTS if environ.get(name)]
        return [root / app for app in _WINDOWS_APPS for root in roots]
    return [Path(p) for p in _LINUX_PATHS]


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_browser(
    browser: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    system: str | None = None,
) -> Path | None:
    """The Chromium-based browser that prints PDFs: Chromium, Google Chrome or Microsoft Edge.

    ``browser`` (a path, or a name on PATH) wins, then the :data:`BROWSER_ENV` environment
    variable; otherwise the first found of the usual names on PATH and then the usual
    install locations of macOS, Windows and Linux. ``None`` when none is found (or the one
    named does not exist).
    """
    import platform

    environ = os.environ if environ is None else environ
    named = browser if browser is not None else environ.get(BROWSER_ENV) or None
    if named is not None:
        path = Path(named).expanduser()
        if _runnable(path):
            return path
        found = shutil.which(str(named), path=environ.get("PATH"))
        return Path(found) if found else None
    for name in _BROWSER_NAMES:
        found = shutil.which(name, path=environ.get("PATH"))
        if found:
            return Path(found)
    home = Path(environ.get("HOME") or Path.home())
    for path in _browser_locations(system or platform.system(), environ, home):
        if _runnable(path):
            return path
    return None


def find_chromium(chromium: str | os.PathLike[str] | None = None) -> Path | None:
    """The browser that prints PDFs (kept for earlier callers): see :func:`find_browser`."""
    return find_browser(chromium)


def require_browser(browser: str | os.PathLike[str] | None = None) -> Path:
    """:func:`find_browser`, or a :class:`ParameterError` saying how to get one.

    The runner calls it before any long work when PDFs are asked for.
    """
    found = find_browser(browser)
    if found is None:
        raise _no_browser(browser)
    return found


def _no_browser(browser: str | os.PathLike[str] | None) -> KitError:
    where = browser if browser is not None else os.environ.get(BROWSER_ENV)
    if where:
        source = "--browser" if browser is not None else BROWSER_ENV
        return ParameterError(
            f"PDF output: the browser {where} ({source}) was not found or cannot be run. "
            "Give the full path of Chromium, Google Chrome or Microsoft Edge."
        )
    return ParameterError(
        "PDF output needs Chromium, Google Chrome or Microsoft Edge, and none was found on "
        "PATH or where they are usually installed. Install one (Debian/Ubuntu: apt-get "
        "install chromium), or point at it with --browser PATH or the "
        f"{BROWSER_ENV} environment variable, or leave out --pdf: the HTML reports do not "
        "need it."
    )


def render_pdf(
    html: str | os.PathLike[str],
    pdf: str | os.PathLike[str],
    *,
    paper: Literal["letter", "a4"] = "letter",
    browser: str | os.PathLike[str] | None = None,
    chromium: str | os.PathLike[str] | None = None,
    timeout: float = 180,
) -> Path:
    """Print a rendered report to PDF with a headless Chromium, Chrome or Edge.

    The report's print stylesheet applies (a cover page, then the sections one after the
    other, charts and table rows never split); ``paper`` sets Letter or A4. ``browser`` is
    the browser to use (default: :func:`find_browser`; ``chromium`` is its former name).
    Network access is disabled for the browser.

    Raises
    ------
    KitError
        No browser was found, or it failed or timed out.

    Examples
    --------
    >>> render_pdf("teams/north.html", "teams/north.pdf", paper="a4")  # doctest: +SKIP
    PosixPath('teams/north.pdf')
    """
    if paper not in _PAPER:
        raise ParameterError(f"paper {paper!r} must be 'letter' or 'a4'")
    exe = require_browser(browser if browser is not None else chromium)
    html = Path(html)
    try:
        page = html.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the report {html}: {exc.strerror or exc}") from None
    sized = page.replace(
        "</head>", f"<style>@page {{ size: {_PAPER[paper]}; }}</style>\n</head>", 1
    )
    with private_tempdir("kit-pdf-") as profile, atomic_path(pdf) as out:
        # the copy sits beside the report so relative links keep their meaning
        fd, name = tempfile.mkstemp(prefix=f".{html.stem}.", suffix=".print.html", dir=html.parent)
        os.close(fd)
        printable = Path(name)
        try:
            printable.write_text(sized, encoding="utf-8")
            command = [
                str(exe),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-dev-shm-usage",
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                "--print-to-pdf-no-header",  # the same, for browsers before version 112
                f"--print-to-pdf={out}",
                printable.resolve().as_uri(),
            ]
            try:
                done = subprocess.run(
                    command, capture_output=True, text=True, timeout=timeout, check=False
                )
            except subprocess.TimeoutExpired:
                raise KitError(f"{exe.name} did not print {html} within {timeout:.0f} s") from None
        finally:
            printable.unlink(missing_ok=True)
        if out.read_bytes()[:5] != b"%PDF-":
            detail = (done.stderr or "").strip().splitlines()[-3:]
            raise KitError(
                f"{exe} could not print {html} to PDF (exit {done.returncode})",
                problems=detail,
            )
    return Path(pdf)
