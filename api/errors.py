"""Every refusal as one JSON shape, in the words the pages use.

``{"detail": "<Dutch message>", "code": "<kind>", "errors": {"<field>": ["<message>"]}}``:
``detail`` is what the page would show above the form (or its 403/404/429 page), ``errors``
the messages at the fields (only for 400). A service's ``DomainError`` (a business rule says
no in the current state) is a 409 with the service's message; invalid input is a 400 with the
page form's messages; another municipality's object is a 404 like on the pages.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from sportloket.ratelimit import wait_in_words
from sportloket.services import DomainError


class Refused(exceptions.APIException):
    """A service's DomainError: the request was understood, the rule says no now."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "refused"


class Invalid(exceptions.APIException):
    """Input the page's form would not accept; ``errors`` per field, as the form says them."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        messages = [message for field_errors in errors.values() for message in field_errors]
        super().__init__(" ".join(messages) or _("Check the input."))


def form_errors(form) -> dict[str, list[str]]:
    """A Django form's errors, ``__all__`` named ``non_field_errors`` like DRF does."""
    return {
        ("non_field_errors" if name == "__all__" else name): [str(e) for e in errors]
        for name, errors in form.errors.items()
    }


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation errors as {field path: [messages]}."""
    if isinstance(detail, dict):
        found: dict[str, list[str]] = {}
        for key, value in detail.items():
            found.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return found
    if isinstance(detail, list) and any(isinstance(d, dict | list) for d in detail):
        found = {}
        for index, value in enumerate(detail):
            found.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return found
    items = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(item) for item in items]}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        exc = Refused(exc.message)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("This page does not exist, or you have no access to it."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(_("Your role does not give access to this page."))
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if auth_header := getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = auth_header
    body: dict = {"code": exc.get_codes() if isinstance(exc.detail, str) else "invalid"}
    if isinstance(exc, Invalid):
        body.update(detail=str(exc.detail), errors=exc.errors)
    elif isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        body.update(
            detail=" ".join(m for ms in errors.values() for m in ms) or _("Check the input."),
            errors=errors,
        )
    elif isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        headers["Retry-After"] = str(wait)
        body.update(
            code="throttled",
            detail=_(
                "You made many requests in a short time. Nothing was changed. Please wait "
                "%(wait)s and try again."
            )
            % {"wait": wait_in_words(wait)},
        )
    else:
        body["detail"] = str(exc.detail)
    if not isinstance(body["code"], str):
        body["code"] = "invalid"
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


# Django's own wording of messages that Django REST framework translates differently: the api
# app's catalog keeps Django's Dutch for them (see INSTALLED_APPS), listed here so that
# ``makemessages`` keeps them in it.
DJANGO_WORDING = (
    gettext_noop("This field is required."),
    gettext_noop("No file was submitted."),
    gettext_noop("Value must be valid JSON."),
    gettext_noop(
        "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
    ),
)
