"""Make client-controlled text safe where it lands: file names and spreadsheet cells."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import pandas as pd

__all__ = ["FORMULA_START", "neutralize_formulas", "slugify_teams"]

_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
}
#: Text starting with one of these may run as a formula when a spreadsheet opens or edits it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START = FORMULA_START
_MAX_SLUG = 60


def _slug(name: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.casefold()).strip("-")[:_MAX_SLUG].strip("-")
    if not slug:
        slug = "team"
    if slug in _RESERVED:
        slug = f"{slug}-team"
    return slug


def slugify_teams(names: Iterable[str]) -> dict[str, str]:
    """Map each team name to a safe, unique file-name stem.

    Slugs are lowercase ASCII letters, digits and hyphens, never empty, never a reserved
    device name, and unique ignoring case; collisions get ``-2``, ``-3`` ... in sorted order
    of the names, so the mapping does not depend on the order teams arrive in.

    >>> slugs = slugify_teams(["../../etc", "CON", "", "West", "west", "Café Nord"])
    >>> [slugs[n] for n in ["../../etc", "CON", "", "West", "west", "Café Nord"]]
    ['etc', 'con-team', 'team', 'west', 'west-2', 'cafe-nord']
    """
    taken: set[str] = set()
    result: dict[str, str] = {}
    for name in sorted(set(names)):
        base = _slug(name)
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        result[name] = slug
    return result


def neutralize_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells cannot run as spreadsheet formulas.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    apostrophe (OWASP's advice for CSV injection). Numbers are left as numbers.

    >>> neutralize_formulas(pd.DataFrame({"a": ["=1+1", "ok"], "b": [-1, 2]}))["a"].tolist()
    ["'=1+1", 'ok']
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype("str")
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            text = series.astype("str")
            risky = text.str.startswith(_FORMULA_START) & series.notna()
            if risky.any():
                out[column] = series.astype(object).where(~risky, "'" + text)
    return out
