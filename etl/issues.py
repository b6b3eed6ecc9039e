"""Issues found in submitted data: typed, with a severity, a row, a field and a bilingual message.

Bad data becomes issue rows the kommune can read, not exceptions. Every issue type is declared once in
`ISSUE_TYPES` with its severity and message templates; `make_issue` fills them in.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

ERROR = "error"  # the row (or the file, when row is None) is not loaded
WARNING = "warning"  # loaded, but someone should look
INFO = "info"  # loaded; the value was understood after a conversion


@dataclass(frozen=True)
class IssueType:
    slug: str
    severity: str
    message_no: str
    message_en: str
    fix_no: str = ""
    fix_en: str = ""
    title_no: str = ""  # a plain heading for a planner; the slug stays for search and support
    title_en: str = ""


@dataclass
class Issue:
    """One problem in one place of a submitted file."""

    issue_type: str
    severity: str
    message_no: str
    message_en: str
    row: int | None = None  # 1-based data row / feature number; None for the whole file
    field: str | None = None
    value: str | None = None
    fix_no: str = ""
    fix_en: str = ""
    file: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def one_line(self, lang: str = "en") -> str:
        """A single line naming file, row and field, for terminals and logs."""
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}" if lang == "en" else f"rad {self.row}")
        if self.field:
            where.append(f"field '{self.field}'" if lang == "en" else f"felt '{self.field}'")
        msg = self.message_en if lang == "en" else self.message_no
        fix = self.fix_en if lang == "en" else self.fix_no
        head = ", ".join(where)
        return f"{self.severity.upper()} [{self.issue_type}] {head}: {msg}" + (f" — {fix}" if fix else "")


ISSUE_TYPES: dict[str, IssueType] = {}


def _t(slug: str, severity: str, no: str, en: str, fix_no: str = "", fix_en: str = "") -> None:
    ISSUE_TYPES[slug] = IssueType(slug, severity, no, en, fix_no, fix_en)


# --- whole-file problems (row is None) ---
_t(
    "file-unreadable",
    ERROR,
    "Filen kan ikke leses som geodata eller tabell: {detail}",
    "The file cannot be read as geodata or a table: {detail}",
    "Lagre filen som GeoPackage, GeoJSON, Shapefile (zip), KML, FlatGeobuf, Excel eller CSV.",
    "Save the file as GeoPackage, GeoJSON, zipped Shapefile, KML, FlatGeobuf, Excel or CSV.",
)
_t(
    "file-empty",
    ERROR,
    "Filen er tom.",
    "The file is empty.",
    "Kontroller at du lastet opp riktig fil.",
    "Check that you uploaded the right file.",
)
_t(
    "file-too-large",
    ERROR,
    "Filen er for stor ({detail}).",
    "The file is too large ({detail}).",
    "Del filen opp, eller kontakt sekretariatet.",
    "Split the file, or contact the secretariat.",
)
_t(
    "too-many-features",
    ERROR,
    "Filen har for mange rader ({detail}).",
    "The file has too many rows ({detail}).",
    "Del filen opp.",
    "Split the file.",
)
_t(
    "unsupported-format",
    ERROR,
    "Filformatet støttes ikke: {detail}",
    "Unsupported file format: {detail}",
    "Bruk GeoPackage, GeoJSON, Shapefile (zip), KML, FlatGeobuf, Excel eller CSV.",
    "Use GeoPackage, GeoJSON, zipped Shapefile, KML, FlatGeobuf, Excel or CSV.",
)
_t(
    "zip-unsafe",
    ERROR,
    "Zip-filen er ikke trygg å pakke ut: {detail}",
    "The zip file is not safe to extract: {detail}",
    "Pakk filene på nytt uten mapper utenfor arkivet.",
    "Re-create the zip without paths outside the archive.",
)
_t(
    "zip-bomb",
    ERROR,
    "Zip-filen pakker ut til mye mer enn den er stor ({detail}).",
    "The zip file expands far beyond its size ({detail}).",
    "Send filene uten zip eller i en vanlig zip.",
    "Send the files unzipped or in an ordinary zip.",
)
_t(
    "xml-entities",
    ERROR,
    "XML-filen bruker entiteter (DOCTYPE/ENTITY), som ikke tillates.",
    "The XML file uses entity declarations (DOCTYPE/ENTITY), which are not allowed.",
    "Eksporter filen på nytt fra kartverktøyet.",
    "Export the file again from your GIS tool.",
)
_t(
    "layer-choice",
    ERROR,
    "Filen har flere lag ({detail}); velg ett.",
    "The file has several layers ({detail}); choose one.",
    "Velg hvilket lag som skal leses.",
    "Choose the layer to read.",
)
_t(
    "layer-unknown",
    ERROR,
    "Laget finnes ikke. Lag i filen: {detail}",
    "No such layer. Layers in the file: {detail}",
    "Oppgi et av lagene som finnes.",
    "Name one of the layers that exist.",
)
_t(
    "no-geometry",
    ERROR,
    "Fant ingen geometri eller koordinatkolonner ({detail}).",
    "No geometry or coordinate columns found ({detail}).",
    "Legg til kolonner for WKT, lat/lon eller øst/nord (UTM).",
    "Add WKT, lat/lon or east/north (UTM) columns.",
)
_t(
    "crs-missing",
    ERROR,
    "Filen oppgir ikke koordinatsystem, og det kunne ikke utledes.",
    "The file declares no coordinate reference system, and none could be inferred.",
    "Lagre filen med koordinatsystem (f.eks. EPSG:25833) eller legg ved .prj.",
    "Save the file with its CRS (e.g. EPSG:25833) or include the .prj.",
)
_t(
    "crs-assumed",
    WARNING,
    "Koordinatsystem manglet; antok {detail} ut fra koordinatene.",
    "No CRS declared; assumed {detail} from the coordinate values.",
    "Lagre filen med koordinatsystem.",
    "Save the file with its CRS.",
)
_t(
    "crs-unsupported",
    ERROR,
    "Koordinatsystemet {detail} støttes ikke.",
    "The CRS {detail} is not supported.",
    "Bruk EPSG:25832, 25833, 25835, 4258, 4326, 3857, 5972 eller 5973.",
    "Use EPSG:25832, 25833, 25835, 4258, 4326, 3857, 5972 or 5973.",
)
_t(
    "kommune-unknown",
    ERROR,
    "Ukjent kommunenummer «{value}».",
    "Unknown kommune number '{value}'.",
    "Bruk 2024-kommunenummer med fire sifre, f.eks. 3203 for Asker.",
    "Use the four-digit 2024 kommune number, e.g. 3203 for Asker.",
)
_t(
    "kommune-old-number",
    WARNING,
    "Kommunenummer {value} er fra før 2024; brukt {detail}.",
    "Kommune number {value} predates 2024; used {detail}.",
    "Bruk 2024-kommunenummeret neste gang.",
    "Use the 2024 number next time.",
)
_t(
    "kommune-mismatch",
    ERROR,
    "Raden oppgir kommune {value}, men innsendingen gjelder {detail}.",
    "The row names kommune {value}, but the submission is for {detail}.",
    "Send inn hver kommunes områder for seg.",
    "Submit each kommune's sites separately.",
)
_t(
    "resubmission-noop",
    INFO,
    "Samme fil er allerede lastet inn (innsending {detail}); ingenting endret.",
    "The same file was already loaded (submission {detail}); nothing changed.",
)

# --- row problems ---
_t(
    "missing-value",
    ERROR,
    "Mangler verdi i påkrevd felt.",
    "A required value is missing.",
    "Fyll inn feltet.",
    "Fill in the field.",
)
_t(
    "unknown-code",
    ERROR,
    "Ukjent verdi «{value}».",
    "Unknown value '{value}'.",
    "Bruk en av de tillatte verdiene{detail}",
    "Use one of the allowed values{detail}",
)
_t("code-normalised", INFO, "Tolket «{value}» som {detail}.", "Read '{value}' as {detail}.")
_t(
    "number-invalid",
    ERROR,
    "«{value}» er ikke et tall.",
    "'{value}' is not a number.",
    "Skriv et tall, f.eks. 12,5.",
    "Write a number, e.g. 12.5.",
)
_t("number-converted", INFO, "Tolket «{value}» som {detail}.", "Read '{value}' as {detail}.")
_t(
    "negative-value",
    ERROR,
    "Verdien «{value}» kan ikke være negativ.",
    "The value '{value}' cannot be negative.",
    "Rett verdien.",
    "Correct the value.",
)
_t(
    "date-invalid",
    ERROR,
    "«{value}» er ikke en gyldig dato.",
    "'{value}' is not a valid date.",
    "Skriv datoen som 2026-09-01 eller 01.09.2026.",
    "Write the date as 2026-09-01 or 01.09.2026.",
)
_t(
    "value-out-of-range",
    ERROR,
    "Verdien «{value}» er utenfor det tillatte området ({detail}).",
    "The value '{value}' is outside the allowed range ({detail}).",
    "Rett verdien.",
    "Correct the value.",
)
_t(
    "date-too-early",
    WARNING,
    "Datoen {value} er tidligere enn {detail}; er den skrevet riktig?",
    "The date {value} is earlier than {detail}; is it typed correctly?",
    "Kontroller datoen.",
    "Check the date.",
)
_t(
    "date-future",
    WARNING,
    "Verifiseringsdatoen {value} ligger fram i tid.",
    "The verification date {value} is in the future.",
    "Bruk datoen faktaet faktisk ble sjekket.",
    "Use the date the fact was actually checked.",
)
_t(
    "geometry-missing",
    ERROR,
    "Raden har ingen geometri.",
    "The row has no geometry.",
    "Tegn området eller oppgi koordinater.",
    "Draw the site or give its coordinates.",
)
_t(
    "geometry-invalid",
    WARNING,
    "Ugyldig geometri ({detail}) ble reparert.",
    "Invalid geometry ({detail}) was repaired.",
    "Kontroller omrisset i kartverktøyet.",
    "Check the outline in your GIS tool.",
)
_t(
    "geometry-unrepairable",
    ERROR,
    "Geometrien er ugyldig og kan ikke repareres ({detail}).",
    "The geometry is invalid and cannot be repaired ({detail}).",
    "Tegn området på nytt.",
    "Redraw the site.",
)
_t(
    "geometry-wrong-type",
    ERROR,
    "Geometritypen {value} kan ikke brukes for et område.",
    "Geometry type {value} cannot be used for a site.",
    "Bruk polygon.",
    "Use a polygon.",
)
_t(
    "point-site",
    WARNING,
    "Punkt i stedet for polygon; lagret som sirkel med oppgitt areal.",
    "A point instead of a polygon; stored as a circle of the given area.",
    "Send inn områdets omriss når det finnes.",
    "Submit the site's outline when you have it.",
)
_t(
    "point-without-area",
    ERROR,
    "Punkt uten areal kan ikke brukes.",
    "A point without an area cannot be used.",
    "Oppgi areal, eller send inn polygon.",
    "Give the area, or submit a polygon.",
)
_t(
    "axes-swapped",
    WARNING,
    "Koordinatene var byttet om ({detail}); rettet.",
    "The coordinates were swapped ({detail}); fixed.",
    "Kontroller kolonnerekkefølgen i filen.",
    "Check the column order in your file.",
)
_t(
    "outside-norway",
    ERROR,
    "Koordinatene ligger utenfor Norge.",
    "The coordinates lie outside Norway.",
    "Kontroller koordinatsystemet og koordinatene.",
    "Check the coordinate system and the coordinates.",
)
_t(
    "outside-kommune",
    WARNING,
    "{detail} av området ligger utenfor kommune {value}.",
    "{detail} of the site lies outside kommune {value}.",
    "Kontroller omrisset eller kommunenummeret.",
    "Check the outline or the kommune number.",
)
_t(
    "outside-kommune-entirely",
    ERROR,
    "Området ligger helt utenfor kommune {value}.",
    "The site lies entirely outside kommune {value}.",
    "Kontroller kommunenummeret.",
    "Check the kommune number.",
)
_t(
    "duplicate-reference",
    ERROR,
    "Referansen «{value}» finnes flere ganger i filen (også rad {detail}).",
    "The reference '{value}' occurs more than once in the file (also row {detail}).",
    "Gi hvert område en unik referanse.",
    "Give each site a unique reference.",
)
_t(
    "duplicate-site",
    WARNING,
    "Området overlapper {detail} med et eksisterende område.",
    "The site overlaps {detail} with an existing site.",
    "Kontroller om det er samme område; bruk samme referanse for å oppdatere.",
    "Check whether it is the same site; use the same reference to update it.",
)
_t(
    "duplicate-geometry",
    WARNING,
    "Området overlapper {detail} med en annen rad i filen.",
    "The site overlaps {detail} with another row of the file.",
    "Fjern dubletten.",
    "Remove the duplicate.",
)
_t(
    "area-mismatch",
    WARNING,
    "Oppgitt areal {detail}.",
    "The submitted area {detail}.",
    "Kontroller arealet eller omrisset.",
    "Check the area or the outline.",
)
_t(
    "facts-contradict",
    WARNING,
    "Opplysningene motsier hverandre: {detail}.",
    "The facts contradict each other: {detail}.",
    "Rett den opplysningen som er feil.",
    "Correct whichever fact is wrong.",
)


def make_issue(
    slug: str,
    *,
    row: int | None = None,
    field: str | None = None,
    value: object = None,
    detail: str = "",
    detail_en: str | None = None,
    file: str | None = None,
    severity: str | None = None,
) -> Issue:
    """Build an issue of a declared type, filling {value} and {detail} into its bilingual templates.

    `detail` fills both languages unless `detail_en` gives the English one.
    """
    t = ISSUE_TYPES[slug]
    sval = "" if value is None else str(value)
    no = {"value": sval, "detail": detail}
    en = {"value": sval, "detail": detail if detail_en is None else detail_en}
    return Issue(
        issue_type=slug,
        severity=severity or t.severity,
        message_no=t.message_no.format(**no),
        message_en=t.message_en.format(**en),
        row=row,
        field=field,
        value=None if value is None else sval[:500],
        fix_no=t.fix_no.format(**no),
        fix_en=t.fix_en.format(**en),
        file=file,
    )


class SubmissionRejected(Exception):
    """The whole file is rejected; carries the issues that say why."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(issues[0].one_line() if issues else "rejected")
        self.issues = issues


