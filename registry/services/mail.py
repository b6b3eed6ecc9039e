"""Use case: e-mail — queue a message inside the caller's transaction, deliver the queue after commit.

    use case's transaction: queue(session, Mail(...), clock=...)     → outbox row, status 'queued'
    after its commit:       deliver(engine, MailSettings(), clock)   → 'sent' | 'failed' | 'kept'

A use case that rolls back therefore sends nothing. With SMTP configured (`NAERING_SMTP_HOST`, …) each
queued message goes out by SMTP in a small transaction of its own, so one failure does not stop the rest.
Without SMTP (the demo) messages are 'kept': admins read them in the web (`outbox`, `outbox_message`).

Every message is one plain-text e-mail in both languages — Norwegian first, then English — with an
optional HTML alternative. Header injection is impossible: addresses and subjects with line breaks or
other control characters are refused when queued, and `email.message.EmailMessage` refuses them again.
See docs/mail.md.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import re
import smtplib
import ssl
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from registry.clock import Clock
from registry.db import transaction
from registry.models import OUTBOX_STATUSES
from registry.services.access import NotVisibleError, Principal, require_admin
from registry.settings import MailSettings
from registry.store import outbox as store

__all__ = [
    "SEPARATOR",
    "DeliveryReport",
    "Mail",
    "OutboxEntry",
    "OutboxPage",
    "checked_address",
    "compose",
    "deliver",
    "outbox",
    "outbox_message",
    "queue",
    "send_now",
]

log = logging.getLogger(__name__)

# Between the Norwegian text and the English one.
SEPARATOR = "— English version below / Engelsk versjon nedenfor —"
ACTOR = "mail"
MAX_ADDRESS_CHARS = 254
MAX_SUBJECT_CHARS = 300
MAX_ERROR_CHARS = 1000
MAX_PAGE = 500

# A rough address check (RFC 5321 dot-atom local part, a dotted host name); not a full RFC 5322 parser,
# and deliberately without quoted local parts, comments, display names or lists.
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN = re.compile(r"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}")
_KIND = re.compile(r"[a-z][a-z0-9_]{0,62}")
_BODY_CONTROLS_ALLOWED = {"\n", "\t"}


@dataclass(frozen=True)
class Mail:
    """One message to one person, in Norwegian and English. `kind` names its purpose ("invite", ...)."""

    kind: str
    to: str
    subject_no: str
    subject_en: str
    body_no: str
    body_en: str
    html: str | None = None


@dataclass(frozen=True)
class DeliveryReport:
    """The ids a `deliver` run handled, by outcome."""

    sent: tuple[int, ...] = ()
    failed: tuple[int, ...] = ()
    kept: tuple[int, ...] = ()


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    created_at: dt.datetime
    kind: str
    to_addr: str
    subject: str
    body_text: str
    body_html: str | None
    status: str
    sent_at: dt.datetime | None
    error: str | None


@dataclass(frozen=True)
class OutboxPage:
    """One page of the outbox, newest first, and how many messages match in all."""

    messages: tuple[OutboxEntry, ...]
    total: int


# --- composing and checking ---------------------------------------------------------------------------


def _has_controls(value: str, allowed: set[str] | frozenset[str] = frozenset()) -> bool:
    """Control characters (CR and LF among them) and the Unicode line and paragraph separators."""
    return any((unicodedata.category(c) in ("Cc", "Zl", "Zp")) and c not in allowed for c in value)


def checked_address(address: str) -> str:
    """The address, trimmed and with an international domain in its ASCII form; ValueError if it is not
    one plain address (one @, no spaces, no line breaks, no list or display name)."""
    if _has_controls(address):
        raise ValueError("An e-mail address may not contain line breaks or control characters")
    address = address.strip()
    local, _, domain = address.partition("@")
    if address.count("@") != 1 or not _LOCAL_PART.fullmatch(local):
        raise ValueError(f"Not an e-mail address: {address!r}")
    try:
        ascii_domain = domain if domain.isascii() else domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"Not an e-mail address: {address!r}") from exc
    checked = f"{local}@{ascii_domain}"
    if not _DOMAIN.fullmatch(ascii_domain) or len(checked) > MAX_ADDRESS_CHARS:
        raise ValueError(f"Not an e-mail address: {address!r}")
    return checked


def _normalised_body(body: str, what: str) -> str:
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if _has_controls(body, _BODY_CONTROLS_ALLOWED):
        raise ValueError(f"The {what} contains control characters")
    return body.strip("\n").rstrip()


def compose(mail: Mail) -> tuple[str, str, str | None]:
    """The subject ("norsk / English"), the text body (Norwegian, separator, English) and the HTML."""
    if not _KIND.fullmatch(mail.kind):
        raise ValueError(f"A message kind is a short lower-case name, not {mail.kind!r}")
    subjects = [mail.subject_no.strip(), mail.subject_en.strip()]
    if any(_has_controls(s) for s in subjects):
        raise ValueError("A subject may not contain line breaks or control characters")
    if not all(subjects):
        raise ValueError("A message needs a subject in both languages")
    subject = subjects[0] if subjects[0] == subjects[1] else " / ".join(subjects)
    if len(subject) > MAX_SUBJECT_CHARS:
        raise ValueError(f"The subject is longer than {MAX_SUBJECT_CHARS} characters")
    body_no = _normalised_body(mail.body_no, "Norwegian text")
    body_en = _normalised_body(mail.body_en, "English text")
    if not (body_no and body_en):
        raise ValueError("A message needs a text in both languages")
    text = f"{body_no}\n\n{SEPARATOR}\n\n{body_en}\n"
    html = mail.html if mail.html and mail.html.strip() else None
    if html is not None and "\x00" in html:
        raise ValueError("The HTML contains a NUL character")
    return subject, text, html


def queue(conn_or_session: Connection | Session, mail: Mail, *, clock: Clock) -> int:
    """Put `mail` in the outbox within the caller's transaction (its rollback sends nothing); its id.

    Nothing is sent until `deliver` runs after the caller's commit.
    """
    to_addr = checked_address(mail.to)
    subject, text, html = compose(mail)
    return store.insert(
        conn_or_session,
        created_at=clock.now(),
        kind=mail.kind,
        to_addr=to_addr,
        subject=subject,
        body_text=text,
        body_html=html,
    )


# --- delivering ---------------------------------------------------------------------------------------


def _message(row: Mapping[Any, Any], settings: MailSettings, now: dt.datetime) -> EmailMessage:
    """The e-mail for one outbox row (UTF-8; the policy refuses line breaks in any header value)."""
    msg = EmailMessage()
    msg["Subject"] = row["subject"]
    msg["From"] = settings.mail_sender
    msg["To"] = row["to_addr"]
    msg["Date"] = email.utils.format_datetime(now)
    sender_domain = email.utils.parseaddr(settings.mail_sender)[1].rpartition("@")[2] or "localhost"
    msg["Message-ID"] = email.utils.make_msgid(idstring=f"outbox{row['id']}", domain=sender_domain)
    # RFC 3834: no out-of-office replies to a machine's message.
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(row["body_text"], charset="utf-8")
    if row["body_html"]:
        msg.add_alternative(row["body_html"], subtype="html", charset="utf-8")
    return msg


def _send(settings: MailSettings, msg: EmailMessage) -> None:
    """Send one message by SMTP: STARTTLS (certificate verified) when configured, login when a user is
    set. Raises smtplib.SMTPException or OSError on any failure."""
    assert settings.smtp_host
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s)
    try:
        smtp.ehlo()
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(msg)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _decoded(value: bytes | str) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)


def _error_text(exc: Exception, settings: MailSettings) -> str:
    """What went wrong, for the admins' outbox: the server's answer, never the SMTP password."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{addr}: {code} {_decoded(answer)}" for addr, (code, answer) in exc.recipients.items()
        )
        text = f"recipient refused: {refused}"
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"{type(exc).__name__}: {exc.smtp_code} {_decoded(exc.smtp_error)}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    if settings.smtp_password:
        text = text.replace(settings.smtp_password, "***")
    return text[:MAX_ERROR_CHARS]


