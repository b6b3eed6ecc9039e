"""Phase 4: geometry — detect the CRS and swapped axes, reproject to EPSG:25833, repair, points.

All work is vectorised with shapely 2 / pyproj over the whole column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from etl.issues import Issue, SubmissionRejected, make_issue

TARGET_EPSG = 25833
ACCEPTED_EPSG = {25832, 25833, 25835, 4258, 4326, 3857, 5972, 5973, 5975}

# Mainland Norway with Svalbard excluded, generous margins: lon/lat and EPSG:25833 boxes.
NORWAY_LONLAT = (4.0, 57.7, 31.5, 71.5)
NORWAY_25833 = (-120_000.0, 6_420_000.0, 1_130_000.0, 7_960_000.0)


# shapely.get_type_id → name (index id + 1; -1 is a missing geometry).
_TYPE_NAMES = (
    "",
    "Point",
    "LineString",
    "LinearRing",
    "Polygon",
    "MultiPoint",
    "MultiLineString",
    "MultiPolygon",
    "GeometryCollection",
)
_POLYGON, _MULTIPOLYGON = 3, 6


@dataclass
class GeometryResult:
    geoms: np.ndarray  # shapely MultiPolygons in EPSG:25833, None where the row failed
    source_epsg: int
    is_point_site: np.ndarray  # bool per row
    issues: list[Issue]


def _horizontal_epsg(crs: CRS) -> int | None:
    """EPSG code of the horizontal part of `crs` (5972 → 25832), or None."""
    if crs.is_compound:
        for sub in crs.sub_crs_list:
            if not sub.is_vertical:
                return sub.to_epsg()
        return None
    code = crs.to_epsg()
    if code is None and crs.to_string().upper() in {"OGC:CRS84", "CRS84"}:
        return 4326
    if code is None:
        try:
            if crs.equals(CRS.from_user_input("OGC:CRS84")):
                return 4326
        except Exception:  # pragma: no cover - pyproj edge cases
            return None
    return code


def _in_box(x: np.ndarray, y: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    return (x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3])


def _guess_crs(x: np.ndarray, y: np.ndarray) -> int | None:
    """Guess the EPSG code from representative coordinates when no CRS is declared."""
    if len(x) == 0:
        return None
    # Each point must fit the CRS's Norway box one way or the other: a sheet where only some rows have
    # north typed into the east column is still UTM 33 (those rows are swapped back per row later).
    for epsg, box in ((4326, NORWAY_LONLAT), (25833, NORWAY_25833)):
        if np.all(_in_box(x, y, box) | _in_box(y, x, box)):
            return epsg
    if np.all((np.abs(x) <= 180) & (np.abs(y) <= 90)):
        return 4326
    return None


def _swap(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda c: c[:, ::-1])


def _to_multipolygon(g: BaseGeometry | None) -> BaseGeometry | None:
    """Keep the polygonal parts of `g` as one MultiPolygon; None when nothing polygonal is left."""
    if g is None or g.is_empty:
        return None
    if g.geom_type == "MultiPolygon":
        return g
    if g.geom_type == "Polygon":
        return shapely.MultiPolygon([g])
    if g.geom_type == "GeometryCollection":
        polys: list[BaseGeometry] = []
        for part in g.geoms:
            mp = _to_multipolygon(part)
            if mp is not None:
                polys.extend(mp.geoms)
        return shapely.MultiPolygon(polys) if polys else None
    return None


def _present(
    geoms: pd.Series, rows: np.ndarray, file: str | None
) -> tuple[np.ndarray, np.ndarray, list[Issue]]:
    """The geometries as a 2D object array with None for missing or empty ones, and which are present."""
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = [g if isinstance(g, BaseGeometry) else None for g in geoms.to_numpy()]
    present = ~shapely.is_missing(arr)
    present[present] = ~shapely.is_empty(arr[present])
    arr[~present] = None
    issues = [
        make_issue("geometry-missing", row=int(rows[i]), field="geometry", file=file)
        for i in np.flatnonzero(~present)
    ]
    arr[present] = shapely.force_2d(arr[present])
    return arr, present, issues


def _source_epsg(
    declared: CRS | None, x: np.ndarray, y: np.ndarray, file: str | None
) -> tuple[int, list[Issue]]:
    """The file's horizontal EPSG code: the declared one if accepted, else guessed from the coordinates."""
    if declared is None:
        guessed = _guess_crs(x, y)
        if guessed is None:
            raise SubmissionRejected([make_issue("crs-missing", file=file)])
        return guessed, [make_issue("crs-assumed", detail=f"EPSG:{guessed}", file=file)]
    epsg = _horizontal_epsg(declared)
    if epsg is None or epsg not in ACCEPTED_EPSG:
        raise SubmissionRejected([make_issue("crs-unsupported", detail=declared.to_string()[:80], file=file)])
    return epsg, []


