"""The submission field catalogue: canonical column names, aliases, types, units and allowed values.

A kommune's file may use Norwegian or English column names; `ALIASES` maps each known spelling
(compared case- and accent-insensitively after normalisation) to the canonical name. Coded fields take
their allowed values from `schemas.taxonomy`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from schemas.taxonomy import AVAILABILITY, EVIDENCE, LAND_CONTROL, MATURITY, POWER, SOSI_USE, Taxonomy


@dataclass(frozen=True)
class FieldSpec:
    """One column of the submission format."""

    name: str
    kind: str  # text | int | float | date | code | codes | url | urls | kommune_nr
    label_no: str
    label_en: str
    required: bool = False
    unit: str | None = None
    taxonomy: Taxonomy | None = None
    aliases: tuple[str, ...] = ()
    example: str = ""


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "kommune_nr",
        "kommune_nr",
        "Kommunenummer",
        "Municipality number",
        False,
        aliases=("kommunenummer", "knr", "kommune nr", "municipality number", "kommunenr"),
        example="3203",
    ),
    FieldSpec(
        "reference",
        "text",
        "Kommunens referanse",
        "Municipality's reference",
        True,
        aliases=("referanse", "ref", "id", "områdeid", "omradeid", "tomt id", "site id", "objektid"),
        example="ASK-001",
    ),
    FieldSpec(
        "name",
        "text",
        "Navn",
        "Name",
        True,
        aliases=(
            "navn",
            "områdenavn",
            "omradenavn",
            "site name",
            "tomtenavn",
            "name of site",
            "lokalitet",
            "lokalitetsnavn",
            "betegnelse",
            "navn på areal",
            "navn på området",
            "arealnavn",
            "stedsnavn",
        ),
        example="Billingstad næringsområde",
    ),
    FieldSpec(
        "area_m2",
        "float",
        "Areal (m²)",
        "Area (m²)",
        False,
        unit="m2",
        aliases=("areal", "areal m2", "areal_m2", "area", "area m2", "arealm2"),
        example="25000",
    ),
    FieldSpec(
        "area_daa",
        "float",
        "Areal (daa)",
        "Area (daa)",
        False,
        unit="daa",
        aliases=("areal daa", "areal_daa", "dekar", "daa"),
        example="25",
    ),
    FieldSpec(
        "uses",
        "codes",
        "Arealformål (SOSI-koder)",
        "Land use (SOSI codes)",
        False,
        taxonomy=SOSI_USE,
        aliases=("arealformål", "arealformal", "formål", "formal", "sosi", "use", "uses", "land use"),
        example="1340;1350",
    ),
    FieldSpec(
        "use_text",
        "text",
        "Bruk (fritekst)",
        "Use (free text)",
        aliases=("bruk", "formål tekst", "use text"),
        example="Lett industri og lager",
    ),
    FieldSpec(
        "maturity",
        "code",
        "Planmessig modenhet (M0–M5)",
        "Plan maturity (M0–M5)",
        True,
        taxonomy=MATURITY,
        aliases=("modenhet", "modenhetsgrad", "planstatus modenhet", "maturity level"),
        example="M3",
    ),
    FieldSpec(
        "maturity_verified_at",
        "date",
        "Modenhet verifisert dato",
        "Maturity verified on",
        aliases=("modenhet verifisert", "modenhet dato"),
        example="2026-09-01",
    ),
    FieldSpec(
        "maturity_verified_by",
        "text",
        "Modenhet verifisert av",
        "Maturity verified by",
        aliases=("modenhet verifisert av",),
        example="Planavdelingen",
    ),
    FieldSpec(
        "power_status",
        "code",
        "Strømstatus (E0–E4)",
        "Power status (E0–E4)",
        False,
        taxonomy=POWER,
        aliases=("strøm", "strom", "strømstatus", "effekt status", "power", "power status"),
        example="E2",
    ),
    FieldSpec(
        "power_mw_now",
        "float",
        "Tilgjengelig effekt nå (MW)",
        "Power available now (MW)",
        unit="MW",
        aliases=("effekt", "effekt mw", "mw", "tilgjengelig effekt", "power mw", "capacity mw"),
        example="4",
    ),
    FieldSpec(
        "power_mw_future",
        "float",
        "Effekt senere (MW)",
        "Power later (MW)",
        unit="MW",
        aliases=("effekt senere", "framtidig effekt", "future mw"),
        example="20",
    ),
    FieldSpec(
        "power_future_year",
        "int",
        "År for senere effekt",
        "Year of later power",
        aliases=("effekt år", "år effekt", "power year"),
        example="2029",
    ),
    FieldSpec(
        "power_reserved_until",
        "date",
        "Effekt reservert til",
        "Power reserved until",
        aliases=("reservert til", "reserved until"),
        example="",
    ),
    FieldSpec(
        "grid_company",
        "text",
        "Nettselskap",
        "Grid company",
        aliases=("nettselskap", "netteier", "dso"),
        example="Elvia",
    ),
    FieldSpec(
        "power_verified_at",
        "date",
        "Strøm verifisert dato",
        "Power verified on",
        aliases=("strøm verifisert", "effekt verifisert"),
        example="2026-08-15",
    ),
    FieldSpec(
        "power_verified_by",
        "text",
        "Strøm verifisert av",
        "Power verified by",
        aliases=("strøm verifisert av",),
        example="Elvia, kundeservice tilknytning",
    ),
    FieldSpec(
        "availability",
        "code",
        "Tilgjengelighet",
        "Availability",
        False,
        taxonomy=AVAILABILITY,
        aliases=("tilgjengelighet", "salgsstatus", "status salg", "market status"),
        example="for_sale_or_lease",
    ),
    FieldSpec(
        "availability_verified_at",
        "date",
        "Tilgjengelighet verifisert dato",
        "Availability verified on",
        aliases=("tilgjengelighet verifisert",),
        example="2026-09-01",
    ),
    FieldSpec(
        "availability_verified_by",
        "text",
        "Tilgjengelighet verifisert av",
        "Availability verified by",
        example="Næringsavdelingen",
    ),
    FieldSpec(
        "land_control",
        "code",
        "Arealkontroll / eierskap",
        "Land control",
        False,
        taxonomy=LAND_CONTROL,
        aliases=("eierskap", "grunneier", "arealkontroll", "ownership", "owner type"),
        example="kommune",
    ),
    FieldSpec(
        "land_control_verified_at",
        "date",
        "Arealkontroll verifisert dato",
        "Land control verified on",
        example="2026-09-01",
    ),
    FieldSpec(
        "land_control_verified_by",
        "text",
        "Arealkontroll verifisert av",
        "Land control verified by",
        example="Eiendomsavdelingen",
    ),
    FieldSpec(
        "ownership_text",
        "text",
        "Eier (tekst)",
        "Owner (text)",
        aliases=("eier", "owner"),
        example="Kommunen",
    ),
    FieldSpec(
        "evidence",
        "code",
        "Dokumentasjon",
        "Evidence",
        False,
        taxonomy=EVIDENCE,
        aliases=("dokumentasjon", "kilde", "evidens"),
        example="document_linked",
    ),
    FieldSpec(
        "evidence_url",
        "url",
        "Lenke til dokumentasjon",
        "Evidence link",
        aliases=("dokumentlenke", "evidence link"),
        example="https://example.org/plan.pdf",
    ),
    FieldSpec(
        "price_nok_per_m2",
        "float",
        "Pris (NOK/m²)",
        "Price (NOK/m²)",
        unit="NOK/m2",
        aliases=("pris", "pris m2", "kvadratmeterpris", "price"),
        example="1200",
    ),
    FieldSpec(
        "price_terms",
        "text",
        "Vilkår",
        "Terms",
        aliases=("vilkår", "vilkar", "terms"),
        example="Salg eller feste",
    ),
    FieldSpec(
        "plan_id", "text", "Plan-ID", "Plan id", aliases=("planid", "plan id", "planident"), example="2019004"
    ),
    FieldSpec(
        "plan_status", "text", "Planstatus", "Plan status", aliases=("planstatus",), example="Vedtatt 2021"
    ),
    FieldSpec(
        "description_no",
        "text",
        "Beskrivelse (norsk)",
        "Description (Norwegian)",
        aliases=("beskrivelse", "beskrivelse norsk", "omtale"),
        example="Flatt, regulert område ved E18.",
    ),
    FieldSpec(
        "description_en",
        "text",
        "Beskrivelse (engelsk)",
        "Description (English)",
        aliases=("description", "beskrivelse engelsk"),
        example="Flat, zoned land by the E18.",
    ),
    FieldSpec(
        "links",
        "urls",
        "Lenker / bilder",
        "Links / photos",
        aliases=("lenker", "lenke", "bilder", "url"),
        example="https://example.org/omrade",
    ),
)

FIELDS_BY_NAME: dict[str, FieldSpec] = {f.name: f for f in FIELDS}


def normalise_header(value: str) -> str:
    """Fold a column header to a comparable key: lower case, no accents, single spaces, æøå kept readable."""
    value = value.strip().lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    value = unicodedata.normalize("NFKD", value)
    value = "".join(c for c in value if not unicodedata.combining(c))
    value = re.sub(r"[\s_\-./()²]+", " ", value).strip()
    return value


def _alias_map() -> dict[str, str]:
    out: dict[str, str] = {}
    for spec in FIELDS:
        for spelling in (spec.name, spec.label_no, spec.label_en, *spec.aliases):
            out.setdefault(normalise_header(spelling), spec.name)
    return out


ALIASES: dict[str, str] = _alias_map()
