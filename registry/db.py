"""Engine, sessions and migrations. Nothing is created at import time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from registry.actor import ACTOR_SETTING
from registry.settings import DatabaseSettings, database_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True, future=True)


def get_engine(url: str | None = None) -> Engine:
    """Return the (cached) engine for `url`, or for the configured database."""
    return _engine_for(url or database_url(DatabaseSettings()))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine, *, actor: str | None = None) -> Iterator[Session]:
    """Yield a session in one transaction: commit on success, roll back on any error."""
    with session_factory(engine)() as session, session.begin():
        if actor:
            session.execute(text("SELECT set_config(:k, :v, true)"), {"k": ACTOR_SETTING, "v": actor})
        yield session


def alembic_config(url: str) -> Config:
    from alembic.config import Config  # imported here: alembic is start-up cost for every other command

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    with get_engine(url).connect() as conn:
        has = conn.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar()
        if not has:
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
