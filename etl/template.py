"""Submission templates: the Excel workbook and the empty GeoPackage a kommune officer fills in.

Both are generated from the field catalogue (`schemas.fields.FIELDS`) and the taxonomy module; no field or
code list is spelled here. Row 1 of the Excel sheet holds the canonical column names, which the pipeline
reads without any mapping; the geometry goes in `wkt` (EPSG:25833) or, for a point site, `lat`/`lon`.
A kommune's own sites can be downloaded in the same workbook, one row per site instead of the example
(`filled_xlsx_bytes`), edited in Excel and submitted again.
The geometry headers name their coordinate system ("wkt (EPSG:25833)", "lat (WGS84)"), so a file made
from the template declares its CRS itself, also when saved as CSV. Row 2 is the example: marked by its
reference and name (`etl.validate.TEMPLATE_EXAMPLE_REFERENCE`), refused if submitted as it stands.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyogrio
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from etl.validate import BOUNDS, EARLIEST_DATE, TEMPLATE_EXAMPLE_REFERENCE
from schemas.fields import FIELDS, FieldSpec
from schemas.taxonomy import Taxonomy

__all__ = [
    "CODES_SHEET",
    "EXAMPLE_WKT",
    "GEOMETRY_COLUMNS",
    "GEOMETRY_HEADERS",
    "GPKG_LAYER",
    "GUIDE_SHEET",
    "SITES_SHEET",
    "TEMPLATE_COLUMNS",
    "TEMPLATE_HEADERS",
    "example_values",
    "filled_xlsx_bytes",
    "template_bytes",
    "write_gpkg_template",
    "write_xlsx_template",
]

SITES_SHEET = "Områder"
CODES_SHEET = "Koder"
GUIDE_SHEET = "Veiledning - Guide"  # Excel forbids "/" in sheet names
GPKG_LAYER = "naeringsarealer"
GPKG_EPSG = 25833

GEOMETRY_COLUMNS = ("wkt", "lat", "lon")
TEMPLATE_COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS) + GEOMETRY_COLUMNS
# The headers of the geometry columns say which CRS they hold (read by etl.read_tabular.header_crs).
GEOMETRY_HEADERS = {"wkt": "wkt (EPSG:25833)", "lat": "lat (WGS84)", "lon": "lon (WGS84)"}
TEMPLATE_HEADERS: tuple[str, ...] = tuple(GEOMETRY_HEADERS.get(c, c) for c in TEMPLATE_COLUMNS)

# 250 m x 100 m (25 000 m², the catalogue's example area) near Billingstad, well inside Asker (3203).
# The SRID prefix declares the CRS, so the pipeline need not guess it.
EXAMPLE_WKT = (
    "SRID=25833;POLYGON ((245550 6644550, 245800 6644550, 245800 6644650, 245550 6644650, 245550 6644550))"
)

DATA_ROWS = 1000  # rows below the header that carry the dropdowns and checks
_FIRST_DATA_ROW = 2  # the example row
_EARLIEST_DATE = f"DATE({EARLIEST_DATE.year},{EARLIEST_DATE.month},{EARLIEST_DATE.day})"

_REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")
_OPTIONAL_FILL = PatternFill("solid", fgColor="D9E1F2")
_GEOMETRY_FILL = PatternFill("solid", fgColor="C6E0B4")
_EXAMPLE_FILL = PatternFill("solid", fgColor="FFF2CC")
_TITLE_FONT = Font(bold=True, size=12)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")

_KIND_LABELS: dict[str, tuple[str, str]] = {
    "text": ("Tekst", "Text"),
    "int": ("Heltall", "Whole number"),
    "float": ("Tall, desimalkomma eller -punktum", "Number, decimal comma or point"),
    "date": ("Dato (ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ)", "Date (YYYY-MM-DD or DD.MM.YYYY)"),
    "code": ("Kode fra nedtrekkslisten", "Code from the dropdown"),
    "codes": ("Én eller flere koder, skilt med ;", "One or more codes, separated by ;"),
    "url": ("Lenke (https://…)", "Link (https://…)"),
    "urls": (
        "Lenker (https://…), skilt med mellomrom eller ;",
        "Links (https://…), separated by spaces or ;",
    ),
    "kommune_nr": ("Kommunenummer, fire sifre (2024)", "Kommune number, four digits (2024)"),
}
_UNIT_LABELS = {"m2": "m²", "NOK/m2": "NOK/m²"}

# The geometry columns are not catalogue fields: the readers build the geometry from them.
_GEOMETRY_DOCS: dict[str, tuple[str, str, str, str, str]] = {
    # column: (label no, label en, type no, type en, example)
    "wkt": (
        "Omriss som WKT i EPSG:25833 (EUREF89 UTM 33). Skriv gjerne SRID=25833; foran. Kopier fra QGIS "
        "(Kopier som WKT) eller ArcGIS.",
        "Outline as WKT in EPSG:25833 (EUREF89 UTM 33). Prefixing SRID=25833; is welcome. Copy from QGIS "
        "(Copy as WKT) or ArcGIS.",
        "WKT-tekst (polygon eller multipolygon)",
        "WKT text (polygon or multipolygon)",
        EXAMPLE_WKT,
    ),
    "lat": (
        "Breddegrad (WGS84, desimalgrader) for et punkt; bare når omriss mangler (la wkt stå tom på raden). "
        "Krever areal.",
        "Latitude (WGS84, decimal degrees) of a point; only when there is no outline (leave wkt empty on "
        "that row). Needs an area.",
        "Tall (grader)",
        "Number (degrees)",
        "59.86",
    ),
    "lon": (
        "Lengdegrad (WGS84, desimalgrader) for et punkt; bare når omriss mangler (la wkt stå tom på raden). "
        "Krever areal.",
        "Longitude (WGS84, decimal degrees) of a point; only when there is no outline (leave wkt empty on "
        "that row). Needs an area.",
        "Tall (grader)",
        "Number (degrees)",
        "10.455",
    ),
}

_NOTES: tuple[tuple[str, str], ...] = (
    (
        "Rad 1 i arket «Områder» er kolonnenavnene registeret leser. Ikke endre dem; flytt eller skjul "
        "gjerne kolonner du ikke bruker.",
        "Row 1 of the sheet 'Områder' holds the column names the registry reads. Do not change them; "
        "move or hide columns you do not use.",
    ),
    (
        "Oransje kolonner er påkrevd. Geometri: fyll inn wkt (omriss, EPSG:25833), eller bare for et punkt "
        "uten omriss: lat/lon (WGS84) og areal, med wkt tom på den raden. Kolonneoverskriftene sier hvilket "
        "koordinatsystem som gjelder; ikke endre dem.",
        "Orange columns are required. Geometry: fill in wkt (outline, EPSG:25833), or, only for a point "
        "without an outline, lat/lon (WGS84) and an area, with wkt empty on that row. The column headings "
        "say which coordinate system applies; do not change them.",
    ),
    (
        "Kodede felt har nedtrekkslister; kodene og deres betydning står i arket «Koder». "
        "Kommunenummer kan stå tomt når innsendingen gjelder én kommune.",
        "Coded fields have dropdowns; the codes and their meaning are on the sheet 'Koder'. "
        "The kommune number may be left empty when the submission is for one kommune.",
    ),
    (
        "Hver *_verified_at-dato sier når opplysningen sist ble kontrollert; gamle opplysninger merkes som "
        "utdaterte.",
        "Each *_verified_at date says when the fact was last checked; old facts are flagged as stale.",
    ),
)


# The second note: what row 2 is, in the empty template and in a download of the kommune's sites.
_EXAMPLE_NOTE = (
    "Rad 2 er et EKSEMPEL (referanse EKSEMPEL). Overskriv hele raden med ditt første område eller slett "
    "den før innsending; sendes den inn uendret, blir den avvist.",
    "Row 2 is an EXAMPLE (reference EKSEMPEL). Overwrite the whole row with your first site or delete "
    "it before submitting; submitted unchanged, it is refused.",
)
_FILLED_NOTE = (
    "Radene fra rad 2 er kommunens områder slik de står i registeret. Rett det som er endret og send filen "
    "inn igjen; uendrede rader endrer ingenting. Ikke endre referansen: den knytter raden til området (en "
    "ny referanse blir et nytt område). En rad du sletter, blir stående i registeret; arkiver området i "
    "registeret i stedet. Et utkast i filen blir publisert når filen sendes inn som vanlig.",
    "The rows from row 2 are the kommune's sites as the registry holds them. Correct what has changed and "
    "submit the file again; unchanged rows change nothing. Do not change the reference: it ties the row "
    "to its site (a new reference makes a new site). A row you delete stays in the registry; archive the "
    "site in the registry instead. A draft in the file is published when the file is submitted as usual.",
)


def _bi(no: str, en: str, lang: str) -> str:
    """Join a Norwegian and an English text, the user's language first."""
    if not no or no == en:
        return en or no
    return f"{no} / {en}" if lang == "no" else f"{en} / {no}"


