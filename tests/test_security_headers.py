"""Security headers: a Content-Security-Policy whose scripts are the app's own or carry the response's
nonce, nosniff, no framing, a referrer policy, no server header, gzip above 1 KB — and the map, the docs
and the upload page still work under that policy in Chromium, with no violation."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from registry.services.demo import load_demo
from registry.settings import ServerSettings
from tests.accounts import browser_sign_in, make_app, make_user, reset_accounts
from tests.browser import console_errors, headless_chromium
from tests.live_server import LiveServer
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

DRAW_TIMEOUT_S = 20
SERVE_TIMEOUT_S = 30
NONCE = re.compile(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{16,})'")
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)

# Installed before any page script runs: collects the page's CSP violations.
COLLECT_VIOLATIONS_JS = """
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", function (e) {
        window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
    });
"""
# An inline script without the nonce, as an injected one would be: it must not run.
INJECT_SCRIPT_JS = """
    var s = document.createElement("script");
    s.textContent = "window.__injected = true;";
    document.head.appendChild(s);
"""
# How many distinct published sites the page's Leaflet map has drawn.
# Site features the region map drew from its vector tiles (fetched under connect-src 'self'), counted by
# the tile layer's hook (maps.tile_layer): at region zoom, one per grid cell of sites.
DRAWN_SITES_JS = """
    var hook = window.narSiteTiles;
    return hook ? hook.featuresDrawn : 0;
