"""Benchmark matching (`registry.services.matching.match_sites`) at 100k published sites.

    NAERING_PG_PORT=<port> .venv/bin/python bench/match.py [--size 100000] [--queries 200] [--seed 7]

Uses its own scratch database `naering_match_bench` on the configured server (NAERING_DATABASE_URL's
server, else the private cluster), migrated and loaded with the reference data. When it does not hold
exactly `size` published sites it loads bench/make_data.py's file of that size through the project's
own intake (`run_submission`, as `naering submit` does: validation, enrichment with the four logistics
distances per site, load), then VACUUM ANALYZE. Loading is done once; later runs reuse the database.

Then `queries` seeded random requirement sets (area, power now / by a year, maturity, availability,
land use, 0–4 distance limits, sometimes a kommune or regionråd scope, sometimes chosen sites) are run
through `match_sites`, each in its own read transaction, and beside each, in the same run, the anchor:
`registry.services.sites.search_sites` with the comparable filters (kommune, least area, maturity) and a
page of 20 — what the registry's existing search costs. Prints p50 / p95 / max in ms for both and the
ratio of the p50s; writes bench/out/match.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from pathlib import Path

import make_data
from sqlalchemy import text

from registry import db, localdb
from registry.services.matching import match_sites
from registry.services.reference import load_reference
from registry.services.sites import SiteFilter, search_sites
from registry.services.submissions import SubmitOptions, run_submission
from registry.settings import DatabaseSettings
from schemas.inquiry import Requirements
from schemas.taxonomy import AVAILABILITY, LOGISTICS_KIND, MATURITY, SOSI_USE

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "match{}.json"
BENCH_DB = "naering_match_bench"
SITE_TABLES = ("site_history", "submission_issue", "site", "submission")
TODAY = dt.date.fromisoformat(str(make_data.TODAY))  # the day the generated verification dates lead up to
TARGET_P50_MS = 100.0


def bench_url() -> str:
    settings = DatabaseSettings()
    if settings.database_url:
        from sqlalchemy import make_url

        server = make_url(settings.database_url)
        admin = db.get_engine(server.set(database="postgres").render_as_string(hide_password=False))
        with admin.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            if (
                conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": BENCH_DB}).first()
                is None
            ):
                conn.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
        url = server.set(database=BENCH_DB).render_as_string(hide_password=False)
        with db.get_engine(url).begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        return url
    localdb.ensure(port=settings.pg_port, database=settings.pg_database)
    localdb.create_database(port=settings.pg_port, database=BENCH_DB)
    return localdb.url(port=settings.pg_port, database=BENCH_DB)


def ensure_sites(url: str, n: int) -> None:
    """Load n generated sites through the intake unless the database holds exactly n published ones."""
    engine = db.get_engine(url)
    db.upgrade(url)
    with engine.connect() as conn:
        kommuner = conn.execute(text("SELECT count(*) FROM kommune")).scalar_one()
        published = conn.execute(text("SELECT count(*) FROM site WHERE status = 'published'")).scalar_one()
    if published == n:
        print(f"reusing {n} published sites in {BENCH_DB}", flush=True)
        return
    if not kommuner:
        print(f"reference data: {load_reference(engine)}", flush=True)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))
    (path,), _manifest = make_data.ensure_files(n, 1)
    t0 = time.perf_counter()
    result = run_submission(engine, path, SubmitOptions(kommune_nr=make_data.KOMMUNE_NR, replace=True))
    print(f"loaded {result.rows_loaded} sites in {time.perf_counter() - t0:.1f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
        logistics = conn.execute(text("SELECT count(*) FROM site_logistics")).scalar_one()
    print(f"site_logistics rows: {logistics}", flush=True)


def random_requirements(rng: random.Random, site_ids: list[int], regionraad: str) -> Requirements:
    """One plausible inquiry: each need stated with some probability, values in the data's ranges."""
    area_min = area_max = None
    if rng.random() < 0.8:
        low = rng.choice((2, 3, 5, 10, 20, 50, 100)) * 1000.0
        area_min = low
        area_max = low * rng.choice((1.5, 2, 4)) if rng.random() < 0.6 else None
    year = TODAY.year + rng.randint(0, 6)
    max_km = {
        kind: float(rng.choice((5, 10, 20, 50, 80, 120)))
        for kind in LOGISTICS_KIND.codes
        if rng.random() < 0.4
    }
    scope = rng.random()
    return Requirements(
        area_min_m2=area_min,
        area_max_m2=area_max,
        power_mw_now=float(rng.choice((1, 2, 5, 10, 20))) if rng.random() < 0.5 else None,
        power_mw_by_year=float(rng.choice((5, 10, 20, 40))) if rng.random() < 0.4 else None,
        power_year=year,
        maturity_min=rng.choice(MATURITY.codes) if rng.random() < 0.6 else None,
        availability=tuple(rng.sample(AVAILABILITY.codes[1:3], rng.randint(1, 2)))
        if rng.random() < 0.5
        else (),
        use_codes=tuple(rng.sample(SOSI_USE.codes, rng.randint(1, 3))) if rng.random() < 0.5 else (),
        max_km=max_km,
        kommuner=(make_data.KOMMUNE_NR,) if scope < 0.15 else (),
        regionraad=(regionraad,) if 0.15 <= scope < 0.3 else (),
        site_ids=tuple(rng.sample(site_ids, 2)) if rng.random() < 0.2 else (),
    )


