"""Data for the maps: flat, light GeoJSON of published sites in CRS84, and member kommune outlines."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from registry.services.sites import is_stale


def map_sites(session: Session, *, tolerance_m: float = 2.0) -> dict[str, Any]:
    """Published sites with the properties a map popup needs (maps.region's contract)."""
    rows = session.execute(
        text("""
        SELECT s.id, s.name, s.kommune_nr, k.name AS kommune_name, s.area_m2, s.maturity, s.power_status,
               s.power_mw_now, s.availability, s.is_demo, p.email, p.contact_role,
               LEAST(s.maturity_verified_at, s.power_verified_at, s.availability_verified_at) AS oldest,
               (s.maturity_verified_at IS NULL OR s.power_verified_at IS NULL
                OR s.availability_verified_at IS NULL) AS unverified,
               ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(s.geom_25833, :tol), 4326), 6) AS g
        FROM site s JOIN kommune k ON k.nr = s.kommune_nr
        LEFT JOIN kommune_profile p ON p.kommune_nr = s.kommune_nr
        WHERE s.status = 'published'
        ORDER BY s.id
    """),
        {"tol": tolerance_m},
    ).all()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": json.loads(r.g),
                "properties": {
                    "id": r.id,
                    "name": r.name,
                    "kommune_nr": r.kommune_nr,
                    "kommune_name": r.kommune_name,
                    "area_m2": r.area_m2,
                    "maturity": r.maturity,
                    "power_status": r.power_status,
                    "power_mw_now": r.power_mw_now,
                    "availability": r.availability,
                    "is_demo": r.is_demo,
                    "stale": bool(r.unverified) or is_stale(r.oldest),
                    "contact_email": r.email,
                    "contact_role": r.contact_role,
                    "url": f"/api/v1/sites/{r.id}",
                },
            }
            for r in rows
        ],
    }
