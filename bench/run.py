"""Benchmark `naering submit` against `ogr2ogr -f PostgreSQL` loading the same GeoPackage (issue 3, §9).

    .venv/bin/python bench/run.py [--sizes 50,10000,100000] [--runs 3]

Uses a scratch database `naering_bench` on the configured server (NAERING_DATABASE_URL's server, else the
private cluster of registry.localdb), migrated and loaded with the reference data. For each size and run:
truncate the site tables (every run starts from the same empty kommune), time `ogr2ogr` into the scratch
table `bench_scratch`, then time `naering submit FILE --kommune 3338 --replace` as a whole process under
/usr/bin/time -v (wall clock and peak RSS), each run with a file of its own (a re-submission would be a
no-op). After each submit the database is checked: every row loaded, enrichment filled for every site,
and the planted warning/info issues of bench/make_data.py found in exactly the planted numbers.
Writes bench/results.json and prints the table with PASS/MISS per target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import make_data
import psycopg
from sqlalchemy import make_url

from registry import db, localdb
from registry.services.reference import load_reference
from registry.settings import DatabaseSettings
from schemas.taxonomy import LOGISTICS_KIND

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results.json"
BENCH_DB = "naering_bench"
SCRATCH_TABLE = "bench_scratch"
SITE_TABLES = ("site_history", "submission_issue", "site", "submission")

# Issue 12's targets: ratio ≤ 4 at 100k (aim 2) and at 10k, peak RSS ≤ 1 GB at 100k, a 50-site file ≤ 1.2 s.
RATIO_MAX, RATIO_AIM = 4.0, 2.0
RSS_MAX_MB = 1024.0  # at 100k
SMALL_MAX_S = 1.2  # the 50-site file, end to end


def bench_url() -> str:
    """Create (if needed) the scratch database on the configured server; return its SQLAlchemy URL."""
    settings = DatabaseSettings()
    if settings.database_url:
        url = make_url(settings.database_url)
        with psycopg.connect(**_psycopg_args(url.set(database="postgres")), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,)).fetchone():
                conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
        with psycopg.connect(**_psycopg_args(url.set(database=BENCH_DB)), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        return url.set(database=BENCH_DB).render_as_string(hide_password=False)
    localdb.ensure(port=settings.pg_port, database=settings.pg_database)
    localdb.create_database(port=settings.pg_port, database=BENCH_DB)
    return localdb.url(port=settings.pg_port, database=BENCH_DB)


def pin_statistics(conn: psycopg.Connection) -> None:
    """Keep autovacuum off the site tables of the scratch database, so every run sees the same statistics.

    Without this, autovacuum sometimes ANALYZEs `site` while it is empty between runs. Statistics that
    say `site` is empty turn write_sites' INSERT into a per-row re-scan of `site` (quadratic), and
    timings would depend on when autovacuum ran. TRUNCATE resets the statistics to "unknown"
    (reltuples = -1), the state of a freshly migrated registry.
    """
    for table in SITE_TABLES:
        conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = off)")


def _psycopg_args(url: Any) -> dict[str, Any]:
    args = {
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username,
        "dbname": url.database,
    }
    if url.password:
        args["password"] = url.password
    return args


def _ogr_pg(url: Any) -> str:
    parts = [f"host={url.host or '127.0.0.1'}", f"port={url.port or 5432}", f"dbname={url.database}"]
    if url.username:
        parts.append(f"user={url.username}")
    if url.password:
        parts.append(f"password={url.password}")
    return "PG:" + " ".join(parts)


def reset_sites(conn: psycopg.Connection) -> None:
    """Empty the site tables so every run loads into the same fresh kommune state.

    No ANALYZE afterwards: TRUNCATE leaves the planner statistics "unknown" (as after a fresh migration).
    Statistics saying `site` is empty (reltuples = 0, e.g. after VACUUM ANALYZE of an empty table) make
    write_sites' INSERT re-scan `site` once per staged row: quadratic (see bench/README.md).
    """
    conn.execute(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE")
    conn.execute(f"DROP TABLE IF EXISTS {SCRATCH_TABLE}")
    conn.execute("CHECKPOINT")
    reltuples = conn.execute("SELECT reltuples FROM pg_class WHERE relname = 'site'").fetchone()[0]
    if reltuples >= 0:
        print(f"  note: site statistics say {reltuples:.0f} rows after TRUNCATE (expected unknown, -1)")


def timed(cmd: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run `cmd` under /usr/bin/time -v; return wall seconds, peak RSS (MB), exit code and output tail."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t0 = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-v", "-o", tf.name, *cmd], env=env, capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - t0
        report = Path(tf.name).read_text()
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
    return {
        "wall_s": wall,
        "rss_mb": int(rss.group(1)) / 1024 if rss else float("nan"),
        "exit": proc.returncode,
        "tail": (proc.stdout + proc.stderr)[-1500:],
    }


def verify_submit(conn: psycopg.Connection, n: int, manifest: dict[str, Any]) -> dict[str, Any]:
    """Check in the database that all n rows were loaded and that every check and enrichment ran."""
    sub = conn.execute(
        "SELECT status, rows_read, rows_loaded FROM submission ORDER BY id DESC LIMIT 1"
    ).fetchone()
    sites, enriched = conn.execute(
        "SELECT count(*), count(nearest_substation_id) FROM site WHERE status <> 'archived'"
    ).fetchone()
    logistics = conn.execute("SELECT count(*) FROM site_logistics").fetchone()[0]
    kinds = conn.execute("SELECT count(DISTINCT kind) FROM logistics_node").fetchone()[0]
    history = conn.execute("SELECT count(*) FROM site_history WHERE action = 'insert'").fetchone()[0]
    issues = dict(
        conn.execute(
            "SELECT issue_type, count(*) FROM submission_issue WHERE row_number IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    planted = manifest["planted_issues"]
    problems = []
    if sub is None or sub[0] != "loaded" or sub[1] != n or sub[2] != n:
        problems.append(f"submission {sub}")
    if sites != n:
        problems.append(f"{sites} sites, expected {n}")
    if enriched != n:
        problems.append(f"{enriched} sites with a nearest substation, expected {n}")
    if logistics != n * kinds:
        problems.append(f"{logistics} logistics distances, expected {n * kinds}")
    if history != n:
        problems.append(f"{history} history rows, expected {n}")
    for slug, count in planted.items():
        if issues.get(slug, 0) != count:
            problems.append(f"{issues.get(slug, 0)} {slug} issues, planted {count}")
    unexpected = {k: v for k, v in issues.items() if k not in planted}
    if unexpected:
        problems.append(f"unexpected issues {unexpected}")
    return {"rows_loaded": sites, "issues": issues, "ok": not problems, "problems": problems}


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def bench_size(
    n: int, runs: int, *, url: str, env: dict[str, str], conn: psycopg.Connection
) -> dict[str, Any]:
    paths, manifest = make_data.ensure_files(n, runs)
    pg = _ogr_pg(make_url(url))
    submit_runs, ogr_runs = [], []
    for i, path in enumerate(paths):
        reset_sites(conn)
        ogr = timed(
            [
                "ogr2ogr",
                "--config",
                "PG_USE_COPY",
                "YES",
                "-f",
                "PostgreSQL",
                pg,
                str(path),
                "-nln",
                SCRATCH_TABLE,
                "-overwrite",
            ],
            env,
        )
        ogr["rows"] = conn.execute(f"SELECT count(*) FROM {SCRATCH_TABLE}").fetchone()[0]
        ogr_runs.append(ogr)
        conn.execute(f"DROP TABLE {SCRATCH_TABLE}")
        conn.execute("CHECKPOINT")
        sub = timed(
            [str(BIN / "naering"), "submit", str(path), "--kommune", make_data.KOMMUNE_NR, "--replace"], env
        )
        sub.update(verify_submit(conn, n, manifest))
        submit_runs.append(sub)
        state = (
            "ok" if sub["ok"] and sub["exit"] in (0, 3) else f"FAILED {sub['problems']} exit {sub['exit']}"
        )
        print(
            f"  {n:>7} run {i + 1}: submit {sub['wall_s']:7.2f} s {sub['rss_mb']:7.0f} MB  "
            f"ogr2ogr {ogr['wall_s']:6.2f} s  rows {sub['rows_loaded']}/{ogr['rows']}  {state}",
            flush=True,
        )
        if state != "ok":
            print(sub["tail"], file=sys.stderr)
    submit_s = median([r["wall_s"] for r in submit_runs])
    ogr_s = median([r["wall_s"] for r in ogr_runs])
    return {
        "size": n,
        "runs": runs,
        "submit_median_s": round(submit_s, 3),
        "ogr2ogr_median_s": round(ogr_s, 3),
        "ratio": round(submit_s / ogr_s, 2),
        "submit_peak_rss_mb": round(max(r["rss_mb"] for r in submit_runs), 1),
        "ogr2ogr_peak_rss_mb": round(max(r["rss_mb"] for r in ogr_runs), 1),
        "rows_loaded": min(r["rows_loaded"] for r in submit_runs),
        "ogr2ogr_rows": min(r["rows"] for r in ogr_runs),
        "all_checks_ran": all(r["ok"] and r["exit"] in (0, 3) for r in submit_runs),
        "submit_s": [round(r["wall_s"], 3) for r in submit_runs],
        "ogr2ogr_s": [round(r["wall_s"], 3) for r in ogr_runs],
        "submit_exit": [r["exit"] for r in submit_runs],
        "issues": submit_runs[-1]["issues"],
        "problems": [p for r in submit_runs for p in r["problems"]],
        "data": manifest,
    }


def startup_s(env: dict[str, str], runs: int) -> float:
    """Median wall time of `naering submit --help`: the CLI's start-up cost alone."""
    return median([timed([str(BIN / "naering"), "submit", "--help"], env)["wall_s"] for _ in range(runs)])


def targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_size = {r["size"]: r for r in rows}
    out = []
    big, small = by_size.get(100_000), by_size.get(50)
    if by_size.get(10_000):
        mid = by_size[10_000]
        out.append(
            {
                "target": f"ratio ≤ {RATIO_MAX:g} at 10k",
                "value": mid["ratio"],
                "pass": mid["ratio"] <= RATIO_MAX and mid["all_checks_ran"],
            }
        )
    if big:
        out.append(
            {
                "target": f"ratio ≤ {RATIO_MAX:g} at 100k (aim {RATIO_AIM:g})",
                "value": big["ratio"],
                "pass": big["ratio"] <= RATIO_MAX and big["all_checks_ran"],
            }
        )
        out.append(
            {
                "target": f"peak RSS ≤ {RSS_MAX_MB:.0f} MB at 100k",
                "value": big["submit_peak_rss_mb"],
                "pass": big["submit_peak_rss_mb"] <= RSS_MAX_MB,
            }
        )
    if small:
        out.append(
            {
                "target": f"50-site file ≤ {SMALL_MAX_S:g} s",
                "value": small["submit_median_s"],
                "pass": small["submit_median_s"] <= SMALL_MAX_S and small["all_checks_ran"],
            }
        )
    return out


def machine(url: str) -> dict[str, Any]:
    with psycopg.connect(**_psycopg_args(make_url(url))) as conn:
        pg = conn.execute("SELECT version()").fetchone()[0]
        postgis = conn.execute("SELECT postgis_full_version()").fetchone()[0]
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    mem = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    mem_kb = int(mem.group(1)) if mem else 0
    ogr = subprocess.run(["ogr2ogr", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "mem_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "postgres": pg.split(" on ")[0],
        "postgis": postgis.split('"')[1] if '"' in postgis else postgis[:40],
        "gdal": ogr,
    }


def print_table(rows: list[dict[str, Any]], checks: list[dict[str, Any]], startup: float) -> str:
    lines = [
        "| sites | submit median s | ogr2ogr median s | ratio | submit peak RSS MB | rows loaded "
        "| all checks ran |",
        "|------:|----------------:|-----------------:|------:|-------------------:|------------:"
        "|:--------------:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']:,} | {r['submit_median_s']:.2f} | {r['ogr2ogr_median_s']:.2f} | {r['ratio']:.1f} "
            f"| {r['submit_peak_rss_mb']:.0f} | {r['rows_loaded']:,} / {r['size']:,} "
            f"| {'yes' if r['all_checks_ran'] else 'NO'} |"
        )
    lines.append("")
    lines.append(f"CLI start-up (`naering submit --help`): {startup:.2f} s")
    for c in checks:
        lines.append(f"- {'PASS' if c['pass'] else 'MISS'}: {c['target']} — {c['value']}")
    text = "\n".join(lines)
    print(text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,10000,100000", help="comma-separated site counts")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per size (median reported), ≥ 3")
    parser.add_argument("--skip-reference", action="store_true", help="the bench database is ready already")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the results JSON")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    url = bench_url()
    print(f"bench database: {make_url(url).render_as_string(hide_password=True)}", flush=True)
    if not args.skip_reference:
        db.upgrade(url)
        counts = load_reference(db.get_engine(url))
        print(f"reference data: {counts}", flush=True)
    env = {**os.environ, "NAERING_DATABASE_URL": url}
    kinds = LOGISTICS_KIND.codes
    rows = []
    with psycopg.connect(**_psycopg_args(make_url(url)), autocommit=True) as conn:
        pin_statistics(conn)
        for n in sizes:
            rows.append(bench_size(n, args.runs, url=url, env=env, conn=conn))
        reset_sites(conn)
    startup = startup_s(env, args.runs)
    checks = targets(rows)
    table = print_table(rows, checks, startup)
    results = {
        "machine": machine(url),
        "command": f".venv/bin/python bench/run.py --sizes {args.sizes} --runs {args.runs}",
        "kommune_nr": make_data.KOMMUNE_NR,
        "logistics_kinds": list(kinds),
        "cli_startup_s": round(startup, 3),
        "sizes": rows,
        "targets": checks,
        "table_md": table,
    }
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
