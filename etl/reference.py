"""Load the shipped reference data into PostGIS: `naering reference load`.

One transaction, idempotent: rows are upserted on their natural keys and rewritten only when a value
differs (ON CONFLICT … DO UPDATE … WHERE row IS DISTINCT FROM excluded), so a second run changes
nothing. Kommuner and fylker are never deleted; other rows no longer in the files are deleted only
when nothing references them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from geoalchemy2.shape import from_shape
from sqlalchemy import Connection, Engine, Table, bindparam, func, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert

from etl.reference_read import (
    SRID,
    Row,
    derive_number_history,
    kommune_rows,
    read_clusters,
    read_fylker,
    read_kommuner,
    read_logistics_nodes,
    read_members,
    read_substations,
)
from registry.db import transaction
from registry.models import Cluster, Fylke, Kommune, KommuneNumberHistory, LogisticsNode, Substation
from registry.settings import PROJECT_ROOT

DEFAULT_DATA_DIR = PROJECT_ROOT / "data" / "reference"
ACTOR = "reference-loader"
TABLES = ("fylke", "kommune", "kommune_number_history", "substation", "logistics_node", "cluster")

Progress = Callable[[str], None]


def load_reference(
    engine: Engine, *, data_dir: Path = DEFAULT_DATA_DIR, progress: Progress | None = None
) -> dict[str, int]:
    """Load (or refresh) every reference table in one transaction; return the row count per table."""
    say: Progress = progress or (lambda _msg: None)
    # Read and transform everything first, so a bad file fails before the database is touched.
    fylker = read_fylker(data_dir / "kommuner" / "fylker_2024.geojson")
    members = read_members(data_dir / "osloregionen" / "members.csv")
    kommuner = read_kommuner(data_dir / "kommuner" / "kommuner_2024.geojson", members)
    say(f"read {len(fylker)} fylker, {len(kommuner)} kommuner, {len(members)} Osloregionen members")
    history = derive_number_history(data_dir / "kommuner" / "kommuner_2020.geojson", kommuner)
    say(f"derived {len(history)} kommune number mappings 2020 → 2024")
    substations = read_substations(data_dir / "grid")
    nodes = read_logistics_nodes(data_dir / "infrastructure" / "logistics_nodes.csv")
    clusters = read_clusters(data_dir / "clusters" / "clusters.csv")
    say(f"read {len(substations)} substations, {len(nodes)} logistics nodes, {len(clusters)} clusters")

    with transaction(engine, actor=ACTOR) as session:
        conn = session.connection()
        _report(say, "fylke", _upsert(conn, _table(Fylke), fylker, ("nr",)))
        _report(say, "kommune", _upsert(conn, _table(Kommune), kommune_rows(kommuner), ("nr",)))
        _warn_stale_kommuner(conn, set(kommuner["nr"]), say)

        _report(
            say,
            "kommune_number_history",
            _upsert(conn, _table(KommuneNumberHistory), history, ("old_nr", "new_nr")),
        )
        _delete_stale(
            conn,
            "DELETE FROM kommune_number_history WHERE NOT ((old_nr || '>' || new_nr) = ANY(:keys))",
            [f"{r['old_nr']}>{r['new_nr']}" for r in history],
            "kommune_number_history",
            say,
        )

        _report(say, "substation", _upsert(conn, _table(Substation), substations, ("source_id",)))
        _delete_stale(
            conn,
            "DELETE FROM substation s WHERE NOT (s.source_id = ANY(:keys)) "
            "AND NOT EXISTS (SELECT 1 FROM site WHERE site.nearest_substation_id = s.id)",
            [r["source_id"] for r in substations],
            "substation",
            say,
        )

        _report(say, "logistics_node", _upsert(conn, _table(LogisticsNode), nodes, ("kind", "name")))
        _delete_stale(
            conn,
            "DELETE FROM logistics_node n WHERE NOT ((n.kind || '|' || n.name) = ANY(:keys)) "
            "AND NOT EXISTS (SELECT 1 FROM site_logistics sl WHERE sl.node_id = n.id)",
            [f"{r['kind']}|{r['name']}" for r in nodes],
            "logistics_node",
            say,
        )

        cluster_rows = _with_kommune_nr(conn, clusters, say)
        _report(say, "cluster", _upsert(conn, _table(Cluster), cluster_rows, ("name",)))
        _delete_stale(
            conn,
            "DELETE FROM cluster WHERE NOT (name = ANY(:keys))",
            [r["name"] for r in cluster_rows],
            "cluster",
            say,
        )

        return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES}


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _upsert(conn: Connection, table: Table, rows: Sequence[Row], key: tuple[str, ...]) -> tuple[int, int]:
    """Insert or update rows on their natural key; rewrite a row only if a value differs.

    Returns (rows in the file, rows inserted or changed).
    """
    if not rows:
        return 0, 0
    params = [_bind_geometry(r) for r in rows]
    insert = pg_insert(table)
    columns = [c for c in params[0] if c not in key]
    current = tuple_(*(table.c[c] for c in columns))
    incoming = tuple_(*(insert.excluded[c] for c in columns))
    upsert = insert.on_conflict_do_update(
        index_elements=[table.c[c] for c in key],
        set_={c: insert.excluded[c] for c in columns},
        where=current.is_distinct_from(incoming),
    ).returning(table.c[key[0]])
    changed = conn.execute(upsert, params).all()
    return len(rows), len(changed)


def _bind_geometry(row: Row) -> Row:
    return {k: (from_shape(v, srid=SRID) if k == "geom_25833" else v) for k, v in row.items()}


def _delete_stale(conn: Connection, sql: str, keys: list[str], table: str, say: Progress) -> None:
    deleted = conn.execute(text(sql).bindparams(bindparam("keys", value=keys))).rowcount
    if deleted:
        say(f"{table}: deleted {deleted} row(s) no longer in the reference files")


def _warn_stale_kommuner(conn: Connection, numbers: set[str], say: Progress) -> None:
    stale = sorted(set(conn.execute(select(_table(Kommune).c.nr)).scalars()) - numbers)
    if stale:
        say(f"kommune: kept {len(stale)} kommune(r) not in the 2024 file (never deleted): {', '.join(stale)}")


def _with_kommune_nr(conn: Connection, clusters: list[Row], say: Progress) -> list[Row]:
    """Look up each cluster's kommune by name (exact, case-insensitive); the first listed match wins."""
    kommune = _table(Kommune)
    by_name = {r[0]: r[1] for r in conn.execute(select(func.lower(kommune.c.name), kommune.c.nr))}
    out = []
    for rec in clusters:
        names = [n.strip() for n in (rec["kommune_name"] or "").split(";") if n.strip()]
        matches = [by_name[n.lower()] for n in names if n.lower() in by_name]
        if names and not matches:
            say(f"cluster {rec['name']!r}: no kommune named {rec['kommune_name']!r}; kommune_nr left empty")
        row = {k: v for k, v in rec.items() if k != "kommune_name"}
        row["kommune_nr"] = matches[0] if matches else None
        out.append(row)
    return out


def _report(say: Progress, table: str, counts: tuple[int, int]) -> None:
    read, changed = counts
    say(f"{table}: {read} row(s) in the files, {changed} inserted or changed")
