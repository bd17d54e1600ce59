"""`ecoguard serve`: the HTTP API (/api/v1) and the dashboard."""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1)] = 1,
    migrate: Annotated[
        bool, typer.Option(help="Apply pending registry migrations before serving.")
    ] = True,
) -> None:
    """Serve the HTTP API (/api/v1, OpenAPI at /api/v1/openapi.json) and the dashboard."""
    import uvicorn

    from ecoguard.config import get_settings
    from ecoguard.registry.db import upgrade

    settings = get_settings()
    try:
        settings.signing_key()
    except RuntimeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    if settings.demo:
        typer.secho(
            "DEMO MODE (ECOGUARD_DEMO=1): demo secret and public demo passwords are accepted. "
            "Never expose this server.",
            fg="red",
            bold=True,
            err=True,
        )
    if migrate:
        upgrade(settings.registry_url)
    uvicorn.run(
        "ecoguard.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
