"""A private PostgreSQL + PostGIS cluster inside the checkout, for the demo, the tests and the CLI.

Used only when NAERING_DATABASE_URL is unset. The data directory is `.pgdata/` in the checkout
(git-ignored; see `data_dir` for the one exception), the server listens on 127.0.0.1 only, on its own
port (NAERING_PG_PORT, default 55432), with trust authentication: it is a developer's throw-away
cluster, never a deployment. PostgreSQL refuses to run as root, so as root the server runs as the
`postgres` system user.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

from registry.settings import PROJECT_ROOT

SUPERUSER = "naering"


class LocalDbError(RuntimeError):
    """The local cluster cannot be prepared; the message says what to do."""


@functools.cache
def data_dir() -> Path:
    """`.pgdata/` in the checkout; as root, when `postgres` cannot reach the checkout (a private parent
    folder such as /root), a folder of this checkout's own under /var/tmp instead."""
    inside = PROJECT_ROOT / ".pgdata"
    if os.geteuid() != 0 or _run(["test", "-x", str(PROJECT_ROOT)]).returncode == 0:
        return inside
    digest = hashlib.sha1(str(PROJECT_ROOT).encode()).hexdigest()[:12]
    return Path("/var/tmp") / f"naering-pgdata-{digest}"


def url(*, port: int, database: str) -> str:
    return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/{database}"


def pg_bin() -> Path:
    """Return the newest PostgreSQL bin directory that has PostGIS installed beside it."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    for bindir in reversed(candidates):
        version = bindir.parent.name
        if Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
            return bindir
    raise LocalDbError(
        "PostgreSQL with PostGIS was not found. Run `scripts/system-deps.sh postgis` as root, or "
        "`sudo apt-get install postgresql postgresql-15-postgis-3`, or set NAERING_DATABASE_URL."
    )


def _run_as() -> list[str]:
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise LocalDbError(
            "Running as root needs the `postgres` system user (Debian's postgresql package)."
        ) from exc
    return ["runuser", "-u", "postgres", "--"]


def _run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_run_as() + cmd, check=False, text=True, capture_output=True, **kwargs)  # type: ignore[call-overload,no-any-return]


def _prepare_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
        probe = _run(["test", "-w", str(path)])
        if probe.returncode != 0:
            raise LocalDbError(
                f"The postgres user cannot write {path} (a parent folder is not traversable). "
                "Set NAERING_DATABASE_URL to a PostGIS database instead."
            )


def _owns_port(port: int) -> bool:
    """True when the server on `port` is this checkout's cluster (its pid file names the port)."""
    pid_file = data_dir() / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
    except OSError:
        return False
    return len(lines) > 3 and lines[3].strip() == str(port)


def is_running(port: int) -> bool:
    bindir = pg_bin()
    res = subprocess.run([str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-q"], check=False)
    return res.returncode == 0


def ensure(*, port: int, database: str) -> str:
    """Initialise (once) and start the private cluster, create the database and PostGIS; return its URL."""
    bindir = pg_bin()
    ddir = data_dir()
    if not (ddir / "PG_VERSION").exists():
        _prepare_dir(ddir)
        res = _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(ddir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )
        if res.returncode != 0:
            raise LocalDbError(f"initdb failed in {ddir}: {res.stderr.strip()}")
        with open(ddir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(
                "\n# naering local cluster\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "shared_buffers = 256MB\nwork_mem = 32MB\nmaintenance_work_mem = 256MB\n"
                "max_connections = 100\n"
            )
    if is_running(port) and not _owns_port(port):
        raise LocalDbError(
            f"Port {port} is taken by another PostgreSQL server (not this checkout's .pgdata/). "
            "Stop it, or choose another port with NAERING_PG_PORT, or set NAERING_DATABASE_URL."
        )
    if not is_running(port):
        res = _run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(ddir),
                "-l",
                str(ddir / "server.log"),
                "-w",
                "-t",
                "60",
                "-o",
                f"-p {port}",
                "start",
            ]
        )
        if res.returncode != 0:
            log = (
                (ddir / "server.log").read_text(errors="replace")[-800:]
                if (ddir / "server.log").exists()
                else ""
            )
            raise LocalDbError(f"PostgreSQL did not start on port {port}: {res.stderr.strip()} {log}")
    for _ in range(50):
        if is_running(port):
            break
        time.sleep(0.2)
    create_database(port=port, database=database)
    return url(port=port, database=database)


def create_database(*, port: int, database: str) -> None:
    """Create `database` with PostGIS if it does not exist."""
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=port, user=SUPERUSER, dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    with psycopg.connect(
        host="127.0.0.1", port=port, user=SUPERUSER, dbname=database, autocommit=True
    ) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def drop_database(*, port: int, database: str) -> None:
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=port, user=SUPERUSER, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def stop() -> None:
    """Stop the private cluster if it runs."""
    ddir = data_dir()
    if (ddir / "postmaster.pid").exists():
        _run([str(pg_bin() / "pg_ctl"), "-D", str(ddir), "-m", "fast", "-w", "stop"])


def replica_dir(port: int) -> Path:
    """Where a streaming replica of the private cluster on `port` keeps its data (beside the primary's)."""
    return data_dir().parent / f"{data_dir().name}-replica-{port}"


def start_replica(*, primary_port: int, port: int) -> str:
    """A streaming replica of the private cluster, on `port`: `pg_basebackup -R` (a standby that follows
    the primary's WAL over a replication connection), started with its own port. Returns the URL of the
    primary's database name there (read-only). A replica already running on `port` is reused."""
    directory = replica_dir(port)
    if is_running(port):
        return url(port=port, database="postgres")
    if directory.exists():
        shutil.rmtree(directory)
    _prepare_dir(directory)
    res = _run(
        [
            str(pg_bin() / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary_port),
            "-U",
            SUPERUSER,
            "-D",
            str(directory),
            "-R",  # write standby.signal and primary_conninfo: the copy starts as a standby
            "-X",
            "stream",
            "-c",
            "fast",
        ]
    )
    if res.returncode != 0:
        raise LocalDbError(f"pg_basebackup from port {primary_port} failed: {res.stderr.strip()}")
    directory.chmod(0o700)  # PostgreSQL refuses a data directory others may read
    res = _run(
        [
            str(pg_bin() / "pg_ctl"),
            "-D",
            str(directory),
            "-l",
            str(directory / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {port}",
            "start",
        ]
    )
    if res.returncode != 0:
        raise LocalDbError(f"The replica did not start on port {port}: {res.stderr.strip()}")
    return url(port=port, database="postgres")


def stop_replica(port: int) -> None:
    """Stop the replica on `port` and remove its data."""
    directory = replica_dir(port)
    if (directory / "postmaster.pid").exists():
        _run([str(pg_bin() / "pg_ctl"), "-D", str(directory), "-m", "fast", "-w", "stop"])
    shutil.rmtree(directory, ignore_errors=True)
