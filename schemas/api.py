"""API response schemas (pydantic). Sites are GeoJSON features in CRS84 (RFC 7946)."""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, Field

from schemas.taxonomy import MATURITY, POWER, Taxonomy


def _code_enum(name: str, tax: Taxonomy) -> type[Enum]:
    """A str Enum of a taxonomy's codes, so OpenAPI lists the allowed values."""
    return Enum(name, {c: c for c in tax.codes}, type=str)  # type: ignore[return-value]


MaturityCode = _code_enum("MaturityCode", MATURITY)
PowerCode = _code_enum("PowerCode", POWER)


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: bool
    postgis: str | None = None
    schema_revision: str | None = None


class SiteFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: int
    geometry: dict[str, Any]
    properties: dict[str, Any]


class SiteCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[SiteFeature]
    total: int = Field(description="Sites matching the filters, over all pages")
    limit: int
    offset: int
    next: str | None = Field(default=None, description="URL of the next page, if any")
    attribution: list[str]


class OneDoorIn(BaseModel):
    contact_role: str | None
    contact_name: str | None
    email: str | None
    phone: str | None
    response_hours: int | None
    pitch_no: str | None
    pitch_en: str | None
    competence_no: str | None
    competence_en: str | None
    verified_at: str | None
    is_demo: bool


class Kommune(BaseModel):
    nr: str
    name: str
    fylke_nr: str
    fylke_name: str
    regionraad: str | None
    is_member: bool
    membership_note: str | None
    one_door_in: OneDoorIn | None
    published_sites: int
    published_area_m2: float


class KommuneList(BaseModel):
    kommuner: list[Kommune]
    attribution: list[str]
