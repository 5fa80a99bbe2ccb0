"""The intake budget: an export that would need too much memory or time stops with a message.

The default limits (:class:`kit._budget.Budget`) are far above what a genuine export needs,
so the tests give intake a budget small enough for a small fixture to exceed it: the
message, the exit code and what is left behind are what is checked, never a duration.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kit._budget import MB, Budget, BudgetError
from kit.exceptions import InputError
from kit.intake import read_export

ROOT = Path(__file__).resolve().parents[2]
USERS = "user_id,name,team,role\nu1,Ana Ruiz,North,producer\nu2,Ben Okafor,South,producer\n"


def test_the_documented_default_budget() -> None:
    budget = Budget()
    assert budget.memory_limit(100 * MB) == 10 * 100 * MB + 1024 * MB
    assert budget.seconds_limit(100 * MB) == 120 + 5 * 100
    assert budget.archive_limit(1 * MB) == 256 * MB  # the allowance
    assert budget.archive_limit(10 * MB) == 2000 * MB  # 200 times the archive's size


def test_each_limit_can_be_raised_by_its_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ADOPTION_KIT_MEMORY_MULTIPLE", "25")
    monkeypatch.setenv("ADOPTION_KIT_SECONDS_PER_MB", "12.5")
    monkeypatch.setenv("ADOPTION_KIT_ARCHIVE_EXPANSION", "1000")
    budget = Budget.from_environment()
    assert (budget.memory_multiple, budget.seconds_per_mb, budget.archive_expansion) == (
        25,
        12.5,
        1000,
    )
    monkeypatch.setenv("ADOPTION_KIT_SECONDS_PER_MB", "fast")
    with pytest.raises(InputError, match="ADOPTION_KIT_SECONDS_PER_MB='fast' must be a positive"):
        Budget.from_environment()


def test_a_zip_that_expands_beyond_its_budget_is_not_extracted(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("users.csv", USERS)
        zf.writestr("padding.csv", b"0" * (8 * MB))  # compresses about a thousandfold
    packed = archive.stat().st_size
    assert packed < 40_000
    budget = Budget(archive_expansion=50, archive_allowance=1 * MB)
    with pytest.raises(BudgetError) as info:
        read_export(archive, budget=budget)
    assert str(info.value).startswith(
        f"the archive export.zip ({packed / 1024:.0f} kB) expands to more than 1.0 MB, the most "
        "intake extracts from an archive of its size (50 times its size, at least 1.0 MB). It "
        "is probably not a genuine export (a 'zip bomb')"
    )
    assert read_export(archive)["users"]["user_id"].tolist() == ["u1", "u2"]  # default budget


def test_a_workbook_that_expands_beyond_its_budget_is_not_read(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "users"
    ws.append(["user_id", "name", "team", "role"])
    for i in range(20_000):
        ws.append([f"u{i}", "Same Name", "North", "producer"])
    wb.save(tmp_path / "users.xlsx")
    budget = Budget(archive_expansion=2, archive_allowance=0)
    with pytest.raises(BudgetError, match=r"^the archive workbook users.xlsx \("):
        read_export(tmp_path, budget=budget)


def _sparse_workbook(path: Path) -> Path:
    """A workbook with two data rows and one blank cell at the last row and column (XFD1048576):
    read as declared, that is 17 billion cells."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "users"
    for row in USERS.splitlines():
        ws.append(row.split(","))
    ws.cell(row=1_048_576, column=16_384, value=" ")
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def test_a_workbook_declaring_billions_of_empty_cells_is_read_by_its_content(
    tmp_path: Path,
) -> None:
    _sparse_workbook(tmp_path / "users.xlsx")
    # in a child process, so the test fails (instead of hanging) if the sheet is read as declared
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from kit.intake import read_export; "
            "print(read_export(sys.argv[1])['users']['user_id'].tolist())",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['u1', 'u2']"


def test_going_over_the_time_budget_stops_intake_with_a_message(tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text(USERS, encoding="utf-8")
    with pytest.raises(BudgetError) as info:
        read_export(tmp_path, budget=Budget(seconds_allowance=0, seconds_per_mb=0))
    message = str(info.value)
    assert message.startswith(f"intake of {tmp_path.name} stopped after 0 s, its time budget for ")
    assert "(0 s + 0 s per MB)" in message
    assert message.endswith("If the export is genuine, raise ADOPTION_KIT_SECONDS_PER_MB.")


def test_going_over_the_memory_budget_stops_intake_with_a_message(tmp_path: Path) -> None:
    rows = "".join(f"u{i},Person number {i},Team {i % 50},producer\n" for i in range(200_000))
    (tmp_path / "users.csv").write_text("user_id,name,team,role\n" + rows, encoding="utf-8")
    size = (tmp_path / "users.csv").stat().st_size
    budget = Budget(memory_multiple=0.5, memory_allowance=0)  # half the file's size
    with pytest.raises(BudgetError) as info:
        read_export(tmp_path, budget=budget)
    assert str(info.value).startswith(
        f"intake of {tmp_path.name} stopped: it needed more than {size / 2 / MB:.1f} MB of "
        f"memory, its memory budget for {size / MB:.1f} MB of data files (0.5 times their "
        "size + 0 kB)."
    )


def test_a_step_stuck_past_its_budget_ends_the_command_with_exit_2(tmp_path: Path) -> None:
    """The command line does not wait for a step that never returns: it says why, removes
    intake's temporary folder and exits."""
    export = tmp_path / "export"
    export.mkdir()
    (export / "users.csv").write_text(USERS, encoding="utf-8")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    script = textwrap.dedent(
        """
        import sys, time
        import kit._budget as budget
        from kit.intake import run

        budget._GRACE.update(time=0.3, memory=0.3)
        budget.Budget.from_environment = classmethod(
            lambda cls: cls(seconds_allowance=0.5, seconds_per_mb=0)
        )
        run._Intake.run = lambda self: time.sleep(120)  # a step that never checks the budget
        from kit.cli import main
        sys.exit(main(["intake", sys.argv[1], "--out", sys.argv[2]]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(export), str(tmp_path / "dataset")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: intake of export stopped after 1 s, its time budget ")
    assert "Traceback" not in done.stderr
    assert list(scratch.iterdir()) == []  # kit-intake-* removed before exiting
    assert not (tmp_path / "dataset").exists()
