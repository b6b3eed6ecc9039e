"""The corpus of bad kommune files (issue 3 §8): every file through the whole pipeline, exact issues asserted.

Fixtures come from scripts/make_submission_fixtures.py (committed under tests/fixtures/submissions/); sites
are placed inside, across or outside the real kommune outlines. Rows are feature numbers (1-based) for
geodata and the spreadsheet's own line numbers for CSV and Excel (the header is line 1, or lower under a
title). Each case lists every error and warning by (issue type, row), exactly, and the info issues the
kommune should see; a file or row that is refused must leave the site tables as they were.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from cli.main import app
from registry.services.submissions import (
    EXIT_REJECTED,
    EXIT_WARNINGS,
    SubmissionResult,
    SubmitOptions,
    run_submission,
)
from tests.conftest import table_counts

FIXTURES = Path(__file__).parent / "fixtures" / "submissions"
TODAY = dt.date(2026, 11, 27)  # verification dates in the corpus are 2026-07 … 2026-09; 2027 is the future
SITE_TABLES = ("site", "site_history", "site_match")

Pair = tuple[str, int | None]


@dataclass(frozen=True)
class Case:
    file: str
    kommune: str
    problems: frozenset[Pair]  # every error and warning, exactly
    loaded: int  # rows loaded; 0 with rejected=True when nothing is
    infos: frozenset[Pair] = field(default_factory=frozenset)  # info issues that must be among them
    rejected: bool = False


def case(
    file: str,
    kommune: str,
    problems: set[Pair],
    loaded: int,
    infos: set[Pair] | None = None,
    *,
    rejected: bool = False,
) -> object:
    return pytest.param(
        Case(file, kommune, frozenset(problems), loaded, frozenset(infos or ()), rejected),
        id=f"{file}@{kommune}",
    )


ASKER, BAERUM, OSLO, DRAMMEN, LILLESTROM = "3203", "3201", "0301", "3301", "3205"

CORPUS = [
    # --- §4 issue types ---
    case(
        "missing_required.geojson",
        ASKER,
        # row 4 has no reference: one is made of the kommune and the name, with a warning, and it loads
        {("missing-value", 2), ("missing-value", 3), ("reference-derived", 4)},
        loaded=2,
    ),
    case(
        "no_valid_rows.geojson",
        LILLESTROM,
        {("missing-value", 1), ("reference-derived", 1), ("unknown-code", 2), ("missing-value", 2)},
        loaded=0,
        rejected=True,
    ),
    # columns known by their values and by common Norwegian headers; no reference column at all
    case(
        "own_headers.xlsx",
        DRAMMEN,
        {
            ("reference-column-missing", None),
            ("crs-assumed", None),
            ("point-site", 2),
            ("point-site", 3),
            ("point-site", 4),
        },
        loaded=3,
        infos={("column-recognised", None), ("coordinate-columns", None)},
    ),
    # a required field with no column: one error for the file, none per row
    case(
        "no_maturity_column.csv",
        DRAMMEN,
        {("column-missing", None), ("reference-column-missing", None)},
        loaded=0,
        rejected=True,
    ),
    case(
        "unknown_codes.gpkg",
        BAERUM,
        {("unknown-code", 1), ("unknown-code", 3), ("unknown-code", 4)},
        loaded=2,
        infos={("code-normalised", 2), ("code-normalised", 5)},
    ),
    case(
        "numbers_with_units.csv",
        OSLO,
        {("number-invalid", 4), ("negative-value", 5)},
        loaded=2,
        infos={
            ("number-converted", 2),
            ("number-converted", 3),
            ("number-converted", 4),
            ("crs-column", None),
        },
    ),
    case(
        "dates.geojson", LILLESTROM, {("date-invalid", 2), ("date-invalid", 4), ("date-future", 3)}, loaded=2
    ),
    case(
        "old_kommune_numbers.xlsx",
        ASKER,
        {
            ("kommune-old-number", 2),
            ("kommune-old-number", 3),
            ("kommune-unknown", 4),
            ("point-site", 2),
            ("point-site", 3),
            ("point-site", 4),
        },
        loaded=2,
        infos={("crs-column", None)},
    ),
    case(
        "old_kommune_numbers_lonlat.geojson",
        "3025",
        {("kommune-old-number", None), ("kommune-old-number", 1), ("kommune-old-number", 2)},
        loaded=2,
    ),
    case(
        "unknown_kommune.geojson",
        OSLO,
        {("kommune-unknown", 2), ("kommune-unknown", 3), ("kommune-mismatch", 4)},
        loaded=1,
    ),
    case("unknown_kommune.geojson", "9999", {("kommune-unknown", None)}, loaded=0, rejected=True),
    case("crs_missing_no_prj.zip", DRAMMEN, {("crs-missing", None)}, loaded=0, rejected=True),
    case("crs_missing_local_grid.csv", DRAMMEN, {("crs-missing", None)}, loaded=0, rejected=True),
    case("crs_unsupported_sweref.geojson", DRAMMEN, {("crs-unsupported", None)}, loaded=0, rejected=True),
    case(
        "crs_column_unknown.csv",
        DRAMMEN,
        {("crs-unsupported", None), ("crs-assumed", None), ("point-site", 2), ("point-site", 3)},
        loaded=2,
    ),
    case("axes_swapped_latlon.geojson", LILLESTROM, {("axes-swapped", 2), ("axes-swapped", 3)}, loaded=3),
    case(
        "axes_swapped_north_east.csv",
        DRAMMEN,
        {("axes-swapped", 3), ("axes-swapped", 4), ("point-site", 2), ("point-site", 3), ("point-site", 4)},
        loaded=3,
        infos={("crs-column", None)},
    ),
    case("outside_norway.geojson", OSLO, {("outside-norway", 2), ("outside-norway", 3)}, loaded=1),
    case(
        "outside_kommune.gpkg", DRAMMEN, {("outside-kommune", 2), ("outside-kommune-entirely", 3)}, loaded=2
    ),
    case(
        "invalid_geometry.geojson", BAERUM, {("geometry-invalid", 1), ("geometry-unrepairable", 2)}, loaded=2
    ),
    case(
        "points.geojson",
        LILLESTROM,
        {("point-site", 1), ("point-without-area", 2), ("geometry-wrong-type", 3), ("geometry-missing", 4)},
        loaded=1,
    ),
    case("duplicate_reference.csv", ASKER, {("duplicate-reference", 4)}, loaded=2),
    case("duplicate_geometry.geojson", BAERUM, {("duplicate-geometry", 2)}, loaded=4),
    case("existing_asker.geojson", ASKER, {("outside-kommune", 4)}, loaded=4),
    case(
        "area_mismatch.xlsx",
        DRAMMEN,
        {("area-mismatch", 3), ("area-mismatch", 4)},
        loaded=3,
        infos={("number-converted", 4)},
    ),
    case(
        "contradictions.geojson",
        OSLO,
        {("facts-contradict", 1), ("facts-contradict", 2), ("facts-contradict", 3)},
        loaded=4,
    ),
    case("one_bad_row.geojson", OSLO, {("unknown-code", 2)}, loaded=2),
    # --- kommune-style files ---
    case(
        "title_merged_header.xlsx",
        ASKER,
        {
            ("crs-assumed", None),
            ("point-site", 5),
            ("point-site", 6),
            ("point-site", 7),
            ("point-site", 8),
            ("missing-value", 7),
            ("date-future", 8),
        },
        loaded=3,
        infos={("header-rows-skipped", None), ("code-normalised", 6), ("number-converted", 5)},
    ),
    case(
        "latin1_semicolon.csv",
        BAERUM,
        {("crs-assumed", None), ("point-site", 4), ("point-site", 5), ("point-site", 6), ("unknown-code", 6)},
        loaded=2,
        infos={
            ("encoding-fallback", None),
            ("decimal-comma", None),
            ("header-rows-skipped", None),
            ("number-converted", 4),
            ("number-converted", 5),
            ("code-normalised", 5),
        },
    ),
    case(
        "utm33_in_latlon_columns.csv",
        ASKER,
        {("crs-assumed", None), ("axes-swapped", 4), ("point-site", 2), ("point-site", 3), ("point-site", 4)},
        loaded=3,
    ),
    case(
        "drammen_utm32_shp.zip",
        DRAMMEN,
        {("missing-value", 3), ("facts-contradict", 2)},
        loaded=2,
        infos={("encoding-fallback", None), ("code-normalised", 2)},
    ),
    # --- files made from the Excel template: the CRS is declared, the example row refused ---
    case("template_unchanged.xlsx", ASKER, {("template-example", 2)}, loaded=0, rejected=True),
    case(
        "template_filled.xlsx",
        ASKER,
        {("template-example", 2), ("point-site", 4)},  # never crs-assumed
        loaded=2,
    ),
    case(
        "template_overwritten.xlsx",
        ASKER,
        {("point-site", 3)},  # no SRID prefix left, yet no crs-assumed: the headers name the CRS
        loaded=2,
        infos={("crs-header", None)},
    ),
    # --- hostile files (§7), through the pipeline ---
    case("hostile_zip_dotdot.zip", ASKER, {("zip-unsafe", None)}, loaded=0, rejected=True),
    case("hostile_billion_laughs.kml", ASKER, {("xml-entities", None)}, loaded=0, rejected=True),
    case("hostile_truncated.gpkg", ASKER, {("file-unreadable", None)}, loaded=0, rejected=True),
    case("hostile_binary.csv", ASKER, {("file-unreadable", None)}, loaded=0, rejected=True),
    case("hostile_empty.geojson", ASKER, {("file-empty", None)}, loaded=0, rejected=True),
]


def submit(engine: Engine, file: str, kommune: str, **options: object) -> SubmissionResult:
    opts = SubmitOptions(kommune_nr=kommune, today=TODAY, **options)  # type: ignore[arg-type]
    return run_submission(engine, FIXTURES / file, opts)


def problems(result: SubmissionResult) -> set[Pair]:
    return {(i.issue_type, i.row) for i in result.issues if i.severity in ("error", "warning")}


def infos(result: SubmissionResult) -> set[Pair]:
    return {(i.issue_type, i.row) for i in result.issues if i.severity == "info"}


def listing(result: SubmissionResult) -> list[str]:
    return [i.one_line() for i in result.issues]


def site_counts(engine: Engine) -> dict[str, int]:
    counts = table_counts(engine)
    return {t: counts[t] for t in SITE_TABLES}


def messages(result: SubmissionResult, slug: str, row: int | None) -> str:
    return " | ".join(
        f"{i.message_en} {i.fix_en}".strip() for i in result.issues if (i.issue_type, i.row) == (slug, row)
    )


def test_corpus_is_large_enough() -> None:
    files = {p.name for p in FIXTURES.iterdir()}
    used = {c.values[0].file for c in CORPUS}  # type: ignore[attr-defined]
    assert len(used) >= 30
    assert used <= files
    assert all((FIXTURES / f).stat().st_size < 200 * 1024 for f in files)


@pytest.mark.parametrize("c", CORPUS)
def test_submit(clean_engine: Engine, c: Case) -> None:
    before = table_counts(clean_engine)
    result = submit(clean_engine, c.file, c.kommune)
    assert problems(result) == c.problems, listing(result)
    assert c.infos <= infos(result), listing(result)
    assert result.rejected is c.rejected, listing(result)
    assert result.rows_loaded == c.loaded
    after = table_counts(clean_engine)
    if c.rejected:
        assert {t: after[t] for t in SITE_TABLES} == {t: before[t] for t in SITE_TABLES}
        with clean_engine.connect() as conn:
            statuses = conn.execute(text("SELECT status FROM submission")).scalars().all()
        assert set(statuses) <= {"rejected"}  # a refused file is on record, its rows are not
    else:
        assert after["site"] == c.loaded
        with clean_engine.connect() as conn:
            assert conn.execute(text("SELECT status FROM submission")).scalar_one() == "loaded"


@pytest.mark.parametrize(
    ("file", "kommune"),
    [
        ("title_merged_header.xlsx", ASKER),
        ("crs_column_unknown.csv", DRAMMEN),
        ("old_kommune_numbers_lonlat.geojson", "3025"),
    ],
)
def test_recorded_problems_match_the_report(clean_engine: Engine, file: str, kommune: str) -> None:
    result = submit(clean_engine, file, kommune)
    with clean_engine.connect() as conn:
        stored = conn.execute(
            text("SELECT issue_type, row_number FROM submission_issue WHERE severity IN ('error', 'warning')")
        ).all()
        n_errors, n_warnings = conn.execute(text("SELECT n_errors, n_warnings FROM submission")).one()
    assert {tuple(r) for r in stored} == problems(result)
    assert n_errors + n_warnings == sum(1 for i in result.issues if i.severity in ("error", "warning"))


@pytest.mark.parametrize("c", CORPUS)
def test_check_finds_the_same_and_writes_nothing(clean_engine: Engine, c: Case) -> None:
    before = table_counts(clean_engine)
    result = submit(clean_engine, c.file, c.kommune, dry_run=True)
    assert problems(result) == c.problems, listing(result)
    assert result.rejected is c.rejected
    assert table_counts(clean_engine) == before


# --- what the messages and the loaded rows say ----------------------------------------------------------


def test_unknown_code_suggests_the_closest_and_normalises_spellings(clean_engine: Engine) -> None:
    result = submit(clean_engine, "unknown_codes.gpkg", BAERUM)
    assert "did you mean M3" in messages(result, "unknown-code", 1)  # "reguleret"
    assert "Read 'Regulert' as M3" in messages(result, "code-normalised", 2)
    assert "did you mean 1350" in messages(result, "unknown-code", 4)  # "1340;lagerbygg": nothing dropped
    with clean_engine.connect() as conn:
        rows = conn.execute(
            text("SELECT reference, maturity, availability, land_control FROM site ORDER BY reference")
        ).all()
    assert [tuple(r) for r in rows] == [
        ("BÆR-202", "M3", "for_sale_or_lease", "kommune"),
        ("BÆR-205", "M3", "for_sale_or_lease", "kommune"),
    ]


def test_numbers_with_units_are_converted(clean_engine: Engine) -> None:
    result = submit(clean_engine, "numbers_with_units.csv", OSLO)
    assert "Read '10 daa' as 10,000 m²" in messages(result, "number-converted", 2)
    assert "Read '1,5 MW' as 1.5 MW" in messages(result, "number-converted", 2)
    assert "Read '1500 kW' as 1.5 MW" in messages(result, "number-converted", 3)
    # Norwegian text writes numbers the Norwegian way
    norwegian = {i.message_no for i in result.issues if i.issue_type == "number-converted"}
    assert {
        "Tolket «10 daa» som 10 000 m².",
        "Tolket «1,5 MW» som 1,5 MW.",
        "Tolket «1 ha» som 10 000 m².",
    } <= (norwegian)
    with clean_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT reference, area_m2_submitted, power_mw_now, price_nok_per_m2 "
                "FROM site ORDER BY reference"
            )
        ).all()
    assert [tuple(r) for r in rows] == [("OSL-301", 10000.0, 1.5, 1450), ("OSL-302", 10000.0, 1.5, 1450)]


def test_columns_are_recognised_by_their_values_and_norwegian_headers(clean_engine: Engine) -> None:
    result = submit(clean_engine, "own_headers.xlsx", DRAMMEN)
    assert result.columns_used == {
        "Kommune": "kommune_nr",
        "Lokalitet": "name",
        "Plansituasjon": "maturity",
        "Nett": "power_status",
        "Markedsstatus": "availability",
        "Størrelse": "area_m2",
    }
    assert (
        "The column 'Plansituasjon' was read as 'maturity' (Plan maturity (M0–M5)) from its values."
        in messages(result, "column-recognised", None)
    )
    assert "coordinate-columns" in {i.issue_type for i in result.issues}
    assert "x=Ø, y=N" in next(i.message_en for i in result.issues if i.issue_type == "coordinate-columns")
    with clean_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT reference, name, maturity, power_status, availability, area_m2_submitted, kommune_nr "
                "FROM site ORDER BY source_row"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("3301-gulskogen-nord", "Gulskogen nord", "M3", "E2", "for_sale_or_lease", 24_800.0, DRAMMEN),
        ("3301-holmen-ost", "Holmen øst", "M1", "E0", "not_on_market", 3_500.0, DRAMMEN),
        ("3301-askollen", "Åskollen", "M4", "E3", "for_sale_or_lease", 12_000.0, DRAMMEN),
    ]


def test_a_missing_reference_is_derived_the_same_way_every_time(clean_engine: Engine) -> None:
    first = submit(clean_engine, "missing_required.geojson", ASKER, dry_run=True)
    again = submit(clean_engine, "missing_required.geojson", ASKER, dry_run=True)
    assert "used '3203-vakas-sor', made of the kommune number and the name" in messages(
        first, "reference-derived", 4
    )
    assert messages(first, "reference-derived", 4) == messages(again, "reference-derived", 4)


def test_a_required_field_without_a_column_is_one_error_that_says_how_to_map_it(clean_engine: Engine) -> None:
    result = submit(clean_engine, "no_maturity_column.csv", DRAMMEN)
    errors = [i for i in result.issues if i.severity == "error"]
    assert [(i.issue_type, i.row, i.field) for i in errors] == [("column-missing", None, "maturity")]
    text_en = messages(result, "column-missing", None)
    assert "'maturity' (Plan maturity (M0–M5))" in text_en
    assert "Columns not recognised: 'Tomt', 'Plan', 'Merknad'." in text_en  # srid named the CRS: it is used
    assert "column mapping" in text_en and "(column name: maturity)" in text_en
    assert "«Plan»" in errors[0].message_no and "kolonnemapping" in errors[0].fix_no


def test_the_template_example_row_is_refused_with_one_clear_message(clean_engine: Engine) -> None:
    result = submit(clean_engine, "template_filled.xlsx", ASKER)
    assert [i.issue_type for i in result.issues if i.row == 2] == ["template-example"]
    example = next(i for i in result.issues if i.issue_type == "template-example")
    assert example.message_no == "Raden er malens eksempelrad, ikke et ekte område; den lastes ikke inn."
    assert example.message_en == "The row is the template's example row, not a real site; it is not loaded."
    with clean_engine.connect() as conn:
        refs = conn.execute(text("SELECT reference FROM site ORDER BY reference")).scalars().all()
    assert refs == ["ASK-2001", "ASK-2002"]


def test_old_kommune_number_is_mapped(clean_engine: Engine) -> None:
    result = submit(clean_engine, "old_kommune_numbers.xlsx", ASKER)
    assert "3025 predates 2024; used 3203 Asker" in messages(result, "kommune-old-number", 2)
    with clean_engine.connect() as conn:
        assert conn.execute(text("SELECT DISTINCT kommune_nr FROM site")).scalars().all() == [ASKER]


def test_area_mismatch_writes_areas_and_shares_the_way_each_language_does(clean_engine: Engine) -> None:
    result = submit(clean_engine, "area_mismatch.xlsx", DRAMMEN)
    mismatch = next(i for i in result.issues if (i.issue_type, i.row) == ("area-mismatch", 3))
    assert mismatch.message_no == (
        "Oppgitt areal 15 000 m² avviker 50 % fra arealet beregnet fra geometrien, 10 000 m²."
    )
    assert mismatch.message_en == (
        "The submitted area 15,000 m² differs by 50% from the area computed from the geometry, 10,000 m²."
    )


def test_outside_kommune_names_the_share_outside(clean_engine: Engine) -> None:
    result = submit(clean_engine, "outside_kommune.gpkg", DRAMMEN)
    assert messages(result, "outside-kommune", 2).startswith("30% of the site lies outside kommune 3301.")
    norwegian = next(i.message_no for i in result.issues if (i.issue_type, i.row) == ("outside-kommune", 2))
    assert norwegian == "30 % av området ligger utenfor kommune 3301."


def test_swapped_axes_are_fixed_into_the_kommune(clean_engine: Engine) -> None:
    for file, kommune in (
        ("axes_swapped_latlon.geojson", LILLESTROM),
        ("axes_swapped_north_east.csv", DRAMMEN),
        ("utm33_in_latlon_columns.csv", ASKER),
    ):
        submit(clean_engine, file, kommune)
    with clean_engine.connect() as conn:
        outside = (
            conn.execute(
                text(
                    "SELECT s.reference FROM site s JOIN kommune k ON k.nr = s.kommune_nr "
                    "WHERE NOT ST_Within(s.geom_25833, k.geom_25833)"
                )
            )
            .scalars()
            .all()
        )
        n = conn.execute(text("SELECT count(*) FROM site")).scalar_one()
    assert (n, outside) == (9, [])


def test_point_with_area_becomes_a_circle_of_that_area(clean_engine: Engine) -> None:
    submit(clean_engine, "points.geojson", LILLESTROM)
    with clean_engine.connect() as conn:
        ref, area = conn.execute(text("SELECT reference, ST_Area(geom_25833) FROM site")).one()
    assert ref == "LIL-1101"
    assert area == pytest.approx(20_000, rel=0.01)


# --- existing sites: update, duplicate of this kommune's or a neighbour's site --------------------------


def test_existing_sites_update_or_duplicate(clean_engine: Engine) -> None:
    first = submit(clean_engine, "existing_asker.geojson", ASKER)
    assert first.rows_inserted == 4

    # Same reference = an update, never a duplicate; a new reference on ≥ 80 % of an existing site is one;
    # 50 % overlap is a neighbour, not a duplicate.
    second = submit(clean_engine, "existing_asker_second.geojson", ASKER)
    assert problems(second) == {("duplicate-site", 2)}, listing(second)
    assert "Hvalstad, 3203" in messages(second, "duplicate-site", 2)
    assert (second.rows_inserted, second.rows_updated) == (2, 1)

    # Bærum claims the border site Asker already has: a duplicate of a neighbouring kommune's site.
    border = submit(clean_engine, "existing_baerum_border.geojson", BAERUM)
    assert problems(border) == {("outside-kommune", 1), ("duplicate-site", 1)}, listing(border)
    assert "Bærumsgrensa, 3203" in messages(border, "duplicate-site", 1)
    assert border.rows_loaded == 1

    with clean_engine.connect() as conn:
        rows = conn.execute(text("SELECT kommune_nr, count(*) FROM site GROUP BY 1 ORDER BY 1")).all()
        maturity = conn.execute(text("SELECT maturity FROM site WHERE reference = 'ASK-1301'")).scalar_one()
    assert [tuple(r) for r in rows] == [(BAERUM, 1), (ASKER, 6)]
    assert maturity == "M4"


# --- strict and check ----------------------------------------------------------------------------------


def test_strict_rejects_a_file_with_one_bad_row(clean_engine: Engine) -> None:
    before = site_counts(clean_engine)
    result = submit(clean_engine, "one_bad_row.geojson", OSLO, strict=True)
    assert result.rejected
    assert problems(result) == {("unknown-code", 2)}
    assert result.rows_loaded == 0
    assert site_counts(clean_engine) == before
    with clean_engine.connect() as conn:
        status = conn.execute(text("SELECT status FROM submission")).scalar_one()
        issue = conn.execute(
            text("SELECT issue_type, row_number FROM submission_issue WHERE severity = 'error'")
        ).one()
    assert status == "rejected"
    assert tuple(issue) == ("unknown-code", 2)


@pytest.mark.parametrize(
    ("file", "kommune", "exit_code"),
    [
        ("title_merged_header.xlsx", ASKER, EXIT_WARNINGS),
        ("no_valid_rows.geojson", LILLESTROM, EXIT_REJECTED),
        ("hostile_zip_dotdot.zip", ASKER, EXIT_REJECTED),
    ],
)
def test_naering_check_writes_nothing(clean_engine: Engine, file: str, kommune: str, exit_code: int) -> None:
    submit(clean_engine, "existing_asker.geojson", ASKER)  # something already there to leave alone
    before = table_counts(clean_engine)
    env = {"NAERING_DATABASE_URL": clean_engine.url.render_as_string(hide_password=False)}
    args = ["check", str(FIXTURES / file), "--kommune", kommune, "--lang", "en"]
    res = CliRunner().invoke(app, args, env=env)
    assert res.exit_code == exit_code, res.output
    assert table_counts(clean_engine) == before
