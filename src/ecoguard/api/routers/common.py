"""Helpers shared by the registry routers: region filters and paging."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select

from ecoguard.api.schemas.common import Page
from ecoguard.registry.base import Base
from ecoguard.registry.scope import ScopedRepository, region_and_descendants

M = TypeVar("M", bound=Base)
P = TypeVar("P", bound=BaseModel)


def within(repo: ScopedRepository, column: Any, adcode: str) -> ColumnElement[bool]:
    """``column`` lies in region ``adcode`` or below (the scope still applies on top)."""
    result: ColumnElement[bool] = column.in_(sorted(region_and_descendants(repo.session, adcode)))
    return result


def page_of(
    repo: ScopedRepository,
    stmt: Select[M],
    schema: type[P],
    *,
    limit: int,
    offset: int,
    order_by: Sequence[Any],
) -> Page[P]:
    """Run a scoped query for one page and wrap it with the total."""
    rows, total = repo.page(stmt, limit=limit, offset=offset, order_by=order_by)
    items = [schema.model_validate(row, from_attributes=True) for row in rows]
    return Page[P](items=items, total=total, limit=limit, offset=offset)
