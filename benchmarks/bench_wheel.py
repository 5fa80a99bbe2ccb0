"""The kit as a consultant installs it: a wheel built from this checkout, in a fresh venv.

The benchmark times ``adoption-kit assess`` as typed on the command line, from a wheel
installed with pip into a virtual environment of its own (never the editable developer
``.venv``). The wheel is built with ``python -m build --wheel --no-isolation``; the
environment lives in ``benchmarks/results/kit-<hash>`` where ``<hash>`` is the first 12
hex digits of the wheel's SHA-256 (plus the extras installed), so a rerun on unchanged
sources reuses it and a changed kit gets a fresh one (older ``kit-*`` environments are
removed). What the installed kit can do (``--scheduler``, the ``xlarge`` scale) is read
from its own ``--help``, so the benchmark works before and after those features land.

Examples
--------
>>> _choices("  --scale [small|medium|large]  Size of the demo organization.")
['small', 'medium', 'large']
>>> _choices("  --workers INTEGER RANGE")
[]
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["KitEnv", "build_wheel", "dev_env", "ensure_env", "reference_env", "wheel_extras"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
_READY = ".installed"


@dataclass(frozen=True)
class KitEnv:
    """One installed kit: its ``bin`` folder and how it was installed."""

    bin: Path
    how: str  # e.g. "wheel crm_adoption_kit-0.1.0 (sha256 1a2b3c4d5e6f) in a fresh venv"

    @property
    def python(self) -> str:
        return str(self.bin / "python")

    @property
    def cli(self) -> str:
        return str(self.bin / "adoption-kit")

    def help(self, *command: str) -> str:
        """The installed CLI's ``--help`` text of ``command`` (empty when it fails)."""
        done = subprocess.run(
            [self.cli, *command, "--help"], capture_output=True, text=True, check=False
        )
        return done.stdout if done.returncode == 0 else ""

    def accepts(self, command: str, option: str) -> bool:
        """Whether ``adoption-kit COMMAND`` has ``option`` (e.g. ``--scheduler``)."""
        return re.search(rf"(^|\s){re.escape(option)}\b", self.help(command)) is not None

    def scales(self) -> list[str]:
        """The demo scales the installed kit offers (``adoption-kit demo --help``)."""
        for line in self.help("demo").splitlines():
            if "--scale" in line:
                return _choices(line)
        return []

    def imports(self, module: str) -> bool:
        done = subprocess.run([self.python, "-c", f"import {module}"], capture_output=True)
        return done.returncode == 0


def _choices(line: str) -> list[str]:
    found = re.search(r"\[([\w|-]+\|[\w|-]+)\]", line)
    return found.group(1).split("|") if found else []


def build_wheel(outdir: Path, *, source: Path = ROOT) -> Path:
    """Build the kit's wheel from ``source`` (default this checkout) into ``outdir``; return
    its path."""
    shutil.rmtree(outdir, ignore_errors=True)
    outdir.mkdir(parents=True)
    command = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(outdir)]
    done = subprocess.run(command, cwd=source, capture_output=True, text=True, check=False)
    wheels = sorted(outdir.glob("*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-10:])
        raise RuntimeError(f"building the wheel failed ({' '.join(command)}):\n{tail}")
    return wheels[0]


def wheel_extras(wheel: Path) -> list[str]:
    """The optional-dependency groups the wheel declares (``Provides-Extra``)."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        text = archive.read(name).decode()
    return re.findall(r"^Provides-Extra: (\S+)$", text, flags=re.MULTILINE)


def ensure_env(
    results: Path, *, extras: tuple[str, ...] = (), source: Path = ROOT, prefix: str = "kit"
) -> KitEnv:
    """Build the wheel of ``source`` and return a fresh venv with it installed (cached by
    wheel hash, in ``results/<prefix>-<hash>``).

    ``extras`` the wheel does not declare are left out (an older kit without a ``dask``
    extra installs plain). Raises :class:`RuntimeError` with pip's last lines on failure.
    """
    results = results.resolve()  # the wheel is built from another folder
    wheel = build_wheel(results / f"dist-{prefix}", source=source)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()[:12]
    offered = [e for e in extras if e in wheel_extras(wheel)]
    key = digest + "".join(f"-{e}" for e in sorted(offered))
    venv = results / f"{prefix}-{key}"
    how = f"wheel {wheel.name} (sha256 {digest}) in a fresh venv" + (
        f" with [{','.join(offered)}]" if offered else ""
    )
    if (venv / _READY).is_file():
        return KitEnv(venv / "bin", how)
    for old in results.glob(f"{prefix}-*"):
        if old.is_dir() and old != venv:
            shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(venv, ignore_errors=True)
    print(f"installing {wheel.name} into {venv} (once per wheel) ...", file=sys.stderr)
    base = getattr(sys, "_base_executable", sys.executable)
    target = f"{wheel}[{','.join(offered)}]" if offered else str(wheel)
    steps = [
        [base, "-m", "venv", str(venv)],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", target],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-10:])
            raise RuntimeError(f"{' '.join(step)} failed:\n{tail}")
    (venv / _READY).write_text(how + "\n")
    return KitEnv(venv / "bin", how)


def reference_env(results: Path, ref: str) -> KitEnv:
    """The kit as it was at git commit ``ref``: its sources taken with ``git archive``, its
    wheel built and installed like this checkout's (``results/ref-<hash>``), to time the
    same command before and after a change in one run.

    Raises :class:`RuntimeError` when ``ref`` is no commit of this repository.
    """
    found = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short=12", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0:
        raise RuntimeError(f"--reference {ref}: not a commit of {ROOT} ({found.stderr.strip()})")
    commit = found.stdout.strip()
    source = results.resolve() / f"src-{commit}"
    if not (source / "pyproject.toml").is_file():
        shutil.rmtree(source, ignore_errors=True)
        source.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", commit],
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
    env = ensure_env(results, source=source, prefix="ref")
    return KitEnv(env.bin, f"commit {commit}: {env.how}")


def dev_env() -> KitEnv:
    """The developer's editable install that runs this script (no wheel: quick checks)."""
    return KitEnv(Path(sys.executable).parent, "editable checkout (the developer .venv)")
