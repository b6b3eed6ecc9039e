"""Reference tables: kommune numbers and outlines, substations and logistics nodes; idempotent upserts.

Upserts rewrite a row only when a value differs (ON CONFLICT … DO UPDATE … WHERE row IS DISTINCT FROM
excluded), so loading the same files twice changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, Table, bindparam, func, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert

Row = dict[str, Any]

# The reference tables, in the order they are loaded (a table's references come before it).
TABLES: tuple[str, ...] = (
    "fylke",
    "kommune",
    "kommune_number_history",
    "substation",
    "logistics_node",
    "cluster",
)
# Natural keys of each table, and how a key is spelt as one string for the stale-row deletes.
KEYS: dict[str, tuple[str, ...]] = {
    "fylke": ("nr",),
    "kommune": ("nr",),
    "kommune_number_history": ("old_nr", "new_nr"),
    "substation": ("source_id",),
    "logistics_node": ("kind", "name"),
    "cluster": ("name",),
}
# Rows no longer in the files are deleted only when nothing references them; kommuner and fylker never.
_DELETE_STALE: dict[str, str] = {
    "kommune_number_history": "DELETE FROM kommune_number_history "
    "WHERE NOT ((old_nr || '>' || new_nr) = ANY(:keys))",
    "substation": "DELETE FROM substation s WHERE NOT (s.source_id = ANY(:keys)) "
    "AND NOT EXISTS (SELECT 1 FROM site WHERE site.nearest_substation_id = s.id)",
    "logistics_node": "DELETE FROM logistics_node n WHERE NOT ((n.kind || '|' || n.name) = ANY(:keys)) "
    "AND NOT EXISTS (SELECT 1 FROM site_logistics sl WHERE sl.node_id = n.id)",
    "cluster": "DELETE FROM cluster WHERE NOT (name = ANY(:keys))",
}
_KEY_JOIN = {"kommune_number_history": ">", "logistics_node": "|"}


def _table(name: str) -> Table:
    # Imported here: only the reference load needs the ORM's tables, and importing registry.models (with
    # geoalchemy2) is a large part of the start-up of every `naering submit`, which only reads these tables.
    from registry import models

    if name not in TABLES:
        raise KeyError(name)
    table: Table = models.Base.metadata.tables[name]
    return table


def upsert(conn: Connection, name: str, rows: Sequence[Row]) -> tuple[int, int]:
    """Insert or update rows on their natural key; rewrite a row only if a value differs.

    Returns (rows given, rows inserted or changed).
    """
    if not rows:
        return 0, 0
    # Imported here, like registry.models in _table: geoalchemy2 is needed by the reference load only.
    from geoalchemy2.shape import from_shape

    from registry.models import SRID

    table, key = _table(name), KEYS[name]
    params = [{k: (from_shape(v, srid=SRID) if k == "geom_25833" else v) for k, v in r.items()} for r in rows]
    insert = pg_insert(table)
    columns = [c for c in params[0] if c not in key]
    current = tuple_(*(table.c[c] for c in columns))
    incoming = tuple_(*(insert.excluded[c] for c in columns))
    statement = insert.on_conflict_do_update(
        index_elements=[table.c[c] for c in key],
        set_={c: insert.excluded[c] for c in columns},
        where=current.is_distinct_from(incoming),
    ).returning(table.c[key[0]])
    changed = conn.execute(statement, params).all()
    return len(rows), len(changed)


def delete_missing(conn: Connection, name: str, rows: Sequence[Row]) -> int:
    """Delete the table's rows whose key is not among `rows` (unless referenced); return how many."""
    joiner = _KEY_JOIN.get(name, "")
    keys = [joiner.join(str(r[k]) for k in KEYS[name]) for r in rows]
    return conn.execute(text(_DELETE_STALE[name]).bindparams(bindparam("keys", value=keys))).rowcount


def kommune_numbers(conn: Connection) -> set[str]:
    return set(conn.execute(select(_table("kommune").c.nr)).scalars())


def kommune_numbers_by_name(conn: Connection) -> dict[str, str]:
    """Lower-cased kommune name → number."""
    kommune = _table("kommune")
    return {r[0]: r[1] for r in conn.execute(select(func.lower(kommune.c.name), kommune.c.nr))}


def counts(conn: Connection) -> dict[str, int]:
    return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES}


def kommune_names(conn: Connection) -> dict[str, str]:
    """2024 kommune number → name."""
    return {r[0]: r[1] for r in conn.execute(text("SELECT nr, name FROM kommune"))}


def primary_successors(conn: Connection) -> dict[str, str]:
    """Each 2020–2023 kommune number → its primary 2024 number (the one that took most of it)."""
    return {
        r[0]: r[1]
        for r in conn.execute(
            text("SELECT old_nr, new_nr FROM kommune_number_history WHERE is_primary AND old_nr <> new_nr")
        )
    }


def kommune_outline(conn: Connection, nr: str) -> BaseGeometry | None:
    """The kommune's outline in EPSG:25833, or None."""
    wkb = conn.execute(
        text("SELECT ST_AsBinary(geom_25833) FROM kommune WHERE nr = :nr"), {"nr": nr}
    ).scalar()
    return None if wkb is None else shapely.from_wkb(bytes(wkb))


def _points(
    conn: Connection, sql: str, params: dict[str, str] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = conn.execute(text(sql), params or {}).all()
    if not rows:
        return np.empty(0, dtype=int), np.empty(0, dtype=object), np.empty(0)
    ids = np.array([r[0] for r in rows])
    geoms = shapely.from_wkb([bytes(r[1]) for r in rows])
    extra = np.array([r[2] for r in rows], dtype=float)
    return ids, geoms, extra


def substation_points(conn: Connection) -> tuple[np.ndarray, np.ndarray]:
    """(ids, points in EPSG:25833) of every substation."""
    ids, geoms, _ = _points(conn, "SELECT id, ST_AsBinary(geom_25833), 0 FROM substation")
    return ids, geoms


def logistics_points(conn: Connection, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, points in EPSG:25833, precision in km) of the logistics nodes of one kind."""
    return _points(
        conn,
        "SELECT id, ST_AsBinary(geom_25833), precision_km FROM logistics_node WHERE kind = :kind",
        {"kind": kind},
    )


def seed_organisations(conn: Connection, rows: Sequence[Row]) -> int:
    """Add organisation numbers that are missing; rows edited by the secretariat are never overwritten."""
    if not rows:
        return 0
    result = conn.execute(
        text(
            "INSERT INTO org_kommune (orgnr, kommune_nr, name, source) "
            "SELECT orgnr, kommune_nr, name, source FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
            "AS r(orgnr text, kommune_nr text, name text, source text) "
            "WHERE EXISTS (SELECT 1 FROM kommune k WHERE k.nr = r.kommune_nr) ON CONFLICT (orgnr) DO NOTHING"
        ),
        {"rows": json.dumps(list(rows))},
    )
    return result.rowcount


def data_dates(conn: Connection | Any) -> dict[str, Any]:
    """When the reference data describe: the newest grid-capacity date, and how many rows each holds."""
    row = (
        conn.execute(
            text("""
        SELECT (SELECT max(capacity_date) FROM substation) AS capacity_date,
               (SELECT count(*) FROM substation) AS substations,
               (SELECT count(*) FROM logistics_node) AS logistics_nodes,
               (SELECT count(*) FROM kommune) AS kommuner,
               (SELECT count(*) FROM site WHERE status = 'published') AS published_sites
    """)
        )
        .mappings()
        .one()
    )
    return dict(row)
