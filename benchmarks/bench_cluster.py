"""A Dask LocalCluster of 2 process workers for the benchmark's ``--cluster`` row.

    python benchmarks/bench_cluster.py ADDRESS_FILE

Runs in the kit's installed environment (its workers import the kit from there), writes the
scheduler's address to ``ADDRESS_FILE`` once the workers are up, and keeps the cluster
running until its standard input closes (the benchmark closes it when done).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from dask.distributed import LocalCluster

    target = Path(argv[0])
    with LocalCluster(n_workers=2, processes=True) as cluster:
        cluster.wait_for_workers(2)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(cluster.scheduler_address)
        os.replace(tmp, target)
        sys.stdin.read()  # until the benchmark closes the pipe
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
