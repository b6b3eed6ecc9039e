"""A real uvicorn server for browser tests, on 127.0.0.1 at a free port, in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

STARTUP_TIMEOUT_S = 15
SHUTDOWN_TIMEOUT_S = 10


class LiveServer:
    """Uvicorn serving an ASGI app on 127.0.0.1 at a free port, in a background thread."""

    def __init__(self, app: Any) -> None:
        # Bind first and hand the socket to uvicorn: the port cannot be taken in between.
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        # As `naering serve`: no server header (the security-header tests read responses from here).
        config = uvicorn.Config(app, log_level="warning", lifespan="off", server_header=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"uvicorn did not start at {self.url} within {STARTUP_TIMEOUT_S} s")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=SHUTDOWN_TIMEOUT_S)
        self.socket.close()
        assert not self.thread.is_alive(), "uvicorn did not stop"
