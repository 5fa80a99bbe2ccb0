"""The kit on the machines its users have: other kernelspecs, Jupyter's own commands, a
notebook folder of the analyst's own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _decoy_kernelspec(folder: Path, interpreter: Path) -> Path:
    """A ``python3`` kernelspec, as a shared image or a conda base install leaves one."""
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [str(interpreter), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3 (other env)", "language": "python"})
    )
    return spec


def test_report_kernels_use_the_kits_interpreter_whatever_is_installed():
    from kit.report.execute import KERNEL_NAME, kernel_spec_manager

    spec = kernel_spec_manager().get_kernel_spec("python3")
    assert spec.argv[0] == sys.executable
    assert spec.argv[1:3] == ["-m", "ipykernel_launcher"]
    assert kernel_spec_manager().find_kernel_specs() == {KERNEL_NAME: ""}


@pytest.mark.slow
def test_assess_ignores_a_decoy_python3_kernelspec(tmp_path, demo_reports: Path):
    """A broken ``python3`` kernelspec on JUPYTER_PATH and in the user's home changes nothing."""
    broken = tmp_path / "bin" / "python3"
    broken.parent.mkdir()
    broken.write_text("#!/bin/sh\necho 'this is not the kit interpreter' >&2\nexit 1\n")
    broken.chmod(0o755)
    home = tmp_path / "home"
    _decoy_kernelspec(home / ".local" / "share" / "jupyter", broken)
    _decoy_kernelspec(tmp_path / "shared-jupyter", broken)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("JUPYTER_DATA_DIR", "XDG_DATA_HOME", "JUPYTER_CONFIG_DIR", "IPYTHONDIR")
    }
    env.update(
        HOME=str(home),
        JUPYTER_PATH=str(tmp_path / "shared-jupyter"),
        MPLCONFIGDIR=str(tmp_path / "mpl"),
    )
    # the decoy really is what Jupyter finds for "python3" in this environment
    found = subprocess.run(
        [sys.executable, "-m", "jupyter", "kernelspec", "list", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(found.stdout)["kernelspecs"]["python3"]["spec"]["argv"][0] == str(broken)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kit",
            "assess",
            str(demo_reports / "data" / "dataset"),
            "--out",
            str(tmp_path / "out"),
            "--teams",
            "Old Mill",
            "--workers",
            "1",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "1 of 1 team reports written" in done.stdout
    assert (tmp_path / "out" / "teams" / "old-mill.html").is_file()
    assert (tmp_path / "out" / "index.html").is_file()
