"""Write the bad-kommune-file corpus that tests/test_submission_corpus.py submits through the pipeline.

Run: .venv/bin/python scripts/make_submission_fixtures.py [--out tests/fixtures/submissions]

Sites are squares placed inside (or deliberately across, or outside) the real 2024 kommune outlines of
data/reference/kommuner/kommuner_2024.geojson, repaired with make_valid and projected to EPSG:25833 the
way the reference loader does it. Output is deterministic (fixed dates inside GeoPackages, .dbf headers
and Excel zips) and every file stays below 200 KB.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import openpyxl
import pyogrio
import shapely
import shapely.affinity
import shapely.ops
from pyproj import Transformer
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "submissions"
KOMMUNER_2024 = ROOT / "data" / "reference" / "kommuner" / "kommuner_2024.geojson"
ZIP_DATE = (2026, 1, 1, 0, 0, 0)
FIXED_ISO = "2026-01-01T00:00:00Z"

ASKER, BAERUM, OSLO, DRAMMEN, LILLESTROM = "3203", "3201", "0301", "3301", "3205"
LIER = "3312"

TO_LONLAT = Transformer.from_crs(25833, 4326, always_xy=True)
TO_25832 = Transformer.from_crs(25833, 25832, always_xy=True)

# --- kommune outlines and places inside them ------------------------------------------------------------


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    parts = [
        p for p in shapely.get_parts(shapely.make_valid(geom)) if p.geom_type in ("Polygon", "MultiPolygon")
    ]
    return shapely.union_all(parts)


def load_kommuner(numbers: Iterable[str]) -> dict[str, BaseGeometry]:
    """Outlines in EPSG:25833, repaired before and after reprojection like etl.reference_read."""
    gdf = gpd.read_file(KOMMUNER_2024)
    gdf = gdf[gdf["kommunenummer"].astype(str).isin(list(numbers))]
    repaired = gdf.geometry.apply(_polygonal).set_crs(gdf.crs, allow_override=True)
    projected = repaired.to_crs(25833).apply(_polygonal)
    return dict(zip(gdf["kommunenummer"].astype(str), projected, strict=True))


K = load_kommuner([ASKER, BAERUM, OSLO, DRAMMEN, LILLESTROM, LIER])


def spots(nr: str, n: int, side: float = 150.0, margin: float = 400.0) -> list[shapely.Polygon]:
    """`n` non-overlapping squares well inside kommune `nr`, scanned outwards from an interior point."""
    inner = K[nr].buffer(-margin)
    x0, y0 = shapely.get_coordinates(inner.point_on_surface())[0]
    step = side * 4
    out: list[shapely.Polygon] = []
    for ring in range(60):
        for i in range(-ring, ring + 1):
            for j in range(-ring, ring + 1):
                if max(abs(i), abs(j)) != ring:
                    continue
                sq = shapely.box(x0 + i * step, y0 + j * step, x0 + i * step + side, y0 + j * step + side)
                if inner.contains(sq):
                    out.append(sq)
                    if len(out) == n:
                        return out
    raise RuntimeError(f"room for only {len(out)} squares in {nr}")


def straddling(nr: str, neighbour: str, share_out: float, side: float = 200.0) -> shapely.Polygon:
    """A square on the border of `nr` and `neighbour` with `share_out` of its area outside `nr`."""
    outline = K[nr]
    border = outline.buffer(1).intersection(K[neighbour].buffer(1))
    p = border.centroid if border.contains(border.centroid) else border.point_on_surface()
    p = shapely.ops.nearest_points(outline.boundary, p)[0]
    target = shapely.get_coordinates(outline.buffer(-2000).point_on_surface())[0]
    px, py = shapely.get_coordinates(p)[0]
    d = np.array(target) - np.array([px, py])
    d = d / np.linalg.norm(d)

    def square(t: float) -> shapely.Polygon:
        cx, cy = px + d[0] * t, py + d[1] * t
        return shapely.box(cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)

    def out_share(t: float) -> float:
        sq = square(t)
        return 1 - sq.intersection(outline).area / sq.area

    lo, hi = -side, side  # out_share(lo) ~ 1, out_share(hi) ~ 0
    for _ in range(60):
        mid = (lo + hi) / 2
        if out_share(mid) > share_out:
            lo = mid
        else:
            hi = mid
    sq = square(hi)
    assert abs(out_share(hi) - share_out) < 0.002, out_share(hi)
    return sq


def lonlat(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda c: np.column_stack(TO_LONLAT.transform(c[:, 0], c[:, 1])))


def utm32(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda c: np.column_stack(TO_25832.transform(c[:, 0], c[:, 1])))


def rounded(geom: BaseGeometry, decimals: int) -> BaseGeometry:
    return shapely.transform(geom, lambda c: np.round(c, decimals))


def site(ref: str, name: str, **extra: Any) -> dict[str, Any]:
    """Attributes of a well-formed site, in the Norwegian column names kommuner use."""
    props: dict[str, Any] = {
        "referanse": ref,
        "navn": name,
        "modenhet": "M3",
        "modenhet verifisert": "2026-09-01",
        "strøm": "E2",
        "effekt": 4,
        "tilgjengelighet": "for_sale_or_lease",
        "eierskap": "kommune",
        "arealformål": "1340;1350",
    }
    for key, value in extra.items():
        key = key.replace("_", " ")
        if value is _DROP:
            props.pop(key, None)
        else:
            props[key] = value
    return props


_DROP = object()

# --- writers --------------------------------------------------------------------------------------------


def write_geojson(
    path: Path,
    features: Sequence[tuple[BaseGeometry | None, dict[str, Any]]],
    *,
    swap: Iterable[int] = (),
    crs_member: str | None = None,
    project: bool = True,
) -> None:
    """RFC 7946 GeoJSON (lon/lat, 7 decimals); the 1-based features in `swap` are written lat/lon."""
    swapped = set(swap)
    feats = []
    for i, (geom, props) in enumerate(features, start=1):
        g = None
        if geom is not None:
            g = rounded(lonlat(geom), 7) if project else geom
            if i in swapped:
                g = shapely.transform(g, lambda c: c[:, ::-1])
        feats.append({"type": "Feature", "properties": props, "geometry": None if g is None else mapping(g)})
    fc: dict[str, Any] = {"type": "FeatureCollection"}
    if crs_member:
        fc["crs"] = {"type": "name", "properties": {"name": crs_member}}
    fc["features"] = feats
    path.write_text(json.dumps(fc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _frame(features: Sequence[tuple[BaseGeometry, dict[str, Any]]], crs: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame([p for _, p in features], geometry=[g for g, _ in features], crs=crs)


def write_gpkg(
    path: Path, features: Sequence[tuple[BaseGeometry, dict[str, Any]]], layer: str, crs: str = "EPSG:25833"
) -> None:
    path.unlink(missing_ok=True)
    pyogrio.write_dataframe(_frame(features, crs), path, layer=layer, driver="GPKG")


def _zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, ZIP_DATE), data, compress_type=zipfile.ZIP_DEFLATED)


def shapefile_zip(
    path: Path,
    features: Sequence[tuple[BaseGeometry, dict[str, Any]]],
    stem: str,
    *,
    crs: str,
    encoding: str | None = None,
    keep: tuple[str, ...] = (".shp", ".shx", ".dbf", ".prj", ".cpg"),
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"{stem}.shp"
        kwargs = {"encoding": encoding} if encoding else {}
        pyogrio.write_dataframe(_frame(features, crs), target, driver="ESRI Shapefile", **kwargs)
        members = {}
        for p in sorted(Path(tmp).iterdir()):
            if p.suffix.lower() not in keep:
                continue
            data = bytearray(p.read_bytes())
            if p.suffix.lower() == ".dbf":
                data[1:4] = bytes([126, 1, 1])  # the .dbf header's "last update" date: fixed, 2026-01-01
            members[p.name] = bytes(data)
    _zip(path, members)


def write_csv(
    path: Path, rows: Sequence[Sequence[Any]], *, sep: str = ";", encoding: str = "utf-8", bom: bool = False
) -> None:
    def cell(v: Any) -> str:
        s = "" if v is None else str(v)
        return f'"{s}"' if sep in s or '"' in s else s

    text = "".join(sep.join(cell(v) for v in row) + "\r\n" for row in rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))


def save_workbook(wb: openpyxl.Workbook, path: Path) -> None:
    """Save with fixed document dates and zip timestamps, so the file's hash does not change run to run."""
    wb.properties.creator = "Næringsavdelingen"
    wb.properties.created = wb.properties.modified = datetime(2026, 1, 1)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                stamp = rb"\g<1>" + FIXED_ISO.encode()
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", stamp, data)
            dst.writestr(zipfile.ZipInfo(info.filename, ZIP_DATE), data, compress_type=zipfile.ZIP_DEFLATED)


