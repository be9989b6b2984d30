"""Sport providers (sportaanbieders) and their social-safety basics."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from localflavor.nl.models import NLZipCodeField
from phonenumber_field.modelfields import PhoneNumberField

from sportloket.models import Municipality, Sport, TargetGroup

from .constants import (
    BASIC_REQUIREMENTS,
    SAFETY_BASICS,
    ProviderKind,
    ProviderSource,
    ProviderStatus,
    SafetyStatus,
)

kvk_validator = RegexValidator(r"^\d{8}$", _("A KvK number has exactly 8 digits."))


def _status_field(label) -> models.CharField:
    return models.CharField(
        label, max_length=12, choices=SafetyStatus.choices, default=SafetyStatus.NOT_MET
    )


def _date_field() -> models.DateField:
    return models.DateField(_("date"), null=True, blank=True)


class SafetyBasicsMixin(models.Model):
    """The social-safety basics of seed 003, each a status with the date it was last set."""

    vog_status = _status_field(SAFETY_BASICS["vog"])
    vog_date = _date_field()
    vcp_status = _status_field(SAFETY_BASICS["vcp"])
    vcp_date = _date_field()
    code_of_conduct_status = _status_field(SAFETY_BASICS["code_of_conduct"])
    code_of_conduct_date = _date_field()
    trainer_qualification_status = _status_field(SAFETY_BASICS["trainer_qualification"])
    trainer_qualification_date = _date_field()
    elearning_status = _status_field(SAFETY_BASICS["elearning"])
    elearning_date = _date_field()

    class Meta:
        abstract = True

    @property
    def is_eligible(self) -> bool:
        """Seed 003: eligible for club support when each of the four basic requirements is met
        or being worked on. ``providers.selectors.eligible_q`` is the same rule as a Q object."""
        return not self.missing_requirements

    @property
    def missing_requirements(self) -> list[str]:
        """Labels of the basic requirements that are not met and not in progress."""
        return [
            str(label)
            for prefix, label in BASIC_REQUIREMENTS.items()
            if getattr(self, f"{prefix}_status") == SafetyStatus.NOT_MET
        ]

    @property
    def safety_basics(self) -> list[tuple[str, str, str, object]]:
        """(prefix, label, status, date) for each of the basics, for display."""
        return [
            (prefix, str(label), getattr(self, f"{prefix}_status"), getattr(self, f"{prefix}_date"))
            for prefix, label in SAFETY_BASICS.items()
        ]


class Provider(SafetyBasicsMixin, models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=ProviderKind.choices)
    name = models.CharField(_("name"), max_length=200)
    kvk_number = models.CharField(
        _("KvK number"), max_length=8, blank=True, validators=[kvk_validator]
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="providers",
    )
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = NLZipCodeField(_("postcode"), blank=True)
    city = models.CharField(_("place"), max_length=100, blank=True)
    sports = models.ManyToManyField(Sport, verbose_name=_("sports"), blank=True)
    target_groups = models.ManyToManyField(
        TargetGroup,
        verbose_name=_("target groups"),
        blank=True,
        help_text=_("Groups it serves or wants to serve."),
    )
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    website = models.URLField(_("website"), blank=True)
    participants = models.PositiveIntegerField(
        _("participants (approx.)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(1_000_000)],
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ProviderStatus.choices,
        default=ProviderStatus.PENDING,
        db_index=True,
    )
    source = models.CharField(_("source"), max_length=10, choices=ProviderSource.choices)
    privacy_consent_at = models.DateTimeField(_("privacy consent given at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("e-mail confirmed at"), null=True, blank=True)
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("sport provider")
        verbose_name_plural = _("sport providers")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kvk_number"],
                condition=~models.Q(kvk_number=""),
                name="unique_provider_kvk_number",
                violation_error_message=_("A provider with this KvK number already exists."),
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "status", "name"]),
            # The duplicate check of the public forms (provider_find: e-mail address and name,
            # case-insensitive) and the desk's question form look providers up by e-mail;
            # iexact is UPPER(email) = UPPER(%s), which a plain index on email cannot serve.
            models.Index(Upper("email"), name="provider_email_upper_idx"),
            # The registry's sort by name and its usual filters (status, kind) read a page in
            # name order straight from an index, and count from the index alone; the trailing
            # municipality column covers the scope check (see bench/bench_providers.py).
            models.Index(fields=["name", "id"], name="provider_name_idx"),
            models.Index(
                fields=["status", "name", "id", "municipality"], name="provider_status_name_idx"
            ),
            models.Index(
                fields=["kind", "status", "name", "id", "municipality"],
                name="provider_kind_name_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("providers:detail", args=[self.pk])
