"""The mail service against a real SMTP server (aiosmtpd, in this process): what arrives, what the outbox
records, failures, the demo without SMTP, header injection, STARTTLS with login, and the admins' outbox."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from registry.clock import FixedClock
from registry.db import transaction
from registry.services import mail
from registry.services.access import (
    ANONYMOUS,
    ForbiddenError,
    NotSignedInError,
    NotVisibleError,
    Principal,
)
from registry.settings import MailSettings
from registry.store import outbox as outbox_store
from tests.smtp import SENDER, SMTP_PASSWORD, SMTP_USER, Collector, free_port, smtp_server, start_smtp

ADMIN = Principal(user_id=1, email="admin@example.no", role="admin", via="session")
EDITOR = Principal(user_id=2, email="editor@example.no", role="editor", kommuner=frozenset({"3201"}))


def _invite(to: str = "ola.nordmann@asker.kommune.no", **changes: Any) -> mail.Mail:
    fields: dict[str, Any] = {
        "kind": "invite",
        "to": to,
        "subject_no": "Invitasjon til Næringsarealregisteret – Bærum og Ås",
        "subject_en": "Invitation to the business land registry",
        "body_no": "Hei!\n\nDu er invitert. Åpne lenken innen tre døgn: https://example.no/i/æøå\n",
        "body_en": "Hello!\n\nYou are invited. Open the link within three days.\n",
        **changes,
    }
    return mail.Mail(**fields)


@pytest.fixture
def smtp() -> Iterator[tuple[Collector, MailSettings]]:
    """A plain SMTP server on 127.0.0.1 and the settings that point at it."""
    with smtp_server() as pair:
        yield pair


@pytest.fixture
def outbox_engine(engine: Engine) -> Iterator[Engine]:
    """The test database with an empty outbox (emptied again afterwards)."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE outbox_message RESTART IDENTITY"))
    yield engine
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE outbox_message RESTART IDENTITY"))


def _queue(engine: Engine, clock: FixedClock, *mails: mail.Mail) -> list[int]:
    with transaction(engine) as session:
        return [mail.queue(session, m, clock=clock) for m in mails]


