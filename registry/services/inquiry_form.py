"""What the investor's form at /inquiries/new offers: the regionråd, the member kommuner, and the names of
the sites it was opened from (published ones only; any other number is left out)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from registry.store import inquiries as inquiry_store
from registry.store import kommuner as kommune_store
from registry.store import sites as site_store
from schemas.inquiry import MAX_LIST

PUBLISHED = ("published",)


def form_choices(session: Session, *, site_ids: Iterable[int] = ()) -> dict[str, Any]:
    """{"regionraad": [name, …], "kommuner": [{nr, name, regionraad}, …], "sites": [{id, name, kommune_nr,
    kommune_name, is_demo}, …]} — kommuner by name, sites in the order asked (at most MAX_LIST)."""
    members = kommune_store.list_all(session, members_only=True)
    kommuner = sorted(
        ({"nr": k["nr"], "name": k["name"], "regionraad": k["regionraad"]} for k in members),
        key=lambda k: k["name"],
    )
    sites = []
    for site_id in list(dict.fromkeys(site_ids))[:MAX_LIST]:
        row = site_store.get(session, site_id, statuses=PUBLISHED)
        if row is not None:
            sites.append(
                {
                    "id": row["id"],
                    "name": row["name"],
                    "kommune_nr": row["kommune_nr"],
                    "kommune_name": row["kommune_name"],
                    "is_demo": bool(row["is_demo"]),
                }
            )
    return {"regionraad": inquiry_store.regionraad_names(session), "kommuner": kommuner, "sites": sites}
