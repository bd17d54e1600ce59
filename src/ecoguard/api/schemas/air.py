"""Schemas of the air-data endpoints."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class Concentrations(BaseModel):
    """1-hour (or daily) concentrations [ug/m3], CO [mg/m3]; null where missing."""

    so2: float | None = None
    no2: float | None = None
    co: float | None = None
    o3: float | None = None
    pm10: float | None = None
    pm2_5: float | None = None


class SubIndices(BaseModel):
    """IAQI per pollutant; null where the pollutant has no value."""

    so2: int | None = None
    no2: int | None = None
    co: int | None = None
    o3: int | None = None
    pm10: int | None = None
    pm2_5: int | None = None


class StationHour(BaseModel):
    """A station's hourly AQI report (HJ 633 real-time report).

    ``time`` is the end of the hour (the CNEMC label) in China Standard Time, ISO 8601 with offset.
    ``aqi`` is null when it may not be published (HJ 633-2026 §5.3) or cannot be computed.
    """

    station_code: str
    time: str
    aqi: int | None
    level: int | None
    category: str | None
    color: str | None
    primary_pollutants: list[str]
    complete: bool
    rules: str
    iaqi: SubIndices
    conc: Concentrations


class StationHourOnMap(StationHour):
    """The latest hour of a station, with what a map needs."""

    station_name: str
    city: str
    region_adcode: str
    lon: float | None
    lat: float | None


class LatestHours(BaseModel):
    """The latest hour of every station in the caller's scope."""

    items: list[StationHourOnMap]


class StationSeries(BaseModel):
    """A station's hourly series."""

    station_code: str
    items: list[StationHour]


class RefusedCell(BaseModel):
    """A refused cell or row: file, row, field, rule and the offending value."""

    file: str
    row: int
    field: str
    rule: str
    value: str


class ImportSummary(BaseModel):
    """What an upload imported."""

    files: int
    rows: int
    inserted: int
    duplicates: int
    stations: int
    days: int
    rejected: int
    failed_files: list[str]
    errors: list[RefusedCell]


class DailyConcentrations(BaseModel):
    """Daily values: 24-h means [ug/m3] (CO [mg/m3]) and the O3 daily max 8-h; null if not valid."""

    so2: float | None = None
    no2: float | None = None
    co: float | None = None
    pm10: float | None = None
    pm2_5: float | None = None
    o3_8h_max: float | None = None


class DailyReport(BaseModel):
    """An HJ 633 daily report (日报) of a station or city."""

    date: dt.date
    code: str
    name: str
    aqi: int | None
    level: int | None
    category: str | None
    color: str | None
    primary_pollutants: list[str]
    complete: bool
    rules: str
    conc: DailyConcentrations
    valid_hours: dict[str, int]


class DailyReports(BaseModel):
    """Daily reports, by day then unit."""

    items: list[DailyReport]


class CityRank(BaseModel):
    """A city's place by composite index over a period."""

    rank: int
    adcode: str
    city: str
    composite_index: float | None
    pm2_5: float | None
    good_day_share: float | None
    days: int


class CityRanking(BaseModel):
    """Cities ranked by composite index, best first."""

    items: list[CityRank]


class PeriodFigures(BaseModel):
    """Figures of an area over a period: good-day share [0-1], PM2.5 mean [ug/m3]."""

    start: dt.date
    end: dt.date
    cities: int
    good_day_share: float | None
    pm2_5: float | None
    days: int


class PeriodComparison(BaseModel):
    """A period and the same period one year earlier."""

    current: PeriodFigures
    previous: PeriodFigures


class AssessmentRow(BaseModel):
    """HJ 663 statistics of one station or city over a period.

    Besides the fields below, each pollutant ``p`` in ``so2, no2, co, o3, pm10, pm2_5`` has
    ``p_valid_days``, ``p_mean``, ``p_p98``/``p_p95``/``p_p90`` (the HJ 663 percentile),
    ``p_days_over`` and ``p_multiple`` (exceedance multiple of the item against its limit).
    """

    model_config = ConfigDict(extra="allow")

    code: str
    name: str
    days_with_aqi: int
    good_day_share: float | None
    composite_index: float | None
    limits: str


class Assessment(BaseModel):
    """The assessment of a period."""

    start: dt.date
    end: dt.date
    items: list[AssessmentRow]