_t(
    "column-unknown",
    INFO,
    "Kolonner som ikke ble gjenkjent (tatt vare på, ikke brukt): {detail}",
    "Columns not recognised (kept, not used): {detail}",
    "Bruk malens kolonnenavn, eller oppgi hvilken kolonne som er hvilket felt (kolonnemapping).",
    "Use the template's column names, or say which column is which field (a column mapping).",
)

# --- reading phase (etl/readers.py) ---
_t(
    "layer-chosen",
    INFO,
    "Filen har flere lag eller ark ({detail}); leste «{value}».",
    "The file has several layers or sheets ({detail}); read '{value}'.",
    "Velg et annet lag hvis det var det som var ment.",
    "Choose another layer if that one was meant.",
)
_t(
    "encoding-fallback",
    INFO,
    "Teksten er ikke UTF-8; leste den som {detail}.",
    "The text is not UTF-8; read it as {detail}.",
    "Lagre filen som UTF-8 neste gang.",
    "Save the file as UTF-8 next time.",
)
_t(
    "header-rows-skipped",
    INFO,
    "Hoppet over {detail} rad(er) over kolonnenavnene; overskriftsraden er rad {value}.",
    "Skipped {detail} row(s) above the column names; the header row is row {value}.",
)
_t(
    "decimal-comma",
    INFO,
    "Tall skrevet med desimalkomma i kolonnene {detail}; tolkes som desimaltall.",
    "Numbers written with a decimal comma in the columns {detail}; read as decimals.",
)
_t(
    "coordinate-columns",
    INFO,
    "Leste geometri fra kolonnene {detail}.",
    "Read the geometry from the columns {detail}.",
)
_t(
    "crs-column",
    INFO,
    "Koordinatsystem oppgitt i kolonnen «{value}»: {detail}.",
    "Coordinate reference system given in the column '{value}': {detail}.",
)
_t(
    "crs-header",
    INFO,
    "Koordinatsystem oppgitt i kolonneoverskriften «{value}»: {detail}.",
    "Coordinate reference system given in the column heading '{value}': {detail}.",
)
_t(
    "missing-kommune",
    ERROR,
    "Raden mangler kommunenummer, og innsendingen oppgir ingen kommune.",
    "The row has no kommune number, and the submission names no kommune.",
    "Oppgi hvilken kommune filen gjelder.",
    "Name the kommune the file belongs to.",
)