def _unit(spec: FieldSpec) -> str:
    return _UNIT_LABELS.get(spec.unit or "", spec.unit or "")


def _kind_label(spec: FieldSpec, lang: str) -> str:
    no, en = _KIND_LABELS.get(spec.kind, (spec.kind, spec.kind))
    return _bi(no, en, lang)


def _coded_fields() -> list[FieldSpec]:
    return [f for f in FIELDS if f.taxonomy is not None]


def _taxonomies() -> list[Taxonomy]:
    """The taxonomies the catalogue uses, once each, in field order."""
    seen: dict[str, Taxonomy] = {}
    for spec in _coded_fields():
        assert spec.taxonomy is not None
        seen.setdefault(spec.taxonomy.name, spec.taxonomy)
    return list(seen.values())


def _allowed_values(tax: Taxonomy, lang: str) -> str:
    return "\n".join(f"{t.code} = {_bi(t.label_no, t.label_en, lang)}" for t in tax.terms)


def _typed_example(spec: FieldSpec) -> Any:
    """The catalogue's example string as the value a cell or a GeoPackage column should hold."""
    text = spec.example.strip()
    if not text:
        return None
    if spec.kind == "float":
        return float(text)
    if spec.kind == "int":
        return int(text)
    if spec.kind == "date":
        return dt.date.fromisoformat(text)
    return text


