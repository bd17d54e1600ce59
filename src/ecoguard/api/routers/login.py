"""/api/v1/login: the OAuth2 password flow."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.security import OAuth2PasswordRequestForm

from ecoguard.api.deps import SessionDep, SettingsDep
from ecoguard.api.problems import ERROR_RESPONSES
from ecoguard.api.schemas.users import Token
from ecoguard.api.security import create_access_token
from ecoguard.registry.users import authenticate

router = APIRouter(prefix="/login", tags=["login"], responses={422: ERROR_RESPONSES[422]})


@router.post("/access-token", responses={400: {"description": "Wrong username or password"}})
def login_access_token(
    session: SessionDep,
    settings: SettingsDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> Token:
    """Exchange a username and password (form fields) for a bearer token."""
    user = authenticate(session, form.username, form.password)
    if user is None:
        raise HTTPException(status_code=400, detail="incorrect username or password")
    token = create_access_token(settings, user.id, password_hash=user.password_hash)
    return Token(access_token=token)
