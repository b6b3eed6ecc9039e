"""Column recognition (etl/columns.py): by header, by mapping, and by values when no header names a field."""

from __future__ import annotations

import pandas as pd

from etl.columns import normalise_columns

KOMMUNER = {"3301", "3203", "3025"}


def _normalise(columns: dict[str, list[object]]) -> tuple[dict[str, str], list[str]]:
    frame = pd.DataFrame(columns, dtype=object)
    _, used, issues = normalise_columns(frame, kommune_numbers=KOMMUNER)
    return used, [i.issue_type for i in issues if i.severity == "error"]


def test_values_name_a_column_its_header_does_not() -> None:
    used, errors = _normalise(
        {
            "Lokalitet": ["Holmen", "Brakerøya"],
            "Plansituasjon": ["Regulert", "M2"],
            "Nett": ["E2", "E4"],
            "Markedsstatus": ["Til salgs", "Solgt"],
            "Størrelse": ["24 800 m²", "3,5 daa"],
            "Kommune": [3301, "3025"],  # an old number is still a kommune number
        }
    )
    assert used == {
        "Lokalitet": "name",
        "Plansituasjon": "maturity",
        "Nett": "power_status",
        "Markedsstatus": "availability",
        "Størrelse": "area_m2",
        "Kommune": "kommune_nr",
    }
    assert errors == []


def test_values_that_fit_two_fields_or_not_all_fit_are_not_guessed() -> None:
    used, _ = _normalise(
        {
            "navn": ["A", "B"],
            "modenhet": ["M3", "M3"],
            "Status": ["Reservert", "reservert"],  # power E4 or availability optioned: left alone
            "Tall": ["24800", "3500"],  # plain numbers could be anything
            "Nr": ["1234", "3301"],  # 1234 is no kommune
            "Notat": ["Regulert", "se planen"],  # one word fits, the other does not
        }
    )
    assert used == {"navn": "name", "modenhet": "maturity"}


def test_a_header_wins_over_values() -> None:
    used, _ = _normalise({"navn": ["A"], "modenhet": ["M3"], "Plansituasjon": ["M2"]})
    assert used == {"navn": "name", "modenhet": "maturity"}  # maturity is taken; the other stays extra


def test_required_fields_without_a_column_are_one_error_each() -> None:
    frame = pd.DataFrame({"Tomt": ["T-1"] * 50, "Plan": ["se planen"] * 50}, dtype=object)
    _, _, issues = normalise_columns(frame)
    errors = [(i.issue_type, i.row, i.field) for i in issues if i.severity == "error"]
    assert errors == [("column-missing", None, "name"), ("column-missing", None, "maturity")]
