"""Matching rules: how one site meets an investor's requirements, criterion by criterion (pure).

A site is a mapping of `site` columns plus `logistics` ({kind: {distance_km, precision_km, computed_at,
name, road}}); the requirements are `schemas.inquiry.Requirements`. Every criterion the investor stated
gives one `Verdict` — meets / partly / unknown / fails (`schemas.taxonomy.VERDICT`) — with the fact used,
what was needed, the date the fact was last verified and, for a fail, what is missing, in Norwegian and
English. Criteria not stated are not evaluated. docs/matching.md explains every band.

The one principle: **a fact that is unverified or stale is "unknown", never "meets" (nor "fails")**. The
staleness rule is `schemas.site.axis_state`; facts the registry computes itself (area from the geometry,
distances from the reference layers) and facts without a verification axis (land use) are dated by when
they were computed or last sent, and never become unknown by age.

The thresholds are computed once per inquiry (`Bounds`) and used both here and by the SQL of
`registry.store.matching`, which must agree with these rules about which sites fail what
(tests/test_matching.py proves it); change a band here and the SQL follows from `Bounds`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from schemas.inquiry import M2_PER_DAA, Requirements, label
from schemas.site import AXES_BY_NAME, Axis, axis_state
from schemas.taxonomy import AVAILABILITY, LOGISTICS_KIND, MATURITY, POWER, SOSI_USE

VerdictCode = Literal["meets", "partly", "unknown", "fails"]
# Where a verdict's fact comes from: a verified fact still within its axis's age ("current"), one verified
# too long ago ("stale"), one never verified ("unverified"), a fact the registry computes or keeps without
# a verification axis ("computed"), or no fact at all ("missing").
Basis = Literal["current", "stale", "unverified", "computed", "missing"]

# Points per verdict; a site's score is its points over 4 × the criteria evaluated (1.0: meets them all).
POINTS: dict[str, int] = {"meets": 4, "partly": 2, "unknown": 1, "fails": 0}
POINTS_MAX = POINTS["meets"]

# --- the bands of "partly" ---------------------------------------------------------------------------------
# Area: up to 20 % below the least or above the most area asked for.
AREA_BAND = 0.2
# Power: at least half the power asked for.
POWER_PARTLY_SHARE = 0.5
# Power by a year: the full power asked for, but at most this many years after the year asked for.
POWER_LATE_YEARS = 2
# Maturity: one step short of the maturity asked for.
MATURITY_STEPS_SHORT = 1
# Availability: a code that is partly what was asked for (an option may lapse: a site under option is
# partly "for sale / lease").
AVAILABILITY_PARTLY: dict[str, tuple[str, ...]] = {"for_sale_or_lease": ("optioned",)}
# Land use: purposes that contain or are contained in one another (the general business purpose 1300 and
# its sub-purposes; combined purposes and the purposes they combine). Symmetric.
_USE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("1300", ("1310", "1320", "1330", "1340", "1350", "1360", "1390")),
    ("1800", ("1810", "1825", "1826")),
    ("1810", ("1310",)),
    ("1825", ("1310", "1350")),
    ("1826", ("1340", "1350")),
)
USE_RELATED: dict[str, frozenset[str]] = {
    code: frozenset(
        {b for a, bs in _USE_GROUPS if a == code for b in bs} | {a for a, bs in _USE_GROUPS if code in bs}
    )
    for code in SOSI_USE.codes
}
# Power statuses that say nothing about the power: E0 "unknown, not clarified with the grid company".
POWER_UNSETTLED = ("E0",)

AREA = "area"
POWER_NOW = "power_now"
POWER_BY_YEAR = "power_by_year"
MATURITY_C = "maturity"
AVAILABILITY_C = "availability"
USE = "use"
DISTANCE_PREFIX = "distance_"


def distance_criterion(kind: str) -> str:
    """The criterion name of a maximum distance to a logistics kind (`distance_port`, …)."""
    return DISTANCE_PREFIX + kind


# Each criterion as people read it (Norwegian, English): headings of the verdicts on every page.
CRITERION_LABELS: dict[str, tuple[str, str]] = {
    AREA: ("Areal", "Area"),
    POWER_NOW: label("power_mw_now"),
    POWER_BY_YEAR: label("power_mw_by_year"),
    MATURITY_C: (MATURITY.title_no, MATURITY.title_en),
    AVAILABILITY_C: (AVAILABILITY.title_no, AVAILABILITY.title_en),
    USE: label("use_codes"),
    **{
        distance_criterion(kind): (
            f"Avstand til {LOGISTICS_KIND.label(kind, 'no').lower()}",
            f"Distance to {LOGISTICS_KIND.label(kind, 'en').lower()}",
        )
        for kind in LOGISTICS_KIND.codes
    },
}


def criterion_label(criterion: str) -> tuple[str, str]:
    """A criterion's name in Norwegian and English (the code itself when unknown)."""
    return CRITERION_LABELS.get(criterion, (criterion, criterion))


