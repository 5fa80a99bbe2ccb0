"""Faults: a run killed half-way, a full disk, a read-only output folder.

The report folder is built in a hidden staging folder beside ``--out``
(``.<out>.<random>.partial``) and swapped in only when complete, so a run that dies leaves the
earlier folder as it was and nothing that looks like a finished report; the next run removes
what a killed run left (its staging folder, intake's ``kit-intake-*`` temporary folder), and
a run stopped by ``SIGTERM`` or ``SIGHUP`` removes them itself. A full disk or a
folder the kit may not write to ends in a one-line message and exit code 3, never a
traceback. (A failing or crashing team notebook is covered in ``test_runner.py``.)

The tests run as root in CI, where ``chmod`` does not stop writes: a read-only folder is then
tested by running the command without root's permission-override capabilities, and for
real by a read-only tmpfs when mounting is permitted; a full disk by a failing write in-process and,
when mounting is permitted, by a 64 kB tmpfs.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pandas as pd
import pytest

from kit.cli import main

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
USERS = "user_id,name,team,role\nu1,Ana Ruiz,North,producer\nu2,Ben Okafor,South,producer\n"
ACTIVITIES = (
    "activity_id,user_id,type,occurred_at\na1,u1,call,2024-06-03 10:00\n"
    "a2,u2,email,2024-06-04 11:00\n"
)


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its SHA-256."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _small_export(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "users.csv").write_text(USERS, encoding="utf-8")
    (folder / "activities.csv").write_text(ACTIVITIES, encoding="utf-8")
    return folder


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kit", *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


def _clear_message(done: subprocess.CompletedProcess[str], *, code: int, words: str) -> None:
    assert done.returncode == code, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert done.stderr.startswith("error: "), done.stderr
    assert words in done.stderr, done.stderr


# --------------------------------------------------------------------------- killed half-way
def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_an_assessment_killed_half_way_leaves_the_earlier_reports_intact(
    tmp_path: Path, demo_reports: Path
):
    out = tmp_path / "reports"
    shutil.copytree(demo_reports, out)  # the earlier, complete report folder
    before = _snapshot(out)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kit",
            "assess",
            str(demo_reports / "data" / "dataset"),
            "--out",
            str(out),
            "--force",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    started: list[int] = []
    try:
        deadline = time.monotonic() + 240
        written: list[Path] = []
        while not written and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
            written = list(tmp_path.glob(".reports.*.partial/teams/*.html"))
        assert written, "no team report was written in the staging folder before the deadline"
        # freeze the run, note every process it started (workers, their kernels), then kill
        # the command itself abruptly, the way a closed laptop or the OOM killer would
        os.killpg(process.pid, signal.SIGSTOP)
        started = _descendants(process.pid)
        process.kill()
        process.wait(timeout=30)
    finally:
        if process.poll() is None:  # the test failed before its kill
            started = started or _descendants(process.pid)
            process.kill()
            process.wait(timeout=30)
        for pid in started:  # the workers and kernels this test started, by their ids
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while not all(_gone(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert process.returncode == -signal.SIGKILL
    # the earlier folder is exactly as it was
    assert _snapshot(out) == before
    # the only other thing beside it is the hidden staging folder: named .partial, and
    # without run.json, which is written last and marks a complete report folder
    beside = sorted(p.name for p in tmp_path.iterdir())
    assert beside[-1] == "reports" and all(
        n.startswith(".reports.") and n.endswith(".partial") for n in beside[:-1]
    ), beside
    (staging,) = [tmp_path / n for n in beside[:-1]]
    assert not (staging / "run.json").exists()
    assert list(staging.glob("teams/*.html"))  # it really was killed while writing reports
    # the next run into the same folder removes the staging folder the killed one left
    team = sorted(json.loads((out / "run.json").read_text(encoding="utf-8"))["teams"])[0]
    done = _cli(
        "assess",
        str(demo_reports / "data" / "dataset"),
        "--out",
        str(out),
        "--force",
        "--workers",
        "1",
        "--teams",
        team,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["teams"].keys() == {team}


# --------------------------------------------------------------------------- killed intake
#: Runs ``adoption-kit ARGS`` with intake paused where it has extracted the export into its
#: temporary folder: it writes ``<marker>`` and waits to be stopped.
_PAUSED_INTAKE = """
import pathlib, sys, time
from kit.intake import run

def paused(self):
    pathlib.Path(sys.argv[1]).write_text("extracted")
    time.sleep(120)

