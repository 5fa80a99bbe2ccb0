"""Diagnostics: one vectorized pass over a dataset, every team and producer at once.

- :mod:`kit.diagnostics.metrics` is the metric catalogue and the row builders;
- :mod:`kit.diagnostics.context` resolves the run's dates (the data's own time frame comes
  from :mod:`kit.timeframe`) and shared lookups;
- :mod:`kit.diagnostics.plausibility` is the gate run before any heavy work: an input no
  section can assess, a launch after the as-of date, an implausible as-of date;
- one module per measured section: :mod:`~kit.diagnostics.adoption`,
  :mod:`~kit.diagnostics.pipeline`, :mod:`~kit.diagnostics.followup`,
  :mod:`~kit.diagnostics.relationships`, :mod:`~kit.diagnostics.marketing`,
  :mod:`~kit.diagnostics.reconciliation`, :mod:`~kit.diagnostics.quality`, and what an
  opportunities-only export shows: :mod:`~kit.diagnostics.records` (adoption by records,
  the weaker signal) and :mod:`~kit.diagnostics.hygiene` (pipeline hygiene);
- :mod:`~kit.diagnostics.requests` lists what the export could not show, as requests;
- :mod:`~kit.diagnostics.standards` (the operating standards file),
  :mod:`~kit.diagnostics.compliance`, :mod:`~kit.diagnostics.scoring`,
  :mod:`~kit.diagnostics.archetypes`, :mod:`~kit.diagnostics.findings` and
  :mod:`~kit.diagnostics.review` turn metrics into judgements;
- :mod:`~kit.diagnostics.changes` compares an assessment with earlier ones (baselines) and
  :mod:`~kit.diagnostics.requirement` measures each standard before and after the date it
  was required (with :mod:`~kit.diagnostics.intervals`, the change statistics, and
  :mod:`~kit.diagnostics.rewind`, the CRM as it stood on an earlier day);
  :mod:`~kit.diagnostics.demo_baseline` gives the demo its standards and baseline;
- :mod:`kit.diagnostics.run` wires them into :func:`diagnose`, which returns the
  :class:`kit.results.Results` bundle; :mod:`kit.diagnostics.reference` writes
  ``docs/metrics.md`` from the same definitions.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kit.diagnostics.metrics import METRICS
    from kit.diagnostics.run import diagnose
    from kit.diagnostics.standards import Standards, load_standards

__all__ = ["METRICS", "Standards", "diagnose", "load_standards"]

#: Where each name of the package lives. Imported when first asked for, so that a module
#: that needs one part (a report kernel reads the catalogue and the review items) does not
#: load every section's diagnostics with it.
_HOMES = {
    "METRICS": "kit.diagnostics.metrics",
    "diagnose": "kit.diagnostics.run",
    "Standards": "kit.diagnostics.standards",
    "load_standards": "kit.diagnostics.standards",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
