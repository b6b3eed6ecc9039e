"""Security headers on every response, and the per-response nonce our inline scripts carry.

The policy allows scripts only from the app itself and inline scripts that carry this response's nonce
(Folium's map, the docs page and the upload page write inline scripts); docs/api.md lists the headers.
"""

from __future__ import annotations

import logging
import re
import secrets

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NONCE_KEY = "csp_nonce"
# A page that shows images from another origin (the region map's optional basemap tiles) puts that
# origin here in request.state; the policy then allows images from it, and from nowhere else.
IMG_ORIGIN_KEY = "csp_img_origin"
REFERRER_POLICY = "strict-origin-when-cross-origin"
# Styles may be inline: Folium, Swagger UI and our pages use style attributes, which a nonce cannot cover.
_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:{img_origin}; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_SCRIPT_TAG = re.compile(r"<script(?=[\s>])", re.IGNORECASE)


def content_security_policy(nonce: str, img_origin: str | None = None) -> str:
    """The Content-Security-Policy of a response whose inline scripts carry `nonce` (and whose images
    may also come from `img_origin`, e.g. "https://cache.kartverket.no")."""
    extra = (
        f" {img_origin}" if img_origin and re.fullmatch(r"https://[A-Za-z0-9.-]+(:\d+)?", img_origin) else ""
    )
    return _POLICY.format(nonce=nonce, img_origin=extra)


class SecurityHeaders:
    """ASGI middleware: give each request a nonce and each response the security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)
        state = scope.setdefault("state", {})
        state[NONCE_KEY] = nonce

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = content_security_policy(nonce, state.get(IMG_ORIGIN_KEY))
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"  # frame-ancestors for browsers without CSP 2
                headers.setdefault("Referrer-Policy", REFERRER_POLICY)  # a private page sets no-referrer
                del headers["server"]  # no product or version to fingerprint
            await send(message)

        await self.app(scope, receive, send_with_headers)


def html_with_nonce(request: Request, html: str) -> HTMLResponse:
    """Answer `html` with this response's nonce on every <script> tag.

    Only for pages whose markup is ours or escaped: a script tag smuggled in through data would get
    the nonce too (the map and report modules escape every value from submissions).
    """
    nonce = getattr(request.state, NONCE_KEY, None)
    if nonce is not None:
        html = _SCRIPT_TAG.sub(f'<script nonce="{nonce}"', html)
    return HTMLResponse(html)


_PRIVATE_LINK = re.compile(r"/i/(all/)?[A-Za-z0-9_-]{20,}")


def redact_private_links(text: str) -> str:
    return _PRIVATE_LINK.sub(lambda m: "/i/" + (m.group(1) or "") + "[private]", text)


class RedactPrivateLinks(logging.Filter):
    """Keep investors' private links (/i/{token}, /i/all/{token}) out of the access log: the token is a
    bearer secret to someone's inquiry. Installed on uvicorn's access logger by `install_log_redaction`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_private_links(a) if isinstance(a, str) else a for a in record.args)
        return True


def install_log_redaction() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactPrivateLinks) for f in access.filters):
        access.addFilter(RedactPrivateLinks())
