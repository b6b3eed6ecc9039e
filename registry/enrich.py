"""Enrichment: nearest substation and straight-line distances to logistics nodes, per site.

Database work behind the submission service (the points come from the reference tables); etl stays
pure. Reference points are few (hundreds), so they are fetched once and matched with a shapely STRtree,
vectorised over all sites. Distances are straight lines in EPSG:25833 from the site's outline (0 when
the point lies inside it); each logistics distance carries the precision of the node's coordinate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from sqlalchemy import Connection

from registry.store import reference as store
from schemas.taxonomy import LOGISTICS_KIND

METHOD = "straight_line_utm33"


@dataclass
class Enrichment:
    substation_id: np.ndarray  # int, -1 where none
    substation_km: np.ndarray
    # kind → (node id array, distance km array, precision km array)
    logistics: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]

    def columns(self) -> dict[str, np.ndarray]:
        """The enriched columns of the site record (`schemas.site`): ids or None, km rounded."""

        def ids(values: np.ndarray) -> np.ndarray:
            out = np.empty(len(values), dtype=object)
            out[:] = [None if v < 0 else int(v) for v in values.tolist()]
            return out

        cols = {
            "nearest_substation_id": ids(self.substation_id),
            "substation_distance_km": np.round(self.substation_km, 3),
        }
        for kind, (node, km, precision) in self.logistics.items():
            cols[f"{kind}_node_id"] = ids(node)
            cols[f"{kind}_distance_km"] = np.round(km, 3)
            cols[f"{kind}_precision_km"] = precision
        return cols


def _nearest(geoms: np.ndarray, ids: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    out_id = np.full(len(geoms), -1, dtype=np.int64)
    out_km = np.full(len(geoms), np.nan)
    live = np.flatnonzero(np.array([g is not None for g in geoms], dtype=bool))
    if not len(live) or not len(points):
        return out_id, out_km
    tree = shapely.STRtree(points)
    (src, dst), dist = tree.query_nearest(geoms[live], return_distance=True, all_matches=False)
    out_id[live[src]] = ids[dst]
    out_km[live[src]] = dist / 1000.0
    return out_id, out_km


@dataclass(frozen=True)
class ReferencePoints:
    """The substations and the logistics nodes of each kind: ids, points (and the nodes' precision)."""

    substations: tuple[np.ndarray, np.ndarray]
    logistics: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]


def reference_points(conn: Connection) -> ReferencePoints:
    """Read the points every site is measured against (hundreds of rows)."""
    return ReferencePoints(
        substations=store.substation_points(conn),
        logistics={kind: store.logistics_points(conn, kind) for kind in LOGISTICS_KIND.codes},
    )


def nearest_to(points: ReferencePoints, geoms: np.ndarray) -> Enrichment:
    """Nearest substation and logistics distances for every (non-None) geometry, with no database: the
    submission runs it beside its validation (shapely's nearest-neighbour query releases the GIL)."""
    sid, skm = _nearest(geoms, *points.substations)
    logistics = {}
    for kind, (ids, pts, precision) in points.logistics.items():
        nid, nkm = _nearest(geoms, ids, pts)
        # precision of the matched node, by position of its id (ids are few; -1 means none matched)
        prec = np.full(len(nid), np.nan)
        if len(ids):
            order = np.argsort(ids)
            pos = np.searchsorted(ids[order], nid)
            matched = nid >= 0
            prec[matched] = precision[order][pos[matched]]
        logistics[kind] = (nid, nkm, prec)
    return Enrichment(substation_id=sid, substation_km=skm, logistics=logistics)


def enrich(conn: Connection, geoms: np.ndarray) -> Enrichment:
    """Compute nearest substation and logistics distances for every (non-None) site geometry."""
    return nearest_to(reference_points(conn), geoms)
