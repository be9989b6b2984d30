"""The shared core: reference data, desks, organisations, staff profiles, audit trail, outbox.

Every other app may depend on this module; it depends on none of them.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

from .constants import EmailStatus, OrganisationType, Role, ThemeKind

cbs_code_validator = RegexValidator(
    r"^GM\d{4}$", _("A CBS municipality code looks like GM0363: GM followed by four digits.")
)


class Municipality(models.Model):
    """A Dutch municipality. Retired (merged) municipalities stay for history with active=False."""

    cbs_code = models.CharField(
        _("CBS code"), max_length=6, unique=True, validators=[cbs_code_validator]
    )
    name = models.CharField(_("name"), max_length=100)
    province = models.CharField(_("province"), max_length=50, db_index=True)
    vsg_region = models.CharField(_("VSG region"), max_length=100, blank=True)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Untick when the municipality has merged.")
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NamedReference(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("code"), max_length=60, unique=True)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["ordering", "name"]

    def __str__(self) -> str:
        return self.name


class TargetGroup(NamedReference):
    """Doelgroep: youth, elderly, people with a disability, low SES, …"""

    class Meta(NamedReference.Meta):
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")


class Theme(NamedReference):
    """A theme: the six Sportakkoord II themes, plus themes that signals are recorded under."""

    kind = models.CharField(
        _("kind"), max_length=20, choices=ThemeKind.choices, default=ThemeKind.SPORTAKKOORD
    )

    class Meta(NamedReference.Meta):
        verbose_name = _("theme")
        verbose_name_plural = _("themes")


class QuestionCategory(NamedReference):
    """A category of support questions (design §4)."""

    themes = models.ManyToManyField(
        Theme, verbose_name=_("themes"), blank=True, related_name="question_categories"
    )

    class Meta(NamedReference.Meta):
        verbose_name = _("support question category")
        verbose_name_plural = _("support question categories")


class Sport(NamedReference):
    class Meta(NamedReference.Meta):
        verbose_name = _("sport")
        verbose_name_plural = _("sports")


class Organisation(models.Model):
    """An organisation that supports providers (ondersteunende partij)."""

    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(_("type"), max_length=20, choices=OrganisationType.choices)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        help_text=_("Leave empty for national or regional organisations."),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    in_spn = models.BooleanField(_("supporters take part in SPN"), default=False)
    in_ask = models.BooleanField(_("supporters take part in ASK"), default=False)
    in_kss = models.BooleanField(_("supporters take part in KSS"), default=False)
    in_lab = models.BooleanField(_("supporters take part in LAB"), default=False)
    themes = models.ManyToManyField(
        Theme,
        verbose_name=_("themes it works on"),
        blank=True,
        related_name="organisations",
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def quality_systems(self) -> list[str]:
        flags = {"SPN": self.in_spn, "ASK": self.in_ask, "KSS": self.in_kss, "LAB": self.in_lab}
        return [name for name, on in flags.items() if on]


class Desk(models.Model):
    """A sport- en beweegloket serving one municipality (local) or several (regional)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    municipalities = models.ManyToManyField(
        Municipality, verbose_name=_("municipalities served"), related_name="desks"
    )
    partners = models.ManyToManyField(
        Organisation,
        verbose_name=_("partner organisations"),
        through="DeskPartner",
        related_name="desks",
        blank=True,
    )
    email = models.EmailField(_("e-mail"), blank=True)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinator"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coordinated_desks",
        help_text=_("Receives escalations of overdue questions."),
    )
    first_response_working_days = models.PositiveSmallIntegerField(
        _("first response within (working days)"), default=3, validators=[MinValueValidator(1)]
    )
    handover_response_working_days = models.PositiveSmallIntegerField(
        _("handover to be accepted within (working days)"),
        default=5,
        validators=[MinValueValidator(1)],
    )

    class Meta:
        verbose_name = _("desk")
        verbose_name_plural = _("desks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeskPartner(models.Model):
    """A partner organisation of a desk, with its signed declaration of intent."""

    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, verbose_name=_("desk"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, verbose_name=_("organisation")
    )
    declaration_signed_on = models.DateField(
        _("declaration of intent signed on"), null=True, blank=True
    )
    role_description = models.CharField(_("role in the desk"), max_length=200, blank=True)
    # Seed 001: a sport platform contributes on three levels.
    platform_strategic = models.BooleanField(_("strategic role"), default=False)
    platform_coordinating = models.BooleanField(_("coordinating role"), default=False)
    platform_executing = models.BooleanField(_("executing role"), default=False)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        constraints = [
            models.UniqueConstraint(fields=["desk", "organisation"], name="unique_desk_partner")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} @ {self.desk}"

    @property
    def platform_roles(self) -> list[str]:
        flags = (
            (self.platform_strategic, _("strategic")),
            (self.platform_coordinating, _("coordinating")),
            (self.platform_executing, _("executing")),
        )
        return [str(label) for on, label in flags if on]


class OrganisationContact(models.Model):
    """A contact person at a partner organisation, so a supporter knows whom to connect to."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    name = models.CharField(_("name"), max_length=200)
    function = models.CharField(
        _("role"), max_length=200, blank=True, help_text=_("E.g. buurtsportcoach, wijkverbinder.")
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def role_scope_constraints(prefix: str = "") -> list[models.CheckConstraint]:
    """The tenant a role needs: policy staff belong to a municipality, a club supporter to a
    desk. Shared by staff profiles and the identity provider's claim mappings (which make
    them); ``prefix`` keeps the constraint names unique per table."""
    return [
        models.CheckConstraint(
            condition=~models.Q(role=Role.POLICY_STAFF) | models.Q(municipality__isnull=False),
            name=f"{prefix}policy_staff_has_municipality",
            violation_error_message=_("Policy staff must belong to a municipality."),
        ),
        models.CheckConstraint(
            condition=~models.Q(role=Role.CLUB_SUPPORTER) | models.Q(desk__isnull=False),
            name=f"{prefix}club_supporter_has_desk",
            violation_error_message=_("A club supporter must belong to a desk."),
        ),
    ]


class StaffProfile(models.Model):
    """Links a user to a role and to what that role is scoped by.

    Club supporters work for a desk (and the organisation they are employed by); policy staff
    belong to one municipality; POS staff and administrators see everything.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    desk = models.ForeignKey(
        Desk,
        verbose_name=_("desk"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        constraints = [
            *role_scope_constraints(),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class AuditEvent(models.Model):
    """Append-only audit trail: who changed what, when. Written by sportloket.services.audit_record.

    Never updated or deleted by the application; the admin shows it read-only.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    subject = GenericForeignKey("content_type", "object_id")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=60)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class OutgoingEmail(models.Model):
    """Durable outbox: written in the transaction of the change that causes the e-mail.

    ``key`` makes queueing idempotent (the same notice is never queued twice) and is sent as the
    Message-ID, so a receiving server can recognise a resend after a worker crash.
    """

    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    to = models.JSONField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    html_body = models.TextField(_("HTML"), blank=True)
    reply_to = models.CharField(_("reply to"), max_length=254, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    attachments = models.JSONField(
        _("attachments"),
        default=list,
        blank=True,
        help_text=_("List of {filename, content, mimetype} with text content."),
    )
    # An e-mail queued to be rendered by the worker (``email_queue(render_in_worker=True)``):
    # the template and its context until then; subject and body are filled in just before the
    # first attempt to send it.
    template = models.CharField(_("template"), max_length=200, blank=True)
    context = models.JSONField(_("template context"), default=dict, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"


class OnceOnlyNotice(models.Model):
    """A notice e-mailed at most once, claimed before it is sent (the helpers are in
    ``sportloket/notices.py``).

    A sweep inserts the row (the claim; a unique constraint of the concrete model decides
    between concurrent sweeps) and commits; sending it is a conditional UPDATE of
    ``emailed_at`` in the transaction that queues the outbox e-mail. A claim written but never
    sent (a worker killed in between) is handed out again by a later sweep, and the conditional
    UPDATE lets exactly one sender through. A notice found obsolete when it is sent (its reason
    went away) gets ``closed_at`` instead, so it is neither sent nor handed out again.
    """

    claim = models.CharField(_("claimed by sweep"), max_length=32, db_index=True)
    created_at = models.DateTimeField(_("created at"))
    emailed_at = models.DateTimeField(_("e-mail queued at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed unsent at"), null=True, blank=True)

    class Meta:
        abstract = True


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """A user's recovery codes for two-step login, as one django-otp device.

    Unlike django-otp's ``otp_static``, which stores the codes as they are, only a keyed hash of
    each code is kept (HMAC-SHA-256 with the secret key, bound to the user): a copy of the
    database does not reveal a usable code. A fast keyed hash suffices because each code is
    random with about 59 bits of entropy (not a password people choose), and it lets the check
    be one indexed lookup instead of a slow hash per remaining code. Each code works once: it is
    deleted by the same statement that accepts it.
    """

    DIGEST_SALT = "sportloket.recovery-code"

    class Meta:
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")
        constraints = [
            models.UniqueConstraint(fields=["user"], name="one_recovery_code_device_per_user")
        ]

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    @classmethod
    def digest(cls, user_id: int, code: str, secret: str | None = None) -> str:
        return salted_hmac(
            cls.DIGEST_SALT, f"{user_id}:{code}", secret=secret, algorithm="sha256"
        ).hexdigest()

    def candidate_digests(self, code: str) -> list[str]:
        """The code's digest under the current secret key and each fallback key, so a key
        rotation (SECRET_KEY_FALLBACKS) does not void the codes people have on paper."""
        secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        return [self.digest(self.user_id, code, secret) for secret in secrets]

    def verify_token(self, token: str) -> bool:
        """Accept and consume one code (normalised by the caller). Call inside a transaction
        with the device row locked, as django-otp does for every device."""
        allowed, _detail = self.verify_is_allowed()
        if not allowed:
            return False
        used, _per_model = self.codes.filter(digest__in=self.candidate_digests(token)).delete()
        if not used:
            self.throttle_increment()
            return False
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True


class RecoveryCode(models.Model):
    """One unused recovery code, stored as its digest only (see ``RecoveryCodeDevice``)."""

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [
            models.UniqueConstraint(fields=["device", "digest"], name="unique_recovery_code")
        ]

    def __str__(self) -> str:
        return f"{self.device.user_id}: {self.digest[:8]}…"


class HealthBeat(models.Model):
    """A moment the health status reports on: a worker's last heartbeat (``worker:<host>``),
    the last start of a periodic task (``periodic:<beat entry>``), and when monitoring began
    (``monitoring:since``). One row per key, overwritten in place; no personal data."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    at = models.DateTimeField(_("moment"))

    class Meta:
        verbose_name = _("health beat")
        verbose_name_plural = _("health beats")

    def __str__(self) -> str:
        return f"{self.key} @ {self.at:%Y-%m-%d %H:%M:%S}"


class PrivacyController(models.Model):
    """Who is responsible for the personal data, as the privacy statement names them; edited
    by an administrator in the admin. There is at most one row (its key is always 1, which the
    database checks). An empty field, or no row at all, falls back to the server's setting of
    the same name (``SPORTLOKET_PRIVACY_*``), so an installation configured by its environment
    keeps working and an administrator overrides only what they fill in."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    name = models.CharField(
        _("controller"),
        max_length=200,
        blank=True,
        help_text=_(
            "The municipality that runs the desk, e.g. Gemeente Utrecht. Empty: the server "
            "setting SPORTLOKET_PRIVACY_CONTROLLER_NAME."
        ),
    )
    address = models.TextField(
        _("postal address"),
        blank=True,
        help_text=_(
            "One line per address line. Empty: the server setting "
            "SPORTLOKET_PRIVACY_CONTROLLER_ADDRESS."
        ),
    )
    email = models.EmailField(
        _("e-mail address for privacy requests"),
        blank=True,
        help_text=_(
            "Where people send a request about their data. Empty: the server setting "
            "SPORTLOKET_PRIVACY_CONTROLLER_EMAIL."
        ),
    )
    phone = models.CharField(
        _("phone"),
        max_length=40,
        blank=True,
        help_text=_("Empty: the server setting SPORTLOKET_PRIVACY_CONTROLLER_PHONE."),
    )
    dpo_email = models.EmailField(
        _("e-mail address of the data protection officer"),
        blank=True,
        help_text=_("Empty: the server setting SPORTLOKET_PRIVACY_DPO_EMAIL."),
    )

    class Meta:
        verbose_name = _("privacy statement controller")
        verbose_name_plural = _("privacy statement controller")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="one_privacy_controller")
        ]

    def __str__(self) -> str:
        return self.name or str(_("privacy statement controller"))


class IdentityProviderLink(models.Model):
    """A user's account at the municipality's identity provider (OpenID Connect): the pair
    (issuer, subject) the provider names the person by. Made on the first login through the
    provider, for an account found by e-mail address or created from the claims."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="identity_links",
    )
    issuer = models.CharField(_("issuer"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255)
    managed = models.BooleanField(
        _("role from the provider"),
        default=False,
        help_text=_(
            "The account was created at the first login through the identity provider; its "
            "role follows the claim mappings at every login."
        ),
    )
    created_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("last login"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity provider link")
        verbose_name_plural = _("identity provider links")
        ordering = ["issuer", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="one_account_per_subject"),
            models.UniqueConstraint(fields=["user", "issuer"], name="one_subject_per_account"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.issuer}"


class ClaimRoleMapping(models.Model):
    """What a claim of the identity provider makes of a person in Sportloket: a value of a
    claim (e.g. the group "sportloket-beleid-utrecht" in "groups") gives a role and the
    municipality, desk or organisation it is scoped by. The first mapping (by order) whose
    value the claims carry decides; no matching mapping, no account."""

    claim = models.CharField(
        _("claim"),
        max_length=100,
        default="groups",
        help_text=_("Name of the claim, e.g. groups, roles or department."),
    )
    value = models.CharField(
        _("value"),
        max_length=200,
        help_text=_("The claim's value (or one of its values, for a list) this mapping matches."),
    )
    role = models.CharField(
        _("role"),
        max_length=20,
        choices=[(role.value, role.label) for role in Role if role != Role.ADMINISTRATOR],
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    desk = models.ForeignKey(
        Desk,
        verbose_name=_("desk"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("claim mapping")
        verbose_name_plural = _("claim mappings")
        ordering = ["ordering", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "value"], name="one_mapping_per_claim_value"),
            models.CheckConstraint(
                condition=~models.Q(role=Role.ADMINISTRATOR),
                name="claim_mapping_not_administrator",
                violation_error_message=_(
                    "Administrators are not made from claims; link an administrator's account "
                    "by its e-mail address."
                ),
            ),
            *role_scope_constraints(prefix="claim_mapping_"),
        ]

    def __str__(self) -> str:
        return f"{self.claim} = {self.value} → {self.get_role_display()}"

    def matches(self, claims: dict) -> bool:
        found = claims.get(self.claim)
        if isinstance(found, list | tuple):
            return self.value in [str(item) for item in found]
        return found is not None and str(found) == self.value


class IdentityProviderMfaDevice(Device):
    """The second factor the identity provider asserted (its ``amr``/``acr`` claim): the
    session of such a login counts as verified, so two-step login is not asked again. Accepts
    no code of its own; one per user, made at the first such login."""

    class Meta:
        verbose_name = _("second factor at the identity provider")
        verbose_name_plural = _("second factors at the identity provider")
        constraints = [models.UniqueConstraint(fields=["user"], name="one_idp_mfa_device_per_user")]

    def verify_token(self, token) -> bool:
        return False
