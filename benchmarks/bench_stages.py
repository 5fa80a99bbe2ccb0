"""The benchmark's stages, each run in a child process of its own by ``benchmarks/run.py``.

``python benchmarks/bench_stages.py STAGE ARGS... --result FILE`` runs one stage and writes
what it measured as JSON to ``FILE``. Times are taken around the work itself, after the
imports the stage needs (the parent also records the child's whole wall clock and the peak
memory of its process tree).

Stages
------
export EXPORT --scale S
    Write the demo organization's CSV export (what every other stage reads).
floor EXPORT
    The floor: read the same CSV files with :func:`pyarrow.csv.read_csv` alone.
intake EXPORT
    :func:`kit.intake.read_export` from the CSV export.
diagnose DATASET
    :func:`kit.diagnose.diagnose` for every team, on the dataset intake wrote.
notebook REPORT_DIR
    One team report, executed and rendered: cold (a fresh worker: kernel start, imports,
    execution, rendering), warm (the next report of the same worker, as in the pool) and
    the split of its time into kernel start, imports, reading results, computing, plotting,
    papermill's own overhead and rendering.
assess EXPORT OUT --workers N
    Everything, as a consultant runs it: :func:`kit.runner.assess` from the CSV export to
    the last team report and the portfolio.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["main"]

#: Chart functions of :mod:`kit.report.plots` whose time counts as plotting.
CHART_FUNCTIONS = (
    "adoption_curves",
    "speed_to_lead",
    "lead_source_outcomes",
    "shadow_pipeline",
    "seat_roi",
    "team_scores",
    "compliance_heatmap",
    "data_health",
)

#: First cell of the instrumented notebook: times every chart call, every figure drawn to
#: SVG and every read of the results bundle, without changing what the notebook does.
_INSTRUMENT = """
import functools as _bench_functools, time as _bench_time
import kit.report.plots as _bench_plots, kit.report.views as _bench_views
_bench = {"charts": 0.0, "figures": 0.0, "open_results": 0.0, "calls": 0}
_bench_saved = []

def _bench_wrap(owner, name, key):
    original = getattr(owner, name)
    _bench_saved.append((owner, name, original))

    @_bench_functools.wraps(original)
    def timed(*args, **kwargs):
        started = _bench_time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            _bench[key] += _bench_time.perf_counter() - started
            _bench["calls"] += 1

    setattr(owner, name, timed)

for _name in CHART_FUNCTIONS:
    _bench_wrap(_bench_plots, _name, "charts")
_bench_wrap(_bench_plots.Chart, "_repr_html_", "figures")
_bench_wrap(_bench_views, "open_results", "open_results")
"""

_COLLECT = """
for _owner, _name, _original in _bench_saved:
    setattr(_owner, _name, _original)
import json as _bench_json
with open(RESULT_PATH, "w") as _handle:
    _bench_json.dump(_bench, _handle)
