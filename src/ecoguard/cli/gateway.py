"""`ecoguard gateway ...`: the HJ 212 data-acquisition gateway (parse, serve, simulate, query,
send commands to devices through a running gateway's spool folder)."""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from ecoguard.cli.output import OutputFormat, write_rows
from ecoguard.config import get_settings
from ecoguard.ingest.hj212.codec import CST_ZONE, Packet, decode_many
from ecoguard.ingest.hj212.commands import (
    CommandError,
    CommandRequest,
    State,
    make_request,
)
from ecoguard.ingest.hj212.directory import JsonDeviceDirectory
from ecoguard.ingest.hj212.listing import INFO_TABLE, READINGS_TABLE, REFUSALS_TABLE, list_rows
from ecoguard.ingest.hj212.simulate import FAULTS, make_fleet, run_fleet
from ecoguard.ingest.hj212.spool import Spool
from ecoguard.timeseries.store import TimeseriesStore

app = typer.Typer(
    help="HJ 212 gateway: parse captures, serve loggers, simulate fleets, list records.",
    no_args_is_help=True,
)
_err = Console(stderr=True, soft_wrap=True)

PARSE_COLUMNS = [
    "file",
    "line",
    "outcome",
    "reason",
    "version",
    "st",
    "cn",
    "mn",
    "values",
    "detail",
]


def parse_rows(path: Path) -> list[dict[str, Any]]:
    """One row per line of an HJ 212 capture (one packet a line, CRLF), decoded."""
    lines = path.read_bytes().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    frames = [line[:-1] if line.endswith(b"\r") else line for line in lines]
    rows: list[dict[str, Any]] = []
    for number, result in enumerate(decode_many(frames), start=1):
        if isinstance(result, Packet):
            rows.append(
                {
                    "file": path.name,
                    "line": number,
                    "outcome": "accepted",
                    "reason": "",
                    "version": result.version.label,
                    "st": _printable(result.st),
                    "cn": result.cn,
                    "mn": _printable(result.mn),
                    "values": result.value_count(),
                    "detail": "" if result.length_ok else "length field wrong, CRC matches",
                }
            )
        else:
            rows.append(
                {
                    "file": path.name,
                    "line": number,
                    "outcome": "refused",
                    "reason": result.reason.value,
                    "version": result.version or "",
                    "st": _printable(result.st or ""),
                    "cn": _printable(result.cn or ""),
                    "mn": _printable(result.mn or ""),
                    "values": 0,
                    "detail": f"{result.field} at byte {result.offset}: {result.rule}",
                }
            )
    return rows


def _printable(text: str) -> str:
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


@app.command("parse")
def parse(
    files: Annotated[list[Path], typer.Argument(help="Capture files, one packet a line.")],
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = (
        OutputFormat.table
    ),
    refused_only: Annotated[
        bool, typer.Option("--refused-only", help="List only refused lines.")
    ] = False,
    output: Annotated[Path | None, typer.Option("--output", help="Write to this file.")] = None,
) -> None:
    """Decode HJ 212 captures line by line and say why each refused line was refused.

    Columns: file, line, outcome (accepted/refused), reason code, version (2005/2017/2025), ST, CN,
    MN, number of values, detail. Exit code 1 when any line was refused.
    """
    for path in files:
        if not path.is_file():
            raise typer.BadParameter(f"{path} is not a file", param_hint="FILES")
    rows: list[dict[str, Any]] = []
    for path in files:
        rows += parse_rows(path)
    refused = [r for r in rows if r["outcome"] == "refused"]
    write_rows(refused if refused_only else rows, fmt, columns=PARSE_COLUMNS, output=output)
    counts: dict[str, int] = {}
    for row in refused:
        counts[row["reason"]] = counts.get(row["reason"], 0) + 1
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"
    _err.print(f"{len(rows)} lines, {len(rows) - len(refused)} accepted; refused: {summary}")
    if refused:
        raise typer.Exit(1)


def _home() -> Path:
    return get_settings().home / "gateway"


