"""The kommune page's map: the kommune's outline, the kommuner around it, and published sites of a set of
kommuner with simplified outlines (CRS84), capped."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping, text
from sqlalchemy.orm import Session


def neighbours(session: Session, nr: str, *, within_m: float) -> Sequence[RowMapping]:
    """The kommuner whose boundary comes within `within_m` metres of kommune `nr`'s (the kommune itself
    left out), by number: a boundary they share, allowing for the small gaps and overlaps of generalised
    boundary data (a strict ST_Touches misses neighbours across a sliver)."""
    return (
        session.execute(
            text("""
        SELECT n.nr, n.name, n.is_member
        FROM kommune k JOIN kommune n
          ON n.nr <> k.nr AND ST_DWithin(n.geom_25833, k.geom_25833, :within)
        WHERE k.nr = :nr
        ORDER BY n.nr
    """),
            {"nr": nr, "within": within_m},
        )
        .mappings()
        .all()
    )


def outlines(session: Session, kommuner: Sequence[str], *, tolerance_m: float) -> Sequence[RowMapping]:
    """The boundaries of `kommuner` (nr, name, `g`: GeoJSON text in CRS84), simplified by `tolerance_m`
    metres, by number."""
    if not kommuner:
        return []
    return (
        session.execute(
            text(
                "SELECT nr, name, "
                "ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(geom_25833, :tol), 4326), 6) AS g"
                " FROM kommune WHERE nr = ANY(:kommuner) ORDER BY nr"
            ),
            {"kommuner": list(kommuner), "tol": tolerance_m},
        )
        .mappings()
        .all()
    )


def published_sites(
    session: Session, kommuner: Sequence[str], *, tolerance_m: float, limit: int, max_points: int
) -> Sequence[RowMapping]:
    """At most `limit` published sites in `kommuner`, by name, with what a map and a list show of them.

    Outlines (`g`, GeoJSON text in CRS84) are simplified by `tolerance_m`; one still above `max_points`
    vertices is drawn as its oriented envelope, so no single site can make the page unbounded.
    """
    if not kommuner:
        return []
    return (
        session.execute(
            text("""
        SELECT s.id, s.name, s.kommune_nr, k.name AS kommune_name, s.area_m2, s.maturity, s.power_status,
               s.power_mw_now, s.availability, s.is_demo,
               ST_AsGeoJSON(ST_Transform(
                   CASE WHEN ST_NPoints(g.simple) <= :max_points THEN g.simple
                        ELSE ST_OrientedEnvelope(g.simple) END, 4326), 6) AS g
        FROM site s JOIN kommune k ON k.nr = s.kommune_nr
        CROSS JOIN LATERAL (SELECT ST_SimplifyPreserveTopology(s.geom_25833, :tol) AS simple) g
        WHERE s.status = 'published' AND s.kommune_nr = ANY(:kommuner)
        ORDER BY s.name, s.id
        LIMIT :limit
    """),
            {"kommuner": list(kommuner), "tol": tolerance_m, "limit": limit, "max_points": max_points},
        )
        .mappings()
        .all()
    )


def count_published(session: Session, kommuner: Sequence[str]) -> int:
    """How many published sites lie in `kommuner`."""
    if not kommuner:
        return 0
    return int(
        session.execute(
            text("SELECT count(*) FROM site WHERE status = 'published' AND kommune_nr = ANY(:kommuner)"),
            {"kommuner": list(kommuner)},
        ).scalar_one()
    )
