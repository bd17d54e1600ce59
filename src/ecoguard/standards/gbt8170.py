"""GB/T 8170-2008 rounding off of numerical values (数值修约规则).

GB/T 8170 rounds "四舍六入五成双": a value exactly half-way between two candidates goes to the
even one (round half to even, banker's rounding).  HJ 633-2026 §4.2.2 and HJ 663 apply it to
concentrations before indices and statistics are computed.

Exactness
---------
The rule is defined on *decimal* numbers, while numpy arrays hold binary floats: ``0.35`` is stored
as ``0.34999999999999997...``, so a naive ``np.round(x * 10) / 10`` gets ties wrong (and
``np.round(1.15, 1)`` gives ``1.1`` where GB/T 8170 gives ``1.2``).  Here each float is taken to
stand for the decimal it was parsed from (its shortest round-trip representation).  Ties are
detected exactly: a value is a tie for ``m + 1/2`` units of ``10**-decimals`` if and only if the
float equals the correctly rounded float of the decimal ``(2m + 1) / (2 * 10**decimals)``; both
sides of that test are computed from exact integers, so no decimal tie is missed or invented.
Results are exact for every input whose decimal has at most 15 significant digits.

The scalar function :func:`round_decimal` does the same on :class:`decimal.Decimal`/``str``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["round_decimal", "round_half_even", "round_half_even_scaled"]


def round_decimal(value: str | int | Decimal, decimals: int = 0) -> Decimal:
    """Round a decimal number per GB/T 8170-2008 (round half to even).

    Parameters
    ----------
    value : str, int or Decimal
        The number as written (``"0.35"``), never a binary float.
    decimals : int
        Number of decimal places kept; negative values round to tens, hundreds, ...

    Returns
    -------
    Decimal
        The rounded value, with exactly ``max(decimals, 0)`` decimal places.

    Examples
    --------
    >>> str(round_decimal("0.25", 1)), str(round_decimal("0.35", 1)), str(round_decimal("74.5"))
    ('0.2', '0.4', '74')
    """
    if isinstance(value, float):
        raise TypeError("round_decimal takes str, int or Decimal; use round_half_even for floats")
    quantum = Decimal(1).scaleb(-decimals)
    return Decimal(value).quantize(quantum, rounding=ROUND_HALF_EVEN)


def round_half_even_scaled(values: ArrayLike, decimals: int = 0) -> NDArray[np.float64]:
    """Round per GB/T 8170 and return the result in units of ``10**-decimals``.

    Parameters
    ----------
    values : array_like of float
        Values to round; NaN stays NaN.
    decimals : int
        Number of decimal places kept (0 .. 15); negative rounds to tens, hundreds, ...

    Returns
    -------
    ndarray of float64
        Integer-valued floats ``r`` such that the rounded value is ``r * 10**-decimals``
        (e.g. CO 1.15 [mg/m3] with ``decimals=1`` gives ``12.0``).  Integer-valued floats are
        exact up to 2**53, keep NaN, and feed exact integer arithmetic downstream.

    Examples
    --------
    >>> round_half_even_scaled([0.25, 0.35, 1.15, -2.5, float("nan")], 1).tolist()
    [2.0, 4.0, 12.0, -25.0, nan]
    """
    arr = np.asarray(values, dtype=np.float64)
    x = arr.reshape(-1)
    if decimals > 15:
        raise ValueError(f"decimals={decimals}: at most 15 decimal places can be rounded exactly")
    scale_num, scale_den = (10**decimals, 1) if decimals >= 0 else (1, 10**-decimals)
    y = x * scale_num if decimals >= 0 else x / scale_den
    r = np.rint(y)
    # Candidates for a decimal tie: |y - r| close to 1/2.  True ties are within a few ulps of
    # 1/2; the exact test below decides, so the tolerance only needs to be generous.
    with np.errstate(invalid="ignore"):
        near = np.abs(np.abs(y - r) - 0.5) <= np.abs(y) * 1e-14 + 1e-12
    idx = np.flatnonzero(near)
    if idx.size:
        xs = x[idx]
        m = np.floor(y[idx])
        # float of the decimal (2m+1) / (2*10**d): numerator and denominator are exact integers
        tie = (2.0 * m + 1.0) * scale_den / (2.0 * scale_num)
        fixed = np.where(xs > tie, m + 1.0, m)
        is_tie = xs == tie
        even = np.where(np.fmod(m, 2.0) == 0.0, m, m + 1.0)
        r[idx] = np.where(is_tie, even, fixed)
    return r.reshape(arr.shape)


def round_half_even(values: ArrayLike, decimals: int = 0) -> NDArray[np.float64]:
    """Round per GB/T 8170-2008 (四舍六入五成双) to ``decimals`` places, vectorised and exact.

    Parameters
    ----------
    values : array_like of float
        Values to round; NaN stays NaN.
    decimals : int
        Number of decimal places kept; negative rounds to tens, hundreds, ...

    Returns
    -------
    ndarray of float64
        The float nearest to each exactly rounded decimal.

    Examples
    --------
    >>> round_half_even([0.25, 0.35, 0.45, 2.5, 3.5, 1.15], 1).tolist()
    [0.2, 0.4, 0.4, 2.5, 3.5, 1.2]
    >>> round_half_even([74.5, 75.5, 0.5], 0).tolist()
    [74.0, 76.0, 0.0]
    """
    r = round_half_even_scaled(values, decimals)
    if decimals >= 0:
        return r / float(10**decimals)
    return r * float(10**-decimals)
