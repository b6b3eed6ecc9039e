"""Readers for the shipped reference data: each returns plain rows with shapely geometries in EPSG:25833.

Phases per source: read → normalise → repair/reproject geometry → validate. Nothing here touches the
database; `registry.services.reference` writes the rows. Errors name the file (and line) that is wrong.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from schemas.taxonomy import LOGISTICS_KIND

SRID = 25833
MIN_OVERLAP_SHARE = 0.01  # overlaps below 1 % of the old kommune are slivers of simplified boundaries
STATNETT_AREA_NOTE = (
    "Punktet er et representativt punkt inne i Statnetts område, ikke en stasjon. / "
    "The point is a representative point inside Statnett's area, not a substation."
)

_TO_25833 = pyproj.Transformer.from_crs(4326, SRID, always_xy=True)

Row = dict[str, Any]


class ReferenceDataError(ValueError):
    """A reference file is missing or malformed; the message names the file and the place."""


def to_multipolygon(geom: BaseGeometry | None) -> MultiPolygon:
    """Repair a geometry with make_valid and keep only its polygonal parts, as one MultiPolygon."""
    if geom is None or geom.is_empty:
        return MultiPolygon()
    fixed = shapely.make_valid(geom)
    polys: list[Polygon] = []
    for part in shapely.get_parts(fixed):
        if isinstance(part, Polygon):
            polys.append(part)
        elif isinstance(part, MultiPolygon):
            polys.extend(part.geoms)
        elif part.geom_type == "GeometryCollection":
            polys.extend(to_multipolygon(part).geoms)
    return MultiPolygon([p for p in polys if not p.is_empty])


def _polygons_25833(gdf: gpd.GeoDataFrame, path: Path) -> gpd.GeoSeries:
    """Repair in the source CRS, reproject to EPSG:25833, repair again (reprojection may break validity)."""
    if gdf.crs is None:
        raise ReferenceDataError(f"{path.name}: no CRS declared")
    repaired = gdf.geometry.apply(to_multipolygon).set_crs(gdf.crs, allow_override=True)
    projected = repaired.to_crs(SRID).apply(to_multipolygon).set_crs(SRID, allow_override=True)
    empty = projected.is_empty
    if empty.any():
        raise ReferenceDataError(f"{path.name}: {int(empty.sum())} feature(s) without a polygon after repair")
    return projected


def read_fylker(path: Path) -> list[Row]:
    """Counties: two-digit number, name and MultiPolygon in EPSG:25833."""
    gdf = gpd.read_file(path)
    geoms = _polygons_25833(gdf, path)
    return [
        {"nr": str(nr).zfill(2), "name": str(name).strip(), "geom_25833": geom}
        for nr, name, geom in zip(gdf["fylkesnummer"], gdf["fylkesnavn"], geoms, strict=True)
    ]


def read_members(path: Path) -> dict[str, Row]:
    """Osloregionen members (an editable assumption): kommune_nr → regionraad and note."""
    members: dict[str, Row] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for line, rec in enumerate(csv.DictReader(fh), start=2):
            nr = (rec.get("kommune_nr") or "").strip()
            if not re.fullmatch(r"[0-9]{4}", nr):
                raise ReferenceDataError(f"{path.name} line {line}: kommune_nr {nr!r} is not four digits")
            if nr in members:
                raise ReferenceDataError(f"{path.name} line {line}: kommune_nr {nr} listed twice")
            members[nr] = {
                "kommune_name": (rec.get("kommune_name") or "").strip(),
                "regionraad": (rec.get("regionraad") or "").strip() or None,
                "membership_note": (rec.get("note") or "").strip() or None,
            }
    return members


def read_kommuner(path: Path, members: dict[str, Row]) -> gpd.GeoDataFrame:
    """Kommuner 2024 in EPSG:25833 with fylke number and Osloregionen membership."""
    gdf = gpd.read_file(path)
    out = gpd.GeoDataFrame(
        {
            "nr": gdf["kommunenummer"].astype(str).str.strip().str.zfill(4),
            "name": gdf["kommunenavn"].astype(str).str.strip(),
        },
        geometry=_polygons_25833(gdf, path).values,
        crs=SRID,
    )
    if out["nr"].duplicated().any():
        raise ReferenceDataError(
            f"{path.name}: duplicate kommunenummer {sorted(out['nr'][out['nr'].duplicated()])}"
        )
    unknown = sorted(set(members) - set(out["nr"]))
    if unknown:
        raise ReferenceDataError(f"members.csv: kommune_nr not in {path.name}: {unknown}")
    out["fylke_nr"] = out["nr"].str[:2]
    out["is_member"] = out["nr"].isin(list(members))
    out["regionraad"] = [members.get(nr, {}).get("regionraad") for nr in out["nr"]]
    out["membership_note"] = [members.get(nr, {}).get("membership_note") for nr in out["nr"]]
    return out


def kommune_rows(kommuner: gpd.GeoDataFrame) -> list[Row]:
    cols = ["nr", "name", "fylke_nr", "regionraad", "is_member", "membership_note"]
    return [
        {**{c: _plain(rec[c]) for c in cols}, "geom_25833": geom}
        for rec, geom in zip(kommuner[cols].to_dict("records"), kommuner.geometry, strict=True)
    ]


def derive_number_history(path_2020: Path, kommuner_2024: gpd.GeoDataFrame) -> list[Row]:
    """Map every 2020–2023 kommune number to the 2024 kommuner its area went to (share of the old area)."""
    old = gpd.read_file(path_2020)
    old_gdf = gpd.GeoDataFrame(
        {
            "old_nr": [f"{int(n):04d}" for n in old["kommunenummer"]],
            "old_name": old["navn"].astype(str).str.strip(),
        },
        geometry=_polygons_25833(old, path_2020).values,
        crs=SRID,
    )
    new_gdf = kommuner_2024[["nr", "geometry"]].rename(columns={"nr": "new_nr"})
    pairs = gpd.sjoin(old_gdf, new_gdf, how="inner", predicate="intersects")
    new_geoms = new_gdf.geometry.loc[pairs["index_right"]].values
    inter_area = shapely.area(shapely.intersection(pairs.geometry.values, new_geoms))
    pairs = pairs.assign(share=np.minimum(inter_area / shapely.area(pairs.geometry.values), 1.0))

    rows: list[Row] = []
    for old_nr, group in pairs.groupby("old_nr", sort=True):
        group = group.sort_values(["share", "new_nr"], ascending=[False, True])
        kept = group[group["share"] >= MIN_OVERLAP_SHARE]
        if kept.empty:
            kept = group.head(1)
        for i, rec in enumerate(kept.itertuples(index=False)):
            rows.append(
                {
                    "old_nr": old_nr,
                    "new_nr": rec.new_nr,
                    "old_name": rec.old_name,
                    "overlap_share": round(float(rec.share), 4),
                    "is_primary": i == 0,
                }
            )
    return rows


def read_substations(grid_dir: Path) -> list[Row]:
    """Substations from the WattApp exports (a JSON list holding one JSON-LD FeatureCollection each)."""
    files = sorted(grid_dir.glob("wattapp_*.json"))
    if not files:
        raise ReferenceDataError(f"{grid_dir}: no wattapp_*.json files")
    rows: list[Row] = []
    seen: set[str] = set()
    for path in files:
        for feature in _wattapp_features(path):
            row = _substation_row(feature, path)
            if row["source_id"] in seen:
                raise ReferenceDataError(f"{path.name}: feature id {row['source_id']} occurs twice")
            seen.add(row["source_id"])
            rows.append(row)
    return rows


def _wattapp_features(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    collections = data if isinstance(data, list) else [data]
    features: list[dict[str, Any]] = []
    for fc in collections:
        if not isinstance(fc, dict) or fc.get("type") != "FeatureCollection":
            raise ReferenceDataError(f"{path.name}: expected a (list of) FeatureCollection")
        features.extend(fc.get("features") or [])
    return features


def _substation_row(feature: dict[str, Any], path: Path) -> Row:
    props = feature.get("properties") or {}
    name = str(props.get("name") or "").strip()
    if not feature.get("geometry"):
        raise ReferenceDataError(f"{path.name}: feature {name or feature.get('id')!r} has no geometry")
    geom = shapely.geometry.shape(feature["geometry"])
    caveat = (props.get("shortDescription") or props.get("description") or "").strip() or None
    if geom.geom_type != "Point":
        # Statnett publishes supply areas as polygons; the table holds points, so keep one inside the area.
        geom = to_multipolygon(geom).representative_point()
        caveat = f"{caveat.rstrip('.')}. {STATNETT_AREA_NOTE}" if caveat else STATNETT_AREA_NOTE
    x, y = _TO_25833.transform(geom.x, geom.y)
    kommune_nr = str(props["kommune_nr"]).strip().zfill(4) if props.get("kommune_nr") else None
    return {
        "source_id": str(feature.get("id") or f"{path.name}:{name}"),
        "grid_company": str(props.get("owner") or "").strip(),
        "name": name,
        "available_cons_mw": _float(props.get("availableCons")),
        "reserved_cons_mw": _float(props.get("reservedCons")),
        "available_prod_mw": _float(props.get("availableProd")),
        "capacity_date": _datetime(props.get("capacityDate"), path),
        "caveat": caveat,
        "kommune_nr": kommune_nr,
        "source_file": path.name,
        "geom_25833": Point(x, y),
    }


def read_logistics_nodes(path: Path) -> list[Row]:
    """Curated logistics nodes (WGS84) with the precision of each coordinate (column precision_km)."""
    rows: list[Row] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line, rec in enumerate(csv.DictReader(fh), start=2):
            where = f"{path.name} line {line}"
            kind = (rec.get("kind") or "").strip()
            if kind not in LOGISTICS_KIND:
                raise ReferenceDataError(f"{where}: kind {kind!r} is not one of {LOGISTICS_KIND.codes}")
            try:
                lat, lon = float(rec["lat"]), float(rec["lon"])
                precision_km = float(rec["precision_km"])
            except (KeyError, TypeError, ValueError) as exc:
                raise ReferenceDataError(
                    f"{where}: lat, lon and precision_km must be numbers ({exc})"
                ) from exc
            if not (57 < lat < 72 and 4 < lon < 32):
                raise ReferenceDataError(f"{where}: {lat}, {lon} is outside Norway (lat/lon swapped?)")
            if precision_km <= 0:
                raise ReferenceDataError(f"{where}: precision_km must be > 0")
            x, y = _TO_25833.transform(lon, lat)
            rows.append(
                {
                    "kind": kind,
                    "name": rec["name"].strip(),
                    "code": _text(rec.get("code")),
                    "road": _text(rec.get("road")),
                    "operator": _text(rec.get("operator")),
                    "coord_source": (rec.get("source_url") or "").strip(),
                    "note": _text(rec.get("note")),
                    "precision_km": precision_km,
                    "geom_25833": Point(x, y),
                }
            )
    return rows


def read_clusters(path: Path) -> list[Row]:
    """Business clusters; `kommune_name` (one or more, ';'-separated) is looked up later."""
    rows: list[Row] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line, rec in enumerate(csv.DictReader(fh), start=2):
            rows.append(
                {
                    "name": rec["name"].strip(),
                    "sector": _text(rec.get("sector")),
                    "programme_level": _text(rec.get("programme_level")),
                    "host_city": _text(rec.get("host_city")),
                    "kommune_name": _text(rec.get("kommune_name")),
                    "website": _text(rec.get("website")),
                    "source_url": _text(rec.get("source_url")),
                    "source_date": _partial_date(rec.get("source_date"), f"{path.name} line {line}"),
                }
            )
    return rows


def _partial_date(value: str | None, where: str) -> dt.date | None:
    """Parse YYYY-MM-DD, YYYY-MM or YYYY (first day of the period); empty is None."""
    text = (value or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ReferenceDataError(f"{where}: source_date {text!r} is not YYYY-MM-DD, YYYY-MM or YYYY")


def _datetime(value: Any, path: Path) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ReferenceDataError(f"{path.name}: capacityDate {value!r} is not ISO 8601") from exc


def _float(value: Any) -> float | None:
    return None if value in (None, "") else float(value)


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def _plain(value: Any) -> Any:
    """numpy scalars → Python scalars (psycopg adapts only the latter); pandas' missing value (NaN) →
    None, which would otherwise be stored as the text 'NaN' in a text column."""
    value = value.item() if isinstance(value, np.generic) else value
    return None if isinstance(value, float) and math.isnan(value) else value


def read_organisations(path: Path) -> list[Row]:
    """Organisation number → kommune number (the seed of `org_kommune`); a bad number stops the load."""
    rows: list[Row] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line, rec in enumerate(csv.DictReader(fh), start=2):
            orgnr = (rec.get("orgnr") or "").strip()
            kommune_nr = (rec.get("kommune_nr") or "").strip().zfill(4)
            if not re.fullmatch(r"[0-9]{9}", orgnr):
                raise ReferenceDataError(f"{path.name} line {line}: orgnr {orgnr!r} is not 9 digits")
            rows.append(
                {
                    "orgnr": orgnr,
                    "kommune_nr": kommune_nr,
                    "name": _text(rec.get("name")),
                    "source": _text(rec.get("source")),
                }
            )
    return rows
