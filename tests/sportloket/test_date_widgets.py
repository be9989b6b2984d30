"""Issue "Contact moments": "`/loket/contactmomenten/` fills its date field with "07-12-2026",
which a browser's date input rejects, so the field shows empty: date inputs get ISO values,
shown the Dutch way by the browser." tests/hardening/test_date_inputs.py checks every page in
Chromium; these tests check the widget and that every form uses it."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.utils import timezone, translation

from sportloket.widgets import DateInput, DateTimeInput

PROJECT_APPS = [
    a
    for a in apps.get_app_configs()
    if a.path.startswith(str(settings.BASE_DIR) + "/") and "site-packages" not in a.path
]  # (a virtualenv inside the checkout, as `make install` makes it, holds Django's own apps)


def project_forms() -> list[type[forms.BaseForm]]:
    """Every form class defined in a ``forms`` module of the project's own apps."""
    found: dict[str, type] = {}
    for config in PROJECT_APPS:
        for module_info in pkgutil.walk_packages([config.path], prefix=f"{config.name}."):
            if not module_info.name.rsplit(".", 1)[-1] == "forms":
                continue
            module = importlib.import_module(module_info.name)
            for name, value in vars(module).items():
                if (
                    inspect.isclass(value)
                    and issubclass(value, forms.BaseForm)
                    and value.__module__ == module.__name__
                ):
                    found[f"{module.__name__}.{name}"] = value
    return list(found.values())


def test_the_project_has_forms_with_date_fields():
    dated = [
        f
        for f in project_forms()
        if any(isinstance(x, forms.DateField) for x in f.base_fields.values())
    ]
    assert len(dated) >= 10


@pytest.mark.parametrize(
    "form_class", project_forms(), ids=lambda f: f"{f.__module__}.{f.__name__}"
)
def test_every_date_field_uses_the_iso_date_widget(form_class):
    for name, field in form_class.base_fields.items():
        if isinstance(field, forms.DateTimeField):
            assert isinstance(field.widget, DateTimeInput | forms.HiddenInput), name
        elif isinstance(field, forms.DateField):
            assert isinstance(field.widget, DateInput | forms.HiddenInput), name


class ContactMomentLike(forms.Form):
    date = forms.DateField(widget=DateInput())
    moment = forms.DateTimeField(widget=DateTimeInput())


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_date_input_gets_an_iso_value_in_every_language(language):
    form = ContactMomentLike(
        initial={
            "date": dt.date(2026, 12, 7),
            "moment": dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC),
        }
    )
    with translation.override(language), timezone.override(dt.UTC):
        html = str(form["date"]) + str(form["moment"])
    assert 'type="date"' in html
    assert 'value="2026-12-07"' in html
    assert 'type="datetime-local"' in html
    assert 'value="2026-12-07T09:30"' in html
    assert "07-12-2026" not in html


@pytest.mark.parametrize("posted", ["2026-12-07", "07-12-2026"])
def test_a_date_is_read_in_iso_and_in_the_dutch_way(posted):
    with translation.override("nl"):
        form = ContactMomentLike(data={"date": posted, "moment": "2026-12-07T09:30"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["date"] == dt.date(2026, 12, 7)
    assert form.cleaned_data["moment"].hour == 9


def test_a_refused_date_is_shown_back_as_typed():
    with translation.override("nl"):
        form = ContactMomentLike(data={"date": "31-02-2026", "moment": ""})
        assert not form.is_valid()
        assert 'value="31-02-2026"' in str(form["date"])
