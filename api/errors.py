"""One error module: a small exception hierarchy rendered as application/problem+json (RFC 9457).

Any invalid request parameter — unknown, malformed, out of range, FastAPI's own validation errors
included — is a 400 (docs/api.md). Unexpected exceptions are logged server-side and answered with a
generic 500: their text may hold SQL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from registry.services.access import AccessError, ForbiddenError, NotSignedInError, NotVisibleError
from registry.services.versions import StaleVersionError

log = logging.getLogger("naering.api")

PROBLEM = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"  # schemas.api.Problem, added to the document by api.openapi


def problem(description: str) -> dict[str, Any]:
    """An OpenAPI response (for a route's `responses=`): a problem document with this description."""
    return {"description": description, "content": {PROBLEM: {"schema": {"$ref": PROBLEM_REF}}}}


# Responses routes share (every route's 400 and a path's 404 are added by api.openapi for all of them).
NOT_SIGNED_IN = problem("Not signed in, or the bearer token is unknown, revoked or expired")


class ProblemError(Exception):
    status = 500
    slug = "internal-error"
    title = "Internal error / Intern feil"

    def __init__(self, detail: str = "", **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFoundError(ProblemError):
    status = 404
    slug = "not-found"
    title = "Not found / Ikke funnet"


class BadRequestError(ProblemError):
    status = 400
    slug = "bad-request"
    title = "Bad request / Ugyldig forespørsel"


class InvalidParameterError(BadRequestError):
    """A known parameter with a value we cannot use; rendered like FastAPI's own validation errors."""

    slug = "invalid-parameters"
    title = "Invalid parameters / Ugyldige parametere"

    def __init__(self, location: str, name: str, message: str) -> None:
        super().__init__(
            f"{location}.{name}: {message}",
            errors=[{"loc": [location, name], "msg": message, "type": "value_error"}],
        )


class UnknownParameterError(BadRequestError):
    slug = "unknown-parameter"
    title = "Unknown parameter / Ukjent parameter"

    def __init__(self, unknown: list[str], allowed: list[str]) -> None:
        names = ", ".join(unknown)
        if allowed:
            listed = ", ".join(allowed)
            detail = (
                f"Unknown query parameter {names}; allowed: {listed}. / "
                f"Ukjent parameter {names}; tillatt: {listed}."
            )
        else:
            detail = (
                f"Unknown query parameter {names}; this resource takes none. / "
                f"Ukjent parameter {names}; denne ressursen tar ingen."
            )
        super().__init__(detail, unknown=unknown, allowed=allowed)


class FieldsInvalidError(BadRequestError):
    """A write refused field by field: `errors` lists {field, message_no, message_en} for each."""

    slug = "invalid-fields"
    title = "Invalid fields / Ugyldige felt"

    def __init__(self, problems: Sequence[Any]) -> None:
        """`problems`: FieldProblem-like objects, or mappings with at least those three keys (any more,
        such as the intake's `code`, `fix_no` and `fix_en`, are kept)."""
        errors = [
            dict(p)
            if isinstance(p, Mapping)
            else {"field": p.field, "message_no": p.message_no, "message_en": p.message_en}
            for p in problems
        ]
        detail = "; ".join(f"{e['field']}: {e['message_en']}" for e in errors)
        detail_no = "; ".join(f"{e['field']}: {e['message_no']}" for e in errors)
        super().__init__(f"{detail} / {detail_no}", errors=errors)


class ConflictError(ProblemError):
    status = 409
    slug = "conflict"
    title = "Conflict / Konflikt"


class TooManyRequestsError(ProblemError):
    status = 429
    slug = "too-many-requests"
    title = "Too many requests / For mange forespørsler"


class PreconditionRequiredError(ProblemError):
    status = 428
    slug = "precondition-required"
    title = "Precondition required / Forutsetning mangler"

    def __init__(self) -> None:
        super().__init__(
            "Send If-Match with the ETag you read (GET the resource first), so a change made by someone "
            "else in between is never overwritten. / Send If-Match med ETag-en du leste (hent ressursen "
            "først), slik at en endring en annen har gjort i mellomtiden aldri blir overskrevet."
        )


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


def _validation_detail(errors: list[dict[str, Any]]) -> str:
    """One line for FastAPI's validation errors: pydantic's English messages, then the Norwegian gist."""
    where = ", ".join(".".join(e["loc"]) for e in errors)
    english = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)
    return f"{english} / Ugyldig verdi: {where}"


def wants_html(request: Request) -> bool:
    """A page request (answered with an HTML page) rather than an API call (problem+json)."""
    path = request.url.path
    if path.startswith(("/api/", "/ogc")):
        return False
    accept = request.headers.get("accept", "")
    return "html" in accept or "json" not in accept


_ACCESS_STATUS = {NotSignedInError: 401, ForbiddenError: 403, NotVisibleError: 404}
_ACCESS_SLUG = {401: "not-signed-in", 403: "forbidden", 404: "not-found"}
_ACCESS_TITLE = {
    401: ("Sign-in required", "Innlogging kreves"),
    403: ("Forbidden", "Ingen tilgang"),
    404: ("Not found", "Ikke funnet"),
}


def _access_page(request: Request, status: int, detail: str) -> Any:
    from api.web import redirect, render, say, say_bilingual

    if status == 401 and request.method == "GET":
        from urllib.parse import quote

        target = request.url.path + (("?" + request.url.query) if request.url.query else "")
        return redirect(f"/auth/sign-in?next={quote(target, safe='/')}", status=303)
    en_title, no_title = _ACCESS_TITLE[status]
    return render(
        request,
        "error.html",
        status=status,
        title=say(request, no_title, en_title),
        message=say_bilingual(request, detail),
    )


def _routes(routes: Iterable[Any]) -> Iterator[Any]:
    """The app's routes, included routers opened (their routes carry their full paths)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)
        else:
            yield route


def _methods_on(request: Request) -> set[str]:
    """Every method some route of the app answers on the request's path."""
    path = request.url.path
    methods: set[str] = set()
    for route in _routes(request.app.router.routes):
        regex, allowed = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is not None and allowed and regex.match(path):
            methods |= set(allowed)
    return methods


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""

    @app.exception_handler(AccessError)
    async def _access_error(request: Request, exc: AccessError) -> Any:
        status = next(code for cls, code in _ACCESS_STATUS.items() if isinstance(exc, cls))
        if wants_html(request):
            return _access_page(request, status, str(exc))
        en_title, no_title = _ACCESS_TITLE[status]
        response = _problem(
            status, _ACCESS_SLUG[status], f"{en_title} / {no_title}", str(exc), request.url.path
        )
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="naering"'
        return response

    @app.exception_handler(StaleVersionError)
    async def _stale(request: Request, exc: StaleVersionError) -> JSONResponse:
        return _problem(
            412,
            "precondition-failed",
            "Precondition failed / Forutsetning feilet",
            str(exc),
            request.url.path,
        )

    @app.exception_handler(ProblemError)
    async def _problem_error(request: Request, exc: ProblemError) -> JSONResponse:
        return _problem(exc.status, exc.slug, exc.title, exc.detail, request.url.path, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        response = _problem(exc.status_code, slug, detail, detail, request.url.path)
        response.headers.update(exc.headers or {})  # e.g. `Allow` on a 405 (RFC 9110)
        if exc.status_code == 405:
            # Starlette names the methods of the first route on the path; one path may be served by
            # several routes (GET /api/v1/sites searches, POST creates): name them all.
            response.headers["Allow"] = ", ".join(sorted(_methods_on(request)))
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return _problem(
            InvalidParameterError.status,
            InvalidParameterError.slug,
            InvalidParameterError.title,
            _validation_detail(errors),
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
