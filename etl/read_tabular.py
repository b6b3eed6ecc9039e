"""Read Excel and CSV sheets into a table: find the header row, the encoding, the separator, the coordinates.

Values stay as read (CSV: strings; Excel: the cell's own type); the value parsing phase converts them.
Geometry is built from a WKT column or from x/y columns, without judging axis order or CRS: the geometry
phase does that from the values.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from geopandas.array import from_shapely
from pyproj import CRS, Transformer

from etl.issues import Issue, make_issue
from etl.read_safety import ReadLimits, reject
from schemas.fields import ALIASES, normalise_header

_HEADER_SEARCH_ROWS = 30
_SEPARATORS = (";", ",", "\t", "|")

WKT_NAMES = {
    "wkt",
    "geometri",
    "geometry",
    "geom",
    "the geom",
    "wkt geometri",
    "geometri wkt",
    "geometry wkt",
}
LAT_NAMES = {"lat", "latitude", "breddegrad", "bredde"}
LON_NAMES = {"lon", "lng", "long", "longitude", "lengdegrad", "lengde"}
# Norwegian and English names of the axes ("Ø" folds to "o", "øst" to "ost"; "østing" is easting).
EAST_NAMES = {
    "ost",
    "oest",
    "o",
    "osting",
    "ostlig",
    "east",
    "x",
    "easting",
    "e",
    "ostkoordinat",
    "ost koordinat",
    "x koordinat",
}
NORTH_NAMES = {
    "nord",
    "north",
    "y",
    "northing",
    "n",
    "nording",
    "nordlig",
    "nordkoordinat",
    "nord koordinat",
    "y koordinat",
}
CRS_NAMES = {
    "crs",
    "epsg",
    "srid",
    "koordinatsystem",
    "koordinatsystem epsg",
    "coordinate system",
    "projeksjon",
}
_QUALIFIERS = {
    "utm",
    "euref",
    "euref89",
    "wgs",
    "wgs84",
    "koordinat",
    "koord",
    "coordinate",
    "coord",
    "sone",
    "zone",
    "grader",
    "degrees",
    "deg",
    "dd",
    "m",
    "meter",
    "desimalgrader",
    "epsg",
}
_CRS_WORDS = {
    "utm32": 25832,
    "utm33": 25833,
    "utm35": 25835,
    "euref89 utm32": 25832,
    "euref89 utm33": 25833,
    "euref89 utm35": 25835,
    "wgs84": 4326,
    "euref89": 4258,
    "etrs89": 4258,
}

_DECIMAL_COMMA = re.compile(r"^[-+]?\d{1,3}(?:[ \u00a0.]?\d{3})*,\d+$")


@dataclass
class TableRead:
    """A sheet read into rows, before geometry is built."""

    frame: pd.DataFrame
    driver: str
    layer: str | None = None
    layers: list[str] = field(default_factory=list)
    encoding: str | None = None
    separator: str | None = None
    header_row: int | None = None
    issues: list[Issue] = field(default_factory=list)


def _is_text(v: Any) -> bool:
    return isinstance(v, str) and v.strip() != ""


def _is_empty(v: Any) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


def _name_matches(norm: str, names: set[str]) -> bool:
    if norm in names:
        return True
    tokens = norm.split()
    if len(tokens) < 2:
        return False
    # "Nord (Y)", "Øst UTM33": the other words qualify the axis or name it again
    rest_ok = all(t in _QUALIFIERS or t in names or any(c.isdigit() for c in t) for t in tokens[1:])
    if tokens[0] in names and rest_ok:
        return True
    # "koordinater utm33 ost": a merged group label in front of the axis name
    return tokens[-1] in names and all(
        t in _QUALIFIERS or t.startswith("koordinat") or any(c.isdigit() for c in t) for t in tokens[:-1]
    )


def _is_known_header(v: Any) -> bool:
    if not _is_text(v):
        return False
    norm = normalise_header(str(v))
    return norm in ALIASES or any(
        _name_matches(norm, s) for s in (WKT_NAMES, LAT_NAMES, LON_NAMES, EAST_NAMES, NORTH_NAMES, CRS_NAMES)
    )


def find_header_row(rows: Sequence[Sequence[Any]]) -> int:
    """Return the 0-based index of the header row among the first rows of a sheet."""
    width = max((_last_filled(r) for r in rows[:_HEADER_SEARCH_ROWS]), default=0)
    if width == 0:
        return 0
    fallback = None
    for i, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        texts = sum(1 for v in row[:width] if _is_text(v))
        if texts * 2 < width:
            continue
        if any(_is_known_header(v) for v in row):
            return i
        if fallback is None:
            fallback = i
    if fallback is not None:
        return fallback
    return next((i for i, r in enumerate(rows) if _last_filled(r)), 0)


def _last_filled(row: Sequence[Any]) -> int:
    for i in range(len(row) - 1, -1, -1):
        if not _is_empty(row[i]):
            return i + 1
    return 0


def _is_subheader(upper: Sequence[Any], lower: Sequence[Any]) -> bool:
    """Tell whether `lower` is the second line of a header with merged cells above it."""
    filled = [(i, v) for i, v in enumerate(lower) if not _is_empty(v)]
    if not filled or not all(isinstance(v, str) for _, v in filled):
        return False
    under_gap = any(i >= len(upper) or _is_empty(upper[i]) for i, _ in filled)
    upper_filled = sum(1 for v in upper if not _is_empty(v))
    return under_gap and (any(_is_known_header(v) for _, v in filled) or len(filled) < upper_filled)


def combine_header(upper: Sequence[Any], lower: Sequence[Any] | None) -> list[str]:
    """Build column names from one header row, or two where cells of the upper one were merged."""
    width = max(len(upper), len(lower or ()))
    names: list[str] = []
    group = ""
    for i in range(width):
        up = upper[i] if i < len(upper) else None
        own = "" if _is_empty(up) else str(up).strip()
        if own:
            group = own
        if lower is None:
            names.append(own)
            continue
        low = lower[i] if i < len(lower) else None
        sub = "" if _is_empty(low) else str(low).strip()
        top = own or group  # a horizontally merged cell holds its value only in the first column
        if sub and top and not _is_known_header(sub):
            names.append(f"{top} {sub}")
        else:
            names.append(sub or own)
    return _unique_names(names)


def _unique_names(names: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for i, name in enumerate(names):
        name = re.sub(r"\s+", " ", name).strip() or f"kolonne_{i + 1}"
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def rows_to_table(
    rows: list[list[Any]], name: str, first_row_number: int = 1
) -> tuple[pd.DataFrame, int, list[Issue]]:
    """Turn raw sheet rows into a frame with `source_row`; return it, the 1-based header row and issues."""
    h = find_header_row(rows)
    lower = rows[h + 1] if h + 1 < len(rows) and _is_subheader(rows[h], rows[h + 1]) else None
    names = combine_header(rows[h], lower)
    start = h + (2 if lower is not None else 1)
    width = len(names)
    data, numbers = [], []
    for offset, row in enumerate(rows[start:]):
        if _last_filled(row) == 0:
            continue
        cells = [None if _is_empty(v) else (v.strip() if isinstance(v, str) else v) for v in row[:width]]
        if len(row) > width and any(not _is_empty(v) for v in row[width:]):
            cells += [v for v in row[width:]]
        data.append(cells + [None] * (width - len(cells)))
        numbers.append(first_row_number + start + offset)
    extra = max((len(r) for r in data), default=width) - width
    names += _unique_names([f"kolonne_{width + i + 1}" for i in range(extra)]) if extra > 0 else []
    data = [r + [None] * (len(names) - len(r)) for r in data]
    frame = pd.DataFrame(data, columns=names, dtype=object)
    # columns with neither a name nor a value are layout, not data
    drop = [c for c in names if c.startswith("kolonne_") and frame[c].isna().all()]
    frame = frame.drop(columns=drop)
    frame["source_row"] = np.asarray(numbers, dtype="int64")
    header_row = first_row_number + h
    issues = []
    if h > 0:
        issues.append(make_issue("header-rows-skipped", value=header_row, detail=str(h), file=name))
    return frame, header_row, issues


# --- CSV ------------------------------------------------------------------------------------------------


def decode_text(raw: bytes, name: str) -> tuple[str, str, list[Issue]]:
    """Decode CSV bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 / ISO-8859-1."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), "UTF-8 (BOM)", []
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "UTF-16", []
    try:
        return raw.decode("utf-8"), "UTF-8", []
    except UnicodeDecodeError:
        pass
    for encoding, label in (("cp1252", "Windows-1252"), ("latin-1", "ISO-8859-1")):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text, label, [make_issue("encoding-fallback", detail=label, file=name)]
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def sniff_separator(lines: list[str]) -> str:
    """Pick the separator that splits the most lines into the same number (≥ 2) of fields."""
    best, best_score = ";", (-1, -1)
    for sep in _SEPARATORS:
        counts = [len(r) for r in csv.reader(lines, delimiter=sep) if any(c.strip() for c in r)]
        if not counts:
            continue
        modal, freq = Counter(counts).most_common(1)[0]
        score = (freq if modal >= 2 else 0, modal)
        if score > best_score:
            best, best_score = sep, score
    return best


