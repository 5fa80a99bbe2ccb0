"""The report sections, defined once: their ids, titles and order.

Every part of the kit names sections by these ids: a field of the canonical model says which
sections need it (:mod:`kit.schema`), a metric which section it belongs to
(:mod:`kit.diagnostics.metrics`), ``not_assessed`` rows which section could not be assessed,
and the report shows them in this order with these titles.

Examples
--------
>>> SECTIONS["pipeline"].title
'Pipeline truth'
>>> [s.id for s in SECTIONS.values() if not s.measured]
['scorecard', 'compliance']
>>> section_title("all")
'every section (team is the unit of each report)'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ALL_SECTIONS", "SECTIONS", "ReportSection", "section_title"]


@dataclass(frozen=True)
class ReportSection:
    """One section of a team report.

    Parameters
    ----------
    id
        Stable identifier (metrics, fields and ``not_assessed`` rows refer to it).
    title
        The heading a reader sees.
    measured
        Whether metrics of the catalogue belong to it (the scorecard and the compliance
        table are built from every section's metrics instead).
    """

    id: str
    title: str
    measured: bool = True


def _sections(*sections: ReportSection) -> dict[str, ReportSection]:
    return {s.id: s for s in sections}


#: Report sections, in report order.
SECTIONS: dict[str, ReportSection] = _sections(
    ReportSection("adoption", "Adoption trajectory"),
    ReportSection("presence", "Presence vs engagement"),
    ReportSection("records", "Adoption by records"),
    ReportSection("pipeline", "Pipeline truth"),
    ReportSection("follow_up", "Follow-up discipline"),
    ReportSection("relationships", "Relationships"),
    ReportSection("marketing", "Marketing and automation readiness"),
    ReportSection("shadow_pipeline", "Shadow pipeline (LOS reconciliation)"),
    ReportSection("seat_roi", "Seat ROI"),
    ReportSection("data_quality", "Data quality"),
    ReportSection("scorecard", "Producer scorecard", measured=False),
    ReportSection("compliance", "Standards compliance", measured=False),
)

#: The pseudo-section of fields every section needs (a user's id, name and team).
ALL_SECTIONS = "all"


def section_title(section: str) -> str:
    """The title of ``section`` (an id of :data:`SECTIONS`, or :data:`ALL_SECTIONS`)."""
    if section == ALL_SECTIONS:
        return "every section (team is the unit of each report)"
    return SECTIONS[section].title
