"""The database model: reference tables, sites with dated axes, submissions and history.

Geometries are stored in EPSG:25833 (EUREF89 UTM 33). Coded columns are checked against
`schemas.taxonomy`, the one place where the code lists live.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from schemas.taxonomy import (
    AVAILABILITY,
    CONFIDENTIALITY,
    EVIDENCE,
    INQUIRY_STATUS,
    LAND_CONTROL,
    LOCAL_GRID_LIMIT_MW,
    LOGISTICS_KIND,
    MATURITY,
    POWER,
    REQUESTER_KIND,
    SITE_STATUS,
    SOSI_USE,
    THREAD_STATUS,
)

SRID = 25833
WEB_MERCATOR = 3857  # the vector tiles' CRS

ISSUE_SEVERITIES = ("error", "warning", "info")
SUBMISSION_STATUSES = ("checked", "loaded", "rejected")
HISTORY_ACTIONS = ("insert", "update", "archive", "delete")


class Base(DeclarativeBase):
    pass


def _now() -> Any:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class Fylke(Base):
    __tablename__ = "fylke"

    nr: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    geom_25833: Mapped[Any] = mapped_column(
        Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False
    )

    __table_args__ = (CheckConstraint("ST_IsValid(geom_25833)", name="geom_valid"),)


class Kommune(Base):
    __tablename__ = "kommune"

    nr: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    fylke_nr: Mapped[str] = mapped_column(ForeignKey("fylke.nr"), nullable=False)
    geom_25833: Mapped[Any] = mapped_column(
        Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False
    )
    regionraad: Mapped[str | None] = mapped_column(Text)
    is_member: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    membership_note: Mapped[str | None] = mapped_column(Text)

    profile: Mapped[KommuneProfile | None] = relationship(back_populates="kommune", uselist=False)

    __table_args__ = (
        CheckConstraint("nr ~ '^[0-9]{4}$'", name="nr_format"),
        CheckConstraint("ST_IsValid(geom_25833)", name="geom_valid"),
    )


class KommuneProfile(Base):
    """The kommune's "one door in" (én dør inn) profile."""

    __tablename__ = "kommune_profile"

    kommune_nr: Mapped[str] = mapped_column(ForeignKey("kommune.nr"), primary_key=True)
    # The first response the kommune promises, in working hours (schemas.profile renders it in days).
    response_hours: Mapped[int | None] = mapped_column(Integer)
    pitch_no: Mapped[str | None] = mapped_column(Text)
    pitch_en: Mapped[str | None] = mapped_column(Text)
    competence_no: Mapped[str | None] = mapped_column(Text)
    competence_en: Mapped[str | None] = mapped_column(Text)
    # Competence and labour figures: [{label_no, label_en, value, unit, source, year}, ...]
    labour_figures: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'")
    )
    # Clusters the kommune names itself (free text); the `cluster` table holds the reference ones.
    clusters: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default=text("'{}'"))
    verified_at: Mapped[dt.date | None] = mapped_column(Date)
    is_demo: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    updated_at: Mapped[dt.datetime] = _now()

    kommune: Mapped[Kommune] = relationship(back_populates="profile")

    __table_args__ = (
        CheckConstraint("response_hours IS NULL OR response_hours > 0", name="response_positive"),
        CheckConstraint("jsonb_typeof(labour_figures) = 'array'", name="labour_figures_array"),
    )


