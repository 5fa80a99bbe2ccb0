"""Execute and render report notebooks in worker processes that keep a warm kernel.

Each worker process starts one Jupyter kernel the first time it needs one (or ahead of time,
:func:`warm_up`) and reuses it for every notebook it runs: the namespace is reset between
notebooks, but imported modules stay loaded, so a team report pays neither the kernel start
nor the pandas/seaborn import again. While a new kernel boots and imports, the worker loads
papermill and the report template, so the two overlap on separate cores.

The worker talks to its kernel through one client, connected once: the reset before a
notebook is sent on it, and papermill executes the notebook on the same client (the
``adoption-kit`` papermill engine, :class:`_ConnectedEngine`) instead of connecting a new one
and waiting for the kernel to answer a readiness check, a wait that a busy machine could make
time out on a kernel that was up all along. Requests on one client reach the kernel in order,
so the reset runs while papermill reads and parameterizes the notebook; the engine waits for
its reply before the first cell. papermill writes the executed notebook once, at the end
(and when a cell fails or the kernel dies, the notebook so far, for audit);
:func:`kit.report.render.render_html` turns a successful one into HTML.
"""

from __future__ import annotations

import logging
import queue
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kit._atomic import held_tempdir, remove_held

__all__ = [
    "KERNEL_NAME",
    "NotebookJob",
    "NotebookOutcome",
    "kernel_spec_manager",
    "release_kernel",
    "run_job",
    "warm_up",
]

#: Imported once per kernel so later notebooks find them loaded. The objects the imports made
#: live as long as the kernel, so they are then moved out of the garbage collector's sight
#: (``gc.freeze``): the namespace reset before every notebook collects garbage twice (IPython's
#: ``%reset`` does), and a full collection that also walked every object of pandas, matplotlib
#: and IPython took about 0.15 s each time; every full collection while a notebook runs is as
#: much cheaper. What a notebook makes is still collected as before.
_WARM_UP = """
import matplotlib
matplotlib.use("agg")
import pandas, seaborn, matplotlib.pyplot
import kit, kit.report.plots, kit.report.present, kit.report.views, kit.report.quality_views
import gc
gc.freeze()
"""

#: The kernel every report runs in: this very interpreter, whatever kernelspecs are installed.
KERNEL_NAME = "adoption-kit"

_kernel: Any = None  # this worker's KernelManager
_client: Any = None  # this worker's one client of it (warm-up, resets and every notebook)
_sockets: Path | None = None  # the folder of its IPC sockets, removed with the kernel


@dataclass(frozen=True)
class NotebookJob:
    """One notebook to execute with ``parameters`` and render.

    ``workdir`` is the kernel's working directory (the output folder being built), so
    parameters can hold paths relative to it.
    """

    label: str
    notebook: Path
    parameters: dict[str, Any]
    executed: Path
    html: Path | None
    workdir: Path
    render: dict[str, Any] = field(default_factory=dict)
    timeout: int = 900


@dataclass(frozen=True)
class NotebookOutcome:
    """What happened to one job: ``error`` is ``None`` on success."""

    label: str
    error: str | None
    seconds: dict[str, float]

    @property
    def ok(self) -> bool:
        return self.error is None


def kernel_spec_manager() -> Any:
    """A kernelspec manager that knows one kernel: ipykernel in the kit's own interpreter.

    Report kernels are never looked up by name among the user's kernelspecs: a ``python3``
    kernelspec on ``JUPYTER_PATH`` (a shared Jupyter image, a conda base install) or in the
    user's home would otherwise win and start an interpreter without the kit, or one that
    does not exist. Every kernel name resolves to :data:`KERNEL_NAME`.
    """
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    class _OwnInterpreter(KernelSpecManager):  # type: ignore[misc]
        def find_kernel_specs(self) -> dict[str, str]:
            return {KERNEL_NAME: ""}

        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name=f"Python {sys.version_info.major}.{sys.version_info.minor} (kit)",
                language="python",
                metadata={"debugger": False},
            )

    return _OwnInterpreter()


def _alive() -> bool:
    from jupyter_core.utils import run_sync

    return _kernel is not None and bool(run_sync(_kernel.is_alive)())


