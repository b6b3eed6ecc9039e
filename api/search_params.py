"""The search's query parameters, declared once: the API's `GET /api/v1/sites` and every page or
collection that searches sites take them through `search_query` (a FastAPI dependency).

Each parameter names its unit; repeatable ones (kommune, regionraad, availability, land_control,
use_code) match any of their values; different parameters all apply (docs/api.md, "Search").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any

from fastapi import Depends, Query

from api.errors import InvalidParameterError
from api.params import MAX_AREA_M2, parse_bbox, parse_point
from registry.services.sites import (
    DISTANCE_NAMES,
    SORTS,
    SiteFilter,
    UnknownKommuneError,
    UnknownRegionraadError,
)
from schemas.api import MaturityCode, PowerCode, code_enum
from schemas.taxonomy import AVAILABILITY, LAND_CONTROL, SOSI_USE

KOMMUNE_NR = re.compile(r"\d{4}")
ROAD = re.compile(r"(?i:E|Rv|Fv) ?\d{1,4}")  # a European, national or county road number
MAX_KM = 1000.0  # farther than any two points of the region
MAX_MW = 100_000.0
SORT_CHOICES = tuple(x for key in SORTS for x in (key, f"-{key}"))
SortName = Enum("SortName", {n: n for n in SORT_CHOICES}, type=str)  # type: ignore[misc]
AvailabilityCode: Any = code_enum("AvailabilityCode", AVAILABILITY)
LandControlCode: Any = code_enum("LandControlCode", LAND_CONTROL)
UseCode: Any = code_enum("UseCode", SOSI_USE)


_REPEAT = "A code (repeatable: any of them)"


def _km(what: str) -> Any:
    return Query(
        ge=0,
        le=MAX_KM,
        allow_inf_nan=False,
        description=f"Kilometres at most to the nearest {what} (straight line, computed by the registry)",
    )


def _mw(description: str) -> Any:
    return Query(ge=0, le=MAX_MW, allow_inf_nan=False, description=description)


def _area(description: str) -> Any:
    return Query(ge=0, le=MAX_AREA_M2, allow_inf_nan=False, description=description)


def _code(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


@dataclass(frozen=True)
class SearchQuery:
    """A search as asked: the filter, the order and the verification window in months."""

    filters: SiteFilter
    sort: str
    verified_within_months: int | None


def _refuse(name: str, en: str, no: str) -> InvalidParameterError:
    return InvalidParameterError("query", name, f"{en} / {no}")


async def search_query(
    kommune: Annotated[
        list[str] | None,
        Query(description="Kommune number (repeatable); a 2020–2023 number searches its 2024 successor"),
    ] = None,
    regionraad: Annotated[list[str] | None, Query(description="Regionråd by name (repeatable)")] = None,
    members_only: Annotated[bool, Query(description="Only Osloregionen's member kommuner")] = False,
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat (CRS84)")] = None,
    near: Annotated[
        str | None, Query(description="lon,lat (CRS84): with within_km, or to sort by distance")
    ] = None,
    within_km: Annotated[
        float | None,
        Query(ge=0, le=MAX_KM, allow_inf_nan=False, description="Kilometres at most from `near` to the site"),
    ] = None,
    min_area_m2: Annotated[float | None, _area("Area at least, m²")] = None,
    max_area_m2: Annotated[float | None, _area("Area at most, m²")] = None,
    maturity_min: Annotated[MaturityCode | None, Query(description="Lowest plan maturity, M0–M5")] = None,  # type: ignore[valid-type]
    power_min: Annotated[PowerCode | None, Query(description="Lowest power status, E0–E4")] = None,  # type: ignore[valid-type]
    power_mw_min: Annotated[float | None, _mw("Megawatts available now, at least")] = None,
    power_mw_min_by_year: Annotated[
        float | None, _mw("Megawatts available by power_year (now, or a future power due by then)")
    ] = None,
    power_year: Annotated[
        int | None, Query(ge=2000, le=2100, description="The year of power_mw_min_by_year")
    ] = None,
    availability: Annotated[
        list[AvailabilityCode] | None, Query(description="Availability (repeatable)")
    ] = None,
    land_control: Annotated[
        list[LandControlCode] | None, Query(description="Land control (repeatable)")
    ] = None,
    use_code: Annotated[list[UseCode] | None, Query(description="SOSI land-use purpose (repeatable)")] = None,
    max_km_main_road: Annotated[float | None, _km("main-road junction")] = None,
    road: Annotated[
        str | None,
        Query(
            max_length=12,
            description="The nearest main-road junction lies on this road: E6, E18, Rv4, Fv120 …",
        ),
    ] = None,
    max_km_rail_terminal: Annotated[float | None, _km("rail freight terminal")] = None,
    max_km_port: Annotated[float | None, _km("port")] = None,
    max_km_airport: Annotated[float | None, _km("airport")] = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="Words in names and descriptions (full text)"),
    ] = None,
    verified_within_months: Annotated[
        int | None, Query(ge=1, le=120, description="Every fact with a value verified within so many months")
    ] = None,
    include_demo: Annotated[bool, Query(description="Include demo sites (each marked is_demo)")] = True,
    sort: Annotated[SortName, Query(description="The order; a leading - reverses; distance needs near")] = (  # type: ignore[valid-type]
        SortName("kommune")  # type: ignore[assignment]
    ),
) -> SearchQuery:
    """The search's parameters, checked together (each alone is checked by its declaration)."""
    for nr in kommune or ():
        if not KOMMUNE_NR.fullmatch(nr):
            raise _refuse("kommune", f"four digits, not {nr!r}", f"fire sifre, ikke {nr!r}")
    if road is not None and not ROAD.fullmatch(road.strip()):
        raise _refuse("road", f"a road number like E6 or Rv4, not {road!r}", "et vegnummer som E6 eller Rv4")
    point = parse_point(near)
    if within_km is not None and point is None:
        raise _refuse("within_km", "needs near=lon,lat", "krever near=lon,lat")
    if (power_mw_min_by_year is None) != (power_year is None):
        raise _refuse("power_year", "goes with power_mw_min_by_year", "hører sammen med power_mw_min_by_year")
    sort_name = _code(sort) or "kommune"
    if sort_name.removeprefix("-") == "distance" and point is None:
        raise _refuse("sort", "distance needs near=lon,lat", "distance krever near=lon,lat")
    if min_area_m2 is not None and max_area_m2 is not None and min_area_m2 > max_area_m2:
        raise _refuse("max_area_m2", "is below min_area_m2", "er under min_area_m2")
    limits = {
        "main_road": max_km_main_road,
        "rail_terminal": max_km_rail_terminal,
        "port": max_km_port,
        "airport": max_km_airport,
    }
    filters = SiteFilter(
        kommuner=tuple(kommune or ()),
        regionraad=tuple(regionraad or ()),
        members_only=members_only,
        bbox=parse_bbox(bbox),
        near=point,
        within_km=within_km,
        min_area_m2=min_area_m2,
        max_area_m2=max_area_m2,
        maturity_min=_code(maturity_min),
        power_min=_code(power_min),
        power_mw_min=power_mw_min,
        power_mw_min_by_year=power_mw_min_by_year,
        power_year=power_year,
        availability=tuple(str(_code(a)) for a in availability or ()),
        land_control=tuple(str(_code(a)) for a in land_control or ()),
        use_codes=tuple(str(_code(a)) for a in use_code or ()),
        max_km=tuple((DISTANCE_NAMES[name], km) for name, km in limits.items() if km is not None),
        road=road,
        q=q,
        include_demo=include_demo,
    )
    return SearchQuery(filters, sort_name, verified_within_months)


SearchQueryDep = Annotated[SearchQuery, Depends(search_query)]


# What the search service refuses of a value the parameters let through (a kommune or a regionråd that
# does not exist), as the API's 400.
SEARCH_REFUSALS = (UnknownKommuneError, UnknownRegionraadError)


def refused(exc: Exception) -> InvalidParameterError:
    """A refusal of the search service (one of SEARCH_REFUSALS) as the API's invalid-parameter problem."""
    if isinstance(exc, UnknownRegionraadError):
        known = ", ".join(exc.known)
        return _refuse("regionraad", f"no regionråd {exc.name!r}; known: {known}", f"ukjent; kjente: {known}")
    return _refuse("kommune", f"no kommune {exc}", f"ingen kommune med nummer {exc}")