def example_values() -> dict[str, Any]:
    """Return the example row: typed catalogue examples by canonical name, plus `wkt`; blanks left out.

    Its reference and name carry the example marker, so the row is refused if submitted as it stands.
    """
    out = {f.name: v for f in FIELDS if (v := _typed_example(f)) is not None}
    out["reference"] = TEMPLATE_EXAMPLE_REFERENCE
    out["name"] = f"{TEMPLATE_EXAMPLE_REFERENCE}: {out['name']}"
    out["wkt"] = EXAMPLE_WKT
    return out


# --- Excel ----------------------------------------------------------------------------------------------


def write_xlsx_template(
    out: Path, *, lang: str = "no", rows: Sequence[Mapping[str, Any]] | None = None
) -> None:
    """Write the Excel submission template: sites sheet with example row and dropdowns, codes, guide.

    `rows` (cell values by `TEMPLATE_COLUMNS` name) fill the sites sheet instead of the example row.
    """
    if lang not in ("no", "en"):
        raise ValueError(f"lang must be 'no' or 'en', not {lang!r}")
    wb = Workbook()
    sites = wb.active
    assert sites is not None
    sites.title = SITES_SHEET
    codes = wb.create_sheet(CODES_SHEET)
    guide = wb.create_sheet(GUIDE_SHEET)
    ranges = _write_codes_sheet(codes, lang)
    _write_sites_sheet(sites, ranges, lang, rows)
    _write_guide_sheet(guide, lang, filled=rows is not None)
    wb.properties.title = _bi(
        "Næringsarealregisteret – innsendingsmal", "Business land registry – submission template", lang
    )
    wb.properties.creator = "Næringsarealregisteret"
    wb.save(Path(out))


