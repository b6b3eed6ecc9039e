"""HTTP load benchmark: our site API against tipg 1.6.1 (OGC API Features) over the same published rows.

    NAERING_PG_PORT=<port> .venv/bin/python bench/api_load.py [--sites 100000] [--duration 30] \
        [--concurrency 16]

Uses its own scratch database `naering_api_bench` on the configured server (NAERING_DATABASE_URL's server,
else the private cluster), migrated, with the reference data. When it does not hold exactly `--sites`
published sites, bench/make_data.py's file of that size is loaded through the project's own intake
(`run_submission`, as `naering submit` does; published), then VACUUM ANALYZE. Later runs reuse it.

tipg reads the schema `ogc_bench`: one view `sites` of the published rows with the columns the API shows at
list level (plus `maturity_rank`, 0–5, so CQL2 can say "M3 or better"). tipg runs from its own virtualenv
(bench/.tipg-venv, `pip install tipg==1.6.1 uvicorn`); ours runs as `naering serve`. Both are one uvicorn
worker on this machine, started and stopped by this script. Then `wrk` (scripts/system-deps.sh wrk) at the
given concurrency, for `--duration` seconds each after a short warm-up, against three workloads:

  a. a small box holding ~500 sites of maturity M3 or better, a page of 100 (the box is chosen by querying
     the database);
  b. a box around the whole kommune (every site matches), a page of 100;
  c. one site by id.

Each pair is checked first: both 200, the same number matched and the same first page (ids, in order).
Prints the table (req/s, p50, p99, errors, ratio ours/tipg) and writes bench/out/api_load.json.
`--profile` instead times our workloads in-process (cProfile and the SQL statements' time) to show what
dominates a request.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import make_data
from sqlalchemy import Engine, event, make_url, text

from registry import db, localdb
from registry.services.reference import load_reference
from registry.services.submissions import SubmitOptions, run_submission
from registry.settings import DatabaseSettings

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
TIPG_VENV = ROOT / "bench" / ".tipg-venv"
TIPG_VERSION = "1.6.1"
BENCH_DB = "naering_api_bench"
SITE_TABLES = ("site_history", "submission_issue", "site", "submission")
SCHEMA = "ogc_bench"
COLLECTION = f"{SCHEMA}.sites"
TARGET_MATCHES = 500  # workload (a): sites in the small box that are M3 or better
MATURITY_MIN = "M3"
PAGE = 100
BBOX_STEP_DEG = 0.01  # our API densifies the box's edges at this step; the CQL2 polygon for tipg does too
SORT = "kommune_nr,name,id"  # our API's order; tipg is asked for the same so both return the same page

VIEW_SQL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
DROP VIEW IF EXISTS {SCHEMA}.sites;
CREATE VIEW {SCHEMA}.sites AS
SELECT s.id, s.name, s.kommune_nr, s.area_m2, s.maturity,
       substr(s.maturity, 2)::int AS maturity_rank,
       s.power_status, s.availability, s.is_demo, s.updated_at,
       s.geom_25833 AS geom
FROM public.site s
WHERE s.status = 'published';
"""


# ---------------------------------------------------------------------------------------------- database


def bench_url(database: str = BENCH_DB) -> str:
    """Create (if needed) the scratch database on the configured server; return its SQLAlchemy URL."""
    settings = DatabaseSettings()
    if settings.database_url:
        server = make_url(settings.database_url)
        admin = db.get_engine(server.set(database="postgres").render_as_string(hide_password=False))
        with admin.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            if not conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}
            ).first():
                conn.execute(text(f'CREATE DATABASE "{database}"'))
        url = server.set(database=database).render_as_string(hide_password=False)
        with db.get_engine(url).begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        return url
    localdb.ensure(port=settings.pg_port, database=settings.pg_database)
    localdb.create_database(port=settings.pg_port, database=database)
    return localdb.url(port=settings.pg_port, database=database)