def _parse_when(text: str | None, name: str) -> datetime | None:
    """ISO 8601; a time without offset is China Standard Time (UTC+8)."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not an ISO 8601 time", param_hint=name) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CST_ZONE)
    return moment.astimezone(UTC)


def _cst(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(CST_ZONE).isoformat()
    return value


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "0.0.0.0",  # noqa: S104
    port: Annotated[int, typer.Option(help="TCP port for data loggers.")] = 8212,
    metrics_port: Annotated[
        int | None, typer.Option("--metrics-port", help="Prometheus /metrics port.")
    ] = 9212,
    devices: Annotated[
        Path | None,
        typer.Option(help="JSON device directory; default: the registry's devices table."),
    ] = None,
    idle_timeout: Annotated[float, typer.Option(help="Close idle connections [s].")] = 900.0,
    frame_timeout: Annotated[
        float, typer.Option(help="Close connections stuck in a frame [s].")
    ] = 30.0,
) -> None:
    """Run the HJ 212 gateway (2005/2017/2025 loggers) until Ctrl-C.

    Accepted packets are made durable in ``$ECOGUARD_HOME/gateway/wal`` before they are
    answered, then moved to the time-series store (table ``source_readings``).
    """
    from ecoguard.ingest.hj212.directory import DeviceDirectory, RegistryDeviceDirectory
    from ecoguard.ingest.hj212.gateway import GatewayConfig, serve_forever

    settings = get_settings()
    directory: DeviceDirectory
    registry_url = None
    if devices is not None:
        if not devices.is_file():
            raise typer.BadParameter(f"{devices} is not a file", param_hint="--devices")
        directory = JsonDeviceDirectory.load(devices)
    else:
        registry_url = settings.registry_url
        try:
            directory = RegistryDeviceDirectory(registry_url)
        except Exception as exc:  # a missing or unmigrated registry
            raise typer.BadParameter(
                f"cannot read devices from the registry ({exc.__class__.__name__}); "
                "pass --devices FILE.json",
                param_hint="--devices",
            ) from None
    config = GatewayConfig(
        home=_home(),
        store_root=settings.timeseries_root,
        host=host,
        port=port,
        metrics_port=metrics_port,
        devices_path=devices,
        registry_url=registry_url,
        idle_timeout=idle_timeout,
        frame_timeout=frame_timeout,
    )
    serve_forever(config, directory)


@app.command("simulate")
def simulate(
    devices: Annotated[int, typer.Option(help="Number of simulated loggers.")] = 10,
    rate: Annotated[float, typer.Option(help="Packets per second per logger.")] = 1.0,
    duration: Annotated[float, typer.Option(help="Seconds to run.")] = 10.0,
    faults: Annotated[
        str, typer.Option(help=f"Comma-separated bad-packet kinds: {', '.join(FAULTS)}.")
    ] = "",
    fault_rate: Annotated[float, typer.Option(help="Share of packets that are bad.")] = 0.05,
    host: Annotated[str, typer.Option(help="Gateway address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Gateway port.")] = 8212,
    register: Annotated[
        Path | None,
        typer.Option(help="Only write the fleet's device directory (JSON) here and exit."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Fleet seed (same seed, same MNs).")] = 0,
    calibrate_every: Annotated[
        float,
        typer.Option(
            help="Each logger asks for time calibration (1013) every this many s; 0: off."
        ),
    ] = 0.0,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Summary format.")] = (
        OutputFormat.table
    ),
) -> None:
    """Run a fleet of simulated flue-gas and wastewater loggers against a gateway.

    First ``--register devices.json`` and start ``gateway serve --devices devices.json``; then
    run the same command without ``--register``. Exit code 1 when loggers could not connect
    or no packet was answered.
    """
    fleet = make_fleet(devices, seed=seed)
    if register is not None:
        JsonDeviceDirectory(fleet).save(register)
        _err.print(f"wrote {len(fleet)} devices to {register}")
        return
    kinds = [f.strip() for f in faults.split(",") if f.strip()]
    unknown = sorted(set(kinds) - set(FAULTS))
    if unknown:
        raise typer.BadParameter(f"unknown fault kinds {unknown}", param_hint="--faults")
    stats = asyncio.run(
        run_fleet(
            host,
            port,
            fleet,
            rate=rate,
            duration=duration,
            faults=kinds,
            fault_rate=fault_rate if kinds else 0.0,
            seed=seed,
            calibrate_every=calibrate_every,
        )
    )
    expecting = sum(1 for d in fleet if not (d.site or "").endswith(":0"))
    rows = [
        {
            "loggers": len(fleet),
            "sent": stats.sent,
            "bad_sent": stats.bad_sent,
            "acked": stats.acked,
            "answers_9011": stats.answers_9011,
            "commands_answered": stats.commands,
            "calibration_requests": stats.calibration_requests,
            "closed_by_gateway": stats.connections_closed_by_peer,
            "connect_failures": stats.connect_failures,
            "acked_per_s": round(stats.acked / duration, 1),
            "p50_ms": round(stats.percentile(50) * 1000, 2),
            "p99_ms": round(stats.percentile(99) * 1000, 2),
        }
    ]
    write_rows(rows, fmt, title="simulated fleet")
    if stats.connect_failures or (stats.sent and expecting and stats.acked == 0):
        raise typer.Exit(1)


def _query(
    table: str, mn: str | None, start: datetime | None, end: datetime | None, **filters: Any
) -> list[dict[str, Any]]:
    store = TimeseriesStore(get_settings().timeseries_root)
    rows = list_rows(store, table, mn=mn, start=start, end=end, **filters)
    return [{k: _cst(v) for k, v in row.items()} for row in rows]


RECORD_COLUMNS = [
    "mn", "parameter", "source_code", "data_type", "data_time_utc", "interval_end_utc",
    "rtd", "avg", "min", "max", "cou", "zs_rtd", "zs_avg", "flag", "cn", "version",
    "reupload", "received_at_utc",
]  # fmt: skip


@app.command("records")
def records(
    mn: Annotated[str | None, typer.Option("--mn", help="Device MN.")] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Data time from (ISO 8601; no offset: CST).")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Data time before (ISO 8601).")] = None,
    data_type: Annotated[
        DataType | None, typer.Option("--data-type", help="Only this data type.")
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = (
        OutputFormat.table
    ),
    output: Annotated[Path | None, typer.Option("--output", help="Write to this file.")] = None,
) -> None:
    """List readings a device sent (table ``source_readings``), by data time.

    Times are shown in China Standard Time; ``data_time`` starts the interval. A period sent
    more than once (re-uploads, split packets) is one row: each value the first received.
    """
    rows = _query(
        READINGS_TABLE,
        mn,
        _parse_when(start, "--from"),
        _parse_when(end, "--to"),
        data_type=None if data_type is None else data_type.value,
    )
    write_rows(rows, fmt, columns=RECORD_COLUMNS, output=output, title="readings")


class DataType(StrEnum):
    """Data types of ``source_readings``."""

    rtd = "rtd"
    min = "min"
    hour = "hour"
    day = "day"
    alarm = "alarm"


INFO_COLUMNS = ["mn", "data_time_utc", "pol_id", "info_id", "value", "received_at_utc"]


@app.command("info")
def device_info(
    mn: Annotated[str | None, typer.Option("--mn", help="Device MN.")] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Data time from (ISO 8601; no offset: CST).")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Data time before (ISO 8601).")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = (
        OutputFormat.table
    ),
    output: Annotated[Path | None, typer.Option("--output", help="Write to this file.")] = None,
) -> None:
    """List field-device information (CN 3020): instrument logs (i11001), states (i12001:
    0 running, 1 maintenance, 2 fault, 3 calibration, ...) and parameters (i13xxx), by data time.
    """
    rows = _query(INFO_TABLE, mn, _parse_when(start, "--from"), _parse_when(end, "--to"))
    write_rows(rows, fmt, columns=INFO_COLUMNS, output=output, title="device information")


REFUSAL_COLUMNS = [
    "received_at_utc", "peer", "mn", "st", "cn", "version", "reason", "field", "offset",
    "rule", "raw",
]  # fmt: skip


@app.command("refusals")
def refusals(
    mn: Annotated[str | None, typer.Option("--mn", help="Device MN.")] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Received from (ISO 8601; no offset: CST).")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Received before (ISO 8601).")] = None,
    reason: Annotated[str | None, typer.Option(help="Only this reason code.")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = (
        OutputFormat.table
    ),
    output: Annotated[Path | None, typer.Option("--output", help="Write to this file.")] = None,
) -> None:
    """List what the gateway refused (the quarantine), with reason, field and rule.

    Exit code 1 when the list is not empty.
    """
    rows = _query(
        REFUSALS_TABLE,
        mn,
        _parse_when(start, "--from"),
        _parse_when(end, "--to"),
    )
    if reason is not None:
        rows = [r for r in rows if r["reason"] == reason]
    write_rows(rows, fmt, columns=REFUSAL_COLUMNS, output=output, title="refusals")
    if rows:
        raise typer.Exit(1)


@app.command("devices")
def devices_state(
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = (
        OutputFormat.table
    ),
) -> None:
    """Devices seen by the running (or last) gateway: last seen, connected, counts."""
    path = _home() / "state" / "devices.json"
    rows = json.loads(path.read_text(encoding="utf-8"))["devices"] if path.is_file() else []
    write_rows(
        rows,
        fmt,
        columns=["mn", "last_seen_utc", "connected", "peer", "packets", "refusals"],
        title="devices",
    )


# ---------------------------------------------------------------------- commands to devices


class HistoryData(StrEnum):
    """History data kinds (HJ 212-2017 Table 9)."""

    minute = "minute"  # 2051
    hour = "hour"  # 2061
    day = "day"  # 2031
    runtime = "runtime"  # 2041 facility running time


OUTCOME_COLUMNS = [
    "id", "command", "mn", "cn", "data", "begin", "end", "state", "qn", "attempts", "qn_rtn",
    "exe_rtn", "uploads", "device_time", "detail",
]  # fmt: skip

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="Gateway home (default: $ECOGUARD_HOME/gateway)."),
]
MnOption = Annotated[str, typer.Option("--mn", help="Device MN as registered.")]
WaitOption = Annotated[
    float,
    typer.Option("--wait", min=0, help="Seconds to wait for the outcome (0: queue and return)."),
]
TimeoutOption = Annotated[
    float,
    typer.Option("--timeout", help="Seconds to wait for the device's 9011 before resending."),
]
RetriesOption = Annotated[
    int, typer.Option("--retries", help="Resends without a 9011 (2017 Table 1 ReCount).")
]
ExecTimeoutOption = Annotated[
    float,
    typer.Option("--exec-timeout", help="After the 9011: seconds of silence before giving up."),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]


def _command_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


_HINTS = {
    "begin": "--begin",
    "end": "--end",
    "range": "--begin/--end",
    "data": "--data",
    "retries": "--retries",
    "answer_timeout": "--timeout/--exec-timeout",
    "mn": "--mn",
}


def _request(kind: str, mn: str, **kw: Any) -> CommandRequest:
    """A validated request; a broken rule is a usage error (exit code 2) naming the option."""
    command_id = _command_id()
    try:
        return make_request(
            kind, mn, id=command_id, requested_at=f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}", **kw
        )
    except CommandError as exc:
        text = str(exc).removeprefix(f"command {command_id!r}: ")
        hint = _HINTS.get(text.split(" ", 1)[0].rstrip(":"))
        raise typer.BadParameter(text, param_hint=hint) from None


def _send(home: Path | None, request: CommandRequest, wait: float, fmt: OutputFormat) -> None:
    """Spool ``request`` (tmp, then rename), wait for a final outcome, print it.

    Exit code 0 when executed (or queued with ``--wait 0``), 1 otherwise.
    """
    spool = Spool((home or _home()) / "commands")
    spool.submit(request)
    outcome = spool.wait(request.id, wait) if wait > 0 else None
    if wait == 0:
        _err.print(f"queued {request.id} in {spool.folder}; see `ecoguard gateway commands`")
        write_rows([{"id": request.id, "state": "queued"}], fmt, title="command")
        return
    if outcome is None:
        if spool.withdraw(request.id):  # nobody took it
            _err.print(
                f"no gateway picked up {request.id} within {wait:g} s (is `ecoguard gateway "
                f"serve` running with home {spool.folder.parent}?); request withdrawn"
            )
            raise typer.Exit(1)
        outcome = {"id": request.id, "state": "sent", "final": False}
    columns = None if fmt is OutputFormat.json else OUTCOME_COLUMNS  # JSON: the whole outcome
    write_rows([outcome], fmt, columns=columns, title="command")
    if not outcome.get("final"):
        state = outcome.get("state")
        _err.print(f"{request.id} still {state} after {wait:g} s; see `ecoguard gateway commands`")
        raise typer.Exit(1)
    if outcome["state"] != State.EXECUTED:
        _err.print(f"{request.id}: {outcome['state']}: {outcome.get('detail', '')}")
        raise typer.Exit(1)


@app.command("request-history")
def request_history(
    mn: MnOption,
    data: Annotated[
        HistoryData,
        typer.Option("--data", help="minute (2051), hour (2061), day (2031), runtime (2041)."),
    ],
    begin: Annotated[
        str, typer.Option("--begin", help="First period start: YYYYMMDDhhmmss or ISO 8601 (CST).")
    ],
    end: Annotated[str, typer.Option("--end", help="Last period start (inclusive), same forms.")],
    home: HomeOption = None,
    wait: WaitOption = 60.0,
    timeout: TimeoutOption = 10.0,
    retries: RetriesOption = 3,
    exec_timeout: ExecTimeoutOption = 60.0,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Ask a connected device to upload its stored data of a time range again (补传).

    The running gateway sends 2051/2061/2031/2041 with ``BeginTime``/``EndTime`` (HJ 212-2017
    Tables C.20-C.23); the device answers 9011, uploads one packet per period (stored like
    any upload, without duplicates), then 9012. Exit code 0 when executed, 1 when not
    connected, unknown, refused, failed, without data or timed out, 2 for bad input.
    """
    request = _request(
        "history", mn, data=data.value, begin=begin, end=end, answer_timeout=timeout,
        retries=retries, exec_timeout=exec_timeout,
    )  # fmt: skip
    _send(home, request, wait, fmt)


