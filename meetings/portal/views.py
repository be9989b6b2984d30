"""Thin views of the providers' portal. A portal contact is never a staff user: the portal
reads its own session key (``services.SESSION_KEY``), and staff pages stay closed to it."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from providers.constants import SAFETY_BASICS, SafetyStatus
from sportloket.constants import Role
from sportloket.downloads import private_download
from sportloket.formviews import ServiceFormView
from sportloket.permissions import RoleRequiredMixin
from sportloket.services import DomainError

from ..models import PortalContact, SupportRequest
from ..support import selectors as support_selectors
from . import selectors, services
from .forms import (
    AddInformationForm,
    DigestForm,
    EraseForm,
    InviteForm,
    PortalQuestionForm,
    SafetyClaimForm,
    SafetyClaimRejectForm,
    SignInRequestForm,
)
from .services import EVIDENCE_SUFFIXES

SIGN_IN_URL = reverse_lazy("meetings:portal_sign_in_request")


def _sign_out(request) -> None:
    request.session.pop(services.SESSION_KEY, None)


class PortalMixin:
    """Only for a signed-in portal contact; anyone else goes to the portal's sign-in page."""

    contact: PortalContact

    def dispatch(self, request, *args, **kwargs):
        contact = selectors.contact_from_session(request.session)
        if contact is None:
            _sign_out(request)
            return redirect(SIGN_IN_URL)
        self.contact = contact
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            contact=self.contact, organisation=self.contact.provider, **kwargs
        )


# --- Sign-in ---------------------------------------------------------------------------------


class SignInRequestView(ServiceFormView):
    """Ask for a sign-in link: the same answer for every address (no account enumeration)."""

    rate_limit = "public_form"
    template_name = "meetings/portal/sign_in_request.html"
    form_class = SignInRequestForm
    success_url = reverse_lazy("meetings:portal_sign_in_sent")

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_spam():
            return redirect(self.success_url)
        return self.form_valid(form) if form.is_valid() else self.form_invalid(form)

    def perform(self, form):
        services.portal_sign_in_request(email=form.cleaned_data["email"])
        return redirect(self.success_url)


