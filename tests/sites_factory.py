"""Build small, valid site files for tests: squares inside a real kommune, in EPSG:4326 or 25833."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.geometry
from pyproj import Transformer
from sqlalchemy import Engine, text

TO_LONLAT = Transformer.from_crs(25833, 4326, always_xy=True)


def anchor_25833(engine: Engine, kommune_nr: str) -> tuple[float, float]:
    """A point well inside the kommune (EPSG:25833)."""
    with engine.connect() as conn:
        x, y = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(ST_Buffer(geom_25833, -500)) p "
                "FROM kommune WHERE nr = :k) q"
            ),
            {"k": kommune_nr},
        ).one()
    return float(x), float(y)


def square_25833(x: float, y: float, side_m: float, dx: float = 0.0) -> shapely.Polygon:
    return shapely.box(x + dx, y, x + dx + side_m, y + side_m)


def to_lonlat(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda c: np.column_stack(TO_LONLAT.transform(c[:, 0], c[:, 1])))


def site_props(i: int, kommune_nr: str, **extra: Any) -> dict[str, Any]:
    props = {
        "kommune_nr": kommune_nr,
        "reference": f"T-{i:03d}",
        "name": f"Testområde {i}",
        "maturity": "M3",
        "maturity_verified_at": "2026-09-01",
        "power_status": "E2",
        "power_mw_now": 4,
        "power_verified_at": "2026-09-01",
        "availability": "for_sale_or_lease",
        "availability_verified_at": "2026-09-01",
        "land_control": "kommune",
        "uses": "1340;1350",
    }
    props.update(extra)
    return props


def write_geojson(path: Path, features: list[tuple[shapely.Geometry, dict[str, Any]]]) -> Path:
    """Write RFC 7946 GeoJSON (lon/lat) with the given (geometry in lon/lat, properties) pairs."""
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": shapely.geometry.mapping(g), "properties": p} for g, p in features
        ],
    }
    path.write_text(json.dumps(fc), encoding="utf-8")
    return path
