"""Forms of the providers app: the public interest form, the staff form, import rows/upload."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Fieldset, Layout, Row, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sportloket.forms import (
    CachedModelChoiceField,
    CachedModelMultipleChoiceField,
    HoneypotMixin,
    PrivacyConsentMixin,
    plain_text,
)
from sportloket.models import Municipality, Sport, TargetGroup
from sportloket.options import reference_options
from sportloket.widgets import DateInput

from .constants import (
    IMPORT_MAX_BYTES,
    SAFETY_BASICS,
    ProviderKind,
    SafetyStatus,
)
from .models import Provider, kvk_validator

# The interest form's choices, checked against the cached option lists (sportloket.options).
CACHED_CHOICES = ("municipality", "sports", "target_groups")
# Names and addresses are plain text (sportloket.forms.plain_text: no markup, no bidi controls).
TEXT_FIELDS = ("name", "contact_name", "street", "city")
SAFETY_FIELDS = [f"{prefix}_{part}" for prefix in SAFETY_BASICS for part in ("status", "date")]


def shared_rules(fields: dict[str, forms.Field]) -> None:
    """The rules every way of entering a provider shares, applied to a form's fields."""
    for name in TEXT_FIELDS:
        if name in fields:
            fields[name].validators.append(plain_text)
    if "municipality" in fields:
        fields["municipality"].empty_label = _("— choose your municipality —")
    for name in ("sports", "target_groups"):
        if name in fields:
            fields[name].widget = forms.CheckboxSelectMultiple()
            fields[name].queryset = fields[name].queryset.order_by("ordering", "name")
    if "kvk_number" in fields:
        fields["kvk_number"].validators.append(kvk_validator)
        fields["kvk_number"].help_text = _("8 digits, e.g. 12345678.")
        fields["kvk_number"].widget.attrs.update(inputmode="numeric", maxlength="8")


class ProviderFieldsMixin:
    """Validation shared by every way a provider is entered (form, staff, import)."""

    def _apply_shared_rules(self) -> None:
        shared_rules(self.fields)

    def clean_kvk_number(self) -> str:
        return "".join(self.cleaned_data.get("kvk_number", "").split())

    def clean(self):
        cleaned = super().clean()
        kind, kvk = cleaned.get("kind"), cleaned.get("kvk_number")
        if (
            kind == ProviderKind.ENTREPRENEUR
            and not kvk
            and "kvk_number" in self.fields
            and "kvk_number" not in self.errors
        ):
            self.add_error(
                "kvk_number",
                _("A sport entrepreneur is registered with the KvK: please enter the number."),
            )
        return cleaned


class RegistrationForm(ProviderFieldsMixin, HoneypotMixin, PrivacyConsentMixin, forms.ModelForm):
    """The public interest form (/aanmelden/)."""

    class Meta:
        model = Provider
        fields = [
            "name",
            "kind",
            "kvk_number",
            "municipality",
            "postcode",
            "city",
            "sports",
            "target_groups",
            "contact_name",
            "email",
            "phone",
        ]
        labels = {"name": _("Name of the club or business")}
        # A submission checks its choices against the cached option lists, not by queries.
        field_classes = {
            "municipality": CachedModelChoiceField,
            "sports": CachedModelMultipleChoiceField,
            "target_groups": CachedModelMultipleChoiceField,
        }

    @classmethod
    def prepare_fields(cls) -> None:
        """Set the class's fields up once, when the module loads: every form copies them, so
        a submission does not build widgets and querysets again (the public form is the one
        that sees bursts)."""
        fields = cls.base_fields
        shared_rules(fields)
        fields["municipality"].queryset = Municipality.objects.filter(active=True)
        # The cached lists of the same rows (the active municipalities; every sport and target
        # group, in their set order).
        fields["municipality"].options_name = "municipalities"
        fields["sports"].options_name = "sports"
        fields["target_groups"].options_name = "target_groups"
        for name in ("postcode", "contact_name", "email"):
            fields[name].required = True
        fields["email"].help_text = _("We send a confirmation link to this address.")
        fields["target_groups"].label = _("Target groups you serve or want to serve")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:  # the three option lists in one cache read
            names = [self.fields[name].options_name for name in CACHED_CHOICES]
            lists = reference_options(*names)
            for name, options_name in zip(CACHED_CHOICES, names, strict=True):
                self.fields[name].options = lists[options_name]

    @cached_property
    def helper(self) -> FormHelper:
        """The layout, built only when the form is rendered (not for a valid submission)."""
        helper = FormHelper()
        helper.layout = Layout(
            Fieldset(
                _("Your club or business"),
                "name",
                Row(Column("kind"), Column("kvk_number")),
                Row(Column("municipality"), Column("postcode"), Column("city")),
            ),
            Fieldset(_("What you offer"), Row(Column("sports"), Column("target_groups"))),
            Fieldset(
                _("Contact person"),
                "contact_name",
                Row(Column("email"), Column("phone")),
            ),
            HoneypotMixin.honeypot_layout(),
            "privacy_consent",
            Submit("submit", _("Register"), css_class="mt-2"),
        )
        return helper

    def _get_validation_exclusions(self) -> set[str]:
        """A known KvK number is not a form error here: the service recognises the provider,
        creates no second one and answers kindly. (The form field keeps the 8-digit check.)
        The municipality was fetched from the active ones by the form field already; the
        model's check that it exists would only query it again."""
        return {*super()._get_validation_exclusions(), "kvk_number", "municipality"}


