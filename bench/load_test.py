"""Load test (issue 13, §4): a mixed workload at concurrency 64 against `naering serve` over 100k sites (not a
timed test: no target is asserted; the run fails on errors and on half-done writes only).

    NAERING_PG_PORT=<port> .venv/bin/python bench/load_test.py [--duration 300] [--concurrency 64]
    NAERING_PG_PORT=<port> .venv/bin/python bench/load_test.py --kill    # kill -9 and restart mid-run

The database is its own scratch database `naering_load_bench` (on NAERING_DATABASE_URL's server, else the
private cluster): bench/api_load.py's `bench_url` and `ensure_sites` create it, migrate it, load the
reference data and bench/make_data.py's 100 000 sites (kommune 3338) through the project's own intake, once.
Its own database because the load test writes: the other benchmarks' `naering_api_bench` must keep exactly
100 000 published sites. On top of them, every run: the demo (`registry.services.demo`: profiles and the
57 demo sites, a no-op when loaded; the demo editor of 3201 and 3205) and a fresh API token for that editor.

The server is the product as deployed: `naering serve` (one uvicorn process) as a subprocess on
127.0.0.1:`--port`, NAERING_DATABASE_URL pointing at the scratch database, with
NAERING_ENABLE_HTTP_SUBMISSIONS=true (its default, set explicitly). Its log: bench/out/load_test_server*.log.

The client: asyncio and one httpx.AsyncClient, `--concurrency` workers, each picking its next request by
fixed weights (seeded): the search API (small and large boxes, filters, full text, near/within), the search
page, a site page and a site's JSON by random published id, vector tiles at random zoom 6–14 over the
sites, kommune pages; rarely an upload of a small GeoJSON (3 new sites in 3201 or 3205, as the demo editor
with an API token) and a profile edit of 3205 (GET for the ETag, PUT with If-Match; a 412 from a concurrent
edit is retried with a fresh ETag and counted apart, not as an error). Per route: requests, errors (an
unexpected status or a transport error), p50/p95/p99/max ms; overall req/s. The server's VmRSS and CPU are
sampled every `--sample-s` seconds; the client's own CPU and the load average are reported.

`--kill-at S` (`--kill`: half of `--duration`): from S seconds on, as soon as an upload's transaction has
written rows and not committed (pg_stat_activity, polled every 20 ms, for up to 30 s), the server gets
SIGKILL and a new `naering serve` is started at once. Reported: the write transactions open at the kill,
seconds from the kill to the first 200 from /readyz, and the requests that failed while it was down (they
must be transport errors, never a 5xx; a worker whose request found no server waits 0.5 s).

After every run the database is checked for half-done writes: each acknowledged upload is there whole (a
`loaded` submission row, its sites as many as the response said, each with its `insert` history row), each
upload whose answer was lost (in flight at the kill) is there whole or not at all, every site in the
database has its insert history row, and the profile edits of the run form one unbroken chain in the audit
log (each edit's `before` is the previous one's `after`), holding every acknowledged edit, no refused one,
and ending in the profile as it is.

Prints a table and writes bench/out/load_test.json (one entry per mode, `steady` and `kill`). Exits 1 when
any request failed outside the outage, a 5xx came at any time, or a consistency check failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import resource
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import api_load
import httpx
import make_data
import tiles_bench
from sqlalchemy import Engine, text

from registry import db
from registry.clock import SystemClock
from registry.services import accounts, demo, profiles
from registry.services.access import CLI
from registry.services.kommuner import list_kommuner
from registry.settings import PROJECT_ROOT, AuthSettings

OUT = PROJECT_ROOT / "bench" / "out"
BENCH_DB = "naering_load_bench"
SITES = 100_000
EDITOR = demo.DEMO_EDITOR
UPLOAD_KOMMUNER = demo.DEMO_EDITOR_KOMMUNER  # 3205, 3201: the demo editor's grants
PROFILE_KOMMUNE = "3205"  # every edit on one profile, so that concurrent edits meet (412)
SITES_PER_UPLOAD = 3
SQUARE_HALF_M = 30.0  # the uploaded sites are 60 m squares …
SQUARE_GAP_M = 300.0  # … at least this far from any other site
TOKEN_LABEL = "load-test"

# (key, label (the route template), weight). Writes are rare, as in life.
ROUTES: tuple[tuple[str, str, float], ...] = (
    ("search_api", "GET /api/v1/sites (search)", 26.0),
    ("search_page", "GET /sites (search page)", 10.0),
    ("site_page", "GET /sites/{id}", 18.0),
    ("site_api", "GET /api/v1/sites/{id}", 8.0),
    ("tile", "GET /tiles/sites/{z}/{x}/{y}.pbf", 26.0),
    ("kommune_page", "GET /kommuner/{nr}", 7.0),
    ("upload", "POST /api/v1/submissions", 0.5),
    ("profile_edit", "GET /api/v1/kommuner/{nr} + PUT …/profile", 1.0),
)
LABELS = {
    **{key: label for key, label, _w in ROUTES if key != "profile_edit"},
    "profile_get": "GET /api/v1/kommuner/{nr} (ETag)",
    "profile_put": "PUT /api/v1/kommuner/{nr}/profile",
}
TRANSPORT_BACKOFF_S = 0.5  # a worker whose request found no server waits this long before the next


# ---------------------------------------------------------------------------------------------- database


def prepare(url: str, n: int) -> Engine:
    """The 100k sites (loaded once), the demo, and nothing else changed."""
    engine = db.get_engine(url)
    db.upgrade(url)
    with engine.connect() as conn:
        in_kommune = conn.execute(
            text("SELECT count(*) FROM site WHERE status = 'published' AND kommune_nr = :k"),
            {"k": make_data.KOMMUNE_NR},
        ).scalar_one()
    if in_kommune != n:
        api_load.ensure_sites(url, n)  # truncates the site tables and loads the generated file
    with engine.connect() as conn:
        demo_sites = conn.execute(text("SELECT count(*) FROM site WHERE is_demo")).scalar_one()
    if not demo_sites:  # once: loading again would reset the demo profiles and archive earlier runs' uploads
        results = demo.load_demo(engine)
        print(
            f"demo: {sum(r.rows_loaded for r in results)} sites loaded from {len(results)} files", flush=True
        )
    return engine


def editor_token(engine: Engine) -> str:
    """The demo editor (ensured) and a new API token for it."""
    demo.ensure_demo_accounts(engine, clock=SystemClock())
    return accounts.issue_token(
        engine, CLI, EDITOR, settings=AuthSettings(), clock=SystemClock(), label=TOKEN_LABEL
    )


def published_ids(engine: Engine, n: int, seed: int) -> list[int]:
    with engine.connect() as conn:
        conn.execute(text("SELECT setseed(:s)"), {"s": (seed % 1000) / 1000.0})
        return list(
            conn.execute(
                text("SELECT id FROM site WHERE status = 'published' ORDER BY random() LIMIT :n"), {"n": n}
            ).scalars()
        )


def lonlat_points(engine: Engine, n: int, seed: int) -> list[tuple[float, float]]:
    """Points on published sites, in longitude/latitude (the centres of the search boxes)."""
    with engine.connect() as conn:
        conn.execute(text("SELECT setseed(:s)"), {"s": (seed % 1000) / 1000.0})
        rows = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(point_3857, 4326) AS p FROM site "
                "WHERE status = 'published' ORDER BY random() LIMIT :n) s"
            ),
            {"n": n},
        ).all()
    return [(round(float(x), 5), round(float(y), 5)) for x, y in rows]


_FREE_SQUARES = """
WITH k AS (SELECT ST_Buffer(geom_25833, -500) AS g FROM kommune WHERE nr = :k),
     pts AS (SELECT (ST_Dump(ST_GeneratePoints(k.g, :n, :seed))).geom AS p FROM k)
