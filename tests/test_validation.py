"""The one validation module: a single record gets exactly the issues the file intake gives its row."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from etl.validate import BOUNDS, check_bounds, validate_frame, validate_record

TODAY = dt.date(2026, 11, 1)
GOOD = {
    "reference": "R-1",
    "name": "Testområde",
    "maturity": "M3",
    "maturity_verified_at": dt.date(2026, 9, 1),
    "power_status": "E2",
    "power_mw_now": 4.0,
    "availability": "for_sale_or_lease",
    "land_control": "kommune",
}


def _slugs(issues: list) -> list[tuple[str, str | None]]:
    return [(i.issue_type, i.field) for i in issues]


def test_a_clean_record_has_no_issue() -> None:
    assert validate_record(GOOD, today=TODAY) == []


def test_record_and_frame_give_the_same_issues() -> None:
    bad = {
        **GOOD,
        "name": None,
        "power_status": "E1",
        "power_future_year": 1990,
        "power_mw_future": -3.0,
        "availability_verified_at": dt.date(2027, 1, 1),
    }
    from_record = validate_record(bad, today=TODAY)
    frame = pd.DataFrame([bad], dtype=object)
    rows = np.array([1])
    from_frame = check_bounds(frame, rows) + validate_frame(frame, rows, today=TODAY)
    assert _slugs(from_record) == _slugs(from_frame)
    assert set(_slugs(from_record)) == {
        ("missing-value", "name"),
        ("value-out-of-range", "power_future_year"),
        ("negative-value", "power_mw_future"),
        ("date-future", "availability_verified_at"),
        # the year was cleared as out of range, so E1 has no year any more
        ("facts-contradict", "power_future_year"),
    }


def test_bounds_are_inclusive_and_cleared_when_broken() -> None:
    year = BOUNDS["power_future_year"]
    assert year.minimum is not None and year.maximum is not None
    frame = pd.DataFrame(
        {"power_future_year": [year.minimum, year.maximum, year.minimum - 1, year.maximum + 1, None]},
        dtype=object,
    )
    issues = check_bounds(frame, np.arange(1, 6))
    assert [(i.row, i.issue_type) for i in issues] == [(3, "value-out-of-range"), (4, "value-out-of-range")]
    assert frame["power_future_year"].tolist()[:4] == [year.minimum, year.maximum, None, None]


def test_dates_before_the_earliest_are_questioned() -> None:
    issues = validate_record({**GOOD, "maturity_verified_at": dt.date(1999, 12, 31)}, today=TODAY)
    assert _slugs(issues) == [("date-too-early", "maturity_verified_at")]
    assert validate_record({**GOOD, "maturity_verified_at": dt.date(2000, 1, 1)}, today=TODAY) == []


def test_record_rules_use_the_given_day_and_name_row_one() -> None:
    """The single-record path is row 1 and judges dates against the day it is given, not the clock."""
    issues = validate_record({**GOOD, "maturity_verified_at": dt.date(2021, 1, 1)}, today=dt.date(2020, 6, 1))
    assert [(i.issue_type, i.row) for i in issues] == [("date-future", 1)]


def test_bounds_describe_themselves() -> None:
    assert BOUNDS["power_future_year"].describe() == "2000–2100"
    assert BOUNDS["area_m2"].describe() == "≥ 0"
    from etl.validate import Bounds

    assert Bounds(maximum=5).describe() == "≤ 5"


def test_derived_references_are_readable_and_stable() -> None:
    import shapely

    from etl.validate import _slug, geometry_key

    assert _slug("-- Ås næringspark, felt B! --") == "as-naeringspark-felt-b"
    assert len(_slug("x" * 80)) == 60
    square = shapely.box(0, 0, 100, 100)
    same_within_a_millimetre = shapely.box(0.004, 0, 100, 100.004)
    reversed_ring = shapely.Polygon(list(square.exterior.coords)[::-1])
    assert geometry_key(square) == geometry_key(same_within_a_millimetre) == geometry_key(reversed_ring)
    assert geometry_key(square) != geometry_key(shapely.box(0, 0, 100, 100.02))
    assert len(geometry_key(square)) == 10


def test_kommune_index_describes_known_and_unknown_numbers() -> None:
    from etl.lookup import KommuneIndex

    index = KommuneIndex(names={"3203": "Asker"}, old_to_new={"3025": "3203"})
    assert index.describe("3203") == "3203 Asker"
    assert index.describe("9999") == "9999"
    assert index.resolve("3025") == ("3203", True)
    assert index.resolve("3203") == ("3203", False)
    assert index.resolve("9999") == (None, False)
