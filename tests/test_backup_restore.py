"""The restore drill (issue 13, §1): backups are only as good as a restore that has been done.

A private cluster of its own (initdb, migrations, reference and demo data) is backed up with pgBackRest
through the services `naering backup` calls: the first backup turns WAL archiving on. Then come the day's
work (a file submission, a profile edit, an inquiry answered, an erasure on request), the moment T from the
server's clock, a bad change (a kommune's sites archived by mistake), and an erasure after T. The WAL is
switched out and pgBackRest's check waits until it is archived. A restore to T into a fresh cluster must then
hold exactly what was there at T — every table's row count, and a checksum of the site, history and
inquiry tables — without the bad change, and with the erasure made after T applied again from the log
(which the restored database had forgotten). Last, the same restore in place, as `naering restore` does it
for the private cluster: the folder before it is kept aside, and the restored cluster archives on.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from registry import localdb, pgbackrest
from registry.clock import FixedClock
from registry.services import backups
from registry.services.access import CLI, Principal
from registry.services.database import migrate
from registry.services.demo import DEMO_EDITOR, load_demo, load_demo_inquiries
from registry.services.inquiries import respond
from registry.services.privacy import erase_email
from registry.services.reference import load_reference
from registry.settings import AuthSettings, BackupSettings, DatabaseSettings, InquirySettings, MailSettings
from tests.inquiry_setup import load_sites, set_profile
from tests.smtp import free_port

DATABASE = "naering"
CHECKSUMMED = ("site", "site_history", "inquiry", "inquiry_thread", "inquiry_message", "inquiry_erasure")
VOIDED_BY_ERASURE = ("inquiry_token", "requester_link")
ERASED_BEFORE_T = "radgiver.demo@demo.invalid"  # replayed from the WAL like any other commit
ERASED_AFTER_T = "scout.demo@demo.invalid"  # lost by the restore, then applied again from the log


@dataclass
class Drill:
    directory: Path
    port: int
    engine: Engine
    cluster: backups.Cluster


def _engine(port: int) -> Engine:
    return create_engine(localdb.url(port=port, database=DATABASE), poolclass=NullPool)


@pytest.fixture(scope="module")
def drill() -> Iterator[Drill]:
    if DatabaseSettings().database_url:
        pytest.skip("the drill makes a private cluster of its own (NAERING_DATABASE_URL is set)")
    if not pgbackrest.available():
        pytest.skip("pgBackRest is not installed (scripts/system-deps.sh pgbackrest)")
    port = free_port()
    base = localdb.data_dir().parent
    directory = base / f"{localdb.data_dir().name}-drill-{port}"
    made = [directory, localdb.socket_dir(directory), base / f"{directory.name}-backup"]
    localdb.init_cluster(directory)
    localdb.start_cluster(directory, port)
    localdb.create_database(port=port, database=DATABASE)
    engine = _engine(port)
    try:
        migrate(localdb.url(port=port, database=DATABASE))
        load_reference(engine)
        load_demo(engine)
        cluster = backups.private_cluster(BackupSettings(), data_dir=directory, port=port)
        yield Drill(directory, port, engine, cluster)
    finally:
        engine.dispose()
        for path in base.glob(f"{directory.name}*"):
            localdb.stop_cluster(path)
            made.append(path)
        for path in made:
            shutil.rmtree(path, ignore_errors=True)


def _state(engine: Engine) -> tuple[dict[str, int], dict[str, str]]:
    """Every table's row count, and a checksum of the rows of the tables that hold the record."""
    with engine.connect() as conn:
        tables = conn.execute(
            text(
                "SELECT tablename FROM pg_tables"
                " WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys' ORDER BY 1"
            )
        ).scalars()
        counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}
        digest = "SELECT md5(string_agg(r::text, '|' ORDER BY r::text)) FROM {} r"
        sums = {t: conn.execute(text(digest.format(t))).scalar_one() for t in CHECKSUMMED}
    return counts, sums


