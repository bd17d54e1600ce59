"""`ecoguard air ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="air commands.", no_args_is_help=True)