@dataclass(frozen=True)
class Verdict:
    """How a site meets one requirement: the fact used, what was needed, and when the fact was verified."""

    criterion: str
    verdict: VerdictCode
    fact_no: str
    fact_en: str
    needed_no: str
    needed_en: str
    verified_at: dt.date | None
    basis: Basis
    missing_no: str | None = None  # only for "fails": what is missing, in words
    missing_en: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "verdict": self.verdict,
            "fact_no": self.fact_no,
            "fact_en": self.fact_en,
            "needed_no": self.needed_no,
            "needed_en": self.needed_en,
            "verified_at": self.verified_at.isoformat() if self.verified_at else None,
            "basis": self.basis,
            "missing_no": self.missing_no,
            "missing_en": self.missing_en,
        }


@dataclass(frozen=True)
class Bounds:
    """An inquiry's thresholds, computed once: the rules here and the SQL both compare against these."""

    requirements: Requirements
    today: dt.date
    area_low_m2: float | None  # below this: fails (the least area × (1 − band))
    area_high_m2: float | None  # above this: fails (the most area × (1 + band))
    area_target_m2: float | None  # what "closest in area" measures against (ranking)
    power_now_half_mw: float | None
    power_by_year_half_mw: float | None
    power_late_year: int | None  # the full power this late is "partly"
    maturity_meets: tuple[str, ...]
    maturity_partly: tuple[str, ...]
    availability_partly: tuple[str, ...]
    use_related: tuple[str, ...]  # purposes related to (not equal to) one asked for
    distance_kinds: tuple[str, ...]  # in LOGISTICS_KIND order
    fresh_since: Mapping[str, dt.date] = field(default_factory=dict)  # axis name → oldest current date

    @property
    def criteria(self) -> tuple[str, ...]:
        """The criteria the investor stated, in the order verdicts are listed."""
        r = self.requirements
        out = []
        if r.area_min_m2 is not None or r.area_max_m2 is not None:
            out.append(AREA)
        if r.power_mw_now is not None:
            out.append(POWER_NOW)
        if r.power_mw_by_year is not None and r.power_year is not None:
            out.append(POWER_BY_YEAR)
        if r.maturity_min is not None:
            out.append(MATURITY_C)
        if r.availability:
            out.append(AVAILABILITY_C)
        if r.use_codes:
            out.append(USE)
        out.extend(distance_criterion(k) for k in self.distance_kinds)
        return tuple(out)


