"""The OpenAPI document: the error responses every route shares, documented once.

FastAPI documents a 422 validation error for every route with parameters; this API answers those with a
400 problem (api/errors.py, docs/api.md). So the document is FastAPI's, with:

- every operation: **400** (an unknown or invalid query parameter — the app-wide dependency
  api.params.reject_unknown_query_params — or an invalid path parameter, header or body);
- every operation with a path parameter: **404** (the path names nothing, or nothing the caller may see);
- FastAPI's generated 422 and its schemas dropped (a route's own 422 stays: the submission report);
- the `Problem` schema (schemas.api.Problem) that every error response refers to.

Other codes are declared by each route with `responses=` and api.errors.problem: 401 where the route
reads the caller (api.errors.NOT_SIGNED_IN), 403, 409, 413, 429, 503.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from api.errors import PROBLEM_REF, problem
from schemas.api import Problem

INVALID = problem("Invalid request: an unknown or invalid parameter, or an invalid body")
NOT_FOUND = problem("Not found, or not visible to the caller")
_FASTAPI_422 = "#/components/schemas/HTTPValidationError"
_COMPONENTS = PROBLEM_REF.rsplit("/", 1)[0]


def _is_fastapi_422(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref") == _FASTAPI_422)


def with_shared_errors(document: dict[str, Any]) -> dict[str, Any]:
    """`document` (FastAPI's) with the shared error responses, in place."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation["responses"]
            if "422" in responses and _is_fastapi_422(responses["422"]):
                del responses["422"]
            responses.setdefault("400", INVALID)
            if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                responses.setdefault("404", NOT_FOUND)
            operation["responses"] = dict(sorted(responses.items()))
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas["Problem"] = Problem.model_json_schema(ref_template=_COMPONENTS + "/{model}")
    return document


def install(app: FastAPI) -> None:
    """Make `app.openapi()` (and /openapi.json, /docs) serve the document with the shared errors."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if not app.openapi_schema:
            app.openapi_schema = with_shared_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