# --- columns (etl/columns.py) and references (etl/validate.py) ---
_t(
    "column-recognised",
    INFO,
    "Kolonnen «{value}» ble lest som {detail} ut fra verdiene i den.",
    "The column '{value}' was read as {detail} from its values.",
    "Gi kolonnen malens navn hvis det var feil.",
    "Give the column the template's name if that was wrong.",
)
_t(
    "column-missing",
    ERROR,
    "Fant ingen kolonne for det påkrevde feltet {detail}.",
    "No column was found for the required field {detail}.",
    "Gi kolonnen med denne opplysningen overskriften «{value}», eller si i en kolonnemapping hvilken "
    "kolonne som er «{value}» (kolonnens navn: {value}).",
    "Head the column that holds it '{value}', or say in a column mapping which column is '{value}' "
    "(column name: {value}).",
)
_t(
    "reference-column-missing",
    WARNING,
    "Filen har ingen kolonne for kommunens referanse; hver rad fikk en referanse laget av kommunenummer og "
    "navn (for eksempel «{value}»).",
    "The file has no column for the kommune's reference; each row was given one made of the kommune "
    "number and the name (for example '{value}').",
    "Legg til en kolonne «reference» med en fast referanse per område; uten den blir et område som får nytt "
    "navn, lagret som et nytt område.",
    "Add a column 'reference' with a fixed reference per site; without it, a site whose name changes is "
    "stored as a new site.",
)
_t(
    "reference-derived",
    WARNING,
    "Referanse mangler; brukte «{value}», laget av {detail}.",
    "The reference is missing; used '{value}', made of {detail}.",
    "Gi området en fast referanse.",
    "Give the site a fixed reference.",
)
_t(
    "template-example",
    ERROR,
    "Raden er malens eksempelrad, ikke et ekte område; den lastes ikke inn.",
    "The row is the template's example row, not a real site; it is not loaded.",
    "Slett eksempelraden, eller skriv et ekte område over hele raden (også referanse og navn).",
    "Delete the example row, or write a real site over the whole row (reference and name too).",
)

