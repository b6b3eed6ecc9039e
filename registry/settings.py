"""Settings, one small class per concern, all read from NAERING_* environment variables.

This module imports nothing of the project: everything else may import it.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]

_PLACEHOLDER_SECRETS = {"", "changethis", "change-me", "secret", "postgres", "password"}


class DatabaseSettings(BaseSettings):
    """Where the PostGIS database is. Unset URL means the private local cluster (see registry.localdb)."""

    model_config = SettingsConfigDict(env_prefix="NAERING_", extra="ignore")

    environment: str = Field(default="development", pattern="^(development|test|production)$")
    database_url: str | None = None
    pg_port: int = 55432
    pg_database: str = "naering"
    # Connections the app keeps open, and how many more it may open at a peak. The pool should hold the
    # server's concurrent requests (uvicorn runs sync routes in a thread pool of 40): a pool smaller than
    # the concurrency opens and closes a session per request beyond it.
    pool_size: int = Field(default=20, ge=1, le=200)
    pool_max_overflow: int = Field(default=10, ge=0, le=200)
    # A streaming replica for anonymous reads (NAERING_READ_DATABASE_URL); unset: everything reads the
    # primary. /readyz fails when the replica lags more than `replica_max_lag_s` seconds behind.
    read_database_url: str | None = None
    replica_max_lag_s: float = Field(default=30, ge=0)
    # The URLs lead to a pooler in transaction mode (pgbouncer; NAERING_DATABASE_POOLED=true): psycopg must
    # not prepare statements there, since the next transaction may run on another server connection that
    # lacks them (pgbouncer 1.18, Debian 12's, cannot carry prepared statements across).
    database_pooled: bool = False

    @model_validator(mode="after")
    def _enforce_real_database_in_production(self) -> DatabaseSettings:
        """Production never runs on the private trust-auth cluster, nor with a placeholder password."""
        if self.environment != "production":
            return self
        if not self.database_url:
            raise ValueError(
                "NAERING_DATABASE_URL must be set in production (the local cluster is for development)"
            )
        # Imported here: SQLAlchemy is start-up cost for commands that never touch the database (--help).
        from sqlalchemy.engine import make_url

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
    # The HTTP intake (upload page and API) for signed-in editors; false turns it off on a server.
    enable_http_submissions: bool = True
    max_upload_mb: int = 100
    max_features: int = 200_000
    # The region map's background tiles (XYZ URL with {z}/{x}/{y}) and the attribution their licence asks
    # for (HTML); unset: no basemap, the map works offline (docs/region-map-and-export.md: Kartverket).
    map_basemap_url: str | None = Field(default=None, pattern=r"^https://[^\s]+\{z\}[^\s]*$")
    map_basemap_attribution: str = ""
    # How long a browser or proxy may reuse a vector tile without asking again (its ETag revalidates it).
    tile_max_age_s: int = Field(default=60, ge=0, le=86_400)
    # A tile of zoom 10 or more holding more published sites than this is sent as cell points like the low
    # zooms (the polygons of so many sites are a smear of pixels and weigh up to a megabyte).
    tile_detail_max_sites: int = Field(default=2_000, ge=1)
    # /metrics: Prometheus sends `Authorization: Bearer <metrics_token>`; a signed-in admin may look too.
    metrics_token: str | None = None
    # Log lines of `naering serve`: one JSON object per line, or plain text for reading in a terminal.
    log_format: str = Field(default="json", pattern="^(json|text)$")

    @model_validator(mode="after")
    def _basemap_is_credited(self) -> ServerSettings:
        if self.map_basemap_url and not self.map_basemap_attribution.strip():
            raise ValueError("NAERING_MAP_BASEMAP_URL needs NAERING_MAP_BASEMAP_ATTRIBUTION (its licence)")
        return self


class AuthSettings(BaseSettings):
    """Sign-in: sessions, API tokens, password rules and rate limits, and the OpenID Connect provider.

    OIDC is on when `oidc_issuer` and `oidc_client_id` are set (Ansattporten in production:
    docs/sign-in.md). Password sign-in is always available for accounts that have a password.
    """

    model_config = SettingsConfigDict(env_prefix="NAERING_", extra="ignore")

    environment: str = Field(default="development", pattern="^(development|test|production)$")
    # The address people reach the product at: links in e-mails and the OIDC redirect URI derive from it.
    public_url: str = "http://127.0.0.1:8000"
    session_hours: float = Field(default=10, gt=0, le=24 * 30)
    # None: Secure cookies everywhere but local development and tests over plain http.
    cookie_secure: bool | None = None
    token_days: int = Field(default=365, ge=1, le=3650)
    invite_hours: int = Field(default=72, ge=1)
    reset_hours: int = Field(default=2, ge=1)
    password_min_length: int = Field(default=12, ge=8)
    # Failed password sign-ins allowed within the window, per account and per client address.
    sign_in_window_minutes: int = Field(default=15, ge=1)
    sign_in_max_failures_per_account: int = Field(default=5, ge=1)
    sign_in_max_failures_per_address: int = Field(default=20, ge=1)

    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scopes: str = "openid profile"
    # Ansattporten's rich authorization request (RAR): the type, and the Altinn resource it asks about.
    oidc_authorization_details_type: str = "ansattporten:altinn:service"
    oidc_authorization_details_resource: str | None = None
    oidc_display_name: str = "Ansattporten"

    @model_validator(mode="after")
    def _public_url_from_the_served_port(self) -> AuthSettings:
        """Unset, the public URL is where `naering serve` listens (NAERING_HOST, NAERING_PORT), so that
        links in e-mails work in a local demo on another port too."""
        if "public_url" not in self.model_fields_set:
            host = os.environ.get("NAERING_HOST", "127.0.0.1")
            port = os.environ.get("NAERING_PORT", "8000")
            self.public_url = f"http://{host}:{port}"
        return self

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.environment == "production" or self.public_url.startswith("https://")


class MailSettings(BaseSettings):
    """Outgoing e-mail. Without `smtp_host` every message is kept in the outbox for admins to read."""

    model_config = SettingsConfigDict(env_prefix="NAERING_", extra="ignore")

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_timeout_s: float = 20
    mail_sender: str = "Næringsarealregisteret <noreply@naeringsareal.invalid>"

    @property
    def smtp_enabled(self) -> bool:
        return bool(self.smtp_host)


class InquirySettings(BaseSettings):
    """The one-door-in loop: working hours, the default promise, follow-up, spam limits and retention.

    Working hours are wall-clock hours in `work_timezone` on Norwegian working days (public holidays from
    the `holidays` library); a kommune's promise in its profile is counted in them (docs/inquiries.md).
    """

    model_config = SettingsConfigDict(env_prefix="NAERING_", extra="ignore")

    work_day_start: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    work_day_end: str = Field(default="16:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    work_timezone: str = "Europe/Oslo"
    # The promise of a kommune whose profile names none: two working days.
    default_response_hours: int = Field(default=16, ge=1, le=24 * 30)
    # A reminder to the kommune's contacts when this share of the promised time has passed.
    reminder_share: float = Field(default=0.5, gt=0, lt=1)
    # Where escalations and new inquiries go besides the kommuner; unset: every active secretariat admin.
    secretariat_email: str | None = None
    # Spam: inquiries accepted per client address within the window, and open inquiries per e-mail address.
    rate_limit_per_address: int = Field(default=5, ge=1)
    rate_window_minutes: int = Field(default=60, ge=1)
    max_open_per_email: int = Field(default=5, ge=1)
    # The instant answer: matches and near misses shown.
    match_limit: int = Field(default=20, ge=1, le=200)
    near_miss_limit: int = Field(default=10, ge=0, le=100)
    # Personal data: erased this many months after an inquiry is closed; an inquiry without activity for
    # `auto_close_days` is closed by the jobs (so that nothing is kept for ever).
    retention_months: int = Field(default=24, ge=1, le=120)
    auto_close_days: int = Field(default=180, ge=7)
    # The client address hash used for the rate limit is kept this long.
    address_hash_hours: int = Field(default=24, ge=1)
    # How often each kommune's contacts get the list of its stale and unverified facts.
    stale_reminder_days: int = Field(default=30, ge=1)
    # An intermediary's private list of its inquiries stays valid this long.
    requester_link_days: int = Field(default=30, ge=1)


class BackupSettings(BaseSettings):
    """Backups (docs/operations.md): continuous WAL archiving with pgBackRest for point-in-time recovery,
    and a nightly logical dump (`pg_dump -Fc`) for portability, written by `naering jobs run`."""

    model_config = SettingsConfigDict(env_prefix="NAERING_BACKUP_", extra="ignore")

    # A pgBackRest configuration written by operations (on the database host), used as it is. Unset: the
    # private local cluster's own, written by `naering backup now` beside its data (`path` below).
    pgbackrest_config: Path | None = None
    stanza: str = Field(default="naering", pattern=r"^[A-Za-z0-9_-]+$")
    # The private cluster's pgBackRest repository; unset: `.pgdata-backup/` beside its data folder.
    path: Path | None = None
    # Full backups kept (with the WAL needed to restore from each); older ones expire at the next backup.
    retention_full: int = Field(default=2, ge=1, le=100)
    # Nightly dumps: the folder (unset: no nightly dump), how many are kept, and the local hour (in the
    # inquiry settings' `work_timezone`) from which the day's dump is due.
    dump_path: Path | None = None
    dump_keep: int = Field(default=14, ge=1, le=1000)
    dump_hour: int = Field(default=2, ge=0, le=23)
