"""The triage board's filters. Choices come from ``BoardOptions`` so a page reads each list once."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from providers.models import Provider
from providers.selectors import eligible_q

from .constants import SupportStatus
from .selectors import BoardOptions, search_q

OPEN = "open"
# ``flag__in=[True]`` instead of ``flag=True``: Django renders the latter as a bare column on
# SQLite, which cannot use the composite (desk, flag, deadline) indexes; IN (1) can.
OPEN_Q = {"is_open__in": [True]}
RUNNING_Q = {"clock_running__in": [True]}


# The board's sort orders: URL value -> (label, ORDER BY). Each fits one of the
# (desk, is_open, …) indexes of ``SupportRequest``, read forwards or backwards.
SORTS = {
    "deadline": (_("Deadline, soonest first"), ("deadline", "id")),
    "-deadline": (_("Deadline, latest first"), ("-deadline", "-id")),
    "-received": (_("Received, newest first"), ("-created_at", "-id")),
    "received": (_("Received, oldest first"), ("created_at", "id")),
    "-activity": (_("Last activity, most recent first"), ("-last_activity_at", "-id")),
    "activity": (_("Last activity, longest ago first"), ("last_activity_at", "id")),
    "-priority": (_("Priority, highest first"), ("-priority", "deadline", "id")),
}
DEFAULT_SORT = "deadline"


class AllYesNoWidget(django_filters.widgets.BooleanWidget):
    """A yes/no filter whose empty choice reads "all" rather than django-filter's "unknown"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("", _("All")), ("true", _("Yes")), ("false", _("No")))


class SupportRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(OPEN, _("All open")), *SupportStatus.choices],
        empty_label=_("All"),
        method="filter_status",
    )
    category = django_filters.ChoiceFilter(label=_("Category"), field_name="category_id")
    municipality = django_filters.ChoiceFilter(
        label=_("Municipality"), field_name="municipality_id"
    )
    assignee = django_filters.ChoiceFilter(label=_("Assignee"), method="filter_assignee")
    organisation = django_filters.ChoiceFilter(
        label=_("Handed over to"), field_name="organisation_id"
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"),
        method="filter_overdue",
        widget=AllYesNoWidget(),
    )
    new_info = django_filters.BooleanFilter(
        label=_("New information only"),
        method="filter_new_info",
        widget=AllYesNoWidget(),
    )
    eligible = django_filters.ChoiceFilter(
        label=_("Social-safety basics"),
        choices=[("yes", _("Eligible")), ("no", _("Not eligible"))],
        method="filter_eligible",
    )
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    sort = django_filters.ChoiceFilter(
        label=_("Sort"),
        choices=[(key, label) for key, (label, _order) in SORTS.items()],
        empty_label=None,
        method="filter_sort",
    )

    def __init__(self, *args, options: BoardOptions, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.filters["category"].extra["choices"] = options.category_choices
        self.filters["municipality"].extra["choices"] = [
            (m.pk, m.name) for m in options.municipalities
        ]
        self.filters["organisation"].extra["choices"] = [
            (o.pk, o.name) for o in options.organisations
        ]
        self.filters["assignee"].extra["choices"] = [
            ("me", _("Me")),
            ("none", _("Nobody")),
            *options.staff_choices,
        ]

    def filter_status(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if value == OPEN:
            return qs.filter(**OPEN_Q)
        return qs.filter(status=value)

    def filter_assignee(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if value == "me":
            return qs.filter(assignee=self.user)
        if value == "none":
            return qs.filter(assignee__isnull=True, **OPEN_Q)
        return qs.filter(assignee_id=value)

    def filter_overdue(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        if not value:
            return qs
        return qs.filter(deadline__lt=timezone.localdate(), **RUNNING_Q)

    def filter_new_info(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        """Questions where the requester added information the desk has not acted on yet
        (``new_info_at`` is set by the requester's message and cleared by the desk's work)."""
        if not value:
            return qs
        return qs.filter(new_info_at__isnull=False)

    def filter_eligible(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        # A correlated EXISTS per row, not a condition on the joined provider: with the
        # condition on the join, SQLite first scans every provider into a Bloom filter
        # (17 ms at 60,000 providers) before it reads the 25 questions of the page (0.2 ms).
        eligible = Exists(Provider.objects.filter(eligible_q(), pk=OuterRef("provider_id")))
        return qs.filter(eligible if value == "yes" else ~eligible)

    def filter_search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(search_q(value, within=qs))

    def filter_sort(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs  # applied last, in ``filter_queryset``

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        qs = super().filter_queryset(queryset)
        key = self.form.cleaned_data.get("sort") or DEFAULT_SORT
        return qs.order_by(*SORTS[key][1])
