"""The demo organization: a realistic, seeded mortgage CRM export with planted stories.

:mod:`kit.demo.organization` builds the tables and writes them as a CRM export would;
:mod:`kit.demo.world` (teams, producers, stories), :mod:`kit.demo.crm` (contacts, loans),
:mod:`kit.demo.activity` (logged work), :mod:`kit.demo.text` (names and words) and
:mod:`kit.demo.render` (typed values as export strings) are its parts; :mod:`kit.demo.scales`
holds the sizes. ``docs/demo.md`` tells the stories. Names load on first use, so reading
:data:`SCALES` (as ``adoption-kit --help`` does) imports no numpy or pandas.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kit.demo.organization import (
        ARCHETYPES,
        ENGAGEMENT,
        REQUIREMENT,
        STORIES,
        STORY_CODES,
        generate,
        generate_with_truth,
        team_stories,
        write_export,
        write_standards,
    )
    from kit.demo.scales import SCALES

__all__ = [
    "ARCHETYPES",
    "ENGAGEMENT",
    "REQUIREMENT",
    "SCALES",
    "STORIES",
    "STORY_CODES",
    "generate",
    "generate_with_truth",
    "team_stories",
    "write_export",
    "write_standards",
]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'kit.demo' has no attribute {name!r}")
    module = "kit.demo.scales" if name == "SCALES" else "kit.demo.organization"
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