class KommuneContact(Base):
    """One contact of a kommune's one-door-in profile, in the order the kommune gave them."""

    __tablename__ = "kommune_contact"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kommune_nr: Mapped[str] = mapped_column(ForeignKey("kommune.nr"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("position >= 0", name="position_nonneg"),
        UniqueConstraint("kommune_nr", "position", name="uq_kommune_contact_kommune_nr_position"),
    )


class KommuneMapping(Base):
    """The column mapping a kommune last used, so its next submission needs none."""

    __tablename__ = "kommune_mapping"

    kommune_nr: Mapped[str] = mapped_column(ForeignKey("kommune.nr"), primary_key=True)
    mapping: Mapped[dict[str, str]] = mapped_column(JSONB, nullable=False)
    updated_at: Mapped[dt.datetime] = _now()


class KommuneNumberHistory(Base):
    """How a 2020–2023 kommune number maps to the 2024 number(s), derived from names and overlap."""

    __tablename__ = "kommune_number_history"

    old_nr: Mapped[str] = mapped_column(String(4), primary_key=True)
    new_nr: Mapped[str] = mapped_column(ForeignKey("kommune.nr"), primary_key=True)
    old_name: Mapped[str] = mapped_column(Text, nullable=False)
    overlap_share: Mapped[float] = mapped_column(Float, nullable=False)
    is_primary: Mapped[bool] = mapped_column(Boolean, nullable=False)

    __table_args__ = (
        CheckConstraint("old_nr ~ '^[0-9]{4}$'", name="old_nr_format"),
        CheckConstraint("overlap_share > 0 AND overlap_share <= 1.0001", name="share_range"),
    )


class Substation(Base):
    """A grid substation (or Statnett supply area) with the grid company's published capacity."""

    __tablename__ = "substation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    grid_company: Mapped[str] = mapped_column(Text, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    available_cons_mw: Mapped[float | None] = mapped_column(Float)
    reserved_cons_mw: Mapped[float | None] = mapped_column(Float)
    available_prod_mw: Mapped[float | None] = mapped_column(Float)
    capacity_date: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    caveat: Mapped[str | None] = mapped_column(Text)
    kommune_nr: Mapped[str | None] = mapped_column(String(4))
    source_file: Mapped[str] = mapped_column(Text, nullable=False)
    geom_25833: Mapped[Any] = mapped_column(Geometry("POINT", srid=SRID, spatial_index=True), nullable=False)


class LogisticsNode(Base):
    """An airport, port, rail freight terminal or main road access point, with its coordinate's precision."""

    __tablename__ = "logistics_node"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    code: Mapped[str | None] = mapped_column(Text)
    road: Mapped[str | None] = mapped_column(Text)
    operator: Mapped[str | None] = mapped_column(Text)
    coord_source: Mapped[str] = mapped_column(Text, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    precision_km: Mapped[float] = mapped_column(Float, nullable=False)
    geom_25833: Mapped[Any] = mapped_column(Geometry("POINT", srid=SRID, spatial_index=True), nullable=False)

    __table_args__ = (
        CheckConstraint(LOGISTICS_KIND.sql_check("kind"), name="kind_valid"),
        CheckConstraint("precision_km >= 0", name="precision_nonneg"),
        UniqueConstraint("kind", "name", name="uq_logistics_node_kind_name"),
    )


class Cluster(Base):
    """A business cluster of the region (NCE, Arena …), located by its host kommune."""

    __tablename__ = "cluster"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    sector: Mapped[str | None] = mapped_column(Text)
    programme_level: Mapped[str | None] = mapped_column(Text)
    host_city: Mapped[str | None] = mapped_column(Text)
    kommune_nr: Mapped[str | None] = mapped_column(ForeignKey("kommune.nr"))
    website: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    source_date: Mapped[dt.date | None] = mapped_column(Date)


class Submission(Base):
    """One file submitted by a kommune, checked or loaded."""

    __tablename__ = "submission"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The id users see in links: unguessable, so a report cannot be found by counting (issue 8).
    public_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), nullable=False, unique=True, server_default=text("gen_random_uuid()")
    )
    kommune_nr: Mapped[str] = mapped_column(ForeignKey("kommune.nr"), nullable=False)
    filename: Mapped[str] = mapped_column(Text, nullable=False)
    file_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    submitted_at: Mapped[dt.datetime] = _now()
    submitted_by: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    rows_read: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    rows_loaded: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    rows_archived: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    n_errors: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    n_warnings: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'"))
    is_demo: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))

    issues: Mapped[list[SubmissionIssue]] = relationship(back_populates="submission")

    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in SUBMISSION_STATUSES) + ")", name="status_valid"
        ),
        Index("ix_submission_kommune_hash", "kommune_nr", "file_hash"),
    )


