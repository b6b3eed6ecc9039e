"""Read queries on sites: search with filters, one site, its logistics and substation, map rows.

Rows come back as mappings of `site` columns (plus the joined kommune, its contacts as a JSON list and
the response time it promises); the services turn them into the API's properties with
`schemas.site.site_properties`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.orm import Session

from registry.store import criteria
from registry.store.profiles import CONTACTS_BY_KOMMUNE
from schemas.site import AXES, MAP_COLUMNS, STALENESS_COLUMNS, SUMMARY_COLUMNS
from schemas.taxonomy import MATURITY, POWER, ROAD_ACCESS

_JOINED = f"""k.name AS kommune_name, k.regionraad,
       ST_AsGeoJSON(ST_Transform(s.geom_25833, 4326), 7) AS geojson,
       coalesce(kc.contacts, '[]'::jsonb) AS contacts, p.response_hours
FROM site s
JOIN kommune k ON k.nr = s.kommune_nr
LEFT JOIN kommune_profile p ON p.kommune_nr = s.kommune_nr
LEFT JOIN ({CONTACTS_BY_KOMMUNE}) kc ON kc.kommune_nr = s.kommune_nr
"""
# A site with every column (exports).
_SITE_SELECT = f"SELECT s.*, {_JOINED}"
# A site's passport in one statement: the row, its version (a digest of the whole row: any change
# changes it), its distance to the nearest node of each logistics kind
# (`logistics`: JSON list by kind) and its nearest substation's published capacity (`substation`: JSON),
# each node with its place (lon, lat) for the site's map.
_PASSPORT_SELECT = f"""SELECT s.*, md5(s::text) AS version,
  (SELECT coalesce(jsonb_agg(jsonb_build_object(
            'kind', l.kind, 'name', n.name, 'road', n.road, 'code', n.code, 'note', n.note,
            'distance_km', l.distance_km, 'precision_km', l.precision_km, 'method', l.method,
            'coord_source', n.coord_source, 'lon', ST_X(c), 'lat', ST_Y(c)) ORDER BY l.kind), '[]'::jsonb)
   FROM site_logistics l JOIN logistics_node n ON n.id = l.node_id
   CROSS JOIN LATERAL ST_Transform(n.geom_25833, 4326) c WHERE l.site_id = s.id) AS logistics,
  (SELECT to_jsonb(x) FROM (SELECT name, grid_company, available_cons_mw, reserved_cons_mw,
                                   available_prod_mw, capacity_date, caveat,
                                   ST_X(c) AS lon, ST_Y(c) AS lat
                            FROM substation CROSS JOIN LATERAL ST_Transform(geom_25833, 4326) c
                            WHERE id = s.nearest_substation_id) x) AS substation,
  {_JOINED}"""
# A site in a list: only the columns its summary shows (a page reads and converts far fewer values).
_SUMMARY_SELECT = f"SELECT {', '.join(f's.{c}' for c in SUMMARY_COLUMNS)}, {_JOINED}"


@dataclass(frozen=True)
class SiteFilter:
    """What a search asks for; every field left at its default asks nothing (docs/api.md, "Search")."""

    kommune: str | None = None  # one 2024 number (kept for callers of one kommune; joins `kommuner`)
    kommuner: tuple[str, ...] = ()  # 2024 numbers: the site lies in one of them
    regionraad: tuple[str, ...] = ()
    members_only: bool = False  # only kommuner that are members of Osloregionen
    bbox: tuple[float, float, float, float] | None = None  # lon/lat, CRS84
    near: tuple[float, float] | None = None  # lon/lat, CRS84 …
    within_km: float | None = None  # … and how far from it (nearest edge of the site)
    min_area_m2: float | None = None
    max_area_m2: float | None = None
    maturity_min: str | None = None
    power_min: str | None = None
    power_mw_min: float | None = None  # MW available now
    power_mw_min_by_year: float | None = None  # MW available by `power_year` (now or a future power due)
    power_year: int | None = None
    availability: tuple[str, ...] = ()
    land_control: tuple[str, ...] = ()
    use_codes: tuple[str, ...] = ()  # SOSI purposes: the site names one of them
    max_km: tuple[tuple[str, float], ...] = ()  # (logistics kind, km): nearest node of the kind within
    road: str | None = None  # the nearest main-road junction lies on this road (E6, E18, Rv4 …)
    q: str | None = None  # full text over names and descriptions (PostgreSQL, norwegian)
    verified_since: dt.date | None = None  # every fact of the site with a value verified on or after
    include_demo: bool = True
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


# The text the full-text search reads; the same expression as the index ix_site_fulltext (migration 0006),
# so the index serves the search.
# The sort orders offered, by name (a leading "-" reverses): the SQL each sorts by, ties broken by id.
# Missing values sort last either way.
SORTS: dict[str, str] = {
    "kommune": "s.kommune_nr, s.name",
    "name": "s.name",
    "area": "s.area_m2",
    "power": "s.power_mw_now",
    "maturity": "s.maturity",
    "updated": "s.updated_at",
    **{f"distance_{name}": criteria.distance_km("m", kind) for name, kind in criteria.DISTANCE_NAMES.items()},
    "distance": "s.geom_25833 <-> (SELECT p FROM near_point)",
}
# Exact totals are counted up to this many matches; beyond it the planner's estimate is given, marked.
EXACT_TOTAL_MAX = 10_000


def _where(f: SiteFilter, params: dict[str, Any]) -> tuple[list[str], bool]:
    """The conditions of the filter (params added) and whether they read `site_match` (alias m)."""
    clauses = ["s.status = ANY(:statuses)"]
    params["statuses"] = list(f.statuses)
    kommuner = tuple(dict.fromkeys((*f.kommuner, *((f.kommune,) if f.kommune else ()))))
    if kommuner:
        clauses.append(criteria.in_kommuner("s", "kommuner"))
        params["kommuner"] = list(kommuner)
    if f.regionraad:
        clauses.append(criteria.in_regionraad("s", "regionraad"))
        params["regionraad"] = list(f.regionraad)
    if f.members_only:
        clauses.append("s.kommune_nr IN (SELECT nr FROM kommune WHERE is_member)")
    if not f.include_demo:
        clauses.append("NOT s.is_demo")
    if f.min_area_m2 is not None:
        clauses.append("s.area_m2 >= :min_area")
        params["min_area"] = f.min_area_m2
    if f.max_area_m2 is not None:
        clauses.append("s.area_m2 <= :max_area")
        params["max_area"] = f.max_area_m2
    if f.maturity_min:
        clauses.append("s.maturity = ANY(:maturities)")
        params["maturities"] = list(MATURITY.codes[MATURITY.rank(f.maturity_min) :])
    if f.power_min:
        clauses.append("s.power_status = ANY(:powers)")
        params["powers"] = list(POWER.codes[POWER.rank(f.power_min) :])
    if f.power_mw_min is not None:
        clauses.append("s.power_mw_now >= :power_mw_min")
        params["power_mw_min"] = f.power_mw_min
    if f.power_mw_min_by_year is not None and f.power_year is not None:
        clauses.append(f"{criteria.power_by_year('s', 'power_year')} >= :power_mw_by_year")
        params.update(power_year=f.power_year, power_mw_by_year=f.power_mw_min_by_year)
    for name, values in (("availability", f.availability), ("land_control", f.land_control)):
        if values:
            clauses.append(f"s.{name} = ANY(:{name})")
            params[name] = list(values)
    if f.use_codes:
        clauses.append(criteria.uses_any("s", "use_codes"))
        params["use_codes"] = list(f.use_codes)
    for kind, km in f.max_km:
        clauses.append(f"{criteria.distance_km('m', kind)} <= :km_{kind}")
        params[f"km_{kind}"] = km
    if f.road:
        clauses.append(
            "EXISTS (SELECT 1 FROM logistics_node n "
            f"WHERE n.id = s.{ROAD_ACCESS}_node_id AND n.road ~* :road)"
        )
        # The node's road text names one road or several ("E16 / E18", "Rv4 (E16 per NAF)"): the road asked
        # for is one of its words. `road` is checked as letters and digits only (api/search_params.py).
        road = re.sub(r"[^A-Za-z0-9]", "", f.road)
        params.update(road=f"(^|[^[:alnum:]]){road}([^[:alnum:]]|$)")
    if f.q:
        # The words parsed when the row was written (migration 0013): a look-up per row, also where the
        # planner walks the sort order's index rather than the GIN index.
        clauses.append("s.search_tsv @@ websearch_to_tsquery('norwegian', :q)")
        params["q"] = f.q
    if f.verified_since is not None:
        for axis in AXES:
            if axis.counts_for_site:
                clauses.append(f"(s.{axis.column} IS NULL OR s.{axis.verified_at} >= :verified_since)")
        params["verified_since"] = f.verified_since
    if f.near is not None and f.within_km is not None:
        clauses.append("ST_DWithin(s.geom_25833, (SELECT p FROM near_point), :within_m)")
        params["within_m"] = f.within_km * 1000.0
    if f.bbox and (clause := _bbox_clause(f.bbox, params)):
        clauses.append(clause)
    return clauses, bool(f.max_km)


def _order(sort: str) -> tuple[str, bool]:
    """ORDER BY for a sort name (a leading "-" reverses), ties by id; and whether it reads site_match."""
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key not in SORTS:
        raise ValueError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    direction = "DESC" if descending else "ASC"
    columns = [f"{c} {direction} NULLS LAST" for c in SORTS[key].split(", ")]
    return ", ".join([*columns, f"s.id {direction}"]), key.startswith("distance_")


def _from(f: SiteFilter, params: dict[str, Any], *, with_match: bool) -> tuple[str, str]:
    """FROM (and the WITH of the point searched near), with site_match joined when read."""
    head = ""
    if f.near is not None:
        head = (
            "WITH near_point AS (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(:near_lon, :near_lat), 4326), "
            "25833) AS p) "
        )
        params.update(near_lon=f.near[0], near_lat=f.near[1])
    join = " JOIN site_match m ON m.id = s.id" if with_match else ""
    return head, f" FROM site s{join}"


@dataclass(frozen=True)
class Total:
    """How many sites match: exact up to EXACT_TOTAL_MAX, else the planner's estimate (`exact` False)."""

    count: int
    exact: bool


