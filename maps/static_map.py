"""A site's map drawn on the server as one SVG: no tiles, no fetches, the same picture in a browser
without JavaScript and in the PDF passport.

It shows the site's outline filled, its kommune's boundary faint (clipped to the view), a straight line
from the site's nearest edge to each nearest node (logistics nodes and the substation) with its name and
distance, a scale bar in km, a north arrow and a caption naming the sources.

Geometry is drawn in EPSG:25833 (metres, like the registry's distances): input in CRS84 (GeoJSON
lon/lat) is projected first. The view holds the site and every node with a margin; when the nodes are
far (an airport 40 km away) the site is a few pixels, so it is then also marked with a ring and drawn
enlarged in an inset with its own scale bar. Pure: geometries and words in, an SVG string out.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

Crs = Literal["CRS84", "EPSG:25833"]

WIDTH_PX = 800
MAP_HEIGHT_PX = 520
CAPTION_LINE_PX = 13
CAPTION_CHAR_PX = 5.3  # mean advance of a character at the caption's 10 px size (for wrapping)
PAD_PX = 36  # room around the drawn things, for labels and the ring
MIN_VIEW_M = 800.0  # the narrowest view: a lone small site is still seen among its surroundings
SMALL_SITE_PX = 14.0  # a site narrower than this in the view gets a ring and an inset
INSET_PX = 150
RING_PX = 11.0
SCALE_BAR_SHARE = 0.22  # the scale bar is about this share of the view's width
LABEL_HEIGHT_PX = 14.0
LABEL_CHAR_PX = 6.3  # mean advance of a character at the label's 11 px size (for overlap tests)

SITE_FILL = "#d9480f"
SITE_STROKE = "#7a2606"
LINK_COLOUR = {"logistics": "#1c4f8a", "substation": "#6b3fa0"}
KOMMUNE_STROKE = "#9aa0a6"

_TO_25833 = Transformer.from_crs("OGC:CRS84", "EPSG:25833", always_xy=True)
_TO_CRS84 = Transformer.from_crs("EPSG:25833", "OGC:CRS84", always_xy=True)


@dataclass(frozen=True)
class MapNode:
    """A node the site is measured to: its name, what it is, where, and the registry's distance."""

    name: str
    kind: str  # words for what it is ("Flyplass", "Substation" …), shown as the line's tooltip
    point: BaseGeometry
    distance_km: float | None = None  # None: measured here from the geometry
    role: Literal["logistics", "substation"] = "logistics"


@dataclass(frozen=True)
class View:
    """The part of EPSG:25833 the map shows, and its scale."""

    minx: float
    miny: float
    maxx: float
    maxy: float
    px_per_m: float

    def xy(self, x: float, y: float) -> tuple[float, float]:
        """SVG pixel coordinates of a point in metres (y grows downwards on the screen)."""
        return (x - self.minx) * self.px_per_m, (self.maxy - y) * self.px_per_m


def to_25833(geom: BaseGeometry, crs: Crs) -> BaseGeometry:
    """The geometry in EPSG:25833 (unchanged when it already is)."""
    if crs == "EPSG:25833":
        return geom
    return shapely.transform(geom, lambda c: np.column_stack(_TO_25833.transform(c[:, 0], c[:, 1])))


def fit_view(
    things: Sequence[BaseGeometry],
    *,
    width_px: float,
    height_px: float,
    pad_px: float,
    min_view_m: float = MIN_VIEW_M,
) -> View:
    """The smallest view of the box's aspect that holds `things` (EPSG:25833) `pad_px` from its edges
    and is at least `min_view_m` wide."""
    minx, miny, maxx, maxy = shapely.total_bounds(list(things))
    w, h = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    scale = min((width_px - 2 * pad_px) / w, (height_px - 2 * pad_px) / h)
    if min_view_m > 0:
        scale = min(scale, (width_px - 2 * pad_px) / min_view_m)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half_w, half_h = width_px / scale / 2, height_px / scale / 2
    return View(cx - half_w, cy - half_h, cx + half_w, cy + half_h, scale)