def wkt(geom: BaseGeometry, decimals: int = 2) -> str:
    return shapely.to_wkt(geom, rounding_precision=decimals, trim=True)


def corner(geom: BaseGeometry) -> tuple[float, float]:
    """The centroid of a square, rounded to whole metres: the point a kommune types into a sheet."""
    c = geom.centroid
    return round(c.x), round(c.y)


# --- the corpus: §4 issue types -------------------------------------------------------------------------


def missing_required(out: Path) -> None:
    sq = spots(ASKER, 4)
    write_geojson(
        out / "missing_required.geojson",
        [
            (sq[0], site("ASK-101", "Billingstad næringsområde")),
            (sq[1], site("ASK-102", "")),
            (sq[2], site("ASK-103", "Hvalstad øst", modenhet=None)),
            (sq[3], site(None, "Vakås sør")),
        ],
    )
    sq = spots(LILLESTROM, 2)
    write_geojson(
        out / "no_valid_rows.geojson",
        [
            (sq[0], site(None, "Kjeller", modenhet=None)),
            (sq[1], site("LIL-111", None, strøm="E9")),
        ],
    )


def unknown_codes(out: Path) -> None:
    sq = spots(BAERUM, 5)
    write_gpkg(
        out / "unknown_codes.gpkg",
        [
            (sq[0], site("BÆR-201", "Fornebu nord", modenhet="reguleret")),
            (sq[1], site("BÆR-202", "Lysaker øst", modenhet="Regulert")),
            (sq[2], site("BÆR-203", "Sandvika lager", strøm="E7")),
            (sq[3], site("BÆR-204", "Rud næringspark", arealformål="1340;lagerbygg")),
            (sq[4], site("BÆR-205", "Hamang", tilgjengelighet="Til salgs", eierskap="Kommunal")),
        ],
        layer="naeringsarealer",
    )


