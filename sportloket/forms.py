"""Form building blocks shared by the public forms of every app."""

from __future__ import annotations

from crispy_forms.layout import Div
from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Characters that change the direction text is shown in: a name with them can display as
# something else than what it is (e.g. in an e-mail or a list). A person never types them.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def plain_text(value: str) -> None:
    """Validator for free text typed by the public: markup (< and >) and bidirectional-control
    characters are refused outright rather than stored and escaped everywhere they show up."""
    if "<" in value or ">" in value:
        raise ValidationError(_("Please do not use the characters < and >."), code="markup")
    if BIDI_CONTROLS.intersection(value):
        raise ValidationError(
            _(
                "Please remove the invisible characters that change the direction of the text "
                "(they are sometimes copied along with a text)."
            ),
            code="bidi",
        )


class HoneypotMixin(forms.Form):
    """A field people never see (hidden by CSS, skipped by screen readers and tab order).

    Bots fill every field; a filled honeypot marks the submission as spam. Views call
    ``is_spam()`` and then pretend success without storing anything.
    """

    website_url = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    @staticmethod
    def honeypot_layout() -> Div:
        """The crispy layout block that hides the honeypot from people and screen readers."""
        return Div("website_url", css_class="hp-field", aria_hidden="true")

    def is_spam(self) -> bool:
        return bool(self.data.get(self.add_prefix("website_url"), "").strip())


class PrivacyConsentMixin(forms.Form):
    privacy_consent = forms.BooleanField(
        label=_(
            "I agree that my details are stored and used to help me, as set out in the "
            "privacy statement."
        ),
        error_messages={"required": _("Please agree to the privacy statement to continue.")},
    )


class OutboxPasswordResetForm(PasswordResetForm):
    """Password reset whose e-mail goes through the durable outbox like every other e-mail.

    Like Django's form it never reveals whether an address has an account.
    """

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        from .services import email_queue

        email_queue(
            key=f"password-reset:{context['uid']}:{context['token']}",
            to=[to_email],
            template="emails/password_reset",
            context=context,
        )
