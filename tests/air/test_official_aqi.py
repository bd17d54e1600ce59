"""Acceptance: imported CNEMC files give back the official hourly AQI of every station-hour.

The official ``AQI`` row of ../shared/data/cnemc_sites (14 days of the national real-time
platform, 2019) is compared with what `air import cnemc` + the hourly service compute with the
default rule set for 2019 data (the platform's practice under HJ 633-2012; see
docs/air-aqi-acceptance.md for why the 2012 text differs).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from ecoguard.air.hourly import HourlyQuery, hourly_aqi_table, read_station_hours
from ecoguard.timeseries.store import TimeseriesStore


@pytest.mark.slow
def test_every_published_hourly_aqi_is_reproduced(cnemc_store: TimeseriesStore) -> None:
    rows = read_station_hours(cnemc_store, HourlyQuery(dt.date(2019, 1, 1), dt.date(2019, 1, 14)))
    report = hourly_aqi_table(rows)
    official = report["aqi_published"].to_numpy(zero_copy_only=False)
    ours = report["aqi"].to_numpy(zero_copy_only=False).astype(float)
    published = ~np.isnan(official)
    assert published.sum() == 477_510  # every published station-hour of the 14 files
    assert set(report["rules"].to_pylist()) == {"hj633-2012-cnemc"}
    mismatched = published & (ours != official)
    assert int(mismatched.sum()) == 0, report.filter(mismatched).slice(0, 5).to_pylist()
    # hours the platform withheld are still computed here, and every one is flagged incomplete
    withheld = ~published & ~np.isnan(ours)
    assert withheld.sum() > 0
    assert not report["complete"].to_numpy(zero_copy_only=False)[withheld].any()