def ensure_sites(url: str, n: int) -> float | None:
    """Load n generated sites unless the database holds exactly n published ones; the load's seconds."""
    engine = db.get_engine(url)
    db.upgrade(url)
    with engine.connect() as conn:
        kommuner = conn.execute(text("SELECT count(*) FROM kommune")).scalar_one()
        published = conn.execute(text("SELECT count(*) FROM site WHERE status = 'published'")).scalar_one()
    if not kommuner:
        print(f"reference data: {load_reference(engine)}", flush=True)
    if published == n:
        print(f"reusing {n} published sites in {make_url(url).database}", flush=True)
        return None
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))
    (path,), _manifest = make_data.ensure_files(n, 1)
    t0 = time.perf_counter()
    result = run_submission(engine, path, SubmitOptions(kommune_nr=make_data.KOMMUNE_NR, replace=True))
    load_s = time.perf_counter() - t0
    print(f"loaded {result.rows_loaded} sites in {load_s:.1f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return load_s


def create_views(engine: Engine) -> None:
    with engine.begin() as conn:
        for statement in VIEW_SQL.split(";"):
            if statement.strip():
                conn.execute(text(statement))


# ------------------------------------------------------------------------------------------- workloads


@dataclass(frozen=True)
class Workload:
    key: str
    label: str
    ours: str  # path and query
    tipg: str
    expect_matched: int | None  # None for the one-site workload


def _box_params(box: tuple[float, float, float, float]) -> dict[str, float]:
    return {"x0": box[0], "y0": box[1], "x1": box[2], "y1": box[3], "step": BBOX_STEP_DEG}


# The same test our API makes (sites intersecting the lon/lat box, its edges densified, in EPSG:25833).
_COUNT_IN_BOX = """
SELECT count(*) FROM ogc_bench.sites
WHERE ST_Intersects(
        geom, ST_Transform(ST_Segmentize(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326), :step), 25833))
  AND maturity_rank >= :rank
"""


# The middle published site by id (a place inside the data, wherever the kommune's outline goes).
_MIDDLE = "ORDER BY id OFFSET (SELECT count(*) / 2 FROM ogc_bench.sites) LIMIT 1"


def small_box(engine: Engine, target: int) -> tuple[tuple[float, float, float, float], int]:
    """A lon/lat box around the middle site (by id) holding about `target` sites of MATURITY_MIN or better."""
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326) AS c"
                f" FROM ogc_bench.sites {_MIDDLE}) m"
            )
        ).one()
        rank = int(MATURITY_MIN[1:])

        def box(half_lat: float) -> tuple[float, float, float, float]:
            half_lon = half_lat / 0.5  # a degree of longitude is about half a degree of latitude at 60°N
            return (
                round(lon - half_lon, 5),
                round(lat - half_lat, 5),
                round(lon + half_lon, 5),
                round(lat + half_lat, 5),
            )

        def count(half_lat: float) -> int:
            return int(
                conn.execute(text(_COUNT_IN_BOX), {**_box_params(box(half_lat)), "rank": rank}).scalar_one()
            )

        lo, hi = 0.001, 2.0
        for _ in range(30):
            mid = (lo + hi) / 2
            found = count(mid)
            if abs(found - target) <= target * 0.02:
                break
            lo, hi = (mid, hi) if found < target else (lo, mid)
        return box(mid), found


def kommune_box(engine: Engine) -> tuple[float, float, float, float]:
    """A lon/lat box holding every site (their extent, widened by about a kilometre)."""
    with engine.connect() as conn:
        x0, y0, x1, y1 = conn.execute(
            text(
                "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT ST_Transform("
                "ST_SetSRID(ST_Extent(geom)::geometry, 25833), 4326) AS b FROM ogc_bench.sites) e"
            )
        ).one()
    return (round(x0 - 0.02, 4), round(y0 - 0.01, 4), round(x1 + 0.02, 4), round(y1 + 0.01, 4))


def _densified_ring(box: tuple[float, float, float, float]) -> list[tuple[float, float]]:
    """The box's boundary with a vertex every BBOX_STEP_DEG, as our API builds it (in lon/lat)."""
    x0, y0, x1, y1 = box

    def edge(ax: float, ay: float, bx: float, by: float) -> list[tuple[float, float]]:
        steps = max(1, int(max(abs(bx - ax), abs(by - ay)) / BBOX_STEP_DEG) + 1)
        return [(ax + (bx - ax) * i / steps, ay + (by - ay) * i / steps) for i in range(steps)]

    ring = edge(x0, y0, x1, y0) + edge(x1, y0, x1, y1) + edge(x1, y1, x0, y1) + edge(x0, y1, x0, y0)
    return [*ring, ring[0]]