RegistrationForm.prepare_fields()


class ProviderForm(ProviderFieldsMixin, forms.ModelForm):
    """Staff create and edit, with the same validation as the interest form."""

    website = forms.URLField(
        label=_("website"), required=False, max_length=200, assume_scheme="https"
    )

    class Meta:
        model = Provider
        fields = [
            "name",
            "kind",
            "kvk_number",
            "municipality",
            "street",
            "postcode",
            "city",
            "sports",
            "target_groups",
            "contact_name",
            "email",
            "phone",
            "website",
            "participants",
            *SAFETY_FIELDS,
        ]
        widgets = {name: DateInput() for name in SAFETY_FIELDS[1::2]}

    def __init__(self, *args, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._apply_shared_rules()
        if municipalities is not None:
            self.fields["municipality"].queryset = municipalities
        for name in SAFETY_FIELDS[1::2]:
            self.fields[name].label = _("since")
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                _("Provider"),
                "name",
                Row(Column("kind"), Column("kvk_number")),
                Row(Column("municipality"), Column("street")),
                Row(Column("postcode"), Column("city")),
                Row(Column("website"), Column("participants")),
            ),
            Fieldset(_("What it offers"), Row(Column("sports"), Column("target_groups"))),
            Fieldset(_("Contact person"), "contact_name", Row(Column("email"), Column("phone"))),
            Fieldset(
                _("Social-safety basics"),
                *[
                    Row(Column(f"{prefix}_status"), Column(f"{prefix}_date"))
                    for prefix in SAFETY_BASICS
                ],
            ),
            Div(Submit("submit", _("Save")), css_class="mt-2"),
        )


# --- Import ----------------------------------------------------------------------------------

