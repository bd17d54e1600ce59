"""`ecoguard gateway ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="gateway commands.", no_args_is_help=True)
