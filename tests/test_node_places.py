"""Where a site's nearest nodes lie, for its map (registry.services.sites._node_places): pure, no database.

The passport statement returns each nearest logistics node and the nearest substation with its place
(lon, lat); the site page's map and the PDF's static map draw a line to each, labelled with the kind in
the page's language, the name and the distance.
"""

from __future__ import annotations

from typing import Any

from registry.services.sites import NodePlace, _node_places
from schemas.taxonomy import LOGISTICS_KIND

AIRPORT = {"kind": "airport", "name": "Oslo lufthavn", "lon": 11.1, "lat": 60.19, "distance_km": 33.9}
PORT = {"kind": "port", "name": "Oslo Havn", "lon": 10.74, "lat": 59.9, "distance_km": 4.9}
SUBSTATION = {"name": "Haraldrud", "lon": 10.82, "lat": 59.92}


def _feature(substation_km: float | None) -> dict[str, Any]:
    return {"properties": {"power": {"substation_distance_km": substation_km}}}


def test_logistics_nodes_in_their_order_then_the_substation() -> None:
    row = {"logistics": [AIRPORT, PORT], "substation": SUBSTATION}
    places = _node_places(row, _feature(0.53))
    assert places == (
        NodePlace(
            "logistics",
            LOGISTICS_KIND.label("airport", "no"),
            LOGISTICS_KIND.label("airport", "en"),
            "Oslo lufthavn",
            11.1,
            60.19,
            33.9,
        ),
        NodePlace(
            "logistics",
            LOGISTICS_KIND.label("port", "no"),
            LOGISTICS_KIND.label("port", "en"),
            "Oslo Havn",
            10.74,
            59.9,
            4.9,
        ),
        NodePlace("substation", "Transformatorstasjon", "Substation", "Haraldrud", 10.82, 59.92, 0.53),
    )
    # the kinds are labelled in both languages, not left as codes
    assert places[0].kind_no != places[0].kind_en and "airport" not in (places[0].kind_no, places[0].kind_en)


def test_no_substation_no_substation_place() -> None:
    places = _node_places({"logistics": [PORT], "substation": None}, _feature(None))
    assert [p.role for p in places] == ["logistics"]
    assert places[0].name == "Oslo Havn" and places[0].distance_km == 4.9


def test_a_site_without_nodes_has_no_places() -> None:
    assert _node_places({"logistics": [], "substation": None}, _feature(None)) == ()


def test_an_unknown_kind_keeps_its_code() -> None:
    odd = {**PORT, "kind": "spaceport"}
    (place,) = _node_places({"logistics": [odd], "substation": None}, _feature(None))
    assert (place.kind_no, place.kind_en) == ("spaceport", "spaceport")
