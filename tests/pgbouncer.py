"""A real pgbouncer (Debian's, 1.18) in transaction mode in front of the test database, for one test.

It runs as the `postgres` system user when the tests run as root (pgbouncer refuses root), listens on a
free loopback port, trusts loopback clients and keeps `pool_size` server connections to the database.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import URL

from tests.smtp import free_port

BINARY = Path("/usr/sbin/pgbouncer")


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def pgbouncer(database: URL, *, pool_size: int = 1) -> Iterator[URL]:
    """Start pgbouncer for `database` (host, port, name, user of the test server); yield the URL through
    it (same database name and user); stop it after."""
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="naering-pgbouncer-"))
    name, user = database.database or "postgres", database.username or "postgres"
    (folder / "pgbouncer.ini").write_text(
        f"""[databases]
{name} = host={database.host or "127.0.0.1"} port={database.port or 5432} dbname={name} user={user}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "users.txt"}
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 200
ignore_startup_parameters = extra_float_digits,options
logfile = {folder / "pgbouncer.log"}
"""
    )
    (folder / "users.txt").write_text(f'"{user}" ""\n')
    run_as: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        for f in folder.iterdir():
            shutil.chown(f, "postgres", "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    proc = subprocess.Popen(
        [*run_as, str(BINARY), str(folder / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while not _accepts(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                log = (
                    (folder / "pgbouncer.log").read_text(errors="replace")
                    if (folder / "pgbouncer.log").exists()
                    else ""
                )
                raise RuntimeError(f"pgbouncer did not start: {log[-600:]}")
            time.sleep(0.05)  # waiting on another process to listen, bounded by the deadline
        yield database.set(host="127.0.0.1", port=port)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
