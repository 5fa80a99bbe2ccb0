"""docs/metrics.md is generated from the code and cannot drift from it."""

from __future__ import annotations

from pathlib import Path

from kit.diagnostics.metrics import METRICS
from kit.diagnostics.reference import metrics_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def test_metrics_doc_is_generated_from_the_code():
    assert DOC.read_text(encoding="utf-8") == metrics_markdown(), (
        "docs/metrics.md is stale: run `python -m kit.diagnostics.reference > docs/metrics.md`"
    )


def test_metrics_doc_defines_every_metric_and_the_required_sections():
    text = metrics_markdown()
    for metric in METRICS:
        assert f"(`{metric}`)" in text, metric
    for heading in (
        "## Metric definitions",
        "## Standards file format",
        "## Adoption score",
        "## Producer archetypes",
        "## Findings",
        "## Weekly manager review list",
        "## Results bundle",
    ):
        assert f"\n{heading}\n" in text, heading
    assert "score = 100 x sum(weight x points) / sum(weight)" in text