def _write_codes_sheet(ws: Worksheet, lang: str) -> dict[str, str]:
    """List each taxonomy's codes with labels; return taxonomy name -> absolute range of its codes."""
    ws.append(
        [
            _bi(
                "Koder for nedtrekkslistene i arket «Områder»",
                "Codes for the dropdowns on the sheet 'Områder'",
                lang,
            )
        ]
    )
    ws.cell(1, 1).font = _TITLE_FONT
    ranges: dict[str, str] = {}
    for tax in _taxonomies():
        ws.append([])
        used_by = ", ".join(f.name for f in _coded_fields() if f.taxonomy is tax)
        ws.append([f"{_bi(tax.title_no, tax.title_en, lang)} ({used_by})"])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        ws.append([_bi("Kode", "Code", lang), "Norsk", "English", "Beskrivelse", "Description"])
        for cell in ws[ws.max_row]:
            cell.font = Font(italic=True)
        first = ws.max_row + 1
        for term in tax.terms:
            ws.append([term.code, term.label_no, term.label_en, term.description_no, term.description_en])
            ws.cell(ws.max_row, 1).number_format = "@"  # "1340" stays text, as the dropdown offers it
        ranges[tax.name] = f"{CODES_SHEET}!$A${first}:$A${ws.max_row}"
    for col, width in zip("ABCDE", (22, 34, 34, 50, 50), strict=True):
        ws.column_dimensions[col].width = width
    return ranges


def _header_comment(spec: FieldSpec, lang: str) -> str:
    lines = [_bi(spec.label_no, spec.label_en, lang)]
    lines.append(_bi("Påkrevd", "Required", lang) if spec.required else _bi("Valgfri", "Optional", lang))
    lines.append(_kind_label(spec, lang) + (f" ({_unit(spec)})" if spec.unit else ""))
    if spec.taxonomy is not None:
        lines.append(_bi(f"Se arket «{CODES_SHEET}»", f"See the sheet '{CODES_SHEET}'", lang))
    return "\n".join(lines)


def _cell_format(spec: FieldSpec | None) -> str | None:
    """The number format of a column's cells: dates as dates, text (codes too) as text."""
    if spec is not None and spec.kind == "date":
        return "yyyy-mm-dd"
    if spec is None or spec.kind not in ("int", "float"):
        return "@"
    return None


def _write_rows(ws: Worksheet, rows: Sequence[Mapping[str, Any]]) -> None:
    """Fill the sheet with the given rows from row 2; text stays text (a leading '=' is no formula)."""
    specs = {f.name: f for f in FIELDS}
    for r, row in enumerate(rows, start=_FIRST_DATA_ROW):
        for i, name in enumerate(TEMPLATE_COLUMNS, start=1):
            value = row.get(name)
            if value is None:
                continue
            cell = ws.cell(r, i, value)
            if isinstance(value, str):
                cell.data_type = "s"
            if (fmt := _cell_format(specs.get(name))) is not None:
                cell.number_format = fmt


def _write_sites_sheet(
    ws: Worksheet, ranges: dict[str, str], lang: str, rows: Sequence[Mapping[str, Any]] | None = None
) -> None:
    ws.append(list(TEMPLATE_HEADERS))
    specs = {f.name: f for f in FIELDS}
    example = example_values() if rows is None else {}
    last = _FIRST_DATA_ROW + DATA_ROWS - 1 + (len(rows) if rows is not None else 0)
    for i, name in enumerate(TEMPLATE_COLUMNS, start=1):
        letter = get_column_letter(i)
        head = ws.cell(1, i)
        head.font = Font(bold=True)
        head.alignment = Alignment(vertical="top")
        spec = specs.get(name)
        if spec is None:
            no, en, type_no, type_en, _ = _GEOMETRY_DOCS[name]
            head.fill = _GEOMETRY_FILL
            text = f"{_bi(no, en, lang)}\n{_bi(type_no, type_en, lang)}"
        else:
            head.fill = _REQUIRED_FILL if spec.required else _OPTIONAL_FILL
            text = _header_comment(spec, lang)
        head.comment = _comment(text)
        if rows is None:
            cell = ws.cell(_FIRST_DATA_ROW, i, example.get(name))
            cell.fill = _EXAMPLE_FILL
            cell.font = Font(italic=True, color="7F6000")
            if (fmt := _cell_format(spec)) is not None:
                cell.number_format = fmt
        shown = max(len(GEOMETRY_HEADERS.get(name, name)), len(str(example.get(name) or "")))
        ws.column_dimensions[letter].width = 60 if name == "wkt" else min(max(shown + 2, 12), 40)
        if spec is not None:
            for dv in _validations(spec, ranges, lang):
                dv.add(f"{letter}{_FIRST_DATA_ROW}:{letter}{last}")
                ws.add_data_validation(dv)
    if rows is None:
        ws.cell(_FIRST_DATA_ROW, 1).comment = _comment(
            _bi(
                "EKSEMPEL: overskriv eller slett denne raden før innsending.",
                "EXAMPLE: overwrite or delete this row before submitting.",
                lang,
            )
        )
    else:
        _write_rows(ws, rows)
    ws.freeze_panes = "D2"  # header row, kommune_nr, reference and name stay in view
    ws.row_dimensions[1].height = 18


