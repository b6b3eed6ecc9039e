"""`GET /api/v1/admin/database`: which server answers what — the primary, and the read replica (if any)
that anonymous searches, tiles and OGC read. Secretariat only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.auth import SignedInDep
from api.errors import NOT_SIGNED_IN
from registry.services.database import database_roles

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


@router.get(
    "/database",
    summary="The primary and the read server: in recovery or not, and the read server's lag",
    responses={401: NOT_SIGNED_IN, 403: {"description": "Not the secretariat"}},
)
def database(request: Request, principal: SignedInDep) -> dict[str, Any]:
    state = request.app.state
    return database_roles(principal, state.engine, state.read_engine)
