"""/api/v1/users: the signed-in user, and user management for administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from ecoguard.api.deps import AdminUser, CurrentUser, RepoDep
from ecoguard.api.problems import ERROR_RESPONSES
from ecoguard.api.routers.regions import region_names
from ecoguard.api.schemas.common import Page
from ecoguard.api.schemas.users import UserCreate, UserPublic, UserUpdate
from ecoguard.registry.errors import RegistryError
from ecoguard.registry.models import Role, User
from ecoguard.registry.users import check_role_placement, hash_password, new_user, password_problem

router = APIRouter(prefix="/users", tags=["users"], responses=ERROR_RESPONSES)
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class UserFilter(BaseModel):
    """Filters of the user list."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=2**31 - 1)
    role: Role | None = None


def _public(repo: RepoDep, users: list[User]) -> list[UserPublic]:
    names = region_names(repo, {u.region_adcode for u in users if u.region_adcode})
    out = []
    for user in users:
        item = UserPublic.model_validate(user)
        item.region_name = names.get(user.region_adcode or "")
        out.append(item)
    return out


@router.get("/me")
def read_me(repo: RepoDep, user: CurrentUser) -> UserPublic:
    """The signed-in user, with the name of their region."""
    return _public(repo, [user])[0]


@router.get("")
def list_users(
    repo: RepoDep, _admin: AdminUser, f: Annotated[UserFilter, Query()]
) -> Page[UserPublic]:
    """Users in the administrator's scope."""
    stmt = repo.select(User)
    if f.role:
        stmt = stmt.where(User.role == f.role.value)
    rows, total = repo.page(stmt, limit=f.limit, offset=f.offset, order_by=[User.id])
    return Page[UserPublic](items=_public(repo, rows), total=total, limit=f.limit, offset=f.offset)


@router.get("/{user_id}")
def read_user(repo: RepoDep, _admin: AdminUser, user_id: UserId) -> UserPublic:
    """One user in the administrator's scope."""
    return _public(repo, [repo.get(User, user_id)])[0]


@router.post("", status_code=201)
def create_user(repo: RepoDep, _admin: AdminUser, body: UserCreate) -> UserPublic:
    """Create a user in a region of the administrator's scope."""
    if body.region_adcode is None and repo.scope.region_adcodes is not None:
        raise RegistryError("a regional administrator must give a region", field="region_adcode")
    user = new_user(
        repo.session,
        username=body.username,
        password=body.password,
        role=body.role,
        region_adcode=body.region_adcode,
        enterprise_id=body.enterprise_id,
        full_name=body.full_name,
    )
    repo.create(user)
    repo.session.commit()
    return _public(repo, [user])[0]


@router.patch("/{user_id}")
def update_user(repo: RepoDep, admin: AdminUser, user_id: UserId, body: UserUpdate) -> UserPublic:
    """Change a user's name, role, region, enterprise, password or active flag."""
    user = repo.get(User, user_id)
    changes = body.model_dump(mode="json", exclude_unset=True)
    for key in ("role", "is_active", "password"):
        if key in changes and changes[key] is None:
            raise RegistryError(f"{key} may not be null", field=key)
    password = changes.pop("password", None)
    if password is not None:
        problem = password_problem(password)
        if problem:
            raise RegistryError(f"password {problem}", field="password")
        changes["password_hash"] = hash_password(password)
    if user.id == admin.id and (changes.get("is_active") is False or "role" in changes):
        raise RegistryError("you cannot deactivate yourself or change your own role", field="role")
    role = Role(changes.get("role", user.role))
    check_role_placement(
        repo.session,
        role,
        changes.get("region_adcode", user.region_adcode),
        changes.get("enterprise_id", user.enterprise_id),
    )
    repo.update(user, changes)
    repo.session.commit()
    return _public(repo, [user])[0]
