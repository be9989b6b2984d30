"""The feed itself (no login: its address is the key) and the pages that show an owner's
address with the button that replaces it."""

from __future__ import annotations

from abc import abstractmethod

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from poskantoor.selectors import office_get
from sportloket.constants import Role
from sportloket.formviews import ServiceFormView
from sportloket.models import Desk
from sportloket.permissions import STAFF_ROLES, RoleRequiredMixin
from sportloket.ratelimit import hit, too_many_requests

from ..programme.selectors import can_manage_office
from .ics import feed_ics
from .selectors import feed_by_token, feed_content, feed_name, feed_of, feed_urls
from .services import calendar_feed_renew

WINDOW_SECONDS = 3600


class CalendarFeedView(View):
    """``GET /agenda/<pk>-<secret>.ics``: the owner's calendar, or 404 for an unknown or
    revoked address. Requests per client address (``rate_limit``, by the middleware) and
    fetches per feed are limited per hour; the answer is never stored by a cache on the way."""

    http_method_names = ["get", "head"]
    rate_limit = "feed"

    def get(self, request, token: str):
        feed = feed_by_token(token)
        if feed is None:
            raise Http404
        if not hit(
            "calendar_feed",
            f"feed:{feed.pk}",
            limit=settings.SPORTLOKET_FEED_RATE,
            window_seconds=WINDOW_SECONDS,
        ):
            return too_many_requests(request, kind="feed", window_seconds=WINDOW_SECONDS)
        meetings, deadlines = feed_content(feed)
        response = HttpResponse(
            feed_ics(name=feed_name(feed), meetings=meetings, deadlines=deadlines),
            content_type="text/calendar; charset=utf-8",
        )
        response["Cache-Control"] = "no-store"
        response["Content-Disposition"] = 'inline; filename="sportloket.ics"'
        return response


class RenewForm(forms.Form):
    """The "new address" button: nothing to fill in."""


class FeedPageMixin(RoleRequiredMixin, ServiceFormView):
    """A page with one owner's address and the button that replaces it."""

    template_name = "meetings/calendar_feed.html"
    form_class = RenewForm
    success_message = gettext_lazy(
        "A new address has been made. The old address no longer works: subscribe again with "
        "the new one."
    )
    title = ""
    explanation = ""

    @abstractmethod
    def owner(self) -> dict:
        """The owner of the feed as the keyword of ``calendar_feed_renew``."""

    def get_success_url(self) -> str:
        return self.request.get_full_path()

    def current_feed(self):
        owner = self.owner()
        return feed_of(
            user=owner.get("user"),
            desk_id=getattr(owner.get("desk"), "pk", None),
            office_id=getattr(owner.get("office"), "pk", None),
        )

    def get_context_data(self, **kwargs):
        feed = self.current_feed()
        webcal, https = feed_urls(feed) if feed else ("", "")
        return super().get_context_data(
            feed=feed,
            webcal_url=webcal,
            https_url=https,
            title=self.title,
            explanation=self.explanation,
            **kwargs,
        )

    def get_success_message(self, form) -> str:
        if self.renewed:
            return str(self.success_message)
        return _("The subscription address has been made.")

    def perform(self, form):
        self.renewed = self.current_feed() is not None
        calendar_feed_renew(by=self.request.user, **self.owner())


class MyFeedView(FeedPageMixin):
    """``/agenda/``: the staff member's own feed (meetings they attend or planned, and the
    deadlines they own)."""

    allowed_roles = STAFF_ROLES
    title = gettext_lazy("My calendar subscription")
    explanation = gettext_lazy(
        "Your meetings and, as all-day events, the deadlines you own: founding steps on your "
        "side, the response dates of questions assigned to you and agreements in your name."
    )

    def owner(self) -> dict:
        return {"user": self.request.user}


class DeskFeedView(FeedPageMixin):
    """``/loket/agenda/``: the feed of the club supporter's desk (its meetings)."""

    allowed_roles = (Role.CLUB_SUPPORTER,)
    title = gettext_lazy("Calendar subscription of the desk")
    explanation = gettext_lazy("All meetings of the desk, for everyone who works for it.")

    @cached_property
    def desk(self) -> Desk:
        if self.scope.desk_id is None:
            raise Http404
        return Desk.objects.get(pk=self.scope.desk_id)

    def owner(self) -> dict:
        return {"desk": self.desk}

    def get_context_data(self, **kwargs):
        return super().get_context_data(subject=self.desk, **kwargs)


class OfficeFeedView(FeedPageMixin):
    """``/pos-kantoren/<pk>/agenda/``: the feed of a POS office (its meetings), for those who
    manage the office."""

    allowed_roles = (Role.POLICY_STAFF, Role.POS_STAFF)
    title = gettext_lazy("Calendar subscription of the POS office")
    explanation = gettext_lazy("All meetings of the POS office.")

    @cached_property
    def office(self):
        office = office_get(user=self.request.user, pk=self.kwargs["pk"])
        if not can_manage_office(self.scope, office):
            raise Http404
        return office

    def owner(self) -> dict:
        return {"office": self.office}

    def get_context_data(self, **kwargs):
        return super().get_context_data(subject=self.office, **kwargs)
