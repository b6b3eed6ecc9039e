"""Use cases of the OGC API – Features (Part 1: Core, GeoJSON, OpenAPI 3.0) at /ogc: the landing page,
the conformance declaration, the collections and their items.

The `sites` collection is the API's site search (`registry.services.sites.search_sites`/`get_site`): the
same features, the same properties, the published-only rule, the same filters. The reference
collections (kommuner, substations, logistics nodes) are read from `registry.store.ogc`. Every document
is built here from the absolute URL of the landing page (`root`), which the route passes in.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import RowMapping
from sqlalchemy.orm import Session

from registry.attribution import Source, attribution_lines, sources
from registry.clock import Clock, local_date
from registry.services.sites import SiteFilter, get_site, search_sites
from registry.store import ogc as store
from schemas.taxonomy import LOGISTICS_KIND

__all__ = [
    "COLLECTIONS",
    "CONFORMANCE",
    "CRS84",
    "Collection",
    "UnknownCollectionError",
    "collection",
    "collections",
    "conformance",
    "item",
    "items",
    "landing",
]

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
JSON = "application/json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
_CONF = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
CONFORMANCE: tuple[str, ...] = (_CONF + "core", _CONF + "geojson", _CONF + "oas30")
MAX_ID = 2**31 - 1  # integer keys (site, substation, node ids) are PostgreSQL integers

Bbox = tuple[float, float, float, float]
Feature = dict[str, Any]


class UnknownCollectionError(LookupError):
    """No collection with that id."""


@dataclass(frozen=True)
class Collection:
    """One collection: its id, titles, the tables its data (and its attribution) come from."""

    id: str
    title_no: str
    title_en: str
    about_no: str
    about_en: str
    geometry: str
    tables: tuple[str, ...]  # the sources credited (registry.attribution) are those behind these tables
    layer: str | None = None  # registry.store.ogc layer; None for sites

    def sources(self) -> list[Source]:
        return sources(tables=self.tables) if self.tables else sources()


COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection(
            "sites",
            "Næringsarealer",
            "Business sites",
            "Publiserte næringsarealer i Osloregionen, med de samme egenskapene som /api/v1/sites. "
            "Utkast og arkiverte områder er ikke med.",
            "Published business sites of the Oslo region, with the same properties as /api/v1/sites. "
            "Drafts and archived sites are left out.",
            "polygon",
            (),  # as the API: every source (sites carry distances to substations and logistics nodes)
        ),
        Collection(
            "kommuner",
            "Kommuner",
            "Kommuner (municipalities)",
            "Kommunegrenser 2024 med navn, regionråd og medlemskap i Osloregionen (is_member).",
            "Municipal boundaries 2024 with name, regional council and Osloregionen membership (is_member).",
            "polygon",
            ("kommune",),
            "kommune",
        ),
        Collection(
            "substations",
            "Transformatorstasjoner",
            "Substations",
            "Transformatorstasjoner med publisert ledig nettkapasitet (MW) og datoen for tallene.",
            "Substations with their published available grid capacity (MW) and the date of the figures.",
            "point",
            ("substation",),
            "substation",
        ),
        Collection(
            "logistics_nodes",
            "Logistikknoder",
            "Logistics nodes",
            "Godsterminaler, hovedvegtilknytninger, havner og flyplasser; omtrentlige punkter "
            "(presisjon i km).",
            "Rail terminals, main road access points, ports and airports; approximate points "
            "(precision in km).",
            "point",
            ("logistics_node",),
            "logistics_node",
        ),
    )
}


def _link(href: str, rel: str, type_: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


def landing(root: str, *, docs_url: str) -> dict[str, Any]:
    """The landing page: what the service is, and links to its description, conformance and data."""
    return {
        "title": "Næringsarealregisteret – OGC API Features",
        "description": "Osloregionens register over næringsarealer som OGC API – Features. / "
        "The Oslo region's registry of business land as OGC API – Features.",
        "attribution": attribution_lines("en"),
        "links": [
            _link(root, "self", JSON, "Denne siden / This document"),
            _link(f"{root}/api", "service-desc", OPENAPI, "API-beskrivelse / API definition (OpenAPI 3.0)"),
            _link(docs_url, "service-doc", "text/html", "API-dokumentasjon / API documentation"),
            _link(f"{root}/conformance", "conformance", JSON, "Samsvar / Conformance classes"),
            _link(f"{root}/collections", "data", JSON, "Samlinger / Collections"),
        ],
    }


def conformance() -> dict[str, Any]:
    """The conformance classes the service implements."""
    return {"conformsTo": list(CONFORMANCE)}


def _find(collection_id: str) -> Collection:
    found = COLLECTIONS.get(collection_id)
    if found is None:
        raise UnknownCollectionError(collection_id)
    return found


def _extent(session: Session, c: Collection) -> Bbox | None:
    return store.published_sites_extent(session) if c.layer is None else store.extent(session, c.layer)


def _collection(session: Session, c: Collection, root: str) -> dict[str, Any]:
    here = f"{root}/collections/{c.id}"
    credits = c.sources()
    links = [
        _link(here, "self", JSON, c.title_en),
        _link(f"{here}/items", "items", GEOJSON, f"{c.title_no} / {c.title_en}"),
    ]
    links += [
        _link(s.licence_url, "license", "text/html", f"{s.licence}: {s.title_en}")
        for s in credits
        if s.licence_url
    ]
    doc: dict[str, Any] = {
        "id": c.id,
        "title": f"{c.title_no} / {c.title_en}",
        "description": f"{c.about_no} / {c.about_en} "
        + " ".join(attribution_lines("no", tables=c.tables or None))
        + " / "
        + " ".join(attribution_lines("en", tables=c.tables or None)),
        "attribution": " | ".join(s.attribution("en") for s in credits),
        "links": links,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "geometryType": c.geometry,
    }
    box = _extent(session, c)
    if box is not None:
        doc["extent"] = {"spatial": {"bbox": [list(box)], "crs": CRS84}}
    return doc


def collections(session: Session, root: str) -> dict[str, Any]:
    """Every collection with its extent and links."""
    return {
        "links": [_link(f"{root}/collections", "self", JSON, "Samlinger / Collections")],
        "collections": [_collection(session, c, root) for c in COLLECTIONS.values()],
    }


def collection(session: Session, collection_id: str, root: str) -> dict[str, Any]:
    """One collection's description; UnknownCollectionError if there is none by that id."""
    return _collection(session, _find(collection_id), root)


