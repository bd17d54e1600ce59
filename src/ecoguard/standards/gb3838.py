"""GB 3838-2002 Environmental quality standards for surface water: class limits and single factors.

Pure rules: arrays and DataFrames in, arrays and DataFrames out. No I/O, no clock, no globals
that change.

Exactness
---------
Limits are written as decimal text (``"0.025"``) and compared as IEEE doubles parsed from that
text. A measured value parsed from decimal text compares with a limit exactly as the two decimals
do (parsing is monotonic and equal decimals give equal doubles), so ``0.100 <= 0.1`` holds and a
value that equals a limit lands in that limit's class. Computed values (means) must be rounded to
their reporting precision before they are classified; see
:func:`ecoguard.standards.water_assessment.round_half_even`.

Conventions marked *unconfirmed* are from background knowledge or a single secondary source
(``reference/water.md`` section 3) and are named so they can be changed in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

RULE_SET: Final = "GB 3838-2002"


class SectionType(StrEnum):
    """Kind of water body a section samples; it decides the TP limits (Table 1 item 8)."""

    RIVER = "river"
    LAKE = "lake"  # lake or reservoir (湖、库)

    @classmethod
    def parse(cls, text: str) -> SectionType:
        """Read ``river``/``lake`` and their common Chinese and English spellings.

        Raises
        ------
        ValueError
            When the text names neither type.
        """
        key = text.strip().lower()
        if key in {"river", "河流", "河", "r"}:
            return cls.RIVER
        if key in {
            "lake",
            "reservoir",
            "lake/reservoir",
            "lake_reservoir",
            "湖库",
            "湖泊",
            "水库",
            "湖",
            "库",
            "l",
        }:
            return cls.LAKE
        raise ValueError(f"section type {text!r} is neither 'river' nor 'lake' (湖、库)")


class WaterClass(IntEnum):
    """Surface-water quality class (GB 3838-2002 clause 3); 6 stands for 劣V (worse than V)."""

    I = 1  # noqa: E741
    II = 2
    III = 3
    IV = 4
    V = 5
    WORSE_THAN_V = 6

    @property
    def label(self) -> str:
        """The class as printed in Chinese reports: ``Ⅰ`` ... ``Ⅴ``, ``劣Ⅴ``."""
        return _LABELS[self.value - 1]

    @classmethod
    def parse(cls, text: str) -> WaterClass:
        """Read a class written as ``Ⅲ``, ``III``, ``3``, ``Ⅲ类``, ``劣Ⅴ``, ``劣V`` or ``>V``.

        Raises
        ------
        ValueError
            When the text is not a class.
        """
        key = text.strip().upper().removesuffix("类").strip()
        if key in _PARSE:
            return cls(_PARSE[key])
        raise ValueError(f"{text!r} is not a water-quality class (Ⅰ-Ⅴ or 劣Ⅴ)")


_LABELS: Final = ("Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ")
_PARSE: Final[dict[str, int]] = {
    **{label: i + 1 for i, label in enumerate(_LABELS)},
    **{roman: i + 1 for i, roman in enumerate(("I", "II", "III", "IV", "V"))},
    **{str(i): i for i in range(1, 7)},
    "劣V": 6,
    "劣5": 6,
    ">V": 6,
    "WORSE THAN V": 6,
}


class Direction(StrEnum):
    """How a value is compared with its limits."""

    AT_MOST = "at_most"  # concentration <= limit
    AT_LEAST = "at_least"  # dissolved oxygen >= limit
    RANGE = "range"  # pH inside [low, high]


@dataclass(frozen=True)
class Item:
    """One item of GB 3838-2002 Table 1 or Table 2.

    Attributes
    ----------
    code : str
        Our canonical parameter code (``docs/water.md`` lists them with HJ 212 codes).
    name_zh, name_en : str
        Names as in the standard and in English.
    unit : str
        Canonical unit: ``mg/L``, ``1`` (pH) or ``count/L`` (faecal coliforms).
    table : str
        Where the limits are printed, e.g. ``Table 1 item 7``.
    limits : tuple of str
        Class I..V limits as decimal text (Table 2 items: one limit, repeated).
    direction : Direction
        Comparison rule.
    lake_limits : tuple of str or None
        Limits for lakes and reservoirs where they differ (total phosphorus only).
    hj212 : str or None
        HJ 212-2017 Appendix B code where one exists.
    """

    code: str
    name_zh: str
    name_en: str
    unit: str
    table: str
    limits: tuple[str, str, str, str, str]
    direction: Direction = Direction.AT_MOST
    lake_limits: tuple[str, str, str, str, str] | None = None
    hj212: str | None = None

    def limit(self, water_class: WaterClass, section_type: SectionType) -> str:
        """The limit of a class I..V as decimal text [unit of the item]."""
        if water_class is WaterClass.WORSE_THAN_V:
            raise ValueError("劣Ⅴ has no limit")
        if self.direction is Direction.RANGE:
            raise ValueError(f"{self.code} has a range for every class: PH_RANGE {PH_RANGE}")
        limits = (
            self.lake_limits
            if (section_type is SectionType.LAKE and self.lake_limits)
            else self.limits
        )
        return limits[water_class.value - 1]


def _same(value: str) -> tuple[str, str, str, str, str]:
    return (value, value, value, value, value)


#: Table 1 of GB 3838-2002 (basic items), in the order of the standard. Item 1 (water temperature)
#: limits man-made change, not a concentration, and has no class limits here.
TABLE_1: Final[tuple[Item, ...]] = (
    Item("ph", "pH值", "pH", "1", "Table 1 item 2", ("6", "6", "6", "6", "6"), Direction.RANGE,
         hj212="w01001"),
    Item("do", "溶解氧", "dissolved oxygen", "mg/L", "Table 1 item 3",
         ("7.5", "6", "5", "3", "2"), Direction.AT_LEAST, hj212="w01009"),
    Item("codmn", "高锰酸盐指数", "permanganate index", "mg/L", "Table 1 item 4",
         ("2", "4", "6", "10", "15"), hj212="w01019"),
    Item("cod", "化学需氧量", "chemical oxygen demand", "mg/L", "Table 1 item 5",
         ("15", "15", "20", "30", "40"), hj212="w01018"),
    Item("bod5", "五日生化需氧量", "BOD5", "mg/L", "Table 1 item 6",
         ("3", "3", "4", "6", "10"), hj212="w01017"),
    Item("nh3_n", "氨氮", "ammonia nitrogen", "mg/L", "Table 1 item 7",
         ("0.15", "0.5", "1.0", "1.5", "2.0"), hj212="w21003"),
    Item("tp", "总磷", "total phosphorus", "mg/L", "Table 1 item 8",
         ("0.02", "0.1", "0.2", "0.3", "0.4"),
         lake_limits=("0.01", "0.025", "0.05", "0.1", "0.2"), hj212="w21011"),
    Item("tn", "总氮", "total nitrogen", "mg/L", "Table 1 item 9",
         ("0.2", "0.5", "1.0", "1.5", "2.0"), hj212="w21001"),
    Item("cu", "铜", "copper", "mg/L", "Table 1 item 10",
         ("0.01", "1.0", "1.0", "1.0", "1.0"), hj212="w20122"),
    Item("zn", "锌", "zinc", "mg/L", "Table 1 item 11",
         ("0.05", "1.0", "1.0", "2.0", "2.0"), hj212="w20123"),
    Item("fluoride", "氟化物", "fluoride", "mg/L", "Table 1 item 12",
         ("1.0", "1.0", "1.0", "1.5", "1.5")),
    Item("se", "硒", "selenium", "mg/L", "Table 1 item 13",
         ("0.01", "0.01", "0.01", "0.02", "0.02")),
    Item("as", "砷", "arsenic", "mg/L", "Table 1 item 14",
         ("0.05", "0.05", "0.05", "0.1", "0.1")),
    Item("hg", "汞", "mercury", "mg/L", "Table 1 item 15",
         ("0.00005", "0.00005", "0.0001", "0.001", "0.001")),
    Item("cd", "镉", "cadmium", "mg/L", "Table 1 item 16",
         ("0.001", "0.005", "0.005", "0.005", "0.01")),
    Item("cr6", "铬(六价)", "chromium (VI)", "mg/L", "Table 1 item 17",
         ("0.01", "0.05", "0.05", "0.05", "0.1")),
    Item("pb", "铅", "lead", "mg/L", "Table 1 item 18",
         ("0.01", "0.01", "0.05", "0.05", "0.1")),
    Item("cn", "氰化物", "cyanide", "mg/L", "Table 1 item 19",
         ("0.005", "0.05", "0.2", "0.2", "0.2"), hj212="w21016"),
    Item("volatile_phenol", "挥发酚", "volatile phenol", "mg/L", "Table 1 item 20",
         ("0.002", "0.002", "0.005", "0.01", "0.1"), hj212="w23002"),
    Item("petroleum", "石油类", "petroleum", "mg/L", "Table 1 item 21",
         ("0.05", "0.05", "0.05", "0.5", "1.0"), hj212="w22001"),
    Item("las", "阴离子表面活性剂", "anionic surfactant", "mg/L", "Table 1 item 22",
         ("0.2", "0.2", "0.2", "0.3", "0.3")),
    Item("sulfide", "硫化物", "sulfide", "mg/L", "Table 1 item 23",
         ("0.05", "0.1", "0.2", "0.5", "1.0")),
    Item("fecal_coliform", "粪大肠菌群", "faecal coliforms", "count/L", "Table 1 item 24",
         ("200", "2000", "10000", "20000", "40000")),
)  # fmt: skip

#: Table 2 of GB 3838-2002: supplementary items for centralised drinking-water sources. One limit
#: for every class; they give compliance, not a class.
TABLE_2: Final[tuple[Item, ...]] = (
    Item("sulfate", "硫酸盐(以SO4²⁻计)", "sulfate", "mg/L", "Table 2 item 1", _same("250")),
    Item("chloride", "氯化物(以Cl⁻计)", "chloride", "mg/L", "Table 2 item 2", _same("250")),
    Item("nitrate_n", "硝酸盐(以N计)", "nitrate (as N)", "mg/L", "Table 2 item 3", _same("10")),
    Item("fe", "铁", "iron", "mg/L", "Table 2 item 4", _same("0.3")),
    Item("mn", "锰", "manganese", "mg/L", "Table 2 item 5", _same("0.1")),
)

#: pH range of every class (Table 1 item 2) [1].
PH_RANGE: Final = ("6", "9")
#: Class I dissolved oxygen may instead be met at this saturation (Table 1 item 3: 饱和率90%) [%].
DO_SATURATION_CLASS_I: Final = "90"

ITEMS: Final[Mapping[str, Item]] = {item.code: item for item in TABLE_1 + TABLE_2}

_ArrayLike = npt.ArrayLike
_Floats = npt.NDArray[np.float64]
_Classes = npt.NDArray[np.int8]


def item(code: str) -> Item:
    """The Table 1 or Table 2 item with this code.

    Raises
    ------
    KeyError
        With the known codes, when the code is not an item of GB 3838-2002.
    """
    try:
        return ITEMS[code]
    except KeyError:
        raise KeyError(f"{code!r} is not a GB 3838-2002 item; known: {sorted(ITEMS)}") from None


def _types(
    section_type: SectionType | Sequence[SectionType] | _ArrayLike, n: int
) -> npt.NDArray[np.bool_]:
    """Boolean mask: which rows are lakes/reservoirs."""
    if isinstance(section_type, SectionType):
        return np.full(n, section_type is SectionType.LAKE)
    arr = np.asarray(section_type, dtype=object)
    if arr.shape != (n,):
        raise ValueError(f"section_type has shape {arr.shape}, values have {n} rows")
    kinds = {str(t) for t in arr}
    lake = {k for k in kinds if SectionType.parse(k) is SectionType.LAKE}
    return np.array([str(t) in lake for t in arr], dtype=bool)


def factor_class(
    code: str,
    values: _ArrayLike,
    section_type: SectionType | Sequence[SectionType] | _ArrayLike = SectionType.RIVER,
    *,
    do_saturation: _ArrayLike | None = None,
) -> _Classes:
    """Single-factor class of each value of one Table 1 item (GB 3838-2002 clause 5.1, Table 1).

    Parameters
    ----------
    code : str
        Canonical code of a Table 1 item (``ph``, ``do``, ``codmn``, ``nh3_n``, ``tp``, ...).
    values : array_like of float
        Concentrations [mg/L] (pH [1], faecal coliforms [count/L]); NaN where missing.
    section_type : SectionType or array_like of SectionType
        River or lake/reservoir, one for all rows or one per row. Only total phosphorus differs.
    do_saturation : array_like of float, optional
        Dissolved-oxygen saturation [%]; with ``code="do"``, class I is also met at >= 90 %.

    Returns
    -------
    numpy.ndarray of int8
        1..5 for class I..V, 6 for 劣Ⅴ, 0 where the value is missing.

    Notes
    -----
    Boundary convention (unconfirmed, ``reference/water.md`` section 3, and reproduced by the
    CNEMC data, see ``docs/water-acceptance.md``): a value equal to a limit belongs to that
    limit's class (``<=`` for concentrations, ``>=`` for dissolved oxygen). pH is class I inside
    6-9 inclusive (the range applies to every class) and 劣Ⅴ outside it (unconfirmed convention).
    """
    spec = item(code)
    if not spec.table.startswith("Table 1"):
        raise ValueError(f"{code!r} ({spec.table}) has no classes; use table2_compliance")
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        x = x.reshape(-1)
    out = np.zeros(x.shape, dtype=np.int8)
    present = ~np.isnan(x)
    if spec.direction is Direction.RANGE:
        low, high = float(PH_RANGE[0]), float(PH_RANGE[1])
        inside = (x >= low) & (x <= high)
        out[present] = np.where(inside[present], 1, 6)
        return out
    lake = _types(section_type, x.size)
    limits = np.empty((x.size, 5), dtype=np.float64)
    limits[:] = [float(v) for v in spec.limits]
    if spec.lake_limits is not None:
        limits[lake] = [float(v) for v in spec.lake_limits]
    if spec.direction is Direction.AT_MOST:
        meets = x[:, None] <= limits
    else:
        meets = x[:, None] >= limits
        if do_saturation is not None:
            sat = np.asarray(do_saturation, dtype=np.float64).reshape(-1)
            with np.errstate(invalid="ignore"):
                meets[:, 0] |= sat >= float(DO_SATURATION_CLASS_I)
    # The first class whose limit is met; limits are monotonic so this is the best class.
    first = np.where(meets.any(axis=1), meets.argmax(axis=1) + 1, 6).astype(np.int8)
    out[present] = first[present]
    return out


def nudge_worse(code: str, values: _ArrayLike) -> _Floats:
    """Each value moved by one unit in the last place towards a worse class.

    A published value that equals a class limit may hide a measured value just beyond it (the
    platform rounds what it prints). Classifying the nudged values tells which samples sit on a
    limit: their class would be one worse if the unrounded value were beyond it.

    Parameters
    ----------
    code : str
        Table 1 item code.
    values : array_like of float
        Values [mg/L, pH 1].

    Returns
    -------
    numpy.ndarray of float
    """
    spec = item(code)
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    if spec.direction is Direction.AT_LEAST:
        return np.nextafter(x, -np.inf)
    if spec.direction is Direction.RANGE:
        low, high = float(PH_RANGE[0]), float(PH_RANGE[1])
        return np.where(
            x == low, np.nextafter(x, -np.inf), np.where(x == high, np.nextafter(x, np.inf), x)
        )
    return np.nextafter(x, np.inf)


def table2_compliance(code: str, values: _ArrayLike) -> npt.NDArray[np.bool_]:
    """Whether each value meets a Table 2 supplementary limit (GB 3838-2002 Table 2).

    Parameters
    ----------
    code : str
        ``sulfate``, ``chloride``, ``nitrate_n``, ``fe`` or ``mn``.
    values : array_like of float
        Concentrations [mg/L]; NaN counts as compliant (nothing to judge).

    Returns
    -------
    numpy.ndarray of bool
    """
    spec = item(code)
    if not spec.table.startswith("Table 2"):
        raise ValueError(f"{code!r} is a {spec.table} item, not a Table 2 item")
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    with np.errstate(invalid="ignore"):
        return np.asarray(~(x > float(spec.limits[0])), dtype=np.bool_)


@dataclass(frozen=True)
class SectionClasses:
    """Result of the single-factor method over many rows.

    Attributes
    ----------
    water_class : numpy.ndarray of int8
        Worst factor class per row (1..6), 0 where no item was measured.
    factor_classes : pandas.DataFrame
        One int8 column per assessed item (0 = missing).
    deciding : list of tuple of str
        Per row, the items whose class equals the row's class (定类因子).
    """

    water_class: _Classes
    factor_classes: pd.DataFrame
    deciding: list[tuple[str, ...]]


def single_factor_class(
    values: pd.DataFrame,
    section_type: SectionType | Sequence[SectionType] | _ArrayLike,
    items: Iterable[str],
) -> SectionClasses:
    """Class of each row by the single-factor method: the worst class of its items.

    GB 3838-2002 clause 5.1 (单因子评价); "the worst item decides" follows the national assessment
    method (环办〔2011〕22号), see ``reference/water.md`` section 3.

    Parameters
    ----------
    values : pandas.DataFrame
        One column per item code [mg/L, pH 1]; columns absent or NaN count as not measured.
    section_type : SectionType or array_like
        River or lake/reservoir, scalar or one per row.
    items : iterable of str
        The Table 1 items that decide the class (e.g.
        :data:`ecoguard.standards.water_assessment.CLASS_ITEMS`).

    Returns
    -------
    SectionClasses
    """
    codes = list(items)
    n = len(values)
    factor = pd.DataFrame(index=values.index)
    for code in codes:
        column = values[code] if code in values.columns else pd.Series(np.nan, index=values.index)
        factor[code] = factor_class(code, column.to_numpy(dtype=np.float64), section_type)
    matrix = factor.to_numpy(dtype=np.int8) if codes else np.zeros((n, 0), dtype=np.int8)
    worst = matrix.max(axis=1).astype(np.int8) if codes else np.zeros(n, dtype=np.int8)
    # Deciding items as a bit pattern per row, each distinct pattern turned into a tuple once.
    mask = (matrix == worst[:, None]) & (worst[:, None] > 0)
    bits = (mask.astype(np.int64) << np.arange(len(codes), dtype=np.int64)).sum(axis=1)
    patterns = {
        int(b): tuple(code for j, code in enumerate(codes) if int(b) >> j & 1)
        for b in np.unique(bits)
    }
    deciding = [patterns[b] for b in bits.tolist()]
    return SectionClasses(water_class=worst, factor_classes=factor, deciding=deciding)


@dataclass(frozen=True)
class Exceedance:
    """One item worse than the target class.

    Attributes
    ----------
    code : str
        Item code.
    value : float
        Measured value [unit of the item].
    limit : float
        The target class limit [unit of the item].
    multiple : float or None
        超标倍数 ``(C - L) / L``; ``None`` for pH and dissolved oxygen, which get no multiple
        (convention of the national assessment method, unconfirmed).
    """

    code: str
    value: float
    limit: float
    multiple: float | None


def exceedances(
    values: Mapping[str, float],
    target: WaterClass,
    section_type: SectionType,
) -> list[Exceedance]:
    """Items of one sample that miss the target class, with their exceedance multiples.

    GB 3838-2002 clause 5.1: state whether the water meets its functional class and, if not, the
    items that exceed and by how many times.

    Parameters
    ----------
    values : mapping of str to float
        Item code -> value [mg/L, pH 1]; NaN and non-Table-1 codes are ignored.
    target : WaterClass
        Target (functional) class, I..V.
    section_type : SectionType
        River or lake/reservoir.

    Returns
    -------
    list of Exceedance
        In Table 1 order.
    """
    if target is WaterClass.WORSE_THAN_V:
        raise ValueError("a target class must be one of Ⅰ..Ⅴ")
    found: list[Exceedance] = []
    for spec in TABLE_1:
        value = values.get(spec.code)
        if value is None or np.isnan(value):
            continue
        cls = int(factor_class(spec.code, [value], section_type)[0])
        if cls <= target.value:
            continue
        if spec.direction is Direction.RANGE:
            limit = float(PH_RANGE[0]) if value < float(PH_RANGE[0]) else float(PH_RANGE[1])
            found.append(Exceedance(spec.code, value, limit, None))
            continue
        limit = float(spec.limit(target, section_type))
        multiple = None if spec.direction is Direction.AT_LEAST else (value - limit) / limit
        found.append(Exceedance(spec.code, value, limit, multiple))
    return found


@dataclass(frozen=True)
class ClassStyle:
    """Qualitative description and display colour of a section class.

    Attributes
    ----------
    description_zh, description_en : str
        水质状况 (优, 良好, 轻度污染, 中度污染, 重度污染).
    colour_name : str
        Colour name used by the assessment method.
    colour : str
        Hex RGB used by our displays.
    """

    description_zh: str
    description_en: str
    colour_name: str
    colour: str


#: Section class -> qualitative description and colour (national assessment method, Table 2 of
#: 环办〔2011〕22号 as quoted in ``reference/water.md``). Descriptions and colour names are
#: UNCONFIRMED [M]; the hex values are our choice for those colour names.
CLASS_STYLE: Final[Mapping[WaterClass, ClassStyle]] = {
    WaterClass.I: ClassStyle("优", "excellent", "blue", "#1E88E5"),
    WaterClass.II: ClassStyle("优", "excellent", "blue", "#1E88E5"),
    WaterClass.III: ClassStyle("良好", "good", "green", "#43A047"),
    WaterClass.IV: ClassStyle("轻度污染", "lightly polluted", "yellow", "#FDD835"),
    WaterClass.V: ClassStyle("中度污染", "moderately polluted", "orange", "#FB8C00"),
    WaterClass.WORSE_THAN_V: ClassStyle("重度污染", "heavily polluted", "red", "#E53935"),
}


def is_excellent(water_class: WaterClass | int) -> bool:
    """Whether a class counts as excellent water (水质优良): class I-III."""
    return 1 <= int(water_class) <= 3
