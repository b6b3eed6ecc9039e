"""Guards for rules a mutation run showed the suite did not pin down: each test fails when its rule breaks.

Visibility of drafts and archived sites, staleness by date, `--replace` scoped to one kommune, history
keeping the old outline, every contradiction rule, numbers with both separators, split old kommune
numbers, and a small site inside a larger one as a duplicate. Real PostGIS, no mocks.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

# Project internals, kept together so they can be remapped when modules move.
from api.app import create_app
from etl.issues import Issue
from etl.lookup import KommuneIndex
from etl.values import _number_text, parse_number
from registry.db import session_factory
from registry.services.maps import map_sites
from registry.services.sites import all_sites
from registry.services.submissions import SubmissionResult, SubmitOptions, run_submission
from registry.settings import ServerSettings
from registry.store import reference as reference_store
from schemas.fields import FIELDS
from schemas.site import AXES, AXES_BY_NAME, Axis, is_stale, is_unverified
from schemas.taxonomy import MAX_AGE_DAYS
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

ASKER, BAERUM = "3203", "3201"


@pytest.fixture
def client(clean_engine: Engine) -> TestClient:
    app = create_app(
        ServerSettings(environment="test"), database_url=clean_engine.url.render_as_string(False)
    )
    return TestClient(app)


def _site_file(engine: Engine, path: Path, kommune_nr: str, refs: list[int], **changes: Any) -> Path:
    """Squares of 120 m, 300 m apart, inside the kommune, one per reference number (T-001, ...)."""
    x, y = anchor_25833(engine, kommune_nr)
    feats = [
        (to_lonlat(square_25833(x, y, 120, dx=300 * i)), site_props(i, kommune_nr, **changes)) for i in refs
    ]
    return write_geojson(path, feats)


def _submit(engine: Engine, path: Path, kommune_nr: str, **options: Any) -> SubmissionResult:
    result = run_submission(engine, path, SubmitOptions(kommune_nr=kommune_nr, **options))
    assert not result.rejected, [i.one_line() for i in result.issues]
    return result


def _site_ids(engine: Engine) -> dict[tuple[str, str], tuple[int, str]]:
    """(kommune, reference) → (id, status) of every site row."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT kommune_nr, reference, id, status FROM site")).all()
    return {(r[0], r[1]): (int(r[2]), r[3]) for r in rows}


def _issues(result: SubmissionResult, issue_type: str) -> list[Issue]:
    return [i for i in result.issues if i.issue_type == issue_type]


# 1. Drafts and archived sites stay private ---------------------------------------------------------------