"""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- data stages
def stage_export(args: argparse.Namespace) -> dict[str, Any]:
    from kit.demo.organization import write_export

    started = time.perf_counter()
    write_export(args.path, scale=args.scale, seed=args.seed, replace=True)
    seconds = time.perf_counter() - started
    files = {p.name: p.stat().st_size for p in sorted(Path(args.path).glob("*.csv"))}
    return {"seconds": seconds, "files": files}


def stage_floor(args: argparse.Namespace) -> dict[str, Any]:
    import pyarrow.csv as pacsv

    paths = sorted(Path(args.path).glob("*.csv"))
    started = time.perf_counter()
    rows = {p.stem: pacsv.read_csv(p).num_rows for p in paths}
    return {"seconds": time.perf_counter() - started, "rows": rows, "peak_mb": _peak_mb()}


def stage_intake(args: argparse.Namespace) -> dict[str, Any]:
    from kit.intake import read_export

    started = time.perf_counter()
    dataset = read_export(args.path)
    seconds = time.perf_counter() - started
    rows = {name: len(frame) for name, frame in dataset.tables.items()}
    return {"seconds": seconds, "rows": rows, "peak_mb": _peak_mb()}


def stage_diagnose(args: argparse.Namespace) -> dict[str, Any]:
    from kit.dataset import load_dataset
    from kit.demo.organization import ENGAGEMENT
    from kit.diagnostics.run import diagnose

    dataset = load_dataset(args.path)
    started = time.perf_counter()
    results = diagnose(dataset, client=ENGAGEMENT["client"])
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "teams": len(results.teams()), "peak_mb": _peak_mb()}


# --------------------------------------------------------------------------- one notebook
def _largest_team(results_dir: Path) -> str:
    import pandas as pd

    scores = pd.read_parquet(results_dir / "scores.parquet", columns=["scope", "team"])
    producers = scores[scores["scope"] == "producer"]["team"].value_counts()
    return str(sorted(producers.items(), key=lambda kv: (-kv[1], kv[0]))[0][0])


def _kernel_alone() -> tuple[float, float]:
    """Seconds to start a kernel and get its first reply, then to run the imports a team
    notebook needs in it (the worker's warm-up plus the notebook's own import)."""
    from jupyter_client.manager import KernelManager

    from kit.report.execute import _WARM_UP

    sockets = Path(tempfile.mkdtemp(prefix="kit-bench-kernel-"))
    km = KernelManager(kernel_name="python3", transport="ipc", ip=str(sockets / "kernel"))
    started = time.perf_counter()
    km.start_kernel(extra_arguments=["--HistoryManager.enabled=False"])
    client = km.blocking_client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        kernel = time.perf_counter() - started
        code = _WARM_UP + "\nfrom kit.report import present, views\n"
        started = time.perf_counter()
        reply = client.execute_interactive(code, store_history=False, timeout=120)
        imports = time.perf_counter() - started
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"imports failed in a fresh kernel: {reply['content']}")
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)
    return kernel, imports


def _instrumented(notebook: Path, target: Path, result_path: Path) -> Path:
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    first = nbformat.v4.new_code_cell(
        f"CHART_FUNCTIONS = {CHART_FUNCTIONS!r}\n" + _INSTRUMENT, metadata={"tags": ["hide"]}
    )
    last = nbformat.v4.new_code_cell(
        f"RESULT_PATH = {str(result_path)!r}\n" + _COLLECT, metadata={"tags": ["hide"]}
    )
    nb.cells = [first, *nb.cells, last]
    nbformat.write(nb, target)
    return target


def _cell_seconds(executed: Path, *, skip: int = 0) -> float:
    """Sum of the cells' execution times papermill recorded (``skip`` leading/trailing
    instrumentation cells left out)."""
    import nbformat

    cells = nbformat.read(executed, as_version=4).cells
    if skip:
        cells = cells[skip:-skip]
    return sum(
        float(c.get("metadata", {}).get("papermill", {}).get("duration") or 0.0) for c in cells
    )


def stage_notebook(args: argparse.Namespace) -> dict[str, Any]:
    from kit._resources import notebooks_dir
    from kit._safe import slugify_teams
    from kit.report.execute import NotebookJob, run_job

    workdir = Path(args.path).resolve()
    team = args.team or _largest_team(workdir / "data" / "results")
    slug = slugify_teams([team])[team]
    out = workdir / "bench-notebook"
    out.mkdir(exist_ok=True)

    kernel_start, imports = _kernel_alone()

    def job(notebook: Path, stem: str) -> NotebookJob:
        return NotebookJob(
            label=team,
            notebook=notebook,
            parameters={"results_dir": "data/results", "show_pii": False, "team": team},
            executed=out / f"{stem}.ipynb",
            html=out / f"{stem}.html",
            workdir=workdir,
            render={"show_pii": False},
        )

    def timed(j: NotebookJob) -> tuple[float, dict[str, float]]:
        started = time.perf_counter()
        outcome = run_job(j)
        wall = time.perf_counter() - started
        if not outcome.ok:
            raise RuntimeError(f"{team}: {outcome.error}")
        return wall, outcome.seconds

    shipped = notebooks_dir() / "team_assessment.ipynb"
    cold_wall, cold = timed(job(shipped, f"{slug}-cold"))
    warm_wall, warm = timed(job(shipped, f"{slug}-warm"))
    probe_json = out / "instrument.json"
    instrumented = _instrumented(shipped, out / "instrumented-source.ipynb", probe_json)
    inst_wall, _ = timed(job(instrumented, f"{slug}-instrumented"))
    probe = json.loads(probe_json.read_text())
    cells = _cell_seconds(out / f"{slug}-instrumented.ipynb", skip=1)
    plotting = probe["charts"] + probe["figures"]
    return {
        "team": team,
        "cold_seconds": cold_wall,
        "cold_parts": cold,
        "warm_seconds": warm_wall,
        "warm_parts": warm,
        "instrumented_seconds": inst_wall,
        "split": {
            "kernel_start": kernel_start,
            "imports": imports,
            "reset": warm["kernel"],
            "read_results": probe["open_results"],
            "computing": max(cells - plotting - probe["open_results"], 0.0),
            "plotting": plotting,
            "papermill": max(warm["execute"] - _cell_seconds(out / f"{slug}-warm.ipynb"), 0.0),
            "rendering": warm["render"],
        },
        "plot_detail": {"charts": probe["charts"], "figures_to_svg": probe["figures"]},
        "html_bytes": (out / f"{slug}-cold.html").stat().st_size,
        "peak_mb": _peak_mb(),
    }


# --------------------------------------------------------------------------- everything
def stage_assess(args: argparse.Namespace) -> dict[str, Any]:
    from kit.demo.organization import ENGAGEMENT
    from kit.params import Engagement
    from kit.runner import assess

    out = Path(args.out)
    started = time.perf_counter()
    assessment = assess(
        args.path,
        out,
        engagement=Engagement(client=ENGAGEMENT["client"]),
        workers=args.workers,
        progress=False,
        force=True,
    )
    finished = time.perf_counter()
    teams = {p.stem: p.stat().st_size for p in sorted((out / "teams").glob("*.html"))}
    return {
        "started": started,
        "finished": finished,
        "seconds": assessment.seconds,
        "reports": assessment.run["reports"],
        "workers": assessment.run["workers"],
        "teams": len(assessment.teams),
        "team_html_bytes": teams,
        "portfolio_bytes": (out / "index.html").stat().st_size,
        "appendix_bytes": (out / "data-quality.html").stat().st_size,
        "inputs": assessment.run["inputs"],
        "versions": assessment.run["versions"],
    }


STAGES = {
    "export": stage_export,
    "floor": stage_floor,
    "intake": stage_intake,
    "diagnose": stage_diagnose,
    "notebook": stage_notebook,
    "assess": stage_assess,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=sorted(STAGES))
    parser.add_argument("path", help="export, dataset or report folder the stage reads")
    parser.add_argument("--result", required=True, help="JSON file to write the figures to")
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", help="report folder (assess)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--team", default="", help="team of the notebook stage (default: largest)")
    args = parser.parse_args(argv)
    found = STAGES[args.stage](args)
    Path(args.result).write_text(json.dumps(found, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
