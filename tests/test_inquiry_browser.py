"""The investor's journey in headless Chromium (off-host requests blocked): open the form from a site,
fill it in English with the keyboard, submit, and read the matches and their verdicts on the private page;
then a bad submission shows each message beside its field. The pages fit a phone and need no script.

Screenshots go to NAERING_SCREENSHOTS when set, else to the test's temp folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from registry.clock import FixedClock
from tests.accounts import make_app
from tests.browser import console_errors, headless_chromium
from tests.inquiry_setup import A, B, oslo, two_kommuner
from tests.live_server import LiveServer
from tests.smtp import smtp_server

pytestmark = pytest.mark.browser


@pytest.fixture
def live(clean_engine: Engine, tmp_path: Path) -> Iterator[str]:
    clock = FixedClock(oslo(2027, 5, 10, 9))
    two_kommuner(clean_engine, tmp_path, clock)
    clock.set(oslo(2027, 5, 14, 10))
    with smtp_server() as (_, mail):
        server = LiveServer(make_app(clean_engine, clock=clock, mail=mail))
        server.start()
        try:
            yield server.url
        finally:
            server.stop()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("NAERING_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _site_id(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT id FROM site WHERE name = :n"), {"n": name}).scalar_one())


def _submit(browser: Any) -> None:
    """Press the form's button with the keyboard and wait for the page that answers."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    old = browser.find_element(By.TAG_NAME, "html")
    button = browser.find_element(By.XPATH, "//main//form//button[@type='submit']")
    button.send_keys(Keys.ENTER)
    WebDriverWait(browser, 15).until(expected_conditions.staleness_of(old))


def _type(browser: Any, field_id: str, value: str) -> None:
    from selenium.webdriver.common.by import By

    element = browser.find_element(By.ID, field_id)
    element.clear()
    element.send_keys(value)


def _errors(browser: Any) -> list[Any]:
    return [e for e in console_errors(browser) if "favicon" not in e.get("message", "")]


