"""Queries and writes for a kommune editing its own sites one by one (registry.services.site_edit).

Every function runs inside the caller's transaction (a `registry.db.transaction` session, whose actor
the site_history trigger records). Column names in the written statements come only from the site
record (`schemas.site.FIELDS_BY_COLUMN`), never from the caller's text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import RowMapping, text
from sqlalchemy.orm import Session

from registry.store.site_load import Overlap
from schemas.site import AXES, FIELDS_BY_COLUMN, LOADED_COLUMNS

# What the list of a kommune's sites shows beside each site: its facts and the axes' verification dates.
LIST_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys(
        (
            "id",
            "kommune_nr",
            "name",
            "reference",
            "status",
            "area_m2",
            "maturity",
            "power_status",
            "availability",
            "land_control",
            "evidence",
            "updated_at",
            *(c for a in AXES for c in (a.column, a.verified_at, a.verified_by)),
        )
    )
)


def _column(name: str) -> str:
    """`name` if it is a column of the site record (the only names put into SQL text here)."""
    if name not in FIELDS_BY_COLUMN:
        raise ValueError(f"not a site column: {name!r}")
    return name


def kommune_sites(session: Session, kommune_nr: str, *, statuses: Sequence[str]) -> Sequence[RowMapping]:
    """The kommune's sites whose status is among `statuses`, by name."""
    return (
        session.execute(
            text(
                f"SELECT {', '.join(LIST_COLUMNS)} FROM site "
                "WHERE kommune_nr = :k AND status = ANY(:statuses) ORDER BY name, reference, id"
            ),
            {"k": kommune_nr, "statuses": list(statuses)},
        )
        .mappings()
        .all()
    )


def site(session: Session, site_id: int, *, lock: bool = False) -> RowMapping | None:
    """One site, whatever its status: every column, its version (`version`: a digest of the whole row, so
    any change to any column changes it), its outline in CRS84 GeoJSON (`geojson`) and in EPSG:25833 WKB
    (`geom_wkb`); `lock` holds the row until the transaction ends."""
    return (
        session.execute(
            text(
                "SELECT s.*, md5(s::text) AS version, "
                "ST_AsGeoJSON(ST_Transform(s.geom_25833, 4326), 7) AS geojson, "
                "ST_AsBinary(s.geom_25833) AS geom_wkb FROM site s WHERE s.id = :id"
                + (" FOR UPDATE" if lock else "")
            ),
            {"id": site_id},
        )
        .mappings()
        .first()
    )


def geometry(row: Mapping[Any, Any]) -> BaseGeometry:
    """The outline of a row read by `site` or `live_sites_with_outline` (EPSG:25833)."""
    return shapely.from_wkb(bytes(row["geom_wkb"]))


def update_columns(session: Session, site_id: int, values: Mapping[Any, Any]) -> None:
    """Set the given columns of one site (values as Python objects; lists become text[])."""
    if not values:
        return
    sets = ", ".join(f"{_column(c)} = :v_{c}" for c in values)
    session.execute(
        text(f"UPDATE site SET {sets} WHERE id = :id"),
        {"id": site_id, **{f"v_{c}": v for c, v in values.items()}},
    )


def live_reference_holder(
    session: Session, kommune_nr: str, reference: str | None, *, other_than: int | None = None
) -> RowMapping | None:
    """The live (draft or published) site of the kommune holding `reference`, other than `other_than`."""
    if reference is None:
        return None
    return (
        session.execute(
            text(
                "SELECT id, name, status FROM site WHERE kommune_nr = :k AND reference = :r "
                "AND status <> 'archived' AND id IS DISTINCT FROM :other LIMIT 1"
            ),
            {"k": kommune_nr, "r": reference, "other": other_than},
        )
        .mappings()
        .first()
    )


def status_before_archive(session: Session, site_id: int) -> str | None:
    """The status the site had when it was last archived, read from its history (None if not recorded)."""
    return session.execute(
        text(
            "SELECT before->>'status' FROM site_history WHERE site_id = :id AND action = 'archive' "
            "ORDER BY id DESC LIMIT 1"
        ),
        {"id": site_id},
    ).scalar()


