"""`ecoguard gateway ...`: the HJ 212 data-acquisition gateway (parse, serve, simulate, query)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from ecoguard.cli.output import OutputFormat, write_rows
from ecoguard.config import get_settings
from ecoguard.ingest.hj212.codec import CST_ZONE, Packet, decode_many
from ecoguard.ingest.hj212.directory import JsonDeviceDirectory
from ecoguard.ingest.hj212.listing import READINGS_TABLE, REFUSALS_TABLE, list_rows
from ecoguard.ingest.hj212.simulate import FAULTS, make_fleet, run_fleet
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
    table: str, mn: str | None, start: datetime | None, end: datetime | None
) -> list[dict[str, Any]]:
    store = TimeseriesStore(get_settings().timeseries_root)
    rows = list_rows(store, table, mn=mn, start=start, end=end)
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
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = (
        OutputFormat.table
    ),
    output: Annotated[Path | None, typer.Option("--output", help="Write to this file.")] = None,
) -> None:
    """List readings a device sent (table ``source_readings``), by data time.

    Times are shown in China Standard Time; ``data_time`` starts the interval.
    """
    rows = _query(
        READINGS_TABLE,
        mn,
        _parse_when(start, "--from"),
        _parse_when(end, "--to"),
    )
    write_rows(rows, fmt, columns=RECORD_COLUMNS, output=output, title="readings")


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