"""


def _app(engine: Engine, **settings: Any) -> Any:
    url = engine.url.render_as_string(hide_password=False)
    return create_app(ServerSettings(environment="test", **settings), database_url=url)


def _nonce(res: httpx.Response) -> str:
    match = NONCE.search(res.headers["content-security-policy"])
    assert match, res.headers["content-security-policy"]
    return match.group(1)


def _assert_security_headers(res: httpx.Response) -> None:
    policy = res.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert (
        "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    )
    assert directives["script-src"].startswith("'self' 'nonce-")
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert res.headers["x-content-type-options"] == "nosniff"
    assert res.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "server" not in res.headers


def test_every_kind_of_response_has_the_headers(engine: Engine) -> None:
    client = TestClient(_app(engine, enable_http_submissions=True), raise_server_exceptions=False)
    for url in (
        "/healthz",
        "/api/v1/kommuner",
        "/api/v1/sites?foo=bar",
        "/nothing-here",
        "/docs",
        "/docs/assets/swagger-ui.css",
        "/static/vendor/leaflet/leaflet.js",
        "/submit",
        "/",
    ):
        res = client.get(url, follow_redirects=False)
        _assert_security_headers(res)
    first, second = client.get("/healthz"), client.get("/healthz")
    assert _nonce(first) != _nonce(second)


@pytest.mark.parametrize("url", ["/maps/region", "/docs"])
def test_inline_scripts_carry_the_response_nonce(clean_engine: Engine, url: str) -> None:
    client = TestClient(_app(clean_engine, enable_http_submissions=True))
    res = client.get(url)
    assert res.status_code == 200
    nonce = _nonce(res)
    inline = [tag for tag in SCRIPT_TAG.findall(res.text) if "src=" not in tag]
    assert inline, "the page has no inline script"
    assert all(f'nonce="{nonce}"' in tag for tag in inline), inline


def test_gzip_above_1_kb_only(engine: Engine) -> None:
    client = TestClient(_app(engine))
    big = client.get("/api/v1/kommuner", headers={"Accept-Encoding": "gzip"})
    assert big.headers["content-encoding"] == "gzip" and len(big.content) > 1024
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert len(small.content) < 1024 and "content-encoding" not in small.headers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_naering_serve_sends_no_server_header(engine: Engine) -> None:
    port = _free_port()
    env = {**os.environ, "NAERING_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    naering = Path(sys.executable).with_name("naering")
    process = subprocess.Popen(
        [str(naering), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + SERVE_TIMEOUT_S
        while True:  # wait for the server to listen
            try:
                res = httpx.get(f"http://127.0.0.1:{port}/healthz")
                break
            except httpx.TransportError:
                assert process.poll() is None, "naering serve exited"
                assert time.monotonic() < deadline, f"naering serve did not answer in {SERVE_TIMEOUT_S} s"
                time.sleep(0.1)
        assert res.status_code == 200
        _assert_security_headers(res)
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- the pages in Chromium, under the policy ------------------------------------------------------


@pytest.fixture
def live_app(clean_engine: Engine) -> Iterator[str]:
    """The real app with the demo sites published and uploads on, served by uvicorn."""
    load_demo(clean_engine)
    reset_accounts(clean_engine)
    server = LiveServer(make_app(clean_engine))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    with headless_chromium(offline=True) as driver:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": COLLECT_VIOLATIONS_JS})
        yield driver


def _assert_no_violation_and_enforced(browser: Any) -> None:
    """No CSP violation so far; then an injected inline script is refused, and that is seen."""
    from selenium.webdriver.support.ui import WebDriverWait

    assert browser.execute_script("return window.__cspViolations") == []
    errors = [e for e in console_errors(browser) if "favicon" not in e.get("message", "")]
    assert errors == []
    browser.execute_script(INJECT_SCRIPT_JS)
    WebDriverWait(browser, 5).until(lambda d: d.execute_script("return window.__cspViolations.length"))
    assert browser.execute_script("return window.__injected") is None
    assert browser.execute_script("return window.__cspViolations")[0].startswith("script-src")


@pytest.mark.browser
def test_region_map_works_under_the_policy(browser: Any, live_app: str, clean_engine: Engine) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    with clean_engine.connect() as conn:
        published = conn.execute(text("SELECT count(*) FROM site WHERE status = 'published'")).scalar_one()
    assert published > 0
    browser.get(f"{live_app}/maps/region")
    WebDriverWait(browser, DRAW_TIMEOUT_S).until(lambda d: d.execute_script(DRAWN_SITES_JS) > 0)
    _assert_no_violation_and_enforced(browser)


@pytest.mark.browser
def test_docs_work_under_the_policy(browser: Any, live_app: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{live_app}/docs")
    WebDriverWait(browser, DRAW_TIMEOUT_S).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock"))
    browser.find_element(By.CSS_SELECTOR, ".opblock-summary").click()  # React handles the click
    WebDriverWait(browser, 5).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock.is-open"))
    _assert_no_violation_and_enforced(browser)


@pytest.mark.browser
def test_upload_page_works_under_the_policy(
    browser: Any, live_app: str, clean_engine: Engine, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    x, y = anchor_25833(clean_engine, "3203")
    path = write_geojson(
        tmp_path / "asker.geojson", [(to_lonlat(square_25833(x, y, 100)), site_props(1, "3203"))]
    )
    make_user(clean_engine, "redaktor@asker.kommune.no", kommuner=["3203"])
    browser_sign_in(browser, live_app, "redaktor@asker.kommune.no")
    browser.get(f"{live_app}/submit")
    Select(browser.find_element(By.NAME, "kommune_nr")).select_by_value("3203")
    browser.find_element(By.NAME, "file").send_keys(str(path))
    browser.find_element(By.CSS_SELECTOR, "button[value=check]").click()
    status = browser.find_element(By.ID, "status")
    WebDriverWait(browser, 30).until(lambda d: "Kontroll" in status.text)  # the page's script ran
    WebDriverWait(browser, 10).until(
        lambda d: "asker.geojson" in (d.find_element(By.ID, "report").get_attribute("srcdoc") or "")
    )
    _assert_no_violation_and_enforced(browser)


def test_private_links_never_reach_the_access_log() -> None:
    import logging

    from api.security import RedactPrivateLinks

    token = "s6FQOJHkw7K3lz-6tp3Mgbk34SH5JUHbKq8MFdb0lgQ"
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", f"/i/{token}?new=1", "1.1", 200),
        None,
    )
    assert RedactPrivateLinks().filter(record)
    assert token not in record.getMessage() and "/i/[private]?new=1" in record.getMessage()
    listing = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "%s", (f"/i/all/{token}",), None)
    RedactPrivateLinks().filter(listing)
    assert listing.getMessage() == "/i/all/[private]"
    other = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "%s", ("/inquiries/new",), None)
    RedactPrivateLinks().filter(other)
    assert other.getMessage() == "/inquiries/new"
