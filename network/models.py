"""The desk as network coordination point: strategic signals, manual ticks of the desk quality
criteria, neighbourhood sport coaches with their SMART goals, measurements and goal notices.

The tables were created by the ``sportloket`` and ``meetings`` apps and keep their names.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sportloket.models import Desk, Municipality, OnceOnlyNotice, TargetGroup, Theme

from .constants import Criterion, GoalFlag, SignalSource


class Signal(models.Model):
    """A theme that lives among providers, recorded for the strategic agenda (seed 001)."""

    desk = models.ForeignKey(
        Desk, verbose_name=_("desk"), on_delete=models.CASCADE, related_name="signals"
    )
    theme = models.ForeignKey(
        Theme, verbose_name=_("theme"), on_delete=models.PROTECT, related_name="signals"
    )
    description = models.TextField(_("description"), max_length=2000)
    source = models.CharField(_("source"), max_length=20, choices=SignalSource.choices)
    recorded_on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        db_table = "meetings_signal"
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        ordering = ["-recorded_on", "-pk"]
        indexes = [models.Index(fields=["desk", "-recorded_on"], name="signal_desk_date")]

    def __str__(self) -> str:
        return f"{self.theme}: {self.description[:50]}"


class DeskCriterionTick(models.Model):
    """A manual tick of a desk quality criterion that cannot be computed, with its evidence."""

    desk = models.ForeignKey(
        Desk, verbose_name=_("desk"), on_delete=models.CASCADE, related_name="criterion_ticks"
    )
    criterion = models.CharField(_("criterion"), max_length=30, choices=Criterion.choices)
    evidence = models.TextField(_("evidence"), max_length=2000)
    ticked_on = models.DateField(_("date"))
    ticked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        db_table = "sportloket_deskcriteriontick"
        verbose_name = _("desk criterion tick")
        verbose_name_plural = _("desk criterion ticks")
        constraints = [
            models.UniqueConstraint(fields=["desk", "criterion"], name="unique_desk_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.desk}: {self.get_criterion_display()}"


class NeighbourhoodSportCoach(models.Model):
    """A buurtsportcoach working for a municipality (seed 004)."""

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="sport_coaches",
    )
    name = models.CharField(_("name"), max_length=200)
    employer = models.CharField(_("employer"), max_length=200)
    hours_per_week = models.DecimalField(
        _("hours per week"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("60"))],
    )
    target_groups = models.ManyToManyField(
        TargetGroup, verbose_name=_("target groups"), blank=True, related_name="sport_coaches"
    )
    neighbourhoods = models.CharField(_("neighbourhoods"), max_length=300)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        db_table = "sportloket_neighbourhoodsportcoach"
        verbose_name = _("neighbourhood sport coach")
        verbose_name_plural = _("neighbourhood sport coaches")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("network:coach_detail", args=[self.pk])


class SmartGoal(models.Model):
    """A SMART goal agreed between the municipality and a coach, measured periodically.

    A goal is reached when the latest measurement is at or beyond the target in the direction
    from baseline to target (targets may be lower than the baseline, e.g. loneliness).
    """

    coach = models.ForeignKey(
        NeighbourhoodSportCoach,
        verbose_name=_("neighbourhood sport coach"),
        on_delete=models.CASCADE,
        related_name="goals",
    )
    description = models.TextField(_("specific description"), max_length=2000)
    indicator = models.CharField(_("indicator"), max_length=200)
    baseline = models.DecimalField(_("baseline"), max_digits=12, decimal_places=2)
    target_value = models.DecimalField(_("target value"), max_digits=12, decimal_places=2)
    agreed_on = models.DateField(_("agreed on"))
    deadline = models.DateField(_("deadline"))
    measured_by = models.CharField(_("who measures"), max_length=200)
    measure_every_months = models.PositiveSmallIntegerField(
        _("measure every (months)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        db_table = "sportloket_smartgoal"
        verbose_name = _("SMART goal")
        verbose_name_plural = _("SMART goals")
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gt=models.F("agreed_on")),
                name="smart_goal_deadline_after_agreement",
                violation_error_message=_("The deadline must be after the date of agreement."),
            ),
            models.CheckConstraint(
                condition=~models.Q(target_value=models.F("baseline")),
                name="smart_goal_target_differs_from_baseline",
                violation_error_message=_("The target value must differ from the baseline."),
            ),
        ]

    def __str__(self) -> str:
        return self.indicator

    def is_reached_by(self, value: Decimal | None) -> bool:
        if value is None:
            return False
        if self.target_value > self.baseline:
            return value >= self.target_value
        return value <= self.target_value


class GoalProgress(models.Model):
    """A periodic measurement of a SMART goal's indicator."""

    goal = models.ForeignKey(
        SmartGoal, verbose_name=_("SMART goal"), on_delete=models.CASCADE, related_name="progress"
    )
    measured_on = models.DateField(_("measured on"))
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        db_table = "sportloket_goalprogress"
        verbose_name = _("progress entry")
        verbose_name_plural = _("progress entries")
        ordering = ["-measured_on", "-pk"]
        indexes = [models.Index(fields=["goal", "-measured_on"], name="goal_progress_latest")]

    def __str__(self) -> str:
        return f"{self.goal} {self.measured_on}: {self.value}"


class GoalNotice(OnceOnlyNotice):
    """A flag of a goal e-mailed to policy staff (a once-only notice): the claim is the unique
    row per goal and kind, the e-mail goes out in a separate send."""

    goal = models.ForeignKey(
        SmartGoal, verbose_name=_("SMART goal"), on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=GoalFlag.choices)

    class Meta:
        db_table = "sportloket_goalnotice"
        verbose_name = _("goal notice")
        verbose_name_plural = _("goal notices")
        constraints = [models.UniqueConstraint(fields=["goal", "kind"], name="unique_goal_notice")]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(emailed_at__isnull=True, closed_at__isnull=True),
                name="goal_notice_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.goal}: {self.get_kind_display()}"


# The news update's models live in their sub-area's folder; imported here so that they belong
# to this app.
from .news.models import NewsDelivery, NewsSubscription, NewsUpdate  # noqa: E402

__all__ = [
    "DeskCriterionTick",
    "GoalNotice",
    "GoalProgress",
    "NeighbourhoodSportCoach",
    "NewsDelivery",
    "NewsSubscription",
    "NewsUpdate",
    "Signal",
    "SmartGoal",
]
