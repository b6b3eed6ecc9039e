"""The journeys of issue 8 in headless Chromium, as their users do them (off-host requests blocked).

- The secretariat invites a kommune editor; the editor takes the e-mailed link and chooses a password.
- The kommune editor fills the one-door-in profile (a bad e-mail first), fixes a site through the form,
  and sees both on the public API.
- The pages fit a phone's width.

Screenshots go to NAERING_SCREENSHOTS when set (to look at them), else to the test's temp folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from registry.services.submissions import SubmitOptions, run_submission
from tests.accounts import browser_sign_in, make_app, make_user, reset_accounts
from tests.browser import console_errors, headless_chromium
from tests.live_server import LiveServer
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

pytestmark = pytest.mark.browser
KOMMUNE = "3203"  # Asker
EDITOR = "journey@asker.kommune.no"
ADMIN = "journey@osloregionen.no"


@pytest.fixture
def live(clean_engine: Engine, tmp_path: Path) -> Iterator[str]:
    reset_accounts(clean_engine)
    x, y = anchor_25833(clean_engine, KOMMUNE)
    path = write_geojson(
        tmp_path / "asker.geojson",
        [(to_lonlat(square_25833(x, y, 150)), site_props(1, KOMMUNE, maturity="M3", name="Kjeholmen nord"))],
    )
    assert not run_submission(clean_engine, path, SubmitOptions(kommune_nr=KOMMUNE, actor="test")).rejected
    make_user(clean_engine, ADMIN, role="admin")
    server = LiveServer(make_app(clean_engine))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
        reset_accounts(clean_engine)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("NAERING_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _press(browser: Any, xpath: str) -> None:
    """Press a form's button and wait until the browser shows the page that answered."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.XPATH, xpath).click()
    WebDriverWait(browser, 15).until(expected_conditions.staleness_of(old))


def _errors(browser: Any) -> list[Any]:
    return [e for e in console_errors(browser) if "favicon" not in e.get("message", "")]


def test_secretariat_invites_an_editor_who_sets_a_password(
    live: str, clean_engine: Engine, shots: Path
) -> None:
    from selenium.webdriver.common.by import By

    with headless_chromium(offline=True) as browser:
        browser_sign_in(browser, live, ADMIN)
        browser.get(f"{live}/admin/users")
        browser.find_element(By.ID, "email").send_keys(EDITOR)
        browser.find_element(By.ID, "name").send_keys("Kari Journey")
        browser.find_element(By.CSS_SELECTOR, f"input[name=kommuner][value='{KOMMUNE}']").click()
        _press(browser, "//button[contains(., 'Send invitasjon')]")
        assert "Invitasjonen er sendt" in browser.find_element(By.TAG_NAME, "main").text
        browser.save_screenshot(str(shots / "admin-invited.png"))
        assert _errors(browser) == []
        browser.delete_all_cookies()  # the editor's own browser
        with clean_engine.connect() as conn:
            body = conn.execute(
                text("SELECT body_text FROM outbox_message WHERE kind = 'invite'")
            ).scalar_one()
        link = re.search(r"http://testserver(/auth/invite/\S+)", body)
        assert link, body
        browser.get(live + link.group(1))
        browser.find_element(By.ID, "password").send_keys("et-langt-passord-til-kari")
        browser.find_element(By.ID, "password2").send_keys("et-langt-passord-til-kari")
        _press(browser, "//main//form//button[@type='submit']")
        assert browser.current_url.endswith(f"/my/{KOMMUNE}")
        browser.save_screenshot(str(shots / "editor-first-page.png"))
        assert _errors(browser) == []


def test_editor_fills_the_profile_and_fixes_a_site(live: str, clean_engine: Engine, shots: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    make_user(clean_engine, EDITOR, kommuner=[KOMMUNE])
    with headless_chromium(offline=True) as browser:
        browser_sign_in(browser, live, EDITOR)
        assert browser.current_url.endswith(f"/my/{KOMMUNE}")  # one kommune: straight to it
        assert "mangler kontaktperson" in browser.find_element(By.TAG_NAME, "main").text
        _press(browser, "//a[.='Fyll ut profilen']")
        name = browser.find_element(By.ID, "f-contacts[0].name")
        name.send_keys("Kari Nordmann")
        browser.find_element(By.ID, "f-contacts[0].role").send_keys("Næringssjef")
        browser.find_element(By.ID, "f-contacts[0].email").send_keys("kari-at-asker")  # a bad e-mail first
        browser.find_element(By.ID, "f-response_hours").send_keys("16")
        browser.find_element(By.ID, "f-pitch_no").send_keys("Ledige tomter ved E18 med strøm.")
        _press(browser, "//button[contains(., 'Lagre profilen')]")
        email = browser.find_element(By.ID, "f-contacts[0].email")
        assert email.get_attribute("aria-invalid") == "true"
        message = browser.find_element(By.ID, email.get_attribute("aria-describedby")).text
        assert "e-post" in message.lower()
        browser.save_screenshot(str(shots / "profile-bad-email.png"))
        assert ["422" in e["message"] for e in _errors(browser)] == [True]  # the refused form, nothing else
        email.clear()
        email.send_keys("kari@asker.kommune.no")
        _press(browser, "//button[contains(., 'Lagre profilen')]")
        assert "Profilen er lagret" in browser.find_element(By.TAG_NAME, "main").text
        assert "2 arbeidsdager" in browser.find_element(By.TAG_NAME, "main").text
        browser.save_screenshot(str(shots / "profile-saved.png"))

        browser.get(f"{live}/my/{KOMMUNE}/sites")
        _press(browser, "//a[.='Kjeholmen nord']")
        Select(browser.find_element(By.ID, "f-maturity")).select_by_value("M4")
        _press(browser, "//button[normalize-space()='Lagre']")
        assert "Lagret" in browser.find_element(By.TAG_NAME, "main").text
        browser.save_screenshot(str(shots / "site-saved.png"))
        assert _errors(browser) == []

    with clean_engine.connect() as conn:
        site_id = conn.execute(text("SELECT id FROM site")).scalar_one()
        changed_by = conn.execute(
            text("SELECT changed_by FROM site_history WHERE site_id = :i ORDER BY id DESC LIMIT 1"),
            {"i": site_id},
        ).scalar_one()
    assert changed_by == EDITOR
    public = httpx.get(f"{live}/api/v1/sites/{site_id}").json()["properties"]
    assert public["maturity"]["code"] == "M4"
    assert public["maturity"]["verified_at"] == "2026-12-01"  # the edit is a verification (the app's clock)
    kommune = httpx.get(f"{live}/api/v1/kommuner/{KOMMUNE}").json()
    assert kommune["profile_complete"] is True and kommune["contact"]["email"] == "kari@asker.kommune.no"


@pytest.mark.parametrize("page", ["/auth/sign-in", f"/my/{KOMMUNE}", f"/my/{KOMMUNE}/sites", "/admin/users"])
def test_pages_fit_a_phone(live: str, clean_engine: Engine, shots: Path, page: str) -> None:
    make_user(clean_engine, EDITOR, kommuner=[KOMMUNE])
    with headless_chromium(offline=True, width=390, height=844) as browser:
        browser_sign_in(browser, live, ADMIN if page.startswith("/admin") else EDITOR)
        browser.get(live + page)
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        browser.save_screenshot(str(shots / f"phone{page.replace('/', '-')}.png"))
        assert overflow <= 1, f"{page} is {overflow}px wider than the phone"
