"""Registry tables of supervision cases: the case, its history, comments and attachments.

Every table derives from the registry's :class:`~ecoguard.registry.base.Base`, so the audit
listener records each insert and update with who, when, before and after. A case carries the
adcode of its region; :mod:`ecoguard.cases.service` filters every query on it. The ``version``
column is SQLAlchemy's ``version_id_col``: an UPDATE of a case matches only the version that was
read, so two officers acting at once can never silently overwrite each other.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecoguard.registry.base import Base, UTCDateTime, utcnow
from ecoguard.registry.models import TimestampMixin


class Case(TimestampMixin, Base):
    """One supervision case (an inspection finding or a red-line clue).

    ``details`` holds the type-specific attributes (round, feedback date and text of a finding;
    image date, activity type, change type, area, function zone of a clue) and the fields
    transitions stored (plan, opinions, handling result). ``deadline`` is a China Standard Time
    calendar date.
    """

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("case_type", "reference", name="uq_cases_case_type_reference"),
        CheckConstraint("case_type IN ('inspection_finding', 'redline_clue')", name="case_type"),
        CheckConstraint("relapse_count >= 0", name="relapse_count"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_type: Mapped[str] = mapped_column(String(32), index=True)
    reference: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    region_adcode: Mapped[str] = mapped_column(ForeignKey("regions.adcode"), index=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    batch: Mapped[str | None] = mapped_column(String(100), index=True, default=None)
    deadline: Mapped[dt.date | None] = mapped_column(Date, index=True, default=None)
    assignee_unit: Mapped[str | None] = mapped_column(String(200), default=None)
    assignee_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    completed_by_id: Mapped[int | None] = mapped_column(Integer, default=None)
    completed_by_role: Mapped[str | None] = mapped_column(String(32), default=None)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    relapse_count: Mapped[int] = mapped_column(Integer, default=0)
    lookback_due: Mapped[dt.date | None] = mapped_column(Date, default=None)
    area_ha: Mapped[float | None] = mapped_column(Float, default=None)
    geometry_geojson: Mapped[str | None] = mapped_column(Text, default=None)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )


class CaseEvent(Base):
    """One entry of a case's history: created, a transition, a comment, an attachment, an
    assignment. ``payload`` keeps what the actor gave."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    transition: Mapped[str | None] = mapped_column(String(32), default=None)
    from_state: Mapped[str | None] = mapped_column(String(32), default=None)
    to_state: Mapped[str | None] = mapped_column(String(32), default=None)
    actor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")


class CaseComment(Base):
    """A comment on a case."""

    __tablename__ = "case_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    author_id: Mapped[int | None] = mapped_column(Integer, default=None)
    author: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)


class CaseAttachment(Base):
    """A file attached to a case, stored once by content hash under ``<home>/attachments``.

    ``kind`` is ``evidence`` (counts for completion and close-out), ``photo`` or ``document``.
    """

    __tablename__ = "case_attachments"
    __table_args__ = (CheckConstraint("kind IN ('evidence', 'photo', 'document')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(Integer, default=None)
    uploaded_by: Mapped[str] = mapped_column(String(64))


CASE_MODELS: tuple[type[Base], ...] = (Case, CaseEvent, CaseComment, CaseAttachment)
