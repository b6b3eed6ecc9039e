"""/about: the sources with their licences (the grid data's non-commercial terms said plainly), the
registry's own licence, each fact's maximum age as declared, the data's dates from the database, and the
accessibility statement — in both languages, and in Chromium with every off-host request blocked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from registry.attribution import SOURCES
from schemas.site import AXES
from tests.accounts import make_app
from tests.browser import console_errors, headless_chromium
from tests.live_server import LiveServer


@pytest.fixture(scope="module")
def client(ref_engine: Engine) -> TestClient:
    return TestClient(make_app(ref_engine))


def _capacity_date(engine: Engine) -> dt.date:
    """The newest capacity date as the day it was in Oslo."""
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT (max(capacity_date) AT TIME ZONE 'Europe/Oslo')::date FROM substation")
        ).scalar_one()
    assert found is not None
    return found  # type: ignore[no-any-return]


@pytest.mark.parametrize("lang", ["no", "en"])
def test_every_source_its_licence_and_each_facts_age(
    client: TestClient, ref_engine: Engine, lang: str
) -> None:
    page = client.get("/about", params={"lang": lang})
    assert page.status_code == 200
    html = page.text
    for source in SOURCES:
        title = source.title_no if lang == "no" else source.title_en
        assert title.replace("&", "&amp;") in html, title
        assert source.licence in html
    for axis in AXES:
        label = axis.taxonomy.title_no if lang == "no" else axis.taxonomy.title_en
        assert f"{label}</th><td>{axis.max_age_days} " in html, axis.name
    assert "NLOD 2.0" in html
    assert _capacity_date(ref_engine).isoformat() in html
    assert "WCAG 2.1" in html
    words = (
        ("ikke-kommersiell", "Tilgjengelighetserklæring")
        if lang == "no"
        else ("non-commercial", "Accessibility statement")
    )
    assert all(w in html for w in words)
    other = ("Accessibility statement",) if lang == "no" else ("Tilgjengelighetserklæring",)
    assert not any(w in html for w in other)


def test_every_page_links_to_it(client: TestClient) -> None:
    assert 'href="/about"' in client.get("/inquiries/new").text


def test_unknown_parameter_is_refused(client: TestClient) -> None:
    assert client.get("/about", params={"foo": "1"}).status_code == 400


@pytest.fixture
def live(ref_engine: Engine) -> Iterator[str]:
    server = LiveServer(make_app(ref_engine))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.mark.browser
def test_the_page_reads_in_a_browser_offline_with_landmarks_and_headings(live: str) -> None:
    from selenium.webdriver.common.by import By

    driver: Any
    with headless_chromium(offline=True) as driver:
        # A phone's screen (a desktop window has a minimum width of about 500 px).
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
        )
        driver.get(f"{live}/about?lang=en")
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
        assert driver.find_element(By.TAG_NAME, "h1").text == "About the data"
        headings = [h.text for h in driver.find_elements(By.TAG_NAME, "h2")]
        assert "Accessibility statement" in headings and len(headings) == 5
        assert driver.find_element(By.CSS_SELECTOR, "main#main")
        assert driver.find_element(By.CSS_SELECTOR, "a.skip").get_attribute("href").endswith("#main")
        assert len(driver.find_elements(By.CSS_SELECTOR, "#sources tbody tr, section tbody tr")) >= len(
            SOURCES
        )
        assert driver.execute_script("return window.innerWidth") == 390
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width} px wide: it scrolls sideways on a phone"
        assert [e for e in console_errors(driver) if "favicon" not in e.get("message", "")] == []
