"""Schemas of what data loggers sent and what the gateway refused."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class Reading(BaseModel):
    """One stored reading (``source_readings``); times in CST, values as the device sent them.

    ``data_time_utc`` starts the interval (HJ 212 DataTime); ``data_type`` is rtd/min/hour/day.
    """

    mn: str
    parameter: str
    source_code: str | None = None
    data_type: str
    data_time_utc: dt.datetime
    interval_end_utc: dt.datetime | None = None
    rtd: float | None = None
    avg: float | None = None
    min: float | None = None
    max: float | None = None
    cou: float | None = None
    zs_rtd: float | None = None
    zs_avg: float | None = None
    flag: str | None = None
    cn: str | None = None
    version: str | None = None
    reupload: bool | None = None
    received_at_utc: dt.datetime | None = None


class Refusal(BaseModel):
    """One refused packet: reason code, field, rule, byte offset and the raw text."""

    received_at_utc: dt.datetime
    mn: str | None = None
    st: str | None = None
    cn: str | None = None
    version: str | None = None
    reason: str
    field: str | None = None
    rule: str | None = None
    offset: int | None = None
    raw: str | None = None
    peer: str | None = None


class DeviceReadings(BaseModel):
    """A device's readings in a time window."""

    mn: str
    start: dt.datetime
    end: dt.datetime
    items: list[Reading]


class DeviceRefusals(BaseModel):
    """What was refused from a device in a time window."""

    mn: str
    start: dt.datetime
    end: dt.datetime
    items: list[Refusal]


class DeviceInfoItem(BaseModel):
    """One item of field-device information (HJ 212 CN 3020): a log line, a state, a parameter.

    ``info_id`` is the HJ 212-2017 Appendix B code (``i11001`` instrument log, ``i12001``
    instrument state: 0 running, 1 maintenance, 2 fault, 3 calibration, ...); ``pol_id`` the
    analyser it is about.
    """

    data_time_utc: dt.datetime | None = None
    pol_id: str | None = None
    info_id: str
    value: str | None = None
    number: float | None = None
    received_at_utc: dt.datetime | None = None


class DeviceInfo(BaseModel):
    """A device's information uploads in a time window."""

    mn: str
    start: dt.datetime
    end: dt.datetime
    items: list[DeviceInfoItem]
