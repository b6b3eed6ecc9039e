"""Phase 3: parse cell values into typed canonical values, reporting what was converted or wrong.

Parsing works column by column on the distinct values only (a 100k-row file has few distinct codes and
dates), then maps the results back to the rows, so the cost follows the variety, not the row count.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from etl.issues import Issue, make_issue
from etl.text import quantity
from etl.validate import UNREADABLE, check_bounds
from schemas.fields import FIELDS, FIELDS_BY_NAME, FieldSpec, normalise_header
from schemas.taxonomy import Taxonomy


@dataclass(frozen=True)
class Parsed:
    """The outcome of parsing one distinct value."""

    value: Any
    issue: str | None = None  # issue slug
    detail: str = ""
    detail_en: str | None = None  # when the English detail differs


_MISSING = Parsed(None)

# Units understood in numeric cells, as factors to the field's own unit.
_AREA_UNITS = {
    "m2": 1.0,
    "m²": 1.0,
    "kvm": 1.0,
    "kvadratmeter": 1.0,
    "daa": 1000.0,
    "dekar": 1000.0,
    "mål": 1000.0,
    "maal": 1000.0,
    "ha": 10_000.0,
    "hektar": 10_000.0,
    "km2": 1e6,
    "km²": 1e6,
}
_POWER_UNITS = {"mw": 1.0, "kw": 0.001, "gw": 1000.0}
_PRICE_UNITS = {"kr/m2": 1.0, "kr/m²": 1.0, "nok/m2": 1.0, "nok/m²": 1.0, "kr": 1.0, "nok": 1.0, ",-": 1.0}
_NUM_RE = re.compile(r"^\s*([-+]?[\d\s\u00a0.,']*\d)\s*([^\d\s].*)?$")


def is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    if raw is pd.NaT:
        return True
    return isinstance(raw, str) and raw.strip() in {"", "-", "–", "nan", "NaN", "null", "NULL", "None"}


def _number_text(text: str) -> float | None:
    """Parse '1 200,5', '1.200,5', '1,200.5', '12,5', '12.5' (Norwegian and English conventions)."""
    t = text.replace("\u00a0", "").replace(" ", "").replace("'", "")
    if "," in t and "." in t:
        # The last separator is the decimal one.
        t = t.replace(".", "").replace(",", ".") if t.rfind(",") > t.rfind(".") else t.replace(",", "")
    elif "," in t:
        t = t.replace(",", ".") if t.count(",") == 1 else t.replace(",", "")
    elif t.count(".") > 1:
        t = t.replace(".", "")
    try:
        return float(t)
    except ValueError:
        return None


def parse_number(raw: Any, spec: FieldSpec) -> Parsed:
    """Parse a number, with a unit or a decimal comma, into the field's unit."""
    if is_blank(raw):
        return _MISSING
    if isinstance(raw, bool):
        return Parsed(None, "number-invalid")
    if isinstance(raw, int | float | np.integer | np.floating):
        value = float(raw)
        if spec.kind == "int" and not value.is_integer():
            return Parsed(None, "number-invalid")
        return Parsed(int(value) if spec.kind == "int" else value)
    text = str(raw).strip()
    m = _NUM_RE.match(text)
    if not m:
        return Parsed(None, "number-invalid")
    number = _number_text(m.group(1))
    if number is None:
        return Parsed(None, "number-invalid")
    unit = (m.group(2) or "").strip().lower().replace(" ", "")
    factor = 1.0
    if unit:
        table = (
            _AREA_UNITS
            if spec.unit in {"m2", "daa"}
            else _POWER_UNITS
            if spec.unit == "MW"
            else _PRICE_UNITS
            if spec.unit == "NOK/m2"
            else {}
        )
        if unit not in table:
            return Parsed(None, "number-invalid")
        factor = table[unit]
        if spec.unit == "daa":
            factor = factor / 1000.0
    value = number * factor
    if spec.kind == "int":
        if not float(value).is_integer():
            return Parsed(None, "number-invalid")
        return Parsed(int(value))
    converted = bool(unit) or ("," in text) or (" " in text.strip())
    if converted:
        no, en = (quantity(value, spec.unit, lang) for lang in ("no", "en"))
        return Parsed(value, "number-converted", no, en)
    return Parsed(value)


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y", "%Y/%m/%d", "%d-%m-%Y", "%Y%m%d")


