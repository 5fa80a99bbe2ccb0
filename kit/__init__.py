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

from kit.dataset import Dataset, load_dataset, write_dataset
from kit.exceptions import KitError

__all__ = [
    "Dataset",
    "KitError",
    "__version__",
    "load_dataset",
    "write_dataset",
]
