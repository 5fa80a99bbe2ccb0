"""The real CLI on small exports written here: a partial or implausible input is never
assessed as if complete, and ``assess`` says what intake saw before any heavy work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

USERS = "user_id,name,team,role\nu1,Ana Ruiz,North,producer\nu2,Ben Okafor,North,producer\n"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kit", *args], capture_output=True, text=True, timeout=600
    )


def _export(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "users.csv").write_text(USERS)
    rows = [
        f"a{i},{u},call,2025-{m:02d}-{d:02d} 10:00"
        for i, (u, m, d) in enumerate(
            (u, m, d) for u in ("u1", "u2") for m in (8, 9, 10) for d in (3, 14, 27)
        )
    ]
    (folder / "activities.csv").write_text(
        "activity_id,user_id,type,occurred_at\n" + "\n".join(rows) + "\n"
    )
    return folder


def test_assess_of_a_users_file_alone_stops_naming_what_is_missing(tmp_path: Path) -> None:
    # before: exit 0 with five reports, "CLIENT" in the header, "No findings" beside "Not scored"
    users = tmp_path / "users.csv"
    users.write_text(USERS)
    out = tmp_path / "out"
    done = _cli("assess", str(users), "--out", str(out))
    assert done.returncode == 2, done.stderr
    assert "the export holds only users: no report section can be assessed" in done.stderr
    assert "activities: needed by Adoption trajectory, Follow-up discipline, Seat ROI" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr
    assert not out.exists()
    # intake's own summary was printed first, as `adoption-kit intake` prints it
    assert "Intake of users.csv with mapping 'canonical'" in done.stdout
    assert "Not provided: contacts, opportunities" in done.stdout


def test_a_launch_after_the_data_is_refused_before_any_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _cli("assess", str(_export(tmp_path / "export")), "--out", str(out), "--launch",
                "2025-12-01")  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert (
        "the launch date 2025-12-01 (given) is after the as-of date 2025-10-27 (the data's "
        "last event)" in done.stderr
    )
    assert not out.exists()


def test_strict_stops_on_an_as_of_far_after_the_data(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _cli(
        "assess", str(_export(tmp_path / "export")), "--out", str(out), "--as-of", "2027-06-30",
        "--strict",
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "1 implausible parameter(s) (--strict makes them errors)" in done.stderr
    assert "is 611 days after the data's last event (2025-10-27)" in done.stderr
    assert not out.exists()


def test_intake_cli_stops_on_an_ambiguous_date_column_with_the_fix(tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    (export / "users.csv").write_text(USERS)
    (export / "activities.csv").write_text(
        "activity_id,user_id,type,occurred_at\na1,u1,call,01-02-2018 19:58\n"
        "a2,u1,call,03-04-2018 08:00\n"
    )
    done = _cli("intake", str(export), "--out", str(tmp_path / "ds"))
    assert done.returncode == 2, done.stderr
    assert "activities.occurred_at (column 'occurred_at'): the dates are ambiguous" in done.stderr
    assert "`dates: {dayfirst: true}` (reads '01-02-2018 19:58' as 1 February 2018)" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_assess_prints_intake_and_the_header_tells_the_true_time_frame(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _cli(
        "assess", str(_export(tmp_path / "export")), "--out", str(out), "--as-of", "2026-01-31",
        "--workers", "1",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Intake of export with mapping 'canonical'" in done.stdout
    assert "Data dated 2025-08-03 to 2025-10-27 (first and last real event); assessed as of " in (
        done.stdout
    )
    assert "No client name given (--client): the reports name no client." in done.stdout
    assert "- the as-of date 2026-01-31 (given) is 96 days after the data's last event" in (
        done.stdout
    )
    page = (out / "teams" / "north.html").read_text(encoding="utf-8")
    header = page[page.index('<header class="report-header">') : page.index("</header>")]
    assert "report-header__client" not in header and "Client" not in header
    assert "<dt>Records dated</dt><dd>Aug 3 – Oct 27, 2025</dd>" in header
    assert "<dt>As of</dt><dd>Jan 31, 2026</dd>" in header
    assert "<dt>Assessment window</dt><dd>Nov 3, 2025 – Jan 31, 2026</dd>" in header
    assert "is 96 days after the data's last event (2025-10-27)" in header
    quality = (out / "data-quality.html").read_text(encoding="utf-8")
    assert "Records dated in the future" in quality
