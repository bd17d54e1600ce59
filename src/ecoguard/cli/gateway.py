"""`ecoguard gateway ...`: the HJ 212 data-acquisition gateway (parse, serve, simulate, query)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from ecoguard.cli.output import OutputFormat, write_rows
from ecoguard.ingest.hj212.codec import Packet, decode_many

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