# Column headers accepted in an import file (lower case), Dutch or English -> field name.
IMPORT_COLUMNS = {
    "naam": "name",
    "name": "name",
    "soort": "kind",
    "kind": "kind",
    "kvk": "kvk_number",
    "kvk-nummer": "kvk_number",
    "kvk_number": "kvk_number",
    "gemeente": "municipality",
    "municipality": "municipality",
    "straat": "street",
    "adres": "street",
    "street": "street",
    "postcode": "postcode",
    "plaats": "city",
    "city": "city",
    "sporten": "sports",
    "sports": "sports",
    "doelgroepen": "target_groups",
    "target_groups": "target_groups",
    "contactpersoon": "contact_name",
    "contact_name": "contact_name",
    "e-mail": "email",
    "email": "email",
    "telefoon": "phone",
    "phone": "phone",
    "website": "website",
    "deelnemers": "participants",
    "participants": "participants",
    **{f"{prefix}": f"{prefix}_status" for prefix in SAFETY_BASICS},
    **{f"{prefix}_status": f"{prefix}_status" for prefix in SAFETY_BASICS},
    **{f"{prefix}_date": f"{prefix}_date" for prefix in SAFETY_BASICS},
    "gedragscode": "code_of_conduct_status",
    "kwalificatie trainers": "trainer_qualification_status",
}
KIND_WORDS = {
    "vereniging": ProviderKind.CLUB,
    "club": ProviderKind.CLUB,
    "ondernemer": ProviderKind.ENTREPRENEUR,
    "sportondernemer": ProviderKind.ENTREPRENEUR,
    "entrepreneur": ProviderKind.ENTREPRENEUR,
    "anders": ProviderKind.OTHER,
    "overig": ProviderKind.OTHER,
    "other": ProviderKind.OTHER,
}
SAFETY_WORDS = {
    "met": SafetyStatus.MET,
    "voldaan": SafetyStatus.MET,
    "ja": SafetyStatus.MET,
    "in_progress": SafetyStatus.IN_PROGRESS,
    "mee bezig": SafetyStatus.IN_PROGRESS,
    "in uitvoering": SafetyStatus.IN_PROGRESS,
    "bezig": SafetyStatus.IN_PROGRESS,
    "not_met": SafetyStatus.NOT_MET,
    "niet voldaan": SafetyStatus.NOT_MET,
    "nee": SafetyStatus.NOT_MET,
}
REQUIRED_COLUMNS = ("name", "kind", "municipality")


class ReferenceData:
    """Lookups of municipalities, sports and target groups by code, slug or name, loaded once
    per import instead of once per row."""

    def __init__(self, *, allowed_municipality_ids: frozenset[int] | None = None):
        # The importer's scope (None: every municipality); rows for others are refused.
        self.allowed_municipality_ids = allowed_municipality_ids
        self.municipalities: dict[str, Municipality] = {}
        for m in Municipality.objects.filter(active=True):
            self.municipalities[m.cbs_code.lower()] = m
            self.municipalities[m.name.lower()] = m
        self.sports = self._named(Sport)
        self.target_groups = self._named(TargetGroup)
        # By primary key, for the row form's fields (no query per row).
        self.by_pk: dict[str, dict[int, object]] = {
            name: {obj.pk: obj for obj in lookup.values()}
            for name, lookup in (
                ("municipality", self.municipalities),
                ("sports", self.sports),
                ("target_groups", self.target_groups),
            )
        }

    @staticmethod
    def _named(model) -> dict[str, object]:
        found = {}
        for obj in model.objects.all():
            found[obj.slug.lower()] = obj
            found[obj.name.lower()] = obj
        return found


class PreloadedChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that looks the value up in objects loaded once per import."""

    def __init__(self, objects: dict[int, object], **kwargs):
        self.objects = objects
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.objects[int(value)]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from exc


class PreloadedMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField that looks the values up in objects loaded once per import."""

    def __init__(self, objects: dict[int, object], **kwargs):
        self.objects = objects
        super().__init__(**kwargs)

    def _check_values(self, value):
        found = []
        for pk in value:
            try:
                found.append(self.objects[int(pk)])
            except (KeyError, TypeError, ValueError) as exc:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                ) from exc
        return found


class _SharedFields(dict):
    """The prepared fields of an import's row forms, shared instead of deep-copied for each of
    up to 20,000 rows: after preparation nothing writes to them (no per-row state)."""

    def __deepcopy__(self, memo):
        return _SharedFields(self)


