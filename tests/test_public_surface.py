"""The public surface is deliberate: ``kit.__all__`` and each subpackage's are pinned here,
every name listed resolves, and nothing imports upward along the chain."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import kit

ROOT = Path(__file__).resolve().parents[1]

SURFACES: dict[str, list[str]] = {
    "kit": [
        "METRICS",
        "Dataset",
        "KitError",
        "Results",
        "Standards",
        "__version__",
        "assess",
        "diagnose",
        "load_dataset",
        "load_results",
        "load_standards",
        "read_export",
        "write_dataset",
    ],
    "kit.intake": ["QUALITY_ISSUES", "IntakeReport", "intake", "read_export", "summarize"],
    "kit.diagnostics": ["METRICS", "Standards", "diagnose", "load_standards"],
    "kit.results": [
        "COLUMNS",
        "COMPLIANCE_COLUMNS",
        "FINDING_COLUMNS",
        "FRAMES",
        "METRIC_COLUMNS",
        "REVIEW_COLUMNS",
        "SCORES_COLUMNS",
        "SCORE_COLUMNS",
        "Results",
        "find_bundle",
        "load_results",
    ],
    "kit.report": [
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
    ],
    "kit.demo": [
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
    ],
}


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_public_surface_is_pinned_and_resolves(name: str) -> None:
    module = importlib.import_module(name)
    assert sorted(module.__all__) == sorted(SURFACES[name])
    for attr in module.__all__:
        if name == "kit.report":
            assert importlib.import_module(f"{name}.{attr}")
        else:
            assert getattr(module, attr) is not None


def test_kit_diagnose_is_the_function_not_a_module() -> None:
    assert callable(kit.diagnose)
    assert kit.diagnose.__module__ == "kit.diagnostics.run"
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        kit.nonsense  # noqa: B018


def test_import_kit_loads_no_runner_pandas_or_charts() -> None:
    """``import kit`` (and so ``adoption-kit --help``) stays cheap: names load on first use."""
    code = (
        "import sys, kit; "
        "print(sorted(m for m in ('pandas', 'matplotlib', 'kit.runner', 'papermill') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


#: Layers of the chain, lowest first. A module may import its own layer or lower ones only.
LAYERS: list[tuple[str, ...]] = [
    (
        "kit._version",
        "kit.exceptions",
        "kit._atomic",
        "kit._safe",
        "kit._resources",
        "kit._yaml",
        "kit._budget",
        "kit._memory_pool",
    ),
    ("kit.sections", "kit.schema", "kit.params", "kit.formatting"),
    ("kit.dataset", "kit.timeframe"),
    ("kit.intake", "kit.demo"),
    ("kit.diagnostics", "kit.results"),
    ("kit.report",),
    ("kit.steps", "kit.executors"),
    ("kit.runner",),
    ("kit.cli", "kit.__main__", "kit"),
]


def _layer(module: str) -> int:
    """The layer of the longest layer entry ``module`` is, or lies inside (-1: none)."""
    matches = [
        (len(n), i)
        for i, names in enumerate(LAYERS)
        for n in names
        if module == n or module.startswith(n + ".")
    ]
    return max(matches)[1] if matches else -1


def _imports(path: Path) -> list[str]:
    """Modules a file imports at run time (``TYPE_CHECKING`` blocks left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                found.extend(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.append(child.module)
            visit(child)

    visit(tree)
    return [m for m in found if m == "kit" or m.startswith("kit.")]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def test_nothing_imports_upward_along_the_chain() -> None:
    upward = []
    for path in sorted((ROOT / "kit").rglob("*.py")):
        if "_bundled" in path.parts:
            continue
        me = _module_name(path)
        mine = _layer(me)
        assert mine >= 0, f"{me} is in no layer of the chain: add it to LAYERS"
        for target in _imports(path):
            if target == "kit" and me != "kit":
                upward.append(f"{me} imports the whole kit (import what you need)")
            elif _layer(target) > mine:
                upward.append(f"{me} imports {target}")
    assert upward == []