run._Intake.assign = paused
from kit.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _zip_export(folder: Path) -> Path:
    export = _small_export(folder / "export")
    archive = folder / "export.zip"
    shutil.make_archive(str(archive.with_suffix("")), "zip", export)
    return archive


def _paused(marker: Path, scratch: Path, *args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", _PAUSED_INTAKE, str(marker), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    deadline = time.monotonic() + 120
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if not marker.exists():
        process.kill()
        pytest.fail(f"intake did not reach its pause: {process.communicate()}")
    return process


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_an_intake_stopped_by_a_signal_removes_its_temporary_folder(
    tmp_path: Path, how: signal.Signals
):
    archive, scratch = _zip_export(tmp_path), tmp_path / "tmp"
    scratch.mkdir()
    out = tmp_path / "dataset"
    process = _paused(tmp_path / "marker", scratch, "intake", str(archive), "--out", str(out))
    try:
        assert [p.name[:11] for p in scratch.iterdir()] == ["kit-intake-"]
        process.send_signal(how)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 128 + how, stderr
    assert stderr.startswith(f"stopped by {how.name}: outputs already written are intact")
    assert "Traceback" not in stderr
    assert list(scratch.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export", "export.zip", "marker", "tmp"]


def test_a_killed_intake_s_temporary_folder_is_removed_by_the_next_run(tmp_path: Path):
    archive, scratch = _zip_export(tmp_path), tmp_path / "tmp"
    scratch.mkdir()
    out = tmp_path / "dataset"
    process = _paused(tmp_path / "marker", scratch, "intake", str(archive), "--out", str(out))
    process.kill()  # SIGKILL: nothing can clean up
    process.communicate(timeout=60)
    (left,) = scratch.iterdir()
    assert left.name.startswith("kit-intake-") and (left / "export" / "users.csv").is_file()
    # a run still working keeps its folder while another starts
    busy = _paused(tmp_path / "marker2", scratch, "intake", str(archive), "--out", str(out))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "kit", "intake", str(archive), "--out", str(out)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
            env={**os.environ, "TMPDIR": str(scratch)},
        )
        assert done.returncode == 0, done.stderr
        remaining = list(scratch.iterdir())
        assert left not in remaining and len(remaining) == 1  # the busy run's own folder
    finally:
        busy.kill()
        busy.communicate(timeout=60)


def test_every_temporary_folder_a_killed_run_left_is_removed_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Intake's extraction folder, a worker's kernel sockets and Chromium's PDF profile."""
    from kit._atomic import held_tempdir, private_tempdir, remove_held

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for prefix in ("kit-intake-", "adoption-kit-kernel-", "kit-pdf-"):
        (tmp_path / f"{prefix}killed" / "inside").mkdir(parents=True)
    (tmp_path / "kit-intake-not-a-folder").write_text("a file: not ours to remove")
    (tmp_path / "another-tool-abc").mkdir()
    with private_tempdir("kit-intake-") as intake_dir:
        sockets = held_tempdir("adoption-kit-kernel-")
        with private_tempdir("kit-pdf-") as profile:
            assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
                [
                    "another-tool-abc",
                    "kit-intake-not-a-folder",
                    intake_dir.name,
                    sockets.name,
                    profile.name,
                ]
            )
        remove_held(sockets)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "another-tool-abc",
        "kit-intake-not-a-folder",
    ]


_HELD_STAGING = """
import pathlib, sys, time
from kit._atomic import atomic_dir

with atomic_dir(sys.argv[2], replace=True) as stage:
    (stage / "half.txt").write_text("half")
    pathlib.Path(sys.argv[1]).write_text("staged")
    time.sleep(120)
"""


def test_a_killed_run_s_staging_folder_is_removed_by_the_next_run(tmp_path: Path):
    export = _small_export(tmp_path / "export")
    out = tmp_path / "dataset"

    def staging() -> list[str]:
        return sorted(p.name for p in tmp_path.glob(".dataset.*.partial"))

    def stage_and_wait(marker: Path) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-c", _HELD_STAGING, str(marker), str(out)], cwd=ROOT
        )
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the staging process did not start"
        return process

    killed = stage_and_wait(tmp_path / "m1")
    killed.kill()
    killed.wait(timeout=30)
    (abandoned,) = staging()
    busy = stage_and_wait(tmp_path / "m2")
    try:
        (running,) = set(staging()) - {abandoned}  # names are random: never rely on order
        done = _cli("intake", str(export), "--out", str(out), "--force")
        assert done.returncode == 0, done.stderr
        # the killed run's staging folder is gone; the running one's is left alone
        assert staging() == [running]
        assert (out / "manifest.json").is_file()
    finally:
        busy.kill()
        busy.wait(timeout=30)


