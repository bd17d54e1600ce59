"""GB/T 8170 round half to even, vectorised on floats, against exact decimal rounding."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoguard.standards.gbt8170 import round_decimal, round_half_even, round_half_even_scaled


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        ("0.25", 1, "0.2"),
        ("0.35", 1, "0.4"),
        ("0.45", 1, "0.4"),
        ("1.15", 1, "1.2"),  # np.round(1.15, 1) gives 1.1
        ("2.675", 2, "2.68"),  # Python round(2.675, 2) gives 2.67
        ("74.5", 0, "74"),
        ("75.5", 0, "76"),
        ("0.5", 0, "0"),
        ("-0.35", 1, "-0.4"),
        ("12.3501", 1, "12.4"),  # above the half: up
        ("12.3499", 1, "12.3"),
        ("125", -1, "1.2E+2"),
        ("135", -1, "1.4E+2"),
    ],
)
def test_half_even_edge_cases(value: str, decimals: int, expected: str) -> None:
    assert round_decimal(value, decimals) == Decimal(expected)
    got = round_half_even([float(value)], decimals)[0]
    assert got == float(Decimal(expected))


def test_nan_and_shape_are_kept() -> None:
    out = round_half_even_scaled([[0.25, np.nan], [1.15, 2.0]], 1)
    assert out.shape == (2, 2)
    assert np.isnan(out[0, 1])
    assert out[0, 0] == 2.0 and out[1, 0] == 12.0 and out[1, 1] == 20.0


def test_round_decimal_refuses_binary_floats() -> None:
    with pytest.raises(TypeError):
        round_decimal(0.35, 1)  # type: ignore[arg-type]


decimal_strings = st.builds(
    lambda units, places: str(Decimal(units).scaleb(-places)),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.integers(min_value=0, max_value=6),
)


@settings(deadline=None)  # the machine is shared: no per-example deadline
@given(value=decimal_strings, decimals=st.integers(min_value=0, max_value=4))
def test_vectorised_equals_decimal_reference(value: str, decimals: int) -> None:
    expected = round_decimal(value, decimals)
    got = round_half_even_scaled([float(value)], decimals)[0]
    assert got == float(expected.scaleb(decimals))


@settings(deadline=None)  # the machine is shared: no per-example deadline
@given(units=st.integers(min_value=-(10**7), max_value=10**7), decimals=st.integers(0, 3))
def test_every_exact_tie_goes_to_even(units: int, decimals: int) -> None:
    # value = (units + 1/2) * 10**-decimals is a decimal tie by construction
    tie = Decimal(2 * units + 1).scaleb(-decimals) / 2
    got = round_half_even_scaled([float(tie)], decimals)[0]
    assert got % 2 == 0
    assert abs(got - (units + 0.5)) == 0.5
