"""Acceptance: reproduce the official hourly AQI of the CNEMC real-time platform, 2019-01-01..14.

Data: ../shared/data/cnemc_sites/china_sites_YYYYMMDD.csv.gz (layout in data/README.md): per day
24 hours x 15 ``type`` rows, one column per station, empty cells for missing values.  Findings,
counts and examples are explained in docs/air-aqi-acceptance.md; every number asserted below is
derived there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.typing import NDArray

from ecoguard.standards.hj633 import NA, Edition, cnemc_realtime_report, hourly_report, iaqi

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]

E12 = Edition.HJ633_2012
Rows = dict[str, NDArray[np.float64]]


@pytest.fixture(scope="module")
def cnemc(shared_data: Path) -> tuple[Rows, list[tuple[str, int]], list[str]]:
    files = sorted((shared_data / "cnemc_sites").glob("china_sites_2019*.csv.gz"))
    assert len(files) == 14, files
    frames = [pd.read_csv(f, dtype={"date": str}) for f in files]
    stations = sorted(set.intersection(*(set(f.columns[3:]) for f in frames)))
    rows: dict[str, list[NDArray[np.float64]]] = {}
    keys: list[tuple[str, int]] = []
    for f in frames:
        values = f[stations].to_numpy(np.float64)
        types = f["type"].to_numpy()
        for t in dict.fromkeys(types):
            rows.setdefault(str(t), []).append(values[types == t])
        aqi_rows = f[f["type"] == "AQI"]
        keys += list(zip(aqi_rows["date"], aqi_rows["hour"].astype(int), strict=True))
    out = {t: np.concatenate(v) for t, v in rows.items()}
    for t, v in out.items():
        assert v.shape == out["AQI"].shape, t  # every type has all 24 hours of every day
    return out, keys, stations


def six_hourly(r: Rows) -> dict[str, NDArray[np.float64]]:
    return {
        "so2_1h": r["SO2"], "no2_1h": r["NO2"], "co_1h": r["CO"], "o3_1h": r["O3"],
        "pm10_1h": r["PM10"], "pm2_5_1h": r["PM2.5"],
    }  # fmt: skip


def test_cnemc_practice_reproduces_every_published_aqi(cnemc: tuple[Rows, list, list]) -> None:
    r, _, _ = cnemc
    official = r["AQI"]
    published = ~np.isnan(official)
    assert published.sum() == 477_510
    mine = cnemc_realtime_report(six_hourly(r))
    assert (mine.aqi[published] == NA).sum() == 0  # never published where nothing is computable
    assert np.array_equal(mine.aqi[published], official[published].astype(np.int16))


def test_standard_text_real_time_report_differs_only_by_pm_and_o3_averaging(
    cnemc: tuple[Rows, list, list],
) -> None:
    """HJ 633-2012 Table 4 as written (PM by 24-h moving means, O3 8-h too) is not what CNEMC did."""
    r, _, _ = cnemc
    official = r["AQI"]
    published = ~np.isnan(official)
    text = hourly_report(
        {
            "so2_1h": r["SO2"],
            "so2_24h": r["SO2_24h"],
            "no2_1h": r["NO2"],
            "co_1h": r["CO"],
            "o3_1h": r["O3"],
            "o3_8h": r["O3_8h"],
            "pm10_24h": r["PM10_24h"],
            "pm2_5_24h": r["PM2.5_24h"],
        },
        E12,
    )
    mismatch = published & (text.aqi != official)
    assert mismatch.sum() == 463_989  # 97.2 % of the published station-hours
    # Explained exactly: the mismatches are where the text's report differs from the CNEMC
    # practice (PM 1-h instead of 24-h moving means, no O3 8-h, SO2 > 800 -> 200).
    practice = cnemc_realtime_report(six_hourly(r))
    assert np.array_equal(mismatch, published & (text.aqi != practice.aqi))
    # Each cause alone: PM 24-h moving means instead of 1-h means break 458,161 station-hours;
    # adding the O3 8-h IAQI to the six 1-h IAQIs breaks 23,477.
    pm24 = {**six_hourly(r), "pm10_1h": r["PM10_24h"], "pm2_5_1h": r["PM2.5_24h"]}
    assert (published & (cnemc_realtime_report(pm24).aqi != official)).sum() == 458_161
    with_o3_8h = np.maximum(practice.aqi, iaqi("o3_8h", r["O3_8h"], E12))
    assert (published & (with_o3_8h != official)).sum() == 23_477


def test_so2_above_800_counts_as_200(cnemc: tuple[Rows, list, list]) -> None:
    r, keys, stations = cnemc
    official = r["AQI"]
    hit = np.argwhere((r["SO2"] > 800) & ~np.isnan(official))
    found = sorted((keys[i], stations[j]) for i, j in hit)
    assert found == [(("20190109", 13), "2647A"), (("20190113", 2), "1607A")]
    i, j = hit[[stations[j] for _, j in hit].index("2647A")]
    assert r["SO2"][i, j] == 915 and official[i, j] == 200
    # HJ 633-2012 note 2 would take the SO2 24-h IAQI (185 -> 106); AQI would then be PM2.5's 152
    assert int(iaqi("so2_24h", r["SO2_24h"][i, j], E12)) == 106
    six = {k: v[i : i + 1, j] for k, v in six_hourly(r).items()}
    assert hourly_report(six, Edition.HJ633_2026).iaqi["so2"][0] == 200
    assert cnemc_realtime_report(six).aqi[0] == 200
    # 1607A (SO2 875) has PM2.5 517 and PM10 632, above the top breakpoints: AQI 500 either way


def test_above_top_breakpoint_is_published_as_500(cnemc: tuple[Rows, list, list]) -> None:
    r, _, _ = cnemc
    official = r["AQI"]
    mine = cnemc_realtime_report(six_hourly(r))
    capped = ~np.isnan(official) & ((mine.above_range_mask & ~np.uint8(1)) != 0)
    assert capped.sum() == 370
    assert (official[capped] == 500).all()


def test_missing_inputs_are_left_out_not_replaced(cnemc: tuple[Rows, list, list]) -> None:
    r, _, _ = cnemc
    official = r["AQI"]
    published = ~np.isnan(official)
    mine = cnemc_realtime_report(six_hourly(r))
    computable = mine.aqi != NA
    # complete station-hours are always published; all withheld ones miss a pollutant
    assert (mine.complete & ~published).sum() == 0
    assert mine.complete.sum() == 400_744
    assert (published & ~mine.complete).sum() == 76_766
    assert (computable & ~published).sum() == 6_159
    # no HJ 633-2026 §5.3-like rule in 2019: incomplete hours with AQI <= 100 were published
    assert (published & ~mine.complete & (mine.aqi <= 100)).sum() == 48_396
    # PM10 1-h missing: the PM10 24-h mean is NOT used instead (it would change 3,000+ AQIs)
    no_pm10 = published & np.isnan(r["PM10"]) & ~np.isnan(r["PM10_24h"])
    with_24h = np.maximum(mine.aqi, iaqi("pm10_24h", r["PM10_24h"], E12))
    changed = no_pm10 & (with_24h != mine.aqi)
    assert changed.sum() > 3000
    assert np.array_equal(official[changed], mine.aqi[changed].astype(np.float64))
    # the same for PM2.5: its 24-h mean (present whenever the 1-h value is) is not a stand-in
    no_pm25 = published & np.isnan(r["PM2.5"]) & ~np.isnan(r["PM2.5_24h"])
    assert no_pm25.sum() == 1_829
    with_24h = np.maximum(mine.aqi, iaqi("pm2_5_24h", r["PM2.5_24h"], E12))
    changed = no_pm25 & (with_24h != mine.aqi)
    assert changed.sum() == 1_113
    assert np.array_equal(official[changed], mine.aqi[changed].astype(np.float64))
    assert (~np.isnan(r["PM2.5"]) & np.isnan(r["PM2.5_24h"])).sum() == 0
    # both PM missing: mostly withheld
    both = computable & np.isnan(r["PM10"]) & np.isnan(r["PM2.5"])
    assert (both & published).sum() / both.sum() < 0.05