def bounds(requirements: Requirements, *, today: dt.date) -> Bounds:
    """The thresholds of an inquiry on a given day."""
    r = requirements
    low = r.area_min_m2 * (1 - AREA_BAND) if r.area_min_m2 is not None else None
    high = r.area_max_m2 * (1 + AREA_BAND) if r.area_max_m2 is not None else None
    if r.area_min_m2 is not None and r.area_max_m2 is not None:
        target: float | None = (r.area_min_m2 + r.area_max_m2) / 2
    else:
        target = r.area_min_m2 if r.area_min_m2 is not None else r.area_max_m2
    meets: tuple[str, ...] = ()
    partly: tuple[str, ...] = ()
    if r.maturity_min is not None:
        rank = MATURITY.rank(r.maturity_min)
        meets = MATURITY.codes[rank:]
        partly = MATURITY.codes[max(0, rank - MATURITY_STEPS_SHORT) : rank]
    asked = set(r.availability)
    availability_partly = tuple(
        c
        for c in AVAILABILITY.codes
        if c not in asked and any(c in AVAILABILITY_PARTLY.get(a, ()) for a in asked)
    )
    uses = set(r.use_codes)
    related = tuple(c for c in SOSI_USE.codes if c not in uses and USE_RELATED[c] & uses)
    by_year = r.power_mw_by_year is not None and r.power_year is not None
    return Bounds(
        requirements=r,
        today=today,
        area_low_m2=low,
        area_high_m2=high,
        area_target_m2=target,
        power_now_half_mw=r.power_mw_now * POWER_PARTLY_SHARE if r.power_mw_now is not None else None,
        power_by_year_half_mw=(
            r.power_mw_by_year * POWER_PARTLY_SHARE if by_year and r.power_mw_by_year is not None else None
        ),
        power_late_year=r.power_year + POWER_LATE_YEARS if by_year and r.power_year is not None else None,
        maturity_meets=meets,
        maturity_partly=partly,
        availability_partly=availability_partly,
        use_related=related,
        distance_kinds=tuple(k for k in LOGISTICS_KIND.codes if k in r.max_km),
        fresh_since={
            name: today - dt.timedelta(days=AXES_BY_NAME[name].max_age_days)
            for name in ("maturity", "power", "availability")
        },
    )


# --- wording ---------------------------------------------------------------------------------------------


def _num(value: float, lang: str, decimals: int = 1) -> str:
    """A number as people write it: at most `decimals` decimals, a decimal comma in Norwegian."""
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return text.replace(".", ",") if lang == "no" else text


def _daa(area_m2: float, lang: str) -> str:
    return f"{_num(area_m2 / M2_PER_DAA, lang)} daa"


def _mw(mw: float, lang: str) -> str:
    return f"{_num(mw, lang)} MW"


def _km(km: float, lang: str) -> str:
    return f"{_num(km, lang)} km"


def _term(taxonomy: Any, code: str, lang: str) -> str:
    """A code of an ordered scale with its label: "M3 Regulert", "E2 Anslått tilgjengelig"."""
    return f"{code} {taxonomy.label(code, lang)}"


def _either(taxonomy: Any, codes: Iterable[str], lang: str) -> str:
    word = " eller " if lang == "no" else " or "
    return word.join(taxonomy.label(c, lang) for c in codes)


def _day(value: Any) -> dt.date | None:
    """A date from a date or a timestamp (the day it happened), None stays None."""
    if value is None:
        return None
    return value.date() if isinstance(value, dt.datetime) else value


def _state_note(state: str | None, verified_at: dt.date | None, axis: Axis) -> tuple[str, str]:
    """Why an axis's fact cannot be relied on, as a suffix of the fact."""
    if state == "unverified":
        return " (ikke verifisert)", " (not verified)"
    if state == "stale" and verified_at is not None:
        days = axis.max_age_days
        return (
            f" (verifisert {verified_at.isoformat()}, eldre enn {days} dager)",
            f" (verified {verified_at.isoformat()}, older than {days} days)",
        )
    return "", ""


def _verdict(
    criterion: str,
    verdict: VerdictCode,
    fact: tuple[str, str],
    needed: tuple[str, str],
    verified_at: dt.date | None,
    basis: Basis,
    missing: tuple[str, str] | None = None,
) -> Verdict:
    if verdict != "fails":
        missing = None
    return Verdict(
        criterion,
        verdict,
        fact[0],
        fact[1],
        needed[0],
        needed[1],
        verified_at,
        basis,
        missing[0] if missing else None,
        missing[1] if missing else None,
    )