def test_an_investor_asks_about_a_site_and_reads_the_verdicts(
    live: str, clean_engine: Engine, shots: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    asker = _site_id(clean_engine, f"Område {B}-1")
    with headless_chromium(offline=True) as browser:
        # The site popup's link (maps/popups.py) opens the form in English with the site ticked.
        browser.get(f"{live}/inquiries/new?site_ids={asker}&lang=en")
        main = browser.find_element(By.TAG_NAME, "main")
        assert "Ask the region for a business site" in main.text
        chosen = browser.find_element(By.ID, f"f-site_ids-{asker}")
        assert chosen.is_selected()
        assert f"Område {B}-1" in browser.find_element(By.ID, "f-site_ids").text
        # The honeypot is out of people's way: not in the tab order, hidden from screen readers, 1 px.
        honeypot = browser.find_element(By.ID, "f-website")
        assert honeypot.get_attribute("tabindex") == "-1"
        assert honeypot.find_element(By.XPATH, "..").get_attribute("aria-hidden") == "true"
        assert honeypot.find_element(By.XPATH, "..").size["width"] <= 1

        _type(browser, "f-organisation", "Nordic Battery AS")
        # From the organisation onwards with the Tab key, as a keyboard user does.
        active = browser.switch_to.active_element
        active.send_keys(Keys.TAB)
        browser.switch_to.active_element.send_keys("Kari Investor")
        assert browser.switch_to.active_element.get_attribute("id") == "f-name"
        browser.switch_to.active_element.send_keys(Keys.TAB)
        browser.switch_to.active_element.send_keys("kari@nordicbattery.example")
        assert browser.switch_to.active_element.get_attribute("id") == "f-email"
        _type(browser, "f-sector", "Battery cells")
        _type(browser, "f-area_min", "20")
        _type(browser, "f-area_max", "80")
        _type(browser, "f-power_mw_now", "5")
        Select(browser.find_element(By.ID, "f-maturity_min")).select_by_value("M0")
        browser.find_element(By.ID, f"f-kommuner-{A}").send_keys(Keys.SPACE)
        browser.find_element(By.ID, f"f-kommuner-{B}").send_keys(Keys.SPACE)
        assert browser.find_element(By.ID, f"f-kommuner-{A}").is_selected()
        browser.find_element(By.ID, "f-confidentiality-registry_only").send_keys(Keys.SPACE)
        _type(browser, "f-message", "We need a site for a pilot line.")
        browser.save_screenshot(str(shots / "inquiry-form-filled.png"))
        _submit(browser)

        assert "/i/" in browser.current_url and "new=1" in browser.current_url
        main = browser.find_element(By.TAG_NAME, "main")
        assert "Thank you! Your inquiry is sent." in main.text
        assert "area 20–80 daa; power 5 MW now" in main.text
        # The chosen site is shown first, with its verdicts; it fits, so the matches list the other one.
        assert "The sites you chose" in main.text and "Meets every need" in main.text
        assert "Sites that fit (1)" in main.text and "Kommuner: Asker, Bærum" in main.text
        items = browser.find_elements(By.CSS_SELECTOR, "li.site-item")
        names = [i.find_element(By.TAG_NAME, "h4").text for i in items]
        assert any(f"Område {A}-1" in n for n in names) and any(f"Område {B}-1" in n for n in names)
        asker_item = browser.find_element(By.ID, f"s-{asker}")
        verdicts = [v.text for v in asker_item.find_elements(By.CSS_SELECTOR, "ul.verdicts > li")]
        assert any(v.startswith("Meets Area:") for v in verdicts), verdicts
        assert any(v.startswith("Meets Power now (MW):") for v in verdicts), verdicts
        assert all(re.search(r"verified \d{4}-\d\d-\d\d\)$", v) for v in verdicts), verdicts
        assert "Plan maturity: M3 Zoned for business" in " ".join(verdicts)
        threads = browser.find_elements(By.CSS_SELECTOR, "section.thread h4")
        assert sorted(t.text for t in threads) == ["Asker", "Bærum"]
        assert browser.find_elements(By.CSS_SELECTOR, "script") == []  # no script needed
        browser.save_screenshot(str(shots / "inquiry-private.png"))
        assert _errors(browser) == []

        # A bad submission: each message beside its field, the values kept, the summary an alert.
        browser.get(f"{live}/inquiries/new")
        _type(browser, "f-organisation", "Nordic Battery AS")
        _type(browser, "f-name", "Kari Investor")
        _type(browser, "f-email", "kari-at-nordicbattery")
        _type(browser, "f-area_min", "80")
        _type(browser, "f-area_max", "20")
        _type(browser, "f-power_year", "1999")
        _submit(browser)
        summary = browser.find_element(By.CSS_SELECTOR, "[role=alert]")
        assert "The inquiry is not sent" in summary.text
        for field, words in (
            ("f-email", "does not look like an e-mail address"),
            ("f-area_max", "is below the smallest"),
            ("f-power_year", "must be a year from 2027"),
        ):
            element = browser.find_element(By.ID, field)
            assert element.get_attribute("aria-invalid") == "true"
            message = browser.find_element(By.ID, element.get_attribute("aria-describedby").split()[0])
            assert words in message.text, (field, message.text)
            # Beside its field: the message sits just above the input, inside the same block.
            assert message.find_element(By.XPATH, "..") == element.find_element(By.XPATH, "..")
        assert browser.find_element(By.ID, "f-area_min").get_attribute("value") == "80"
        assert browser.find_element(By.ID, "f-email").get_attribute("value") == "kari-at-nordicbattery"
        # The summary's link takes the keyboard to the field.
        summary.find_element(By.CSS_SELECTOR, "a[href='#f-email']").send_keys(Keys.ENTER)
        assert browser.current_url.endswith("#f-email")
        browser.save_screenshot(str(shots / "inquiry-form-errors.png"))
        assert ["400" in e["message"] for e in _errors(browser)] == [True]  # the refused form, nothing else


@pytest.mark.parametrize("page", ["/inquiries/new?lang=en", "private"])
def test_the_inquiry_pages_fit_a_phone(live: str, clean_engine: Engine, shots: Path, page: str) -> None:
    import httpx

    from tests.accounts import csrf_from
    from tests.inquiry_setup import NEED

    if page == "private":
        with httpx.Client(base_url=live) as client:
            csrf = csrf_from(client.get("/inquiries/new").text)
            r = client.post("/inquiries/new", data={**NEED, "csrf_token": csrf})
            assert r.status_code == 303, r.text[:1000]
            page = r.headers["location"]
    with headless_chromium(offline=True, width=390, height=844) as browser:
        browser.get(live + page)
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        browser.save_screenshot(str(shots / f"phone-inquiry-{'private' if '/i/' in page else 'form'}.png"))
        assert overflow <= 1, f"{page} is {overflow}px wider than the phone"
