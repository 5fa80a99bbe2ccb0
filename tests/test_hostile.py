"""Hostile client content end to end: a crafted export through the real runner.

The export puts HTML and JavaScript in every free-text field, in team and producer names, in
record ids and in values outside the vocabulary; spreadsheet formulas in names and ids; team
names that are paths, reserved device names, blank or differ only in case; accents, emoji,
right-to-left text and a very long name. One assessment renders it (team reports, portfolio,
data-quality appendix, CSV and Excel exports) and every test reads that folder.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

pytestmark = pytest.mark.slow

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
LONG = "Maximilian " + "Wolfeschlegelsteinhausenbergerdorff" * 9 + " Jr"  # 327 characters
RTL = "مريم الحسيني"
MANGLED = "2.125551407E+9"
TEAMS = {
    "etc": "../../etc",
    "con": "CON",
    "west": "West",
    "west2": "west",
    "script": f"{SCRIPT} Café 🏠",
    "img": f"{IMG} فريق الشمال",
}
PRODUCERS = {
    "u1": f"{SCRIPT} Ana Ruiz",
    "u2": f"{IMG} Ben",
    "u3": '=HYPERLINK("http://evil.example","click")',
    "u4": "+1 Zoë Ødegård",
    "u5": "-2+3 Chloé",
    "u6": f"@SUM(A1) {RTL} 🏡",
    "u7": LONG,
}
CLIENT = '<script>alert("client")</script> Acme "Lending" & Co'
#: Markup that must never reach a report as markup (checked as raw text in every page; once
#: escaped it reads ``&lt;script&gt;``, which a browser shows as text).
LIVE = ("<script", "<img src=x", "<b>bold</b>", "<iframe")
#: A cell starting with one of these runs as a formula in Excel or LibreOffice.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_hostile_export(folder: Path) -> Path:
    """A small export whose every text field is hostile (see the module docstring)."""
    folder.mkdir(parents=True)
    team_of = {
        "u1": TEAMS["etc"],
        "u2": TEAMS["con"],
        "u3": TEAMS["west"],
        "u4": TEAMS["west2"],
        "u5": TEAMS["script"],
        "u6": TEAMS["img"],
        "u7": TEAMS["img"],
    }
    users = [
        [u, name, team_of[u], "producer", "true", "2024-01-02"] for u, name in PRODUCERS.items()
    ]
    users += [
        ["u8", "Blank Team", "", "producer", "true", "2024-01-02"],  # excluded: blank team
        ["u9", "Whitespace Team", "   ", "producer", "true", "2024-01-02"],
        ["m1", f"{SCRIPT} Manager", TEAMS["west"], "manager", "true", "2024-01-02"],
    ]
    _csv(folder / "users.csv", ["user_id", "name", "team", "role", "active", "seat_start"], users)
    contacts = [
        [
            f"{SCRIPT}c1",
            "2024-06-20 09:00",
            "u1",
            "lead",
            "<img src=x onerror=alert('source')>",  # outside the vocabulary: a quality fact
            f"{IMG}Rosa",
            f"{SCRIPT}Quintero",
            "rosa@example.org",
            "(212) 555-0101",
            "k1",
        ],
        [
            "=cmd|' /C calc'!A0",
            "2024-06-21 10:00",
            "u3",
            "lead",
            "zillow",
            '=HYPERLINK("x")',
            "+Lopez",
            "=evil@example.org",
            "+1 212 555 0102",
            "k1",
        ],
        # a phone Excel turned into a number: its quality fact must not show it to leaders
        ["c3", "2024-05-02 11:00", "u6", "past_client", "website", "Amal", RTL, "", MANGLED, ""],
        ["c4", "2024-06-25 08:00", "u7", "lead", "", "Zoë", "Ødegård", "", "", "k1"],
    ]
    _csv(
        folder / "contacts.csv",
        [
            "contact_id",
            "created_at",
            "owner_id",
            "contact_type",
            "lead_source",
            "first_name",
            "last_name",
            "email",
            "phone",
            "campaign_id",
        ],
        contacts,
    )
    opportunities = [
        [
            "=1+1",
            "u3",
            "2024-03-01",
            "processing",
            "=cmd|' /C calc'!A0",
            "2024-04-01",
            "open",
            "@L-1",
        ],
        [
            f"{SCRIPT}o2",
            "u1",
            "2024-03-05",
            "underwriting",
            f"{SCRIPT}c1",
            "2024-04-10",
            "open",
            "L-2",
        ],
        ["o3", "u5", "2024-03-07", "application", "c4", "2024-05-01", "open", "L-3"],
        ["o4", "u6", "2024-03-09", "pre_approval", "c3", "2024-05-03", "open", "L-4"],
        ["o5", "u7", "2024-03-11", "processing", "c4", "2024-05-05", "open", "L-5"],
        ["o6", "u2", "2024-03-13", "application", "", "2024-05-07", "open", "L-6"],
        # a stage nobody mapped, as markup: excluded, its reason shown in the appendix
        ["o7", "u2", "2024-03-15", "<b>bold</b>", "", "2024-05-09", "open", "L-7"],
    ]
    _csv(
        folder / "opportunities.csv",
        [
            "opportunity_id",
            "owner_id",
            "created_at",
            "stage",
            "contact_id",
            "stage_changed_at",
            "status",
            "loan_number",
        ],
        opportunities,
    )
    activities = []
    for i, user in enumerate(["u1", "u2", "u3", "u4", "u5", "u6", "u7", "m1"]):
        activities.append(
            [
                f"-a{i}" if i % 2 else f"{IMG}a{i}",
                user,
                "call",
                f"2024-06-{24 + i % 5:02d} 10:00",
                f"2024-06-{24 + i % 5:02d} 11:00",
                f"{SCRIPT} borrower said yes #{i}",
                "",  # no next step: the call is on the weekly review list
                f"{IMG} private note =SUM(A1) {RTL}",
                "=cmd|' /C calc'!A0" if i == 0 else "c3",
            ]
        )
    _csv(
        folder / "activities.csv",
        [
            "activity_id",
            "user_id",
            "type",
            "occurred_at",
            "logged_at",
            "outcome",
            "next_step",
            "notes",
            "contact_id",
        ],
        activities,
    )
    _csv(
        folder / "campaigns.csv",
        ["campaign_id", "name", "channel", "started_at"],
        [["k1", f"{SCRIPT} Spring =1+1 campaign", "email", "2024-01-01"]],
    )
    _csv(
        folder / "los_loans.csv",
        ["loan_number", "officer_id", "application_date", "funded_date", "amount"],
        [
            [f"+LOS-1{SCRIPT}", "u1", "2024-04-01", "2024-06-01", "350000"],
            ["-LOS-2", "u6", "2024-04-02", "2024-06-02", "275000"],
            ["L-3", "u5", "2024-04-03", "2024-06-03", "410000"],
        ],
    )
    return folder


#: Installed in every Python process of the run (the command, its workers, their kernels):
#: records any attempt to reach the network. Loopback binds are local (urllib3 probes ::1
#: for IPv6 support when papermill imports it); every other socket use is recorded.
NETWORK_AUDIT = """
import os, socket, sys
_LOG = os.environ.get("KIT_NETWORK_LOG")
_NET = (socket.AF_INET, socket.AF_INET6)
_LOOPBACK = ("127.0.0.1", "::1", "localhost")
_NAMES = ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
          "socket.gethostbyaddr", "urllib.Request", "http.client.connect", "ftplib.connect",
          "smtplib.connect", "webbrowser.open")
