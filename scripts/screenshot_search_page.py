"""Save a screenshot of the search page with the demo data, for the README (docs/img/search-page.png).

Run against a database with the reference and demo data loaded (`naering reference load`, `naering demo
load`), e.g. `NAERING_PG_PORT=55503 .venv/bin/python scripts/screenshot_search_page.py`. The page is served
by a real uvicorn on 127.0.0.1 and opened in headless Chromium with every off-host request blocked.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.app import create_app  # noqa: E402
from tests.browser import headless_chromium  # noqa: E402
from tests.live_server import LiveServer  # noqa: E402

# The investor's question: at least 20 daa, power at least E3, within 15 km of a main road; in English.
QUERY = "lang=en&min_area_m2=20000&power_min=E3&max_km_main_road=15&sort=-area"
OUT = ROOT / "docs" / "img" / "search-page.png"


def main(out: Path = OUT) -> Path:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    server = LiveServer(create_app())
    server.start()
    try:
        with headless_chromium(width=1280, height=1000, offline=True) as driver:
            driver.get(f"{server.url}/sites?{QUERY}")
            WebDriverWait(driver, 10).until(
                lambda d: d.find_element(By.ID, "results-map").get_attribute("data-drawn")
            )
            time.sleep(0.3)  # Leaflet's zoom animation
            out.parent.mkdir(parents=True, exist_ok=True)
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(1280, min(int(height) + 120, 2000))
            driver.save_screenshot(str(out))
    finally:
        server.stop()
    return out


if __name__ == "__main__":
    print(main())
