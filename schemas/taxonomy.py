"""The one taxonomy module: every coded value of the registry, with Norwegian and English labels.

Database check constraints, API schemas, map legends, exports and the submission template all take
their allowed values from here; no other module spells a code list.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Term:
    """One allowed value of a coded field."""

    code: str
    label_no: str
    label_en: str
    description_no: str = ""
    description_en: str = ""
    aliases: tuple[str, ...] = ()
    colour: str = "#888888"


@dataclass(frozen=True)
class Taxonomy:
    """A named, ordered list of terms."""

    name: str
    title_no: str
    title_en: str
    terms: tuple[Term, ...]
    _by_code: dict[str, Term] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_code.update({t.code: t for t in self.terms})

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.terms)

    def get(self, code: str) -> Term:
        return self._by_code[code]

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def rank(self, code: str) -> int:
        """Position of a code in the ordered scale (M0 → 0, M5 → 5)."""
        return self.codes.index(code)

    def label(self, code: str | None, lang: str = "no") -> str:
        if code is None or code not in self._by_code:
            return ""
        term = self._by_code[code]
        return term.label_no if lang == "no" else term.label_en

    def sql_check(self, column: str) -> str:
        """SQL boolean expression that admits exactly this taxonomy's codes."""
        quoted = ", ".join(f"'{c}'" for c in self.codes)
        return f"{column} IN ({quoted})"


MATURITY = Taxonomy(
    "maturity",
    "Planmessig modenhet",
    "Plan maturity",
    (
        Term(
            "M0",
            "Innspill",
            "Proposed",
            "Foreslått, ikke i noen plan",
            "Proposed, in no plan",
            ("innspill", "forslag", "proposed"),
            "#d73027",
        ),
        Term(
            "M1",
            "Avsatt i kommuneplan",
            "Zoned in municipal master plan",
            "Kommuneplanens arealformål næring, framtidig, ikke regulert",
            "Future business land in the municipal master plan, not regulated",
            ("avsatt", "kommuneplan", "avsatt i kommuneplan", "master plan"),
            "#fc8d59",
        ),
        Term(
            "M2",
            "Regulering pågår",
            "Zoning plan in preparation",
            "Reguleringsplan under utarbeiding",
            "Detailed zoning plan being prepared",
            ("regulering pågår", "under regulering", "zoning in progress"),
            "#fee08b",
        ),
        Term(
            "M3",
            "Regulert",
            "Zoned for business",
            "Detaljregulering vedtatt for næring",
            "Detailed zoning plan adopted for business use",
            ("regulert", "vedtatt regulering", "zoned", "regulated"),
            "#d9ef8b",
        ),
        Term(
            "M4",
            "Opparbeidet",
            "Serviced",
            "Vei, vann og avløp fram til tomten; planert",
            "Road, water and sewer to the plot; graded",
            ("opparbeidet", "serviced", "prepared"),
            "#91cf60",
        ),
        Term(
            "M5",
            "Byggeklar",
            "Ready to build",
            "Opparbeidet, ingen verserende klager, pris og vilkår tilbys, strøm bekreftet eller reservert",
            "Serviced, no pending appeals, price and terms on offer, power confirmed or reserved",
            ("byggeklar", "ready", "ready to build", "shovel ready"),
            "#1a9850",
        ),
    ),
)

POWER = Taxonomy(
    "power",
    "Strømtilgang",
    "Power access",
    (
        Term(
            "E0",
            "Ukjent",
            "Unknown",
            "Ikke avklart med nettselskapet",
            "Not clarified with the grid company",
            ("ukjent", "unknown"),
            "#bdbdbd",
        ),
        Term(
            "E1",
            "Kø / ikke før år X",
            "Queue / not before year X",
            "Reservasjonskø; tidligst tilgjengelig et gitt år",
            "In the reservation queue; not before a given year",
            ("kø", "queue", "ikke før"),
            "#fc8d59",
        ),
        Term(
            "E2",
            "Anslått tilgjengelig",
            "Estimated available",
            "Nettselskapets publiserte anslag",
            "The grid company's published estimate",
            ("anslått", "estimated"),
            "#fee08b",
        ),
        Term(
            "E3",
            "Vurdert av nettselskapet",
            "Assessed by the grid company",
            "Driftsmessig forsvarlig vurdert",
            "Assessed as operationally sound by the grid company",
            ("vurdert", "assessed", "driftsmessig forsvarlig"),
            "#91cf60",
        ),
        Term(
            "E4",
            "Reservert",
            "Reserved",
            "Kapasitet reservert til en dato",
            "Capacity reserved until a date",
            ("reservert", "reserved"),
            "#1a9850",
        ),
    ),
)

