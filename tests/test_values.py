"""Value parsing, cell by cell: what a kommune types and what the registry reads (etl/values.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from etl.values import (
    _code_index,
    _has_area_unit,
    _number_text,
    parse_code,
    parse_codes,
    parse_date,
    parse_kommune_nr,
    parse_text,
    parse_values,
    recognise_field,
)
from schemas.taxonomy import MATURITY, POWER, SOSI_USE

SEPT_1 = dt.date(2026, 9, 1)


@pytest.mark.parametrize(
    "raw",
    [
        "2026-09-01",
        "2026-09-01T10:00:00",
        "2026-09-01T10:00:00Z",
        "2026-09-01T10:00:00.123+02:00",
        "2026-09-01 10:00",
        "01.09.2026",
        "01.09.2026 10:00",
        "1.9.26",
        "01/09/2026",
        "2026/09/01",
        "01-09-2026",
        "20260901",
        pd.Timestamp("2026-09-01 23:59"),
        dt.datetime(2026, 9, 1, 3, 0),
        SEPT_1,
    ],
)
def test_dates_in_every_written_form(raw: Any) -> None:
    assert parse_date(raw).value == SEPT_1 and parse_date(raw).issue is None


@pytest.mark.parametrize("raw", ["1. september", "2026-13-01", "32.01.2026", "10:00", "2026-09-01T"])
def test_what_is_not_a_date_is_said(raw: str) -> None:
    assert (parse_date(raw).value, parse_date(raw).issue) == (None, "date-invalid")


@pytest.mark.parametrize("raw", [None, "", "  ", "-", float("nan"), pd.NaT])
def test_blank_dates_are_missing_not_wrong(raw: Any) -> None:
    assert (parse_date(raw).value, parse_date(raw).issue) == (None, None)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1 200,5", 1200.5),
        ("1\u00a0200,5", 1200.5),
        ("1'200", 1200.0),
        ("1.200.000", 1_200_000.0),
        ("1,200,000", 1_200_000.0),
        ("12,5", 12.5),
        ("-3", -3.0),
        ("abc", None),
    ],
)
def test_number_text(text: str, number: float | None) -> None:
    assert _number_text(text) == number


@pytest.mark.parametrize(
    ("raw", "nr", "issue"),
    [
        (301, "0301", None),
        (301.0, "0301", None),
        (np.int64(3203), "3203", None),
        ("301", "0301", None),
        (" 3203 ", "3203", None),
        (301.5, None, "kommune-unknown"),
        ("Asker", None, "kommune-unknown"),
        ("32031", None, "kommune-unknown"),
        (True, None, "kommune-unknown"),
        (None, None, None),
    ],
)
def test_kommune_numbers(raw: Any, nr: str | None, issue: str | None) -> None:
    got = parse_kommune_nr(raw)
    assert (got.value, got.issue) == (nr, issue)


def test_text_is_stripped_and_whole_numbers_lose_their_decimals() -> None:
    assert parse_text("  Billingstad ").value == "Billingstad"
    assert parse_text(2019004.0).value == "2019004"
    assert parse_text(12.5).value == "12.5"
    assert parse_text(" - ").value is None


@pytest.mark.parametrize(
    ("raw", "codes", "issue"),
    [
        ("1340;1350", ["1340", "1350"], None),
        ("1340, 1350 | 1350", ["1340", "1350"], None),
        ("1340+1350", ["1340", "1350"], None),
        (1340, ["1340"], None),
        (1340.0, ["1340"], None),
        ("industri/lager", ["1826"], None),
        ("annen næring", ["1390"], "code-normalised"),  # "annen" alone is nothing: the whole phrase is
        ("", [], None),
        (None, [], None),
    ],
)
def test_lists_of_codes(raw: Any, codes: list[str], issue: str | None) -> None:
    got = parse_codes(raw, SOSI_USE)
    assert (got.value, got.issue) == (codes, issue)


def test_a_whole_phrase_alias_names_its_code_in_english() -> None:
    assert parse_codes("annen næring", SOSI_USE).detail == "1390 (Other business)"


def test_an_unknown_code_in_a_list_refuses_the_list_with_a_suggestion() -> None:
    got = parse_codes("1340;lagerbyg", SOSI_USE)
    assert (got.value, got.issue) == (None, "unknown-code")
    assert got.detail == " — mente du 1350 (Lager)?"
    assert got.detail_en == " — did you mean 1350 (Warehouse)?"
    assert parse_codes(True, SOSI_USE).issue == "unknown-code"  # a tick box is not a code


def test_an_unknown_code_far_from_any_lists_the_allowed_ones() -> None:
    got = parse_code("zzz", MATURITY)
    assert (got.value, got.issue) == (None, "unknown-code")
    assert got.detail == got.detail_en == ": M0, M1, M2, M3, M4, M5."


def test_a_near_miss_suggests_the_closest_code_in_both_languages() -> None:
    got = parse_code("regulertt", MATURITY)
    assert got.issue == "unknown-code"
    assert got.detail == " — mente du M3 (Regulert)?"
    assert got.detail_en == " — did you mean M3 (Zoned for business)?"


def test_codes_are_found_by_code_label_and_alias() -> None:
    index = _code_index(POWER)
    assert index["e2"] == "E2"
    assert all(code in POWER for code in index.values())
    assert {index[k] for k in index if k.startswith("e")} >= set(POWER.codes)
    assert parse_code("Regulert", MATURITY).value == "M3"
    assert parse_code("M3 Regulert", MATURITY).value == "M3"


def test_links_split_on_spaces_commas_and_semicolons_keeping_the_rows() -> None:
    frame = pd.DataFrame({"links": ["https://a.no; https://b.no", "https://c.no,https://d.no e.no", None]})
    frame.index = [7, 8, 9]
    values, issues = parse_values(frame)
    assert issues == []
    assert values["links"].to_dict() == {
        7: ["https://a.no", "https://b.no"],
        8: ["https://c.no", "https://d.no", "e.no"],
        9: [],
    }


@pytest.mark.parametrize(
    ("raw", "yes"),
    [
        ("24 800 m²", True),
        ("25 daa", True),
        ("2,5 ha", True),
        ("25 000", False),
        ("25 MW", False),
        (25, False),
    ],
)
def test_an_area_is_recognised_by_its_unit(raw: Any, yes: bool) -> None:
    assert _has_area_unit(raw) is yes


def test_a_coded_column_with_too_many_distinct_values_is_free_text() -> None:
    few = pd.Series(["M3", "M4", "regulert"] * 10)
    assert recognise_field(few, candidates=["maturity", "power_status"]) == "maturity"
    many = pd.Series([f"M{i % 6} område {i}" for i in range(150)])  # leading codes, but 150 distinct texts
    assert recognise_field(many, candidates=["maturity"]) is None
