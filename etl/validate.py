"""The validation rules — the one copy, for every write path (file intake now; the site form and the
API's writes call `validate_record`).

Rules work on a frame of parsed canonical values (one row per site) so a 100k-row file is checked with
vectorised masks; `validate_record` runs the same rules on a single site. The allowed ranges (`BOUNDS`,
`EARLIEST_DATE`) are declared here once; the Excel template's data checks derive from them, and the
database's check constraints are the safety net behind them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from etl.issues import Issue, make_issue
from etl.lookup import KommuneIndex
from etl.text import percent, quantity
from schemas.fields import FIELDS, FIELDS_BY_NAME, normalise_header

AREA_TOLERANCE = 0.10  # submitted vs computed area
OUTSIDE_TOLERANCE = 0.01  # share of a site that may stick out of its kommune before we say so
VERIFIED_FIELDS = tuple(f.name for f in FIELDS if f.name.endswith("_verified_at"))
REQUIRED_FIELDS = tuple(f.name for f in FIELDS if f.required)
DATE_FIELDS = tuple(f.name for f in FIELDS if f.kind == "date")

# Key in the parsed frame's `attrs`: field name → positions whose value was given but unreadable
# (etl.values records them; the required-value rule must not call them missing too).
UNREADABLE = "unreadable_positions"


@dataclass(frozen=True)
class Bounds:
    """The allowed range of a number field (inclusive); None is open."""

    minimum: float | None = None
    maximum: float | None = None

    def describe(self) -> str:
        if self.maximum is None:
            return f"≥ {self.minimum:g}"
        if self.minimum is None:
            return f"≤ {self.maximum:g}"
        return f"{self.minimum:g}–{self.maximum:g}"


BOUNDS: dict[str, Bounds] = {
    "area_m2": Bounds(0),
    "area_daa": Bounds(0),
    "power_mw_now": Bounds(0),
    "power_mw_future": Bounds(0),
    "price_nok_per_m2": Bounds(0),
    "power_future_year": Bounds(2000, 2100),
}
# No fact of the registry was verified, reserved or dated before this.
EARLIEST_DATE = dt.date(2000, 1, 1)


def check_bounds(frame: pd.DataFrame, rows: np.ndarray) -> list[Issue]:
    """Report numbers outside their allowed range, and clear them so no later rule reads them."""
    issues = []
    for name, bounds in BOUNDS.items():
        if name not in frame:
            continue
        numbers = pd.to_numeric(frame[name], errors="coerce")
        never = pd.Series(False, index=numbers.index)
        low = numbers < bounds.minimum if bounds.minimum is not None else never
        high = numbers > bounds.maximum if bounds.maximum is not None else never
        bad = np.flatnonzero((low | high).to_numpy())
        if not len(bad):
            continue
        for i in bad:
            negative = bounds.minimum == 0 and bool(low.iat[i])
            issues.append(
                make_issue(
                    "negative-value" if negative else "value-out-of-range",
                    row=int(rows[i]),
                    field=name,
                    value=frame[name].iat[i],
                    detail="" if negative else bounds.describe(),
                )
            )
        values = frame[name].to_numpy(copy=True)
        values[bad] = None
        frame[name] = pd.Series(values, index=frame.index, dtype=object)
    return issues


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame:
        return frame[name]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _present(series: pd.Series) -> np.ndarray:
    return series.map(lambda v: v is not None and not (isinstance(v, float) and np.isnan(v))).to_numpy(bool)


def check_required(frame: pd.DataFrame, rows: np.ndarray) -> list[Issue]:
    """Report rows missing a required value; a field with no column at all is reported once, elsewhere.

    A missing column is `column-missing` (etl.columns), one error for the file instead of one per row.
    """
    issues = []
    unreadable = frame.attrs.get(UNREADABLE, {})
    for name in REQUIRED_FIELDS:
        if name not in frame:
            continue
        missing = ~_present(frame[name])
        missing[unreadable.get(name, [])] = False  # given but unreadable: reported once, as that
        issues += [make_issue("missing-value", row=int(rows[i]), field=name) for i in np.flatnonzero(missing)]
    return issues


def _slug(text: str) -> str:
    """A reference-safe form of a name: folded, lower case, words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", normalise_header(text)).strip("-")[:60]


def geometry_key(geom: BaseGeometry) -> str:
    """A short, deterministic hash of an outline (centimetre precision, normalised ring order)."""
    wkb = shapely.to_wkb(shapely.normalize(shapely.set_precision(geom, 0.01)))
    return hashlib.sha256(wkb).hexdigest()[:10]


