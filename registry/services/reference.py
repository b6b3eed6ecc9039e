"""Use case: load the shipped reference data into PostGIS (`naering reference load`).

One transaction, idempotent: rows are upserted on their natural keys and rewritten only when a value
differs, so a second run changes nothing. Kommuner and fylker are never deleted; other rows no longer in
the files are deleted only when nothing references them. Reading and checking the files (etl) comes
first, so a bad file fails before the database is touched.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine

from etl.reference_read import (
    Row,
    derive_number_history,
    kommune_rows,
    read_clusters,
    read_fylker,
    read_kommuner,
    read_logistics_nodes,
    read_members,
    read_organisations,
    read_substations,
)
from registry.db import transaction
from registry.settings import PROJECT_ROOT
from registry.store import membership as membership_store
from registry.store import reference as store

DEFAULT_DATA_DIR = PROJECT_ROOT / "data" / "reference"
ACTOR = "reference-loader"
TABLES = tuple(store.TABLES)

Progress = Callable[[str], None]


def load_reference(
    engine: Engine, *, data_dir: Path = DEFAULT_DATA_DIR, progress: Progress | None = None
) -> dict[str, int]:
    """Load (or refresh) every reference table in one transaction; return the row count per table."""
    say: Progress = progress or (lambda _msg: None)
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
        _write(conn, "fylke", fylker, say)
        _write_kommuner(conn, kommune_rows(kommuner), say)
        stale = sorted(store.kommune_numbers(conn) - set(kommuner["nr"]))
        if stale:
            say(
                f"kommune: kept {len(stale)} kommune(r) not in the 2024 file (never deleted): "
                + ", ".join(stale)
            )
        _write(conn, "kommune_number_history", history, say, delete_missing=True)
        _write(conn, "substation", substations, say, delete_missing=True)
        _write(conn, "logistics_node", nodes, say, delete_missing=True)
        _write(conn, "cluster", _with_kommune_nr(conn, clusters, say), say, delete_missing=True)
        added = store.seed_organisations(
            conn, read_organisations(data_dir / "organisations" / "org_kommune.csv")
        )
        say(f"org_kommune: {added} organisation number(s) added (edited rows are kept)")
        return store.counts(conn)


def _write(
    conn: Connection, table: str, rows: list[Row], say: Progress, *, delete_missing: bool = False
) -> None:
    given, changed = store.upsert(conn, table, rows)
    say(f"{table}: {given} row(s) in the files, {changed} inserted or changed")
    if delete_missing and (deleted := store.delete_missing(conn, table, rows)):
        say(f"{table}: deleted {deleted} row(s) no longer in the reference files")


MEMBERSHIP_COLUMNS = ("is_member", "regionraad", "membership_note")


def _write_kommuner(conn: Connection, rows: list[Row], say: Progress) -> None:
    """Upsert the kommuner; membership from the members file only where the secretariat has not set it
    on the web (an edit there, in the audit log as `membership.set`, wins over the seed file)."""
    edited = membership_store.edited_on_web(conn)
    seeded = [r for r in rows if r["nr"] not in edited]
    kept = [{k: v for k, v in r.items() if k not in MEMBERSHIP_COLUMNS} for r in rows if r["nr"] in edited]
    _write(conn, "kommune", seeded, say)
    if kept:
        _write(conn, "kommune", kept, say)
        say(
            f"kommune: kept the membership edited on the web for {len(kept)} kommune(r): "
            + ", ".join(sorted(r["nr"] for r in kept))
        )


def _with_kommune_nr(conn: Connection, clusters: list[Row], say: Progress) -> list[Row]:
    """Look up each cluster's kommune by name (exact, case-insensitive); the first listed match wins."""
    by_name = store.kommune_numbers_by_name(conn)
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
