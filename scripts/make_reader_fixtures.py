"""Write the small files tests/test_readers.py reads: one per format, kommune-style sheets, hostile files.

Run: .venv/bin/python scripts/make_reader_fixtures.py [--out tests/fixtures/readers]
Every file stays far below 200 KB; the zip bomb is ~20 KB on disk and 20 MB unpacked.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import stat
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import openpyxl
import pyogrio
from shapely.geometry import Point, box

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "readers"
ZIP_DATE = (2026, 1, 1, 0, 0, 0)

# three sites near Billingstad, Asker, in EPSG:25833
_BASE_E, _BASE_N = 250_000.0, 6_645_000.0


def _sites(crs: str = "EPSG:25833") -> gpd.GeoDataFrame:
    geoms = [box(_BASE_E + i * 500, _BASE_N, _BASE_E + i * 500 + 200, _BASE_N + 150) for i in range(3)]
    gdf = gpd.GeoDataFrame(
        {
            "referanse": ["ASK-001", "ASK-002", "ASK-003"],
            "navn": ["Billingstad næringsområde", "Hvalstad øst", "Vakås sør"],
            "modenhet": ["M3", "M1", "regulert"],
        },
        geometry=geoms,
        crs="EPSG:25833",
    )
    return gdf.to_crs(crs)


def _zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, ZIP_DATE), data, compress_type=zipfile.ZIP_DEFLATED)


def _shapefile_members(
    gdf: gpd.GeoDataFrame,
    stem: str,
    *,
    encoding: str | None = None,
    keep: tuple[str, ...] = (".shp", ".shx", ".dbf", ".prj", ".cpg"),
) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"{stem}.shp"
        kwargs = {"encoding": encoding} if encoding else {}
        pyogrio.write_dataframe(gdf, target, driver="ESRI Shapefile", **kwargs)
        return {p.name: p.read_bytes() for p in sorted(Path(tmp).iterdir()) if p.suffix.lower() in keep}


def geodata(out: Path) -> None:
    """One small file per geodata format."""
    sites = _sites()
    pyogrio.write_dataframe(sites, out / "sites.gpkg", layer="naeringsarealer", driver="GPKG")
    pyogrio.write_dataframe(sites, out / "sites.fgb", driver="FlatGeobuf")
    pyogrio.write_dataframe(sites, out / "sites.gml", driver="GML")
    for sidecar in (out / "sites.gfs", out / "sites.xsd"):
        sidecar.unlink(missing_ok=True)  # a kommune's GML often comes alone

    two = out / "two_layers.gpkg"
    two.unlink(missing_ok=True)
    pyogrio.write_dataframe(sites.iloc[:2], two, layer="plan_a", driver="GPKG")
    pyogrio.write_dataframe(sites.iloc[2:], two, layer="plan_b", driver="GPKG", append=True)

    styled = out / "sites_and_table.gpkg"
    styled.unlink(missing_ok=True)
    pyogrio.write_dataframe(sites, styled, layer="omrader", driver="GPKG")
    notes = gpd.GeoDataFrame({"note": ["intern"]}, geometry=[None])
    pyogrio.write_dataframe(
        notes.drop(columns="geometry"), styled, layer="notater", driver="GPKG", append=True
    )

    # truncated: the first half of a GeoPackage, as an interrupted upload leaves it
    raw = (out / "sites.gpkg").read_bytes()
    (out / "truncated.gpkg").write_bytes(raw[: len(raw) // 2])

    _zip(out / "sites_shp.zip", _shapefile_members(sites, "omrader"))
    (out / "sites_shp_no_extension").write_bytes((out / "sites_shp.zip").read_bytes())
    latin1 = _shapefile_members(
        sites, "omrader", encoding="ISO-8859-1", keep=(".shp", ".shx", ".dbf", ".prj")
    )
    _zip(out / "sites_shp_latin1.zip", latin1)
    _zip(out / "no_prj_shp.zip", _shapefile_members(sites, "omrader", keep=(".shp", ".shx", ".dbf", ".cpg")))

    # GeoJSON with a UTF-8 BOM and the legacy (2008) crs member
    fc = json.loads(sites.to_json())
    fc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}}
    (out / "sites_bom_crs.geojson").write_bytes(b"\xef\xbb\xbf" + json.dumps(fc, ensure_ascii=False).encode())

    wgs = _sites("EPSG:4326")
    placemarks = "".join(
        f'<Placemark><name>{r.navn}</name><ExtendedData><Data name="referanse"><value>{r.referanse}</value>'
        f"</Data></ExtendedData><Polygon><outerBoundaryIs><LinearRing><coordinates>"
        + " ".join(f"{x:.7f},{y:.7f}" for x, y in r.geometry.exterior.coords)
        + "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"
        for r in wgs.itertuples()
    )
    kml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        f"<Folder><name>omrader</name>{placemarks}</Folder></Document></kml>\n"
    )
    (out / "sites.kml").write_text(kml, encoding="utf-8")


def hostile(out: Path) -> None:
    """Files that must be rejected without harm."""
    (out / "empty.csv").write_bytes(b"")
    rng = random.Random(3)
    (out / "binary.csv").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))

    laughs = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    ]
    (out / "billion_laughs.kml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE kml [\n' + "\n".join(laughs) + "\n]>\n"
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&lol9;</name>'
        "<Point><coordinates>10.5,59.9</coordinates></Point></Placemark></Document></kml>\n",
        encoding="utf-8",
    )
    (out / "xxe.gml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        '<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml"><gml:name>&xxe;</gml:name>'
        "</gml:FeatureCollection>\n",
        encoding="utf-8",
    )

    shp = _shapefile_members(_sites(), "omrader")
    _zip(out / "zip_dotdot.zip", {f"../{k}": v for k, v in shp.items()})
    _zip(out / "zip_absolute.zip", {f"/tmp/{k}": v for k, v in shp.items()})
    with zipfile.ZipFile(out / "zip_symlink.zip", "w") as zf:
        link = zipfile.ZipInfo("omrader.shp", ZIP_DATE)
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    # 20 MB of zeros compress to ~20 KB: ratio ~1000:1
    with zipfile.ZipFile(out / "zip_bomb.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        member = zipfile.ZipInfo("omrader.csv", ZIP_DATE)
        member.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(member, "w") as fh:
            fh.write(b"referanse;navn;wkt\n")
            for _ in range(20):
                fh.write(b"\x00" * (1024 * 1024))
    _lying_zip(out / "zip_lying_sizes.zip")


def _lying_zip(path: Path) -> None:
    """A zip whose headers declare 1 KB for a member that inflates to 4 MB (a ratio that looks harmless)."""
    _zip(path, {"omrader.csv": b"x" * (4 * 1024 * 1024)})
    raw = bytearray(path.read_bytes())
    small = (1024).to_bytes(4, "little")
    local = raw.find(b"PK\x03\x04")
    raw[local + 22 : local + 26] = small  # local header: uncompressed size
    central = raw.find(b"PK\x01\x02")
    raw[central + 24 : central + 28] = small  # central directory: uncompressed size
    path.write_bytes(bytes(raw))


def tables(out: Path) -> None:
    """Sheets as kommuner write them."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Områder"
    ws["A1"] = "Næringsarealer i Asker kommune – oversikt 2026"
    ws.merge_cells("A1:G1")
    header = [
        "Referanse",
        "Navn",
        "Modenhet",
        "Koordinater (EUREF89 UTM33)",
        None,
        "Areal (daa)",
        "Verifisert",
    ]
    for col, value in enumerate(header, start=1):
        ws.cell(row=3, column=col, value=value)
    ws.merge_cells("D3:E3")
    for letter in ("A", "B", "C", "F", "G"):
        ws.merge_cells(f"{letter}3:{letter}4")
    ws["D4"], ws["E4"] = "Øst", "Nord"
    rows: list[list[object]] = [
        ["ASK-001", "Billingstad næringsområde", "M3", 250100, 6645075, "30,5", "01.09.2026"],
        ["ASK-002", "Hvalstad øst", "regulert", 250600.5, 6645075, 25, datetime(2026, 8, 15)],
        ["ASK-003", "Vakås sør", "M1", "251 100,0", "6 645 075,0", "12 daa", "2026-08-01"],
    ]
    for r, values in enumerate(rows, start=5):
        for c, cell in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=cell)
    notes = wb.create_sheet("Notater")
    notes["A1"] = "Kilde: planavdelingen"
    wb.save(out / "sites_title_merged.xlsx")

    latin1 = (
        "Næringsarealer i Bærum kommune;;;;;;;\r\n"
        ";;;;;;;\r\n"
        "Referanse;Navn;Modenhet;Breddegrad;Lengdegrad;Areal (daa);Effekt (MW);Verifisert\r\n"
        "BÆR-1;Fornebu næringspark;M3;59,8961;10,6270;12,5;1,5;01.09.2026\r\n"
        "BÆR-2;Lysaker øst;Regulert;59,9125;10,6402;3,25;0,8;15.08.2026\r\n"
        "BÆR-3;Sandvika nord – lager;M2;59,8930;10,5250;40;4;2026-07-01\r\n"
    )
    (out / "latin1_semicolon.csv").write_bytes(latin1.encode("cp1252"))

    utm = (
        "referanse,navn,modenhet,øst,nord,areal_m2\n"
        "ASK-001,Billingstad,M3,250100,6645075,30500\n"
        "ASK-002,Hvalstad,M1,250600,6645075,25000\n"
    )
    (out / "utm33_east_north.csv").write_bytes(b"\xef\xbb\xbf" + utm.encode("utf-8"))

    sites = _sites()
    lines = ["referanse\tnavn\tepsg\twkt"]
    lines += [f"{r.referanse}\t{r.navn}\t25833\t{r.geometry.wkt}" for r in sites.itertuples()]
    (out / "wkt.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    wkt_csv = ["referanse;navn;geometri"] + [
        f'{r.referanse};{r.navn};"{r.geometry.wkt}"' for r in sites.itertuples()
    ]
    wkt_csv.append("ASK-004;Uten geometri;")
    (out / "wkt.csv").write_text("\n".join(wkt_csv) + "\n", encoding="utf-8")

    (out / "no_geometry.csv").write_text(
        "referanse;navn;modenhet\nASK-001;Billingstad;M3\n", encoding="utf-8"
    )
    # a point in WGS 84 for the coordinate parser: lat/lon written as text with decimal commas
    pt = Point(10.5, 59.9)
    (out / "lonlat_points.csv").write_text(
        f"navn;lat;lon\nA;{str(pt.y).replace('.', ',')};{str(pt.x).replace('.', ',')}\nB;ukjent;10,6\n",
        encoding="utf-8",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    out: Path = args.out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    geodata(out)
    hostile(out)
    tables(out)
    for p in sorted(out.iterdir()):
        size = p.stat().st_size
        assert size < 200 * 1024, f"{p.name} is {size} bytes"
        print(f"{size:>8}  {p.name}")


if __name__ == "__main__":
    main()