# --------------------------------------------------------------------------- full disk
def test_a_full_disk_is_a_clear_message_and_exit_code_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    export = _small_export(tmp_path / "export")
    out = tmp_path / "reports"
    out.mkdir()
    (out / "index.html").write_text("last week's portfolio", encoding="utf-8")

    def full(self: pd.DataFrame, path: object, *args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    code = main(["assess", str(export), "--out", str(out), "--force", "--workers", "1"])
    captured = capsys.readouterr()
    assert code == 3
    assert captured.err.startswith("error: the disk is full: could not write ")
    assert "Free space and rerun." in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert (out / "index.html").read_text(encoding="utf-8") == "last week's portfolio"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export", "reports"]  # no staging


@contextmanager
def _tmpfs(folder: Path, options: str) -> Iterator[Path]:
    """A tmpfs mounted at ``folder`` (skips the test when mounting is not permitted)."""
    folder.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_really_full_disk(tmp_path: Path):
    export = _small_export(tmp_path / "export")
    with _tmpfs(tmp_path / "disk", "size=64k") as disk:
        (disk / "filler").write_bytes(b"\0" * 40_000)
        done = _cli("assess", str(export), "--out", str(disk / "reports"), "--workers", "1")
        _clear_message(done, code=3, words="the disk is full")
        assert sorted(p.name for p in disk.iterdir()) == ["filler"]  # staging removed


# --------------------------------------------------------------------------- read-only
#: As root, ``chmod`` binds only without the capabilities that override file permissions.
_DROP = "-dac_override,-dac_read_search,-fowner"


def _unprivileged(locked: Path) -> list[str]:
    """A command prefix under which ``chmod 0o555`` on ``locked`` stops writes.

    Not root: nothing. Root: drop the permission-override capabilities with ``setpriv``
    (running as ``nobody`` fails earlier: the interpreter lives under root's home), checked
    with a probe write; skip when neither works.
    """
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: chmod cannot make a folder read-only")
    prefix = ["setpriv", "--bounding-set", _DROP, "--"]
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", f"open({str(locked / 'probe')!r}, 'w')"],
        capture_output=True,
        text=True,
    )
    if probe.returncode == 0 or "PermissionError" not in probe.stderr:
        (locked / "probe").unlink(missing_ok=True)
        pytest.skip(f"cannot drop root's permission override here: {probe.stderr.strip()}")
    return prefix


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Path]:
    """A scratch folder every user may read and write (pytest's own is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="kit-faults-"))
    folder.chmod(0o777)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            path.chmod(0o777)
    shutil.rmtree(folder, ignore_errors=True)


def _readable_export(world: Path) -> Path:
    export = _small_export(world / "export")
    export.chmod(0o755)
    for p in export.iterdir():
        p.chmod(0o644)
    return export


@pytest.mark.parametrize(
    "where",
    ["inside", "itself", "beside"],
    ids=["parent-read-only", "out-read-only", "out-writable-parent-read-only"],
)
def test_a_read_only_output_folder_is_a_clear_message_and_exit_code_3(world: Path, where: str):
    export = _readable_export(world)
    locked = world / "locked"
    locked.mkdir()
    out = {"inside": locked / "reports", "itself": locked, "beside": locked / "reports"}[where]
    if where == "beside":  # --out itself is writable, but its staging folder cannot be made
        out.mkdir()
        out.chmod(0o777)
    locked.chmod(0o555)
    prefix = _unprivileged(locked)
    done = subprocess.run(
        [*prefix, sys.executable, "-m", "kit", "assess", str(export), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    # refused before intake and diagnostics, naming the folder that cannot be written
    _clear_message(done, code=3, words=f"cannot write to {out}: {locked} is read-only")
    assert locked.is_dir() and [p.name for p in locked.iterdir()] == (
        ["reports"] if where == "beside" else []
    )
    assert sorted(p.name for p in world.iterdir()) == ["export", "locked"]


def test_a_read_only_file_system(tmp_path: Path):
    export = _small_export(tmp_path / "export")
    with _tmpfs(tmp_path / "ro", "ro,size=64k") as readonly:
        done = _cli("assess", str(export), "--out", str(readonly / "reports"), "--workers", "1")
        _clear_message(done, code=3, words="read-only")
        done = _cli("intake", str(export), "--out", str(readonly / "dataset"))
        _clear_message(done, code=3, words="read-only")
