"""The region map's reference layers and site counts: small, bounded queries, geometry in CRS84.

The sites themselves come as vector tiles (the tiles store); these are the layers the page embeds:
kommune outlines with their regionråd and label point, substations, logistics nodes and clusters
(placed at their host kommune's point on surface).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping, text
from sqlalchemy.orm import Session

# GeoJSON in CRS84 with 5 decimals (about 1 m): enough for a region map, and a smaller page.
_DECIMALS = 5


def published_site_counts(session: Session) -> RowMapping:
    """How many sites are published (`sites`) and how many of those are demo sites (`demo`)."""
    return (
        session.execute(
            text(
                "SELECT count(*) AS sites, count(*) FILTER (WHERE is_demo) AS demo "
                "FROM site WHERE status = 'published'"
            )
        )
        .mappings()
        .one()
    )


def kommune_shapes(session: Session, *, tolerance_m: float) -> Sequence[RowMapping]:
    """Member kommuner: number, name, regionråd, simplified outline (`g`) and label point (`label`)."""
    return (
        session.execute(
            text(f"""
        SELECT nr, name, regionraad,
               ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(geom_25833, :tol), 4326),
                            {_DECIMALS}) AS g,
               ST_AsGeoJSON(ST_Transform(ST_PointOnSurface(geom_25833), 4326), {_DECIMALS}) AS label
        FROM kommune WHERE is_member ORDER BY nr
    """),
            {"tol": tolerance_m},
        )
        .mappings()
        .all()
    )


def substations(session: Session) -> Sequence[RowMapping]:
    """Every substation with its published capacity, caveat and date, as a CRS84 point (`g`)."""
    return (
        session.execute(
            text(f"""
        SELECT id, name, grid_company, available_cons_mw, reserved_cons_mw, available_prod_mw,
               capacity_date, caveat, kommune_nr,
               ST_AsGeoJSON(ST_Transform(geom_25833, 4326), {_DECIMALS}) AS g
        FROM substation ORDER BY id
    """)
        )
        .mappings()
        .all()
    )


def logistics_nodes(session: Session) -> Sequence[RowMapping]:
    """Every logistics node (airport, port, rail terminal, main road access) as a CRS84 point (`g`)."""
    return (
        session.execute(
            text(f"""
        SELECT id, kind, name, code, road, operator, precision_km,
               ST_AsGeoJSON(ST_Transform(geom_25833, 4326), {_DECIMALS}) AS g
        FROM logistics_node ORDER BY kind, name
    """)
        )
        .mappings()
        .all()
    )


def clusters(session: Session) -> Sequence[RowMapping]:
    """Clusters with a host kommune, at that kommune's point on surface (`g`, CRS84)."""
    return (
        session.execute(
            text(f"""
        SELECT c.id, c.name, c.sector, c.programme_level, c.host_city, c.kommune_nr,
               k.name AS kommune_name, c.website, c.source_url, c.source_date,
               ST_AsGeoJSON(ST_Transform(ST_PointOnSurface(k.geom_25833), 4326), {_DECIMALS}) AS g
        FROM cluster c JOIN kommune k ON k.nr = c.kommune_nr ORDER BY c.name
    """)
        )
        .mappings()
        .all()
    )
