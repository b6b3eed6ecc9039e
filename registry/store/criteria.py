"""SQL of the criteria that search and matching share: one expression each, so a filter of the search and
a requirement of an inquiry mean the same thing (registry/store/sites.py, registry/store/matching.py).

Each takes the alias of the table holding the site's columns (`site` or `site_match`: the same names) and
the name of the bound parameter; column names come from the taxonomy and the site record, never input.
"""

from __future__ import annotations

from schemas.taxonomy import LOGISTICS_KIND

# The API's names for the logistics kinds (max_km_main_road, sort=distance_main_road …), by kind.
DISTANCE_NAMES: dict[str, str] = {
    "main_road": "motorway_junction",
    "rail_terminal": "rail_terminal",
    "port": "port",
    "airport": "airport",
}
assert set(DISTANCE_NAMES.values()) == set(LOGISTICS_KIND.codes)


def power_by_year(alias: str, year_param: str) -> str:
    """The MW a site has by a year: the most of the power now and a future power due by then
    (`registry.matching.power_by_year_mw`); NULL when neither counts."""
    return (
        f"GREATEST({alias}.power_mw_now, CASE WHEN {alias}.power_future_year <= :{year_param} "
        f"THEN {alias}.power_mw_future END)"
    )


def in_kommuner(alias: str, param: str) -> str:
    """The site lies in one of the kommuner (a list of 2024 numbers)."""
    return f"{alias}.kommune_nr = ANY(:{param})"


def in_regionraad(alias: str, param: str) -> str:
    """The site lies in a kommune of one of the regionråd (a list of names)."""
    return f"{alias}.kommune_nr IN (SELECT nr FROM kommune WHERE regionraad = ANY(:{param}))"


def distance_km(alias: str, kind: str) -> str:
    """The site's distance to the nearest node of a logistics kind, from `site_match` (NULL: none known)."""
    if kind not in LOGISTICS_KIND:
        raise ValueError(f"unknown logistics kind {kind!r}")
    return f"{alias}.km_{kind}"


def uses_any(alias: str, param: str) -> str:
    """The site names one of the land-use purposes (SOSI codes)."""
    return f"{alias}.uses && CAST(:{param} AS text[])"