SELECT ST_X(p), ST_Y(p), ST_AsGeoJSON(ST_Transform(ST_Expand(p, :half), 4326), 7)
FROM pts
WHERE NOT EXISTS (
    SELECT 1 FROM site s
    WHERE s.kommune_nr = :k AND s.status <> 'archived' AND ST_DWithin(s.geom_25833, pts.p, :gap)
)
"""


def free_squares(engine: Engine, kommune_nr: str, n: int, seed: int) -> list[dict[str, Any]]:
    """Up to n 60 m squares inside the kommune, each SQUARE_GAP_M from any site and from each other."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(_FREE_SQUARES),
            {"k": kommune_nr, "n": n * 3, "seed": seed, "half": SQUARE_HALF_M, "gap": SQUARE_GAP_M},
        ).all()
    kept: list[tuple[float, float, dict[str, Any]]] = []
    for x, y, geojson in rows:
        if all((x - a) ** 2 + (y - b) ** 2 >= SQUARE_GAP_M**2 for a, b, _g in kept):
            kept.append((x, y, json.loads(geojson)))
        if len(kept) == n:
            break
    return [g for _x, _y, g in kept]


def kommune_numbers(engine: Engine) -> list[str]:
    """The Osloregionen members' pages and the generated kommune's (100k sites)."""
    with db.session_factory(engine)() as session:
        members = [k["nr"] for k in list_kommuner(session, members_only=True)]
    return sorted({*members, make_data.KOMMUNE_NR})


def demo_properties(kommune_nr: str) -> dict[str, Any]:
    """A demo site's properties (data/demo): every field filled as a kommune would."""
    doc = json.loads((demo.DEMO_DIR / f"sites_{kommune_nr}.geojson").read_text(encoding="utf-8"))
    props: dict[str, Any] = doc["features"][0]["properties"]
    return {**props, "area_m2": None}


# ------------------------------------------------------------------------------------------------ server


