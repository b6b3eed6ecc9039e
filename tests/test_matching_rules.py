"""The matching rules, criterion by criterion, at their boundaries (pure: no database).

Every band of docs/matching.md is pinned on both sides of its edge, every unknown has its reason, and the
words users read are checked as written, so that a changed comparison or message is caught.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from registry import matching as m
from schemas.inquiry import Requirements

TODAY = dt.date(2026, 6, 1)
UPDATED = dt.datetime(2026, 5, 2, 23, 30, tzinfo=dt.UTC)
COMPUTED = dt.datetime(2026, 4, 3, 8, 0, tzinfo=dt.UTC)


def _ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def site(**changes: Any) -> dict[str, Any]:
    """A site row with every fact current (verified 10 days ago) and all four logistics distances."""
    row: dict[str, Any] = {
        "id": 1,
        "name": "Testområde",
        "kommune_nr": "3203",
        "kommune_name": "Asker",
        "is_demo": False,
        "area_m2": 50_000.0,
        "uses": ["1340"],
        "maturity": "M3",
        "maturity_verified_at": _ago(10),
        "power_status": "E3",
        "power_mw_now": 10.0,
        "power_mw_future": 20.0,
        "power_future_year": 2028,
        "power_verified_at": _ago(10),
        "availability": "for_sale_or_lease",
        "availability_verified_at": _ago(10),
        "updated_at": UPDATED,
        "logistics": {
            "motorway_junction": {
                "distance_km": 4.0,
                "precision_km": 0.5,
                "computed_at": COMPUTED,
                "name": "Holmen",
                "road": "E18",
            },
            "rail_terminal": {
                "distance_km": 20.0,
                "precision_km": 1.0,
                "computed_at": COMPUTED,
                "name": "Alnabru",
                "road": None,
            },
            "port": {
                "distance_km": 30.0,
                "precision_km": 2.0,
                "computed_at": COMPUTED,
                "name": "Oslo havn",
                "road": None,
            },
        },
    }
    row.update(changes)
    return row


def verdict(criterion: str, row: dict[str, Any], **need: Any) -> m.Verdict:
    b = m.bounds(Requirements(**need), today=TODAY)
    (v,) = [v for v in m.evaluate(row, b) if v.criterion == criterion]
    return v


# --- area ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        (20_000.0, "meets"),  # exactly the least
        (19_999.0, "partly"),
        (16_000.0, "partly"),  # exactly 20 % below
        (15_999.0, "fails"),
        (10**7, "meets"),  # no upper bound asked
    ],
)
def test_area_at_least(area: float, expected: str) -> None:
    assert verdict("area", site(area_m2=area), area_min_m2=20_000.0).verdict == expected


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        (50_000.0, "meets"),  # exactly the most
        (50_001.0, "partly"),
        (60_000.0, "partly"),  # exactly 20 % above
        (60_001.0, "fails"),
        (1.0, "meets"),  # no lower bound asked
    ],
)
def test_area_at_most(area: float, expected: str) -> None:
    assert verdict("area", site(area_m2=area), area_max_m2=50_000.0).verdict == expected


@pytest.mark.parametrize(
    ("area", "expected"),
    [(30_000.0, "meets"), (20_000.0, "meets"), (40_000.0, "meets"), (15_000.0, "fails"), (48_001.0, "fails")],
)
def test_area_between(area: float, expected: str) -> None:
    v = verdict("area", site(area_m2=area), area_min_m2=20_000.0, area_max_m2=40_000.0)
    assert v.verdict == expected


def test_area_words_date_and_what_is_missing() -> None:
    small = verdict("area", site(area_m2=12_345.0), area_min_m2=20_000.0)
    assert (small.fact_no, small.fact_en) == ("12,3 daa", "12.3 daa")
    assert (small.needed_no, small.needed_en) == ("minst 20 daa", "at least 20 daa")
    assert small.missing_no == "areal 12,3 daa av minst 20"
    assert small.missing_en == "area 12.3 daa of at least 20"
    assert small.verified_at == dt.date(2026, 5, 2) and small.basis == "computed"
    large = verdict("area", site(area_m2=90_000.0), area_max_m2=50_000.0)
    assert (large.needed_no, large.needed_en) == ("høyst 50 daa", "at most 50 daa")
    assert large.missing_no == "areal 90 daa, høyst 50 ønsket"
    assert large.missing_en == "area 90 daa, at most 50 wanted"
    both = verdict("area", site(area_m2=30_000.0), area_min_m2=20_000.0, area_max_m2=40_500.0)
    assert (both.needed_no, both.needed_en) == ("20 daa–40,5 daa", "20 daa–40.5 daa")
    assert both.missing_no is None and both.missing_en is None


def test_area_is_never_unknown_however_old() -> None:
    old = site(updated_at=dt.datetime(2001, 1, 1, tzinfo=dt.UTC))
    v = verdict("area", old, area_min_m2=20_000.0)
    assert v.verdict == "meets" and v.verified_at == dt.date(2001, 1, 1)


# --- power now -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mw", "expected"),
    [(12.0, "meets"), (40.0, "meets"), (11.9, "partly"), (6.0, "partly"), (5.9, "fails"), (0.0, "fails")],
)
def test_power_now_bands(mw: float, expected: str) -> None:
    assert verdict("power_now", site(power_mw_now=mw), power_mw_now=12.0).verdict == expected


def test_power_now_words() -> None:
    v = verdict("power_now", site(power_mw_now=4.0, power_status="E2"), power_mw_now=12.0)
    assert v.verdict == "fails" and v.basis == "current" and v.verified_at == _ago(10)
    assert (v.fact_no, v.fact_en) == ("4 MW nå, E2 Anslått tilgjengelig", "4 MW now, E2 Estimated available")
    assert (v.needed_no, v.needed_en) == ("12 MW nå", "12 MW now")
    assert (v.missing_no, v.missing_en) == ("effekt 4 MW av 12 nå", "power 4 MW of 12 now")


def test_power_now_unknown_without_a_figure() -> None:
    v = verdict("power_now", site(power_mw_now=None), power_mw_now=1.0)
    assert (v.verdict, v.basis, v.fact_no, v.fact_en) == ("unknown", "missing", "ikke oppgitt", "not given")
    assert v.missing_no is None


def test_power_now_unverified_is_unknown_never_meets() -> None:
    v = verdict("power_now", site(power_mw_now=50.0, power_verified_at=None), power_mw_now=1.0)
    assert (v.verdict, v.basis, v.verified_at) == ("unknown", "unverified", None)
    assert v.fact_no.endswith("(ikke verifisert)") and v.fact_en.endswith("(not verified)")


def test_power_stale_from_day_181() -> None:
    current = verdict("power_now", site(power_verified_at=_ago(180)), power_mw_now=1.0)
    assert (current.verdict, current.basis) == ("meets", "current")
    stale = verdict("power_now", site(power_verified_at=_ago(181)), power_mw_now=1.0)
    assert (stale.verdict, stale.basis, stale.verified_at) == ("unknown", "stale", _ago(181))
    assert stale.fact_no.endswith(f"(verifisert {_ago(181).isoformat()}, eldre enn 180 dager)")
    assert stale.fact_en.endswith(f"(verified {_ago(181).isoformat()}, older than 180 days)")
    # A stale fact that would fail is unknown too: it cannot be relied on either way.
    low = verdict("power_now", site(power_mw_now=0.0, power_verified_at=_ago(400)), power_mw_now=10.0)
    assert low.verdict == "unknown" and low.missing_no is None


def test_power_e0_is_unknown() -> None:
    v = verdict("power_now", site(power_status="E0", power_mw_now=30.0), power_mw_now=1.0)
    assert (v.verdict, v.basis) == ("unknown", "current")
    assert "E0 Ukjent" in v.fact_no and "E0 Unknown" in v.fact_en
    assert verdict("power_now", site(power_status="E1"), power_mw_now=1.0).verdict == "meets"


# --- power by a year --------------------------------------------------------------------------------------

BY_2028 = {"power_mw_by_year": 12.0, "power_year": 2028}


@pytest.mark.parametrize(
    ("now", "future", "year", "expected"),
    [
        (12.0, None, None, "meets"),  # enough now
        (1.0, 12.0, 2028, "meets"),  # enough in the very year asked
        (1.0, 12.0, 2027, "meets"),
        (1.0, 12.0, 2029, "partly"),  # the full power a year late
        (1.0, 12.0, 2030, "partly"),  # two years late
        (1.0, 12.0, 2031, "fails"),  # three years late
        (1.0, 11.9, 2029, "fails"),  # late and not the full power
        (6.0, None, None, "partly"),  # half now
        (5.9, None, None, "fails"),
        (1.0, 6.0, 2028, "partly"),  # half by the year
        (1.0, 5.9, 2028, "fails"),
        (8.0, 2.0, 2027, "partly"),  # the most of the two counts, not the sum
        (None, 12.0, 2028, "meets"),
        (None, 6.0, 2028, "partly"),
        (None, 5.9, 2028, "fails"),
        (None, 12.0, 2031, "fails"),
        (None, 12.0, None, "unknown"),  # a future power without a year says nothing about 2028
        (None, None, 2028, "unknown"),
        (None, None, None, "unknown"),
        (12.0, 2.0, None, "meets"),
    ],
)
def test_power_by_year_bands(
    now: float | None, future: float | None, year: int | None, expected: str
) -> None:
    row = site(power_mw_now=now, power_mw_future=future, power_future_year=year)
    assert verdict("power_by_year", row, **BY_2028).verdict == expected


def test_power_by_year_words_as_the_investor_reads_them() -> None:
    v = verdict(
        "power_by_year", site(power_mw_now=5.0, power_mw_future=30.0, power_future_year=2033), **BY_2028
    )
    assert v.verdict == "fails"
    assert (v.missing_no, v.missing_en) == ("effekt 5 MW av 12 innen 2028", "power 5 MW of 12 by 2028")
    assert v.fact_no == "5 MW nå, 30 MW fra 2033, E3 Vurdert av nettselskapet"
    assert v.fact_en == "5 MW now, 30 MW from 2033, E3 Assessed by the grid company"
    later = verdict(
        "power_by_year", site(power_mw_now=8.0, power_mw_future=None), power_mw_by_year=20.0, power_year=2028
    )
    assert (later.missing_no, later.missing_en) == (
        "effekt 8 MW av 20 innen 2028",
        "power 8 MW of 20 by 2028",
    )
    assert (v.needed_no, v.needed_en) == ("12 MW innen 2028", "12 MW by 2028")
    none_now = verdict("power_by_year", site(power_mw_now=None, power_future_year=2035), **BY_2028)
    assert none_now.verdict == "fails"
    assert (none_now.missing_no, none_now.missing_en) == (
        "effekt 0 MW av 12 innen 2028",
        "power 0 MW of 12 by 2028",
    )
    assert none_now.fact_en == "20 MW from 2035, E3 Assessed by the grid company"


def test_power_by_year_unknown_when_stale_unverified_or_e0() -> None:
    stale = verdict("power_by_year", site(power_verified_at=_ago(181)), **BY_2028)
    assert (stale.verdict, stale.basis) == ("unknown", "stale")
    unverified = verdict("power_by_year", site(power_verified_at=None), **BY_2028)
    assert (unverified.verdict, unverified.basis) == ("unknown", "unverified")
    e0 = verdict("power_by_year", site(power_status="E0"), **BY_2028)
    assert e0.verdict == "unknown"
    missing = verdict("power_by_year", site(power_mw_now=None, power_mw_future=None), **BY_2028)
    assert (missing.verdict, missing.basis, missing.fact_en) == ("unknown", "missing", "not given")


def test_power_by_year_needs_its_year() -> None:
    b = m.bounds(Requirements(power_mw_by_year=12.0), today=TODAY)
    assert "power_by_year" not in b.criteria
    assert m.power_by_year_mw(site(power_mw_now=None, power_mw_future=None), 2028) is None
    assert (
        m.power_by_year_mw(site(power_mw_now=3.0, power_mw_future=None, power_future_year=2020), 2028) == 3.0
    )


# --- maturity --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [("M5", "meets"), ("M4", "meets"), ("M3", "meets"), ("M2", "partly"), ("M1", "fails"), ("M0", "fails")],
)
def test_maturity_one_step_short_is_partly(code: str, expected: str) -> None:
    assert verdict("maturity", site(maturity=code), maturity_min="M3").verdict == expected


def test_maturity_lowest_asked_has_no_partly() -> None:
    b = m.bounds(Requirements(maturity_min="M0"), today=TODAY)
    assert b.maturity_meets == ("M0", "M1", "M2", "M3", "M4", "M5") and b.maturity_partly == ()
    b5 = m.bounds(Requirements(maturity_min="M5"), today=TODAY)
    assert b5.maturity_meets == ("M5",) and b5.maturity_partly == ("M4",)


def test_maturity_words_and_staleness() -> None:
    v = verdict("maturity", site(maturity="M1"), maturity_min="M3")
    assert (v.fact_no, v.fact_en) == ("M1 Avsatt i kommuneplan", "M1 Zoned in municipal master plan")
    assert (v.needed_no, v.needed_en) == ("minst M3 Regulert", "at least M3 Zoned for business")
    assert (v.missing_no, v.missing_en) == ("modenhet M1, minst M3 ønsket", "maturity M1, at least M3 wanted")
    assert verdict("maturity", site(maturity_verified_at=_ago(365)), maturity_min="M3").verdict == "meets"
    old = verdict("maturity", site(maturity_verified_at=_ago(366)), maturity_min="M3")
    assert (old.verdict, old.basis, old.verified_at) == ("unknown", "stale", _ago(366))
    never = verdict("maturity", site(maturity_verified_at=None, maturity="M0"), maturity_min="M3")
    assert (never.verdict, never.basis) == ("unknown", "unverified")
    blank = verdict("maturity", site(maturity=None), maturity_min="M3")
    assert (blank.verdict, blank.basis) == ("unknown", "missing")


# --- availability ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "asked", "expected"),
    [
        ("for_sale_or_lease", ("for_sale_or_lease",), "meets"),
        ("optioned", ("for_sale_or_lease",), "partly"),
        ("sold", ("for_sale_or_lease",), "fails"),
        ("not_on_market", ("for_sale_or_lease",), "fails"),
        ("optioned", ("for_sale_or_lease", "optioned"), "meets"),
        ("for_sale_or_lease", ("optioned",), "fails"),
        ("sold", ("sold",), "meets"),
    ],
)
def test_availability(code: str, asked: tuple[str, ...], expected: str) -> None:
    assert verdict("availability", site(availability=code), availability=asked).verdict == expected


def test_availability_words_and_staleness() -> None:
    v = verdict("availability", site(availability="sold"), availability=("for_sale_or_lease", "optioned"))
    assert (v.needed_no, v.needed_en) == (
        "Til salgs / utleie eller Opsjon / reservert",
        "For sale / lease or Optioned / reserved",
    )
    assert (v.fact_no, v.fact_en) == ("Solgt", "Sold")
    assert (v.missing_no, v.missing_en) == ("tilgjengelighet solgt", "availability sold")
    fresh = verdict(
        "availability", site(availability_verified_at=_ago(180)), availability=("for_sale_or_lease",)
    )
    assert fresh.verdict == "meets"
    stale = verdict(
        "availability", site(availability_verified_at=_ago(181)), availability=("for_sale_or_lease",)
    )
    assert (stale.verdict, stale.basis) == ("unknown", "stale")
    never = verdict("availability", site(availability_verified_at=None), availability=("sold",))
    assert (never.verdict, never.basis) == ("unknown", "unverified")
    blank = verdict("availability", site(availability=None), availability=("sold",))
    assert (blank.verdict, blank.basis) == ("unknown", "missing")


# --- land use --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uses", "asked", "expected"),
    [
        (["1340"], ("1340",), "meets"),
        (["1310", "1340"], ("1350", "1340"), "meets"),
        (["1826"], ("1350",), "partly"),  # industry / warehouse holds warehouse
        (["1350"], ("1826",), "partly"),
        (["1300"], ("1340",), "partly"),  # general business
        (["1340"], ("1300",), "partly"),
        (["1810"], ("1800",), "partly"),
        (["1310"], ("1340",), "fails"),
        (["1320"], ("1826",), "fails"),
        ([], ("1340",), "unknown"),
        (None, ("1340",), "unknown"),
    ],
)
def test_use(uses: list[str] | None, asked: tuple[str, ...], expected: str) -> None:
    assert verdict("use", site(uses=uses), use_codes=asked).verdict == expected


def test_use_related_is_symmetric_and_never_itself() -> None:
    for code, related in m.USE_RELATED.items():
        assert code not in related
        assert all(code in m.USE_RELATED[other] for other in related)
    assert m.USE_RELATED["1825"] == frozenset({"1310", "1350", "1800"})
    b = m.bounds(Requirements(use_codes=("1350", "1825")), today=TODAY)
    assert b.use_related == ("1300", "1310", "1800", "1826")


def test_use_words() -> None:
    v = verdict("use", site(uses=["1310", "1320"]), use_codes=("1340",))
    assert (v.fact_no, v.fact_en) == ("Kontor, Hotell/overnatting", "Office, Hotel / accommodation")
    assert (v.missing_no, v.missing_en) == (
        "arealformål kontor, hotell/overnatting",
        "land use office, hotel / accommodation",
    )
    assert (v.needed_no, v.needed_en) == ("Industri", "Industry")
    assert v.verified_at == dt.date(2026, 5, 2) and v.basis == "computed"
    blank = verdict("use", site(uses=[]), use_codes=("1340",))
    assert (blank.basis, blank.verified_at, blank.fact_no) == ("missing", dt.date(2026, 5, 2), "ikke oppgitt")


# --- distances -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "expected"),
    [(30.0, "meets"), (40.0, "meets"), (29.9, "partly"), (28.0, "partly"), (27.9, "fails")],
)
def test_distance_partly_within_the_node_precision(limit: float, expected: str) -> None:
    # the port is 30 km away, its coordinate good to ±2 km
    assert verdict("distance_port", site(), max_km={"port": limit}).verdict == expected


def test_distance_words_and_date() -> None:
    v = verdict("distance_motorway_junction", site(), max_km={"motorway_junction": 3.0})
    assert v.verdict == "fails" and v.basis == "computed" and v.verified_at == dt.date(2026, 4, 3)
    assert (v.fact_no, v.fact_en) == ("4 km til Holmen (E18) (±0,5 km)", "4 km to Holmen (E18) (±0.5 km)")
    assert (v.needed_no, v.needed_en) == (
        "høyst 3 km til hovedvegtilknytning",
        "at most 3 km to main road access",
    )
    assert (v.missing_no, v.missing_en) == (
        "hovedvegtilknytning 4 km av høyst 3",
        "main road access 4 km of at most 3",
    )
    rail = verdict("distance_rail_terminal", site(), max_km={"rail_terminal": 25.0})
    assert rail.fact_en == "20 km to Alnabru (±1 km)" and rail.verdict == "meets"


def test_distance_unknown_without_a_computed_distance() -> None:
    v = verdict("distance_airport", site(), max_km={"airport": 500.0})
    assert (v.verdict, v.basis, v.verified_at, v.fact_en) == ("unknown", "missing", None, "not given")
    none = verdict("distance_port", site(logistics=None), max_km={"port": 500.0})
    assert none.verdict == "unknown"
    no_precision = site(logistics={"port": {"distance_km": 10.5, "precision_km": None, "computed_at": None}})
    assert verdict("distance_port", no_precision, max_km={"port": 10.0}).verdict == "fails"


def test_distance_is_never_unknown_because_old() -> None:
    old = site()
    old["logistics"]["port"]["computed_at"] = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)
    v = verdict("distance_port", old, max_km={"port": 31.0})
    assert (v.verdict, v.verified_at) == ("meets", dt.date(2001, 1, 1))


# --- criteria, scores and ranking -------------------------------------------------------------------------


def test_only_stated_criteria_are_evaluated_in_a_fixed_order() -> None:
    every = Requirements(
        area_min_m2=1.0,
        power_mw_now=1.0,
        power_mw_by_year=1.0,
        power_year=2030,
        earliest_start=dt.date(2027, 1, 1),
        maturity_min="M1",
        availability=("sold",),
        use_codes=("1340",),
        max_km={"airport": 1.0, "motorway_junction": 1.0},
        kommuner=("3203",),
    )
    b = m.bounds(every, today=TODAY)
    assert b.criteria == (
        "area",
        "power_now",
        "power_by_year",
        "maturity",
        "availability",
        "use",
        "distance_motorway_junction",
        "distance_airport",
    )
    assert [v.criterion for v in m.evaluate(site(), b)] == list(b.criteria)
    assert m.bounds(Requirements(area_max_m2=5.0), today=TODAY).criteria == ("area",)
    start_only = m.bounds(Requirements(earliest_start=dt.date(2027, 1, 1), kommuner=("3203",)), today=TODAY)
    assert start_only.criteria == ()


def test_nothing_asked_every_site_meets_fully() -> None:
    a = m.assess(site(), m.bounds(Requirements(), today=TODAY))
    assert a.verdicts == () and a.score == 1.0 and a.points == 0 and a.fails == 0 and a.closeness == 0.0


def test_score_points_fails_and_what_is_missing() -> None:
    need = Requirements(
        area_min_m2=20_000.0, power_mw_now=12.0, maturity_min="M4", max_km={"airport": 10.0, "port": 29.0}
    )
    a = m.assess(site(power_mw_now=4.0), m.bounds(need, today=TODAY))
    # area meets 4, power fails 0, maturity partly 2, port partly 2, airport unknown 1
    assert [v.verdict for v in a.verdicts] == ["meets", "fails", "partly", "partly", "unknown"]
    assert a.points == 9 and a.fails == 1 and a.verified == 4
    assert a.score == pytest.approx(9 / 20)
    assert a.missing_no == ["effekt 4 MW av 12 nå"] and a.missing_en == ["power 4 MW of 12 now"]
    assert a.closeness == pytest.approx(1.5)  # 50 daa against 20


def test_bounds_are_the_thresholds_of_the_rules() -> None:
    b = m.bounds(
        Requirements(
            area_min_m2=10_000.0,
            area_max_m2=30_000.0,
            power_mw_now=8.0,
            power_mw_by_year=20.0,
            power_year=2029,
        ),
        today=TODAY,
    )
    assert (b.area_low_m2, b.area_high_m2, b.area_target_m2) == (8000.0, 36000.0, 20000.0)
    assert (b.power_now_half_mw, b.power_by_year_half_mw, b.power_late_year) == (4.0, 10.0, 2031)
    assert b.fresh_since == {"maturity": _ago(365), "power": _ago(180), "availability": _ago(180)}
    only_max = m.bounds(Requirements(area_max_m2=30_000.0), today=TODAY)
    assert (only_max.area_low_m2, only_max.area_target_m2) == (None, 30_000.0)
    assert m.bounds(Requirements(availability=("for_sale_or_lease",)), today=TODAY).availability_partly == (
        "optioned",
    )
    assert m.bounds(Requirements(availability=("sold",)), today=TODAY).availability_partly == ()


@pytest.mark.parametrize(
    ("need", "area", "closeness"),
    [
        ({"area_min_m2": 20_000.0, "area_max_m2": 40_000.0}, 30_000.0, 0.0),
        ({"area_min_m2": 20_000.0, "area_max_m2": 40_000.0}, 45_000.0, 0.5),
        ({"area_min_m2": 20_000.0}, 10_000.0, 0.5),
        ({"area_max_m2": 40_000.0}, 50_000.0, 0.25),
        ({"area_min_m2": 0.0}, 1234.0, 1234.0),
        ({}, 1234.0, 0.0),
    ],
)
def test_area_closeness(need: dict[str, float], area: float, closeness: float) -> None:
    assert m.area_closeness(area, m.bounds(Requirements(**need), today=TODAY)) == closeness


def test_ranking_points_then_relied_on_facts_then_area_then_id() -> None:
    need = Requirements(area_min_m2=20_000.0, area_max_m2=40_000.0, power_mw_now=10.0, maturity_min="M3")
    b = m.bounds(need, today=TODAY)
    best = site(id=9, area_m2=30_000.0)  # 12 points
    unverified_power = site(id=2, area_m2=30_000.0, power_verified_at=None)  # 4 + 1 + 4 = 9, 2 verified
    partly_power = site(id=3, area_m2=30_000.0, power_mw_now=6.0, maturity="M2")  # 4 + 2 + 2 = 8
    far_area = site(id=4, area_m2=21_000.0, power_verified_at=None)  # 9 points, 2 verified, further
    same_as_4 = site(id=5, area_m2=21_000.0, power_verified_at=None)
    half = site(
        id=1, area_m2=30_000.0, power_mw_now=6.0, maturity_verified_at=None, maturity="M2"
    )  # 4+2+1 = 7
    assessed = [m.assess(s, b) for s in (half, same_as_4, far_area, partly_power, unverified_power, best)]
    assert [a.site_id for a in m.ranked(assessed)] == [9, 2, 4, 5, 3, 1]
    a3 = next(a for a in assessed if a.site_id == 3)
    a1 = next(a for a in assessed if a.site_id == 1)
    assert a3.sort_key == (-8, -3, 0.0, 3) and a1.sort_key == (-7, -2, 0.0, 1)


def test_verdict_json() -> None:
    v = verdict("power_now", site(power_mw_now=4.0), power_mw_now=12.0)
    assert v.to_json() == {
        "criterion": "power_now",
        "verdict": "fails",
        "fact_no": "4 MW nå, E3 Vurdert av nettselskapet",
        "fact_en": "4 MW now, E3 Assessed by the grid company",
        "needed_no": "12 MW nå",
        "needed_en": "12 MW now",
        "verified_at": _ago(10).isoformat(),
        "basis": "current",
        "missing_no": "effekt 4 MW av 12 nå",
        "missing_en": "power 4 MW of 12 now",
    }
    unknown = verdict("power_now", site(power_verified_at=None), power_mw_now=12.0).to_json()
    assert unknown["verified_at"] is None and unknown["missing_en"] is None


@pytest.mark.parametrize(
    ("value", "no", "en"),
    [
        (8.0, "8", "8"),
        (12.25, "12,2", "12.2"),
        (0.04, "0", "0"),
        (1234.5, "1234,5", "1234.5"),
        (-0.01, "0", "0"),
    ],
)
def test_numbers_as_people_write_them(value: float, no: str, en: str) -> None:
    assert (m._num(value, "no"), m._num(value, "en")) == (no, en)


# --- decimals as each language writes them (a decimal comma in Norwegian) --------------------------------


def test_power_now_decimals_in_both_languages() -> None:
    v = verdict("power_now", site(power_mw_now=2.5, power_status="E2"), power_mw_now=7.5)
    assert (v.needed_no, v.needed_en) == ("7,5 MW nå", "7.5 MW now")
    assert (v.fact_no, v.fact_en) == (
        "2,5 MW nå, E2 Anslått tilgjengelig",
        "2.5 MW now, E2 Estimated available",
    )
    assert (v.missing_no, v.missing_en) == ("effekt 2,5 MW av 7,5 nå", "power 2.5 MW of 7.5 now")
    assert (v.verdict, v.basis, v.verified_at) == ("fails", "current", _ago(10))


def test_power_by_year_decimals_in_both_languages() -> None:
    row = site(power_mw_now=1.5, power_mw_future=2.5, power_future_year=2027)
    v = verdict("power_by_year", row, power_mw_by_year=12.5, power_year=2028)
    assert (v.needed_no, v.needed_en) == ("12,5 MW innen 2028", "12.5 MW by 2028")
    assert v.fact_no == "1,5 MW nå, 2,5 MW fra 2027, E3 Vurdert av nettselskapet"
    assert v.fact_en == "1.5 MW now, 2.5 MW from 2027, E3 Assessed by the grid company"
    assert (v.missing_no, v.missing_en) == (
        "effekt 2,5 MW av 12,5 innen 2028",
        "power 2.5 MW of 12.5 by 2028",
    )
    assert (v.verdict, v.basis, v.verified_at) == ("fails", "current", _ago(10))


def test_power_by_year_unknown_keeps_its_date_and_words() -> None:
    v = verdict("power_by_year", site(power_mw_now=1.5, power_verified_at=_ago(200)), **BY_2028)
    assert (v.verdict, v.basis, v.verified_at) == ("unknown", "stale", _ago(200))
    assert v.fact_no.startswith("1,5 MW nå, 20 MW fra 2028") and v.fact_en.startswith(
        "1.5 MW now, 20 MW from 2028"
    )
    e0 = verdict("power_by_year", site(power_status="E0"), **BY_2028)
    assert (e0.basis, e0.verified_at) == ("current", _ago(10))
    meets = verdict("power_by_year", site(), **BY_2028)
    assert (meets.verdict, meets.basis, meets.missing_no) == ("meets", "current", None)


def test_power_now_unknown_keeps_its_date() -> None:
    e0 = verdict("power_now", site(power_status="E0", power_mw_now=2.5), power_mw_now=1.0)
    assert (e0.verdict, e0.verified_at) == ("unknown", _ago(10))
    assert e0.fact_no.startswith("2,5 MW nå") and e0.fact_en.startswith("2.5 MW now")
