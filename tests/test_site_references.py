"""What a site names, checked per statement (migrations 0010, 0012): the logistics distances as columns and
their view, the checks that replace the row-level foreign keys (kommune, substation, submission, logistics
node: refused when missing, locked while named, kept while named), and what the history and matching
make of the distances."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from registry.services.submissions import SubmitOptions, run_submission
from schemas.taxonomy import LOGISTICS_KIND
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

KINDS = LOGISTICS_KIND.codes


@pytest.fixture
def loaded(clean_engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """Two sites of 3201 loaded through the file intake."""
    x, y = anchor_25833(clean_engine, "3201")
    feats = [(to_lonlat(square_25833(x, y, 120, dx=300 * i)), site_props(i, "3201")) for i in (1, 2)]
    result = run_submission(
        clean_engine, write_geojson(tmp_path / "a.geojson", feats), SubmitOptions(kommune_nr="3201")
    )
    assert result.rows_inserted == 2
    yield clean_engine


def _site_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT min(id) FROM site")).scalar_one())


def _unused_node(engine: Engine, kind: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    f"SELECT min(n.id) FROM logistics_node n WHERE n.kind = :kind "
                    f"AND NOT EXISTS (SELECT 1 FROM site s WHERE s.{kind}_node_id = n.id)"
                ),
                {"kind": kind},
            ).scalar_one()
        )


def test_the_view_gives_one_row_per_kind_from_the_columns(loaded: Engine) -> None:
    with loaded.connect() as conn:
        site = conn.execute(text("SELECT * FROM site ORDER BY id LIMIT 1")).mappings().one()
        rows = conn.execute(
            text(
                "SELECT kind, node_id, distance_km, precision_km, method FROM site_logistics "
                "WHERE site_id = :id"
            ),
            {"id": site["id"]},
        ).all()
        nearest = {
            kind: conn.execute(
                text(
                    "SELECT n.id FROM logistics_node n, site s WHERE s.id = :id AND n.kind = :kind "
                    "ORDER BY ST_Distance(n.geom_25833, s.geom_25833), n.id LIMIT 1"
                ),
                {"id": site["id"], "kind": kind},
            ).scalar_one()
            for kind in KINDS
        }
    assert {r.kind for r in rows} == set(KINDS)
    for r in rows:
        assert (r.node_id, r.distance_km, r.precision_km) == (
            site[f"{r.kind}_node_id"],
            site[f"{r.kind}_distance_km"],
            site[f"{r.kind}_precision_km"],
        )
        assert r.node_id == nearest[r.kind]  # the enrichment's nearest node, checked in SQL
        assert r.method == "straight_line_utm33"
    assert site["logistics_computed_at"] is not None


def test_a_missing_node_is_refused_on_update_and_insert(loaded: Engine) -> None:
    site_id = _site_id(loaded)
    with pytest.raises(IntegrityError, match="logistics_node 987654"), loaded.begin() as conn:
        conn.execute(text("UPDATE site SET port_node_id = 987654 WHERE id = :id"), {"id": site_id})
    with pytest.raises(IntegrityError, match="logistics_node 987655"), loaded.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO site (kommune_nr, name, geom_25833, maturity, airport_node_id, "
                "airport_distance_km, airport_precision_km) "
                "SELECT kommune_nr, 'x', geom_25833, maturity, 987655, 1, 0 "
                "FROM site WHERE id = :id"
            ),
            {"id": site_id},
        )
    with loaded.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM site")).scalar_one() == 2
        assert conn.execute(text("SELECT count(*) FROM site WHERE port_node_id = 987654")).scalar_one() == 0


def test_an_existing_node_is_accepted(loaded: Engine) -> None:
    site_id, node = _site_id(loaded), _unused_node(loaded, "port")
    with loaded.begin() as conn:
        conn.execute(text("UPDATE site SET port_node_id = :n WHERE id = :id"), {"n": node, "id": site_id})
        assert (
            conn.execute(text("SELECT port_node_id FROM site WHERE id = :id"), {"id": site_id}).scalar()
            == node
        )


def test_the_three_columns_of_a_kind_go_together(loaded: Engine) -> None:
    site_id = _site_id(loaded)
    for change in ("rail_terminal_distance_km = NULL", "rail_terminal_distance_km = -1"):
        with pytest.raises(IntegrityError, match="rail_terminal_complete"), loaded.begin() as conn:
            conn.execute(text(f"UPDATE site SET {change} WHERE id = :id"), {"id": site_id})


def test_a_node_a_site_names_cannot_go(loaded: Engine) -> None:
    site_id = _site_id(loaded)
    with loaded.connect() as conn:
        used = conn.execute(
            text("SELECT port_node_id FROM site WHERE id = :id"), {"id": site_id}
        ).scalar_one()
    for statement in (
        "DELETE FROM logistics_node WHERE id = :n",
        "UPDATE logistics_node SET id = id + 1000000 WHERE id = :n",
    ):
        with (
            pytest.raises(IntegrityError, match="logistics_node still named by site"),
            loaded.begin() as conn,
        ):
            conn.execute(text(statement), {"n": used})
    with pytest.raises(IntegrityError, match="logistics_node still named by site"), loaded.begin() as conn:
        conn.execute(text("TRUNCATE logistics_node CASCADE"))
    # A node no site names can go (rolled back, so the reference data stays).
    unused = _unused_node(loaded, "port")
    with loaded.connect() as conn, conn.begin() as trans:
        assert conn.execute(text("DELETE FROM logistics_node WHERE id = :n"), {"n": unused}).rowcount == 1
        trans.rollback()


def test_a_node_named_by_an_open_transaction_is_locked(loaded: Engine) -> None:
    """Like a foreign key's check, naming a node locks it: a delete waits for the writer to end."""
    site_id, node = _site_id(loaded), _unused_node(loaded, "airport")
    writer = loaded.connect()
    writer.begin()
    try:
        writer.execute(
            text("UPDATE site SET airport_node_id = :n WHERE id = :id"), {"n": node, "id": site_id}
        )
        with pytest.raises(DBAPIError, match="lock timeout"), loaded.begin() as other:
            other.execute(text("SET LOCAL lock_timeout = '300ms'"))
            other.execute(text("DELETE FROM logistics_node WHERE id = :n"), {"n": node})
    finally:
        writer.rollback()
        writer.close()