def read_csv_table(path: Path, name: str, limits: ReadLimits) -> TableRead:
    """Read a delimited text file into a table of strings."""
    raw = path.read_bytes()
    text, encoding, issues = decode_text(raw, name)
    if "\x00" in text[:65536]:
        raise reject(
            "file-unreadable",
            name,
            "filen inneholder binære data, ikke tekst / the file holds binary data, not text",
        )
    lines = text.splitlines()
    sample = [ln for ln in lines[:200] if ln.strip()][:50]
    sep = sniff_separator(sample)
    rows: list[list[Any]] = []
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep):
        rows.append(row)
        if len(rows) > limits.max_features + _HEADER_SEARCH_ROWS + 2:
            break
    if not any(_last_filled(r) for r in rows):
        raise reject("file-empty", name)
    frame, header_row, more = rows_to_table(rows, name)
    return TableRead(frame, "csv", None, [], encoding, sep, header_row, issues + more)


# --- Excel ----------------------------------------------------------------------------------------------

_SHEET_NAMES = {
    "omrader",
    "omrade",
    "sites",
    "site",
    "naeringsarealer",
    "naeringsareal",
    "naeringsomrader",
    "areas",
    "tomter",
    "arealer",
    "data",
}


def read_excel_table(path: Path, name: str, sheet: str | None, limits: ReadLimits) -> TableRead:
    """Read the chosen (or the most likely) sheet of a workbook, values as the cells hold them."""
    import openpyxl

    # a file object, not the path: openpyxl refuses names without an Excel extension, and we sniff content
    with path.open("rb") as fh:
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        try:
            sheets = list(wb.sheetnames)
            issues: list[Issue] = []
            if sheet is not None:
                if sheet not in sheets:
                    raise reject("layer-unknown", name, ", ".join(sheets), value=sheet)
                chosen = sheet
                rows = _sheet_rows(wb[chosen], limits, name)
            else:
                chosen, rows = _choose_sheet(wb, sheets, limits, name)
                if len(sheets) > 1:
                    issues.append(
                        make_issue("layer-chosen", value=chosen, detail=", ".join(sheets), file=name)
                    )
        finally:
            wb.close()
    if not rows:
        raise reject("file-empty", name, detail="")
    frame, header_row, more = rows_to_table(rows, name)
    return TableRead(frame, "xlsx", chosen, sheets, None, None, header_row, issues + more)


