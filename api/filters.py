"""The pages' FilterSets, used as they are: a view gives the extra arguments its page passes
(the user, the choices read for the user's scope)."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend


class PageFilterBackend(DjangoFilterBackend):
    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["data"] = (
            view.filter_data(request) if hasattr(view, "filter_data") else kwargs["data"]
        )
        return {**kwargs, **view.filterset_extra_kwargs(request)}
