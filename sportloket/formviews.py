"""One place that maps a refusal to a response: a form, one service call, and the page again
with the service's message when the service says no.

Django's ``FormView`` already re-renders an invalid form; ``ServiceFormView`` adds the step in
between. ``form_valid`` calls ``perform(form)`` (one service call) and turns a ``DomainError``
into an error on the form, so a refusal and a validation error look the same to the user: the
page again, the message at the form (announced by the alert around it), status 400. An htmx
request gets ``htmx_template_name`` (the fragment htmx swaps in) for both outcomes; base.html
lets htmx swap a 400 (``responseHandling``), so the fragment with the message shows.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.views.generic import FormView

from .services import DomainError

REFUSED = 400


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


class ServiceFormView(FormView, metaclass=ABCMeta):
    """A form whose valid data goes to one service; the service's ``DomainError`` is shown on
    the same page with status 400, like a validation error.

    A subclass declares ``form_class`` and ``template_name`` (optionally
    ``htmx_template_name``, ``success_message``, ``success_url``) and implements ``perform``.
    ``perform`` returns an ``HttpResponse`` (used as it is), or the object it made or changed
    (redirected to: ``success_url`` or the object's ``get_absolute_url``).

    No transaction is opened here: each service is atomic itself, and some services count a
    refused attempt (a throttle) on purpose before they raise, which a rollback would undo.
    """

    htmx_template_name: str | None = None
    success_message: str = ""
    # A refusal shown at a field instead of above the form; the most specific error class wins.
    error_fields: Mapping[type[DomainError], str] = {}

    object: Any = None

    @abstractmethod
    def perform(self, form: forms.Form) -> Any:
        """Call the one service with ``form.cleaned_data``; raise ``DomainError`` to refuse."""

    def form_valid(self, form: forms.Form) -> HttpResponse:
        try:
            result = self.perform(form)
        except DomainError as error:
            return self.refused(form, error)
        if isinstance(result, HttpResponseBase):
            return result
        self.object = result
        if message := self.get_success_message(form):
            messages.success(self.request, message)
        return HttpResponseRedirect(self.get_success_url())

    def refused(self, form: forms.Form, error: DomainError) -> HttpResponse:
        """The service said no: the same page with its message on the form (status 400)."""
        form.add_error(self.error_field(error), error.message)
        return self.form_invalid(form)

    def form_invalid(self, form: forms.Form) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=REFUSED)

    def error_field(self, error: DomainError) -> str | None:
        for kind in type(error).__mro__:
            if kind in self.error_fields:
                return self.error_fields[kind]
        return None

    def get_success_message(self, form: forms.Form) -> str:
        return self.success_message

    def get_success_url(self) -> str:
        if self.success_url is None and hasattr(self.object, "get_absolute_url"):
            return self.object.get_absolute_url()
        return super().get_success_url()

    def is_htmx(self) -> bool:
        return is_htmx(self.request)

    def get_template_names(self) -> list[str]:
        if self.htmx_template_name and self.is_htmx():
            return [self.htmx_template_name]
        return super().get_template_names()

    def render_to_response(self, context: dict, **response_kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **response_kwargs)
        if self.htmx_template_name:
            patch_vary_headers(response, ["HX-Request"])
        return response