def search(
    session: Session, filters: SiteFilter, *, limit: int, offset: int, sort: str = "kommune"
) -> tuple[Sequence[RowMapping], Total]:
    """One page of sites matching the filters, in the order asked for, and how many match in all.

    The page is chosen on ids alone (narrow rows sort fast; the default order walks its index and stops
    at the page's end), then the summary columns of those ids are read. A page that holds the whole
    result is its own count; otherwise the matches are counted up to EXACT_TOTAL_MAX + 1 and, beyond
    that, the planner's estimate is given. (One ordered pass reading up to 10 001 ids gave both at once,
    but cost four times as much under load: bench/README.md, "API load".) The database plans these reads
    without JIT or parallel workers (migration 0007).
    """
    if sort.removeprefix("-") == "distance" and filters.near is None:
        raise ValueError("sort by distance needs near=lon,lat")
    params: dict[str, Any] = {}
    clauses, reads_match = _where(filters, params)
    order, sort_reads_match = _order(sort)
    head, source = _from(filters, params, with_match=reads_match or sort_reads_match)
    where = " WHERE " + " AND ".join(clauses)
    ids_sql = f"SELECT s.id{source}{where} ORDER BY {order} LIMIT :limit OFFSET :offset"
    rows = (
        session.execute(
            text(
                f"{head}{_SUMMARY_SELECT} JOIN unnest(ARRAY({ids_sql})) WITH ORDINALITY AS page(id, n) "
                "ON page.id = s.id ORDER BY page.n"
            ),
            {**params, "limit": limit, "offset": offset},
        )
        .mappings()
        .all()
    )
    if len(rows) < limit and (rows or offset == 0):
        return rows, Total(offset + len(rows), True)  # the matches end on this page
    _, count_source = _from(filters, {}, with_match=reads_match)
    counted = session.execute(
        text(f"{head}SELECT count(*) FROM (SELECT 1{count_source}{where} LIMIT :cap) c"),
        {**params, "cap": EXACT_TOTAL_MAX + 1},
    ).scalar_one()
    if counted <= EXACT_TOTAL_MAX:
        return rows, Total(int(counted), True)
    plan = session.execute(
        text(f"EXPLAIN (FORMAT JSON) {head}SELECT 1{count_source}{where}"), params
    ).scalar_one()
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    return rows, Total(max(estimate, offset + len(rows), EXACT_TOTAL_MAX + 1), False)


