"""Rollups rebuilt by periodic tasks, read by the dashboards instead of grouping every row."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sportloket.models import Desk, Municipality, QuestionCategory

from ..support.constants import SupportStatus


class QuestionWeekStat(models.Model):
    """Rollup of a desk's questions: how many were received in a period, per current status
    and category. A period is a week (from Monday), cut in two where a calendar quarter
    begins, so weeks and quarters (rising themes) both add up exactly. Rebuilt per desk by
    ``services.desk_stats_refresh`` (beat, every 15 minutes), so the desk dashboard reads a few
    hundred rows instead of grouping every question.
    """

    desk = models.ForeignKey(
        Desk, verbose_name=_("desk"), on_delete=models.CASCADE, related_name="question_stats"
    )
    period_start = models.DateField(_("period start"))
    status = models.CharField(_("status"), max_length=20, choices=SupportStatus.choices)
    category = models.ForeignKey(
        QuestionCategory,
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    count = models.PositiveIntegerField(_("number of questions"))
    refreshed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("question statistic")
        verbose_name_plural = _("question statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["desk", "period_start", "status", "category"],
                name="one_question_stat_per_desk_period_status_category",
            )
        ]

    def __str__(self) -> str:
        return f"{self.desk} {self.period_start} {self.status}: {self.count}"


class QuestionStatMark(models.Model):
    """Where a desk's ``QuestionWeekStat`` rows stand, so the next refresh re-counts only the
    periods of questions that changed since (``services.desk_stats_refresh``).

    ``window_start`` is the first day the rows count from; when the window has moved on (a new
    week) the rows are rebuilt in full. ``changes_since``: questions whose ``last_activity_at``
    is at or after it are re-counted by the next refresh (a few minutes before the last
    refresh began, so a change committed while that refresh ran is not missed).
    """

    desk = models.OneToOneField(
        Desk,
        verbose_name=_("desk"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    window_start = models.DateField(_("window start"))
    changes_since = models.DateTimeField(_("changes since"))
    refreshed_at = models.DateTimeField(_("computed at"))
    rebuilt_at = models.DateTimeField(_("rebuilt in full at"))

    class Meta:
        verbose_name = _("question statistics mark")
        verbose_name_plural = _("question statistics marks")

    def __str__(self) -> str:
        return f"{self.desk_id}: {self.changes_since:%Y-%m-%d %H:%M}"


class EntrepreneursReachedStat(models.Model):
    """Rollup of the guideline's subsidies criterion: how many distinct sport entrepreneurs of
    a municipality received a scheme in the current calendar year (the figures of
    ``subsidies.selectors.shares_per_municipality``). One row per municipality, rebuilt by
    ``guideline_services.reached_stats_refresh`` (beat, every 15 minutes), so the national
    dashboard and the office list read 342 rows instead of grouping every share of the year.
    """

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    reached = models.PositiveIntegerField(_("entrepreneurs reached"))
    refreshed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("entrepreneurs reached statistic")
        verbose_name_plural = _("entrepreneurs reached statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "municipality"], name="one_reached_stat_per_year_municipality"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}: {self.reached}"