def _kernel_manager() -> Any:
    """Return this worker's live kernel, starting (or restarting) it when needed.

    The manager is asynchronous on purpose: nbclient then polls the kernel's liveness while
    a cell runs, so a kernel that crashes mid-notebook fails that notebook instead of
    leaving it waiting forever for output.
    """
    global _kernel, _client, _sockets
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    if _alive():
        return _kernel
    if _kernel is not None:
        if _client is not None:
            _client.stop_channels()
            _client = None
        run_sync(_kernel.cleanup_resources)()
        _remove_sockets()
    # IPC sockets in a folder of this worker's own: two workers' kernels never share a path.
    _sockets = sockets = held_tempdir("adoption-kit-kernel-")  # a killed run's: removed now
    _kernel = AsyncKernelManager(
        kernel_name=KERNEL_NAME,
        kernel_spec_manager=kernel_spec_manager(),
        transport="ipc",
        ip=str(sockets / "kernel"),
    )
    run_sync(_kernel.start_kernel)(extra_arguments=["--HistoryManager.enabled=False"])
    pending = _send(_WARM_UP)  # queued until the kernel is up
    _warm_worker()  # meanwhile, on this process's core
    _collect(pending, timeout=120)
    import atexit

    atexit.register(_shutdown)
    return _kernel


def _import_papermill() -> None:
    """Import papermill, without pyarrow when this process has not loaded it.

    papermill imports ``pyarrow.fs`` for its HDFS handler whenever pyarrow is installed,
    and with it pyarrow and numpy: about 40 MB in each report worker, which reads and
    writes notebooks on local or shared disks only (its kernel reads the results with its
    own pyarrow). ``pyarrow.fs`` is hidden while papermill loads, so papermill leaves HDFS
    out as it does without pyarrow; if papermill ever needs it, it is imported as it is.
    """
    if "papermill" in sys.modules or "pyarrow.fs" in sys.modules:
        return
    sys.modules["pyarrow.fs"] = None  # type: ignore[assignment]  # importing it fails
    try:
        import papermill
    except ImportError:
        for name in [m for m in sys.modules if m == "papermill" or m.startswith("papermill.")]:
            del sys.modules[name]
    finally:
        del sys.modules["pyarrow.fs"]
    import papermill  # noqa: F401


def _warm_worker() -> None:
    """Load what this worker needs for every report: papermill and the report template."""
    _import_papermill()

    try:
        from kit.report.render import warm_exporter

        warm_exporter()
    except Exception:  # a missing template is reported by the first rendering, clearly
        pass


#: Run in a warm kernel when a run is over: out of the run's folder (which may be removed),
#: its namespace cleared and the bundle :func:`kit.report.views.open_results` kept forgotten.
_RELEASE = """
import os, tempfile
os.chdir(tempfile.gettempdir())
%reset -f
import kit.report.views
kit.report.views.release_results()
"""


def release_kernel() -> None:
    """Let this worker's kernel, if it has one, drop what the last report read.

    A kernel keeps the last results bundle it read for its next report. A Dask cluster's
    workers outlive a run and keep their kernels, which held the last run's bundle (hundreds
    of megabytes at a large organization) until the next run's first report: each run on a
    cluster ends with this on every worker (:mod:`kit.executors`). The kernel stays warm.
    """
    if _alive():
        _collect(_send(_RELEASE), timeout=60)


def warm_up() -> None:
    """Start this worker's kernel and load everything a report needs, before the first job.

    Runs in a pool worker while the main process is still computing, so the first report
    of every worker starts as warm as the others.
    """
    logging.getLogger("papermill").setLevel(logging.ERROR)
    _kernel_manager()


def _shutdown() -> None:
    from jupyter_core.utils import run_sync

    if _client is not None:
        _client.stop_channels()
    if _alive():
        run_sync(_kernel.shutdown_kernel)(now=True)
    _remove_sockets()


def _remove_sockets() -> None:
    """Remove the kernel's socket folder from the temp folder (it would pile up otherwise)."""
    global _sockets
    if _sockets is not None:
        remove_held(_sockets)
        _sockets = None


def _send(code: str) -> str:
    """Send ``code`` to the worker's kernel without waiting; return the request's id."""
    global _client
    if _client is None:
        # asynchronous, as nbclient needs it: papermill executes every notebook on it
        _client = _kernel.client()
        _client.start_channels()
    return str(_client.execute(code, store_history=False))


def _collect(msg_id: str, *, timeout: float) -> None:
    """Wait for the reply to request ``msg_id``; raise if the code failed or the kernel died."""
    from jupyter_core.utils import run_sync

    run_sync(_reply)(msg_id, timeout=timeout)


