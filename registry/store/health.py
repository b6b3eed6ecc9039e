"""Database checks: does it answer, is PostGIS there, which schema revision, is reference data loaded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, RowMapping, text

# Session only in annotations: the ORM is start-up cost for `naering submit`, which needs none of it.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def postgis_version(conn: Connection | Session) -> str | None:
    return conn.execute(text("SELECT postgis_lib_version()")).scalar()


def schema_revision(conn: Connection | Session) -> str | None:
    has = conn.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar()
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() if has else None


def has_schema(conn: Connection | Session) -> bool:
    return bool(conn.execute(text("SELECT to_regclass('kommune') IS NOT NULL")).scalar())


def has_reference_data(conn: Connection | Session) -> bool:
    return bool(conn.execute(text("SELECT EXISTS (SELECT 1 FROM kommune)")).scalar())


def replica_state(conn: Connection | Session) -> RowMapping:
    """On the server behind the read URL: whether it replays a primary's WAL, the age of the last
    transaction it replayed (seconds; NULL before the first) and whether it has replayed all it received."""
    return (
        conn.execute(
            text(
                "SELECT pg_is_in_recovery() AS in_recovery,"
                " EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 AS replay_age_s,"
                " COALESCE(pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), false) AS caught_up"
            )
        )
        .mappings()
        .one()
    )
