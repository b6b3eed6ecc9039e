"""Liveness with a real database check."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import SessionDep
from schemas.api import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz(session: SessionDep) -> JSONResponse:
    """Check that the database answers and PostGIS is installed."""
    try:
        postgis = session.execute(text("SELECT postgis_lib_version()")).scalar()
        revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        body = Health(status="ok", database=True, postgis=postgis, schema_revision=revision)
        return JSONResponse(body.model_dump(), status_code=200)
    except SQLAlchemyError:
        return JSONResponse(Health(status="degraded", database=False).model_dump(), status_code=503)
