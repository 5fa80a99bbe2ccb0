"""Profile one CSV file with ydata-profiling (``minimal=True``) and report what it took.

Runs inside the benchmark's own virtual environment (``benchmarks/.venv-ydata``), since
ydata-profiling needs pandas < 3 and numpy < 2.4 while the kit uses current pandas. It reads
the file the way a user would (:func:`pandas.read_csv`), then times the profile and its HTML
report separately from the read.

    python ydata_profile.py activities.csv report.html --result result.json
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from importlib.metadata import version
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv")
    parser.add_argument("html")
    parser.add_argument("--result", required=True)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    import pandas as pd
    from ydata_profiling import ProfileReport

    started = time.perf_counter()
    frame = pd.read_csv(args.csv)
    read = time.perf_counter() - started
    started = time.perf_counter()
    ProfileReport(frame, minimal=True, progress_bar=False, title=Path(args.csv).name).to_file(
        args.html
    )
    profile = time.perf_counter() - started
    found = {
        "read_seconds": read,
        "seconds": profile,
        "rows": len(frame),
        "columns": frame.shape[1],
        "html_bytes": Path(args.html).stat().st_size,
        "versions": {n: version(n) for n in ("ydata-profiling", "pandas", "numpy")},
    }
    Path(args.result).write_text(json.dumps(found, indent=2))


if __name__ == "__main__":
    main()
