"""Use cases on the database itself: health for /healthz, readiness and migrations for the command line."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from registry import db
from registry.store import health as store

# Session only in annotations: the ORM is start-up cost for `naering submit`, which needs none of it.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Health:
    ok: bool
    postgis: str | None = None
    schema_revision: str | None = None


def health(session: Session) -> Health:
    """Whether the database answers with PostGIS installed; never raises."""
    try:
        return Health(True, store.postgis_version(session), store.schema_revision(session))
    except SQLAlchemyError:
        return Health(False)


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