def workloads(engine: Engine, n: int) -> tuple[list[Workload], dict[str, Any]]:
    box, in_box = small_box(engine, TARGET_MATCHES)
    whole = kommune_box(engine)
    with engine.connect() as conn:
        site_id = conn.execute(text(f"SELECT id FROM ogc_bench.sites {_MIDDLE}")).scalar_one()
    bbox = ",".join(f"{v:g}" for v in box)
    wkt = ", ".join(f"{x:.6f} {y:.6f}" for x, y in _densified_ring(box))
    cql = f"S_INTERSECTS(geom, POLYGON(({wkt}))) AND maturity_rank >= {int(MATURITY_MIN[1:])}"
    whole_bbox = ",".join(f"{v:g}" for v in whole)
    q = urllib.parse.urlencode
    items = f"/collections/{COLLECTION}/items"
    chosen = [
        Workload(
            "a",
            f"small box, ≥{MATURITY_MIN} (~{TARGET_MATCHES} match), limit {PAGE}",
            f"/api/v1/sites?{q({'bbox': bbox, 'maturity_min': MATURITY_MIN, 'limit': PAGE})}",
            f"{items}?{q({'filter': cql, 'filter-lang': 'cql2-text', 'sortby': SORT, 'limit': PAGE})}",
            in_box,
        ),
        Workload(
            "b",
            f"whole-kommune box (all match), limit {PAGE}",
            f"/api/v1/sites?{q({'bbox': whole_bbox, 'limit': PAGE})}",
            f"{items}?{q({'bbox': whole_bbox, 'sortby': SORT, 'limit': PAGE})}",
            n,
        ),
        Workload("c", "one site by id", f"/api/v1/sites/{site_id}", f"{items}/{site_id}", None),
    ]
    return chosen, {
        "small_bbox": box,
        "small_bbox_matches_db": in_box,
        "kommune_bbox": whole,
        "site_id": site_id,
    }


# --------------------------------------------------------------------------------------------- servers


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(name: str, cmd: list[str], env: dict[str, str], port: int, probe: str) -> Iterator[str]:
    """Start a server process (own process group), wait until `probe` answers 200, stop it afterwards."""
    OUT.mkdir(parents=True, exist_ok=True)
    log = (OUT / f"api_load_{name}.log").open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}; see {log.name}")
            with contextlib.suppress(OSError), urllib.request.urlopen(base + probe, timeout=5) as r:
                if r.status == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer on {base}{probe}; see {log.name}")
            time.sleep(0.3)
        print(f"{name} up on {base} (pid {proc.pid})", flush=True)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def ensure_tipg() -> Path:
    uvicorn = TIPG_VENV / "bin" / "uvicorn"
    if not uvicorn.exists():
        print(f"creating {TIPG_VENV} (tipg=={TIPG_VERSION})", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(TIPG_VENV)], check=True)
        subprocess.run(
            [str(TIPG_VENV / "bin" / "pip"), "install", "-q", f"tipg=={TIPG_VERSION}", "uvicorn"], check=True
        )
    return uvicorn


def tipg_env(url: str) -> dict[str, str]:
    u = make_url(url)
    dsn = u.set(drivername="postgresql").render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIPG_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=dsn,
        TIPG_NAME="Naeringsarealregisteret bench (tipg)",
        TIPG_DB_SCHEMAS=json.dumps([SCHEMA]),
        TIPG_DB_TABLES=json.dumps([COLLECTION]),
        TIPG_DB_FUNCTIONS="[]",  # no function collections: only the view
        TIPG_DB_SPATIAL_EXTENT="true",
        TIPG_DB_DATETIME_EXTENT="false",
    )
    return env


# ------------------------------------------------------------------------------------------- HTTP + wrk