def nice_length_km(max_km: float) -> float:
    """The longest round length (1, 2 or 5 × 10ⁿ km) not over `max_km`."""
    exponent = math.floor(math.log10(max_km))
    for step in (5, 2, 1):
        length = step * 10.0**exponent
        if length <= max_km:
            return length
    return 10.0**exponent  # unreachable: 1 × 10ⁿ ≤ max_km by the choice of n


def grid_north_deg(view: View) -> float:
    """Degrees clockwise from the map's up (grid north of EPSG:25833) to true north at the view's
    centre: positive west of 15°E (the central meridian), where the meridians lean east going north."""
    cx, cy = (view.minx + view.maxx) / 2, (view.miny + view.maxy) / 2
    lon, lat = _TO_CRS84.transform(cx, cy)
    nx, ny = _TO_25833.transform(lon, lat + 0.01)
    return math.degrees(math.atan2(nx - cx, ny - cy))


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _path_d(geom: BaseGeometry, view: View) -> str:
    """SVG path data for polygons and lines (rings closed with Z)."""
    parts: list[str] = []

    def run(coords: np.ndarray, close: bool) -> None:
        if len(coords) < 2:
            return
        pts = [view.xy(x, y) for x, y in coords[:, :2]]
        head = f"M{_num(pts[0][0])} {_num(pts[0][1])}"
        body = "".join(f"L{_num(x)} {_num(y)}" for x, y in pts[1:])
        parts.append(head + body + ("Z" if close else ""))

    for part in getattr(geom, "geoms", [geom]):
        if part.is_empty:
            continue
        if part.geom_type == "Polygon":
            run(np.asarray(part.exterior.coords), True)
            for ring in part.interiors:
                run(np.asarray(ring.coords), True)
        elif part.geom_type in ("LineString", "LinearRing"):
            run(np.asarray(part.coords), part.geom_type == "LinearRing")
        elif part.geom_type in ("MultiPolygon", "MultiLineString", "GeometryCollection"):
            parts.append(_path_d(part, view))
    return "".join(parts)


def _scale_bar(view: View, *, x: float, y: float, share: float, css_class: str) -> str:
    """A two-tone scale bar whose drawn length is its labelled km at the view's scale."""
    view_km = (view.maxx - view.minx) / 1000
    km = nice_length_km(view_km * share)
    length_px = km * 1000 * view.px_per_m
    half = length_px / 2
    label = f"{_num(km) if km >= 1 else _num(km * 1000)} {'km' if km >= 1 else 'm'}"
    return (
        f'<g class="{css_class}" data-km="{km:g}" data-length-px="{length_px:.3f}">'
        f'<rect x="{x - 4:.1f}" y="{y - 16:.1f}" width="{max(length_px, 40) + 8:.1f}" height="26" '
        'fill="#fff" fill-opacity="0.8"/>'
        f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{length_px:.3f}" height="5" fill="#222"/>'
        f'<rect x="{x + half:.3f}" y="{y + 1:.1f}" width="{half - 1:.3f}" height="3" fill="#fff"/>'
        + (
            f'<text x="{x:.1f}" y="{y - 4:.1f}" font-size="11">0</text>'
            f'<text x="{x + length_px:.1f}" y="{y - 4:.1f}" font-size="11" text-anchor="end">{label}</text>'
            if length_px >= 60  # room for "0" and the length at the bar's ends
            else f'<text x="{x:.1f}" y="{y - 4:.1f}" font-size="11">{label}</text>'
        )
        + "</g>"
    )


def _north_arrow(view: View, *, x: float, y: float) -> str:
    angle = grid_north_deg(view)
    return (
        f'<g class="north" data-deg="{angle:.2f}" transform="translate({x:.1f} {y:.1f}) rotate({angle:.2f})">'
        '<circle r="17" fill="#fff" fill-opacity="0.85" stroke="#555" stroke-width="0.8"/>'
        '<path d="M0 -14 L6 6 L0 2 L-6 6 Z" fill="#222"/>'
        '<text y="-18" font-size="11" text-anchor="middle" font-weight="bold">N</text>'
        "</g>"
    )


@dataclass
class _Placed:
    boxes: list[tuple[float, float, float, float]]

    def free(self, box: tuple[float, float, float, float]) -> bool:
        x0, y0, x1, y1 = box
        return all(x1 <= a or x0 >= c or y1 <= b or y0 >= d for a, b, c, d in self.boxes)


