"""Use cases: backups and restores — the registry is the system of record (docs/operations.md).

    backup_now        WAL archiving on (once), then a pgBackRest base backup; retention expires old sets
    list_backups      the repository's backups and archived WAL range
    verify_backups    pgBackRest's check (archiving works now) and verify (every file reads back intact)
    restore_to_time   point-in-time recovery into a fresh folder (a drill, an inspection) or in place of
                      the private cluster, then the erasures logged after the target are applied again
    nightly_dump      `pg_dump -Fc` once a day (a job of `naering jobs run`), the newest `dump_keep` kept

The erasure log (`inquiry_erasure`) is in the database, so a restore to an earlier time would forget the
erasures made after it, and bring the erased people's details back. Before a restore the log is read from
the live database (or, when that is gone, from the copy every backup and nightly dump leaves beside
them: hashes only), and after it the missing entries are written back and applied again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from registry import localdb, pgbackrest
from registry.clock import Clock
from registry.db import transaction
from registry.pgbackrest import BackupError, BackupSet, RepositoryInfo, Stanza
from registry.services.privacy import reapply_erasures
from registry.settings import BackupSettings, DatabaseSettings, InquirySettings
from registry.store import backups as store
from registry.store import inquiries as inquiries_store

ACTOR = "backup"
LEDGER = "erasure-log.json"
DUMP_GLOB = "naering-*.dump"
# How long a restored server may take to replay the archive and be promoted.
RECOVERY_TIMEOUT_S = 900

__all__ = ["BackupError", "BackupSet", "RepositoryInfo"]


@dataclass(frozen=True)
class Cluster:
    """A cluster pgBackRest backs up. For the private cluster also its folder and port: this module may
    restart it to turn archiving on, and restore in its place. `ledger_dir` keeps the erasure log's copy."""

    stanza: Stanza
    data_dir: Path | None
    port: int | None
    ledger_dir: Path | None


@dataclass(frozen=True)
class BackupReport:
    backup: BackupSet
    archiving_turned_on: bool
    erasures_saved: int


@dataclass(frozen=True)
class RestoreReport:
    to_time: dt.datetime
    backup: BackupSet
    into: Path
    port: int
    erasures_from: str  # "live database", "saved copy", or "none"
    erasure_entries_added: int
    inquiries_erased: int
    kept_aside: Path | None


# --- which cluster ---------------------------------------------------------------------------------------


def private_cluster(settings: BackupSettings, *, data_dir: Path, port: int) -> Cluster:
    """A private cluster (registry.localdb): its repository is `settings.path`, else a folder beside its
    data; the configuration is written there each time (so that retention follows the settings)."""
    repository = settings.path or data_dir.parent / f"{data_dir.name}-backup"
    stanza = pgbackrest.write_config(
        repository / "pgbackrest.conf",
        stanza=settings.stanza,
        repository=repository,
        pg_path=data_dir,
        pg_port=port,
        socket_dir=localdb.socket_dir(data_dir),
        retention_full=settings.retention_full,
    )
    return Cluster(stanza=stanza, data_dir=data_dir, port=port, ledger_dir=repository)


def configured_cluster(settings: BackupSettings, database: DatabaseSettings) -> Cluster:
    """The cluster the settings name: operations' pgBackRest configuration on the database host, or the
    private local cluster."""
    if settings.pgbackrest_config is not None:
        return Cluster(
            stanza=Stanza(settings.pgbackrest_config, settings.stanza),
            data_dir=None,
            port=None,
            ledger_dir=settings.dump_path,
        )
    if database.database_url:
        raise BackupError(
            "NAERING_DATABASE_URL names a server this command does not manage: run it on the database host "
            "with NAERING_BACKUP_PGBACKREST_CONFIG set to its pgBackRest configuration (docs/operations.md)."
        )
    return private_cluster(settings, data_dir=localdb.data_dir(), port=database.pg_port)


# --- backups ----------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _autocommit(engine: Engine) -> Iterator[Any]:
    with engine.connect() as conn:
        yield conn.execution_options(isolation_level="AUTOCOMMIT")


