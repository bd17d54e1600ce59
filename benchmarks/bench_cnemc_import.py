"""Import speed of CNEMC national station files (`ecoguard air import cnemc`).

Reads ../shared/data/cnemc_sites (14 daily files, about 1,600 stations each) into a fresh store,
then again (the idempotent second import), and reports files/s, rows/s and the figure for a month
of national files (30 files, extrapolated from the measured rate). Also times the reader alone
(the floor: parsing without storing) so the cost of the keyed Delta merge is visible.

Run: .venv/bin/python benchmarks/bench_cnemc_import.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from ecoguard.air.imports import import_cnemc_files
from ecoguard.ingest.cnemc import iter_cnemc_files, read_cnemc_sites_file
from ecoguard.timeseries.store import TimeseriesStore

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cnemc_sites"


def main() -> int:
    if not DATA.is_dir():
        print(f"skipped: {DATA} not found")
        return 0
    files = list(iter_cnemc_files([DATA]))
    start = time.perf_counter()
    rows = sum(read_cnemc_sites_file(f).table.num_rows for f in files)
    parse = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        store = TimeseriesStore(Path(folder))
        start = time.perf_counter()
        first = import_cnemc_files(store, files)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        second = import_cnemc_files(store, files)
        again = time.perf_counter() - start
    assert first.inserted == rows and second.inserted == 0
    print(f"{len(files)} files, {rows:,} station-hours")
    print(f"{'step':<32}{'seconds':>9}{'files/s':>9}{'rows/s':>12}{'month (30 files) s':>20}")
    for name, seconds in (
        ("parse only (floor)", parse),
        ("import into empty store", cold),
        ("re-import (all duplicates)", again),
    ):
        print(
            f"{name:<32}{seconds:9.2f}{len(files) / seconds:9.2f}{rows / seconds:12,.0f}"
            f"{30 * seconds / len(files):20.1f}"
        )
    print(f"import / parse ratio: {cold / parse:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
