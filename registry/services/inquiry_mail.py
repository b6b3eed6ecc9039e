"""The e-mails of the one-door-in loop, in Norwegian and English: plain text with a link into the registry.

Kommuner and the secretariat are never e-mailed the investor's identity or free text: an e-mail carries
the requirements in outline, the deadline and a link; who is asking is shown in the registry, to those
the investor's confidentiality choice allows (docs/inquiries.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from registry.clock import local_text
from registry.services.mail import Mail
from schemas.inquiry import M2_PER_DAA, Requirements
from schemas.taxonomy import AVAILABILITY, LOGISTICS_KIND, MATURITY, SOSI_USE


def _daa(m2: float) -> str:
    return f"{m2 / M2_PER_DAA:g}"


def needs_summary(req: Requirements) -> tuple[str, str]:
    """The requirements in one line each language (no personal data)."""
    no: list[str] = []
    en: list[str] = []
    low, high = req.area_min_m2, req.area_max_m2
    if low is not None and high is not None:
        no.append(f"areal {_daa(low)}–{_daa(high)} daa")
        en.append(f"area {_daa(low)}–{_daa(high)} daa")
    elif low is not None:
        no.append(f"areal minst {_daa(low)} daa")
        en.append(f"area at least {_daa(low)} daa")
    elif high is not None:
        no.append(f"areal høyst {_daa(high)} daa")
        en.append(f"area at most {_daa(high)} daa")
    if req.power_mw_now is not None:
        no.append(f"effekt {req.power_mw_now:g} MW nå")
        en.append(f"power {req.power_mw_now:g} MW now")
    if req.power_mw_by_year is not None and req.power_year is not None:
        no.append(f"effekt {req.power_mw_by_year:g} MW innen {req.power_year}")
        en.append(f"power {req.power_mw_by_year:g} MW by {req.power_year}")
    if req.maturity_min:
        no.append(f"modenhet minst {req.maturity_min} ({MATURITY.label(req.maturity_min, 'no')})")
        en.append(f"maturity at least {req.maturity_min} ({MATURITY.label(req.maturity_min, 'en')})")
    for kind, km in req.max_km.items():
        no.append(f"høyst {km:g} km til {LOGISTICS_KIND.label(kind, 'no').lower()}")
        en.append(f"at most {km:g} km to {LOGISTICS_KIND.label(kind, 'en').lower()}")
    if req.availability:
        codes = req.availability
        no.append("tilgjengelighet: " + ", ".join(AVAILABILITY.label(c, "no").lower() for c in codes))
        en.append("availability: " + ", ".join(AVAILABILITY.label(c, "en").lower() for c in codes))
    if req.use_codes:
        no.append("arealformål: " + ", ".join(SOSI_USE.label(c, "no").lower() for c in req.use_codes))
        en.append("land use: " + ", ".join(SOSI_USE.label(c, "en").lower() for c in req.use_codes))
    if req.earliest_start:
        no.append(f"oppstart fra {req.earliest_start.isoformat()}")
        en.append(f"start from {req.earliest_start.isoformat()}")
    return ("; ".join(no) or "ingen konkrete krav", "; ".join(en) or "no specific requirements")


def to_kommune(
    *,
    to: str,
    kommune_name: str,
    req: Requirements,
    sector: str | None,
    site_names: Sequence[str],
    due_at: dt.datetime,
    promised: Mapping[str, str],
    link: str,
) -> Mail:
    need_no, need_en = needs_summary(req)
    sites_no = ", ".join(site_names) or "ingen bestemte områder"
    sites_en = ", ".join(site_names) or "no particular sites"
    sector_no = f" innen {sector}" if sector else ""
    sector_en = f" in {sector}" if sector else ""
    return Mail(
        kind="inquiry_new",
        to=to,
        subject_no=f"Ny henvendelse fra en investor – {kommune_name}",
        subject_en=f"New inquiry from an investor – {kommune_name}",
        body_no=(
            f"En investor{sector_no} spør etter næringsareal, og {kommune_name} har områder som passer: "
            f"{sites_no}.\n\nBehov: {need_no}.\n\n"
            f"Kommunen har lovet første svar innen {promised['no']}: senest {local_text(due_at)}.\n"
            f"Les og svar her (logg inn): {link}\n"
        ),
        body_en=(
            f"An investor{sector_en} is looking for business land, and {kommune_name} has sites that fit: "
            f"{sites_en}.\n\nNeeds: {need_en}.\n\n"
            f"The kommune promises a first response within {promised['en']}: by {local_text(due_at)}.\n"
            f"Read and reply here (sign in): {link}\n"
        ),
    )


def to_secretariat(*, to: str, req: Requirements, kommuner: Sequence[str], matches: int, link: str) -> Mail:
    need_no, need_en = needs_summary(req)
    places = ", ".join(kommuner) or "—"
    return Mail(
        kind="inquiry_desk",
        to=to,
        subject_no=f"Ny henvendelse: {matches} treff, sendt til {len(kommuner)} kommuner",
        subject_en=f"New inquiry: {matches} matches, routed to {len(kommuner)} kommuner",
        body_no=(
            f"En ny henvendelse er sendt til: {places}.\nBehov: {need_no}.\n"
            + ("Ingen kommune fikk den: følg den opp selv.\n" if not kommuner else "")
            + f"Se den på skrivebordet: {link}\n"
        ),
        body_en=(
            f"A new inquiry was routed to: {places}.\nNeeds: {need_en}.\n"
            + ("No kommune received it: follow it up yourselves.\n" if not kommuner else "")
            + f"See it on the desk: {link}\n"
        ),
    )


def to_investor(*, to: str, name: str, matches: int, near: int, kommuner: Sequence[str], link: str) -> Mail:
    places = ", ".join(kommuner) or "sekretariatet / the secretariat"
    return Mail(
        kind="inquiry_receipt",
        to=to,
        subject_no="Henvendelsen din er mottatt – Næringsarealregisteret",
        subject_en="Your inquiry has been received – Business Land Registry",
        body_no=(
            f"Hei {name},\n\ntakk for henvendelsen. Vi fant {matches} områder som passer og {near} "
            f"som nesten passer. Henvendelsen er sendt til: {places}.\n\n"
            "Følg svarene, svar kommunene og avslutt henvendelsen på din private side (ikke del lenken):\n"
            f"{link}\n"
        ),
        body_en=(
            f"Hello {name},\n\nthank you for your inquiry. We found {matches} sites that fit and {near} "
            f"near misses. It has been sent to: {places}.\n\n"
            "Follow the replies, answer the kommuner and close the inquiry on your private page "
            "(do not share the link):\n"
            f"{link}\n"
        ),
    )


def reply_to_investor(*, to: str, kommune_name: str, kind: str, link: str) -> Mail:
    what_no = "har bekreftet at de har mottatt" if kind == "acknowledge" else "har svart på"
    what_en = "has acknowledged" if kind == "acknowledge" else "has replied to"
    return Mail(
        kind="inquiry_reply",
        to=to,
        subject_no=f"{kommune_name} {what_no} henvendelsen din",
        subject_en=f"{kommune_name} {what_en} your inquiry",
        body_no=f"{kommune_name} {what_no} henvendelsen din. Les det her:\n{link}\n",
        body_en=f"{kommune_name} {what_en} your inquiry. Read it here:\n{link}\n",
    )


def investor_message_to_kommune(*, to: str, kommune_name: str, link: str) -> Mail:
    return Mail(
        kind="inquiry_investor_message",
        to=to,
        subject_no=f"Investoren har skrevet til {kommune_name}",
        subject_en=f"The investor has written to {kommune_name}",
        body_no=(
            f"Investoren har svart i henvendelsen til {kommune_name}. Les det her (logg inn):\n{link}\n"
        ),
        body_en=(
            f"The investor has replied in the inquiry to {kommune_name}. Read it here (sign in):\n{link}\n"
        ),
    )


def reminder(*, to: str, kommune_name: str, due_at: dt.datetime, link: str) -> Mail:
    return Mail(
        kind="inquiry_reminder",
        to=to,
        subject_no=f"Påminnelse: en investor venter på svar fra {kommune_name}",
        subject_en=f"Reminder: an investor is waiting for a reply from {kommune_name}",
        body_no=(
            "Halvparten av tiden kommunen har lovet er gått. "
            f"Første svar må komme innen {local_text(due_at)}.\n"
            f"Svar her (logg inn): {link}\n"
        ),
        body_en=(
            "Half the time the kommune promised has passed. "
            f"The first response is due by {local_text(due_at)}.\n"
            f"Reply here (sign in): {link}\n"
        ),
    )


def escalation(*, to: str, kommune_name: str, due_at: dt.datetime, link: str) -> Mail:
    return Mail(
        kind="inquiry_escalation",
        to=to,
        subject_no=f"Forfalt: {kommune_name} har ikke svart en investor",
        subject_en=f"Overdue: {kommune_name} has not answered an investor",
        body_no=(
            f"{kommune_name} skulle gitt første svar innen {local_text(due_at)}, men har ikke svart.\n"
            f"Følg opp her: {link}\n"
        ),
        body_en=(
            f"{kommune_name} was due to give a first response by {local_text(due_at)} and has not.\n"
            f"Follow it up here: {link}\n"
        ),
    )


def requester_link(*, to: str, count: int, link: str, days: int) -> Mail:
    return Mail(
        kind="inquiry_list_link",
        to=to,
        subject_no="Dine henvendelser – Næringsarealregisteret",
        subject_en="Your inquiries – Business Land Registry",
        body_no=(
            f"Her er en privat lenke til alle {count} henvendelsene sendt fra denne adressen. "
            f"Den gjelder i {days} dager; ikke del den.\n{link}\n"
        ),
        body_en=(
            f"Here is a private link to all {count} inquiries sent from this address. "
            f"It is valid for {days} days; do not share it.\n{link}\n"
        ),
    )


def stale_facts(*, to: str, kommune_name: str, sites: Sequence[Mapping[str, Any]], link: str) -> Mail:
    lines = "\n".join(f"- {s['name']} ({s['state_no']} / {s['state_en']})" for s in sites[:50])
    more = f"\n… +{len(sites) - 50}" if len(sites) > 50 else ""
    return Mail(
        kind="stale_reminder",
        to=to,
        subject_no=f"{kommune_name}: {len(sites)} områder har utdaterte eller ubekreftede opplysninger",
        subject_en=f"{kommune_name}: {len(sites)} sites have stale or unverified facts",
        body_no=(
            "Investorer ser hvor ferske opplysningene er. Disse områdene trenger en sjekk:\n"
            f"{lines}{more}\n\nBekreft eller rett dem her (logg inn): {link}\n"
        ),
        body_en=(
            "Investors see how fresh the facts are. These sites need a check:\n"
            f"{lines}{more}\n\nConfirm or correct them here (sign in): {link}\n"
        ),
    )
