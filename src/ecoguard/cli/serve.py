"""`ecoguard serve`: the HTTP API and the dashboard."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
) -> None:
    """Serve the HTTP API (/api/v1) and the dashboard."""
    typer.echo("the API is not built yet", err=True)
    raise typer.Exit(code=2)