def _anchor_filter(r: Requirements) -> SiteFilter:
    return SiteFilter(
        kommune=r.kommuner[0] if r.kommuner else None, min_area_m2=r.area_min_m2, maturity_min=r.maturity_min
    )


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    url = bench_url()
    ensure_sites(url, args.size)
    with db.get_engine(url).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE site_match"))
    engine = db.get_engine(url)
    make_session = db.session_factory(engine)
    with engine.connect() as conn:
        ids = [int(i) for i in conn.execute(text("SELECT id FROM site WHERE status = 'published'")).scalars()]
        regionraad = conn.execute(
            text("SELECT regionraad FROM kommune WHERE nr = :k"), {"k": make_data.KOMMUNE_NR}
        ).scalar_one()
    rng = random.Random(args.seed)
    inquiries = [random_requirements(rng, ids, regionraad or "") for _ in range(args.queries)]

    # One warm-up of each, untimed (connection, caches).
    with make_session() as s:
        match_sites(s, inquiries[0], today=TODAY)
        search_sites(s, filters=_anchor_filter(inquiries[0]), limit=20)

    match_ms: list[float] = []
    anchor_ms: list[float] = []
    found: list[tuple[int, int, int]] = []
    for r in inquiries:
        with make_session() as s, s.begin():
            t0 = time.perf_counter()
            result = match_sites(s, r, today=TODAY)
            match_ms.append((time.perf_counter() - t0) * 1000)
        with make_session() as s, s.begin():
            t0 = time.perf_counter()
            search_sites(s, filters=_anchor_filter(r), limit=20)
            anchor_ms.append((time.perf_counter() - t0) * 1000)
        found.append((len(result.matches), len(result.near_misses), result.considered))

    def figures(ms: list[float]) -> dict[str, float]:
        return {
            "p50_ms": round(statistics.median(ms), 1),
            "p95_ms": round(pct(ms, 0.95), 1),
            "max_ms": round(max(ms), 1),
        }

    report = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": (
            f".venv/bin/python bench/match.py --size {args.size} --queries {args.queries} --seed {args.seed}"
        ),
        "sites": args.size,
        "today": TODAY.isoformat(),
        "match_sites": figures(match_ms),
        "anchor_search_sites": figures(anchor_ms),
        "ratio_p50": round(statistics.median(match_ms) / statistics.median(anchor_ms), 2),
        "with_matches": sum(1 for m, _, _ in found if m),
        "with_near_misses": sum(1 for _, n, _ in found if n),
        "mean_matches": round(statistics.mean(m for m, _, _ in found), 1),
        "target_p50_ms": TARGET_P50_MS,
        "pass": statistics.median(match_ms) <= TARGET_P50_MS,
    }
    out = Path(str(OUT).format(""))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    m, a = report["match_sites"], report["anchor_search_sites"]
    print(f"match_sites   p50 {m['p50_ms']:7.1f} ms  p95 {m['p95_ms']:7.1f} ms  max {m['max_ms']:7.1f} ms")
    print(
        f"search_sites  p50 {a['p50_ms']:7.1f} ms  p95 {a['p95_ms']:7.1f} ms  max {a['max_ms']:7.1f} ms"
        " (anchor)"
    )
    print(
        f"ratio p50 {report['ratio_p50']}; {report['with_matches']}/{args.queries} inquiries with matches, "
        f"{report['with_near_misses']} with near misses; "
        f"{'PASS' if report['pass'] else 'MISS'}: p50 ≤ {TARGET_P50_MS:g} ms"
    )
    print(f"results: {out}")


if __name__ == "__main__":
    sys.exit(main())