def _unswap_axes(
    arr: np.ndarray,
    present: np.ndarray,
    epsg: int,
    x: np.ndarray,
    y: np.ndarray,
    rows: np.ndarray,
    file: str | None,
) -> list[Issue]:
    """Swap back, per row, coordinates that fit Norway only when swapped."""
    if not len(x):
        return []
    crs = CRS.from_epsg(epsg)
    if crs.is_geographic:
        fits, fits_swapped = _in_box(x, y, NORWAY_LONLAT), _in_box(y, x, NORWAY_LONLAT)
    else:
        to_ll = Transformer.from_crs(crs, 4326, always_xy=True)
        lon, lat = to_ll.transform(x, y)
        lon_s, lat_s = to_ll.transform(y, x)
        fits = _in_box(np.asarray(lon), np.asarray(lat), NORWAY_LONLAT)
        fits_swapped = _in_box(np.asarray(lon_s), np.asarray(lat_s), NORWAY_LONLAT)
    row_swapped = np.zeros(len(arr), dtype=bool)
    row_swapped[np.flatnonzero(present)] = ~fits & fits_swapped
    if not row_swapped.any():
        return []
    arr[row_swapped] = _swap(arr[row_swapped])
    axis_names = "lat/lon" if crs.is_geographic else "nord/øst — north/east"
    return [
        make_issue("axes-swapped", row=int(rows[i]), field="geometry", detail=axis_names, file=file)
        for i in np.flatnonzero(row_swapped)
    ]


def _reproject(arr: np.ndarray, present: np.ndarray, epsg: int) -> None:
    """Transform every present geometry from `epsg` to EPSG:25833, in place."""
    if epsg == TARGET_EPSG or not present.any():
        return
    tr = Transformer.from_crs(CRS.from_epsg(epsg), CRS.from_epsg(TARGET_EPSG), always_xy=True)
    arr[present] = shapely.transform(arr[present], lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))


def _drop_outside_norway(
    arr: np.ndarray, present: np.ndarray, rows: np.ndarray, file: str | None
) -> list[Issue]:
    """Refuse geometries whose envelope leaves the Norway box (EPSG:25833), in place."""
    if not present.any():
        return []
    bounds = shapely.bounds(arr[present])
    inside = (
        (bounds[:, 0] >= NORWAY_25833[0])
        & (bounds[:, 2] <= NORWAY_25833[2])
        & (bounds[:, 1] >= NORWAY_25833[1])
        & (bounds[:, 3] <= NORWAY_25833[3])
    )
    issues = []
    for i in np.flatnonzero(present)[~inside]:
        issues.append(make_issue("outside-norway", row=int(rows[i]), field="geometry", file=file))
        arr[i] = None
        present[i] = False
    return issues


