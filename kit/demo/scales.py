"""The sizes of the demo organization, importable without numpy or pandas (``--help`` reads
the scale names from here).

Team sizes cycle over the teams; per-producer volumes are yearly means (leads) or book
sizes (past clients, referral partners); ``teams`` and ``producers`` leave out the two
requirement teams that come on top. ``small``, ``medium`` and ``large`` are each generated
as one organization from one random stream (held in memory, then written). ``xlarge`` has
``per_team``: every team is generated from its own random stream (seed, team number) and
written as soon as it is generated, so the export streams to disk team by team and memory
is bounded by the largest team, not the organization; ``id_digits`` widens the zero-padded
record numbers of its much larger tables.

>>> [(name, s["teams"], s["producers"]) for name, s in SCALES.items()][-1]
('xlarge', 550, 5500)
>>> sum(SCALES["xlarge"]["team_sizes"]) * SCALES["xlarge"]["teams"] // len(
...     SCALES["xlarge"]["team_sizes"]) == SCALES["xlarge"]["producers"]
True
"""

from __future__ import annotations

from typing import Any

__all__ = ["SCALES"]

#: Sizes of each scale (see the module docstring).
SCALES: dict[str, dict[str, Any]] = {
    "small": {
        "teams": 5,
        "producers": 30,
        "team_sizes": (7, 6, 5, 6, 6),
        "leads_per_producer_year": 120,
        "past_clients_per_producer": 50,
        "partners_per_producer": 10,
    },
    "medium": {
        "teams": 20,
        "producers": 200,
        "team_sizes": (11, 10, 9, 10, 10),
        "leads_per_producer_year": 150,
        "past_clients_per_producer": 60,
        "partners_per_producer": 12,
    },
    "large": {
        "teams": 55,
        "producers": 550,
        "team_sizes": (11, 10, 9, 10, 10),
        "leads_per_producer_year": 260,
        "past_clients_per_producer": 80,
        "partners_per_producer": 14,
    },
    "xlarge": {
        "teams": 550,
        "producers": 5500,
        "team_sizes": (11, 10, 9, 10, 10),
        "leads_per_producer_year": 260,
        "past_clients_per_producer": 80,
        "partners_per_producer": 14,
        "per_team": True,
        "id_digits": {"contact": 7, "opportunity": 7, "activity": 8},
    },
}