def _ensure_archiving(engine: Engine, cluster: Cluster) -> bool:
    """Make the server push every WAL segment into the repository; True when this changed anything."""
    expected = pgbackrest.archive_command(cluster.stanza)
    with _autocommit(engine) as conn:
        state = store.archiving(conn)
        mode_on = state["archive_mode"] in {"on", "always"}
        if mode_on and state["archive_command"] == expected:
            return False
        if cluster.data_dir is None or cluster.port is None:
            raise BackupError(
                "The database server does not archive its WAL to pgBackRest. Set archive_mode = on and "
                f"archive_command = '{expected}', restart it, and try again (docs/operations.md)."
            )
        store.set_archiving(conn, command=expected)
    if not mode_on:  # archive_mode takes effect only at a start
        engine.dispose()
        localdb.restart_cluster(cluster.data_dir, cluster.port)
    return True


def backup_now(engine: Engine, cluster: Cluster, *, kind: str = "incr") -> BackupReport:
    """Turn archiving on when needed, create the stanza (once), check that WAL reaches the repository, and
    take a base backup (`incr` becomes `full` when there is none). The database stays open throughout."""
    turned_on = _ensure_archiving(engine, cluster)
    pgbackrest.stanza_create(cluster.stanza)
    pgbackrest.check(cluster.stanza)
    pgbackrest.backup(cluster.stanza, kind=kind)
    saved = _save_ledger(engine, cluster.ledger_dir)
    backups = pgbackrest.info(cluster.stanza).backups
    return BackupReport(backup=backups[-1], archiving_turned_on=turned_on, erasures_saved=saved)


def list_backups(cluster: Cluster) -> RepositoryInfo:
    return pgbackrest.info(cluster.stanza)


def verify_backups(cluster: Cluster) -> RepositoryInfo:
    """pgBackRest's `check` (the server's settings; a WAL switch archived now) and `verify` (every backup
    and archived segment read back against its checksum). Raises BackupError naming what failed."""
    info = pgbackrest.info(cluster.stanza)
    if not info.backups:
        raise BackupError("The repository holds no backup yet: run `naering backup now`.")
    pgbackrest.check(cluster.stanza)
    pgbackrest.verify(cluster.stanza)
    return info


def switch_wal(engine: Engine) -> str:
    """Close the current WAL segment so that the archive holds every commit up to now."""
    with _autocommit(engine) as conn:
        return store.switch_wal(conn)


def server_time(engine: Engine) -> dt.datetime:
    """The database server's clock: restore targets are the server's times."""
    with engine.connect() as conn:
        return store.server_time(conn)


# --- the erasure log beside the backups -------------------------------------------------------------------


def _erasure_entries(engine: Engine) -> list[dict[str, Any]]:
    with transaction(engine, actor=ACTOR) as session:
        return [
            {
                "at": row["at"].isoformat(),
                "email_hash": row["email_hash"],
                "reason": row["reason"],
                "inquiries": row["inquiries"],
            }
            for row in inquiries_store.erasure_log(session)
        ]


def _write_ledger(directory: Path | None, entries: Sequence[dict[str, Any]]) -> None:
    if directory is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    partial = directory / (LEDGER + ".partial")
    partial.write_text(json.dumps({"entries": list(entries)}, indent=1), encoding="utf-8")
    os.replace(partial, directory / LEDGER)  # whole or not at all


def _save_ledger(engine: Engine, directory: Path | None) -> int:
    entries = _erasure_entries(engine)
    _write_ledger(directory, entries)
    return len(entries)


def _read_ledger(directory: Path | None) -> list[dict[str, Any]] | None:
    if directory is None or not (directory / LEDGER).exists():
        return None
    entries: list[dict[str, Any]] = json.loads((directory / LEDGER).read_text(encoding="utf-8"))["entries"]
    return entries


def _erasures_before_restore(
    live_url: str | None, ledger_dir: Path | None
) -> tuple[str, list[dict[str, Any]]]:
    """The erasure log as it stands now: from the live database when it answers (then also saved), else
    the copy the last backup or dump left."""
    if live_url is not None:
        engine = create_engine(live_url, connect_args={"connect_timeout": 5})
        try:
            entries = _erasure_entries(engine)
        except OperationalError:
            entries = None
        finally:
            engine.dispose()
        if entries is not None:
            _write_ledger(ledger_dir, entries)
            return "live database", entries
    saved = _read_ledger(ledger_dir)
    if saved is not None:
        return "saved copy", saved
    return "none", []


