"""Column mappings (stored per kommune once used) and the report files a kommune officer reads."""

from __future__ import annotations

import csv
import json
import re
from html import unescape
from pathlib import Path

from sqlalchemy import Engine, text
from typer.testing import CliRunner

from cli.main import app
from etl.issues import ISSUE_TYPES, make_issue
from etl.report import render_html, write_report
from etl.result import SubmissionResult
from registry.services.submissions import SubmitOptions, run_submission
from tests.sites_factory import anchor_25833, square_25833

HEADER = "Tomtenummer;Betegnelse;Planmodenhet;Østkoordinat;Nordkoordinat;Størrelse\n"


def _csv(
    engine: Engine, path: Path, refs: list[int], maturity: str = "regulert", area: str = "10 daa"
) -> Path:
    x, y = anchor_25833(engine, "3301")
    lines = [HEADER]
    for i in refs:
        poly = square_25833(x, y, 100, dx=300 * i)
        lines.append(f"D-{i};Demo tomt {i};{maturity};{poly.centroid.x:.1f};{poly.centroid.y:.1f};{area}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_mapping_is_used_and_stored_for_next_time(clean_engine: Engine, tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "columns:\n  Tomtenummer: reference\n  Betegnelse: name\n  Planmodenhet: maturity\n"
        "  Østkoordinat: east\n  Nordkoordinat: north\n  Størrelse: area_m2\n",
        encoding="utf-8",
    )
    first = run_submission(
        clean_engine,
        _csv(clean_engine, tmp_path / "drammen.csv", [1, 2]),
        SubmitOptions(kommune_nr="3301", mapping_file=mapping),
    )
    assert first.rows_loaded == 2, [i.one_line() for i in first.issues]
    assert first.columns_used["Planmodenhet"] == "maturity"
    with clean_engine.connect() as conn:
        stored = conn.execute(
            text("SELECT mapping FROM kommune_mapping WHERE kommune_nr = '3301'")
        ).scalar_one()
        areas = conn.execute(text("SELECT area_m2_submitted, maturity FROM site")).all()
    assert stored["Betegnelse"] == "name"
    assert all(a == (10_000.0, "M3") for a in areas)
    # The next file, same columns, no --mapping: the stored mapping applies.
    second = run_submission(
        clean_engine, _csv(clean_engine, tmp_path / "drammen2.csv", [3]), SubmitOptions(kommune_nr="3301")
    )
    assert second.rows_loaded == 1, [i.one_line() for i in second.issues]


def test_report_files(clean_engine: Engine, tmp_path: Path) -> None:
    # No mapping, and "reguleret" is no maturity word, so no column holds the maturity: the file is
    # refused with one error for the file; the points have no area, so no row has a geometry either.
    path = _csv(clean_engine, tmp_path / "rapport.csv", [1], maturity="reguleret", area="")
    result = run_submission(clean_engine, path, SubmitOptions(kommune_nr="3301", dry_run=True))
    assert result.rejected and result.rows_loaded == 0
    write_report(result, tmp_path / "none.html")
    assert "<svg" not in (tmp_path / "none.html").read_text(encoding="utf-8")  # no geometry, no map
    for suffix in ("json", "csv", "html"):
        write_report(result, tmp_path / f"r.{suffix}")
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["file"] == "rapport.csv" and data["exit_code"] == 4
    assert {(i["issue_type"], i["row"], i["field"]) for i in data["issues"]} >= {
        ("column-missing", None, "maturity"),
        ("point-without-area", 2, "geometry"),
    }
    assert not [i for i in data["issues"] if i["issue_type"] == "missing-value"]
    with (tmp_path / "r.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert {r["issue_type"] for r in rows} >= {"column-missing", "column-unknown"}
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Hele filen" in html and "Fant ingen kolonne" in html and "No column was found" in html
    assert 'Rad <span class="en">/ Row</span> 2' in html and "Punkt uten areal" in html
    # A row with a geometry and a problem appears on the report's map.
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "Tomtenummer: reference\nBetegnelse: name\nPlanmodenhet: maturity\nStørrelse: area_m2\n",
        encoding="utf-8",
    )
    bad = run_submission(
        clean_engine,
        _csv(clean_engine, tmp_path / "kart.csv", [1], maturity="reguleret"),
        SubmitOptions(kommune_nr="3301", dry_run=True, mapping_file=mapping),
    )
    assert {(i.issue_type, i.row) for i in bad.issues if i.severity == "error"} == {("unknown-code", 2)}
    assert "mente du M3" in next(i.fix_no for i in bad.issues if i.issue_type == "unknown-code")
    write_report(bad, tmp_path / "kart.html")
    assert "<svg" in (tmp_path / "kart.html").read_text(encoding="utf-8")


