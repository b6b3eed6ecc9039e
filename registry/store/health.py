"""Database checks: does it answer, is PostGIS there, which schema revision, is reference data loaded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

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
