"""Vector tiles of published sites (Mapbox Vector Tile, one layer `sites`) straight from PostGIS.

Both queries read the stored web-mercator columns of `site` (`geom_3857`, `point_3857`: migration 0009)
through their GiST indexes, with the tile's envelope from `ST_TileEnvelope`, and return the tile's bytes
together with the data version read in the same statement (one snapshot: the version names exactly the
rows the tile was made of).

- `detail_tile` (zoom 10 and up): one polygon per site, clipped to the tile plus its buffer.
- `aggregate_tile` (below zoom 10): one point per grid cell of `cell_px` tile pixels holding any site's
  point; the cells are aligned with the tile's edges, and a site counts in the one tile whose half-open
  box holds its point, so no site is counted twice across tiles.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from schemas.taxonomy import MATURITY

LAYER = "sites"
EXTENT = 4096  # tile pixels a side
BUFFER_PX = 64  # pixels of geometry kept beyond the tile's edge (no seams where outlines cross)

# The maturity codes in the taxonomy's order (M0 … M5): an array literal the queries index into, so the
# most advanced maturity of a cell is the highest position, whatever the codes are.
_MATURITY_ORDER = "ARRAY[" + ", ".join(f"'{c}'" for c in MATURITY.codes) + "]::text[]"

# m² per dekar (daa), the area unit the map shows.
_M2_PER_DAA = 1000.0

# The number of transactions that wrote `site` (migration 0009's `data_change`): it grows with every
# commit that becomes visible, and a reader counts exactly the writes its snapshot sees.
_VERSION = "(SELECT count(*) FROM data_change WHERE name = 'site')"

_DETAIL = f"""
WITH bounds AS (
  SELECT ST_TileEnvelope(:z, :x, :y) AS env,
         ST_TileEnvelope(:z, :x, :y, margin => {BUFFER_PX}.0 / {EXTENT}) AS wide
), features AS (
  SELECT s.id AS fid, s.id, s.name, s.kommune_nr, s.maturity, s.power_status AS power,
         round((s.area_m2 / {_M2_PER_DAA})::numeric, 1)::float8 AS area_daa, s.is_demo,
         ST_AsMVTGeom(s.geom_3857, b.env, {EXTENT}, {BUFFER_PX}, true) AS geom
  FROM site s, bounds b
  WHERE s.status = 'published' AND s.geom_3857 && b.wide
)
SELECT {_VERSION} AS version,
       (SELECT ST_AsMVT(f, '{LAYER}', {EXTENT}, 'geom', 'fid') FROM features f WHERE f.geom IS NOT NULL)
         AS body
"""

_AGGREGATE = f"""
WITH bounds AS (
  SELECT e.env, ST_XMin(e.env) AS xmin, ST_YMax(e.env) AS ymax, ST_XMax(e.env) AS xmax,
         ST_YMin(e.env) AS ymin, (ST_XMax(e.env) - ST_XMin(e.env)) / :cells AS cell_m
  FROM (SELECT ST_TileEnvelope(:z, :x, :y) AS env) e
), points AS (
  SELECT s.id, s.name, s.area_m2, s.is_demo, s.maturity, ST_X(s.point_3857) AS px, ST_Y(s.point_3857) AS py
  FROM site s, bounds b
  WHERE s.status = 'published' AND s.point_3857 && b.env
), cells AS (
  -- the cell of `cell_m` holding each point, counted from the tile's top-left corner (a grid aligned with
  -- the tile's edges: ST_SnapToGrid's with its origin there, as integers a GROUP BY hashes cheaply); a
  -- point on the tile's right or bottom edge belongs to the next tile (half-open)
  SELECT p.*, floor((p.px - b.xmin) / b.cell_m)::int AS cx, floor((b.ymax - p.py) / b.cell_m)::int AS cy
  FROM points p, bounds b
  WHERE p.px >= b.xmin AND p.px < b.xmax AND p.py > b.ymin AND p.py <= b.ymax
), grouped AS (
  SELECT count(*) AS count,
         round((sum(area_m2) / {_M2_PER_DAA})::numeric, 1)::float8 AS area_daa,
         count(*) FILTER (WHERE is_demo) AS demo_count,
         ({_MATURITY_ORDER})[max(array_position({_MATURITY_ORDER}, maturity))] AS maturity,
         CASE WHEN count(*) = 1 THEN min(id) END AS id,
         CASE WHEN count(*) = 1 THEN min(name) END AS name,
         -- drawn at the mean of its sites' points (a lone site where it is), inside its cell
         ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(avg(px), avg(py)), 3857), (SELECT env FROM bounds),
                      {EXTENT}, {BUFFER_PX}, true) AS geom
  FROM cells
  GROUP BY cx, cy
)
SELECT {_VERSION} AS version,
       (SELECT ST_AsMVT(g, '{LAYER}', {EXTENT}, 'geom') FROM grouped g WHERE g.geom IS NOT NULL) AS body
"""


@dataclass(frozen=True)
class TileBytes:
    version: int
    body: bytes  # empty when no site falls in the tile


def _run(session: Session, sql: str, params: dict[str, int]) -> TileBytes:
    row = session.execute(text(sql), params).one()
    return TileBytes(int(row.version), bytes(row.body or b""))


def detail_tile(session: Session, z: int, x: int, y: int) -> TileBytes:
    """The published sites' outlines in tile (z, x, y), with their properties (docs/api.md)."""
    return _run(session, _DETAIL, {"z": z, "x": x, "y": y})


def aggregate_tile(session: Session, z: int, x: int, y: int, *, cells: int) -> TileBytes:
    """The published sites in tile (z, x, y) counted per cell of a `cells` × `cells` grid."""
    return _run(session, _AGGREGATE, {"z": z, "x": x, "y": y, "cells": cells})


def sites_in_tile(session: Session, z: int, x: int, y: int, *, at_most: int) -> int:
    """How many published sites' outlines reach into tile (z, x, y), counted up to `at_most` + 1 (so the
    count of a dense tile costs no more than that)."""
    return int(
        session.execute(
            text(
                "SELECT count(*) FROM (SELECT 1 FROM site s WHERE s.status = 'published' "
                "AND s.geom_3857 && ST_TileEnvelope(:z, :x, :y) LIMIT :limit) t"
            ),
            {"z": z, "x": x, "y": y, "limit": at_most + 1},
        ).scalar_one()
    )


def data_version(session: Session) -> int:
    """The version of `site`'s data: changes with every statement that writes `site`."""
    return int(session.execute(text(f"SELECT {_VERSION}")).scalar_one())
