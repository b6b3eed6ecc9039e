"""A request id on every request: the caller's `X-Request-ID` when it is well-formed, else a new one;
kept in a context variable for the log lines of that request and sent back as `X-Request-ID`."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
# A UUID, or the ids proxies and load balancers hand on: letters, digits and dashes, 8 to 64 of them.
_VALID = re.compile(r"[A-Za-z0-9-]{8,64}")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def accepted_id(sent: str | None) -> str:
    """The caller's id if it is well-formed (nothing to inject into a log line), else a new UUID."""
    if sent is not None and _VALID.fullmatch(sent):
        return sent
    return str(uuid.uuid4())


class RequestId:
    """ASGI middleware: set the request id for the request and echo it on the response.

    The variable is not reset afterwards on purpose: each request runs in a task of its own (its own
    copy of the context), and the error handler that logs an unhandled exception runs outside this
    middleware, after it, and should still carry the id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = MutableHeaders(scope=scope).get(HEADER)
        rid = accepted_id(sent)
        request_id.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        await self.app(scope, receive, send_with_id)
