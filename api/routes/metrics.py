"""`/metrics` for Prometheus: with `Authorization: Bearer <NAERING_METRICS_TOKEN>` (Prometheus cannot
sign in), or as a signed-in admin; anyone else gets 401 or 403 like the other admin resources."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.auth import current_principal
from registry.services.access import ForbiddenError, NotSignedInError, require_admin


async def metrics_access(request: Request) -> None:
    """The metrics token, or a signed-in admin. Refusals are plain 401/403 problems, never the sign-in
    page a browser would be sent to: the usual caller is a scraper, which follows no redirect to a form."""
    token: str | None = request.app.state.settings.metrics_token
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode()):
        return
    try:
        require_admin(await current_principal(request))
    except NotSignedInError as exc:
        raise HTTPException(401, str(exc), headers={"WWW-Authenticate": 'Bearer realm="naering"'}) from exc
    except ForbiddenError as exc:
        raise HTTPException(403, str(exc)) from exc


router = APIRouter(include_in_schema=False, dependencies=[Depends(metrics_access)])


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """The exposition text; a plain function: reading the registry's figures may wait on the database."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
