"""Liveness with a real database check."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import SessionDep
from registry.services.database import health
from schemas.api import Health

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database does not answer"}},
)
def healthz(session: SessionDep) -> JSONResponse:
    """Check that the database answers and PostGIS is installed."""
    found = health(session)
    if not found.ok:
        return JSONResponse(Health(status="degraded", database=False).model_dump(), status_code=503)
    body = Health(status="ok", database=True, postgis=found.postgis, schema_revision=found.schema_revision)
    return JSONResponse(body.model_dump(), status_code=200)