NOT_GIVEN = ("ikke oppgitt", "not given")


# --- the criteria ----------------------------------------------------------------------------------------


def area_verdict(site: Mapping[str, Any], b: Bounds) -> Verdict:
    """Area (computed from the geometry, dated by the site's last update): meets inside [min, max]; partly
    within AREA_BAND below the least or above the most; fails further out. Never unknown."""
    r = b.requirements
    area = float(site["area_m2"])
    lo, hi = r.area_min_m2, r.area_max_m2
    if lo is not None and hi is not None:
        needed = (f"{_daa(lo, 'no')}–{_daa(hi, 'no')}", f"{_daa(lo, 'en')}–{_daa(hi, 'en')}")
    elif lo is not None:
        needed = (f"minst {_daa(lo, 'no')}", f"at least {_daa(lo, 'en')}")
    else:
        assert hi is not None
        needed = (f"høyst {_daa(hi, 'no')}", f"at most {_daa(hi, 'en')}")
    fact = (_daa(area, "no"), _daa(area, "en"))
    too_small = lo is not None and area < lo
    too_large = hi is not None and area > hi
    if not too_small and not too_large:
        verdict: VerdictCode = "meets"
    elif (b.area_low_m2 is not None and area < b.area_low_m2) or (
        b.area_high_m2 is not None and area > b.area_high_m2
    ):
        verdict = "fails"
    else:
        verdict = "partly"
    if too_small:
        assert lo is not None
        missing = (
            f"areal {_daa(area, 'no')} av minst {_num(lo / M2_PER_DAA, 'no')}",
            f"area {_daa(area, 'en')} of at least {_num(lo / M2_PER_DAA, 'en')}",
        )
    else:
        most = hi if hi is not None else area
        missing = (
            f"areal {_daa(area, 'no')}, høyst {_num(most / M2_PER_DAA, 'no')} ønsket",
            f"area {_daa(area, 'en')}, at most {_num(most / M2_PER_DAA, 'en')} wanted",
        )
    return _verdict(AREA, verdict, fact, needed, _day(site["updated_at"]), "computed", missing)


def _power_state(site: Mapping[str, Any], b: Bounds) -> tuple[str | None, dt.date | None, tuple[str, str]]:
    axis = AXES_BY_NAME["power"]
    state = axis_state(site, axis, today=b.today)
    verified_at = site[axis.verified_at]
    note = _state_note(state, verified_at, axis)
    status = site["power_status"]
    label = (f", {_term(POWER, status, 'no')}", f", {_term(POWER, status, 'en')}")
    return state, verified_at, (label[0] + note[0], label[1] + note[1])


def _basis(state: str | None) -> Basis:
    if state in ("current", "stale", "unverified"):
        return state  # type: ignore[return-value]
    return "missing"


def power_now_verdict(site: Mapping[str, Any], b: Bounds) -> Verdict:
    """Power now: meets with at least the MW asked for; partly with at least half; fails below half.
    Unknown when the power fact is unverified, stale, not given, or the status is E0 (not clarified)."""
    need = b.requirements.power_mw_now
    assert need is not None and b.power_now_half_mw is not None
    state, verified_at, note = _power_state(site, b)
    have = site["power_mw_now"]
    needed = (f"{_mw(need, 'no')} nå", f"{_mw(need, 'en')} now")
    if have is None:
        return _verdict(POWER_NOW, "unknown", NOT_GIVEN, needed, verified_at, "missing")
    fact = (f"{_mw(have, 'no')} nå{note[0]}", f"{_mw(have, 'en')} now{note[1]}")
    if state != "current" or site["power_status"] in POWER_UNSETTLED:
        return _verdict(POWER_NOW, "unknown", fact, needed, verified_at, _basis(state))
    verdict: VerdictCode = "meets" if have >= need else "partly" if have >= b.power_now_half_mw else "fails"
    missing = (
        f"effekt {_mw(have, 'no')} av {_num(need, 'no')} nå",
        f"power {_mw(have, 'en')} of {_num(need, 'en')} now",
    )
    return _verdict(POWER_NOW, verdict, fact, needed, verified_at, "current", missing)


