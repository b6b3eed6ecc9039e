"""Settings, one small class per concern, all read from NAERING_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]

_PLACEHOLDER_SECRETS = {"", "changethis", "change-me", "secret"}


class DatabaseSettings(BaseSettings):
    """Where the PostGIS database is. Unset URL means the private local cluster (see registry.localdb)."""

    model_config = SettingsConfigDict(env_prefix="NAERING_", extra="ignore")

    database_url: str | None = None
    pg_port: int = 55432
    pg_database: str = "naering"


class ServerSettings(BaseSettings):
    """How the web application is served."""

    model_config = SettingsConfigDict(env_prefix="NAERING_", extra="ignore")

    environment: str = Field(default="development", pattern="^(development|test|production)$")
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = "changethis"
    # Uploads over HTTP stay off until authentication exists (issue: API and roles).
    enable_http_submissions: bool = False
    max_upload_mb: int = 100
    max_features: int = 200_000

    @model_validator(mode="after")
    def _enforce_non_default_secrets(self) -> ServerSettings:
        if self.environment == "production" and self.secret_key in _PLACEHOLDER_SECRETS:
            raise ValueError("NAERING_SECRET_KEY must be set to a real secret in production")
        return self


def database_url(settings: DatabaseSettings | None = None) -> str:
    """Return the SQLAlchemy URL in use: NAERING_DATABASE_URL, or the private local cluster."""
    settings = settings or DatabaseSettings()
    if settings.database_url:
        return settings.database_url
    from registry import localdb

    return localdb.url(port=settings.pg_port, database=settings.pg_database)