# --- what a file leaves out (registry.services.submissions) ---
_t(
    "sites-not-in-file",
    INFO,
    "{detail} av kommunens publiserte områder er ikke med i filen; de beholdes som de er.",
    "{detail} of the kommune's published sites are not in the file; they are kept as they are.",
    "Send inn med «Erstatt kommunens områder» for å arkivere dem.",
    "Submit with 'Replace' to archive them.",
)
_t(
    "replace-would-archive",
    INFO,
    "Med «Erstatt kommunens områder» ville {detail} område(r) blitt arkivert: {value}.",
    "With 'Replace', {detail} site(s) would be archived: {value}.",
    "Kontroller at disse ikke lenger skal være med før du sender inn.",
    "Check that these should no longer be listed before you submit.",
)

# Plain headings for the report: what a planner would call the problem (the slug is shown small beside).
_TITLES: dict[str, tuple[str, str]] = {
    "file-unreadable": ("Filen kan ikke leses", "The file cannot be read"),
    "file-empty": ("Tom fil", "Empty file"),
    "file-too-large": ("Filen er for stor", "The file is too large"),
    "too-many-features": ("For mange rader", "Too many rows"),
    "unsupported-format": ("Filformatet støttes ikke", "Unsupported file format"),
    "zip-unsafe": ("Zip-filen er ikke trygg", "Unsafe zip file"),
    "zip-bomb": ("Zip-filen pakker ut til for mye", "The zip file expands too far"),
    "xml-entities": ("XML med entiteter", "XML with entity declarations"),
    "layer-choice": ("Flere lag å velge mellom", "Several layers to choose from"),
    "layer-unknown": ("Laget finnes ikke", "No such layer"),
    "no-geometry": ("Ingen kartdata", "No map data"),
    "crs-missing": ("Koordinatsystem mangler", "Coordinate system missing"),
    "crs-assumed": ("Koordinatsystem antatt", "Coordinate system assumed"),
    "crs-unsupported": ("Koordinatsystemet støttes ikke", "Coordinate system not supported"),
    "kommune-unknown": ("Ukjent kommunenummer", "Unknown kommune number"),
    "kommune-old-number": ("Gammelt kommunenummer", "Old kommune number"),
    "kommune-mismatch": ("Feil kommune", "Wrong kommune"),
    "resubmission-noop": ("Samme fil som sist", "The same file as last time"),
    "missing-value": ("Påkrevd verdi mangler", "Required value missing"),
    "unknown-code": ("Ukjent verdi", "Unknown value"),
    "code-normalised": ("Verdi tolket", "Value interpreted"),
    "number-invalid": ("Ikke et tall", "Not a number"),
    "number-converted": ("Tall tolket", "Number interpreted"),
    "negative-value": ("Negativ verdi", "Negative value"),
    "date-invalid": ("Ugyldig dato", "Invalid date"),
    "value-out-of-range": ("Verdi utenfor tillatt område", "Value out of range"),
    "date-too-early": ("Svært gammel dato", "Very early date"),
    "date-future": ("Dato fram i tid", "Date in the future"),
    "geometry-missing": ("Omriss mangler", "Outline missing"),
    "geometry-invalid": ("Omriss reparert", "Outline repaired"),
    "geometry-unrepairable": ("Ubrukelig omriss", "Unusable outline"),
    "geometry-wrong-type": ("Ikke et område", "Not an area"),
    "point-site": ("Punkt i stedet for omriss", "Point instead of an outline"),
    "point-without-area": ("Punkt uten areal", "Point without an area"),
    "axes-swapped": ("Koordinatene var byttet om", "Coordinates swapped"),
    "outside-norway": ("Utenfor Norge", "Outside Norway"),
    "outside-kommune": ("Delvis utenfor kommunen", "Partly outside the kommune"),
    "outside-kommune-entirely": ("Utenfor kommunen", "Outside the kommune"),
    "duplicate-reference": ("Samme referanse to ganger", "The same reference twice"),
    "duplicate-site": ("Finnes kanskje fra før", "Possibly already registered"),
    "duplicate-geometry": ("Dobbeltført i filen", "Twice in the file"),
    "area-mismatch": ("Arealet stemmer ikke med omrisset", "The area does not match the outline"),
    "facts-contradict": ("Opplysninger som motsier hverandre", "Facts that contradict each other"),
    "column-unknown": ("Kolonner som ikke brukes", "Columns not used"),
    "layer-chosen": ("Lag valgt", "Layer chosen"),
    "encoding-fallback": ("Tegnsett tolket", "Character set interpreted"),
    "header-rows-skipped": ("Rader over overskriftene hoppet over", "Rows above the headings skipped"),
    "decimal-comma": ("Desimalkomma", "Decimal comma"),
    "coordinate-columns": ("Koordinatkolonner", "Coordinate columns"),
    "crs-column": ("Koordinatsystem fra kolonne", "Coordinate system from a column"),
    "crs-header": ("Koordinatsystem fra overskrift", "Coordinate system from a heading"),
    "missing-kommune": ("Kommune mangler", "Kommune missing"),
    "column-recognised": ("Kolonne gjenkjent på innholdet", "Column recognised by its contents"),
    "column-missing": ("Påkrevd kolonne mangler", "Required column missing"),
    "reference-column-missing": ("Referanser laget av navn", "References made from names"),
    "reference-derived": ("Referanse laget", "Reference made"),
    "template-example": ("Malens eksempelrad", "The template's example row"),
    "sites-not-in-file": ("Områder som ikke er med i filen", "Sites not in the file"),
    "replace-would-archive": ("Dette ville blitt arkivert", "What would be archived"),
}
for _slug, (_no, _en) in _TITLES.items():
    ISSUE_TYPES[_slug] = replace(ISSUE_TYPES[_slug], title_no=_no, title_en=_en)


def title(slug: str, lang: str) -> str:
    """The plain heading of an issue type (the slug itself for a type no longer declared)."""
    t = ISSUE_TYPES.get(slug)
    if t is None:
        return slug
    return (t.title_no if lang == "no" else t.title_en) or slug
