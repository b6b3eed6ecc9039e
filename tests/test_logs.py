"""Request ids and log lines (issue 13, §3): the id goes in and out as `X-Request-ID` and into every log
line of the request; lines are JSON (or text); e-mail addresses and private links never reach them."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.logs import log_handler
from registry.settings import ServerSettings

ADDRESS = "kari.nordmann@nordicbattery.example"


@pytest.fixture
def root_lines() -> Iterator[tuple[io.StringIO, logging.Handler]]:
    """Our JSON handler on the root logger while the test runs (as `naering serve` installs it)."""
    stream = io.StringIO()
    handler = log_handler("json", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream, handler
    root.removeHandler(handler)
    root.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _client(engine: Engine, database: str | None = None) -> TestClient:
    url = engine.url.set(database=database) if database else engine.url
    app = create_app(
        ServerSettings(environment="test"), database_url=url.render_as_string(hide_password=False)
    )
    return TestClient(app, raise_server_exceptions=False)


def test_a_well_formed_request_id_comes_back(engine: Engine) -> None:
    client = _client(engine)
    for sent in ("3f1c2a9e-7d4b-4e8a-9c1d-2b3a4c5d6e7f", "lb-0123456789abcdef"):
        assert client.get("/healthz", headers={"X-Request-ID": sent}).headers["X-Request-ID"] == sent


@pytest.mark.parametrize(
    "sent", [None, "short", "has space in it", "x" * 65, "under_score-12345", "a;b=c-12345"]
)
def test_otherwise_a_new_one_is_made(engine: Engine, sent: str | None) -> None:
    headers = {"X-Request-ID": sent} if sent is not None else {}
    got = _client(engine).get("/healthz", headers=headers).headers["X-Request-ID"]
    assert got != sent and uuid.UUID(got).version == 4


def test_each_request_gets_its_own_id(engine: Engine) -> None:
    client = _client(engine)
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_log_lines_of_a_request_carry_its_id(
    engine: Engine, root_lines: tuple[io.StringIO, logging.Handler]
) -> None:
    stream, _ = root_lines
    client = _client(engine, database="naering_no_such_database")  # every search fails: a 500, logged
    res = client.get("/api/v1/sites", headers={"X-Request-ID": "req-abcdef123456"})
    assert res.status_code == 500
    errors = [line for line in _lines(stream) if line["logger"] == "naering.api"]
    assert errors, stream.getvalue()
    line = errors[0]
    assert line["request_id"] == "req-abcdef123456"
    assert line["level"] == "ERROR" and line["message"] == "unhandled error on /api/v1/sites"
    assert "OperationalError" in str(line["exc_info"]) and "time" in line
    # A log line outside any request says so.
    logging.getLogger("naering.test").info("outside")
    assert _lines(stream)[-1]["request_id"] == "-"


def test_email_addresses_are_redacted(root_lines: tuple[io.StringIO, logging.Handler]) -> None:
    stream, _ = root_lines
    log = logging.getLogger("naering.test")
    log.warning("mail to %s failed", ADDRESS)
    log.warning("inquiry from %s", {"email": ADDRESS.upper(), "name": "Kari"})  # not a plain argument
    log.warning(f"literal {ADDRESS} in the message")
    log.info("%(who)s wrote", {"who": ADDRESS})
    try:
        raise ValueError(f"duplicate key (email)=({ADDRESS})")
    except ValueError:
        log.exception("insert failed")
    out = stream.getvalue()
    assert ADDRESS not in out.lower()
    lines = _lines(stream)
    assert [line["message"] for line in lines[:4]] == [
        "mail to [e-mail] failed",
        "inquiry from {'email': '[e-mail]', 'name': 'Kari'}",
        "literal [e-mail] in the message",
        "[e-mail] wrote",
    ]
    assert "duplicate key (email)=([e-mail])" in str(lines[4]["exc_info"])


def test_private_links_are_redacted(root_lines: tuple[io.StringIO, logging.Handler]) -> None:
    stream, _ = root_lines
    token = "Abcdefghijklmnopqrstuvwxyz0123456789"
    logging.getLogger("naering.test").error("unhandled error on %s", f"/i/{token}")
    assert (
        token not in stream.getvalue() and _lines(stream)[-1]["message"] == "unhandled error on /i/[private]"
    )


def test_text_format_for_reading(root_lines: tuple[io.StringIO, logging.Handler]) -> None:
    stream = io.StringIO()
    handler = log_handler("text", stream)
    log = logging.getLogger("naering.test.text")
    log.addHandler(handler)
    try:
        log.warning("mail to %s failed", ADDRESS)
    finally:
        log.removeHandler(handler)
    line = stream.getvalue().strip()
    assert line.endswith("WARNING naering.test.text [-] mail to [e-mail] failed"), line


def test_uvicorns_access_line_carries_the_id_and_no_private_link(engine: Engine) -> None:
    """Through a real uvicorn: its access line is logged while the request's id is set."""
    import httpx

    from tests.live_server import LiveServer

    stream = io.StringIO()
    handler = log_handler("json", stream)
    access = logging.getLogger("uvicorn.access")
    server = LiveServer(_client(engine).app)
    server.start()
    level = access.level
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    token = "Zyxwvutsrqponmlkjihgfedcba9876543210"
    try:
        res = httpx.get(f"{server.url}/i/{token}", headers={"X-Request-ID": "access-line-0001"})
        assert res.headers["X-Request-ID"] == "access-line-0001"
    finally:
        server.stop()
        access.removeHandler(handler)
        access.setLevel(level)
    lines = [line for line in _lines(stream) if "/i/" in str(line["message"])]
    assert lines and lines[0]["request_id"] == "access-line-0001", stream.getvalue()
    assert token not in stream.getvalue() and "/i/[private]" in str(lines[0]["message"])