class ProviderImportForm(ProviderFieldsMixin, forms.ModelForm):
    """One import row, validated with the staff form's rules. Only the columns present in the
    file are validated and applied; text values are translated to choices first."""

    website = forms.URLField(
        label=_("website"), required=False, max_length=200, assume_scheme="https"
    )

    class Meta:
        model = Provider
        fields = ProviderForm.Meta.fields
        widgets = ProviderForm.Meta.widgets

    # True on the classes made by ``for_columns``, whose fields are already prepared.
    prepared = False

    def __init__(self, row: dict[str, str], *, reference: ReferenceData, instance=None):
        self.reference = reference
        self.problems: list[str] = []
        data = self._translate(row)
        super().__init__(data=data, instance=instance)
        if not self.prepared:
            self._prepare(row, reference)

    @classmethod
    def for_columns(cls, columns: list[str], reference: ReferenceData) -> type[ProviderImportForm]:
        """A form class for the rows of one file: its fields prepared once (only the file's
        columns, shared rules, preloaded choices), so a row costs a copy of those alone."""
        template = cls(dict.fromkeys(columns, ""), reference=reference)
        form_class = type(cls.__name__, (cls,), {"prepared": True})
        form_class.base_fields = _SharedFields(template.fields)
        return form_class

    def _prepare(self, row: dict[str, str], reference: ReferenceData) -> None:
        self._apply_shared_rules()
        for name in list(self.fields):
            if name not in row:
                del self.fields[name]
        for name, objects in reference.by_pk.items():
            if name in self.fields:
                old = self.fields[name]
                kind = (
                    PreloadedMultipleChoiceField
                    if isinstance(old, forms.ModelMultipleChoiceField)
                    else PreloadedChoiceField
                )
                self.fields[name] = kind(
                    objects, queryset=old.queryset, required=old.required, label=old.label
                )

    def _get_validation_exclusions(self):
        # No query per row: the municipality was found among the active ones loaded for the
        # import (the model's foreign-key check would repeat that), and the KvK number's
        # format is checked by the form field, its uniqueness by ``validate_unique`` below.
        return {*super()._get_validation_exclusions(), "municipality", "kvk_number"}

    def validate_unique(self):
        """No query per row: the import matched the provider with this KvK number already
        (it is this form's instance), and the database constraint refuses a duplicate that
        appears meanwhile (the row is then rejected)."""

    def _translate(self, row: dict[str, str]) -> dict[str, object]:
        data: dict[str, object] = dict(row)
        if "kind" in row:
            value = row["kind"].strip().lower()
            data["kind"] = KIND_WORDS.get(value, value)
        if "municipality" in row:
            value = row["municipality"].strip().lower()
            found = self.reference.municipalities.get(value)
            if found is None and value:
                self.problems.append(
                    str(_("Unknown municipality “%(value)s”.") % {"value": row["municipality"]})
                )
            allowed = self.reference.allowed_municipality_ids
            if found is not None and allowed is not None and found.pk not in allowed:
                self.problems.append(
                    str(
                        _("You cannot import providers of the municipality “%(value)s”.")
                        % {"value": found.name}
                    )
                )
            data["municipality"] = found.pk if found else ""
        for name, lookup in (
            ("sports", self.reference.sports),
            ("target_groups", self.reference.target_groups),
        ):
            if name in row:
                pks = []
                for part in row[name].replace(";", ",").split(","):
                    part = part.strip()
                    if not part:
                        continue
                    found = lookup.get(part.lower())
                    if found is None:
                        self.problems.append(str(_("Unknown value “%(value)s”.") % {"value": part}))
                    else:
                        pks.append(found.pk)
                data[name] = pks
        for prefix in SAFETY_BASICS:
            name = f"{prefix}_status"
            if name in row:
                value = row[name].strip().lower()
                data[name] = SAFETY_WORDS.get(value, value or SafetyStatus.NOT_MET)
        return data

    def error_text(self) -> str:
        """All problems of the row in one line, with the field labels, for the report."""
        parts = list(self.problems)
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            text = " ".join(str(e) for e in errors)
            parts.append(f"{label}: {text}" if label else text)
        return " ".join(parts)

    def is_valid(self) -> bool:
        return super().is_valid() and not self.problems


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file (.csv, .xlsx)"),
        help_text=_("First row: column names such as naam, soort, kvk, gemeente, postcode."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".csv,.xlsx"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise ValidationError(
                _("The file is too large (at most %(mb)s MB)."),
                params={"mb": IMPORT_MAX_BYTES // (1024 * 1024)},
            )
        if Path(upload.name).suffix.lower() not in (".csv", ".xlsx"):
            raise ValidationError(_("Upload a spreadsheet: a .csv or .xlsx file."))
        return upload
