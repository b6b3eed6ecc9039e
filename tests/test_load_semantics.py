"""Load semantics: replace archives (never deletes), re-submission is a no-op, history of every change,
submissions for one kommune are serialised, and a failure mid-load leaves nothing half-written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from sqlalchemy import Connection, Engine, text
from typer.testing import CliRunner

from cli.main import app
from registry.services.submissions import EXIT_CLEAN, SubmitOptions, run_submission
from registry.store import site_load as load_module
from registry.store import submissions as submissions_store
from tests.conftest import table_counts
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson


def _file(engine: Engine, path: Path, refs: list[int], **changes: object) -> Path:
    x, y = anchor_25833(engine, "3201")
    feats = [(to_lonlat(square_25833(x, y, 120, dx=300 * i)), site_props(i, "3201", **changes)) for i in refs]
    return write_geojson(path, feats)


def _statuses(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {r[0]: r[1] for r in conn.execute(text("SELECT reference, status FROM site"))}


def test_replace_archives_missing_sites_and_keeps_history(clean_engine: Engine, tmp_path: Path) -> None:
    first = run_submission(
        clean_engine,
        _file(clean_engine, tmp_path / "a.geojson", [1, 2, 3]),
        SubmitOptions(kommune_nr="3201", actor="test:a"),
    )
    assert first.rows_inserted == 3
    second = run_submission(
        clean_engine,
        _file(clean_engine, tmp_path / "b.geojson", [1, 2], maturity="M4"),
        SubmitOptions(kommune_nr="3201", replace=True, actor="test:b"),
    )
    assert (second.rows_inserted, second.rows_updated, second.rows_archived) == (0, 2, 1)
    assert _statuses(clean_engine) == {"T-001": "published", "T-002": "published", "T-003": "archived"}
    with clean_engine.connect() as conn:
        history = conn.execute(
            text(
                "SELECT s.reference, h.action, h.changed_by, h.before->>'maturity', h.after->>'maturity', "
                "h.after->>'status' FROM site_history_rows h JOIN site s ON s.id = h.site_id ORDER BY h.id"
            )
        ).all()
    assert [(r[0], r[1], r[2]) for r in history] == [
        ("T-001", "insert", "test:a"),
        ("T-002", "insert", "test:a"),
        ("T-003", "insert", "test:a"),
        ("T-001", "update", "test:b"),
        ("T-002", "update", "test:b"),
        ("T-003", "archive", "test:b"),
    ]
    assert history[3][3:5] == ("M3", "M4")
    assert history[5][5] == "archived"
    # An insert is read with the values it wrote, though its sites have changed since (migration 0011):
    # T-001 and T-002 were inserted as M3 and are M4 now; T-003 was inserted published, archived now.
    assert [r[4] for r in history[:3]] == ["M3", "M3", "M3"]
    assert [r[5] for r in history[:3]] == ["published", "published", "published"]
    with clean_engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE after IS NULL AND geom_after IS NULL), count(*) "
                "FROM site_history WHERE action = 'insert'"
            )
        ).one()
    assert tuple(stored) == (3, 3), "an insert's row keeps who and when only; its values follow it"


def test_replace_keeps_the_site_of_a_refused_row(clean_engine: Engine, tmp_path: Path) -> None:
    """A row refused for an error stands for its site: replace must not archive that site."""
    run_submission(
        clean_engine, _file(clean_engine, tmp_path / "a.geojson", [1, 2, 3]), SubmitOptions("3201")
    )
    x, y = anchor_25833(clean_engine, "3201")
    feats = [
        (to_lonlat(square_25833(x, y, 120, dx=300 * i)), site_props(i, "3201", maturity=maturity))
        for i, maturity in ((1, "M3"), (2, "M9"))  # row 2: an unknown maturity code, refused
    ]
    path = write_geojson(tmp_path / "b.geojson", feats)
    check = run_submission(clean_engine, path, SubmitOptions("3201", replace=True, dry_run=True))
    assert check.would_archive == ["T-003 Testområde 3"]
    result = run_submission(clean_engine, path, SubmitOptions("3201", replace=True))
    assert any(i.row == 2 and i.severity == "error" for i in result.issues)
    assert (result.rows_loaded, result.rows_archived) == (1, 1)
    assert _statuses(clean_engine) == {"T-001": "published", "T-002": "published", "T-003": "archived"}


def test_without_replace_other_sites_stay(clean_engine: Engine, tmp_path: Path) -> None:
    run_submission(
        clean_engine, _file(clean_engine, tmp_path / "a.geojson", [1, 2]), SubmitOptions(kommune_nr="3201")
    )
    run_submission(
        clean_engine, _file(clean_engine, tmp_path / "b.geojson", [3]), SubmitOptions(kommune_nr="3201")
    )
    assert _statuses(clean_engine) == {"T-001": "published", "T-002": "published", "T-003": "published"}


def test_resubmitting_the_same_file_is_a_noop(clean_engine: Engine, tmp_path: Path) -> None:
    path = _file(clean_engine, tmp_path / "a.geojson", [1, 2])
    first = run_submission(clean_engine, path, SubmitOptions(kommune_nr="3201"))
    before = table_counts(clean_engine)
    again = run_submission(clean_engine, path, SubmitOptions(kommune_nr="3201"))
    assert again.noop and again.submission_id == first.submission_id
    assert [i.issue_type for i in again.issues] == ["resubmission-noop"]
    assert again.exit_code == EXIT_CLEAN
    assert table_counts(clean_engine) == before


def test_replace_with_the_same_bytes_as_a_load_without_replace_archives(
    clean_engine: Engine, tmp_path: Path
) -> None:
    """A kommune removes a row, loads without replace, then replaces with the very same file."""
    run_submission(
        clean_engine, _file(clean_engine, tmp_path / "a.geojson", [1, 2, 3]), SubmitOptions(kommune_nr="3201")
    )
    path = _file(clean_engine, tmp_path / "b.geojson", [1, 2])
    kept = run_submission(clean_engine, path, SubmitOptions(kommune_nr="3201"))
    assert not kept.noop and _statuses(clean_engine)["T-003"] == "published"
    replaced = run_submission(clean_engine, path, SubmitOptions(kommune_nr="3201", replace=True))
    assert not replaced.noop and replaced.rows_archived == 1
    assert _statuses(clean_engine) == {"T-001": "published", "T-002": "published", "T-003": "archived"}
    # The same bytes without replace after a replace: nothing left to do.
    again = run_submission(clean_engine, path, SubmitOptions(kommune_nr="3201"))
    assert again.noop and again.submission_id == replaced.submission_id


def test_the_same_bytes_as_a_draft_then_published_is_no_noop(clean_engine: Engine, tmp_path: Path) -> None:
    path = _file(clean_engine, tmp_path / "a.geojson", [1])
    run_submission(clean_engine, path, SubmitOptions(kommune_nr="3201", draft=True))
    published = run_submission(clean_engine, path, SubmitOptions(kommune_nr="3201"))
    assert not published.noop
    assert _statuses(clean_engine) == {"T-001": "published"}


def test_a_load_without_replace_says_how_many_published_sites_it_leaves_out(
    clean_engine: Engine, tmp_path: Path
) -> None:
    run_submission(
        clean_engine, _file(clean_engine, tmp_path / "a.geojson", [1, 2, 3]), SubmitOptions(kommune_nr="3201")
    )
    result = run_submission(
        clean_engine, _file(clean_engine, tmp_path / "b.geojson", [1]), SubmitOptions(kommune_nr="3201")
    )
    left_out = [i for i in result.issues if i.issue_type == "sites-not-in-file"]
    assert [(i.severity, i.row) for i in left_out] == [("info", None)]
    assert (
        left_out[0].message_en
        == "2 of the kommune's published sites are not in the file; they are kept as they are."
    )
    assert left_out[0].message_no.startswith(
        "2 av kommunens publiserte områder er ikke med i filen; de beholdes"
    )
    assert "--replace" not in left_out[0].fix_en + left_out[0].fix_no  # the CLI names its own option
    assert result.sites_not_in_file == 2 and result.exit_code == EXIT_CLEAN
    assert _statuses(clean_engine) == {"T-001": "published", "T-002": "published", "T-003": "published"}


def test_check_replace_previews_what_would_be_archived(clean_engine: Engine, tmp_path: Path) -> None:
    run_submission(
        clean_engine, _file(clean_engine, tmp_path / "a.geojson", [1, 2, 3]), SubmitOptions(kommune_nr="3201")
    )
    path = _file(clean_engine, tmp_path / "b.geojson", [2])
    before = table_counts(clean_engine)
    env = {"NAERING_DATABASE_URL": clean_engine.url.render_as_string(hide_password=False)}
    report = tmp_path / "r.json"
    args = ["check", str(path), "-k", "3201", "--replace", "--report", str(report), "--lang", "en"]
    res = CliRunner().invoke(app, args, env=env)
    assert res.exit_code == EXIT_CLEAN, res.output
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["would_archive"] == ["T-001 Testområde 1", "T-003 Testområde 3"]
    preview = [i for i in data["issues"] if i["issue_type"] == "replace-would-archive"]
    assert [i["message_en"] for i in preview] == [
        "With 'Replace', 2 site(s) would be archived: T-001 Testområde 1, T-003 Testområde 3."
    ]
    said = " ".join(res.output.split())
    assert "2 site(s) would be archived" in said and "(naering submit --replace archives them.)" in said
    assert "rows read 1, would load 1" in said
    assert table_counts(clean_engine) == before  # a check writes nothing
    assert set(_statuses(clean_engine).values()) == {"published"}
    # Without --replace the check says what the load would keep instead.
    plain = run_submission(clean_engine, path, SubmitOptions(kommune_nr="3201", dry_run=True))
    assert {i.issue_type for i in plain.issues} >= {"sites-not-in-file"}
    assert "replace-would-archive" not in {i.issue_type for i in plain.issues}


def test_failure_mid_load_writes_nothing(
    clean_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(clean_engine, tmp_path / "a.geojson", [1, 2, 3])
    before = table_counts(clean_engine)

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated crash after the sites were written")

    monkeypatch.setattr(submissions_store, "finish_submission", boom)
    with pytest.raises(RuntimeError):
        run_submission(clean_engine, path, SubmitOptions(kommune_nr="3201"))
    assert table_counts(clean_engine) == before


def test_submissions_for_one_kommune_are_serialised(clean_engine: Engine, tmp_path: Path) -> None:
    path = _file(clean_engine, tmp_path / "a.geojson", [1, 2])
    holder = clean_engine.connect()
    trans = holder.begin()
    load_module.lock_kommune(holder, "3201")  # as if another submission for 3201 were running
    done = threading.Event()
    results = []

    def submit() -> None:
        results.append(run_submission(clean_engine, path, SubmitOptions(kommune_nr="3201")))
        done.set()

    worker = threading.Thread(target=submit, daemon=True)
    worker.start()
    try:
        assert not done.wait(2.0), "the second submission must wait for the kommune's lock"
        with clean_engine.connect() as conn:
            waiting = conn.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            ).scalar_one()
        assert waiting == 1
        assert table_counts(clean_engine)["site"] == 0
    finally:
        trans.rollback()
        holder.close()
    assert done.wait(30.0)
    assert results[0].rows_loaded == 2


def _grid_file(engine: Engine, path: Path, kommune_nr: str, n: int, **changes: object) -> Path:
    """`n` sites of 30 x 30 m on a 50 m grid around the kommune's anchor, every one inside the kommune."""
    x, y = anchor_25833(engine, kommune_nr)
    with engine.connect() as conn:
        wkb = conn.execute(
            text("SELECT ST_AsBinary(geom_25833) FROM kommune WHERE nr = :k"), {"k": kommune_nr}
        ).scalar_one()
    outline = shapely.from_wkb(bytes(wkb))
    side = int(n**0.5)
    i, j = (a.ravel() for a in np.meshgrid(np.arange(-side, side), np.arange(-side, side)))
    candidates = shapely.box(x + 50 * i, y + 50 * j, x + 50 * i + 30, y + 50 * j + 30)
    shapely.prepare(outline)
    squares = candidates[shapely.contains(outline, candidates)]
    assert len(squares) >= n, "the kommune is too small for the grid"
    feats = [(to_lonlat(sq), site_props(k, kommune_nr, **changes)) for k, sq in enumerate(squares[:n], 1)]
    return write_geojson(path, feats)


