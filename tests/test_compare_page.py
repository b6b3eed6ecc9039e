"""The compare page (/compare?ids=…): up to four published sites side by side, each fact in one row with
the right value per site, exactly the rows where the sites differ marked (a class and a "differs" text for
screen readers); five ids or a bad id refused with a bilingual 400 page; unknown and draft ids named as not
found; "send one inquiry" opens the form with the sites chosen. In Chromium offline: three sites added to
the shortlist from their pages, compared, and sent as one inquiry; at a phone's width the table scrolls
inside its wrapper with the first column in place, and the page does not scroll sideways."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from registry.services.submissions import SubmitOptions, run_submission
from schemas.taxonomy import LOGISTICS_KIND
from tests.accounts import make_app, reset_accounts
from tests.browser import console_errors, headless_chromium
from tests.conftest import SITE_TABLES
from tests.live_server import LiveServer
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

K = "3201"
# Three published sites: they differ in area, maturity, MW by year and price, and share the rest.
SITES = [
    (1, 100, 0, {}),
    (2, 150, 3000, {"price_nok_per_m2": 1250, "price_terms": "Salg"}),
    (3, 200, 6000, {"maturity": "M1", "power_mw_future": 12, "power_future_year": 2029}),
]


class _Table(HTMLParser):
    """The compare table read back: the sites' ids in column order, and each row's key, class and cells."""

    def __init__(self) -> None:
        super().__init__()
        self.columns: list[int] = []
        self.rows: dict[str, dict[str, Any]] = {}
        self._row: dict[str, Any] | None = None
        self._cell: list[str] | None = None
        self._in_table = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and "compare" in (a.get("class") or ""):
            self._in_table = True
        if not self._in_table:
            return
        if tag == "th" and a.get("data-site-id"):
            self.columns.append(int(a["data-site-id"] or 0))
        if tag == "tr" and a.get("data-row"):
            self._row = {"class": a.get("class") or "", "head": "", "cells": []}
            self.rows[a["data-row"] or ""] = self._row
        if tag in ("th", "td") and self._row is not None:
            self._cell = []
        if tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_table = False
        if tag in ("th", "td") and self._row is not None and self._cell is not None:
            content = re.sub(r"\s+", " ", "".join(self._cell)).strip()
            if tag == "th":
                self._row["head"] = content
            else:
                self._row["cells"].append(content)
            self._cell = None
        if tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _table(html: str) -> _Table:
    parser = _Table()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def sites(ref_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    engine = ref_engine
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))
    reset_accounts(engine)
    folder: Path = tmp_path_factory.mktemp("compare_page")
    x, y = anchor_25833(engine, K)
    published = write_geojson(
        folder / "p.geojson",
        [
            (to_lonlat(square_25833(x, y, side, dx=dx)), site_props(i, K, **extra))
            for i, side, dx, extra in SITES
        ],
    )
    draft = write_geojson(
        folder / "d.geojson", [(to_lonlat(square_25833(x, y, 100, dx=-3000)), site_props(9, K))]
    )
    assert not run_submission(engine, published, SubmitOptions(K)).rejected
    assert not run_submission(engine, draft, SubmitOptions(K, draft=True)).rejected
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, name, status, area_m2 FROM site ORDER BY id")).mappings().all()
        ids = [r["id"] for r in rows if r["status"] == "published"]
        logistics = conn.execute(
            text("SELECT site_id, kind, distance_km FROM site_logistics WHERE site_id = ANY(:ids)"),
            {"ids": ids},
        ).all()
        substations = conn.execute(
            text(
                "SELECT s.id, n.name, n.available_cons_mw FROM site s JOIN substation n "
                "ON n.id = s.nearest_substation_id WHERE s.id = ANY(:ids)"
            ),
            {"ids": ids},
        ).all()
    yield {
        "app": make_app(engine),
        "ids": ids,
        "draft": next(r["id"] for r in rows if r["status"] == "draft"),
        "names": {r["id"]: r["name"] for r in rows},
        "area_daa": {r["id"]: round(float(r["area_m2"]) / 1000, 2) for r in rows},
        "logistics": logistics,
        "substations": {r[0]: (r[1], r[2]) for r in substations},
    }
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))


def _en_number(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def test_each_row_has_each_sites_value_and_exactly_the_differing_rows_are_marked(
    sites: dict[str, Any],
) -> None:
    a, b, c = sites["ids"]
    page = TestClient(sites["app"]).get("/compare", params={"ids": f"{a},{b},{c}", "lang": "en"})
    assert page.status_code == 200
    table = _table(page.text)
    assert table.columns == [a, b, c]
    rows = table.rows
    assert all(len(r["cells"]) == 3 for r in rows.values())
    # The values, site by site, in the order asked.
    assert rows["area"]["cells"] == [f"{_en_number(sites['area_daa'][i])} daa" for i in (a, b, c)]
    assert [cell.split()[0] for cell in rows["maturity"]["cells"]] == ["M3", "M3", "M1"]
    assert all(cell.startswith("E2 ") and "verified 2026-09-01" in cell for cell in rows["power"]["cells"])
    assert rows["mw_now"]["cells"] == ["4 MW"] * 3
    assert rows["mw_future"]["cells"] == ["not given", "not given", "12 MW · from 2029"]
    assert rows["price"]["cells"][1].startswith("1,250 NOK/m²") and "Salg" in rows["price"]["cells"][1]
    assert rows["kommune"]["cells"] == ["Bærum (3201) Asker og Bærum regionråd"] * 3
    assert rows["uses"]["cells"] == ["1340 Industry, 1350 Warehouse"] * 3
    # Differs: the rows built to differ, and the distances and substations as the database has them.
    expected = {"area", "maturity", "mw_future", "price"}
    for kind in LOGISTICS_KIND.codes:
        distances = {float(d) for site_id, k, d in sites["logistics"] if k == kind}
        if len(distances) > 1:
            expected.add(f"logistics_{kind}")
    if len(set(sites["substations"].values())) > 1:
        expected.add("substation")
    marked = {key for key, row in rows.items() if "differs" in row["class"].split()}
    assert marked == expected
    for key, row in rows.items():
        assert ("(differs)" in row["head"]) == (key in expected), key  # said in words, not colour alone
    for key in ("kommune", "power", "mw_now", "availability", "land_control", "uses", "contact", "response"):
        assert key in rows and key not in marked
    # One inquiry about all three.
    link = f'href="/inquiries/new?site_ids={a}&amp;site_ids={b}&amp;site_ids={c}&amp;lang=en"'
    assert link in page.text


def test_the_inquiry_form_takes_the_sites(sites: dict[str, Any]) -> None:
    a, b, c = sites["ids"]
    form = TestClient(sites["app"]).get(f"/inquiries/new?site_ids={a}&site_ids={b}&site_ids={c}&lang=en")
    assert form.status_code == 200
    checked = re.findall(r'name="site_ids" value="(\d+)"[^>]*checked', form.text)
    assert [int(i) for i in checked] == [a, b, c]


def test_five_ids_or_a_bad_id_are_refused_in_both_languages(sites: dict[str, Any]) -> None:
    client = TestClient(sites["app"])
    five = client.get("/compare", params={"ids": "1,2,3,4,5"})
    assert five.status_code == 400
    assert "At most 4 sites can be compared, not 5" in five.text and "Høyst 4 områder" in five.text
    repeated = client.get("/compare?ids=1,2&ids=3,4&ids=5")
    assert repeated.status_code == 400
    for bad in ("1,x", "0", "-3", "1;2", "99999999999"):
        res = client.get("/compare", params={"ids": bad})
        assert res.status_code == 400, bad
        assert "Site ids must be whole numbers" in res.text and "Områdenummer må være hele tall" in res.text
    assert client.get("/compare", params={"ids": "1," * 200}).status_code == 400


def test_unknown_and_draft_ids_are_named_and_the_others_compared(sites: dict[str, Any]) -> None:
    a, b, _ = sites["ids"]
    draft = sites["draft"]
    page = TestClient(sites["app"]).get("/compare", params={"ids": f"{a},999999,{draft},{b}", "lang": "en"})
    assert page.status_code == 200
    notice = page.text.split('id="not-found"')[1].split("</div>")[0]
    assert "<strong>999999</strong>" in notice and f"<strong>{draft}</strong>" in notice
    assert f"<strong>{a}</strong>" not in notice
    assert _table(page.text).columns == [a, b]
    assert sites["names"][draft] not in page.text
    empty = TestClient(sites["app"]).get("/compare", params={"lang": "en"})
    assert empty.status_code == 200 and "No sites to compare yet" in empty.text


@pytest.mark.browser
def test_in_chromium_three_sites_from_their_pages_compared_and_sent(
    sites: dict[str, Any], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    server = LiveServer(sites["app"])
    server.start()
    try:
        with headless_chromium(offline=True) as driver:
            for n, site_id in enumerate(sites["ids"], start=1):
                driver.get(f"{server.url}/sites/{site_id}?lang=en")
                button = WebDriverWait(driver, 10).until(
                    lambda d: next(
                        (
                            e
                            for e in d.find_elements(By.CSS_SELECTOR, "button.compare-add")
                            if e.is_displayed()
                        ),
                        None,
                    )
                )
                assert button.text == "Add to compare" and button.get_attribute("aria-pressed") == "false"
                button.click()
                assert button.get_attribute("aria-pressed") == "true" and button.text == "Remove from compare"
                bar = driver.find_element(By.ID, "shortlist")
                assert bar.is_displayed()
                assert bar.find_element(By.CLASS_NAME, "shortlist-count").text == (
                    "1 site chosen" if n == 1 else f"{n} sites chosen"
                )
            driver.save_screenshot(str(tmp_path / "site-shortlist.png"))
            driver.find_element(By.CSS_SELECTOR, "#shortlist .shortlist-go").click()
            WebDriverWait(driver, 10).until(lambda d: "/compare" in d.current_url)
            assert driver.find_element(By.TAG_NAME, "h1").text == "Compare sites"
            columns = driver.find_elements(By.CSS_SELECTOR, "table.compare thead th[data-site-id]")
            assert [int(c.get_attribute("data-site-id")) for c in columns] == sites["ids"]
            assert driver.find_elements(By.CSS_SELECTOR, "table.compare tr.differs")
            driver.save_screenshot(str(tmp_path / "compare.png"))
            assert [e for e in console_errors(driver) if "favicon" not in e.get("message", "")] == []

            # On a phone: the table scrolls inside its wrapper, its first column stays; the page does not.
            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
            )
            driver.refresh()
            width = driver.execute_script("return document.documentElement.scrollWidth")
            assert width <= 390, f"the page is {width} px wide"
            wrap = driver.find_element(By.CSS_SELECTOR, ".compare-wrap")
            assert driver.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", wrap)
            first = driver.find_element(By.CSS_SELECTOR, "table.compare tbody th")
            assert first.value_of_css_property("position") == "sticky"
            before = first.location["x"]
            driver.execute_script("arguments[0].scrollLeft = 300", wrap)
            assert abs(first.location["x"] - before) < 2, "the first column moved with the sites"
            driver.save_screenshot(str(tmp_path / "compare-phone.png"))

            driver.find_element(By.ID, "send-inquiry").click()
            WebDriverWait(driver, 10).until(lambda d: "/inquiries/new" in d.current_url)
            chosen = driver.find_elements(By.CSS_SELECTOR, 'input[name="site_ids"]:checked')
            assert sorted(int(e.get_attribute("value")) for e in chosen) == sorted(sites["ids"])
            main = driver.find_element(By.TAG_NAME, "main").text
            assert all(sites["names"][i] in main for i in sites["ids"])
    finally:
        server.stop()