def insert_site(
    session: Session,
    values: Mapping[str, Any],
    geom: BaseGeometry,
    *,
    status: str,
    created_at: Any,
    logistics_method: str | None = None,
) -> int:
    """Insert one site of the loaded columns in `values` (others take their defaults); return its id.
    `logistics_method` names how the logistics distances among `values` were computed."""
    cols = [_column(c) for c in values if c in LOADED_COLUMNS]
    system = ["geom_25833", "status", "created_at", "updated_at", "logistics_method", "logistics_computed_at"]
    names = ", ".join([*cols, *system])
    params = ", ".join(
        [
            *(f":v_{c}" for c in cols),
            "ST_GeomFromWKB(:geom, 25833)",
            ":status",
            ":at",
            ":at",
            ":method",
            ":computed",
        ]
    )
    return int(
        session.execute(
            text(f"INSERT INTO site ({names}) VALUES ({params}) RETURNING id"),
            {
                **{f"v_{c}": values[c] for c in cols},
                "geom": shapely.to_wkb(geom),
                "status": status,
                "at": created_at,
                "method": logistics_method,
                "computed": created_at if logistics_method else None,
            },
        ).scalar_one()
    )


def overlaps(
    session: Session, geom: BaseGeometry, *, kommune_nr: str, other_than: int | None
) -> list[Overlap]:
    """Live sites of the kommune or its neighbours that `geom` (EPSG:25833) overlaps, with the share of
    the smaller of the two covered (as the file intake's `site_load.overlaps`)."""
    rows = session.execute(
        text("""
        WITH near AS (
          SELECT n.nr FROM kommune k JOIN kommune n ON ST_Intersects(k.geom_25833, n.geom_25833)
          WHERE k.nr = :k
        ), g AS (SELECT ST_GeomFromWKB(:geom, 25833) AS geom)
        SELECT t.id, t.name, t.kommune_nr,
               ST_Area(ST_Intersection(g.geom, t.geom_25833)) / LEAST(ST_Area(g.geom), t.area_m2) AS share
        FROM site t, g
        WHERE t.geom_25833 && g.geom AND ST_Intersects(t.geom_25833, g.geom)
          AND t.status <> 'archived' AND t.kommune_nr IN (SELECT nr FROM near)
          AND t.id IS DISTINCT FROM :other
        ORDER BY t.id
    """),
        {"k": kommune_nr, "geom": shapely.to_wkb(geom), "other": other_than},
    ).all()
    return [Overlap(1, int(r[0]), r[1], r[2], float(r[3])) for r in rows]


def live_sites_with_outline(session: Session, kommune_nr: str) -> Sequence[RowMapping]:
    """The kommune's live sites (draft and published), every column and the outline as EPSG:25833 WKB
    (`geom_wkb`), by reference."""
    return (
        session.execute(
            text(
                "SELECT s.*, ST_AsBinary(s.geom_25833) AS geom_wkb FROM site s "
                "WHERE s.kommune_nr = :k AND s.status <> 'archived' ORDER BY s.reference, s.name, s.id"
            ),
            {"k": kommune_nr},
        )
        .mappings()
        .all()
    )


def history(session: Session, site_id: int, *, limit: int, offset: int) -> Sequence[RowMapping]:
    """The site's history rows, oldest first: the row before and after (JSON, geometry left out) and
    whether the outline changed (`geom_changed`; always true for an insert)."""
    return (
        session.execute(
            text(
                "SELECT id, action, changed_at, changed_by, before, after, "
                "(action = 'insert' OR geom_before IS NOT NULL) AS geom_changed "
                "FROM site_history_rows WHERE site_id = :id ORDER BY id LIMIT :limit OFFSET :offset"
            ),
            {"id": site_id, "limit": limit, "offset": offset},
        )
        .mappings()
        .all()
    )


def history_count(session: Session, site_id: int) -> int:
    """How many history rows the site has."""
    return int(
        session.execute(
            text("SELECT count(*) FROM site_history WHERE site_id = :id"), {"id": site_id}
        ).scalar_one()
    )
