"""Where the bundled notebooks and templates live.

From a wheel they are inside the package (``kit/_bundled``); from a source checkout they are
the repository's ``notebooks/`` and ``templates/`` folders.
"""

from __future__ import annotations

import os
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


def copy_notebooks(out_dir: str | os.PathLike[str], *, force: bool = False) -> list[Path]:
    """Copy the assessment notebooks into ``out_dir`` (created when missing), for an analyst.

    The copies open the bundled demo with their parameters left blank, run in JupyterLab as
    they are, and once customized are what ``adoption-kit assess --notebooks DIR`` executes.
    Notebooks already in ``out_dir`` are replaced only with ``force``; nothing is copied
    when one would be overwritten.

    Raises
    ------
    OutputError
        ``out_dir`` is a file, or holds a notebook of the same name (without ``force``).
    """
    from kit._atomic import write_bytes
    from kit.exceptions import OutputError

    target = Path(out_dir)
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target} is a file, not a folder: choose a folder for the notebooks")
    sources = sorted(notebooks_dir().glob("*.ipynb"))
    taken = [p.name for p in sources if (target / p.name).exists()]
    if taken and not force:
        raise OutputError(
            f"{target} already holds {', '.join(taken)}: choose another folder, or add "
            "--force to replace them"
        )
    return [write_bytes(target / p.name, p.read_bytes()) for p in sources]
