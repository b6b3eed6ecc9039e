"""Headless Chromium for browser tests (Debian's chromium + chromium-driver, driven by selenium).

Use it from a fixture (`from tests.browser import headless_chromium`):

    @pytest.fixture(scope="module")
    def browser():
        with headless_chromium() as driver:
            yield driver

It skips the test (with the reason) where chromium, chromedriver or selenium is missing; CI fails on
skips, so there the skip still shows up as a failure.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
# Off-host requests fail: no host name but the loopback address resolves, and anything that is not
# 127.0.0.1 goes to a proxy where nothing listens.
_OFFLINE_ARGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=127.0.0.1",
)


def require_chromium() -> None:
    """Skip the calling test unless chromium, chromedriver and selenium are all available."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not Path(path).exists()]
    if missing:
        pytest.skip(
            f"headless browser test needs {', '.join(missing)} (apt-get install chromium chromium-driver)"
        )
    pytest.importorskip("selenium", reason="headless browser test needs selenium (pip install selenium)")


@contextmanager
def headless_chromium(*, width: int = 1280, height: int = 900, offline: bool = False) -> Iterator[WebDriver]:
    """Start headless Chromium with a fresh profile and browser-console logging; quit it afterwards.

    With `offline`, every request to another host than 127.0.0.1 fails.
    """
    require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    # An explicit binary and driver keep selenium-manager from looking for (and downloading) a browser.
    options.binary_location = CHROMIUM
    extra = _OFFLINE_ARGS if offline else ()
    for arg in (*_ARGS, *extra, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def console_errors(driver: WebDriver) -> list[dict[str, Any]]:
    """Return the SEVERE browser-console entries logged since the last call."""
    return [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]
