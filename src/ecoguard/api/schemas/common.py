"""Field types and the pagination envelope shared by the schemas."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

T = TypeVar("T")

#: Printable text without control characters (PostgreSQL refuses NUL), trimmed.
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"

#: Names and labels: trimmed printable text.
Text64 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=_PRINTABLE)
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=_PRINTABLE)
]
LongName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=_PRINTABLE)
]
Adcode = Annotated[str, StringConstraints(pattern=r"^[1-9]\d{5}$")]
#: Database ids (PostgreSQL ``integer``).
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
#: Longitude within China's extent, WGS-84/CGCS2000 [degree].
Lon = Annotated[float, Field(ge=73.0, le=136.0, allow_inf_nan=False)]
#: Latitude within China's extent, WGS-84/CGCS2000 [degree].
Lat = Annotated[float, Field(ge=3.0, le=54.0, allow_inf_nan=False)]


class Page(BaseModel, Generic[T]):
    """One page of a list: the items, the total matching the filters, and the window."""

    items: list[T]
    total: int
    limit: int
    offset: int


class PageParams(BaseModel):
    """Paging query parameters."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=100, ge=1, le=1000, description="Items per page")
    offset: int = Field(default=0, ge=0, le=2**31 - 1, description="Items to skip")


class ORMModel(BaseModel):
    """Base of public schemas read from ORM objects."""

    model_config = ConfigDict(from_attributes=True)