def numbers_with_units(out: Path) -> None:
    sq = spots(OSLO, 4, side=100)
    # side 100 m → 10 000 m² = 10 daa
    header = [
        "referanse",
        "navn",
        "modenhet",
        "modenhet verifisert",
        "areal",
        "effekt",
        "pris",
        "epsg",
        "wkt",
    ]
    rows = [
        header,
        [
            "OSL-301",
            "Alnabru terminalnær",
            "M3",
            "2026-09-01",
            "10 daa",
            "1,5 MW",
            "1 450 kr/m2",
            "25833",
            wkt(sq[0]),
        ],
        ["OSL-302", "Furuset lager", "M3", "2026-09-01", "10000", "1500 kW", "1450", "25833", wkt(sq[1])],
        ["OSL-303", "Groruddalen vest", "M3", "2026-09-01", "1 ha", "mye", "", "25833", wkt(sq[2])],
        ["OSL-304", "Stubberud", "M3", "2026-09-01", "-10000", "2", "", "25833", wkt(sq[3])],
    ]
    write_csv(out / "numbers_with_units.csv", rows, sep=";")


def dates(out: Path) -> None:
    sq = spots(LILLESTROM, 4)
    write_geojson(
        out / "dates.geojson",
        [
            (sq[0], site("LIL-401", "Kjeller vest", modenhet_verifisert="01.09.2026")),
            (sq[1], site("LIL-402", "Leirsund", modenhet_verifisert="31.02.2026")),
            (sq[2], site("LIL-403", "Lillestrøm øst", modenhet_verifisert="2027-03-01")),
            (sq[3], site("LIL-404", "Fetsund lenser", modenhet_verifisert="i fjor")),
        ],
    )