def _row(engine: Engine, message_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        row = outbox_store.get(conn, message_id)
    assert row is not None
    return dict(row)


def test_a_message_arrives_by_smtp_in_both_languages(
    outbox_engine: Engine, smtp: tuple[Collector, MailSettings]
) -> None:
    handler, settings = smtp
    clock = FixedClock()
    html = "<p>Hei! Du er invitert – <b>æøå</b></p>"
    [message_id] = _queue(outbox_engine, clock, _invite(html=html))
    queued_at = clock.now()
    sent_at = clock.advance(dt.timedelta(minutes=3))

    report = mail.deliver(outbox_engine, settings, clock)

    assert report == mail.DeliveryReport(sent=(message_id,))
    [envelope] = handler.envelopes
    assert envelope.mail_from == "noreply@naeringsareal.example"
    assert envelope.rcpt_tos == ["ola.nordmann@asker.kommune.no"]
    assert isinstance(envelope.content, bytes)
    head = envelope.content.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()  # non-ASCII headers travel encoded (RFC 2047)
    [received] = handler.received()
    assert received["From"].addresses[0].display_name == "Næringsarealregisteret"
    assert received["From"].addresses[0].addr_spec == "noreply@naeringsareal.example"
    assert received["To"].addresses[0].addr_spec == "ola.nordmann@asker.kommune.no"
    assert received["Subject"] == (
        "Invitasjon til Næringsarealregisteret – Bærum og Ås / Invitation to the business land registry"
    )
    assert email.utils.parsedate_to_datetime(received["Date"]) == sent_at
    assert received["Message-ID"].endswith("@naeringsareal.example>")
    assert received["Auto-Submitted"] == "auto-generated"

    plain = received.get_body(("plain",))
    assert plain is not None
    body = plain.get_content()
    norwegian = body.index("Åpne lenken innen tre døgn: https://example.no/i/æøå")
    separator = body.index(mail.SEPARATOR)
    english = body.index("You are invited. Open the link within three days.")
    assert norwegian < separator < english
    html_part = received.get_body(("html",))
    assert html_part is not None and html_part.get_content().strip() == html

    row = _row(outbox_engine, message_id)
    assert (row["status"], row["sent_at"], row["created_at"]) == ("sent", sent_at, queued_at)
    assert row["error"] is None
    assert row["kind"] == "invite" and row["body_html"] == html
    assert mail.deliver(outbox_engine, settings, clock) == mail.DeliveryReport()  # nothing sent twice
    assert len(handler.envelopes) == 1


def test_a_message_without_html_is_plain_text_only(
    outbox_engine: Engine, smtp: tuple[Collector, MailSettings]
) -> None:
    handler, settings = smtp
    message_id = mail.send_now(
        outbox_engine, settings, FixedClock(), _invite(subject_no="Samme", subject_en="Samme")
    )
    [received] = handler.received()
    assert received.get_content_type() == "text/plain"
    assert received["Subject"] == "Samme"  # one language's subject when both are the same
    assert _row(outbox_engine, message_id)["status"] == "sent"


def test_without_smtp_messages_are_kept_for_the_admins(
    outbox_engine: Engine, smtp: tuple[Collector, MailSettings]
) -> None:
    handler, settings = smtp
    clock = FixedClock()
    ids = _queue(outbox_engine, clock, _invite(), _invite(to="kari@lillestrom.kommune.no"))

    demo = MailSettings(smtp_host=None, smtp_port=settings.smtp_port, mail_sender=SENDER)
    report = mail.deliver(outbox_engine, demo, clock)

    assert report == mail.DeliveryReport(kept=tuple(ids))
    assert handler.envelopes == []
    assert [(_row(outbox_engine, i)["status"], _row(outbox_engine, i)["sent_at"]) for i in ids] == [
        ("kept", None),
        ("kept", None),
    ]
    # Kept is final: configuring SMTP later does not send the demo's messages.
    assert mail.deliver(outbox_engine, settings, clock) == mail.DeliveryReport()
    assert handler.envelopes == []


def test_a_refused_recipient_fails_and_the_next_message_still_goes_out(
    outbox_engine: Engine, smtp: tuple[Collector, MailSettings]
) -> None:
    handler, settings = smtp
    handler.refuse.add("gone@asker.kommune.no")
    clock = FixedClock()
    refused, accepted = _queue(
        outbox_engine, clock, _invite(to="gone@asker.kommune.no"), _invite(to="here@asker.kommune.no")
    )

    report = mail.deliver(outbox_engine, settings, clock)

    assert report == mail.DeliveryReport(sent=(accepted,), failed=(refused,))
    failed = _row(outbox_engine, refused)
    assert failed["status"] == "failed" and failed["sent_at"] is None
    assert "550" in failed["error"] and "Mailbox unavailable" in failed["error"]
    assert "gone@asker.kommune.no" in failed["error"]
    assert [e.rcpt_tos for e in handler.envelopes] == [["here@asker.kommune.no"]]
    assert _row(outbox_engine, accepted)["status"] == "sent"


def test_an_unreachable_server_fails_each_message(outbox_engine: Engine) -> None:
    clock = FixedClock()
    ids = _queue(outbox_engine, clock, _invite(), _invite(to="kari@lillestrom.kommune.no"))
    nobody = MailSettings(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout_s=5)

    report = mail.deliver(outbox_engine, nobody, clock)

    assert report == mail.DeliveryReport(failed=tuple(ids))
    assert all("ConnectionRefusedError" in _row(outbox_engine, i)["error"] for i in ids)


def test_a_rolled_back_use_case_sends_nothing(
    outbox_engine: Engine, smtp: tuple[Collector, MailSettings]
) -> None:
    handler, settings = smtp
    clock = FixedClock()
    with pytest.raises(RuntimeError), transaction(outbox_engine) as session:
        mail.queue(session, _invite(), clock=clock)
        raise RuntimeError("the use case fails after queuing its message")

    assert mail.deliver(outbox_engine, settings, clock) == mail.DeliveryReport()
    assert handler.envelopes == []
    with outbox_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox_message")).scalar_one() == 0


def test_a_message_another_delivery_holds_is_left_to_it(
    outbox_engine: Engine, smtp: tuple[Collector, MailSettings]
) -> None:
    handler, settings = smtp
    clock = FixedClock()
    [message_id] = _queue(outbox_engine, clock, _invite())
    with outbox_engine.begin() as other:
        assert outbox_store.lock_queued(other, message_id) is not None
        assert mail.deliver(outbox_engine, settings, clock) == mail.DeliveryReport()
        assert handler.envelopes == []
    assert mail.deliver(outbox_engine, settings, clock) == mail.DeliveryReport(sent=(message_id,))
    assert len(handler.envelopes) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"subject_no": "Hei\r\nBcc: victim@example.com"},
        {"subject_en": "Hello\nBcc: victim@example.com"},
        {"subject_en": "Hello\u2028Bcc: victim@example.com"},
        {"to": "ola@asker.kommune.no\r\nBcc: victim@example.com"},
        {"to": "ola@asker.kommune.no\n"},
        {"to": "ola@asker.kommune.no, victim@example.com"},
        {"to": "Ola <ola@asker.kommune.no>"},
        {"to": "ola@@asker.kommune.no"},
        {"to": "ola.asker.kommune.no"},
        {"to": "ola@localhost"},
        {"to": "o la@asker.kommune.no"},
        {"kind": "Invite\r\n"},
        {"subject_en": ""},
        {"body_en": "  \n"},
        {"body_no": "Hei\x00"},
    ],
)
def test_header_injection_and_bad_addresses_are_refused(
    outbox_engine: Engine, changes: dict[str, str]
) -> None:
    with pytest.raises(ValueError), transaction(outbox_engine) as session:
        mail.queue(session, _invite(**changes), clock=FixedClock())
    with outbox_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox_message")).scalar_one() == 0


