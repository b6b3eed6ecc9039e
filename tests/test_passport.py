"""The PDF site passport (/sites/{id}.pdf) and the site page's map: one A4 page in Norwegian and English
with the site's name, the facts' headings in both languages, the kommune's contact, the substation's
caveat, the short link back (also the PDF's link) and the moment it was made; DEMO on a demo site;
drafts 404 for anyone but their kommune's editors; WeasyPrint fetches nothing but our own files; in
Chromium offline the page's map draws the site and a line to each nearest node, and the PDF its link
leads to reads as above."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Engine, text

from api.pdf import OWN_FOLDERS, RefusedURLError, html_to_pdf, own_files_fetcher
from registry.clock import FixedClock
from registry.services.access import CLI
from registry.services.profiles import update_profile
from registry.services.submissions import SubmitOptions, run_submission
from tests.accounts import auth_settings, make_app, make_user, reset_accounts, token_for
from tests.browser import console_errors, headless_chromium
from tests.conftest import SITE_TABLES
from tests.live_server import LiveServer
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

K = "3201"
PUBLIC_URL = "https://naering.example"
CONTACT = "naering@baerum.example"
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)  # 10:00 in Oslo
LONG_NO = "Godt egnet for lager og logistikk nær E18 og E16, med kort vei til Oslo havn. " * 8
LONG_EN = "Well suited to warehousing and logistics by the E18 and E16, close to the port of Oslo. " * 8


@pytest.fixture(scope="module")
def sites(ref_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    engine = ref_engine
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))
    reset_accounts(engine)
    folder: Path = tmp_path_factory.mktemp("passport")
    x, y = anchor_25833(engine, K)
    real = write_geojson(
        folder / "real.geojson",
        [
            (
                to_lonlat(square_25833(x, y, 150)),
                site_props(
                    1,
                    K,
                    description_no=LONG_NO,
                    description_en=LONG_EN,
                    power_mw_future=12,
                    power_future_year=2029,
                    plan_id="2020010",
                    evidence="cross_checked",
                    evidence_verified_at="2020-01-01",
                ),
            )
        ],
    )
    demo = write_geojson(
        folder / "demo.geojson", [(to_lonlat(square_25833(x, y, 120, dx=400)), site_props(2, K))]
    )
    draft = write_geojson(
        folder / "draft.geojson", [(to_lonlat(square_25833(x, y, 100, dx=800)), site_props(3, K))]
    )
    assert not run_submission(engine, real, SubmitOptions(K)).rejected
    assert not run_submission(engine, demo, SubmitOptions(K, is_demo=True)).rejected
    assert not run_submission(engine, draft, SubmitOptions(K, draft=True)).rejected
    clock = FixedClock(NOW)
    update_profile(
        engine,
        CLI,
        K,
        {"contacts": [{"name": "Næringssjef", "email": CONTACT}], "response_hours": 16},
        clock=clock,
    )
    with engine.connect() as conn:
        ids = {row.reference: row.id for row in conn.execute(text("SELECT reference, id FROM site"))}
        facts = (
            conn.execute(
                text(
                    "SELECT n.name AS substation, n.caveat, "
                    "(SELECT count(*) FROM site_logistics l WHERE l.site_id = s.id) AS logistics "
                    "FROM site s JOIN substation n ON n.id = s.nearest_substation_id WHERE s.id = :id"
                ),
                {"id": ids["T-001"]},
            )
            .mappings()
            .one()
        )
    make_user(engine, "plan@baerum.example", kommuner=[K])
    app = make_app(engine, clock=clock, auth=auth_settings(public_url=PUBLIC_URL))
    yield {
        "app": app,
        "engine": engine,
        "real": ids["T-001"],
        "demo": ids["T-002"],
        "draft": ids["T-003"],
        **facts,
    }
    reset_accounts(engine)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))


def _words(value: str) -> str:
    """Text with every run of white space as one space (the PDF breaks lines where it likes)."""
    return re.sub(r"\s+", " ", value).strip()


def _read(pdf: bytes) -> tuple[int, str, list[str]]:
    """The PDF's number of pages, its text (white space collapsed) and the URIs it links to."""
    reader = PdfReader(io.BytesIO(pdf))
    uris = [
        str(a.get_object()["/A"]["/URI"])
        for page in reader.pages
        for a in page.get("/Annots") or []
        if "/A" in a.get_object() and "/URI" in a.get_object()["/A"]
    ]
    return len(reader.pages), _words(" ".join(page.extract_text() for page in reader.pages)), uris


