"""Form building blocks shared by the public forms of every app."""

from __future__ import annotations

from crispy_forms.layout import Div
from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .options import as_instances, reference_options

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


class CachedModelChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` that checks a submitted value against the cached option list
    ``options_name`` of ``sportloket.options`` (the same rows as its queryset) instead of a
    query, with the same errors. The cleaned value is an instance with its pk and name
    loaded. The form's page still lists the choices from the queryset. For the public forms,
    which see bursts: a query less per field and submission."""

    options_name = ""
    # The list itself, when the form has read it already (with its other lists, in one go).
    options: list | None = None

    def cached(self) -> dict:
        """{pk: (pk, name)} of the option list."""
        options = self.options
        if options is None:
            options = reference_options(self.options_name)[self.options_name]
        return {option[0]: option for option in options}

    def instance(self, option: tuple):
        """The model instance of one option (only the chosen ones are made: a list has up to
        342 entries)."""
        return as_instances(self.queryset.model, [option])[0]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        model = self.queryset.model
        if isinstance(value, model):
            value = value.pk
        try:
            option = self.cached().get(model._meta.pk.to_python(value))
        except (ValueError, TypeError, ValidationError):
            option = None
        if option is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return self.instance(option)


class CachedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ``ModelMultipleChoiceField`` checked against the cached option list, as
    ``CachedModelChoiceField``; its cleaned value is a list of instances."""

    options_name = ""
    options = None
    cached = CachedModelChoiceField.cached
    instance = CachedModelChoiceField.instance

    def _check_values(self, value):
        try:
            value = frozenset(value)
        except TypeError:
            raise ValidationError(
                self.error_messages["invalid_list"], code="invalid_list"
            ) from None
        pk_field = self.queryset.model._meta.pk
        for pk in value:
            self.validate_no_null_characters(pk)
            try:
                pk_field.get_prep_value(pk)
            except (ValueError, TypeError):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                ) from None
        by_text = {str(pk): option for pk, option in self.cached().items()}
        for val in value:
            if str(val) not in by_text:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": val},
                )
        return [self.instance(by_text[str(val)]) for val in value]
