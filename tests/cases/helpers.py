"""Helpers of the case tests: services as the demo users, a fixed clock, a finding factory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from ecoguard.cases.service import CaseService, NewCase
from ecoguard.registry.audit import set_actor
from ecoguard.registry.db import make_sessionmaker
from ecoguard.registry.models import User
from ecoguard.registry.scope import scope_for_user

URUMQI, KARAMAY = "650100", "650200"
#: 2026-03-20 10:00 CST
NOW = dt.datetime(2026, 3, 20, 2, 0, tzinfo=dt.UTC)

#: A close-out payload: notice 2026-03-20..26 on the provincial government's site, closed 03-28.
NOTICE = {
    "public_notice": "省政府网站",
    "notice_from": "2026-03-20",
    "notice_to": "2026-03-26",
    "closed_on": "2026-03-28",
}

PLAN = {
    "targets": ["完成整改"],
    "measures": ["拆除违建", "生态修复"],
    "responsible_unit": "乌鲁木齐市生态环境局",
    "deadline": "2026-03-31",
}


class Clock:
    """A settable clock."""

    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def service(
    session: Session, username: str, *, root: Path | None = None, clock: Clock | None = None
) -> CaseService:
    user = session.scalars(select(User).where(User.username == username)).one()
    set_actor(session, user.username, user.id)
    return CaseService(
        session, scope_for_user(session, user), attachments_root=root, clock=clock or Clock()
    )


@contextmanager
def as_user(
    factory: sessionmaker[Session],
    username: str,
    *,
    root: Path | None = None,
    clock: Clock | None = None,
) -> Iterator[CaseService]:
    """A service as ``username`` whose session commits on success."""
    with factory() as session:
        svc = service(session, username, root=root, clock=clock)
        yield svc
        session.commit()


def factory_for(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


def new_finding(ref: str, region: str = URUMQI, **kw: object) -> NewCase:
    return NewCase(
        case_type="inspection_finding",
        reference=ref,
        title=f"问题 {ref}：违规侵占自然保护区",
        region_adcode=region,
        batch="第三轮中央督察",
        details={"round": "第三轮", "level": "central", "feedback_date": "2024-02-28"},
        **kw,  # type: ignore[arg-type]
    )