# Properties of the reference layers: each row (a mapping of the table's columns) as flat properties.


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _kommune(r: Mapping[Any, Any]) -> dict[str, Any]:
    return {k: r[k] for k in ("nr", "name", "fylke_nr", "regionraad", "is_member", "membership_note")}


def _substation(r: Mapping[Any, Any]) -> dict[str, Any]:
    keys = ("id", "source_id", "name", "grid_company", "available_cons_mw", "reserved_cons_mw")
    props = {k: r[k] for k in keys}
    props.update(
        available_prod_mw=r["available_prod_mw"],
        capacity_date=_iso(r["capacity_date"]),
        caveat=r["caveat"],
        kommune_nr=r["kommune_nr"],
        source_file=r["source_file"],
    )
    return props


def _logistics_node(r: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "kind": r["kind"],
        "kind_no": LOGISTICS_KIND.label(r["kind"], "no"),
        "kind_en": LOGISTICS_KIND.label(r["kind"], "en"),
        "name": r["name"],
        "code": r["code"],
        "road": r["road"],
        "operator": r["operator"],
        "coord_source": r["coord_source"],
        "note": r["note"],
        "precision_km": r["precision_km"],
    }


_PROPERTIES: dict[str, Callable[[Mapping[Any, Any]], dict[str, Any]]] = {
    "kommune": _kommune,
    "substation": _substation,
    "logistics_node": _logistics_node,
}