def _choose_sheet(wb: Any, sheets: list[str], limits: ReadLimits, name: str) -> tuple[str, list[list[Any]]]:
    named = [s for s in sheets if normalise_header(s) in _SHEET_NAMES]
    first_with_data: tuple[str, list[list[Any]]] | None = None
    for s in named + [s for s in sheets if s not in named]:
        rows = _sheet_rows(wb[s], limits, name)
        if sum(1 for r in rows if _last_filled(r)) >= 2:
            return s, rows
        if first_with_data is None and rows:
            first_with_data = (s, rows)
    return first_with_data or (sheets[0], [])


def _sheet_rows(ws: Any, limits: ReadLimits, name: str) -> list[list[Any]]:
    rows: list[list[Any]] = []
    cap = limits.max_features + _HEADER_SEARCH_ROWS + 2
    for row in ws.iter_rows(values_only=True):
        rows.append(list(row))
        if len(rows) > cap:
            break
    while rows and _last_filled(rows[-1]) == 0:
        rows.pop()
    return rows


# --- coordinates ----------------------------------------------------------------------------------------


def detect_coordinate_columns(columns: Iterable[str]) -> dict[str, str] | None:
    """Find a WKT column, or lat/lon, or east/north columns, by their (normalised) names."""
    cols = [c for c in columns if c not in ("source_row", "geometry")]
    norm = {c: normalise_header(c) for c in cols}

    def first(names: set[str]) -> str | None:
        exact = [c for c in cols if norm[c] in names]
        loose = [c for c in cols if _name_matches(norm[c], names)]
        found = exact or loose
        return found[0] if found else None

    found: dict[str, str] = {}
    lat, lon = first(LAT_NAMES), first(LON_NAMES)
    east, north = first(EAST_NAMES), first(NORTH_NAMES)
    if lat and lon:
        found = {"x": lon, "y": lat, "kind": "lonlat"}
    elif east and north:
        found = {"x": east, "y": north, "kind": "en"}
    wkt = first(WKT_NAMES)
    if wkt:
        # WKT wins per row; x/y (if present too) fill the rows whose WKT cell is empty.
        found = {"wkt": wkt, **found}
    return found or None


