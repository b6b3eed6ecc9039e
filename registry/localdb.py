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


def pg_tool(name: str) -> str:
    """A PostgreSQL client program (pg_dump, pg_restore): the newest installed, else the one on PATH."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parent.parent.name))
    if found:
        return str(found[-1])
    on_path = shutil.which(name)
    if on_path is None:
        raise LocalDbError(f"{name} was not found: install Debian's postgresql-client.")
    return on_path


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


def prepare_dir(path: Path) -> None:
    """Create `path` for the server's user (as root: owned by `postgres`, who must be able to write it)."""
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
    ddir = data_dir()
    if not (ddir / "PG_VERSION").exists():
        init_cluster(ddir)
    if is_running(port) and not _owns_port(port):
        raise LocalDbError(
            f"Port {port} is taken by another PostgreSQL server (not this checkout's .pgdata/). "
            "Stop it, or choose another port with NAERING_PG_PORT, or set NAERING_DATABASE_URL."
        )
    if not is_running(port):
        start_cluster(ddir, port)
    create_database(port=port, database=database)
    return url(port=port, database=database)


def init_cluster(directory: Path) -> None:
    """`initdb` a new cluster in `directory`, set up as every private cluster is (see the module)."""
    prepare_dir(directory)
    res = _run(
        [
            str(pg_bin() / "initdb"),
            "-D",
            str(directory),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ]
    )
    if res.returncode != 0:
        raise LocalDbError(f"initdb failed in {directory}: {res.stderr.strip()}")
    with open(directory / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write(
            "\n# naering local cluster\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            "shared_buffers = 256MB\nwork_mem = 32MB\nmaintenance_work_mem = 256MB\n"
            "max_connections = 100\n"
        )


def socket_dir(directory: Path) -> Path:
    """The Unix socket folder of the cluster in `directory` (beside it: a socket inside the data folder would
    be seen by every copy of it). pgBackRest reaches the server only through this socket."""
    return directory.parent / f"{directory.name}-socket"


def start_cluster(directory: Path, port: int) -> None:
    """Start the cluster in `directory` on 127.0.0.1:`port` and its socket folder; wait until it answers."""
    sockets = socket_dir(directory)
    if len(str(sockets)) + len(f"/.s.PGSQL.{port}.lock") > 107:
        raise LocalDbError(
            f"The folder {sockets} is too deep for a Unix socket; clone the checkout higher up."
        )
    prepare_dir(sockets)
    res = _run(
        [
            str(pg_bin() / "pg_ctl"),
            "-D",
            str(directory),
            "-l",
            str(directory / "server.log"),
            "-w",
            "-t",
            "120",
            "-o",
            f"-p {port} -k {sockets}",
            "start",
        ]
    )
    if res.returncode != 0:
        log_file = directory / "server.log"
        log = log_file.read_text(errors="replace")[-800:] if log_file.exists() else ""
        raise LocalDbError(f"PostgreSQL did not start on port {port}: {res.stderr.strip()} {log}")
    for _ in range(50):
        if is_running(port):
            break
        time.sleep(0.2)


def stop_cluster(directory: Path) -> None:
    """Stop the cluster in `directory` if it runs (a fast shutdown: open sessions are ended)."""
    if (directory / "postmaster.pid").exists():
        _run([str(pg_bin() / "pg_ctl"), "-D", str(directory), "-m", "fast", "-w", "-t", "120", "stop"])


def restart_cluster(directory: Path, port: int) -> None:
    """Stop and start again: settings such as `archive_mode` take effect only at a start."""
    stop_cluster(directory)
    start_cluster(directory, port)


def run_as_server_user(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    """Run `cmd` as the user the private cluster runs as (`postgres` as root): its files are theirs."""
    return _run(cmd)


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
    stop_cluster(data_dir())


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
    prepare_dir(directory)
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
    start_cluster(directory, port)
    return url(port=port, database="postgres")


def stop_replica(port: int) -> None:
    """Stop the replica on `port` and remove its data."""
    directory = replica_dir(port)
    stop_cluster(directory)
    shutil.rmtree(directory, ignore_errors=True)
    shutil.rmtree(socket_dir(directory), ignore_errors=True)