def derive_references(
    frame: pd.DataFrame,
    rows: np.ndarray,
    kommune_nrs: pd.Series,
    geoms: np.ndarray,
    *,
    kommune_nr: str | None,
) -> list[Issue]:
    """Give rows without a reference a deterministic one, in place: kommune + normalised name, else a
    hash of the outline; a name used twice gets the outline's hash as well.

    A file with no reference column gets one file-level warning; a blank cell, one warning on its row.
    """
    had_column = "reference" in frame
    refs = _col(frame, "reference").to_numpy(dtype=object, copy=True)
    names = _col(frame, "name")
    blank = ~_present(pd.Series(refs, index=frame.index))
    if not blank.any():
        return []
    slugs = [_slug(str(n)) if n is not None and str(n).strip() else "" for n in names]
    repeated = Counter(s for s, b in zip(slugs, blank, strict=True) if b and s)
    issues: list[Issue] = []
    for i in np.flatnonzero(blank):
        nr = kommune_nrs.iat[i] or kommune_nr or "0000"
        g = geoms[i]
        if slugs[i]:
            ref = f"{nr}-{slugs[i]}"
            if repeated[slugs[i]] > 1 and g is not None:
                ref += f"-{geometry_key(g)}"
            how = ("kommunenummer og navn", "the kommune number and the name")
        elif g is not None:
            ref, how = (
                f"{nr}-{geometry_key(g)}",
                ("kommunenummer og omriss", "the kommune number and the outline"),
            )
        else:
            continue  # nothing to make one of; the row is refused as missing its reference
        refs[i] = ref
        if had_column:
            issues.append(
                make_issue(
                    "reference-derived",
                    row=int(rows[i]),
                    field="reference",
                    value=ref,
                    detail=how[0],
                    detail_en=how[1],
                )
            )
    frame["reference"] = pd.Series(refs, index=frame.index, dtype=object)
    if not had_column:
        example = next(r for r in refs if r is not None) if any(r is not None for r in refs) else ""
        issues.append(make_issue("reference-column-missing", field="reference", value=example))
    return issues


# The Excel template's example row carries this reference and a name starting with it (etl.template).
TEMPLATE_EXAMPLE_REFERENCE = "EKSEMPEL"


def check_template_example(frame: pd.DataFrame, rows: np.ndarray) -> list[Issue]:
    """Refuse the template's example row when it is submitted as it stands.

    The row is known by its marker (reference EKSEMPEL or a name starting with it), or, in templates made
    before the marker, by the catalogue's example reference and name together.
    """
    refs = _col(frame, "reference").astype("string")
    names = _col(frame, "name").astype("string")
    marker = TEMPLATE_EXAMPLE_REFERENCE
    marked = refs.str.fullmatch(rf"\s*{marker}\s*", case=False) | names.str.match(
        rf"\s*{marker}\b", case=False
    )
    old = refs.eq(FIELDS_BY_NAME["reference"].example) & names.eq(FIELDS_BY_NAME["name"].example)
    hits = np.flatnonzero((marked.fillna(False) | old.fillna(False)).to_numpy(bool))
    return [
        make_issue("template-example", row=int(rows[i]), field="reference", value=frame["reference"].iat[i])
        if "reference" in frame
        else make_issue("template-example", row=int(rows[i]), field="name")
        for i in hits
    ]


def check_dates(frame: pd.DataFrame, rows: np.ndarray, *, today: dt.date) -> list[Issue]:
    issues = []
    for name in DATE_FIELDS:
        col = _col(frame, name)
        early = col.map(lambda v: isinstance(v, dt.date) and v < EARLIEST_DATE).to_numpy(bool)
        issues += [
            make_issue(
                "date-too-early",
                row=int(rows[i]),
                field=name,
                value=col.iat[i].isoformat(),
                detail=EARLIEST_DATE.isoformat(),
            )
            for i in np.flatnonzero(early)
        ]
    for name in VERIFIED_FIELDS:
        col = _col(frame, name)
        future = col.map(lambda v: isinstance(v, dt.date) and v > today).to_numpy(bool)
        issues += [
            make_issue("date-future", row=int(rows[i]), field=name, value=col.iat[i].isoformat())
            for i in np.flatnonzero(future)
        ]
    return issues


