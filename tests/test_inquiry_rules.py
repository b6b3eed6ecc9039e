"""The inquiry's own rules (schemas/inquiry.py), field by field and at every boundary: what is refused,
with which message in both languages, and how what is accepted is normalised."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from schemas.inquiry import (
    DEFAULT_CONFIDENTIALITY,
    DISTANCE_KEYS,
    MAX_AREA_M2,
    MAX_KM,
    MAX_LIST,
    MAX_MESSAGE_CHARS,
    MAX_POWER_MW,
    MAX_SHORT_CHARS,
    MAX_YEARS_AHEAD,
    Requirements,
    label,
    validate_inquiry,
)

TODAY = dt.date(2027, 5, 14)
BASE = {"organisation": "Nordic AS", "name": "Kari", "email": "kari@nordic.example"}


def _check(**fields: Any) -> tuple[Any, dict[str, Any]]:
    checked, problems = validate_inquiry({**BASE, **fields}, today=TODAY)
    return checked, {p.field: p for p in problems}


def _req(**fields: Any) -> Requirements:
    checked, problems = _check(**fields)
    assert not problems, problems
    assert checked is not None
    return checked.requirements


def test_the_least_inquiry_is_accepted_with_defaults() -> None:
    checked, problems = _check()
    assert problems == {}
    assert checked.requester.kind == "direct"
    assert checked.confidentiality == DEFAULT_CONFIDENTIALITY == "on_accept"
    assert checked.requirements == Requirements()
    assert checked.requirements.is_empty
    assert checked.message is None


@pytest.mark.parametrize("missing", ["organisation", "name", "email"])
def test_who_is_asking_is_required(missing: str) -> None:
    _, problems = validate_inquiry({k: v for k, v in BASE.items() if k != missing}, today=TODAY)
    assert [p.field for p in problems] == [missing]
    assert problems[0].message_no.startswith("Fyll inn") and problems[0].message_en.startswith("Fill in")


@pytest.mark.parametrize("email", ["kari", "kari@nordic", "kari @nordic.example", "a@b.c", "@nordic.example"])
def test_bad_email_addresses(email: str) -> None:
    _, problems = _check(email=email)
    assert set(problems) == {"email"}
    assert "e-post" in problems["email"].message_no and "e-mail" in problems["email"].message_en


def test_email_is_lower_cased_and_trimmed() -> None:
    checked, _ = _check(email="  Kari@Nordic.Example ")
    assert checked.requester.email == "kari@nordic.example"


def test_texts_have_limits() -> None:
    _, problems = _check(name="x" * (MAX_SHORT_CHARS + 1), message="y" * (MAX_MESSAGE_CHARS + 1))
    assert set(problems) == {"name", "message"}
    checked, problems = _check(name="x" * MAX_SHORT_CHARS, message="y" * MAX_MESSAGE_CHARS)
    assert problems == {} and checked.message == "y" * MAX_MESSAGE_CHARS


@pytest.mark.parametrize(
    ("phone", "ok"), [("+47 22 00 00 00", True), ("22000000", True), ("2200", False), ("tel 22", False)]
)
def test_phone(phone: str, ok: bool) -> None:
    _, problems = _check(phone=phone)
    assert ("phone" not in problems) is ok


def test_area_in_daa_or_m2() -> None:
    assert _req(area_min="20", area_max="80").area_min_m2 == 20_000
    assert _req(area_min="20", area_max="80").area_max_m2 == 80_000
    assert _req(area_min="20 000", area_unit="m2").area_min_m2 == 20_000
    assert _req(area_min="2,5").area_min_m2 == 2_500
    assert _req(area_min=20, area_max=20).area_max_m2 == 20_000  # equal bounds are fine


def test_area_min_above_max_is_named_on_max() -> None:
    _, problems = _check(area_min=80, area_max=20)
    assert set(problems) == {"area_max"}
    assert "80 daa" in problems["area_max"].message_no and "20 daa" in problems["area_max"].message_en


def test_area_bounds_and_units() -> None:
    assert set(_check(area_min=-1)[1]) == {"area_min"}
    assert "negativ" in _check(area_min=-1)[1]["area_min"].message_no
    assert set(_check(area_max=MAX_AREA_M2 / 1000 + 1)[1]) == {"area_max"}
    assert _req(area_max=MAX_AREA_M2 / 1000).area_max_m2 == MAX_AREA_M2
    assert set(_check(area_min="lots")[1]) == {"area_min"}
    assert set(_check(area_unit="acre")[1]) == {"area_unit"}


def test_power_now_and_by_year() -> None:
    req = _req(power_mw_now="5", power_mw_by_year="12", power_year="2028")
    assert (req.power_mw_now, req.power_mw_by_year, req.power_year) == (5.0, 12.0, 2028)
    assert _req(power_mw_now=0).power_mw_now == 0.0
    assert _req(power_mw_now=MAX_POWER_MW).power_mw_now == MAX_POWER_MW
    _, problems = _check(power_mw_now=-0.5)
    assert set(problems) == {"power_mw_now"} and "cannot be negative" in problems["power_mw_now"].message_en
    assert set(_check(power_mw_now=MAX_POWER_MW + 1)[1]) == {"power_mw_now"}


def test_power_by_year_needs_a_year_in_range() -> None:
    _, problems = _check(power_mw_by_year=12)
    assert set(problems) == {"power_year"} and "year" in problems["power_year"].message_en
    assert _req(power_year=TODAY.year).power_year == TODAY.year
    assert _req(power_year=TODAY.year + MAX_YEARS_AHEAD).power_year == TODAY.year + MAX_YEARS_AHEAD
    for bad in (TODAY.year - 1, TODAY.year + MAX_YEARS_AHEAD + 1, "next year"):
        _, problems = _check(power_mw_by_year=12, power_year=bad)
        assert list(problems) == ["power_year"], bad  # one message, not two


def test_earliest_start() -> None:
    assert _req(earliest_start=TODAY.isoformat()).earliest_start == TODAY  # today is allowed
    _, problems = _check(earliest_start=(TODAY - dt.timedelta(days=1)).isoformat())
    assert set(problems) == {"earliest_start"} and "passert" in problems["earliest_start"].message_no
    _, problems = _check(earliest_start="14.05.2027")
    assert "YYYY-MM-DD" in problems["earliest_start"].message_en
    far = dt.date(TODAY.year + MAX_YEARS_AHEAD + 1, 1, 1).isoformat()
    assert set(_check(earliest_start=far)[1]) == {"earliest_start"}
    assert _req(earliest_start=dt.date(TODAY.year + MAX_YEARS_AHEAD, 12, 31).isoformat()).earliest_start


def test_codes_from_the_taxonomy() -> None:
    req = _req(maturity_min="M3", availability=["for_sale_or_lease", "optioned"], use_codes="1340, 1350 1340")
    assert req.maturity_min == "M3"
    assert req.availability == ("for_sale_or_lease", "optioned")
    assert req.use_codes == ("1340", "1350")  # duplicates dropped, order kept
    _, problems = _check(maturity_min="M9", availability=["cheap"], use_codes=["9999"])
    assert set(problems) == {"maturity_min", "availability", "use_codes"}
    assert "cheap" in problems["availability"].message_en and "M0" in problems["maturity_min"].message_en


def test_distances_by_logistics_kind() -> None:
    req = _req(max_km_main_road="5", max_km_port=0, max_km_airport=MAX_KM)
    assert dict(req.max_km) == {"motorway_junction": 5.0, "port": 0.0, "airport": MAX_KM}
    assert set(_check(max_km_rail_terminal=MAX_KM + 1)[1]) == {"max_km_rail_terminal"}
    assert set(_check(max_km_rail_terminal=-2)[1]) == {"max_km_rail_terminal"}
    assert set(DISTANCE_KEYS) == {"max_km_main_road", "max_km_rail_terminal", "max_km_port", "max_km_airport"}


def test_places_and_sites() -> None:
    req = _req(kommuner="3201, 3203", regionraad=["Follorådet", "Follorådet"], site_ids=["12", 14, "12"])
    assert req.kommuner == ("3201", "3203")
    assert req.regionraad == ("Follorådet",)  # names with spaces are never split
    assert req.site_ids == (12, 14)
    assert _req(regionraad="Vestregionen og Asker").regionraad == ("Vestregionen og Asker",)
    assert set(_check(kommuner=["320"])[1]) == {"kommuner"}
    assert set(_check(kommuner=[f"{i:04d}" for i in range(MAX_LIST + 1)])[1]) == {"kommuner"}
    assert set(_check(site_ids=["0"])[1]) == {"site_ids"}
    assert set(_check(site_ids=["x"])[1]) == {"site_ids"}
    assert set(_check(site_ids=[str(i) for i in range(1, MAX_LIST + 2)])[1]) == {"site_ids"}


def test_choices_of_who_and_confidentiality() -> None:
    checked, _ = _check(
        requester_kind="innovasjon_norge", client="Client AB", confidentiality="registry_only"
    )
    assert checked.requester.kind == "innovasjon_norge" and checked.requester.client == "Client AB"
    assert checked.confidentiality == "registry_only"
    assert set(_check(requester_kind="bank", confidentiality="secret")[1]) == {
        "requester_kind",
        "confidentiality",
    }


def test_every_problem_at_once_and_in_both_languages() -> None:
    _, problems = validate_inquiry(
        {"email": "x", "area_min": 9, "area_max": 1, "power_mw_now": -1, "earliest_start": "2020-01-01"},
        today=TODAY,
    )
    fields = {p.field for p in problems}
    assert fields == {"organisation", "name", "email", "area_max", "power_mw_now", "earliest_start"}
    for p in problems:
        assert p.message_no and p.message_en and p.message_no != p.message_en


def test_requirements_round_trip_through_json() -> None:
    req = _req(
        area_min=20,
        power_mw_by_year=3,
        power_year=2030,
        earliest_start="2028-01-01",
        max_km_port=40,
        kommuner="3201",
        site_ids="7",
    )
    assert Requirements.from_json(req.to_json()) == req
    assert not req.is_empty
    assert Requirements(kommuner=("3201",)).is_empty  # only where to look: no need stated


def test_labels_exist_for_every_field() -> None:
    for key in ("area_min", "power_year", "max_km_port", "confidentiality", "site_ids"):
        no, en = label(key)
        assert no and en


def test_the_needs_in_words_for_e_mails_and_pages() -> None:
    from registry.services.inquiry_mail import needs_summary

    assert needs_summary(Requirements()) == ("ingen konkrete krav", "no specific requirements")
    assert needs_summary(Requirements(area_min_m2=20_000))[1] == "area at least 20 daa"
    assert needs_summary(Requirements(area_max_m2=5_500))[0] == "areal høyst 5.5 daa"
    no, en = needs_summary(
        Requirements(
            area_min_m2=20_000,
            area_max_m2=80_000,
            power_mw_now=5,
            power_mw_by_year=12,
            power_year=2028,
            maturity_min="M3",
            availability=("for_sale_or_lease",),
            use_codes=("1340",),
            max_km={"port": 40.0},
        )
    )
    assert en == (
        "area 20–80 daa; power 5 MW now; power 12 MW by 2028; maturity at least M3 (Zoned for business); "
        "at most 40 km to port; availability: for sale / lease; land use: industry"
    )
    assert no.startswith("areal 20–80 daa; effekt 5 MW nå; effekt 12 MW innen 2028; modenhet minst M3")


# Every refusal's exact words, both languages: what a user reads beside the field.
MESSAGES: list[tuple[dict[str, Any], str, str, str]] = [
    (
        {"requester_kind": "bank"},
        "requester_kind",
        "Velg hvem som sender: direct, innovasjon_norge, intermediary.",
        "Choose who is sending: direct, innovasjon_norge, intermediary.",
    ),
    (
        {"phone": "12"},
        "phone",
        "Telefonnummeret skal ha 8–15 sifre, gjerne med landkode (f.eks. +47 22 00 00 00).",
        "The phone number needs 8–15 digits, with the country code (e.g. +1 212 555 0100).",
    ),
    ({"area_unit": "acre"}, "area_unit", "Arealenheten er daa eller m2.", "The unit of area is daa or m2."),
    ({"area_min": "lots"}, "area_min", "Areal minst: skriv et tall.", "Area at least: write a number."),
    (
        {"area_max": 1e9},
        "area_max",
        "Areal høyst må være mellom 0 og 100000.",
        "Area at most must be between 0 and 100000.",
    ),
    (
        {"area_max": 1e9, "area_unit": "m2"},
        "area_max",
        "Areal høyst må være mellom 0 og 1e+08.",
        "Area at most must be between 0 and 1e+08.",
    ),
    (
        {"power_mw_by_year": 1, "power_year": 2020},
        "power_year",
        "Året effekten trengs må være et år fra 2027 til 2057.",
        "The year the power is needed must be a year from 2027 to 2057.",
    ),
    (
        {"power_mw_by_year": 1},
        "power_year",
        "Oppgi året effekten trengs, eller la «Effekt innen et år» stå tom.",
        "Give the year the power is needed, or leave “Power by a year” empty.",
    ),
    (
        {"earliest_start": "14.05.2027"},
        "earliest_start",
        "«14.05.2027» er ikke en dato (ÅÅÅÅ-MM-DD).",
        "“14.05.2027” is not a date (YYYY-MM-DD).",
    ),
    (
        {"earliest_start": "2100-01-01"},
        "earliest_start",
        "Tidligste oppstart må være mellom 2027 og 2057.",
        "Earliest start must be between 2027 and 2057.",
    ),
    (
        {"maturity_min": "M9"},
        "maturity_min",
        "Modenhet er en av M0, M1, M2, M3, M4, M5.",
        "Maturity is one of M0, M1, M2, M3, M4, M5.",
    ),
    (
        {"availability": ["cheap", "dear"]},
        "availability",
        "Tilgjengelighet: ukjent kode cheap, dear. "
        "Velg blant not_on_market, for_sale_or_lease, optioned, sold.",
        "Availability: unknown code cheap, dear. "
        "Choose from not_on_market, for_sale_or_lease, optioned, sold.",
    ),
    (
        {"use_codes": ["1340"] * (MAX_LIST + 1)},
        "use_codes",
        "Arealformål: høyst 100 verdier.",
        "Land use: at most 100 values.",
    ),
    (
        {"kommuner": ["12", "abc"]},
        "kommuner",
        "Kommunenummer har fire sifre: 12, abc.",
        "A kommune number has four digits: 12, abc.",
    ),
    (
        {"kommuner": [f"{i:04d}" for i in range(MAX_LIST + 1)]},
        "kommuner",
        "Høyst 100 kommuner.",
        "At most 100 kommuner.",
    ),
    (
        {"site_ids": ["x"]},
        "site_ids",
        "Områder oppgis med nummer (høyst 100).",
        "Sites are given by number (at most 100).",
    ),
    (
        {"confidentiality": "secret"},
        "confidentiality",
        "Velg en av open, on_accept, registry_only.",
        "Choose one of open, on_accept, registry_only.",
    ),
    ({"name": ""}, "name", "Fyll inn navn.", "Fill in name."),
    (
        {"email": "kari"},
        "email",
        "«kari» ser ikke ut som en e-postadresse (navn@firma.com).",
        "“kari” does not look like an e-mail address (name@company.com).",
    ),
    ({"name": "x" * 201}, "name", "Navn kan ha høyst 200 tegn.", "Name may have at most 200 characters."),
    (
        {"country": "x" * 201},
        "country",
        "Land kan ha høyst 200 tegn.",
        "Country may have at most 200 characters.",
    ),
    (
        {"sector": "x" * 201},
        "sector",
        "Bransje kan ha høyst 200 tegn.",
        "Sector may have at most 200 characters.",
    ),
    (
        {"client": "x" * 201},
        "client",
        "Kunde kan ha høyst 200 tegn.",
        "Client may have at most 200 characters.",
    ),
    (
        {"max_km_port": "far"},
        "max_km_port",
        "Høyst km til havn: skriv et tall.",
        "At most km to a port: write a number.",
    ),
]


@pytest.mark.parametrize(("fields", "field", "no", "en"), MESSAGES, ids=[m[1] for m in MESSAGES])
def test_each_refusal_in_both_languages(fields: dict[str, Any], field: str, no: str, en: str) -> None:
    _, problems = validate_inquiry({**BASE, **fields}, today=TODAY)
    assert [(p.field, p.message_no, p.message_en) for p in problems] == [(field, no, en)]


def test_everything_given_is_kept() -> None:
    checked, problems = _check(
        requester_kind="intermediary",
        phone=" +47 22 00 00 00 ",
        country="Germany",
        client="Client GmbH",
        sector="Batteries",
        message=" Hello ",
        area_min=10,
        area_max=20,
        power_mw_now=1.5,
        power_mw_by_year=3,
        power_year=2030,
        earliest_start="2028-02-01",
        maturity_min="M2",
        availability=["sold"],
        use_codes=["1300"],
        max_km_main_road=1,
        max_km_rail_terminal=2,
        max_km_port=3,
        max_km_airport=4,
        regionraad=["Follorådet"],
        kommuner=["3201"],
        site_ids=["5"],
        confidentiality="open",
    )
    assert problems == {}
    who = checked.requester
    assert (
        who.kind,
        who.organisation,
        who.name,
        who.email,
        who.phone,
        who.country,
        who.client,
        who.sector,
    ) == (
        "intermediary",
        "Nordic AS",
        "Kari",
        "kari@nordic.example",
        "+47 22 00 00 00",
        "Germany",
        "Client GmbH",
        "Batteries",
    )
    assert checked.message == "Hello" and checked.confidentiality == "open"
    req = checked.requirements
    assert req == Requirements(
        area_min_m2=10_000,
        area_max_m2=20_000,
        power_mw_now=1.5,
        power_mw_by_year=3.0,
        power_year=2030,
        earliest_start=dt.date(2028, 2, 1),
        maturity_min="M2",
        availability=("sold",),
        use_codes=("1300",),
        max_km={"motorway_junction": 1.0, "rail_terminal": 2.0, "port": 3.0, "airport": 4.0},
        regionraad=("Follorådet",),
        kommuner=("3201",),
        site_ids=(5,),
    )
    assert Requirements.from_json(req.to_json()) == req
    assert req.to_json()["earliest_start"] == "2028-02-01" and req.to_json()["site_ids"] == [5]
    assert Requirements.from_json({}) == Requirements()


def test_site_ids_within_the_database_range() -> None:
    assert _req(site_ids=[str(2**31 - 1)]).site_ids == (2**31 - 1,)
    assert set(_check(site_ids=[str(2**31)])[1]) == {"site_ids"}
    assert _req(site_ids=["1"]).site_ids == (1,)
    assert set(_check(site_ids=[str(MAX_LIST + 1)] * 1)[1]) == set()
