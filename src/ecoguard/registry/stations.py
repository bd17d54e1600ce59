"""Air stations from the CNEMC station list: upsert by code, city mapped to a prefecture."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoguard.registry.models import AirStation, NetworkLevel, Region, RegionLevel

#: Short names CNEMC uses for prefectures whose official names are longer.
_SUFFIXES = (
    "市",
    "地区",
    "盟",
    "自治州",
    "回族自治州",
    "蒙古自治州",
    "哈萨克自治州",
    "柯尔克孜自治州",
)


@dataclass(frozen=True)
class StationRow:
    """One parsed line of the CNEMC station list (监测点编码, 名称, 城市, 经度, 纬度, 对照点)."""

    code: str
    name: str
    city: str
    lon: float | None
    lat: float | None
    is_background: bool


@dataclass
class UpsertReport:
    """What :func:`upsert_air_stations` did; ``rejected`` holds (code, reason) pairs."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)


def _city_keys(name: str) -> set[str]:
    keys = {name}
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            keys.add(name[: -len(suffix)])
    # 昌吉回族自治州 -> 昌吉州 (CNEMC writes 昌吉州, 伊犁哈萨克州 ...)
    for suffix in ("回族自治州", "蒙古自治州", "哈萨克自治州", "柯尔克孜自治州", "自治州"):
        if name.endswith(suffix):
            keys.add(name[: -len(suffix)] + "州")
            keys.add(name[: -len(suffix)])
    # 吐鲁番地区 and 哈密地区 became 吐鲁番市 and 哈密市; station lists keep the old names.
    for suffix in ("市", "地区"):
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            keys |= {base + "地区", base + "市"}
    return keys


def city_index(session: Session) -> dict[str, str]:
    """Map prefecture names and their usual short forms to adcodes.

    Municipalities (province-level cities such as 北京市) count as prefectures. Only names
    that identify one region are kept (for example ``石河子`` -> ``659001``).
    """
    found: dict[str, set[str]] = {}
    stmt = select(Region.adcode, Region.name).where(
        (Region.level == RegionLevel.prefecture.value)
        | ((Region.level == RegionLevel.province.value) & Region.name.endswith("市"))
    )
    for adcode, name in session.execute(stmt):
        for key in _city_keys(name):
            found.setdefault(key, set()).add(adcode)
    # A municipality (北京市 110000) is registered both as a province and as its prefecture-level
    # city (北京市 110100): the station belongs to the prefecture-level one.
    index = {}
    for key, codes in found.items():
        prefectures = {c for c in codes if not c.endswith("0000")}
        chosen = codes if len(codes) == 1 else prefectures
        if len(chosen) == 1:
            index[key] = next(iter(chosen))
    return index


def _coordinate(value: Any) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def upsert_air_stations(
    session: Session, rows: Iterable[StationRow | dict[str, Any]]
) -> UpsertReport:
    """Create or update air stations from parsed CNEMC station-list rows.

    The region is found from the row's city (``城市``), never from third-party province or
    prefecture columns (which are wrong for the XPCC cities 石河子 and 五家渠). Rows whose city
    matches no registered prefecture, or without usable coordinates, are rejected with a
    reason; the others are written. Existing stations keep their network level.

    Parameters
    ----------
    rows : iterable of StationRow or dict
        Dicts need the keys ``code, name, city, lon, lat, is_background``.
    """
    report = UpsertReport()
    cities = city_index(session)
    existing = {s.code: s for s in session.scalars(select(AirStation))}
    for raw in rows:
        row = raw if isinstance(raw, StationRow) else StationRow(**raw)
        code = row.code.strip()
        adcode = cities.get(row.city.strip())
        if adcode is None:
            report.rejected.append((code, f"city {row.city!r} matches no registered prefecture"))
            continue
        lon, lat = _coordinate(row.lon), _coordinate(row.lat)
        if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
            report.rejected.append((code, "longitude/latitude missing or out of range"))
            continue
        values = {
            "name": row.name.strip(),
            "city": row.city.strip(),
            "lon": lon,
            "lat": lat,
            "is_background": bool(row.is_background),
            "region_adcode": adcode,
        }
        station = existing.get(code)
        if station is None:
            station = AirStation(code=code, network_level=NetworkLevel.national.value, **values)
            session.add(station)
            existing[code] = station
            report.created += 1
        elif any(getattr(station, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(station, key, value)
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()
    return report
