"""The demo's re-assessment: its agreed standards and its baseline assessment.

The demo organization's leadership required three standards of two teams on
``REQUIREMENT["required_from"]`` (:data:`kit.demo.organization.REQUIREMENT`). The demo is
therefore assessed as a follow-up: against the standards file with those dates
(:func:`demo_standards`) and against a baseline, the assessment of the export as it stood
the day before (:func:`demo_baseline`). ``adoption-kit demo`` and the notebooks' demo use
both, so the default demo shows what changed.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

from kit.demo.organization import ENGAGEMENT, REQUIREMENT, write_export, write_standards
from kit.diagnostics.standards import Standards, load_standards
from kit.intake import read_export
from kit.results import Results

__all__ = ["demo_baseline", "demo_standards"]


def demo_standards(path: str | os.PathLike[str], *, source: str) -> Standards:
    """Write the demo's standards file to ``path`` and return it parsed, recorded as coming
    from ``source`` (a path that does not change from run to run: bundles stay identical)."""
    return replace(load_standards(write_standards(path)), source=source)


def demo_baseline(
    folder: str | os.PathLike[str], *, scale: str, seed: int, standards: Standards
) -> Results:
    """The demo's baseline: the assessment of its export as it stood at the end of
    ``REQUIREMENT["baseline_as_of"]``. The earlier export is written under ``folder`` and
    removed once read."""
    from kit.diagnostics.run import diagnose

    export = write_export(
        Path(folder) / "demo-export-earlier",
        scale=scale,
        seed=seed,
        replace=True,
        as_of=REQUIREMENT["baseline_as_of"],
    )
    try:
        dataset = read_export(export)
    finally:
        shutil.rmtree(export, ignore_errors=True)
    return diagnose(dataset, standards=standards, client=ENGAGEMENT["client"])
