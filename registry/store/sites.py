"""Read queries on sites: search with filters, one site, its logistics and substation, map rows.

Rows come back as mappings of `site` columns (plus the joined kommune and contact columns); the services
turn them into the API's properties with `schemas.site.site_properties`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.orm import Session

from schemas.site import MAP_COLUMNS, STALENESS_COLUMNS
from schemas.taxonomy import MATURITY, POWER, ROAD_ACCESS

_SITE_SELECT = """
SELECT s.*, k.name AS kommune_name, k.regionraad,
       ST_AsGeoJSON(ST_Transform(s.geom_25833, 4326), 7) AS geojson,
       p.contact_role, p.email AS contact_email, p.phone AS contact_phone, p.response_hours
FROM site s
JOIN kommune k ON k.nr = s.kommune_nr
LEFT JOIN kommune_profile p ON p.kommune_nr = s.kommune_nr
"""


@dataclass(frozen=True)
class SiteFilter:
    kommune: str | None = None
    min_area_m2: float | None = None
    maturity_min: str | None = None
    power_min: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # lon/lat, CRS84
    statuses: tuple[str, ...] = ("published",)


def _where(f: SiteFilter) -> tuple[str, dict[str, Any]]:
    clauses = ["s.status = ANY(:statuses)"]
    params: dict[str, Any] = {"statuses": list(f.statuses)}
    if f.kommune:
        clauses.append("s.kommune_nr = :kommune")
        params["kommune"] = f.kommune
    if f.min_area_m2 is not None:
        clauses.append("s.area_m2 >= :min_area")
        params["min_area"] = f.min_area_m2
    if f.maturity_min:
        clauses.append("s.maturity = ANY(:maturities)")
        params["maturities"] = list(MATURITY.codes[MATURITY.rank(f.maturity_min) :])
    if f.power_min:
        clauses.append("s.power_status = ANY(:powers)")
        params["powers"] = list(POWER.codes[POWER.rank(f.power_min) :])
    if f.bbox:
        clauses.append("s.geom_25833 && ST_Transform(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326), 25833)")
        params.update(dict(zip(("x0", "y0", "x1", "y1"), f.bbox, strict=True)))
    return " WHERE " + " AND ".join(clauses), params


def search(
    session: Session, filters: SiteFilter, *, limit: int, offset: int
) -> tuple[Sequence[RowMapping], int]:
    """One page of sites matching the filters, and how many match in all."""
    where, params = _where(filters)
    total = session.execute(text("SELECT count(*) FROM site s" + where), params).scalar_one()
    rows = (
        session.execute(
            text(_SITE_SELECT + where + " ORDER BY s.kommune_nr, s.name, s.id LIMIT :limit OFFSET :offset"),
            {**params, "limit": limit, "offset": offset},
        )
        .mappings()
        .all()
    )
    return rows, int(total)


def get(session: Session, site_id: int, *, statuses: Sequence[str]) -> RowMapping | None:
    """One site if its status is among `statuses`, else None."""
    return (
        session.execute(
            text(_SITE_SELECT + " WHERE s.id = :id AND s.status = ANY(:statuses)"),
            {"id": site_id, "statuses": list(statuses)},
        )
        .mappings()
        .first()
    )


def all_with_status(session: Session, *, statuses: Sequence[str]) -> Sequence[RowMapping]:
    """Every site whose status is among `statuses`, by kommune and name (exports)."""
    return (
        session.execute(
            text(_SITE_SELECT + " WHERE s.status = ANY(:statuses) ORDER BY s.kommune_nr, s.name, s.id"),
            {"statuses": list(statuses)},
        )
        .mappings()
        .all()
    )


def logistics(session: Session, site_id: int) -> Sequence[RowMapping]:
    """The site's distances to the nearest logistics node of each kind."""
    return (
        session.execute(
            text("""
        SELECT l.kind, n.name, n.road, n.code, n.note, l.distance_km, l.precision_km, l.method,
               n.coord_source
        FROM site_logistics l JOIN logistics_node n ON n.id = l.node_id
        WHERE l.site_id = :id ORDER BY l.kind
    """),
            {"id": site_id},
        )
        .mappings()
        .all()
    )


