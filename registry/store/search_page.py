"""What the search page reads beside the search itself: each listed site's main-road access, and the
kommuner to choose from (with a point inside each, to search near)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping, text
from sqlalchemy.orm import Session

from schemas.taxonomy import ROAD_ACCESS


def road_access(session: Session, site_ids: Sequence[int]) -> Sequence[RowMapping]:
    """The nearest main-road access of each of the sites: distance and precision (km), node and road."""
    if not site_ids:
        return []
    return (
        session.execute(
            text(
                """SELECT l.site_id, l.distance_km, l.precision_km, n.name, n.road
                FROM site_logistics l JOIN logistics_node n ON n.id = l.node_id
                WHERE l.kind = :kind AND l.site_id = ANY(:ids)"""
            ),
            {"kind": ROAD_ACCESS, "ids": list(site_ids)},
        )
        .mappings()
        .all()
    )


def kommune_choices(session: Session) -> Sequence[RowMapping]:
    """The kommuner of the regionråd and every other kommune with a published site: number, name,
    regionråd, membership, and a point inside it (lon, lat in CRS84, 5 decimals: about a metre).

    `IN`, not a correlated `EXISTS`: one pass over `ix_site_kommune_status` (≈ 40 ms at 100k sites), where
    the planner ran the `EXISTS` as a sequential scan of `site` per kommune without a site (22 s at 100k)."""
    return (
        session.execute(
            text(
                """SELECT nr, name, regionraad, is_member,
                       round(ST_X(p)::numeric, 5)::float AS lon, round(ST_Y(p)::numeric, 5)::float AS lat
                FROM (SELECT k.nr, k.name, k.regionraad, k.is_member,
                             ST_Transform(ST_PointOnSurface(k.geom_25833), 4326) AS p
                      FROM kommune k
                      WHERE k.regionraad IS NOT NULL
                         OR k.nr IN (SELECT s.kommune_nr FROM site s WHERE s.status = 'published')
                     ) q
                ORDER BY name"""
            )
        )
        .mappings()
        .all()
    )
