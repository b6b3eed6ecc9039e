"""The /submit page in headless Chromium: a kommune officer uploads a file and reads the report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.accounts import browser_sign_in, make_app, make_user, reset_accounts
from tests.browser import console_errors, headless_chromium
from tests.live_server import LiveServer
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

pytestmark = pytest.mark.browser


@pytest.fixture
def live_upload_app(clean_engine: Engine) -> Iterator[str]:
    reset_accounts(clean_engine)
    server = LiveServer(make_app(clean_engine))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def test_upload_check_and_read_report(clean_engine: Engine, live_upload_app: str, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    x, y = anchor_25833(clean_engine, "3203")
    path = write_geojson(
        tmp_path / "asker_kontroll.geojson",
        [
            (to_lonlat(square_25833(x, y, 100)), site_props(1, "3203")),
            (to_lonlat(square_25833(x, y, 100, dx=300)), site_props(2, "3203", maturity="reguleret")),
        ],
    )
    with headless_chromium() as browser:
        make_user(clean_engine, "redaktor@asker.kommune.no", kommuner=["3203"])
        browser_sign_in(browser, live_upload_app, "redaktor@asker.kommune.no")
        browser.get(f"{live_upload_app}/submit")
        Select(browser.find_element(By.NAME, "kommune_nr")).select_by_value("3203")
        browser.find_element(By.NAME, "file").send_keys(str(path))
        browser.find_element(By.CSS_SELECTOR, "button[value=check]").click()
        status = browser.find_element(By.ID, "status")
        WebDriverWait(browser, 30).until(lambda d: "Kontroll" in status.text)
        WebDriverWait(browser, 10).until(
            lambda d: "Rad" in (d.find_element(By.ID, "report").get_attribute("srcdoc") or "")
        )
        browser.switch_to.frame(browser.find_element(By.ID, "report"))
        report = browser.find_element(By.TAG_NAME, "body").text
        assert "asker_kontroll.geojson" in report
        assert "reguleret" in report and "mente du M3" in report
        browser.switch_to.default_content()
        assert [e for e in console_errors(browser) if "favicon" not in e.get("message", "")] == []
    with clean_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM site")).scalar_one() == 0
