"""`ecoguard demo`: create the store and fill it with the demo province."""

from __future__ import annotations

import typer


def demo() -> None:
    """Create the store under ECOGUARD_HOME and fill it with the demo province."""
    typer.echo("the demo is not built yet", err=True)
    raise typer.Exit(code=2)
