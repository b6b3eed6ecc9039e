"""Submissions over HTTP: off by default; when on, check (dry run) and load with a readable report."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from registry.settings import ServerSettings
from tests.conftest import table_counts
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson


def _client(engine: Engine, **settings: object) -> TestClient:
    app = create_app(
        ServerSettings(environment="test", **settings),  # type: ignore[arg-type]
        database_url=engine.url.render_as_string(hide_password=False),
    )
    return TestClient(app)


def _upload(client: TestClient, path: Path, **form: str):  # type: ignore[no-untyped-def]
    with path.open("rb") as fh:
        return client.post(
            "/api/v1/submissions", files={"file": (path.name, fh)}, data={"kommune_nr": "3203", **form}
        )


def test_off_by_default(clean_engine: Engine, tmp_path: Path) -> None:
    client = _client(clean_engine)
    path = write_geojson(tmp_path / "a.geojson", [])
    res = _upload(client, path)
    assert res.status_code == 403
    assert res.headers["content-type"].startswith("application/problem+json")
    assert client.get("/submit").status_code == 403


def test_check_then_load_then_read_report(clean_engine: Engine, tmp_path: Path) -> None:
    client = _client(clean_engine, enable_http_submissions=True)
    x, y = anchor_25833(clean_engine, "3203")
    path = write_geojson(
        tmp_path / "asker.geojson",
        [
            (to_lonlat(square_25833(x, y, 100)), site_props(1, "3203", maturity="regulert")),
            (
                to_lonlat(square_25833(x, y, 100, dx=300)),
                site_props(2, "3203", maturity="M5", power_status="E1", power_future_year=2030),
            ),
        ],
    )
    assert "<form" in client.get("/submit").text

    before = table_counts(clean_engine)
    checked = _upload(client, path, dry_run="true")
    assert checked.status_code == 200
    body = checked.json()
    assert body["dry_run"] is True and body["submission_id"] is None
    kinds = {(i["issue_type"], i["row"]) for i in body["issues"]}
    assert ("code-normalised", 1) in kinds and ("facts-contradict", 2) in kinds
    assert "Kontroll" in body["report_html"]
    assert table_counts(clean_engine) == before

    loaded = _upload(client, path, dry_run="false")
    assert loaded.status_code == 201
    sid = loaded.json()["submission_id"]
    assert loaded.json()["rows_loaded"] == 2
    stored = client.get(f"/api/v1/submissions/{sid}").json()
    assert stored["rows_loaded"] == 2
    assert {(i["issue_type"], i["row"]) for i in stored["issues"]} >= {("facts-contradict", 2)}
    html = client.get(f"/api/v1/submissions/{sid}/report.html")
    assert html.status_code == 200 and "Rad" in html.text and "asker.geojson" in html.text
    assert client.get("/api/v1/submissions/999999").status_code == 404


def test_rejected_and_too_large(clean_engine: Engine, tmp_path: Path) -> None:
    client = _client(clean_engine, enable_http_submissions=True, max_upload_mb=1)
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\x01\x02binary\x00" * 100)
    res = _upload(client, junk, dry_run="false")
    assert res.status_code == 422
    assert res.json()["rejected"] is True
    assert any(i["file"] == "junk.csv" for i in res.json()["issues"])
    big = tmp_path / "big.geojson"
    big.write_bytes(b" " * (1024 * 1024 + 10))
    res = _upload(client, big)
    assert res.status_code == 413
    assert table_counts(clean_engine)["site"] == 0


def test_template_download(clean_engine: Engine, tmp_path: Path) -> None:
    import openpyxl
    import pyogrio

    client = _client(clean_engine)  # the template is public, even with uploads off
    res = client.get("/api/v1/submissions/template.xlsx")
    assert res.status_code == 200 and "spreadsheetml" in res.headers["content-type"]
    (tmp_path / "t.xlsx").write_bytes(res.content)
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    headers = [c.value for c in wb.worksheets[0][1]]
    assert {"reference", "name", "maturity"} <= set(headers)
    res = client.get("/api/v1/submissions/template.gpkg")
    assert res.status_code == 200
    (tmp_path / "t.gpkg").write_bytes(res.content)
    assert pyogrio.read_info(tmp_path / "t.gpkg")["features"] == 0
    assert client.get("/api/v1/submissions/template.pdf").status_code == 400
