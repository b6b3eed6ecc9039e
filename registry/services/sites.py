"""Site queries: GeoJSON features in CRS84 (RFC 7946) with every axis, its date and its staleness."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from schemas.taxonomy import (
    AVAILABILITY,
    EVIDENCE,
    LAND_CONTROL,
    LOGISTICS_KIND,
    MATURITY,
    POWER,
    SITE_STATUS,
    SOSI_USE,
    STALE_AFTER_DAYS,
    Taxonomy,
)

# (axis name in the API, code column, prefix of its *_verified_at / *_verified_by columns, taxonomy)
AXES: tuple[tuple[str, str, str, Taxonomy], ...] = (
    ("maturity", "maturity", "maturity", MATURITY),
    ("power", "power_status", "power", POWER),
    ("availability", "availability", "availability", AVAILABILITY),
    ("land_control", "land_control", "land_control", LAND_CONTROL),
    ("evidence", "evidence", "evidence", EVIDENCE),
)

_SITE_SELECT = """
SELECT s.*, k.name AS kommune_name, k.regionraad,
       ST_AsGeoJSON(ST_Transform(s.geom_25833, 4326), 7) AS geojson,
       p.contact_role, p.email AS contact_email, p.phone AS contact_phone, p.response_hours
FROM site s
JOIN kommune k ON k.nr = s.kommune_nr
LEFT JOIN kommune_profile p ON p.kommune_nr = s.kommune_nr
"""


@dataclass(frozen=True)
class SiteFilter:
    kommune: str | None = None
    min_area_m2: float | None = None
    maturity_min: str | None = None
    power_min: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # lon/lat, CRS84
    statuses: tuple[str, ...] = ("published",)


def _where(f: SiteFilter) -> tuple[str, dict[str, Any]]:
    clauses = ["s.status = ANY(:statuses)"]
    params: dict[str, Any] = {"statuses": list(f.statuses)}
    if f.kommune:
        clauses.append("s.kommune_nr = :kommune")
        params["kommune"] = f.kommune
    if f.min_area_m2 is not None:
        clauses.append("s.area_m2 >= :min_area")
        params["min_area"] = f.min_area_m2
    if f.maturity_min:
        clauses.append("s.maturity = ANY(:maturities)")
        params["maturities"] = list(MATURITY.codes[MATURITY.rank(f.maturity_min) :])
    if f.power_min:
        clauses.append("s.power_status = ANY(:powers)")
        params["powers"] = list(POWER.codes[POWER.rank(f.power_min) :])
    if f.bbox:
        clauses.append("s.geom_25833 && ST_Transform(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326), 25833)")
        params.update(dict(zip(("x0", "y0", "x1", "y1"), f.bbox, strict=True)))
    return " WHERE " + " AND ".join(clauses), params


def is_stale(verified_at: dt.date | None, *, today: dt.date | None = None) -> bool:
    """A fact is stale when never verified or verified longer ago than STALE_AFTER_DAYS."""
    if verified_at is None:
        return True
    return ((today or dt.date.today()) - verified_at).days > STALE_AFTER_DAYS


def _term(tax: Taxonomy, code: str | None) -> dict[str, Any] | None:
    if code is None:
        return None
    return {"code": code, "label_no": tax.label(code, "no"), "label_en": tax.label(code, "en")}


def _feature(
    row: Any, *, logistics: list[dict[str, Any]] | None = None, detail: bool = False
) -> dict[str, Any]:
    m = row._mapping
    axes = {}
    for axis, column, verified, tax in AXES:
        verified_at, verified_by = m[f"{verified}_verified_at"], m[f"{verified}_verified_by"]
        axes[axis] = {
            **(_term(tax, m[column]) or {"code": None}),
            "verified_at": verified_at.isoformat() if verified_at else None,
            "verified_by": verified_by,
            "stale": is_stale(verified_at),
        }
    power = axes["power"]
    power.update(
        {
            "mw_now": m["power_mw_now"],
            "mw_future": m["power_mw_future"],
            "future_year": m["power_future_year"],
            "reserved_until": m["power_reserved_until"].isoformat() if m["power_reserved_until"] else None,
            "grid_company": m["grid_company"],
            "le_5mw": m["power_le_5mw"],
            "nearest_substation_id": m["nearest_substation_id"],
            "substation_distance_km": m["substation_distance_km"],
        }
    )
    area = float(m["area_m2"])
    props: dict[str, Any] = {
        "id": m["id"],
        "kommune_nr": m["kommune_nr"],
        "kommune_name": m["kommune_name"],
        "regionraad": m["regionraad"],
        "name": m["name"],
        "reference": m["reference"],
        "area_m2": round(area, 1),
        "area_daa": round(area / 1000.0, 2),
        "area_ha": round(area / 10_000.0, 3),
        "area_m2_submitted": m["area_m2_submitted"],
        "uses": [_term(SOSI_USE, c) for c in m["uses"]],
        "use_text": m["use_text"],
        **axes,
        "status": _term(SITE_STATUS, m["status"]),
        "is_demo": m["is_demo"],
        "stale": any(a["stale"] for a in axes.values() if a.get("code") is not None),
        "contact": {
            "role": m["contact_role"],
            "email": m["contact_email"],
            "phone": m["contact_phone"],
            "response_hours": m["response_hours"],
        },
        "updated_at": m["updated_at"].isoformat(),
    }
    if detail:
        props.update(
            {
                "description_no": m["description_no"],
                "description_en": m["description_en"],
                "ownership_text": m["ownership_text"],
                "price_nok_per_m2": float(m["price_nok_per_m2"])
                if m["price_nok_per_m2"] is not None
                else None,
                "price_terms": m["price_terms"],
                "plan_id": m["plan_id"],
                "plan_status": m["plan_status"],
                "links": list(m["links"]),
                "evidence_url": m["evidence_url"],
                "logistics": logistics or [],
                "provenance": {
                    "submission_id": m["submission_id"],
                    "source_row": m["source_row"],
                    "file_hash": m["file_hash"],
                },
                "created_at": m["created_at"].isoformat(),
            }
        )
    return {"type": "Feature", "id": m["id"], "geometry": json.loads(m["geojson"]), "properties": props}


def list_sites(
    session: Session, *, filters: SiteFilter, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Return one page of sites as GeoJSON features, and the total matching the filters."""
    where, params = _where(filters)
    total = session.execute(text("SELECT count(*) FROM site s" + where), params).scalar_one()
    rows = session.execute(
        text(_SITE_SELECT + where + " ORDER BY s.kommune_nr, s.name, s.id LIMIT :limit OFFSET :offset"),
        {**params, "limit": limit, "offset": offset},
    ).all()
    return [_feature(r) for r in rows], int(total)