class SubmissionIssue(Base):
    """One problem found in a submitted file: row, field, type, severity and a bilingual message."""

    __tablename__ = "submission_issue"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), nullable=False
    )
    row_number: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(Text)
    issue_type: Mapped[str] = mapped_column(Text, nullable=False)
    severity: Mapped[str] = mapped_column(Text, nullable=False)
    value: Mapped[str | None] = mapped_column(Text)
    message_no: Mapped[str] = mapped_column(Text, nullable=False)
    message_en: Mapped[str] = mapped_column(Text, nullable=False)
    fix_no: Mapped[str | None] = mapped_column(Text)
    fix_en: Mapped[str | None] = mapped_column(Text)

    submission: Mapped[Submission] = relationship(back_populates="issues")

    __table_args__ = (
        CheckConstraint(
            "severity IN (" + ", ".join(f"'{s}'" for s in ISSUE_SEVERITIES) + ")", name="severity_valid"
        ),
        Index("ix_submission_issue_submission", "submission_id"),
    )


class Site(Base):
    """A business site (næringsareal): polygon(s) in EPSG:25833 and dated facts on every axis."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # kommune_nr, nearest_substation_id, submission_id and the logistics node ids name rows of kommune,
    # substation, submission and logistics_node. They are checked once per statement by triggers, not per
    # row by foreign keys (migration 0012 says why); they guarantee the same.
    kommune_nr: Mapped[str] = mapped_column(String(4), nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    reference: Mapped[str | None] = mapped_column(Text)
    geom_25833: Mapped[Any] = mapped_column(
        Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False
    )
    # The outline and a point on it in web-mercator metres, kept in step by PostgreSQL (migration 0009):
    # the vector tiles (registry/store/tiles.py) clip and aggregate on them through their GiST indexes.
    geom_3857: Mapped[Any] = mapped_column(
        Geometry("MULTIPOLYGON", srid=WEB_MERCATOR, spatial_index=True),
        Computed(f"ST_Transform(geom_25833, {WEB_MERCATOR})", persisted=True),
    )
    point_3857: Mapped[Any] = mapped_column(
        Geometry("POINT", srid=WEB_MERCATOR, spatial_index=True),
        Computed(f"ST_Transform(ST_PointOnSurface(geom_25833), {WEB_MERCATOR})", persisted=True),
    )
    area_m2: Mapped[float] = mapped_column(Float, Computed("ST_Area(geom_25833)", persisted=True))
    # The words of the name and descriptions, parsed once when written (migration 0013): the search by `q`.
    search_tsv: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed(
            "to_tsvector('norwegian', coalesce(name, '') || ' ' || coalesce(description_no, '') || ' ' "
            "|| coalesce(description_en, ''))",
            persisted=True,
        ),
    )
    area_m2_submitted: Mapped[float | None] = mapped_column(Float)
    uses: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default=text("'{}'"))
    use_text: Mapped[str | None] = mapped_column(Text)
    ownership_text: Mapped[str | None] = mapped_column(Text)
    price_nok_per_m2: Mapped[float | None] = mapped_column(Numeric(12, 2))
    price_terms: Mapped[str | None] = mapped_column(Text)
    plan_id: Mapped[str | None] = mapped_column(Text)
    plan_status: Mapped[str | None] = mapped_column(Text)
    description_no: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    links: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default=text("'{}'"))

    maturity: Mapped[str] = mapped_column(Text, nullable=False)
    maturity_verified_at: Mapped[dt.date | None] = mapped_column(Date)
    maturity_verified_by: Mapped[str | None] = mapped_column(Text)

    power_status: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'E0'"))
    power_mw_now: Mapped[float | None] = mapped_column(Float)
    power_mw_future: Mapped[float | None] = mapped_column(Float)
    power_future_year: Mapped[int | None] = mapped_column(Integer)
    power_reserved_until: Mapped[dt.date | None] = mapped_column(Date)
    grid_company: Mapped[str | None] = mapped_column(Text)
    power_le_5mw: Mapped[bool | None] = mapped_column(
        Boolean, Computed(f"power_mw_now <= {LOCAL_GRID_LIMIT_MW:g}", persisted=True)
    )
    power_verified_at: Mapped[dt.date | None] = mapped_column(Date)
    power_verified_by: Mapped[str | None] = mapped_column(Text)
    nearest_substation_id: Mapped[int | None] = mapped_column(Integer)
    substation_distance_km: Mapped[float | None] = mapped_column(Float)
    # Per logistics kind, the nearest node, the straight-line distance to it and the node's precision
    # (registry/enrich.py). Columns, not child rows (migration 0010, issue 12); the view `site_logistics`
    # serves them as one row per kind. The nodes are checked by set-based statement triggers, not row-level
    # foreign keys (migration 0010 says why).
    motorway_junction_node_id: Mapped[int | None] = mapped_column(Integer)
    motorway_junction_distance_km: Mapped[float | None] = mapped_column(Float)
    motorway_junction_precision_km: Mapped[float | None] = mapped_column(Float)
    rail_terminal_node_id: Mapped[int | None] = mapped_column(Integer)
    rail_terminal_distance_km: Mapped[float | None] = mapped_column(Float)
    rail_terminal_precision_km: Mapped[float | None] = mapped_column(Float)
    port_node_id: Mapped[int | None] = mapped_column(Integer)
    port_distance_km: Mapped[float | None] = mapped_column(Float)
    port_precision_km: Mapped[float | None] = mapped_column(Float)
    airport_node_id: Mapped[int | None] = mapped_column(Integer)
    airport_distance_km: Mapped[float | None] = mapped_column(Float)
    airport_precision_km: Mapped[float | None] = mapped_column(Float)
    logistics_method: Mapped[str | None] = mapped_column(Text)
    logistics_computed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    availability: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'not_on_market'"))
    availability_verified_at: Mapped[dt.date | None] = mapped_column(Date)
    availability_verified_by: Mapped[str | None] = mapped_column(Text)

    land_control: Mapped[str | None] = mapped_column(Text)
    land_control_verified_at: Mapped[dt.date | None] = mapped_column(Date)
    land_control_verified_by: Mapped[str | None] = mapped_column(Text)

    evidence: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'self_reported'"))
    evidence_url: Mapped[str | None] = mapped_column(Text)
    evidence_verified_at: Mapped[dt.date | None] = mapped_column(Date)
    evidence_verified_by: Mapped[str | None] = mapped_column(Text)

    status: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'draft'"))
    is_demo: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    submission_id: Mapped[int | None] = mapped_column(Integer)
    source_row: Mapped[int | None] = mapped_column(Integer)
    file_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = _now()
    updated_at: Mapped[dt.datetime] = _now()

    __table_args__ = (
        CheckConstraint(MATURITY.sql_check("maturity"), name="maturity_valid"),
        CheckConstraint(POWER.sql_check("power_status"), name="power_status_valid"),
        CheckConstraint(AVAILABILITY.sql_check("availability"), name="availability_valid"),
        CheckConstraint(
            "land_control IS NULL OR " + LAND_CONTROL.sql_check("land_control"), name="land_control_valid"
        ),
        CheckConstraint(EVIDENCE.sql_check("evidence"), name="evidence_valid"),
        CheckConstraint(SITE_STATUS.sql_check("status"), name="status_valid"),
        CheckConstraint(
            "uses <@ ARRAY[" + ", ".join(f"'{c}'" for c in SOSI_USE.codes) + "]::text[]", name="uses_valid"
        ),
        CheckConstraint("ST_IsValid(geom_25833) AND NOT ST_IsEmpty(geom_25833)", name="geom_valid"),
        CheckConstraint("area_m2 > 0", name="area_positive"),
        CheckConstraint("area_m2_submitted IS NULL OR area_m2_submitted > 0", name="area_submitted_positive"),
        CheckConstraint("power_mw_now IS NULL OR power_mw_now >= 0", name="power_now_nonneg"),
        CheckConstraint("power_mw_future IS NULL OR power_mw_future >= 0", name="power_future_nonneg"),
        CheckConstraint(
            "power_future_year IS NULL OR power_future_year BETWEEN 2000 AND 2100", name="power_year_range"
        ),
        CheckConstraint("price_nok_per_m2 IS NULL OR price_nok_per_m2 >= 0", name="price_nonneg"),
        # the three logistics columns of a kind are set together (migration 0010)
        *(
            CheckConstraint(
                f"num_nulls({k}_node_id, {k}_distance_km, {k}_precision_km) IN (0, 3) "
                f"AND ({k}_distance_km IS NULL OR {k}_distance_km >= 0)",
                name=f"{k}_complete",
            )
            for k in LOGISTICS_KIND.codes
        ),
        Index(
            "uq_site_kommune_reference_live",
            "kommune_nr",
            "reference",
            unique=True,
            postgresql_where=text("status <> 'archived' AND reference IS NOT NULL"),
        ),
        Index("ix_site_kommune_status", "kommune_nr", "status"),
        # The search's default order and its full text (migration 0006; registry/store/sites.py).
        Index(
            "ix_site_published_order",
            "kommune_nr",
            "name",
            "id",
            postgresql_where=text("status = 'published'"),
        ),
        Index("ix_site_fulltext", "search_tsv", postgresql_using="gin"),
    )


class DataChange(Base):
    """One row per table and writing transaction: the data version a cache is keyed on (a tile's ETag) is
    the number of rows for the table. The trigger `site_data_change` (migration 0009) notes every statement
    that writes `site`, in its transaction; rows of different transactions never conflict, so writers of
    different kommuner never wait on each other (a single counter row would serialise them and could
    deadlock a file load against an edit of one of its rows)."""

    __tablename__ = "data_change"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    txid: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, server_default=text("(pg_current_xact_id()::text::bigint)")
    )


class SiteHistory(Base):
    """Every insert, update and archive of a site, written by a database trigger (before and after)."""

    __tablename__ = "site_history"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    changed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp(), nullable=False
    )
    changed_by: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    geom_before: Mapped[Any] = mapped_column(
        Geometry("MULTIPOLYGON", srid=SRID, spatial_index=False), nullable=True
    )
    geom_after: Mapped[Any] = mapped_column(
        Geometry("MULTIPOLYGON", srid=SRID, spatial_index=False), nullable=True
    )

    __table_args__ = (
        CheckConstraint(
            "action IN (" + ", ".join(f"'{a}'" for a in HISTORY_ACTIONS) + ")", name="action_valid"
        ),
    )


# --- Accounts, sign-in, mail and audit (migration 0002) -------------------------------------------------

USER_ROLES = ("editor", "admin")
SIGN_IN_METHODS = ("password", "oidc", "demo")
ONE_TIME_PURPOSES = ("invite", "reset")
OUTBOX_STATUSES = ("queued", "sent", "failed", "kept")


class AppUser(Base):
    """A person who signs in: a kommune editor (with grants) or a secretariat admin."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    name: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'editor'"))
    password_hash: Mapped[str | None] = mapped_column(Text)
    oidc_subject: Mapped[str | None] = mapped_column(Text, unique=True)
    orgnr: Mapped[str | None] = mapped_column(String(9))
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    is_demo: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    created_at: Mapped[dt.datetime] = _now()
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("email = lower(email) AND email LIKE '%_@_%'", name="email_normalised"),
        CheckConstraint("role IN (" + ", ".join(f"'{r}'" for r in USER_ROLES) + ")", name="role_valid"),
        CheckConstraint("orgnr IS NULL OR orgnr ~ '^[0-9]{9}$'", name="orgnr_format"),
    )


