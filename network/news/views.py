"""Thin views of the news update: the public archive, writing, preview and sending (POS staff),
and the public sign-up, confirmation and unsubscribe pages."""

from __future__ import annotations

import re

from django import forms
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from sportloket.constants import Role
from sportloket.formviews import ServiceFormView
from sportloket.permissions import RoleRequiredMixin
from sportloket.ratelimit import ratelimit_post
from sportloket.services import DomainError

from . import selectors, services
from .forms import NewsUpdateForm, SubscribeForm
from .markup import render_html
from .models import NewsUpdate

WRITERS = (Role.POS_STAFF,)
PAGE_SIZE = 20


def _draft(request, pk: int) -> NewsUpdate:
    try:
        return selectors.draft_get(user=request.user, pk=pk)
    except NewsUpdate.DoesNotExist as exc:
        raise Http404 from exc


class NewsArchiveView(View):
    """Public: every sent update, newest first, optionally only those for one office (and the
    national ones); POS staff also see their drafts and the button to write one."""

    def get(self, request):
        office_id = request.GET.get("kantoor", "")
        office_id = int(office_id) if re.fullmatch(r"[0-9]{1,9}", office_id) else None
        page = Paginator(selectors.archive(office_id=office_id), PAGE_SIZE).get_page(
            request.GET.get("pagina")
        )
        writer = selectors.may_write(request.user)
        return render(
            request,
            "network/news/archive.html",
            {
                "page": page,
                "offices": selectors.news_offices(),
                "office_id": office_id,
                "writer": writer,
                "drafts": list(selectors.unfinished(user=request.user)) if writer else [],
            },
        )


class NewsDetailView(View):
    """Public: one sent update as it was e-mailed."""

    def get(self, request, pk):
        try:
            update = selectors.public_update_get(pk=pk)
        except NewsUpdate.DoesNotExist as exc:
            raise Http404 from exc
        return render(
            request,
            "network/news/detail.html",
            {"update": update, "body_html": render_html(update.body)},
        )


class NewsCreateView(RoleRequiredMixin, ServiceFormView):
    allowed_roles = WRITERS
    template_name = "network/news/form.html"
    form_class = NewsUpdateForm
    success_message = gettext_lazy("Draft saved. Check the preview before you send it.")

    def perform(self, form):
        return services.news_update_save(update=None, data=form.cleaned_data, by=self.request.user)


class NewsEditView(RoleRequiredMixin, ServiceFormView):
    allowed_roles = WRITERS
    template_name = "network/news/form.html"
    form_class = NewsUpdateForm
    success_message = gettext_lazy("Draft saved. Check the preview before you send it.")

    def get_initial(self):
        return NewsUpdateForm.initial_for(self.update)

    def get(self, request, pk):
        self.update = _draft(request, pk)
        return super().get(request)

    def post(self, request, pk):
        self.update = _draft(request, pk)
        return super().post(request)

    def get_context_data(self, **kwargs):
        return super().get_context_data(update=self.update, **kwargs)

    def perform(self, form):
        return services.news_update_save(
            update=self.update, data=form.cleaned_data, by=self.request.user
        )


def _preview_context(update: NewsUpdate) -> dict:
    return {
        "update": update,
        "body_html": render_html(update.body),
        "email": services.news_email_preview(update),
        "recipient_count": selectors.recipients(update=update).count(),
    }


class NewsPreviewView(RoleRequiredMixin, View):
    """The update as the archive page and as the e-mail will show it, with the number of
    recipients it would reach now, and the send button."""

    allowed_roles = WRITERS

    def get(self, request, pk):
        update = _draft(request, pk)
        return render(
            request, "network/news/preview.html", {**_preview_context(update), "form": None}
        )


class NewsSendView(RoleRequiredMixin, ServiceFormView):
    """Start sending (POST only); a refusal shows the preview again with the message."""

    allowed_roles = WRITERS
    template_name = "network/news/preview.html"
    form_class = forms.Form
    success_message = gettext_lazy(
        "The update is being sent; it appears in the archive once every e-mail is out."
    )
    success_url = reverse_lazy("network:news_archive")

    def get(self, request, pk):
        return redirect("network:news_preview", pk=pk)

    def post(self, request, pk):
        self.update = _draft(request, pk)
        return super().post(request)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**_preview_context(self.update), **kwargs)

    def perform(self, form):
        return services.news_update_send(update=self.update, by=self.request.user)


class SubscribeView(ServiceFormView):
    """Public: ask for the confirmation link. The answer is the same whether or not the
    address belongs to a network, so the form tells nobody who is in one."""

    rate_limit = "public_form"
    template_name = "network/news/subscribe.html"
    form_class = SubscribeForm
    success_url = reverse_lazy("network:news_subscribe_sent")

    def perform(self, form):
        if not form.is_spam():
            services.news_optin_request(email=form.cleaned_data["email"])
        return redirect(self.success_url)


class SubscribeSentView(TemplateView):
    template_name = "network/news/subscribe_sent.html"


@method_decorator(ratelimit_post("news-optin"), name="post")
class OptinConfirmView(View):
    """Public: the link in the confirmation e-mail. GET asks, POST records the opt-in (a mail
    scanner that follows the link must not subscribe anyone)."""

    template_name = "network/news/optin_confirm.html"

    def get(self, request, token):
        try:
            address = services.address_for_optin_token(token=token)
        except DomainError as exc:
            return render(request, self.template_name, {"error": exc.message}, status=400)
        return render(request, self.template_name, {"address": address})

    def post(self, request, token):
        try:
            subscription = services.news_subscribe(token=token)
        except DomainError as exc:
            return render(request, self.template_name, {"error": exc.message}, status=400)
        return render(request, self.template_name, {"address": subscription.email, "done": True})


@method_decorator(ratelimit_post("news-unsubscribe"), name="post")
class UnsubscribeView(View):
    """Public: the unsubscribe link in every news update, no login needed. GET asks, POST
    unsubscribes."""

    template_name = "network/news/unsubscribe.html"

    def _subscription(self, token):
        return services.subscription_for_unsubscribe_token(token=token)

    def get(self, request, token):
        try:
            subscription = self._subscription(token)
        except DomainError as exc:
            return render(request, self.template_name, {"error": exc.message}, status=400)
        return render(
            request,
            self.template_name,
            {"subscription": subscription, "done": subscription is None},
        )

    def post(self, request, token):
        try:
            subscription = self._subscription(token)
        except DomainError as exc:
            return render(request, self.template_name, {"error": exc.message}, status=400)
        if subscription is not None:
            services.news_unsubscribe(subscription=subscription)
        return render(request, self.template_name, {"done": True})
