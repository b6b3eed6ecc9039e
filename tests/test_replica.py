"""Reads from a real streaming replica (issue 13, §2): `pg_basebackup -R` of the private cluster on a second
port, the app's read URL pointed at it. An anonymous search is answered by the replica, a signed-in reader
and every write use the primary, and a site published through the API reaches the replica's search within
a bounded time. `GET /api/v1/admin/database` says which server is which (secretariat only)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine, make_url, text

from registry import db, localdb
from registry.settings import DatabaseSettings
from tests.accounts import make_app, make_user, reset_accounts, token_for
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat
from tests.smtp import free_port

KOMMUNE = "3201"
EDITOR, ADMIN = "redaktor@replica.example.org", "sekretariat@replica.example.org"
VISIBLE_WITHIN_S = 30.0  # the bound a published site must reach the replica in (loopback: well under 1 s)


@pytest.fixture
def replica(clean_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Engine, str]]:
    """The test database's cluster with a streaming replica of it; the read URL set to the replica."""
    settings = DatabaseSettings()
    primary_port = clean_engine.url.port
    if settings.database_url or primary_port is None or not localdb.is_running(primary_port):
        pytest.skip("needs the private cluster (NAERING_DATABASE_URL points elsewhere)")
    port = free_port()
    server = localdb.start_replica(primary_port=primary_port, port=port)
    read_url = make_url(server).set(database=clean_engine.url.database).render_as_string(hide_password=False)
    monkeypatch.setenv("NAERING_READ_DATABASE_URL", read_url)
    try:
        yield clean_engine, read_url
    finally:
        db.get_engine(read_url).dispose()
        localdb.stop_replica(port)


def _clients(engine: Engine) -> dict[str, TestClient]:
    reset_accounts(engine)
    make_user(engine, EDITOR, kommuner=[KOMMUNE])
    make_user(engine, ADMIN, role="admin")
    app = make_app(engine)
    out = {"anonymous": TestClient(app, raise_server_exceptions=False)}
    for name, email in (("editor", EDITOR), ("admin", ADMIN)):
        out[name] = TestClient(app, headers={"Authorization": f"Bearer {token_for(engine, email)}"})
    return out


def _search_ids(client: TestClient) -> set[int]:
    res = client.get("/api/v1/sites", params={"kommune": KOMMUNE, "include_demo": "true"})
    assert res.status_code == 200, res.text
    return {f["id"] for f in res.json()["features"]}


def test_anonymous_search_reads_the_replica_and_a_published_site_reaches_it(
    replica: tuple[Engine, str],
) -> None:
    engine, read_url = replica
    clients = _clients(engine)

    roles = clients["admin"].get("/api/v1/admin/database")
    assert roles.status_code == 200, roles.text
    assert roles.json()["primary"]["in_recovery"] is False
    assert roles.json()["read"]["configured"] is True and roles.json()["read"]["in_recovery"] is True
    assert clients["editor"].get("/api/v1/admin/database").status_code == 403
    assert clients["anonymous"].get("/api/v1/admin/database").status_code == 401

    # The replica is read-only: a write there fails, so an answer from it proves where the read went.
    with db.get_engine(read_url).connect() as conn:
        assert conn.execute(text("SELECT pg_is_in_recovery()")).scalar_one() is True
    assert _search_ids(clients["anonymous"]) == set()

    x, y = anchor_25833(engine, KOMMUNE)
    geometry = shapely.geometry.mapping(to_lonlat(square_25833(x, y, 120)))
    props: dict[str, Any] = {**site_props(1, KOMMUNE), "reference": "REPLICA-001"}
    created = clients["editor"].post("/api/v1/sites", json={"geometry": geometry, "properties": props})
    assert created.status_code == 201, created.text
    site_id, etag = created.json()["site"]["id"], created.headers["ETag"]
    published = clients["editor"].post(f"/api/v1/sites/{site_id}/publish", headers={"If-Match": etag})
    assert published.status_code == 200, published.text
    # The editor reads the primary: their own write is there at once, and its ETag is current.
    assert clients["editor"].get(f"/api/v1/sites/{site_id}").headers["ETag"] == published.headers["ETag"]

    deadline = time.monotonic() + VISIBLE_WITHIN_S
    seen_after = None
    while time.monotonic() < deadline:
        if site_id in _search_ids(clients["anonymous"]):
            seen_after = VISIBLE_WITHIN_S - (deadline - time.monotonic())
            break
        time.sleep(0.05)  # waiting on the replica's WAL replay (another process), bounded by the deadline
    assert seen_after is not None, f"the published site did not reach the replica in {VISIBLE_WITHIN_S} s"

    # Stop the replica: the anonymous search fails over to nothing (it reads only the replica), while the
    # signed-in editor's search, on the primary, still answers.
    localdb.stop_replica(make_url(read_url).port or 0)
    db.get_engine(read_url).dispose()
    assert site_id in _search_ids(clients["editor"])
    assert clients["anonymous"].get("/api/v1/sites", params={"kommune": KOMMUNE}).status_code >= 500