# Facts that cannot both be true: (field to point at, bilingual detail, rule over the whole frame).
# The detail may use {maturity}; each rule returns a boolean mask, so 100k rows cost a few vector ops.
Rule = tuple[str, str, Callable[[Callable[[str], pd.Series]], pd.Series]]
CONTRADICTIONS: tuple[Rule, ...] = (
    (
        "maturity",
        "M5 byggeklar krever strøm E3/E4 / M5 ready to build requires power E3 or E4",
        lambda c: (c("maturity") == "M5") & ~c("power_status").isin(["E3", "E4"]),
    ),
    (
        "availability",
        "solgt, men bare {maturity} / sold, but only {maturity}",
        lambda c: (c("availability") == "sold") & c("maturity").isin(["M0", "M1"]),
    ),
    (
        "power_reserved_until",
        "E4 reservert uten dato / E4 reserved without an end date",
        lambda c: (c("power_status") == "E4") & c("power_reserved_until").isna(),
    ),
    (
        "power_future_year",
        "E1 kø uten årstall / E1 queue without a year",
        lambda c: (c("power_status") == "E1") & c("power_future_year").isna(),
    ),
    (
        "land_control",
        "til salgs, men privat uten avtale / for sale, but private without agreement",
        lambda c: (c("availability") == "for_sale_or_lease") & (c("land_control") == "private_no_agreement"),
    ),
    (
        "power_status",
        "E0 ukjent, men MW oppgitt / E0 unknown, but MW given",
        lambda c: (
            (c("power_status") == "E0") & (pd.to_numeric(c("power_mw_now"), errors="coerce").fillna(0) != 0)
        ),
    ),
)


def check_contradictions(frame: pd.DataFrame, rows: np.ndarray) -> list[Issue]:
    """Flag facts that contradict each other (warnings: the row is loaded)."""

    def col(name: str) -> pd.Series:
        return _col(frame, name)

    issues = []
    for field, detail, rule in CONTRADICTIONS:
        mask = rule(col).fillna(False).to_numpy(bool)
        for i in np.flatnonzero(mask):
            text = detail.format(maturity=col("maturity").iat[i]) if "{maturity}" in detail else detail
            issues.append(make_issue("facts-contradict", row=int(rows[i]), field=field, detail=text))
    issues.sort(key=lambda i: i.row or 0)
    return issues


def check_duplicate_references(frame: pd.DataFrame, rows: np.ndarray) -> list[Issue]:
    ref = _col(frame, "reference")
    seen: dict[str, int] = {}
    issues = []
    for i, value in enumerate(ref):
        if value is None:
            continue
        if value in seen:
            issues.append(
                make_issue(
                    "duplicate-reference",
                    row=int(rows[i]),
                    field="reference",
                    value=value,
                    detail=str(seen[value]),
                )
            )
        else:
            seen[value] = int(rows[i])
    return issues


def check_kommune(
    frame: pd.DataFrame, rows: np.ndarray, *, kommune_nr: str | None, index: KommuneIndex
) -> tuple[pd.Series, list[Issue]]:
    """Resolve each row's kommune number to 2024 numbering; return the resolved column and the issues."""
    col = _col(frame, "kommune_nr")
    resolved: list[str | None] = []
    issues: list[Issue] = []
    cache: dict[Any, tuple[str | None, bool]] = {}
    for i, value in enumerate(col):
        if value is None:
            if kommune_nr is None:
                issues.append(make_issue("missing-kommune", row=int(rows[i]), field="kommune_nr"))
            resolved.append(kommune_nr)
            continue
        if value not in cache:
            cache[value] = index.resolve(value)
        new, was_old = cache[value]
        if new is None:
            issues.append(make_issue("kommune-unknown", row=int(rows[i]), field="kommune_nr", value=value))
        elif was_old:
            issues.append(
                make_issue(
                    "kommune-old-number",
                    row=int(rows[i]),
                    field="kommune_nr",
                    value=value,
                    detail=index.describe(new),
                )
            )
        if new is not None and kommune_nr is not None and new != kommune_nr:
            issues.append(
                make_issue(
                    "kommune-mismatch",
                    row=int(rows[i]),
                    field="kommune_nr",
                    value=value,
                    detail=index.describe(kommune_nr),
                )
            )
            new = None
        resolved.append(new)
    return pd.Series(resolved, index=frame.index, dtype=object), issues


def check_area(frame: pd.DataFrame, rows: np.ndarray, geoms: np.ndarray, is_point: np.ndarray) -> list[Issue]:
    submitted = _col(frame, "area_m2")
    issues = []
    for i, (sub, g) in enumerate(zip(submitted, geoms, strict=True)):
        if sub is None or g is None or is_point[i] or not sub:
            continue
        area = g.area
        diff = abs(area - sub) / max(area, 1e-9)
        if diff > AREA_TOLERANCE:
            given, computed = (quantity(a, "m2", "no", 0) for a in (sub, area))
            no = f"{given} avviker {percent(diff, 'no')} fra arealet beregnet fra geometrien, {computed}"
            given, computed = (quantity(a, "m2", "en", 0) for a in (sub, area))
            en = (
                f"{given} differs by {percent(diff, 'en')} from the area computed from the geometry, "
                + computed
            )
            issues.append(
                make_issue(
                    "area-mismatch", row=int(rows[i]), field="area_m2", value=sub, detail=no, detail_en=en
                )
            )
    return issues


