"""Use case: a vector tile of the published sites, with the ETag that names its data (docs/api.md,
"Vector tiles").

Below `DETAIL_MIN_ZOOM` a tile holds aggregated points (a grid of `CELLS` × `CELLS` cells, 64 tile pixels
each); from it up, one polygon per site. The ETag is `"<data version>-<z>-<x>-<y>"`: the data version
changes with every write to `site` (the count of transactions that wrote it, migration 0009), so an
unchanged tile revalidates as 304 and any change (insert, update, archive, delete) gives every tile
a new ETag.
Anyone may read tiles: they hold published sites only (demo sites included, flagged `is_demo`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy.orm import Session

from registry.store import tiles as store

MAX_ZOOM = 22
DETAIL_MIN_ZOOM = 10  # polygons from here up; aggregated points below
CELL_PX = 64  # an aggregation cell's side in tile pixels
CELLS = store.EXTENT // CELL_PX  # cells a side of a tile (64)
LAYER = store.LAYER
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
# Aggregated tiles (below DETAIL_MIN_ZOOM) kept in this process, keyed by the data version they were made
# of: they are few (the region at zooms 6–9 is a few dozen tiles), every visitor opens on them, and each
# reads every site below it (≈ 0.2 s at 100k sites), while a write makes the data version move on so a
# stale entry is never served. Bounded: at most this many (each ≤ ~60 KB).
AGGREGATE_CACHE_TILES = 256


class _AggregateCache:
    def __init__(self, size: int) -> None:
        self._size = size
        self._tiles: OrderedDict[tuple[str, int, int, int, int], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, int, int, int]) -> bytes | None:
        with self._lock:
            body = self._tiles.get(key)
            if body is not None:
                self._tiles.move_to_end(key)
            return body

    def put(self, key: tuple[str, int, int, int, int], body: bytes) -> None:
        with self._lock:
            self._tiles[key] = body
            self._tiles.move_to_end(key)
            while len(self._tiles) > self._size:
                self._tiles.popitem(last=False)


_aggregates = _AggregateCache(AGGREGATE_CACHE_TILES)


class TileNotFoundError(LookupError):
    """No such tile: z outside 0–22, or x or y outside 0 … 2^z − 1 (the message is bilingual)."""


@dataclass(frozen=True)
class Tile:
    body: bytes  # empty when no published site falls in the tile
    etag: str  # strong, quoted: "<version>-<z>-<x>-<y>"
    not_modified: bool = False  # the caller's If-None-Match named this ETag: body left empty


def check_tile(z: int, x: int, y: int) -> None:
    """Raise `TileNotFoundError` unless (z, x, y) names a tile of the web-mercator pyramid."""
    if not 0 <= z <= MAX_ZOOM:
        raise TileNotFoundError(
            f"No tile at zoom {z}: zoom runs from 0 to {MAX_ZOOM}. / "
            f"Ingen flis på zoomnivå {z}: zoom går fra 0 til {MAX_ZOOM}."
        )
    last = 2**z - 1
    if not (0 <= x <= last and 0 <= y <= last):
        raise TileNotFoundError(
            f"No tile {z}/{x}/{y}: x and y run from 0 to {last} at zoom {z}. / "
            f"Ingen flis {z}/{x}/{y}: x og y går fra 0 til {last} på zoomnivå {z}."
        )


def tile_etag(version: int, z: int, x: int, y: int) -> str:
    return f'"{version}-{z}-{x}-{y}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (RFC 9110: `*`, a list, weak comparison)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


def data_version(session: Session) -> int:
    """The version of the sites' data (changes with every write to `site`)."""
    return store.data_version(session)


def site_tile(
    session: Session,
    z: int,
    x: int,
    y: int,
    *,
    if_none_match: str | None = None,
    detail_max_sites: int | None = None,
) -> Tile:
    """The tile (z, x, y) of the published sites, or `not_modified` when `if_none_match` names its
    current ETag (then no tile is built).

    From DETAIL_MIN_ZOOM on a tile holds the sites' polygons — unless more than `detail_max_sites` of them
    reach into it: then it holds cell points like the lower zooms (a click on one zooms in further).
    """
    check_tile(z, x, y)
    if z >= DETAIL_MIN_ZOOM:
        if if_none_match:
            etag = tile_etag(data_version(session), z, x, y)
            if etag_matches(if_none_match, etag):
                return Tile(b"", etag, not_modified=True)
        dense = detail_max_sites is not None and (
            store.sites_in_tile(session, z, x, y, at_most=detail_max_sites) > detail_max_sites
        )
        if not dense:
            built = store.detail_tile(session, z, x, y)
            return Tile(built.body, tile_etag(built.version, z, x, y))
    version = data_version(session)
    etag = tile_etag(version, z, x, y)
    if etag_matches(if_none_match, etag):
        return Tile(b"", etag, not_modified=True)
    # one cache, many databases (the tests' apps): the database's address is part of the key
    database = session.get_bind().engine.url.render_as_string(hide_password=True)
    cached = _aggregates.get((database, version, z, x, y))
    if cached is not None:
        return Tile(cached, etag)
    built = store.aggregate_tile(session, z, x, y, cells=CELLS)
    _aggregates.put((database, built.version, z, x, y), built.body)
    return Tile(built.body, tile_etag(built.version, z, x, y))
