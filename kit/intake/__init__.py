"""Intake: a client's CRM export in, a clean canonical :class:`kit.dataset.Dataset` out.

Modules, one job each:

- :mod:`kit.intake.readers` finds the files of an export (folder or zip) and parses them;
- :mod:`kit.intake.mapping` reads a mapping file or preset (``presets/*.yaml``);
- :mod:`kit.intake.normalize` converts raw text columns into canonical typed fields;
- :mod:`kit.intake.run` assigns files to tables, converts them, checks them within and across
  tables, and writes the manifest; every excluded row is listed with its reason.
"""

from __future__ import annotations

from kit.intake.run import QUALITY_ISSUES, IntakeReport, intake, read_export, summarize

__all__ = ["QUALITY_ISSUES", "IntakeReport", "intake", "read_export", "summarize"]
