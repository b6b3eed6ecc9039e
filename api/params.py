"""Query parameters: the bounds every parameter keeps, the bbox parser, and the check for unknown names.

The conventions (400 for any invalid parameter, the limits) are documented in docs/api.md.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request

from api.errors import InvalidParameterError, UnknownParameterError

MAX_LIMIT = 1000  # sites per page
MAX_OFFSET = 1_000_000  # deeper than any registry will be; keeps OFFSET far from bigint overflow
MAX_ID = 2**31 - 1  # site and submission ids are PostgreSQL integers
MAX_AREA_M2 = 1e10  # 10,000 km²: more than any kommune
BBOX_FORMAT = "minLon,minLat,maxLon,maxLat"

Bbox = tuple[float, float, float, float]


def _bbox_error(message_en: str, message_no: str) -> InvalidParameterError:
    return InvalidParameterError(
        "query", "bbox", f"{message_en}: {BBOX_FORMAT} / {message_no}: {BBOX_FORMAT}"
    )


def parse_bbox(value: str | None) -> Bbox | None:
    """Parse a CRS84 bbox: four finite numbers, min below max, clamped to lon ±180 and lat ±90."""
    if value is None:
        return None
    try:
        numbers = [float(v) for v in value.split(",")]
    except ValueError as exc:
        raise _bbox_error("bbox must be four numbers", "bbox må være fire tall") from exc
    if len(numbers) != 4:
        raise _bbox_error("bbox must be four numbers", "bbox må være fire tall")
    if not all(math.isfinite(n) for n in numbers):
        raise _bbox_error("bbox must be finite numbers", "bbox må være endelige tall")
    x0, y0, x1, y1 = numbers
    if x0 >= x1 or y0 >= y1:
        raise _bbox_error("bbox must have min below max", "bbox må ha min under maks")
    # A box reaching past the poles or the antimeridian means "as far as there is".
    return max(x0, -180.0), max(y0, -90.0), min(x1, 180.0), min(y1, 90.0)


def parse_point(value: str | None) -> tuple[float, float] | None:
    """Parse a CRS84 point "lon,lat": two finite numbers, lon within ±180 and lat within ±90."""
    if value is None:
        return None
    message = "near must be lon,lat: two numbers within ±180 and ±90 / near må være lon,lat: to tall"
    try:
        numbers = [float(v) for v in value.split(",")]
    except ValueError as exc:
        raise InvalidParameterError("query", "near", message) from exc
    if len(numbers) != 2 or not all(math.isfinite(n) for n in numbers):
        raise InvalidParameterError("query", "near", message)
    lon, lat = numbers
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidParameterError("query", "near", message)
    return lon, lat


def _query_names(dependant: Any) -> set[str]:
    """The query parameter names a route and its dependencies declare."""
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def reject_unknown_query_params(request: Request) -> None:
    """Refuse a request whose query string names a parameter the route does not declare."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    allowed = _query_names(dependant)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise UnknownParameterError(unknown, sorted(allowed))
