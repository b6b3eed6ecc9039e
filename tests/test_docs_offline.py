"""/docs works without internet: Swagger UI's assets come from the app, and the page lists every operation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from registry.settings import ServerSettings
from tests.browser import console_errors, headless_chromium
from tests.live_server import LiveServer

DRAW_TIMEOUT_S = 20
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}

OFF_HOST_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"


def _app(engine: Engine) -> Any:
    url = engine.url.render_as_string(hide_password=False)
    return create_app(ServerSettings(environment="test"), database_url=url)


@pytest.fixture
def live_app(engine: Engine) -> Iterator[str]:
    server = LiveServer(_app(engine))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def _operation_count(spec: dict[str, Any]) -> int:
    return sum(1 for ops in spec["paths"].values() for method in ops if method in HTTP_METHODS)


def test_docs_page_points_only_at_the_app(engine: Engine) -> None:
    client = TestClient(_app(engine))
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn." not in page.text and "https://" not in page.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert f'"/docs/assets/{asset}"' in page.text
        res = client.get(f"/docs/assets/{asset}")
        assert res.status_code == 200 and len(res.content) > 100_000
    assert client.get("/redoc").status_code == 404  # switched off rather than served from a CDN


@pytest.mark.browser
def test_docs_render_every_operation_offline(engine: Engine, live_app: str) -> None:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    spec = TestClient(_app(engine)).get("/openapi.json").json()
    expected = _operation_count(spec)
    with headless_chromium(offline=True) as browser:
        with pytest.raises(WebDriverException, match="net::ERR_"):
            browser.get(OFF_HOST_URL)  # the block is real
        browser.get_log("browser")  # drop that page's entries
        browser.get(f"{live_app}/docs")
        WebDriverWait(browser, DRAW_TIMEOUT_S).until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) >= expected
        )
        blocks = browser.find_elements(By.CSS_SELECTOR, ".opblock")
        assert len(blocks) == expected
        text = browser.find_element(By.ID, "swagger-ui").text
        assert "Search published sites" in text and "/api/v1/sites/{site_id}" in text
        assert console_errors(browser) == []
        names = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert names and all(name.startswith(live_app + "/") for name in names)
