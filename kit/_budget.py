"""The resource budget of intake: an export that would need too much stops, never hangs.

Reading an export costs memory and time roughly in proportion to its size: on the demo's
medium CSV export (84 MB) intake holds about 4 times the size of the data files in memory
(above what the process used before) and reads about 35 MB a second; a workbook is read at
about 1 MB of its (uncompressed) XML a second, in 3 times its size. A crafted file can break that
proportion: a small archive that expands a thousandfold, a workbook declaring a billion
empty cells, a file whose shape makes a parser slow. So intake runs under a budget, far above
what a genuine export needs:

* **memory**: :attr:`Budget.memory_multiple` times the size of the export's data files
  (uncompressed), plus :attr:`Budget.memory_allowance`, above what the process used when
  intake started;
* **time**: :attr:`Budget.seconds_allowance` plus :attr:`Budget.seconds_per_mb` per MB of
  data files;
* **archives**: a ``.zip`` may expand to at most :attr:`Budget.archive_expansion` times its
  own size (or :attr:`Budget.archive_allowance`, whichever is larger).

Going over stops intake with a :class:`BudgetError` (exit code 2) that says which limit and
how to raise it. Intake checks the budget between steps and inside its long loops; a watchdog
thread also measures memory and time while a step runs. When a single step overruns and does
not return (stuck inside a parser), the command line (:func:`stop_hard_on_overrun`) prints the
message, removes intake's temporary files and exits with code 2 a few seconds later, instead
of hanging or being killed for lack of memory.

Each limit can be raised for a genuine, unusually heavy export with an environment variable:
``ADOPTION_KIT_MEMORY_MULTIPLE``, ``ADOPTION_KIT_SECONDS_PER_MB``,
``ADOPTION_KIT_ARCHIVE_EXPANSION``.

Examples
--------
>>> budget = Budget()
>>> budget.memory_limit(100 * MB) // MB  # 100 MB of CSV: 10 x 100 MB + 1 GB
2024
>>> budget.seconds_limit(100 * MB)  # 120 s + 5 s per MB
620.0
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, cast

from kit.exceptions import InputError

__all__ = ["MB", "Budget", "BudgetError", "Meter", "stop_hard_on_overrun"]

MB = 1 << 20
_ENVIRONMENT = {
    "memory_multiple": "ADOPTION_KIT_MEMORY_MULTIPLE",
    "seconds_per_mb": "ADOPTION_KIT_SECONDS_PER_MB",
    "archive_expansion": "ADOPTION_KIT_ARCHIVE_EXPANSION",
}
_HARD_STOP = {"enabled": False}
#: Seconds a step may keep running after it went over the budget before the command line
#: stops the process (memory grows fast: a short grace).
_GRACE = {"memory": 2.0, "time": 10.0}
_SAMPLE_EVERY = 0.1


class BudgetError(InputError):
    """Intake went over its resource budget (see :mod:`kit._budget`)."""


@dataclass(frozen=True)
class Budget:
    """How much memory and time intake may use, in proportion to the export's size."""

    memory_multiple: float = 10.0
    memory_allowance: int = 1024 * MB
    seconds_per_mb: float = 5.0
    seconds_allowance: float = 120.0
    archive_expansion: float = 200.0
    archive_allowance: int = 256 * MB

    @classmethod
    def from_environment(cls) -> Budget:
        """The default budget, with any limit raised by its environment variable."""
        budget = cls()
        for name, variable in _ENVIRONMENT.items():
            text = os.environ.get(variable)
            if not text:
                continue
            try:
                value = float(text)
            except ValueError:
                value = -1.0
            if not value > 0 or value == float("inf"):
                raise InputError(
                    f"{variable}={text!r} must be a positive number "
                    f"(default {getattr(budget, name):g})."
                )
            # every field named in _ENVIRONMENT is a float field
            budget = replace(budget, **cast("dict[str, Any]", {name: value}))
        return budget

    def memory_limit(self, size: int) -> int:
        """Bytes intake may add to the process's memory for ``size`` bytes of data files."""
        return int(self.memory_multiple * size + self.memory_allowance)

    def seconds_limit(self, size: int) -> float:
        """Seconds intake may run for ``size`` bytes of data files."""
        return self.seconds_allowance + self.seconds_per_mb * size / MB

    def archive_limit(self, size: int) -> int:
        """Bytes an archive of ``size`` bytes may expand to."""
        return int(max(self.archive_expansion * size, self.archive_allowance))


def stop_hard_on_overrun(enabled: bool = True) -> None:
    """Let the watchdog end the process when a step overruns and does not return.

    Only the command line enables this; in a notebook or a library call an overrun is
    raised as :class:`BudgetError` at the next check.
    """
    _HARD_STOP["enabled"] = enabled


