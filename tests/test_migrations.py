"""Migrations: up to head, down to base (nothing of ours left), and up again."""

from __future__ import annotations

import uuid

from sqlalchemy import inspect, make_url, text

from registry import db
from registry.models import Base
from registry.services.database import current_revision


def test_upgrade_downgrade_upgrade(admin_url: str) -> None:
    name = f"naering_mig_{uuid.uuid4().hex[:8]}"
    admin = db.get_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        with db.get_engine(url).begin() as conn:
            conn.execute(text("CREATE EXTENSION postgis"))
        db.upgrade(url)
        tables = set(inspect(db.get_engine(url)).get_table_names())
        assert set(Base.metadata.tables) <= tables
        assert current_revision(url) is not None

        db.downgrade(url, "base")
        left = set(inspect(db.get_engine(url)).get_table_names()) & set(Base.metadata.tables)
        assert left == set()
        with db.get_engine(url).connect() as conn:
            funcs = conn.execute(
                text("SELECT count(*) FROM pg_proc WHERE proname LIKE 'site_history_%'")
            ).scalar()
        assert funcs == 0

        db.upgrade(url)
        assert set(Base.metadata.tables) <= set(inspect(db.get_engine(url)).get_table_names())
    finally:
        db.get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_taxonomy_checks_enforced(engine) -> None:  # type: ignore[no-untyped-def]
    """The database refuses a maturity code the taxonomy does not know."""
    with engine.connect() as conn:
        defs = conn.execute(
            text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'maturity_valid'")
        ).scalar_one()
    for code in ("M0", "M5"):
        assert f"'{code}'" in defs
    assert "'M6'" not in defs
