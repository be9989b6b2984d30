"""The OpenAPI schema: every operation documents the refusals it can give, in the one error
shape of ``api.errors`` (so a client, and schemathesis, can check every answer)."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="The message the pages show, in Dutch.")
    code = serializers.CharField(help_text="invalid, refused, not_found, throttled, …")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Per field, the messages the page's form shows there (400 only).",
    )


ERRORS = {
    "400": "Invalid input: the form's messages, per field.",
    "401": "No or an unknown/revoked token, or no session.",
    "403": "Your role does not allow this (or the session's CSRF token is missing).",
    "404": "Not found, or outside your scope (another municipality's or desk's).",
    "405": "Method not allowed.",
    "406": "Only JSON is served.",
    "409": "A business rule refuses this in the current state.",
    "415": "Send JSON.",
    "429": "Rate limited; Retry-After says when to try again.",
}
PUBLIC_ERRORS = ("400", "404", "405", "406", "429")


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = PUBLIC_ERRORS if getattr(self.view, "public", False) else ERRORS
        for code in codes:
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = ERRORS[code]
                responses[code] = response
        return responses