def _apply_erasure_log(engine: Engine, entries: Sequence[dict[str, Any]], *, clock: Clock) -> tuple[int, int]:
    """Write back the entries the restored log lacks, then apply every erasure on request again."""
    with transaction(engine, actor=ACTOR) as session:
        present = {
            (row["at"], row["email_hash"], row["reason"]) for row in inquiries_store.erasure_log(session)
        }
        added = 0
        for entry in entries:
            at = dt.datetime.fromisoformat(entry["at"])
            if (at, entry["email_hash"], entry["reason"]) in present:
                continue
            inquiries_store.log_erasure(
                session,
                at=at,
                email_hash=entry["email_hash"],
                reason=entry["reason"],
                inquiries=entry["inquiries"],
            )
            added += 1
    return added, reapply_erasures(engine, clock=clock)


# --- restore ----------------------------------------------------------------------------------------------


def _backup_for(info: RepositoryInfo, to_time: dt.datetime) -> BackupSet:
    finished = [b for b in info.backups if b.stopped_at <= to_time]
    if not finished:
        earliest = info.backups[0].stopped_at.isoformat() if info.backups else None
        raise BackupError(
            f"No backup finished before {to_time.isoformat()}; the earliest finished at {earliest}."
            if earliest
            else "The repository holds no backup: nothing to restore."
        )
    return finished[-1]


def _await_promotion(directory: Path, port: int, database: str) -> None:
    """Wait until the restored server has replayed up to the target and left recovery."""
    engine = create_engine(
        localdb.url(port=port, database=database), connect_args={"connect_timeout": 5}, poolclass=NullPool
    )
    deadline = time.monotonic() + RECOVERY_TIMEOUT_S
    try:
        while time.monotonic() < deadline:
            if not (directory / "postmaster.pid").exists():
                break  # the server stopped: recovery failed (the log says why)
            try:
                with engine.connect() as conn:
                    if not store.in_recovery(conn):
                        return
            except OperationalError:
                pass
            time.sleep(0.2)  # a server replaying WAL tells nobody when it is done: ask again
    finally:
        engine.dispose()
    log = directory / "server.log"
    tail = " ".join(log.read_text(errors="replace").splitlines()[-4:]) if log.exists() else ""
    raise BackupError(f"The restored server did not finish recovery: {tail}")


def restore_to_time(
    cluster: Cluster,
    *,
    to_time: dt.datetime,
    database: str,
    live_url: str | None,
    clock: Clock,
    into: Path | None = None,
    port: int | None = None,
) -> RestoreReport:
    """Point-in-time recovery to `to_time` (the server's clock; inclusive), then the erasure log applied.

    With `into` and `port`: a new cluster in the empty folder `into`, started on `port`, with archiving
    off; the live one keeps running (a drill, an inspection, or the first step of a restore on a
    database host). Without them: in place of the private cluster, whose folder is kept aside
    (`…-before-restore-<time>`, never deleted) and whose archiving goes on, on a new timeline."""
    if to_time.tzinfo is None:
        raise BackupError("Give the restore time with its time zone, e.g. 2026-12-03T10:15:00+01:00.")
    if to_time > clock.now():
        raise BackupError(f"The restore time {to_time.isoformat()} is in the future.")
    chosen = _backup_for(pgbackrest.info(cluster.stanza), to_time)
    source, entries = _erasures_before_restore(live_url, cluster.ledger_dir)
    kept_aside: Path | None = None
    if into is not None:
        if port is None:
            raise BackupError("A restore into a new folder needs a port for it.")
        if into.exists() and any(into.iterdir()):
            raise BackupError(f"{into} is not empty: restore into a new folder.")
        target_dir, target_port = into, port
        localdb.prepare_dir(target_dir)
        target_dir.chmod(0o700)
        pgbackrest.restore(
            cluster.stanza, into=target_dir, to_time=to_time, backup_label=chosen.label, keep_archiving=False
        )
    else:
        if cluster.data_dir is None or cluster.port is None:
            raise BackupError(
                "Only the private cluster is restored in place; on a database host restore into a new "
                "folder (--into, --port) and switch to it (docs/operations.md)."
            )
        target_dir, target_port = cluster.data_dir, cluster.port
        kept_aside = _restore_in_place(cluster, to_time=to_time, backup_label=chosen.label, clock=clock)
    localdb.start_cluster(target_dir, target_port)
    _await_promotion(target_dir, target_port, database)
    engine = create_engine(localdb.url(port=target_port, database=database))
    try:
        added, erased = _apply_erasure_log(engine, entries, clock=clock)
    finally:
        engine.dispose()
    return RestoreReport(
        to_time=to_time,
        backup=chosen,
        into=target_dir,
        port=target_port,
        erasures_from=source,
        erasure_entries_added=added,
        inquiries_erased=erased,
        kept_aside=kept_aside,
    )