def old_kommune_numbers(out: Path) -> None:
    """A sheet from before the 2024 reform: Asker as 3025 (Viken), one row as 0220 (the 2019 Asker)."""
    sq = spots(ASKER, 3)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Områder"
    ws.append(
        [
            "Kommunenr",
            "Referanse",
            "Navn",
            "Modenhet",
            "Strøm",
            "Tilgjengelighet",
            "Areal (daa)",
            "Øst",
            "Nord",
            "Koordinatsystem",
        ]
    )
    names = ["Billingstad", "Slependen", "Vollen"]
    for i, s in enumerate(sq):
        x, y = corner(s)
        ws.append(
            [
                3025 if i < 2 else "0220",
                f"ASK-50{i + 1}",
                names[i],
                "M3",
                "E2",
                "for_sale_or_lease",
                18,
                x,
                y,
                "EUREF89 UTM33",
            ]
        )
    ws.append([])
    save_workbook(wb, out / "old_kommune_numbers.xlsx")
    write_geojson(
        out / "old_kommune_numbers_lonlat.geojson",
        [
            (s.buffer(-20), site(f"ASK-51{i + 1}", f"Gammel nummerering {i + 1}", kommunenr="3025"))
            for i, s in enumerate(spots(ASKER, 2))
        ],
    )


def unknown_kommune(out: Path) -> None:
    sq = spots(OSLO, 4)
    write_geojson(
        out / "unknown_kommune.geojson",
        [
            (sq[0], site("OSL-601", "Økern", kommunenr="0301")),
            (sq[1], site("OSL-602", "Ulven", kommunenr="9999")),
            (sq[2], site("OSL-603", "Bryn", kommunenr="03O1")),
            (sq[3], site("OSL-604", "Helsfyr", kommunenr="3201")),
        ],
    )


def crs_problems(out: Path) -> None:
    sq = spots(DRAMMEN, 2)
    features = [
        (utm32(s), {"REFERANSE": f"DRA-70{i + 1}", "NAVN": f"Gulskogen {i + 1}", "MODENHET": "M3"})
        for i, s in enumerate(sq)
    ]
    shapefile_zip(
        out / "crs_missing_no_prj.zip",
        features,
        "naeringsarealer",
        crs="EPSG:25832",
        keep=(".shp", ".shx", ".dbf", ".cpg"),
    )
    # SWEREF99 TM, a neighbour's national CRS, declared with the legacy GeoJSON crs member
    sweref = Transformer.from_crs(25833, 3006, always_xy=True)
    write_geojson(
        out / "crs_unsupported_sweref.geojson",
        [
            (
                rounded(
                    shapely.transform(s, lambda c: np.column_stack(sweref.transform(c[:, 0], c[:, 1]))), 2
                ),
                site(f"DRA-71{i + 1}", f"Lierstranda {i + 1}"),
            )
            for i, s in enumerate(sq)
        ],
        crs_member="urn:ogc:def:crs:EPSG::3006",
        project=False,
    )
    # a local construction grid: small x/y in metres that fit no accepted CRS
    rows: list[list[Any]] = [["referanse", "navn", "modenhet", "x", "y"]]
    rows += [[f"DRA-72{i}", f"Byggefelt {i}", "M2", 1200 + 300 * i, 850 + 120 * i] for i in range(1, 4)]
    write_csv(out / "crs_missing_local_grid.csv", rows, sep=";")
    # a CRS column naming a system that does not exist; coordinates are UTM 33 and are guessed
    rows = [["referanse", "navn", "modenhet", "areal", "øst", "nord", "koordinatsystem"]]
    for i, s in enumerate(spots(DRAMMEN, 2)):
        x, y = corner(s)
        rows.append([f"DRA-73{i + 1}", f"Holmen {i + 1}", "M3", "5000", x, y, "NGO48 akse 9"])
    write_csv(out / "crs_column_unknown.csv", rows, sep=";")


