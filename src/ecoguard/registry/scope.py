"""Region scoping in the data layer: every read and every change goes through here.

A :class:`Scope` says which regions (and, for an enterprise account, which enterprise) a user
may see, and whether the role may change records. :class:`ScopedRepository` builds every query
with the scope's filter, so an out-of-scope record is simply not found (the API answers 404
even for a guessed id), and refuses changes that would create or move a record out of scope.

Roles:

==================  ===============================================  ==================
role                reads                                            changes
==================  ===============================================  ==================
administrator       everything in its region (all if it has none)    yes, in scope
provincial_analyst  everything in its province                       no
prefecture_officer  everything in its prefecture                     yes, in scope
enterprise          its own enterprise, outlets and devices; the     no
                    monitoring sites of its region
read_only           everything in its region                         no
==================  ===============================================  ==================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, func, literal, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ecoguard.registry.base import Base
from ecoguard.registry.errors import (
    ConflictError,
    ForbiddenError,
    InvalidReferenceError,
    NotFoundError,
    RegistryError,
)
from ecoguard.registry.models import (
    AirStation,
    AuditLog,
    Device,
    Enterprise,
    Outlet,
    Region,
    Role,
    User,
    WaterSection,
)

M = TypeVar("M", bound=Base)

WRITE_ROLES = frozenset({Role.administrator, Role.prefecture_officer})

#: Unique fields per model, checked before writing so the error can name the field.
UNIQUE_FIELDS: dict[type[Base], tuple[str, ...]] = {
    AirStation: ("code",),
    WaterSection: ("code",),
    Enterprise: ("uscc",),
    Device: ("mn",),
    User: ("username",),
}


@dataclass(frozen=True)
class Scope:
    """What one user may see and change.

    Attributes
    ----------
    role : Role
        The user's role.
    user_id : int or None
        The user (``None`` for system jobs).
    username : str
        Recorded in the audit log.
    region_adcodes : frozenset of str or None
        The user's region and all regions below it; ``None`` means every region.
    enterprise_id : int or None
        For enterprise accounts, the only enterprise they see.
    """

    role: Role
    user_id: int | None
    username: str
    region_adcodes: frozenset[str] | None
    enterprise_id: int | None = None

    @property
    def can_write(self) -> bool:
        """Whether the role may create, change and delete registry records."""
        return self.role in WRITE_ROLES

    def allows_region(self, adcode: str | None) -> bool:
        """Whether ``adcode`` lies within the scope."""
        if self.region_adcodes is None:
            return True
        return adcode is not None and adcode in self.region_adcodes

    @classmethod
    def system(cls, actor: str = "system") -> Scope:
        """An unrestricted scope for CLI commands and importers."""
        return cls(Role.administrator, None, actor, None)


def region_and_descendants(session: Session, adcode: str) -> frozenset[str]:
    """``adcode`` and every region below it (recursive query, works on SQLite and PostgreSQL)."""
    tree = select(Region.adcode).where(Region.adcode == adcode).cte("tree", recursive=True)
    tree = tree.union_all(select(Region.adcode).where(Region.parent_adcode == tree.c.adcode))
    return frozenset(session.scalars(select(tree.c.adcode))) | {adcode}


def scope_for_user(session: Session, user: User) -> Scope:
    """Build the scope of ``user`` from its role, region and enterprise."""
    role = Role(user.role)
    regions = (
        None if user.region_adcode is None else region_and_descendants(session, user.region_adcode)
    )
    if regions is None and role is not Role.administrator:
        regions = frozenset()  # a non-administrator without a region sees nothing
    return Scope(role, user.id, user.username, regions, user.enterprise_id)


class ScopedRepository:
    """All registry reads and writes of one request, filtered and checked by one scope."""

    def __init__(self, session: Session, scope: Scope) -> None:
        self.session = session
        self.scope = scope

    # --- reading -------------------------------------------------------------------------

    def clause(self, model: type[Base]) -> ColumnElement[bool]:
        """The WHERE clause restricting ``model`` to the scope."""
        s = self.scope
        regions = s.region_adcodes

        def in_regions(column: Any) -> ColumnElement[bool]:
            if regions is None:
                return true()
            if not regions:
                return false()
            result: ColumnElement[bool] = column.in_(sorted(regions))
            return result

        if s.role is Role.enterprise:
            eid = s.enterprise_id if s.enterprise_id is not None else -1
            if model is Enterprise:
                return Enterprise.id == eid
            if model in (Outlet, Device):
                return model.enterprise_id == eid
            if model in (User, AuditLog):
                return false()
        if model is Region:
            return in_regions(Region.adcode)
        if model in (AirStation, WaterSection, Enterprise, User):
            return in_regions(model.region_adcode)
        if model in (Outlet, Device):
            if regions is None:
                return true()
            inner = select(Enterprise.id).where(in_regions(Enterprise.region_adcode))
            return model.enterprise_id.in_(inner)
        if model is AuditLog:  # only national administrators read the whole log
            return true() if s.role is Role.administrator and regions is None else false()
        msg = f"no scoping rule for {model.__name__}"
        raise TypeError(msg)

    def select(self, model: type[M]) -> Select[M]:
        """``SELECT model`` restricted to the scope; add your own filters and order."""
        return select(model).where(self.clause(model))

    def get(self, model: type[M], ident: Any) -> M:
        """The record ``ident`` of ``model``; :class:`NotFoundError` if absent or out of scope."""
        pk = model.__mapper__.primary_key[0]
        obj = self.session.scalars(self.select(model).where(pk == ident)).one_or_none()
        if obj is None:
            msg = f"{model.__tablename__} {ident} not found"
            raise NotFoundError(msg)
        return obj

    def page(
        self, stmt: Select[M], *, limit: int, offset: int, order_by: Sequence[Any] = ()
    ) -> tuple[list[M], int]:
        """One page of a scoped query and the total count of its rows."""
        total = self.session.scalar(
            select(func.count()).select_from(stmt.order_by(None).subquery())
        )
        rows = self.session.scalars(stmt.order_by(*order_by).limit(limit).offset(offset)).all()
        return list(rows), int(total or 0)

    def exists(self, model: type[Base], ident: Any) -> bool:
        """Whether ``ident`` exists in the scope."""
        pk = model.__mapper__.primary_key[0]
        stmt = select(literal(1)).select_from(model).where(pk == ident, self.clause(model))
        return self.session.scalar(stmt) is not None

    # --- changing ------------------------------------------------------------------------

    def _require_write(self, model: type[Base]) -> None:
        if not self.scope.can_write:
            msg = f"role {self.scope.role.value} may not change {model.__tablename__}"
            raise ForbiddenError(msg)

    def _check_placement(self, obj: Base) -> None:
        """Refuse a record whose region (or enterprise/outlet) lies outside the scope."""
        region = getattr(obj, "region_adcode", None)
        if isinstance(obj, User) and region is None:
            if self.scope.region_adcodes is not None:
                msg = "only a national administrator may create users without a region"
                raise ForbiddenError(msg, field="region_adcode")
        elif isinstance(obj, AirStation | WaterSection | Enterprise | User):
            if self.session.get(Region, region) is None:
                msg = f"region {region} does not exist"
                raise InvalidReferenceError(msg, field="region_adcode")
            if not self.scope.allows_region(region):
                msg = f"region {region} is outside your scope"
                raise ForbiddenError(msg, field="region_adcode")
        if isinstance(obj, Outlet | Device) and not self.exists(Enterprise, obj.enterprise_id):
            msg = f"no enterprise {obj.enterprise_id} in your scope"
            raise InvalidReferenceError(msg, field="enterprise_id")
        if isinstance(obj, Device) and obj.outlet_id is not None:
            outlet = self.session.get(Outlet, obj.outlet_id)
            if outlet is None or outlet.enterprise_id != obj.enterprise_id:
                msg = f"no outlet {obj.outlet_id} of enterprise {obj.enterprise_id}"
                raise InvalidReferenceError(msg, field="outlet_id")
        if (
            isinstance(obj, User)
            and obj.enterprise_id is not None
            and not self.exists(Enterprise, obj.enterprise_id)
        ):
            msg = f"no enterprise {obj.enterprise_id} in your scope"
            raise InvalidReferenceError(msg, field="enterprise_id")

    def _check_unique(self, obj: Base) -> None:
        model = type(obj)
        pk = model.__mapper__.primary_key[0]
        pk_name = str(pk.key)
        for field in UNIQUE_FIELDS.get(model, ()):
            value = getattr(obj, field)
            stmt = select(pk).where(getattr(model, field) == value)
            current = getattr(obj, pk_name, None)
            if current is not None:
                stmt = stmt.where(pk != current)
            if self.session.scalar(stmt) is not None:
                msg = f"{field} {value!r} is already registered"
                raise ConflictError(msg, field=field)
        if isinstance(obj, Outlet):
            stmt = select(Outlet.id).where(
                Outlet.enterprise_id == obj.enterprise_id, Outlet.code == obj.code
            )
            if obj.id is not None:
                stmt = stmt.where(Outlet.id != obj.id)
            if self.session.scalar(stmt) is not None:
                msg = f"enterprise {obj.enterprise_id} already has an outlet {obj.code!r}"
                raise ConflictError(msg, field="code")

    def _flush(self) -> None:
        try:
            self.session.flush()
        except IntegrityError as exc:
            self.session.rollback()
            msg = f"the change conflicts with existing records: {exc.orig}"
            raise ConflictError(msg) from exc

    def create(self, obj: M) -> M:
        """Add a record after checking role, scope, references and unique fields."""
        self._require_write(type(obj))
        self._check_placement(obj)
        self._check_unique(obj)
        self.session.add(obj)
        self._flush()
        return obj

    def update(self, obj: M, changes: Mapping[str, Any]) -> M:
        """Apply ``changes`` to a record read through this repository, with the same checks."""
        self._require_write(type(obj))
        columns = type(obj).__table__.columns
        for key, value in changes.items():
            if value is None and key in columns and not columns[key].nullable:
                msg = f"{key} may not be null"
                raise RegistryError(msg, field=key)
        for key, value in changes.items():
            setattr(obj, key, value)
        try:
            self._check_placement(obj)
            self._check_unique(obj)
        except Exception:
            self.session.rollback()
            raise
        self._flush()
        return obj

    def delete(self, obj: Base) -> None:
        """Delete a record read through this repository."""
        self._require_write(type(obj))
        self.session.delete(obj)
        self._flush()
