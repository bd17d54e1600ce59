"""Codes of HJ 212: system codes, command codes, data flags and legacy (HJ/T 212-2005) factor codes.

Sources: HJ 212-2017 Table 5 (ST), Table 8 (data flags), Table 9 (CN), Appendix B Tables B.1/B.2
("原编码" column, the HJ/T 212-2005 codes). 2005-only and 2025 codes come from implementations
(see ``docs/gateway.md``) and are marked *unconfirmed* where the primary text was not read.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ANSWER_CNS",
    "DATA_FLAGS",
    "DATA_TYPE_BY_CN",
    "HEARTBEAT_CNS",
    "KNOWN_CNS",
    "LEGACY_FACTOR_CODES",
    "SYSTEM_CODES",
    "Version",
    "canonical_factor",
]


class Version(IntEnum):
    """Standard version carried in bits 7..2 of ``Flag`` (HJ 212-2017 Table 3; HJ 212-2025 Table 3).

    ``Flag`` absent means HJ/T 212-2005.
    """

    HJ212_2005 = 0
    HJ212_2017 = 1
    HJ212_2025 = 2

    @property
    def label(self) -> str:
        """Short label such as ``"2017"``."""
        return {0: "2005", 1: "2017", 2: "2025"}[int(self)]


SYSTEM_CODES: dict[str, str] = {
    "21": "surface water quality",
    "22": "ambient air quality",
    "23": "acoustic environment quality",
    "24": "groundwater quality",
    "25": "soil quality",
    "26": "seawater quality",
    "27": "VOC monitoring",
    "31": "air pollution source (flue gas)",
    "32": "surface-water pollution source (wastewater)",
    "33": "groundwater pollution source",
    "34": "marine pollution source",
    "35": "soil pollution source",
    "36": "noise source",
    "37": "vibration source",
    "38": "radioactive source",
    "39": "construction-site dust",
    "41": "electromagnetic source",
    "51": "flue-gas process monitoring",
    "52": "wastewater process monitoring",
    "91": "system interaction",
}
"""HJ 212-2017 Table 5 (ST); other values (``44`` in 2025, meaning unconfirmed) are kept as sent."""

DATA_TYPE_BY_CN: dict[str, str] = {
    "2011": "rtd",  # real-time data: DataTime is the sampling instant (2017 Table 4)
    "2021": "rtd",  # treatment-facility running state SBxxx-RS, sampled
    "2051": "min",  # minute data: DataTime starts the period
    "2061": "hour",  # hourly data: DataTime starts the hour
    "2031": "day",  # daily data: DataTime starts the (CST) day
    "2041": "day",  # facility daily running time SBxxx-RT
    "2072": "alarm",  # HJ/T 212-2005 alarm event (AlarmTime, xxx-Ala); unconfirmed vs 2005 text
    "2111": "min",  # HJ 212-2025 furnace temperature 5-min mean (unconfirmed against 2025 text)
}
"""Commands that carry readings, and the data type their rows get."""

ANSWER_CNS = frozenset({"9011", "9012", "9013", "9014"})
"""Answers (HJ 212-2017 Table 9, 90xx)."""

HEARTBEAT_CNS = frozenset({"9015", "8013"})
"""9015: HJ 212-2025 heartbeat (also a 2005-era vendor connection status); 8013: vendor's."""

KNOWN_CNS = frozenset(
    set(DATA_TYPE_BY_CN)
    | ANSWER_CNS
    | HEARTBEAT_CNS
    | {
        # HJ 212-2017 Table 9
        "1000", "1011", "1012", "1013", "1061", "1062", "1063", "1064", "1072",
        "2012", "2022", "2081",
        "3011", "3012", "3013", "3014", "3015", "3016", "3017", "3018", "3019", "3020", "3021",
        # HJ/T 212-2005 (from implementations, unconfirmed) and vendor codes in real traffic
        "1001", "1021", "1022", "1031", "1032", "1041", "1042", "2071", "2073",
        # HJ 212-2025 additions (from caoyiliang/HJ212, unconfirmed except 9015)
        "1002", "1014", "2013", "2052", "2062", "3022", "3024",
    }
)  # fmt: skip
"""Every command code the gateway understands; anything else is ``unsupported_command``."""

DATA_FLAGS: dict[str, str] = {
    "N": "normal",
    "F": "stopped",
    "M": "maintenance",
    "S": "manual set value",
    "D": "fault",
    "C": "calibration",
    "T": "over range",
    "B": "communication abnormal",
}
"""Instrument data flags, HJ 212-2017 Table 8 ("可扩充": other letters are kept as sent)."""

LEGACY_FACTOR_CODES: dict[str, str] = {
    # flue gas, HJ 212-2017 Table B.2 "原编码"
    "B02": "a00000", "02": "a21026", "03": "a21002", "01": "a34013", "S01": "a19001",
    "S02": "a01011", "S03": "a01012", "S08": "a01013", "S05": "a01014", "S06": "a01015",
    "S07": "a01016", "S04": "a01017", "04": "a21005", "08": "a21024", "31": "a20057",
    "10": "a21001", "25": "a24087", "17": "a25003", "18": "a25005", "05": "a21028",
    "06": "a21018", "37": "a01010",
    # wastewater, HJ 212-2017 Table B.1 "原编码"
    "B01": "w00000", "011": "w01018", "060": "w21003", "101": "w21011", "065": "w21001",
    "001": "w01001", "003": "w01012", "010": "w01017", "015": "w01020", "080": "w22001",
    "020": "w20111", "022": "w20115", "023": "w20116", "024": "w20117", "026": "w20119",
    "027": "w20120", "028": "w20121", "029": "w20122", "030": "w20123", "070": "w21016",
    "110": "w23002",
}  # fmt: skip
"""HJ/T 212-2005 factor code -> HJ 212-2017 code (Appendix B "原编码"); the 2- and 3-digit
families do not collide (gas: 2 digits, ``Sxx``, ``B02``; water: 3 digits, ``B01``)."""


def canonical_factor(code: str) -> str:
    """The HJ 212-2017 factor code for ``code`` (legacy 2005 codes mapped, others unchanged).

    Parameters
    ----------
    code : str
        Factor code as sent, e.g. ``"011"`` or ``"w01018"``.

    Returns
    -------
    str
        E.g. ``"w01018"`` for both examples.
    """
    return LEGACY_FACTOR_CODES.get(code, code)
