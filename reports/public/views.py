"""The public pages: no login, the same page for everyone; a municipality whose office is not
public (or has none, or stopped) is a 404 like an unknown address."""

from __future__ import annotations

from csp.constants import SELF
from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from poskantoor.selectors import public_office_get

from ..maps import selectors as map_selectors
from ..maps.svg import cached_draw
from . import selectors


class PublicMapView(TemplateView):
    """The map of the POS offices that are public (by phase) and the municipalities with a
    sport desk, with the same rows as a list beside it."""

    template_name = "reports/public/map.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = map_selectors.public_map_rows()
        context.update(
            rows=rows,
            offices=[row for row in rows if row.href],
            desks=[row for row in rows if row.state == map_selectors.DESK],
            svg=cached_draw(
                areas=[row.area() for row in rows],
                title=_("Map of the POS offices and sport desks in the Netherlands"),
                prefix="public-map",
            ),
            classes=map_selectors,
        )
        return context


class PublicOfficeMixin:
    def get_public(self) -> selectors.PublicOffice:
        return selectors.public_office(public_office_get(slug=self.kwargs["slug"]))


class PublicOfficeView(PublicOfficeMixin, TemplateView):
    template_name = "reports/public/office.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(public=self.get_public(), **kwargs)


class PublicOfficeEmbedView(PublicOfficeView):
    """The office page as a snippet for the POS website's frame: only this route may be
    framed, and only by our own origin and the origins in ``SPORTLOKET_EMBED_ORIGINS``."""

    template_name = "reports/public/office_embed.html"

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response._csp_replace = {"frame-ancestors": [SELF, *settings.SPORTLOKET_EMBED_ORIGINS]}
        response.xframe_options_exempt = True
        return response


class PublicMeetingIcsView(PublicOfficeMixin, View):
    """A public meeting's calendar entry (.ics) for anyone."""

    rate_limit = "export"

    def get(self, request, slug: str, meeting_pk: int):
        office = public_office_get(slug=slug)
        meeting = selectors.public_meeting_get(office, meeting_pk)
        if meeting is None:
            raise Http404
        response = HttpResponse(
            selectors.public_meeting_ics(meeting, office), content_type="text/calendar"
        )
        response["Content-Disposition"] = f'attachment; filename="bijeenkomst-{meeting.pk}.ics"'
        return response
