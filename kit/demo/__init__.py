"""The demo organization: a realistic, seeded mortgage CRM export with planted stories.

:mod:`kit.demo.organization` builds the tables and writes them as a CRM export would;
:mod:`kit.demo.world` (teams, producers, stories), :mod:`kit.demo.crm` (contacts, loans),
:mod:`kit.demo.activity` (logged work), :mod:`kit.demo.text` (names and words) and
:mod:`kit.demo.render` (typed values as export strings) are its parts. ``docs/demo.md``
tells the stories.
"""

from __future__ import annotations

from kit.demo.organization import (
    ARCHETYPES,
    ENGAGEMENT,
    REQUIREMENT,
    SCALES,
    STORIES,
    STORY_CODES,
    generate,
    generate_with_truth,
    team_stories,
    write_export,
    write_standards,
)

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
