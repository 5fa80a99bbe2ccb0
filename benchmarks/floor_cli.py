"""The intake floor as a whole process: read every CSV of an export and write it as Parquet.

    python benchmarks/floor_cli.py EXPORT OUT_DIR

The least an intake must do (pyarrow reading each CSV with default options and writing each
table as one Parquet file), timed by the benchmark from the command line beside
``adoption-kit intake EXPORT --out DIR`` in the same environment, interleaved.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq


def main(argv: list[str]) -> int:
    export, out = Path(argv[0]), Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(export.glob("*.csv")):
        pq.write_table(pacsv.read_csv(path), out / f"{path.stem}.parquet")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
