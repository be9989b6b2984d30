"""Thin views of a requester's data-subject rights: a confirmation page that shows what is
held and erases it on POST, and the JSON export."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View

from sportloket.formviews import ServiceFormView
from sportloket.permissions import RoleRequiredMixin

from ..models import SupportRequest
from ..support import selectors
from ..support.views import DESK_ROLES
from . import selectors as selectors_privacy
from . import services as services_privacy
from .forms import RequesterEraseForm


class RequesterMixin(RoleRequiredMixin):
    """The question in the user's scope (404 otherwise) that the user may triage (403: e.g.
    staff of the partner organisation it was handed over to)."""

    allowed_roles = DESK_ROLES

    def question(self, request, pk) -> SupportRequest:
        support_request = selectors.support_request_get(user=request.user, pk=pk)
        if not selectors.can_triage(self.scope, support_request):
            raise PermissionDenied
        return support_request


class RequesterEraseView(RequesterMixin, ServiceFormView):
    template_name = "meetings/requester_erase.html"
    form_class = RequesterEraseForm

    @cached_property
    def support_request(self) -> SupportRequest:
        return self.question(self.request, self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        requester = selectors_privacy.requester_get(
            user=self.request.user, support_request=self.support_request
        )
        return super().get_context_data(
            support_request=self.support_request, requester=requester, **kwargs
        )

    def perform(self, form):
        done = services_privacy.requester_erase(
            support_request=self.support_request,
            by=self.request.user,
            include_providers=form.cleaned_data["include_providers"],
        )
        messages.success(
            self.request,
            _("The requester's personal data has been erased (%(count)s questions).")
            % {"count": done["support_requests"]},
        )
        return self.support_request


class RequesterExportView(RequesterMixin, View):
    """POST only (a download that is audited must not be triggered by a link preview)."""

    rate_limit = "export"

    def post(self, request, pk):
        support_request = self.question(request, pk)
        data = services_privacy.requester_personal_data(
            support_request=support_request, by=request.user
        )
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="persoonsgegevens-aanvrager-{support_request.pk}.json"'
        )
        return response
