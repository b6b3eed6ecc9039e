"""An investor's inquiry, declared once: what may be asked, its limits, and the rules that check it.

The form at `/inquiries/new` and `POST /api/v1/inquiries` take the same keys (`InquiryInput`); both are
checked by `validate_inquiry`, which answers with every `FieldProblem` at once (in Norwegian and English)
or the normalised `Requirements` that matching (`registry.matching`) and the kommuner read. That a named
kommune or regionråd exists is checked by the service against the database; everything else is here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from schemas.problems import (
    EMAIL,
    MAX_EMAIL_CHARS,
    PHONE_DIGITS_MAX,
    PHONE_DIGITS_MIN,
    FieldProblem,
    integer_value,
    number_value,
    phone_ok,
    text_value,
    too_long,
)
from schemas.taxonomy import (
    AVAILABILITY,
    CONFIDENTIALITY,
    LOGISTICS_KIND,
    MATURITY,
    REQUESTER_KIND,
    SOSI_USE,
    Taxonomy,
)

M2_PER_DAA = 1000.0
AREA_UNITS = ("daa", "m2")
MAX_AREA_M2 = 1e8  # 100 km²: more than any business site
MAX_POWER_MW = 10_000.0  # more than any single connection in Norway
MAX_KM = 1000.0
MAX_YEARS_AHEAD = 30
MAX_MESSAGE_CHARS = 4000
MAX_SHORT_CHARS = 200
MAX_LIST = 100  # kommuner, sites, codes in one inquiry
# Privacy by default (GDPR art. 25): a kommune sees who is asking only once the investor accepts its reply,
# unless the investor says otherwise.
DEFAULT_CONFIDENTIALITY = "on_accept"
# The form's hidden field that people never see and bots fill in.
HONEYPOT = "website"

# The maximum distances an inquiry may set, by the logistics kind they measure (`site_logistics.kind`).
DISTANCE_KEYS: dict[str, str] = {
    "max_km_main_road": "motorway_junction",
    "max_km_rail_terminal": "rail_terminal",
    "max_km_port": "port",
    "max_km_airport": "airport",
}
assert set(DISTANCE_KEYS.values()) == set(LOGISTICS_KIND.codes)

_LABELS: dict[str, tuple[str, str]] = {
    "requester_kind": ("Hvem sender", "Who is sending"),
    "organisation": ("Organisasjon", "Organisation"),
    "name": ("Navn", "Name"),
    "email": ("E-post", "E-mail"),
    "phone": ("Telefon", "Phone"),
    "country": ("Land", "Country"),
    "client": ("Kunde", "Client"),
    "sector": ("Bransje", "Sector"),
    "area_min": ("Areal minst", "Area at least"),
    "area_max": ("Areal høyst", "Area at most"),
    "area_unit": ("Enhet for areal", "Unit of area"),
    "power_mw_now": ("Effekt nå (MW)", "Power now (MW)"),
    "power_mw_by_year": ("Effekt innen et år (MW)", "Power by a year (MW)"),
    "power_year": ("Året effekten trengs", "The year the power is needed"),
    "earliest_start": ("Tidligste oppstart", "Earliest start"),
    "maturity_min": ("Modenhet minst", "Maturity at least"),
    "availability": ("Tilgjengelighet", "Availability"),
    "use_codes": ("Arealformål", "Land use"),
    "max_km_main_road": ("Høyst km til hovedveg", "At most km to a main road"),
    "max_km_rail_terminal": ("Høyst km til godsterminal", "At most km to a rail freight terminal"),
    "max_km_port": ("Høyst km til havn", "At most km to a port"),
    "max_km_airport": ("Høyst km til lufthavn", "At most km to an airport"),
    "regionraad": ("Regionråd", "Regional council"),
    "kommuner": ("Kommuner", "Kommuner"),
    "site_ids": ("Områder", "Sites"),
    "message": ("Melding", "Message"),
    "confidentiality": ("Hvem som spør", "Who is asking"),
}


def label(key: str) -> tuple[str, str]:
    """A field's label in Norwegian and English."""
    return _LABELS[key]


