"""Where the bundled notebooks and templates live.

From a wheel they are inside the package (``kit/_bundled``); from a source checkout they are
the repository's ``notebooks/`` and ``templates/`` folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    inside = _PACKAGE / "_bundled" / name
    if inside.is_dir():
        return inside
    checkout = _PACKAGE.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"the kit's {name}/ folder is missing from {_PACKAGE}: reinstall the kit"
    )


def notebooks_dir() -> Path:
    """Folder holding the assessment notebooks."""
    return _bundled("notebooks")


def templates_dir() -> Path:
    """Folder holding the nbconvert report templates."""
    return _bundled("templates")
