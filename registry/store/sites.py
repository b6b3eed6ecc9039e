"""Read queries on sites: search with filters, one site, its logistics and substation, map rows.

Rows come back as mappings of `site` columns (plus the joined kommune, its contacts as a JSON list and
the response time it promises); the services turn them into the API's properties with
`schemas.site.site_properties`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.orm import Session

from registry.store.profiles import CONTACTS_BY_KOMMUNE
from schemas.site import MAP_COLUMNS, STALENESS_COLUMNS
from schemas.taxonomy import MATURITY, POWER, ROAD_ACCESS

_SITE_SELECT = f"""
SELECT s.*, md5(s::text) AS version, k.name AS kommune_name, k.regionraad,
       ST_AsGeoJSON(ST_Transform(s.geom_25833, 4326), 7) AS geojson,
       coalesce(kc.contacts, '[]'::jsonb) AS contacts, p.response_hours
FROM site s
JOIN kommune k ON k.nr = s.kommune_nr
LEFT JOIN kommune_profile p ON p.kommune_nr = s.kommune_nr
LEFT JOIN ({CONTACTS_BY_KOMMUNE}) kc ON kc.kommune_nr = s.kommune_nr
"""


@dataclass(frozen=True)
class SiteFilter:
    kommune: str | None = None
    min_area_m2: float | None = None
    maturity_min: str | None = None
    power_min: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # lon/lat, CRS84
    statuses: tuple[str, ...] = ("published",)


# A lon/lat box is clipped to this domain (minLon, minLat, maxLon, maxLat) before it is projected:
# EPSG:25833 (transverse Mercator on 15°E) is defined only within some tens of degrees of 15°E, and
# every site lies at least partly inside a Norwegian kommune (validate: outside-kommune-entirely), well
# inside this domain — so clipping changes no answer (tests/test_api_search.py checks the kommuner fit).
BBOX_DOMAIN_LONLAT = (-10.0, 50.0, 40.0, 85.0)
# Longest edge segment, in degrees, of the densified box: over 0.01° a parallel in EPSG:25833 departs
# from its chord by a centimetre at most; the corners alone are off by up to hundreds of metres.
BBOX_STEP_DEG = 0.01
# Metres the inner rectangle keeps from the box's edges: more than the 1 m that PostGIS's float4
# bounding boxes may round outwards at Norwegian northings.
_INNER_MARGIN_M = 2.0


def _edge(lon0: str, lat0: str, lon1: str, lat1: str) -> str:
    """SQL for one edge of the box (a meridian or a parallel), densified and projected to EPSG:25833."""
    line = f"ST_SetSRID(ST_MakeLine(ST_MakePoint({lon0}, {lat0}), ST_MakePoint({lon1}, {lat1})), 4326)"
    return f"ST_Transform(ST_Segmentize({line}, :bbox_step), 25833)"


# The box as a polygon in EPSG:25833, its edges densified.
_BOX_25833 = "ST_Transform(ST_Segmentize(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326), :bbox_step), 25833)"
# An axis-aligned rectangle inside that polygon: east of the west edge's easternmost point, west of the
# east edge's westernmost point, and likewise north–south (meridians and parallels are monotonic in
# EPSG:25833, so nothing of the boundary crosses it). A site whose bounding box lies in it needs no
# exact test; NULL when the box is too thin to hold one.
_INNER_25833 = f"""
    SELECT CASE WHEN ST_XMax(w) + :m < ST_XMin(e) - :m AND ST_YMax(so) + :m < ST_YMin(n) - :m THEN
             ST_MakeEnvelope(ST_XMax(w) + :m, ST_YMax(so) + :m, ST_XMin(e) - :m, ST_YMin(n) - :m, 25833)
           END
    FROM (SELECT {_edge(":x0", ":y0", ":x0", ":y1")} AS w, {_edge(":x1", ":y0", ":x1", ":y1")} AS e,
                 {_edge(":x0", ":y0", ":x1", ":y0")} AS so, {_edge(":x0", ":y1", ":x1", ":y1")} AS n) edges
"""
# Sites that intersect the lon/lat box, exactly: the index finds candidates by bounding box, those
# inside the inner rectangle are in, the rest are tested against the polygon. Scalar subqueries are
# computed once per query.
_IN_BOX = f"""s.geom_25833 && ({_BOX_25833}) AND (s.geom_25833 @ ({_INNER_25833})
    OR ST_Intersects(s.geom_25833, ({_BOX_25833})))"""


def _bbox_clause(bbox: tuple[float, float, float, float], params: dict[str, Any]) -> str | None:
    """The condition for sites intersecting a lon/lat box (None: no condition), its parameters added."""
    lo_x, lo_y, hi_x, hi_y = BBOX_DOMAIN_LONLAT
    x0, y0, x1, y1 = bbox
    if x0 <= lo_x and y0 <= lo_y and x1 >= hi_x and y1 >= hi_y:
        return None  # the box holds every place a site can be
    x0, y0, x1, y1 = max(x0, lo_x), max(y0, lo_y), min(x1, hi_x), min(y1, hi_y)
    if x0 >= x1 or y0 >= y1:
        return "false"  # the box lies where no site can be
    params.update(x0=x0, y0=y0, x1=x1, y1=y1, bbox_step=BBOX_STEP_DEG, m=_INNER_MARGIN_M)
    return _IN_BOX


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
    if f.bbox and (clause := _bbox_clause(f.bbox, params)):
        clauses.append(clause)
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
        SELECT {columns}, k.name AS kommune_name, coalesce(kc.contacts, '[]'::jsonb) AS contacts,
               l.distance_km AS road_km, l.precision_km AS road_precision_km, n.name AS road_node,
               n.road,
               ST_AsGeoJSON(ST_Transform(
                   CASE WHEN ST_NPoints(g.simple) <= :max_points THEN g.simple
                        ELSE ST_OrientedEnvelope(g.simple) END, 4326), 6) AS g
        FROM site s JOIN kommune k ON k.nr = s.kommune_nr
        CROSS JOIN LATERAL (SELECT ST_SimplifyPreserveTopology(s.geom_25833, :tol) AS simple) g
        LEFT JOIN ({CONTACTS_BY_KOMMUNE}) kc ON kc.kommune_nr = s.kommune_nr
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
