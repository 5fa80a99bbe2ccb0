"""Run one measured step in a child process: wall clock and peak memory of its whole tree.

Every stage of the benchmark runs in a process of its own, so one stage's memory never
hides in another's. While the child runs, the parent samples the resident memory of the
child and every process it started (notebook workers, Jupyter kernels) every few
milliseconds and sums it; when the child exits, :func:`os.wait4` gives the child's own exact
peak. The peak reported is the larger of the two (summed resident memory counts pages shared
between processes more than once, so it errs on the high side).

Children write what they measured themselves (seconds around the work, excluding the
interpreter's start-up) as JSON to the file named by their ``--result`` option.

Examples
--------
>>> step = run_step(["python", "-c", "print('hi')"], result=None)  # doctest: +SKIP
>>> step.wall > 0, step.peak_mb > 0  # doctest: +SKIP
(True, True)
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

__all__ = ["Step", "StepFailed", "run_step"]

_POLL_SECONDS = 0.02
#: How often the tree's members are listed again. Listing a tree makes psutil read every
#: process of the machine: at every sample (50 a second) that cost a core a third of its time
#: and slowed a 2-core run by a third (the large demo's assess 51.7 s measured, 38.9 s not).
#: Between listings only the members' memory is read.
_LIST_SECONDS = 0.5
_MB = 1024 * 1024
_SETTLED = 0.5  # seconds after which a new process's command line is read no more


class StepFailed(RuntimeError):
    """A measured child process exited with an error."""


@dataclass
class Step:
    """One measured child process.

    Attributes
    ----------
    wall
        Seconds from starting the child to its exit (interpreter start-up included).
    peak_mb
        Peak resident memory of the child's process tree, in MiB.
    samples
        ``(perf_counter, MiB)`` pairs of the summed tree memory, for peaks within a window.
    result
        What the child wrote to its result file (empty when it wrote none).
    cpu
        CPU seconds (user + system) of the child and every descendant it waited for
        (workers, kernels): steadier than wall clock on a loaded machine.
    started
        Every process seen in the tree: pid to its command line's first words (so the
        kernels a run started can be counted).
    """

    wall: float
    peak_mb: float
    samples: list[tuple[float, float]] = field(repr=False)
    result: dict[str, Any] = field(default_factory=dict)
    cpu: float = 0.0
    started: dict[int, str] = field(default_factory=dict, repr=False)

    def count(self, word: str) -> int:
        """Processes seen whose command line holds ``word`` (e.g. ``ipykernel_launcher``)."""
        return sum(word in line for line in self.started.values())

    def peak_between(self, start: float, stop: float) -> float:
        """Peak summed memory (MiB) sampled between two ``perf_counter`` readings."""
        inside = [mb for t, mb in self.samples if start <= t <= stop]
        return max(inside) if inside else float("nan")


def _young(proc: psutil.Process) -> bool:
    return time.time() - proc.create_time() < _SETTLED


def _members(proc: psutil.Process) -> list[psutil.Process]:
    """``proc`` and its descendants (none when it is gone)."""
    try:
        return [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return []


def _tree_rss(
    proc: psutil.Process,
    seen: dict[int, str] | None = None,
    *,
    members: list[psutil.Process] | None = None,
) -> int:
    """Resident memory summed over ``members`` (default: ``proc``'s tree, listed now)."""
    total = 0
    for member in _members(proc) if members is None else members:
        try:
            total += member.memory_info().rss
            if seen is not None and (member.pid not in seen or _young(member)):  # exec.d?
                seen[member.pid] = " ".join(member.cmdline()[:4])[:200]
        except psutil.Error:
            continue  # exited between listing and reading
    return total


def run_step(
    command: list[str],
    *,
    result: bool = True,
    env: dict[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float = 3600.0,
    also: tuple[int, ...] = (),
) -> Step:
    """Run ``command`` (with ``--result FILE`` appended when ``result``) and measure it.

    ``also`` names processes outside the child's tree whose trees work for it (a Dask
    cluster's): their memory is sampled and summed with the child's.

    Raises
    ------
    StepFailed
        The child exited with a non-zero status; the message ends with its stderr.
    """
    with tempfile.TemporaryDirectory(prefix="kit-bench-") as tmp:
        out_path = Path(tmp) / "result.json"
        argv = [*command, "--result", str(out_path)] if result else list(command)
        with open(Path(tmp) / "stdout", "wb") as stdout, open(Path(tmp) / "stderr", "wb") as err:
            started = time.perf_counter()
            child = subprocess.Popen(argv, stdout=stdout, stderr=err, env=env, cwd=cwd)
            proc = psutil.Process(child.pid)
            helpers = [psutil.Process(pid) for pid in also]
            samples: list[tuple[float, float]] = []
            seen: dict[int, str] = {}
            status, usage = None, None
            listed, members = 0.0, [proc]
            while True:
                pid, status, usage = os.wait4(child.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() - listed >= _LIST_SECONDS:
                    listed = time.perf_counter()
                    members = _members(proc) + [m for h in helpers for m in _members(h)]
                tree = _tree_rss(proc, seen, members=members)
                samples.append((time.perf_counter(), tree / _MB))
                if time.perf_counter() - started > timeout:
                    child.kill()
                    os.wait4(child.pid, 0)
                    raise StepFailed(f"{argv[:3]} did not finish within {timeout:.0f} s")
                time.sleep(_POLL_SECONDS)
            wall = time.perf_counter() - started
            child.returncode = os.waitstatus_to_exitcode(status)  # already reaped
        if child.returncode != 0:
            tail = (Path(tmp) / "stderr").read_text(errors="replace").strip().splitlines()[-15:]
            raise StepFailed(
                f"{' '.join(argv[:4])} ... exited with {child.returncode}:\n" + "\n".join(tail)
            )
        own_peak = usage.ru_maxrss / 1024 if usage is not None else 0.0  # KiB on Linux
        peak = max([own_peak, *(mb for _, mb in samples)])
        found = json.loads(out_path.read_text()) if result and out_path.is_file() else {}
    cpu = usage.ru_utime + usage.ru_stime if usage is not None else 0.0
    return Step(wall=wall, peak_mb=peak, samples=samples, result=found, cpu=cpu, started=seen)
