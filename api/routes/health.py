"""Liveness (`/healthz`: the process answers) and readiness (`/readyz`: it can serve).

An orchestrator restarts a process whose liveness fails, and sends no traffic to one that is not ready.
So liveness never touches the database: a slow database must not get healthy processes killed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from registry.services.database import readiness_checks
from schemas.api import Health, Readiness, ReadinessCheck

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """Liveness: the process answers. No database call."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "A check failed; `failed` names which"}},
)
def readyz(request: Request) -> JSONResponse:
    """Readiness: the database answers with PostGIS, its migrations are at this code's head, and the
    read replica (when `NAERING_READ_DATABASE_URL` is set) lags at most `NAERING_REPLICA_MAX_LAG_S`."""
    state = request.app.state
    checks = readiness_checks(state.engine, state.read_engine, max_lag_s=state.replica_max_lag_s)
    failed = [name for name, check in checks.items() if not check.ok]
    body = Readiness(
        status="not-ready" if failed else "ready",
        failed=failed,
        checks={name: ReadinessCheck(ok=c.ok, detail=c.detail) for name, c in checks.items()},
    )
    return JSONResponse(body.model_dump(), status_code=503 if failed else 200)
