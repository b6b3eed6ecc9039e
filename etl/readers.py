"""Read phase of the submission pipeline: turn any file a kommune has into one table, safely.

`read_submission` sniffs the content (never trusting the extension), applies the limits of `ReadLimits`,
unpacks zips safely, picks the layer or sheet, and returns a `ReadResult`: a pandas frame with the original
columns, a `geometry` column of shapely geometries and `source_row`, plus the declared CRS and info issues.
A file that cannot be used raises `SubmissionRejected` naming the file; no GDAL, pandas or zipfile
exception escapes.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyogrio
from pyproj import CRS

from etl.issues import WARNING, Issue, SubmissionRejected, make_issue
from etl.read_safety import (
    ReadLimits,
    check_sqlite_complete,
    check_xml_entities,
    check_zip,
    check_zip_members_xml,
    is_xlsx,
    reject,
    safe_extract,
    sha256_file,
    sniff,
)
from etl.read_tabular import (
    TableRead,
    build_geometry,
    decimal_comma_columns,
    declared_crs,
    detect_coordinate_columns,
    read_csv_table,
    read_excel_table,
)
from etl.text import number
from schemas.fields import normalise_header

__all__ = ["ReadLimits", "ReadResult", "read_submission"]

USE_ARROW = importlib.util.find_spec("pyarrow") is not None

# kind (from sniffing) -> the driver name reported in ReadResult.driver
_GEO_DRIVERS = {
    "gpkg": "GPKG",
    "shp": "ESRI Shapefile",
    "geojson": "GeoJSON",
    "kml": "KML",
    "gml": "GML",
    "fgb": "FlatGeobuf",
}
_DATASET_SUFFIXES = {".shp", ".gpkg", ".geojson", ".json", ".kml", ".gml", ".fgb", ".csv", ".xlsx", ".xlsm"}
_SITE_LAYER_NAMES = {
    "sites",
    "site",
    "naeringsarealer",
    "naeringsareal",
    "naeringsomrader",
    "omrader",
    "omrade",
    "areas",
    "tomter",
}


@dataclass
class ReadResult:
    """A submitted file read into one table, before any column or value is interpreted."""

    frame: (
        pd.DataFrame
    )  # original columns (names stripped), 'geometry' (shapely or None), 'source_row' (1-based)
    crs: CRS | None  # declared CRS of the geometry; None when the file declares none
    layer: str | None
    layers: list[str]
    driver: str  # "GPKG", "ESRI Shapefile", "GeoJSON", "KML", "GML", "FlatGeobuf", "xlsx", "csv"
    coordinate_columns: dict[str, str] | None  # tables: {"x", "y", "kind"} or {"wkt"}; None for geodata
    issues: list[Issue]
    file_hash: str  # sha256 of the raw bytes
    encoding: str | None = None  # text files: the encoding the file was read with
    separator: str | None = None  # CSV: the sniffed field separator
    header_row: int | None = None  # tables: 1-based row number of the header row
    decimal_comma_columns: list[str] = field(
        default_factory=list
    )  # tables: columns with "12,5"-style numbers
    crs_column: str | None = None  # tables: the column that named the CRS, read here, not a field


def read_submission(path: Path, *, layer: str | None = None, limits: ReadLimits = ReadLimits()) -> ReadResult:
    """Read a submitted file into a table with geometry, or raise SubmissionRejected saying why not."""
    path = Path(path)
    name = path.name
    try:
        if not path.is_file():
            raise reject("file-unreadable", name, "filen finnes ikke / the file does not exist")
        size = path.stat().st_size
        if size == 0:
            raise reject("file-empty", name)
        if size > limits.max_bytes:
            no, en = _sizes(size, limits.max_bytes)
            raise reject("file-too-large", name, no, detail_en=en)
        file_hash = sha256_file(path)
        result = _read_path(path, name, layer, limits, size, inside_zip=False)
        result.file_hash = file_hash
        if len(result.frame) > limits.max_features:
            raise reject(
                "too-many-features", name, f"maks / max {limits.max_features}", value=len(result.frame)
            )
        return result
    except SubmissionRejected:
        raise
    except Exception as exc:  # the promise: no traceback reaches the kommune, only a named file
        raise reject("file-unreadable", name, _describe(exc), field=layer) from exc


def _sizes(size: int, max_bytes: int) -> tuple[str, str]:
    """A file's size against the limit, in Norwegian and in English (for make_issue's detail)."""
    no = f"{number(size / 2**20, 'no', 1)} MB, maks {number(max_bytes / 2**20, 'no', 0)} MB"
    return no, f"{number(size / 2**20, 'en', 1)} MB, max {number(max_bytes / 2**20, 'en', 0)} MB"


# GDAL's own wording, translated into what a kommune officer can act on.
_NOT_A_FORMAT = (
    "innholdet er ikke et kjent geodata- eller tabellformat / "
    "the content is not a known geodata or table format"
)
_KNOWN_ERRORS = (
    ("not recognized as being in a supported file format", _NOT_A_FORMAT),
    ("not recognised as a supported file format", _NOT_A_FORMAT),
)


def _describe(exc: BaseException) -> str:
    msg = str(exc).strip() or type(exc).__name__
    for needle, plain in _KNOWN_ERRORS:
        if needle in msg:
            return plain
    msg = re.sub(r"(?:[A-Za-z]:)?(?:[/\\][^/\\\s'\"]+)+[/\\]", "", msg)  # no server paths in messages
    return msg[:300]


def _read_path(
    path: Path, name: str, layer: str | None, limits: ReadLimits, size: int, *, inside_zip: bool
) -> ReadResult:
    with path.open("rb") as fh:
        head = fh.read(65536)
    kind = sniff(path, head)
    if kind == "zip":
        with zipfile.ZipFile(path) as zf:
            if is_xlsx(zf):
                check_zip(zf, size, name, limits)
                check_zip_members_xml(zf, name)
                return _table_result(read_excel_table(path, name, layer, limits), name)
        if inside_zip:
            raise reject("unsupported-format", name, "zip inni zip / a zip inside the zip")
        return _read_zip(path, name, layer, limits, size)
    if kind in ("kml", "gml", "xml"):
        check_xml_entities(path, name)
        if kind == "xml":
            raise reject(
                "unsupported-format",
                name,
                "XML som verken er KML eller GML / XML that is neither KML nor GML",
            )
    if kind == "gml":
        # GDAL's GML reader may fetch the remote schema and writes a .gfs beside the file it reads
        pyogrio.set_gdal_config_options({"GML_DOWNLOAD_SCHEMA": "NO"})
        if not inside_zip:
            with tempfile.TemporaryDirectory(prefix="naering-gml-") as tmp:
                copy = Path(tmp) / "submission.gml"
                shutil.copyfile(path, copy)
                return _read_geodata(copy, name, "GML", layer, limits)
    if kind == "gpkg":
        check_sqlite_complete(path, name)
    if kind in _GEO_DRIVERS:
        return _read_geodata(path, name, _GEO_DRIVERS[kind], layer, limits)
    if kind == "binary":
        if path.suffix.lower() in (".csv", ".txt", ".tsv"):
            raise reject(
                "file-unreadable",
                name,
                "filen er binær, ikke tekst (CSV) / the file is binary, not text (CSV)",
            )
        hint = (
            " (gammel Excel .xls: lagre som .xlsx / legacy Excel .xls: save as .xlsx)"
            if head.startswith(b"\xd0\xcf\x11\xe0")
            else ""
        )
        raise reject("unsupported-format", name, f"ukjent binært format / unknown binary format{hint}")
    if kind == "xlsx":  # named .xlsx/.xlsm but not a zip inside
        raise reject("file-unreadable", name, "ikke en gyldig Excel-fil / not a valid Excel file")
    return _table_result(read_csv_table(path, name, limits), name)


# --- zip ------------------------------------------------------------------------------------------------


def _read_zip(path: Path, name: str, layer: str | None, limits: ReadLimits, size: int) -> ReadResult:
    with tempfile.TemporaryDirectory(prefix="naering-read-") as tmp:
        root = Path(tmp)
        with zipfile.ZipFile(path) as zf:
            members = zf.namelist()
            files = safe_extract(zf, root, size, name, limits)
        datasets = {
            f.relative_to(root.resolve()).with_suffix("").as_posix(): f
            for f in sorted(files)
            if f.suffix.lower() in _DATASET_SUFFIXES and not _hidden(f.relative_to(root.resolve()))
        }
        if not datasets:
            shown = ", ".join(members[:10]) + (" …" if len(members) > 10 else "")
            raise reject(
                "unsupported-format",
                name,
                f"zip uten geodata eller tabell / zip without geodata or a table ({shown})",
            )
        issues: list[Issue] = []
        inner_layer = layer
        if len(datasets) == 1:
            chosen = next(iter(datasets))
        elif layer is not None and layer in datasets:
            chosen, inner_layer = layer, None
        else:
            chosen, issues = choose_layer(
                name, list(datasets), layer, lambda n: _dataset_features(datasets[n])
            )
            inner_layer = None
        inner = datasets[chosen]
        result = _read_path(inner, name, inner_layer, limits, inner.stat().st_size, inside_zip=True)
        if len(datasets) > 1:
            result.layer, result.layers = chosen, list(datasets)
        result.issues = issues + result.issues
        return result


def _hidden(rel: Path) -> bool:
    return any(p.startswith(".") or p == "__MACOSX" for p in rel.parts)


def _dataset_features(path: Path) -> int:
    """Count features of a geodata file (-1 unknown); tables count as having rows."""
    if path.suffix.lower() in (".csv", ".xlsx", ".xlsm"):
        return -1
    try:
        info = pyogrio.read_info(path)
    except Exception:  # an unreadable candidate is reported when (if) it is chosen
        return 0
    return int(info["features"]) if info.get("geometry_type") else 0


# --- layers ---------------------------------------------------------------------------------------------


def choose_layer(
    name: str, layers: list[str], requested: str | None, features: Callable[[str], int]
) -> tuple[str, list[Issue]]:
    """Pick the requested layer, the only one, the only one with features, or the one named like sites."""
    listed = ", ".join(layers)
    if requested is not None:
        if requested not in layers:
            raise reject("layer-unknown", name, listed, value=requested, field=requested)
        return requested, []
    if not layers:
        raise reject("file-unreadable", name, "filen har ingen lag / the file has no layers")
    if len(layers) == 1:
        return layers[0], []
    counts = {n: features(n) for n in layers}
    with_features = [n for n in layers if counts[n] != 0]
    named = [
        n for n in (with_features or layers) if normalise_header(n.rsplit("/", 1)[-1]) in _SITE_LAYER_NAMES
    ]
    for candidates in (with_features, named):
        if len(candidates) == 1:
            return candidates[0], [make_issue("layer-chosen", value=candidates[0], detail=listed, file=name)]
    shown = ", ".join(f"{n} ({counts[n]})" if counts[n] >= 0 else n for n in layers)
    raise reject("layer-choice", name, shown)


# --- geodata (pyogrio) ----------------------------------------------------------------------------------


def _read_geodata(path: Path, name: str, driver: str, layer: str | None, limits: ReadLimits) -> ReadResult:
    with warnings.catch_warnings():
        # uploads are stored under any name; content was sniffed already
        warnings.filterwarnings("ignore", message=".*non conformant file extension", category=RuntimeWarning)
        return _read_geodata_quietly(path, name, driver, layer, limits)


def _read_geodata_quietly(
    path: Path, name: str, driver: str, layer: str | None, limits: ReadLimits
) -> ReadResult:
    layer_info = pyogrio.list_layers(path)
    names = [str(n) for n in layer_info[:, 0]]
    geom_types = {str(n): t for n, t in layer_info}

    def features(n: str) -> int:
        if geom_types[n] is None:
            return 0
        return int(pyogrio.read_info(path, layer=n)["features"])

    chosen, issues = choose_layer(name, names, layer, features)
    encoding = None
    if driver == "ESRI Shapefile":
        encoding, more = _shapefile_checks(path, name)
        issues += more
    kwargs: dict[str, Any] = {
        "layer": chosen,
        "max_features": limits.max_features + 1,
        "use_arrow": USE_ARROW,
    }
    if encoding:
        kwargs["encoding"] = encoding
    gdf = pyogrio.read_dataframe(path, **kwargs)
    if len(gdf) > limits.max_features:
        raise reject(
            "too-many-features",
            name,
            f"maks / max {limits.max_features}",
            field=chosen,
            value=f"> {limits.max_features}",
        )
    crs = gdf.crs if "geometry" in gdf.columns else None
    geometry = gdf.geometry.values if "geometry" in gdf.columns else None
    frame = pd.DataFrame(gdf.drop(columns="geometry") if geometry is not None else gdf)
    frame.columns = _clean_columns(frame.columns)
    frame["source_row"] = np.arange(1, len(frame) + 1, dtype="int64")
    result = ReadResult(
        frame=frame,
        crs=crs,
        layer=chosen,
        layers=names,
        driver=driver,
        coordinate_columns=None,
        issues=issues,
        file_hash="",
        encoding=encoding,
    )
    if geometry is not None:
        frame.insert(len(frame.columns) - 1, "geometry", geometry)
        return result
    # an attribute-only layer (a GeoPackage table) may still carry WKT or coordinate columns
    return _attach_table_geometry(result, name)


def _clean_columns(columns: pd.Index) -> list[str]:
    out: list[str] = []
    for c in columns:
        base = str(c).strip()
        if base in ("source_row", "geometry"):
            base = f"{base}_original"
        candidate, i = base, 2
        while candidate in out:
            candidate, i = f"{base}_{i}", i + 1
        out.append(candidate)
    return out


def _sidecar(path: Path, suffix: str) -> Path | None:
    for p in path.parent.iterdir():
        if p.stem == path.stem and p.suffix.lower() == suffix:
            return p
    return None


def _shapefile_checks(path: Path, name: str) -> tuple[str | None, list[Issue]]:
    """Require a .prj; choose the .dbf encoding: the .cpg's, else UTF-8 if it decodes, else ISO-8859-1."""
    if _sidecar(path, ".prj") is None:
        raise reject("crs-missing", name, field=path.stem)
    if _sidecar(path, ".cpg") is not None:
        return None, []
    dbf = _sidecar(path, ".dbf")
    if dbf is None:
        return None, []
    raw = dbf.read_bytes()
    header_len = int.from_bytes(raw[8:10], "little") if len(raw) >= 32 else len(raw)
    fields = raw[32:header_len]  # field descriptors: names in the first 11 bytes of each 32
    text = b"".join(fields[i : i + 11] for i in range(0, len(fields) - 1, 32)) + raw[header_len:]
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return "ISO-8859-1", [
            make_issue("encoding-fallback", detail="ISO-8859-1 (.dbf uten .cpg / without .cpg)", file=name)
        ]
    return "UTF-8", []