def test_addresses_are_trimmed_and_international_domains_encoded() -> None:
    assert mail.checked_address("  ola@asker.kommune.no ") == "ola@asker.kommune.no"
    assert mail.checked_address("ola@bærum.no") == "ola@xn--brum-voa.no"


def test_a_line_break_that_reaches_the_outbox_anyway_is_not_sent(
    outbox_engine: Engine, smtp: tuple[Collector, MailSettings]
) -> None:
    """The second defence: the message builder refuses a header with a line break (a row written past
    `queue`, say by hand), so the message fails rather than carry an injected header."""
    handler, settings = smtp
    with outbox_engine.begin() as conn:
        message_id = outbox_store.insert(
            conn,
            created_at=FixedClock().now(),
            kind="invite",
            to_addr="ola@asker.kommune.no",
            subject="Hei\r\nBcc: victim@example.com",
            body_text="Hei",
            body_html=None,
        )
    assert mail.deliver(outbox_engine, settings, FixedClock()) == mail.DeliveryReport(failed=(message_id,))
    assert handler.envelopes == []
    assert "ValueError" in _row(outbox_engine, message_id)["error"]


def test_composed_text_normalises_line_endings() -> None:
    subject, body, html = mail.compose(_invite(body_no="Linje 1\r\nLinje 2\r\n", body_en="Line 1\rLine 2"))
    assert body == f"Linje 1\nLinje 2\n\n{mail.SEPARATOR}\n\nLine 1\nLine 2\n"
    assert html is None and " / " in subject


# --- the admins' outbox ----------------------------------------------------------------------------------


