"""Search filters and paging, the passport's details, and the verification state on an injected day."""

from __future__ import annotations

import datetime as dt
import functools
import operator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from registry.services.submissions import SubmitOptions, run_submission
from registry.settings import ServerSettings
from schemas.site import AXES_BY_NAME, axis_state, site_verification
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

ASKER = "3203"
# (maturity, power) of the sites T-001 … T-005
FACTS = (("M1", "E0"), ("M2", "E1"), ("M3", "E2"), ("M4", "E3"), ("M5", "E4"))


@pytest.fixture
def client(clean_engine: Engine) -> TestClient:
    app = create_app(
        ServerSettings(environment="test"), database_url=clean_engine.url.render_as_string(False)
    )
    return TestClient(app)


@pytest.fixture
def five_sites(clean_engine: Engine, tmp_path: Path) -> None:
    x, y = anchor_25833(clean_engine, ASKER)
    extra = {
        "E0": {"power_mw_now": None},
        "E1": {"power_future_year": 2030, "power_mw_future": 10},
        "E4": {"power_reserved_until": "2027-12-31"},
    }
    feats = [
        (
            to_lonlat(square_25833(x, y, 120, dx=300 * i)),
            site_props(i, ASKER, maturity=m, power_status=p, **extra.get(p, {})),
        )
        for i, (m, p) in enumerate(FACTS, start=1)
    ]
    result = run_submission(
        clean_engine, write_geojson(tmp_path / "five.geojson", feats), SubmitOptions(ASKER)
    )
    assert result.rows_loaded == 5 and result.rows_archived == 0


def _refs(client: TestClient, **params: str) -> list[str]:
    body = client.get("/api/v1/sites", params={"limit": "1000", **params}).json()
    return sorted(f["properties"]["reference"] for f in body["features"])


@pytest.mark.usefixtures("five_sites")
def test_power_and_maturity_filters_keep_that_level_and_above(client: TestClient) -> None:
    assert _refs(client, power_min="E3") == ["T-004", "T-005"]
    assert _refs(client, power_min="E0") == ["T-001", "T-002", "T-003", "T-004", "T-005"]
    assert _refs(client, maturity_min="M4") == ["T-004", "T-005"]
    assert _refs(client, maturity_min="M2", power_min="E2") == ["T-003", "T-004", "T-005"]


@pytest.mark.usefixtures("five_sites")
def test_pages_follow_each_other_without_gaps_or_repeats(client: TestClient) -> None:
    pages = [
        [
            f["properties"]["reference"]
            for f in client.get("/api/v1/sites", params={"limit": "2", "offset": str(offset)}).json()[
                "features"
            ]
        ]
        for offset in (0, 2, 4)
    ]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sorted(functools.reduce(operator.iadd, pages, [])) == ["T-001", "T-002", "T-003", "T-004", "T-005"]


@pytest.mark.usefixtures("five_sites")
def test_the_passport_names_each_logistics_node_and_the_substation_date(client: TestClient) -> None:
    site_id = client.get("/api/v1/sites", params={"limit": "1"}).json()["features"][0]["id"]
    props = client.get(f"/api/v1/sites/{site_id}").json()["properties"]
    kinds = {item["kind"]["code"] for item in props["logistics"]}
    assert kinds == {"motorway_junction", "rail_terminal", "port", "airport"}
    for item in props["logistics"]:
        assert item["method"] == "straight_line_utm33"
        assert item["node_source"], item
        assert item["node_note"], item  # every curated node says what the point really is
        assert "code" in item
    airport = next(i for i in props["logistics"] if i["kind"]["code"] == "airport")
    assert any(code in airport["code"] for code in ("ENGM", "ENTO", "ENRY"))
    substation = props["power"]["nearest_substation"]
    assert substation is not None
    dt.datetime.fromisoformat(substation["capacity_date"])  # an ISO date-time, as published


def test_verification_state_is_judged_on_the_day_given() -> None:
    power = AXES_BY_NAME["power"]
    record = {
        "maturity": "M3",
        "maturity_verified_at": dt.date(2020, 1, 1),
        "power_status": "E2",
        "power_verified_at": dt.date(2020, 1, 1),
        "availability": "for_sale_or_lease",
        "availability_verified_at": None,
        "land_control": None,
        "land_control_verified_at": None,
    }
    then = dt.date(2020, 2, 1)  # a month after the checks: current; by the real clock they are stale
    assert axis_state(record, power, today=then) == "current"
    assert axis_state(record, power, today=dt.date(2021, 1, 1)) == "stale"
    states = site_verification(record, today=then)
    assert {k: [a.name for a in v] for k, v in states.items()} == {
        "current": ["maturity", "power"],
        "unverified": ["availability"],
        "stale": [],
    }
    later = site_verification(record, today=dt.date(2020, 12, 1))  # power (180 days) ages before maturity
    assert [a.name for a in later["stale"]] == ["power"]


def test_an_old_kommune_number_for_the_file_is_resolved_and_said(
    clean_engine: Engine, tmp_path: Path
) -> None:
    x, y = anchor_25833(clean_engine, ASKER)
    path = write_geojson(
        tmp_path / "old.geojson", [(to_lonlat(square_25833(x, y, 120)), site_props(1, ASKER))]
    )
    result = run_submission(clean_engine, path, SubmitOptions("3025"))  # Asker's number 2020–2023
    assert (result.kommune_nr, result.rows_loaded) == (ASKER, 1)
    said = [i for i in result.issues if i.issue_type == "kommune-old-number"]
    assert [(i.row, i.field, i.value) for i in said] == [(None, "kommune_nr", "3025")]
    assert "3203 Asker" in said[0].message_no and "3203 Asker" in said[0].message_en
    unknown = run_submission(clean_engine, path, SubmitOptions("9999"))
    assert unknown.rejected
    assert [(i.issue_type, i.field, i.value) for i in unknown.issues] == [
        ("kommune-unknown", "kommune_nr", "9999")
    ]
