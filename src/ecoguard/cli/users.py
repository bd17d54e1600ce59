"""`ecoguard users ...`: create the first administrator, create users, list users."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ecoguard.config import get_settings
from ecoguard.registry.db import make_engine, session_scope, upgrade
from ecoguard.registry.errors import RegistryError
from ecoguard.registry.models import Region, Role, User
from ecoguard.registry.users import hash_password, new_user, password_problem

app = typer.Typer(help="Users of the API and dashboard.", no_args_is_help=True)
_out = Console(soft_wrap=True)
_err = Console(stderr=True, soft_wrap=True)


class Format(StrEnum):
    """Output formats of `users list`."""

    table = "table"
    csv = "csv"
    json = "json"


@contextmanager
def _session() -> Iterator[Session]:
    url = get_settings().registry_url
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_scope(engine, actor="cli") as session:
            yield session
    finally:
        engine.dispose()


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            _err.print("error: no password on standard input")
            raise typer.Exit(code=2)
        return password
    prompted: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return prompted


def _create(
    *,
    username: str,
    role: Role,
    region: str | None,
    enterprise_id: int | None,
    full_name: str | None,
    password_stdin: bool,
) -> None:
    password = _read_password(password_stdin)
    try:
        with _session() as session:
            user = new_user(
                session,
                username=username,
                password=password,
                role=role,
                region_adcode=region,
                enterprise_id=enterprise_id,
                full_name=full_name,
            )
            session.add(user)
            session.flush()
            user_id = user.id
    except RegistryError as exc:
        flag = (exc.field or "").replace("_adcode", "").replace("_", "-")
        where = f"--{flag}: " if flag and flag != "password" else ""
        _err.print(f"error: {where}{exc.message}")
        raise typer.Exit(code=2) from exc
    _out.print(f"created {role.value} [bold]{username}[/bold] (id {user_id})")


UsernameOpt = Annotated[str, typer.Option("--username", "-u", help="Sign-in name.")]
StdinOpt = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
]
FullNameOpt = Annotated[str | None, typer.Option("--full-name", help="Display name.")]


@app.command("create-admin")
def create_admin(
    username: UsernameOpt,
    password_stdin: StdinOpt = False,
    full_name: FullNameOpt = None,
    region: Annotated[
        str | None,
        typer.Option("--region", help="Limit the administrator to a region (adcode)."),
    ] = None,
) -> None:
    """Create an administrator with a password you choose (prompted twice)."""
    _create(
        username=username,
        role=Role.administrator,
        region=region,
        enterprise_id=None,
        full_name=full_name,
        password_stdin=password_stdin,
    )


@app.command("create")
def create(
    username: UsernameOpt,
    role: Annotated[Role, typer.Option("--role", help="What the user may do.")],
    region: Annotated[
        str | None, typer.Option("--region", help="Region (adcode) the user works in.")
    ] = None,
    enterprise_id: Annotated[
        int | None, typer.Option("--enterprise-id", help="Enterprise of an enterprise account.")
    ] = None,
    password_stdin: StdinOpt = False,
    full_name: FullNameOpt = None,
) -> None:
    """Create a user with a role and a region scope."""
    _create(
        username=username,
        role=role,
        region=region,
        enterprise_id=enterprise_id,
        full_name=full_name,
        password_stdin=password_stdin,
    )


def _find(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        _err.print(f"error: --username: no user {username!r}")
        raise typer.Exit(code=2)
    return user


@app.command("set-password")
def set_password(username: UsernameOpt, password_stdin: StdinOpt = False) -> None:
    """Give a user a new password (prompted twice)."""
    password = _read_password(password_stdin)
    problem = password_problem(password)
    if problem:
        _err.print(f"error: password {problem}")
        raise typer.Exit(code=2)
    with _session() as session:
        _find(session, username).password_hash = hash_password(password)
    _out.print(f"password of [bold]{username}[/bold] changed")


@app.command("deactivate")
def deactivate(
    username: UsernameOpt,
    activate: Annotated[bool, typer.Option("--activate", help="Re-activate instead.")] = False,
) -> None:
    """Stop a user from signing in (existing tokens stop working too)."""
    with _session() as session:
        _find(session, username).is_active = activate
    _out.print(f"{username} {'activated' if activate else 'deactivated'}")


@app.command("list")
def list_users(
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
) -> None:
    """List users with their role and region."""
    with _session() as session:
        stmt = (
            select(User, Region.name)
            .outerjoin(Region, Region.adcode == User.region_adcode)
            .order_by(User.id)
        )
        rows = [
            {
                "id": u.id,
                "username": u.username,
                "full_name": u.full_name or "",
                "role": u.role,
                "region_adcode": u.region_adcode or "",
                "region_name": name or "",
                "enterprise_id": u.enterprise_id or "",
                "active": u.is_active,
            }
            for u, name in session.execute(stmt)
        ]
        total = session.scalar(select(func.count()).select_from(User))
    if fmt is Format.json:
        _out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    if fmt is Format.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["id"])
        writer.writeheader()
        writer.writerows(rows)
        return
    table = Table(title=f"{total} users")
    columns = ("id", "username", "full_name", "role", "region_adcode", "region_name", "active")
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*(str(row[c]) for c in columns))
    _out.print(table)
