"""Region map benchmark (issue 11, §4; not a test): the map page at 3k and 100k sites against a naive
`folium.GeoJson` of every site, measured in the same run.

    NAERING_PG_PORT=<port> .venv/bin/python bench/map_bench.py [--sizes 3000,100000] [--tiles 200] [--draws 3]

For each size it uses a scratch database (100k: bench/api_load.py's `naering_api_bench`; other sizes
`naering_map_bench_<n>`), loaded when it does not hold exactly that many published sites with
bench/make_data.py's generated file through the project's own intake (reused otherwise). It serves the app
as `naering serve` (one uvicorn worker) and measures:

- **ours**: `GET /maps/region` — the HTML's size (as built, and gzip'd on the wire) and the server's time;
  then headless Chromium (offline: every request off 127.0.0.1 fails; browser cache off) opens it and the
  time from navigation start until the first site is drawn is read from the page itself
  (`window.narSiteTiles.featuresDrawn > 0`, the tile layer's own count; a 5 ms poll installed before the
  page's scripts run); the median of `--draws` loads;
- **tiles**: `--tiles` requests per zoom band (bench/tiles_bench.py's bands: aggregated z6–9, detail
  z10–14, 304 revalidation), one at a time, p50 / p99 ms and KB;
- **anchor**: a naive Folium page of the same published sites — every outline as CRS84 GeoJSON in one
  `folium.GeoJson` (Leaflet's SVG renderer), linked to the same vendored Leaflet — its size, the time to
  build it (read the rows, build, render), and the time until its first site is drawn in the same browser
  (`path.leaflet-interactive` present), opened from a file.

Prints one table and writes bench/out/map.json. Targets at 100k (issue 11): page ≤ 500 KB, first sites
drawn ≤ 1 s, tile p99 ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import api_load
import folium
import tiles_bench
from sqlalchemy import text

from maps import assets
from registry import db

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.browser: the suite's own headless Chromium (offline switches)
from tests.browser import headless_chromium  # noqa: E402

OUT = ROOT / "bench" / "out"
DRAW_TIMEOUT_S = 180.0
OURS_DRAWN = "window.narSiteTiles && window.narSiteTiles.featuresDrawn > 0"
NAIVE_DRAWN = "document.querySelector('path.leaflet-interactive') !== null"


def database_for(n: int) -> str:
    return api_load.BENCH_DB if n == 100_000 else f"naering_map_bench_{n}"


def get(url: str) -> tuple[bytes, float, int]:
    """The body, the seconds it took and its size on the wire (gzip accepted)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    t0 = time.perf_counter()
    with urllib.request.urlopen(request, timeout=300) as r:
        raw = r.read()
        gzipped = r.headers.get("Content-Encoding") == "gzip"
    seconds = time.perf_counter() - t0
    return (gzip.decompress(raw) if gzipped else raw), seconds, len(raw)


def first_draw_ms(driver: Any, url: str, drawn_js: str) -> float:
    """Milliseconds from navigation start until `drawn_js` first holds in the page."""
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    probe = (
        "(function(){var t=setInterval(function(){try{if(" + drawn_js + "){"
        "window.__firstDrawMs=performance.now();clearInterval(t);}}catch(e){}},5);})();"
    )
    added = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": probe})
    try:
        driver.get(url)
        deadline = time.monotonic() + DRAW_TIMEOUT_S
        while time.monotonic() < deadline:
            value = driver.execute_script(
                "return window.__firstDrawMs === undefined ? null : window.__firstDrawMs"
            )
            if value is not None:
                return float(value)
            time.sleep(0.05)
        raise RuntimeError(f"nothing drawn within {DRAW_TIMEOUT_S:.0f} s: {url}")
    finally:
        driver.execute_cdp_cmd(
            "Page.removeScriptToEvaluateOnNewDocument", {"identifier": added["identifier"]}
        )