def _resident() -> int | None:
    """Bytes of memory the process holds now (Linux), else its peak so far, else ``None``."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak) if sys.platform == "darwin" else int(peak) * 1024
    except (ImportError, OSError):  # pragma: no cover - Windows
        return None


def _size(n: float) -> str:
    """E.g. ``8 kB``, ``1.5 MB``, ``2,048 MB``."""
    if n < MB:
        return f"{n / 1024:,.0f} kB"
    return f"{n / MB:,.0f} MB" if n >= 10 * MB else f"{n / MB:,.1f} MB"


@dataclass
class Meter:
    """Measures one intake against its :class:`Budget`.

    Use it as a context manager around the intake; call :meth:`check` between steps and in
    long loops, and :meth:`measure` once the size of the data files is known.

    >>> with Meter(Budget(), "export") as meter:
    ...     meter.measure(10 * MB)
    ...     meter.check()
    """

    budget: Budget
    name: str
    #: called (from the watchdog thread) just before a hard stop: removes temporary files
    on_hard_stop: Callable[[], None] | None = None
    size: int = 0
    _started: float = field(default_factory=time.monotonic)
    _base: int | None = field(default_factory=_resident)
    _overrun: str | None = None
    _overrun_at: float | None = None
    _overrun_kind: str = ""
    _done: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _watchdog: threading.Thread | None = None

    def __enter__(self) -> Meter:
        self._watchdog = threading.Thread(
            target=self._watch, name="kit-intake-budget", daemon=True
        )
        self._watchdog.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._watchdog is not None:
            self._watchdog.join()

    def measure(self, size: int) -> None:
        """Record the size of the export's data files (uncompressed), which sets the limits."""
        self.size = max(int(size), 0)

    def check(self) -> None:
        """Raise :class:`BudgetError` if intake has gone over its budget."""
        self._sample()
        if self._overrun is not None:
            raise BudgetError(self._overrun)

    def check_archive(self, archive: str, packed: int, unpacked: int) -> None:
        """Raise :class:`BudgetError` if ``unpacked`` bytes exceed what ``packed`` may give."""
        limit = self.budget.archive_limit(packed)
        if unpacked > limit:
            raise BudgetError(
                f"the archive {archive} ({_size(packed)}) expands to more than {_size(limit)}, "
                f"the most intake extracts from an archive of its size "
                f"({self.budget.archive_expansion:g} times its size, at least "
                f"{_size(self.budget.archive_allowance)}). It is probably not a genuine export "
                "(a 'zip bomb'); if it is, unzip it yourself and point intake at the folder, or "
                "raise ADOPTION_KIT_ARCHIVE_EXPANSION."
            )

    # ----------------------------------------------------------------- measuring
    def _sample(self) -> None:
        if self._overrun is not None:
            return
        elapsed = time.monotonic() - self._started
        seconds = self.budget.seconds_limit(self.size)
        if elapsed > seconds:
            self._over(
                "time",
                f"intake of {self.name} stopped after {elapsed:,.0f} s, its time budget for "
                f"{_size(self.size)} of data files ({self.budget.seconds_allowance:g} s + "
                f"{self.budget.seconds_per_mb:g} s per MB). A genuine export of this size reads "
                "far faster: look for a file with an unusual shape (a workbook whose sheets "
                "declare millions of empty rows or columns, a huge archive). If the export is "
                "genuine, raise ADOPTION_KIT_SECONDS_PER_MB.",
            )
            return
        now = _resident()
        if now is None or self._base is None:
            return
        used, limit = now - self._base, self.budget.memory_limit(self.size)
        if used > limit:
            self._over(
                "memory",
                f"intake of {self.name} stopped: it needed more than {_size(limit)} of memory, "
                f"its memory budget for {_size(self.size)} of data files "
                f"({self.budget.memory_multiple:g} times their size + "
                f"{_size(self.budget.memory_allowance)}). A genuine export needs about 4 times "
                "its size: look for a file with an unusual shape (a single line of millions of "
                "columns, a workbook declaring millions of cells). If the export is genuine, "
                "raise ADOPTION_KIT_MEMORY_MULTIPLE.",
            )

    def _over(self, kind: str, message: str) -> None:
        with self._lock:
            if self._overrun is None:
                self._overrun, self._overrun_kind = message, kind
                self._overrun_at = time.monotonic()

    def _watch(self) -> None:
        while not self._done.wait(_SAMPLE_EVERY):
            self._sample()
            if self._overrun_at is None or not _HARD_STOP["enabled"]:
                continue
            if time.monotonic() - self._overrun_at < _GRACE[self._overrun_kind]:
                continue
            if self._done.is_set():  # the step returned meanwhile: it raises as usual
                return
            sys.stderr.write(f"error: {self._overrun}\n")
            sys.stderr.flush()
            if self.on_hard_stop is not None:
                with contextlib.suppress(Exception):  # exiting anyway; the next run cleans up
                    self.on_hard_stop()
            os._exit(BudgetError.exit_code)
