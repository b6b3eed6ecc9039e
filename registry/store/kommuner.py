"""Kommuner: the list with membership and one-door-in profile, outlines for maps, profile writes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, text
from sqlalchemy.orm import Session

_SELECT = """
SELECT k.nr, k.name, k.fylke_nr, f.name AS fylke_name, k.regionraad, k.is_member, k.membership_note,
       p.contact_role, p.contact_name, p.email, p.phone, p.response_hours, p.pitch_no, p.pitch_en,
       p.competence_no, p.competence_en, p.verified_at, p.is_demo,
       (SELECT count(*) FROM site s WHERE s.kommune_nr = k.nr AND s.status = 'published') AS published_sites,
       (SELECT coalesce(sum(s.area_m2), 0) FROM site s WHERE s.kommune_nr = k.nr AND s.status = 'published')
         AS published_area_m2
FROM kommune k JOIN fylke f ON f.nr = k.fylke_nr
LEFT JOIN kommune_profile p ON p.kommune_nr = k.nr
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


def upsert_profile(conn: Connection | Session, profile: Mapping[str, Any]) -> None:
    """Insert or update a kommune's one-door-in profile (rewritten only when it differs)."""
    conn.execute(
        text("""
                INSERT INTO kommune_profile (kommune_nr, contact_role, contact_name, email, phone,
                    response_hours,
                    pitch_no, pitch_en, competence_no, competence_en, verified_at, is_demo)
                VALUES (:kommune_nr, :contact_role, :contact_name, :email, :phone, :response_hours,
                    :pitch_no, :pitch_en, :competence_no, :competence_en, :verified_at, :is_demo)
                ON CONFLICT (kommune_nr) DO UPDATE SET contact_role = EXCLUDED.contact_role,
                    contact_name = EXCLUDED.contact_name, email = EXCLUDED.email, phone = EXCLUDED.phone,
                    response_hours = EXCLUDED.response_hours, pitch_no = EXCLUDED.pitch_no,
                    pitch_en = EXCLUDED.pitch_en, competence_no = EXCLUDED.competence_no,
                    competence_en = EXCLUDED.competence_en, verified_at = EXCLUDED.verified_at,
                    is_demo = EXCLUDED.is_demo, updated_at = now()
                WHERE (kommune_profile.contact_role, kommune_profile.email, kommune_profile.pitch_no,
                       kommune_profile.verified_at)
                  IS DISTINCT FROM
                  (EXCLUDED.contact_role, EXCLUDED.email, EXCLUDED.pitch_no, EXCLUDED.verified_at)
    """),
        dict(profile),
    )