def to_float(value: Any) -> float | None:
    """Parse a coordinate as written in a sheet: decimal comma, spaces as thousands separators."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    s = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if "," in s and "." not in s:
        s = s.replace(",", ".")
    try:
        f = float(s)
    except ValueError:
        return None
    return f if np.isfinite(f) else None


def header_crs(name: str) -> int | None:
    """The EPSG code a column header names: "wkt (EPSG:25833)", "Øst (EUREF89 UTM33)", "lat (WGS84)"."""
    key = normalise_header(name)
    if m := re.search(r"\bepsg\s*:?\s*(\d{4,5})\b", key):
        return int(m.group(1))
    if m := re.search(r"\butm\s*(?:sone|zone)?\s*(32|33|35)\b", key):
        return 25800 + int(m.group(1))
    if re.search(r"\bwgs\s*84\b", key):
        return 4326
    if re.search(r"\b(?:euref|etrs)\s*89\b", key):
        return 4258
    return None


def _axes_crs(coords: dict[str, str]) -> tuple[int | None, str | None]:
    """The EPSG code the x/y headers name (both alike, or one alone), and the header that names it."""
    named = [(code, coords[k]) for k in ("x", "y") if (code := header_crs(coords[k])) is not None]
    if not named or len({code for code, _ in named}) > 1:
        return None, None
    return named[0]


def build_geometry(frame: pd.DataFrame, coords: dict[str, str]) -> tuple[Any, int | None, str | None]:
    """Return a geometry array for the rows, the EPSG code the file declares for it, and the header that
    declares it (None when an EWKT prefix does, or nothing does).

    An EWKT prefix wins over a header; a header ("wkt (EPSG:25833)", "lat (WGS84)") is the file saying
    which CRS the column holds, so the geometry phase need not guess it.
    """
    if "wkt" not in coords:
        return _points(frame, coords), *_axes_crs(coords)
    values = frame[coords["wkt"]].tolist()
    srids = set()
    texts = []
    for v in values:
        s = None if v is None else str(v).strip()
        if s and s.upper().startswith("SRID="):
            prefix, _, s = s.partition(";")
            srids.add(prefix[5:].strip())
        texts.append(s or None)
    geoms = shapely.from_wkt(np.asarray(texts, dtype=object), on_invalid="ignore")
    srid = int(next(iter(srids))) if len(srids) == 1 and next(iter(srids)).isdigit() else None
    declared_by = None
    if srid is None and (srid := header_crs(coords["wkt"])) is not None:
        declared_by = coords["wkt"]
    if "x" not in coords:
        return from_shapely(geoms), srid, declared_by
    points = _points(frame, coords)
    xy_srid, xy_by = _axes_crs(coords)
    empty = np.array([t is None for t in texts])
    if not (~empty).any():
        # only x/y rows: their own declared CRS, else none (the geometry phase then judges lon/lat)
        srid, declared_by = xy_srid, xy_by
    fill = empty & ~shapely.is_missing(np.asarray(points, dtype=object))
    if fill.any():
        pts = np.asarray(points, dtype=object)[fill]
        source = xy_srid or (4326 if coords.get("kind") == "lonlat" else None)
        if source is not None and srid is not None and source != srid:
            # Mixed file: WKT in its declared CRS, x/y rows reprojected into it.
            tr = Transformer.from_crs(source, srid, always_xy=True)
            pts = shapely.transform(pts, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))
        geoms[fill] = pts
    return from_shapely(geoms), srid, declared_by


def _points(frame: pd.DataFrame, coords: dict[str, str]) -> Any:
    """Points from the x/y columns (None where a value is missing or not a number)."""
    xs = np.asarray([to_float(v) for v in frame[coords["x"]].tolist()], dtype=float)
    ys = np.asarray([to_float(v) for v in frame[coords["y"]].tolist()], dtype=float)
    ok = ~(np.isnan(xs) | np.isnan(ys))
    geoms = np.full(len(frame), None, dtype=object)
    if ok.any():
        geoms[ok] = shapely.points(xs[ok], ys[ok])
    return from_shapely(geoms)


def decimal_comma_columns(frame: pd.DataFrame) -> list[str]:
    """Name the text columns where numbers are written with a decimal comma."""
    out = []
    for col in frame.columns:
        if col in ("source_row", "geometry"):
            continue
        sample = [v for v in frame[col].head(200).tolist() if isinstance(v, str)]
        if sample and sum(1 for v in sample if _DECIMAL_COMMA.match(v)) * 2 >= len(sample):
            out.append(str(col))
    return out


def declared_crs(frame: pd.DataFrame) -> tuple[str, CRS | None] | None:
    """Find a CRS column ('crs', 'epsg', 'koordinatsystem') and parse its most common value."""
    for col in frame.columns:
        if col in ("source_row", "geometry") or normalise_header(str(col)) not in CRS_NAMES:
            continue
        values = [str(v).strip() for v in frame[col].tolist() if not _is_empty(v)]
        if not values:
            continue
        return str(col), parse_crs(Counter(values).most_common(1)[0][0])
    return None


def parse_crs(value: str) -> CRS | None:
    """Parse '25833', 'EPSG:25833', 'EUREF89 UTM33' or 'WGS84' as a CRS; None when it is not one."""
    v = value.strip()
    if re.fullmatch(r"\d{4,5}(\.0)?", v):
        v = f"EPSG:{int(float(v))}"
    key = normalise_header(v).replace("sone ", "").replace("zone ", "").replace("utm ", "utm")
    if key in _CRS_WORDS:
        v = f"EPSG:{_CRS_WORDS[key]}"
    try:
        return CRS.from_user_input(v)
    except Exception:  # pyproj raises CRSError or others for odd input; any failure means "not a CRS"
        return None
