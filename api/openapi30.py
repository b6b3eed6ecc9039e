"""The app's routes under one path prefix as an OpenAPI 3.0 document (the OGC API's `service-desc`).

FastAPI writes OpenAPI 3.1 (JSON Schema 2020-12); OGC API – Features asks for 3.0, which GDAL and QGIS
read. The 3.1 forms FastAPI produces for our parameters are rewritten: an `anyOf` with `{"type": "null"}`
becomes `nullable: true`, `examples` becomes `example`. FastAPI's 422 is dropped (every invalid parameter
is a 400 with problem+json, api/errors.py), and the schemas no operation refers to are left out.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from fastapi import FastAPI

OPENAPI_VERSION = "3.0.3"


def _nullable(node: Any) -> Any:
    """Rewrite JSON Schema 2020-12 forms to their OpenAPI 3.0 equivalents, recursively."""
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items()}
    options = out.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        del out["anyOf"]
        if len(rest) == 1:
            out = {**rest[0], **out}
        else:
            out["anyOf"] = rest
        out["nullable"] = True
    if isinstance(out.get("examples"), list) and out["examples"] and "in" not in out:
        out["example"] = out.pop("examples")[0]
    return out


def _referenced(doc: dict[str, Any]) -> set[str]:
    """Names of the component schemas the paths refer to, directly or through other schemas."""
    schemas = doc.get("components", {}).get("schemas", {})
    found: set[str] = set()
    todo = [json.dumps(doc.get("paths", {}))]
    while todo:
        text = todo.pop()
        for name in schemas:
            if name not in found and f'"#/components/schemas/{name}"' in text:
                found.add(name)
                todo.append(json.dumps(schemas[name]))
    return found


def openapi30(app: FastAPI, *, prefix: str, title: str, description: str, server_url: str) -> dict[str, Any]:
    """An OpenAPI 3.0 document of the app's paths that start with `prefix` (from the app's own document)."""
    full = app.openapi()
    doc: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {**full.get("info", {}), "title": title, "description": description},
        "servers": [{"url": server_url}],
        "paths": copy.deepcopy({p: ops for p, ops in full.get("paths", {}).items() if p.startswith(prefix)}),
        "components": copy.deepcopy(full.get("components", {})),
    }
    for operations in doc["paths"].values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    doc = _nullable(doc)
    components = doc["components"]
    if "schemas" in components:
        keep = _referenced(doc)
        components["schemas"] = {k: v for k, v in components["schemas"].items() if k in keep}
        if not components["schemas"]:
            del components["schemas"]
    if not components:
        del doc["components"]
    return doc