async def _reply(msg_id: str, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            reply = await _client.get_shell_msg(timeout=1)
        except queue.Empty:
            if not await _kernel.is_alive():
                raise RuntimeError("the kernel died while starting or resetting") from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"the kernel did not answer within {timeout:.0f} s") from None
            continue
        if reply.get("parent_header", {}).get("msg_id") == msg_id:
            break
    while True:  # outputs nobody reads
        try:
            await _client.iopub_channel.get_msg(timeout=0)
        except queue.Empty:
            break
    content = reply["content"]
    if content["status"] != "ok":
        raise RuntimeError(f"{content.get('ename')}: {content.get('evalue')}")


def _engine() -> str:
    """Register the worker's papermill engine (once) and return its name."""
    from papermill.engines import papermill_engines

    if _ENGINE not in papermill_engines._engines:
        papermill_engines.register(_ENGINE, _connected_engine())
    return _ENGINE


_ENGINE = "adoption-kit"


def _connected_engine() -> type:
    """papermill's nbclient engine, executing on the worker's connected client."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine
    from papermill.iorw import write_ipynb
    from papermill.log import logger

    class _ConnectedEngine(NBClientEngine):  # type: ignore[misc]
        """Executes on the client the worker already has: connected once, answering, and
        in the middle of resetting the namespace (``reset``: its request's id)."""

        @classmethod
        def execute_managed_notebook(  # type: ignore[override]
            cls,
            nb_man: Any,
            kernel_name: str,
            *,
            km: Any,
            reset: str,
            keep: str,
            log_output: bool = False,
            execution_timeout: int | None = None,
            **kwargs: Any,
        ) -> Any:
            _collect(reset, timeout=60)  # the reset's reply, before the first cell
            client = PapermillNotebookClient(
                nb_man,
                km=km,
                timeout=execution_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
            )
            # With a client set nbclient neither connects another one nor waits for the
            # kernel to answer a readiness check: this one is up and has just answered.
            client.kc = _client
            client.kc.allow_stdin = False
            try:
                return client.execute()
            except BaseException:
                write_ipynb(nb_man.nb, keep)  # the notebook so far: its error, for audit
                raise

    return _ConnectedEngine


def _describe_failure(exc: BaseException) -> str:
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"cell {exc.cell_index + 1} failed: {exc.ename}: {exc.evalue}"
    if isinstance(exc, DeadKernelError):
        return "the notebook's kernel died (a crash or out of memory) while it ran"
    return f"{type(exc).__name__}: {exc}"


def run_job(job: NotebookJob) -> NotebookOutcome:
    """Execute ``job.notebook`` into ``job.executed`` and render it to ``job.html``.

    Never raises for a failing notebook: the failure is described in the outcome and the
    executed notebook (with the error in it) is kept for audit.
    """
    logging.getLogger("papermill").setLevel(logging.ERROR)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    try:
        km = _kernel_manager()  # also imports papermill, while a new kernel boots
        _import_papermill()
        import papermill

        # Sent on the client papermill executes on, so it runs before the first cell; the
        # engine waits for its reply while papermill has read the notebook meanwhile. Into
        # the job's folder first: %reset reads the working directory, and the last job's
        # folder may be gone (a cluster's worker keeps its kernel from one run to the next).
        # The cells are numbered from 1, as in a fresh kernel: the executed notebook never
        # depends on which reports its worker happened to run before.
        workdir = repr(str(job.workdir))
        reset = _send(
            f"import os\nos.chdir({workdir})\n%reset -f\nimport os\n"
            "get_ipython().execution_count = 1"
        )
        seconds["kernel"] = time.perf_counter() - started
        mark = time.perf_counter()
        job.executed.parent.mkdir(parents=True, exist_ok=True)
        papermill.execute_notebook(
            str(job.notebook),
            str(job.executed),
            parameters=job.parameters,
            engine_name=_engine(),
            km=km,
            reset=reset,
            keep=str(job.executed),
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,  # written once; on a failure by the engine
            execution_timeout=job.timeout,
        )
        seconds["execute"] = time.perf_counter() - mark
    except Exception as exc:
        return NotebookOutcome(job.label, _describe_failure(exc), seconds)
    if job.html is not None:
        mark = time.perf_counter()
        try:
            from kit.report.render import render_html

            render_html(job.executed, job.html, **job.render)
        except Exception as exc:
            return NotebookOutcome(job.label, f"rendering failed: {exc}", seconds)
        seconds["render"] = time.perf_counter() - mark
    return NotebookOutcome(job.label, None, seconds)