def axes_swapped(out: Path) -> None:
    sq = spots(LILLESTROM, 3)
    write_geojson(
        out / "axes_swapped_latlon.geojson",
        [
            (sq[0], site("LIL-801", "Kjeller næringspark")),
            (sq[1], site("LIL-802", "Skedsmokorset")),
            (sq[2], site("LIL-803", "Strømmen nord")),
        ],
        swap=(2, 3),
    )
    rows: list[list[Any]] = [["Referanse", "Navn", "Modenhet", "Areal daa", "Øst", "Nord", "EPSG"]]
    for i, s in enumerate(spots(DRAMMEN, 3)):
        x, y = corner(s)
        east, north = (y, x) if i > 0 else (x, y)  # rows 3 and 4: north typed into the east column
        rows.append([f"DRA-81{i + 1}", f"Kobbervikdalen {i + 1}", "M3", "12", east, north, "25833"])
    write_csv(out / "axes_swapped_north_east.csv", rows, sep=";")
    # UTM 33 values under lat/lon headings, and one row typed the other way round; no CRS given
    rows = [["Referanse", "Navn", "Modenhet", "Areal (m2)", "Breddegrad", "Lengdegrad"]]
    for i, s in enumerate(spots(ASKER, 3)):
        x, y = corner(s)
        lat, lon = (x, y) if i == 2 else (y, x)
        rows.append([f"ASK-82{i + 1}", f"Heggedal {i + 1}", "M1", 15000, lat, lon])
    write_csv(out / "utm33_in_latlon_columns.csv", rows, sep=",")


def outside(out: Path) -> None:
    inside = spots(OSLO, 1)[0]
    copenhagen = shapely.box(12.56, 55.67, 12.57, 55.68)
    paris = shapely.box(2.35, 48.85, 2.36, 48.86)
    write_geojson(
        out / "outside_norway.geojson",
        [
            (lonlat(inside), site("OSL-901", "Økern portal")),
            (copenhagen, site("OSL-902", "Feil: København")),
            (paris, site("OSL-903", "Feil: Paris")),
        ],
        project=False,
    )
    sq = spots(DRAMMEN, 1)[0]
    lier = spots(LIER, 1)[0]
    write_gpkg(
        out / "outside_kommune.gpkg",
        [
            (sq, site("DRA-911", "Gulskogen sør")),
            (straddling(DRAMMEN, LIER, 0.30), site("DRA-912", "Kjellstad grense")),
            (lier, site("DRA-913", "Lierstranda (feil kommune)")),
        ],
        layer="omrader",
    )


def invalid_geometry(out: Path) -> None:
    a, b, c = spots(BAERUM, 3)
    x0, y0, x1, y1 = a.bounds
    bowtie = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)])
    x0, y0, x1, y1 = b.bounds
    flat = shapely.Polygon([(x0, y0), (x1, y1), (x1, y1), (x0, y0)])  # a ring that goes out and back: no area
    write_geojson(
        out / "invalid_geometry.geojson",
        [
            (bowtie, site("BÆR-1001", "Sløyfe (sløyfepolygon)")),
            (flat, site("BÆR-1002", "Flat linje")),
            (c, site("BÆR-1003", "Gyldig")),
        ],
    )


def points(out: Path) -> None:
    a, b, c, d = spots(LILLESTROM, 4)
    line = shapely.LineString([a.centroid, b.centroid])
    write_geojson(
        out / "points.geojson",
        [
            (c.centroid, site("LIL-1101", "Punkt med areal", areal_daa=20)),
            (d.centroid, site("LIL-1102", "Punkt uten areal")),
            (line, site("LIL-1103", "Linje")),
            (None, site("LIL-1104", "Uten geometri")),
        ],
    )


def duplicates_in_file(out: Path) -> None:
    sq = spots(ASKER, 3, side=200)
    rows: list[list[Any]] = [["referanse", "navn", "modenhet", "srid", "geometri"]]
    rows += [
        ["ASK-1201", "Billingstad", "M3", "25833", wkt(sq[0])],
        ["ASK-1202", "Hvalstad", "M3", "25833", wkt(sq[1])],
        ["ASK-1201", "Billingstad (kopi)", "M3", "25833", wkt(sq[2])],
    ]
    write_csv(out / "duplicate_reference.csv", rows, sep=",")
    a, b = spots(BAERUM, 2, side=200)
    near_copy = shapely.affinity.translate(a, 10, 10)  # 90 % of each other
    half = shapely.affinity.translate(b, 100, 0)  # 50 %: a neighbour, not a copy
    write_geojson(
        out / "duplicate_geometry.geojson",
        [
            (a, site("BÆR-1211", "Fornebu vest")),
            (near_copy, site("BÆR-1212", "Fornebu vest (tegnet på nytt)")),
            (b, site("BÆR-1213", "Lysaker")),
            (half, site("BÆR-1214", "Lysaker nabo")),
        ],
    )


