"""The pure rules of a site's history (registry/history.py): the action people name, and the fields a
change changed, with labels and list values."""

from __future__ import annotations

import pytest

from registry.history import FieldChange, action_of, array_value, changes, value_of


@pytest.mark.parametrize(
    ("stored", "was", "now", "named"),
    [
        ("insert", None, "draft", "insert"),
        ("archive", "published", "archived", "archive"),
        ("delete", "draft", None, "delete"),
        ("update", "archived", "draft", "restore"),
        ("update", "archived", "published", "restore"),
        ("update", "draft", "published", "publish"),
        ("update", "published", "draft", "unpublish"),
        ("update", "published", "published", "update"),
        ("update", "draft", "draft", "update"),
        ("update", "archived", "archived", "update"),
    ],
)
def test_action_named(stored: str, was: str | None, now: str | None, named: str) -> None:
    before = None if was is None else {"status": was}
    after = None if now is None else {"status": now}
    assert action_of(stored, before, after) == named


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("{}", []),
        ("{1340}", ["1340"]),
        ("{1340,1350}", ["1340", "1350"]),
        ('{"a b","c,d"}', ["a b", "c,d"]),
        ('{"x \\"y\\""}', ['x "y"']),
        ('{""}', [""]),
        ("plain", ["plain"]),
        ("{a", ["{a"]),
        ("a}", ["a}"]),
        ("}", ["}"]),
        ("{", ["{"]),
        ("{a,}", ["a", ""]),
        ("{,a}", ["", "a"]),
        ('{"a\\\\b"}', ["a\\b"]),
        ("  {x,y}  ", ["x", "y"]),
    ],
)
def test_array_literals(text: str, items: list[str]) -> None:
    assert array_value(text) == items


def test_array_columns_only_become_lists() -> None:
    assert value_of("uses", "{1340,1350}") == ["1340", "1350"]
    assert value_of("name", "{not a list}") == "{not a list}"
    assert value_of("uses", None) is None


def test_update_lists_changed_fields_in_record_order_with_labels_and_skips_updated_at() -> None:
    before = {"name": "A", "maturity": "M2", "power_mw_now": 4, "updated_at": "x", "uses": "{1340}"}
    after = {"name": "A", "maturity": "M3", "power_mw_now": 9, "updated_at": "y", "uses": "{1340,1350}"}
    found = changes(before, after)
    by = {c.field: c for c in found}
    assert set(by) == {"maturity", "power_mw_now", "uses"}
    assert (by["maturity"].before, by["maturity"].after) == ("M2", "M3")
    assert (by["uses"].before, by["uses"].after) == (["1340"], ["1340", "1350"])
    assert by["maturity"].label_no and by["maturity"].label_en and by["maturity"].label_no != "maturity"


def test_order_follows_the_site_record() -> None:
    from schemas.site import FIELDS_BY_COLUMN

    order = list(FIELDS_BY_COLUMN)
    before = {c: 1 for c in order}
    after = {c: 2 for c in order if c != "updated_at"} | {"updated_at": 1, "zz_unknown": 3}
    found = [c.field for c in changes(before, after)]
    assert found == [c for c in order if c != "updated_at"] + ["zz_unknown"]
    unknown = changes({}, {"zz_unknown": 1})[0]
    assert (unknown.label_no, unknown.label_en) == ("zz_unknown", "zz_unknown")


def test_insert_lists_only_given_values() -> None:
    found = changes(None, {"name": "Ny", "description_no": None, "links": "{}", "area_m2": 1200.5})
    assert {c.field: (c.before, c.after) for c in found} == {"name": (None, "Ny"), "area_m2": (None, 1200.5)}


def test_a_cleared_value_is_a_change() -> None:
    found = changes({"description_no": "Tekst"}, {"description_no": None})
    assert [(c.field, c.before, c.after) for c in found] == [("description_no", "Tekst", None)]
    assert changes({"name": "A"}, {"name": "A"}) == []


def test_to_json() -> None:
    c = FieldChange("name", "Navn", "Name", "A", "B")
    assert c.to_json() == {
        "field": "name",
        "label_no": "Navn",
        "label_en": "Name",
        "before": "A",
        "after": "B",
    }


@pytest.mark.parametrize(
    ("column", "stored", "shown"),
    [
        ("power_mw_now", "4.5", 4.5),
        ("power_mw_now", "4", 4.0),
        ("power_future_year", "2028", 2028),
        ("power_future_year", 2028, 2028),
        ("is_demo", "t", True),
        ("is_demo", "f", False),
        ("is_demo", True, True),
        ("is_demo", "true", True),
        ("is_demo", "false", False),
        ("is_demo", "ja", "ja"),
        ("name", 12, "12"),
        ("kommune_nr", "0301", "0301"),
        ("kommune_nr", 301, "0301"),  # an older row's loose number, padded again
        ("name", 1234, "1234"),
        ("name", "1234", "1234"),
        ("maturity_verified_at", "2026-09-01", "2026-09-01"),
        ("power_mw_now", "mange", "mange"),
        ("id", "16", 16),
        ("zz_unknown", "7", "7"),
    ],
)
def test_values_are_read_back_by_declared_type(column: str, stored: object, shown: object) -> None:
    value = value_of(column, stored)
    assert value == shown and type(value) is type(shown)
