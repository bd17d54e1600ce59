"""Industry selectors over GB/T 4754-2017 codes (国民经济行业分类) and tags such as 两高.

A GB/T 4754-2017 code is a section letter (门类, A-T) followed by a 2-digit division (大类),
3-digit group (中类) or 4-digit class (小类), e.g. ``C2611``. Access-list clauses select
industries by section letter (``C``), by code prefix (``26``, ``261``, ``C2611``), by a range of
codes of equal length (``2511-2519``) or by a tag (``两高``).

The division ranges of the sections below are from memory of GB/T 4754-2017 and are **not
confirmed** against the standard's text ([M]); verify before relying on a section selector.
The "两高" (high energy use, high emission) scope of 环环评〔2021〕45号 is six sectors
(煤电、石化、化工、钢铁、有色金属冶炼、建材; ``governance.md`` §2.5 [S]); its mapping to GB/T 4754
divisions in :data:`LIANG_GAO_PREFIXES` is this module's own reading, **unconfirmed**.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Division (2-digit) ranges of each GB/T 4754-2017 section [M, unconfirmed].
SECTION_DIVISIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 96),
    "T": (97, 97),
}

#: Tag for "两高" projects (环环评〔2021〕45号).
LIANG_GAO = "两高"

#: Code prefixes read as "两高" (coal power 4411, petroleum/coal processing 25, chemicals 26,
#: iron and steel 31, non-ferrous smelting 32, non-metallic minerals 30) [unconfirmed mapping].
LIANG_GAO_PREFIXES: tuple[str, ...] = ("4411", "25", "26", "30", "31", "32")

_CODE = re.compile(r"^([A-T])?(\d{2,4})?$")
_RANGE = re.compile(r"^[A-T]?(\d{2,4})\s*[-~～]\s*[A-T]?(\d{2,4})$")


@lru_cache(maxsize=65536)
def normalize_code(code: str) -> tuple[str, str]:
    """Split an industry code into its section letter and digits.

    Parameters
    ----------
    code : str
        ``C2611``, ``2611``, ``c26`` or ``C``.

    Returns
    -------
    tuple of str
        ``(section, digits)``; the section is derived from the division when absent, and is
        empty when it cannot be derived.

    Raises
    ------
    ValueError
        When the code is not a GB/T 4754 code.

    Examples
    --------
    >>> normalize_code("2611")
    ('C', '2611')
    """
    text = code.strip().upper()
    match = _CODE.match(text)
    if not text or match is None:
        raise ValueError(f"not a GB/T 4754 industry code: {code!r} (expected e.g. C2611 or 2611)")
    section, digits = match.group(1) or "", match.group(2) or ""
    if digits:
        derived = section_of(int(digits[:2]))
        if section and derived and section != derived:
            raise ValueError(
                f"industry code {code!r}: division {digits[:2]} is not in section {section}"
            )
        section = section or derived
    return section, digits


def section_of(division: int) -> str:
    """Return the section letter of a 2-digit division, or ``""`` if none holds it."""
    for letter, (lo, hi) in SECTION_DIVISIONS.items():
        if lo <= division <= hi:
            return letter
    return ""


def validate_selector(selector: str) -> str:
    """Check one selector and return it normalised (upper-case codes, tags unchanged).

    Raises
    ------
    ValueError
        When a code-like selector is malformed.
    """
    text = selector.strip()
    if not text:
        raise ValueError("empty industry selector")
    if _RANGE.match(text.upper()):
        lo, hi = _RANGE.match(text.upper()).groups()  # type: ignore[union-attr]
        if len(lo) != len(hi) or int(lo) > int(hi):
            raise ValueError(f"industry range {selector!r}: ends must have equal length and lo<=hi")
        return f"{lo}-{hi}"
    if re.match(r"^[A-Za-z]?\d", text) or (len(text) == 1 and text.isalpha()):
        section, digits = normalize_code(text)
        return section + digits
    return text


@lru_cache(maxsize=65536)
def selector_matches(selector: str, industry: str, flags: frozenset[str]) -> bool:
    """Whether a normalised selector selects a project.

    Parameters
    ----------
    selector : str
        Output of :func:`validate_selector`.
    industry : str
        The project's GB/T 4754 code (may be empty).
    flags : frozenset of str
        The project's tags.

    Examples
    --------
    >>> selector_matches("C26", "2611", frozenset())
    True
    >>> selector_matches("2511-2519", "C2521", frozenset())
    False
    >>> selector_matches("两高", "", frozenset({"两高"}))
    True
    """
    if selector in flags:
        return True
    if not industry:
        return False
    try:
        section, digits = normalize_code(industry)
    except ValueError:
        return False
    range_match = _RANGE.match(selector)
    if range_match:
        lo, hi = range_match.groups()
        head = digits[: len(lo)]
        return len(head) == len(lo) and lo <= head <= hi
    code_match = _CODE.match(selector)
    if code_match is None:
        return False
    sel_section, sel_digits = code_match.group(1) or "", code_match.group(2) or ""
    if sel_section and sel_section != section:
        return False
    return digits.startswith(sel_digits)


@lru_cache(maxsize=65536)
def derived_flags(industry: str) -> frozenset[str]:
    """Tags implied by the industry code (currently only 两高, by :data:`LIANG_GAO_PREFIXES`)."""
    if not industry:
        return frozenset()
    try:
        _, digits = normalize_code(industry)
    except ValueError:
        return frozenset()
    if any(digits.startswith(p) for p in LIANG_GAO_PREFIXES) and len(digits) >= 2:
        return frozenset({LIANG_GAO})
    return frozenset()
