"""One error module: a small exception hierarchy rendered as application/problem+json (RFC 9457).

Unexpected exceptions are logged server-side and answered with a generic 500: their text may hold SQL.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("naering.api")

PROBLEM = "application/problem+json"


class ProblemError(Exception):
    status = 500
    slug = "internal-error"
    title = "Internal error / Intern feil"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(ProblemError):
    status = 404
    slug = "not-found"
    title = "Not found / Ikke funnet"


class BadRequestError(ProblemError):
    status = 400
    slug = "bad-request"
    title = "Bad request / Ugyldig forespørsel"


class DisabledError(ProblemError):
    status = 403
    slug = "disabled"
    title = "Disabled / Slått av"


class PayloadTooLargeError(ProblemError):
    status = 413
    slug = "payload-too-large"
    title = "Payload too large / For stor fil"


def _problem(status: int, slug: str, title: str, detail: str, instance: str, **extra: object) -> JSONResponse:
    body = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""

    @app.exception_handler(ProblemError)
    async def _problem_error(request: Request, exc: ProblemError) -> JSONResponse:
        return _problem(exc.status, exc.slug, exc.title, exc.detail, request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        return _problem(exc.status_code, slug, detail, detail, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return _problem(
            422,
            "invalid-parameters",
            "Invalid parameters / Ugyldige parametere",
            "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors),
            request.url.path,
            errors=errors,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return _problem(
            500,
            "internal-error",
            "Internal error / Intern feil",
            "Something went wrong on our side. / Noe gikk galt hos oss.",
            request.url.path,
        )
