"""The virtual environment ydata-profiling runs in, beside (never inside) the kit's.

ydata-profiling pins pandas < 3 and numpy < 2.4; the kit keeps current pandas. So the
benchmark makes ``benchmarks/.venv-ydata`` with ``python -m venv`` on first use and installs
ydata-profiling there with pip from the package registry.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = ["VENV", "ensure_venv", "profile_command"]

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-ydata"
SCRIPT = HERE / "ydata_profile.py"
_PACKAGES = ("ydata-profiling",)


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _ready(venv: Path) -> bool:
    python = _python(venv)
    if not python.is_file():
        return False
    probe = subprocess.run(
        [str(python), "-c", "import ydata_profiling"], capture_output=True, check=False
    )
    return probe.returncode == 0


def ensure_venv(venv: Path = VENV) -> Path:
    """Create ``venv`` with ydata-profiling installed, if it is not there yet; return its
    Python. Raises :class:`RuntimeError` with pip's last lines when installing fails."""
    if _ready(venv):
        return _python(venv)
    print(f"creating {venv} with ydata-profiling (first run only) ...", file=sys.stderr)
    base = getattr(sys, "_base_executable", sys.executable)
    steps = [
        [base, "-m", "venv", str(venv)],
        [str(_python(venv)), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
        [str(_python(venv)), "-m", "pip", "install", "--quiet", *_PACKAGES],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-10:])
            raise RuntimeError(f"{' '.join(step)} failed:\n{tail}")
    if not _ready(venv):
        raise RuntimeError(f"ydata-profiling was installed in {venv} but cannot be imported")
    return _python(venv)


def profile_command(python: Path, csv: Path, html: Path) -> list[str]:
    """The command that profiles ``csv`` into ``html`` (``--result FILE`` is added later)."""
    return [str(python), str(SCRIPT), str(csv), str(html)]