def test_cli_check_writes_report_and_nothing_else(clean_engine: Engine, tmp_path: Path) -> None:
    path = _csv(clean_engine, tmp_path / "sjekk.csv", [1], maturity="reguleret")
    env = {"NAERING_DATABASE_URL": clean_engine.url.render_as_string(hide_password=False)}
    res = CliRunner().invoke(
        app, ["check", str(path), "-k", "3301", "--report", str(tmp_path / "r.html")], env=env
    )
    assert res.exit_code == 4, res.output
    assert (tmp_path / "r.html").exists()
    assert "sjekk.csv" in res.output and "column-missing" in res.output
    said = " ".join(res.output.split())  # the terminal wraps long lines
    assert "(Bruk --mapping mapping.yaml med en linje «kolonnens navn: feltnavn».)" in said  # the CLI's hint
    with clean_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM submission")).scalar_one() == 0


# --- the HTML report speaks to a planner -----------------------------------------------------------------

CORPUS = Path(__file__).parent / "fixtures" / "submissions"
FLAG = re.compile(r"(?<![\w-])--[a-z]")  # a command-line option such as --replace or --mapping


def _paths(html: str) -> list[str]:
    """The fill colour of each outline on the report's map."""
    return re.findall(r'<path d="[^"]*" fill="(#[0-9a-f]{6})"', html)


def test_report_has_titles_a_table_of_sites_and_norwegian_numbers(clean_engine: Engine) -> None:
    result = run_submission(
        clean_engine, CORPUS / "own_headers.xlsx", SubmitOptions(kommune_nr="3301", dry_run=True)
    )
    html = unescape(render_html(result))
    # a plain heading, the slug small beside it
    assert 'Referanser laget av navn <span class="en">/ References made from names</span>' in html
    assert '<span class="slug">reference-column-missing</span>' in html
    # the sites as they will be stored: name, area in daa, maturity, power, availability
    table = html.split("Områdene slik de blir lagret", 1)[1].split("</table>", 1)[0]
    assert "Gulskogen nord" in table and ">24,8<" in table and "M3 Regulert" in table
    assert "E2 Anslått tilgjengelig" in table and "Til salgs / utleie" in table
    assert "Holmen øst" in table and ">3,5<" in table and "M1 Avsatt i kommuneplan" in table
    # numbers in Norwegian text, the Norwegian way; in English text, the English way
    assert "Tolket «24 800 m²» som 24 800 m²." in html and "Read '24 800 m²' as 24,800 m²." in html
    assert "3 rader lest; 3 ville blitt lastet inn." in html


def test_report_map_shows_every_row_and_highlights_the_problem_rows(clean_engine: Engine) -> None:
    # row 1 clean, row 2 partly outside the kommune (warning), row 3 wholly outside (error, no outline kept
    # for loading, but drawn where it lies)
    result = run_submission(
        clean_engine, CORPUS / "outside_kommune.gpkg", SubmitOptions(kommune_nr="3301", dry_run=True)
    )
    fills = _paths(render_html(result))
    assert sorted(fills) == sorted(["#74a9cf", "#fdae61", "#d7301f"])  # every row, problems highlighted


def test_no_report_names_a_command_line_option(tmp_path: Path) -> None:
    """Every issue type in one report: the HTML (the web shows the same) names no --option."""
    result = SubmissionResult(filename="alt.csv", kommune_nr="3301", file_hash="0" * 64, dry_run=True)
    result.issues = [make_issue(slug, row=None, value="x", detail="1") for slug in ISSUE_TYPES]
    result.would_archive = ["T-1 Testområde"]
    html = unescape(render_html(result))
    assert not FLAG.search(html), FLAG.search(html)
    assert all(title in html for t in ISSUE_TYPES.values() for title in (t.title_no, t.title_en))
    write_report(result, tmp_path / "r.json")
    assert not FLAG.search((tmp_path / "r.json").read_text(encoding="utf-8"))
