"""Field-device information of the demo loggers (HJ 212-2017 CN 3020) and the data flags it implies.

What an officer sees of a real CEMS or water analyser station, in the codes of HJ 212-2017
Appendix B.8-B.10 and the packet layout of Tables C.39-C.45
(``DataTime=…;PolId=w01018;i12001-Info=3;i11001-Info=//零点校准//``):

* every day, a zero and span calibration of one analyser of every device (flue gas: SO2
  ``a21026``; wastewater: COD ``w01018``) in one early-morning hour that depends on the device:
  instrument state ``i12001`` = 3 (calibration) with the log lines ``//零点校准//`` and, half
  an hour later, ``//量程校准//``; at the end of the hour the state goes back to 0 and the
  analyser reports its parameters (``i13001`` range, ``i13007`` intercept, ``i13008`` slope,
  ``i12002`` = 0 analyser comms normal);
* a maintenance visit of two hours (10:00-12:00 CST) on one device a day, the devices taking
  turns: ``i12001`` = 1 (maintenance) with ``//更换采样泵//`` (flue gas: NOx analyser
  ``a21002``) or ``//更换试剂并清洗管路//`` (wastewater: NH3-N ``w21003``), then 0 with
  ``//维护完成 恢复测量//``.

The readings of the analyser carry the data flag of Table 8 of HJ 212-2017 while its state is
not 0: ``C`` (calibration) or ``M`` (maintenance); see :func:`flag`. Everything depends only on
the MN, the medium and the time, so the batch (:func:`info_uploads` over a window) and a live
logger (the same over the last minute) send the same items.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from ecoguard.ingest.hj212.build import join_cp
from ecoguard.ingest.hj212.listing import INFO_TABLE, list_rows
from ecoguard.registry.demo import DEMO_ENTERPRISES
from ecoguard.timeseries.store import TimeseriesStore

if TYPE_CHECKING:
    from ecoguard.demo.devices import DemoLogger

__all__ = [
    "CALIBRATED",
    "INFO_CN",
    "MAINTAINED",
    "MAINTENANCE_HOURS",
    "STATE_CALIBRATION",
    "STATE_MAINTENANCE",
    "STATE_RUNNING",
    "Episode",
    "calibration_hour",
    "episodes",
    "flag",
    "info_uploads",
    "maintenance_slot",
    "stored_info_times",
]

INFO_CN: Final = "3020"
"""Upload of field-device information (HJ 212-2017 Table 9)."""
STATE_RUNNING: Final = 0
STATE_MAINTENANCE: Final = 1
STATE_CALIBRATION: Final = 3
"""Values of ``i12001`` (instrument state, HJ 212-2017 Appendix B.9)."""

CALIBRATED: Final = {"air": "a21026", "water": "w01018"}
"""The analyser calibrated every day, by medium (SO2 of a CEMS; COD of a water station)."""
MAINTAINED: Final = {"air": "a21002", "water": "w21003"}
"""The analyser of the maintenance visits, by medium (NOx; NH3-N)."""
MAINTENANCE_HOURS: Final = (10, 12)
"""CST hours of a maintenance visit: from 10:00 to 12:00."""
_MAINTENANCE_LOG: Final = {"air": "更换采样泵", "water": "更换试剂并清洗管路"}
_FLAG: Final = {STATE_CALIBRATION: "C", STATE_MAINTENANCE: "M"}
"""Data flag of HJ 212-2017 Table 8 for readings taken in an instrument state."""
_RANGES: Final = (20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0)
_DAY: Final = timedelta(days=1)
_EPOCH: Final = datetime(2000, 1, 1)
_DEMO_MNS: Final = sorted(o.mn for e in DEMO_ENTERPRISES for o in e.outlets)


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def maintenance_slot(mn: str) -> tuple[int, int]:
    """``(slot, turns)``: the device is maintained on the CST days ``d`` with
    ``d % turns == slot`` (days since 2000-01-01). The demo devices take turns, one a day."""
    turns = len(_DEMO_MNS)
    if mn in _DEMO_MNS:
        return _DEMO_MNS.index(mn), turns
    return _hash(mn) % turns, turns


def calibration_hour(mn: str) -> int:
    """CST hour (1-4) in which the device calibrates its analyser every day."""
    slot, _ = maintenance_slot(mn)
    return 1 + slot % 4


@dataclass(frozen=True)
class Episode:
    """A stretch in which one analyser of a device is not measuring (CST wall clock, naive).

    Attributes
    ----------
    pol_id : str
        The analyser (HJ 212 factor code).
    state : int
        ``i12001`` value during the episode (1 maintenance, 3 calibration).
    start, end : datetime
        ``[start, end)``.
    """

    pol_id: str
    state: int
    start: datetime
    end: datetime


def episodes(mn: str, medium: str, day: datetime) -> list[Episode]:
    """Calibration and maintenance episodes of a device on one CST day (``day`` at 00:00)."""
    hour = timedelta(hours=1)
    found = [
        Episode(
            CALIBRATED[medium],
            STATE_CALIBRATION,
            day + calibration_hour(mn) * hour,
            day + (calibration_hour(mn) + 1) * hour,
        )
    ]
    slot, turns = maintenance_slot(mn)
    if ((day - _EPOCH) // _DAY) % turns == slot:
        first, last = MAINTENANCE_HOURS
        found.append(
            Episode(MAINTAINED[medium], STATE_MAINTENANCE, day + first * hour, day + last * hour)
        )
    return found


def _day_of(moment: datetime) -> datetime:
    return _EPOCH + ((moment - _EPOCH) // _DAY) * _DAY


def flag(logger: DemoLogger, code: str, start: datetime) -> str:
    """Data flag (HJ 212-2017 Table 8) of a reading of ``code`` taken at ``start`` (CST, naive).

    ``C`` inside a calibration of that analyser, ``M`` inside a maintenance visit, else ``N``.
    Episodes start and end on the hour, so a real-time sample, a 10-minute or an hourly
    period lies wholly inside or outside one; daily values are flagged by the caller.
    """
    medium = logger.medium
    if code not in (CALIBRATED.get(medium), MAINTAINED.get(medium)):
        return "N"
    for episode in episodes(logger.mn, medium, _day_of(start)):
        if episode.pol_id == code and episode.start <= start < episode.end:
            return _FLAG[episode.state]
    return "N"


def _parameters(logger: DemoLogger, pol_id: str, day: datetime) -> list[tuple[str, object]]:
    """Instrument parameters after the day's calibration: range (about 4 times the outlet's
    level), intercept, slope."""
    level = next((f.level for f in logger.profile.factors if f.code == pol_id), 50.0)
    span = next((r for r in _RANGES if r >= 4 * level), _RANGES[-1])
    seed = _hash(f"{logger.mn}|{pol_id}|{day:%Y%m%d}")
    slope = 1 + ((seed % 401) - 200) / 10_000  # 0.98 .. 1.02
    intercept = (((seed >> 16) % 201) - 100) / 10_000 * span  # within 1 % of the range
    return [
        ("i13001-Info", f"{span:.0f}"),
        ("i13007-Info", f"{intercept:.3f}"),
        ("i13008-Info", f"{slope:.4f}"),
        ("i12002-Info", "0"),
    ]


_Event = tuple[datetime, str, list[tuple[str, object]]]


def _events(logger: DemoLogger, day: datetime) -> list[_Event]:
    """``(time, PolId, items)`` of one CST day, in time order."""
    medium = logger.medium
    events: list[_Event] = []
    for episode in episodes(logger.mn, medium, day):
        pol = episode.pol_id
        if episode.state == STATE_CALIBRATION:
            middle = episode.start + (episode.end - episode.start) / 2
            events.append(
                (episode.start, pol, [("i12001-Info", "3"), ("i11001-Info", "//零点校准//")])
            )
            events.append((middle, pol, [("i12001-Info", "3"), ("i11001-Info", "//量程校准//")]))
            end_items: list[tuple[str, object]] = [
                ("i12001-Info", "0"),
                ("i11001-Info", "//校准完成//"),
            ]
            events.append((episode.end, pol, end_items + _parameters(logger, pol, day)))
        else:
            log = f"//{_MAINTENANCE_LOG[medium]}//"
            events.append((episode.start, pol, [("i12001-Info", "1"), ("i11001-Info", log)]))
            events.append(
                (episode.end, pol, [("i12001-Info", "0"), ("i11001-Info", "//维护完成 恢复测量//")])
            )
    events.sort(key=lambda e: e[0])
    return events


def info_uploads(
    logger: DemoLogger, after: datetime, until: datetime
) -> list[tuple[datetime, str]]:
    """CPs of the 3020 uploads of a device for the events in ``(after, until]`` (CST, naive).

    Parameters
    ----------
    logger : DemoLogger
        Device and the medium of its outlet (chooses the analysers and the log lines).
    after, until : datetime
        CST wall clock, naive.

    Returns
    -------
    list of (datetime, str)
        Event time and CP text (``DataTime``, ``PolId`` and the items, one group each, as in
        HJ 212-2017 Table C.40), in time order.
    """
    if logger.medium not in CALIBRATED:
        return []
    out: list[tuple[datetime, str]] = []
    day = _day_of(after)
    while day <= until:
        for moment, pol, items in _events(logger, day):
            if after < moment <= until:
                groups = [[("DataTime", moment.strftime("%Y%m%d%H%M%S"))], [("PolId", pol)]]
                out.append((moment, join_cp(groups + [[item] for item in items])))
        day += _DAY
    return out


def stored_info_times(
    store: TimeseriesStore, mns: set[str], since: datetime
) -> set[tuple[str, datetime]]:
    """``(MN, data time in UTC)`` of the devices' stored information uploads from ``since`` on."""
    return {
        (str(r["mn"]), r["data_time_utc"])
        for r in list_rows(store, INFO_TABLE, start=since)
        if r["mn"] in mns and r["data_time_utc"] is not None
    }
