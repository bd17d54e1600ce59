"""The ``ecoguard`` command: one Typer group per domain.

The console entry point loads a domain's module only when its command runs, so
``ecoguard --help`` or ``ecoguard gateway parse`` do not pay for importing the data stack of
every other domain. ``app`` (the whole Typer application, for tests and embedding) is built on
first access.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer
import typer.core
from typer import _click as click

HELP = "ecoguard: monitoring data judged by the national standards."

#: name -> (module, attribute, one-line help). An attribute ``app`` is a Typer group; any other
#: attribute is a single command function.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "demo": ("ecoguard.cli.demo", "demo", "Create the store and fill it with the demo province."),
    "serve": ("ecoguard.cli.serve", "serve", "Serve the HTTP API (/api/v1) and the dashboard."),
    "sites": ("ecoguard.cli.sites", "app", "Monitoring sites: station lists and sections."),
    "air": (
        "ecoguard.cli.air",
        "app",
        "Air quality: import, hourly AQI, daily reports, assessment.",
    ),
    "water": ("ecoguard.cli.water", "app", "Surface water: import, classify, assess (GB 3838)."),
    "gateway": (
        "ecoguard.cli.gateway",
        "app",
        "HJ 212 data-logger gateway: parse, serve, simulate.",
    ),
    "zoning": (
        "ecoguard.cli.zoning",
        "app",
        "Three lines, one list: layers, access lists, screening.",
    ),
    "users": ("ecoguard.cli.users", "app", "Users, roles and region scopes."),
    "cases": (
        "ecoguard.cli.cases",
        "app",
        "Supervision cases: inspection findings, red-line clues.",
    ),
}


def _load(name: str) -> click.Command:
    module_name, attribute, _ = COMMANDS[name]
    target = getattr(importlib.import_module(module_name), attribute)
    if isinstance(target, typer.Typer):
        command = typer.main.get_command(target)
    else:
        single = typer.Typer(pretty_exceptions_enable=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


def build_app() -> typer.Typer:
    """The whole command line as one Typer application (imports every domain)."""
    whole = typer.Typer(
        name="ecoguard", help=HELP, no_args_is_help=True, pretty_exceptions_enable=False
    )
    for name, (module_name, attribute, _) in COMMANDS.items():
        target = getattr(importlib.import_module(module_name), attribute)
        if isinstance(target, typer.Typer):
            whole.add_typer(target, name=name)
        else:
            whole.command(name)(target)
    return whole


class _LazyGroup(typer.core.TyperGroup):
    """A click group whose subcommands are imported when they are used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return _load(cmd_name) if cmd_name in COMMANDS else None

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Typer's rich help would load every subcommand to describe it; list them from COMMANDS.
        click.Command.format_help(self, ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry[2]) for name, entry in COMMANDS.items()])


_APP: typer.Typer | None = None


def __getattr__(name: str) -> Any:
    global _APP
    if name == "app":
        if _APP is None:
            _APP = build_app()
        return _APP
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Run the command line (no arguments: the help)."""
    args = sys.argv[1:] or ["--help"]
    _LazyGroup(name="ecoguard", help=HELP)(args=args, prog_name="ecoguard")