class UserGrant(Base):
    """The right of one user to edit one kommune's data, given by the secretariat."""

    __tablename__ = "user_grant"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    kommune_nr: Mapped[str] = mapped_column(ForeignKey("kommune.nr"), primary_key=True)
    granted_by: Mapped[str | None] = mapped_column(Text)
    granted_at: Mapped[dt.datetime] = _now()


class ApiToken(Base):
    """A bearer token for scripts. Only the SHA-256 of the token is stored; it is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    label: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored here."""

    __tablename__ = "web_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False)
    csrf_token: Mapped[str] = mapped_column(Text, nullable=False)
    method: Mapped[str] = mapped_column(Text, nullable=False)
    orgnr: Mapped[str | None] = mapped_column(String(9))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(
            "method IN (" + ", ".join(f"'{m}'" for m in SIGN_IN_METHODS) + ")", name="method_valid"
        ),
        Index("ix_web_session_user", "user_id"),
    )


class SignInAttempt(Base):
    """One password sign-in attempt, for the rate limits per account and per client address."""

    __tablename__ = "sign_in_attempt"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    email: Mapped[str] = mapped_column(Text, nullable=False)
    client_addr: Mapped[str] = mapped_column(Text, nullable=False)
    succeeded: Mapped[bool] = mapped_column(Boolean, nullable=False)

    __table_args__ = (
        Index("ix_sign_in_attempt_email_at", "email", "at"),
        Index("ix_sign_in_attempt_addr_at", "client_addr", "at"),
    )