def _points_and_types(
    arr: np.ndarray, present: np.ndarray, area_m2: pd.Series | None, rows: np.ndarray, file: str | None
) -> tuple[np.ndarray, np.ndarray, list[Issue]]:
    """Points become circle sites of the given area; anything not polygonal is refused (in place).

    Returns which rows are point sites, the type names per row, and the issues."""
    is_point = np.zeros(len(arr), dtype=bool)
    types = np.array(_TYPE_NAMES, dtype=object)[shapely.get_type_id(arr) + 1]
    issues = []
    for i in np.flatnonzero(present & np.isin(types, ["Point", "MultiPoint"])):
        area = None if area_m2 is None else area_m2.iat[i]
        if area is None or not np.isfinite(area) or area <= 0:  # NaN is a blank cell, not an area
            issues.append(make_issue("point-without-area", row=int(rows[i]), field="geometry", file=file))
            arr[i] = None
            continue
        radius = float(np.sqrt(area / np.pi))
        arr[i] = shapely.MultiPolygon([shapely.centroid(arr[i]).buffer(radius, 32)])
        is_point[i] = True
        issues.append(make_issue("point-site", row=int(rows[i]), field="geometry", file=file))
    bad_type = present & ~np.isin(
        types, ["Polygon", "MultiPolygon", "GeometryCollection", "Point", "MultiPoint"]
    )
    for i in np.flatnonzero(bad_type):
        issues.append(
            make_issue("geometry-wrong-type", row=int(rows[i]), field="geometry", value=types[i], file=file)
        )
        arr[i] = None
    return is_point, types, issues


def _repair(arr: np.ndarray, types: np.ndarray, rows: np.ndarray, file: str | None) -> list[Issue]:
    """Make every geometry a valid MultiPolygon, repairing invalid ones (in place)."""
    live = ~shapely.is_missing(arr)
    valid = np.zeros(len(arr), dtype=bool)
    valid[live] = shapely.is_valid(arr[live])
    type_ids = shapely.get_type_id(arr)
    simple = np.flatnonzero(valid & (type_ids == _POLYGON))
    if len(simple):
        arr[simple] = shapely.multipolygons(arr[simple], indices=np.arange(len(simple)))
    issues = []
    for i in np.flatnonzero(live & valid & (type_ids != _POLYGON) & (type_ids != _MULTIPOLYGON)):
        arr[i] = _to_multipolygon(arr[i])
        if arr[i] is None:
            issues.append(
                make_issue(
                    "geometry-wrong-type", row=int(rows[i]), field="geometry", value=types[i], file=file
                )
            )
    for i in np.flatnonzero(live & ~valid):
        reason = shapely.is_valid_reason(arr[i])
        fixed = _to_multipolygon(shapely.make_valid(arr[i]))
        if fixed is None or fixed.area <= 0:
            issues.append(
                make_issue(
                    "geometry-unrepairable", row=int(rows[i]), field="geometry", detail=reason, file=file
                )
            )
            arr[i] = None
        else:
            issues.append(
                make_issue("geometry-invalid", row=int(rows[i]), field="geometry", detail=reason, file=file)
            )
            arr[i] = fixed
    return issues


def process_geometries(
    geoms: pd.Series,
    *,
    declared: CRS | None,
    rows: np.ndarray,
    area_m2: pd.Series | None,
    file: str | None = None,
) -> GeometryResult:
    """Reproject to EPSG:25833 and repair; one issue per problem row, naming the row and field."""
    arr, present, issues = _present(geoms, rows, file)
    # Representative coordinates for CRS and axis detection: one point per geometry.
    reps = (
        shapely.get_coordinates(shapely.point_on_surface(shapely.envelope(arr[present])))
        if present.any()
        else np.empty((0, 2))
    )
    x, y = (reps[:, 0], reps[:, 1]) if len(reps) else (np.empty(0), np.empty(0))
    epsg, crs_issues = _source_epsg(declared, x, y, file)
    issues += crs_issues
    issues += _unswap_axes(arr, present, epsg, x, y, rows, file)
    _reproject(arr, present, epsg)
    issues += _drop_outside_norway(arr, present, rows, file)
    is_point, types, type_issues = _points_and_types(arr, present, area_m2, rows, file)
    issues += type_issues
    issues += _repair(arr, types, rows, file)
    issues.sort(key=lambda i: (i.row is not None, i.row or 0))
    return GeometryResult(geoms=arr, source_epsg=epsg, is_point_site=is_point, issues=issues)