class Server:
    """`naering serve` as a subprocess; `kill9` and `start` again for the restart phase."""

    def __init__(self, url: str, port: int) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.env = {
            **os.environ,
            "NAERING_DATABASE_URL": url,
            "NAERING_PORT": str(port),
            "NAERING_ENABLE_HTTP_SUBMISSIONS": "true",
        }
        self.cmd = [str(Path(sys.executable).parent / "naering"), "serve", "--port", str(port)]
        self.proc: subprocess.Popen[bytes] | None = None
        self.logs: list[Path] = []
        self.pids: list[int] = []

    def start(self) -> int:
        OUT.mkdir(parents=True, exist_ok=True)
        log = OUT / f"load_test_server{'' if not self.logs else f'_{len(self.logs) + 1}'}.log"
        self.logs.append(log)
        with log.open("wb") as fh:
            self.proc = subprocess.Popen(
                self.cmd, env=self.env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.pids.append(self.proc.pid)
        return self.proc.pid

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    async def wait_ready(self, timeout_s: float = 90.0, every_s: float = 0.05) -> float:
        """Poll /readyz until it answers 200; the monotonic time it did."""
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(base_url=self.base, timeout=5.0) as client:
            while time.monotonic() < deadline:
                assert self.proc is not None
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the server exited with {self.proc.returncode}; see {self.logs[-1]}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/readyz")).status_code == 200:
                        return time.monotonic()
                await asyncio.sleep(every_s)
        raise RuntimeError(f"the server did not get ready in {timeout_s} s; see {self.logs[-1]}")


def proc_status_kb(pid: int, key: str) -> int | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def proc_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process so far."""
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return None


# ---------------------------------------------------------------------------------------------- workload


@dataclass
class Record:
    key: str
    t0: float  # monotonic
    t1: float
    status: int | None  # None: a transport error
    error: str | None = None  # what went wrong, when it did


@dataclass
class Write:
    """One write request and what the client learnt of it."""

    kind: str  # upload | profile
    marker: str  # the file name of an upload, the marker text of a profile edit
    t0: float
    t1: float = 0.0
    outcome: str = "in-flight"  # acked | refused | lost (no answer: a transport error)
    status: int | None = None
    body: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Shared:
    """What the workers draw from and write to."""

    token: str
    site_ids: list[int]
    points: list[tuple[float, float]]  # lon/lat on sites
    tile_points: list[tuple[float, float]]  # web-mercator metres on sites
    kommuner: list[str]
    squares: dict[str, list[dict[str, Any]]]  # kommune -> free squares for uploads
    properties: dict[str, dict[str, Any]]  # kommune -> a demo site's properties
    run_id: str
    records: list[Record] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    uploads_sent: int = 0
    edits_sent: int = 0
    recording: bool = True

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


EXPECTED: dict[str, frozenset[int]] = {
    "search_api": frozenset({200}),
    "search_page": frozenset({200}),
    "site_page": frozenset({200}),
    "site_api": frozenset({200}),
    "tile": frozenset({200, 204}),  # 204: a tile with no site
    "kommune_page": frozenset({200}),
    "upload": frozenset({201}),
    "profile_get": frozenset({200}),
    "profile_put": frozenset({200, 412}),  # 412: another edit came first (retried)
}

Q_WORDS = (
    *make_data.PLACES,
    *make_data.SUFFIXES,
    "næringsareal",
    "industri",
    "lager",
    "Fornebu",
    "logistikk",
)


def search_params(sh: Shared, rng: random.Random, *, page: bool) -> dict[str, Any]:
    """A varied search: a box around a site (small to the whole region), filters, words, near/within."""
    lon, lat = rng.choice(sh.points)
    kind = rng.random()
    params: dict[str, Any] = {}
    if kind < 0.45:
        half = rng.choice((0.005, 0.01, 0.02, 0.05, 0.1))
        params["bbox"] = f"{lon - 2 * half:.5f},{lat - half:.5f},{lon + 2 * half:.5f},{lat + half:.5f}"
    elif kind < 0.6:
        params["near"] = f"{lon:.5f},{lat:.5f}"
        params["within_km"] = rng.choice((1, 3, 10))
        params["sort"] = "distance"
    elif kind < 0.75:
        params["q"] = rng.choice(Q_WORDS)
    elif kind < 0.9:
        params["kommune"] = rng.choice(sh.kommuner)
    # else: the whole region, no filter
    if rng.random() < 0.5:
        params["maturity_min"] = rng.choice(("M2", "M3", "M4"))
    if rng.random() < 0.25:
        params["power_min"] = rng.choice(("E1", "E2", "E3"))
    if rng.random() < 0.2:
        params["min_area_m2"] = rng.choice((5_000, 20_000, 50_000))
    if not page:
        params["limit"] = rng.choice((10, 20, 50, 100))
    if rng.random() < 0.15:
        params["offset"] = rng.choice((20, 100))
    return params


class Client:
    def __init__(self, sh: Shared, http: httpx.AsyncClient) -> None:
        self.sh = sh
        self.http = http

    async def request(self, key: str, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        t0 = time.monotonic()
        try:
            r = await self.http.request(method, path, **kwargs)
            await r.aread()
        except httpx.TransportError as exc:
            t1 = time.monotonic()
            if self.sh.recording:
                self.sh.records.append(Record(key, t0, t1, None, f"{type(exc).__name__}: {exc}"[:200]))
            await asyncio.sleep(TRANSPORT_BACKOFF_S)
            return None
        t1 = time.monotonic()
        if self.sh.recording:
            error = None if r.status_code in EXPECTED[key] else f"{r.status_code}: {r.text[:300]}"
            self.sh.records.append(Record(key, t0, t1, r.status_code, error))
        return r

    async def search_api(self, rng: random.Random) -> None:
        await self.request(
            "search_api", "GET", "/api/v1/sites", params=search_params(self.sh, rng, page=False)
        )

    async def search_page(self, rng: random.Random) -> None:
        await self.request("search_page", "GET", "/sites", params=search_params(self.sh, rng, page=True))

    async def site_page(self, rng: random.Random) -> None:
        await self.request("site_page", "GET", f"/sites/{rng.choice(self.sh.site_ids)}")

    async def site_api(self, rng: random.Random) -> None:
        await self.request("site_api", "GET", f"/api/v1/sites/{rng.choice(self.sh.site_ids)}")

    async def tile(self, rng: random.Random) -> None:
        z = rng.randint(6, 14)
        x, y = tiles_bench.tile_of(*rng.choice(self.sh.tile_points), z)
        await self.request(
            "tile", "GET", f"/tiles/sites/{z}/{x}/{y}.pbf", headers={"Accept-Encoding": "gzip"}
        )

    async def kommune_page(self, rng: random.Random) -> None:
        await self.request("kommune_page", "GET", f"/kommuner/{rng.choice(self.sh.kommuner)}")

    async def upload(self, rng: random.Random) -> None:
        sh = self.sh
        k = sh.uploads_sent
        sh.uploads_sent += 1
        nr = UPLOAD_KOMMUNER[k % len(UPLOAD_KOMMUNER)]
        squares = sh.squares[nr]
        if len(squares) < SITES_PER_UPLOAD:
            return  # no room left for new sites: skip (reported as uploads_skipped)
        geoms = [squares.pop() for _ in range(SITES_PER_UPLOAD)]
        name = f"load-{sh.run_id}-{k:05d}.geojson"
        prefix = f"LT-{sh.run_id}-{k:05d}-"
        features = [
            {
                "type": "Feature",
                "properties": {
                    **sh.properties[nr],
                    "kommune_nr": nr,
                    "reference": f"{prefix}{i}",
                    "name": f"Lasttest {sh.run_id} {k}-{i}",
                },
                "geometry": g,
            }
            for i, g in enumerate(geoms)
        ]
        body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
        write = Write("upload", name, time.monotonic(), detail={"kommune_nr": nr, "prefix": prefix})
        sh.writes.append(write)
        r = await self.request(
            "upload",
            "POST",
            "/api/v1/submissions",
            headers=sh.auth(),
            files={"file": (name, body, "application/geo+json")},
            data={"kommune_nr": nr, "dry_run": "false"},
        )
        settle(write, r)

    async def profile_edit(self, rng: random.Random) -> None:
        sh = self.sh
        for _attempt in range(5):
            r = await self.request(
                "profile_get", "GET", f"/api/v1/kommuner/{PROFILE_KOMMUNE}", headers=sh.auth()
            )
            if r is None or r.status_code != 200:
                return
            marker = f"load-test {sh.run_id} edit {sh.edits_sent:05d}"
            sh.edits_sent += 1
            write = Write("profile", marker, time.monotonic())
            sh.writes.append(write)
            r = await self.request(
                "profile_put",
                "PUT",
                f"/api/v1/kommuner/{PROFILE_KOMMUNE}/profile",
                headers={**sh.auth(), "If-Match": r.headers["ETag"]},
                json=profile_body(marker),
            )
            settle(write, r)
            if r is None or r.status_code != 412:
                return

    async def worker(self, i: int, seed: int, until: float) -> None:
        rng = random.Random(seed * 10_007 + i)
        keys = [key for key, _label, _w in ROUTES]
        weights = [w for _key, _label, w in ROUTES]
        while time.monotonic() < until:
            key = rng.choices(keys, weights)[0]
            await getattr(self, key)(rng)


def settle(write: Write, r: httpx.Response | None) -> None:
    write.t1 = time.monotonic()
    if r is None:
        write.outcome = "lost"
        return
    write.status = r.status_code
    write.outcome = "acked" if 200 <= r.status_code < 300 else "refused"
    with contextlib.suppress(ValueError):
        body = r.json()
        if isinstance(body, dict):
            write.body = {
                k: body.get(k) for k in ("submission_id", "public_id", "rows_read", "rows_loaded", "pitch_en")
            }


def profile_body(marker: str) -> dict[str, Any]:
    """A whole profile (PUT replaces it); the marker names the edit in the audit log."""
    return {
        "contacts": [
            {"name": "Lasttest Kontakt", "role": "Næringssjef", "email": "last@demo.invalid", "phone": None}
        ],
        "response_hours": 16,
        "pitch_no": f"DEMO: {marker}",
        "pitch_en": marker,
        "competence_no": None,
        "competence_en": None,
        "labour_figures": [],
        "clusters": [],
    }


# -------------------------------------------------------------------------------------------- the run


@dataclass
class Outage:
    kill_at: float  # monotonic
    ready_at: float
    pid_before: int
    pid_after: int
    in_flight: dict[str, int]
    open_writes: list[dict[str, Any]]  # the database's write transactions open at the kill


async def sample(server: Server, samples: list[dict[str, Any]], t_start: float, every_s: float) -> None:
    while True:
        rss = proc_status_kb(server.pid, "VmRSS")
        if rss is not None:
            samples.append(
                {
                    "t_s": round(time.monotonic() - t_start, 1),
                    "pid": server.pid,
                    "rss_mb": round(rss / 1024, 1),
                    "cpu_s": proc_cpu_s(server.pid),
                    "load1": os.getloadavg()[0],
                }
            )
        await asyncio.sleep(every_s)


_OPEN_WRITES = """
SELECT pid, state, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS query FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL
"""


def open_writes(engine: Engine) -> list[dict[str, Any]]:
    """The bench database's transactions that have written something and not yet ended."""
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(_OPEN_WRITES)).mappings()]


