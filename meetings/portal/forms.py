"""The portal's forms, validated like the public forms (plain text, clear messages)."""

from __future__ import annotations

from pathlib import Path

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image

from sportloket.forms import HoneypotMixin, plain_text
from sportloket.models import QuestionCategory
from sportloket.widgets import DateInput

from .constants import EVIDENCE_MAX_BYTES, EVIDENCE_MAX_PIXELS, EVIDENCE_TYPES


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


def evidence_type(upload) -> str:
    """The type of an evidence file read from its content (a key of ``EVIDENCE_TYPES``), or
    refused with a Dutch message: too large, a name that is not a PDF or image, or content that
    is not what the name says (a renamed program, a broken or oversized picture)."""
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError(
            _("The file is too large (at most %(mb)s MB)."),
            params={"mb": EVIDENCE_MAX_BYTES // (1024 * 1024)},
        )
    suffix = Path(upload.name or "").suffix.lower()
    claimed = next((kind for kind, (names, *_) in EVIDENCE_TYPES.items() if suffix in names), None)
    wrong_type = ValidationError(_("Upload a PDF, PNG or JPEG file."))
    if claimed is None:
        raise wrong_type
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if claimed == "pdf":
        if not head.startswith(b"%PDF-"):
            raise wrong_type
        return claimed
    signature = b"\x89PNG\r\n\x1a\n" if claimed == "png" else b"\xff\xd8\xff"
    if not head.startswith(signature):
        raise wrong_type
    try:
        with Image.open(upload) as image:
            if image.width * image.height > EVIDENCE_MAX_PIXELS:
                raise wrong_type
            image.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise wrong_type from error
    finally:
        upload.seek(0)
    return claimed


class SafetyClaimForm(forms.Form):
    """Evidence for one basic: a file, a date, or both; the date not in the future."""

    date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=DateInput(),
        help_text=_("For example the date of the VOG, or the day the e-learning was completed."),
    )
    evidence = forms.FileField(
        label=_("Evidence (PDF, PNG or JPEG, at most 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date is not None and date > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        return date

    def clean_evidence(self):
        upload = self.cleaned_data["evidence"]
        if upload:
            self.evidence_kind = evidence_type(upload)
        return upload

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("date") and not data.get("evidence"):
            raise ValidationError(_("Upload evidence or give a date, or both."))
        return data

    @property
    def content_type(self) -> str:
        kind = getattr(self, "evidence_kind", None)
        return EVIDENCE_TYPES[kind][2] if kind else ""


class SafetyClaimRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the organisation"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[plain_text],
        error_messages={"required": _("Give the reason, so the organisation knows what to do.")},
    )
