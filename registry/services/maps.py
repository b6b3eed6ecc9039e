"""Use case: the data behind the region map — light GeoJSON of published sites in CRS84.

The map never embeds more than `max_sites` site shapes: beyond that it gets counts per kommune,
computed in the database, instead of the sites. Verification comes from the one rule of the site
record (`schemas.site.site_verification`), as in the API and the export.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from registry.settings import MAP_MAX_SITES
from registry.store import sites as store
from schemas.profile import first_contact, is_complete
from schemas.site import MAP_COLUMNS, site_verification

# Simplify outlines by this many metres for the region map (below a pixel at the zooms it opens at).
MAP_TOLERANCE_M = 2.0
# A site whose simplified outline still has more vertices than this is drawn as its oriented envelope.
MAX_POINTS_PER_SITE = 2000


def _road_access(r: Any) -> dict[str, Any] | None:
    if r["road_km"] is None:
        return None
    return {
        "distance_km": r["road_km"],
        "precision_km": r["road_precision_km"],
        "name": r["road_node"],
        "road": r["road"],
    }


def map_sites(
    session: Session, *, limit: int = MAP_MAX_SITES, tolerance_m: float = MAP_TOLERANCE_M
) -> dict[str, Any]:
    """At most `limit` published sites with the properties a map popup needs (maps.region's contract)."""
    features = []
    rows = store.map_rows(session, tolerance_m=tolerance_m, limit=limit, max_points=MAX_POINTS_PER_SITE)
    for r in rows:
        by_state = site_verification(r)
        contact = first_contact(r["contacts"])
        props = {c: r[c] for c in MAP_COLUMNS}
        props.update(
            {
                "kommune_name": r["kommune_name"],
                "unverified": bool(by_state["unverified"]),
                "stale": bool(by_state["stale"]),
                "unverified_axes": [a.name for a in by_state["unverified"]],
                "stale_axes": [a.name for a in by_state["stale"]],
                "road_access": _road_access(r),
                "contact_email": contact["email"],
                "contact_phone": contact["phone"],
                "contact_role": contact["role"],
                "profile_complete": is_complete(r["contacts"]),
                "url": f"/sites/{r['id']}",  # the site's page (its data: /api/v1/sites/{id})
            }
        )
        features.append({"type": "Feature", "geometry": json.loads(r["g"]), "properties": props})
    return {"type": "FeatureCollection", "features": features}


def kommune_counts(session: Session) -> dict[str, Any]:
    """Published sites counted per kommune (demo and real apart), as CRS84 points with the counts."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": json.loads(r["g"]),
                "properties": {
                    "kommune_nr": r["kommune_nr"],
                    "kommune_name": r["kommune_name"],
                    "is_demo": r["is_demo"],
                    "sites": int(r["sites"]),
                    "area_m2": float(r["area_m2"] or 0.0),
                },
            }
            for r in store.kommune_aggregates(session)
        ],
    }


def region_map_data(session: Session, *, max_sites: int) -> dict[str, Any]:
    """What the region map draws: the sites if there are at most `max_sites`, else counts per kommune.

    Returns {"sites": FeatureCollection, "counts": FeatureCollection | None, "max_sites": int}; exactly
    one of sites and counts has features (or neither, when nothing is published).
    """
    empty: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    if store.count_published(session) <= max_sites:
        # One more than the cap: sites published since the count still cannot push the page past it.
        sites = map_sites(session, limit=max_sites + 1)
        if len(sites["features"]) <= max_sites:
            return {"sites": sites, "counts": None, "max_sites": max_sites}
    return {"sites": empty, "counts": kommune_counts(session), "max_sites": max_sites}
