"""Who the caller is: `GET /api/v1/me`."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import SignedInDep
from api.deps import SessionDep
from api.errors import NOT_SIGNED_IN
from registry.services import accounts
from schemas.api import Me

router = APIRouter(prefix="/api/v1", tags=["users"])


@router.get(
    "/me",
    response_model=Me,
    summary="Who the caller is: role and kommuner",
    responses={401: NOT_SIGNED_IN},
)
def me(session: SessionDep, principal: SignedInDep) -> Me:
    return Me(**accounts.me(session, principal))