async def killer(server: Server, sh: Shared, engine: Engine, at: float, outage: list[Outage]) -> None:
    """At `at` (monotonic), as soon as an upload's transaction has written rows and not committed (polled in
    pg_stat_activity every 20 ms, for up to 30 s), kill -9 the server and start a new one at once; note
    when /readyz first answers 200."""
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    give_up = time.monotonic() + 30
    writing: list[dict[str, Any]] = []
    while time.monotonic() < give_up:
        writing = await asyncio.to_thread(open_writes, engine)
        if any("site" in w["query"] or "submission" in w["query"] for w in writing):
            break
        await asyncio.sleep(0.02)
    in_flight = Counter(w.kind for w in sh.writes if w.outcome == "in-flight")
    before = server.pid
    t_kill = time.monotonic()
    server.kill9()
    server.start()
    print(
        f"kill -9 {before} {t_kill - at:.1f} s after --kill-at; writes in flight: {dict(in_flight)}; "
        f"open write transactions: {writing}; new server pid {server.pid}",
        flush=True,
    )
    ready = await server.wait_ready()
    print(f"ready again {ready - t_kill:.2f} s after the kill", flush=True)
    outage.append(Outage(t_kill, ready, before, server.pid, dict(in_flight), writing))


async def run(
    server: Server,
    sh: Shared,
    engine: Engine,
    *,
    duration_s: float,
    concurrency: int,
    seed: int,
    kill_at: float | None,
    sample_s: float,
) -> dict[str, Any]:
    # Idle connections are dropped after 2 s, before uvicorn's 5 s keep-alive timeout closes them: a request
    # sent on a connection the server is closing at that moment fails (ReadError) through no fault of either.
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2.0
    )
    async with httpx.AsyncClient(base_url=server.base, timeout=httpx.Timeout(120.0), limits=limits) as http:
        client = Client(sh, http)
        # Warm-up, untimed: each route once, one at a time; a route that fails here fails the run at once.
        sh.recording = True
        rng = random.Random(seed)
        for key, _label, _w in ROUTES:
            await getattr(client, key)(rng)
        bad = [r for r in sh.records if r.error]
        if bad:
            raise SystemExit("warm-up failed:\n" + "\n".join(f"  {LABELS[r.key]}: {r.error}" for r in bad))
        sh.records.clear()

        samples: list[dict[str, Any]] = []
        outage: list[Outage] = []
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        cpu0 = proc_cpu_s(server.pid)
        load0 = os.getloadavg()
        t_start = time.monotonic()
        until = t_start + duration_s
        sampler = asyncio.create_task(sample(server, samples, t_start, sample_s))
        tasks = [asyncio.create_task(client.worker(i, seed, until)) for i in range(concurrency)]
        if kill_at is not None:
            tasks.append(asyncio.create_task(killer(server, sh, engine, t_start + kill_at, outage)))
        await asyncio.gather(*tasks)
        wall = time.monotonic() - t_start
        sampler.cancel()
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu1 = proc_cpu_s(server.pid)
        rss_end = proc_status_kb(server.pid, "VmRSS")
        if rss_end is not None:
            samples.append(
                {
                    "t_s": round(wall, 1),
                    "pid": server.pid,
                    "rss_mb": round(rss_end / 1024, 1),
                    "cpu_s": cpu1,
                    "load1": os.getloadavg()[0],
                }
            )
    client_cpu = (usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime)
    server_cpu = None if (cpu0 is None or cpu1 is None or outage) else cpu1 - cpu0
    return {
        "t_start": t_start,
        "wall_s": wall,
        "samples": samples,
        "outage": outage[0] if outage else None,
        "client_cpu_pct": round(100 * client_cpu / wall, 1),
        "server_cpu_pct": None if server_cpu is None else round(100 * server_cpu / wall, 1),
        "load_avg_start": load0,
        "load_avg_end": os.getloadavg(),
    }


