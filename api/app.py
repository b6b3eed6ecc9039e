"""The FastAPI application factory. Nothing is built at import time."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api import errors
from api.routes import exports, health, kommuner, maps, sites, submissions
from registry.db import get_engine, session_factory
from registry.settings import ServerSettings


def create_app(settings: ServerSettings | None = None, *, database_url: str | None = None) -> FastAPI:
    """Build the app for `settings`, bound to the database at `database_url` (or the configured one)."""
    settings = settings or ServerSettings()
    app = FastAPI(
        title="Næringsarealregisteret",
        description="Osloregionens register over næringsarealer og «én dør inn» / "
        "The Oslo region's registry of business land and one-door-in contacts.",
        version="0.1.0",
    )
    engine = get_engine(database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    errors.install(app)
    for module in (health, sites, kommuner, maps, exports, submissions):
        app.include_router(module.router)
    from maps.assets import STATIC_DIR

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> RedirectResponse:
        return RedirectResponse("/maps/region")

    return app