def test_drafts_and_archived_sites_are_not_public(
    clean_engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    _submit(clean_engine, _site_file(clean_engine, tmp_path / "a1.geojson", ASKER, [1, 2]), ASKER)
    replaced = _submit(
        clean_engine, _site_file(clean_engine, tmp_path / "a2.geojson", ASKER, [1]), ASKER, replace=True
    )
    assert replaced.rows_archived == 1
    _submit(clean_engine, _site_file(clean_engine, tmp_path / "b.geojson", BAERUM, [3]), BAERUM, draft=True)
    ids = _site_ids(clean_engine)
    published_id, status = ids[(ASKER, "T-001")]
    assert status == "published"
    archived_id, status = ids[(ASKER, "T-002")]
    assert status == "archived"
    draft_id, status = ids[(BAERUM, "T-003")]
    assert status == "draft"

    assert client.get(f"/api/v1/sites/{published_id}").status_code == 200
    assert client.get(f"/api/v1/sites/{archived_id}").status_code == 404
    assert client.get(f"/api/v1/sites/{draft_id}").status_code == 404

    body = client.get("/api/v1/sites", params={"limit": 100}).json()
    assert (body["total"], [f["id"] for f in body["features"]]) == (1, [published_id])
    for kommune, expected in ((ASKER, [published_id]), (BAERUM, [])):
        body = client.get("/api/v1/sites", params={"kommune": kommune}).json()
        assert (body["total"], [f["id"] for f in body["features"]]) == (len(expected), expected)


# 2. Staleness by date ------------------------------------------------------------------------------------


@pytest.mark.parametrize("axis", AXES, ids=[a.name for a in AXES])
@pytest.mark.parametrize(
    ("days_past_max", "stale"),
    [
        (None, False),  # verified today
        (-1, False),
        (0, False),  # exactly at the axis's limit: still current
        (1, True),  # one day beyond: stale
        (40, True),
    ],
)
def test_is_stale_counts_days_since_verification(axis: Axis, days_past_max: int | None, stale: bool) -> None:
    today = dt.date(2026, 3, 1)  # after a leap-free February: plain day arithmetic
    days_ago = 0 if days_past_max is None else axis.max_age_days + days_past_max
    assert is_stale(today - dt.timedelta(days=days_ago), axis, today=today) is stale


def test_a_date_in_the_future_is_not_stale() -> None:
    """Reversing the subtraction (verified_at - today) would call a long-past date fresh and this stale."""
    today = dt.date(2026, 3, 1)
    for axis in AXES:
        assert is_stale(today + dt.timedelta(days=axis.max_age_days + 1), axis, today=today) is False
        assert is_stale(today - dt.timedelta(days=axis.max_age_days + 1), axis, today=today) is True


def test_without_a_date_a_fact_is_unverified_not_stale() -> None:
    assert is_unverified(None) is True
    assert is_unverified(dt.date(2026, 3, 1)) is False
    for axis in AXES:
        assert is_stale(None, axis, today=dt.date(2026, 3, 1)) is False


def test_power_ages_faster_than_plan_maturity() -> None:
    """Each axis has its own maximum age, from the taxonomy."""
    power, maturity = AXES_BY_NAME["power"], AXES_BY_NAME["maturity"]
    assert {a.name: a.max_age_days for a in AXES} == MAX_AGE_DAYS
    assert power.max_age_days < maturity.max_age_days
    today = dt.date(2026, 3, 1)
    between = today - dt.timedelta(days=(power.max_age_days + maturity.max_age_days) // 2)
    assert is_stale(between, power, today=today) is True
    assert is_stale(between, maturity, today=today) is False


def _dated_site_files(engine: Engine, tmp_path: Path) -> tuple[Path, dt.date, dt.date]:
    today = dt.date.today()
    # One day old, and older than every axis allows.
    fresh, old = today - dt.timedelta(days=1), today - dt.timedelta(days=max(MAX_AGE_DAYS.values()) + 1)
    x, y = anchor_25833(engine, ASKER)
    feats = []
    for i, day in ((1, fresh), (2, old)):
        verified = {
            f"{axis}_verified_at": day.isoformat()
            for axis in ("maturity", "power", "availability", "land_control")
        }
        feats.append((to_lonlat(square_25833(x, y, 120, dx=300 * i)), site_props(i, ASKER, **verified)))
    return write_geojson(tmp_path / "dated.geojson", feats), fresh, old


def test_staleness_through_the_api_follows_the_verification_dates(
    clean_engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    path, fresh, old = _dated_site_files(clean_engine, tmp_path)
    _submit(clean_engine, path, ASKER)
    body = client.get("/api/v1/sites", params={"kommune": ASKER}).json()
    by_ref = {f["properties"]["reference"]: f["properties"] for f in body["features"]}
    for ref, day, stale in (("T-001", fresh, False), ("T-002", old, True)):
        props = by_ref[ref]
        for axis in ("maturity", "power", "availability", "land_control"):
            assert props[axis]["verified_at"] == day.isoformat()
            assert props[axis]["stale"] is stale, (ref, axis)
        passport = client.get(f"/api/v1/sites/{props['id']}").json()["properties"]
        assert [passport[a]["stale"] for a in ("maturity", "power", "availability")] == [stale] * 3


def test_map_sites_staleness_follows_the_verification_dates(clean_engine: Engine, tmp_path: Path) -> None:
    path, _, _ = _dated_site_files(clean_engine, tmp_path)
    _submit(clean_engine, path, ASKER)
    ids = _site_ids(clean_engine)
    with session_factory(clean_engine)() as session:
        features = map_sites(session)["features"]
    stale_by_id = {f["properties"]["id"]: f["properties"]["stale"] for f in features}
    assert stale_by_id == {ids[(ASKER, "T-001")][0]: False, ids[(ASKER, "T-002")][0]: True}


def test_one_staleness_rule_for_api_map_and_export(
    clean_engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    """The site's `stale` is the same in the list, the passport, the map and the export."""
    path, _, _ = _dated_site_files(clean_engine, tmp_path)
    _submit(clean_engine, path, ASKER)
    ids = _site_ids(clean_engine)
    expected = {ids[(ASKER, "T-001")][0]: False, ids[(ASKER, "T-002")][0]: True}
    listed = client.get("/api/v1/sites", params={"kommune": ASKER}).json()["features"]
    assert {f["id"]: f["properties"]["stale"] for f in listed} == expected
    assert {i: client.get(f"/api/v1/sites/{i}").json()["properties"]["stale"] for i in expected} == expected
    with session_factory(clean_engine)() as session:
        mapped = {f["properties"]["id"]: f["properties"]["stale"] for f in map_sites(session)["features"]}
        exported = {p["id"]: p["stale"] for p in all_sites(session)}
    assert mapped == expected and exported == expected


# 3. --replace touches one kommune only --------------------------------------------------------------------


def test_replace_archives_only_in_its_own_kommune(clean_engine: Engine, tmp_path: Path) -> None:
    _submit(clean_engine, _site_file(clean_engine, tmp_path / "a1.geojson", ASKER, [1, 2, 3]), ASKER)
    _submit(clean_engine, _site_file(clean_engine, tmp_path / "b.geojson", BAERUM, [1, 2, 4]), BAERUM)
    with clean_engine.connect() as conn:
        baerum_before = conn.execute(
            text("SELECT id, status, updated_at FROM site WHERE kommune_nr = :k ORDER BY id"), {"k": BAERUM}
        ).all()
    assert [r[1] for r in baerum_before] == ["published"] * 3

    result = _submit(
        clean_engine, _site_file(clean_engine, tmp_path / "a2.geojson", ASKER, [1, 3]), ASKER, replace=True
    )
    assert result.rows_archived == 1
    with clean_engine.connect() as conn:
        asker = {
            r[0]: r[1]
            for r in conn.execute(
                text("SELECT reference, status FROM site WHERE kommune_nr = :k"), {"k": ASKER}
            )
        }
        baerum_after = conn.execute(
            text("SELECT id, status, updated_at FROM site WHERE kommune_nr = :k ORDER BY id"), {"k": BAERUM}
        ).all()
        archive_rows = conn.execute(
            text(
                "SELECT s.kommune_nr, s.reference FROM site_history h JOIN site s ON s.id = h.site_id "
                "WHERE h.action = 'archive'"
            )
        ).all()
    assert asker == {"T-001": "published", "T-002": "archived", "T-003": "published"}
    assert [tuple(r) for r in baerum_after] == [tuple(r) for r in baerum_before]
    assert [tuple(r) for r in archive_rows] == [(ASKER, "T-002")]


# 4. History keeps the old outline -------------------------------------------------------------------------


def test_history_update_keeps_old_and_new_geometry(clean_engine: Engine, tmp_path: Path) -> None:
    x, y = anchor_25833(clean_engine, ASKER)
    old, new = square_25833(x, y, 150), square_25833(x, y + 400, 150, dx=250)
    props = site_props(1, ASKER)
    _submit(clean_engine, write_geojson(tmp_path / "v1.geojson", [(to_lonlat(old), props)]), ASKER)
    second = _submit(clean_engine, write_geojson(tmp_path / "v2.geojson", [(to_lonlat(new), props)]), ASKER)
    assert (second.rows_inserted, second.rows_updated) == (0, 1)

    with clean_engine.connect() as conn:
        rows = conn.execute(
            text("""
            SELECT h.action,
                   ST_Equals(h.geom_before, ins.geom_after) AS before_is_inserted,
                   ST_Equals(h.geom_after, s.geom_25833) AS after_is_current,
                   ST_Distance(ST_Centroid(h.geom_before), ST_SetSRID(ST_MakePoint(:ox, :oy), 25833)),
                   ST_Distance(ST_Centroid(h.geom_after), ST_SetSRID(ST_MakePoint(:nx, :ny), 25833)),
                   ST_Area(h.geom_before), ST_Area(h.geom_after),
                   ST_Intersects(h.geom_before, h.geom_after)
            FROM site_history h
            JOIN site s ON s.id = h.site_id
            JOIN site_history_rows ins ON ins.site_id = h.site_id AND ins.action = 'insert'
            WHERE h.action <> 'insert'
        """),
            {"ox": old.centroid.x, "oy": old.centroid.y, "nx": new.centroid.x, "ny": new.centroid.y},
        ).all()
    assert len(rows) == 1
    action, before_is_inserted, after_is_current, d_before, d_after, a_before, a_after, overlap = rows[0]
    assert action == "update"
    assert before_is_inserted, "geom_before must be the outline before the update"
    assert after_is_current, "geom_after must be the outline after the update"
    # Independently of the stored rows: before is the first outline, after the moved one (metres).
    assert d_before < 1.0 and d_after < 1.0
    assert a_before == pytest.approx(old.area, rel=0.01) and a_after == pytest.approx(new.area, rel=0.01)
    assert not overlap


# 5. Every contradiction rule fires, alone -----------------------------------------------------------------

# (row's changes to a clean site, the one field the facts-contradict warning must name or None)
CONTRADICTION_ROWS: tuple[tuple[dict[str, Any], str | None], ...] = (
    ({}, None),
    ({"maturity": "M5", "power_status": "E2"}, "maturity"),
    ({"availability": "sold", "maturity": "M1"}, "availability"),
    ({"power_status": "E4", "power_reserved_until": None}, "power_reserved_until"),
    ({"power_status": "E1", "power_future_year": None}, "power_future_year"),
    ({"availability": "for_sale_or_lease", "land_control": "private_no_agreement"}, "land_control"),
    ({"power_status": "E0", "power_mw_now": 4}, "power_status"),
    # Near misses: each rule's other half alone does not fire.
    ({"maturity": "M5", "power_status": "E3", "power_mw_now": 4}, None),
    ({"availability": "sold", "maturity": "M4"}, None),
    ({"power_status": "E4", "power_reserved_until": "2027-06-30"}, None),
    ({"power_status": "E1", "power_future_year": 2029}, None),
    ({"availability": "for_sale_or_lease", "land_control": "private_agreement"}, None),
    ({"power_status": "E0", "power_mw_now": None}, None),
)


def test_each_contradiction_rule_fires_alone(clean_engine: Engine, tmp_path: Path) -> None:
    x, y = anchor_25833(clean_engine, ASKER)
    feats = []
    for i, (changes, _) in enumerate(CONTRADICTION_ROWS, start=1):
        props = {k: v for k, v in site_props(i, ASKER, **changes).items() if v is not None}
        feats.append((to_lonlat(square_25833(x, y, 120, dx=300 * i)), props))
    result = _submit(clean_engine, write_geojson(tmp_path / "facts.geojson", feats), ASKER)
    assert result.rows_loaded == len(CONTRADICTION_ROWS)
    fired: dict[int, list[str | None]] = {}
    for issue in _issues(result, "facts-contradict"):
        assert issue.row is not None
        fired.setdefault(issue.row, []).append(issue.field)
    expected = {row: [field] for row, (_, field) in enumerate(CONTRADICTION_ROWS, start=1) if field}
    assert fired == expected, f"facts-contradict by row: {fired}"
    assert sorted(f for _, f in CONTRADICTION_ROWS if f) == sorted(
        [
            "maturity",
            "availability",
            "power_reserved_until",
            "power_future_year",
            "land_control",
            "power_status",
        ]
    )


# 6. Numbers with both separators --------------------------------------------------------------------------

PRICE = next(f for f in FIELDS if f.name == "price_nok_per_m2")


@pytest.mark.parametrize(
    ("text_value", "number"),
    [
        ("1.200,5", 1200.5),  # Norwegian: dot thousands, comma decimal
        ("1,200.5", 1200.5),  # English: comma thousands, dot decimal
        ("1 200,5", 1200.5),
        ("1\u00a0200,5", 1200.5),
        ("12,5", 12.5),
        ("12.5", 12.5),
        ("1.200.000", 1_200_000.0),
        ("1,200,000", 1_200_000.0),
        ("1.200.000,75", 1_200_000.75),
        ("1,200,000.75", 1_200_000.75),
    ],
)
def test_numbers_with_thousands_and_decimal_separators(text_value: str, number: float) -> None:
    assert _number_text(text_value) == pytest.approx(number)
    parsed = parse_number(text_value, PRICE)
    assert parsed.value == pytest.approx(number)
    assert parsed.issue in {None, "number-converted"}


def test_prices_with_both_separators_are_stored_as_written(clean_engine: Engine, tmp_path: Path) -> None:
    x, y = anchor_25833(clean_engine, ASKER)
    prices = {1: "1.200,5", 2: "1,200.5", 3: "1 200,5"}
    feats = [
        (to_lonlat(square_25833(x, y, 120, dx=300 * i)), site_props(i, ASKER, price_nok_per_m2=p))
        for i, p in prices.items()
    ]
    _submit(clean_engine, write_geojson(tmp_path / "prices.geojson", feats), ASKER)
    with clean_engine.connect() as conn:
        stored = {
            r[0]: r[1] for r in conn.execute(text("SELECT reference, price_nok_per_m2::float8 FROM site"))
        }
    assert stored == {"T-001": 1200.5, "T-002": 1200.5, "T-003": 1200.5}


# 7. Old numbers that were split resolve to the primary successor -----------------------------------------


def _split_numbers(engine: Engine) -> dict[str, str]:
    """Old (2020–2023) numbers that went to more than one 2024 kommune → their primary successor."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("""
            SELECT h.old_nr, h.new_nr FROM kommune_number_history h
            WHERE h.is_primary
              AND NOT EXISTS (SELECT 1 FROM kommune k WHERE k.nr = h.old_nr)
              AND h.old_nr IN (SELECT old_nr FROM kommune_number_history GROUP BY old_nr HAVING count(*) > 1)
            ORDER BY h.old_nr
        """)
        ).all()
    return {r[0]: r[1] for r in rows}


def test_split_old_kommune_number_resolves_to_primary_successor(ref_engine: Engine) -> None:
    split = _split_numbers(ref_engine)
    assert len(split) >= 5, split  # the reference data has many (Viken, Vestfold og Telemark, ...)
    with ref_engine.connect() as conn:
        successors = reference_store.primary_successors(conn)
        index = KommuneIndex(names=reference_store.kommune_names(conn), old_to_new=successors)
    assert {old: index.resolve(old) for old in split} == {old: (new, True) for old, new in split.items()}


def test_submission_with_split_old_number_uses_primary_successor(
    clean_engine: Engine, tmp_path: Path
) -> None:
    split = _split_numbers(clean_engine)
    old = "3020"  # Nordre Follo 2020: mostly to 3207 Nordre Follo, a sliver to 3118 Indre Østfold
    assert old in split
    new = split[old]
    with clean_engine.connect() as conn:
        successors = conn.execute(
            text("SELECT count(*) FROM kommune_number_history WHERE old_nr = :o"), {"o": old}
        ).scalar_one()
        name = conn.execute(text("SELECT name FROM kommune WHERE nr = :k"), {"k": new}).scalar_one()
    assert successors > 1
    x, y = anchor_25833(clean_engine, new)
    feats = [(to_lonlat(square_25833(x, y, 120, dx=300 * i)), site_props(i, old)) for i in (1, 2)]
    path = write_geojson(tmp_path / "old.geojson", feats)
    result = _submit(clean_engine, path, new)
    assert result.rows_loaded == 2
    old_number = _issues(result, "kommune-old-number")
    assert [(i.row, i.value) for i in old_number] == [(1, old), (2, old)]
    assert all(f"used {new} {name}" in i.message_en for i in old_number), [i.message_en for i in old_number]
    assert not _issues(result, "kommune-mismatch")
    with clean_engine.connect() as conn:
        assert conn.execute(text("SELECT DISTINCT kommune_nr FROM site")).scalars().all() == [new]


# 8. A small site inside a larger one is a duplicate -------------------------------------------------------


def test_small_site_inside_existing_larger_site_is_a_duplicate(clean_engine: Engine, tmp_path: Path) -> None:
    x, y = anchor_25833(clean_engine, ASKER)
    big, small = square_25833(x, y, 200), square_25833(x + 70, y + 70, 60)
    assert big.contains(small)
    first = _submit(
        clean_engine, write_geojson(tmp_path / "big.geojson", [(to_lonlat(big), site_props(1, ASKER))]), ASKER
    )
    assert not _issues(first, "duplicate-site")
    second = _submit(
        clean_engine,
        write_geojson(tmp_path / "small.geojson", [(to_lonlat(small), site_props(2, ASKER))]),
        ASKER,
    )
    dups = _issues(second, "duplicate-site")
    assert [(i.row, i.field, i.severity) for i in dups] == [(1, "geometry", "warning")]
    assert "100%" in dups[0].message_en


def test_small_site_inside_larger_site_of_the_same_file_is_a_duplicate(
    clean_engine: Engine, tmp_path: Path
) -> None:
    x, y = anchor_25833(clean_engine, ASKER)
    big, small = square_25833(x, y, 200), square_25833(x + 70, y + 70, 60)
    apart = square_25833(x, y, 60, dx=1000)
    feats = [
        (to_lonlat(big), site_props(1, ASKER)),
        (to_lonlat(apart), site_props(2, ASKER)),
        (to_lonlat(small), site_props(3, ASKER)),
    ]
    result = _submit(clean_engine, write_geojson(tmp_path / "both.geojson", feats), ASKER)
    dups = _issues(result, "duplicate-geometry")
    assert [(i.row, i.field, i.severity) for i in dups] == [(3, "geometry", "warning")]
    assert "100%" in dups[0].message_en and "row 1" in dups[0].message_en
