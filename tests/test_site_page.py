"""The site page (/sites/{id}): every fact with its date and state, area in daa, m² and ha, power with the
nearest substation's published capacity, date and caveat, the distances, the kommune's contact and
promise, "ask about this site", the sources; drafts only for the kommune's editors; in Chromium offline,
at a phone's width, the ask link opens the inquiry form with the site chosen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from registry.services.submissions import SubmitOptions, run_submission
from tests.accounts import make_app, make_user, reset_accounts, token_for
from tests.browser import console_errors, headless_chromium
from tests.conftest import SITE_TABLES
from tests.live_server import LiveServer
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

K = "3201"


@pytest.fixture(scope="module")
def sites(ref_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    engine = ref_engine
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))
    reset_accounts(engine)
    folder: Path = tmp_path_factory.mktemp("site_page")
    x, y = anchor_25833(engine, K)
    published = write_geojson(
        folder / "p.geojson",
        [
            (
                to_lonlat(square_25833(x, y, 150)),
                site_props(
                    1,
                    K,
                    description_no="Lager ved E18.",
                    description_en="Warehouse by the E18.",
                    power_mw_future=12,
                    power_future_year=2029,
                    plan_id="2020010",
                ),
            )
        ],
    )
    draft = write_geojson(
        folder / "d.geojson", [(to_lonlat(square_25833(x, y, 150, dx=600)), site_props(2, K))]
    )
    assert not run_submission(engine, published, SubmitOptions(K)).rejected
    assert not run_submission(engine, draft, SubmitOptions(K, draft=True)).rejected
    with engine.connect() as conn:
        ids = dict(conn.execute(text("SELECT status, id FROM site")).all())
        row = (
            conn.execute(
                text(
                    "SELECT s.area_m2, n.name AS substation, n.caveat, "
                    "(n.capacity_date AT TIME ZONE 'Europe/Oslo')::date AS capacity_date, "
                    "(SELECT array_agg(ln.name) FROM site_logistics l "
                    " JOIN logistics_node ln ON ln.id = l.node_id WHERE l.site_id = s.id) AS nodes "
                    "FROM site s JOIN substation n ON n.id = s.nearest_substation_id WHERE s.id = :id"
                ),
                {"id": ids["published"]},
            )
            .mappings()
            .one()
        )
    make_user(engine, "plan@baerum.example", kommuner=[K])
    app = make_app(engine)
    yield {"app": app, "engine": engine, "published": ids["published"], "draft": ids["draft"], **row}
    reset_accounts(engine)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))


def shown(value: float, lang: str) -> str:
    """A number as people read it in the page's language: two decimals at most, no trailing zeros,
    Norwegian with a decimal comma and a no-break space between thousands (36,61 / 12 500,5)."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u00a0").replace(".", ",") if lang == "no" else text


@pytest.mark.parametrize("lang", ["no", "en"])
def test_the_page_shows_every_fact_with_its_date(sites: dict[str, Any], lang: str) -> None:
    page = TestClient(sites["app"]).get(f"/sites/{sites['published']}", params={"lang": lang})
    assert page.status_code == 200
    html = page.text
    assert "Testområde 1" in html
    assert ("Lager ved E18." if lang == "no" else "Warehouse by the E18.") in html
    area = sites["area_m2"]
    assert f"{shown(area / 1000, lang)} daa" in html and f"{shown(area / 10_000, lang)} ha" in html
    assert "2026-09-01" in html  # the verification dates of the file
    assert ("Planmodenhet" if lang == "no" else "Plan maturity") in html and "M3" in html
    assert "12 MW" in html and "2029" in html
    assert sites["substation"] in html and sites["capacity_date"].isoformat() in html
    assert sites["caveat"][:40].replace("&", "&amp;") in html
    for node in sites["nodes"]:
        assert node.replace("&", "&amp;") in html, node
    assert f"/inquiries/new?site_ids={sites['published']}&amp;lang={lang}" in html
    assert ("arbeidstimer" if lang == "no" else "working hours") in html
    assert "Kartverket" in html and "WattApp" in html  # the sources of what is shown
    assert "2020010" in html


def test_a_draft_is_the_kommunes_own(sites: dict[str, Any]) -> None:
    anonymous = TestClient(sites["app"]).get(f"/sites/{sites['draft']}")
    assert anonymous.status_code == 404 and "Testområde 2" not in anonymous.text
    editor = TestClient(sites["app"])
    editor.headers["Authorization"] = f"Bearer {token_for(sites['engine'], 'plan@baerum.example')}"
    page = editor.get(f"/sites/{sites['draft']}")
    assert page.status_code == 200 and "Testområde 2" in page.text and "Utkast" in page.text
    assert TestClient(sites["app"]).get("/sites/999999").status_code == 404


@pytest.mark.browser
def test_on_a_phone_the_ask_link_opens_the_form_with_the_site(sites: dict[str, Any]) -> None:
    from selenium.webdriver.common.by import By

    server = LiveServer(sites["app"])
    server.start()
    try:
        with headless_chromium(offline=True) as driver:
            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
            )
            driver.get(f"{server.url}/sites/{sites['published']}?lang=en")
            assert driver.find_element(By.TAG_NAME, "h1").text == "Testområde 1"
            width = driver.execute_script("return document.documentElement.scrollWidth")
            assert width <= 390, f"the page is {width} px wide"
            assert [e for e in console_errors(driver) if "favicon" not in e.get("message", "")] == []
            driver.find_element(By.LINK_TEXT, "Ask about this site").click()
            assert "/inquiries/new" in driver.current_url
            assert "Testområde 1" in driver.find_element(By.TAG_NAME, "main").text
    finally:
        server.stop()
