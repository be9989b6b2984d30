from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.template import TemplateDoesNotExist
from django.utils import timezone, translation

from sportloket import services, tasks
from sportloket.constants import EmailStatus
from sportloket.models import OutgoingEmail

pytestmark = pytest.mark.django_db


def queue(key="test:1"):
    return services.email_queue(
        key=key,
        to=["kim@example.org"],
        template="emails/password_reset",
        context={"protocol": "http", "domain": "x", "uid": "MQ", "token": "t", "user": None},
    )


def test_queued_email_is_published_only_after_commit(django_capture_on_commit_callbacks):
    with mock.patch.object(tasks.send_outgoing_email, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            email = queue()
        delay.assert_not_called()
        for callback in callbacks:
            callback()
        delay.assert_called_once_with(email.pk)


def test_queueing_the_same_key_twice_gives_one_email(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue()
        second = queue()
    assert first.pk == second.pk
    assert OutgoingEmail.objects.count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Kies een nieuw wachtwoord voor Sportloket"


def test_send_task_run_twice_sends_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        email = queue()
    assert tasks.send_outgoing_email(email.pk) is True
    assert tasks.send_outgoing_email(email.pk) is False
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert email.attempts == 1


def test_failed_send_stays_pending_and_the_sweep_retries_it(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        email = queue()
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("down")):
        with pytest.raises(OSError, match="down"):
            services.email_send(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == EmailStatus.PENDING
    assert email.last_error == "down"
    OutgoingEmail.objects.filter(pk=email.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    assert tasks.retry_unsent_emails() == 1
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert len(mail.outbox) == 1


def test_a_claim_abandoned_by_a_killed_worker_is_retried_after_the_timeout(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        email = queue()
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=EmailStatus.SENDING, claimed_at=timezone.now(), attempts=1
    )
    assert services.email_send(email_id=email.pk) is False  # still claimed by the other worker
    OutgoingEmail.objects.filter(pk=email.pk).update(
        claimed_at=timezone.now() - services.EMAIL_CLAIM_TIMEOUT - timedelta(seconds=1)
    )
    assert services.emails_due_for_retry() == [email.pk]
    assert services.email_send(email_id=email.pk) is True
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == "<test:1@sportloket>"


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_does_not_break_the_change_that_queued_the_email():
    from django.db import transaction

    with mock.patch.object(tasks.send_outgoing_email, "delay", side_effect=OSError("no broker")):
        with transaction.atomic():
            email = queue("broker-down")
    email.refresh_from_db()
    assert email.status == EmailStatus.PENDING  # the retry sweep will send it
    assert not mail.outbox


# --- Rendered by the worker (``render_in_worker``) -----------------------------------------

RESET_CONTEXT = {"protocol": "http", "domain": "x", "uid": "MQ", "token": "t", "user": None}


def queue_for_the_worker(key="later:1", template="emails/password_reset"):
    return services.email_queue(
        key=key,
        to=["kim@example.org"],
        template=template,
        context=RESET_CONTEXT,
        render_in_worker=True,
    )


def test_an_email_rendered_by_the_worker_is_the_same_dutch_text_as_one_rendered_at_once(
    django_capture_on_commit_callbacks,
):
    """The request stores only the template and its context; the worker renders the text in
    Dutch, whatever language the request that queued it spoke."""
    with django_capture_on_commit_callbacks(execute=False):
        at_once = queue("at-once:1")
        with translation.override("en"):
            later = queue_for_the_worker()
    later.refresh_from_db()
    assert (later.subject, later.body, later.template) == ("", "", "emails/password_reset")
    assert later.context == RESET_CONTEXT
    with translation.override("en"):
        assert services.email_send(email_id=later.pk) is True
    assert services.email_send(email_id=at_once.pk) is True
    sent_later, sent_at_once = mail.outbox
    assert sent_later.subject == sent_at_once.subject == "Kies een nieuw wachtwoord voor Sportloket"
    assert sent_later.body == sent_at_once.body
    # The text is kept on the row (a retry would send the same), the context is not.
    later.refresh_from_db()
    at_once.refresh_from_db()
    assert (later.subject, later.body) == (at_once.subject, at_once.body)
    assert (later.template, later.context, later.status) == ("", {}, EmailStatus.SENT)


def test_an_email_for_the_worker_is_sent_once_however_often_its_task_runs(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        email = queue_for_the_worker()
    assert [tasks.send_outgoing_email(email.pk) for _ in range(3)] == [True, False, False]
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 1)


def test_an_email_the_worker_cannot_render_is_not_marked_sent_and_stays_for_the_sweep(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        email = queue_for_the_worker(template="emails/no_such_template")
    with pytest.raises(TemplateDoesNotExist):
        services.email_send(email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts, email.sent_at) == (EmailStatus.PENDING, 1, None)
    assert email.template == "emails/no_such_template"  # still there for the next attempt
    assert not mail.outbox


@pytest.mark.django_db(transaction=True)
def test_an_email_for_the_worker_queued_while_the_broker_is_down_is_delivered_by_the_sweep():
    from django.db import transaction

    with mock.patch.object(tasks.send_outgoing_email, "delay", side_effect=OSError("no broker")):
        with transaction.atomic():
            email = queue_for_the_worker("later:broker-down")
    services.BROKER_BREAKER.reset()
    email.refresh_from_db()
    assert (email.status, email.body) == (EmailStatus.PENDING, "")
    assert not mail.outbox
    OutgoingEmail.objects.filter(pk=email.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    assert tasks.retry_unsent_emails() == 1  # eager here: the worker renders and sends
    assert tasks.retry_unsent_emails() == 0
    (message,) = mail.outbox
    assert message.subject == "Kies een nieuw wachtwoord voor Sportloket"
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert email.body == message.body
