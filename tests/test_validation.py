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