class OneTimeToken(Base):
    """An invitation or a password reset sent by e-mail: single use, with an expiry; stored hashed."""

    __tablename__ = "one_time_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False)
    purpose: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(
            "purpose IN (" + ", ".join(f"'{p}'" for p in ONE_TIME_PURPOSES) + ")", name="purpose_valid"
        ),
    )


class OrgKommune(Base):
    """Which kommune an organisation number (from OIDC `authorization_details`) belongs to."""

    __tablename__ = "org_kommune"

    orgnr: Mapped[str] = mapped_column(String(9), primary_key=True)
    kommune_nr: Mapped[str] = mapped_column(ForeignKey("kommune.nr"), nullable=False)
    name: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = _now()

    __table_args__ = (CheckConstraint("orgnr ~ '^[0-9]{9}$'", name="orgnr_format"),)


class OutboxMessage(Base):
    """Every e-mail the product sends: sent by SMTP when configured, kept here for admins otherwise."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    to_addr: Mapped[str] = mapped_column(Text, nullable=False)
    subject: Mapped[str] = mapped_column(Text, nullable=False)
    body_text: Mapped[str] = mapped_column(Text, nullable=False)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in OUTBOX_STATUSES) + ")", name="status_valid"
        ),
    )


class AuditEvent(Base):
    """Who changed an account, a grant, membership or a profile, and when (never updated or deleted)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    target: Mapped[str] = mapped_column(Text, nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'"))

    __table_args__ = (Index("ix_audit_event_at", "at"),)


class OidcRequest(Base):
    """An OpenID Connect sign-in under way: state, nonce and PKCE verifier, single use, short-lived."""

    __tablename__ = "oidc_request"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(Text, nullable=False)
    code_verifier: Mapped[str] = mapped_column(Text, nullable=False)
    return_to: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


# --- One door in: inquiries, threads per kommune, replies, erasures (migration 0004) ---------------------

MESSAGE_AUTHORS = ("kommune", "investor", "secretariat")
MESSAGE_KINDS = ("acknowledge", "answer", "message", "accept", "close", "useful")
INQUIRY_SITE_KINDS = ("match", "near_miss", "chosen")
ERASURE_REASONS = ("request", "retention")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Inquiry(Base):
    """An investor's question to the region, with who asked (personal data, erased by retention or on
    request), what is needed and the instant answer as it was given."""

    __tablename__ = "inquiry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The id in links and the API: unguessable, so inquiries cannot be found by counting.
    public_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), nullable=False, unique=True, server_default=text("gen_random_uuid()")
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    requester_kind: Mapped[str] = mapped_column(Text, nullable=False)
    # Personal data: NULL once erased (erased_at set).
    organisation: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    client: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)
    # SHA-256 of the lower-cased address: open inquiries per address, an intermediary's list, erasure.
    email_hash: Mapped[str | None] = mapped_column(String(64))
    # SHA-256 of the client address, for the rate limit; cleared by the daily jobs after a day.
    client_addr_hash: Mapped[str | None] = mapped_column(String(64))
    # Not personal: kept for the statistics after erasure.
    country: Mapped[str | None] = mapped_column(Text)
    sector: Mapped[str | None] = mapped_column(Text)
    requirements: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    matches: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'"))
    confidentiality: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'open'"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_activity_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(REQUESTER_KIND.sql_check("requester_kind"), name="requester_kind_valid"),
        CheckConstraint(CONFIDENTIALITY.sql_check("confidentiality"), name="confidentiality_valid"),
        CheckConstraint(INQUIRY_STATUS.sql_check("status"), name="status_valid"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_at_iff_closed"),
        CheckConstraint(
            "erased_at IS NOT NULL OR (email IS NOT NULL AND name IS NOT NULL AND email_hash IS NOT NULL)",
            name="contact_until_erased",
        ),
        CheckConstraint(
            "erased_at IS NULL OR (email IS NULL AND name IS NULL AND phone IS NULL AND organisation IS NULL"
            " AND client IS NULL AND message IS NULL AND email_hash IS NULL AND client_addr_hash IS NULL)",
            name="erased_means_empty",
        ),
        CheckConstraint("jsonb_typeof(requirements) = 'object'", name="requirements_object"),
        Index("ix_inquiry_email_hash", "email_hash"),
        Index("ix_inquiry_client_addr_hash", "client_addr_hash", "created_at"),
        Index("ix_inquiry_created_at", "created_at"),
    )


