"""The app's read path through a real pgbouncer in transaction mode (issue 13, §2).

Debian 12's pgbouncer (1.18) cannot carry prepared statements between the clients sharing a server
connection, so `NAERING_DATABASE_POOLED=true` makes psycopg prepare nothing (`prepare_threshold=None`).
The first test shows why that is needed, with two plain clients sharing one server connection; the
second runs the API's searches, a site's passport and tiles through the pooler many times over."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import URL, Engine

from registry.services.submissions import SubmitOptions, run_submission
from tests.accounts import make_app
from tests.pgbouncer import BINARY, pgbouncer
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

KOMMUNE = "3201"


@pytest.fixture
def pooled(clean_engine: Engine) -> Iterator[URL]:
    if not BINARY.exists():
        pytest.skip("pgbouncer is not installed (scripts/system-deps.sh pgbouncer)")
    with pgbouncer(clean_engine.url, pool_size=1) as url:
        yield url


def _connect(url: URL, *, prepare_threshold: int | None) -> psycopg.Connection:
    conn = psycopg.connect(
        host=url.host, port=url.port, dbname=url.database, user=url.username, autocommit=True
    )
    conn.prepare_threshold = prepare_threshold
    return conn


def test_prepared_statements_break_through_the_pooler_and_none_do_not(pooled: URL) -> None:
    """Two clients, one server connection: the second client's prepared name clashes with the first's."""
    query = "SELECT count(*) FROM kommune WHERE nr = %s"
    with _connect(pooled, prepare_threshold=0) as a, _connect(pooled, prepare_threshold=0) as b:
        a.execute(query, ("3201",))
        with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
            b.execute(query, ("3201",))
    with _connect(pooled, prepare_threshold=None) as a, _connect(pooled, prepare_threshold=None) as b:
        for _ in range(10):
            assert a.execute(query, ("3201",)).fetchone() == (1,)
            assert b.execute(query, ("3201",)).fetchone() == (1,)


def test_the_api_reads_through_the_pooler(
    pooled: URL, clean_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    x, y = anchor_25833(clean_engine, KOMMUNE)
    feats = [(to_lonlat(square_25833(x, y, 120, dx=300 * i)), site_props(i, KOMMUNE)) for i in (1, 2, 3)]
    loaded = run_submission(
        clean_engine, write_geojson(tmp_path / "a.geojson", feats), SubmitOptions(kommune_nr=KOMMUNE)
    )
    assert loaded.rows_inserted == 3
    monkeypatch.setenv("NAERING_DATABASE_POOLED", "true")
    monkeypatch.setenv("NAERING_POOL_SIZE", "3")  # more client connections than the pooler's one server
    from sqlalchemy import create_engine

    app = make_app(create_engine(pooled))
    with app.state.engine.connect() as conn:  # the app's own connections prepare nothing
        assert conn.connection.driver_connection.prepare_threshold is None
    client = TestClient(app)
    for _ in range(8):  # past psycopg's default threshold of 5 on every pooled connection
        res = client.get("/api/v1/sites", params={"kommune": KOMMUNE, "sort": "name"})
        assert res.status_code == 200, res.text
        ids = [f["id"] for f in res.json()["features"]]
        assert len(ids) == 3
        for site_id in ids:
            assert client.get(f"/api/v1/sites/{site_id}").status_code == 200
        assert client.get("/readyz").status_code == 200
