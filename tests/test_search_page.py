"""The search page /sites and the home page /, against real PostGIS.

/sites lists exactly what GET /api/v1/sites answers for the same query string (every filter family, every
sort, every page), re-shows the chosen values, answers a refused value with a 400 page in both languages,
and its map holds the listed sites. / sums the land on offer as computed here in Python from the same
rows. In headless Chromium (off-host requests blocked): the investor's task through the form, the live
count, and no sideways scroll at a phone's width.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from registry.clock import FixedClock
from registry.db import session_factory
from registry.services.search_page import kommune_choices
from registry.services.submissions import SubmitOptions, run_submission
from tests.accounts import make_app
from tests.browser import console_errors, headless_chromium
from tests.conftest import SITE_TABLES
from tests.live_server import LiveServer
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

BAERUM, ASKER, OSLO, GOL = "3201", "3203", "0301", "3324"  # Gol: in no regionråd, not a member
OLD, RECENT = "2025-01-15", "2026-09-01"
# Each kommune's one door in: (name, e-mail).
CONTACTS = {BAERUM: ("Ola Næring", "naering@baerum.test"), ASKER: ("Kari Næring", "naering@asker.test")}

# (kommune, index along the row, side in m, extra properties): varied on every axis searched.
SITES: list[tuple[str, int, float, dict[str, Any]]] = [
    (
        BAERUM,
        1,
        60,
        {"maturity": "M1", "power_status": "E0", "power_mw_now": None, "availability": "not_on_market"},
    ),
    (BAERUM, 2, 160, {"maturity": "M3", "power_status": "E3", "power_mw_now": 8}),
    (
        BAERUM,
        3,
        200,
        {
            "maturity": "M4",
            "power_status": "E4",
            "power_mw_now": 15,
            "land_control": "private_agreement",
            "description_no": "Lager og logistikk nær motorveien",
        },
    ),
    (
        BAERUM,
        4,
        90,
        {"maturity": "M5", "power_status": "E4", "power_mw_now": 30, "uses": "1330", "availability": "sold"},
    ),
    (
        BAERUM,
        5,
        150,
        {
            "maturity": "M2",
            "power_mw_now": 1,
            "power_mw_future": 12,
            "power_future_year": 2029,
            "availability": "optioned",
            "maturity_verified_at": OLD,
        },
    ),
    (ASKER, 1, 110, {"maturity": "M3", "power_status": "E2", "power_mw_now": 6, "uses": "1340"}),
    (ASKER, 2, 250, {"maturity": "M5", "power_status": "E3", "power_mw_now": 40, "power_verified_at": OLD}),
    (ASKER, 3, 70, {"maturity": "M0", "power_status": "E1", "power_mw_now": None}),  # made demo below
    (ASKER, 4, 180, {"maturity": "M4", "power_status": "E4"}),  # made a draft below
    (OSLO, 1, 130, {"maturity": "M4", "power_status": "E3", "power_mw_now": 9}),
    (GOL, 1, 170, {"maturity": "M3", "power_status": "E2", "power_mw_now": 3, "availability": "optioned"}),
]


@dataclass
class World:
    app: Any
    client: TestClient
    rows: list[dict[str, Any]]  # published sites: columns, regionråd, membership, distances
    engine: Engine


@pytest.fixture(scope="module")
def world(ref_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    engine = ref_engine
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))
    folder: Path = tmp_path_factory.mktemp("search_page")
    for kommune in (BAERUM, ASKER, OSLO, GOL):
        x, y = anchor_25833(engine, kommune)
        feats = [
            (
                to_lonlat(square_25833(x, y, side, dx=400 * i)),
                site_props(
                    10 * (BAERUM, ASKER, OSLO, GOL).index(kommune) + i,
                    kommune,
                    land_control_verified_at=RECENT,
                    **extra,
                ),
            )
            for k, i, side, extra in SITES
            if k == kommune
        ]
        loaded = run_submission(
            engine, write_geojson(folder / f"{kommune}.geojson", feats), SubmitOptions(kommune)
        )
        assert loaded.rows_loaded == len(feats), [i.one_line() for i in loaded.issues]
    with engine.begin() as conn:
        conn.execute(text("UPDATE site SET is_demo = true WHERE reference = 'T-013'"))
        conn.execute(text("UPDATE site SET status = 'draft' WHERE reference = 'T-014'"))
        for kommune, (name, email) in CONTACTS.items():
            conn.execute(
                text("INSERT INTO kommune_profile (kommune_nr, response_hours) VALUES (:k, 16)"),
                {"k": kommune},
            )
            conn.execute(
                text(
                    "INSERT INTO kommune_contact (kommune_nr, position, name, role, email, phone)"
                    " VALUES (:k, 0, :n, 'Næringssjef', :e, '+47 22 00 00 00')"
                ),
                {"k": kommune, "n": name, "e": email},
            )
        rows = [
            dict(r)
            for r in conn.execute(
                text(
                    "SELECT s.*, k.regionraad, k.is_member, m.km_motorway_junction, m.km_rail_terminal, "
                    "m.km_port, m.km_airport, "
                    "(SELECT n.road FROM site_logistics l JOIN logistics_node n ON n.id = l.node_id "
                    " WHERE l.site_id = s.id AND l.kind = 'motorway_junction') AS road "
                    "FROM site s JOIN kommune k ON k.nr = s.kommune_nr JOIN site_match m ON m.id = s.id "
                    "WHERE s.status = 'published'"
                )
            ).mappings()
        ]
    app = make_app(engine, clock=FixedClock(dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)))
    yield World(app, TestClient(app), rows, engine)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))


_ROW = re.compile(r'<tr data-site-id="(\d+)">')


def _page(w: World, query: str) -> tuple[list[int], str]:
    response = w.client.get("/sites?" + query, follow_redirects=False)
    assert response.status_code == 200, response.text[:2000]
    assert response.headers["content-type"].startswith("text/html")
    return [int(i) for i in _ROW.findall(response.text)], response.text


def _api(w: World, query: str, **extra: Any) -> dict[str, Any]:
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "lang"]
    response = w.client.get("/api/v1/sites?" + urlencode([*pairs, *extra.items()]))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _api_ids(w: World, query: str) -> list[int]:
    return [f["id"] for f in _api(w, query, limit=1000)["features"]]


def _median_km(w: World, column: str) -> float:
    values = sorted(r[column] for r in w.rows)
    return round((values[2] + values[3]) / 2, 3)


def _families(w: World) -> list[str]:
    """One query string per filter family (each asks something that keeps some sites, not all)."""
    road = next(m for r in w.rows if r["road"] for m in re.findall(r"(?:E|Rv|Fv)\d+", r["road"]))
    with session_factory(w.engine)() as session:
        centre = next(k for k in kommune_choices(session) if k.nr == BAERUM).near
    regionraad = next(r["regionraad"] for r in w.rows if r["kommune_nr"] == ASKER)
    return [
        f"kommune={BAERUM}",
        f"kommune={BAERUM}&kommune={ASKER}&maturity_min=M3",
        urlencode({"regionraad": regionraad}),
        "members_only=true&include_demo=false",
        "q=logistikk",
        "min_area_m2=20000",
        "max_area_m2=20000",
        "min_area_m2=10000&max_area_m2=30000",
        "maturity_min=M3",
        "power_min=E3",
        "power_mw_min=10",
        "power_mw_min_by_year=10&power_year=2029",
        "availability=optioned&availability=not_on_market",
        "land_control=private_agreement",
        "use_code=1330&use_code=1360",
        f"max_km_main_road={_median_km(w, 'km_motorway_junction')}",
        f"max_km_rail_terminal={_median_km(w, 'km_rail_terminal')}",
        f"max_km_port={_median_km(w, 'km_port')}",
        f"max_km_airport={_median_km(w, 'km_airport')}",
        urlencode({"road": road}),
        urlencode({"near": centre, "within_km": 1.0}),
        urlencode({"near": centre, "sort": "distance"}),
        "verified_within_months=6",
        "include_demo=false",
        "lang=en&min_area_m2=20000&power_min=E3&max_km_main_road=15",
    ]


def test_each_filter_family_lists_what_the_api_lists(world: World) -> None:
    everything = _api_ids(world, "")
    assert len(everything) == len(world.rows) == len(SITES) - 1  # the draft is not published
    for query in _families(world):
        listed, _ = _page(world, query + "&limit=1000")
        assert listed == _api_ids(world, query), query  # the same sites in the same order
        if "sort=distance" not in query:
            assert 0 < len(listed) < len(everything), f"{query} narrows nothing: a test that cannot fail"


def test_the_list_shows_each_sites_facts_and_demo_mark(world: World) -> None:
    _, html = _page(world, "lang=en&sort=area&limit=1000")
    demo = next(r for r in world.rows if r["is_demo"])
    row = re.search(rf'<tr data-site-id="{demo["id"]}">(.*?)</tr>', html, re.S)
    assert row and "DEMO" in row.group(1) and f'href="/sites/{demo["id"]}"' in row.group(1)
    for r in world.rows:
        cells = re.search(rf'<tr data-site-id="{r["id"]}">(.*?)</tr>', html, re.S)
        assert cells, r["id"]
        body = cells.group(1)
        assert f"{r['area_m2'] / 1000:,.1f}" in body and r["maturity"] in body and r["power_status"] in body
        assert f"{r['km_motorway_junction']:,.1f}" in body
        assert ("DEMO" in body) == r["is_demo"]
        assert f'<button type="button" class="compare-add secondary" data-site-id="{r["id"]}" hidden>' in body


def test_the_form_shows_the_chosen_values(world: World) -> None:
    query = (
        f"kommune={BAERUM}&lang=en&min_area_m2=20000&max_area_m2=123456&maturity_min=M3&power_min=E2&availability=optioned"
        "&availability=for_sale_or_lease&land_control=kommune&use_code=1340&q=lager&members_only=true"
        "&include_demo=false&sort=-area&road=E18&max_km_port=30&power_mw_min_by_year=5&power_year=2030"
        "&verified_within_months=12&limit=50"
    )
    _, html = _page(world, query)
    for fragment in (
        f'name="kommune" value="{BAERUM}" checked',
        '<option value="20000" selected>',
        '<option value="123456" selected>123.456 daa (123456 m²)</option>',
        '<option value="M3" selected>',
        '<option value="E2" selected>',
        'name="availability" value="optioned" checked',
        'name="availability" value="for_sale_or_lease" checked',
        'name="land_control" value="kommune" checked',
        'name="use_code" value="1340" checked',
        'name="q" value="lager"',
        'name="members_only" value="true" checked',
        'name="include_demo" value="false" checked',
        '<option value="-area" selected>',
        'name="road" value="E18"',
        'name="max_km_port" value="30"',
        'name="power_mw_min_by_year" value="5"',
        'name="power_year" value="2030"',
        'name="verified_within_months" value="12"',
        '<option value="50" selected>',
    ):
        assert fragment in html, fragment
    assert 'name="availability" value="sold" checked' not in html


@pytest.mark.parametrize(
    ("query", "field", "norwegian", "english"),
    [
        ("min_area_m2=abc&kommune=3201", "min_area_m2", "må være et tall", "valid number"),
        ("maturity_min=M9&kommune=3201", "maturity_min", "må være en av", "Input should be"),
        ("power_mw_min=-1&kommune=3201", "power_mw_min", "må være minst 0", "greater than or equal to 0"),
        ("kommune=9999", "kommune", "ingen kommune med nummer 9999", "no kommune 9999"),
        ("regionraad=Atlantis&kommune=3201", "regionraad", "ukjent; kjente", "no regionråd 'Atlantis'"),
        ("within_km=3&kommune=3201", "within_km", "krever near=lon,lat", "needs near=lon,lat"),
        ("power_mw_min_by_year=3&kommune=3201", "power_year", "hører sammen med", "goes with"),
        ("road=Ring%203&kommune=3201", "road", "et vegnummer som E6", "a road number like E6"),
        ("sort=colour&kommune=3201", "sort", "må være en av", "Input should be"),
        ("near=200,10&kommune=3201", "near", "near må være lon,lat", "near must be lon,lat"),
        ("min_area_m2=5000&max_area_m2=2000&kommune=3201", "max_area_m2", "er under min_area_m2", "is below"),
        ("limit=0&kommune=3201", "limit", "må være minst 1", "greater than or equal to 1"),
        (
            "colour=red&kommune=3201",
            "_form",
            "kjenner ikke parameteren colour",
            "does not know the parameter colour",
        ),
    ],
)
def test_a_refused_value_is_a_400_page_in_both_languages(
    world: World, query: str, field: str, norwegian: str, english: str
) -> None:
    for lang in ("no", "en"):
        response = world.client.get(f"/sites?{query}&lang={lang}")
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("text/html")
        message = re.search(
            rf'<div class="error field-error" id="e-{field}">(.*?)</div>', response.text, re.S
        )
        assert message, (query, field)
        text_ = message.group(1).replace("&#39;", "'")
        assert norwegian in text_ and english in text_
        html = response.text
        assert 'id="search-form"' in html and 'href="/sites"' in html  # the page and its nav still there
        assert "error-summary" in html and 'id="result-count"' not in html
        if field != "kommune" and "kommune=3201" in query:
            assert f'name="kommune" value="{BAERUM}" checked' in html  # the other choices kept
    # The API refuses the very same query (one declaration checks both).
    api = world.client.get("/api/v1/sites?" + query)
    assert api.status_code == 400 and api.headers["content-type"].startswith("application/problem+json")


def test_empty_fields_are_dropped_by_a_redirect(world: World) -> None:
    response = world.client.get(
        "/sites?q=&kommune=3201&min_area_m2=&maturity_min=&sort=area", follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/sites?kommune=3201&sort=area"


def test_column_headers_sort_as_the_api_does(world: World) -> None:
    _, html = _page(world, "lang=en&sort=area&limit=1000")
    options = re.findall(r'<select id="f-sort" name="sort">(.*?)</select>', html, re.S)[0]
    values = re.findall(r'<option value="([^"]+)"', options)
    assert len(values) == 22 and len(set(values)) == 22  # 11 sorts, each both ways
    assert 'aria-sort="ascending" class="num"><a href="/sites?lang=en&amp;limit=1000&amp;sort=-area">' in html
    links = dict(re.findall(r'<th scope="col"[^>]*><a href="([^"]+)">([^<]+)', html))
    assert len(links) == 6
    for href in links:
        href = href.replace("&amp;", "&")
        query = urlsplit(href).query
        sort = dict(parse_qsl(query))["sort"]
        listed, _ = _page(world, query)
        assert listed == _api_ids(world, query), sort
    # A click on the sorted column reverses it.
    listed, _ = _page(world, "sort=-area&limit=1000")
    areas = [next(r["area_m2"] for r in world.rows if r["id"] == i) for i in listed]
    assert areas == sorted(areas, reverse=True)


def test_paging_covers_every_site_once_with_the_total(world: World) -> None:
    everything = _api_ids(world, "sort=name")
    seen: list[int] = []
    url = "/sites?lang=en&sort=name&limit=3"
    pages = 0
    while url:
        response = world.client.get(url)
        assert response.status_code == 200
        html = response.text
        assert f'data-total="{len(everything)}"' in html and f"{len(everything)} sites match" in html
        seen += [int(i) for i in _ROW.findall(html)]
        pages += 1
        found = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = found.group(1).replace("&amp;", "&") if found else ""
        if pages > 1:
            assert 'rel="prev"' in html
    assert seen == everything and pages == math.ceil(len(everything) / 3) > 1


def test_an_estimated_total_says_about(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    import registry.store.sites as store

    monkeypatch.setattr(store, "EXACT_TOTAL_MAX", 3)
    _, html = _page(world, "lang=en&limit=2")
    assert 'data-exact="false"' in html and ">About " in html
    _, html = _page(world, "lang=no&limit=2")
    assert ">Om lag " in html


def test_the_map_holds_the_listed_sites(world: World) -> None:
    for query in ("lang=en&limit=3&offset=3&sort=area", "kommune=3203&limit=1000"):
        listed, html = _page(world, query)
        data = re.search(
            r'<script type="application/json" id="results-data" nonce="[^"]+">(.*?)</script>', html, re.S
        )
        assert data
        drawn = json.loads(data.group(1))
        assert [f["id"] for f in drawn["features"]] == listed and listed
        api = {f["id"]: f for f in _api(world, query, limit=1000)["features"]}
        for f in drawn["features"]:
            assert f["geometry"] == api[f["id"]]["geometry"]
            assert f["properties"]["url"] == f"/sites/{f['id']}"


def test_the_home_page_sums_the_land_on_offer(world: World) -> None:
    """Sold sites, drafts and demo sites are out of the figures; the demo ones are counted apart."""
    html = world.client.get("/?lang=en").text
    offer = [r for r in world.rows if r["availability"] != "sold"]
    real = [r for r in offer if not r["is_demo"]]
    assert len(real) < len(world.rows) - 1  # a sold and a demo site are left out: a test that can fail

    def cell(element_id: str) -> tuple[int, str]:
        found = re.search(rf'id="{element_id}" data-sites="(\d+)">(.*?)</td>', html, re.S)
        assert found, element_id
        return int(found.group(1)), found.group(2)

    def daa(rows: list[dict[str, Any]]) -> str:
        return f"{sum(r['area_m2'] for r in rows) / 1000:,.1f}"

    for m in ("M0", "M1", "M2", "M3", "M4", "M5"):
        for p in ("E0", "E1", "E2", "E3", "E4"):
            rows = [r for r in real if r["maturity"] == m and r["power_status"] == p]
            n, shown = cell(f"cell-{m}-{p}")
            assert n == len(rows), (m, p)
            if rows:
                assert shown.startswith(daa(rows) + " "), (m, p, shown)
        n, shown = cell(f"row-{m}")
        assert (
            n == len([r for r in real if r["maturity"] == m])
            and daa([r for r in real if r["maturity"] == m]) in shown
        )
    n, shown = cell("all")
    assert n == len(real) and f"<strong>{daa(real)}</strong>" in shown
    assert f'<strong id="total-daa">{daa(real)} daa</strong>' in html
    demo = [r for r in offer if r["is_demo"]]
    assert f'<span id="demo-sites">{len(demo)}</span>' in html
    for kommune in (BAERUM, ASKER):
        rows = [r for r in real if r["kommune_nr"] == kommune]
        row = re.search(rf'<tr data-kommune="{kommune}">(.*?)</tr>', html, re.S)
        assert row and f'href="/kommuner/{kommune}?lang=en"' in row.group(1)
        assert f'<td class="num">{len(rows)}</td><td class="num">{daa(rows)}</td>' in row.group(1)
    regionraad = next(r["regionraad"] for r in world.rows if r["kommune_nr"] == ASKER)
    assert f'href="/sites?regionraad={quote(regionraad)}&amp;lang=en"' in html
    assert "Kartverket" in html  # the source of the kommuner and regionråd shown
    norwegian = world.client.get("/?lang=no").text
    assert (
        "Tilbudt areal" in norwegian
        and f"{sum(r['area_m2'] for r in real) / 1000:,.1f}".replace(",", "\u00a0").replace(".", ",")
        in norwegian
    )


# --- in Chromium ------------------------------------------------------------------------------------------


def _no_console_errors(driver: Any) -> None:
    assert [e for e in console_errors(driver) if "favicon" not in e.get("message", "")] == []


@pytest.mark.browser
def test_the_investor_task_through_the_search_page(world: World, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    server = LiveServer(world.app)
    server.start()
    try:
        with headless_chromium(offline=True) as driver:
            wait = WebDriverWait(driver, 10)
            driver.get(f"{server.url}/sites?lang=en")
            live = driver.find_element(By.ID, "live-count")
            # At least 20 daa, power at least E3, within 15 km of a main road.
            Select(driver.find_element(By.ID, "f-min_area_m2")).select_by_visible_text("20 daa (20,000 m²)")
            Select(driver.find_element(By.ID, "f-power_min")).select_by_value("E3")
            driver.find_element(By.ID, "f-max_km_main_road").send_keys("15")
            query = "min_area_m2=20000&power_min=E3&max_km_main_road=15"
            expected = _api(world, query, limit=1)["total"]
            assert 0 < expected < len(world.rows)
            wait.until(lambda d: live.text == f"{expected} sites match")
            url = driver.current_url
            # The count updates as a filter changes, with no page load.
            Select(driver.find_element(By.ID, "f-maturity_min")).select_by_value("M5")
            fewer = _api(world, query + "&maturity_min=M5", limit=1)["total"]
            assert fewer != expected
            wait.until(lambda d: live.text == (f"{fewer} sites match" if fewer != 1 else "1 site matches"))
            assert driver.current_url == url
            Select(driver.find_element(By.ID, "f-maturity_min")).select_by_value("")
            wait.until(lambda d: live.text == f"{expected} sites match")
            driver.save_screenshot(str(tmp_path / "search-form.png"))
            driver.find_element(By.CSS_SELECTOR, "#search-form button[type=submit]").click()
            wait.until(lambda d: "power_min=E3" in d.current_url)
            asked = dict(parse_qsl(urlsplit(driver.current_url).query, keep_blank_values=True))
            assert "" not in asked.values()  # empty fields left out of the address
            shown = driver.find_element(By.ID, "result-count")
            assert shown.text == f"{expected} sites match"
            assert int(shown.get_attribute("data-total") or -1) == expected
            wait.until(lambda d: d.find_element(By.ID, "results-map").get_attribute("data-drawn"))
            assert driver.find_element(By.ID, "results-map").get_attribute("data-drawn") == str(
                len(driver.find_elements(By.CSS_SELECTOR, "#results tbody tr"))
            )
            driver.save_screenshot(str(tmp_path / "search-results.png"))
            _no_console_errors(driver)
            # The first site, its kommune's one door in, and the inquiry about it.
            first = driver.find_element(By.CSS_SELECTOR, "#results tbody tr td a")
            name = first.text
            first.click()
            wait.until(lambda d: d.find_element(By.TAG_NAME, "h1").text == name)
            contact = driver.find_element(By.ID, "contact").find_element(By.XPATH, "..").text
            site_id = int(driver.current_url.rsplit("/", 1)[1].split("?")[0])
            kommune = next(r["kommune_nr"] for r in world.rows if r["id"] == site_id)
            assert CONTACTS[kommune][0] in contact and CONTACTS[kommune][1] in contact
            driver.save_screenshot(str(tmp_path / "site.png"))
            driver.find_element(By.LINK_TEXT, "Ask about this site").click()
            wait.until(lambda d: "/inquiries/new" in d.current_url)
            assert f"site_ids={site_id}" in driver.current_url
            assert name in driver.find_element(By.TAG_NAME, "main").text
            driver.save_screenshot(str(tmp_path / "inquiry.png"))
    finally:
        server.stop()


@pytest.mark.browser
def test_no_sideways_scroll_on_a_phone(world: World, tmp_path: Path) -> None:
    server = LiveServer(world.app)
    server.start()
    try:
        with headless_chromium(offline=True) as driver:
            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
            )
            for name, path in (
                ("search", "/sites?lang=en&limit=100"),
                ("search-refused", "/sites?lang=en&min_area_m2=abc"),
                ("home", "/?lang=en"),
                ("home-no", "/?lang=no"),
            ):
                driver.get(server.url + path)
                width = driver.execute_script("return document.documentElement.scrollWidth")
                assert width <= 390, f"{path} is {width} px wide"
                driver.save_screenshot(str(tmp_path / f"phone-{name}.png"))
                errors = [e["message"] for e in console_errors(driver) if "favicon" not in e["message"]]
                if name == "search-refused":  # the page's own status, logged by the browser
                    assert len(errors) == 1 and "400 (Bad Request)" in errors[0], errors
                else:
                    assert errors == []
    finally:
        server.stop()


def test_the_home_page_shows_demo_figures_when_there_is_nothing_real(world: World) -> None:
    """A registry holding only demo sites (the demo, a fresh installation) shows the demo sites' figures,
    marked DEMO, instead of zeros; with a real site on offer, the demo sites leave the figures again."""
    with world.engine.begin() as conn:
        made = conn.execute(text("UPDATE site SET is_demo = true WHERE NOT is_demo RETURNING id"))
        made_demo = list(made.scalars())
    try:
        html = world.client.get("/?lang=en").text
        offer = [r for r in world.rows if r["availability"] != "sold"]
        daa = f"{sum(r['area_m2'] for r in offer) / 1000:,.1f}"
        assert f'<strong id="total-daa">{daa} daa</strong>' in html
        assert f'<strong id="total-sites">{len(offer)}</strong>' in html
        assert 'id="demo-only"' in html and "only demo sites" in html
        asker = [r for r in offer if r["kommune_nr"] == ASKER]
        row = re.search(rf'<tr data-kommune="{ASKER}">(.*?)</tr>', html, re.S)
        assert row and f'<td class="num">{len(asker)}</td>' in row.group(1)
    finally:
        with world.engine.begin() as conn:
            conn.execute(text("UPDATE site SET is_demo = false WHERE id = ANY(:ids)"), {"ids": made_demo})
    assert 'id="demo-only"' not in world.client.get("/?lang=en").text