class InquiryToken(Base):
    """A private link to one inquiry (/i/{token}) for the investor: one in every e-mail it gets, each
    stored as a SHA-256 only; all deleted when the inquiry's personal data is erased."""

    __tablename__ = "inquiry_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiry.id", ondelete="CASCADE"), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (Index("ix_inquiry_token_inquiry", "inquiry_id"),)


class InquirySite(Base):
    """A site an inquiry concerns (matched, a near miss, or chosen by the investor); shortlisted or not."""

    __tablename__ = "inquiry_site"

    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiry.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), primary_key=True)
    kommune_nr: Mapped[str] = mapped_column(ForeignKey("kommune.nr"), nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    shortlisted: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))

    __table_args__ = (
        CheckConstraint(_in("kind", INQUIRY_SITE_KINDS), name="kind_valid"),
        Index("ix_inquiry_site_kommune", "inquiry_id", "kommune_nr"),
    )


class InquiryThread(Base):
    """One kommune's part of an inquiry: when it was told, its deadline, its first response and answer."""

    __tablename__ = "inquiry_thread"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiry.id", ondelete="CASCADE"), nullable=False)
    kommune_nr: Mapped[str] = mapped_column(ForeignKey("kommune.nr"), nullable=False)
    # Why it was routed here: the kommune holds matching sites, or the investor chose it (or both).
    routed_for_sites: Mapped[bool] = mapped_column(Boolean, nullable=False)
    routed_by_choice: Mapped[bool] = mapped_column(Boolean, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'new'"))
    # The first response the kommune promised when the inquiry came (working hours), and what follows.
    promised_hours: Mapped[int] = mapped_column(Integer, nullable=False)
    notified_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    remind_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    first_response_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    first_response_by: Mapped[str | None] = mapped_column(Text)
    # Working hours from notified_at to first_response_at, fixed when the kommune responds.
    first_response_hours: Mapped[float | None] = mapped_column(Float)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Confidentiality "on_accept": the investor accepted this kommune's reply, so it may see who asks.
    identity_shared: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    useful: Mapped[bool | None] = mapped_column(Boolean)
    kommune_read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    investor_read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Coordination reported: {step code: ISO date}, steps from schemas.taxonomy.COORDINATION_STEP.
    coordination: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'"))

    __table_args__ = (
        UniqueConstraint("inquiry_id", "kommune_nr", name="uq_inquiry_thread_inquiry_kommune"),
        CheckConstraint(THREAD_STATUS.sql_check("status"), name="status_valid"),
        CheckConstraint("promised_hours > 0", name="promised_positive"),
        CheckConstraint("routed_for_sites OR routed_by_choice", name="routed_for_a_reason"),
        CheckConstraint("notified_at <= remind_at AND remind_at <= due_at", name="deadlines_ordered"),
        CheckConstraint(
            "(first_response_at IS NULL) = (first_response_hours IS NULL)", name="response_hours_with_time"
        ),
        CheckConstraint("status = 'new' OR first_response_at IS NOT NULL", name="responded_unless_new"),
        CheckConstraint("jsonb_typeof(coordination) = 'object'", name="coordination_object"),
        Index("ix_inquiry_thread_kommune", "kommune_nr", "status"),
        Index("ix_inquiry_thread_due", "due_at", postgresql_where=text("first_response_at IS NULL")),
    )


class InquiryMessage(Base):
    """One message in an inquiry: a kommune's acknowledgement or answer, the investor's reply, a note."""

    __tablename__ = "inquiry_message"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiry.id", ondelete="CASCADE"), nullable=False)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("inquiry_thread.id", ondelete="CASCADE"), nullable=False
    )
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    author_kind: Mapped[str] = mapped_column(Text, nullable=False)
    # Who wrote it: a kommune user's e-mail, "investor", or an admin's e-mail.
    author: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    body: Mapped[str | None] = mapped_column(Text)
    # Per matching site: [{site_id, confirmed: bool, corrected: {field: value}}]
    site_facts: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'")
    )
    coordination: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'"))

    __table_args__ = (
        CheckConstraint(_in("author_kind", MESSAGE_AUTHORS), name="author_kind_valid"),
        CheckConstraint(_in("kind", MESSAGE_KINDS), name="kind_valid"),
        Index("ix_inquiry_message_thread", "thread_id", "at"),
    )


