"""Benchmark of the CRM adoption kit: what a consultant gets, at every scale, checked
against the targets, beside every stage timed on its own, the floor and ydata-profiling.

    python benchmarks/run.py --scales small,medium,large,xlarge --cluster [--repeat 3]
    python benchmarks/run.py --scale large [--repeat 3] [--workers 2] [--skip-ydata]

At every scale it times ``adoption-kit assess EXPORT --out DIR --workers 2`` as a whole
process (wall clock, peak memory of its process tree), installed from a wheel built from
this checkout into a fresh venv (``bench_wheel.py``; ``--cli dev`` uses the editable
checkout instead, for quick checks), and the intake against its floor, both from the
command line and interleaved. At one scale (``--detail``: large when listed) it also runs
every stage in-process on its own (``bench_stages.py``) and ydata-profiling. ``--cluster``
adds a run of the large scale on a Dask ``LocalCluster`` of 2 process workers
(``assess --scheduler ADDRESS``), after the local rounds, on a cluster started for them and
closed after them (idle, a cluster takes about a tenth of a core). ``--reference REF``
(default: the kit of RESULTS.md before issue 18) installs the kit of git commit REF from its
own wheel and times its ``adoption-kit assess`` on the large export in the same rounds:
issue 18's "half of today's time" targets are ratios to it, measured in the same run.
Scales and options the installed kit does not offer are skipped with a message saying so.

Writes ``benchmarks/results/<name>-<timestamp>.{md,json}`` and
``benchmarks/results/latest-<name>.{md,json}`` (``<name>``: the scales joined by ``-``), and
prints the markdown table. The targets apply to the large scale on a 2-core machine; the
shared machine is noisy, so every comparison is made within one run, interleaved.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import psutil  # noqa: E402
from bench_measure import Step, StepFailed, run_step  # noqa: E402
from bench_table import Figure, Row, ScaleRow, Target, markdown  # noqa: E402
from bench_wheel import KitEnv, dev_env, ensure_env, reference_env  # noqa: E402
from bench_ydata import ensure_venv, profile_command  # noqa: E402

STAGES = HERE / "bench_stages.py"
FLOOR_CLI = HERE / "floor_cli.py"
CLUSTER = HERE / "bench_cluster.py"
RESULTS = HERE / "results"
SCALES = ("small", "medium", "large", "xlarge")
MB = 1_000_000

#: The project's targets for the large scale on a 2-core machine (issue 7). Never loosened.
INTAKE_VS_FLOOR = 2.0
DIAGNOSE_SECONDS = 10.0
YDATA_VS_DIAGNOSE = 10.0
TEAM_REPORT_SECONDS = 4.0
TOTAL_SECONDS = 150.0
TARGET_WORKERS = 2
PEAK_MB = 4096.0
TEAM_REPORT_BYTES = 2 * MB

#: Issue 18's targets, beside (never instead of) issue 7's. Never loosened.
LARGE_PEAK_MB = 1.5 * 1024
XLARGE_PEAK_MB = 6 * 1024
#: RESULTS.md's warm team report before issue 18 (large scale, 2026-11-27): 1.50 s
BASELINE_WARM_REPORT = 1.5
WARM_REPORT_SECONDS = BASELINE_WARM_REPORT / 2
LARGE_TOTAL_SECONDS = 35.0
INTAKE_CLI_VS_FLOOR = 1.5
YDATA_VS_DIAGNOSE_NOW = 20.0
#: The kit of RESULTS.md's 2026-11-27 run ("today" in issue 18), timed in the same run.
REFERENCE = "e9b853e"
#: Issue 18: the large end to end from 60 s to 35 s; each warm team report at most half.
LARGE_TOTAL_VS_REFERENCE = 35.0 / 60.0
TEAM_REPORT_VS_REFERENCE = 0.5


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _stage(name: str, path: Path, *options: str) -> list[str]:
    return [sys.executable, str(STAGES), name, str(path), *options]


def machine_facts() -> dict[str, Any]:
    """Cores, memory, CPU model, Python and the load on the machine when the run started."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count() or 1
    return {
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "cpu": model or platform.processor(),
        "ram_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _versions() -> dict[str, str]:
    found = {}
    for name in ("crm-adoption-kit", "pandas", "pyarrow", "numpy", "matplotlib", "papermill"):
        try:
            found[name] = version(name)
        except Exception:
            found[name] = "not installed"
    return found


# --------------------------------------------------------------------------- measuring
def warm_cache(export: Path) -> None:
    """Read every CSV file once, so the floor and intake both read from memory.

    Without this, whichever runs first after a full run (which churns memory) pays for
    reading the files from disk, which biases the intake / floor ratio.
    """
    for path in sorted(export.glob("*.csv")):
        with path.open("rb") as handle:
            while handle.read(1 << 24):
                pass


def _cli_step(command: list[str], out: Path, *, also: tuple[int, ...] = ()) -> Step:
    """Run an ``adoption-kit assess`` command as a whole process; its result is run.json.

    It runs in the report's parent folder, as a consultant types it in a folder of their own:
    never in this checkout, whose ``kit/`` an installed kit's kernels could import instead
    of their own (the reference kit's kernels did, before kernels ran in the report folder).
    """
    step = run_step(command, result=False, also=also, cwd=out.parent)
    step.result = json.loads((out / "run.json").read_text())
    return step


def _assess_cli(env: KitEnv, export: Path, out: Path, workers: int, *more: str) -> list[str]:
    command = [env.cli, "assess", str(export), "--out", str(out), "--workers", str(workers)]
    return [*command, "--force", *more]


def measure(
    args: argparse.Namespace,
    scale: str,
    work: Path,
    *,
    env: KitEnv | None,
    detailed: bool,
    cluster: Callable[[], _Cluster] | None = None,
    reference: KitEnv | None = None,
) -> dict[str, Any]:
    """Run every measurement of one scale, interleaved round by round; return the raw steps.

    Every round runs, each in a fresh process: ``adoption-kit assess`` from the installed kit
    (``cli``), the floor and ``adoption-kit intake`` from the command line (``floor_cli``,
    ``intake_cli``); with ``detailed``, also every in-process stage (``assess``, ``floor``,
    ``intake``, ``diagnose``, ``notebook``); with ``reference``, the same ``adoption-kit
    assess`` from that older kit (``reference``). After the rounds, with ``cluster`` (which
    starts a Dask cluster), the same command on that cluster as many times (``cluster``: the
    cluster's processes' memory counts too), the cluster closed right after: an idle cluster
    takes about a tenth of a core, which the other runs must not share; then, with
    ``detailed``, ydata-profiling.
    """
    export = work / "export"
    _log(f"writing the {scale} demo export to {export}")
    made = run_step(_stage("export", export, "--scale", scale))
    names = ("assess", "floor", "intake", "diagnose", "notebook", "ydata")
    steps: dict[str, list[Step]] = {k: [] for k in names}
    steps.update({k: [] for k in ("cli", "reference", "cluster", "floor_cli", "intake_cli")})
    first = work / "report-1"
    cluster_failed = ""  # the first failure's reason: every round still tries the cluster
    cluster_failures = 0
    repeat = args.xlarge_repeat if scale == "xlarge" else args.repeat
    workers = str(args.workers)
    for i in range(1, repeat + 1):
        out = work / f"report-{i}"
        runs: list[tuple[str, Any]] = []
        if detailed:
            runs += [
                ("assess", _stage("assess", export, "--out", str(out), "--workers", workers)),
                ("floor", _stage("floor", export)),
                ("intake", _stage("intake", export)),
                ("diagnose", _stage("diagnose", first / "data" / "dataset")),
                ("notebook", _stage("notebook", first)),
            ]
        if env is not None:
            cli_out = work / "cli-report"
            runs.append(("cli", (_assess_cli(env, export, cli_out, args.workers), cli_out)))
            if reference is not None:
                command = _assess_cli(reference, export, cli_out, args.workers)
                runs.append(("reference", (command, cli_out)))
            parquet = work / "floor-parquet"
            runs += [
                ("floor_cli", [env.python, str(FLOOR_CLI), str(export), str(parquet)]),
                ("intake_cli", [env.cli, "intake", str(export), "--out", str(parquet), "--force"]),
            ]
        for name, command in runs:
            if name in ("floor", "intake", "floor_cli", "intake_cli"):
                warm_cache(export)
            if name in ("cli", "reference"):
                step = _cli_step(command[0], command[1])
            elif name.endswith("_cli"):
                shutil.rmtree(work / "floor-parquet", ignore_errors=True)
                step = run_step(command, result=False, cwd=work)
            else:
                step = run_step(command)
            steps[name].append(step)
            _log(f"{scale} round {i}/{repeat} {name}: {step.wall:.1f} s, {step.peak_mb:,.0f} MB")
        if i > 1:
            shutil.rmtree(out, ignore_errors=True)
    if cluster is not None and env is not None:
        try:
            started = cluster()
        except RuntimeError as exc:
            cluster_failed = f"failed: {exc}"
            _log(f"skipping the LocalCluster run: {exc}")
        else:
            try:
                for i in range(1, repeat + 1):
                    cli_out = work / "cli-report"
                    command = _assess_cli(
                        env, export, cli_out, args.workers, "--scheduler", started.address
                    )
                    try:
                        step = _cli_step(command, cli_out, also=(started.proc.pid,))
                    except StepFailed as exc:  # the local runs of this scale still count
                        failed = f"failed: {exc}".replace("\n", " / ")[:300]
                        cluster_failed = cluster_failed or failed  # the first reason
                        cluster_failures += 1
                        _log(f"{scale} run {i}/{repeat} on the LocalCluster {failed}")
                        continue
                    steps["cluster"].append(step)
                    _log(
                        f"{scale} run {i}/{repeat} cluster: {step.wall:.1f} s, "
                        f"{step.peak_mb:,.0f} MB"
                    )
            finally:
                started.close()
    if detailed and not args.skip_ydata:
        python = ensure_venv()
        for i in range(1, repeat + 1):
            html = work / "ydata-activities.html"
            step = run_step(profile_command(python, export / "activities.csv", html))
            steps["ydata"].append(step)
            _log(f"{scale} round {i}/{repeat} ydata: {step.wall:.1f} s, {step.peak_mb:,.0f} MB")
    return {
        "export": made,
        **steps,
        "cluster_failed": cluster_failed,
        "cluster_failures": cluster_failures,
    }


# --------------------------------------------------------------------------- figures
def _fig(values: list[float], unit: str = "s") -> Figure:
    return Figure.of(values, unit=unit)


def _assess_parts(step: Step) -> dict[str, float]:
    """Seconds and per-stage peak memory of one full run, from its run.json timings."""
    r = step.result
    sec = r["seconds"]
    portfolio = sum(r["reports"]["Portfolio"]["seconds"].values())
    # the portfolio runs in the pool beside the team reports (again at the end only when a
    # report failed), and the CSV and Excel exports are written meanwhile: one phase
    team_phase = sec["reports"]
    bounds, mark = {}, r["started"]
    for name, length in (
        ("intake", sec["intake"]),
        ("diagnose", sec["diagnose"]),
        ("exports", sec["exports"]),
        ("team_reports", team_phase),
    ):
        bounds[name] = (mark, mark + length)
        mark += length
    bounds["portfolio"] = bounds["team_reports"]
    parts = {
        "intake": sec["intake"],
        "diagnose": sec["diagnose"],
        "exports": sec["exports"],
        "team_reports": team_phase,
        "portfolio": portfolio,
        "assess": sec["total"],
        "total": step.wall,
    }
    for name, (start, stop) in bounds.items():
        parts[f"{name}_peak_mb"] = step.peak_between(start, stop)
    pool = [
        sum(v["seconds"].values())
        for label, v in r["reports"].items()
        if label not in ("Portfolio", "Data-quality appendix")
    ]
    parts["pool_report"] = statistics.median(pool)
    parts["largest_team_html"] = max(r["team_html_bytes"].values())
    return parts


def summarize(
    args: argparse.Namespace, scale: str, steps: dict[str, Any], machine: dict[str, Any]
) -> dict[str, Any]:
    """Figures, targets and the tables of the in-process stages at the detail ``scale``."""
    seconds = {k: _fig([s.result["seconds"] for s in steps[k]]) for k in ("floor", "intake")}
    seconds["diagnose"] = _fig([s.result["seconds"] for s in steps["diagnose"]])
    peak = {k: max(s.peak_mb for s in v) for k, v in steps.items() if isinstance(v, list) and v}
    nb = [s.result for s in steps["notebook"]]
    cold = _fig([r["cold_seconds"] for r in nb])
    warm = _fig([r["warm_seconds"] for r in nb])
    split_names = {
        "kernel_start": ("Kernel start", "a fresh kernel started and answering, timed alone"),
        "imports": (
            "Imports",
            "pandas, seaborn, matplotlib and the kit imported in a fresh kernel "
            "(once per worker: the pool's kernels stay warm)",
        ),
        "reset": (
            "Reset between reports",
            "namespace cleared in the warm kernel, through the worker's own connected client",
        ),
        "read_results": ("Reading results", "kit.report.views.open_results: the results bundle"),
        "computing": (
            "Computing",
            "kit.report.views / kit.report.present calls of the notebook, no charts",
        ),
        "plotting": ("Plotting", "kit.report.plots charts built and drawn to SVG"),
        "papermill": ("Papermill", "executing machinery: parameters, messages, saving"),
        "rendering": ("Rendering", "kit.report.render.render_html to the self-contained HTML"),
    }
    split = [
        (title, _fig([r["split"][key] for r in nb]), what)
        for key, (title, what) in split_names.items()
    ]
    full = [_assess_parts(s) for s in steps["assess"]]
    f = {k: _fig([p[k] for p in full]) for k in full[0] if not k.endswith("_peak_mb")}
    stage_peaks = {
        k: max(p[k] for p in full) for k in full[0] if k.endswith("_peak_mb")
    }  # max over runs
    f["largest_team_html"] = _fig([p["largest_team_html"] for p in full], unit="bytes")
    ydata = [s.result for s in steps["ydata"]]
    yd = _fig([r["seconds"] for r in ydata]) if ydata else None
    others = ("ydata", "export", "cluster", "reference")  # not this kit, or not a kit stage
    kit_peak = max(v for k, v in peak.items() if k not in others)

    intake_ratio = seconds["intake"].median / seconds["floor"].median
    ydata_ratio = yd.median / seconds["diagnose"].median if yd else None
    workers_note = "" if args.workers == TARGET_WORKERS else f" (run with {args.workers})"
    targets = [
        Target(
            "Intake from CSV vs pyarrow floor", intake_ratio, INTAKE_VS_FLOOR, "x", note="ratio"
        ),
        Target("Diagnostics, all teams", seconds["diagnose"].median, DIAGNOSE_SECONDS, "s"),
        Target(
            "ydata-profiling minimal (activities) vs kit diagnostics",
            ydata_ratio,
            YDATA_VS_DIAGNOSE,
            "x",
            at_most=False,
        ),
        Target(
            "One team report executed and rendered (warm worker, as in every run)",
            warm.median,
            TEAM_REPORT_SECONDS,
            "s",
        ),
        Target(
            "One team report executed and rendered (cold: fresh worker and kernel)",
            cold.median,
            TEAM_REPORT_SECONDS,
            "s",
        ),
        Target(
            f"CSV export to the last report, {TARGET_WORKERS} workers{workers_note}",
            f["total"].median,
            TOTAL_SECONDS,
            "s",
        ),
        Target("Peak memory of any stage (whole process tree)", kit_peak, PEAK_MB, "MB"),
        Target("Largest team report", f["largest_team_html"].high, TEAM_REPORT_BYTES, "bytes"),
    ]
    verdict = {t.name: t for t in targets}

    def mark(name: str) -> str:
        t = verdict[name]
        sign = "≤" if t.at_most else "≥"
        value = "—" if t.value is None else f"{t.value:,.1f}"
        return f"{value} {t.unit} {sign} {t.limit:g} {t.unit}: {t.verdict}"

    n_reports = steps["assess"][0].result["teams"]
    rows = [
        Row(
            "Floor: pyarrow.csv.read_csv of the same CSV files",
            seconds["floor"],
            peak["floor"],
            note="reading alone, default options, files in the page cache",
        ),
        Row(
            "Intake from the CSV export (kit.intake.read_export)",
            seconds["intake"],
            peak["intake"],
            target=mark("Intake from CSV vs pyarrow floor"),
            note="typed, validated dataset with quality facts",
        ),
        Row(
            "Diagnostics for all teams (kit.diagnose.diagnose)",
            seconds["diagnose"],
            peak["diagnose"],
            target=mark("Diagnostics, all teams")
            + "; "
            + mark("ydata-profiling minimal (activities) vs kit diagnostics"),
        ),
        Row(
            "One team report, warm worker (kernel kept per worker)",
            warm,
            peak["notebook"],
            target=mark("One team report executed and rendered (warm worker, as in every run)"),
            note=f"largest team ({nb[0]['team']}); executed and rendered",
        ),
        Row(
            "One team report, cold (fresh worker: kernel start + imports)",
            cold,
            peak["notebook"],
            target=mark("One team report executed and rendered (cold: fresh worker and kernel)"),
            note="the first report of each worker",
        ),
        Row(
            "Intake and diagnostics in the full run (kit.runner.assess)",
            _fig([p["intake"] + p["diagnose"] for p in full]),
            max(stage_peaks["intake_peak_mb"], stage_peaks["diagnose_peak_mb"]),
            note=f"intake {f['intake'].median:.2f} s, diagnostics {f['diagnose'].median:.2f} s "
            "(the report workers start their kernels after them, during the exports; compare "
            "with the stages alone above)",
        ),
        Row(
            "Exports before the reports: dataset, results bundle (in the full run)",
            f["exports"],
            stage_peaks["exports_peak_mb"],
            note="peak includes the report workers, whose kernels start meanwhile",
        ),
        Row(
            f"All {n_reports} team reports + data-quality appendix + portfolio, "
            f"{args.workers} workers",
            f["team_reports"],
            stage_peaks["team_reports_peak_mb"],
            note=f"median report in the pool {f['pool_report'].median:.2f} s; the CSV and "
            "Excel exports are written meanwhile",
        ),
        Row(
            "Portfolio (in the pool, first, warm kernel)",
            f["portfolio"],
            stage_peaks["portfolio_peak_mb"],
            note="part of the reports' time above",
        ),
        Row(
            f"Total: CSV export to the last report, {args.workers} workers",
            f["total"],
            peak["assess"],
            target=mark(f"CSV export to the last report, {TARGET_WORKERS} workers{workers_note}"),
            note="kit.runner.assess in a fresh process: start-up, intake, diagnostics, "
            "exports, every report",
        ),
        *_cli_rows(steps, args.workers),
    ]
    split_rows = [
        *split,
        ("Sum of the parts (cold)", _fig([sum(r["split"].values()) for r in nb]), ""),
        ("Measured cold report", cold, "kit.report.execute.run_job in a fresh worker"),
        ("Measured warm report", warm, "the next report in the same worker"),
    ]
    files = steps["export"].result["files"]
    rows_read = steps["intake"][0].result["rows"]
    csv_mb = sum(files.values()) / MB
    comparison = [
        [
            "pyarrow.csv.read_csv (floor)",
            f"read {len(files)} CSV files, {csv_mb:,.0f} MB",
            seconds["floor"].text(),
            f"{peak['floor']:,.0f}",
            "Arrow tables",
            "1x",
        ],
        [
            "kit intake",
            "the same files to a typed, checked dataset",
            seconds["intake"].text(),
            f"{peak['intake']:,.0f}",
            "canonical dataset",
            f"{intake_ratio:.2f}x the floor",
        ],
        [
            "kit diagnostics",
            f"every metric, standard and finding, {n_reports} teams, all tables",
            seconds["diagnose"].text(),
            f"{peak['diagnose']:,.0f}",
            "results bundle",
            "1x",
        ],
    ]
    if yd is not None:
        comparison.append(
            [
                f"ydata-profiling {ydata[0]['versions']['ydata-profiling']} minimal=True",
                f"profile activities.csv alone ({ydata[0]['rows']:,} rows x "
                f"{ydata[0]['columns']} columns) to HTML",
                yd.text(),
                f"{peak['ydata']:,.0f}",
                f"{statistics.median(r['html_bytes'] for r in ydata) / MB:,.1f} MB HTML",
                f"{ydata_ratio:.1f}x kit diagnostics",
            ]
        )
        comparison.append(
            [
                "pandas.read_csv (ydata's input)",
                "read activities.csv (pandas 2, in ydata's environment)",
                _fig([r["read_seconds"] for r in ydata]).text(),
                "",
                "",
                "",
            ]
        )
    machine["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    facts = [
        f"Scale **{scale}**: {n_reports} teams; rows read: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(rows_read.items(), key=lambda kv: -kv[1])),
        f"Machine: {machine['usable_cores']} cores ({machine['cpu']}), {machine['ram_gb']} GB "
        f"RAM, Python {machine['python']}, {machine['platform']}; load average "
        f"{machine['load_average_at_start'][0]} at start, {machine['load_average_at_end'][0]} "
        "at end (a shared machine: ratios are steadier than seconds)",
        f"{len(steps['assess'])} runs of every stage, each in a fresh process; "
        f"{args.workers} workers; "
        f"kit {_versions()['crm-adoption-kit']}, pandas {_versions()['pandas']}, "
        f"pyarrow {_versions()['pyarrow']}",
        f"Largest team report {f['largest_team_html'].high / MB:.2f} MB; peak memory of any "
        f"kit stage {kit_peak:,.0f} MB (sum over the process tree: workers and kernels)",
    ]
    document = {
        "scale": scale,
        "repeat": len(steps["assess"]),
        "workers": args.workers,
        "finished_at": datetime.now().isoformat(timespec="seconds"),
        "machine": machine,
        "versions": _versions(),
        "rows": rows_read,
        "export_bytes": files,
        "targets": [t.as_dict() for t in targets],
        "figures": {
            **{k: v.__dict__ for k, v in seconds.items()},
            "notebook_cold": cold.__dict__,
            "notebook_warm": warm.__dict__,
            "notebook_split": {
                key: fig.__dict__ for key, (_, fig, _) in zip(split_names, split, strict=True)
            },
            **{f"full_run_{k}": v.__dict__ for k, v in f.items()},
            **({"ydata": yd.__dict__} if yd else {}),
        },
        "peak_mb": {**peak, **{f"full_run_{k}": v for k, v in stage_peaks.items()}},
        "runs": {k: [_run_record(s) for s in v] for k, v in steps.items() if isinstance(v, list)},
    }
    return {
        "facts": facts,
        "rows": rows,
        "targets": targets,
        "split": split_rows,
        "comparison": comparison,
        "document": document,
    }


def _run_record(step: Step) -> dict[str, Any]:
    """One measured process as the JSON document keeps it."""
    return {
        "wall": step.wall,
        "peak_mb": step.peak_mb,
        "cpu": step.cpu,
        "kernels_started": step.count("ipykernel_launcher"),
        "result": step.result,
    }


def _run_json_parts(run: dict[str, Any]) -> dict[str, float]:
    """Stage seconds and the median team report of one run.json (any kit version)."""
    sec = run.get("seconds", {})
    pool = [
        sum(v.get("seconds", {}).values())
        for label, v in run.get("reports", {}).items()
        if label not in ("Portfolio", "Data-quality appendix")
    ]
    parts = {k: float(sec[k]) for k in ("intake", "diagnose", "exports", "reports") if k in sec}
    if pool:
        parts["team_report"] = statistics.median(pool)
    return parts


def _median_part(steps: list[Step], key: str) -> float | None:
    values = [p[key] for p in (_run_json_parts(s.result) for s in steps) if key in p]
    return statistics.median(values) if values else None


def _cli_rows(steps: dict[str, Any], workers: int) -> list[Row]:
    """Rows of the whole-process measurements beside the in-process stages."""
    rows = []
    for name, what in (
        ("cli", f"adoption-kit assess EXPORT --out DIR --workers {workers}, whole process"),
        ("cluster", "the same with --scheduler: Dask LocalCluster, 2 process workers"),
        ("reference", "the same command from the reference kit (before issue 18)"),
    ):
        if steps.get(name):
            runs = steps[name]
            team = _median_part(runs, "team_report")
            kernels = max(s.count("ipykernel_launcher") for s in runs)
            note = (
                f"as a consultant types it, from the installed kit; "
                f"CPU {statistics.median(s.cpu for s in runs):,.1f} s (process tree); "
                f"{kernels} kernel(s) started"
            )
            if name == "cluster":
                note = "the cluster's processes' memory counted with the command's"
                if steps.get("cluster_failures"):
                    note += (
                        f"; {steps['cluster_failures']} more run(s) FAILED, the first: "
                        f"{steps['cluster_failed']}"
                    )
            if name == "reference":
                note = f"the reference kit, in the same rounds; {kernels} kernel(s) started"
            if team is not None:
                note += f"; median team report in the pool {team:.2f} s"
            rows.append(
                Row(what, _fig([s.wall for s in runs]), max(s.peak_mb for s in runs), note=note)
            )
    if steps.get("floor_cli") and steps.get("intake_cli"):
        ratio = _ratio_figure(steps)
        rows += [
            Row(
                "Floor from the command line: pyarrow reads every CSV, writes Parquet",
                _fig([s.wall for s in steps["floor_cli"]]),
                max(s.peak_mb for s in steps["floor_cli"]),
                note="python benchmarks/floor_cli.py EXPORT DIR, whole process",
            ),
            Row(
                "adoption-kit intake EXPORT --out DIR, whole process",
                _fig([s.wall for s in steps["intake_cli"]]),
                max(s.peak_mb for s in steps["intake_cli"]),
                note=f"{ratio.median:.2f}x the floor (pairs {ratio.low:.2f}–{ratio.high:.2f}x)",
            ),
        ]
    return rows


def _ratio_figure(steps: dict[str, Any]) -> Figure:
    """Intake / floor of each interleaved pair of whole processes."""
    pairs = zip(steps["intake_cli"], steps["floor_cli"], strict=True)
    return Figure.of([i.wall / f.wall for i, f in pairs], unit="x")


def _activities(steps: dict[str, Any]) -> int | None:
    """Activities read, from a run's record of its inputs (run.json ``inputs``)."""
    for step in steps.get("cli", []) + steps.get("assess", []):
        for source in step.result.get("inputs", []):
            if source.get("table") == "activities" and "rows_read" in source:
                return int(source["rows_read"])
    return None


def _teams(run: dict[str, Any]) -> int | None:
    teams = run.get("teams")
    return len(teams) if isinstance(teams, dict) else teams


def scale_rows(
    scales: list[str],
    measured: dict[str, dict[str, Any]],
    skipped: dict[str, str],
    *,
    workers: int,
    cluster_skip: str,
) -> list[ScaleRow]:
    """The side-by-side table's rows: every scale asked for, measured or skipped, and the
    large scale on the Dask cluster after the large scale's local row."""
    out = []
    for scale in scales:
        local = f"local, {workers} workers"
        if scale in skipped:
            out.append(ScaleRow(scale, local, skipped=skipped[scale]))
            continue
        steps = measured[scale]
        kinds = [("cli", local)]
        if scale == "large" and (
            steps.get("cluster") or steps.get("cluster_failed") or cluster_skip
        ):
            kinds.append(("cluster", "Dask LocalCluster, 2 process workers"))
        for kind, executor in kinds:
            runs = steps.get(kind) or (steps.get("assess") if kind == "cli" else None)
            if kind == "cluster" and runs and steps.get("cluster_failures"):
                executor += f" ({steps['cluster_failures']} more run(s) FAILED)"
            if not runs:
                why = (
                    steps.get("cluster_failed") or cluster_skip
                    if kind == "cluster"
                    else "no whole-process run (--cli none)"
                )
                out.append(ScaleRow(scale, executor, skipped=why or "not run"))
                continue
            files = steps["export"].result.get("files", {})
            out.append(
                ScaleRow(
                    scale,
                    executor,
                    teams=_teams(runs[0].result),
                    activities=_activities(steps),
                    csv_bytes=sum(files.values()) or None,
                    total=_fig([s.wall for s in runs]),
                    peak_mb=max(s.peak_mb for s in runs),
                    intake=_median_part(runs, "intake"),
                    diagnose=_median_part(runs, "diagnose"),
                    reports=_median_part(runs, "reports"),
                    team_report=_median_part(runs, "team_report"),
                )
            )
    return out


def issue18_targets(
    measured: dict[str, dict[str, Any]],
    failed: dict[str, str],
    detail: dict[str, Any] | None,
    *,
    detail_scale: str | None,
) -> list[Target]:
    """Issue 18's targets: large peak and end to end, xlarge within memory, the warm report,
    intake against the floor from the command line, diagnostics against ydata-profiling."""
    large = measured.get("large", {})
    xlarge = measured.get("xlarge", {})
    cli = large.get("cli", [])
    not_large = "" if large else "large scale not run"
    pairs = _ratio_figure(large) if large.get("floor_cli") and large.get("intake_cli") else None
    warm = ydata = None
    if detail is not None and detail_scale == "large":
        figures = detail["document"]["figures"]
        warm = figures["notebook_warm"]["median"]
        if "ydata" in figures:
            ydata = figures["ydata"]["median"] / figures["diagnose"]["median"]
    intake_value = None
    if pairs is not None:
        intake_value = statistics.median(s.wall for s in large["intake_cli"]) / statistics.median(
            s.wall for s in large["floor_cli"]
        )
    x_runs = xlarge.get("cli", [])
    ref = large.get("reference", [])
    no_ref = "" if ref else "no reference run (--reference none, or large not run)"
    total_vs_ref = team_vs_ref = None
    if cli and ref:
        total_vs_ref = statistics.median(s.wall for s in cli) / statistics.median(
            s.wall for s in ref
        )
        now, then = _median_part(cli, "team_report"), _median_part(ref, "team_report")
        team_vs_ref = now / then if now is not None and then else None
    return [
        Target(
            "Large: peak memory of adoption-kit assess (whole process tree)",
            max(s.peak_mb for s in cli) if cli else None,
            LARGE_PEAK_MB,
            "MB",
            note=not_large,
            failed=failed.get("large", ""),
        ),
        Target(
            "xlarge: adoption-kit assess end to end, peak memory of the process tree",
            max(s.peak_mb for s in x_runs) if x_runs else None,
            XLARGE_PEAK_MB,
            "MB",
            note="" if xlarge else "xlarge scale not run",
            failed=failed.get("xlarge", ""),
        ),
        Target(
            f"One warm team report, at most half of {BASELINE_WARM_REPORT} s "
            "(RESULTS.md before issue 18)",
            warm,
            WARM_REPORT_SECONDS,
            "s",
            note="" if detail_scale == "large" else "large scale not the detail scale",
        ),
        Target(
            "Large: adoption-kit assess end to end, 2 workers, whole process",
            statistics.median(s.wall for s in cli) if cli else None,
            LARGE_TOTAL_SECONDS,
            "s",
            note=not_large,
            failed=failed.get("large", ""),
        ),
        Target(
            "Large: end to end vs the reference kit in the same run (35 s of 60 s)",
            total_vs_ref,
            LARGE_TOTAL_VS_REFERENCE,
            "x",
            note=no_ref,
        ),
        Target(
            "Large: median team report in the pool vs the reference kit's, same run (half)",
            team_vs_ref,
            TEAM_REPORT_VS_REFERENCE,
            "x",
            note=no_ref,
        ),
        Target(
            "Large: adoption-kit intake vs floor (CSV to Parquet), whole processes, interleaved",
            intake_value,
            INTAKE_CLI_VS_FLOOR,
            "x",
            note=not_large,
        ),
        Target(
            "ydata-profiling minimal (activities) vs kit diagnostics, issue 18",
            ydata,
            YDATA_VS_DIAGNOSE_NOW,
            "x",
            at_most=False,
            note="" if detail_scale == "large" else "large scale not the detail scale",
        ),
    ]


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def report(
    args: argparse.Namespace,
    *,
    scales: list[str],
    measured: dict[str, dict[str, Any]],
    skipped: dict[str, str],
    failed: dict[str, str],
    detail: str | None,
    env: KitEnv | None,
    cluster_skip: str,
    machine: dict[str, Any],
) -> dict[str, Any]:
    """The markdown report and the JSON document of one benchmark run."""
    found = summarize(args, detail, measured[detail], machine) if detail else None
    rows = scale_rows(scales, measured, skipped, workers=args.workers, cluster_skip=cluster_skip)
    targets = [
        *(found["targets"] if found else []),
        *issue18_targets(measured, failed, found, detail_scale=detail),
    ]
    machine.setdefault("load_average_at_end", [round(x, 2) for x in os.getloadavg()])
    how = env.how if env is not None else "not timed as a whole process (--cli none)"
    facts = [
        f"Scales {', '.join(scales)}; in-process stages and ydata-profiling at "
        f"{detail or 'none'}; adoption-kit from {how}",
        "Method: every figure is a fresh process (wall clock; peak memory summed over its "
        "process tree, workers and kernels included, and the Dask cluster's processes for "
        "its row); in each round the runs of every kind follow one another (interleaved), "
        "so the load of a shared machine falls on all alike; the Dask cluster's runs follow "
        "the rounds, on a cluster started for them and closed after. Intake vs floor: the floor "
        "(benchmarks/floor_cli.py: pyarrow reads every CSV and writes it as Parquet) and "
        "`adoption-kit intake EXPORT --out DIR`, both from the command line in the same "
        "environment, alternating, the page cache warmed before each; the ratio of their "
        "medians",
        f"{args.repeat} runs per scale (xlarge {args.xlarge_repeat}); {args.workers} workers",
    ]
    if getattr(args, "reference_how", None):
        facts.append(
            f"Reference (issue 18's 'today'): the kit of {args.reference_how}, its "
            "`adoption-kit assess` timed on the large export in the same rounds"
        )
    if found is None:
        facts.append(
            f"Machine: {machine['usable_cores']} cores ({machine['cpu']}), "
            f"{machine['ram_gb']} GB RAM, Python {machine['python']}; load average "
            f"{machine['load_average_at_start'][0]} at start, "
            f"{machine['load_average_at_end'][0]} at end"
        )
    facts += found["facts"] if found else []
    note = (
        "End to end: wall clock of the whole `adoption-kit assess` process (median, spread), "
        "peak memory of its process tree; intake / diagnose / reports and the team report "
        "are the medians its run.json records. The cost per 1M activities is the growth "
        "curve: flat means linear."
    )
    title = f"Benchmark, {', '.join(scales)}, {datetime.now():%Y-%m-%d %H:%M}"
    text = markdown(
        title=title,
        facts=facts,
        rows=found["rows"] if found else [],
        targets=targets,
        split=found["split"] if found else [],
        comparison=found["comparison"] if found else [],
        scales=rows,
        scales_note=note,
        targets_title="Targets (large scale, 2 cores: issue 7's, then issue 18's)",
    )
    document = {
        **(found["document"] if found else {}),
        "scales": scales,
        "detail": detail,
        "kit_install": how,
        "skipped": skipped,
        "failed": failed,
        "machine": machine,
        "scale_rows": [asdict(r) for r in rows],
        "targets": [t.as_dict() for t in targets],
        "runs_by_scale": {
            scale: {
                k: [_run_record(s) for s in v]
                for k, v in steps.items()
                if isinstance(v, list)
                and v
                and k in ("cli", "reference", "cluster", "floor_cli", "intake_cli")
            }
            for scale, steps in measured.items()
        },
    }
    return {"markdown": text, "document": document, "targets": targets}


def _parse_scales(text: str) -> list[str]:
    """``small,medium`` -> ``["small", "medium"]``, each known and listed once."""
    scales = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [x for x in scales if x not in SCALES]
    if unknown or not scales:
        raise argparse.ArgumentTypeError(
            f"unknown scale(s) {', '.join(unknown) or '(none)'}: choose from {', '.join(SCALES)}"
        )
    return list(dict.fromkeys(scales))


class _Cluster:
    """The Dask LocalCluster of the ``--cluster`` row, in the installed kit's environment."""

    def __init__(self, env: KitEnv, folder: Path) -> None:
        import subprocess

        address = folder / "scheduler-address"
        address.unlink(missing_ok=True)
        self._log = (folder / "cluster.log").open("wb")
        self.proc = subprocess.Popen(
            [env.python, str(CLUSTER), str(address)],
            stdin=subprocess.PIPE,
            stdout=self._log,
            stderr=self._log,
        )
        deadline = time.monotonic() + 180
        while not address.is_file():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"the LocalCluster did not start: see {folder / 'cluster.log'}")
            time.sleep(0.2)
        self.address = address.read_text().strip()

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=60)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def _cluster_skip(env: KitEnv | None, run_scales: list[str]) -> str:
    """Why the cluster row cannot run (empty when it can)."""
    if "large" not in run_scales:
        return "the cluster row runs the large scale, which is not measured"
    if env is None:
        return "--cli none: no installed kit to run on the cluster"
    if not env.accepts("assess", "--scheduler"):
        return "the installed kit's `adoption-kit assess --help` has no --scheduler option"
    if not env.imports("distributed"):
        return (
            "dask.distributed is not installed beside the kit "
            "(pip install 'crm-adoption-kit[dask]')"
        )
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scales",
        type=_parse_scales,
        help=f"scales to run, comma-separated, side by side ({','.join(SCALES)})",
    )
    parser.add_argument(
        "--scale", choices=SCALES, default="small", help="one scale (default small)"
    )
    parser.add_argument(
        "--detail",
        choices=SCALES,
        help="scale whose stages also run in-process, with ydata-profiling (default: large "
        "when listed, else the largest below xlarge)",
    )
    parser.add_argument(
        "--cli",
        choices=("wheel", "dev", "none"),
        default="wheel",
        help="the adoption-kit timed as a whole process: a wheel in a fresh venv (default), "
        "the editable checkout (quick checks), or none",
    )
    parser.add_argument(
        "--cluster",
        action="store_true",
        help="also run the large scale on a Dask LocalCluster of 2 process workers",
    )
    parser.add_argument(
        "--reference",
        default=REFERENCE,
        help=f"git commit of an earlier kit to time beside this one at the large scale, from "
        f"its own wheel (default {REFERENCE}: RESULTS.md's kit before issue 18; 'none' to skip)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of every stage (default 3)")
    parser.add_argument(
        "--xlarge-repeat", type=int, default=1, help="runs at the xlarge scale (default 1)"
    )
    parser.add_argument(
        "--workers", type=int, default=TARGET_WORKERS, help="report workers (default 2)"
    )
    parser.add_argument("--skip-ydata", action="store_true", help="leave out ydata-profiling")
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder for the tables")
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.workers < 1 or args.xlarge_repeat < 1:
        parser.error("--repeat, --xlarge-repeat and --workers must be at least 1")
    scales = args.scales or [args.scale]
    name = "-".join(scales)
    machine = machine_facts()
    args.results.mkdir(parents=True, exist_ok=True)
    env: KitEnv | None = None
    if args.cli == "wheel":
        env = ensure_env(args.results, extras=("dask",) if args.cluster else ())
    elif args.cli == "dev":
        env = dev_env()
    reference = None
    if args.reference != "none" and "large" in scales and env is not None:
        reference = reference_env(args.results, args.reference)
        args.reference_how = reference.how
    offered = (env or dev_env()).scales()
    skipped = {
        s: f"the installed kit offers the scales {'|'.join(offered)} (adoption-kit demo --help)"
        for s in scales
        if s not in offered
    }
    for scale, why in skipped.items():
        _log(f"skipping {scale}: {why}")
    run_scales = [s for s in scales if s not in skipped]
    detail = args.detail if args.detail in run_scales else None
    if args.detail is None:
        below = [s for s in run_scales if s != "xlarge"]
        detail = "large" if "large" in below else (below[-1] if below else None)
    cluster_skip = _cluster_skip(env, run_scales) if args.cluster else ""
    if cluster_skip:
        _log(f"skipping the LocalCluster run: {cluster_skip}")
    work = args.workdir or Path(tempfile.mkdtemp(prefix=f"kit-bench-{name}-"))
    work.mkdir(parents=True, exist_ok=True)
    measured: dict[str, dict[str, Any]] = {}
    failed: dict[str, str] = {}
    try:
        for scale in run_scales:
            on_cluster = args.cluster and not cluster_skip and scale == "large" and env is not None
            try:
                measured[scale] = measure(
                    args,
                    scale,
                    work / scale,
                    env=env,
                    detailed=scale == detail,
                    cluster=partial(_Cluster, env, work) if on_cluster and env else None,
                    reference=reference if scale == "large" else None,
                )
            except StepFailed as exc:
                failed[scale] = str(exc).splitlines()[0]
                skipped[scale] = f"failed: {exc}".replace("\n", " / ")[:300]
                _log(f"{scale} failed: {exc}")
            finally:
                if not args.keep:
                    shutil.rmtree(work / scale, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    found = report(
        args,
        scales=scales,
        measured=measured,
        skipped=skipped,
        failed=failed,
        detail=detail if detail in measured else None,
        env=env,
        cluster_skip=cluster_skip if args.cluster else "",
        machine=machine,
    )
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    body = json.dumps(found["document"], indent=2, default=str) + "\n"
    for stem in (f"{name}-{stamp}", f"latest-{name}"):
        _write(args.results / f"{stem}.md", found["markdown"] + "\n")
        _write(args.results / f"{stem}.json", body)
    print(found["markdown"])
    _log(f"written to {args.results}/latest-{name}.md and .json")
    missed = [t.name for t in found["targets"] if t.ok is False]
    if missed and "large" in scales:
        _log("targets missed: " + "; ".join(missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
