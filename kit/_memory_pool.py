"""The Arrow memory pool that intake and the dataset's read-back allocate from.

Intake and decoding a dataset's Parquet allocate and free hundreds of megabytes of Arrow
buffers of every size within seconds. Arrow's default pool on Linux (mimalloc) keeps much
of what is freed, so the process's resident memory climbs well above what is alive;
jemalloc returns freed pages to the system within a second. On the large demo intake's
peak resident memory is about a fifth lower with jemalloc, and the diagnostics' read-back
holds about 200 MB less for the rest of the run, for the same tables. A user's own choice
(``ARROW_DEFAULT_MEMORY_POOL``) is respected, and builds without jemalloc keep the
default.

:func:`release_memory` hands what a process freed back to the system (the command's main
process once the diagnostics are done, a report kernel once its run is over).

Private to the kit (:mod:`kit.intake.run`, :func:`kit.dataset.load_dataset`,
:mod:`kit.steps`, :mod:`kit.report.views`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa


@contextmanager
def jemalloc_pool() -> Iterator[pa.MemoryPool]:
    """Use jemalloc as Arrow's default pool inside the block, then restore the previous one.

    >>> with jemalloc_pool() as pool:
    ...     pa.default_memory_pool().backend_name == pool.backend_name
    True
    """
    previous = pa.default_memory_pool()
    pool = previous
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        try:
            pool = pa.jemalloc_memory_pool()
        except NotImplementedError:  # a pyarrow built without jemalloc
            pool = previous
    pa.set_memory_pool(pool)
    try:
        yield pool
    finally:
        pa.set_memory_pool(previous)


def release_memory() -> None:
    """Collect garbage and hand freed memory back to the system.

    pyarrow's allocator and the C library keep freed memory for reuse; on the large demo
    that is about 850 MB held by the command's main process, which only waits for the
    reports once the diagnostics are done.

    >>> release_memory()
    """
    import gc

    gc.collect()
    pa.default_memory_pool().release_unused()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