class InquiryErasure(Base):
    """The erasure log: whose personal data was erased (a hash of the address, never the address), when
    and why — applied again after a restore from backup."""

    __tablename__ = "inquiry_erasure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    email_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    inquiries: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = (
        CheckConstraint(_in("reason", ERASURE_REASONS), name="reason_valid"),
        Index("ix_inquiry_erasure_hash", "email_hash"),
    )


class RequesterLink(Base):
    """A private link listing every inquiry sent from one address (intermediaries asking for many clients)."""

    __tablename__ = "requester_link"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class StaleReminder(Base):
    """That a kommune's monthly reminder of stale and unverified facts went out (one per period)."""

    __tablename__ = "stale_reminder"

    kommune_nr: Mapped[str] = mapped_column(ForeignKey("kommune.nr"), primary_key=True)
    period: Mapped[str] = mapped_column(Text, primary_key=True)
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    sites: Mapped[int] = mapped_column(Integer, nullable=False)


class JobRun(Base):
    """One run of `naering jobs run`: when, and what each job did."""

    __tablename__ = "job_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'"))


class SiteMatch(Base):
    """What matching reads of every site, narrow: the facts the rules judge and the four logistics
    distances pivoted into columns. Kept by statement-level triggers on `site` and `site_logistics`
    (migration 0005) whatever the write path; never written by the application. A 100k-site match scans
    about 15 MB here instead of 100 MB of `site` plus a 400k-row join per distance."""

    __tablename__ = "site_match"

    # One row per site, inserted, updated and deleted with it by the site's triggers (0005, 0012).
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kommune_nr: Mapped[str] = mapped_column(String(4), nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, nullable=False)
    area_m2: Mapped[float] = mapped_column(Float, nullable=False)
    uses: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    maturity: Mapped[str] = mapped_column(Text, nullable=False)
    maturity_verified_at: Mapped[dt.date | None] = mapped_column(Date)
    power_status: Mapped[str] = mapped_column(Text, nullable=False)
    power_mw_now: Mapped[float | None] = mapped_column(Float)
    power_mw_future: Mapped[float | None] = mapped_column(Float)
    power_future_year: Mapped[int | None] = mapped_column(Integer)
    power_verified_at: Mapped[dt.date | None] = mapped_column(Date)
    availability: Mapped[str] = mapped_column(Text, nullable=False)
    availability_verified_at: Mapped[dt.date | None] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    km_motorway_junction: Mapped[float | None] = mapped_column(Float)
    prec_motorway_junction: Mapped[float | None] = mapped_column(Float)
    km_rail_terminal: Mapped[float | None] = mapped_column(Float)
    prec_rail_terminal: Mapped[float | None] = mapped_column(Float)
    km_port: Mapped[float | None] = mapped_column(Float)
    prec_port: Mapped[float | None] = mapped_column(Float)
    km_airport: Mapped[float | None] = mapped_column(Float)
    prec_airport: Mapped[float | None] = mapped_column(Float)

    # How many published sites an inquiry considered, counted from this small index (index-only).
    __table_args__ = (
        Index("ix_site_match_published", "kommune_nr", postgresql_where=text("status = 'published'")),
    )
