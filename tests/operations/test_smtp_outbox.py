"""The outbox against a real SMTP server (aiosmtpd on localhost): delivered when the server
accepts, left unsent and retried when it refuses or cannot be reached, never marked sent."""

from __future__ import annotations

import email
import smtplib
from datetime import timedelta
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from celery.exceptions import Retry
from django.utils import timezone

from sportloket import services, tasks
from sportloket.constants import EmailStatus
from sportloket.models import OutgoingEmail

from .production import free_port

pytestmark = pytest.mark.django_db


class Recorder:
    """An SMTP server's handler: keeps what it accepts, or answers with a refusal."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.recipients: list[list[str]] = []
        self.refuse_recipient = ""  # e.g. "550 5.1.1 mailbox unavailable"
        self.refuse_data = ""  # e.g. "451 4.3.0 try again later"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.refuse_recipient:
            return self.refuse_recipient
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.refuse_data:
            return self.refuse_data
        self.messages.append(email.message_from_bytes(envelope.content))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free localhost port; the settings point Django's SMTP backend
    at it."""
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield recorder
    controller.stop()


def queue(django_capture_on_commit_callbacks, key: str = "smtp:1") -> OutgoingEmail:
    with django_capture_on_commit_callbacks(execute=False):
        return services.email_queue(
            key=key,
            to=["kim@example.org"],
            template="emails/password_reset",
            context={"protocol": "https", "domain": "x", "uid": "MQ", "token": "t", "user": None},
        )


def make_due(outbox_email: OutgoingEmail) -> None:
    OutgoingEmail.objects.filter(pk=outbox_email.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )


def assert_unsent(outbox_email: OutgoingEmail, status: str = EmailStatus.PENDING) -> None:
    outbox_email.refresh_from_db()
    assert outbox_email.status == status
    assert outbox_email.sent_at is None
    assert outbox_email.last_error


def test_the_outbox_delivers_through_smtp_after_commit(
    smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox_email = services.email_queue(
            key="smtp:delivered",
            to=["kim@example.org"],
            template="emails/password_reset",
            context={"protocol": "https", "domain": "x", "uid": "MQ", "token": "t", "user": None},
        )
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "kim@example.org"
    assert smtp_server.recipients == [["kim@example.org"]]
    assert message["Subject"] == "Kies een nieuw wachtwoord voor Sportloket"
    assert message["Message-ID"] == "<smtp:delivered@sportloket>"
    outbox_email.refresh_from_db()
    assert outbox_email.status == EmailStatus.SENT
    assert outbox_email.sent_at is not None


@pytest.mark.parametrize(
    ("refusal", "reply", "error"),
    [
        ("refuse_recipient", "550 5.1.1 mailbox unavailable", smtplib.SMTPRecipientsRefused),
        ("refuse_data", "451 4.3.0 try again later", smtplib.SMTPDataError),
    ],
    ids=["550-recipient", "451-data"],
)
def test_a_refusing_server_leaves_the_email_pending_and_the_sweep_sends_it_later(
    smtp_server, django_capture_on_commit_callbacks, refusal, reply, error
):
    outbox_email = queue(django_capture_on_commit_callbacks)
    setattr(smtp_server, refusal, reply)
    with pytest.raises(error):
        services.email_send(email_id=outbox_email.pk)
    assert_unsent(outbox_email)
    assert not smtp_server.messages
    # The server refuses again when the periodic sweep retries: the task asks Celery for a
    # later retry (raised here, the tests run tasks eagerly) and the e-mail is still not sent.
    make_due(outbox_email)
    with pytest.raises(Retry):
        tasks.retry_unsent_emails()
    assert_unsent(outbox_email)

    setattr(smtp_server, refusal, "")
    assert tasks.retry_unsent_emails() == 1
    outbox_email.refresh_from_db()
    assert outbox_email.status == EmailStatus.SENT
    assert outbox_email.sent_at is not None
    assert len(smtp_server.messages) == 1
    assert tasks.retry_unsent_emails() == 0  # sent once, never again
    assert len(smtp_server.messages) == 1


def test_an_unreachable_server_leaves_the_email_pending(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.EMAIL_USE_TLS = False
    outbox_email = queue(django_capture_on_commit_callbacks)
    with pytest.raises(ConnectionRefusedError):
        services.email_send(email_id=outbox_email.pk)
    assert_unsent(outbox_email)
    make_due(outbox_email)
    assert services.emails_due_for_retry() == [outbox_email.pk]


def test_the_send_task_retries_a_refusal_and_never_marks_it_sent(
    smtp_server, django_capture_on_commit_callbacks
):
    outbox_email = queue(django_capture_on_commit_callbacks)
    smtp_server.refuse_data = "451 4.3.0 try again later"
    with pytest.raises(Retry, match="SMTPDataError"):
        tasks.send_outgoing_email.apply(args=[outbox_email.pk])
    assert_unsent(outbox_email)
    outbox_email.refresh_from_db()
    assert outbox_email.attempts >= 1
    assert not smtp_server.messages


def test_after_the_last_attempt_the_email_is_failed_and_no_longer_retried(
    smtp_server, django_capture_on_commit_callbacks
):
    outbox_email = queue(django_capture_on_commit_callbacks)
    OutgoingEmail.objects.filter(pk=outbox_email.pk).update(
        attempts=services.EMAIL_MAX_ATTEMPTS - 1
    )
    smtp_server.refuse_recipient = "550 5.1.1 mailbox unavailable"
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        services.email_send(email_id=outbox_email.pk)
    assert_unsent(outbox_email, EmailStatus.FAILED)
    make_due(outbox_email)
    smtp_server.refuse_recipient = ""
    assert tasks.retry_unsent_emails() == 0
    assert not smtp_server.messages


def test_the_password_reset_link_points_at_the_public_site_url_not_the_requests_host(
    smtp_server, client, settings, django_capture_on_commit_callbacks
):
    """Every link in an e-mail is on SPORTLOKET_SITE_URL, the reset link too: the Host the
    request came in with (an internal name behind a proxy) never ends up in an e-mail."""
    from tests.factories import StaffProfileFactory

    settings.SPORTLOKET_SITE_URL = "https://sportloket.example.nl"
    StaffProfileFactory(user__email="kim@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/password_reset/", {"email": "kim@example.org"})
    assert response.status_code == 302
    (message,) = smtp_server.messages
    body = message.get_payload(decode=True).decode()
    links = [line for line in body.splitlines() if "://" in line]
    assert len(links) == 1, body
    assert links[0].startswith("https://sportloket.example.nl/account/reset/"), links
    assert "testserver" not in body
