"""The registry's filters (django-filter), applied by the list view to a scoped queryset."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, Value
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from sportloket.models import Municipality, Sport, TargetGroup

from .constants import Eligibility, ProviderKind, ProviderStatus
from .models import SEARCH_SEPARATOR, Provider
from .selectors import all_met_q, eligible_q


class ProviderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("name, KvK, e-mail, place")}),
    )
    municipality = django_filters.ModelChoiceFilter(
        label=_("municipality"), queryset=Municipality.objects.none()
    )
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=ProviderKind.choices)
    sport = django_filters.ModelChoiceFilter(
        label=_("sport"), field_name="sports", queryset=Sport.objects.all()
    )
    target_group = django_filters.ModelChoiceFilter(
        label=_("target group"), field_name="target_groups", queryset=TargetGroup.objects.all()
    )
    status = django_filters.ChoiceFilter(label=_("status"), choices=ProviderStatus.choices)
    safety = django_filters.ChoiceFilter(
        label=_("social-safety basics"), choices=Eligibility.choices, method="filter_safety"
    )
    order = django_filters.OrderingFilter(
        label=_("sort by"),
        fields=(
            ("name", "name"),
            ("municipality_name", "municipality"),
            ("kind", "kind"),
            ("status", "status"),
            ("created_at", "created"),
        ),
        field_labels={
            "name": _("name"),
            "municipality_name": _("municipality"),
            "kind": _("kind"),
            "status": _("status"),
            "created_at": _("registered"),
        },
    )

    class Meta:
        model = Provider
        fields: list[str] = []

    def __init__(self, *args, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["municipality"].queryset = (
            municipalities if municipalities is not None else Municipality.objects.all()
        )

    def filter_text(self, queryset, name, value):
        """Providers whose name, e-mail address, contact person or place contains ``value``
        (ignoring case), or whose postcode or KvK number it is. The first four are one
        ``LIKE`` on ``search_text`` (those four in capitals; ``value`` is put in capitals by
        the database, as ``icontains`` does)."""
        value = value.replace(SEARCH_SEPARATOR, "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(search_text__contains=Upper(Value(value)))
            | Q(kvk_number=value)
            | Q(postcode__iexact=value)
        )

    def filter_safety(self, queryset, name, value):
        if value == Eligibility.ELIGIBLE:
            return queryset.filter(eligible_q())
        if value == Eligibility.NOT_ELIGIBLE:
            return queryset.exclude(eligible_q())
        if value == Eligibility.ALL_MET:
            return queryset.filter(all_met_q())
        return queryset

    @property
    def qs(self):
        """Sorted for paging by key: the chosen column, then the name (for a sort by kind,
        status or municipality), then the id, all in one direction. Every sort thus ends in a
        unique key and is one row-value comparison, ``(name, id) > (…)``, which an index on
        those columns serves (see the model's indexes; the municipality's name is the
        provider's own copy, ``Provider.municipality_name``)."""
        queryset = super().qs
        chosen = str((list(queryset.query.order_by) or ["name"])[0])
        descending = chosen.startswith("-")
        column = chosen.lstrip("-")
        keys = [column, "name", "id"] if column in SECONDARY_NAME_SORTS else [column, "id"]
        return queryset.order_by(*(f"-{key}" if descending else key for key in keys))


# Sorts by a column many providers share: the name orders the providers within each value.
SECONDARY_NAME_SORTS = {"kind", "status", "municipality_name"}