def site_logistics(session: Session, site_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        text("""
        SELECT l.kind, n.name, n.code, n.note, l.distance_km, l.precision_km, l.method, n.coord_source
        FROM site_logistics l JOIN logistics_node n ON n.id = l.node_id
        WHERE l.site_id = :id ORDER BY l.kind
    """),
        {"id": site_id},
    ).all()
    return [
        {
            "kind": _term(LOGISTICS_KIND, r.kind),
            "name": r.name,
            "code": r.code,
            "distance_km": r.distance_km,
            "precision_km": r.precision_km,
            "method": r.method,
            "node_note": r.note,
            "node_source": r.coord_source,
        }
        for r in rows
    ]


def get_site(
    session: Session, site_id: int, *, statuses: tuple[str, ...] = ("published",)
) -> dict[str, Any] | None:
    """One site's passport as a GeoJSON feature, or None when not visible."""
    row = session.execute(
        text(_SITE_SELECT + " WHERE s.id = :id AND s.status = ANY(:statuses)"),
        {"id": site_id, "statuses": list(statuses)},
    ).first()
    if row is None:
        return None
    feature = _feature(row, logistics=site_logistics(session, site_id), detail=True)
    sub = session.execute(
        text("""
        SELECT name, grid_company, available_cons_mw, reserved_cons_mw, available_prod_mw,
               capacity_date, caveat
        FROM substation WHERE id = :id
    """),
        {"id": row._mapping["nearest_substation_id"]},
    ).first()
    if sub is not None:
        feature["properties"]["power"]["nearest_substation"] = {
            "name": sub.name,
            "grid_company": sub.grid_company,
            "available_cons_mw": sub.available_cons_mw,
            "reserved_cons_mw": sub.reserved_cons_mw,
            "available_prod_mw": sub.available_prod_mw,
            "capacity_date": sub.capacity_date.isoformat() if sub.capacity_date else None,
            "caveat": sub.caveat,
        }
    return feature


def all_sites_rows(session: Session, *, statuses: tuple[str, ...] = ("published",)) -> list[dict[str, Any]]:
    """Every site's properties (detail level), for exports."""
    rows = session.execute(
        text(_SITE_SELECT + " WHERE s.status = ANY(:statuses) ORDER BY s.kommune_nr, s.name, s.id"),
        {"statuses": list(statuses)},
    ).all()
    logistics: dict[int, list[dict[str, Any]]] = {}
    for r in session.execute(
        text("""
        SELECT l.site_id, l.kind, n.name, l.distance_km, l.precision_km FROM site_logistics l
        JOIN logistics_node n ON n.id = l.node_id
    """)
    ).all():
        logistics.setdefault(r.site_id, []).append(
            {
                "kind": _term(LOGISTICS_KIND, r.kind),
                "name": r.name,
                "distance_km": r.distance_km,
                "precision_km": r.precision_km,
            }
        )
    return [
        _feature(r, logistics=logistics.get(r._mapping["id"], []), detail=True)["properties"] for r in rows
    ]
