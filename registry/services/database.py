"""Use cases on the database itself: readiness (/readyz, the commands) and migrations."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from registry import db
from registry.services.access import Principal, require_admin
from registry.store import health as store


class Readiness(Enum):
    READY = "ready"
    NO_ANSWER = "no-answer"  # the server does not answer
    NOT_MIGRATED = "not-migrated"  # no schema, or (when asked for) no reference data


def readiness(engine: Engine, *, require_reference: bool = True) -> tuple[Readiness, str | None]:
    """Whether the database can serve the commands, and the error's class name when it does not answer."""
    try:
        with engine.connect() as conn:
            ready = store.has_schema(conn) and (not require_reference or store.has_reference_data(conn))
    except SQLAlchemyError as exc:
        return Readiness.NO_ANSWER, exc.__class__.__name__
    return (Readiness.READY if ready else Readiness.NOT_MIGRATED), None


def migrate(url: str, revision: str = "head") -> str | None:
    """Apply migrations up to `revision`; return the revision the database is at."""
    db.upgrade(url, revision)
    return current_revision(url)


def revert(url: str, revision: str = "-1") -> str | None:
    """Revert migrations down to `revision`; return the revision the database is at."""
    db.downgrade(url, revision)
    return current_revision(url)


def current_revision(url: str) -> str | None:
    with db.get_engine(url).connect() as conn:
        return store.schema_revision(conn)


@dataclass(frozen=True)
class Check:
    """One readiness check: whether it passed, and what it saw (no secrets, no personal data)."""

    ok: bool
    detail: dict[str, str | float | bool | None]


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration shipped with this code (Alembic's head), read once from the scripts."""
    from alembic.script import ScriptDirectory  # imported here: start-up cost for every other command

    return ScriptDirectory.from_config(db.alembic_config("")).get_current_head()


def check_primary(engine: Engine) -> tuple[Check, Check]:
    """The primary answers (with PostGIS), and its schema is at this code's head revision."""
    try:
        with engine.connect() as conn:
            postgis, revision = store.postgis_version(conn), store.schema_revision(conn)
    except SQLAlchemyError as exc:
        failed = Check(False, {"error": exc.__class__.__name__})
        return failed, Check(False, {"revision": None, "head": head_revision(), "error": "no database"})
    head = head_revision()
    return (
        Check(True, {"postgis": postgis}),
        Check(revision == head, {"revision": revision, "head": head}),
    )


def check_replica(engine: Engine, *, max_lag_s: float) -> Check:
    """The server behind the read URL answers and lags at most `max_lag_s` behind the primary.

    Lag is the age of the last transaction it replayed, or 0 when it has replayed all it received (an
    idle primary writes nothing, so an old last transaction is no lag then). A server that is not in
    recovery is a primary: nothing to lag behind."""
    try:
        with engine.connect() as conn:
            state = store.replica_state(conn)
    except SQLAlchemyError as exc:
        return Check(False, {"error": exc.__class__.__name__})
    lag_s = replica_lag_s(state["in_recovery"], state["replay_age_s"], state["caught_up"])
    detail: dict[str, str | float | bool | None] = {
        "in_recovery": state["in_recovery"],
        "lag_s": lag_s,
        "max_lag_s": max_lag_s,
    }
    return Check(lag_s is not None and lag_s <= max_lag_s, detail)


def replica_lag_s(in_recovery: bool, replay_age_s: float | None, caught_up: bool) -> float | None:
    """Seconds behind the primary; None when unknown (a replica that has replayed nothing yet)."""
    if not in_recovery or caught_up:
        return 0.0
    return None if replay_age_s is None else max(0.0, float(replay_age_s))


def readiness_checks(
    engine: Engine, read_engine: Engine | None = None, *, max_lag_s: float = 30
) -> dict[str, Check]:
    """What /readyz reports: database, migrations and (when a read URL is set) replica."""
    database, migrations = check_primary(engine)
    checks = {"database": database, "migrations": migrations}
    if read_engine is not None:
        checks["replica"] = check_replica(read_engine, max_lag_s=max_lag_s)
    return checks


def database_roles(principal: Principal, engine: Engine, read_engine: Engine | None) -> dict[str, Any]:
    """Which server answers what (secretariat only): the primary, and the server behind the read URL
    that anonymous searches, tiles and OGC read — whether each replays a primary's WAL
    (`pg_is_in_recovery()`) and, for the read server, how far it lags."""
    require_admin(principal)
    with engine.connect() as conn:
        primary = store.replica_state(conn)
    out: dict[str, Any] = {
        "primary": {"in_recovery": bool(primary["in_recovery"])},
        "read": {"configured": read_engine is not None, "in_recovery": bool(primary["in_recovery"])},
    }
    if read_engine is not None:
        with read_engine.connect() as conn:
            state = store.replica_state(conn)
        out["read"] = {
            "configured": True,
            "in_recovery": bool(state["in_recovery"]),
            "lag_s": replica_lag_s(state["in_recovery"], state["replay_age_s"], state["caught_up"]),
        }
    return out
