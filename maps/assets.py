"""Local (vendored) JavaScript and CSS for the Folium maps, so a map page makes no request off-host.

Folium's `Map` links Leaflet, jQuery, Bootstrap, Font Awesome and Leaflet.awesome-markers from CDNs.
Our maps draw GeoJSON with Leaflet popups, tooltips and controls, and the region map draws the sites
from vector tiles with Leaflet.VectorGrid (plus `maps/vectorgrid-fix.js`, our one-line shim for its
click bug with Leaflet ≥ 1.8), so Leaflet and VectorGrid are needed; the others (and their fonts) are
dropped rather than vendored. The files live in
`maps/static/vendor/` (see its README.md for versions and licences) and are served by the API under
a static prefix, by default "/static" (FastAPI mounts `STATIC_DIR` there).
"""

from __future__ import annotations

from pathlib import Path

import folium

STATIC_DIR = Path(__file__).parent / "static"
"""Folder to mount at the static prefix (e.g. `app.mount("/static", StaticFiles(directory=STATIC_DIR))`)."""

DEFAULT_STATIC_PREFIX = "/static"

LEAFLET_VERSION = "1.9.4"
VECTORGRID_VERSION = "1.3.0"

# (folium resource name, path below the static prefix); the names match folium's so they replace its links.
_JS: tuple[tuple[str, str], ...] = (("leaflet", "vendor/leaflet/leaflet.js"),)
# Vector tiles (the region map's sites): VectorGrid, then our fix, which must run after it.
_VECTOR_JS: tuple[tuple[str, str], ...] = (
    ("leaflet_vectorgrid", "vendor/vectorgrid/Leaflet.VectorGrid.bundled.js"),
    ("leaflet_vectorgrid_fix", "maps/vectorgrid-fix.js"),
)
_CSS: tuple[tuple[str, str], ...] = (("leaflet_css", "vendor/leaflet/leaflet.css"),)
FAVICON = "maps/favicon.svg"


def normalise_prefix(static_prefix: str) -> str:
    """Return the static prefix without a trailing slash ("/static/" → "/static")."""
    prefix = static_prefix.rstrip("/")
    if not prefix:
        raise ValueError("static_prefix must not be empty; use e.g. '/static'")
    return prefix


def static_url(static_prefix: str, path: str) -> str:
    """Return the URL of a file below `maps/static/` under the given prefix."""
    return f"{normalise_prefix(static_prefix)}/{path}"


def vendored_paths() -> list[Path]:
    """Return the files below STATIC_DIR that a map page links to directly."""
    return [STATIC_DIR / path for _, path in (*_JS, *_VECTOR_JS, *_CSS)] + [STATIC_DIR / FAVICON]


def use_local_assets(
    m: folium.Map, *, static_prefix: str = DEFAULT_STATIC_PREFIX, vector_tiles: bool = False
) -> folium.Map:
    """Point the map's JS/CSS links at the vendored copies instead of CDNs; return the map.

    With `vector_tiles` the page also loads Leaflet.VectorGrid and its fix, in that order, after Leaflet.
    """
    scripts = (*_JS, *_VECTOR_JS) if vector_tiles else _JS
    # Instance attributes: folium's class-level lists are shared, and add_js_link() mutates in place.
    m.default_js = [(name, static_url(static_prefix, path)) for name, path in scripts]
    m.default_css = [(name, static_url(static_prefix, path)) for name, path in _CSS]
    return m