def sign_in_sent(request):
    minutes = int(services.LINK_LIFETIME.total_seconds() // 60)
    return render(request, "meetings/portal/sign_in_sent.html", {"minutes": minutes})


class SignInView(View):
    """The link from the e-mail. GET asks to confirm (a mail scanner that follows the link must
    not use it up); POST signs in."""

    rate_limit = "login"
    template_name = "meetings/portal/sign_in.html"

    def get(self, request, token):
        return render(request, self.template_name, {"form": None})

    def post(self, request, token):
        try:
            contact = services.portal_sign_in(token=token)
        except DomainError as error:
            return render(
                request,
                self.template_name,
                {"error": error.message, "form": SignInRequestForm()},
                status=400,
            )
        request.session.cycle_key()
        request.session[services.SESSION_KEY] = {
            "id": contact.pk,
            "at": timezone.now().isoformat(),
        }
        return redirect("meetings:portal_home")


class SignOutView(View):
    def post(self, request):
        _sign_out(request)
        messages.success(request, _("You have signed out of the portal."))
        return redirect(SIGN_IN_URL)


# --- The organisation -------------------------------------------------------------------------


class HomeView(PortalMixin, View):
    def get(self, request):
        return render(
            request,
            "meetings/portal/home.html",
            {
                "contact": self.contact,
                "organisation": self.contact.provider,
                "questions": list(selectors.organisation_questions(contact=self.contact)),
                "digest_subscribed": selectors.digest_subscribed(contact=self.contact),
            },
        )


class QuestionView(PortalMixin, ServiceFormView):
    """A question of the own organisation: status and history as on the status page, and
    adding information with the status page's service. Another organisation's is 404."""

    rate_limit = "public_form"

    template_name = "meetings/portal/question.html"
    form_class = AddInformationForm
    success_message = gettext_lazy("Thank you, your information has been added.")

    @cached_property
    def support_request(self) -> SupportRequest:
        return selectors.organisation_question_get(contact=self.contact, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            support_request=self.support_request,
            events=support_selectors.timeline(
                request=self.support_request, include_internal=False, public_only=True
            ),
            **kwargs,
        )

    def perform(self, form):
        return services.portal_question_add_information(
            contact=self.contact,
            support_request=self.support_request,
            text=form.cleaned_data["text"],
        )

    def get_success_url(self):
        return reverse("meetings:portal_question", args=[self.support_request.pk])


class QuestionCreateView(PortalMixin, ServiceFormView):
    rate_limit = "public_form"
    template_name = "meetings/portal/question_form.html"
    form_class = PortalQuestionForm
    success_message = gettext_lazy("Thank you, your question has been sent to the desk.")

    def get_initial(self):
        return {"contact_name": self.contact.name or self.contact.provider.contact_name}

    def perform(self, form):
        data = form.cleaned_data
        return services.portal_question_create(
            contact=self.contact,
            contact_name=data["contact_name"],
            subject=data["subject"],
            question=data["question"],
            category=data["category"],
        )

    def get_success_url(self):
        return reverse("meetings:portal_question", args=[self.object.pk])


class DigestView(PortalMixin, ServiceFormView):
    template_name = "meetings/portal/digest.html"
    form_class = DigestForm
    success_url = reverse_lazy("meetings:portal_home")
    success_message = gettext_lazy("Your choice has been saved.")

    def get_initial(self):
        return {"subscribed": selectors.digest_subscribed(contact=self.contact)}

    def perform(self, form):
        services.portal_digest_set(contact=self.contact, subscribed=form.cleaned_data["subscribed"])


class DataView(PortalMixin, ServiceFormView):
    """The organisation's personal data: download it, or erase it (confirmed with a tick)."""

    template_name = "meetings/portal/data.html"
    form_class = EraseForm

    def perform(self, form):
        services.portal_erase(contact=self.contact)
        _sign_out(self.request)
        messages.success(
            self.request,
            _("The contact data of your organisation has been erased; you have been signed out."),
        )
        return redirect(SIGN_IN_URL)


class ExportView(PortalMixin, View):
    """POST only (an audited download must not be started by a link preview)."""

    rate_limit = "export"

    def post(self, request):
        data = services.portal_personal_data(contact=self.contact)
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="persoonsgegevens.json"'
        return response


class ColleaguesView(PortalMixin, ServiceFormView):
    """Who of the organisation has access, and inviting a colleague."""

    rate_limit = "public_form"
    template_name = "meetings/portal/colleagues.html"
    form_class = InviteForm
    success_url = reverse_lazy("meetings:portal_colleagues")
    success_message = gettext_lazy("Your colleague has been invited by e-mail.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            contacts=list(selectors.organisation_contacts(contact=self.contact)), **kwargs
        )

    def perform(self, form):
        services.portal_contact_invite(
            contact=self.contact, email=form.cleaned_data["email"], name=form.cleaned_data["name"]
        )


# --- The desk -----------------------------------------------------------------------------------


def _desk_id(user) -> int:
    profile = getattr(user, "staff_profile", None)
    if profile is None or profile.desk_id is None:
        raise Http404
    return profile.desk_id


class DeskContactsView(RoleRequiredMixin, View):
    """The desk's list of portal contacts of the providers in its area."""

    allowed_roles = (Role.CLUB_SUPPORTER,)

    def get(self, request):
        contacts = list(selectors.desk_portal_contacts(desk_id=_desk_id(request.user))[:500])
        return render(request, "meetings/portal/desk_contacts.html", {"contacts": contacts})


class DeskRevokeView(RoleRequiredMixin, View):
    allowed_roles = (Role.CLUB_SUPPORTER,)

    def post(self, request, pk):
        contact = get_object_or_404(
            selectors.desk_portal_contacts(desk_id=_desk_id(request.user)), pk=pk
        )
        try:
            services.portal_contact_revoke(contact=contact, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Access to the portal has been revoked."))
        return redirect("meetings:portal_desk_contacts")


# --- Social-safety basics and matching schemes -------------------------------------------------


def _evidence_response(claim) -> FileResponse:
    """The evidence file as a download (never shown inline), with the type read at upload."""
    if not claim.file:
        raise Http404
    suffix = EVIDENCE_SUFFIXES.get(claim.content_type, "")
    return private_download(
        claim.file.open("rb"),
        filename=f"bewijs-{claim.basic}-{claim.pk}{suffix}",
        content_type=claim.content_type or "application/octet-stream",
    )


class SafetyView(PortalMixin, View):
    """The organisation's social-safety basics: what the desk confirmed, and its evidence."""

    def get(self, request):
        claims = list(selectors.organisation_claims(contact=self.contact))
        return render(
            request,
            "meetings/portal/safety.html",
            {
                "contact": self.contact,
                "organisation": self.contact.provider,
                "rows": selectors.organisation_safety_basics(contact=self.contact, claims=claims),
                "claims": claims,
            },
        )


class SafetyClaimView(PortalMixin, ServiceFormView):
    """Evidence (a file and/or a date) for one basic, submitted "to be checked"."""

    rate_limit = "public_form"
    template_name = "meetings/portal/safety_claim.html"
    form_class = SafetyClaimForm
    success_url = reverse_lazy("meetings:portal_safety")
    success_message = gettext_lazy(
        "Thank you, your evidence has been sent to the desk to be checked."
    )

    def dispatch(self, request, *args, **kwargs):
        if kwargs["basic"] not in SAFETY_BASICS:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(basic_label=SAFETY_BASICS[self.kwargs["basic"]], **kwargs)

    def perform(self, form):
        return services.portal_safety_claim_submit(
            contact=self.contact,
            basic=self.kwargs["basic"],
            date=form.cleaned_data["date"],
            upload=form.cleaned_data["evidence"] or None,
            content_type=form.content_type,
        )


class EvidenceView(PortalMixin, View):
    """The organisation's own evidence file; another organisation's is 404."""

    rate_limit = "export"

    def get(self, request, pk):
        return _evidence_response(selectors.organisation_claim_get(contact=self.contact, pk=pk))


class SchemesView(PortalMixin, View):
    """The open schemes that fit the organisation, with why they fit."""

    def get(self, request):
        return render(
            request,
            "meetings/portal/schemes.html",
            {
                "contact": self.contact,
                "organisation": self.contact.provider,
                "matches": selectors.organisation_matching_schemes(contact=self.contact),
            },
        )


# --- The desk checks the evidence ----------------------------------------------------------------

# The review page shows every pending claim up to this many, and the latest decisions.
DESK_PENDING_LIMIT = 200
DESK_DECIDED_LIMIT = 50


class DeskClaimsView(RoleRequiredMixin, View):
    """Evidence from providers in the desk's area: what waits for a check, what was decided."""

    allowed_roles = (Role.CLUB_SUPPORTER,)

    def get(self, request):
        desk_id = _desk_id(request.user)
        pending = list(selectors.desk_pending_claims(desk_id=desk_id)[:DESK_PENDING_LIMIT])
        decided = list(selectors.desk_decided_claims(desk_id=desk_id)[:DESK_DECIDED_LIMIT])
        return render(
            request,
            "meetings/portal/desk_claims.html",
            {"pending": pending, "decided": decided, "limit": DESK_PENDING_LIMIT},
        )


class DeskClaimMixin(RoleRequiredMixin):
    allowed_roles = (Role.CLUB_SUPPORTER,)

    @cached_property
    def claim(self):
        return get_object_or_404(
            selectors.desk_safety_claims(desk_id=_desk_id(self.request.user)),
            pk=self.kwargs["pk"],
        )


class DeskClaimView(DeskClaimMixin, ServiceFormView):
    """One claim with its evidence; confirm it, or reject it with a reason (this form)."""

    template_name = "meetings/portal/desk_claim.html"
    form_class = SafetyClaimRejectForm
    success_url = reverse_lazy("meetings:portal_desk_claims")
    success_message = gettext_lazy("The evidence has been rejected; the organisation is told why.")

    def get_context_data(self, **kwargs):
        claim = self.claim
        status, date = next(
            (status, date)
            for basic, _label, status, date in claim.provider.safety_basics
            if basic == claim.basic
        )
        return super().get_context_data(
            claim=claim,
            current_status=SafetyStatus(status).label,
            current_date=date,
            **kwargs,
        )

    def perform(self, form):
        return services.safety_claim_reject(
            claim=self.claim, by=self.request.user, reason=form.cleaned_data["reason"]
        )


class DeskClaimConfirmView(DeskClaimMixin, View):
    def post(self, request, pk):
        try:
            services.safety_claim_confirm(claim=self.claim, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("meetings:portal_desk_claim", pk=self.claim.pk)
        messages.success(
            request, _("The evidence has been confirmed; the basic is now recorded as met.")
        )
        return redirect("meetings:portal_desk_claims")


class DeskEvidenceView(DeskClaimMixin, View):
    rate_limit = "export"

    def get(self, request, pk):
        return _evidence_response(self.claim)
