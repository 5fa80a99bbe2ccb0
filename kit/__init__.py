"""CRM adoption-assessment kit for mortgage teams.

Read a CRM export into a clean dataset, measure data quality and adoption behaviour per
team and producer, score teams against operating standards, and render client-ready reports.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("crm-adoption-kit")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0+unknown"

# ``kit.diagnose`` is the function; its module stays importable with ``from kit.diagnose
# import Results``.
from kit.dataset import Dataset, load_dataset, write_dataset
from kit.diagnose import Results, diagnose, load_results
from kit.exceptions import KitError
from kit.intake import read_export
from kit.metrics import METRICS
from kit.runner import assess
from kit.standards import Standards, load_standards

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
