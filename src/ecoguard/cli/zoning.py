"""`ecoguard zoning ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="zoning commands.", no_args_is_help=True)
