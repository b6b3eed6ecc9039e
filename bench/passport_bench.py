"""Site page and PDF passport benchmark (issue 11, §4): p50/p99 of `GET /sites/{id}` and `GET /sites/{id}.pdf`
and the server's peak RSS, beside the floor: WeasyPrint rendering a plain one-page A4 HTML page with no map,
in the same run.

    NAERING_PG_PORT=<port> .venv/bin/python bench/passport_bench.py [--sites 100000] [--pages 300] [--pdfs 40]
    NAERING_PG_PORT=<port> .venv/bin/python bench/passport_bench.py --demo      # the demo data instead

With `--sites N` it uses bench/api_load.py's scratch database `naering_api_bench` (loading
bench/make_data.py's file of N sites through the project's own intake when it does not hold exactly N
published sites; later runs reuse it). With `--demo`: the configured database as it is (`naering demo load`).

`naering serve` (one uvicorn worker) is started on a free port against that database; the requests go one at
a time (keep-alive) to site ids drawn at random (seeded) from the published ones, after a few untimed ones.
Every answer is checked: 200, the page holds the site's name, the PDF is one page (pypdf). Peak RSS is the
server's VmHWM at the end. Writes bench/out/passport.json and prints a table.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

import api_load
import httpx
from pypdf import PdfReader
from sqlalchemy import text

from registry import db
from registry.settings import DatabaseSettings

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SEED = 11
TARGET_PAGE_P99_MS = 300.0
TARGET_PDF_P99_MS = 2000.0
WARMUP = 3

_LINES = "".join(
    f"<p>Paragraph {i}: a plain line of text, no image, no map, no table.</p>" for i in range(40)
)
PLAIN_A4 = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><style>@page { size: A4; margin: 12mm; } '
    'body { font-family: "DejaVu Sans", sans-serif; font-size: 8pt; }</style></head>'
    f"<body><h1>A plain page</h1>{_LINES}</body></html>"
)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation between the closest ranks."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(ms: list[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1),
    }


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for pid {pid}")


def server_pid(port: int) -> int:
    """The pid of the process listening on 127.0.0.1:`port` (the `naering serve` api_load started)."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state = fields[1], fields[3]
        if state == "0A" and int(local.split(":")[1], 16) == port:
            inode = fields[9]
            break
    if inode is None:
        raise RuntimeError(f"nothing listens on port {port}")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) == f"socket:[{inode}]":
                    return int(proc.name)
    raise RuntimeError(f"no process holds the socket on port {port}")


def floor_ms(times: int) -> dict[str, float]:
    """WeasyPrint alone: a plain one-page A4 HTML page, no map, no images, nothing fetched."""
    from weasyprint import HTML

    ms = []
    for i in range(times + 1):
        t0 = time.perf_counter()
        document = HTML(string=PLAIN_A4).render()
        document.write_pdf()
        if i:  # the first one loads the fonts
            ms.append((time.perf_counter() - t0) * 1000)
        assert len(document.pages) == 1
    return summary(ms)


def timed_gets(client: httpx.Client, paths: list[str], check: Any) -> list[float]:
    for path in paths[:WARMUP]:
        check(path, client.get(path))
    ms = []
    for path in paths[WARMUP:]:
        t0 = time.perf_counter()
        response = client.get(path)
        ms.append((time.perf_counter() - t0) * 1000)
        check(path, response)
    return ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=100_000, help="published sites in naering_api_bench")
    parser.add_argument(
        "--demo", action="store_true", help="use the configured database (demo data) as it is"
    )
    parser.add_argument("--pages", type=int, default=300, help="timed site page requests")
    parser.add_argument("--pdfs", type=int, default=40, help="timed PDF requests")
    args = parser.parse_args()

    if args.demo:
        url = db.get_engine().url.render_as_string(hide_password=False)
        load_s = None
    else:
        url = api_load.bench_url()
        load_s = api_load.ensure_sites(url, args.sites)
    engine = db.get_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, name FROM site WHERE status = 'published' ORDER BY id")).all()
    if not rows:
        sys.exit("no published sites: run `naering demo load`, or leave out --demo")
    names = dict(rows)
    rng = random.Random(SEED)
    ids = [rng.choice(rows)[0] for _ in range(WARMUP + max(args.pages, args.pdfs))]

    def page_ok(path: str, response: httpx.Response) -> None:
        site_id = int(path.rsplit("/", 1)[1])
        assert response.status_code == 200, (path, response.status_code)
        assert names[site_id].replace("&", "&amp;") in response.text, path

    def pdf_ok(path: str, response: httpx.Response) -> None:
        assert response.status_code == 200, (path, response.status_code)
        assert response.headers["content-type"] == "application/pdf", path
        assert len(PdfReader(io.BytesIO(response.content)).pages) == 1, path

    floor = floor_ms(10)
    port = api_load.free_port()
    env = {**os.environ, "NAERING_DATABASE_URL": url, "NAERING_PORT": str(port)}
    cmd = [str(Path(sys.executable).parent / "naering"), "serve", "--port", str(port)]
    with api_load.server("passport", cmd, env, port, f"/sites/{ids[0]}") as base:
        pid = server_pid(port)
        with httpx.Client(base_url=base, timeout=60) as client:
            page_ms = timed_gets(client, [f"/sites/{i}" for i in ids[: WARMUP + args.pages]], page_ok)
            pdf_ms = timed_gets(client, [f"/sites/{i}.pdf" for i in ids[: WARMUP + args.pdfs]], pdf_ok)
        rss = peak_rss_mb(pid)
    settings = DatabaseSettings()
    result = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
        "database": "demo (configured database)"
        if args.demo
        else f"{api_load.BENCH_DB} ({args.sites} sites)",
        "published_sites": len(rows),
        "load_s": load_s,
        "pg_port": settings.pg_port,
        "site_page": summary(page_ms),
        "pdf": summary(pdf_ms),
        "floor_plain_a4": floor,
        "server_peak_rss_mb": round(rss, 1),
        "targets": {"site_page_p99_ms": TARGET_PAGE_P99_MS, "pdf_p99_ms": TARGET_PDF_P99_MS},
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "passport.json").write_text(json.dumps(result, indent=2) + "\n")
    verdict = {
        "site_page": "PASS" if result["site_page"]["p99_ms"] <= TARGET_PAGE_P99_MS else "MISS",
        "pdf": "PASS" if result["pdf"]["p99_ms"] <= TARGET_PDF_P99_MS else "MISS",
    }
    print(f"\n{result['database']}: {len(rows)} published sites; load average {os.getloadavg()[0]:.1f}")
    print("| what | n | p50 ms | p99 ms | max ms | target p99 | |")
    print("|---|---|---|---|---|---|---|")
    for key, label, target in (
        ("site_page", "GET /sites/{id}", TARGET_PAGE_P99_MS),
        ("pdf", "GET /sites/{id}.pdf", TARGET_PDF_P99_MS),
    ):
        s = result[key]
        cells = (label, s["n"], s["p50_ms"], s["p99_ms"], s["max_ms"], f"{target:.0f}", verdict[key])
        print("| " + " | ".join(str(c) for c in cells) + " |")
    print(
        f"| floor: WeasyPrint, plain A4, no map | {floor['n']} | {floor['p50_ms']} | {floor['p99_ms']} | "
        f"{floor['max_ms']} | | |"
    )
    print(f"server peak RSS: {rss:.0f} MB")


if __name__ == "__main__":
    main()
