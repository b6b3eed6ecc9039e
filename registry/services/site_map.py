"""Use case: a site's map — its outline, its kommune's boundary around it, and straight lines to its
nearest logistics nodes and substation — as the server-drawn SVG (the page without JavaScript, the PDF
passport) and as the data the page's interactive map draws.

The site is read (and its visibility decided) by `sites.read_site`; this adds the kommune's boundary
around the site and its nodes and draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import orjson
import shapely.geometry
from sqlalchemy.orm import Session

from maps.static_map import MAP_HEIGHT_PX, WIDTH_PX, MapNode, draw_site_map
from registry.attribution import sources
from registry.services.sites import NodePlace, VersionedSite
from registry.store import sites as store

Lang = Literal["no", "en", "both"]  # "both": Norwegian and English side by side (the passport)

# The boundary is simplified to about a third of a pixel of an 800 px wide map.
BOUNDARY_DETAIL_PX = 2400.0
# The reference data a site's map shows: kommune boundaries, substations, logistics nodes.
MAP_TABLES = ("kommune", "substation", "logistics_node")


@dataclass(frozen=True)
class SiteMap:
    """A site's map: the SVG, the words describing it (alt text), and the interactive map's data."""

    svg: str
    description: str
    data: dict[str, Any]


def _say(lang: Lang, no: str, en: str) -> str:
    if lang == "both":
        return no if no == en else f"{no} / {en}"
    return no if lang == "no" else en


def _km(value: float | None, lang: Lang) -> str:
    if value is None:
        return "?"
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "no" else text


def caption(lang: Lang) -> str:
    """What the map is and where its data comes from, with the licences."""
    if lang == "both":
        return (
            "Rette linjer, ikke kjørevei / Straight lines, not routes. "
            "Kilder og lisenser: se under / Sources and licences: see below."
        )
    credits = "; ".join(
        f"{s.attribution(lang)} ({s.licence})" for s in sources(tables=MAP_TABLES) if s.licence_url
    )
    intro = _say(lang, "Rette linjer, ikke kjørevei. Kilder: ", "Straight lines, not routes. Sources: ")
    return intro + credits


def describe(name: str, nodes: tuple[NodePlace, ...], lang: Lang) -> str:
    """The map in words (its alt text): the site and each line drawn, with its length."""
    lines = ", ".join(
        f"{_say(lang, n.kind_no, n.kind_en).lower()} {n.name} {_km(n.distance_km, lang)} km" for n in nodes
    )
    head = _say(
        lang,
        f"Kart over {name}: området og rette linjer til nærmeste noder",
        f"Map of {name}: the site and straight lines to its nearest nodes",
    )
    return f"{head}: {lines}." if lines else head + "."


def site_map(
    session: Session,
    found: VersionedSite,
    *,
    lang: Lang,
    width_px: int = WIDTH_PX,
    map_height_px: int = MAP_HEIGHT_PX,
) -> SiteMap:
    """The map of a site already read for its reader (`sites.read_site`); the SVG `width_px` wide (a
    smaller map has larger words and marks where it is printed at a given width)."""
    feature = found.feature
    name = feature["properties"]["name"]
    site = shapely.geometry.shape(feature["geometry"])
    boundary_json = store.kommune_boundary_near(session, feature["id"], detail_px=BOUNDARY_DETAIL_PX)
    boundary = orjson.loads(boundary_json) if boundary_json else None
    nodes = [
        MapNode(
            name=n.name,
            kind=_say(lang, n.kind_no, n.kind_en),
            point=shapely.Point(n.lon, n.lat),
            distance_km=n.distance_km,
            role="substation" if n.role == "substation" else "logistics",
        )
        for n in found.nodes
    ]
    description = describe(name, found.nodes, lang)
    svg = draw_site_map(
        site,
        nodes,
        kommune_boundary=shapely.geometry.shape(boundary) if boundary else None,
        title=_say(lang, f"Kart over {name}", f"Map of {name}"),
        description=description,
        caption=caption(lang),
        site_label=_say(lang, "Området", "The site"),
        width_px=width_px,
        map_height_px=map_height_px,
    )
    data = {
        "site": feature["geometry"],
        "name": name,
        "kommune": boundary,
        "nodes": [
            {
                "name": n.name,
                "kind": _say(lang, n.kind_no, n.kind_en),
                "role": n.role,
                "lon": round(n.lon, 6),
                "lat": round(n.lat, 6),
                "km": _km(n.distance_km, lang),
            }
            for n in found.nodes
        ],
    }
    return SiteMap(svg, description, data)