def get(session: Session, site_id: int, *, statuses: Sequence[str]) -> RowMapping | None:
    """One site's passport row if its status is among `statuses`, else None: every column, its version,
    its logistics distances and its nearest substation (`_PASSPORT_SELECT`)."""
    return (
        session.execute(
            text(_PASSPORT_SELECT + " WHERE s.id = :id AND s.status = ANY(:statuses)"),
            {"id": site_id, "statuses": list(statuses)},
        )
        .mappings()
        .first()
    )


def kommune_boundary_near(session: Session, site_id: int, *, detail_px: float) -> str | None:
    """The boundary of the site's kommune (lines, CRS84 GeoJSON) around the site and its nearest nodes:
    within the box of them all widened on every side by its longer side plus 1 km (more than a map of
    them shows), simplified to 1/`detail_px` of that side. None when no boundary runs there."""
    return session.execute(
        text("""
        WITH things AS (
            SELECT s.geom_25833 AS g FROM site s WHERE s.id = :id
            UNION ALL
            SELECT n.geom_25833 FROM site_logistics l JOIN logistics_node n ON n.id = l.node_id
            WHERE l.site_id = :id
            UNION ALL
            SELECT b.geom_25833 FROM site s JOIN substation b ON b.id = s.nearest_substation_id
            WHERE s.id = :id
        ), ext AS (SELECT ST_SetSRID(ST_Extent(g)::geometry, 25833) AS e FROM things),
        span AS (SELECT e, greatest(ST_XMax(e) - ST_XMin(e), ST_YMax(e) - ST_YMin(e)) + 1000 AS m FROM ext)
        SELECT ST_AsGeoJSON(ST_Transform(
                   ST_SimplifyPreserveTopology(b.near, 3 * span.m / :detail_px), 4326), 6)
        FROM site s JOIN kommune k ON k.nr = s.kommune_nr CROSS JOIN span
        CROSS JOIN LATERAL ST_Intersection(ST_Boundary(k.geom_25833), ST_Expand(span.e, span.m)) AS b(near)
        WHERE s.id = :id AND NOT ST_IsEmpty(b.near)
    """),
        {"id": site_id, "detail_px": detail_px},
    ).scalar_one_or_none()


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
