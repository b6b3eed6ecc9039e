"""Local (vendored) JavaScript and CSS for the Folium maps, so a map page makes no request off-host.

Folium's `Map` links Leaflet, jQuery, Bootstrap, Font Awesome and Leaflet.awesome-markers from CDNs.
Our maps draw only GeoJSON polygons with Leaflet popups, tooltips and controls, so Leaflet alone is
needed; the others (and their fonts) are dropped rather than vendored. The files live in
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

# (folium resource name, path below the static prefix); the names match folium's so they replace its links.
_JS: tuple[tuple[str, str], ...] = (("leaflet", "vendor/leaflet/leaflet.js"),)
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
    return [STATIC_DIR / path for _, path in (*_JS, *_CSS)] + [STATIC_DIR / FAVICON]


def use_local_assets(m: folium.Map, *, static_prefix: str = DEFAULT_STATIC_PREFIX) -> folium.Map:
    """Point the map's JS/CSS links at the vendored copies instead of CDNs; return the map."""
    # Instance attributes: folium's class-level lists are shared, and add_js_link() mutates in place.
    m.default_js = [(name, static_url(static_prefix, path)) for name, path in _JS]
    m.default_css = [(name, static_url(static_prefix, path)) for name, path in _CSS]
    return m
