"""The ``ecoguard`` command: one Typer group per domain."""

from __future__ import annotations

import typer

from ecoguard.cli import air, cases, demo, gateway, serve, sites, users, water, zoning

app = typer.Typer(
    name="ecoguard",
    help="ecoguard: monitoring data judged by the national standards.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.add_typer(sites.app, name="sites")
app.add_typer(air.app, name="air")
app.add_typer(water.app, name="water")
app.add_typer(gateway.app, name="gateway")
app.add_typer(zoning.app, name="zoning")
app.add_typer(users.app, name="users")
app.add_typer(cases.app, name="cases")


def main() -> None:
    """Run the command line."""
    app()
