"""Use cases: the data behind the maps, in CRS84.

The region map draws the sites from vector tiles (`/tiles/sites/...`); what it embeds is small and
bounded by the reference tables: member kommuner with their regionråd, substations, logistics nodes,
clusters, and the number of published (and demo) sites for its banner (`region_map_layers`).
`map_sites` gives light GeoJSON of published sites for maps of a few sites (at most `limit`).
Verification comes from the one rule of the site record (`schemas.site.site_verification`), as in the
API and the export.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from registry.store import map_layers
from registry.store import sites as store
from schemas.profile import first_contact, is_complete
from schemas.site import MAP_COLUMNS, site_verification

# At most this many sites in one map_sites answer: a few thousand simplified outlines make a page of a
# few MB that a browser still draws smoothly (issue 7: 300k made 1 GB of HTML).
MAP_SITES_LIMIT = 3000
# Simplify outlines by this many metres for the region map (below a pixel at the zooms it opens at).
MAP_TOLERANCE_M = 2.0
# A site whose simplified outline still has more vertices than this is drawn as its oriented envelope.
MAX_POINTS_PER_SITE = 2000
# Kommune outlines on the region map: 100 m is under two pixels at zoom 10, and keeps the page small.
KOMMUNE_TOLERANCE_M = 100.0


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
    session: Session, *, limit: int = MAP_SITES_LIMIT, tolerance_m: float = MAP_TOLERANCE_M
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


def _geometry(text: str | None) -> dict[str, Any] | None:
    return json.loads(text) if text else None


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [f for f in features if f["geometry"]]}


def _kommuner(session: Session) -> dict[str, Any]:
    return _collection(
        [
            {
                "type": "Feature",
                "geometry": _geometry(r["g"]),
                "properties": {
                    "nr": r["nr"],
                    "name": r["name"],
                    "regionraad": r["regionraad"],
                    "is_member": True,
                    "label_lon_lat": (_geometry(r["label"]) or {}).get("coordinates"),
                },
            }
            for r in map_layers.kommune_shapes(session, tolerance_m=KOMMUNE_TOLERANCE_M)
        ]
    )


def _substations(session: Session) -> dict[str, Any]:
    return _collection(
        [
            {
                "type": "Feature",
                "geometry": _geometry(r["g"]),
                "properties": {
                    "id": r["id"],
                    "name": r["name"],
                    "grid_company": r["grid_company"],
                    "available_cons_mw": r["available_cons_mw"],
                    "reserved_cons_mw": r["reserved_cons_mw"],
                    "available_prod_mw": r["available_prod_mw"],
                    "capacity_date": r["capacity_date"].date().isoformat() if r["capacity_date"] else None,
                    "caveat": r["caveat"],
                    "kommune_nr": r["kommune_nr"],
                },
            }
            for r in map_layers.substations(session)
        ]
    )


def _logistics(session: Session) -> dict[str, Any]:
    return _collection(
        [
            {
                "type": "Feature",
                "geometry": _geometry(r["g"]),
                "properties": {
                    k: r[k] for k in ("id", "kind", "name", "code", "road", "operator", "precision_km")
                },
            }
            for r in map_layers.logistics_nodes(session)
        ]
    )


def _clusters(session: Session) -> dict[str, Any]:
    return _collection(
        [
            {
                "type": "Feature",
                "geometry": _geometry(r["g"]),
                "properties": {
                    **{
                        k: r[k]
                        for k in (
                            "id",
                            "name",
                            "sector",
                            "programme_level",
                            "host_city",
                            "kommune_nr",
                            "kommune_name",
                            "website",
                            "source_url",
                        )
                    },
                    "source_date": r["source_date"].isoformat() if r["source_date"] else None,
                },
            }
            for r in map_layers.clusters(session)
        ]
    )


def region_map_layers(session: Session) -> dict[str, Any]:
    """What the region map embeds; its size depends on the reference tables, not on the sites.

    Returns {"kommuner", "substations", "logistics", "clusters"} (CRS84 FeatureCollections; kommuner
    carry `regionraad` and `label_lon_lat`) and {"sites", "demo_sites"}: how many sites are published.
    """
    counts = map_layers.published_site_counts(session)
    return {
        "kommuner": _kommuner(session),
        "substations": _substations(session),
        "logistics": _logistics(session),
        "clusters": _clusters(session),
        "sites": int(counts["sites"]),
        "demo_sites": int(counts["demo"]),
    }