def naive_page(url: str, static_prefix: str) -> tuple[str, float]:
    """A naive Folium map of every published site (one GeoJson layer) and the seconds it took to build."""
    t0 = time.perf_counter()
    with db.get_engine(url).connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, name, maturity, ST_AsGeoJSON(ST_Transform(geom_25833, 4326), 6) AS g "
                "FROM site WHERE status = 'published'"
            )
        ).all()
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": json.loads(r.g),
                "properties": {"id": r.id, "name": r.name, "maturity": r.maturity},
            }
            for r in rows
        ],
    }
    m = folium.Map(location=(59.91, 10.75), zoom_start=8, tiles=None)
    assets.use_local_assets(m, static_prefix=static_prefix)
    folium.GeoJson(collection, name="sites", tooltip=folium.GeoJsonTooltip(fields=["name"])).add_to(m)
    html = m.get_root().render()
    return html, time.perf_counter() - t0


def measure(n: int, args: argparse.Namespace, driver: Any, workdir: Path) -> dict[str, Any]:
    url = api_load.bench_url(database_for(n))
    api_load.ensure_sites(url, n)
    with db.get_engine(url).connect() as conn:
        published = conn.execute(text("SELECT count(*) FROM site WHERE status = 'published'")).scalar_one()
    port = api_load.free_port()
    env = {**os.environ, "NAERING_DATABASE_URL": url, "NAERING_PORT": str(port)}
    cmd = [str(Path(sys.executable).parent / "naering"), "serve", "--port", str(port)]
    result: dict[str, Any] = {"sites": published}
    with api_load.server(f"map{n}", cmd, env, port, "/tiles/sites/0/0/0.pbf") as base:
        page, seconds, wire = get(base + "/maps/region")
        page_s = [seconds] + [get(base + "/maps/region")[1] for _ in range(4)]
        draws = [first_draw_ms(driver, base + "/maps/region", OURS_DRAWN) for _ in range(args.draws)]
        result["ours"] = {
            "html_kb": round(len(page) / 1024, 1),
            "wire_kb": round(wire / 1024, 1),
            "server_ms": round(statistics.median(page_s) * 1000, 1),
            "first_draw_ms": round(statistics.median(draws), 1),
            "first_draw_all_ms": [round(d, 1) for d in draws],
        }
        print(f"{n}: ours {json.dumps(result['ours'])}", flush=True)
        points = tiles_bench.site_points(url, 2000, args.seed)
        result["tiles"] = tiles_bench.http_bands(base, points, args.tiles, random.Random(args.seed))
        html, build_s = naive_page(url, base + "/static")
        path = workdir / f"naive_{n}.html"
        path.write_text(html)
        naive_draw = first_draw_ms(driver, path.as_uri(), NAIVE_DRAWN)
        result["naive"] = {
            "html_kb": round(len(html.encode()) / 1024, 1),
            "build_ms": round(build_s * 1000, 1),
            "first_draw_ms": round(naive_draw, 1),
        }
        print(f"{n}: naive {json.dumps(result['naive'])}", flush=True)
    return result


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| sites | page KB (gzip) | first site drawn ms | naive Folium KB | naive build ms | naive drawn ms "
        "| size ratio | drawn ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        o, nv = r["ours"], r["naive"]
        lines.append(
            f"| {r['sites']} | {o['html_kb']} ({o['wire_kb']}) | {o['first_draw_ms']} | {nv['html_kb']} "
            f"| {nv['build_ms']} | {nv['first_draw_ms']} | {nv['html_kb'] / o['html_kb']:.0f}× smaller "
            f"| {nv['first_draw_ms'] / o['first_draw_ms']:.1f}× sooner |"
        )
    lines += [
        "",
        "| sites | tile band | n | p50 ms | p99 ms | p50 KB | max KB |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for band, s in r["tiles"].items():
            lines.append(
                f"| {r['sites']} | {band} | {s.get('requests')} | {s.get('p50_ms')} | {s.get('p99_ms')} "
                f"| {s.get('p50_kb')} | {s.get('max_kb')} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3000,100000", help="published sites, comma-separated")
    parser.add_argument("--tiles", type=int, default=200, help="tile requests per zoom band")
    parser.add_argument("--draws", type=int, default=3, help="browser loads of our map per size")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = []
    with tempfile.TemporaryDirectory(prefix="map-bench-") as tmp, headless_chromium(offline=True) as driver:
        for n in sizes:
            results.append(measure(n, args, driver, Path(tmp)))
    report = {"load_avg": os.getloadavg(), "cpus": os.cpu_count(), "results": results}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "map.json").write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(table(results))


if __name__ == "__main__":
    main()