def _personal(engine: Engine, email: str) -> int:
    """Inquiries that still hold this address (an erasure empties it)."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM inquiry WHERE email = :e"), {"e": email}).scalar_one()


def _answer_one_open_thread(engine: Engine, clock: FixedClock) -> None:
    with engine.connect() as conn:
        thread = conn.execute(
            text(
                "SELECT i.public_id::text AS public_id, t.kommune_nr FROM inquiry_thread t"
                " JOIN inquiry i ON i.id = t.inquiry_id"
                " WHERE t.first_response_at IS NULL AND t.kommune_nr IN ('3201', '3205')"
                " ORDER BY t.id LIMIT 1"
            )
        ).one()
    editor = Principal(email=DEMO_EDITOR, role="editor", kommuner=frozenset({"3201", "3205"}), via="cli")
    respond(
        engine,
        editor,
        thread.public_id,
        thread.kommune_nr,
        body="Takk, vi ringer deg i morgen. / Thank you, we will call you tomorrow.",
        settings=InquirySettings(),
        auth=AuthSettings(),
        mail=MailSettings(),
        clock=clock,
    )


def test_restore_drill_returns_the_state_at_t_with_later_erasures_applied_again(
    drill: Drill, tmp_path: Path
) -> None:
    engine, cluster = drill.engine, drill.cluster
    clock = FixedClock(backups.server_time(engine))
    assert load_demo_inquiries(engine, clock=clock) == 3

    first = backups.backup_now(engine, cluster, kind="full")
    assert first.archiving_turned_on is True  # the drill's fresh cluster did not archive before
    assert first.backup.kind == "full"
    assert [b.label for b in backups.list_backups(cluster).backups] == [first.backup.label]

    # The day's work after the backup: only the archived WAL holds it.
    load_sites(engine, tmp_path, "3203", {1: {"power_mw_now": 6}, 2: {"power_mw_now": 3}})
    clock.advance(dt.timedelta(minutes=5))
    set_profile(engine, "3201", contact="ny.kontakt@baerum.example", hours=8, clock=clock)
    _answer_one_open_thread(engine, clock)
    assert erase_email(engine, CLI, ERASED_BEFORE_T, clock=clock).inquiries == 1

    at_t_counts, at_t_sums = _state(engine)
    target = backups.server_time(engine)
    assert _personal(engine, ERASED_AFTER_T) == 1

    # After T: a bad change, then an erasure on request the restored database would not know of.
    with engine.begin() as conn:
        archived = conn.execute(
            text("UPDATE site SET status = 'archived' WHERE kommune_nr = '3205' AND status <> 'archived'")
        ).rowcount
    assert archived > 0
    clock.advance(dt.timedelta(minutes=5))
    assert erase_email(engine, CLI, ERASED_AFTER_T, clock=clock).inquiries == 1
    after_counts, after_sums = _state(engine)
    backups.switch_wal(engine)
    backups.verify_backups(cluster)  # check: the switched segment is archived; verify: files read back

    into, port = drill.directory.parent / f"{drill.directory.name}-restored", free_port()
    report = backups.restore_to_time(
        cluster,
        to_time=target,
        database=DATABASE,
        live_url=localdb.url(port=drill.port, database=DATABASE),
        clock=clock,
        into=into,
        port=port,
    )
    assert report.backup.label == first.backup.label and report.port == port
    assert report.erasures_from == "live database"
    assert report.erasure_entries_added == 1 and report.inquiries_erased == 1

    restored = _engine(port)
    try:
        counts, sums = _state(restored)
        assert _personal(restored, ERASED_AFTER_T) == 0  # erased again after the restore
        assert _personal(restored, ERASED_BEFORE_T) == 0
        with restored.connect() as conn:
            assert (
                conn.execute(
                    text("SELECT count(*) FROM site WHERE kommune_nr = '3205' AND status = 'archived'")
                ).scalar_one()
                == 0
            ), "the bad change after T came back"
            assert conn.execute(text("SELECT current_setting('archive_mode')")).scalar_one() == "off"
    finally:
        restored.dispose()

    # Every table as at T, but the erasure log holds the one entry made after T, and the erased person's
    # private links are gone again (an erasure voids them): as in the live database after the erasure.
    expected = {**at_t_counts, "inquiry_erasure": at_t_counts["inquiry_erasure"] + 1}
    expected.update({t: after_counts[t] for t in VOIDED_BY_ERASURE})
    assert at_t_counts["inquiry_token"] > after_counts["inquiry_token"]
    assert counts == expected
    assert counts != after_counts or sums != after_sums
    for table in ("site", "site_history", "inquiry_thread"):
        assert sums[table] == at_t_sums[table], table
    # The inquiry rows are those at T with the later erasure applied: exactly the live database's now.
    assert sums["inquiry"] != at_t_sums["inquiry"]
    assert sums["inquiry"] == after_sums["inquiry"]
    assert sums["inquiry_message"] == at_t_sums["inquiry_message"]
    localdb.stop_cluster(into)

    # The live database gone (nothing answers on its port): the log's copy saved beside the backups serves.
    elsewhere = drill.directory.parent / f"{drill.directory.name}-restored-2"
    report = backups.restore_to_time(
        cluster,
        to_time=target,
        database=DATABASE,
        live_url=localdb.url(port=free_port(), database=DATABASE),
        clock=clock,
        into=elsewhere,
        port=free_port(),
    )
    assert report.erasures_from == "saved copy" and report.inquiries_erased == 1
    localdb.stop_cluster(elsewhere)

    # In place, as `naering restore --to-time` does it for the private cluster.
    report = backups.restore_to_time(
        cluster,
        to_time=target,
        database=DATABASE,
        live_url=localdb.url(port=drill.port, database=DATABASE),
        clock=clock,
    )
    assert report.into == drill.directory and report.kept_aside is not None
    assert (report.kept_aside / "PG_VERSION").exists()  # the folder before the restore is kept
    assert report.erasures_from == "live database" and report.inquiries_erased == 1
    counts, sums = _state(engine)
    assert counts == expected
    assert sums["site"] == at_t_sums["site"] and sums["inquiry"] == after_sums["inquiry"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT current_setting('archive_mode')")).scalar_one() == "on"


def test_a_restore_before_the_first_backup_or_into_the_future_is_refused(drill: Drill) -> None:
    info = backups.list_backups(drill.cluster)
    if not info.backups:  # run on its own, without the drill before it
        backups.backup_now(drill.engine, drill.cluster, kind="full")
        info = backups.list_backups(drill.cluster)
    before = info.backups[0].started_at - dt.timedelta(hours=1)
    clock = FixedClock(info.backups[-1].stopped_at + dt.timedelta(minutes=1))
    with pytest.raises(backups.BackupError, match="No backup finished before"):
        backups.restore_to_time(drill.cluster, to_time=before, database=DATABASE, live_url=None, clock=clock)
    with pytest.raises(backups.BackupError, match="in the future"):
        backups.restore_to_time(
            drill.cluster,
            to_time=clock.now() + dt.timedelta(days=1),
            database=DATABASE,
            live_url=None,
            clock=clock,
        )
    with pytest.raises(backups.BackupError, match="time zone"):
        backups.restore_to_time(
            drill.cluster, to_time=dt.datetime(2026, 1, 1), database=DATABASE, live_url=None, clock=clock
        )


def test_a_failed_restore_in_place_puts_the_cluster_back_as_it_was(drill: Drill) -> None:
    """pgBackRest failing half-way (here: a configuration naming a repository that does not exist) leaves
    the private cluster's own folder in its place, started, with every row."""
    before, _ = _state(drill.engine)
    aside = f"{drill.directory.name}-before-restore-*"
    kept_before = set(drill.directory.parent.glob(aside))
    config = drill.directory.parent / f"{drill.directory.name}-backup" / "broken.conf"
    config.parent.mkdir(exist_ok=True)
    config.write_text(
        f"[global]\nrepo1-path={config.parent / 'no-repository'}\n[naering]\npg1-path={drill.directory}\n",
        encoding="utf-8",
    )
    stanza = pgbackrest.Stanza(config, "naering")
    broken = backups.Cluster(stanza=stanza, data_dir=drill.directory, port=drill.port, ledger_dir=None)
    with pytest.raises(backups.BackupError, match="restore failed"):
        backups._restore_in_place(
            broken,
            to_time=backups.server_time(drill.engine),
            backup_label="20261203-000000F",
            clock=FixedClock(),
        )
    assert localdb.is_running(drill.port)
    assert _state(drill.engine)[0] == before
    assert set(drill.directory.parent.glob(aside)) == kept_before
