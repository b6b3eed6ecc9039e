"""Generate realistic benchmark site files: non-overlapping irregular polygons inside one member kommune.

    .venv/bin/python bench/make_data.py --sizes 50,10000,100000 --variants 3

Each size gets `variants` GeoPackages (EPSG:25833, layer `sites`) under bench/out/ that differ only in
the `reference` prefix and the links built from it: re-submitting an identical file is a no-op (content
hash), so every timed run needs a file of its own. Geometry and attributes are the same across variants,
so every run does the same work.

The sites are star-shaped 5–12-vertex polygons (always valid) placed in an 800 m grid over the kommune,
three tiers per grid cell: one large site (25–200 daa), up to 3×3 medium sites (6–30 daa) or up to 7×7
small sites (2–5 daa). Every canonical field of schemas/fields.py is filled with values consistent with
each other (M5 has power E3/E4, E4 has a reservation date, "sold" is never M0/M1 ...), except for a few
planted rows (`PLANTED`) that must produce known warning/info issues: the benchmark checks their counts
in the database to prove that every row went through every check.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely

from schemas.fields import FIELDS
from schemas.taxonomy import AVAILABILITY, EVIDENCE, LAND_CONTROL, MATURITY, POWER, SOSI_USE

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
KOMMUNER = ROOT / "data" / "reference" / "kommuner" / "kommuner_2024.geojson"

# The largest Osloregionen member: the only one with room for 100k non-overlapping sites of 2–200 daa.
KOMMUNE_NR = "3338"
KOMMUNE_NAME = "Nore og Uvdal"
LAYER = "sites"
EPSG = 25833

CELL_M = 800.0  # coarse grid cell side
EDGE_MARGIN_M = 150.0  # cells stay this far inside the kommune outline
TODAY = np.datetime64("2026-11-27")  # verification dates are drawn before this day

# (name, sub-cells per side, min daa, max daa, share of the sites)
TIERS = (("large", 1, 25.0, 200.0, 0.15), ("medium", 3, 6.0, 30.0, 0.45), ("small", 7, 2.0, 5.0, 0.40))
FILL = 0.6  # share of the sub-cells of a used cell that get a site, when there is room

# Planted issues: issue type → share of rows (at least one row each).
PLANTED = {"area-mismatch": 0.005, "facts-contradict": 0.005, "code-normalised": 0.01}

PLACES = (
    "Uvdal",
    "Rødberg",
    "Nore",
    "Tunhovd",
    "Dagali",
    "Rollag",
    "Veggli",
    "Nesbyen",
    "Lampeland",
    "Kravik",
    "Pikerfoss",
    "Vasstulan",
    "Imingfjell",
    "Djupsjø",
    "Smådøl",
    "Sevletfjord",
    "Geilo",
)
SUFFIXES = (
    "næringsområde",
    "næringspark",
    "industriområde",
    "sør",
    "nord",
    "vest",
    "øst",
    "handelspark",
    "logistikkpark",
    "kraftpark",
)
USES = ("1340;1350", "1300", "1310", "1826", "1825", "1350", "1340", "1390", "1810", "1360", "1340;1390")
GRID_COMPANIES = ("Noranett", "Elvia")
PRIVATE_OWNERS = (
    "Numedal Eiendom AS",
    "Uvdal Næringsbygg AS",
    "Rødberg Tomteselskap AS",
    "Dagali Utvikling AS",
    "Tunhovd Invest AS",
)
PUBLIC_OWNERS = ("Statskog SF", "Statsbygg", "Numedal Næringsselskap KF")
PRICE_TERMS = ("Salg", "Feste", "Salg eller feste", "Utleie", "Etter avtale")
VERIFIERS = {
    "maturity": ("Planavdelingen", "Arealplanlegger", "Plan og bygg"),
    "power": ("Noranett, tilknytning", "Elvia, kundeservice tilknytning", "Næringssjef"),
    "availability": ("Næringsavdelingen", "Næringssjef", "Eiendomsavdelingen"),
    "land_control": ("Eiendomsavdelingen", "Matrikkelfører", "Næringsavdelingen"),
}
PLAN_STATUS = {
    "M0": "Innspill til kommuneplan",
    "M1": "Kommuneplan 2023–2035",
    "M2": "Regulering pågår",
    "M3": "Vedtatt reguleringsplan",
    "M4": "Vedtatt, opparbeidet",
    "M5": "Vedtatt, byggeklar",
}


@dataclass
class Sites:
    """One generated set of sites: geometries and canonical attribute columns."""

    geoms: np.ndarray  # shapely Polygons, EPSG:25833
    frame: pd.DataFrame  # canonical columns, without reference/links (set per variant)
    planted: dict[str, int]  # issue type → rows planted


def kommune_outline(nr: str = KOMMUNE_NR) -> shapely.Geometry:
    """The kommune outline in EPSG:25833, from the shipped reference file (the one loaded into PostGIS)."""
    gdf = pyogrio.read_dataframe(KOMMUNER, where=f"kommunenummer = '{nr}'").to_crs(EPSG)
    if len(gdf) != 1:
        raise SystemExit(f"kommune {nr} not found in {KOMMUNER}")
    return gdf.geometry.iloc[0]


def _cells(outline: shapely.Geometry) -> np.ndarray:
    """Lower-left corners of the grid cells lying wholly inside the outline (with a margin)."""
    xmin, ymin, xmax, ymax = outline.bounds
    xs = np.arange(xmin, xmax, CELL_M)
    ys = np.arange(ymin, ymax, CELL_M)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    boxes = shapely.box(gx, gy, gx + CELL_M, gy + CELL_M)
    inner = outline.buffer(-EDGE_MARGIN_M)
    shapely.prepare(inner)
    inside = shapely.contains_properly(inner, boxes)
    return np.column_stack([gx[inside], gy[inside]])


def _slots(corners: np.ndarray, per_side: int) -> np.ndarray:
    """Centres of the per_side × per_side sub-cells of each cell."""
    step = CELL_M / per_side
    offs = (np.arange(per_side) + 0.5) * step
    ox, oy = (a.ravel() for a in np.meshgrid(offs, offs))
    return (corners[:, None, :] + np.column_stack([ox, oy])[None, :, :]).reshape(-1, 2)


def _allocate(n: int, n_cells: int) -> list[tuple[int, int]]:
    """Per tier: (sites, cells) so that the sites fit the kommune's cells."""
    counts = [int(n * share) for *_, share in TIERS[:-1]]
    counts.append(n - sum(counts))
    cells = [
        c if per == 1 else int(np.ceil(c / (per**2 * FILL)))
        for c, (_, per, *_r) in zip(counts, TIERS, strict=True)
    ]
    if sum(cells) <= n_cells:
        return list(zip(counts, cells, strict=True))
    # Tight (100k): cap the large and medium tiers to a share of the cells, the small tier takes the rest.
    large = min(counts[0], n_cells // 10)
    medium_cells = min(int(np.ceil(counts[1] / 9)), n_cells * 3 // 10)
    medium = min(counts[1], medium_cells * 9)
    small = n - large - medium
    per_small = TIERS[2][1] ** 2
    small_cells = max(
        int(np.ceil(small / per_small)),
        min(n_cells - large - medium_cells, int(np.ceil(small / (per_small * FILL)))),
    )
    if large + medium_cells + small_cells > n_cells:
        raise SystemExit(f"{n} sites do not fit in {n_cells} cells of {CELL_M:.0f} m")
    return [(large, large), (medium, medium_cells), (small, small_cells)]


def _star_polygons(
    rng: np.random.Generator, centres: np.ndarray, area_m2: np.ndarray, rmax: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Irregular star-shaped polygons (5–12 vertices) of about `area_m2`, each within `rmax` of its centre."""
    n = len(centres)
    k = rng.integers(5, 13, n)
    starts = np.concatenate([[0], np.cumsum(k)[:-1]])
    owner = np.repeat(np.arange(n), k)
    j = np.arange(k.sum()) - starts[owner]
    rot = rng.uniform(0, 2 * np.pi, n)
    # Sorted angles (jitter < half a step) around the centre make a simple polygon by construction.
    angle = 2 * np.pi * (j + rng.uniform(-0.35, 0.35, len(j))) / k[owner] + rot[owner]
    rho = rng.uniform(0.6, 1.0, len(j))
    ux, uy = rho * np.cos(angle), rho * np.sin(angle)
    nxt = np.where(j == k[owner] - 1, starts[owner], np.arange(len(j)) + 1)
    unit_area = 0.5 * np.bincount(owner, weights=ux * uy[nxt] - ux[nxt] * uy, minlength=n)
    scale = np.sqrt(area_m2 / unit_area)
    max_rho = np.maximum.reduceat(rho, starts)
    scale = np.minimum(scale, rmax / max_rho)  # the biggest targets of few-vertex shapes shrink a little
    slack = rmax - scale * max_rho
    cx = centres[:, 0] + rng.uniform(-1, 1, n) * slack
    cy = centres[:, 1] + rng.uniform(-1, 1, n) * slack
    coords = np.column_stack([cx[owner] + scale[owner] * ux, cy[owner] + scale[owner] * uy])
    rings = shapely.linearrings(coords, indices=owner)
    return shapely.polygons(rings), scale**2 * unit_area


def generate(n: int, *, seed: int = 20261127, outline: shapely.Geometry | None = None) -> Sites:
    """Generate `n` non-overlapping sites with consistent attributes inside KOMMUNE_NR."""
    rng = np.random.default_rng(seed + n)
    outline = outline if outline is not None else kommune_outline()
    corners = _cells(outline)
    rng.shuffle(corners)
    plan = _allocate(n, len(corners))
    centres, areas, rmax = [], [], []
    used = 0
    for (count, n_cells), (_, per, lo, hi, _share) in zip(plan, TIERS, strict=True):
        if not count:
            continue
        slots = _slots(corners[used : used + n_cells], per)
        used += n_cells
        chosen = rng.choice(len(slots), size=count, replace=False)
        centres.append(slots[chosen])
        areas.append(np.exp(rng.uniform(np.log(lo), np.log(hi), count)) * 1000.0)  # log-uniform daa → m²
        rmax.append(np.full(count, CELL_M / per / 2 - 6.0))
    order = rng.permutation(n)  # tiers mixed through the file, as a kommune's list would be
    geoms, area = _star_polygons(
        rng, np.concatenate(centres)[order], np.concatenate(areas)[order], np.concatenate(rmax)[order]
    )
    frame, planted = _attributes(rng, area)
    return Sites(geoms=geoms, frame=frame, planted=planted)


def _dates(
    rng: np.random.Generator, n: int, start: str = "2024-01-01", end_days_before: int = 20
) -> np.ndarray:
    lo, hi = np.datetime64(start), TODAY - np.timedelta64(end_days_before, "D")
    days = rng.integers(0, (hi - lo).astype(int), n)
    return (lo + days.astype("timedelta64[D]")).astype(str).astype(object)


def _pick(
    rng: np.random.Generator, options: tuple[str, ...] | list[str], n: int, p: list[float] | None = None
) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=n, p=p)]


def _attributes(rng: np.random.Generator, area_m2: np.ndarray) -> tuple[pd.DataFrame, dict[str, int]]:
    n = len(area_m2)
    maturity = _pick(rng, MATURITY.codes, n, [0.10, 0.25, 0.15, 0.25, 0.15, 0.10])
    power = _pick(rng, POWER.codes, n, [0.15, 0.15, 0.35, 0.20, 0.15])
    m5 = maturity == "M5"
    power[m5] = _pick(rng, ("E3", "E4"), int(m5.sum()))
    mw_now = np.round(
        np.select(
            [power == "E0", power == "E1", power == "E2"],
            [np.zeros(n), rng.uniform(0, 1, n), rng.uniform(0.5, 5, n)],
            rng.uniform(1, 20, n),
        ),
        1,
    )
    mw_future = np.round(mw_now + rng.uniform(2, 30, n), 1)
    reserved = np.where(power == "E4", _dates(rng, n, "2027-01-01", -800), None)

    early = np.isin(maturity, ["M0", "M1"])
    availability = np.where(
        early,
        _pick(rng, ("not_on_market", "for_sale_or_lease", "optioned"), n, [0.6, 0.2, 0.2]),
        _pick(rng, AVAILABILITY.codes, n, [0.3, 0.4, 0.15, 0.15]),
    )
    land = _pick(rng, LAND_CONTROL.codes, n, [0.35, 0.15, 0.30, 0.20])
    land[(availability == "for_sale_or_lease") & (land == "private_no_agreement")] = "private_agreement"
    owner = np.select(
        [land == "kommune", land == "public_company"],
        [np.full(n, f"{KOMMUNE_NAME} kommune", dtype=object), _pick(rng, PUBLIC_OWNERS, n)],
        _pick(rng, PRIVATE_OWNERS, n),
    )
    uses = _pick(rng, USES, n)
    use_text = (
        pd.Series(uses)
        .map(lambda u: " og ".join(SOSI_USE.label(c, "no").lower() for c in u.split(";")))
        .str.capitalize()
    )
    place = _pick(rng, PLACES, n)
    name = pd.Series(place) + " " + pd.Series(_pick(rng, SUFFIXES, n))
    area_m2 = np.round(area_m2)
    daa = pd.Series(np.round(area_m2 / 1000.0, 1))
    plan_year = rng.integers(2005, 2026, n)
    plan_id = pd.Series(plan_year.astype(str)) + pd.Series(rng.integers(1, 40, n)).map("{:03d}".format)
    mat_label = pd.Series(maturity).map(lambda c: MATURITY.label(c, "no").lower())
    mat_label_en = pd.Series(maturity).map(lambda c: MATURITY.label(c, "en").lower())

    frame = pd.DataFrame(
        {
            "kommune_nr": KOMMUNE_NR,
            "name": name,
            "area_m2": area_m2,
            "area_daa": daa,
            "uses": uses,
            "use_text": use_text,
            "maturity": maturity,
            "maturity_verified_at": _dates(rng, n),
            "maturity_verified_by": _pick(rng, VERIFIERS["maturity"], n),
            "power_status": power,
            "power_mw_now": mw_now,
            "power_mw_future": mw_future,
            "power_future_year": rng.integers(2026, 2033, n).astype("int32"),
            "power_reserved_until": reserved,
            "grid_company": _pick(rng, GRID_COMPANIES, n, [0.8, 0.2]),
            "power_verified_at": _dates(rng, n),
            "power_verified_by": _pick(rng, VERIFIERS["power"], n),
            "availability": availability,
            "availability_verified_at": _dates(rng, n),
            "availability_verified_by": _pick(rng, VERIFIERS["availability"], n),
            "land_control": land,
            "land_control_verified_at": _dates(rng, n),
            "land_control_verified_by": _pick(rng, VERIFIERS["land_control"], n),
            "ownership_text": owner,
            "evidence": _pick(rng, EVIDENCE.codes, n, [0.40, 0.45, 0.15]),
            "evidence_url": "https://www.nore-og-uvdal.kommune.no/plan/" + plan_id,
            "price_nok_per_m2": np.round(rng.uniform(250, 1800, n), -1),
            "price_terms": _pick(rng, PRICE_TERMS, n),
            "plan_id": plan_id,
            "plan_status": pd.Series(maturity).map(PLAN_STATUS),
            "description_no": daa.map("{:.0f}".format)
            + " daa næringsareal ved "
            + pd.Series(place)
            + ", "
            + mat_label
            + ".",
            "description_en": daa.map("{:.0f}".format)
            + " daa of business land at "
            + pd.Series(place)
            + ", "
            + mat_label_en
            + ".",
        }
    )
    return frame, _plant(rng, frame)


def _plant(rng: np.random.Generator, frame: pd.DataFrame) -> dict[str, int]:
    """Plant a few rows that must raise known issues (the proof that every row was checked)."""
    n = len(frame)
    counts = {slug: max(1, round(share * n)) for slug, share in PLANTED.items()}
    m3 = np.flatnonzero(frame["maturity"].to_numpy() == "M3")
    normalised = rng.choice(m3, size=counts["code-normalised"], replace=False)
    rest = np.setdiff1d(np.arange(n), normalised)
    picked = rng.choice(rest, size=counts["area-mismatch"] + counts["facts-contradict"], replace=False)
    mismatch, contradict = picked[: counts["area-mismatch"]], picked[counts["area-mismatch"] :]
    # A kommune's own spelling of a code: "Regulert" for M3 (code-normalised, info).
    frame.loc[normalised, "maturity"] = "Regulert"
    # An area typed 25 % too large (area-mismatch, warning).
    frame.loc[mismatch, "area_m2"] = np.round(frame.loc[mismatch, "area_m2"] * 1.25)
    frame.loc[mismatch, "area_daa"] = np.round(frame.loc[mismatch, "area_m2"] / 1000.0, 1)
    # Sold while only in the master plan (facts-contradict, warning); everything else stays consistent.
    frame.loc[contradict, ["maturity", "availability", "plan_status"]] = ["M1", "sold", PLAN_STATUS["M1"]]
    frame.loc[contradict, "power_status"] = np.where(
        frame.loc[contradict, "power_status"] == "E4", "E3", frame.loc[contradict, "power_status"]
    )
    frame.loc[contradict, "power_reserved_until"] = None
    return counts


def variant_frame(sites: Sites, variant: int) -> pd.DataFrame:
    """The attribute table of one variant: a reference prefix of its own (and links built from it)."""
    n = len(sites.frame)
    ref = pd.Series(np.arange(1, n + 1)).map(f"NOU{variant:02d}-{{:06d}}".format)
    frame = sites.frame.copy()
    frame.insert(1, "reference", ref.to_numpy(dtype=object))
    frame["links"] = ("https://www.nore-og-uvdal.kommune.no/naering/" + ref).to_numpy(dtype=object)
    return frame[[f.name for f in FIELDS]]


def write_variant(sites: Sites, variant: int, path: Path) -> None:
    """Write one variant as a GeoPackage (EPSG:25833, layer `sites`)."""
    frame = variant_frame(sites, variant)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    pyogrio.write_dataframe(
        _geodataframe(frame, sites.geoms),
        path,
        layer=LAYER,
        driver="GPKG",
        geometry_type="Polygon",
    )


def copy_variant(source: Path, variant: int, path: Path) -> None:
    """Copy variant 0 and rewrite its reference prefix (and links) in SQL: seconds faster than a new write."""
    shutil.copyfile(source, path)
    with contextlib.closing(sqlite3.connect(path)) as db:
        # GDAL's R-tree triggers on the layer call ST_* functions; they never fire for attribute updates,
        # but SQLite compiles them, so the functions must exist.
        for fn in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):
            db.create_function(fn, 1, lambda _geom: 0, deterministic=True)
        new_ref = f"'NOU{variant:02d}-' || substr(reference, 7)"
        db.execute(
            f"UPDATE {LAYER} SET reference = {new_ref}, "
            f"links = 'https://www.nore-og-uvdal.kommune.no/naering/' || {new_ref}"
        )
        db.commit()


def _geodataframe(frame: pd.DataFrame, geoms: np.ndarray):  # type: ignore[no-untyped-def]
    import geopandas as gpd

    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=EPSG), crs=EPSG)


def file_path(n: int, variant: int) -> Path:
    return OUT / f"sites_{n}_v{variant}.gpkg"


def manifest_path(n: int) -> Path:
    return OUT / f"sites_{n}.json"


def ensure_files(n: int, variants: int, *, force: bool = False) -> tuple[list[Path], dict[str, object]]:
    """Generate (when missing) `variants` files of `n` sites; return their paths and the manifest."""
    paths = [file_path(n, v) for v in range(variants)]
    man_path = manifest_path(n)
    manifest: dict[str, object] = json.loads(man_path.read_text()) if man_path.exists() else {}
    if not force and manifest and all(p.exists() for p in paths):
        return paths, manifest
    t0 = time.perf_counter()
    sites = generate(n)
    t_gen = time.perf_counter() - t0
    write_variant(sites, 0, paths[0])
    for v, p in enumerate(paths[1:], start=1):
        copy_variant(paths[0], v, p)
    area = shapely.area(sites.geoms)
    manifest = {
        "n": n,
        "kommune_nr": KOMMUNE_NR,
        "layer": LAYER,
        "epsg": EPSG,
        "planted_issues": sites.planted,
        "area_daa": {
            "min": round(float(area.min()) / 1000, 2),
            "median": round(float(np.median(area)) / 1000, 2),
            "max": round(float(area.max()) / 1000, 2),
        },
        "vertices": {
            "min": int(shapely.get_num_coordinates(sites.geoms).min() - 1),
            "max": int(shapely.get_num_coordinates(sites.geoms).max() - 1),
        },
        "generate_s": round(t_gen, 2),
        "write_s": round(time.perf_counter() - t0 - t_gen, 2),
    }
    man_path.write_text(json.dumps(manifest, indent=2))
    return paths, manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,10000,100000", help="comma-separated site counts")
    parser.add_argument("--variants", type=int, default=3, help="files per size (one per timed run)")
    parser.add_argument("--force", action="store_true", help="regenerate even when the files exist")
    parser.add_argument("--check", action="store_true", help="verify validity, containment and no overlap")
    args = parser.parse_args()
    for n in (int(s) for s in args.sizes.split(",")):
        paths, manifest = ensure_files(n, args.variants, force=args.force)
        print(f"{n:>7} sites: {', '.join(p.name for p in paths)}  {manifest}")
        if args.check:
            _check(n, paths[0])


def _check(n: int, path: Path) -> None:
    gdf = pyogrio.read_dataframe(path)
    geoms = gdf.geometry.values
    outline = kommune_outline()
    tree = shapely.STRtree(geoms)
    pairs = tree.query(geoms, predicate="intersects")
    overlaps = int((pairs[0] < pairs[1]).sum())
    print(
        f"  valid={bool(shapely.is_valid(geoms).all())} "
        f"inside={bool(shapely.contains(outline, geoms).all())} "
        f"overlapping pairs={overlaps} rows={len(gdf)} (expected {n}) crs={gdf.crs.to_epsg()}"
    )


if __name__ == "__main__":
    main()