def power_by_year_mw(site: Mapping[str, Any], year: int) -> float | None:
    """The MW a site has by a year: the most of the power now and a future power due by then (None: no
    figure counts by that year)."""
    figures = [site["power_mw_now"]]
    future_year = site["power_future_year"]
    if future_year is not None and future_year <= year:
        figures.append(site["power_mw_future"])
    known = [f for f in figures if f is not None]
    return max(known) if known else None


def power_by_year_verdict(site: Mapping[str, Any], b: Bounds) -> Verdict:
    """Power by a year: meets when the power now or a future power due by that year reaches the MW asked
    for; partly with at least half by then, or the full power at most POWER_LATE_YEARS later; fails
    otherwise. Unknown as for power now, and when neither a power now nor a dated future power is given."""
    r = b.requirements
    need, year = r.power_mw_by_year, r.power_year
    assert need is not None and year is not None
    assert b.power_by_year_half_mw is not None and b.power_late_year is not None
    state, verified_at, note = _power_state(site, b)
    now, future, future_year = site["power_mw_now"], site["power_mw_future"], site["power_future_year"]
    needed = (f"{_mw(need, 'no')} innen {year}", f"{_mw(need, 'en')} by {year}")
    if now is None and (future is None or future_year is None):
        return _verdict(POWER_BY_YEAR, "unknown", NOT_GIVEN, needed, verified_at, "missing")
    by_year = power_by_year_mw(site, year)
    parts_no, parts_en = [], []
    if now is not None:
        parts_no.append(f"{_mw(now, 'no')} nå")
        parts_en.append(f"{_mw(now, 'en')} now")
    if future is not None and future_year is not None:
        parts_no.append(f"{_mw(future, 'no')} fra {future_year}")
        parts_en.append(f"{_mw(future, 'en')} from {future_year}")
    fact = (", ".join(parts_no) + note[0], ", ".join(parts_en) + note[1])
    if state != "current" or site["power_status"] in POWER_UNSETTLED:
        return _verdict(POWER_BY_YEAR, "unknown", fact, needed, verified_at, _basis(state))
    have = by_year if by_year is not None else 0.0
    late = (
        future is not None and future_year is not None and future >= need and future_year <= b.power_late_year
    )
    if have >= need:
        verdict: VerdictCode = "meets"
    elif have >= b.power_by_year_half_mw or late:
        verdict = "partly"
    else:
        verdict = "fails"
    missing = (
        f"effekt {_mw(have, 'no')} av {_num(need, 'no')} innen {year}",
        f"power {_mw(have, 'en')} of {_num(need, 'en')} by {year}",
    )
    return _verdict(POWER_BY_YEAR, verdict, fact, needed, verified_at, "current", missing)


def maturity_verdict(site: Mapping[str, Any], b: Bounds) -> Verdict:
    """Plan maturity: meets at or above the level asked for; partly one step short; fails further below.
    Unknown when unverified or stale."""
    want = b.requirements.maturity_min
    assert want is not None
    axis = AXES_BY_NAME["maturity"]
    code = site["maturity"]
    state = axis_state(site, axis, today=b.today)
    verified_at = site[axis.verified_at]
    needed = (f"minst {_term(MATURITY, want, 'no')}", f"at least {_term(MATURITY, want, 'en')}")
    if code is None:
        return _verdict(MATURITY_C, "unknown", NOT_GIVEN, needed, verified_at, "missing")
    note = _state_note(state, verified_at, axis)
    fact = (_term(MATURITY, code, "no") + note[0], _term(MATURITY, code, "en") + note[1])
    if state != "current":
        return _verdict(MATURITY_C, "unknown", fact, needed, verified_at, _basis(state))
    verdict: VerdictCode = (
        "meets" if code in b.maturity_meets else "partly" if code in b.maturity_partly else "fails"
    )
    missing = (f"modenhet {code}, minst {want} ønsket", f"maturity {code}, at least {want} wanted")
    return _verdict(MATURITY_C, verdict, fact, needed, verified_at, "current", missing)


