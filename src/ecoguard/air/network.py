"""The air monitoring network as the registry records it: which stations assess which city."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ecoguard.registry.models import AirStation, Region


def city_assessment_points(
    session: Session, stations: Select[AirStation] | None = None
) -> dict[str, str]:
    """Station code -> prefecture adcode for the city assessment points (not 对照点).

    Parameters
    ----------
    session : Session
    stations : Select, optional
        A (scoped) selection of stations; all stations by default.
    """
    query = stations if stations is not None else select(AirStation)
    return {s.code: s.region_adcode for s in session.scalars(query) if not s.is_background}


def region_names(session: Session, adcodes: Iterable[str]) -> dict[str, str]:
    """Adcode -> region name."""
    wanted = sorted(set(adcodes))
    if not wanted:
        return {}
    rows = session.execute(select(Region.adcode, Region.name).where(Region.adcode.in_(wanted)))
    return {str(adcode): str(name) for adcode, name in rows}