def _hook(event, args):
    line = None
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg", "socket.bind"):
        if getattr(args[0], "family", None) in _NET:
            local = event == "socket.bind" and str(args[1][0]) in _LOOPBACK
            line = None if local else f"{event} {args[1]!r}"
    elif event in _NAMES:
        line = f"{event} {args[:2]!r}"
    if line and _LOG:
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {line}\\n")
sys.addaudithook(_hook)
if _LOG:
    with open(_LOG + ".processes", "a", encoding="utf-8") as log:
        with open("/proc/self/cmdline", encoding="utf-8", errors="replace") as cmd:
            log.write(cmd.read().replace("\\0", " ")[:200] + "\\n")
"""


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@dataclass(frozen=True)
class Run:
    out: Path
    export: Path
    export_before: dict[str, str]
    network_log: Path
    temp: Path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The crafted export assessed once by the real command, under the network audit."""
    root = tmp_path_factory.mktemp("hostile")
    export = write_hostile_export(root / "export")
    before = _snapshot(export)
    audit = root / "audit"
    audit.mkdir()
    (audit / "sitecustomize.py").write_text(NETWORK_AUDIT, encoding="utf-8")
    log = root / "network.log"
    out = root / "deep" / "reports"
    scratch = root / "tmp"  # the run's temp folder, to see what it leaves behind
    scratch.mkdir()
    env = {
        **os.environ,
        "TMPDIR": str(scratch),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(audit), os.environ.get("PYTHONPATH")])),
        "KIT_NETWORK_LOG": str(log),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kit",
            "assess",
            str(export),
            "--out",
            str(out),
            "--client",
            CLIENT,
            "--as-of",
            "2024-06-30",
            "--launch",
            "2024-01-02",
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return Run(out=out, export=export, export_before=before, network_log=log, temp=scratch)


