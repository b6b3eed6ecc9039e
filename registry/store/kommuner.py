"""Kommuner: the list with membership and one-door-in profile, outlines for maps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import RowMapping, text

from registry.store.profiles import CONTACTS_BY_KOMMUNE

# Session only in annotations: the ORM is start-up cost for `naering submit`, which needs none of it.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_SELECT = f"""
SELECT k.nr, k.name, k.fylke_nr, f.name AS fylke_name, k.regionraad, k.is_member, k.membership_note,
       p.kommune_nr IS NOT NULL AS has_profile, coalesce(kc.contacts, '[]'::jsonb) AS contacts,
       p.response_hours, p.pitch_no, p.pitch_en, p.competence_no, p.competence_en, p.labour_figures,
       p.clusters, p.verified_at, p.is_demo,
       (SELECT count(*) FROM site s WHERE s.kommune_nr = k.nr AND s.status = 'published') AS published_sites,
       (SELECT coalesce(sum(s.area_m2), 0) FROM site s WHERE s.kommune_nr = k.nr AND s.status = 'published')
         AS published_area_m2
FROM kommune k JOIN fylke f ON f.nr = k.fylke_nr
LEFT JOIN kommune_profile p ON p.kommune_nr = k.nr
LEFT JOIN ({CONTACTS_BY_KOMMUNE}) kc ON kc.kommune_nr = k.nr
"""


def list_all(session: Session, *, members_only: bool = False) -> Sequence[RowMapping]:
    where = " WHERE k.is_member" if members_only else ""
    return session.execute(text(_SELECT + where + " ORDER BY k.nr")).mappings().all()


def get(session: Session, nr: str) -> RowMapping | None:
    return session.execute(text(_SELECT + " WHERE k.nr = :nr"), {"nr": nr}).mappings().first()


def outlines(session: Session, *, members_only: bool, tolerance_m: float) -> Sequence[RowMapping]:
    """Kommune outlines in CRS84 (GeoJSON text in `g`), simplified by `tolerance_m` metres."""
    where = " WHERE is_member" if members_only else ""
    return (
        session.execute(
            text(
                "SELECT nr, name, is_member, "
                "ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(geom_25833, :tol), 4326), 6)"
                " AS g FROM kommune" + where + " ORDER BY nr"
            ),
            {"tol": tolerance_m},
        )
        .mappings()
        .all()
    )


def regionraad_names(session: Session) -> list[str]:
    """The regionråd the kommuner belong to, by name."""
    return list(
        session.execute(
            text("SELECT DISTINCT regionraad FROM kommune WHERE regionraad IS NOT NULL ORDER BY 1")
        ).scalars()
    )
