"""Read queries for the OGC API's reference collections (kommuner, substations, logistics nodes) and the
spatial extent of every collection, in CRS84.

Sites are not read here: the `sites` collection is the API's site search (registry/store/sites.py).
The reference tables are small (hundreds of rows), so a bbox is tested exactly on the lon/lat geometry
(`ST_Intersects` with the lon/lat box); no projected pre-filter is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.orm import Session

Bbox = tuple[float, float, float, float]  # minLon, minLat, maxLon, maxLat (CRS84)
DIGITS = 7  # decimals of a degree in GeoJSON coordinates (1 cm), as the site search


@dataclass(frozen=True)
class Layer:
    """One reference table served as a collection: its columns, key and order."""

    table: str
    key: str
    columns: tuple[str, ...]


LAYERS: dict[str, Layer] = {
    "kommune": Layer(
        "kommune", "nr", ("nr", "name", "fylke_nr", "regionraad", "is_member", "membership_note")
    ),
    "substation": Layer(
        "substation",
        "id",
        (
            "id",
            "source_id",
            "name",
            "grid_company",
            "available_cons_mw",
            "reserved_cons_mw",
            "available_prod_mw",
            "capacity_date",
            "caveat",
            "kommune_nr",
            "source_file",
        ),
    ),
    "logistics_node": Layer(
        "logistics_node",
        "id",
        ("id", "kind", "name", "code", "road", "operator", "coord_source", "note", "precision_km"),
    ),
}

_IN_BOX = "ST_Intersects(ST_Transform(geom_25833, 4326), ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326))"


def _select(layer: Layer) -> str:
    columns = ", ".join(layer.columns)
    return (
        f"SELECT {columns}, ST_AsGeoJSON(ST_Transform(geom_25833, 4326), {DIGITS}) AS geojson "
        f"FROM {layer.table}"
    )


def page(
    session: Session, name: str, *, bbox: Bbox | None, limit: int, offset: int
) -> tuple[Sequence[RowMapping], int]:
    """One page of the table's rows (with `geojson` in CRS84) in key order, and how many match."""
    layer = LAYERS[name]
    where, params = "", {}
    if bbox is not None:
        where = " WHERE " + _IN_BOX
        params = dict(zip(("x0", "y0", "x1", "y1"), bbox, strict=True))
    total = session.execute(text(f"SELECT count(*) FROM {layer.table}" + where), params).scalar_one()
    rows = (
        session.execute(
            text(_select(layer) + where + f" ORDER BY {layer.key} LIMIT :limit OFFSET :offset"),
            {**params, "limit": limit, "offset": offset},
        )
        .mappings()
        .all()
    )
    return rows, int(total)


def one(session: Session, name: str, key: Any) -> RowMapping | None:
    """The row whose key is `key`, or None."""
    layer = LAYERS[name]
    return (
        session.execute(text(_select(layer) + f" WHERE {layer.key} = :key"), {"key": key}).mappings().first()
    )


_EXTENT_SQL = """
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(ST_Transform(geom_25833, 4326)) AS e FROM {table}{where}) q
"""


def extent(session: Session, name: str) -> Bbox | None:
    """The lon/lat box around every row of a reference table (None when it is empty)."""
    return _extent(session, LAYERS[name].table, "")


def published_sites_extent(session: Session) -> Bbox | None:
    """The lon/lat box around every published site (None when none is)."""
    return _extent(session, "site", " WHERE status = 'published'")


def _extent(session: Session, table: str, where: str) -> Bbox | None:
    row = session.execute(text(_EXTENT_SQL.format(table=table, where=where))).one()
    if row[0] is None:
        return None
    return float(row[0]), float(row[1]), float(row[2]), float(row[3])
