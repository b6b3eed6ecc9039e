"""Optional background tile layers.

The region map has no basemap by default: tiles come from remote servers, which an offline
installation (and the browser tests) cannot reach, and public tile servers restrict heavy use.
The kommune outlines give the orientation instead. A deployment that may fetch tiles passes one
of these (or its own) to `build_region_map(basemap=...)`; offline the tiles simply fail to load
and the map still works.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Basemap:
    """A XYZ tile layer with the attribution its licence requires."""

    name: str
    url: str
    attribution_html: str
    max_zoom: int = 19


OPENSTREETMAP = Basemap(
    name="OpenStreetMap",
    url="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    attribution_html=(
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    ),
)

# Kartverket's open topographic map (CC BY 4.0), the usual Norwegian background map.
KARTVERKET_TOPO = Basemap(
    name="Kartverket topo",
    url="https://cache.kartverket.no/v1/wmts/1.0.0/topo/default/webmercator/{z}/{y}/{x}.png",
    attribution_html='&copy; <a href="https://www.kartverket.no/">Kartverket</a> (CC BY 4.0)',
    max_zoom=18,
)