AVAILABILITY = Taxonomy(
    "availability",
    "Tilgjengelighet",
    "Availability",
    (
        Term(
            "not_on_market",
            "Ikke i markedet",
            "Not on the market",
            aliases=("ikke i markedet", "ikke til salgs"),
        ),
        Term(
            "for_sale_or_lease",
            "Til salgs / utleie",
            "For sale / lease",
            aliases=("til salgs", "til leie", "salg", "utleie", "for sale", "for lease", "til salgs/utleie"),
        ),
        Term(
            "optioned",
            "Opsjon / reservert",
            "Optioned / reserved",
            aliases=("opsjon", "reservert", "optioned", "reserved"),
        ),
        Term("sold", "Solgt", "Sold", aliases=("solgt", "sold")),
    ),
)

LAND_CONTROL = Taxonomy(
    "land_control",
    "Grunneierskap / arealkontroll",
    "Land control",
    (
        Term(
            "kommune",
            "Kommunen eier",
            "Owned by the municipality",
            aliases=("kommunal", "kommunen", "municipality"),
        ),
        Term(
            "public_company",
            "Offentlig selskap",
            "Public company",
            aliases=("offentlig selskap", "offentlig", "public"),
        ),
        Term(
            "private_agreement",
            "Privat med avtale",
            "Private, with agreement",
            aliases=("privat med avtale", "private with agreement"),
        ),
        Term(
            "private_no_agreement",
            "Privat uten avtale",
            "Private, without agreement",
            aliases=("privat uten avtale", "privat", "private without agreement", "private"),
        ),
    ),
)

EVIDENCE = Taxonomy(
    "evidence",
    "Dokumentasjon",
    "Evidence",
    (
        Term("self_reported", "Egenrapportert", "Self-reported", aliases=("egenrapportert", "self reported")),
        Term(
            "document_linked",
            "Dokumentert med lenke",
            "Document-linked",
            aliases=("dokumentert", "dokument", "document"),
        ),
        Term(
            "cross_checked", "Kryssjekket", "Cross-checked", aliases=("kryssjekket", "verifisert", "verified")
        ),
    ),
)

SITE_STATUS = Taxonomy(
    "site_status",
    "Status",
    "Status",
    (
        Term("draft", "Utkast", "Draft"),
        Term("published", "Publisert", "Published"),
        Term("archived", "Arkivert", "Archived"),
    ),
)

LOGISTICS_KIND = Taxonomy(
    "logistics_kind",
    "Logistikknode",
    "Logistics node",
    (
        # The stored code stays; most points are main-road access points (E6, E18, Rv4 …), bridges or the
        # centre of a town on the road, not motorway junctions. The road is in `logistics_node.road`.
        Term(
            "motorway_junction",
            "Hovedvegtilknytning",
            "Main road access",
            aliases=("motorway", "junction"),
        ),
        Term("rail_terminal", "Godsterminal (jernbane)", "Rail freight terminal", aliases=("rail",)),
        Term("port", "Havn", "Port"),
        Term("airport", "Lufthavn", "Airport"),
    ),
)
# The logistics kind whose nodes lie on a named road (`logistics_node.road`: E6, E18, Rv4 …).
ROAD_ACCESS = "motorway_junction"

# SOSI arealformål codes for reguleringsplaner (business purposes and the combined purposes in use).
SOSI_USE = Taxonomy(
    "sosi_use",
    "Arealformål (SOSI)",
    "Land use (SOSI code)",
    (
        Term("1300", "Næringsbebyggelse", "Business buildings", aliases=("næring", "business")),
        Term("1310", "Kontor", "Office", aliases=("kontor", "office")),
        Term("1320", "Hotell/overnatting", "Hotel / accommodation", aliases=("hotell", "hotel")),
        Term("1330", "Bevertning", "Food and drink", aliases=("bevertning", "restaurant")),
        Term("1340", "Industri", "Industry", aliases=("industri", "industry", "industrial")),
        Term(
            "1350", "Lager", "Warehouse", aliases=("lager", "warehouse", "storage", "logistikk", "logistics")
        ),
        Term(
            "1360",
            "Bensinstasjon/vegserviceanlegg",
            "Fuel / road service station",
            aliases=("bensinstasjon", "vegserviceanlegg", "fuel station"),
        ),
        Term("1390", "Annen næring", "Other business", aliases=("annen næring", "other")),
        Term(
            "1800",
            "Kombinert bebyggelse og anleggsformål",
            "Combined building purposes",
            aliases=("kombinert",),
        ),
        Term("1810", "Forretning/kontor", "Retail / office", aliases=("forretning/kontor", "retail/office")),
        Term("1825", "Kontor/lager", "Office / warehouse", aliases=("kontor/lager", "office/warehouse")),
        Term(
            "1826", "Industri/lager", "Industry / warehouse", aliases=("industri/lager", "industry/warehouse")
        ),
    ),
)