# ------------------------------------------------------------------------------------------------ report


def summarise(sh: Shared, result: dict[str, Any]) -> dict[str, Any]:
    """Per route: counts, errors, 412s, failed-while-down, latency percentiles (answered requests)."""
    outage: Outage | None = result["outage"]
    routes: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    for key, label in LABELS.items():
        recs = [r for r in sh.records if r.key == key]
        if not recs:
            continue
        answered = [(r.t1 - r.t0) * 1000 for r in recs if r.status is not None]
        down = 0
        n_errors = 0
        for r in recs:
            during = outage is not None and r.t1 >= outage.kill_at and r.t0 <= outage.ready_at
            if r.status is None and during:
                down += 1
            elif r.error:
                n_errors += 1
                if len(errors) < 40:
                    errors.append(f"{label} at t={r.t0 - result['t_start']:.1f} s: {r.error}")
        statuses = Counter(str(r.status) if r.status is not None else "transport" for r in recs)
        routes[key] = {
            "route": label,
            "requests": len(recs),
            "errors": n_errors,
            "status_412": statuses.get("412", 0),
            "failed_while_down": down,
            "statuses": dict(sorted(statuses.items())),
            "p50_ms": round(tiles_bench.pct(answered, 0.50), 1) if answered else None,
            "p95_ms": round(tiles_bench.pct(answered, 0.95), 1) if answered else None,
            "p99_ms": round(tiles_bench.pct(answered, 0.99), 1) if answered else None,
            "max_ms": round(max(answered), 1) if answered else None,
        }
    five_xx = [r for r in sh.records if r.status is not None and r.status >= 500]
    total = sum(v["requests"] for v in routes.values())
    memory = [rss_of(pid, [x for x in result["samples"] if x["pid"] == pid]) for pid in server_pids(result)]
    bins: Counter[int] = Counter(
        int((r.t1 - result["t_start"]) // 10) for r in sh.records if r.status is not None
    )
    return {
        "routes": routes,
        "requests": total,
        "answered_req_s": round(sum(bins.values()) / result["wall_s"], 1),
        "errors": sum(v["errors"] for v in routes.values()),
        "error_samples": errors,
        "five_xx": len(five_xx),
        "failed_while_down": sum(v["failed_while_down"] for v in routes.values()),
        "memory": memory,
        "answered_per_10s": [bins.get(i, 0) for i in range(int(result["wall_s"] // 10) + 1)],
    }


def server_pids(result: dict[str, Any]) -> list[int]:
    return list(dict.fromkeys(x["pid"] for x in result["samples"]))


def rss_of(pid: int, samples: list[dict[str, Any]]) -> dict[str, Any]:
    """A server process's RSS: the first sample, the one nearest the middle of its samples, the last, max."""
    rss = [x["rss_mb"] for x in samples]
    middle = (samples[0]["t_s"] + samples[-1]["t_s"]) / 2
    mid = min(samples, key=lambda x: abs(x["t_s"] - middle))
    return {
        "pid": pid,
        "from_s": samples[0]["t_s"],
        "to_s": samples[-1]["t_s"],
        "rss_start_mb": rss[0],
        "rss_middle_mb": mid["rss_mb"],
        "rss_end_mb": rss[-1],
        "rss_max_mb": max(rss),
    }


def table(summary: dict[str, Any], *, kill: bool) -> str:
    def f(v: float | None) -> str:
        return "–" if v is None else f"{v:,.1f}"

    head = "| route | requests | p50 ms | p95 ms | p99 ms | max ms | errors | 412 (retried) |"
    rule = "|---|---:|---:|---:|---:|---:|---:|---:|"
    if kill:
        head += " failed while down |"
        rule += "---:|"
    lines = [head, rule]
    for r in summary["routes"].values():
        line = (
            f"| {r['route']} | {r['requests']:,} | {f(r['p50_ms'])} | {f(r['p95_ms'])} | {f(r['p99_ms'])} "
            f"| {f(r['max_ms'])} | {r['errors']} | {r['status_412'] or ''} |"
        )
        lines.append(line + (f" {r['failed_while_down']} |" if kill else ""))
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ consistency checks


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def check_uploads(engine: Engine, writes: list[Write]) -> list[Check]:
    """Every acknowledged upload is there whole; every lost one whole or not at all."""
    problems: list[str] = []
    counted: Counter[str] = Counter()
    uploads = [w for w in writes if w.kind == "upload"]
    with engine.connect() as conn:
        for w in uploads:
            nr, prefix = w.detail["kommune_nr"], w.detail["prefix"]
            rows = conn.execute(
                text(
                    "SELECT id, status, rows_read, rows_loaded FROM submission "
                    "WHERE kommune_nr = :k AND filename = :f"
                ),
                {"k": nr, "f": w.marker},
            ).all()
            by_ref, by_submission, with_history = conn.execute(
                text(
                    "SELECT count(*), count(*) FILTER (WHERE s.submission_id = ANY(:ids)), "
                    "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM site_history h "
                    "WHERE h.site_id = s.id AND h.action = 'insert')) "
                    "FROM site s WHERE s.kommune_nr = :k AND s.reference LIKE :p AND s.status <> 'archived'"
                ),
                {"k": nr, "p": prefix + "%", "ids": [r.id for r in rows]},
            ).one()
            whole = (
                len(rows) == 1
                and rows[0].status == "loaded"
                and rows[0].rows_read == rows[0].rows_loaded == SITES_PER_UPLOAD
                and by_ref == by_submission == with_history == SITES_PER_UPLOAD
            )
            absent = not rows and by_ref == 0
            if w.outcome == "acked":
                said = w.body.get("rows_loaded")
                ok = whole and said == SITES_PER_UPLOAD and w.body.get("submission_id") == rows[0].id
                counted["acked, there whole" if ok else "acked, NOT whole"] += 1
            elif w.outcome == "lost":
                ok = whole or absent
                counted[
                    "lost, there whole" if whole else "lost, absent" if absent else "lost, HALF-DONE"
                ] += 1
            else:  # refused with a status: nothing may have been written
                ok = absent
                counted["refused, absent" if ok else "refused, WRITTEN"] += 1
            if not ok:
                problems.append(
                    f"{w.marker} ({w.outcome}, {w.status}): submission rows {[tuple(r) for r in rows]}, "
                    f"sites by reference {by_ref}, by submission {by_submission}, "
                    f"with history {with_history}, response {w.body}"
                )
    return [
        Check(
            "uploads all-or-nothing", not problems, f"{dict(counted)}" + "".join("\n  " + p for p in problems)
        )
    ]


def check_history(engine: Engine) -> list[Check]:
    with engine.connect() as conn:
        missing, sites = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM site_history h "
                "WHERE h.site_id = s.id AND h.action = 'insert')), count(*) FROM site s"
            )
        ).one()
        statuses: dict[str, int] = dict(
            conn.execute(text("SELECT status, count(*) FROM submission GROUP BY status")).all()
        )
        short = conn.execute(
            text(
                "SELECT count(*) FROM submission b WHERE b.status = 'loaded' AND b.filename LIKE 'load-%' "
                "AND b.rows_loaded <> (SELECT count(*) FROM site s WHERE s.submission_id = b.id)"
            )
        ).scalar_one()
    return [
        Check("every site has its insert history row", missing == 0, f"{sites:,} sites, {missing} without"),
        Check(
            "no submission half-done (any load test's, any run)",
            short == 0,
            f"submission statuses {statuses} (one transaction each: no running state exists); "
            f"loaded uploads of the load test with fewer or more sites than rows_loaded: {short}",
        ),
    ]


def check_profile(
    engine: Engine, writes: list[Write], run_id: str, before: dict[str, Any] | None
) -> list[Check]:
    """The run's edits form one chain in the audit log: acked ones all there, refused ones absent, each
    `before` the previous `after`, the last `after` the profile now."""
    edits = {w.marker: w for w in writes if w.kind == "profile"}
    with db.session_factory(engine)() as session:
        events = profiles.profile_changes(session, CLI, PROFILE_KOMMUNE, limit=1_000_000)
        now = profiles.get_profile(session, PROFILE_KOMMUNE)
    assert now is not None
    mine = [
        e
        for e in reversed(events)  # oldest first
        if e["action"] == profiles.AUDIT_ACTION
        and f" {run_id} " in str((e["details"].get("after") or {}).get("pitch_en"))
    ]
    seen = Counter(e["details"]["after"]["pitch_en"] for e in mine)
    problems: list[str] = []
    problems += [f"{m}: recorded {n} times" for m, n in seen.items() if n > 1]
    problems += [f"{m}: not sent by this run" for m in seen if m not in edits]
    for m, w in edits.items():
        if w.outcome == "acked" and m not in seen:
            problems.append(f"{m}: acknowledged ({w.status}) but not in the audit log")
        if w.outcome == "refused" and m in seen:
            problems.append(f"{m}: refused ({w.status}) but in the audit log")
    previous = before
    for e in mine:
        if previous is not None and e["details"]["before"] != previous:
            problems.append(
                f"{e['details']['after']['pitch_en']}: its before is not the previous edit's after"
            )
        previous = e["details"]["after"]
    if (
        mine
        and previous is not None
        and (now["pitch_en"], now["pitch_no"])
        != (
            previous["pitch_en"],
            previous["pitch_no"],
        )
    ):
        problems.append(f"the profile now ({now['pitch_en']}) is not the last edit's after")
    outcomes = Counter(w.outcome for w in edits.values())
    lost_in = sum(1 for m, w in edits.items() if w.outcome == "lost" and m in seen)
    return [
        Check(
            "profile edits: one unbroken chain, acked all there, refused none",
            not problems,
            f"{len(edits)} sent {dict(outcomes)}; {len(mine)} in the audit log ({lost_in} of the lost ones)"
            + "".join("\n  " + p for p in problems[:20]),
        )
    ]


def last_profile_edit(engine: Engine) -> dict[str, Any] | None:
    """The `after` of the kommune's last profile edit before the run (the run's first edit starts there)."""
    with db.session_factory(engine)() as session:
        events = profiles.profile_changes(session, CLI, PROFILE_KOMMUNE, limit=50)
        now = profiles.get_profile(session, PROFILE_KOMMUNE)
    after = next((e["details"]["after"] for e in events if e["action"] == profiles.AUDIT_ACTION), None)
    if (
        after is None
        or now is None
        or (now["pitch_en"], now["pitch_no"]) != (after["pitch_en"], after["pitch_no"])
    ):
        return None  # no edit yet, or the profile was set without one (the demo loader): no link to check
    return dict(after)


def server_log_errors(paths: list[Path]) -> list[str]:
    out = []
    for p in paths:
        for line in p.read_text(errors="replace").splitlines():
            if '"levelname": "ERROR"' in line or '"level": "error"' in line.lower() or "Traceback" in line:
                out.append(f"{p.name}: {line[:400]}")
    return out


# -------------------------------------------------------------------------------------------------- main


def machine(engine: Engine) -> dict[str, Any]:
    return {**api_load.machine_facts(engine), "httpx": httpx.__version__}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=300, help="seconds of load")
    parser.add_argument("--concurrency", type=int, default=64, help="concurrent client workers")
    parser.add_argument(
        "--kill-at",
        type=float,
        default=None,
        metavar="S",
        help="kill -9 the server S seconds in and start a new one at once",
    )
    parser.add_argument("--kill", action="store_true", help="--kill-at half of --duration")
    parser.add_argument("--port", type=int, default=8130, help="the server's port on 127.0.0.1")
    parser.add_argument("--sample-s", type=float, default=3.0, help="seconds between RSS samples")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--sites", type=int, default=SITES, help="generated sites in the bench database")
    args = parser.parse_args()
    if args.kill and args.kill_at is None:
        args.kill_at = args.duration / 2
    if args.kill_at is not None and not 0 < args.kill_at < args.duration:
        parser.error("--kill-at must fall inside --duration")
    mode = "kill" if args.kill_at is not None else "steady"

    url = api_load.bench_url(BENCH_DB)
    engine = prepare(url, args.sites)
    run_id = dt.datetime.now().strftime("%Y%m%d%H%M%S")
    token = editor_token(engine)
    seed = args.seed
    uploads_max = int(args.duration * 2) + 10  # far more than the weights draw
    squares = {
        nr: free_squares(engine, nr, uploads_max * SITES_PER_UPLOAD // 2 + 10, seed + int(run_id[-6:]))
        for nr in UPLOAD_KOMMUNER
    }
    shared = Shared(
        token=token,
        site_ids=published_ids(engine, 5000, seed),
        points=lonlat_points(engine, 2000, seed),
        tile_points=tiles_bench.site_points(url, 2000, seed),
        kommuner=kommune_numbers(engine),
        squares=squares,
        properties={nr: demo_properties(nr) for nr in UPLOAD_KOMMUNER},
        run_id=run_id,
    )
    profile_before = last_profile_edit(engine)
    with engine.connect() as conn:
        published = conn.execute(text("SELECT count(*) FROM site WHERE status = 'published'")).scalar_one()
    info = {**machine(engine), "load_avg_before": os.getloadavg()}
    print(
        f"{mode}: {published:,} published sites, {args.concurrency} workers for {args.duration:g} s"
        + (f", kill -9 at {args.kill_at:g} s" if args.kill_at is not None else "")
        + f"; room for {min(len(s) for s in squares.values()) // SITES_PER_UPLOAD} uploads per kommune; "
        f"load average {info['load_avg_before'][0]:.2f}",
        flush=True,
    )

    server = Server(url, args.port)
    server.start()
    try:
        t0 = time.monotonic()
        asyncio.run(server.wait_ready())
        print(f"server pid {server.pid} ready in {time.monotonic() - t0:.1f} s on {server.base}", flush=True)
        result = asyncio.run(
            run(
                server,
                shared,
                engine,
                duration_s=args.duration,
                concurrency=args.concurrency,
                seed=seed,
                kill_at=args.kill_at,
                sample_s=args.sample_s,
            )
        )
    finally:
        server.stop()
    api_load.wait_idle(engine, timeout_s=60)  # a killed server's backends finish their statements

    summary = summarise(shared, result)
    checks = check_uploads(engine, shared.writes) + check_history(engine)
    checks += check_profile(engine, shared.writes, run_id, profile_before)
    log_errors = server_log_errors(server.logs)
    outage: Outage | None = result["outage"]

    md = table(summary, kill=mode == "kill")
    lines = [
        md,
        "",
        f"{summary['requests']:,} requests in {result['wall_s']:.0f} s: "
        f"{summary['answered_req_s']} answered/s; errors {summary['errors']}, 5xx {summary['five_xx']}",
    ]
    lines += [
        f"server pid {m['pid']} RSS MB (t={m['from_s']:g}–{m['to_s']:g} s): start {m['rss_start_mb']}, "
        f"middle {m['rss_middle_mb']}, end {m['rss_end_mb']}, max {m['rss_max_mb']}"
        for m in summary["memory"]
    ]
    lines += [
        f"CPU: server {result['server_cpu_pct']} % of one core, client {result['client_cpu_pct']} %; "
        f"load average start {result['load_avg_start'][0]:.2f}, end {result['load_avg_end'][0]:.2f} "
        f"(nproc {os.cpu_count()})",
        f"writes: {dict(Counter((w.kind, w.outcome) for w in shared.writes))}",
    ]
    if outage is not None:
        lines.append(
            f"kill -9 of pid {outage.pid_before} at t={outage.kill_at - result['t_start']:.1f} s with writes "
            f"in flight {outage.in_flight} and {len(outage.open_writes)} write transactions open; "
            f"pid {outage.pid_after} ready (/readyz 200) {outage.ready_at - outage.kill_at:.2f} s after; "
            f"failed while down: {summary['failed_while_down']} (transport errors; 5xx: {summary['five_xx']})"
        )
    lines.append("consistency:")
    lines += [f"  {'PASS' if c.ok else 'FAIL'} {c.name}: {c.detail}" for c in checks]
    if log_errors:
        lines.append(f"server log: {len(log_errors)} error lines, first: {log_errors[:3]}")
    print("\n" + "\n".join(lines))
    if summary["error_samples"]:
        print("errors (first ones):\n  " + "\n  ".join(summary["error_samples"]))

    report = {
        "command": "NAERING_PG_PORT=<port> .venv/bin/python bench/load_test.py " + " ".join(sys.argv[1:]),
        "machine": info,
        "published_sites": published,
        "concurrency": args.concurrency,
        "duration_s": args.duration,
        "wall_s": round(result["wall_s"], 1),
        "weights": {label: w for _k, label, w in ROUTES},
        **{k: v for k, v in summary.items()},
        "client_cpu_pct": result["client_cpu_pct"],
        "server_cpu_pct": result["server_cpu_pct"],
        "load_avg_start": result["load_avg_start"],
        "load_avg_end": result["load_avg_end"],
        "rss_samples": result["samples"],
        "outage": None
        if outage is None
        else {
            "kill_at_s": round(outage.kill_at - result["t_start"], 2),
            "ready_after_s": round(outage.ready_at - outage.kill_at, 2),
            "pid_before": outage.pid_before,
            "pid_after": outage.pid_after,
            "writes_in_flight": outage.in_flight,
            "open_write_transactions": outage.open_writes,
        },
        "writes": [
            {
                "kind": w.kind,
                "marker": w.marker,
                "outcome": w.outcome,
                "status": w.status,
                "t0_s": round(w.t0 - result["t_start"], 2),
                "t1_s": round(w.t1 - result["t_start"], 2),
            }
            for w in shared.writes
        ],
        "checks": [c.__dict__ for c in checks],
        "server_log_errors": log_errors[:50],
        "table_md": md,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / "load_test.json"
    previous = json.loads(out.read_text()) if out.exists() else {}
    out.write_text(json.dumps({**previous, mode: report}, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"results: {out}")

    failed = [c.name for c in checks if not c.ok]
    if summary["errors"] or summary["five_xx"] or failed:
        sys.exit(f"FAILED: {summary['errors']} errors, {summary['five_xx']} 5xx, checks failed: {failed}")


if __name__ == "__main__":
    main()
