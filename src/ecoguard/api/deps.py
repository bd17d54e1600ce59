"""Typed dependencies shared by every router: session, current user, scope, repository.

Other routers reuse them::

    from ecoguard.api.deps import CurrentUser, RepoDep, ScopeDep, SessionDep

    @router.get("/air/latest")
    def latest(scope: ScopeDep, repo: RepoDep) -> ...:
        stations = repo.session.scalars(repo.select(AirStation)).all()  # only in scope
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from ecoguard.api.security import decode_token, password_version
from ecoguard.config import Settings
from ecoguard.registry.audit import set_actor
from ecoguard.registry.models import Role, User
from ecoguard.registry.scope import Scope, ScopedRepository, scope_for_user

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/login/access-token")


async def get_settings_dep(request: Request) -> Settings:
    """The settings the app was created with (``async``: no thread-pool hop, no I/O)."""
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """A session per request; the endpoint commits its changes, anything else rolls back."""
    with request.app.state.sessionmaker() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session)]
TokenDep = Annotated[str, Depends(oauth2_scheme)]

_UNAUTHORISED = HTTPException(
    status_code=401,
    detail="could not validate credentials",
    headers={"WWW-Authenticate": "Bearer"},
)


def get_current_user(session: SessionDep, settings: SettingsDep, token: TokenDep) -> User:
    """The signed-in, active user; records them as the author of the session's changes."""
    claims = decode_token(settings, token)
    if claims is None:
        raise _UNAUTHORISED
    user = session.get(User, claims.user_id)
    if user is None or not user.is_active:
        raise _UNAUTHORISED
    if claims.password_version is not None and claims.password_version != password_version(
        user.password_hash
    ):
        raise _UNAUTHORISED  # the password changed after the token was issued
    set_actor(session, user.username, user.id)
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_scope(session: SessionDep, user: CurrentUser) -> Scope:
    """The current user's scope (regions below their region; their enterprise)."""
    return scope_for_user(session, user)


ScopeDep = Annotated[Scope, Depends(get_scope)]


async def get_repo(session: SessionDep, scope: ScopeDep) -> ScopedRepository:
    """The scoped repository every registry query of the request goes through (no I/O)."""
    return ScopedRepository(session, scope)


RepoDep = Annotated[ScopedRepository, Depends(get_repo)]


def require_administrator(user: CurrentUser) -> User:
    """Refuse everyone but administrators (403)."""
    if user.role != Role.administrator.value:
        raise HTTPException(status_code=403, detail="administrators only")
    return user


AdminUser = Annotated[User, Depends(require_administrator)]
