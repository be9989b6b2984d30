"""Writes of the news update: drafts, sending (claim, deliver, complete), opt-in and
unsubscribe.

Sending follows the once-only notices of ``sportloket.notices``: starting to send is a
conditional UPDATE (draft → sending), so a second start finds nothing; the sweep then claims one
``NewsDelivery`` per recipient in one INSERT … SELECT … ON CONFLICT DO NOTHING (one statement
whatever the number of recipients), fixing the recipients in that transaction; each delivery is
e-mailed in its own transaction through the outbox. A worker killed between claim and send
leaves claims that a later sweep (the periodic task) hands out again, and the conditional UPDATE
of each delivery lets exactly one sender through.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from poskantoor.constants import OfficeStatus
from sportloket.notices import NoticeEmail, SweepResult, notices_send, notices_sweep
from sportloket.services import (
    DomainError,
    audit_record,
    email_queue,
    enqueue_on_commit,
    model_changes,
)
from sportloket.tokens import InvalidToken, make_token, read_token

from . import selectors
from .constants import Audience, SubscriptionSource, UpdateStatus
from .markup import is_web_address, render_html, render_text
from .models import NewsDelivery, NewsSubscription, NewsUpdate

# Each link is signed for its own purpose (a token of any other link does not verify).
OPTIN_PURPOSE = "news-optin"
OPTIN_MAX_AGE_DAYS = 7
UNSUBSCRIBE_PURPOSE = "news-unsubscribe"
# Updates come out a few times a year: the link in the latest one keeps working for a year.
UNSUBSCRIBE_MAX_AGE_DAYS = 365
EMAIL_TEMPLATE = "emails/network/news_update"
UPDATE_FIELDS = ["title", "body", "link", "audience", "office"]


# --- Drafts ------------------------------------------------------------------------------------


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """The invariants of an update, whatever the form checked: a refusal names what is wrong."""
    title = (data.get("title") or "").strip()
    body = (data.get("body") or "").strip()
    link = (data.get("link") or "").strip()
    audience = data.get("audience")
    office = data.get("office")
    if not title:
        raise DomainError(_("Give the update a title."))
    if not body:
        raise DomainError(_("Write the text of the update."))
    if link and not is_web_address(link):
        raise DomainError(_("The link must be a web address starting with http:// or https://."))
    if audience not in Audience.values:
        raise DomainError(_("Choose who receives the update."))
    if audience == Audience.OFFICE:
        if office is None:
            raise DomainError(_("Choose the POS office this update is for."))
        if office.status == OfficeStatus.STOPPED:
            raise DomainError(_("This POS office has stopped; choose another office."))
    else:
        office = None
    return {"title": title, "body": body, "link": link, "audience": audience, "office": office}


@transaction.atomic
def news_update_save(
    *, update: NewsUpdate | None, data: dict[str, Any], by: AbstractBaseUser
) -> NewsUpdate:
    """Create (``update=None``) or change a draft, with audit trail. A sent update (or one being
    sent) cannot change: what recipients received is what the archive shows."""
    values = _clean(data)
    if update is None:
        update = NewsUpdate.objects.create(**values, created_by=by)
        audit_record(subject=update, actor=by, action="news_update_created", summary=update.title)
        return update
    locked = NewsUpdate.objects.select_for_update().get(pk=update.pk)
    if locked.status != UpdateStatus.DRAFT:
        raise DomainError(_("This update has been sent and can no longer be changed."))
    changes = model_changes(locked, values, UPDATE_FIELDS)
    for name, value in values.items():
        setattr(locked, name, value)
    locked.save()
    if changes:
        audit_record(
            subject=locked,
            actor=by,
            action="news_update_changed",
            changes=changes,
            summary=locked.title,
        )
    return locked


@transaction.atomic
def news_update_send(*, update: NewsUpdate, by: AbstractBaseUser) -> NewsUpdate:
    """Start sending a draft: draft → sending (a conditional UPDATE: of two clicks, or two
    staff members at once, one starts and the other is told), audited; the delivery task is
    queued after commit. Refused when nobody in the audience opted in."""
    if not selectors.recipients(update=update).exists():
        raise DomainError(
            _(
                "Nobody in this audience has subscribed to the news update yet; "
                "the update was not sent."
            )
        )
    now = timezone.now()
    started = NewsUpdate.objects.filter(pk=update.pk, status=UpdateStatus.DRAFT).update(
        status=UpdateStatus.SENDING, send_started_at=now, sent_by=by
    )
    if not started:
        raise DomainError(_("This update is already being sent or has been sent."))
    update.refresh_from_db()
    audit_record(
        subject=update,
        actor=by,
        action="news_update_sent",
        summary=_("Sending started: %(audience)s")
        % {"audience": update.office or update.get_audience_display()},
    )
    from .tasks import news_update_deliver

    enqueue_on_commit(news_update_deliver, update.pk)
    return update


# --- Delivery ----------------------------------------------------------------------------------


def _claim_recipients(update_id: int, run: str, at: dt.datetime) -> None:
    """Fix the recipients of one update being sent, once: the conditional UPDATE lets one
    sweep through (a concurrent one waits for its commit and then finds the row taken), and
    that sweep inserts every delivery in a single INSERT … SELECT."""
    fixed = NewsUpdate.objects.filter(
        pk=update_id, status=UpdateStatus.SENDING, recipients_fixed_at__isnull=True
    ).update(recipients_fixed_at=at)
    if not fixed:
        return
    update = NewsUpdate.objects.select_related("office").get(pk=update_id)
    sql, params = (
        selectors.recipients(update=update).values(recipient_id=F("pk")).query.sql_with_params()
    )
    quote = connection.ops.quote_name
    table = NewsDelivery._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(table)} "  # noqa: S608 - names from the model, values bound
            f"({quote('update_id')}, {quote('subscription_id')}, {quote('claim')}, "
            f"{quote('created_at')}) "
            f"SELECT %s, recipient.{quote('recipient_id')}, %s, %s "
            f"FROM ({sql}) recipient WHERE 1 = 1 "
            f"ON CONFLICT ({quote('update_id')}, {quote('subscription_id')}) DO NOTHING",
            [update_id, run, connection.ops.adapt_datetimefield_value(at), *params],
        )


def news_deliveries_sweep(
    *, update_id: int | None = None, now: dt.datetime | None = None
) -> SweepResult:
    """Claim the deliveries of updates being sent whose recipients are not fixed yet (only
    ``update_id`` when given) and return the ids to send: this sweep's claims and older unsent
    ones. A fixed number of statements whatever the number of recipients. Safe to run twice and
    concurrently; call outside a transaction."""

    def claim(run: str, at: dt.datetime) -> None:
        pending = NewsUpdate.objects.filter(
            status=UpdateStatus.SENDING, recipients_fixed_at__isnull=True
        )
        if update_id is not None:
            pending = pending.filter(pk=update_id)
        for pk in pending.order_by("pk").values_list("pk", flat=True):
            _claim_recipients(pk, run, at)

    return notices_sweep(NewsDelivery, claim, now=now)


def unsubscribe_url(subscription: NewsSubscription) -> str:
    token = make_token(UNSUBSCRIBE_PURPOSE, subscription.pk)
    return settings.SPORTLOKET_SITE_URL + reverse("network:news_unsubscribe", args=[token])


def news_email_context(update: NewsUpdate, *, unsubscribe: str) -> dict[str, Any]:
    """What the e-mail templates get: the update, its text as safe HTML and as plain text."""
    return {
        "update": update,
        "body_html": render_html(update.body),
        "body_text": render_text(update.body),
        "archive_url": settings.SPORTLOKET_SITE_URL + reverse("network:news_archive"),
        "unsubscribe_url": unsubscribe,
    }


def news_email_preview(update: NewsUpdate) -> dict[str, str]:
    """The e-mail exactly as a recipient gets it (subject and text), with a sample unsubscribe
    link: rendered from the same templates and context as the real send."""
    context = {
        "site_url": settings.SPORTLOKET_SITE_URL,
        **news_email_context(
            update,
            unsubscribe=settings.SPORTLOKET_SITE_URL
            + reverse("network:news_unsubscribe", args=["voorbeeld"]),
        ),
    }
    with translation.override("nl"):
        subject = " ".join(render_to_string(f"{EMAIL_TEMPLATE}_subject.txt", context).split())
        body = render_to_string(f"{EMAIL_TEMPLATE}.txt", context)
    # Plain text, not HTML: a rendered template is marked safe, and the text part holds the
    # author's words unescaped; as a plain ``str`` the page that shows it escapes it.
    return {"subject": "".join([subject]), "body": "".join([body])}


def _compose(delivery: NewsDelivery) -> NoticeEmail | None:
    """None (the claim is closed) when the person unsubscribed after the claim."""
    subscription = delivery.subscription
    if subscription.email is None:
        return None
    update = delivery.update
    return NoticeEmail(
        key=f"news-update:{update.pk}:{subscription.pk}",
        to=[subscription.email],
        template=EMAIL_TEMPLATE,
        context=news_email_context(update, unsubscribe=unsubscribe_url(subscription)),
    )


def news_deliveries_send(*, notice_ids: list[int]) -> int:
    """E-mail each claimed delivery once (each its own transaction); returns how many e-mails
    this call queued."""
    return notices_send(
        NewsDelivery,
        notice_ids=notice_ids,
        compose=_compose,
        select_related=["subscription", "update__office"],
    )


def news_updates_complete(*, now: dt.datetime | None = None) -> int:
    """Mark sent the updates being sent whose recipients are fixed and whose every delivery
    was e-mailed or closed, with the number e-mailed; audited. Idempotent."""
    now = now or timezone.now()
    unsent = NewsDelivery.objects.filter(
        update=OuterRef("pk"), emailed_at__isnull=True, closed_at__isnull=True
    )
    emailed = (
        NewsDelivery.objects.filter(update=OuterRef("pk"), emailed_at__isnull=False)
        .order_by()
        .values("update")
        .annotate(n=Count("pk"))
        .values("n")
    )
    done = 0
    candidates = NewsUpdate.objects.filter(
        status=UpdateStatus.SENDING, recipients_fixed_at__isnull=False
    ).exclude(Exists(unsent))
    for pk in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            finished = (
                NewsUpdate.objects.filter(pk=pk, status=UpdateStatus.SENDING)
                .exclude(Exists(unsent))
                .update(
                    status=UpdateStatus.SENT,
                    sent_at=now,
                    recipient_count=Coalesce(Subquery(emailed), 0),
                )
            )
            if finished:
                update = NewsUpdate.objects.get(pk=pk)
                audit_record(
                    subject=update,
                    actor=None,
                    action="news_update_delivered",
                    summary=_("E-mailed to %(count)d recipients")
                    % {"count": update.recipient_count},
                )
                done += 1
    return done


def news_send_pending(*, update_id: int | None = None) -> int:
    """Sweep, send and complete: what the delivery task and the periodic task run. Returns the
    number of e-mails queued. Idempotent and safe to run concurrently."""
    result = news_deliveries_sweep(update_id=update_id)
    queued = news_deliveries_send(notice_ids=result.to_send)
    news_updates_complete()
    return queued


# --- Opt-in and unsubscribe --------------------------------------------------------------------


def _address(email: str) -> str:
    return (email or "").strip().lower()


def optin_url(email: str) -> str:
    token = make_token(OPTIN_PURPOSE, _address(email))
    return settings.SPORTLOKET_SITE_URL + reverse("network:news_optin_confirm", args=[token])


@transaction.atomic
def news_optin_request(*, email: str) -> None:
    """E-mail a confirmation link to ``email`` when it belongs to a core-group member or a
    network entrepreneur and is not subscribed yet; otherwise do nothing. The caller shows the
    same answer either way, so the form does not tell who is in a network. At most one e-mail
    per address and day (the outbox key)."""
    address = _address(email)
    if not address or not selectors.is_in_a_network(email=address):
        return
    if NewsSubscription.objects.filter(email=address).exists():
        return
    email_queue(
        key=f"news-optin:{address}:{timezone.localdate().isoformat()}",
        to=[address],
        template="emails/network/news_optin",
        context={"confirm_url": optin_url(address), "max_age_days": OPTIN_MAX_AGE_DAYS},
    )


def address_for_optin_token(*, token: str) -> str:
    """The address a confirmation link was sent to; DomainError for a forged, foreign or
    expired link."""
    try:
        return read_token(OPTIN_PURPOSE, token, max_age=OPTIN_MAX_AGE_DAYS * 86400)
    except InvalidToken as exc:
        if exc.expired:
            raise DomainError(
                _("This link has expired. Sign up again to receive a new link.")
            ) from exc
        raise DomainError(
            _("This link is not valid. Sign up again to receive a new link.")
        ) from exc


@transaction.atomic
def news_subscribe(*, token: str) -> NewsSubscription:
    """Record the opt-in of the address the confirmation link was sent to (when and how),
    audited. Idempotent: confirming twice keeps the first opt-in."""
    address = address_for_optin_token(token=token)
    if not selectors.is_in_a_network(email=address):
        raise DomainError(
            _("This address is no longer part of a POS office's network, so it cannot subscribe.")
        )
    subscription, created = NewsSubscription.objects.get_or_create(
        email=address,
        defaults={
            "source": SubscriptionSource.CONFIRMATION_LINK,
            "opted_in_at": timezone.now(),
        },
    )
    if created:
        audit_record(
            subject=subscription,
            actor=None,
            action="news_subscribed",
            summary=_("Subscribed to the news update"),
        )
    return subscription


def subscription_for_unsubscribe_token(*, token: str) -> NewsSubscription | None:
    """The subscription of an unsubscribe link; None when it unsubscribed already (the page
    then says so); DomainError for a forged, foreign or expired link."""
    try:
        pk = read_token(UNSUBSCRIBE_PURPOSE, token, max_age=UNSUBSCRIBE_MAX_AGE_DAYS * 86400)
    except InvalidToken as exc:
        if exc.expired:
            raise DomainError(
                _(
                    "This link has expired. Use the link in the most recent news update, "
                    "or ask POS to unsubscribe you."
                )
            ) from exc
        raise DomainError(_("This link is not valid. Ask POS to unsubscribe you.")) from exc
    subscription = NewsSubscription.objects.filter(pk=pk).first()
    if subscription is None:
        raise DomainError(_("This link is not valid. Ask POS to unsubscribe you."))
    if subscription.email is None:
        return None
    return subscription


@transaction.atomic
def news_unsubscribe(*, subscription: NewsSubscription) -> None:
    """Stop the news update for this subscription and forget the address (the row stays, empty,
    for the deliveries it had), audited. Idempotent."""
    stopped = NewsSubscription.objects.filter(pk=subscription.pk, email__isnull=False).update(
        email=None, unsubscribed_at=timezone.now()
    )
    if stopped:
        audit_record(
            subject=subscription,
            actor=None,
            action="news_unsubscribed",
            summary=_("Unsubscribed from the news update"),
        )