def _site_rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT id, reference, status, maturity, submission_id, updated_at FROM site ORDER BY id"
                )
            )
        ]


def _child_state(conn: Connection, app_name: str, kommune_nr: str) -> dict[str, Any] | None:
    """The child's backend (the one in a transaction, should it have several): whether it is in one,
    holds the kommune's advisory lock, which tables it has written to, and whether it waits for a lock
    on site_match; None while it has no backend."""
    row = conn.execute(
        text("""
        SELECT a.pid, a.xact_start IS NOT NULL AS in_transaction, a.wait_event_type,
               EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory'
                       AND l.granted AND l.classid = :ns AND l.objsubid = 2
                       AND l.objid = (hashtext(:k)::bigint & 4294967295)::text::oid) AS holds_kommune_lock,
               ARRAY(SELECT l.relation::regclass::text FROM pg_locks l WHERE l.pid = a.pid
                     AND l.locktype = 'relation' AND l.granted AND l.mode = 'RowExclusiveLock'
                     ORDER BY 1) AS written,
               EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted
                       AND l.relation = 'site_match'::regclass) AS waits_for_match
        FROM pg_stat_activity a
        WHERE a.datname = current_database() AND a.application_name = :app
        ORDER BY a.xact_start NULLS LAST LIMIT 1
    """),
        {"ns": load_module.LOCK_NAMESPACE, "k": kommune_nr, "app": app_name},
    ).first()
    return dict(row._mapping) if row is not None else None


