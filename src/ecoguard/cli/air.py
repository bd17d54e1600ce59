"""`ecoguard air ...`: import station-hourly data, hourly AQI, daily reports, assessment."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ecoguard.air.daily import (
    DailyValues,
    assess_daily,
    city_daily_values,
    daily_report_rows,
    read_hourly_cube,
    station_daily_values,
)
from ecoguard.air.hourly import HourlyQuery, HourlyRules, hourly_aqi_table, read_station_hours
from ecoguard.air.imports import ImportSummary, import_cnemc_files, import_station_tables
from ecoguard.air.network import city_assessment_points, region_names
from ecoguard.cli.output import OutputFormat, write_rows
from ecoguard.cli.registry_access import registry_session
from ecoguard.config import get_settings
from ecoguard.ingest.cnemc import iter_cnemc_files
from ecoguard.ingest.tabular import ColumnMapping, MappingError
from ecoguard.standards.gb3095 import LimitSet
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
    _require_existing(paths)
    files = list(iter_cnemc_files(paths))
    with _progress() as progress:
        task = progress.add_task("files", total=len(files), name="")
        summary = import_cnemc_files(
            _store(), files, on_file=lambda p: progress.update(task, advance=1, name=p.name)
        )
    _report_import(summary, fmt, errors_out, "CNEMC import")


@import_app.command("table")
def import_table(
    paths: Annotated[list[Path], typer.Argument(help="CSV, CSV.gz or Excel files, long format.")],
    mapping_file: Annotated[
        Path,
        typer.Option("--mapping", help="JSON column mapping (see docs/mappings/)."),
    ],
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="Summary format.")
    ] = OutputFormat.table,
    errors_out: Annotated[
        Path | None, typer.Option("--errors", help="Write every refused cell to this CSV.")
    ] = None,
) -> None:
    """Import long-format station-hourly tables through a column mapping.

    The mapping names the station and time columns, whether the time labels the start or the end
    of the hour, each pollutant column and its unit. Exit code 1 when anything was refused.
    """
    try:
        mapping = ColumnMapping.from_json(mapping_file)
    except MappingError as exc:
        raise typer.BadParameter(str(exc), param_hint="--mapping") from None
    _require_existing(paths)
    with _progress() as progress:
        task = progress.add_task("files", total=len(paths), name="")
        summary = import_station_tables(
            _store(),
            paths,
            mapping,
            on_file=lambda p: progress.update(task, advance=1, name=p.name),
        )
    _report_import(summary, fmt, errors_out, "table import")


def _require_existing(paths: list[Path]) -> None:
    for path in paths:
        if not path.exists():
            raise typer.BadParameter(f"{path} does not exist", param_hint="PATHS")


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[name]}"),
        TimeElapsedColumn(),
        console=_err,
        transient=True,
    )


def _report_import(
    summary: ImportSummary, fmt: OutputFormat, errors_out: Path | None, title: str
) -> None:
    write_rows([summary.as_dict()], fmt, title=title)
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
        HourlyRules | None,
        typer.Option(
            "--rules",
            help="Rule set; default: the one in force at each hour (hj633-2012-cnemc, the "
            "national platform's practice, before 2026-03-01; hj633-2026 from then on).",
        ),
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
        rules=rules,
    )
    if query.end < query.start:
        raise typer.BadParameter("--to is before --from", param_hint="--to")
    rows = read_station_hours(_store(), query)
    result = hourly_aqi_table(rows, query.rules)
    if rows.num_rows == 0:
        _err.print("no station-hours stored for that query")
    write_rows(
        result.to_pylist(), fmt, columns=result.column_names, output=output, title="hourly AQI"
    )


class Unit(StrEnum):
    """What a report is made for."""

    station = "station"
    city = "city"


def _daily_values(start: dt.date, end: dt.date, stations: list[str], by: Unit) -> DailyValues:
    cube = read_hourly_cube(_store(), start, end, stations)
    daily = station_daily_values(cube)
    if by is Unit.station:
        return daily
    with registry_session(actor="cli") as session:
        points = city_assessment_points(session)
        names = region_names(session, points.values())
    if not points:
        _err.print("[red]no stations in the registry[/red]: run `ecoguard sites import cnemc-list`")
        raise typer.Exit(code=1)
    city = city_daily_values(daily, points)
    return DailyValues(
        [f"{names.get(u, u)} ({u})" for u in city.units],
        city.first_day,
        city.values,
        city.valid_hours,
    )


@app.command("daily")
def daily(
    start: Annotated[str, typer.Option("--from", help="First day (CST), YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day (CST), YYYY-MM-DD.")],
    station: Annotated[list[str] | None, typer.Option("--station", help="Station code.")] = None,
    by: Annotated[
        Unit, typer.Option("--by", help="Report per station or per city.")
    ] = Unit.station,
    rules: Annotated[
        Edition | None, typer.Option("--rules", help="HJ 633 edition; default by date.")
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Daily AQI report (HJ 633 日报) per station or city, from the stored hours.

    Daily values follow HJ 663: means of >= 20 valid hours, O3 daily max 8-h over the windows
    ending 08:00-24:00; a city is the mean of its assessment points (background points excluded).
    """
    first, last = _parse_day(start, "--from"), _parse_day(end, "--to")
    if last < first:
        raise typer.BadParameter("--to is before --from", param_hint="--to")
    values = _daily_values(first, last, station or [], by)
    rows = daily_report_rows(values, rules)
    write_rows(rows, fmt, output=output, title=f"daily AQI by {by.value}")


@app.command("assess")
def assess(
    start: Annotated[str, typer.Option("--from", help="First day (CST), YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day (CST), YYYY-MM-DD.")],
    by: Annotated[Unit, typer.Option("--by")] = Unit.city,
    station: Annotated[list[str] | None, typer.Option("--station", help="Station code.")] = None,
    limits: Annotated[
        LimitSet | None, typer.Option("--limits", help="GB 3095 limit set; default by date.")
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """HJ 663 assessment of a period per station or city.

    Per pollutant: valid days, mean, the HJ 663 percentile, days over the 24-h (O3 8-h) limit and
    the exceedance multiple; per unit: good-day share (优良天数比例) and composite index.
    """
    first, last = _parse_day(start, "--from"), _parse_day(end, "--to")
    if last < first:
        raise typer.BadParameter("--to is before --from", param_hint="--to")
    values = _daily_values(first, last, station or [], by)
    rows = assess_daily(values, daily_report_rows(values), limits)
    write_rows(rows, fmt, output=output, title=f"HJ 663 assessment {first} .. {last}")
