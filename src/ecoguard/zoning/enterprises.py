"""Registered enterprises as projects to screen (which existing sites sit in which units).

Reads the registry's ``enterprises`` (location, GB/T 4754 industry code, name, USCC); the
caller screens them like any batch. Expected emissions are not in the registry, so clauses
with pollutant caps come out as "cannot judge" for them.
"""

from __future__ import annotations

from shapely.geometry import Point
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoguard.registry.models import Enterprise
from ecoguard.zoning.industry import normalize_code
from ecoguard.zoning.model import Issue, Project


def region_prefix(adcode: str) -> str:
    """Prefix of the admin codes within a region (``650000`` -> ``65``, ``650100`` -> ``6501``).

    Examples
    --------
    >>> region_prefix("650102")
    '650102'
    """
    code = adcode.strip()
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def enterprise_projects(
    session: Session, region: str | None = None
) -> tuple[list[Project], list[Issue]]:
    """Registered enterprises (optionally within a region) as point projects.

    Enterprises with an industry code that is not GB/T 4754 are still screened, without an
    industry, and reported.
    """
    stmt = select(Enterprise).order_by(Enterprise.uscc)
    if region:
        stmt = stmt.where(Enterprise.region_adcode.startswith(region_prefix(region)))
    projects: list[Project] = []
    issues: list[Issue] = []
    for e in session.scalars(stmt):
        industry = e.industry_code or ""
        try:
            if industry:
                normalize_code(industry)
        except ValueError as exc:
            issues.append(
                Issue(
                    "registry",
                    e.uscc,
                    "industry_code",
                    "format",
                    f"{exc}; screened without it",
                    "warning",
                )
            )
            industry = ""
        projects.append(Project(e.uscc, Point(e.lon, e.lat), industry, e.name))
    return projects, issues