@dataclass(frozen=True)
class Requirements:
    """What an investor needs, normalised (areas in m², power in MW, distances in km); None: no need said.

    `kommuner` and `regionraad` narrow where to look; `site_ids` are sites the investor opened the form
    from (they are always shown, matching or not).
    """

    area_min_m2: float | None = None
    area_max_m2: float | None = None
    power_mw_now: float | None = None
    power_mw_by_year: float | None = None
    power_year: int | None = None
    earliest_start: dt.date | None = None
    maturity_min: str | None = None
    availability: tuple[str, ...] = ()
    use_codes: tuple[str, ...] = ()
    # logistics kind (`motorway_junction`, `rail_terminal`, `port`, `airport`) → at most this many km
    max_km: Mapping[str, float] = field(default_factory=dict)
    regionraad: tuple[str, ...] = ()
    kommuner: tuple[str, ...] = ()
    site_ids: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """JSON for storage and the API (dates as ISO text)."""
        out = asdict(self)
        out["max_km"] = dict(self.max_km)
        out["earliest_start"] = self.earliest_start.isoformat() if self.earliest_start else None
        for key in ("availability", "use_codes", "regionraad", "kommuner", "site_ids"):
            out[key] = list(out[key])
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Requirements:
        start = data.get("earliest_start")
        return cls(
            area_min_m2=data.get("area_min_m2"),
            area_max_m2=data.get("area_max_m2"),
            power_mw_now=data.get("power_mw_now"),
            power_mw_by_year=data.get("power_mw_by_year"),
            power_year=data.get("power_year"),
            earliest_start=dt.date.fromisoformat(start) if start else None,
            maturity_min=data.get("maturity_min"),
            availability=tuple(data.get("availability") or ()),
            use_codes=tuple(data.get("use_codes") or ()),
            max_km=dict(data.get("max_km") or {}),
            regionraad=tuple(data.get("regionraad") or ()),
            kommuner=tuple(data.get("kommuner") or ()),
            site_ids=tuple(int(i) for i in data.get("site_ids") or ()),
        )

    @property
    def is_empty(self) -> bool:
        """No need stated at all (only a message): every site is then a match."""
        scope = (self.regionraad, self.kommuner, self.site_ids)
        return self == Requirements(regionraad=scope[0], kommuner=scope[1], site_ids=scope[2])


@dataclass(frozen=True)
class Requester:
    """Who is asking. `client` is the company an intermediary asks for."""

    kind: str
    organisation: str
    name: str
    email: str
    phone: str | None
    country: str | None
    client: str | None
    sector: str | None


@dataclass(frozen=True)
class CheckedInquiry:
    requester: Requester
    requirements: Requirements
    message: str | None
    confidentiality: str


def _list(value: Any) -> list[str]:
    """A repeatable field: a list, or text separated by commas or spaces (from a query string)."""
    if value is None:
        return []
    items: Iterable[Any] = value if isinstance(value, list | tuple) else str(value).replace(",", " ").split()
    return [t for t in (text_value(v) for v in items) if t is not None]


def _problem(key: str, no: str, en: str) -> FieldProblem:
    return FieldProblem(key, no, en)


def _not_number(key: str) -> FieldProblem:
    no, en = label(key)
    return _problem(key, f"{no}: skriv et tall.", f"{en}: write a number.")


def _out_of_range(key: str, low: float, high: float) -> FieldProblem:
    no, en = label(key)
    return _problem(
        key, f"{no} må være mellom {low:g} og {high:g}.", f"{en} must be between {low:g} and {high:g}."
    )


def _codes(key: str, values: list[str], taxonomy: Taxonomy, problems: list[FieldProblem]) -> tuple[str, ...]:
    unknown = [v for v in values if v not in taxonomy]
    if unknown:
        allowed = ", ".join(taxonomy.codes)
        no, en = label(key)
        problems.append(
            _problem(
                key,
                f"{no}: ukjent kode {', '.join(unknown)}. Velg blant {allowed}.",
                f"{en}: unknown code {', '.join(unknown)}. Choose from {allowed}.",
            )
        )
    if len(values) > MAX_LIST:
        no, en = label(key)
        problems.append(
            _problem(key, f"{no}: høyst {MAX_LIST} verdier.", f"{en}: at most {MAX_LIST} values.")
        )
    return tuple(dict.fromkeys(v for v in values if v in taxonomy))


def _number(data: Mapping[str, Any], key: str, problems: list[FieldProblem], *, high: float) -> float | None:
    raw = data.get(key)
    if text_value(raw) is None:
        return None
    value = number_value(raw)
    if value is None:
        problems.append(_not_number(key))
        return None
    if value < 0:
        no, en = label(key)
        problems.append(_problem(key, f"{no} kan ikke være negativ.", f"{en} cannot be negative."))
        return None
    if value > high:
        problems.append(_out_of_range(key, 0, high))
        return None
    return float(value)


def _required_text(
    data: Mapping[str, Any], key: str, problems: list[FieldProblem], *, limit: int = MAX_SHORT_CHARS
) -> str:
    value = text_value(data.get(key))
    no, en = label(key)
    if value is None:
        problems.append(_problem(key, f"Fyll inn {no.lower()}.", f"Fill in {en.lower()}."))
        return ""
    if len(value) > limit:
        problems.append(too_long(key, limit, (no, en)))
    return value


