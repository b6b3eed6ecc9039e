"""Kommune queries: the list with membership and the one-door-in profile."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
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


def _kommune(row: Any) -> dict[str, Any]:
    m = row._mapping
    profile = None
    if m["contact_role"] or m["email"]:
        profile = {
            "contact_role": m["contact_role"],
            "contact_name": m["contact_name"],
            "email": m["email"],
            "phone": m["phone"],
            "response_hours": m["response_hours"],
            "pitch_no": m["pitch_no"],
            "pitch_en": m["pitch_en"],
            "competence_no": m["competence_no"],
            "competence_en": m["competence_en"],
            "verified_at": m["verified_at"].isoformat() if m["verified_at"] else None,
            "is_demo": m["is_demo"],
        }
    return {
        "nr": m["nr"],
        "name": m["name"],
        "fylke_nr": m["fylke_nr"],
        "fylke_name": m["fylke_name"],
        "regionraad": m["regionraad"],
        "is_member": m["is_member"],
        "membership_note": m["membership_note"],
        "one_door_in": profile,
        "published_sites": m["published_sites"],
        "published_area_m2": round(float(m["published_area_m2"]), 1),
    }


def list_kommuner(session: Session, *, members_only: bool = False) -> list[dict[str, Any]]:
    where = " WHERE k.is_member" if members_only else ""
    return [_kommune(r) for r in session.execute(text(_SELECT + where + " ORDER BY k.nr")).all()]


def get_kommune(session: Session, nr: str) -> dict[str, Any] | None:
    row = session.execute(text(_SELECT + " WHERE k.nr = :nr"), {"nr": nr}).first()
    return _kommune(row) if row else None


def kommune_outlines(
    session: Session, *, members_only: bool = True, tolerance_m: float = 50.0
) -> dict[str, Any]:
    """Kommune outlines as a CRS84 FeatureCollection, simplified for maps."""
    where = " WHERE is_member" if members_only else ""
    rows = session.execute(
        text(
            "SELECT nr, name, is_member, "
            "ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(geom_25833, :tol), 4326), 6)"
            " AS g FROM kommune" + where + " ORDER BY nr"
        ),
        {"tol": tolerance_m},
    ).all()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": json.loads(r.g),
                "properties": {"nr": r.nr, "name": r.name, "is_member": r.is_member},
            }
            for r in rows
        ],
    }
