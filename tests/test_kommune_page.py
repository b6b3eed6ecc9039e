"""The kommune's pitch page (/kommuner/{nr}): exactly its published sites in the list and on the map, the
neighbouring kommuner's published sites (never drafts, never a kommune further away) in the faded layer,
the profile's figures with source and year, clusters, the contact and its promise, in Norwegian and
English; an old kommune number redirects; an unknown one and a non-member are 404 pages; the map's cap.
In Chromium offline, in English: the map draws the kommune's own sites (Leaflet's SVG paths counted), and
at a phone's width the page does not scroll sideways."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from registry.clock import FixedClock
from registry.db import session_factory
from registry.services.access import Principal
from registry.services.kommune_page import kommune_page
from registry.services.profiles import update_profile
from registry.services.submissions import SubmitOptions, run_submission
from tests.accounts import make_app, reset_accounts
from tests.browser import console_errors, headless_chromium
from tests.conftest import SITE_TABLES
from tests.live_server import LiveServer
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

K = "3205"  # Lillestrøm: hosts reference clusters; 3030 was its number in 2020–2023
OLD_K = "3030"
NEIGHBOUR = "0301"  # Oslo shares a boundary with Lillestrøm
FAR = "3201"  # Bærum does not
SECRETARIAT = Principal(email="sekretariat@test.invalid", role="admin", via="cli")
FIGURES = [
    {
        "label_no": "Sysselsatte",
        "label_en": "Employed",
        "value": 12500,
        "unit": "personer",
        "source": "SSB tabell 07984",
        "year": 2024,
    },
    {
        "label_no": "Andel med høyere utdanning",
        "label_en": "Share with higher education",
        "value": 41.5,
        "unit": "%",
        "source": "SSB tabell 09429",
        "year": 2023,
    },
]
ISLAND = re.compile(r'<script type="application/json" id="kommune-map-data"[^>]*>(.*?)</script>', re.S)


def _submit(
    engine: Engine, folder: Path, name: str, kommune: str, items: list[tuple[int, float]], **opts: Any
) -> None:
    x, y = anchor_25833(engine, kommune)
    path = write_geojson(
        folder / f"{name}.geojson",
        [(to_lonlat(square_25833(x, y, 120, dx=dx)), site_props(i, kommune)) for i, dx in items],
    )
    assert not run_submission(engine, path, SubmitOptions(kommune, **opts)).rejected


@pytest.fixture(scope="module")
def kommune(ref_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    engine = ref_engine
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))
    reset_accounts(engine)
    folder = tmp_path_factory.mktemp("kommune_page")
    _submit(engine, folder, "own", K, [(1, 0), (2, 400)])
    _submit(engine, folder, "own_draft", K, [(3, 800)], draft=True)
    _submit(engine, folder, "neighbour", NEIGHBOUR, [(11, 0), (12, 400), (13, 800)])
    _submit(engine, folder, "neighbour_draft", NEIGHBOUR, [(14, 1200)], draft=True)
    _submit(engine, folder, "far", FAR, [(21, 0)])
    update_profile(
        engine,
        SECRETARIAT,
        K,
        {
            "contacts": [
                {"name": "Kari Nordmann", "role": "Næringssjef", "email": "kari@lillestrom.example"},
                {"name": "Ola Nordmann", "phone": "+47 22 00 00 00"},
            ],
            "response_hours": 12,
            "pitch_no": "Lillestrøm har tomter ved Kjeller.",
            "pitch_en": "Lillestrøm has plots at Kjeller.",
            "competence_no": "Forskningsmiljøene på Kjeller.",
            "competence_en": "The research institutes at Kjeller.",
            "labour_figures": FIGURES,
            "clusters": ["Kjeller Innovasjon"],
        },
        clock=FixedClock(),
    )
    with engine.connect() as conn:
        rows = (
            conn.execute(text("SELECT id, kommune_nr, status, name FROM site ORDER BY id")).mappings().all()
        )
        clusters = conn.execute(
            text("SELECT name, website FROM cluster WHERE kommune_nr = :k ORDER BY name"), {"k": K}
        ).all()

    def ids(kommune_nr: str, status: str = "published") -> set[int]:
        return {r["id"] for r in rows if r["kommune_nr"] == kommune_nr and r["status"] == status}

    assert len(ids(K)) == 2 and len(ids(NEIGHBOUR)) == 3 and ids(K, "draft") and ids(NEIGHBOUR, "draft")
    yield {
        "app": make_app(engine),
        "engine": engine,
        "own": ids(K),
        "own_draft": ids(K, "draft"),
        "neighbour": ids(NEIGHBOUR),
        "neighbour_draft": ids(NEIGHBOUR, "draft"),
        "far": ids(FAR),
        "names": {r["id"]: r["name"] for r in rows},
        "clusters": clusters,
    }
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))


def _island(html: str) -> dict[str, Any]:
    match = ISLAND.search(html)
    assert match, "no map data on the page"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def test_the_page_lists_and_maps_exactly_its_published_sites(kommune: dict[str, Any]) -> None:
    page = TestClient(kommune["app"]).get(f"/kommuner/{K}")
    assert page.status_code == 200
    listed = {int(i) for i in re.findall(r'<tr data-site-id="(\d+)"', page.text)}
    assert listed == kommune["own"]
    for site_id in kommune["own"]:
        assert f'href="/sites/{site_id}"' in page.text
    for other in kommune["own_draft"] | kommune["neighbour"] | kommune["far"]:
        assert f'<tr data-site-id="{other}"' not in page.text
    data = _island(page.text)
    assert {f["id"] for f in data["own"]["features"]} == kommune["own"]
    # The neighbours' layer: the neighbour's published sites; no draft, nothing from further away.
    assert {f["id"] for f in data["neighbours"]["features"]} == kommune["neighbour"]
    assert all(f["properties"]["url"] == f"/sites/{f['id']}" for f in data["neighbours"]["features"])
    outlines = {f["properties"]["nr"]: f["properties"]["own"] for f in data["boundaries"]["features"]}
    assert outlines[K] is True and outlines[NEIGHBOUR] is False and FAR not in outlines
    assert f"/sites?kommune={K}" in page.text  # the search page holds them all
    assert "2 publiserte områder" in page.text


@pytest.mark.parametrize("lang", ["no", "en"])
def test_figures_with_source_and_year_contacts_and_clusters(kommune: dict[str, Any], lang: str) -> None:
    html = TestClient(kommune["app"]).get(f"/kommuner/{K}", params={"lang": lang}).text
    table = html.split('<table class="figures">')[1].split("</table>")[0]
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", table, re.S)
    assert len(rows) == 2
    employed, share = rows
    assert ("Sysselsatte" if lang == "no" else "Employed") in employed
    assert ("12\u00a0500 personer" if lang == "no" else "12,500 personer") in employed
    assert "<td>SSB tabell 07984</td><td>2024</td>" in employed
    assert ("41,5 %" if lang == "no" else "41.5 %") in share
    assert "<td>SSB tabell 09429</td><td>2023</td>" in share
    # One door in: every contact, and the promise in hours and in working days.
    assert 'href="mailto:kari@lillestrom.example"' in html and 'href="tel:+4722000000"' in html
    assert "Kari Nordmann, Næringssjef" in html and "Ola Nordmann" in html
    promise = (
        "12 arbeidstimer (1 arbeidsdag og 4 timer)"
        if lang == "no"
        else "12 working hours (1 working day and 4 hours)"
    )
    assert promise in html
    assert (
        "Forskningsmiljøene på Kjeller." if lang == "no" else "The research institutes at Kjeller."
    ) in html
    # Clusters: the reference table's (with its website) and the kommune's own.
    assert kommune["clusters"], "the reference data has clusters in Lillestrøm"
    for name, website in kommune["clusters"]:
        assert name in html
        if website:
            assert f'href="{website}"' in html
    assert "Kjeller Innovasjon" in html


def test_in_english_the_pitch_and_the_ask_link(kommune: dict[str, Any]) -> None:
    client = TestClient(kommune["app"])
    page = client.get(f"/kommuner/{K}", params={"lang": "en"})
    assert '<html lang="en">' in page.text
    assert '<p class="lead">Lillestrøm has plots at Kjeller.</p>' in page.text
    assert "Lillestrøm har tomter ved Kjeller." in page.text  # the other language, folded away
    assert "Ask this kommune" in page.text and "One door in" in page.text
    link = f"/inquiries/new?kommuner={K}&amp;lang=en"
    assert link in page.text
    form = client.get(link.replace("&amp;", "&"))
    assert form.status_code == 200
    assert re.search(rf'name="kommuner" value="{K}"[^>]*checked', form.text), (
        "the form has the kommune chosen"
    )
    # The switch keeps the page.
    assert f'href="/kommuner/{K}?lang=no"' in page.text


def test_an_old_number_redirects_an_unknown_one_and_a_non_member_are_not_found(
    kommune: dict[str, Any],
) -> None:
    client = TestClient(kommune["app"])
    moved = client.get(f"/kommuner/{OLD_K}", params={"lang": "en"}, follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == f"/kommuner/{K}?lang=en"
    assert client.get(f"/kommuner/{OLD_K}").url.path == f"/kommuner/{K}"
    for nr in ("9999", "abc", "03011"):
        missing = client.get(f"/kommuner/{nr}", params={"lang": "en"})
        assert missing.status_code == 404 and "Kommune not found" in missing.text, nr
    outside = client.get("/kommuner/4601", params={"lang": "en"})  # Bergen
    assert outside.status_code == 404 and "Bergen is not a member" in outside.text


def test_the_map_is_capped_and_says_how_many_are_not_drawn(kommune: dict[str, Any]) -> None:
    with session_factory(kommune["engine"])() as session:
        page = kommune_page(session, K, map_max_sites=1)
    assert page is not None
    assert page.own_layer.count == 1 and page.own_layer.left_out == 1
    assert page.neighbour_layer.count == 1 and page.neighbour_layer.left_out == 2
    assert {s["id"] for s in page.sites} == kommune["own"]  # the list is not the map's cap


@pytest.mark.browser
def test_in_chromium_the_map_draws_the_kommunes_sites(kommune: dict[str, Any], tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    server = LiveServer(kommune["app"])
    server.start()
    try:
        with headless_chromium(offline=True) as driver:
            driver.get(f"{server.url}/kommuner/{K}?lang=en")
            assert driver.find_element(By.TAG_NAME, "h1").text == "Lillestrøm"
            WebDriverWait(driver, 20).until(lambda d: d.execute_script("return !!window.naeringKommuneMap"))
            own = driver.find_elements(By.CSS_SELECTOR, "#kommune-map path.site-own")
            faded = driver.find_elements(By.CSS_SELECTOR, "#kommune-map path.site-neighbour")
            assert len(own) == len(kommune["own"]) and len(faded) == len(kommune["neighbour"])
            assert float(faded[0].get_attribute("fill-opacity")) < float(own[0].get_attribute("fill-opacity"))
            assert not driver.find_elements(By.CSS_SELECTOR, ".map-fallback")
            driver.execute_script("document.getElementById('kommune-map').scrollIntoView()")
            driver.save_screenshot(str(tmp_path / "kommune-en.png"))
            dots = driver.find_elements(By.CSS_SELECTOR, "#kommune-map path.site-own-dot")
            assert len(dots) == len(kommune["own"])  # small sites are seen at the kommune's zoom too
            dots[-1].click()  # the topmost of the overlapping dots
            popup = WebDriverWait(driver, 10).until(
                lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content a")
            )
            assert popup[0].text in {kommune["names"][i] for i in kommune["own"]}
            assert [e for e in console_errors(driver) if "favicon" not in e.get("message", "")] == []

            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
            )
            driver.get(f"{server.url}/kommuner/{K}?lang=en")
            WebDriverWait(driver, 20).until(lambda d: d.execute_script("return !!window.naeringKommuneMap"))
            width = driver.execute_script("return document.documentElement.scrollWidth")
            assert width <= 390, f"the page is {width} px wide"
            driver.save_screenshot(str(tmp_path / "kommune-phone.png"))
    finally:
        server.stop()
