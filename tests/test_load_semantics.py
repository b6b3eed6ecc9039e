"""Load semantics: replace archives (never deletes), re-submission is a no-op, history of every change,
submissions for one kommune are serialised, and a failure mid-load leaves nothing half-written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from registry.services.submissions import EXIT_CLEAN, SubmitOptions, run_submission
from registry.store import site_load as load_module
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
                "h.after->>'status' FROM site_history h JOIN site s ON s.id = h.site_id ORDER BY h.id"
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


def test_failure_mid_load_writes_nothing(
    clean_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(clean_engine, tmp_path / "a.geojson", [1, 2, 3])
    before = table_counts(clean_engine)

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated crash after the sites were written")

    monkeypatch.setattr(load_module, "write_logistics", boom)
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


def test_killed_process_leaves_no_partial_submission(clean_engine: Engine, tmp_path: Path) -> None:
    """SIGKILL a `naering submit` at some point: afterwards the load is either absent or complete."""
    path = _file(clean_engine, tmp_path / "a.geojson", list(range(1, 41)))
    env = {**os.environ, "NAERING_DATABASE_URL": clean_engine.url.render_as_string(hide_password=False)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "submit", str(path), "--kommune", "3201"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(2.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    with clean_engine.connect() as conn:
        for _ in range(50):  # the server notices the dropped connection and aborts its transaction
            busy = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
                )
            ).scalar_one()
            if not busy:
                break
            time.sleep(0.1)
        subs = conn.execute(text("SELECT count(*), coalesce(sum(rows_loaded), 0) FROM submission")).one()
        sites = conn.execute(text("SELECT count(*) FROM site")).scalar_one()
        logistics = conn.execute(text("SELECT count(*) FROM site_logistics")).scalar_one()
        history = conn.execute(text("SELECT count(*) FROM site_history")).scalar_one()
    # Either nothing at all, or the whole submission: its rows, their history and their distances.
    assert (tuple(subs), sites, history, logistics) in {
        ((0, 0), 0, 0, 0),
        ((1, sites), sites, sites, 4 * sites),
    }