def existing_sites(out: Path) -> None:
    """A first delivery from Asker, a second one, and Bærum claiming a border site Asker already has."""
    a1, a2, a3 = spots(ASKER, 3, side=200)
    border = straddling(ASKER, BAERUM, 0.40)
    write_geojson(
        out / "existing_asker.geojson",
        [
            (a1, site("ASK-1301", "Billingstad")),
            (a2, site("ASK-1302", "Hvalstad")),
            (a3, site("ASK-1303", "Vakås")),
            (border, site("ASK-1304", "Bærumsgrensa")),
        ],
    )
    write_geojson(
        out / "existing_asker_second.geojson",
        [
            (shapely.affinity.translate(a1, 15, 0), site("ASK-1301", "Billingstad", modenhet="M4")),
            (shapely.affinity.translate(a2, 0, 12), site("ASK-1311", "Hvalstad (ny referanse)")),
            (shapely.affinity.translate(a3, 100, 0), site("ASK-1312", "Vakås øst")),
        ],
    )
    write_geojson(
        out / "existing_baerum_border.geojson",
        [
            (shapely.affinity.translate(border, 5, 5), site("BÆR-1321", "Grensetomta")),
        ],
    )


def area_mismatch(out: Path) -> None:
    sq = spots(DRAMMEN, 3, side=100)  # 10 daa each
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Tomter"
    ws.append(["Referanse", "Navn", "Modenhet", "Areal (daa)", "WKT", "EPSG"])
    for ref, name, daa, s in (
        ("DRA-1401", "Fjell", 10.5, sq[0]),
        ("DRA-1402", "Åskollen", 15, sq[1]),
        ("DRA-1403", "Tangen", "8 daa", sq[2]),
    ):
        ws.append([ref, name, "M3", daa, wkt(s), 25833])
    save_workbook(wb, out / "area_mismatch.xlsx")


def contradictions(out: Path) -> None:
    sq = spots(OSLO, 4)
    write_geojson(
        out / "contradictions.geojson",
        [
            (sq[0], site("OSL-1501", "Byggeklar uten strøm", modenhet="M5", strøm="E2")),
            (sq[1], site("OSL-1502", "Solgt innspill", modenhet="M0", tilgjengelighet="sold")),
            (sq[2], site("OSL-1503", "Reservert uten dato", strøm="E4")),
            (sq[3], site("OSL-1504", "Byggeklar", modenhet="M5", strøm="E4", reservert_til="2028-12-31")),
        ],
    )


# --- kommune-style files --------------------------------------------------------------------------------


def title_merged_excel(out: Path) -> None:
    """Asker's own overview: a title row, merged header cells, UTM 33 east/north under one heading."""
    sq = spots(ASKER, 4)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Næringsarealer"
    ws["A1"] = "Næringsarealer i Asker kommune – oversikt per 1. september 2026"
    ws.merge_cells("A1:H1")
    header = [
        "Referanse",
        "Navn",
        "Modenhet",
        "Koordinater (EUREF89 UTM33)",
        None,
        "Areal (daa)",
        "Strøm",
        "Modenhet verifisert",
    ]
    for col, value in enumerate(header, start=1):
        ws.cell(row=3, column=col, value=value)
    ws.merge_cells("D3:E3")
    for letter in ("A", "B", "C", "F", "G", "H"):
        ws.merge_cells(f"{letter}3:{letter}4")
    ws["D4"], ws["E4"] = "Øst", "Nord"
    data: list[list[Any]] = []
    for i, (name, maturity, when) in enumerate(
        [
            ("Billingstad sør", "M3", datetime(2026, 9, 1)),
            ("Hvalstad øst", "regulert", "01.09.2026"),
            ("", "M1", datetime(2026, 8, 15)),
            ("Vakås", "M2", datetime(2027, 1, 15)),
        ]
    ):
        x, y = corner(sq[i])
        data.append([f"ASK-{1601 + i}", name or None, maturity, x, y, "22,5", "E2", when])
    for r, values in enumerate(data, start=5):
        for c, cell in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=cell)
    notes = wb.create_sheet("Notater")
    notes["A1"] = "Kilde: planavdelingen og næringsavdelingen"
    save_workbook(wb, out / "title_merged_header.xlsx")


