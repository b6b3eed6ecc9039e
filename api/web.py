"""Server-rendered pages: one Jinja2 environment, the language of the page, and `render()`.

Every page is Norwegian (bokmål) or English. The language comes from `?lang=no|en` (remembered in a
cookie), else the cookie, else Norwegian. Templates write both texts side by side with `t("norsk",
"English")`; the switch in the header keeps the page and swaps the language.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.auth import csrf_token_for, finish_cookies, get_principal
from api.security import NONCE_KEY
from maps.popups import format_number
from registry.attribution import attribution_lines
from registry.clock import local_text
from schemas.problems import FieldProblem

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGS = ("no", "en")
LANG_COOKIE = "lang"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _hours(value: float | None, lang: str = "no") -> str:
    """Working hours in words: 5 → "5 arbeidstimer" / "5 working hours"; 2.5 → "2,5 …" in Norwegian."""
    if value is None:
        return "—"
    number = f"{value:.1f}".rstrip("0").rstrip(".")
    if lang == "no":
        return number.replace(".", ",") + " arbeidstimer"
    return number + (" working hour" if number == "1" else " working hours")


def _number(value: float | int | None, lang: str = "no") -> str:
    """A number for people: at most two decimals, trailing zeros dropped, thousands grouped; Norwegian
    writes 12 500,5 (a no-break space groups), English 12,500.5."""
    if value is None:
        return "—"
    return format_number(float(value), 2, "no" if lang == "no" else "en").rstrip("0").rstrip(",.")


_env.filters["oslo"] = local_text
_env.filters["hours"] = _hours
_env.filters["number"] = _number


JSON = "application/json"


def json_response(
    content: Any,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    media_type: str = "application/json",
) -> Response:
    """A JSON response serialised once with orjson, for large bodies already shaped as their declared
    response model (the route keeps `response_model` for the OpenAPI; the conformance test checks it)."""
    return Response(orjson.dumps(content), status_code=status, headers=headers, media_type=media_type)


async def lang_param(
    lang: Annotated[str | None, Query(pattern="^(no|en)$", description="The page's language")] = None,
) -> None:
    """Declares `?lang=no|en` on a page route (read by `lang_of`) for the unknown-parameter check."""


LangDep = Depends(lang_param)


def lang_of(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    return cookie if cookie in LANGS else "no"


def say(request: Request, no: str, en: str) -> str:
    """The Norwegian or the English text, as the page's language is."""
    return no if lang_of(request) == "no" else en


def say_bilingual(request: Request, text: str) -> str:
    """One language of a bilingual message written "English / norsk" (the services' convention)."""
    english, _, norwegian = text.partition(" / ")
    return say(request, norwegian or english, english)


def problems_by_field(problems: Iterable[FieldProblem]) -> dict[str, list[FieldProblem]]:
    """A form's refusals grouped by field, for the message beside each field and the summary on top."""
    out: dict[str, list[FieldProblem]] = {}
    for p in problems:
        out.setdefault(p.field, []).append(p)
    return out


def url_with(request: Request, **params: str | None) -> str:
    """This page's path and query with `params` replaced (None removes one)."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in params]
    query += [(k, v) for k, v in params.items() if v is not None]
    return request.url.path + (("?" + urlencode(query)) if query else "")


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """Render `template` for this request: language, signed-in user, CSRF token and CSP nonce included."""
    lang = lang_of(request)

    def t(no: str, en: str) -> str:
        return no if lang == "no" else en

    principal = get_principal(request)
    html = _env.get_template(template).render(
        request=request,
        lang=lang,
        t=t,
        principal=principal,
        csrf_token=csrf_token_for(request),
        nonce=getattr(request.state, NONCE_KEY, ""),
        other_lang="en" if lang == "no" else "no",
        switch_url=url_with(request, lang="en" if lang == "no" else "no"),
        # Where "sign in" returns to; never a private link's path (its token would land in logs and URLs).
        path="/" if request.url.path.startswith("/i/") else request.url.path,
        # The sources and licences behind reference data a page shows: reference_sources(("kommune", …)).
        reference_sources=lambda tables: attribution_lines(lang, tables=tables),
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store" if not principal.is_anonymous else "no-cache"
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/")
    finish_cookies(request, response)
    return response


def render_document(template: str, **context: Any) -> str:
    """Render `template` to text outside a page response (the PDF passport's HTML)."""
    return _env.get_template(template).render(**context)


def redirect(url: str, *, status: int = 303) -> RedirectResponse:
    """After a form post: see the result with a GET (303)."""
    return RedirectResponse(url, status_code=status)


def safe_next(value: str | None, default: str = "/") -> str:
    """A local path to go to after signing in; anything else (another host, a scheme) goes home."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value
