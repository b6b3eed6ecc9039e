"""The nightly logical dump (issue 13, §1), a job of `naering jobs run`: once per local day from
`dump_hour`, `pg_dump -Fc` whole or not at all, the erasure log's copy beside it, the newest `dump_keep`
kept. Real pg_dump against the test database; the day moved by the injected clock."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from registry import db, localdb
from registry.clock import FixedClock
from registry.services import backups
from registry.services.jobs import run_jobs
from registry.settings import AuthSettings, BackupSettings, InquirySettings, MailSettings

OSLO = ZoneInfo("Europe/Oslo")


def _oslo(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=OSLO).astimezone(dt.UTC)


def _run(engine: Engine, settings: BackupSettings, clock: FixedClock) -> int:
    report = run_jobs(
        engine,
        settings=InquirySettings(),
        auth=AuthSettings(),
        mail=MailSettings(),
        clock=clock,
        only=("dump",),
        backup=settings,
    )
    return report.done["dump"]


def test_one_dump_a_night_whole_with_the_erasure_log_and_the_newest_kept(
    ref_engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "dumps"
    settings = BackupSettings(dump_path=folder, dump_keep=2, dump_hour=2)
    clock = FixedClock(_oslo(3, 1, 30))

    assert _run(ref_engine, settings, clock) == 0  # 01:30 in Oslo: not yet due
    assert backups.dumps(folder) == []
    clock.set(_oslo(3, 2, 5))
    assert _run(ref_engine, settings, clock) == 1
    assert _run(ref_engine, settings, clock) == 0  # the day's dump is there
    clock.set(_oslo(3, 23, 50))
    assert _run(ref_engine, settings, clock) == 0  # still the same day in Oslo (22:50 UTC)

    [first] = backups.dumps(folder)
    assert first.name == "naering-20261203T010500Z.dump"
    assert not list(folder.glob("*.partial"))
    # A real custom-format archive: pg_restore lists its table of contents, with the registry's tables.
    listing = subprocess.run(
        [localdb.pg_tool("pg_restore"), "--list", str(first)], check=True, capture_output=True, text=True
    ).stdout
    assert "TABLE public site " in listing and "TABLE public inquiry_erasure " in listing
    ledger = json.loads((folder / backups.LEDGER).read_text(encoding="utf-8"))
    assert isinstance(ledger["entries"], list)

    for day in (4, 5):
        clock.set(_oslo(day, 3))
        assert _run(ref_engine, settings, clock) == 1
    kept = [p.name for p in backups.dumps(folder)]
    assert kept == ["naering-20261204T020000Z.dump", "naering-20261205T020000Z.dump"]  # two kept


def test_no_folder_no_dump_and_a_failed_dump_leaves_nothing(ref_engine: Engine, tmp_path: Path) -> None:
    clock = FixedClock(_oslo(3, 4))
    assert _run(ref_engine, BackupSettings(dump_path=None), clock) == 0

    folder = tmp_path / "dumps"
    missing = make_url(ref_engine.url).set(database="naering_no_such_database")
    gone = db.get_engine(missing.render_as_string(hide_password=False))
    with pytest.raises(backups.BackupError, match="pg_dump failed"):
        backups.nightly_dump(gone, BackupSettings(dump_path=folder), InquirySettings(), clock=clock)
    assert list(folder.iterdir()) == []  # no partial file, no dump