def latin1_semicolon(out: Path) -> None:
    """Bærum's export from an old spreadsheet: Windows-1252, semicolons, decimal commas, lat/lon points."""
    sq = spots(BAERUM, 3)
    lines: list[list[Any]] = [
        ["Næringsarealer i Bærum kommune", "", "", "", "", "", "", ""],
        ["", "", "", "", "", "", "", ""],
        [
            "Referanse",
            "Navn",
            "Modenhet",
            "Breddegrad",
            "Lengdegrad",
            "Areal (daa)",
            "Effekt (MW)",
            "Modenhet verifisert",
        ],
    ]
    values = [
        ("BÆR-1701", "Fornebu næringspark", "M3", "12,5", "1,5", "01.09.2026"),
        ("BÆR-1702", "Lysaker øst – lager", "Regulert", "3,25", "0,8", "15.08.2026"),
        ("BÆR-1703", "Sandvika nord", "M9", "40", "4", "2026-07-01"),
    ]
    for s, (ref, name, mat, daa, mw, when) in zip(sq, values, strict=True):
        c = lonlat(s.centroid)
        lines.append(
            [ref, name, mat, f"{c.y:.6f}".replace(".", ","), f"{c.x:.6f}".replace(".", ","), daa, mw, when]
        )
    write_csv(out / "latin1_semicolon.csv", lines, sep=";", encoding="cp1252")


def shapefile_utm32(out: Path) -> None:
    """Drammen works in UTM 32: a zipped Shapefile without .cpg, Latin-1 .dbf, short DBF field names."""
    sq = spots(DRAMMEN, 3)
    feats = [
        (
            utm32(sq[0]),
            {"REFERANSE": "DRA-1801", "NAVN": "Grønland øst", "MODENHET": "M3", "AREAL_DAA": 22.5},
        ),
        (
            utm32(sq[1]),
            {"REFERANSE": "DRA-1802", "NAVN": "Åssiden", "MODENHET": "Byggeklar", "AREAL_DAA": 22.5},
        ),
        (utm32(sq[2]), {"REFERANSE": "DRA-1803", "NAVN": None, "MODENHET": "M1", "AREAL_DAA": None}),
    ]
    shapefile_zip(
        out / "drammen_utm32_shp.zip",
        feats,
        "naeringsarealer",
        crs="EPSG:25832",
        encoding="ISO-8859-1",
        keep=(".shp", ".shx", ".dbf", ".prj"),
    )


def strict_one_bad_row(out: Path) -> None:
    sq = spots(OSLO, 3)
    write_geojson(
        out / "one_bad_row.geojson",
        [
            (sq[0], site("OSL-1901", "Ryen")),
            (sq[1], site("OSL-1902", "Bryn", modenhet="nesten ferdig")),
            (sq[2], site("OSL-1903", "Økern sentrum")),
        ],
    )


def own_headers(out: Path) -> None:
    """Drammen's own sheet: no template names. Columns are known by their values (maturity words under
    "Plansituasjon", power codes, availability, areas with units, kommune numbers) or by common Norwegian
    headers (Lokalitet, N, Ø); there is no reference column at all."""
    sq = spots(DRAMMEN, 3)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Ark1"
    ws.append(["Kommune", "Lokalitet", "Plansituasjon", "Nett", "Markedsstatus", "Størrelse", "N", "Ø"])
    rows = [
        ("Gulskogen nord", "Regulert", "E2", "Til salgs", "24 800 m²"),
        ("Holmen øst", "avsatt i kommuneplan", "E0", "Ikke i markedet", "3,5 daa"),
        ("Åskollen", "M4", "E3", "for_sale_or_lease", "1,2 ha"),
    ]
    for s, (name, maturity, power, market, area) in zip(sq, rows, strict=True):
        x, y = corner(s)
        ws.append([3301, name, maturity, power, market, area, y, x])
    save_workbook(wb, out / "own_headers.xlsx")
    # Betegnelse names the site, but no column holds the maturity: the words under "Plan" are free text.
    rows_csv: list[list[Any]] = [["Tomt", "Betegnelse", "Plan", "Merknad", "srid", "wkt"]]
    for i, s in enumerate(spots(DRAMMEN, 2), start=1):
        rows_csv.append([f"DRA-190{i}", f"Brakerøya {i}", "se kommuneplanen", "ring først", "25833", wkt(s)])
    write_csv(out / "no_maturity_column.csv", rows_csv, sep=";")