def get_json(url: str) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(url, headers={"Accept": "application/geo+json, application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {"error": exc.read()[:500].decode(errors="replace")}


def verify(w: Workload, ours: str, tipg: str) -> dict[str, Any]:
    """Both answer 200 with the same number matched and the same page of ids."""
    s_o, b_o = get_json(ours + w.ours)
    s_t, b_t = get_json(tipg + w.tipg)
    if w.expect_matched is None:
        got = {"ours_status": s_o, "tipg_status": s_t, "ours_id": b_o.get("id"), "tipg_id": b_t.get("id")}
        got["ok"] = s_o == s_t == 200 and str(b_o.get("id")) == str(b_t.get("id"))
        got["ours_properties"] = len(b_o.get("properties", {}))
        got["tipg_properties"] = len(b_t.get("properties", {}))
    else:
        ids_o = [f.get("id") for f in b_o.get("features", [])]
        ids_t = [f.get("id") for f in b_t.get("features", [])]
        got = {
            "ours_status": s_o,
            "tipg_status": s_t,
            "ours_total": b_o.get("total"),
            "tipg_numberMatched": b_t.get("numberMatched"),
            "ours_returned": len(ids_o),
            "tipg_numberReturned": b_t.get("numberReturned"),
            "same_page": [str(i) for i in ids_o] == [str(i) for i in ids_t],
        }
        got["ok"] = (
            s_o == s_t == 200
            and got["ours_total"] == got["tipg_numberMatched"]
            and got["same_page"]
            and len(ids_o) == min(PAGE, w.expect_matched)
        )
    got["ours_bytes"] = len(json.dumps(b_o))
    got["tipg_bytes"] = len(json.dumps(b_t))
    if not got["ok"]:
        got["ours_error"] = b_o.get("error") or b_o.get("detail")
        got["tipg_error"] = b_t.get("error") or b_t.get("detail") or b_t.get("description")
    return got


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not m:
        raise ValueError(f"unexpected wrk duration {value!r}")
    return float(m.group(1)) * _UNIT_MS[m.group(2)]


def parse_wrk(out: str) -> dict[str, Any]:
    """req/s, p50/p99 (from --latency), requests, non-2xx/3xx and socket errors from wrk's report."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = {"non_2xx": int(non2xx.group(1)) if non2xx else 0}
    if sock:
        errors.update(zip(("connect", "read", "write", "timeout"), map(int, sock.groups()), strict=True))
    return {
        "req_s": float(rps.group(1)) if rps else 0.0,
        "requests": int(total.group(1)) if total else 0,
        "p50_ms": _ms(lat["50"]) if "50" in lat else None,
        "p90_ms": _ms(lat["90"]) if "90" in lat else None,
        "p99_ms": _ms(lat["99"]) if "99" in lat else None,
        "errors": errors,
        "error_count": sum(errors.values()),
    }


def run_wrk(url: str, *, duration_s: int, connections: int, threads: int) -> dict[str, Any]:
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration_s}s",
        "--timeout",
        "30s",
        "--latency",
        "-H",
        "Accept: application/geo+json, application/json",
        url,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return {**parse_wrk(proc.stdout), "raw": proc.stdout}


def wait_idle(engine: Engine, timeout_s: float = 300.0) -> float:
    """Wait until no query runs on the bench database: wrk stops its clients, but the queries of the
    requests in flight go on and would load the next run. Returns the seconds waited."""
    t0 = time.monotonic()
    with engine.connect() as conn:
        while time.monotonic() - t0 < timeout_s:
            busy = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND state = 'active' AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
            conn.rollback()
            if not busy:
                break
            time.sleep(0.5)
    return time.monotonic() - t0


def alone_ms(url: str, times: int = 3) -> float:
    """Median latency of `times` requests one after another (an idle server)."""
    ms = []
    for _ in range(times):
        t0 = time.perf_counter()
        status, _body = get_json(url)
        ms.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            raise RuntimeError(f"{url}: {status}")
    return sorted(ms)[len(ms) // 2]


# ----------------------------------------------------------------------------------------------- report


def machine_facts(engine: Engine) -> dict[str, Any]:
    """The machine and the database's versions, for every benchmark's report."""
    with engine.connect() as conn:
        pg = conn.execute(text("SELECT version()")).scalar_one()
        postgis = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "postgres": pg.split(" on ")[0],
        "postgis": postgis,
    }


def machine(engine: Engine) -> dict[str, Any]:
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return {
        **machine_facts(engine),
        "load_avg_before": os.getloadavg(),
        "wrk": (wrk.stdout + wrk.stderr).splitlines()[0] if (wrk.stdout + wrk.stderr) else "?",
        "tipg": TIPG_VERSION,
    }


def table(rows: list[dict[str, Any]]) -> str:
    def f(v: float | None, digits: int = 1) -> str:
        return "–" if v is None else f"{v:,.{digits}f}"

    lines = [
        "| workload | ours req/s | p50 ms | p99 ms | tipg req/s | p50 ms | p99 ms | ratio ours/tipg "
        "| errors o/t | alone ms o/t |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        o, t = r["ours"], r["tipg"]
        ratio = o["req_s"] / t["req_s"] if t["req_s"] else float("nan")
        lines.append(
            f"| ({r['key']}) {r['label']} | {f(o['req_s'])} | {f(o['p50_ms'])} | {f(o['p99_ms'])} "
            f"| {f(t['req_s'])} | {f(t['p50_ms'])} | {f(t['p99_ms'])} | {ratio:.2f} "
            f"| {o['error_count']} / {t['error_count']} | {f(o.get('alone_ms'))} / {f(t.get('alone_ms'))} |"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- profile


def explain(engine: Engine, statements: dict[str, tuple[str, Any]]) -> dict[str, list[str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement of each kind, with the parameters it ran with."""
    plans = {}
    with engine.connect() as conn:
        for kind, (statement, params) in statements.items():
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params).scalars()
            plans[kind] = list(rows)
    return plans


def profile_server_threads(app: Any, path: str, requests: int) -> pstats.Stats:
    """cProfile of the threads that serve `requests` GETs of `path` (TestClient runs the app off the
    main thread; a profiler is started in each thread it creates)."""
    import threading

    from fastapi.testclient import TestClient

    profilers: list[cProfile.Profile] = []

    def start(frame: Any, event: str, arg: Any) -> None:
        prof = cProfile.Profile()
        profilers.append(prof)
        prof.enable()  # replaces this hook in the new thread

    threading.setprofile(start)  # type: ignore[arg-type]
    try:
        with TestClient(app) as client:
            for _ in range(requests):
                client.get(path)
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
    for prof in profilers:
        prof.disable()  # no-op outside its thread; the threads have ended
    return pstats.Stats(*profilers)


def profile(url: str, chosen: list[Workload], requests: int) -> dict[str, Any]:
    """Our workloads in-process (FastAPI TestClient): time split between SQL statements and the rest."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    app = create_app(database_url=url)
    engine: Engine = app.state.engine
    sql_s: dict[str, float] = {}
    started: dict[int, float] = {}
    statements: dict[str, tuple[str, Any]] = {}

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, params, context, many):  # type: ignore[no-untyped-def]
        started[id(cursor)] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, params, context, many):  # type: ignore[no-untyped-def]
        s = " ".join(statement.split())
        kind = (
            "count(*)"
            if s.startswith("SELECT count(*) FROM site s")
            else "page / site row"
            if s.startswith("SELECT s.*")
            else s[:60]
        )
        sql_s[kind] = sql_s.get(kind, 0.0) + time.perf_counter() - started.pop(id(cursor))
        if s.startswith("SELECT"):
            statements.setdefault(kind, (statement, params))

    report: dict[str, Any] = {}
    for w in chosen:
        with TestClient(app) as client:
            for _ in range(5):
                assert client.get(w.ours).status_code == 200
            sql_s.clear()
            t0 = time.perf_counter()
            for _ in range(requests):
                client.get(w.ours)
            wall = (time.perf_counter() - t0) / requests * 1000
        per_req = {k: round(v / requests * 1000, 2) for k, v in sorted(sql_s.items(), key=lambda kv: -kv[1])}
        sql_ms = sum(per_req.values())
        print(
            f"\n({w.key}) {w.label}: {wall:.1f} ms/request in-process (one at a time), "
            f"of which SQL {sql_ms:.1f} ms:"
        )
        for k, v in per_req.items():
            print(f"    {v:8.2f}  {k}")
        stats = profile_server_threads(app, w.ours, requests)
        buf = io.StringIO()
        stats.stream = buf  # type: ignore[attr-defined]
        stats.sort_stats("tottime").print_stats(15)
        print("cProfile of the server threads, by own time:")
        print("\n".join(buf.getvalue().splitlines()[4:28]))
        report[w.key] = {
            "wall_ms_per_request": round(wall, 2),
            "sql_ms_per_request": per_req,
            "profile_tottime": buf.getvalue(),
            "plans": explain(engine, statements),
        }
        statements.clear()
        for kind, plan in report[w.key]["plans"].items():
            print(f"EXPLAIN (ANALYZE, BUFFERS) of the {kind} statement:")
            print("\n".join("    " + line for line in plan))
    return report


# ------------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=100_000, help="published sites in the bench database")
    parser.add_argument("--duration", type=int, default=30, help="seconds of wrk per server and workload")
    parser.add_argument("--concurrency", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of untimed wrk before each run")
    parser.add_argument("--only", default="abc", help="workloads to time, e.g. 'ac'")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile N in-process requests")
    args = parser.parse_args()
    if not shutil.which("wrk") and not args.profile:
        sys.exit("wrk is missing: run scripts/system-deps.sh wrk")

    url = bench_url()
    engine = db.get_engine(url)
    load_s = ensure_sites(url, args.sites)
    create_views(engine)
    chosen, chosen_info = workloads(engine, args.sites)
    print(f"workloads: {json.dumps(chosen_info)}", flush=True)
    if args.profile:
        report = profile(url, [w for w in chosen if w.key in args.only], args.profile)
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "api_load_profile.json").write_text(json.dumps(report, indent=2) + "\n")
        return

    info = machine(engine)
    uvicorn = ensure_tipg()
    ours_port, tipg_port = free_port(), free_port()
    ours_env = {**os.environ, "NAERING_DATABASE_URL": url, "NAERING_PORT": str(ours_port)}
    ours_cmd = [str(Path(sys.executable).parent / "naering"), "serve", "--port", str(ours_port)]
    tipg_cmd = [
        str(uvicorn),
        "tipg.main:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(tipg_port),
        "--workers",
        "1",
    ]
    rows: list[dict[str, Any]] = []
    with (
        server("ours", ours_cmd, ours_env, ours_port, "/api/v1/sites?limit=1") as ours,
        server("tipg", tipg_cmd, tipg_env(url), tipg_port, f"/collections/{COLLECTION}") as tipg,
    ):
        checks = {}
        for w in chosen:
            checks[w.key] = verify(w, ours, tipg)
            c = checks[w.key]
            shown = {k: v for k, v in c.items() if not k.endswith("_error")}
            print(f"check ({w.key}) {w.label}: {json.dumps(shown)}", flush=True)
            if not c["ok"]:
                print(f"  ours: {c.get('ours_error')}\n  tipg: {c.get('tipg_error')}", file=sys.stderr)
                sys.exit(f"workload ({w.key}): the two servers do not give the same answer")
        for w in chosen:
            if w.key not in args.only:
                continue
            row: dict[str, Any] = {"key": w.key, "label": w.label, "ours_url": w.ours, "tipg_url": w.tipg}
            for name, base, path in (("ours", ours, w.ours), ("tipg", tipg, w.tipg)):
                wait_idle(engine)
                single = alone_ms(base + path)
                if args.warmup:
                    run_wrk(
                        base + path,
                        duration_s=args.warmup,
                        connections=args.concurrency,
                        threads=args.threads,
                    )
                    wait_idle(engine)
                result = run_wrk(
                    base + path, duration_s=args.duration, connections=args.concurrency, threads=args.threads
                )
                result["alone_ms"] = round(single, 1)
                result["drain_s"] = round(wait_idle(engine), 1)
                row[name] = result
                print(
                    f"  ({w.key}) {name:4}: {result['req_s']:9.1f} req/s  p50 {result['p50_ms']:8.2f} ms  "
                    f"p99 {result['p99_ms']:8.2f} ms  errors {result['errors']}  "
                    f"alone {single:.1f} ms  drain {result['drain_s']} s  (load {os.getloadavg()[0]:.1f})",
                    flush=True,
                )
            row["ratio_req_s"] = (
                round(row["ours"]["req_s"] / row["tipg"]["req_s"], 3) if row["tipg"]["req_s"] else None
            )
            rows.append(row)
    md = table(rows)
    print()
    print(md)
    command = (
        f"NAERING_PG_PORT=<port> .venv/bin/python bench/api_load.py --sites {args.sites} "
        f"--duration {args.duration} --concurrency {args.concurrency}"
    )
    report = {
        "machine": info,
        "command": command,
        "sites": args.sites,
        "load_s": load_s,
        "wrk": {"threads": args.threads, "connections": args.concurrency, "duration_s": args.duration},
        "workloads": chosen_info,
        "checks": checks,
        "results": rows,
        "table_md": md,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / "api_load.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