# A time of day after the date ("2026-09-01T10:00:00Z", "01.09.2026 10:00"): the date is what counts.
_TIME_OF_DAY = re.compile(r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def parse_date(raw: Any) -> Parsed:
    """Parse ISO or Norwegian dd.mm.yyyy dates, with or without a time of day (also Excel datetimes)."""
    if is_blank(raw):
        return _MISSING
    if isinstance(raw, dt.datetime):  # pandas Timestamps are datetimes too
        return Parsed(raw.date())
    if isinstance(raw, dt.date):
        return Parsed(raw)
    text = _TIME_OF_DAY.sub("", str(raw).strip())
    for fmt in _DATE_FORMATS:
        try:
            return Parsed(dt.datetime.strptime(text, fmt).date())
        except ValueError:
            continue
    return Parsed(None, "date-invalid")


def _code_index(tax: Taxonomy) -> dict[str, str]:
    index: dict[str, str] = {}
    for term in tax.terms:
        for spelling in (term.code, term.label_no, term.label_en, *term.aliases):
            index.setdefault(normalise_header(spelling), term.code)
    return index


_CODE_INDEXES: dict[str, dict[str, str]] = {}


def _index(tax: Taxonomy) -> dict[str, str]:
    if tax.name not in _CODE_INDEXES:
        _CODE_INDEXES[tax.name] = _code_index(tax)
    return _CODE_INDEXES[tax.name]


def _suggest(tax: Taxonomy, text: str) -> tuple[str, str]:
    """The closest allowed value as a (Norwegian, English) hint, or the list of allowed codes."""
    keys = list(_index(tax))
    close = difflib.get_close_matches(normalise_header(text), keys, n=1, cutoff=0.6)
    if close:
        code = _index(tax)[close[0]]
        return (
            f" — mente du {code} ({tax.label(code, 'no')})?",
            f" — did you mean {code} ({tax.label(code, 'en')})?",
        )
    codes = ": " + ", ".join(tax.codes) + "."
    return codes, codes


def parse_code(raw: Any, tax: Taxonomy) -> Parsed:
    """Match a coded value by code, label or alias; suggest the closest allowed value when unknown."""
    if is_blank(raw):
        return _MISSING
    text = str(raw).strip()
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    if text in tax:
        return Parsed(text)
    key = normalise_header(text)
    if key.upper() in tax:
        return Parsed(key.upper())
    # "M3 Regulert", "E2 - anslått": a leading code wins.
    lead = re.match(r"^([A-Za-z]?\d{1,4})\b", text)
    if lead and lead.group(1).upper() in tax:
        return Parsed(lead.group(1).upper())
    code = _index(tax).get(key)
    if code:
        return Parsed(code, "code-normalised", f"{code} ({tax.label(code, 'en')})")
    hint_no, hint_en = _suggest(tax, text)
    return Parsed(None, "unknown-code", hint_no, hint_en)


def parse_codes(raw: Any, tax: Taxonomy) -> Parsed:
    """Parse a list of codes separated by ; , | + or spaces, or given as a list (a GeoJSON array)."""
    if isinstance(raw, list | tuple | np.ndarray):
        raw = ";".join(str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in raw)
    if is_blank(raw):
        return Parsed([])
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = str(int(raw))
    parts = [p for p in re.split(r"[;,|+\s]+", str(raw).strip()) if p]
    codes: list[str] = []
    for part in parts:
        got = parse_code(part, tax)
        if got.issue == "unknown-code":
            # A whole phrase ("industri/lager") may be one alias even when its parts are not; only an
            # alias of the whole: parse_code would take the leading code of "1340;lagerbygg"
            # and drop the rest.
            code = _index(tax).get(normalise_header(str(raw)))
            if code is not None:
                return Parsed([code], "code-normalised", f"{code} ({tax.label(code, 'en')})")
            return Parsed(None, "unknown-code", got.detail, got.detail_en)
        if got.value not in codes:
            codes.append(got.value)
    return Parsed(codes)


def parse_text(raw: Any) -> Parsed:
    if is_blank(raw):
        return _MISSING
    if isinstance(raw, float) and raw.is_integer():
        return Parsed(str(int(raw)))
    return Parsed(str(raw).strip())


def parse_urls(raw: Any) -> Parsed:
    if is_blank(raw):
        return Parsed([])
    return Parsed([u for u in re.split(r"[\s;,]+", str(raw).strip()) if u])


def parse_kommune_nr(raw: Any) -> Parsed:
    """Normalise a kommune number to four digits (301 → '0301'); validity is checked later."""
    if is_blank(raw):
        return _MISSING
    if isinstance(raw, int | float | np.integer | np.floating) and not isinstance(raw, bool):
        if not float(raw).is_integer():
            return Parsed(None, "kommune-unknown")
        raw = str(int(raw))
    text = str(raw).strip()
    if re.fullmatch(r"\d{3,4}", text):
        return Parsed(text.zfill(4))
    return Parsed(None, "kommune-unknown")


def parser_for(spec: FieldSpec) -> Callable[[Any], Parsed]:
    if spec.kind in {"float", "int"}:
        return lambda raw: parse_number(raw, spec)
    if spec.kind == "date":
        return parse_date
    if spec.kind == "code":
        assert spec.taxonomy is not None
        tax = spec.taxonomy
        return lambda raw: parse_code(raw, tax)
    if spec.kind == "codes":
        assert spec.taxonomy is not None
        tax_many = spec.taxonomy
        return lambda raw: parse_codes(raw, tax_many)
    if spec.kind == "urls":
        return parse_urls
    if spec.kind == "kommune_nr":
        return parse_kommune_nr
    return parse_text


# Fields a column is recognised as by its values alone (whatever its header says), in this order.
VALUE_RECOGNISED = ("maturity", "power_status", "availability", "area_m2", "kommune_nr")
_MAX_DISTINCT_CODES = 100  # a coded column has few distinct values; more means free text


def _has_area_unit(raw: Any) -> bool:
    """Tell whether a cell is a number written with an area unit ("24 800 m²", "25 daa", "2,5 ha")."""
    m = _NUM_RE.match(raw) if isinstance(raw, str) else None
    if m is None:
        return False
    unit = (m.group(2) or "").strip().lower().replace(" ", "")
    return unit in _AREA_UNITS and _number_text(m.group(1)) is not None


def _fits(spec: FieldSpec, distinct: list[Any], kommune_numbers: Collection[str]) -> bool:
    """Tell whether every distinct value reads as a value of `spec`."""
    if spec.kind == "code":
        assert spec.taxonomy is not None
        tax = spec.taxonomy
        return len(distinct) <= _MAX_DISTINCT_CODES and all(
            parse_code(v, tax).value is not None for v in distinct
        )
    if spec.name == "area_m2":
        return all(_has_area_unit(v) for v in distinct)
    if spec.kind == "kommune_nr":
        if len(distinct) > _MAX_DISTINCT_CODES:
            return False
        parsed = [parse_kommune_nr(v).value for v in distinct]
        return all(nr is not None and nr in kommune_numbers for nr in parsed)
    return False


def recognise_field(
    column: pd.Series, *, candidates: Collection[str], kommune_numbers: Collection[str] = ()
) -> str | None:
    """The one field among `candidates` that every non-blank value of `column` fits, else None.

    A column of maturity words is the maturity column whatever its header; codes, areas written with
    their unit and known kommune numbers are recognised the same way. A column that fits two fields
    ("reservert": power or availability) is left alone rather than guessed.
    """
    _, uniques = _distinct(column)
    distinct = [v for v in uniques if not is_blank(v)]
    if not distinct:
        return None
    fitting = [
        name
        for name in VALUE_RECOGNISED
        if name in candidates and _fits(FIELDS_BY_NAME[name], distinct, kommune_numbers)
    ]
    return fitting[0] if len(fitting) == 1 else None


def _distinct(column: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Per-row codes into the distinct values (-1 for None/NaN), computed in C by pandas."""
    try:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        return np.asarray(codes), list(uniques)
    except TypeError:  # unhashable cells, e.g. JSON arrays in a GeoJSON property
        keys = [repr(v) for v in column]
        codes, uniques_keys = pd.factorize(pd.Series(keys, dtype=object))
        first = {k: v for k, v in zip(keys, column, strict=True)}
        return np.asarray(codes), [first[k] for k in uniques_keys]


_BLANK_TEXT = ["", "-", "–", "nan", "NaN", "null", "NULL", "None"]


def _strip_text(column: pd.Series) -> pd.Series:
    """Strip a column of strings; blanks become None (the same outcome as parse_text, per column)."""
    stripped = column.str.strip()
    blank = (stripped.isna() | stripped.isin(_BLANK_TEXT)).to_numpy()
    values = stripped.to_numpy(dtype=object, na_value=None, copy=True)
    values[blank] = None
    return pd.Series(values, index=column.index, dtype=object)


def _split_urls(values: pd.Series) -> pd.Series:
    """Split stripped strings into lists of links (the same outcome as parse_urls, per column)."""
    parts = values.str.split(r"[\s;,]+", regex=True)
    lists = [[u for u in p if u] if isinstance(p, list) else [] for p in parts.tolist()]
    return pd.Series(_object_array(lists), index=values.index, dtype=object)


def _object_array(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def parse_values(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Issue]]:
    """Parse every canonical column of `frame`; return typed columns and the issues, row by row."""
    out = pd.DataFrame(index=frame.index)
    issues: list[Issue] = []
    rows = frame["source_row"].to_numpy() if "source_row" in frame else np.arange(1, len(frame) + 1)
    for spec in FIELDS:
        if spec.name not in frame.columns:
            continue
        column = frame[spec.name]
        plain_strings = pd.api.types.infer_dtype(column, skipna=True) in {"string", "empty"}
        if spec.kind in {"text", "urls"} and plain_strings:
            # The common case, vectorised: plain strings have nothing to report.
            text_values = _strip_text(column)
            out[spec.name] = text_values if spec.kind == "text" else _split_urls(text_values)
            continue
        parse = parser_for(spec)
        codes, uniques = _distinct(column)
        # The last entry stands for blank cells (code -1).
        parsed = [parse(u) for u in uniques] + [parse(None)]
        values = _object_array([p.value for p in parsed])[codes]
        out[spec.name] = pd.Series(values, index=frame.index, dtype=object)
        with_issue = np.array([p.issue is not None for p in parsed])[codes]
        # Positions given a value that could not be read: already reported here, so the required-value
        # rule must not also call them missing (validate.check_required reads this).
        unreadable = np.array([p.issue is not None and p.value is None for p in parsed])[codes]
        if unreadable.any():
            out.attrs.setdefault(UNREADABLE, {})[spec.name] = np.flatnonzero(unreadable).tolist()
        raw_values = column.to_numpy()
        for i in np.flatnonzero(with_issue):
            res = parsed[codes[i]]
            assert res.issue is not None
            issues.append(
                make_issue(
                    res.issue,
                    row=int(rows[i]),
                    field=spec.name,
                    value=raw_values[i],
                    detail=res.detail,
                    detail_en=res.detail_en,
                )
            )
    # Out-of-range numbers are reported and cleared before area_daa is folded into area_m2.
    issues += check_bounds(out, rows)
    # area_daa is a convenience: fill area_m2 from it when area_m2 is not given.
    if "area_daa" in out:
        daa = pd.to_numeric(out.pop("area_daa"), errors="coerce") * 1000.0
        m2 = pd.to_numeric(out["area_m2"], errors="coerce") if "area_m2" in out else daa * np.nan
        filled = m2.where(m2.notna(), daa)
        out["area_m2"] = pd.Series(
            _object_array([None if np.isnan(v) else float(v) for v in filled.to_numpy()]),
            index=out.index,
            dtype=object,
        )
    return out, issues
