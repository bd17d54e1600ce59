"""Users: argon2 password hashes, creation rules per role, and authentication."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoguard.registry.errors import ConflictError, InvalidReferenceError, RegistryError
from ecoguard.registry.models import Enterprise, Region, Role, User

MIN_PASSWORD_LENGTH = 8

_HASHER = PasswordHasher()
#: Verified against when the username is unknown, so both paths take the same time.
_DUMMY_HASH = _HASHER.hash("ecoguard-timing-equaliser")


def hash_password(password: str) -> str:
    """Argon2id hash of ``password`` (argon2-cffi defaults)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Explain why a password is refused, or return ``None``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_PASSWORD_LENGTH} characters"
    if password.strip() != password:
        return "must not start or end with whitespace"
    return None


def check_role_placement(
    session: Session, role: Role, region_adcode: str | None, enterprise_id: int | None
) -> None:
    """Check that a role is given a region (and enterprise) it can work in.

    Raises
    ------
    InvalidReferenceError
        Naming the field: ``region_adcode`` (missing, unknown or of the wrong level) or
        ``enterprise_id``.
    """
    region = session.get(Region, region_adcode) if region_adcode else None
    if region_adcode and region is None:
        msg = f"region {region_adcode} does not exist"
        raise InvalidReferenceError(msg, field="region_adcode")
    if role is not Role.administrator and region is None:
        msg = f"role {role.value} needs a region"
        raise InvalidReferenceError(msg, field="region_adcode")
    if role is Role.provincial_analyst and region is not None and region.level != "province":
        msg = f"a provincial analyst's region must be a province, {region_adcode} is not"
        raise InvalidReferenceError(msg, field="region_adcode")
    if role is Role.prefecture_officer and region is not None and region.level == "province":
        msg = f"a prefecture officer's region must be a prefecture or county, not {region_adcode}"
        raise InvalidReferenceError(msg, field="region_adcode")
    if role is Role.enterprise:
        enterprise = session.get(Enterprise, enterprise_id) if enterprise_id else None
        if enterprise is None:
            msg = "an enterprise account needs an existing enterprise_id"
            raise InvalidReferenceError(msg, field="enterprise_id")
        if enterprise.region_adcode != region_adcode:
            msg = f"region must be the enterprise's region {enterprise.region_adcode}"
            raise InvalidReferenceError(msg, field="region_adcode")
    elif enterprise_id is not None:
        msg = "only enterprise accounts have an enterprise_id"
        raise InvalidReferenceError(msg, field="enterprise_id")


def new_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    region_adcode: str | None = None,
    enterprise_id: int | None = None,
    full_name: str | None = None,
) -> User:
    """Validate and build (not add) a user with a hashed password.

    Raises
    ------
    RegistryError
        Bad password (field ``password``), duplicate username, or a region/enterprise that
        does not suit the role.
    """
    problem = password_problem(password)
    if problem:
        raise RegistryError(f"password {problem}", field="password")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        msg = f"username {username!r} is already taken"
        raise ConflictError(msg, field="username")
    check_role_placement(session, role, region_adcode, enterprise_id)
    return User(
        username=username,
        password_hash=hash_password(password),
        role=role.value,
        region_adcode=region_adcode,
        enterprise_id=enterprise_id,
        full_name=full_name,
        is_active=True,
    )


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or ``None`` (same time either way)."""
    if not username or len(username) > 64 or not username.isprintable():
        verify_password(_DUMMY_HASH, password)
        return None  # cannot be a username (PostgreSQL would also refuse NUL bytes)
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    return user
