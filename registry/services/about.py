"""Use case: what a reader should know about the data — its sources, dates and licences, the registry's
own licence, how facts are verified and when they count as stale (the page /about)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from registry.attribution import SOURCES
from registry.clock import REGION_TIMEZONE
from registry.store import reference as store
from schemas.site import AXES

# The licence of the registry's own data (the sites and contacts the kommuner register). NLOD 2.0 is the
# Norwegian licence for open government data: use and share, also commercially, naming the source.
OWN_DATA_LICENCE = {
    "name": "NLOD 2.0 (Norsk lisens for offentlige data)",
    "url": "https://data.norge.no/nlod/no/2.0",
}
# The non-commercial source, and what its licence means for users of the registry.
NON_COMMERCIAL = "wattapp_grid_capacity"


def about(session: Session) -> dict[str, Any]:
    """Sources with their licences, the registry's own licence, each fact's maximum age, the data's dates."""
    return {
        "sources": [
            {
                "id": s.id,
                "title_no": s.title_no,
                "title_en": s.title_en,
                "licence": s.licence,
                "licence_url": s.licence_url,
                "attribution_no": s.attribution_no,
                "attribution_en": s.attribution_en,
                "url": s.url,
                "non_commercial": s.id == NON_COMMERCIAL,
            }
            for s in SOURCES
        ],
        "own_licence": OWN_DATA_LICENCE,
        "axes": [
            {
                "name": a.name,
                "label_no": a.taxonomy.title_no,
                "label_en": a.taxonomy.title_en,
                "max_age_days": a.max_age_days,
                "vouched_by_kommune": a.vouched_by_kommune,
            }
            for a in AXES
        ],
        "dates": _dates(store.data_dates(session)),
    }


def _dates(found: dict[str, Any]) -> dict[str, Any]:
    """The capacity figures' date as the day it was in the region (it is stored as a moment)."""
    moment = found.get("capacity_date")
    if isinstance(moment, dt.datetime):
        found = {**found, "capacity_date": moment.astimezone(ZoneInfo(REGION_TIMEZONE)).date()}
    return found