def test_killed_process_leaves_no_partial_submission(clean_engine: Engine, tmp_path: Path) -> None:
    """SIGKILL a `naering submit` while its load transaction has written the submission, its sites and
    their history but not committed: afterwards nothing of it is left.

    The test holds a SHARE lock on site_match, so the child's load stops, transaction open, at its
    first write there (the matching trigger, after the submission, site and history rows). The kill
    comes only once the
    database shows that: the child's backend in a transaction, holding the kommune's advisory lock,
    with rows written to submission, site and site_history, waiting for site_match.
    """
    kommune = "3201"
    # Earlier sites of the kommune that the killed file would update (same references, new maturity).
    run_submission(
        clean_engine,
        _grid_file(clean_engine, tmp_path / "earlier.geojson", kommune, 3),
        SubmitOptions(kommune_nr=kommune, actor="test:earlier"),
    )
    path = _grid_file(clean_engine, tmp_path / "big.geojson", kommune, 2000, maturity="M4")
    before_counts, before_sites = table_counts(clean_engine), _site_rows(clean_engine)
    assert before_counts["site"] == 3 and before_counts["submission"] == 1

    app_name = f"naering-kill-test-{os.getpid()}-{time.monotonic_ns()}"
    env = {
        **os.environ,
        "NAERING_DATABASE_URL": clean_engine.url.render_as_string(hide_password=False),
        "PGAPPNAME": app_name,
    }
    blocker = clean_engine.connect()
    blocker.begin()
    blocker.execute(text("LOCK TABLE site_match IN SHARE MODE"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "submit", str(path), "--kommune", kommune],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    state: dict[str, Any] | None = None
    try:
        with clean_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watch:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None:
                state = _child_state(watch, app_name, kommune)
                if state is not None and state["waits_for_match"]:
                    break
                time.sleep(0.05)  # waiting on an external process, bounded by the deadline
            assert proc.poll() is None, f"the child ended (exit {proc.returncode}) before it could be caught"
            assert state is not None and state["waits_for_match"], f"child never reached the load: {state}"
            # Mid-load, provably: an open transaction holding the kommune's lock, with rows written.
            assert state["in_transaction"] and state["holds_kommune_lock"], state
            assert state["wait_event_type"] == "Lock", state
            assert {"submission", "submission_issue", "site", "site_history"} <= set(state["written"]), state
            proc.send_signal(signal.SIGKILL)
            assert proc.wait(timeout=30) == -signal.SIGKILL
            blocker.rollback()  # let the orphaned backend run on: it finds its client gone and rolls back
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and _child_state(watch, app_name, kommune) is not None:
                time.sleep(0.05)
            assert _child_state(watch, app_name, kommune) is None, "the killed child's backend lingers"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        blocker.close()
    assert table_counts(clean_engine) == before_counts
    assert _site_rows(clean_engine) == before_sites
    with clean_engine.begin() as conn:  # the kommune's lock is free again
        assert conn.execute(
            text("SELECT pg_try_advisory_xact_lock(:ns, hashtext(:k))"),
            {"ns": load_module.LOCK_NAMESPACE, "k": kommune},
        ).scalar_one()
