"""Use case: the data behind the region map — light GeoJSON of published sites in CRS84.

Staleness comes from the one rule of the site record (`schemas.site.site_is_stale`), as in the API
and the export.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from registry.store import sites as store
from schemas.site import MAP_COLUMNS, site_is_stale


def map_sites(session: Session, *, tolerance_m: float = 2.0) -> dict[str, Any]:
    """Published sites with the properties a map popup needs (maps.region's contract)."""
    features = []
    for r in store.map_rows(session, tolerance_m=tolerance_m):
        props = {c: r[c] for c in MAP_COLUMNS}
        props.update(
            {
                "kommune_name": r["kommune_name"],
                "stale": site_is_stale(r),
                "contact_email": r["contact_email"],
                "contact_role": r["contact_role"],
                "url": f"/api/v1/sites/{r['id']}",
            }
        )
        features.append({"type": "Feature", "geometry": json.loads(r["g"]), "properties": props})
    return {"type": "FeatureCollection", "features": features}