# --- tables ---------------------------------------------------------------------------------------------


def _table_result(table: TableRead, name: str) -> ReadResult:
    result = ReadResult(
        frame=table.frame,
        crs=None,
        layer=table.layer,
        layers=table.layers,
        driver=table.driver,
        coordinate_columns=None,
        issues=table.issues,
        file_hash="",
        encoding=table.encoding,
        separator=table.separator,
        header_row=table.header_row,
    )
    return _attach_table_geometry(result, name)


def _attach_table_geometry(result: ReadResult, name: str) -> ReadResult:
    """Build 'geometry' from WKT or x/y columns; take a CRS only from an EWKT prefix or a CRS column."""
    frame = result.frame
    coords = detect_coordinate_columns(frame.columns)
    if coords is None:
        shown = ", ".join(str(c) for c in frame.columns if c != "source_row")[:300]
        raise reject("no-geometry", name, f"kolonner / columns: {shown}", field=result.layer)
    geometry, srid, declared_by = build_geometry(frame, coords)
    frame.insert(len(frame.columns) - 1, "geometry", geometry)
    result.coordinate_columns = coords
    used = ", ".join(f"{k}={v}" for k, v in coords.items() if k != "kind")
    result.issues.append(make_issue("coordinate-columns", detail=used, file=name))
    if srid is not None:
        result.crs = CRS.from_epsg(srid)
        if declared_by is not None:
            result.issues.append(
                make_issue("crs-header", value=declared_by, detail=f"EPSG:{srid}", file=name)
            )
    else:
        found = declared_crs(frame)
        if found is not None:
            col, crs = found
            result.crs_column = col
            if crs is None:
                result.issues.append(
                    make_issue(
                        "crs-unsupported",
                        field=col,
                        value=frame[col].dropna().iloc[0],
                        detail=str(frame[col].dropna().iloc[0]),
                        file=name,
                        severity=WARNING,
                    )
                )
            else:
                result.crs = crs
                result.issues.append(make_issue("crs-column", value=col, detail=crs.to_string(), file=name))
    result.decimal_comma_columns = decimal_comma_columns(frame)
    if result.decimal_comma_columns:
        result.issues.append(
            make_issue("decimal-comma", detail=", ".join(result.decimal_comma_columns), file=name)
        )
    return result
