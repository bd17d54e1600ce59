"""Identifier rules (GB 32100 check character) and the GCJ-02 routine."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoguard.registry.codes import USCC_CHARSET, adcode_level, uscc_check_char, uscc_problem
from ecoguard.registry.geo import gcj02_to_wgs84, geometry_gcj02_to_wgs84, wgs84_to_gcj02


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",  # the worked example used in GB 32100 explanations
        "91110000600037341L",
        "91440300708461136T",
    ],
)
def test_published_codes_pass(code: str) -> None:
    assert uscc_problem(code) is None


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91350100M000100Y44", "check character is '4' but GB 32100-2015 gives '3'"),
        ("91350100M000100Y4", "must be 18 characters"),
        ("91350100M000100I43", "'I'"),
        ("91350100m000100Y43", "'m'"),
        ("91000000M000100Y43", "administrative division code"),
    ],
)
def test_bad_codes_say_why(code: str, fragment: str) -> None:
    problem = uscc_problem(code)
    assert problem is not None
    assert fragment in problem


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=USCC_CHARSET, min_size=9, max_size=9), st.sampled_from(USCC_CHARSET))
def test_check_character_detects_any_single_change(org: str, wrong: str) -> None:
    first17 = "91650100" + org
    good = first17 + uscc_check_char(first17)
    assert uscc_problem(good) is None
    if wrong != good[-1]:
        assert uscc_problem(first17 + wrong) is not None


def test_adcode_levels() -> None:
    assert adcode_level("650000") == "province"
    assert adcode_level("650100") == "prefecture"
    assert adcode_level("650102") == "county"
    assert adcode_level("659001") == "county"  # XPCC: the demo ranks it as a prefecture


# (WGS-84 lat, lon, GCJ-02 lat, lon): test vectors of googollee/eviltransform (MIT)
VECTORS = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), VECTORS)
def test_gcj02_vectors(wlat: float, wlon: float, glat: float, glon: float) -> None:
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    assert lon == pytest.approx(glon, abs=1e-9)
    assert lat == pytest.approx(glat, abs=1e-9)
    lon, lat = gcj02_to_wgs84(glon, glat)
    assert lon == pytest.approx(wlon, abs=1e-8)  # about 1 mm
    assert lat == pytest.approx(wlat, abs=1e-8)


@settings(max_examples=200, deadline=None)
@given(st.floats(73.5, 135.0), st.floats(18.0, 53.5))
def test_gcj02_round_trip_and_offset_size(lon: float, lat: float) -> None:
    glon, glat = wgs84_to_gcj02(lon, lat)
    shift_m = np.hypot((glon - lon) * 111_320 * np.cos(np.radians(lat)), (glat - lat) * 110_540)
    assert 1 < shift_m < 1000  # GCJ-02 moves points inside China by up to several hundred m
    back_lon, back_lat = gcj02_to_wgs84(glon, glat)
    assert abs(back_lon - lon) < 1e-8
    assert abs(back_lat - lat) < 1e-8


def test_no_shift_outside_china_and_geometries() -> None:
    lon, lat = wgs84_to_gcj02(2.35, 48.85)  # Paris
    assert (float(lon), float(lat)) == (2.35, 48.85)
    square = shapely.box(87.5, 43.7, 87.7, 43.9)
    moved = geometry_gcj02_to_wgs84(square)
    assert moved.is_valid
    assert moved.area == pytest.approx(square.area, rel=1e-3)
    assert not moved.equals(square)
