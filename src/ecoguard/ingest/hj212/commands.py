"""Platform-side commands of HJ 212 (platform -> device): packets, requests, answers. Pure.

What the gateway sends (HJ 212-2017 Table 9, §6.5 and Appendix C):

* ``1012`` set the device time (``SystemTime``, CST, Table C.3) — after a device's ``1013``
  time-calibration notification (answered ``9013`` first, §6.5 "通知命令") or on an operator's
  request; ``1011`` asks for the device time (Table C.2: 9011, a ``1011`` upload with
  ``SystemTime``, 9012).
* history requests (补传) ``2051`` minute, ``2061`` hourly, ``2031`` daily and ``2041`` facility
  running-time data with ``BeginTime``/``EndTime`` (inclusive period starts, CST, Tables
  C.20-C.23): 9011, one upload per stored period, 9012.

Requests flow ``request (Flag A=1) -> 9011 QnRtn -> [uploads] -> 9012 ExeRtn`` (§6.1); with no
9011 within ``answer_timeout`` the request is resent up to ``retries`` times (2017 Table 1:
``OverTime``/``ReCount``), then it has timed out; after the 9011, a silence of ``exec_timeout``
(no upload, no 9012) is an execution timeout ("执行超时").

This module holds no sockets, files or clock: the gateway passes times in, does the I/O and
writes :func:`outcome_json` to the spool folder (see ``docs/gateway.md``, "Commands").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ecoguard.ingest.hj212.build import encode, request
from ecoguard.ingest.hj212.codec import CST_ZONE, Packet
from ecoguard.ingest.hj212.factors import Version

__all__ = [
    "CN_EXE_ANSWER",
    "CN_GET_TIME",
    "CN_QN_ANSWER",
    "CN_SET_TIME",
    "CN_TIME_CALIBRATION",
    "EXE_RTN",
    "HISTORY_CNS",
    "KINDS",
    "MAX_RANGE",
    "QN_RTN",
    "REQUEST_FORMAT",
    "Command",
    "CommandDesk",
    "CommandError",
    "CommandRequest",
    "State",
    "command_frame",
    "make_request",
    "outcome_json",
    "parse_cst",
    "parse_request",
    "request_json",
]

CN_GET_TIME = "1011"
"""提取现场机时间 (platform request) / 上传现场机时间 (device upload), 2017 Table 9."""
CN_SET_TIME = "1012"
"""设置现场机时间, ``SystemTime`` (2017 Table 9, Table C.3)."""
CN_TIME_CALIBRATION = "1013"
"""现场机时间校准请求: device notification, answered 9013 then followed by a 1012 (§6.5)."""
CN_QN_ANSWER = "9011"
"""Request answer ``QnRtn`` (Table 7)."""
CN_EXE_ANSWER = "9012"
"""Execution result ``ExeRtn`` (Table 6)."""

HISTORY_CNS: dict[str, str] = {"minute": "2051", "hour": "2061", "day": "2031", "runtime": "2041"}
"""History request CN by data kind (2017 Table 9; Tables C.20, C.21, C.22, C.23)."""

_GRID: dict[str, timedelta] = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "runtime": timedelta(days=1),
}
MAX_RANGE: dict[str, timedelta] = {
    "minute": timedelta(days=7),
    "hour": timedelta(days=31),
    "day": timedelta(days=366),
    "runtime": timedelta(days=366),
}
"""Longest history range per request (ours, not the standard's: a logger uploads one packet per
period; 7 days of 1-minute data are already 10 080 packets)."""

KINDS = ("history", "set-time", "get-time")
"""Operator command kinds."""

QN_RTN: dict[int, str] = {
    1: "ready to execute",
    2: "rejected",
    3: "PW error",
    4: "MN error",
    5: "ST error",
    6: "Flag error",
    7: "QN error",
    8: "CN error",
    9: "CRC error",
    100: "unknown error",
}
"""HJ 212-2017 Table 7."""

EXE_RTN: dict[int, str] = {
    1: "success",
    2: "failed, reason unknown",
    3: "request condition error",
    4: "communication timeout",
    5: "system busy",
    6: "system fault",
    100: "no data",
}
"""HJ 212-2017 Table 6."""

REQUEST_FORMAT = "ecoguard.hj212.command/1"
"""``format`` of spool request files."""

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_DIGITS14 = re.compile(r"\d{14}")


class CommandError(ValueError):
    """A command request breaks a rule; the message names the request, field and rule."""


class State(StrEnum):
    """Where a command stands (the ``state`` of its outcome file)."""

    SENT = "sent"
    ANSWERED = "answered"  # 9011 QnRtn=1: the device will execute
    EXECUTED = "executed"  # 9012 ExeRtn=1
    NO_DATA = "no_data"  # 9012 ExeRtn=100
    FAILED = "failed"  # 9012 with another ExeRtn
    REFUSED = "refused"  # 9011 with QnRtn != 1
    NOT_CONNECTED = "not_connected"
    UNKNOWN_MN = "unknown_mn"
    TIMED_OUT = "timed_out"
    INVALID = "invalid"  # the spool file broke a rule

    @property
    def final(self) -> bool:
        """Nothing more will happen to the command."""
        return self not in (State.SENT, State.ANSWERED)


@dataclass(frozen=True)
class CommandRequest:
    """An operator's command for one device.

    Attributes
    ----------
    id : str
        Request id, also the spool file name (``[A-Za-z0-9][A-Za-z0-9_.-]{0,63}``).
    kind : str
        ``history``, ``set-time`` or ``get-time``.
    mn : str
        Device MN as registered.
    data : str or None
        History kind: ``minute`` (2051), ``hour`` (2061), ``day`` (2031), ``runtime`` (2041).
    begin, end : datetime or None
        History range, naive China Standard Time, inclusive period starts (Table 4).
    answer_timeout : float
        Seconds to wait for the 9011 before resending [s].
    retries : int
        Resends when no 9011 came (2017 Table 1 ``ReCount``).
    exec_timeout : float
        After the 9011: seconds of silence (no upload, no 9012) before giving up [s].
    requested_at : str
        When the operator asked (ISO 8601 UTC).
    """

    id: str
    kind: str
    mn: str
    data: str | None = None
    begin: datetime | None = None
    end: datetime | None = None
    answer_timeout: float = 10.0
    retries: int = 3
    exec_timeout: float = 60.0
    requested_at: str = ""

    @property
    def cn(self) -> str:
        """The command code sent."""
        if self.kind == "history":
            return HISTORY_CNS[self.data or ""]
        return CN_SET_TIME if self.kind == "set-time" else CN_GET_TIME


def parse_cst(text: str, name: str) -> datetime:
    """A time given as 14 digits ``YYYYMMDDhhmmss`` (CST, as on the wire) or ISO 8601 (no
    offset: CST), as naive China Standard Time.

    Raises
    ------
    CommandError
        Naming ``name`` and the accepted forms.
    """
    text = text.strip()
    try:
        if _DIGITS14.fullmatch(text):
            return datetime.strptime(text, "%Y%m%d%H%M%S")
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None:
        raise CommandError(
            f"{name}: {text!r} is not a time; give YYYYMMDDhhmmss (CST) or ISO 8601 "
            "(e.g. 2026-01-01T08:00, no offset: CST)"
        )
    if moment.tzinfo is not None:
        moment = moment.astimezone(CST_ZONE).replace(tzinfo=None)
    return moment


def _floor(moment: datetime, grid: timedelta) -> datetime:
    if grid >= timedelta(days=1):
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if grid >= timedelta(hours=1):
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(second=0, microsecond=0)


def make_request(
    kind: str,
    mn: str,
    *,
    id: str,
    data: str | None = None,
    begin: str | datetime | None = None,
    end: str | datetime | None = None,
    answer_timeout: float = 10.0,
    retries: int = 3,
    exec_timeout: float = 60.0,
    requested_at: str = "",
) -> CommandRequest:
    """A validated :class:`CommandRequest`; history times are rounded down to their period.

    Raises
    ------
    CommandError
        Unknown kind or data kind, missing or malformed times, begin after end, a range longer
        than :data:`MAX_RANGE`, an empty MN, a bad id, non-positive timeouts.
    """
    where = f"command {id!r}"
    if not isinstance(id, str) or not _ID.fullmatch(id):
        raise CommandError(f"{where}: id must match [A-Za-z0-9][A-Za-z0-9_.-]{{0,63}}")
    if kind not in KINDS:
        raise CommandError(f"{where}: command {kind!r} is not one of {', '.join(KINDS)}")
    if not isinstance(mn, str) or not mn.strip() or any(c in mn for c in ";,=&"):
        raise CommandError(f"{where}: mn must be a non-empty MN without ; , = &")
    if not answer_timeout > 0 or not exec_timeout > 0:
        raise CommandError(f"{where}: answer_timeout and exec_timeout must be > 0 s")
    if not 0 <= retries <= 99:
        raise CommandError(f"{where}: retries must be 0..99 (2017 Table 1 ReCount)")
    common = {
        "id": id,
        "kind": kind,
        "mn": mn,
        "answer_timeout": float(answer_timeout),
        "retries": int(retries),
        "exec_timeout": float(exec_timeout),
        "requested_at": requested_at,
    }
    if kind != "history":
        if data is not None or begin is not None or end is not None:
            raise CommandError(f"{where}: {kind} takes no data, begin or end")
        return CommandRequest(**common)  # type: ignore[arg-type]
    if data not in HISTORY_CNS:
        raise CommandError(
            f"{where}: data {data!r} is not one of {', '.join(HISTORY_CNS)} "
            "(2051 minute, 2061 hour, 2031 day, 2041 running time)"
        )
    if begin is None or end is None:
        raise CommandError(f"{where}: history needs begin and end")
    grid = _GRID[data]
    first = _floor(begin if isinstance(begin, datetime) else parse_cst(begin, "begin"), grid)
    last = _floor(end if isinstance(end, datetime) else parse_cst(end, "end"), grid)
    if first > last:
        raise CommandError(
            f"{where}: begin {first:%Y-%m-%d %H:%M} is after end {last:%Y-%m-%d %H:%M}"
        )
    if last - first > MAX_RANGE[data]:
        raise CommandError(
            f"{where}: range {first:%Y-%m-%d %H:%M} .. {last:%Y-%m-%d %H:%M} is longer than "
            f"{MAX_RANGE[data].days} days, the limit for {data} data; split it"
        )
    return CommandRequest(data=data, begin=first, end=last, **common)  # type: ignore[arg-type]


def request_json(req: CommandRequest) -> str:
    """The spool file of a request (``<home>/commands/<id>.json``)."""
    body: dict[str, Any] = {
        "format": REQUEST_FORMAT,
        "id": req.id,
        "command": req.kind,
        "mn": req.mn,
        "answer_timeout": req.answer_timeout,
        "retries": req.retries,
        "exec_timeout": req.exec_timeout,
        "requested_at_utc": req.requested_at,
    }
    if req.kind == "history":
        assert req.begin is not None and req.end is not None
        body |= {"data": req.data, "begin": f"{req.begin:%Y%m%d%H%M%S}"}
        body["end"] = f"{req.end:%Y%m%d%H%M%S}"
    return json.dumps(body, indent=1)


def parse_request(text: str | bytes, name: str) -> CommandRequest:
    """Read a spool request file; ``name`` is the file name (for messages).

    Raises
    ------
    CommandError
        Not JSON, wrong format, or any rule of :func:`make_request`.
    """
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise CommandError(f"{name}: not JSON ({exc})") from None
    if not isinstance(body, dict) or body.get("format") != REQUEST_FORMAT:
        raise CommandError(f"{name}: field 'format' must be {REQUEST_FORMAT!r}")
    for key, default in (("answer_timeout", 10.0), ("retries", 3), ("exec_timeout", 60.0)):
        value = body.setdefault(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CommandError(f"{name}: field {key!r} must be a number, not {value!r}")
    for key in ("id", "command", "mn", "data", "begin", "end"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise CommandError(f"{name}: field {key!r} must be a string, not {body[key]!r}")
    try:
        return make_request(
            body.get("command", ""),
            body.get("mn", ""),
            id=body.get("id", ""),
            data=body.get("data"),
            begin=body.get("begin"),
            end=body.get("end"),
            answer_timeout=float(body["answer_timeout"]),
            retries=int(body["retries"]),
            exec_timeout=float(body["exec_timeout"]),
            requested_at=str(body.get("requested_at_utc", "")),
        )
    except CommandError as exc:
        raise CommandError(f"{name}: {exc}") from None


def command_frame(
    req: CommandRequest,
    *,
    pw: str,
    st: str,
    version: Version,
    qn: str,
    now_cst: datetime,
    key: bytes | None = None,
) -> bytes:
    """The frame of ``req`` for one device (2017 §6.5; Tables C.2, C.3, C.20-C.23).

    Parameters
    ----------
    req : CommandRequest
        What to send.
    pw, st : str
        The device's registered password and the system code it uses.
    version : Version
        As last seen on the device's connection: ``Flag`` = version bits + answer bit (5 for
        2017, 9 for 2025); 2005 devices get no ``Flag`` (HJ/T 212-2005 has none).
    qn : str
        Request id (17 digits).
    now_cst : datetime
        Gateway clock in CST, for ``SystemTime`` of 1012.
    key : bytes, optional
        SM4 key of a 2025 device: the CP is encrypted (2025 §6.4.4: CN 2000-2999).
    """
    items: list[tuple[str, object]] = []
    if req.kind == "set-time":
        items = [("SystemTime", f"{now_cst:%Y%m%d%H%M%S}")]
    elif req.kind == "history":
        assert req.begin is not None and req.end is not None
        items = [("BeginTime", f"{req.begin:%Y%m%d%H%M%S}"), ("EndTime", f"{req.end:%Y%m%d%H%M%S}")]
    packet = request(req.cn, req.mn, pw, qn, st=st, version=version, items=items)
    encrypt = key is not None and version is Version.HJ212_2025 and req.cn.startswith("2")
    return encode(packet, key=key if encrypt else None)


@dataclass(eq=False)
class Command:
    """A request on its way: sent, answered, executed (mutable tracking state)."""

    request: CommandRequest
    qn: str
    report: bool = True
    """Write an outcome file (operator requests); automatic 1013 calibrations are not."""
    state: State = State.SENT
    attempts: int = 0
    deadline: float = 0.0
    qn_rtn: int | None = None
    exe_rtn: int | None = None
    uploads: int = 0
    device_time: str | None = None
    detail: str = ""
    events: list[str] = field(default_factory=list)
    updated_at: str = ""

    @property
    def mn(self) -> str:
        """Device MN."""
        return self.request.mn

    @property
    def cn(self) -> str:
        """Command code sent."""
        return self.request.cn

    def note(self, utc: datetime, text: str) -> None:
        """Add an event (kept for the outcome file)."""
        self.updated_at = f"{utc:%Y-%m-%dT%H:%M:%S.%f}"[:-3] + "Z"
        self.events.append(f"{self.updated_at} {text}")


def outcome_json(
    req: CommandRequest, state: State, detail: str = "", command: Command | None = None
) -> dict[str, Any]:
    """The content of ``<home>/commands/done/<id>.json``."""
    c = command
    return {
        "id": req.id,
        "command": req.kind,
        "mn": req.mn,
        "cn": req.cn,
        "data": req.data,
        "begin": None if req.begin is None else f"{req.begin:%Y%m%d%H%M%S}",
        "end": None if req.end is None else f"{req.end:%Y%m%d%H%M%S}",
        "state": state.value,
        "final": state.final,
        "qn": c.qn if c else None,
        "attempts": c.attempts if c else 0,
        "qn_rtn": c.qn_rtn if c else None,
        "qn_rtn_text": QN_RTN.get(c.qn_rtn) if c and c.qn_rtn is not None else None,
        "exe_rtn": c.exe_rtn if c else None,
        "exe_rtn_text": EXE_RTN.get(c.exe_rtn) if c and c.exe_rtn is not None else None,
        "uploads": c.uploads if c else 0,
        "device_time": c.device_time if c else None,
        "detail": detail,
        "requested_at_utc": req.requested_at,
        "updated_at_utc": c.updated_at if c else None,
        "events": list(c.events) if c else [],
    }


class CommandDesk:
    """Commands in flight, by QN and by device; no I/O (the gateway sends and writes).

    ``watch`` maps an MN to its commands in flight: the gateway looks a packet's MN up there
    only while the dict is not empty, so uploads pay nothing when no command is out.
    """

    def __init__(self) -> None:
        self.by_qn: dict[str, Command] = {}
        self.watch: dict[str, list[Command]] = {}
        self.changed: list[Command] = []
        """Commands whose outcome file must be (re)written."""
        self.finished: list[Command] = []
        """Commands that reached a final state (for metrics)."""
        self._counter = 0

    def new_qn(self, now_cst: datetime) -> str:
        """A QN not in flight: ``YYYYMMDDhhmmss`` + 3-digit counter (17 digits, 2017 §6.3.2)."""
        while True:
            self._counter = (self._counter + 1) % 1000
            qn = f"{now_cst:%Y%m%d%H%M%S}{self._counter:03d}"
            if qn not in self.by_qn:
                return qn

    def open(self, req: CommandRequest, qn: str, *, report: bool = True) -> Command:
        """Track a new command (call :meth:`sent` once it is written)."""
        command = Command(req, qn, report=report)
        self.by_qn[qn] = command
        self.watch.setdefault(req.mn, []).append(command)
        return command

    def sent(self, command: Command, now: float, utc: datetime) -> None:
        """The command's frame was written (first time or a resend)."""
        command.attempts += 1
        command.deadline = now + command.request.answer_timeout
        what = "sent" if command.attempts == 1 else f"resent (attempt {command.attempts})"
        command.note(utc, f"{what} CN={command.cn} QN={command.qn}")
        self._changed(command)

    def observe(self, packet: Packet, now: float, utc: datetime) -> Command | None:
        """A packet of a device with commands in flight: 9011, 9012, an upload answering a
        history request, a 1011 with the device time. Returns the command it changed."""
        commands = self.watch.get(packet.mn)
        if not commands:
            return None
        cn = packet.cn
        if cn in (CN_QN_ANSWER, CN_EXE_ANSWER):
            qn = packet.qn or packet.item("QN")  # 2005: QN inside CP
            command = self.by_qn.get(qn or "")
            if command is None or command.mn != packet.mn:
                if len(commands) != 1:
                    return None
                command = commands[0]  # 2017 Table C.43 answers with another QN
                command.note(utc, f"answer QN {qn} differs from request QN {command.qn}")
            name = "QnRtn" if cn == CN_QN_ANSWER else "ExeRtn"
            value = packet.item(name)
            code = int(value) if value is not None and value.strip().isdigit() else 100
            if cn == CN_QN_ANSWER:
                command.qn_rtn = code
                command.note(utc, f"9011 QnRtn={code} ({QN_RTN.get(code, 'unknown code')})")
                if code == 1:
                    command.state = State.ANSWERED
                    command.deadline = now + command.request.exec_timeout
                else:
                    self.finish(command, State.REFUSED, f"QnRtn={code} {QN_RTN.get(code, '')}")
            else:
                command.exe_rtn = code
                command.note(utc, f"9012 ExeRtn={code} ({EXE_RTN.get(code, 'unknown code')})")
                state = {1: State.EXECUTED, 100: State.NO_DATA}.get(code, State.FAILED)
                self.finish(command, state, f"ExeRtn={code} {EXE_RTN.get(code, '')}")
            self._changed(command)
            return command
        for command in commands:
            if command.cn != cn:
                continue
            if cn == CN_GET_TIME:
                command.device_time = packet.item("SystemTime")
                command.note(utc, f"device time {command.device_time}")
            elif packet.data_time is not None:
                command.uploads += 1
            else:
                continue
            if command.state is State.ANSWERED:
                command.deadline = now + command.request.exec_timeout
            self._changed(command)
            return command
        return None

    def due(self, now: float, utc: datetime) -> list[Command]:
        """Commands to resend now (no 9011 yet, retries left); times out the others."""
        resend = []
        for command in [c for c in self.by_qn.values() if c.deadline <= now]:
            req = command.request
            if command.state is State.SENT and command.attempts <= req.retries:
                resend.append(command)
            elif command.state is State.SENT:
                self.finish(
                    command,
                    State.TIMED_OUT,
                    f"no 9011 (QnRtn) within {req.answer_timeout:g} s, "
                    f"{command.attempts} attempt(s)",
                )
                command.note(utc, "timed out waiting for 9011")
                self._changed(command)
            else:
                self.finish(
                    command,
                    State.TIMED_OUT,
                    f"no 9012 (ExeRtn) within {req.exec_timeout:g} s of the last answer or "
                    f"upload ({command.uploads} uploads)",
                )
                command.note(utc, "execution timed out waiting for 9012")
                self._changed(command)
        return resend

    def finish(self, command: Command, state: State, detail: str) -> None:
        """Stop tracking ``command`` with a final state."""
        command.state = state
        command.detail = detail
        self.finished.append(command)
        self._changed(command)
        self.by_qn.pop(command.qn, None)
        commands = self.watch.get(command.mn)
        if commands is not None:
            if command in commands:
                commands.remove(command)
            if not commands:
                del self.watch[command.mn]

    def outcome(self, command: Command) -> dict[str, Any]:
        """The outcome file content of ``command``."""
        return outcome_json(command.request, command.state, command.detail, command)

    def take_finished(self) -> list[Command]:
        """Commands finished since the last call."""
        finished, self.finished = self.finished, []
        return finished

    def take_changed(self) -> list[Command]:
        """Commands whose outcome changed since the last call (only those to report)."""
        changed, self.changed = self.changed, []
        return changed

    def _changed(self, command: Command) -> None:
        if command.report and command not in self.changed:
            self.changed.append(command)
