"""CRM adoption-assessment kit for mortgage teams.

Read a CRM export into a clean dataset, measure data quality and adoption behaviour per
team and producer, score teams against operating standards, and render client-ready reports.

The chain, one subpackage per step (see ``docs/architecture.md``)::

    export -> kit.intake -> kit.dataset -> kit.diagnostics -> kit.results
           -> kit.report (views, charts, notebooks' helpers, HTML) -> kit.runner / kit.cli

Names are loaded on first use, so ``import kit`` (and ``adoption-kit --help``) stays cheap.

Examples
--------
>>> import kit
>>> kit.diagnose.__module__, kit.Results.__module__
('kit.diagnostics.run', 'kit.results')
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from kit._version import __version__

if TYPE_CHECKING:
    from kit.dataset import Dataset, load_dataset, write_dataset
    from kit.diagnostics.metrics import METRICS
    from kit.diagnostics.run import diagnose
    from kit.diagnostics.standards import Standards, load_standards
    from kit.exceptions import KitError
    from kit.intake import read_export
    from kit.results import Results, load_results
    from kit.runner import assess

#: Public name -> the module that defines it.
_PUBLIC: dict[str, str] = {
    "METRICS": "kit.diagnostics.metrics",
    "Dataset": "kit.dataset",
    "KitError": "kit.exceptions",
    "Results": "kit.results",
    "Standards": "kit.diagnostics.standards",
    "assess": "kit.runner",
    "diagnose": "kit.diagnostics.run",
    "load_dataset": "kit.dataset",
    "load_results": "kit.results",
    "load_standards": "kit.diagnostics.standards",
    "read_export": "kit.intake",
    "write_dataset": "kit.dataset",
}

__all__ = [
    "METRICS",
    "Dataset",
    "KitError",
    "Results",
    "Standards",
    "__version__",
    "assess",
    "diagnose",
    "load_dataset",
    "load_results",
    "load_standards",
    "read_export",
    "write_dataset",
]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'kit' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