def availability_verdict(site: Mapping[str, Any], b: Bounds) -> Verdict:
    """Availability: meets when among the codes asked for; partly for a code in AVAILABILITY_PARTLY of one
    asked for (optioned when for sale / lease is asked); fails otherwise. Unknown when unverified or stale."""
    asked = b.requirements.availability
    axis = AXES_BY_NAME["availability"]
    code = site["availability"]
    state = axis_state(site, axis, today=b.today)
    verified_at = site[axis.verified_at]
    needed = (_either(AVAILABILITY, asked, "no"), _either(AVAILABILITY, asked, "en"))
    if code is None:
        return _verdict(AVAILABILITY_C, "unknown", NOT_GIVEN, needed, verified_at, "missing")
    note = _state_note(state, verified_at, axis)
    fact = (AVAILABILITY.label(code, "no") + note[0], AVAILABILITY.label(code, "en") + note[1])
    if state != "current":
        return _verdict(AVAILABILITY_C, "unknown", fact, needed, verified_at, _basis(state))
    verdict: VerdictCode = (
        "meets" if code in asked else "partly" if code in b.availability_partly else "fails"
    )
    missing = (
        f"tilgjengelighet {AVAILABILITY.label(code, 'no').lower()}",
        f"availability {AVAILABILITY.label(code, 'en').lower()}",
    )
    return _verdict(AVAILABILITY_C, verdict, fact, needed, verified_at, "current", missing)


def use_verdict(site: Mapping[str, Any], b: Bounds) -> Verdict:
    """Land use (SOSI purposes of the plan, as the kommune sent them, dated by the site's last update):
    meets when a purpose asked for is among the site's; partly when a related purpose is (USE_RELATED);
    fails otherwise; unknown when the site names no purpose."""
    asked = b.requirements.use_codes
    uses: Sequence[str] = site["uses"] or ()
    needed = (_either(SOSI_USE, asked, "no"), _either(SOSI_USE, asked, "en"))
    updated = _day(site["updated_at"])
    if not uses:
        return _verdict(USE, "unknown", NOT_GIVEN, needed, updated, "missing")
    fact = (
        ", ".join(SOSI_USE.label(c, "no") for c in uses),
        ", ".join(SOSI_USE.label(c, "en") for c in uses),
    )
    if any(c in asked for c in uses):
        verdict: VerdictCode = "meets"
    elif any(c in b.use_related for c in uses):
        verdict = "partly"
    else:
        verdict = "fails"
    missing = (f"arealformål {fact[0].lower()}", f"land use {fact[1].lower()}")
    return _verdict(USE, verdict, fact, needed, updated, "computed", missing)


