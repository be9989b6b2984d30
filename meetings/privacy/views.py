"""Thin views of a requester's data-subject rights: a confirmation page that shows what is
held and erases it on POST, and the JSON export."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from sportloket.permissions import RoleRequiredMixin
from sportloket.services import DomainError

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


class RequesterEraseView(RequesterMixin, View):
    template_name = "meetings/requester_erase.html"

    def page(self, request, support_request, form, status=200):
        requester = selectors_privacy.requester_get(
            user=request.user, support_request=support_request
        )
        context = {"support_request": support_request, "requester": requester, "form": form}
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        support_request = self.question(request, pk)
        return self.page(request, support_request, RequesterEraseForm())

    def post(self, request, pk):
        support_request = self.question(request, pk)
        form = RequesterEraseForm(request.POST)
        if not form.is_valid():
            return self.page(request, support_request, form, status=400)
        try:
            done = services_privacy.requester_erase(
                support_request=support_request,
                by=request.user,
                include_providers=form.cleaned_data["include_providers"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return self.page(request, support_request, form, status=409)
        messages.success(
            request,
            _("The requester's personal data has been erased (%(count)s questions).")
            % {"count": done["support_requests"]},
        )
        return redirect(support_request)


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