def _comment(text: str) -> Comment:
    comment = Comment(text, "Næringsarealregisteret")
    comment.width = 320
    comment.height = 30 + 18 * (text.count("\n") + 1)
    return comment


def _validations(spec: FieldSpec, ranges: dict[str, str], lang: str) -> list[DataValidation]:
    """The Excel data checks for one catalogue column (none for free text)."""
    title = spec.label_no if lang == "no" else spec.label_en
    dv: DataValidation
    if spec.taxonomy is not None:
        dv = DataValidation(type="list", formula1=ranges[spec.taxonomy.name], allow_blank=True)
        if spec.kind == "codes":
            # several codes ("1340;1350") must stay possible, so the list is a suggestion, not a rule
            dv.prompt = _bi(
                "Velg en kode, eller skriv flere skilt med ;",
                "Pick a code, or type several separated by ;",
                lang,
            )
        else:
            dv.error = _bi(
                f"Velg en kode fra listen (se arket {CODES_SHEET}).",
                f"Choose a code from the list (see the sheet {CODES_SHEET}).",
                lang,
            )
            dv.prompt = _bi("Velg fra listen", "Choose from the list", lang)
    elif spec.kind == "date":
        verified = spec.name.endswith("_verified_at")
        dv = DataValidation(
            type="date",
            operator="between" if verified else "greaterThanOrEqual",
            formula1=_EARLIEST_DATE,
            formula2="TODAY()" if verified else None,
            allow_blank=True,
        )
        dv.error = _bi(
            "Skriv en dato, f.eks. 2026-09-01" + (", ikke fram i tid." if verified else "."),
            "Enter a date, e.g. 2026-09-01" + (", not in the future." if verified else "."),
            lang,
        )
        dv.errorStyle = "warning" if verified else "stop"
    elif spec.kind == "float":
        low = BOUNDS[spec.name].minimum if spec.name in BOUNDS else None
        if low is None:
            return []
        dv = DataValidation(
            type="decimal", operator="greaterThanOrEqual", formula1=f"{low:g}", allow_blank=True
        )
        dv.error = _bi(
            f"Skriv et tall som er {low:g} eller større", f"Enter a number of {low:g} or more", lang
        ) + (f" ({_unit(spec)})." if spec.unit else ".")
    elif spec.kind == "int":
        year = BOUNDS[spec.name]
        dv = DataValidation(
            type="whole",
            operator="between",
            formula1=f"{year.minimum:g}",
            formula2=f"{year.maximum:g}",
            allow_blank=True,
        )
        dv.error = _bi(
            f"Skriv et årstall {year.describe()}, f.eks. 2029.",
            f"Enter a year {year.describe()}, e.g. 2029.",
            lang,
        )
    else:
        return []
    dv.errorTitle = title[:32]  # Excel's limits: 32 characters for titles, 255 for messages
    dv.promptTitle = title[:32]
    dv.showInputMessage = dv.prompt is not None
    dv.showErrorMessage = spec.kind != "codes"
    return [dv]


