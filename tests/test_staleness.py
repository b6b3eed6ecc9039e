"""Staleness that means something: a fact with no verification date is *unverified*; a fact verified
longer ago than its axis allows (power ages faster than plan maturity) is *stale*. The API, the map and
the export say which, and a file made from the Excel template carries the dates. Real PostGIS, no mocks.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from etl.template import SITES_SHEET, write_xlsx_template
from maps.popups import site_popup_html
from registry.db import session_factory
from registry.services.demo import load_demo
from registry.services.exports import write_sites_xlsx
from registry.services.maps import map_sites
from registry.services.submissions import SubmitOptions, run_submission
from registry.settings import ServerSettings
from registry.store import sites as site_store
from schemas.site import AXES, site_properties
from tests.sites_factory import anchor_25833, square_25833

ASKER = "3203"
TODAY = dt.date.today()
COUNTING = [a for a in AXES if a.counts_for_site]
DEMO_AS_OF = dt.date(2026, 11, 1)  # scripts/make_demo_data.py: the demo's "today"


def _ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


# Three sites: every fact verified yesterday; no fact dated; every fact dated 200 days ago — past the
# maximum age of power and availability (180 days), within that of maturity (365) and land control (730).
SITES: dict[str, dict[str, Any]] = {
    "T-CUR": {f"{a.name}_verified_at": _ago(1) for a in COUNTING},
    "T-UNV": {},
    "T-OLD": {f"{a.name}_verified_at": _ago(200) for a in COUNTING},
}
OLD_STALE = {"power", "availability"}


def _template_file(engine: Engine, path: Path) -> Path:
    """Fill the Excel template with the three sites (the example row replaced) and save it."""
    write_xlsx_template(path)
    wb = openpyxl.load_workbook(path)
    ws = wb[SITES_SHEET]
    header = [c.value for c in ws[1]]
    ws.delete_rows(2, ws.max_row)
    x, y = anchor_25833(engine, ASKER)
    for i, (ref, dates) in enumerate(SITES.items()):
        values: dict[str, Any] = {
            "kommune_nr": ASKER,
            "reference": ref,
            "name": f"Stedsnavn {ref}",
            "maturity": "M3",
            "power_status": "E2",
            "power_mw_now": 4,
            "availability": "for_sale_or_lease",
            "land_control": "kommune",
            "wkt": f"SRID=25833;{shapely.to_wkt(square_25833(x, y, 120, dx=300 * i), rounding_precision=2)}",
            **dates,
        }
        # geometry headings name their CRS ("wkt (EPSG:25833)"): match on the field name before it
        ws.append([values.get(str(name).split(" ")[0]) for name in header])
    wb.save(path)
    return path


@pytest.fixture
def submitted(clean_engine: Engine, tmp_path: Path) -> dict[str, int]:
    """The three sites loaded from a filled-in Excel template; reference → site id."""
    path = _template_file(clean_engine, tmp_path / "mal.xlsx")
    result = run_submission(clean_engine, path, SubmitOptions(kommune_nr=ASKER))
    assert result.rows_loaded == 3, [i.one_line() for i in result.issues]
    with session_factory(clean_engine)() as session:
        rows = site_store.all_with_status(session, statuses=("published",))
    return {r["reference"]: int(r["id"]) for r in rows}


@pytest.fixture
def client(clean_engine: Engine) -> TestClient:
    app = create_app(
        ServerSettings(environment="test"), database_url=clean_engine.url.render_as_string(False)
    )
    return TestClient(app)


def test_template_has_a_verified_on_column_for_every_axis_a_kommune_vouches_for(tmp_path: Path) -> None:
    path = tmp_path / "mal.xlsx"
    write_xlsx_template(path)
    header = {c.value for c in openpyxl.load_workbook(path)[SITES_SHEET][1]}
    vouched = [a for a in AXES if a.vouched_by_kommune]
    assert [a.name for a in vouched] == [a.name for a in COUNTING]  # the facts that make a site current
    for axis in vouched:
        assert {axis.verified_at, axis.verified_by} <= header, axis.name


def test_the_api_tells_unverified_from_stale(client: TestClient, submitted: dict[str, int]) -> None:
    listed = client.get("/api/v1/sites", params={"kommune": ASKER}).json()["features"]
    for props in [f["properties"] for f in listed] + [
        client.get(f"/api/v1/sites/{i}").json()["properties"] for i in submitted.values()
    ]:
        ref = props["reference"]
        site = (props["unverified"], props["stale"])
        axes = {a.name: (props[a.name]["unverified"], props[a.name]["stale"]) for a in COUNTING}
        if ref == "T-CUR":
            assert site == (False, False)
            assert set(axes.values()) == {(False, False)}
        elif ref == "T-UNV":
            assert site == (True, False), "a fact never verified is unverified, not stale"
            assert set(axes.values()) == {(True, False)}
        else:
            assert site == (False, True)
            assert {name for name, (_, stale) in axes.items() if stale} == OLD_STALE
        assert {a.name: props[a.name]["max_age_days"] for a in COUNTING} == {
            "maturity": 365,
            "power": 180,
            "availability": 180,
            "land_control": 730,
        }


def test_the_map_says_which_facts_are_stale_or_unverified(
    clean_engine: Engine, submitted: dict[str, int]
) -> None:
    with session_factory(clean_engine)() as session:
        by_ref = {f["properties"]["name"][-5:]: f["properties"] for f in map_sites(session)["features"]}
    assert (by_ref["T-CUR"]["unverified"], by_ref["T-CUR"]["stale"]) == (False, False)
    assert (by_ref["T-UNV"]["unverified"], by_ref["T-UNV"]["stale"]) == (True, False)
    assert (by_ref["T-OLD"]["unverified"], by_ref["T-OLD"]["stale"]) == (False, True)
    assert set(by_ref["T-OLD"]["stale_axes"]) == OLD_STALE

    old = site_popup_html(by_ref["T-OLD"], "no")
    assert "Utdatert / Stale" in old and "Uverifisert" not in old
    assert "Strømtilgang (maks 180 dager)" in old and "Power access (at most 180 days)" in old
    note = old.split('class="nar-stale-note"')[1]
    assert "Strømtilgang" in note and "Planmessig modenhet" not in note
    unverified = site_popup_html(by_ref["T-UNV"], "en")
    assert "Unverified / Uverifisert" in unverified and "Stale" not in unverified
    assert "No verification date: Plan maturity, Power access" in unverified
    current = site_popup_html(by_ref["T-CUR"], "no")
    assert "Utdatert" not in current and "Uverifisert" not in current


def test_the_export_says_which(clean_engine: Engine, submitted: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "export.xlsx"
    with session_factory(clean_engine)() as session:
        write_sites_xlsx(session, out)
    ws = openpyxl.load_workbook(out)["Næringsarealer"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=2)]
    by_ref = {r["Kommunens referanse / Municipality's reference"]: r for r in rows}
    state = "Verifisering / Verification"
    assert by_ref["T-CUR"][state] == "aktuell / current"
    assert by_ref["T-UNV"][state] == "uverifisert / unverified"
    assert by_ref["T-OLD"][state] == "utdatert / stale"
    assert (
        by_ref["T-OLD"]["Utdaterte fakta / Stale facts"]
        == "Strømtilgang / Power access; Tilgjengelighet / Availability"
    )
    assert by_ref["T-UNV"]["Utdaterte fakta / Stale facts"] in ("", None)
    assert "Strømtilgang / Power access" in by_ref["T-UNV"]["Uverifiserte fakta / Unverified facts"]


def test_demo_sites_are_mostly_current(clean_engine: Engine) -> None:
    """On the demo's own date, about one site in ten has a stale fact and none an undated one."""
    load_demo(clean_engine)
    with session_factory(clean_engine)() as session:
        rows = site_store.all_with_status(session, statuses=("published",))
        props = [site_properties(r, today=DEMO_AS_OF) for r in rows]
    stale = sum(p["stale"] for p in props)
    assert not any(p["unverified"] for p in props)
    assert 0.05 * len(props) <= stale <= 0.2 * len(props), (stale, len(props))
