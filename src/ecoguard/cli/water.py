"""`ecoguard water ...`: import section measurements, classify them, assess periods."""

from __future__ import annotations

import datetime as dt
import math
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ecoguard.cli.output import OutputFormat, write_rows
from ecoguard.config import get_settings
from ecoguard.ingest.cnemc_water import (
    CNEMC_ID_COLUMNS,
    CST,
    Problem,
    WaterFile,
    parse_mapping,
    read_cnemc,
    read_header,
    read_mapped,
)
from ecoguard.standards.gb3838 import SectionType
from ecoguard.standards.water_assessment import AUTO_STATION_ITEMS, CLASS_ITEMS, SevereRule
from ecoguard.timeseries.store import TimeseriesStore
from ecoguard.water.assess import GroupBy, assess, parse_period
from ecoguard.water.classify import RESULT_COLUMNS, classify_samples
from ecoguard.water.sections import (
    SUGGESTION_COLUMNS,
    SectionTable,
    fill_region_and_basin,
    registry_sections,
    suggest_attributes,
)
from ecoguard.water.store import quarantine, save_published_classes, save_readings

app = typer.Typer(
    help="Surface water (GB 3838-2002): import, classify, assess.", no_args_is_help=True
)
_err = Console(stderr=True, soft_wrap=True)


class Source(StrEnum):
    """File layouts the readers know."""

    auto = "auto"
    cnemc = "cnemc"
    mapped = "mapped"


class SectionTypeOption(StrEnum):
    """Section types a user may name."""

    river = "river"
    lake = "lake"


class ItemsOption(StrEnum):
    """Which items decide the class."""

    national = "national"
    automatic = "automatic"


_ITEMS_HELP = (
    "national: the 21 items of the national method (those measured decide); "
    "automatic: only pH, DO, CODMn, NH3-N, TP (what CNEMC's automatic-station classes use)."
)


class SevereOption(StrEnum):
    """Readings of the 重度污染 threshold."""

    share_75 = "75"
    share_60 = "60"


def _parse_interval(text: str) -> dt.timedelta | None:
    """``4h``, ``1d``, ``30min``; ``month`` (a sample for its natural month) gives None."""
    if text.strip().lower() in {"month", "1mo", "monthly"}:
        return None
    match = re.fullmatch(r"(\d+)\s*(min|h|d)", text.strip())
    if not match:
        raise typer.BadParameter(
            f"{text!r} is not like 4h, 1d, 30min or month", param_hint="--interval"
        )
    amount, unit = int(match.group(1)), match.group(2)
    return {"min": dt.timedelta(minutes=amount), "h": dt.timedelta(hours=amount)}.get(
        unit, dt.timedelta(days=amount)
    )


def _read(
    path: Path,
    source: Source,
    year: int | None,
    mapping: list[str] | None,
    interval: str | None,
    sheet: str | None,
) -> WaterFile:
    """Read a measurement file; usage errors exit 2."""
    if not path.is_file():
        raise typer.BadParameter(f"{path} does not exist", param_hint="FILE")
    try:
        header = read_header(path, sheet=sheet)
        if source is Source.auto:
            is_cnemc = all(c in header for c in CNEMC_ID_COLUMNS) and not mapping
            source = Source.cnemc if is_cnemc else Source.mapped
        if source is Source.cnemc:
            cycle = _parse_interval(interval or "4h")
            if cycle is None:
                raise ValueError("CNEMC readings are automatic-station cycles, not monthly samples")
            return read_cnemc(path, year=year, interval=cycle)
        spec = parse_mapping(header, mapping or [], interval=_parse_interval(interval or "1h"))
        return read_mapped(path, spec, sheet=sheet)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="FILE") from None


def _sections(path: Path | None) -> tuple[SectionTable | None, list[Problem]]:
    """Section attributes from ``--sections`` or else from the registry."""
    if path is None:
        return registry_sections(get_settings().registry_url), []
    if not path.is_file():
        raise typer.BadParameter(f"{path} does not exist", param_hint="--sections")
    try:
        return SectionTable.from_csv(path)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--sections") from None


def _report(problems: list[Problem], errors_out: Path | None) -> None:
    shown = problems[:20]
    for problem in shown:
        _err.print(f"[yellow]refused[/yellow] {problem}")
    if len(problems) > len(shown):
        _err.print(f"... and {len(problems) - len(shown)} more (use --errors FILE)")
    if errors_out is not None:
        write_rows(
            [vars(p) for p in problems],
            OutputFormat.csv,
            columns=["file", "row", "field", "rule", "value"],
            output=errors_out,
        )


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for record in frame[columns].to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for key, value in record.items():
            if isinstance(value, pd.Timestamp):
                value = (value.tz_convert(CST) if value.tzinfo else value).isoformat()
            elif isinstance(value, float) and math.isnan(value):
                value = None
            elif hasattr(value, "item"):
                value = value.item()
            clean[str(key)] = value
        rows.append(clean)
    return rows


