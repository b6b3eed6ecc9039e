"""Submissions over HTTP: signed-in editors check (dry run) and load with a readable report; reports
are private to the kommune and the secretariat; a server may turn the HTTP intake off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.accounts import make_app, make_user, reset_accounts, sign_in, token_for
from tests.conftest import table_counts
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

EDITOR = "redaktor@asker.kommune.no"


@pytest.fixture
def editor(clean_engine: Engine) -> Iterator[str]:
    reset_accounts(clean_engine)
    make_user(clean_engine, EDITOR, kommuner=["3203"])
    yield EDITOR
    reset_accounts(clean_engine)


def _client(engine: Engine, *, sign_in_as: str | None = EDITOR, **settings: object) -> TestClient:
    client = TestClient(make_app(engine, **settings))
    if sign_in_as:
        client.headers["X-CSRF-Token"] = sign_in(client, sign_in_as)
    return client


def _upload(client: TestClient, path: Path, **form: str):  # type: ignore[no-untyped-def]
    with path.open("rb") as fh:
        return client.post(
            "/api/v1/submissions", files={"file": (path.name, fh)}, data={"kommune_nr": "3203", **form}
        )


def test_signed_in_editors_only_and_off_switch(clean_engine: Engine, editor: str, tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "a.geojson", [])
    anonymous = _client(clean_engine, sign_in_as=None)
    res = _upload(anonymous, path)
    assert res.status_code == 401 and res.headers["content-type"].startswith("application/problem+json")
    assert anonymous.get("/submit", follow_redirects=False).status_code == 303  # to the sign-in page
    make_user(clean_engine, "annen@baerum.kommune.no", kommuner=["3201"])
    other = _client(clean_engine, sign_in_as="annen@baerum.kommune.no")
    assert _upload(other, path).status_code == 403  # signed in, but no grant for 3203
    off = _client(clean_engine, enable_http_submissions=False)
    res = _upload(off, path)
    assert res.status_code == 403 and res.json()["type"] == "/problems/disabled"
    assert off.get("/submit").status_code == 403
    # A session without the CSRF header is refused, a bearer token needs none.
    bare = _client(clean_engine)
    del bare.headers["X-CSRF-Token"]
    assert _upload(bare, path).status_code == 403
    scripted = TestClient(make_app(clean_engine))
    scripted.headers["Authorization"] = f"Bearer {token_for(clean_engine, EDITOR)}"
    assert _upload(scripted, path).status_code == 422  # an empty file: read, and rejected as such


def test_check_then_load_then_read_report(clean_engine: Engine, editor: str, tmp_path: Path) -> None:
    client = _client(clean_engine)
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
    sid, public = loaded.json()["submission_id"], loaded.json()["public_id"]
    assert loaded.json()["rows_loaded"] == 2
    assert len(public) == 36 and public != str(sid)
    stored = client.get(f"/api/v1/submissions/{public}").json()
    assert stored["rows_loaded"] == 2
    assert {(i["issue_type"], i["row"]) for i in stored["issues"]} >= {("facts-contradict", 2)}
    html = client.get(f"/api/v1/submissions/{public}/report.html")
    assert html.status_code == 200 and "Rad" in html.text and "asker.geojson" in html.text
    # By the sequential id: no such thing. Unknown public id: 404.
    assert client.get(f"/api/v1/submissions/{sid}").status_code == 400
    assert client.get("/api/v1/submissions/00000000-0000-4000-8000-000000000000").status_code == 404
    # Another kommune's editor is told it does not exist; anonymous must sign in.
    make_user(clean_engine, "annen@baerum.kommune.no", kommuner=["3201"])
    other = _client(clean_engine, sign_in_as="annen@baerum.kommune.no")
    assert other.get(f"/api/v1/submissions/{public}").status_code == 404
    assert other.get(f"/api/v1/submissions/{public}/report.html").status_code == 404
    assert _client(clean_engine, sign_in_as=None).get(f"/api/v1/submissions/{public}").status_code == 401
    make_user(clean_engine, "sekretariat@osloregionen.no", role="admin")
    admin = _client(clean_engine, sign_in_as="sekretariat@osloregionen.no")
    assert admin.get(f"/api/v1/submissions/{public}").json()["rows_loaded"] == 2


def test_rejected_and_too_large(clean_engine: Engine, editor: str, tmp_path: Path) -> None:
    client = _client(clean_engine, max_upload_mb=1)
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

    client = _client(clean_engine, sign_in_as=None, enable_http_submissions=False)  # public, even when off
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