def distance_verdict(site: Mapping[str, Any], b: Bounds, kind: str) -> Verdict:
    """Distance to the nearest node of a logistics kind (straight line, computed by the registry, dated by
    when it was computed): meets within the limit; partly beyond it by at most the node's precision_km;
    fails further out; unknown when the registry has no distance for the site."""
    limit = b.requirements.max_km[kind]
    criterion = distance_criterion(kind)
    kind_no, kind_en = LOGISTICS_KIND.label(kind, "no"), LOGISTICS_KIND.label(kind, "en")
    needed = (
        f"høyst {_km(limit, 'no')} til {kind_no.lower()}",
        f"at most {_km(limit, 'en')} to {kind_en.lower()}",
    )
    fact_row = (site.get("logistics") or {}).get(kind)
    if fact_row is None or fact_row.get("distance_km") is None:
        return _verdict(criterion, "unknown", NOT_GIVEN, needed, None, "missing")
    km = float(fact_row["distance_km"])
    precision = float(fact_row.get("precision_km") or 0.0)
    node = fact_row.get("name") or ""
    road = fact_row.get("road")
    where = f"{node} ({road})" if road else node
    fact = (
        f"{_km(km, 'no')} til {where} (±{_km(precision, 'no')})",
        f"{_km(km, 'en')} to {where} (±{_km(precision, 'en')})",
    )
    if km <= limit:
        verdict: VerdictCode = "meets"
    elif km <= limit + precision:
        verdict = "partly"
    else:
        verdict = "fails"
    missing = (
        f"{kind_no.lower()} {_km(km, 'no')} av høyst {_num(limit, 'no')}",
        f"{kind_en.lower()} {_km(km, 'en')} of at most {_num(limit, 'en')}",
    )
    return _verdict(criterion, verdict, fact, needed, _day(fact_row.get("computed_at")), "computed", missing)


def evaluate(site: Mapping[str, Any], b: Bounds) -> list[Verdict]:
    """The verdict on every criterion the investor stated, in `Bounds.criteria` order."""
    out = []
    for criterion in b.criteria:
        if criterion == AREA:
            out.append(area_verdict(site, b))
        elif criterion == POWER_NOW:
            out.append(power_now_verdict(site, b))
        elif criterion == POWER_BY_YEAR:
            out.append(power_by_year_verdict(site, b))
        elif criterion == MATURITY_C:
            out.append(maturity_verdict(site, b))
        elif criterion == AVAILABILITY_C:
            out.append(availability_verdict(site, b))
        elif criterion == USE:
            out.append(use_verdict(site, b))
        else:
            out.append(distance_verdict(site, b, criterion.removeprefix(DISTANCE_PREFIX)))
    return out


def area_closeness(area_m2: float, b: Bounds) -> float:
    """How far a site's area is from the one asked for, relative (0: exactly; 0 when no area was asked).
    The target is the middle of [min, max], or the one bound given."""
    target = b.area_target_m2
    if target is None:
        return 0.0
    if target > 0:
        return abs(area_m2 - target) / target
    return area_m2


@dataclass(frozen=True)
class Assessment:
    """A site's verdicts and where it ranks."""

    site_id: int
    verdicts: tuple[Verdict, ...]
    closeness: float

    @property
    def points(self) -> int:
        return sum(POINTS[v.verdict] for v in self.verdicts)

    @property
    def fails(self) -> int:
        return sum(1 for v in self.verdicts if v.verdict == "fails")

    @property
    def verified(self) -> int:
        """How many of the verdicts rest on a fact that can be relied on (all but the unknown ones)."""
        return sum(1 for v in self.verdicts if v.verdict != "unknown")

    @property
    def score(self) -> float:
        """Points over the most possible, 0–1; 1.0 when nothing was asked."""
        if not self.verdicts:
            return 1.0
        return self.points / (POINTS_MAX * len(self.verdicts))

    @property
    def sort_key(self) -> tuple[int, int, float, int]:
        """Best first: most points, then most facts that can be relied on, then closest area, then id."""
        return (-self.points, -self.verified, self.closeness, self.site_id)

    @property
    def missing_no(self) -> list[str]:
        return [v.missing_no for v in self.verdicts if v.missing_no]

    @property
    def missing_en(self) -> list[str]:
        return [v.missing_en for v in self.verdicts if v.missing_en]


def assess(site: Mapping[str, Any], b: Bounds) -> Assessment:
    return Assessment(int(site["id"]), tuple(evaluate(site, b)), area_closeness(float(site["area_m2"]), b))


def ranked(assessments: Iterable[Assessment]) -> list[Assessment]:
    """Assessments best first (`Assessment.sort_key`: deterministic, ties broken by site id)."""
    return sorted(assessments, key=lambda a: a.sort_key)