def _restore_in_place(
    cluster: Cluster, *, to_time: dt.datetime, backup_label: str, clock: Clock
) -> Path | None:
    """Stop the private cluster, move its folder aside (kept), and restore into its place: the restored
    server's `restore_command` names the folder it runs in. A failed restore puts the old folder back.
    When the folder is gone (a lost disk), the restore simply makes it again; nothing is kept aside."""
    assert cluster.data_dir is not None and cluster.port is not None
    live = cluster.data_dir
    aside: Path | None = None
    if live.exists():
        aside = live.parent / f"{live.name}-before-restore-{clock.now():%Y%m%dT%H%M%S}"
        localdb.stop_cluster(live)
        live.rename(aside)
    try:
        localdb.prepare_dir(live)
        live.chmod(0o700)
        pgbackrest.restore(
            cluster.stanza, into=live, to_time=to_time, backup_label=backup_label, keep_archiving=True
        )
    except BackupError:
        shutil.rmtree(live, ignore_errors=True)  # what the failed attempt wrote: never the data of record
        if aside is not None:
            aside.rename(live)
            localdb.start_cluster(live, cluster.port)  # the data before is untouched: serve it again
        raise
    return aside


# --- the nightly dump -------------------------------------------------------------------------------------


def _dump_time(path: Path) -> dt.datetime:
    stamp = path.name.removeprefix("naering-").removesuffix(".dump")
    return dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)


def dumps(directory: Path | None) -> list[Path]:
    """The nightly dumps in `directory`, oldest first."""
    if directory is None or not directory.exists():
        return []
    return sorted(directory.glob(DUMP_GLOB), key=_dump_time)


def nightly_dump(engine: Engine, settings: BackupSettings, inquiry: InquirySettings, *, clock: Clock) -> int:
    """Once per local day, from `dump_hour`: `pg_dump -Fc` of the database into `dump_path` (written to a
    `.partial` name, then renamed: a dump is whole or absent), the erasure log's copy beside it, and only
    the newest `dump_keep` dumps kept. 1 when it dumped, 0 when none was due or no folder is set."""
    if settings.dump_path is None:
        return 0
    zone = ZoneInfo(inquiry.work_timezone)
    now = clock.now()
    local = now.astimezone(zone)
    existing = dumps(settings.dump_path)
    if local.hour < settings.dump_hour:
        return 0
    if existing and _dump_time(existing[-1]).astimezone(zone).date() >= local.date():
        return 0
    settings.dump_path.mkdir(parents=True, exist_ok=True)
    target = settings.dump_path / f"naering-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}.dump"
    partial = target.with_name(target.name + ".partial")
    url = make_url(engine.url)
    env = {**os.environ, "PGPASSWORD": str(url.password or ""), "PGCONNECT_TIMEOUT": "10"}
    command = [
        localdb.pg_tool("pg_dump"),
        "--format=custom",
        "--no-owner",
        f"--host={url.host or '127.0.0.1'}",
        f"--port={url.port or 5432}",
        f"--username={url.username or ''}",
        f"--file={partial}",
        str(url.database),
    ]
    res = subprocess.run(command, env=env, check=False, text=True, capture_output=True)
    if res.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {res.stderr.strip()[-400:]}")
    os.replace(partial, target)
    _save_ledger(engine, settings.dump_path)
    for old in dumps(settings.dump_path)[: -settings.dump_keep]:
        old.unlink()
    return 1
