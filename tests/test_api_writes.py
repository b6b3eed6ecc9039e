"""Writes through the API, as a kommune's script makes them: create, change, publish, archive, restore,
the profile; optimistic concurrency (ETag / If-Match: 428 without, 412 when stale, one winner of two);
the history of every change whatever the path (file, form, API); the same messages as the file intake."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import shapely.geometry
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from registry.clock import FixedClock
from registry.services import site_edit
from registry.services.access import Principal
from registry.services.submissions import SubmitOptions, run_submission
from tests.accounts import make_app, make_user, reset_accounts, token_for
from tests.conftest import SITE_TABLES
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

K, OTHER = "3201", "3203"  # Bærum, Asker
EDITOR, OUTSIDER, ADMIN = "plan@baerum.example", "plan@asker.example", "admin@osloregionen.example"


@dataclass
class World:
    engine: Engine
    app: Any
    clock: FixedClock
    clients: dict[str, TestClient]
    folder: Path

    def square(self, i: int, kommune: str = K) -> dict[str, Any]:
        x, y = anchor_25833(self.engine, kommune)
        return shapely.geometry.mapping(to_lonlat(square_25833(x, y, 120, dx=300 * i)))


def _client(app: Any, token: str | None) -> TestClient:
    client = TestClient(app)
    if token:
        client.headers["Authorization"] = f"Bearer {token}"
    return client


@pytest.fixture(scope="module")
def world(ref_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    engine = ref_engine
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))
    reset_accounts(engine)
    clock = FixedClock(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))
    make_user(engine, EDITOR, kommuner=[K])
    make_user(engine, OUTSIDER, kommuner=[OTHER])
    make_user(engine, ADMIN, role="admin")
    app = make_app(engine, clock=clock)
    clients = {
        "anonymous": _client(app, None),
        "editor": _client(app, token_for(engine, EDITOR)),
        "outsider": _client(app, token_for(engine, OUTSIDER)),
        "admin": _client(app, token_for(engine, ADMIN)),
    }
    yield World(engine, app, clock, clients, tmp_path_factory.mktemp("writes"))
    reset_accounts(engine)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))


def _create(w: World, i: int, **extra: Any) -> dict[str, Any]:
    props = {**site_props(i, K), "reference": f"API-{i:03d}", **extra}
    response = w.clients["editor"].post("/api/v1/sites", json={"geometry": w.square(i), "properties": props})
    assert response.status_code == 201, response.text
    return {"id": response.json()["site"]["id"], "etag": response.headers["ETag"], "body": response.json()}


def _etag(w: World, site_id: int, who: str = "editor") -> str:
    response = w.clients[who].get(f"/api/v1/sites/{site_id}")
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def _history(w: World, site_id: int, who: str = "editor") -> list[dict[str, Any]]:
    response = w.clients[who].get(f"/api/v1/sites/{site_id}/history")
    assert response.status_code == 200, response.text
    return response.json()["entries"]


def test_create_makes_a_draft_of_the_editors_kommune_with_location_and_etag(world: World) -> None:
    created = _create(world, 1)
    site = created["body"]["site"]
    assert site["properties"]["status"]["code"] == "draft"
    assert site["properties"]["kommune_nr"] == K
    assert created["etag"].startswith('"') and len(created["etag"]) > 10
    # A draft is the kommune's own: the public does not see it, the editor does, with the same ETag.
    assert world.clients["anonymous"].get(f"/api/v1/sites/{created['id']}").status_code == 404
    assert world.clients["outsider"].get(f"/api/v1/sites/{created['id']}").status_code == 404
    assert _etag(world, created["id"]) == created["etag"]
    assert _etag(world, created["id"], "admin") == created["etag"]


def test_create_for_another_kommune_is_forbidden_and_writes_nothing(world: World) -> None:
    props = {**site_props(2, OTHER), "reference": "API-X"}
    before = _count(world.engine)
    response = world.clients["editor"].post(
        "/api/v1/sites", json={"geometry": world.square(2, OTHER), "properties": props}
    )
    assert response.status_code == 403
    anonymous = world.clients["anonymous"].post(
        "/api/v1/sites", json={"geometry": world.square(2), "properties": site_props(2, K)}
    )
    assert anonymous.status_code == 401
    assert _count(world.engine) == before


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM site")).scalar_one())


def test_invalid_values_get_the_intakes_messages_by_field_and_nothing_is_written(world: World) -> None:
    before = _count(world.engine)
    props = {**site_props(3, K), "reference": "API-003", "maturity": "M9", "power_mw_now": "mange"}
    response = world.clients["editor"].post(
        "/api/v1/sites", json={"geometry": world.square(3), "properties": props}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "/problems/invalid-fields"
    fields = {e["field"]: e for e in body["errors"]}
    assert {"maturity", "power_mw_now"} <= set(fields)
    assert fields["maturity"]["message_no"] and fields["maturity"]["message_en"]
    assert fields["maturity"]["message_no"] != fields["maturity"]["message_en"]
    assert _count(world.engine) == before
    # The same value in a PATCH gives the same message as in a create (one validation module).
    site = _create(world, 4)
    patched = world.clients["editor"].patch(
        f"/api/v1/sites/{site['id']}", json={"maturity": "M9"}, headers={"If-Match": site["etag"]}
    )
    assert patched.status_code == 400
    assert patched.json()["errors"][0]["message_en"] == fields["maturity"]["message_en"]
    assert _etag(world, site["id"]) == site["etag"]  # nothing written


def test_unknown_field_is_refused_by_name(world: World) -> None:
    site = _create(world, 5)
    response = world.clients["editor"].patch(
        f"/api/v1/sites/{site['id']}", json={"kommune_nr": OTHER}, headers={"If-Match": site["etag"]}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "kommune_nr"


def test_patch_needs_if_match_and_refuses_a_stale_one(world: World) -> None:
    site = _create(world, 6)
    path = f"/api/v1/sites/{site['id']}"
    missing = world.clients["editor"].patch(path, json={"name": "Uten versjon"})
    assert missing.status_code == 428
    assert missing.json()["type"] == "/problems/precondition-required"
    weak = world.clients["editor"].patch(
        path, json={"name": "Svak"}, headers={"If-Match": "W/" + site["etag"]}
    )
    assert weak.status_code == 412
    first = world.clients["editor"].patch(path, json={"name": "Første"}, headers={"If-Match": site["etag"]})
    assert first.status_code == 200, first.text
    assert first.json()["changed"] == ["name"]
    assert first.headers["ETag"] != site["etag"]
    second = world.clients["editor"].patch(path, json={"name": "Andre"}, headers={"If-Match": site["etag"]})
    assert second.status_code == 412
    assert second.json()["type"] == "/problems/precondition-failed"
    assert world.clients["editor"].get(path).json()["properties"]["name"] == "Første"
    star = world.clients["editor"].patch(path, json={"name": "Stjerne"}, headers={"If-Match": "*"})
    assert star.status_code == 200


def test_two_concurrent_patches_with_one_etag_one_wins_and_history_shows_one_change(world: World) -> None:
    site = _create(world, 7)
    path = f"/api/v1/sites/{site['id']}"
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def patch(name: str) -> None:
        client = _client(world.app, token_for(world.engine, EDITOR))
        barrier.wait()
        statuses.append(
            client.patch(path, json={"name": name}, headers={"If-Match": site["etag"]}).status_code
        )

    threads = [threading.Thread(target=patch, args=(n,)) for n in ("Samtidig A", "Samtidig B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 412]
    updates = [e for e in _history(world, site["id"]) if e["action"] == "update"]
    assert len(updates) == 1
    assert [c["field"] for c in updates[0]["changes"]] == ["name"]


def test_another_kommunes_editor_changes_nothing(world: World) -> None:
    site = _create(world, 8)
    path = f"/api/v1/sites/{site['id']}"
    for method, url in (
        ("PATCH", path),
        ("DELETE", path),
        ("POST", path + "/publish"),
        ("POST", path + "/restore"),
    ):
        response = world.clients["outsider"].request(
            method, url, json={"name": "Kapret"} if method == "PATCH" else None, headers={"If-Match": "*"}
        )
        assert response.status_code == 404, (method, url)  # a draft: not known to exist
    assert _etag(world, site["id"]) == site["etag"]
    published = world.clients["editor"].post(path + "/publish", headers={"If-Match": site["etag"]})
    assert published.status_code == 200, published.text
    etag = published.headers["ETag"]
    refused = world.clients["outsider"].patch(path, json={"name": "Kapret"}, headers={"If-Match": etag})
    assert refused.status_code == 403  # public, so saying it exists reveals nothing
    assert world.clients["outsider"].get(path + "/history").status_code == 403
    assert world.clients["anonymous"].get(path + "/history").status_code == 401
    assert _etag(world, site["id"]) == etag


def test_archive_and_restore_round_trip_with_history(world: World) -> None:
    site = _create(world, 9)
    path = f"/api/v1/sites/{site['id']}"
    published = world.clients["editor"].post(path + "/publish", headers={"If-Match": site["etag"]})
    assert published.json()["site"]["properties"]["status"]["code"] == "published"
    archived = world.clients["editor"].delete(path, headers={"If-Match": published.headers["ETag"]})
    assert archived.status_code == 200, archived.text
    assert archived.json()["status_before"] == "published"
    assert archived.json()["site"]["properties"]["status"]["code"] == "archived"
    assert world.clients["anonymous"].get(path).status_code == 404  # archived: not public
    stale = world.clients["editor"].post(path + "/restore", headers={"If-Match": published.headers["ETag"]})
    assert stale.status_code == 412
    restored = world.clients["editor"].post(path + "/restore", headers={"If-Match": archived.headers["ETag"]})
    assert restored.status_code == 200, restored.text
    assert restored.json()["site"]["properties"]["status"]["code"] == "published"
    assert world.clients["anonymous"].get(path).status_code == 200
    actions = [e["action"] for e in _history(world, site["id"])]
    assert actions == ["insert", "publish", "archive", "restore"]
    archive_entry = _history(world, site["id"], "admin")[2]
    assert archive_entry["by"] == EDITOR
    assert {"field": "status", "before": "published", "after": "archived"}.items() <= {
        **archive_entry["changes"][0]
    }.items()


def test_history_covers_file_form_and_api_with_who_and_what(world: World) -> None:
    x, y = anchor_25833(world.engine, K)
    path = write_geojson(
        world.folder / "one.geojson",
        [(to_lonlat(square_25833(x, y, 120, dx=300 * 20)), {**site_props(20, K), "reference": "FIL-020"})],
    )
    loaded = run_submission(world.engine, path, SubmitOptions(kommune_nr=K, actor="file@baerum.example"))
    assert not loaded.rejected
    with world.engine.connect() as conn:
        site_id = int(conn.execute(text("SELECT id FROM site WHERE reference = 'FIL-020'")).scalar_one())
    # The same file with a new power figure: an update by the file.
    path = write_geojson(
        world.folder / "two.geojson",
        [
            (
                to_lonlat(square_25833(x, y, 120, dx=300 * 20)),
                {**site_props(20, K), "reference": "FIL-020", "power_mw_now": 9},
            )
        ],
    )
    assert not run_submission(
        world.engine, path, SubmitOptions(kommune_nr=K, actor="file@baerum.example")
    ).rejected
    # A form edit (the page's use case) and an API edit.
    form_user = Principal(user_id=99, email="form@baerum.example", role="editor", kommuner=frozenset({K}))
    site_edit.update_site(
        world.engine, form_user, site_id, {"description_no": "Fra skjema"}, clock=world.clock
    )
    api = world.clients["editor"].patch(
        f"/api/v1/sites/{site_id}",
        json={"maturity": "M4"},
        headers={"If-Match": _etag(world, site_id)},
    )
    assert api.status_code == 200, api.text
    entries = _history(world, site_id)
    assert [(e["action"], e["by"]) for e in entries] == [
        ("insert", "file@baerum.example"),
        ("update", "file@baerum.example"),
        ("update", "form@baerum.example"),
        ("update", EDITOR),
    ]
    by_field = [{c["field"]: (c["before"], c["after"]) for c in e["changes"]} for e in entries]
    assert by_field[0]["name"] == (None, "Testområde 20")
    assert by_field[0]["kommune_nr"] == (None, K)  # text stays text: "0301" is never 301
    assert by_field[0]["is_demo"] == (None, False) or "is_demo" not in by_field[0]
    assert by_field[1]["power_mw_now"] == (4, 9)
    assert by_field[2]["description_no"] == (None, "Fra skjema")
    # An API change of an axis value dates its verification: both show as changed.
    assert by_field[3]["maturity"] == ("M3", "M4")
    assert by_field[3]["maturity_verified_by"][1] == EDITOR
    assert all("updated_at" not in f for f in by_field)
    labels = {c["field"]: c for c in entries[3]["changes"]}
    assert labels["maturity"]["label_no"] != labels["maturity"]["label_en"]
    assert entries[0]["geometry_changed"] and not entries[2]["geometry_changed"]


def test_profile_put_with_etag(world: World) -> None:
    path = f"/api/v1/kommuner/{K}"
    read = world.clients["anonymous"].get(path)
    assert read.status_code == 200
    etag = read.headers["ETag"]
    profile = {
        "contacts": [{"name": "Kari Nordmann", "role": "Næringssjef", "email": "kari@baerum.example"}],
        "response_hours": 16,
        "pitch_no": "Bærum har plass.",
        "pitch_en": "Bærum has room.",
    }
    assert world.clients["editor"].put(path + "/profile", json=profile).status_code == 428
    assert (
        world.clients["outsider"].put(path + "/profile", json=profile, headers={"If-Match": etag}).status_code
        == 403
    )
    assert (
        world.clients["anonymous"]
        .put(path + "/profile", json=profile, headers={"If-Match": etag})
        .status_code
        == 401
    )
    saved = world.clients["editor"].put(path + "/profile", json=profile, headers={"If-Match": etag})
    assert saved.status_code == 200, saved.text
    assert saved.json()["contacts"][0]["name"] == "Kari Nordmann"
    assert saved.headers["ETag"] != etag
    assert world.clients["anonymous"].get(path).headers["ETag"] == saved.headers["ETag"]
    again = world.clients["admin"].put(
        path + "/profile", json={**profile, "pitch_no": "Annet"}, headers={"If-Match": etag}
    )
    assert again.status_code == 412
    bad = world.clients["editor"].put(
        path + "/profile",
        json={**profile, "contacts": [{"name": "Uten", "email": "ikke-en-adresse"}]},
        headers={"If-Match": saved.headers["ETag"]},
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"].startswith("contacts")
    assert world.clients["anonymous"].get(path).json()["one_door_in"]["pitch_no"] == "Bærum har plass."