def test_the_passport_is_one_page_in_both_languages(sites: dict[str, Any]) -> None:
    response = TestClient(sites["app"]).get(f"/sites/{sites['real']}.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'inline; filename="arealpass-{sites["real"]}.pdf"'
    pages, words, uris = _read(response.content)
    assert pages == 1  # with long descriptions in both languages, too
    assert "Testområde 1" in words
    for heading in (
        "Fakta og når de ble bekreftet",
        "Facts and when they were verified",
        "Avstander / Distances",
        "Effekt og nett / Power and grid",
        "Kilder og lisenser / Sources and licences",
    ):
        assert heading in words, heading
    assert CONTACT in words
    assert _words(sites["caveat"])[:60] in words
    assert sites["substation"] in words
    link = f"{PUBLIC_URL}/sites/{sites['real']}"
    assert link in words and link in uris  # the short link, printed and clickable
    assert "2026-12-01 10:00" in words  # made at the injected clock's moment, Oslo time
    assert "16 arbeidstimer / 16 working hours" in words
    assert "daa" in words and "m²" in words and " ha" in words
    assert "ikke bekreftet / unverified" in words or "foreldet / stale" in words  # the 2020 evidence
    squeezed = words.replace(" ", "")  # a line may break after any hyphen
    assert "CCBY-NC-SA4.0" in squeezed and "Kartverket" in words  # sources and licences
    assert "DEMO" not in words


def test_a_demo_site_says_demo(sites: dict[str, Any]) -> None:
    pages, words, _ = _read(TestClient(sites["app"]).get(f"/sites/{sites['demo']}.pdf").content)
    assert pages == 1 and "DEMO" in words and "an invented site, not a real plot" in words


def test_a_draft_passport_is_the_kommunes_own(sites: dict[str, Any]) -> None:
    anonymous = TestClient(sites["app"])
    for path in (f"/sites/{sites['draft']}.pdf", f"/sites/{sites['draft']}/map.svg"):
        refused = anonymous.get(path)
        assert refused.status_code == 404 and "Testområde 3" not in refused.text, path
    assert anonymous.get("/sites/999999.pdf").status_code == 404
    editor = TestClient(sites["app"])
    editor.headers["Authorization"] = f"Bearer {token_for(sites['engine'], 'plan@baerum.example')}"
    response = editor.get(f"/sites/{sites['draft']}.pdf")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    _, words, _ = _read(response.content)
    assert "Testområde 3" in words and "Utkast / Draft" in words


def test_the_page_without_javascript_shows_the_drawn_map(sites: dict[str, Any]) -> None:
    client = TestClient(sites["app"])
    page = client.get(f"/sites/{sites['real']}", params={"lang": "en"}).text
    img = re.search(r'<img src="(/sites/\d+/map\.svg\?lang=en)" alt="([^"]+)"', page)
    assert img is not None
    assert img.group(2).startswith("Map of Testområde 1: the site and straight lines to its nearest nodes")
    assert sites["substation"] in img.group(2)
    assert f'href="/sites/{sites["real"]}.pdf"' in page
    svg = client.get(img.group(1))
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.count('class="link"') == sites["logistics"] + 1  # the nodes and the substation
    assert "Testområde 1" in svg.text and "Straight lines, not routes" in svg.text


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Counting.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_weasyprint_fetches_only_our_own_files() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    off_host = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        base = PUBLIC_URL + "/"
        fetcher = own_files_fetcher(base)
        html = (
            '<link rel="stylesheet" href="/assets/passport.css">'
            f'<link rel="stylesheet" href="{off_host}/tracker.css">'
            f'<p>x<img src="{off_host}/pixel.png"><img src="https://tiles.example/0/0/0.png">'
            '<img src="file:///etc/hostname"><img src="/assets/%2e%2e/%2e%2e/pyproject.toml">'
            '<img src="/elsewhere/x.png"></p>'
        )
        pdf, pages = html_to_pdf(html, base_url=base, fetcher=fetcher)
    finally:
        server.shutdown()
        thread.join(timeout=5)
    assert pdf.startswith(b"%PDF") and pages == 1
    assert _Counting.hits == []  # not one request left
    assert sorted(fetcher.refused) == sorted(
        [
            f"{off_host}/tracker.css",
            f"{off_host}/pixel.png",
            "https://tiles.example/0/0/0.png",
            "file:///etc/hostname",
            f"{PUBLIC_URL}/assets/%2e%2e/%2e%2e/pyproject.toml",
            f"{PUBLIC_URL}/elsewhere/x.png",
        ]
    )
    # Our own stylesheet is read from the folder the app serves it from.
    own = fetcher.fetch(f"{PUBLIC_URL}/assets/passport.css")
    assert own.read() == (OWN_FOLDERS["assets"] / "passport.css").read_bytes()
    with pytest.raises(RefusedURLError):
        fetcher.fetch("http://naering.example/assets/passport.css")  # another origin (http, not https)


@pytest.mark.browser
def test_in_a_browser_the_map_draws_the_lines_and_the_pdf_reads(
    sites: dict[str, Any], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    server = LiveServer(sites["app"])
    server.start()
    try:
        with headless_chromium(offline=True) as driver:
            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
            )
            driver.get(f"{server.url}/sites/{sites['real']}?lang=en")
            WebDriverWait(driver, 10).until(
                lambda d: d.find_element(By.ID, "site-map").get_attribute("data-drawn") == "true"
            )
            pane = ".leaflet-overlay-pane svg"
            links = driver.find_elements(By.CSS_SELECTOR, f"{pane} path.site-map-link")
            nodes = driver.find_elements(By.CSS_SELECTOR, f"{pane} path.site-map-node")
            outline = driver.find_elements(By.CSS_SELECTOR, f"{pane} path.site-map-site")
            assert len(links) == len(nodes) == sites["logistics"] + 1
            assert len(outline) == 1 and outline[0].get_attribute("d")
            assert driver.find_elements(By.CSS_SELECTOR, f"{pane} path.site-map-kommune")
            width = driver.execute_script("return document.documentElement.scrollWidth")
            assert width <= 390, f"the page is {width} px wide"
            assert [e for e in console_errors(driver) if "favicon" not in e.get("message", "")] == []
            driver.save_screenshot(str(tmp_path / "site-map-phone.png"))
            href = driver.find_element(By.PARTIAL_LINK_TEXT, "Site passport as PDF").get_attribute("href")
        assert href == f"{server.url}/sites/{sites['real']}.pdf"
        response = httpx.get(href, timeout=30)
        assert response.status_code == 200
        pages, words, _ = _read(response.content)
        (tmp_path / "passport.pdf").write_bytes(response.content)
        assert pages == 1
        assert "Testområde 1" in words and "Fakta" in words and "Facts" in words and CONTACT in words
    finally:
        server.stop()