#: Columns of ``classify --format table`` (the other formats carry every column).
CLASSIFY_TABLE_COLUMNS = (
    "region", "section", "time", "section_type", "water_class", "class_if_river",
    "class_if_lake", "deciding", "target_class", "exceedances", "official_class", "note",
    "at_limit",
)  # fmt: skip
#: Columns of ``assess --by section --format table``.
ASSESS_TABLE_COLUMNS = (
    "region", "basin", "section", "section_type", "water_class", "water_class_last_year",
    "description", "deciding", "target_class", "meets_target", "exceedances", "samples",
    "cwqi", "note",
)  # fmt: skip

FileOption = Annotated[Path, typer.Argument(help="CNEMC water file, or a CSV/Excel to map.")]
SourceOption = Annotated[
    Source, typer.Option("--source", help="File layout (auto: CNEMC when its columns are there).")
]
YearOption = Annotated[
    int | None, typer.Option("--year", help="Year of CNEMC 监测时间 (default: from the file name).")
]
MapOption = Annotated[
    list[str] | None,
    typer.Option("--map", help="Column mapping 'source=target', e.g. 'TP(ug/L)=tp:ug/L'."),
]
IntervalOption = Annotated[
    str | None,
    typer.Option(
        "--interval",
        help="Interval a reading describes: 4h (CNEMC default), 1h (mapped default), 1d, month.",
    ),
]
SheetOption = Annotated[str | None, typer.Option("--sheet", help="Excel sheet name.")]
SectionsOption = Annotated[
    Path | None,
    typer.Option(
        "--sections", help="Section attributes CSV: name,type,basin,target_class[,region]."
    ),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]
OutputOption = Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file.")]
ErrorsOption = Annotated[
    Path | None, typer.Option("--errors", help="Write every refused cell or row to this CSV.")
]


@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="Measurement files.")],
    source: SourceOption = Source.auto,
    year: YearOption = None,
    mapping: MapOption = None,
    interval: IntervalOption = None,
    sheet: SheetOption = None,
    sections: SectionsOption = None,
    fmt: FormatOption = OutputFormat.table,
    errors_out: ErrorsOption = None,
) -> None:
    """Store section measurements in the time-series table water_readings.

    Classes the file publishes (CNEMC 水质类别) go to water_published_classes; refused cells
    and rows go to the quarantine (kind 'water') with their reason.

    Keys are region, section, parameter and time: re-importing a file inserts nothing. Refused
    cells and rows are listed (file, row, field, rule); the rest of the file still lands.
    Exit code 1 when anything was refused.
    """
    store = TimeseriesStore(get_settings().timeseries_root)
    table, problems = _sections(sections)
    summary: list[dict[str, Any]] = []
    for path in paths:
        if not path.is_file():
            raise typer.BadParameter(f"{path} does not exist", param_hint="PATHS")
    with Progress(
        TextColumn("[bold]importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[name]}"),
        TimeElapsedColumn(),
        console=_err,
        transient=True,
    ) as progress:
        task = progress.add_task("files", total=len(paths), name="")
        for path in paths:
            progress.update(task, name=path.name)
            got = _read(path, source, year, mapping, interval, sheet)
            if table is not None:
                # Sections without a region or basin in the file get them from the attributes.
                got.readings = fill_region_and_basin(got.readings, table)
                got.samples = fill_region_and_basin(got.samples, table)
            result = save_readings(store, got.readings)
            published = save_published_classes(store, got.samples, path.name)
            problems.extend(got.problems)
            quarantine(store, got.problems)
            summary.append(
                {
                    "file": path.name,
                    "samples": len(got.samples),
                    "readings": result.offered,
                    "inserted": result.inserted,
                    "already_stored": result.duplicates,
                    "published_classes": published.inserted,
                    "refused": len(got.problems),
                }
            )
            progress.update(task, advance=1)
    write_rows(summary, fmt, title="water import")
    _report(problems, errors_out)
    if problems:
        raise typer.Exit(code=1)