def _reference_feature(layer: str, row: RowMapping, c: Collection) -> Feature:
    props = _PROPERTIES[layer](row)
    if layer != "kommune":  # the credit travels with each point (an export keeps no metadata)
        credits = c.sources()
        props["licence"] = "; ".join(dict.fromkeys(s.licence for s in credits))
        props["attribution"] = " | ".join(s.attribution("en") for s in credits)
    key = row[store.LAYERS[layer].key]
    return {"type": "Feature", "id": key, "geometry": json.loads(row["geojson"]), "properties": props}


@dataclass(frozen=True)
class Page:
    """Which features to return: the bbox (CRS84), the page, and for `sites` the site search's filters."""

    limit: int
    offset: int
    bbox: Bbox | None = None
    sites: SiteFilter | None = None
    sort: str = "kommune"
    verified_within_months: int | None = None


def _page_url(here: str, query: Sequence[tuple[str, str]], *, offset: int, limit: int) -> str:
    kept = [(k, v) for k, v in query if k not in ("offset", "limit")]
    return f"{here}?{urlencode([*kept, ('limit', str(limit)), ('offset', str(offset))])}"


def items(
    session: Session,
    collection_id: str,
    page: Page,
    *,
    root: str,
    query: Sequence[tuple[str, str]],
    clock: Clock,
    max_offset: int,
) -> dict[str, Any]:
    """One page of a collection's features as a GeoJSON FeatureCollection with OGC paging links.

    `query` is the request's query string (kept in the next/prev links). Raises UnknownCollectionError,
    and for `sites` the search's own errors (UnknownKommuneError).
    """
    c = _find(collection_id)
    if c.layer is None:
        filters = page.sites or SiteFilter()
        if page.bbox is not None:
            filters = replace(filters, bbox=page.bbox)
        found = search_sites(
            session,
            filters=filters,
            limit=page.limit,
            offset=page.offset,
            sort=page.sort,
            verified_within_months=page.verified_within_months,
            today=local_date(clock),
        )
        features, total, exact = found.features, found.total, found.total_exact
    else:
        rows, total = store.page(session, c.layer, bbox=page.bbox, limit=page.limit, offset=page.offset)
        features = [_reference_feature(c.layer, r, c) for r in rows]
        exact = True
    here = f"{root}/collections/{c.id}/items"
    links = [
        _link(_page_url(here, query, offset=page.offset, limit=page.limit), "self", GEOJSON, "Denne siden"),
        _link(f"{root}/collections/{c.id}", "collection", JSON, c.title_en),
    ]
    after = page.offset + page.limit
    if after < total and after <= max_offset:
        links.append(_link(_page_url(here, query, offset=after, limit=page.limit), "next", GEOJSON, "Neste"))
    if page.offset > 0:
        before = max(0, page.offset - page.limit)
        links.append(
            _link(_page_url(here, query, offset=before, limit=page.limit), "prev", GEOJSON, "Forrige")
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        # Given only when exact (the search estimates beyond EXACT_TOTAL_MAX); clients then page to the end.
        **({"numberMatched": total} if exact else {}),
        "numberReturned": len(features),
        "timeStamp": clock.now().astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": links,
    }


def item(session: Session, collection_id: str, feature_id: str, *, root: str) -> Feature | None:
    """One feature (for `sites` the site's passport, as /api/v1/sites/{id}), or None if there is none.

    Raises UnknownCollectionError.
    """
    c = _find(collection_id)
    feature: Feature | None
    if c.layer == "kommune":
        row = store.one(session, c.layer, feature_id)
        feature = None if row is None else _reference_feature(c.layer, row, c)
    else:
        if not feature_id.isascii() or not feature_id.isdigit() or not 1 <= int(feature_id) <= MAX_ID:
            return None
        key = int(feature_id)
        if c.layer is None:
            feature = get_site(session, key)
        else:
            row = store.one(session, c.layer, key)
            feature = None if row is None else _reference_feature(c.layer, row, c)
    if feature is None:
        return None
    here = f"{root}/collections/{c.id}"
    return {
        **feature,
        "links": [
            _link(f"{here}/items/{feature_id}", "self", GEOJSON),
            _link(here, "collection", JSON, c.title_en),
        ],
    }
