"""The report as an nbconvert exporter: ``jupyter nbconvert --to adoption_report``.

Registered under the ``nbconvert.exporters`` entry point, so Jupyter's own command (and
JupyterLab's "Save and Export Notebook As" menu) renders any executed kit notebook exactly as
``adoption-kit assess`` does: the same preparation, template, contents and checks
(:func:`kit.report.render.report_html`). Options are nbconvert configuration:

.. code-block:: bash

    jupyter nbconvert --to adoption_report notebooks/north.ipynb
    jupyter nbconvert --to adoption_report --ReportExporter.brand_colour='#0b5394' \\
        --ReportExporter.logo=acme.png notebooks/north.ipynb
"""

from __future__ import annotations

from typing import Any

from nbconvert.exporters import Exporter
from traitlets import Bool, Unicode, default

__all__ = ["ReportExporter"]


class ReportExporter(Exporter):  # type: ignore[misc]
    """Render an executed kit notebook into the kit's self-contained HTML report."""

    export_from_notebook = "CRM adoption report"
    output_mimetype = "text/html"

    show_pii = Bool(
        False, help="Render an internal consultant copy of a notebook run with show_pii=True."
    ).tag(config=True)
    logo = Unicode(
        None, allow_none=True, help="Logo image (PNG, JPEG, GIF, WebP or SVG) for the header."
    ).tag(config=True)
    brand_colour = Unicode(
        None, allow_none=True, help="Hex colour of the header band, e.g. '#0b5394'."
    ).tag(config=True)

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".html"

    def from_notebook_node(
        self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[Any, dict[str, Any]]:  # the page (text), where nbconvert's base returns a notebook
        from kit.report.render import report_html

        nb, resources = super().from_notebook_node(nb, resources, **kw)
        name = resources.get("metadata", {}).get("name") or "notebook"
        page = report_html(
            nb,
            source=f"{name}.ipynb",
            show_pii=self.show_pii,
            logo=self.logo or None,
            brand_colour=self.brand_colour or None,
        )
        resources["output_extension"] = ".html"
        return page, resources
