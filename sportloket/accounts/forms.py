"""Forms of two-step login."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from .constants import (
    RECOVERY_CODE_ALPHABET,
    RECOVERY_CODE_LENGTH,
)
from .services import normalise_recovery_code


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError(gettext_lazy("Enter the 6 digits shown in your app."))
        return token


class RecoveryCodeForm(forms.Form):
    prefix = "recovery"

    code = forms.CharField(
        label=gettext_lazy("Recovery code"),
        help_text=gettext_lazy("One of the codes you saved, for example abcd-efgh-jkmn."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "none",
                "spellcheck": "false",
                "maxlength": 40,
            }
        ),
    )

    def clean_code(self) -> str:
        code = normalise_recovery_code(self.cleaned_data["code"])
        if len(code) != RECOVERY_CODE_LENGTH or any(
            ch not in RECOVERY_CODE_ALPHABET for ch in code
        ):
            raise forms.ValidationError(
                gettext_lazy("A recovery code has 12 letters and digits, like abcd-efgh-jkmn.")
            )
        return code


class ReplaceAppForm(TokenForm):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    field_order = ["password", "token"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].label = gettext_lazy("Code from the app on your new phone")
        self.fields["token"].widget.attrs.pop("autofocus", None)
