"""Identifier rules: unified social credit codes (GB 32100-2015), adcodes (GB/T 2260),
industry codes (GB/T 4754-2017), HJ 212 device numbers. Pure functions, no I/O.
"""

from __future__ import annotations

import re

#: Characters of a unified social credit code (GB 32100-2015, clause 4.3): digits and upper-case
#: letters except I, O, Z, S, V; the value of a character is its index here.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Weights of positions 1-17 (GB 32100-2015, clause 5.2: 3**(i-1) mod 31).
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

ADCODE_RE = re.compile(r"^[1-9]\d{5}$")
#: GB/T 4754-2017: a section letter A-T, optionally followed by a 2-, 3- or 4-digit class code.
INDUSTRY_RE = re.compile(r"^[A-T](\d{2}|\d{3}|\d{4})?$")
#: HJ 212 MN: 14 characters in 2005 devices, up to 24 in HJ 212-2017/2025; vendors use letters,
#: digits, ``_`` and ``-``.
MN_RE = re.compile(r"^[0-9A-Za-z_-]{1,24}$")
#: Air station codes as published by CNEMC: four digits and a letter (``1001A``).
AIR_STATION_RE = re.compile(r"^\d{4}[A-Z]$")


def uscc_check_char(first17: str) -> str:
    """Return the check character (position 18) of a unified social credit code.

    Parameters
    ----------
    first17 : str
        The first 17 characters of the code.

    Returns
    -------
    str
        ``C18 = 31 - (sum(Ci * Wi) mod 31)``, written with :data:`USCC_CHARSET`, where 31 maps
        to ``0`` (GB 32100-2015, clause 5.2).

    Raises
    ------
    ValueError
        If ``first17`` is not 17 characters of :data:`USCC_CHARSET`.

    Examples
    --------
    >>> uscc_check_char("91350100M000100Y4")
    '3'
    """
    if len(first17) != 17:
        msg = f"expected 17 characters, got {len(first17)}"
        raise ValueError(msg)
    total = 0
    for ch, weight in zip(first17, USCC_WEIGHTS, strict=True):
        value = USCC_CHARSET.find(ch)
        if value < 0:
            msg = f"character {ch!r} is not allowed (GB 32100 excludes I, O, Z, S, V and lowercase)"
            raise ValueError(msg)
        total += value * weight
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Explain why ``code`` is not a valid unified social credit code, or return ``None``."""
    if len(code) != 18:
        return f"must be 18 characters (GB 32100-2015), got {len(code)}"
    bad = sorted({ch for ch in code if ch not in USCC_CHARSET})
    if bad:
        return (
            f"contains {', '.join(repr(c) for c in bad)}: only digits and upper-case letters "
            "except I, O, Z, S, V are allowed (GB 32100-2015)"
        )
    if not ADCODE_RE.match(code[2:8]):
        return f"positions 3-8 must be an administrative division code, got {code[2:8]!r}"
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]!r} but GB 32100-2015 gives {expected!r}"
    return None


def adcode_level(adcode: str) -> str:
    """Level implied by an adcode's zeros: ``province``, ``prefecture`` or ``county``.

    XPCC cities (6590xx) are county-level codes directly under the region; callers that treat
    them as prefectures (as the national air-quality rankings do) decide so explicitly.
    """
    if adcode.endswith("0000"):
        return "province"
    if adcode.endswith("00"):
        return "prefecture"
    return "county"


def province_of(adcode: str) -> str:
    """The province adcode containing ``adcode``."""
    return adcode[:2] + "0000"