def _deliver_one(engine: Engine, settings: MailSettings, clock: Clock, message_id: int) -> str | None:
    """Handle one queued message in its own transaction; its new status, or None if another delivery
    has it or has handled it already."""
    with transaction(engine, actor=ACTOR) as session:
        row = store.lock_queued(session, message_id)
        if row is None:
            return None
        if not settings.smtp_enabled:
            store.mark_kept(session, message_id)
            return "kept"
        try:
            _send(settings, _message(row, settings, clock.now()))
        except (smtplib.SMTPException, OSError, ValueError) as exc:
            error = _error_text(exc, settings)
            log.warning("mail %s failed: %s", message_id, error)  # no address: logs hold no personal data
            store.mark_failed(session, message_id, error=error)
            return "failed"
        store.mark_sent(session, message_id, sent_at=clock.now())
        return "sent"


def deliver(engine: Engine, settings: MailSettings, clock: Clock) -> DeliveryReport:
    """Send every queued message (call it after the queuing transaction has committed).

    With SMTP configured each becomes 'sent' (at the clock's time) or 'failed' (with the error); without,
    'kept' for the admins' outbox. A message is sent at least once: if the database fails right after the
    SMTP server accepted it, it stays queued and a later run sends it again.
    """
    with engine.connect() as conn:
        ids = store.pending_ids(conn)
    outcome: dict[str, list[int]] = {"sent": [], "failed": [], "kept": []}
    for message_id in ids:
        status = _deliver_one(engine, settings, clock, message_id)
        if status is not None:
            outcome[status].append(message_id)
    return DeliveryReport(
        sent=tuple(outcome["sent"]), failed=tuple(outcome["failed"]), kept=tuple(outcome["kept"])
    )


def send_now(engine: Engine, settings: MailSettings, clock: Clock, mail: Mail) -> int:
    """Queue `mail` in a transaction of its own, then deliver the queue; the message's id."""
    with transaction(engine, actor=ACTOR) as session:
        message_id = queue(session, mail, clock=clock)
    deliver(engine, settings, clock)
    return message_id


# --- the admins' outbox -------------------------------------------------------------------------------


def _entry(row: Mapping[Any, Any]) -> OutboxEntry:
    return OutboxEntry(**{name: row[name] for name in OutboxEntry.__dataclass_fields__})


def outbox(
    session: Session, *, principal: Principal, limit: int = 50, offset: int = 0, status: str | None = None
) -> OutboxPage:
    """One page of every message the product has sent or kept, newest first (admins only)."""
    require_admin(principal)
    if status is not None and status not in OUTBOX_STATUSES:
        raise ValueError(f"status must be one of {', '.join(OUTBOX_STATUSES)}")
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise ValueError(f"limit must be 1–{MAX_PAGE} and offset not negative")
    rows, total = store.list_messages(session, limit=limit, offset=offset, status=status)
    return OutboxPage(tuple(_entry(r) for r in rows), total)


def outbox_message(session: Session, principal: Principal, message_id: int) -> OutboxEntry:
    """One message of the outbox (admins only); NotVisibleError if there is none with that id."""
    require_admin(principal)
    row = store.get(session, message_id)
    if row is None:
        raise NotVisibleError("Not found. / Ikke funnet.")
    return _entry(row)
