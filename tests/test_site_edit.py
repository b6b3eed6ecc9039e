"""A kommune edits its own sites one by one ("Our sites"): list with flags, the form's checks (the
intake's own), per-axis confirmation, publish/archive/restore, create from GeoJSON, access rules, and
the Excel round trip through the ordinary file intake."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import shapely
import shapely.geometry
from sqlalchemy import Engine, text

from registry.clock import FixedClock
from registry.db import session_factory
from registry.services import site_edit
from registry.services.access import (
    ANONYMOUS,
    ForbiddenError,
    NotSignedInError,
    NotVisibleError,
    Principal,
)
from registry.services.site_edit import SiteConflictError, SiteInvalidError, SiteStateError
from registry.services.submissions import SubmitOptions, check_submission, run_submission
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

K = "3201"  # Bærum
OTHER = "3203"  # Asker
EDITOR = Principal(user_id=1, email="planlegger@baerum.example", role="editor", kommuner=frozenset({K}))
OUTSIDER = Principal(user_id=2, email="planlegger@asker.example", role="editor", kommuner=frozenset({OTHER}))
VERIFIED = "2026-09-01"


def _clock() -> FixedClock:
    return FixedClock(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))


def _props(i: int, **extra: Any) -> dict[str, Any]:
    return site_props(i, K, land_control_verified_at=VERIFIED, **extra)


def _square(engine: Engine, i: int) -> shapely.Geometry:
    x, y = anchor_25833(engine, K)
    return square_25833(x, y, 120, dx=300 * i)


def _load(engine: Engine, path: Path, sites: dict[int, dict[str, Any]], *, draft: bool = False) -> None:
    feats = [(to_lonlat(_square(engine, i)), _props(i, **extra)) for i, extra in sites.items()]
    result = run_submission(
        engine, write_geojson(path, feats), SubmitOptions(kommune_nr=K, draft=draft, actor="file")
    )
    assert not result.rejected, [i.one_line() for i in result.issues]


def _id(engine: Engine, reference: str, *, live: bool = True) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT id FROM site WHERE reference = :r"
                    + (" AND status <> 'archived'" if live else " ORDER BY id LIMIT 1")
                ),
                {"r": reference},
            ).scalar_one()
        )


def _site(engine: Engine, site_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM site WHERE id = :id"), {"id": site_id}).mappings().one()
    return dict(row)


def _history(engine: Engine, site_id: int | None = None) -> list[tuple[str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT action, changed_by FROM site_history "
                "WHERE CAST(:id AS int) IS NULL OR site_id = :id ORDER BY id"
            ),
            {"id": site_id},
        ).all()
    return [(r[0], r[1]) for r in rows]


def _all_sites(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT *, ST_AsEWKB(geom_25833) AS g FROM site ORDER BY id")).mappings()
        return [{k: v for k, v in r.items() if k != "geom_25833"} for r in rows]


def _sites(engine: Engine, **kwargs: Any) -> list[dict[str, Any]]:
    with session_factory(engine)() as session:
        return site_edit.kommune_sites(session, EDITOR, K, today=dt.date(2026, 12, 1), **kwargs)


@pytest.fixture
def three(clean_engine: Engine, tmp_path: Path) -> Engine:
    """T-001 current, T-002 stale power, T-003 unverified availability (published); T-004 a draft."""
    _load(
        clean_engine,
        tmp_path / "published.geojson",
        {1: {}, 2: {"power_verified_at": "2025-01-01"}, 3: {"availability_verified_at": None}},
    )
    _load(clean_engine, tmp_path / "draft.geojson", {4: {}}, draft=True)
    return clean_engine


# --- the list ---------------------------------------------------------------------------------------------


def test_list_has_every_status_with_flags_and_filters(three: Engine) -> None:
    site_edit.archive(three, EDITOR, _id(three, "T-001"), clock=_clock())
    everything = _sites(three)
    assert [(s["reference"], s["status"]) for s in everything] == [
        ("T-001", "archived"),
        ("T-002", "published"),
        ("T-003", "published"),
        ("T-004", "draft"),
    ]
    by_ref = {s["reference"]: s for s in everything}
    assert (by_ref["T-002"]["stale"], by_ref["T-002"]["unverified"]) == (True, False)
    assert by_ref["T-002"]["axes"]["power"]["state"] == "stale"
    assert by_ref["T-002"]["axes"]["maturity"]["state"] == "current"
    assert (by_ref["T-003"]["stale"], by_ref["T-003"]["unverified"]) == (False, True)
    assert by_ref["T-003"]["axes"]["availability"]["state"] == "unverified"
    assert (by_ref["T-004"]["stale"], by_ref["T-004"]["unverified"]) == (False, False)
    assert by_ref["T-004"]["area_m2"] == pytest.approx(14_400, rel=1e-6)
    assert {"id", "name", "maturity", "power_status", "availability", "updated_at"} <= set(by_ref["T-004"])

    assert [s["reference"] for s in _sites(three, status="draft")] == ["T-004"]
    assert [s["reference"] for s in _sites(three, status="archived")] == ["T-001"]
    assert [s["reference"] for s in _sites(three, flag="stale")] == ["T-002"]
    assert [s["reference"] for s in _sites(three, flag="unverified")] == ["T-003"]
    assert _sites(three, status="draft", flag="stale") == []
    with pytest.raises(ValueError):
        _sites(three, status="deleted")


# --- the form's checks are the intake's ------------------------------------------------------------------

BAD_VALUES = {
    "maturity": "M9",  # unknown code, with a suggestion
    "power_mw_now": "fire MW",  # not a number
    "maturity_verified_at": "31.02.2026",  # not a date
    "power_future_year": "1850",  # out of range
    "price_nok_per_m2": "-5",  # negative
}


def _comparable(issue: Any) -> tuple[Any, ...]:
    return (
        issue.issue_type,
        issue.severity,
        issue.field,
        issue.value,
        issue.message_no,
        issue.message_en,
        issue.fix_no,
        issue.fix_en,
    )


def test_a_bad_value_gives_the_intakes_message_and_writes_nothing(three: Engine, tmp_path: Path) -> None:
    site_id = _id(three, "T-001")
    for name, bad in BAD_VALUES.items():
        # the intake, on a one-row file with the same value
        path = write_geojson(
            tmp_path / f"{name}.geojson", [(to_lonlat(_square(three, 1)), _props(1, **{name: bad}))]
        )
        intake = [
            i for i in check_submission(three, path, SubmitOptions(kommune_nr=K)).issues if i.field == name
        ]
        assert intake and any(i.severity == "error" for i in intake), name
        before, history = _site(three, site_id), _history(three)
        with pytest.raises(SiteInvalidError) as caught:
            site_edit.update_site(three, EDITOR, site_id, {name: bad}, clock=_clock())
        form = [i for i in caught.value.issues if i.field == name]
        assert [_comparable(i) for i in form] == [_comparable(i) for i in intake], name
        assert [i.field for i in caught.value.errors] == [name]  # no second error (e.g. "missing")
        assert (_site(three, site_id), _history(three)) == (before, history)


def test_clearing_a_required_value_is_the_intakes_missing_value(three: Engine) -> None:
    with pytest.raises(SiteInvalidError) as caught:
        site_edit.update_site(three, EDITOR, _id(three, "T-001"), {"name": "  "}, clock=_clock())
    (error,) = caught.value.errors
    assert (error.issue_type, error.field) == ("missing-value", "name")
    assert error.message_en == "A required field has no value." or error.message_no.startswith("Mangler")


# --- update ----------------------------------------------------------------------------------------------


def test_update_writes_one_history_row_by_the_actor_and_dates_the_changed_axis(three: Engine) -> None:
    site_id = _id(three, "T-001")
    before = _site(three, site_id)
    clock = _clock()
    result = site_edit.update_site(
        three,
        EDITOR,
        site_id,
        {"maturity": "byggeklar", "power_mw_now": "4,5", "name": "Testområde 1 (nytt navn)", "plan_id": "4"},
        clock=clock,
    )
    after = _site(three, site_id)
    assert set(result.changed) == {
        "maturity",
        "maturity_verified_at",
        "maturity_verified_by",
        "power_mw_now",
        "name",
        "plan_id",
    }
    assert (after["maturity"], after["power_mw_now"], after["name"], after["plan_id"]) == (
        "M5",
        4.5,
        "Testområde 1 (nytt navn)",
        "4",
    )
    # an edit of an axis's value is a verification of that axis, today, by the actor
    assert (after["maturity_verified_at"], after["maturity_verified_by"]) == (
        dt.date(2026, 12, 1),
        EDITOR.email,
    )
    # the others keep theirs (power's value did not change, only its MW)
    for col in (
        "power_verified_at",
        "power_verified_by",
        "availability_verified_at",
        "land_control_verified_at",
    ):
        assert after[col] == before[col], col
    assert after["updated_at"] == clock.now()
    assert after["status"] == "published"
    # warnings and notes, as the intake gives them: the value read as M5, M5 without E3/E4 power
    kinds = {(i.issue_type, i.field) for i in result.warnings}
    assert {("code-normalised", "maturity"), ("number-converted", "power_mw_now")} <= kinds
    assert ("facts-contradict", "maturity") in kinds
    assert _history(three, site_id)[1:] == [("update", EDITOR.email)]


def test_an_edit_that_gives_the_verification_keeps_it(three: Engine) -> None:
    site_id = _id(three, "T-001")
    site_edit.update_site(
        three,
        EDITOR,
        site_id,
        {
            "availability": "sold",
            "availability_verified_at": "15.11.2026",
            "availability_verified_by": "Megler",
        },
        clock=_clock(),
    )
    after = _site(three, site_id)
    assert (after["availability"], after["availability_verified_at"], after["availability_verified_by"]) == (
        "sold",
        dt.date(2026, 11, 15),
        "Megler",
    )


def test_an_update_that_changes_nothing_writes_nothing(three: Engine) -> None:
    site_id = _id(three, "T-001")
    before, history = _site(three, site_id), _history(three)
    result = site_edit.update_site(
        three,
        EDITOR,
        site_id,
        {"maturity": "M3", "name": "Testområde 1", "uses": "1340; 1350"},
        clock=_clock(),
    )
    assert result.changed == ()
    assert (_site(three, site_id), _history(three)) == (before, history)


def test_a_new_reference_taken_by_a_live_site_is_a_conflict(three: Engine) -> None:
    site_id = _id(three, "T-001")
    with pytest.raises(SiteConflictError) as caught:
        site_edit.update_site(three, EDITOR, site_id, {"reference": "T-002"}, clock=_clock())
    assert "T-002" in str(caught.value) and "brukes allerede" in str(caught.value)
    assert _site(three, site_id)["reference"] == "T-001"
    with pytest.raises(ValueError):
        site_edit.update_site(three, EDITOR, site_id, {"kommune_nr": OTHER}, clock=_clock())


# --- confirm an axis -------------------------------------------------------------------------------------


def test_confirm_axis_renews_only_that_axis(three: Engine) -> None:
    site_id = _id(three, "T-002")
    before = _site(three, site_id)
    clock = _clock()
    assert site_edit.confirm_axis(three, EDITOR, site_id, "power", clock=clock) == dt.date(2026, 12, 1)
    after = _site(three, site_id)
    assert (after["power_verified_at"], after["power_verified_by"]) == (dt.date(2026, 12, 1), EDITOR.email)
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"power_verified_at", "power_verified_by", "updated_at"}
    assert _history(three, site_id)[1:] == [("update", EDITOR.email)]
    assert [s["reference"] for s in _sites(three, flag="stale")] == []
    for axis in ("colour", "evidence", "power_status"):
        with pytest.raises(ValueError):
            site_edit.confirm_axis(three, EDITOR, site_id, axis, clock=clock)


# --- publish, archive, restore --------------------------------------------------------------------------


def test_publish_archive_restore(three: Engine) -> None:
    clock = _clock()
    draft = _id(three, "T-004")
    published = _id(three, "T-001")
    change = site_edit.publish(three, EDITOR, draft, clock=clock)
    assert (change.previous, change.status, change.changed) == ("draft", "published", True)
    assert not site_edit.publish(three, EDITOR, draft, clock=clock).changed  # already published
    assert site_edit.archive(three, EDITOR, published, clock=clock).status == "archived"
    with pytest.raises(SiteStateError):
        site_edit.publish(three, EDITOR, published, clock=clock)
    with pytest.raises(SiteStateError):
        site_edit.update_site(three, EDITOR, published, {"name": "x"}, clock=clock)
    # restored to the status it had when archived
    assert site_edit.restore(three, EDITOR, published, clock=clock).status == "published"
    # a draft archived comes back a draft
    _load_draft = _id(three, "T-004")
    site_edit.archive(three, EDITOR, _load_draft, clock=clock)
    with three.begin() as conn:
        conn.execute(text("UPDATE site SET status = 'draft' WHERE id = :id"), {"id": _load_draft})
    site_edit.archive(three, EDITOR, _load_draft, clock=clock)
    assert site_edit.restore(three, EDITOR, _load_draft, clock=clock).status == "draft"
    actions = [a for a, _ in _history(three, published)]
    assert actions == ["insert", "archive", "update"]
    assert {by for _, by in _history(three, published)[1:]} == {EDITOR.email}
    assert _site(three, published)["updated_at"] == clock.now()


def test_restore_refuses_a_reference_held_by_a_live_site(three: Engine, tmp_path: Path) -> None:
    clock = _clock()
    old = _id(three, "T-001")
    site_edit.archive(three, EDITOR, old, clock=clock)
    _load(three, tmp_path / "again.geojson", {1: {}})  # a new site with the same reference
    assert _id(three, "T-001") != old
    with pytest.raises(SiteConflictError) as caught:
        site_edit.restore(three, EDITOR, old, clock=clock)
    message = str(caught.value)
    assert "already used" in message and "brukes allerede" in message and "T-001" in message
    assert _site(three, old)["status"] == "archived"


def test_publishing_needs_a_site_without_errors(three: Engine) -> None:
    draft = _id(three, "T-004")
    with three.begin() as conn:  # a draft the intake's rules would refuse (as an older rule might leave)
        conn.execute(text("UPDATE site SET reference = NULL WHERE id = :id"), {"id": draft})
    with pytest.raises(SiteInvalidError) as caught:
        site_edit.publish(three, EDITOR, draft, clock=_clock())
    assert [(i.issue_type, i.field) for i in caught.value.errors] == [("missing-value", "reference")]
    assert _site(three, draft)["status"] == "draft"


# --- who may ---------------------------------------------------------------------------------------------


def test_access_rules(three: Engine) -> None:
    clock = _clock()
    draft, published = _id(three, "T-004"), _id(three, "T-001")
    day = dt.date(2026, 12, 1)
    with session_factory(three)() as session:
        with pytest.raises(NotVisibleError):
            site_edit.site_for_edit(session, OUTSIDER, draft, today=day)
        with pytest.raises(ForbiddenError):
            site_edit.site_for_edit(session, OUTSIDER, published, today=day)
        with pytest.raises(NotVisibleError):
            site_edit.site_for_edit(session, EDITOR, 999_999, today=day)
        with pytest.raises(NotSignedInError):
            site_edit.site_for_edit(session, ANONYMOUS, published, today=day)
        with pytest.raises(NotSignedInError):
            site_edit.kommune_sites(session, ANONYMOUS, K, today=day)
        with pytest.raises(ForbiddenError):
            site_edit.kommune_sites(session, OUTSIDER, K, today=day)
        with pytest.raises(ForbiddenError):
            site_edit.our_sites_workbook(session, OUTSIDER, K)
        mine = site_edit.site_for_edit(session, EDITOR, draft, today=day)
    assert mine["status"] == "draft" and mine["form"]["reference"] == "T-004"
    assert mine["form"]["uses"] == ["1340", "1350"] and mine["geometry"]["type"] == "MultiPolygon"
    assert mine["axes"]["power"]["state"] == "current"
    with pytest.raises(NotVisibleError):
        site_edit.update_site(three, OUTSIDER, draft, {"name": "x"}, clock=clock)
    with pytest.raises(ForbiddenError):
        site_edit.update_site(three, OUTSIDER, published, {"name": "x"}, clock=clock)
    with pytest.raises(NotVisibleError):
        site_edit.publish(three, OUTSIDER, draft, clock=clock)
    with pytest.raises(ForbiddenError):
        site_edit.archive(three, OUTSIDER, published, clock=clock)
    with pytest.raises(NotSignedInError):
        site_edit.confirm_axis(three, ANONYMOUS, published, "power", clock=clock)
    with pytest.raises(ForbiddenError):
        site_edit.create_site(
            three, OUTSIDER, K, {"name": "x"}, {"type": "Point", "coordinates": [0, 0]}, clock=clock
        )
    assert _site(three, published)["status"] == "published" and _site(three, draft)["name"] == "Testområde 4"


# --- create ----------------------------------------------------------------------------------------------


def test_create_site_from_geojson_is_enriched_as_the_intake_enriches(three: Engine) -> None:
    clock = _clock()
    outline = shapely.geometry.mapping(to_lonlat(_square(three, 1)))  # T-001's outline, drawn again
    result = site_edit.create_site(
        three,
        EDITOR,
        K,
        {"name": "Nytt område", "maturity": "M2", "area_m2": "14 400 m²"},
        outline,
        clock=clock,
    )
    created, twin = _site(three, result.site_id), _site(three, _id(three, "T-001"))
    assert (created["status"], created["kommune_nr"], created["maturity"]) == ("draft", K, "M2")
    assert created["reference"] == f"{K}-nytt-omrade"
    assert created["area_m2_submitted"] == 14_400.0
    assert (created["power_status"], created["availability"], created["evidence"]) == (
        "E0",
        "not_on_market",
        "self_reported",
    )
    assert created["created_at"] == clock.now()
    assert created["area_m2"] == pytest.approx(twin["area_m2"], abs=0.01)
    assert created["nearest_substation_id"] is not None
    assert (created["nearest_substation_id"], created["substation_distance_km"]) == (
        twin["nearest_substation_id"],
        twin["substation_distance_km"],
    )
    with three.connect() as conn:
        logistics = {
            site_id: conn.execute(
                text(
                    "SELECT kind, node_id, distance_km, precision_km, method FROM site_logistics "
                    "WHERE site_id = :id ORDER BY kind"
                ),
                {"id": site_id},
            ).all()
            for site_id in (created["id"], twin["id"])
        }
    assert logistics[created["id"]] and logistics[created["id"]] == logistics[twin["id"]]
    kinds = {(i.issue_type, i.field) for i in result.warnings}
    assert {("reference-derived", "reference"), ("duplicate-site", "geometry")} <= kinds
    assert _history(three, created["id"]) == [("insert", EDITOR.email)]


def test_create_site_refuses_an_outline_outside_the_kommune(three: Engine) -> None:
    x, y = anchor_25833(three, OTHER)
    outline = shapely.geometry.mapping(to_lonlat(square_25833(x, y, 100)))
    before = _all_sites(three)
    with pytest.raises(SiteInvalidError) as caught:
        site_edit.create_site(
            three, EDITOR, K, {"name": "Feil sted", "maturity": "M1"}, outline, clock=_clock()
        )
    assert [(i.issue_type, i.field) for i in caught.value.errors] == [
        ("outside-kommune-entirely", "geometry")
    ]
    with pytest.raises(SiteConflictError):
        site_edit.create_site(
            three,
            EDITOR,
            K,
            {"reference": "T-002", "name": "Samme ref", "maturity": "M1"},
            shapely.geometry.mapping(to_lonlat(_square(three, 7))),
            clock=_clock(),
        )
    assert _all_sites(three) == before


# --- the Excel round trip -------------------------------------------------------------------------------


@pytest.fixture
def varied(clean_engine: Engine, tmp_path: Path) -> Engine:
    """Published sites with every kind of value: lists, dates, decimals, text that looks like a formula."""
    _load(
        clean_engine,
        tmp_path / "varied.geojson",
        {
            1: {
                "price_nok_per_m2": 1234.56,
                "description_no": "=SUM(A1) er ikke en formel",
                "links": "https://example.org/a https://example.org/b",
                "power_status": "E4",
                "power_reserved_until": "2027-06-30",
                "power_mw_now": 2.125,
                "plan_id": "0012",
                "area_m2": 14_400,
            },
            2: {"uses": "1300", "power_status": "E1", "power_future_year": 2029, "power_mw_future": 12.5},
            3: {"availability_verified_at": None, "grid_company": "Elvia", "evidence": "document_linked"},
        },
    )
    return clean_engine


def _workbook(engine: Engine) -> bytes:
    with session_factory(engine)() as session:
        return site_edit.our_sites_workbook(session, EDITOR, K, lang="no")


def _upload(engine: Engine, path: Path) -> Any:
    result = run_submission(engine, path, SubmitOptions(kommune_nr=K, replace=False, actor="excel"))
    assert not result.rejected, [i.one_line() for i in result.issues]
    return result


def test_the_downloaded_workbook_uploaded_again_changes_nothing(varied: Engine, tmp_path: Path) -> None:
    path = tmp_path / "vaare-omrader.xlsx"
    path.write_bytes(_workbook(varied))
    before, history = _all_sites(varied), _history(varied)
    result = _upload(varied, path)
    assert (result.rows_loaded, result.rows_inserted, result.rows_updated, result.rows_archived) == (
        3,
        0,
        0,
        0,
    )
    assert not [i for i in result.issues if i.severity == "error"]
    assert _all_sites(varied) == before
    assert _history(varied) == history


def test_one_cell_edited_in_excel_changes_exactly_that_field(varied: Engine, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(_workbook(varied)))
    ws = wb["Områder"]
    header = [c.value for c in ws[1]]
    refs = [ws.cell(r, header.index("reference") + 1).value for r in range(2, ws.max_row + 1)]
    assert refs == ["T-001", "T-002", "T-003"]  # one row per site, no example row
    ws.cell(2 + refs.index("T-002"), header.index("maturity") + 1).value = "M4"
    path = tmp_path / "endret.xlsx"
    wb.save(path)
    site_id = _id(varied, "T-002")
    before = _site(varied, site_id)
    others = [s for s in _all_sites(varied) if s["id"] != site_id]
    result = _upload(varied, path)
    assert (result.rows_inserted, result.rows_updated) == (0, 1)
    after = _site(varied, site_id)
    bookkeeping = {"updated_at", "submission_id", "source_row", "file_hash", "logistics_computed_at"}
    assert {k for k in after if after[k] != before[k]} - bookkeeping == {"maturity"}
    assert after["maturity"] == "M4"
    assert [s for s in _all_sites(varied) if s["id"] != site_id] == others
    assert _history(varied, site_id)[-1] == ("update", "excel")


def test_the_workbook_holds_drafts_but_not_archived_sites(three: Engine) -> None:
    site_edit.archive(three, EDITOR, _id(three, "T-001"), clock=_clock())
    ws = openpyxl.load_workbook(io.BytesIO(_workbook(three)))["Områder"]
    header = [c.value for c in ws[1]]
    assert "wkt (EPSG:25833)" in header
    refs = [ws.cell(r, header.index("reference") + 1).value for r in range(2, ws.max_row + 1)]
    assert refs == ["T-002", "T-003", "T-004"]
