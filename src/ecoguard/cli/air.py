"""`ecoguard air ...`: import station-hourly data, hourly AQI, daily reports, assessment."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ecoguard.air.hourly import HourlyQuery, hourly_aqi_table, read_station_hours
from ecoguard.air.imports import import_cnemc_files
from ecoguard.cli.output import OutputFormat, write_rows
from ecoguard.config import get_settings
from ecoguard.ingest.cnemc import iter_cnemc_files
from ecoguard.standards.hj633 import Edition
from ecoguard.timeseries.store import TimeseriesStore

app = typer.Typer(
    help="Air quality: import, hourly AQI, daily reports, assessment.", no_args_is_help=True
)
import_app = typer.Typer(help="Import station-hourly air data.", no_args_is_help=True)
app.add_typer(import_app, name="import")

_err = Console(stderr=True, soft_wrap=True)


def _store() -> TimeseriesStore:
    return TimeseriesStore(get_settings().timeseries_root)


@import_app.command("cnemc")
def import_cnemc(
    paths: Annotated[
        list[Path], typer.Argument(help="china_sites_YYYYMMDD.csv(.gz) files or folders.")
    ],
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="Summary format.")
    ] = OutputFormat.table,
    errors_out: Annotated[
        Path | None, typer.Option("--errors", help="Write every refused cell to this CSV.")
    ] = None,
) -> None:
    """Import CNEMC national-platform station files (plain or .gz).

    Re-importing a file inserts nothing. Refused cells are listed (file, row, field, rule) and kept
    in the quarantine; the rest of the file still lands. Exit code 1 when anything was refused.
    """
    for path in paths:
        if not path.exists():
            raise typer.BadParameter(f"{path} does not exist", param_hint="PATHS")
    files = list(iter_cnemc_files(paths))
    with Progress(
        TextColumn("[bold]importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[name]}"),
        TimeElapsedColumn(),
        console=_err,
        transient=True,
    ) as progress:
        task = progress.add_task("files", total=len(files), name="")
        summary = import_cnemc_files(
            _store(), files, on_file=lambda p: progress.update(task, advance=1, name=p.name)
        )
    write_rows([summary.as_dict()], fmt, title="CNEMC import")
    for message in summary.failed_files:
        _err.print(f"[red]file refused[/red] {message}")
    if summary.errors:
        shown = summary.errors[:20]
        for error in shown:
            _err.print(f"[yellow]refused[/yellow] {error}")
        if len(summary.errors) > len(shown):
            _err.print(f"... and {len(summary.errors) - len(shown)} more (use --errors FILE)")
        if errors_out:
            write_rows(
                [vars(e) for e in summary.errors],
                OutputFormat.csv,
                columns=["file", "row", "field", "rule", "value"],
                output=errors_out,
            )
    if summary.errors or summary.failed_files:
        raise typer.Exit(code=1)


class RulesOption(StrEnum):
    """Rule sets a user may name on the command line."""

    hj633_2012 = "hj633-2012"
    hj633_2026 = "hj633-2026"


def _parse_day(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date YYYY-MM-DD", param_hint=option) from None


@app.command("aqi")
def aqi(
    start: Annotated[str, typer.Option("--from", help="First day (CST), YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day (CST), YYYY-MM-DD.")],
    station: Annotated[list[str] | None, typer.Option("--station", help="Station code.")] = None,
    rules: Annotated[
        RulesOption | None,
        typer.Option("--rules", help="Rule set; default: the one in force at each hour."),
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file.")] = None,
) -> None:
    """Hourly (real-time) AQI per station-hour, by HJ 633.

    ``time`` is the CNEMC label of the hour (its end) in China Standard Time.
    """
    query = HourlyQuery(
        start=_parse_day(start, "--from"),
        end=_parse_day(end, "--to"),
        stations=tuple(station or ()),
        edition=Edition(rules.value) if rules else None,
    )
    if query.end < query.start:
        raise typer.BadParameter("--to is before --from", param_hint="--to")
    rows = read_station_hours(_store(), query)
    result = hourly_aqi_table(rows, query.edition)
    if rows.num_rows == 0:
        _err.print("no station-hours stored for that query")
    write_rows(
        result.to_pylist(), fmt, columns=result.column_names, output=output, title="hourly AQI"
    )
