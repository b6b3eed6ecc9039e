"""Vector-tile benchmark: /tiles/sites/{z}/{x}/{y}.pbf over HTTP at N published sites (not a test).

    NAERING_PG_PORT=<port> .venv/bin/python bench/tiles_bench.py [--sites 100000] [--requests 200]

Uses bench/api_load.py's scratch database `naering_api_bench` (created, migrated and loaded with
bench/make_data.py's N generated sites through the project's own intake when it does not hold exactly N
published sites; reused otherwise). Serves the app as `naering serve` (one uvicorn worker) and requests, one
at a time, `--requests` tiles per zoom band, each tile drawn at random (seeded) among the tiles that hold a
generated site (the sites lie in one kommune of the Oslo region, bench/make_data.py):

- zoom 6–9: aggregated points (one per 64-pixel cell);
- zoom 10–14: the sites' polygons;
- a revalidation band: zoom 6–14 with the tile's current ETag in If-None-Match (304, nothing built).

Per band: p50 / p99 / max ms (the whole HTTP request, client side) and p50 / max KB as built (and gzip'd on
the wire: the app gzips answers over 1 KB when the client accepts it). Beside them, measured in the same
run, the anchor the aggregation is judged against: the raw, not aggregated z8 query (ST_AsMVT of every
site's polygon, `registry.store.tiles.detail_tile` at zoom 8) in-process, and the aggregated z8 query in
the same way. Prints the table and writes bench/out/tiles.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import api_load
from sqlalchemy import text

from registry import db
from registry.services.tiles import CELLS
from registry.store import tiles as store

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
ORIGIN_M = 20037508.342789244
BANDS = {"aggregated z6–9": range(6, 10), "detail z10–14": range(10, 15)}


def tile_of(x_m: float, y_m: float, z: int) -> tuple[int, int]:
    width = 2 * ORIGIN_M / 2**z
    return math.floor((x_m + ORIGIN_M) / width), math.floor((ORIGIN_M - y_m) / width)


def site_points(url: str, sample: int, seed: int) -> list[tuple[float, float]]:
    with db.get_engine(url).connect() as conn:
        conn.execute(text("SELECT setseed(:s)"), {"s": seed / 1000.0 % 1})
        rows = conn.execute(
            text(
                "SELECT ST_X(point_3857), ST_Y(point_3857) FROM site WHERE status = 'published' "
                "ORDER BY random() LIMIT :n"
            ),
            {"n": sample},
        ).all()
    return [(float(x), float(y)) for x, y in rows]


def fetch(base: str, path: str, headers: dict[str, str]) -> tuple[int, float, int, int, str]:
    """(status, ms, bytes as built, bytes on the wire, etag)."""
    request = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip", **headers})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            wire = r.read()
            status, encoding, etag = r.status, r.headers.get("Content-Encoding"), r.headers.get("ETag", "")
    except urllib.error.HTTPError as exc:
        if exc.code != 304:
            raise
        wire, status, encoding, etag = b"", 304, None, exc.headers.get("ETag", "")
    ms = (time.perf_counter() - t0) * 1000
    built = gzip.decompress(wire) if encoding == "gzip" else wire
    return status, ms, len(built), len(wire), etag


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def summary(ms: list[float], built: list[int], wire: list[int], statuses: list[int]) -> dict[str, Any]:
    return {
        "requests": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p99_ms": round(pct(ms, 0.99), 1),
        "max_ms": round(max(ms), 1),
        "p50_kb": round(statistics.median(built) / 1024, 1),
        "max_kb": round(max(built) / 1024, 1),
        "p50_wire_kb": round(statistics.median(wire) / 1024, 1),
        "max_wire_kb": round(max(wire) / 1024, 1),
        "statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
    }


def http_bands(base: str, points: list[tuple[float, float]], n: int, rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    etags: dict[str, str] = {}
    for band, zooms in BANDS.items():
        ms: list[float] = []
        built: list[int] = []
        wire: list[int] = []
        statuses: list[int] = []
        for _ in range(n):
            z = rng.choice(list(zooms))
            x, y = tile_of(*rng.choice(points), z)
            path = f"/tiles/sites/{z}/{x}/{y}.pbf"
            status, t, b, w, etag = fetch(base, path, {})
            etags[path] = etag
            ms.append(t)
            built.append(b)
            wire.append(w)
            statuses.append(status)
        out[band] = summary(ms, built, wire, statuses)
        print(f"{band:22} {json.dumps(out[band])}", flush=True)
    ms, built, wire, statuses = [], [], [], []
    paths = list(etags)
    for _ in range(n):
        path = rng.choice(paths)
        status, t, b, w, _etag = fetch(base, path, {"If-None-Match": etags[path]})
        ms.append(t)
        built.append(b)
        wire.append(w)
        statuses.append(status)
    out["revalidation 304"] = summary(ms, built, wire, statuses)
    print(f"{'revalidation 304':22} {json.dumps(out['revalidation 304'])}", flush=True)
    return out


def z8_anchor(url: str, points: list[tuple[float, float]], repeat: int) -> dict[str, Any]:
    """The z8 tiles holding sites, built in-process: raw polygons (not aggregated) and aggregated."""
    tiles = sorted({tile_of(x, y, 8) for x, y in points})
    factory = db.session_factory(db.get_engine(url))
    out: dict[str, Any] = {"tiles": [f"8/{x}/{y}" for x, y in tiles]}
    for name, build in (
        ("raw z8 (not aggregated)", lambda s, x, y: store.detail_tile(s, 8, x, y)),
        ("aggregated z8", lambda s, x, y: store.aggregate_tile(s, 8, x, y, cells=CELLS)),
    ):
        ms: list[float] = []
        sizes: list[int] = []
        with factory() as session:
            for x, y in tiles:
                build(session, x, y)  # warm the cache once
                for _ in range(repeat):
                    t0 = time.perf_counter()
                    body = build(session, x, y).body
                    ms.append((time.perf_counter() - t0) * 1000)
                    sizes.append(len(body))
        out[name] = {
            "queries": len(ms),
            "p50_ms": round(statistics.median(ms), 1),
            "p99_ms": round(pct(ms, 0.99), 1),
            "max_kb": round(max(sizes) / 1024, 1),
        }
        print(f"{name:22} {json.dumps(out[name])}", flush=True)
    return out


def table(bands: dict[str, Any], anchor: dict[str, Any]) -> str:
    lines = [
        "| band | requests | p50 ms | p99 ms | p50 KB | max KB | max KB gzip'd |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for band, r in bands.items():
        lines.append(
            f"| {band} | {r['requests']} | {r['p50_ms']} | {r['p99_ms']} | {r['p50_kb']} | {r['max_kb']} "
            f"| {r['max_wire_kb']} |"
        )
    for name in ("raw z8 (not aggregated)", "aggregated z8"):
        r = anchor[name]
        lines.append(
            f"| {name}, SQL in-process | {r['queries']} | {r['p50_ms']} | {r['p99_ms']} "
            f"| – | {r['max_kb']} | – |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=100_000, help="published sites in the bench database")
    parser.add_argument("--requests", type=int, default=200, help="tile requests per zoom band")
    parser.add_argument("--repeat", type=int, default=10, help="in-process runs of each z8 anchor query")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    url = api_load.bench_url()
    api_load.ensure_sites(url, args.sites)
    engine = db.get_engine(url)
    with engine.connect() as conn:
        published = conn.execute(text("SELECT count(*) FROM site WHERE status = 'published'")).scalar_one()
    points = site_points(url, 2000, args.seed)
    if not points:
        sys.exit("no published sites in the bench database")
    rng = random.Random(args.seed)
    with engine.connect() as conn:
        info = {
            "nproc": os.cpu_count(),
            "load_avg_before": os.getloadavg(),
            "postgres": conn.execute(text("SELECT version()")).scalar_one().split(" on ")[0],
            "postgis": conn.execute(text("SELECT postgis_lib_version()")).scalar_one(),
        }
    port = api_load.free_port()
    env = {**os.environ, "NAERING_DATABASE_URL": url, "NAERING_PORT": str(port)}
    cmd = [str(Path(sys.executable).parent / "naering"), "serve", "--port", str(port)]
    print(f"{published} published sites; {args.requests} requests per band", flush=True)
    with api_load.server("tiles", cmd, env, port, "/tiles/sites/0/0/0.pbf") as base:
        for _ in range(20):  # warm-up: connections, plans, caches
            z = rng.choice(range(6, 15))
            fetch(base, "/tiles/sites/{}/{}/{}.pbf".format(z, *tile_of(*rng.choice(points), z)), {})
        bands = http_bands(base, points, args.requests, rng)
    anchor = z8_anchor(url, points, args.repeat)
    report = {"sites": published, "machine": info, "bands": bands, "anchor": anchor}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "tiles.json").write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(table(bands, anchor))


if __name__ == "__main__":
    main()
