"""Forms of the news update: writing one (POS staff) and signing up for it (the public)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from poskantoor.models import PosOffice
from sportloket.forms import HoneypotMixin, PrivacyConsentMixin

from .constants import Audience
from .markup import is_web_address
from .models import NewsUpdate
from .selectors import news_offices

FORMATTING_HELP = _(
    "Simple formatting: **bold**, *italic*, a line starting with “- ” for a list, “## ” for "
    "a heading, and [text](https://…) for a link. An empty line starts a new paragraph."
)


class NewsUpdateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=FORMATTING_HELP,
    )
    link = forms.URLField(
        label=_("Link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Optional: a web page with more information (http:// or https://)."),
    )
    audience = forms.ChoiceField(
        label=_("Audience"), choices=Audience.choices, widget=forms.RadioSelect
    )
    office = forms.ModelChoiceField(
        label=_("POS office"),
        queryset=PosOffice.objects.none(),
        required=False,
        help_text=_("Only for an update to one POS office."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = news_offices()
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_link(self) -> str:
        link = self.cleaned_data.get("link", "")
        if link and not is_web_address(link):
            raise forms.ValidationError(
                _("The link must be a web address starting with http:// or https://.")
            )
        return link

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("audience") == Audience.OFFICE and not cleaned.get("office"):
            self.add_error("office", _("Choose the POS office this update is for."))
        elif cleaned.get("audience") == Audience.NATIONAL:
            cleaned["office"] = None
        return cleaned

    @classmethod
    def initial_for(cls, update: NewsUpdate) -> dict:
        return {
            "title": update.title,
            "body": update.body,
            "link": update.link,
            "audience": update.audience,
            "office": update.office_id,
        }


class SubscribeForm(HoneypotMixin, PrivacyConsentMixin, forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout("email", "privacy_consent", HoneypotMixin.honeypot_layout())
        self.helper.add_input(Submit("submit", _("Send me the confirmation link")))