@app.command("classify")
def classify(
    path: FileOption,
    section_type: Annotated[
        SectionTypeOption | None,
        typer.Option("--section-type", help="Treat every section as this type (overrides all)."),
    ] = None,
    sections: SectionsOption = None,
    items: Annotated[ItemsOption, typer.Option("--items", help=_ITEMS_HELP)] = ItemsOption.national,
    source: SourceOption = Source.auto,
    year: YearOption = None,
    mapping: MapOption = None,
    interval: IntervalOption = None,
    sheet: SheetOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    errors_out: ErrorsOption = None,
) -> None:
    """Class of every row of a measurement file (GB 3838-2002 single-factor method).

    Shows the deciding items, the section type used and where it came from, and the official
    class when the file has one. A section whose type is unknown is classified both ways; when
    the classes differ it gets none and is reported. Exit code 1 when cells were refused or a
    section type is missing.
    """
    got = _read(path, source, year, mapping, interval, sheet)
    table, section_problems = _sections(sections)
    kind = SectionType(section_type.value) if section_type else None
    chosen = AUTO_STATION_ITEMS if items is ItemsOption.automatic else CLASS_ITEMS
    result = classify_samples(got.wide(), sections=table, section_type=kind, items=chosen)
    frame = result.table
    measured = [c for c in chosen if c in got.wide().columns]
    wide = got.wide().set_index("source_row")
    for code in measured:
        frame[code] = wide[code].reindex(frame["source_row"]).to_numpy()
    columns = list(RESULT_COLUMNS) + measured
    if fmt is OutputFormat.table:
        columns = [c for c in CLASSIFY_TABLE_COLUMNS if c in columns]
    write_rows(_records(frame, columns), fmt, columns=columns, output=output, title="water classes")
    problems = got.problems + section_problems
    _report(problems, errors_out)
    with_official = int((frame["official_class"] != "").sum())
    if with_official:
        _err.print(
            f"official class given for {with_official} rows; computed class differs for "
            f"{result.disagreements}"
        )
    if result.unknown_type:
        _err.print(
            f"[yellow]{result.unknown_type} rows have no class: section type unknown and the "
            "river and lake/reservoir classes differ[/yellow] (give --sections or --section-type)"
        )
    if problems or result.unknown_type:
        raise typer.Exit(code=1)


@app.command("sections")
def sections_(
    path: FileOption,
    source: SourceOption = Source.auto,
    year: YearOption = None,
    mapping: MapOption = None,
    sheet: SheetOption = None,
    fmt: FormatOption = OutputFormat.csv,
    output: OutputOption = None,
) -> None:
    """A section-attributes skeleton (name,region,basin,type,target_class) from a file.

    type and target_class are left for you to fill; beside them are what the name
    suggests, which type reproduces the file's published classes, and whether the type changes
    any class at all. Fill in, then pass the file to classify/assess with --sections.
    """
    got = _read(path, source, year, mapping, None, sheet)
    classified = classify_samples(got.wide()).table
    frame = suggest_attributes(classified)
    columns = list(SUGGESTION_COLUMNS)
    write_rows(_records(frame, columns), fmt, columns=columns, output=output, title="sections")
    _report(got.problems, None)
    if got.problems:
        raise typer.Exit(code=1)


@app.command("assess")
def assess_(
    period: Annotated[str, typer.Option("--period", help="YYYY-MM, YYYY-Qn or YYYY (CST).")],
    by: Annotated[GroupBy, typer.Option("--by", help="Assess sections, basins or regions.")] = (
        GroupBy.SECTION
    ),
    sections: SectionsOption = None,
    items: Annotated[ItemsOption, typer.Option("--items", help=_ITEMS_HELP)] = ItemsOption.national,
    severe: Annotated[
        SevereOption,
        typer.Option("--severe-threshold", help="重度污染 when I-III share < 75 % or < 60 %."),
    ] = SevereOption.share_75,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """Class, excellent (Ⅰ-Ⅲ) share, 劣Ⅴ share and target compliance for a period.

    Section values are period means of the stored valid readings; the same period last year is
    shown beside each figure. Exit code 1 when a section could not be classified.
    """
    try:
        spec = parse_period(period)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--period") from None
    table, problems = _sections(sections)
    chosen = AUTO_STATION_ITEMS if items is ItemsOption.automatic else CLASS_ITEMS
    rule = SevereRule.SHARE_75 if severe is SevereOption.share_75 else SevereRule.SHARE_60
    store = TimeseriesStore(get_settings().timeseries_root)
    result = assess(store, spec, by, table, items=chosen, rule=rule)
    frame = result.table
    if frame.empty:
        _err.print(f"no water readings stored for {spec.label}")
        write_rows([], fmt, output=output, title=f"water {by.value} {spec.label}")
        raise typer.Exit(code=0)
    columns = [str(c) for c in frame.columns]
    if fmt is OutputFormat.table and by is GroupBy.SECTION:
        columns = [c for c in ASSESS_TABLE_COLUMNS if c in columns]
    write_rows(
        _records(frame, columns),
        fmt,
        columns=columns,
        output=output,
        title=f"water {by.value} {spec.label}",
    )
    _report(problems, None)
    if result.unknown_type:
        _err.print(
            f"[yellow]{len(result.unknown_type)} sections have no class (type unknown): "
            f"{', '.join(result.unknown_type[:10])}[/yellow]"
        )
    if problems or result.unknown_type:
        raise typer.Exit(code=1)