@pytest.fixture(scope="module")
def hostile(run: Run) -> Path:
    """The report folder of the hostile run."""
    return run.out


def _pages(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(out.rglob("*.html"))
    }


class _Markup(HTMLParser):
    """Every element and attribute name a browser would build from a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def _parse(page: str) -> _Markup:
    parser = _Markup()
    parser.feed(page)
    return parser


# --------------------------------------------------------------------------- HTML
def test_every_report_renders_hostile_text_as_text(hostile: Path):
    pages = _pages(hostile)
    slugs = json.loads((hostile / "run.json").read_text())["teams"]
    assert set(pages) == {"index.html", "data-quality.html"} | {
        f"teams/{s}.html" for s in slugs.values()
    }
    for name, page in pages.items():
        for raw in LIVE:
            assert raw not in page, (name, raw)
        markup = _parse(page)
        assert not markup.tags & {"script", "iframe", "object", "embed", "base", "b"}, name
        assert not [a for a in markup.attributes if a.startswith("on")], name
        # the client's name (with its script) is shown, as text, in every header
        assert html.escape(CLIENT, quote=False) in page or html.escape(CLIENT) in page, name
        assert 'http-equiv="Content-Security-Policy"' in page
        assert "default-src 'none'" in page


def test_team_and_producer_names_are_shown_as_written(hostile: Path):
    slugs = json.loads((hostile / "run.json").read_text())["teams"]
    index = _parse((hostile / "index.html").read_text(encoding="utf-8"))
    shown = "".join(index.texts)
    for team in slugs:  # the portfolio names every team, as text
        assert team in shown, team
    team_pages = {
        team: _parse((hostile / "teams" / f"{slug}.html").read_text(encoding="utf-8"))
        for team, slug in slugs.items()
    }
    by_team = {
        TEAMS["etc"]: ["u1"],
        TEAMS["con"]: ["u2"],
        TEAMS["west"]: ["u3"],
        TEAMS["west2"]: ["u4"],
        TEAMS["script"]: ["u5"],
        TEAMS["img"]: ["u6", "u7"],
    }
    for team, producers in by_team.items():
        text = "".join(team_pages[team].texts)
        assert f"{team}: adoption score" in text
        for user in producers:
            assert PRODUCERS[user] in text, (team, user)


def test_data_quality_appendix_shows_hostile_values_as_text(hostile: Path):
    page = (hostile / "data-quality.html").read_text(encoding="utf-8")
    text = "".join(_parse(page).texts)
    # the unmapped stage is named in its exclusion reason, escaped
    assert "unrecognized stage '<b>bold</b>'" in text
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    # the blank teams are excluded with their reason
    assert text.count("blank team") >= 1
    # the lead source outside the vocabulary is an example of its quality fact
    assert "<img src=x onerror=alert('source')>" in text
    # the Excel-mangled phone is a fact too, but its value is borrower data: withheld
    assert "excel mangled" in text.casefold()
    assert MANGLED not in page and "2125551407" not in page
    assert "(borrower data: not shown)" in text


def test_review_list_shows_hostile_record_ids_as_text(hostile: Path):
    slugs = json.loads((hostile / "run.json").read_text())["teams"]
    page = (hostile / "teams" / f"{slugs[TEAMS['west']]}.html").read_text(encoding="utf-8")
    text = "".join(_parse(page).texts)
    assert "=1+1" in text  # the stale loan's id, shown as written (HTML has no formulas)
    page = (hostile / "teams" / f"{slugs[TEAMS['etc']]}.html").read_text(encoding="utf-8")
    text = "".join(_parse(page).texts)
    assert f"{SCRIPT}o2" in text
    assert f"+LOS-1{SCRIPT}" in text


# --------------------------------------------------------------------------- spreadsheets
def _risky(cell: object) -> bool:
    if not isinstance(cell, str) or not cell.startswith(FORMULA_START):
        return False
    try:
        float(cell)  # a negative number is a number, not a formula
    except ValueError:
        return True
    return False


def test_csv_exports_neutralize_formulas(hostile: Path):
    cells: list[str] = []
    for path in sorted((hostile / "data" / "csv").glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                cells.extend(row)
    assert cells
    assert [c for c in cells if _risky(c)] == []
    # the hostile values are there, defused with a leading apostrophe
    for expected in (
        "'=1+1",
        "'" + PRODUCERS["u3"],
        "'" + PRODUCERS["u4"],
        "'" + PRODUCERS["u5"],
        "'" + PRODUCERS["u6"],
        f"'+LOS-1{SCRIPT}",
        "'-LOS-2",
    ):
        assert expected in cells, expected


def test_excel_export_has_no_formula_cells(hostile: Path):
    """Formula-like text is kept as written, as text Excel shows without an apostrophe and
    never runs, even when the cell is edited (the quote-prefix style)."""
    book = openpyxl.load_workbook(hostile / "data" / "assessment.xlsx")
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if _risky(cell.value):
                    assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
                values.append(cell.value)
    assert "=1+1" in values and PRODUCERS["u3"] in values
    assert not [v for v in values if isinstance(v, str) and v.startswith("'")]


# --------------------------------------------------------------------------- file names
def test_team_names_become_safe_unique_file_names(hostile: Path):
    slugs = json.loads((hostile / "run.json").read_text())["teams"]
    assert set(slugs) == set(TEAMS.values())  # the blank teams were excluded, not reported
    files = sorted(p.name for p in (hostile / "teams").iterdir())
    assert len(files) == len(TEAMS) == len(set(files))
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*\.html", f) for f in files), files
    assert slugs["../../etc"] == "etc"
    assert slugs["CON"] == "con-team"
    assert {slugs["West"], slugs["west"]} == {"west", "west-2"}
    # nothing was written outside the report folder (no ../../etc beside it)
    root = hostile.parent
    assert sorted(p.name for p in root.iterdir()) == ["reports"]
    assert not (root.parent / "etc").exists()


def test_blank_team_rows_are_excluded_with_their_reason(hostile: Path):
    import pandas as pd

    excluded = pd.read_parquet(hostile / "data" / "dataset" / "excluded_rows.parquet")
    users = excluded[excluded["table"] == "users"]
    assert users[["row_number", "reason"]].values.tolist() == [
        [9, "blank team"],
        [10, "blank team"],
    ]


# --------------------------------------------------------------------------- legibility
def test_long_and_unicode_text_renders_legibly(hostile: Path):
    slugs = json.loads((hostile / "run.json").read_text())["teams"]
    page = (hostile / "teams" / f"{slugs[TEAMS['img']]}.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8"' in page
    text = "".join(_parse(page).texts)
    assert LONG in text  # the whole 327-character name, not cut
    assert f"@SUM(A1) {RTL} 🏡" in text  # right-to-left text and emoji intact
    assert "فريق الشمال" in text
    page = (hostile / "teams" / f"{slugs[TEAMS['west2']]}.html").read_text(encoding="utf-8")
    assert "+1 Zoë Ødegård" in "".join(_parse(page).texts)


# --------------------------------------------------------------------------- client data
def test_the_export_is_never_modified(run: Run):
    assert _snapshot(run.export) == run.export_before
    assert sorted(p.name for p in run.export.iterdir()) == sorted(run.export_before)


def test_nothing_is_sent_anywhere(run: Run):
    """No process of the run (command, workers, kernels) resolved a host name or opened a
    network connection."""
    assert (run.out / "index.html").is_file()  # the audit ran over a complete assessment
    audited = Path(f"{run.network_log}.processes").read_text(encoding="utf-8").splitlines()
    assert any("ipykernel_launcher" in p for p in audited), audited  # the kernels too
    assert len(audited) >= 4, audited  # the command, its workers and their kernels
    log = run.network_log.read_text(encoding="utf-8") if run.network_log.exists() else ""
    assert log == ""


def test_the_run_leaves_no_temporary_files(run: Run):
    """Intake's scratch folder, the kernels' sockets and connection files: all removed."""
    assert list(run.temp.rglob("*")) == []
    assert sorted(p.name for p in run.out.parent.iterdir()) == ["reports"]  # no staging left


def test_free_text_never_reaches_a_report_or_export(hostile: Path):
    """Notes and outcomes may hold anything a producer typed about a borrower: no report,
    CSV or workbook shows them (only whether a conversation has one)."""
    book = openpyxl.load_workbook(hostile / "data" / "assessment.xlsx")
    cells = " ".join(
        str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row
    )
    texts = [cells] + [
        p.read_text(encoding="utf-8-sig")
        for p in [*hostile.rglob("*.html"), *(hostile / "data" / "csv").glob("*.csv")]
    ]
    for text in texts:
        for typed in ("borrower said yes #", "private note"):
            assert typed not in text and html.escape(typed) not in text
