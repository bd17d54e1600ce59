"""Schemas of users and sign-in tokens."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from ecoguard.api.schemas.common import Adcode, Id, Name, ORMModel
from ecoguard.registry.models import Role

Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{3,64}$")]
Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]


class UserBase(BaseModel):
    """Fields of a user an administrator may set."""

    username: Username
    full_name: Name | None = None
    role: Role
    region_adcode: Adcode | None = None
    enterprise_id: Id | None = None


class UserCreate(UserBase):
    """A new user with an initial password."""

    model_config = ConfigDict(extra="forbid")

    password: Password


class UserUpdate(BaseModel):
    """Changes to a user (only the fields given)."""

    model_config = ConfigDict(extra="forbid")

    full_name: Name | None = None
    role: Role | None = None
    region_adcode: Adcode | None = None
    enterprise_id: Id | None = None
    is_active: bool | None = None
    password: Password | None = None


class UserPublic(ORMModel):
    """A user as the API returns it (never the password hash)."""

    id: int
    username: str
    full_name: str | None
    role: Role
    region_adcode: str | None
    region_name: str | None = None
    enterprise_id: int | None = None
    is_active: bool = True


class Token(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
