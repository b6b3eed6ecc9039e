"""`/metrics` for Prometheus: with `Authorization: Bearer <NAERING_METRICS_TOKEN>` (Prometheus cannot
sign in), or as a signed-in admin; anyone else gets 401 or 403 like the other admin resources."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.auth import current_principal
from registry.services.access import require_admin


async def metrics_access(request: Request) -> None:
    token: str | None = request.app.state.settings.metrics_token
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode()):
        return
    require_admin(await current_principal(request))


router = APIRouter(include_in_schema=False, dependencies=[Depends(metrics_access)])


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """The exposition text; a plain function: reading the registry's figures may wait on the database."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
