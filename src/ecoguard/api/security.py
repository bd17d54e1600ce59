"""Access tokens: HS256 JWTs naming the user, signed with the configured secret.

A token from the sign-in endpoint also carries a fingerprint of the user's password hash
(``pv``): changing the password invalidates every token issued before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import jwt

from ecoguard.config import Settings

ALGORITHM = "HS256"


def password_version(password_hash: str) -> str:
    """Short fingerprint of a password hash (not the hash itself)."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token says: the user and, if present, the password fingerprint."""

    user_id: int
    password_version: str | None


def create_access_token(
    settings: Settings,
    user_id: int,
    *,
    now: dt.datetime | None = None,
    password_hash: str | None = None,
) -> str:
    """A token for ``user_id`` valid for ``settings.access_token_minutes``."""
    issued = now or dt.datetime.now(dt.UTC)
    expires = issued + dt.timedelta(minutes=settings.access_token_minutes)
    payload: dict[str, object] = {"sub": str(user_id), "iat": issued, "exp": expires}
    if password_hash is not None:
        payload["pv"] = password_version(password_hash)
    return jwt.encode(payload, settings.signing_key(), algorithm=ALGORITHM)


def decode_token(settings: Settings, token: str) -> TokenClaims | None:
    """The claims of a valid, unexpired token, or ``None``."""
    try:
        payload = jwt.decode(
            token, settings.signing_key(), algorithms=[ALGORITHM], options={"require": ["exp"]}
        )
    except jwt.PyJWTError:
        return None
    sub = payload.get("sub")
    if not isinstance(sub, str) or not sub.isdigit() or len(sub) > 12:
        return None
    pv = payload.get("pv")
    return TokenClaims(int(sub), pv if isinstance(pv, str) else None)


def user_id_from_token(settings: Settings, token: str) -> int | None:
    """The user id of a valid, unexpired token, or ``None``."""
    claims = decode_token(settings, token)
    return None if claims is None else claims.user_id
