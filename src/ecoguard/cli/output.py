"""Tabular results on the terminal or in files: ``--format table|csv|json|xlsx``."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table


class OutputFormat(StrEnum):
    """Formats of tabular CLI output."""

    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


def write_rows(
    rows: Sequence[dict[str, Any]],
    fmt: OutputFormat,
    *,
    columns: Sequence[str] | None = None,
    output: Path | None = None,
    title: str | None = None,
) -> None:
    """Write rows of a result in the requested format.

    ``xlsx`` needs ``output``; the other formats go to ``output`` or standard output.
    """
    cols = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    if fmt is OutputFormat.xlsx:
        if output is None:
            raise typer.BadParameter("--format xlsx needs --output FILE.xlsx")
        _write_xlsx(rows, cols, output, title or "result")
        return
    if fmt is OutputFormat.table:
        console = Console(file=output.open("w", encoding="utf-8") if output else None, width=200)
        table = Table(title=title)
        for c in cols:
            table.add_column(c, overflow="fold")
        for row in rows:
            table.add_row(*(escape(_text(row.get(c))) for c in cols))
        console.print(table)
        return
    buffer = io.StringIO()
    if fmt is OutputFormat.csv:
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(cols)
        for row in rows:
            writer.writerow([_text(row.get(c)) for c in cols])
    else:
        json.dump([{c: row.get(c) for c in cols} for row in rows], buffer, ensure_ascii=False)
        buffer.write("\n")
    if output:
        output.write_text(buffer.getvalue(), encoding="utf-8")
    else:
        sys.stdout.write(buffer.getvalue())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _write_xlsx(rows: Sequence[dict[str, Any]], cols: list[str], output: Path, title: str) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(cols)
    for row in rows:
        sheet.append([row.get(c) for c in cols])
    book.save(output)
