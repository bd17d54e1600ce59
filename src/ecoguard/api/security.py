"""Access tokens: HS256 JWTs naming the user, signed with the configured secret."""

from __future__ import annotations

import datetime as dt

import jwt

from ecoguard.config import Settings

ALGORITHM = "HS256"


def create_access_token(settings: Settings, user_id: int, *, now: dt.datetime | None = None) -> str:
    """A token for ``user_id`` valid for ``settings.access_token_minutes``."""
    issued = now or dt.datetime.now(dt.UTC)
    expires = issued + dt.timedelta(minutes=settings.access_token_minutes)
    payload = {"sub": str(user_id), "iat": issued, "exp": expires}
    return jwt.encode(payload, settings.signing_key(), algorithm=ALGORITHM)


def user_id_from_token(settings: Settings, token: str) -> int | None:
    """The user id of a valid, unexpired token, or ``None``."""
    try:
        payload = jwt.decode(
            token, settings.signing_key(), algorithms=[ALGORITHM], options={"require": ["exp"]}
        )
    except jwt.PyJWTError:
        return None
    sub = payload.get("sub")
    if not isinstance(sub, str) or not sub.isdigit() or len(sub) > 12:
        return None
    return int(sub)