def _optional_text(
    data: Mapping[str, Any], key: str, problems: list[FieldProblem], *, limit: int = MAX_SHORT_CHARS
) -> str | None:
    value = text_value(data.get(key))
    if value is not None and len(value) > limit:
        problems.append(too_long(key, limit, label(key)))
    return value


def _area(data: Mapping[str, Any], problems: list[FieldProblem]) -> tuple[float | None, float | None]:
    unit = text_value(data.get("area_unit")) or "daa"
    if unit not in AREA_UNITS:
        problems.append(
            _problem("area_unit", "Arealenheten er daa eller m2.", "The unit of area is daa or m2.")
        )
        unit = "daa"
    factor = M2_PER_DAA if unit == "daa" else 1.0
    high = MAX_AREA_M2 / factor
    low_value = _number(data, "area_min", problems, high=high)
    high_value = _number(data, "area_max", problems, high=high)
    if low_value is not None and high_value is not None and low_value > high_value:
        problems.append(
            _problem(
                "area_max",
                f"Største areal ({high_value:g} {unit}) er mindre enn minste ({low_value:g} {unit}).",
                f"The largest area ({high_value:g} {unit}) is below the smallest ({low_value:g} {unit}).",
            )
        )
    return (
        low_value * factor if low_value is not None else None,
        high_value * factor if high_value is not None else None,
    )


def _power(
    data: Mapping[str, Any], problems: list[FieldProblem], today: dt.date
) -> tuple[float | None, float | None, int | None]:
    now = _number(data, "power_mw_now", problems, high=MAX_POWER_MW)
    later = _number(data, "power_mw_by_year", problems, high=MAX_POWER_MW)
    year: int | None = None
    if text_value(data.get("power_year")) is not None:
        year = integer_value(data.get("power_year"))
        last = today.year + MAX_YEARS_AHEAD
        if year is None or not today.year <= year <= last:
            problems.append(
                _problem(
                    "power_year",
                    f"Året effekten trengs må være et år fra {today.year} til {last}.",
                    f"The year the power is needed must be a year from {today.year} to {last}.",
                )
            )
            year = None
    if later is not None and year is None and not any(p.field == "power_year" for p in problems):
        problems.append(
            _problem(
                "power_year",
                "Oppgi året effekten trengs, eller la «Effekt innen et år» stå tom.",
                "Give the year the power is needed, or leave “Power by a year” empty.",
            )
        )
    return now, later, year


def _start(data: Mapping[str, Any], problems: list[FieldProblem], today: dt.date) -> dt.date | None:
    raw = text_value(data.get("earliest_start"))
    if raw is None:
        return None
    try:
        start = dt.date.fromisoformat(raw)
    except ValueError:
        problems.append(
            _problem(
                "earliest_start",
                f"«{raw}» er ikke en dato (ÅÅÅÅ-MM-DD).",
                f"“{raw}” is not a date (YYYY-MM-DD).",
            )
        )
        return None
    if start < today:
        problems.append(
            _problem(
                "earliest_start",
                f"Tidligste oppstart ({start.isoformat()}) er passert; velg en dato fra i dag.",
                f"The earliest start ({start.isoformat()}) has passed; choose a date from today.",
            )
        )
        return None
    if start.year > today.year + MAX_YEARS_AHEAD:
        problems.append(_out_of_range("earliest_start", today.year, today.year + MAX_YEARS_AHEAD))
        return None
    return start


def _email(data: Mapping[str, Any], problems: list[FieldProblem]) -> str:
    email = _required_text(data, "email", problems, limit=MAX_EMAIL_CHARS).lower()
    if email and len(email) <= MAX_EMAIL_CHARS and not EMAIL.fullmatch(email):
        problems.append(
            _problem(
                "email",
                f"«{email}» ser ikke ut som en e-postadresse (navn@firma.com).",
                f"“{email}” does not look like an e-mail address (name@company.com).",
            )
        )
    return email


def _kommuner(data: Mapping[str, Any], problems: list[FieldProblem]) -> tuple[str, ...]:
    values = _list(data.get("kommuner"))
    bad = [v for v in values if not (len(v) == 4 and v.isdigit())]
    if bad:
        problems.append(
            _problem(
                "kommuner",
                f"Kommunenummer har fire sifre: {', '.join(bad)}.",
                f"A kommune number has four digits: {', '.join(bad)}.",
            )
        )
    if len(values) > MAX_LIST:
        problems.append(_problem("kommuner", f"Høyst {MAX_LIST} kommuner.", f"At most {MAX_LIST} kommuner."))
    return tuple(dict.fromkeys(v for v in values if v not in bad))


