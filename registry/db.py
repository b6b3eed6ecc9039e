"""Engine, sessions and migrations. Nothing is created at import time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, text

from registry import localdb
from registry.settings import DatabaseSettings

# Who acts, per transaction (`set_config('naering.actor', ..., true)`); the history triggers read it.
ACTOR_SETTING = "naering.actor"

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url(settings: DatabaseSettings | None = None) -> str:
    """Return the SQLAlchemy URL in use: NAERING_DATABASE_URL, or the private local cluster."""
    settings = settings or DatabaseSettings()
    if settings.database_url:
        return settings.database_url
    return localdb.url(port=settings.pg_port, database=settings.pg_database)


def set_actor(conn: Connection | Session, actor: str | None) -> None:
    """Record who acts for the rest of the transaction (the history triggers read it)."""
    if actor:
        conn.execute(text("SELECT set_config(:k, :v, true)"), {"k": ACTOR_SETTING, "v": actor})


@lru_cache(maxsize=8)
def _engine_for(url: str, pool_size: int, max_overflow: int, pooled: bool = False) -> Engine:
    # Behind a transaction-mode pooler, no server-side prepared statements (psycopg prepares a query it
    # has run 5 times on a connection, which the pooler may hand to another client's transaction).
    connect_args = {"prepare_threshold": None} if pooled else {}
    return create_engine(
        url,
        pool_pre_ping=True,
        future=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_args=connect_args,
    )


def get_engine(url: str | None = None) -> Engine:
    """Return the (cached) engine for `url`, or for the configured database."""
    settings = DatabaseSettings()
    return _engine_for(
        url or database_url(settings),
        settings.pool_size,
        settings.pool_max_overflow,
        settings.database_pooled,
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    from sqlalchemy.orm import sessionmaker  # imported here: `naering submit` works on a Connection, no ORM

    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine, *, actor: str | None = None) -> Iterator[Session]:
    """Yield a session in one transaction: commit on success, roll back on any error."""
    with session_factory(engine)() as session, session.begin():
        set_actor(session, actor)
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
