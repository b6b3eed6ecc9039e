"""pgBackRest, which backs up and restores the registry's PostgreSQL cluster: its configuration and commands.

pgBackRest runs on the database host as the server's user (`postgres` when we are root, see
`registry.localdb.run_as_server_user`) and reaches the server through its Unix socket. Continuous archiving
(`archive_command` → `archive-push`) and base backups in one repository allow point-in-time recovery:
`restore --type=time` picks the newest backup finished before the target and replays the archived WAL up
to it. No SQL here; the use cases are in `registry.services.backups`.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from registry import localdb


class BackupError(RuntimeError):
    """A backup or restore step failed; the message says which, with pgBackRest's own words."""


@dataclass(frozen=True)
class Stanza:
    """One pgBackRest configuration file and the stanza (the cluster's name in the repository) in it."""

    config: Path
    name: str


@dataclass(frozen=True)
class BackupSet:
    """One backup in the repository, as `pgbackrest info` reports it."""

    label: str
    kind: str  # full, diff or incr
    started_at: dt.datetime
    stopped_at: dt.datetime
    database_bytes: int
    repository_bytes: int
    wal_start: str
    wal_stop: str
    prior: str | None


@dataclass(frozen=True)
class RepositoryInfo:
    """What the repository holds: its backups (oldest first) and the archived WAL range."""

    status: str
    backups: tuple[BackupSet, ...]
    wal_min: str | None
    wal_max: str | None


def available() -> bool:
    return shutil.which("pgbackrest") is not None


def write_config(
    path: Path,
    *,
    stanza: str,
    repository: Path,
    pg_path: Path,
    pg_port: int,
    socket_dir: Path,
    retention_full: int,
) -> Stanza:
    """Write the configuration of a private cluster's repository (logs, locks and spool inside it)."""
    for folder in (repository, repository / "log", repository / "lock", repository / "spool"):
        localdb.prepare_dir(folder)  # pgBackRest makes none of them (it would go on without its log)
    text = "\n".join(
        [
            "# Written by `naering backup` for the private local cluster; edits are overwritten.",
            "[global]",
            f"repo1-path={repository}",
            f"repo1-retention-full={retention_full}",
            f"log-path={repository / 'log'}",
            f"lock-path={repository / 'lock'}",
            f"spool-path={repository / 'spool'}",
            "log-level-console=warn",
            "log-level-file=info",
            "start-fast=y",  # an immediate checkpoint: the backup starts now, not at the next one
            "compress-type=lz4",
            "",
            f"[{stanza}]",
            f"pg1-path={pg_path}",
            f"pg1-port={pg_port}",
            f"pg1-socket-path={socket_dir}",
            f"pg1-user={localdb.SUPERUSER}",
            "",
        ]
    )
    path.write_text(text, encoding="utf-8")
    return Stanza(config=path, name=stanza)


def archive_command(stanza: Stanza) -> str:
    """The server's `archive_command`: each finished WAL segment is pushed into the repository."""
    return f"pgbackrest --config={shlex.quote(str(stanza.config))} --stanza={stanza.name} archive-push %p"


def _run(stanza: Stanza, command: str, *options: str) -> str:
    if not available():
        raise BackupError(
            "pgBackRest is not installed: run `scripts/system-deps.sh pgbackrest` as root "
            "(Debian: `apt-get install pgbackrest`)."
        )
    res = localdb.run_as_server_user(
        ["pgbackrest", f"--config={stanza.config}", f"--stanza={stanza.name}", *options, command]
    )
    if res.returncode != 0:
        words = (res.stderr.strip() or res.stdout.strip()).splitlines()
        raise BackupError(f"pgbackrest {command} failed: {' '.join(words[-3:])}")
    return res.stdout


def stanza_create(stanza: Stanza) -> None:
    """Create the stanza in the repository (nothing happens when it exists for this cluster)."""
    _run(stanza, "stanza-create")


def check(stanza: Stanza) -> None:
    """pgBackRest's own check: the server's settings, and a WAL switch archived within the time limit."""
    _run(stanza, "check")


def backup(stanza: Stanza, *, kind: str) -> None:
    """A base backup (`full`, `diff` or `incr`); the server stays open. Retention expires old sets after."""
    if kind not in {"full", "diff", "incr"}:
        raise BackupError(f"unknown backup type {kind!r}; use full, diff or incr")
    _run(stanza, "backup", f"--type={kind}")


def verify(stanza: Stanza) -> None:
    """Read every file of every backup and of the archive back, and compare their checksums."""
    _run(stanza, "verify")


def _moment(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)


def info(stanza: Stanza) -> RepositoryInfo:
    """The repository's backups, oldest first, and its archived WAL range."""
    raw = json.loads(_run(stanza, "info", "--output=json") or "[]")
    entry = next((s for s in raw if s.get("name") == stanza.name), None)
    if entry is None:
        return RepositoryInfo(status="missing", backups=(), wal_min=None, wal_max=None)
    backups = tuple(
        BackupSet(
            label=b["label"],
            kind=b["type"],
            started_at=_moment(b["timestamp"]["start"]),
            stopped_at=_moment(b["timestamp"]["stop"]),
            database_bytes=int(b["info"]["size"]),
            repository_bytes=int(b["info"]["repository"]["delta"]),
            wal_start=b["archive"]["start"],
            wal_stop=b["archive"]["stop"],
            prior=b.get("prior"),
        )
        for b in entry.get("backup", [])
    )
    archives = entry.get("archive") or []
    return RepositoryInfo(
        status=entry.get("status", {}).get("message", "unknown"),
        backups=backups,
        wal_min=min((a["min"] for a in archives if a.get("min")), default=None),
        wal_max=max((a["max"] for a in archives if a.get("max")), default=None),
    )


def restore(
    stanza: Stanza, *, into: Path, to_time: dt.datetime, backup_label: str, keep_archiving: bool
) -> None:
    """Restore the backup `backup_label` into the empty folder `into` so that, once started, the server
    replays the archive up to `to_time` (inclusive) and is promoted to a new timeline. The set is named
    rather than left to pgBackRest, which compares whole seconds. `keep_archiving=False` turns archiving
    off in the copy (a drill or an inspection must not push WAL into the repository)."""
    if to_time.tzinfo is None:
        raise BackupError("the restore target needs a time zone")
    options = [
        f"--pg1-path={into}",
        f"--set={backup_label}",
        "--type=time",
        f"--target={to_time.astimezone(dt.UTC).isoformat(sep=' ')}",
        "--target-action=promote",
    ]
    if not keep_archiving:
        options.append("--archive-mode=off")
    _run(stanza, "restore", *options)
