"""Use case: a site's passport — the one-page A4 PDF in Norwegian and English — as data for its template:
the site as its reader may see it (`sites.read_site`: drafts for their kommune's editors only), the map
drawn on the server in both languages, the QR code and short link back to the site's page, the sources
and licences, and when it was made (by the injected clock).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import segno
from sqlalchemy.orm import Session

from registry.attribution import attribution_lines
from registry.clock import Clock, local_date, local_text
from registry.services.about import OWN_DATA_LICENCE
from registry.services.access import Principal
from registry.services.site_map import MAP_TABLES, SiteMap, site_map
from registry.services.sites import read_site

# The passport's map: a smaller drawing than the page's, so its words stay legible printed 9 cm wide.
MAP_WIDTH_PX = 520
MAP_HEIGHT_PX = 430
# The QR code's modules are this many SVG units; the template sizes it in millimetres.
QR_SCALE = 4


@dataclass(frozen=True)
class Passport:
    """What the passport shows: the site's feature, its map, the link back and its QR code (SVG)."""

    feature: dict[str, Any]
    map: SiteMap
    page_url: str
    qr_svg: str
    generated_at: dt.datetime
    generated_text: str  # the moment in the region's time, "2026-12-01 10:00"
    sources_en: list[str]  # one line per source: title, attribution, licence, address (English)
    own_licence: dict[str, str]  # the licence of the registry's own data (NLOD 2.0)


def page_url(public_url: str, site_id: int) -> str:
    """The site page's absolute address (the passport's short link)."""
    return f"{public_url.rstrip('/')}/sites/{site_id}"


def qr_svg(url: str, *, title: str) -> str:
    """`url` as a QR code: a standalone SVG document, black on white, with a quiet zone."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        out, kind="svg", scale=QR_SCALE, border=4, title=title, xmldecl=False, nl=False
    )
    return out.getvalue().decode("utf-8")


def read_passport(
    session: Session, principal: Principal, site_id: int, *, clock: Clock, public_url: str
) -> Passport | None:
    """The passport of the site as `principal` may read it; None where the site page would be 404."""
    found = read_site(session, principal, site_id, today=local_date(clock))
    if found is None:
        return None
    url = page_url(public_url, site_id)
    now = clock.now()
    return Passport(
        feature=found.feature,
        map=site_map(session, found, lang="both", width_px=MAP_WIDTH_PX, map_height_px=MAP_HEIGHT_PX),
        page_url=url,
        qr_svg=qr_svg(url, title=found.feature["properties"]["name"]),
        generated_at=now,
        generated_text=local_text(now),
        sources_en=attribution_lines("en", tables=MAP_TABLES),
        own_licence=dict(OWN_DATA_LICENCE),
    )
