"""Intake: a client's CRM export in, a clean canonical :class:`kit.dataset.Dataset` out.

Modules, one job each:

- :mod:`kit.intake.readers` finds the files of an export (folder or zip) and parses them;
- :mod:`kit.intake.mapping` reads a mapping file or preset (``presets/*.yaml``);
- :mod:`kit.intake.normalize` converts raw text columns into canonical typed fields;
- :mod:`kit.intake.run` runs the steps below in order (:func:`read_export`, :func:`intake`,
  :func:`summarize`); every excluded row is listed with its reason.

The steps, private to the package, one module each: ``_assign`` (which file is which table),
``_lookups`` (files a mapping looks values up in), ``_engagement`` (the export's
``engagement.yaml``), ``_convert`` (one unit's columns converted; with ``_ids``, ``_money``
and ``_stages`` for ids, currencies and unmapped stage names, ``_derived_users`` for an export
without a users file and ``_column_checks`` for the blocking problems of a column),
``_assemble`` (one table: exclusions, duplicates), ``_facts`` (quality facts on a field's
values), ``_cross_table`` (orphan references, future dates), ``_manifest`` (the manifest and
the assumptions); ``_parts`` holds what the steps hand each other.
"""

from __future__ import annotations

from kit.intake.run import QUALITY_ISSUES, IntakeReport, intake, read_export, summarize

__all__ = ["QUALITY_ISSUES", "IntakeReport", "intake", "read_export", "summarize"]