def from_template(out: Path) -> None:
    """Files made from the Excel template (etl.template): one left as downloaded; one where the officer
    kept the example row and added an outline pasted from QGIS (no SRID prefix) and a lat/lon point; one
    where the officer wrote those two sites over the example row and the row below it."""
    from etl.template import write_xlsx_template

    a, b = spots(ASKER, 2)
    c = lonlat(b.centroid)
    sites = [
        {"reference": "ASK-2001", "name": "Hvalstad vest", "wkt": wkt(a)},
        {
            "reference": "ASK-2002",
            "name": "Heggedal punkt",
            "wkt": None,
            "lat": round(c.y, 6),
            "lon": round(c.x, 6),
        },
    ]
    common = {"maturity": "M3", "maturity_verified_at": datetime(2026, 9, 1), "area_m2": 22500}
    with tempfile.TemporaryDirectory() as tmp:
        blank = Path(tmp) / "mal.xlsx"
        write_xlsx_template(blank)
        save_workbook(openpyxl.load_workbook(blank), out / "template_unchanged.xlsx")
        for name, first_row in (("template_filled.xlsx", 3), ("template_overwritten.xlsx", 2)):
            wb = openpyxl.load_workbook(blank)
            ws = wb["Områder"]
            column = {str(h.value).split(" (")[0]: h.column for h in ws[1]}
            for r, cells in enumerate(sites, start=first_row):
                for field, value in {**common, **cells}.items():
                    ws.cell(row=r, column=column[field], value=value)
            save_workbook(wb, out / name)


# --- hostile files (§7), submitted through the whole pipeline -------------------------------------------


def hostile(out: Path) -> None:
    sq = spots(ASKER, 2)
    members: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "omrader.shp"
        frame = _frame([(s, {"REFERANSE": f"H-{i}", "NAVN": "x"}) for i, s in enumerate(sq)], "EPSG:25833")
        pyogrio.write_dataframe(frame, target, driver="ESRI Shapefile")
        members = {f"../../{p.name}": p.read_bytes() for p in sorted(Path(tmp).iterdir())}
    _zip(out / "hostile_zip_dotdot.zip", members)

    laughs = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    ]
    (out / "hostile_billion_laughs.kml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE kml [\n' + "\n".join(laughs) + "\n]>\n"
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&lol9;</name>'
        "<Point><coordinates>10.5,59.9</coordinates></Point></Placemark></Document></kml>\n",
        encoding="utf-8",
    )
    full = out / "hostile_full.gpkg"
    write_gpkg(full, [(s, site(f"H-{i}", "x")) for i, s in enumerate(sq)], layer="omrader")
    raw = full.read_bytes()
    full.unlink()
    (out / "hostile_truncated.gpkg").write_bytes(raw[: len(raw) // 2])
    rng = random.Random(7)
    (out / "hostile_binary.csv").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    (out / "hostile_empty.geojson").write_bytes(b"")


BUILDERS = (
    missing_required,
    unknown_codes,
    numbers_with_units,
    dates,
    old_kommune_numbers,
    unknown_kommune,
    crs_problems,
    axes_swapped,
    outside,
    invalid_geometry,
    points,
    duplicates_in_file,
    existing_sites,
    area_mismatch,
    contradictions,
    title_merged_excel,
    latin1_semicolon,
    shapefile_utm32,
    strict_one_bad_row,
    own_headers,
    from_template,
    hostile,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    out: Path = args.out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    # GeoPackages record a "last change" time; pin it so the files (and their hashes) are reproducible
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_ISO})
    for build in BUILDERS:
        build(out)
    for p in sorted(out.iterdir()):
        size = p.stat().st_size
        assert size < 200 * 1024, f"{p.name} is {size} bytes"
        print(f"{size:>8}  {p.name}")


if __name__ == "__main__":
    main()
