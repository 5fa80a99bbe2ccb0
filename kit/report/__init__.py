"""Reports: results reshaped for people, charts, HTML and the exports a leader opens.

- :mod:`kit.report.explore` is the analyst's API: the numbers behind the reports as
  DataFrames, down to one producer;
- :mod:`kit.report.views` picks a team's rows and labels them (DataFrames, one call per cell);
- :mod:`kit.report.quality_views` does the same for the data-quality appendix;
- :mod:`kit.report.change_views` says what changed since earlier assessments and since each
  standard was required;
- :mod:`kit.report.present` turns frames and words into escaped report blocks;
- :mod:`kit.report.plots` draws the charts, each with its alt text;
- :mod:`kit.report.execute` runs the notebooks with papermill on warm kernels;
- :mod:`kit.report.render` converts an executed notebook to HTML (and PDF) through the
  kit's nbconvert template; :mod:`kit.report.exporter` offers the same to
  ``jupyter nbconvert --to adoption_report``;
- :mod:`kit.report.exports` and :mod:`kit.report.workbook` write the CSVs and the workbook.

The modules are imported on demand (``from kit.report import views``): charts load
matplotlib, which a command-line run needs only inside the notebook kernels.
"""

from __future__ import annotations

__all__ = [
    "change_views",
    "execute",
    "explore",
    "exporter",
    "exports",
    "plots",
    "present",
    "quality_views",
    "render",
    "views",
    "workbook",
]
