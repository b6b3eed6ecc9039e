"""The one-door-in profile the kommune edits itself: checks per field, who may edit, one audit event per
edit with the profile before and after, "incomplete" wherever the profile is shown, and migration 0003
keeping the contact both ways."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, make_url, text

from api.app import create_app
from maps.popups import site_popup_html
from registry import db
from registry.clock import FixedClock
from registry.services.access import ANONYMOUS, ForbiddenError, NotSignedInError, Principal
from registry.services.demo import DEMO_DIR, load_profiles
from registry.services.maps import map_sites
from registry.services.profiles import (
    ContactInput,
    KommuneNotFoundError,
    LabourFigureInput,
    ProfileInput,
    ProfileInvalidError,
    get_profile,
    profile_changes,
    update_profile,
    validate_profile,
)
from registry.services.submissions import SubmitOptions, run_submission
from registry.settings import ServerSettings
from schemas.profile import WORKING_DAY_HOURS, response_promise
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

TODAY = dt.date(2026, 12, 3)
OSLO, BAERUM = "0301", "3201"
EDITOR = Principal(
    user_id=7, email="naering@oslo.example.org", role="editor", kommuner=frozenset({OSLO}), via="session"
)
OUTSIDER = Principal(
    user_id=8, email="naering@baerum.example.org", role="editor", kommuner=frozenset({BAERUM}), via="session"
)
ADMIN = Principal(user_id=1, email="sekretariat@example.org", role="admin", via="session")


def _clock() -> FixedClock:
    return FixedClock(dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC))


def _valid() -> ProfileInput:
    return ProfileInput(
        contacts=[
            ContactInput(name="Kari Nordmann", role="Næringssjef", email="kari@oslo.example.org"),
            ContactInput(name="Ola Nordmann", role="Rådgiver", phone="+47 22 00 00 00"),
        ],
        response_hours=12,
        pitch_no="Sentrale tomter nær Alnabru.",
        pitch_en="Central plots near Alnabru.",
        competence_no="Høyt utdannet arbeidskraft.",
        competence_en="A highly educated workforce.",
        labour_figures=[
            LabourFigureInput(
                label_no="Sysselsatte",
                label_en="Employed",
                value="412 000",
                unit="personer",
                source="SSB 07984",
                year="2024",
            )
        ],
        clusters=["Oslo Cancer Cluster", "Oslo Edtech Cluster"],
    )


def _audit_rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT * FROM audit_event ORDER BY id")).mappings())


def _counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("kommune_profile", "kommune_contact", "audit_event")
        )


# --- the response promise in words ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "no", "en"),
    [
        (1, "1 time", "1 hour"),
        (5, "5 timer", "5 hours"),
        (8, "1 arbeidsdag", "1 working day"),
        (12, "1 arbeidsdag og 4 timer", "1 working day and 4 hours"),
        (16, "2 arbeidsdager", "2 working days"),
        (17, "2 arbeidsdager og 1 time", "2 working days and 1 hour"),
        (40, "5 arbeidsdager", "5 working days"),
    ],
)
def test_response_promise_in_working_days_and_hours(hours: int, no: str, en: str) -> None:
    assert WORKING_DAY_HOURS == 8
    assert response_promise(hours) == {"no": no, "en": en}


@pytest.mark.parametrize("hours", [None, 0, -3])
def test_no_promise_without_hours(hours: int | None) -> None:
    assert response_promise(hours) is None


# --- checks per field --------------------------------------------------------------------------------------


def test_a_valid_profile_has_no_problems() -> None:
    assert validate_profile(_valid(), today=TODAY) == []
    assert validate_profile(ProfileInput(), today=TODAY) == []  # empty: saved, shown as incomplete


def _with(**changes: Any) -> ProfileInput:
    profile = _valid()
    for key, value in changes.items():
        setattr(profile, key, value)
    return profile


def _contact(**kw: Any) -> list[ContactInput]:
    """A valid contact, then one with `kw` changed."""
    base = {"name": "Kari", "email": "kari@oslo.example.org"}
    return [ContactInput(**base), ContactInput(**{**base, **kw})]


def _figure(**kw: Any) -> list[LabourFigureInput]:
    base: dict[str, Any] = {"label_no": "Sysselsatte", "value": 10, "source": "SSB", "year": 2024}
    return [LabourFigureInput(**base), LabourFigureInput(**{**base, **kw})]


CASES: list[tuple[str, ProfileInput, str]] = [
    ("name missing", _with(contacts=_contact(name="  ")), "contacts[1].name"),
    ("name too long", _with(contacts=_contact(name="x" * 201)), "contacts[1].name"),
    ("role too long", _with(contacts=_contact(role="x" * 201)), "contacts[1].role"),
    ("no e-mail or phone", _with(contacts=_contact(email="", phone=None)), "contacts[1].email"),
    ("e-mail shape", _with(contacts=_contact(email="kari.oslo.example.org")), "contacts[1].email"),
    ("e-mail with space", _with(contacts=_contact(email="kari @oslo.no")), "contacts[1].email"),
    ("phone letters", _with(contacts=_contact(phone="22 00 00 OO")), "contacts[1].phone"),
    ("phone too short", _with(contacts=_contact(phone="2200 000")), "contacts[1].phone"),
    ("phone too long", _with(contacts=_contact(phone="+47 2200 0000 0000 00")), "contacts[1].phone"),
    ("too many contacts", _with(contacts=[ContactInput(name="A", phone="22000000")] * 11), "contacts"),
    ("response zero", _with(response_hours=0), "response_hours"),
    ("response over a month", _with(response_hours=24 * 30 + 1), "response_hours"),
    ("response not a number", _with(response_hours="to dager"), "response_hours"),
    ("pitch too long", _with(pitch_no="x" * 4001), "pitch_no"),
    ("english pitch too long", _with(pitch_en="x" * 4001), "pitch_en"),
    ("competence too long", _with(competence_no="x" * 4001), "competence_no"),
    (
        "figure without label",
        _with(labour_figures=_figure(label_no=" ", label_en=None)),
        "labour_figures[1].label_no",
    ),
    ("figure value text", _with(labour_figures=_figure(value="mange")), "labour_figures[1].value"),
    ("figure value missing", _with(labour_figures=_figure(value=None)), "labour_figures[1].value"),
    ("figure value infinite", _with(labour_figures=_figure(value=float("inf"))), "labour_figures[1].value"),
    ("figure without source", _with(labour_figures=_figure(source="")), "labour_figures[1].source"),
    ("figure year too early", _with(labour_figures=_figure(year=1989)), "labour_figures[1].year"),
    ("figure year beyond next", _with(labour_figures=_figure(year=2028)), "labour_figures[1].year"),
    ("figure year missing", _with(labour_figures=_figure(year=None)), "labour_figures[1].year"),
    ("figure unit too long", _with(labour_figures=_figure(unit="x" * 41)), "labour_figures[1].unit"),
    ("too many figures", _with(labour_figures=_figure() * 11), "labour_figures"),
    ("empty cluster", _with(clusters=["Oslo Cancer Cluster", " "]), "clusters[1]"),
    ("cluster twice", _with(clusters=["Oslo Cancer Cluster", "oslo cancer cluster"]), "clusters[1]"),
    ("too many clusters", _with(clusters=[f"Klynge {i}" for i in range(21)]), "clusters"),
]


@pytest.mark.parametrize(("case", "profile", "field"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_names_its_field(case: str, profile: ProfileInput, field: str) -> None:
    problems = validate_profile(profile, today=TODAY)
    assert [p.field for p in problems] == [field], case
    assert problems[0].message_no and problems[0].message_en
    assert problems[0].message_no != problems[0].message_en


@pytest.mark.parametrize(
    ("value", "year"), [(0, 1990), ("3,5", "2027"), (-2.25, 2026), ("12 500", " 2000 "), ("1\u00a0000", 2010)]
)
def test_figures_at_their_bounds_pass(value: Any, year: Any) -> None:
    profile = _with(labour_figures=[LabourFigureInput(label_en="Jobs", value=value, source="SSB", year=year)])
    assert validate_profile(profile, today=TODAY) == []


def test_a_contact_with_only_a_phone_passes_and_the_limits_themselves_pass() -> None:
    profile = _with(
        contacts=[ContactInput(name="Ola", phone="22000000")] * 10,
        response_hours=24 * 30,
        pitch_no="x" * 4000,
        labour_figures=_figure() * 10,
        clusters=[f"Klynge {i}" for i in range(20)],
    )
    assert validate_profile(profile, today=TODAY) == []


def test_from_mapping_reads_json_like_data() -> None:
    data = {
        "contacts": [{"name": "Kari", "email": "kari@oslo.example.org", "extra": 1}],
        "response_hours": "16",
        "labour_figures": [{"label_no": "Jobber", "value": "7", "source": "SSB", "year": "2025"}],
        "clusters": ["A"],
    }
    assert validate_profile(data, today=TODAY) == []
    assert [p.field for p in validate_profile({"contacts": [{"email": "x"}]}, today=TODAY)] == [
        "contacts[0].name",
        "contacts[0].email",
    ]


# --- editing: who may, and what is written -------------------------------------------------------------


def test_an_editor_updates_their_kommune_with_one_audit_event(clean_engine: Engine) -> None:
    clock = _clock()
    saved = update_profile(clean_engine, EDITOR, OSLO, _valid(), clock=clock)

    assert [c["name"] for c in saved["contacts"]] == ["Kari Nordmann", "Ola Nordmann"]
    assert saved["contacts"][1] == {
        "name": "Ola Nordmann",
        "role": "Rådgiver",
        "email": None,
        "phone": "+47 22 00 00 00",
    }
    assert saved["complete"] is True
    assert saved["response_promise"] == {"no": "1 arbeidsdag og 4 timer", "en": "1 working day and 4 hours"}
    assert saved["labour_figures"] == [
        {
            "label_no": "Sysselsatte",
            "label_en": "Employed",
            "value": 412000,
            "unit": "personer",
            "source": "SSB 07984",
            "year": 2024,
        }
    ]
    assert saved["clusters"] == ["Oslo Cancer Cluster", "Oslo Edtech Cluster"]
    assert saved["verified_at"] == "2026-12-03"
    assert "Oslo Cancer Cluster" in {c["name"] for c in saved["reference_clusters"]}

    events = _audit_rows(clean_engine)
    assert len(events) == 1
    event = events[0]
    assert (event["actor"], event["action"], event["target"]) == (
        EDITOR.email,
        "profile.update",
        "kommune:0301",
    )
    assert event["at"] == clock.now()
    assert event["details"]["before"]["contacts"] == []
    assert event["details"]["before"]["verified_at"] is None
    assert event["details"]["after"]["contacts"][0]["email"] == "kari@oslo.example.org"
    assert event["details"]["after"]["response_hours"] == 12

    # A second edit: the contacts are replaced in their new order, the audit keeps both states.
    clock.advance(dt.timedelta(days=2))
    second = _valid()
    second.contacts = [second.contacts[1]]
    second.response_hours = 16
    again = update_profile(clean_engine, EDITOR, OSLO, second, clock=clock)
    assert [c["name"] for c in again["contacts"]] == ["Ola Nordmann"]
    assert again["verified_at"] == "2026-12-05"
    assert get_profile_via(clean_engine)["response_promise"]["en"] == "2 working days"
    events = _audit_rows(clean_engine)
    assert len(events) == 2
    assert [c["name"] for c in events[1]["details"]["before"]["contacts"]] == [
        "Kari Nordmann",
        "Ola Nordmann",
    ]
    assert [c["name"] for c in events[1]["details"]["after"]["contacts"]] == ["Ola Nordmann"]
    assert events[1]["details"]["before"]["response_hours"] == 12
    assert events[1]["details"]["after"]["response_hours"] == 16

    with db.session_factory(clean_engine)() as session:
        changes = profile_changes(session, EDITOR, OSLO)
    assert [c["at"] for c in changes] == [events[1]["at"].isoformat(), events[0]["at"].isoformat()]
    with pytest.raises(ForbiddenError), db.session_factory(clean_engine)() as session:
        profile_changes(session, OUTSIDER, OSLO)


def get_profile_via(engine: Engine, nr: str = OSLO) -> dict[str, Any]:
    with db.session_factory(engine)() as session:
        found = get_profile(session, nr)
    assert found is not None
    return found


def test_the_verification_date_is_the_day_in_oslo(clean_engine: Engine) -> None:
    late = FixedClock(dt.datetime(2026, 12, 3, 23, 30, tzinfo=dt.UTC))  # 00:30 on 4 December in Oslo
    assert update_profile(clean_engine, EDITOR, OSLO, _valid(), clock=late)["verified_at"] == "2026-12-04"


def test_an_editor_of_another_kommune_is_forbidden_and_nothing_is_written(clean_engine: Engine) -> None:
    with pytest.raises(ForbiddenError):
        update_profile(clean_engine, OUTSIDER, OSLO, _valid(), clock=_clock())
    with pytest.raises(NotSignedInError):
        update_profile(clean_engine, ANONYMOUS, OSLO, _valid(), clock=_clock())
    assert _counts(clean_engine) == (0, 0, 0)


def test_the_secretariat_may_edit_any_kommune(clean_engine: Engine) -> None:
    saved = update_profile(clean_engine, ADMIN, BAERUM, _valid(), clock=_clock())
    assert saved["kommune_nr"] == BAERUM and saved["complete"]
    assert [e["actor"] for e in _audit_rows(clean_engine)] == [ADMIN.email]
    with pytest.raises(KommuneNotFoundError):
        update_profile(clean_engine, ADMIN, "9999", _valid(), clock=_clock())


def test_a_refused_edit_writes_nothing(clean_engine: Engine) -> None:
    update_profile(clean_engine, EDITOR, OSLO, _valid(), clock=_clock())
    before = get_profile_via(clean_engine)
    counts = _counts(clean_engine)
    bad = _with(contacts=_contact(email="not-an-address"), labour_figures=_figure(year=1900))
    with pytest.raises(ProfileInvalidError) as caught:
        update_profile(clean_engine, EDITOR, OSLO, bad, clock=_clock())
    assert [p.field for p in caught.value.problems] == ["contacts[1].email", "labour_figures[1].year"]
    assert _counts(clean_engine) == counts
    assert get_profile_via(clean_engine) == before


def test_a_failure_inside_the_transaction_leaves_no_audit_event(clean_engine: Engine) -> None:
    """The database refuses a contact (a check the service does not make): profile and audit roll back."""
    with clean_engine.begin() as conn:
        conn.execute(
            text("ALTER TABLE kommune_contact ADD CONSTRAINT test_no_ola CHECK (name <> 'Ola Nordmann')")
        )
    try:
        with pytest.raises(Exception, match="test_no_ola"):
            update_profile(clean_engine, EDITOR, OSLO, _valid(), clock=_clock())
    finally:
        with clean_engine.begin() as conn:
            conn.execute(text("ALTER TABLE kommune_contact DROP CONSTRAINT test_no_ola"))
    assert _counts(clean_engine) == (0, 0, 0)


# --- incomplete wherever the profile is shown ----------------------------------------------------------


def _client(engine: Engine) -> TestClient:
    app = create_app(
        ServerSettings(environment="test"), database_url=engine.url.render_as_string(hide_password=False)
    )
    return TestClient(app, raise_server_exceptions=False)


def test_a_profile_without_contact_is_incomplete_in_the_api(clean_engine: Engine) -> None:
    client = _client(clean_engine)
    never = client.get(f"/api/v1/kommuner/{OSLO}").json()
    assert never["profile_complete"] is False and never["contacts"] == [] and never["one_door_in"] is None

    no_contact = _with(contacts=[])
    update_profile(clean_engine, EDITOR, OSLO, no_contact, clock=_clock())
    assert get_profile_via(clean_engine)["complete"] is False
    body = client.get(f"/api/v1/kommuner/{OSLO}").json()
    assert body["profile_complete"] is False
    assert body["contacts"] == [] and body["contact"] is None
    assert body["one_door_in"]["pitch_no"] == "Sentrale tomter nær Alnabru."
    assert body["response_promise"] == {"no": "1 arbeidsdag og 4 timer", "en": "1 working day and 4 hours"}

    update_profile(clean_engine, EDITOR, OSLO, _valid(), clock=_clock())
    body = client.get(f"/api/v1/kommuner/{OSLO}").json()
    assert body["profile_complete"] is True
    assert [c["name"] for c in body["contacts"]] == ["Kari Nordmann", "Ola Nordmann"]
    assert body["contact"]["email"] == "kari@oslo.example.org"
    assert body["one_door_in"]["email"] == "kari@oslo.example.org"  # the first contact, as before
    assert body["one_door_in"]["labour_figures"][0]["value"] == 412000
    listed = {k["nr"]: k for k in client.get("/api/v1/kommuner").json()["kommuner"]}
    assert listed[OSLO]["profile_complete"] is True and listed[BAERUM]["profile_complete"] is False


def test_a_site_and_its_map_popup_say_when_the_contact_is_missing(
    clean_engine: Engine, tmp_path: Path
) -> None:
    x, y = anchor_25833(clean_engine, OSLO)
    path = write_geojson(tmp_path / "s.geojson", [(to_lonlat(square_25833(x, y, 40)), site_props(1, OSLO))])
    assert run_submission(clean_engine, path, SubmitOptions(kommune_nr=OSLO)).rows_loaded == 1
    update_profile(clean_engine, EDITOR, OSLO, _with(contacts=[]), clock=_clock())
    client = _client(clean_engine)

    site = client.get("/api/v1/sites", params={"kommune": OSLO}).json()["features"][0]
    assert site["properties"]["contact"]["profile_complete"] is False
    with db.session_factory(clean_engine)() as session:
        props = map_sites(session)["features"][0]["properties"]
    assert props["profile_complete"] is False
    assert "Kontakt mangler / Contact missing" in site_popup_html(props, "no")
    assert "Contact missing / Kontakt mangler" in site_popup_html(props, "en")

    update_profile(clean_engine, EDITOR, OSLO, _valid(), clock=_clock())
    site = client.get(f"/api/v1/sites/{site['id']}").json()
    assert site["properties"]["contact"] == {
        "name": "Kari Nordmann",
        "role": "Næringssjef",
        "email": "kari@oslo.example.org",
        "phone": None,
        "response_hours": 12,
        "profile_complete": True,
    }
    with db.session_factory(clean_engine)() as session:
        props = map_sites(session)["features"][0]["properties"]
    html = site_popup_html(props, "no")
    assert "mailto:kari@oslo.example.org" in html and "Kontakt mangler" not in html


def test_a_popup_shows_the_phone_when_there_is_no_email() -> None:
    html = site_popup_html({"contact_phone": "+47 22 00 00 00", "profile_complete": True}, "en")
    assert 'href="tel:+4722000000"' in html and "Contact missing" not in html
    assert "Contact missing" not in site_popup_html({}, "en")  # data that says nothing of the profile


# --- migration 0003 --------------------------------------------------------------------------------------


SQUARE = "ST_Multi(ST_MakeEnvelope(590000, 6640000, 600000, 6650000, 25833))"


def test_migration_moves_the_contact_and_back(admin_url: str) -> None:
    name = f"naering_mig_{uuid.uuid4().hex[:8]}"
    admin = db.get_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = db.get_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION postgis"))
        db.upgrade(url, "0002")
        with engine.begin() as conn:
            conn.execute(text(f"INSERT INTO fylke VALUES ('03', 'Oslo', {SQUARE})"))
            conn.execute(
                text(
                    "INSERT INTO kommune (nr, name, fylke_nr, geom_25833)"
                    f" VALUES ('0301', 'Oslo', '03', {SQUARE}), ('3201', 'Bærum', '03', {SQUARE})"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO kommune_profile"
                    " (kommune_nr, contact_role, contact_name, email, phone, pitch_no) VALUES"
                    " ('0301', 'Næringssjef', 'Kari', 'kari@oslo.example.org', '22000000', 'Tomter'),"
                    " ('3201', NULL, NULL, NULL, NULL, 'Ingen kontakt')"
                )
            )

        db.upgrade(url, "0003")
        columns = {c["name"] for c in inspect(engine).get_columns("kommune_profile")}
        assert {"contact_role", "contact_name", "email", "phone"}.isdisjoint(columns)
        assert {"labour_figures", "clusters"} <= columns
        with engine.begin() as conn:
            rows = conn.execute(
                text("SELECT kommune_nr, position, name, role, email, phone FROM kommune_contact")
            ).all()
            assert [tuple(r) for r in rows] == [
                ("0301", 0, "Kari", "Næringssjef", "kari@oslo.example.org", "22000000")
            ]
            assert conn.execute(
                text(
                    "SELECT labour_figures, clusters, pitch_no FROM kommune_profile WHERE kommune_nr = '0301'"
                )
            ).one() == ([], [], "Tomter")
            # A second contact, and a contact for a kommune that never had a profile row.
            conn.execute(
                text(
                    "INSERT INTO kommune (nr, name, fylke_nr, geom_25833) "
                    f"VALUES ('3203', 'Asker', '03', {SQUARE})"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO kommune_contact (kommune_nr, position, name, email) VALUES "
                    "('0301', 1, 'Ola', 'ola@oslo.example.org'), ('3203', 0, 'Per', 'per@asker.example.org')"
                )
            )

        db.downgrade(url, "0002")
        assert "kommune_contact" not in inspect(engine).get_table_names()
        with engine.connect() as conn:
            back = conn.execute(
                text(
                    "SELECT kommune_nr, contact_role, contact_name, email, phone, pitch_no"
                    " FROM kommune_profile ORDER BY kommune_nr"
                )
            ).all()
        assert [tuple(r) for r in back] == [
            ("0301", "Næringssjef", "Kari", "kari@oslo.example.org", "22000000", "Tomter"),
            ("3201", None, None, None, None, "Ingen kontakt"),
            ("3203", None, "Per", "per@asker.example.org", None, None),
        ]

        db.upgrade(url)
        with engine.connect() as conn:
            again = conn.execute(
                text("SELECT kommune_nr, position, name FROM kommune_contact ORDER BY kommune_nr")
            ).all()
        assert [tuple(r) for r in again] == [("0301", 0, "Kari"), ("3203", 0, "Per")]
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# --- the demo profiles ---------------------------------------------------------------------------------


def test_demo_profiles_load_their_contact_and_reload_as_a_no_op(clean_engine: Engine) -> None:
    n = load_profiles(clean_engine, DEMO_DIR / "profiles.csv")
    assert n > 0
    with clean_engine.connect() as conn:
        first = conn.execute(
            text(
                "SELECT kommune_nr, id, updated_at FROM kommune_profile p JOIN kommune_contact c"
                " USING (kommune_nr) ORDER BY kommune_nr"
            )
        ).all()
    assert len(first) == n
    oslo = get_profile_via(clean_engine)
    assert oslo["complete"] and oslo["is_demo"]
    assert oslo["contacts"] == [
        {
            "name": None,
            "role": "Næringsrådgiver, Oslo kommune",
            "email": "naering.oslo@example.org",
            "phone": None,
        }
    ]
    assert oslo["response_promise"] == {"no": "1 arbeidsdag", "en": "1 working day"}  # 8 working hours

    load_profiles(clean_engine, DEMO_DIR / "profiles.csv")
    with clean_engine.connect() as conn:
        again = conn.execute(
            text(
                "SELECT kommune_nr, id, updated_at FROM kommune_profile p JOIN kommune_contact c"
                " USING (kommune_nr) ORDER BY kommune_nr"
            )
        ).all()
    assert again == first
    assert _audit_rows(clean_engine) == []  # loading demo data is not an edit by a kommune
