"""Fixtures of the air tests: the 14 official CNEMC days imported once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecoguard.air.imports import import_cnemc_files
from ecoguard.ingest.cnemc import iter_cnemc_files
from ecoguard.timeseries.store import TimeseriesStore


@pytest.fixture(scope="session")
def cnemc_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> TimeseriesStore:
    """A store holding ../shared/data/cnemc_sites (2019-01-01 .. 2019-01-14), as imported."""
    store = TimeseriesStore(tmp_path_factory.mktemp("cnemc"))
    summary = import_cnemc_files(store, list(iter_cnemc_files([shared_data / "cnemc_sites"])))
    assert summary.errors == [] and summary.files == 14
    return store
