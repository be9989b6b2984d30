"""The portal's forms, validated like the public forms (plain text, clear messages)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from sportloket.forms import HoneypotMixin, plain_text
from sportloket.models import QuestionCategory


class SignInRequestForm(HoneypotMixin, forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("email", HoneypotMixin.honeypot_layout())


class PortalQuestionForm(forms.Form):
    """A new question; the organisation, its municipality and the address are the desk's."""

    contact_name = forms.CharField(label=_("Your name"), max_length=200, validators=[plain_text])
    category = forms.ModelChoiceField(
        label=_("What is your question about?"),
        queryset=QuestionCategory.objects.all(),
        required=False,
    )
    subject = forms.CharField(label=_("Subject"), max_length=200, validators=[plain_text])
    question = forms.CharField(
        label=_("Your question"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        validators=[plain_text],
    )


class AddInformationForm(forms.Form):
    text = forms.CharField(
        label=_("Add information"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[plain_text],
    )


class DigestForm(forms.Form):
    subscribed = forms.BooleanField(
        label=_("Send my organisation the e-mail with new schemes that fit it"), required=False
    )


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand that the contact data of my organisation is erased and that nobody "
            "of my organisation can sign in to the portal afterwards"
        ),
        error_messages={"required": _("Tick the box to confirm the erasure.")},
    )


class InviteForm(forms.Form):
    name = forms.CharField(
        label=_("Name of your colleague"), max_length=200, validators=[plain_text]
    )
    email = forms.EmailField(label=_("E-mail address of your colleague"), max_length=254)
