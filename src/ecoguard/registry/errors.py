"""Errors of the registry's data layer; the API turns them into problem details."""

from __future__ import annotations


class RegistryError(Exception):
    """Base of registry errors; ``field`` names the offending input field when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFoundError(RegistryError):
    """No such record in the caller's scope (out-of-scope records are reported the same way)."""


class ForbiddenError(RegistryError):
    """The caller's role or region scope does not allow this change."""


class ConflictError(RegistryError):
    """The change would duplicate a unique value or break a reference."""


class InvalidReferenceError(RegistryError):
    """A referenced record (region, enterprise, outlet) does not exist in the caller's scope."""
