"""The server-drawn site map (maps/static_map.py): the site lies inside the view, one line per node from
the site's nearest edge to the node, a scale bar as long as its km at the map's scale, far nodes fit in
the view with the site then ringed and shown in an inset, the kommune's boundary clipped to the view,
names escaped, north where it is. Pure: no database."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from maps.static_map import MapNode, draw_site_map, nice_length_km, to_25833

NS = {"svg": "http://www.w3.org/2000/svg"}
TO_LONLAT = Transformer.from_crs(25833, 4326, always_xy=True)
# A 150 m square in Bærum (EPSG:25833), and points around it.
X, Y = 250_000.0, 6_650_000.0
SITE = shapely.box(X, Y, X + 150, Y + 150)


def _lonlat(x: float, y: float) -> shapely.Point:
    return shapely.Point(*TO_LONLAT.transform(x, y))


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _view_box(root: ET.Element) -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) for v in root.attrib["viewBox"].split())
    return x, y, w, h


def _map_height(root: ET.Element) -> float:
    return float(root.find("svg:rect[@class='ground']", NS).attrib["height"])  # type: ignore[union-attr]


def _path_points(d: str) -> list[tuple[float, float]]:
    return [(float(a), float(b)) for a, b in re.findall(r"[ML](-?[\d.]+) (-?[\d.]+)", d)]


def _main_site_path(root: ET.Element) -> ET.Element:
    found = root.find("svg:path[@class='site']", NS)  # the inset's copy is inside its <g>
    assert found is not None
    return found


NEAR = [
    MapNode("Sandvika (E18)", "Main road access", shapely.Point(X + 900, Y + 300), 0.8),
    MapNode("Bjørnegård", "Substation", shapely.Point(X - 600, Y - 400), 0.6, role="substation"),
]


def test_the_site_lies_inside_the_view_with_a_line_per_node() -> None:
    root = _parse(draw_site_map(SITE, NEAR, crs="EPSG:25833", title="Map", caption="Sources: test"))
    _, _, w, h = _view_box(root)
    points = _path_points(_main_site_path(root).attrib["d"])
    assert len(points) == 5  # the square's ring, closed
    assert all(0 <= x <= w and 0 <= y <= _map_height(root) for x, y in points)
    links = root.findall(".//svg:line[@class='link']", NS)
    assert len(links) == len(NEAR)
    px_per_m = float(root.attrib["data-px-per-m"])
    # Each line starts on the site's nearest edge and ends at its node.
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    for link, node in zip(links, NEAR, strict=True):
        x1, y1 = float(link.attrib["x1"]), float(link.attrib["y1"])
        assert min(xs) - 0.2 <= x1 <= max(xs) + 0.2 and min(ys) - 0.2 <= y1 <= max(ys) + 0.2
        x2, y2 = float(link.attrib["x2"]), float(link.attrib["y2"])
        gap_m = shapely.Point(node.point).distance(SITE)
        assert ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5 == pytest.approx(gap_m * px_per_m, abs=0.3)
    labels = [t.text for t in root.findall(".//svg:text[@class='label']", NS)]
    assert labels == ["Sandvika (E18), 0.8 km", "Bjørnegård, 0.6 km"]
    substation = root.find(".//svg:g[@data-role='substation']/svg:line", NS)
    assert substation is not None and "stroke-dasharray" in substation.attrib
    assert root.find(".//svg:g[@class='inset']", NS) is None  # a site seen at this scale needs no inset
    assert h > _map_height(root)  # room for the caption under the map


def test_the_scale_bar_is_as_long_as_its_km_at_the_maps_scale() -> None:
    root = _parse(draw_site_map(SITE, NEAR, crs="EPSG:25833"))
    bar = root.find("svg:g[@class='scale']", NS)
    assert bar is not None
    km = float(bar.attrib["data-km"])
    length_px = float(bar.find("svg:rect[@class='bar']", NS).attrib["width"])  # type: ignore[union-attr]
    # The site is 150 m wide: its drawn width and the bar give the same metres per pixel.
    xs = [p[0] for p in _path_points(_main_site_path(root).attrib["d"])]
    site_px = max(xs) - min(xs)
    assert length_px / (km * 1000) == pytest.approx(site_px / 150, rel=0.01)
    label = bar.findall("svg:text", NS)[-1].text or ""
    assert label == (f"{km:g} km" if km >= 1 else f"{km * 1000:g} m")
    _, _, w, _ = _view_box(root)
    assert 0.1 * w <= length_px <= 0.25 * w


def test_far_nodes_fit_the_view_and_the_small_site_is_ringed_and_inset() -> None:
    airport = MapNode("Oslo lufthavn", "Airport", shapely.Point(X + 30_000, Y + 28_000), 41.0)
    nodes = [*NEAR, airport]
    root = _parse(draw_site_map(SITE, nodes, crs="EPSG:25833", site_label="The site"))
    _, _, w, _ = _view_box(root)
    h = _map_height(root)
    for link in root.findall(".//svg:line[@class='link']", NS):
        assert 0 <= float(link.attrib["x2"]) <= w and 0 <= float(link.attrib["y2"]) <= h
    assert root.find("svg:circle[@class='site-ring']", NS) is not None
    inset = root.find("svg:g[@class='inset']", NS)
    assert inset is not None
    inset_site = inset.find("svg:path[@class='site']", NS)
    assert inset_site is not None
    xs = [p[0] for p in _path_points(inset_site.attrib["d"])]
    assert max(xs) - min(xs) > 60  # the site is drawn large in the inset
    assert "The site" in "".join(inset.itertext())


def test_the_kommune_boundary_is_clipped_to_the_view() -> None:
    kommune = shapely.box(X - 20_000, Y - 20_000, X + 500, Y + 5_000)  # its east edge runs in the view
    root = _parse(draw_site_map(SITE, NEAR, kommune_boundary=kommune, crs="EPSG:25833"))
    path = root.find("svg:path[@class='kommune']", NS)
    assert path is not None and path.attrib["fill"] == "none"
    _, _, w, _ = _view_box(root)
    h = _map_height(root)
    points = _path_points(path.attrib["d"])
    assert points and all(-0.1 <= x <= w + 0.1 and -0.1 <= y <= h + 0.1 for x, y in points)
    # Far outside the view: no boundary drawn at all.
    away = shapely.box(X + 50_000, Y + 50_000, X + 60_000, Y + 60_000)
    root = _parse(draw_site_map(SITE, NEAR, kommune_boundary=away, crs="EPSG:25833"))
    assert root.find("svg:path[@class='kommune']", NS) is None


def test_lon_lat_input_draws_the_same_map() -> None:
    in_metres = draw_site_map(SITE, NEAR, crs="EPSG:25833")
    site_lonlat = shapely.transform(SITE, lambda c: np.column_stack(TO_LONLAT.transform(c[:, 0], c[:, 1])))
    nodes = [MapNode(n.name, n.kind, _lonlat(n.point.x, n.point.y), n.distance_km, n.role) for n in NEAR]
    in_degrees = draw_site_map(site_lonlat, nodes, crs="CRS84")
    a, b = _parse(in_metres), _parse(in_degrees)
    pa = _path_points(_main_site_path(a).attrib["d"])
    pb = _path_points(_main_site_path(b).attrib["d"])
    assert [c for p in pa for c in p] == pytest.approx([c for p in pb for c in p], abs=0.2)
    assert to_25833(_lonlat(X, Y), "CRS84").distance(shapely.Point(X, Y)) < 0.01


def test_names_are_escaped_and_the_drawing_is_well_formed() -> None:
    nodes = [MapNode('A & B <"port">', "Port", shapely.Point(X + 2000, Y), 2.0)]
    svg = draw_site_map(SITE, nodes, crs="EPSG:25833", title="<Map>", caption="© Kartverket & co")
    root = _parse(svg)  # raises when a name broke the markup
    assert root.find(".//svg:text[@class='label']", NS).text == 'A & B <"port">, 2.0 km'  # type: ignore[union-attr]
    assert root.find("svg:title", NS).text == "<Map>"  # type: ignore[union-attr]
    assert "<script" not in svg


def test_north_leans_as_the_meridians_do() -> None:
    root = _parse(draw_site_map(SITE, NEAR, crs="EPSG:25833"))
    arrow = root.find("svg:g[@class='north']", NS)
    assert arrow is not None
    oslo_deg = float(arrow.attrib["data-deg"])
    # West of UTM 33's central meridian (15°E) the meridians lean east going north: at 10.5°E, 60°N
    # true north is about (15 − 10.5) · sin 60° ≈ 3.9° clockwise from the map's up.
    assert 3.0 < oslo_deg < 4.5
    at_15e = to_25833(shapely.Point(15.0, 60.0), "CRS84")
    root_15 = _parse(
        draw_site_map(shapely.box(at_15e.x, at_15e.y, at_15e.x + 150, at_15e.y + 150), [], crs="EPSG:25833")
    )
    assert float(root_15.find("svg:g[@class='north']", NS).attrib["data-deg"]) == pytest.approx(0, abs=0.05)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("most", "expected"), [(0.07, 0.05), (0.3, 0.2), (1.0, 1.0), (4.9, 2.0), (9.99, 5.0), (23, 20)]
)
def test_the_scale_bar_takes_a_round_length(most: float, expected: float) -> None:
    assert nice_length_km(most) == pytest.approx(expected)