def _site_ids(data: Mapping[str, Any], problems: list[FieldProblem]) -> tuple[int, ...]:
    values = _list(data.get("site_ids"))
    ids = [integer_value(v) for v in values]
    if any(i is None or not 1 <= i < 2**31 for i in ids) or len(ids) > MAX_LIST:
        problems.append(
            _problem(
                "site_ids",
                f"Områder oppgis med nummer (høyst {MAX_LIST}).",
                f"Sites are given by number (at most {MAX_LIST}).",
            )
        )
        return ()
    return tuple(dict.fromkeys(i for i in ids if i is not None))


def validate_inquiry(
    data: Mapping[str, Any], *, today: dt.date
) -> tuple[CheckedInquiry | None, list[FieldProblem]]:
    """Check an inquiry as submitted (form or JSON): the normalised inquiry, or every problem found.

    The honeypot field is not checked here: the service treats a filled one as spam.
    """
    problems: list[FieldProblem] = []
    kind = text_value(data.get("requester_kind")) or "direct"
    if kind not in REQUESTER_KIND:
        problems.append(
            _problem(
                "requester_kind",
                f"Velg hvem som sender: {', '.join(REQUESTER_KIND.codes)}.",
                f"Choose who is sending: {', '.join(REQUESTER_KIND.codes)}.",
            )
        )
    organisation = _required_text(data, "organisation", problems)
    name = _required_text(data, "name", problems)
    email = _email(data, problems)
    phone = _optional_text(data, "phone", problems)
    if phone is not None and not phone_ok(phone):
        problems.append(
            _problem(
                "phone",
                f"Telefonnummeret skal ha {PHONE_DIGITS_MIN}–{PHONE_DIGITS_MAX} sifre, gjerne med landkode "
                "(f.eks. +47 22 00 00 00).",
                f"The phone number needs {PHONE_DIGITS_MIN}–{PHONE_DIGITS_MAX} digits, with the country code "
                "(e.g. +1 212 555 0100).",
            )
        )
    country = _optional_text(data, "country", problems)
    client = _optional_text(data, "client", problems)
    sector = _optional_text(data, "sector", problems)

    area_min_m2, area_max_m2 = _area(data, problems)
    power_now, power_later, power_year = _power(data, problems, today)
    start = _start(data, problems, today)
    maturity = text_value(data.get("maturity_min"))
    if maturity is not None and maturity not in MATURITY:
        problems.append(
            _problem(
                "maturity_min",
                f"Modenhet er en av {', '.join(MATURITY.codes)}.",
                f"Maturity is one of {', '.join(MATURITY.codes)}.",
            )
        )
        maturity = None
    availability = _codes("availability", _list(data.get("availability")), AVAILABILITY, problems)
    use_codes = _codes("use_codes", _list(data.get("use_codes")), SOSI_USE, problems)
    max_km = {
        kind_: value
        for key, kind_ in DISTANCE_KEYS.items()
        if (value := _number(data, key, problems, high=MAX_KM)) is not None
    }
    regionraad = tuple(dict.fromkeys(_list_lines(data.get("regionraad"))))
    kommuner = _kommuner(data, problems)
    site_ids = _site_ids(data, problems)
    message = _optional_text(data, "message", problems, limit=MAX_MESSAGE_CHARS)
    confidentiality = text_value(data.get("confidentiality")) or DEFAULT_CONFIDENTIALITY
    if confidentiality not in CONFIDENTIALITY:
        problems.append(
            _problem(
                "confidentiality",
                f"Velg en av {', '.join(CONFIDENTIALITY.codes)}.",
                f"Choose one of {', '.join(CONFIDENTIALITY.codes)}.",
            )
        )
    if problems:
        return None, problems
    return (
        CheckedInquiry(
            requester=Requester(kind, organisation, name, email, phone, country, client, sector),
            requirements=Requirements(
                area_min_m2=area_min_m2,
                area_max_m2=area_max_m2,
                power_mw_now=power_now,
                power_mw_by_year=power_later,
                power_year=power_year,
                earliest_start=start,
                maturity_min=maturity,
                availability=availability,
                use_codes=use_codes,
                max_km=max_km,
                regionraad=regionraad,
                kommuner=kommuner,
                site_ids=site_ids,
            ),
            message=message,
            confidentiality=confidentiality,
        ),
        [],
    )


def _list_lines(value: Any) -> list[str]:
    """Regionråd names contain spaces: a list, or one name per value (never split on spaces)."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [t for t in (text_value(v) for v in items) if t is not None]