@app.command("set-time")
def set_time(
    mn: MnOption,
    home: HomeOption = None,
    wait: WaitOption = 30.0,
    timeout: TimeoutOption = 10.0,
    retries: RetriesOption = 3,
    exec_timeout: ExecTimeoutOption = 30.0,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Set a connected device's clock to the gateway's time (1012 ``SystemTime``, CST)."""
    request = _request(
        "set-time", mn, answer_timeout=timeout, retries=retries, exec_timeout=exec_timeout
    )
    _send(home, request, wait, fmt)


@app.command("get-time")
def get_time(
    mn: MnOption,
    home: HomeOption = None,
    wait: WaitOption = 30.0,
    timeout: TimeoutOption = 10.0,
    retries: RetriesOption = 3,
    exec_timeout: ExecTimeoutOption = 30.0,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Ask a connected device for its clock (1011); shown as ``device_time`` (CST)."""
    request = _request(
        "get-time", mn, answer_timeout=timeout, retries=retries, exec_timeout=exec_timeout
    )
    _send(home, request, wait, fmt)


@app.command("commands")
def commands_list(
    home: HomeOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Most recent N.")] = 50,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Recent commands and their outcomes (newest first), and requests not yet picked up."""
    rows = Spool((home or _home()) / "commands").listing()
    rows.sort(key=lambda r: r[0], reverse=True)
    write_rows([r for _, r in rows[:limit]], fmt, columns=OUTCOME_COLUMNS, title="commands")