DUPLICATE_OVERLAP = 0.8  # share of the smaller site covered by the other


class OverlapLike(Protocol):
    """An overlap of a file's row with a live site (registry.store.site_load.Overlap)."""

    source_row: int
    site_id: int
    site_name: str
    kommune_nr: str
    share: float


def check_duplicate_sites(overlaps: Iterable[OverlapLike]) -> list[Issue]:
    """Flag a row whose site overlaps a live site by ≥ 80 % of the smaller of the two."""
    return [
        make_issue(
            "duplicate-site",
            row=o.source_row,
            field="geometry",
            detail=f"{percent(o.share, 'no')} (#{o.site_id} {o.site_name}, {o.kommune_nr})",
            detail_en=f"{percent(o.share, 'en')} (#{o.site_id} {o.site_name}, {o.kommune_nr})",
        )
        for o in overlaps
        if o.share >= DUPLICATE_OVERLAP
    ]


def check_duplicate_geometries(geoms: np.ndarray, rows: np.ndarray) -> list[Issue]:
    """Flag a row whose site overlaps an earlier row of the same file by ≥ 80 % of the smaller one."""
    live = np.flatnonzero(~shapely.is_missing(geoms))
    if len(live) < 2:
        return []
    g = geoms[live]
    left, right = shapely.STRtree(g).query(g, predicate="intersects")
    pair = left < right
    left, right = left[pair], right[pair]
    if not len(left):
        return []
    overlap = shapely.area(shapely.intersection(g[left], g[right]))
    share = overlap / np.minimum(shapely.area(g[left]), shapely.area(g[right]))
    issues = []
    for a, b, sh in zip(left, right, share, strict=True):
        if sh >= DUPLICATE_OVERLAP:
            first, later = sorted((int(rows[live[a]]), int(rows[live[b]])))
            issues.append(
                make_issue(
                    "duplicate-geometry",
                    row=later,
                    field="geometry",
                    detail=f"{percent(sh, 'no')} (rad {first})",
                    detail_en=f"{percent(sh, 'en')} (row {first})",
                )
            )
    return issues


def check_within_kommune(
    geoms: np.ndarray, rows: np.ndarray, kommune_nrs: pd.Series, outlines: Mapping[str, BaseGeometry]
) -> list[Issue]:
    """Flag sites sticking out of their kommune (warning) or entirely outside it (error)."""
    issues = []
    present = np.array([g is not None for g in geoms], dtype=bool)  # bool even for an empty file
    for nr, outline in outlines.items():
        idx = np.flatnonzero((kommune_nrs.to_numpy() == nr) & present)
        if not len(idx):
            continue
        shapely.prepare(outline)
        inside = shapely.contains_properly(outline, geoms[idx])
        for i in idx[~inside]:
            g = geoms[i]
            share_out = 1.0 - shapely.intersection(g, outline).area / g.area
            if share_out >= 0.999:
                issues.append(
                    make_issue("outside-kommune-entirely", row=int(rows[i]), field="geometry", value=nr)
                )
            elif share_out > OUTSIDE_TOLERANCE:
                issues.append(
                    make_issue(
                        "outside-kommune",
                        row=int(rows[i]),
                        field="geometry",
                        value=nr,
                        detail=percent(share_out, "no"),
                        detail_en=percent(share_out, "en"),
                    )
                )
    return issues


def validate_frame(frame: pd.DataFrame, rows: np.ndarray, *, today: dt.date | None = None) -> list[Issue]:
    """The attribute rules that need no geometry and no database."""
    today = today or dt.date.today()
    return (
        check_required(frame, rows)
        + check_dates(frame, rows, today=today)
        + check_contradictions(frame, rows)
        + check_duplicate_references(frame, rows)
    )


def validate_record(record: Mapping[str, Any], *, today: dt.date | None = None) -> list[Issue]:
    """Run the attribute rules on one site of parsed values (the site form and API writes use this)."""
    frame = pd.DataFrame([{**dict.fromkeys(REQUIRED_FIELDS), **record}], dtype=object)
    rows = np.array([1])
    return check_bounds(frame, rows) + validate_frame(frame, rows, today=today)
