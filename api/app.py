"""The FastAPI application factory. Nothing is built at import time."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from api import errors
from api import openapi as api_openapi
from api.metrics import AppMetrics, MetricsMiddleware
from api.params import reject_unknown_query_params
from api.request_id import RequestId
from api.routes import (
    about,
    admin_database,
    compare_pages,
    docs,
    exports,
    health,
    home,
    inbox,
    inquiry_pages,
    kommune_pages,
    kommuner,
    maps,
    metrics,
    my_kommune,
    my_profile,
    ogc,
    search_pages,
    site_pages,
    site_writes,
    sites,
    submissions,
    tiles,
    users,
)
from api.routes import admin as admin_routes
from api.routes import auth as auth_routes
from api.routes import desk as desk_routes
from api.routes import inquiries as inquiry_api
from api.security import SecurityHeaders, install_log_redaction
from registry.clock import Clock, SystemClock
from registry.db import get_engine, session_factory
from registry.settings import AuthSettings, DatabaseSettings, InquirySettings, MailSettings, ServerSettings

ASSETS_DIR = Path(__file__).resolve().parent / "static"


def create_app(
    settings: ServerSettings | None = None,
    *,
    database_url: str | None = None,
    auth: AuthSettings | None = None,
    mail: MailSettings | None = None,
    inquiries: InquirySettings | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """Build the app for `settings`, bound to the database at `database_url` (or the configured one).

    Tests pass their own auth and mail settings and a `FixedClock`; `naering serve` reads the
    environment and uses the system clock.
    """
    settings = settings or ServerSettings()
    app = FastAPI(
        title="Næringsarealregisteret",
        description="Osloregionens register over næringsarealer og «én dør inn» / "
        "The Oslo region's registry of business land and one-door-in contacts.",
        version="0.1.0",
        docs_url=None,  # served offline by api.routes.docs
        redoc_url=None,
        dependencies=[Depends(reject_unknown_query_params)],
    )
    engine = get_engine(database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    app.state.auth_settings = auth or AuthSettings()
    app.state.mail_settings = mail or MailSettings()
    app.state.inquiry_settings = inquiries or InquirySettings()
    app.state.clock = clock or SystemClock()
    database = DatabaseSettings()
    app.state.read_engine = get_engine(database.read_database_url) if database.read_database_url else None
    # anonymous reads (search, tiles, OGC, public pages) go to the replica when one is configured
    app.state.read_session_factory = (
        session_factory(app.state.read_engine) if app.state.read_engine else app.state.session_factory
    )
    app.state.replica_max_lag_s = database.replica_max_lag_s
    app.state.metrics = AppMetrics(engine, app.state.clock)
    errors.install(app)
    api_openapi.install(app)
    install_log_redaction()
    for module in (
        health,
        admin_database,
        metrics,
        auth_routes,
        users,
        my_kommune,
        my_profile,
        sites,
        ogc,
        site_writes,
        kommuner,
        maps,
        exports,
        submissions,
        docs,
        admin_routes,
        desk_routes,
        inquiry_api,
        inbox,
        inquiry_pages,
        about,
        site_pages,
        tiles,
        search_pages,
        home,
        kommune_pages,
        compare_pages,
    ):
        app.include_router(module.router)
    from maps.assets import STATIC_DIR

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount("/assets", StaticFiles(directory=ASSETS_DIR), name="assets")
    app.mount(docs.ASSETS_URL, StaticFiles(directory=docs.ASSETS_DIR), name="docs-assets")
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(RequestId)  # outermost: every log line of the request carries its id
    return app