# Below this connection size the local grid company can connect without involving Statnett.
LOCAL_GRID_LIMIT_MW = 5.0

# How long a verified fact stays current, in days, per axis (keyed by the axis's taxonomy). Past its age a
# fact is *stale* (verified, but too long ago to rely on); a fact with no verification date at all is
# *unverified* — a different thing, and never counted as stale. The rule is `schemas.site.is_stale`.
# Why these ages: a fact expires as fast as the world it describes changes.
#   power 180: grid companies revise published capacity and queue positions several times a year, and
#       reservations lapse; a capacity statement older than six months is a guess.
#   availability 180: one sale, lease or option changes it overnight; options run for months, so half a
#       year keeps "for sale" honest.
#   maturity 365: plan maturity moves only by formal decisions (a zoning plan takes one to three years,
#       the master plan is revised every four); a yearly check catches each adopted or stopped plan.
#   land_control 730: ownership and land agreements change rarely and slowly (the land register).
#   evidence 730: a linked document (plan decision, grid company letter) lasts as long as the facts it
#       documents; checking every two years catches moved or withdrawn documents.
MAX_AGE_DAYS: dict[str, int] = {
    MATURITY.name: 365,
    POWER.name: 180,
    AVAILABILITY.name: 180,
    LAND_CONTROL.name: 730,
    EVIDENCE.name: 730,
}

# --- One door in: inquiries (issue 9) ---------------------------------------------------------------------

# May the kommuner see who is asking?
CONFIDENTIALITY = Taxonomy(
    "confidentiality",
    "Hvem som spør",
    "Who is asking",
    (
        Term(
            "open",
            "Ja, kommunene kan se hvem vi er",
            "Yes, the kommuner may see who we are",
        ),
        Term(
            "on_accept",
            "Først når vi godtar et svar fra kommunen",
            "Only after we accept a reply from the kommune",
        ),
        Term(
            "registry_only",
            "Nei, alt går gjennom registeret",
            "No, everything goes through the registry",
        ),
    ),
)

# Who files the inquiry: the investor itself, or an intermediary on behalf of a client.
REQUESTER_KIND = Taxonomy(
    "requester_kind",
    "Hvem sender forespørselen",
    "Who sends the inquiry",
    (
        Term("direct", "Virksomheten selv", "The company itself"),
        Term("innovasjon_norge", "Innovasjon Norge for en kunde", "Innovation Norway for a client"),
        Term("intermediary", "Annen mellommann for en kunde", "Another intermediary for a client"),
    ),
)

INQUIRY_STATUS = Taxonomy(
    "inquiry_status",
    "Status",
    "Status",
    (Term("open", "Åpen", "Open"), Term("closed", "Avsluttet", "Closed")),
)

# One kommune's thread of an inquiry.
THREAD_STATUS = Taxonomy(
    "thread_status",
    "Status",
    "Status",
    (
        Term("new", "Ny, ikke besvart", "New, not answered", colour="#d73027"),
        Term("acknowledged", "Bekreftet mottatt", "Acknowledged", colour="#fee08b"),
        Term("answered", "Besvart", "Answered", colour="#1a9850"),
        Term("closed", "Avsluttet", "Closed", colour="#bdbdbd"),
    ),
)

# How a site meets one requirement of an inquiry (docs/matching.md).
VERDICT = Taxonomy(
    "verdict",
    "Vurdering",
    "Verdict",
    (
        Term("meets", "Oppfyller", "Meets", colour="#1a9850"),
        Term("partly", "Delvis", "Partly", colour="#fee08b"),
        Term("unknown", "Ukjent", "Unknown", colour="#bdbdbd"),
        Term("fails", "Oppfyller ikke", "Fails", colour="#d73027"),
    ),
)

# The coordination a kommune reports with its answer: coordination is what made kommuner win.
COORDINATION_STEP = Taxonomy(
    "coordination_step",
    "Koordinering",
    "Coordination",
    (
        Term("planning", "Plan kontaktet", "Planning contacted"),
        Term("building", "Byggesak kontaktet", "Building permits contacted"),
        Term("grid_company", "Nettselskapet kontaktet", "Grid company contacted"),
        Term("meeting", "Møte foreslått", "Meeting proposed"),
    ),
)
