"""`ecoguard demo`: create the store under ECOGUARD_HOME and fill it with the demo province."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.console import Console
from rich.panel import Panel
from sqlalchemy import select

from ecoguard.air.imports import AIR_HOURLY_TABLE, store_air_hourly
from ecoguard.cases.deadlines import cst_date
from ecoguard.cases.demo import seed_cases
from ecoguard.cases.service import CaseService
from ecoguard.cli.registry_access import registry_session
from ecoguard.config import get_settings
from ecoguard.demo.air import demo_station_rows, generate_air_hours
from ecoguard.demo.devices import demo_loggers, run_demo_traffic
from ecoguard.demo.water import install_demo_water
from ecoguard.registry.base import utcnow
from ecoguard.registry.demo import DEMO_PROVINCE, seed_demo
from ecoguard.registry.models import User
from ecoguard.registry.scope import scope_for_user
from ecoguard.registry.stations import upsert_air_stations
from ecoguard.timeseries.store import TimeseriesStore
from ecoguard.zoning.demo import registry_prefectures
from ecoguard.zoning.service import ZoningService

_out = Console(soft_wrap=True)

CST = dt.timezone(dt.timedelta(hours=8))


def demo(
    start: Annotated[
        str,
        typer.Option("--from", help="First day of generated air data (default: Jan 1 last year)."),
    ] = "",
    end: Annotated[str, typer.Option("--to", help="Last day (default: yesterday, CST).")] = "",
) -> None:
    """Create the store under ECOGUARD_HOME and fill it with the generated demo province.

    The demo province is modelled on Xinjiang: its real prefectures and XPCC cities, invented
    stations and enterprises, generated data. Running it again adds nothing twice.
    """
    settings = get_settings()
    today = dt.datetime.now(CST).date()
    first = dt.date.fromisoformat(start) if start else dt.date(today.year - 1, 1, 1)
    last = dt.date.fromisoformat(end) if end else today - dt.timedelta(days=1)
    if last < first:
        raise typer.BadParameter("--to is before --from", param_hint="--to")

    _out.print(f"ecoguard home: [bold]{settings.home.resolve()}[/bold]")
    with (
        _out.status("registry: regions, enterprises, devices, users"),
        registry_session(actor="demo") as session,
    ):
        report = seed_demo(session)
        stations = upsert_air_stations(session, demo_station_rows())
        prefectures = registry_prefectures(session, DEMO_PROVINCE)
    _out.print(
        f"registry: {report.regions} regions written, {report.enterprises} enterprises, "
        f"{report.devices} devices, {stations.created} new air stations"
    )
    store = TimeseriesStore(settings.timeseries_root)
    with _out.status(f"air: generating hourly data {first} .. {last}"):
        table = generate_air_hours(first, last)
        inserted = store_air_hourly(store, table)
    _out.print(
        f"air: {table.num_rows:,} station-hours generated, {inserted:,} new in {AIR_HOURLY_TABLE}"
    )
    with (
        _out.status(f"water: sections and 4-hourly readings {first} .. {last}"),
        registry_session(actor="demo") as session,
    ):
        water = install_demo_water(session, store, first, last)
    _out.print(f"water: {water.sections_created} new sections, {water.inserted:,} new readings")

    with (
        _out.status("cases: inspection findings and red-line clues"),
        registry_session(actor="demo") as session,
    ):
        users = {u.username: u for u in session.scalars(select(User))}
        attachments = settings.home / "attachments"

        def as_user(name: str) -> CaseService:
            scope = scope_for_user(session, users[name])
            return CaseService(session, scope, attachments_root=attachments)

        cases = seed_cases(as_user, cst_date(utcnow()))
    _out.print(f"cases: {cases.findings} new inspection findings, {cases.clues} new clues")

    with registry_session(actor="demo") as session:
        loggers = demo_loggers(session)
    with _out.status(f"devices: {len(loggers)} HJ 212 loggers send their last 24 h to a gateway"):
        traffic = run_demo_traffic(
            loggers, settings.registry_url, settings.timeseries_root, settings.home / "gateway-demo"
        )
    _out.print(traffic.summary())

    zoning = ZoningService.from_settings()
    if all(entry["versions"] == 0 for entry in zoning.status().values()):
        with _out.status("zoning: control units, red lines, reserves, access lists"):
            layers = zoning.install_demo(prefectures or None, DEMO_PROVINCE)
        _out.print(
            f"zoning: {len(layers.units)} control units, {len(layers.redlines)} red lines, "
            f"{len(layers.reserves)} reserve zones, {len(layers.rules)} access-list clauses"
        )
    else:
        _out.print("zoning: layers already stored (left as they are)")

    accounts = "\n".join(
        f"  {u.username:<10} {u.password:<20} {u.role.value:<20} {u.region_adcode or '(all)'}"
        for u in report.users
    )
    _out.print(
        Panel(
            "DEMO MODE: these accounts have PUBLIC passwords. Never use them on real data.\n"
            + accounts,
            title="demo accounts",
            border_style="red",
        )
    )
    yesterday, new_year = last.isoformat(), last.replace(month=1, day=1).isoformat()
    _out.print(
        "Try:\n"
        f"  .venv/bin/ecoguard air aqi --from {yesterday} --to {yesterday} --station 6002A\n"
        f"  .venv/bin/ecoguard air assess --from {new_year} --to {yesterday} --by city\n"
        "  .venv/bin/ecoguard zoning screen --point 87.62,43.83 --industry C2511 --flag 两高\n"
        "  .venv/bin/ecoguard gateway refusals --mn LD650100000001\n"
        "  ECOGUARD_DEMO=1 .venv/bin/ecoguard serve    # then open http://127.0.0.1:8000/\n"
    )