def all_logistics(session: Session) -> Sequence[RowMapping]:
    """Every site's logistics distances (exports)."""
    return (
        session.execute(
            text("""
        SELECT l.site_id, l.kind, n.name, n.road, l.distance_km, l.precision_km FROM site_logistics l
        JOIN logistics_node n ON n.id = l.node_id
    """)
        )
        .mappings()
        .all()
    )


def substation(session: Session, substation_id: int | None) -> RowMapping | None:
    """A substation's published capacity, or None."""
    if substation_id is None:
        return None
    return (
        session.execute(
            text("""
        SELECT name, grid_company, available_cons_mw, reserved_cons_mw, available_prod_mw,
               capacity_date, caveat
        FROM substation WHERE id = :id
    """),
            {"id": substation_id},
        )
        .mappings()
        .first()
    )


def count_published(session: Session) -> int:
    """How many sites are published (what the region map would have to draw)."""
    return int(session.execute(text("SELECT count(*) FROM site WHERE status = 'published'")).scalar_one())


def map_rows(session: Session, *, tolerance_m: float, limit: int, max_points: int) -> Sequence[RowMapping]:
    """At most `limit` published sites with the columns the region map needs, in CRS84.

    Outlines are simplified by `tolerance_m`; one still above `max_points` vertices is drawn as its
    oriented envelope, so no single site can make the page unbounded. Beside each site: its main road
    access (distance, precision, node and road).
    """
    columns = ", ".join(f"s.{c}" for c in dict.fromkeys((*MAP_COLUMNS, *STALENESS_COLUMNS)))
    return (
        session.execute(
            text(f"""
        SELECT {columns}, k.name AS kommune_name, p.email AS contact_email, p.contact_role,
               l.distance_km AS road_km, l.precision_km AS road_precision_km, n.name AS road_node,
               n.road,
               ST_AsGeoJSON(ST_Transform(
                   CASE WHEN ST_NPoints(g.simple) <= :max_points THEN g.simple
                        ELSE ST_OrientedEnvelope(g.simple) END, 4326), 6) AS g
        FROM site s JOIN kommune k ON k.nr = s.kommune_nr
        CROSS JOIN LATERAL (SELECT ST_SimplifyPreserveTopology(s.geom_25833, :tol) AS simple) g
        LEFT JOIN kommune_profile p ON p.kommune_nr = s.kommune_nr
        LEFT JOIN site_logistics l ON l.site_id = s.id AND l.kind = :road_kind
        LEFT JOIN logistics_node n ON n.id = l.node_id
        WHERE s.status = 'published'
        ORDER BY s.id
        LIMIT :limit
    """),
            {"tol": tolerance_m, "limit": limit, "max_points": max_points, "road_kind": ROAD_ACCESS},
        )
        .mappings()
        .all()
    )


def kommune_aggregates(session: Session) -> Sequence[RowMapping]:
    """Published sites counted per kommune and demo flag: sites, area, and where they lie (CRS84).

    Computed in the database, one row per kommune and flag, so its size is bounded by the kommune list.
    The position is the mean of the sites' bounding-box centres (cheap: read from each geometry's box).
    """
    return (
        session.execute(
            text("""
        WITH a AS (
            SELECT kommune_nr, is_demo, count(*) AS sites, sum(area_m2) AS area_m2,
                   avg((ST_XMin(geom_25833) + ST_XMax(geom_25833)) / 2) AS x,
                   avg((ST_YMin(geom_25833) + ST_YMax(geom_25833)) / 2) AS y
            FROM site WHERE status = 'published'
            GROUP BY kommune_nr, is_demo
        )
        SELECT a.kommune_nr, k.name AS kommune_name, a.is_demo, a.sites, a.area_m2,
               ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_MakePoint(a.x, a.y), 25833), 4326), 6) AS g
        FROM a JOIN kommune k ON k.nr = a.kommune_nr
        ORDER BY a.kommune_nr, a.is_demo
    """)
        )
        .mappings()
        .all()
    )