def _write_guide_sheet(ws: Worksheet, lang: str, *, filled: bool = False) -> None:
    ws.append([_bi("Veiledning for innsendingsmalen", "Guide to the submission template", lang)])
    ws.cell(1, 1).font = _TITLE_FONT
    headers = [
        _bi("Kolonne", "Column", lang),
        "Navn (norsk)",
        "Name (English)",
        _bi("Påkrevd", "Required", lang),
        "Type",
        _bi("Enhet", "Unit", lang),
        _bi("Tillatte verdier", "Allowed values", lang),
        _bi("Eksempel", "Example", lang),
    ]
    ws.append(headers)
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = _OPTIONAL_FILL
    yes, no = _bi("Ja", "Yes", lang), _bi("Nei", "No", lang)
    for spec in FIELDS:
        allowed = _allowed_values(spec.taxonomy, lang) if spec.taxonomy is not None else ""
        ws.append(
            [
                spec.name,
                spec.label_no,
                spec.label_en,
                yes if spec.required else no,
                _kind_label(spec, lang),
                _unit(spec),
                allowed,
                spec.example,
            ]
        )
        if spec.required:
            ws.cell(ws.max_row, 1).fill = _REQUIRED_FILL
    geometry_required = _bi("Ja: wkt eller lat+lon", "Yes: wkt or lat+lon", lang)
    for name, (label_no, label_en, type_no, type_en, example) in _GEOMETRY_DOCS.items():
        header = GEOMETRY_HEADERS[name]
        ws.append(
            [header, label_no, label_en, geometry_required, _bi(type_no, type_en, lang), "", "", example]
        )
        ws.cell(ws.max_row, 1).fill = _GEOMETRY_FILL
    ws.append([])
    ws.append([_bi("Slik fyller du ut malen", "How to fill in the template", lang)])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    notes = (_NOTES[0], _FILLED_NOTE if filled else _EXAMPLE_NOTE, *_NOTES[1:])
    for note_no, note_en in notes:
        ws.append([_bi(note_no, note_en, lang)])
    for row in ws.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = _WRAP_TOP
    for col, width in zip("ABCDEFGH", (26, 34, 34, 16, 30, 10, 44, 30), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = ws.cell(header_row + 1, 2)


# --- GeoPackage -----------------------------------------------------------------------------------------


def _gpkg_dtype(spec: FieldSpec) -> Any:
    """The pandas dtype whose OGR field type suits the column (written through Arrow)."""
    if spec.kind == "int":
        return "Int32"
    if spec.kind == "float":
        return "float64"
    if spec.kind == "date":
        return pd.ArrowDtype(pa.date32())  # OFTDate; a datetime64 column would become OFTDateTime
    return "string"


def _empty_gpkg_frame() -> gpd.GeoDataFrame:
    columns = {f.name: pd.Series([], dtype=_gpkg_dtype(f)) for f in FIELDS}
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs=GPKG_EPSG))


def write_gpkg_template(out: Path) -> None:
    """Write an empty GeoPackage: a MultiPolygon layer in EPSG:25833, one typed column per field."""
    out = Path(out)
    out.unlink(missing_ok=True)  # GDAL would otherwise add the layer to an existing file
    pyogrio.write_dataframe(
        _empty_gpkg_frame(),
        out,
        layer=GPKG_LAYER,
        driver="GPKG",
        geometry_type="MultiPolygon",
        use_arrow=True,
        layer_options={
            "IDENTIFIER": "Næringsarealer",
            "DESCRIPTION": "Næringsarealregisteret: innsendingsmal / submission template (EPSG:25833)",
        },
    )


# --- serving --------------------------------------------------------------------------------------------

_WRITERS = {"xlsx", "gpkg"}


def filled_xlsx_bytes(rows: Sequence[Mapping[str, Any]], *, lang: str = "no") -> bytes:
    """The Excel template with `rows` (cell values by `TEMPLATE_COLUMNS` name) in place of the example."""
    with tempfile.TemporaryDirectory(prefix="naering-template-") as tmp:
        path = Path(tmp) / "naeringsarealer.xlsx"
        write_xlsx_template(path, lang=lang, rows=rows)
        return path.read_bytes()


def template_bytes(kind: str, *, lang: str = "no") -> bytes:
    """Return the xlsx or gpkg template as bytes (for the API and the CLI)."""
    if kind not in _WRITERS:
        raise ValueError(f"unknown template kind {kind!r}; use 'xlsx' or 'gpkg'")
    with tempfile.TemporaryDirectory(prefix="naering-template-") as tmp:
        path = Path(tmp) / f"naeringsarealer.{kind}"
        if kind == "xlsx":
            write_xlsx_template(path, lang=lang)
        else:
            write_gpkg_template(path)
        return path.read_bytes()