def _label(text: str, px: float, py: float, placed: _Placed, width_px: float, height_px: float) -> str:
    """A label beside a node: to its right (left near the right edge), nudged off earlier labels."""
    w = len(text) * LABEL_CHAR_PX + 6
    right = px + 8 + w <= width_px - 4
    x0 = px + 8 if right else max(4.0, px - 8 - w)  # a label wider than both sides starts at the edge
    y = py + 4
    for step in range(12):
        dy = (step + 1) // 2 * LABEL_HEIGHT_PX * (1 if step % 2 else -1)
        box = (x0, y + dy - 11, x0 + w, y + dy + 3)
        if placed.free(box) and 12 <= y + dy <= height_px - 4:
            y += dy
            break
    placed.boxes.append((x0, y - 11, x0 + w, y + 3))
    anchor_x = x0 + 3
    # A white halo under the words (drawn as a copy: not every SVG renderer knows paint-order).
    at = f'x="{anchor_x:.1f}" y="{y:.1f}" font-size="11"'
    return (
        f'<text {at} fill="#fff" stroke="#fff" stroke-width="3" stroke-linejoin="round" '
        f'aria-hidden="true">{escape(text)}</text><text class="label" {at} fill="#111">{escape(text)}</text>'
    )


def _inset(site: BaseGeometry, *, x: float, y: float, size: float, label: str) -> str:
    """The site enlarged in a framed box at (x, y), with its own scale bar."""
    view = fit_view([site], width_px=size, height_px=size, pad_px=22, min_view_m=0)
    d = _path_d(site, view)
    return (
        f'<g class="inset" transform="translate({x:.1f} {y:.1f})">'
        f'<rect width="{size}" height="{size}" fill="#fff" stroke="#555" stroke-width="1"/>'
        f'<text x="5" y="13" font-size="10">{escape(label)}</text>'
        f'<path class="site" d="{d}" fill="{SITE_FILL}" fill-opacity="0.55" stroke="{SITE_STROKE}" '
        'stroke-width="1.5" fill-rule="evenodd"/>'
        + _scale_bar(view, x=8, y=size - 10, share=0.4, css_class="scale inset-scale")
        + "</g>"
    )


def _inset_corner(
    placed: _Placed, points: list[tuple[float, float]], width_px: float, height_px: float
) -> tuple[float, float]:
    """The corner for the inset that hides the fewest labels and nodes (clear of the north arrow and
    the scale bar); the top left one when several hide none."""
    size, gap = INSET_PX, 8.0
    corners = (
        (gap, gap),
        (width_px - gap - size, 60.0),
        (width_px - gap - size, height_px - gap - size),
        (gap, height_px - 44.0 - size),
    )

    def hidden(corner: tuple[float, float]) -> int:
        x0, y0 = corner
        box = (x0 - 4, y0 - 4, x0 + size + 4, y0 + size + 4)
        labels = sum(not _Placed([b]).free(box) for b in placed.boxes)
        nodes = sum(box[0] <= px <= box[2] and box[1] <= py <= box[3] for px, py in points)
        return labels + nodes

    return min(corners, key=hidden)