def test_only_admins_read_the_outbox(outbox_engine: Engine) -> None:
    clock = FixedClock()
    ids = _queue(outbox_engine, clock, *(_invite(to=f"person{i}@asker.kommune.no") for i in range(3)))
    mail.deliver(outbox_engine, MailSettings(smtp_host=None), clock)  # all kept
    [queued] = _queue(outbox_engine, clock, _invite(to="later@asker.kommune.no"))

    with transaction(outbox_engine) as session:
        with pytest.raises(ForbiddenError):
            mail.outbox(session, principal=EDITOR, limit=10, offset=0)
        with pytest.raises(NotSignedInError):
            mail.outbox(session, principal=ANONYMOUS, limit=10, offset=0)
        with pytest.raises(ForbiddenError):
            mail.outbox_message(session, EDITOR, ids[0])
        with pytest.raises(NotSignedInError):
            mail.outbox_message(session, ANONYMOUS, ids[0])

        page = mail.outbox(session, principal=ADMIN, limit=2, offset=0)
        assert page.total == 4 and [m.id for m in page.messages] == [queued, ids[2]]  # newest first
        page = mail.outbox(session, principal=ADMIN, limit=2, offset=2)
        assert [m.id for m in page.messages] == [ids[1], ids[0]]
        kept = mail.outbox(session, principal=ADMIN, limit=10, offset=0, status="kept")
        assert kept.total == 3 and {m.status for m in kept.messages} == {"kept"}
        with pytest.raises(ValueError):
            mail.outbox(session, principal=ADMIN, limit=10, offset=0, status="bogus")

        one = mail.outbox_message(session, ADMIN, ids[1])
        assert one.to_addr == "person1@asker.kommune.no" and mail.SEPARATOR in one.body_text
        with pytest.raises(NotVisibleError):
            mail.outbox_message(session, ADMIN, 999_999)


# --- STARTTLS and login ----------------------------------------------------------------------------------


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by its own key (written as PEM files)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_smtp(tmp_path: Path) -> Iterator[tuple[Collector, MailSettings, Path]]:
    """An SMTP server that requires STARTTLS and a login; the settings that point at it; its certificate."""
    cert_path, key_path = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    handler = Collector()
    controller = start_smtp(
        handler,
        tls_context=context,
        require_starttls=True,
        authenticator=handler.authenticate,
        auth_required=True,
        auth_require_tls=True,
    )
    settings = MailSettings(
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        smtp_starttls=True,
        smtp_user=SMTP_USER,
        smtp_password=SMTP_PASSWORD,
        mail_sender=SENDER,
    )
    try:
        yield handler, settings, cert_path
    finally:
        controller.stop()


def test_starttls_and_login(
    outbox_engine: Engine, tls_smtp: tuple[Collector, MailSettings, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    handler, settings, cert_path = tls_smtp
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))  # trust the test's own certificate
    clock = FixedClock()
    wrong = settings.model_copy(update={"smtp_password": "not-the-" + SMTP_PASSWORD})
    plain = settings.model_copy(update={"smtp_starttls": False, "smtp_user": None})

    [bad_login] = _queue(outbox_engine, clock, _invite())
    assert mail.deliver(outbox_engine, wrong, clock).failed == (bad_login,)
    [no_tls] = _queue(outbox_engine, clock, _invite())
    assert mail.deliver(outbox_engine, plain, clock).failed == (no_tls,)
    [good] = _queue(outbox_engine, clock, _invite())
    assert mail.deliver(outbox_engine, settings, clock).sent == (good,)

    assert handler.logins == [SMTP_USER]
    [received] = handler.received()
    assert received["To"].addresses[0].addr_spec == "ola.nordmann@asker.kommune.no"
    error = _row(outbox_engine, bad_login)["error"]
    assert "SMTPAuthenticationError" in error and "535" in error
    assert SMTP_PASSWORD not in error
    assert "STARTTLS" in _row(outbox_engine, no_tls)["error"]


def test_starttls_verifies_the_server_certificate(
    outbox_engine: Engine, tls_smtp: tuple[Collector, MailSettings, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    handler, settings, _cert = tls_smtp
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)  # the system's authorities do not know it
    clock = FixedClock()
    [message_id] = _queue(outbox_engine, clock, _invite())

    assert mail.deliver(outbox_engine, settings, clock).failed == (message_id,)
    assert handler.envelopes == [] and handler.logins == []
    assert "CERTIFICATE_VERIFY_FAILED" in _row(outbox_engine, message_id)["error"]