def test_distances_are_not_history_but_reach_matching(loaded: Engine) -> None:
    site_id = _site_id(loaded)
    with loaded.begin() as conn:
        before = conn.execute(text("SELECT count(*) FROM site_history")).scalar_one()
        conn.execute(text("UPDATE site SET port_distance_km = 42.5 WHERE id = :id"), {"id": site_id})
    with loaded.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM site_history")).scalar_one() == before
        assert (
            conn.execute(text("SELECT km_port FROM site_match WHERE id = :id"), {"id": site_id}).scalar()
            == 42.5
        )
        keys = conn.execute(
            text("SELECT after FROM site_history_rows WHERE site_id = :id AND action = 'insert'"),
            {"id": site_id},
        ).scalar_one()
    assert keys and "maturity" in keys
    assert not any(k.startswith(KINDS) or k.startswith("logistics_") for k in keys)
    assert "search_tsv" not in keys  # derived from the name and descriptions, which are kept (0013)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("kommune_nr", "'9999'", "kommune 9999"),
        ("nearest_substation_id", "987654", "substation 987654"),
        ("submission_id", "987654", "submission 987654"),
    ],
)
def test_every_reference_of_a_site_is_checked(loaded: Engine, column: str, value: str, message: str) -> None:
    """The site's other references are checked per statement too (migration 0012), under the old names."""
    site_id = _site_id(loaded)
    with pytest.raises(IntegrityError, match=message) as caught, loaded.begin() as conn:
        conn.execute(text(f"UPDATE site SET {column} = {value} WHERE id = :id"), {"id": site_id})
    assert caught.value.orig is not None and caught.value.orig.diag.constraint_name == f"site_{column}_fkey"


def test_a_submission_a_site_came_from_cannot_go_and_a_deleted_site_leaves_matching(loaded: Engine) -> None:
    site_id = _site_id(loaded)
    with loaded.connect() as conn:
        submission = conn.execute(
            text("SELECT submission_id FROM site WHERE id = :id"), {"id": site_id}
        ).scalar()
    with pytest.raises(IntegrityError, match="submission still named by site"), loaded.begin() as conn:
        conn.execute(text("DELETE FROM submission_issue WHERE submission_id = :s"), {"s": submission})
        conn.execute(text("DELETE FROM submission WHERE id = :s"), {"s": submission})
    with loaded.connect() as conn, conn.begin() as trans:
        conn.execute(text("DELETE FROM site WHERE id = :id"), {"id": site_id})
        assert (
            conn.execute(text("SELECT count(*) FROM site_match WHERE id = :id"), {"id": site_id}).scalar()
            == 0
        )
        assert conn.execute(text("SELECT count(*) FROM site_match")).scalar() == 1
        trans.rollback()


def test_truncating_sites_empties_matching(loaded: Engine) -> None:
    with loaded.connect() as conn, conn.begin() as trans:
        conn.execute(text("TRUNCATE site, site_history CASCADE"))
        assert conn.execute(text("SELECT count(*) FROM site_match")).scalar() == 0
        trans.rollback()