def draw_site_map(
    site: BaseGeometry,
    nodes: Sequence[MapNode],
    *,
    kommune_boundary: BaseGeometry | None = None,
    crs: Crs = "CRS84",
    title: str = "",
    description: str = "",
    caption: str = "",
    site_label: str = "",
    width_px: int = WIDTH_PX,
    map_height_px: int = MAP_HEIGHT_PX,
) -> str:
    """The site's map as a standalone SVG document (also fit to be inlined in HTML).

    `site`, the nodes' points and `kommune_boundary` are in `crs`. `title` and `description` make the
    SVG's accessible name and description; `caption` (the sources) is written below the map;
    `site_label` names the site in the inset.
    """
    site_m = to_25833(site, crs)
    node_pts = [to_25833(n.point, crs) for n in nodes]
    view = fit_view([site_m, *node_pts], width_px=width_px, height_px=map_height_px, pad_px=PAD_PX)
    caption_lines = textwrap.wrap(caption, int(width_px / CAPTION_CHAR_PX)) if caption else []
    height = map_height_px + (len(caption_lines) * CAPTION_LINE_PX + 8 if caption_lines else 0)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="site-map" viewBox="0 0 {width_px} {height}" '
        f'width="{width_px}" height="{height}" role="img" aria-labelledby="site-map-title site-map-desc" '
        f'font-family="DejaVu Sans, Arial, sans-serif" data-px-per-m="{view.px_per_m:.6f}">',
        f'<title id="site-map-title">{escape(title)}</title>',
        f'<desc id="site-map-desc">{escape(description)}</desc>',
        f'<rect class="ground" width="{width_px}" height="{map_height_px}" fill="#f7f5f0"/>',
    ]
    if kommune_boundary is not None and not kommune_boundary.is_empty:
        lines = to_25833(kommune_boundary, crs)
        if lines.geom_type.endswith("Polygon"):
            lines = shapely.boundary(lines)  # the boundary, not the area (no fill, no edge at the view)
        clipped = shapely.clip_by_rect(lines, view.minx, view.miny, view.maxx, view.maxy)
        if not clipped.is_empty:
            out.append(
                f'<path class="kommune" d="{_path_d(clipped, view)}" fill="none" stroke="{KOMMUNE_STROKE}" '
                'stroke-width="1.5" stroke-dasharray="6 3"/>'
            )
    placed = _Placed([])
    links, labels = [], []
    for node, pt in zip(nodes, node_pts, strict=True):
        start, _ = nearest_points(site_m, pt)
        x0, y0 = view.xy(start.x, start.y)
        x1, y1 = view.xy(pt.x, pt.y)
        km = node.distance_km if node.distance_km is not None else site_m.distance(pt) / 1000
        text = f"{node.name}, {km:.1f} km"
        colour = LINK_COLOUR[node.role]
        dash = ' stroke-dasharray="5 3"' if node.role == "substation" else ""
        links.append(
            f'<g class="node" data-role="{node.role}" data-name={quoteattr(node.name)}>'
            f"<title>{escape(node.kind)}: {escape(text)}</title>"
            f'<line class="link" x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" stroke="{colour}" '
            f'stroke-width="1.6"{dash}/>'
            f'<circle cx="{x1:.1f}" cy="{y1:.1f}" r="4.5" fill="#fff" stroke="{colour}" stroke-width="2"/>'
            "</g>"
        )
        labels.append(_label(text, x1, y1, placed, width_px, map_height_px))
    out += links
    sx0, sy0, sx1, sy1 = site_m.bounds
    site_px = max(sx1 - sx0, sy1 - sy0) * view.px_per_m
    out.append(
        f'<path class="site" d="{_path_d(site_m, view)}" fill="{SITE_FILL}" fill-opacity="0.55" '
        f'stroke="{SITE_STROKE}" stroke-width="1.5" fill-rule="evenodd"/>'
    )
    small = site_px < SMALL_SITE_PX
    if small:
        c = site_m.representative_point()
        cx, cy = view.xy(c.x, c.y)
        out.append(
            f'<circle class="site-ring" cx="{cx:.1f}" cy="{cy:.1f}" r="{RING_PX}" fill="none" '
            f'stroke="{SITE_STROKE}" stroke-width="2.5"/>'
        )
        placed.boxes.append((cx - RING_PX, cy - RING_PX, cx + RING_PX, cy + RING_PX))
    out += labels
    if small:
        x, y = _inset_corner(placed, [view.xy(p.x, p.y) for p in node_pts], width_px, map_height_px)
        out.append(_inset(site_m, x=x, y=y, size=INSET_PX, label=site_label))
    out.append(_scale_bar(view, x=14, y=map_height_px - 14, share=SCALE_BAR_SHARE, css_class="scale"))
    out.append(_north_arrow(view, x=width_px - 28, y=32))
    out.append(
        f'<rect width="{width_px}" height="{map_height_px}" fill="none" stroke="#888" stroke-width="1"/>'
    )
    if caption_lines:
        spans = "".join(
            f'<tspan x="2" y="{map_height_px + 14 + i * CAPTION_LINE_PX}">{escape(line)}</tspan>'
            for i, line in enumerate(caption_lines)
        )
        out.append(f'<text class="caption" font-size="10" fill="#444">{spans}</text>')
    out.append("</svg>")
    return "".join(out)
