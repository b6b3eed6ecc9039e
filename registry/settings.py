"""Settings, one small class per concern, all read from NAERING_* environment variables.

This module imports nothing of the project: everything else may import it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# A few thousand simplified outlines make a region-map page of a few MB that a browser still draws
# smoothly; 300k would not (issue 7: 1 GB of HTML, 7 GB of server memory).
MAP_MAX_SITES = 3000

_PLACEHOLDER_SECRETS = {"", "changethis", "change-me", "secret", "postgres", "password"}


class DatabaseSettings(BaseSettings):
    """Where the PostGIS database is. Unset URL means the private local cluster (see registry.localdb)."""

    model_config = SettingsConfigDict(env_prefix="NAERING_", extra="ignore")

    environment: str = Field(default="development", pattern="^(development|test|production)$")
    database_url: str | None = None
    pg_port: int = 55432
    pg_database: str = "naering"

    @model_validator(mode="after")
    def _enforce_real_database_in_production(self) -> DatabaseSettings:
        """Production never runs on the private trust-auth cluster, nor with a placeholder password."""
        if self.environment != "production":
            return self
        if not self.database_url:
            raise ValueError(
                "NAERING_DATABASE_URL must be set in production (the local cluster is for development)"
            )
        password = make_url(self.database_url).password
        if password is None or str(password) in _PLACEHOLDER_SECRETS:
            raise ValueError("NAERING_DATABASE_URL must carry a real password in production")
        return self


class ServerSettings(BaseSettings):
    """How the web application is served."""

    model_config = SettingsConfigDict(env_prefix="NAERING_", extra="ignore")

    environment: str = Field(default="development", pattern="^(development|test|production)$")
    host: str = "127.0.0.1"
    port: int = 8000
    # Uploads over HTTP stay off until authentication exists (issue: API and roles).
    enable_http_submissions: bool = False
    max_upload_mb: int = 100
    max_features: int = 200_000
    # The region map embeds at most this many site shapes; beyond it, it shows counts per kommune.
    map_max_sites: int = Field(default=MAP_MAX_SITES, ge=1, le=20_000)
