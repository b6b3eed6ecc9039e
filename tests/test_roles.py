"""The role matrix: anonymous, an editor of kommune A, an editor of kommune B and an admin against every
private page and route. Semantics (registry/services/access.py): no credentials → 401 (a page sends
the browser to the sign-in page: 303); signed in without the right → 403; a resource the caller may not
know exists (another kommune's draft or submission) → 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from registry.services.submissions import SubmitOptions, run_submission
from tests.accounts import make_app, make_user, reset_accounts, sign_in
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

A, B = "3203", "3201"  # Asker, Bærum
CALLERS = ("anonymous", "editor_a", "editor_b", "admin")


@dataclass(frozen=True)
class World:
    clients: dict[str, TestClient]
    draft_id: int
    published_id: int
    public_id: str


@pytest.fixture(scope="module")
def world(ref_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from sqlalchemy import text

    from tests.conftest import SITE_TABLES

    engine = ref_engine
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))
    reset_accounts(engine)
    folder = tmp_path_factory.mktemp("roles")
    x, y = anchor_25833(engine, A)
    draft = write_geojson(folder / "draft.geojson", [(to_lonlat(square_25833(x, y, 120)), site_props(1, A))])
    published = write_geojson(
        folder / "pub.geojson", [(to_lonlat(square_25833(x, y, 120, dx=500)), site_props(2, A))]
    )
    run_submission(engine, draft, SubmitOptions(kommune_nr=A, draft=True, actor="test"))
    loaded = run_submission(engine, published, SubmitOptions(kommune_nr=A, actor="test"))
    with engine.connect() as conn:
        ids = dict(conn.execute(text("SELECT status, id FROM site")).all())
    make_user(engine, "a@asker.kommune.no", kommuner=[A])
    make_user(engine, "b@baerum.kommune.no", kommuner=[B])
    make_user(engine, "admin@osloregionen.no", role="admin")
    app = make_app(engine)
    clients = {}
    for caller, email in (
        ("anonymous", None),
        ("editor_a", "a@asker.kommune.no"),
        ("editor_b", "b@baerum.kommune.no"),
        ("admin", "admin@osloregionen.no"),
    ):
        client = TestClient(app)
        if email:
            client.headers["X-CSRF-Token"] = sign_in(client, email)
        clients[caller] = client
    assert loaded.public_id
    yield World(clients, ids["draft"], ids["published"], loaded.public_id)
    reset_accounts(engine)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))


# (method, path template, expected status per caller: anonymous, editor of A, editor of B, admin)
PAGE, API = 303, 401
MATRIX: list[tuple[str, str, tuple[int, int, int, int]]] = [
    ("GET", "/my", (PAGE, 303, 303, 200)),  # one kommune: straight to it; the admin sees the list
    ("GET", f"/my/{A}", (PAGE, 200, 403, 200)),
    ("GET", f"/my/{A}/sites", (PAGE, 200, 403, 200)),
    ("GET", f"/my/{A}/sites?status=draft", (PAGE, 200, 403, 200)),
    ("GET", f"/my/{A}/sites.xlsx", (PAGE, 200, 403, 200)),
    ("GET", f"/my/{A}/submissions", (PAGE, 200, 404, 200)),
    ("GET", f"/my/{A}/sites/{{draft}}", (PAGE, 200, 404, 200)),
    ("GET", f"/my/{A}/sites/{{published}}", (PAGE, 200, 403, 200)),
    ("POST", f"/my/{A}/sites/{{published}}/confirm/maturity", (401, 303, 403, 303)),
    ("GET", "/submit", (PAGE, 200, 200, 200)),
    ("GET", "/api/v1/me", (API, 200, 200, 200)),
    ("GET", "/api/v1/submissions/{public}", (API, 200, 404, 200)),
    ("GET", "/api/v1/submissions/{public}/report.html", (API, 200, 404, 200)),
    ("GET", "/api/v1/sites/{published}", (200, 200, 200, 200)),
    # A draft is the kommune's: its editors and the secretariat read it (for its ETag), others get 404.
    ("GET", "/api/v1/sites/{draft}", (404, 200, 404, 200)),
    ("GET", "/api/v1/sites/{draft}/history", (API, 200, 404, 200)),
    ("GET", "/api/v1/sites/{published}/history", (API, 200, 403, 200)),
]

# Every write route of the API: (method, path, JSON body). Refused before anything is read or written.
WRITES: list[tuple[str, str, dict[str, object] | None]] = [
    ("PATCH", "/api/v1/sites/{id}", {"name": "Kapret"}),
    ("DELETE", "/api/v1/sites/{id}", None),
    ("POST", "/api/v1/sites/{id}/publish", None),
    ("POST", "/api/v1/sites/{id}/restore", None),
]


@pytest.mark.parametrize(("method", "path", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _ in MATRIX])
def test_role_matrix(world: World, method: str, path: str, expected: tuple[int, int, int, int]) -> None:
    url = path.format(draft=world.draft_id, published=world.published_id, public=world.public_id)
    got = {}
    for caller in CALLERS:
        client = world.clients[caller]
        res = client.request(method, url, follow_redirects=False, headers={"Accept": "text/html"})
        if path.startswith("/api/"):
            res = client.request(method, url, follow_redirects=False)
        got[caller] = res.status_code
    assert got == dict(zip(CALLERS, expected, strict=True))


def test_anonymous_page_goes_to_sign_in_and_comes_back(world: World) -> None:
    res = world.clients["anonymous"].get(f"/my/{A}/sites", follow_redirects=False)
    assert res.headers["location"] == f"/auth/sign-in?next=/my/{A}/sites"


def test_api_401_says_how_to_authenticate(world: World) -> None:
    res = world.clients["anonymous"].get("/api/v1/me")
    assert res.headers["www-authenticate"].startswith("Bearer")
    assert res.headers["content-type"].startswith("application/problem+json")


def test_editor_b_cannot_change_a_by_any_write(world: World, ref_engine: Engine, tmp_path: Path) -> None:
    from sqlalchemy import text

    client = world.clients["editor_b"]
    with ref_engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM site_history")).scalar_one()
    for action in ("publish", "archive", "restore"):
        assert (
            client.post(f"/my/{A}/sites/{world.draft_id}/{action}", follow_redirects=False).status_code == 404
        )
    assert client.post(f"/my/{A}/sites/{world.published_id}", data={"name": "Kapret"}).status_code == 403
    path = write_geojson(tmp_path / "x.geojson", [])
    with path.open("rb") as fh:
        res = client.post("/api/v1/submissions", files={"file": ("x.geojson", fh)}, data={"kommune_nr": A})
    assert res.status_code == 403
    with ref_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM site_history")).scalar_one() == before


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_write_routes_refuse_outsiders_and_change_nothing(
    world: World, ref_engine: Engine, method: str, path: str, body: dict[str, object] | None
) -> None:
    """Anonymous → 401; kommune B's editor on A's draft → 404 (not known to exist), on A's published
    site → 403; a browser session without its CSRF token → 403; no history row is written by any."""
    from sqlalchemy import text

    with ref_engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM site_history")).scalar_one()
    headers = {"If-Match": "*"}
    for target, outsider in ((world.draft_id, 404), (world.published_id, 403)):
        url = path.format(id=target)
        got = {
            caller: world.clients[caller].request(method, url, json=body, headers=headers).status_code
            for caller in ("anonymous", "editor_b")
        }
        assert got == {"anonymous": 401, "editor_b": outsider}, url
        no_csrf = TestClient(world.clients["editor_a"].app, cookies=world.clients["editor_a"].cookies)
        assert no_csrf.request(method, url, json=body, headers=headers).status_code == 403
    create = {"geometry": {"type": "Point", "coordinates": [10.5, 59.9]}, "properties": {"kommune_nr": A}}
    assert world.clients["anonymous"].post("/api/v1/sites", json=create).status_code == 401
    assert world.clients["editor_b"].post("/api/v1/sites", json=create).status_code == 403
    profile = {"contacts": []}
    for caller, expected in (("anonymous", 401), ("editor_b", 403)):
        res = world.clients[caller].put(f"/api/v1/kommuner/{A}/profile", json=profile, headers=headers)
        assert res.status_code == expected
    with ref_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM site_history")).scalar_one() == before
