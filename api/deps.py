"""Typed dependencies: settings, one database session per request (the primary's, or for anonymous reads
the read replica's when one is configured)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from api.auth import SESSION_COOKIE
from registry.settings import ServerSettings


def get_session(request: Request) -> Iterator[Session]:
    factory = request.app.state.session_factory
    with factory() as session:
        yield session


def get_read_session(request: Request) -> Iterator[Session]:
    """A session for an anonymous read: on the read replica when `NAERING_READ_DATABASE_URL` is set.

    Anyone signed in (a session cookie or an Authorization header) reads the primary, so an editor never
    sees their own write missing or gets a 412 from a stale version; anonymous readers may see a write
    up to the replica's lag late (docs/operations.md)."""
    signed_in = "authorization" in request.headers or SESSION_COOKIE in request.cookies
    factory = request.app.state.session_factory if signed_in else request.app.state.read_session_factory
    with factory() as session:
        yield session


async def get_settings(request: Request) -> ServerSettings:
    settings: ServerSettings = request.app.state.settings
    return settings


SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]
SettingsDep = Annotated[ServerSettings, Depends(get_settings)]
