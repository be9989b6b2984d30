"""The public interest form checks municipality, sports and target groups against the cached
option lists instead of queries: the same answers as Django's own fields for every input, no
query of those tables once cached, and a change by an administrator counts at once."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from providers.forms import RegistrationForm
from providers.models import Provider
from sportloket.forms import CachedModelChoiceField, CachedModelMultipleChoiceField
from sportloket.models import Municipality, Sport
from tests.factories import municipality

pytestmark = pytest.mark.django_db


def outcome(field: forms.Field, value):
    """What a field makes of ``value``: the pk(s) it accepts, or the error's code and text."""
    try:
        cleaned = field.clean(value)
    except ValidationError as error:
        return ("error", error.code, [str(m) for m in error.messages])
    if cleaned is None:
        return None
    if isinstance(cleaned, Municipality | Sport):
        return cleaned.pk
    return sorted(item.pk for item in cleaned)


def test_the_single_choice_answers_as_django_s_own_field():
    inactive = municipality("GM0344")
    inactive.active = False
    inactive.save()
    active = Municipality.objects.filter(active=True)
    cached = CachedModelChoiceField(queryset=active)
    cached.options_name = "municipalities"
    django_field = forms.ModelChoiceField(queryset=active)
    some = active.first().pk
    for value in [
        str(some),
        f" {some}",
        f"0{some}",
        some,
        str(inactive.pk),  # not among the active ones
        "abc",
        "",
        None,
        "1e3",
        "9" * 30,
        str(2**63),
        "-1",
        "5.0",
        "1\x00",
    ]:
        assert outcome(cached, value) == outcome(django_field, value), value


def test_the_multiple_choice_answers_as_django_s_own_field():
    cached = CachedModelMultipleChoiceField(queryset=Sport.objects.all(), required=False)
    cached.options_name = "sports"
    django_field = forms.ModelMultipleChoiceField(queryset=Sport.objects.all(), required=False)
    one, two = Sport.objects.values_list("pk", flat=True)[:2]
    for value in [
        [str(one)],
        [str(one), str(two)],
        [str(one), str(one)],
        [one],
        [f" {one}"],
        [f"0{one}"],
        ["abc"],
        [str(one), "abc"],
        ["9" * 30],
        [str(2**63)],
        [],
        None,
        "",
        str(one),  # not a list
        [[str(one)]],  # not hashable
        ["1\x00"],
    ]:
        assert outcome(cached, value) == outcome(django_field, value), value


FORM = "/aanmelden/"
# The duplicate check, the provider, its sports, its audit event and its e-mail, each in its
# savepoint (SQLite in a test transaction): no SELECT of a municipality or a sport.
QUERIES = 9


def test_a_submission_reads_the_lists_without_a_query(client, form_data, django_assert_num_queries):
    sport = Sport.objects.order_by("pk").first()
    client.post(FORM, {**form_data, "kvk_number": "11112222", "sports": [sport.pk]})  # warm
    with django_assert_num_queries(QUERIES) as captured:
        response = client.post(
            FORM,
            {**form_data, "name": "Tweede Club", "kvk_number": "33334444", "sports": [sport.pk]},
        )
    assert response.status_code == 302
    sql = [q["sql"] for q in captured.captured_queries]
    for table in ("sportloket_municipality", "sportloket_sport"):
        assert not [q for q in sql if q.startswith("SELECT") and f'FROM "{table}"' in q], table
    provider = Provider.objects.get(kvk_number="33334444")
    assert list(provider.sports.all()) == [sport]
    assert provider.municipality.name == Municipality.objects.get(pk=form_data["municipality"]).name


def test_a_sport_added_or_a_municipality_deactivated_counts_at_once(client, form_data):
    client.post(FORM, {**form_data, "kvk_number": "11112222"})  # the lists are cached
    sport = Sport.objects.create(name="Kwartelsport", slug="kwartel", ordering=0)
    response = client.post(
        FORM, {**form_data, "name": "Kwartelclub", "kvk_number": "55556666", "sports": [sport.pk]}
    )
    assert response.status_code == 302
    assert Provider.objects.get(kvk_number="55556666").sports.get() == sport

    place = Municipality.objects.get(pk=form_data["municipality"])
    place.active = False
    place.save()
    response = client.post(FORM, {**form_data, "name": "Te laat", "kvk_number": "77778888"})
    assert response.status_code == 400
    assert "Selecteer een geldige keuze" in response.content.decode()
    assert not Provider.objects.filter(kvk_number="77778888").exists()


def test_the_form_page_still_lists_every_choice(client):
    page = client.get(FORM).content.decode()
    form = RegistrationForm()
    assert page.count('name="sports"') == Sport.objects.count()
    assert (
        len(form.fields["municipality"].choices)
        == 1 + Municipality.objects.filter(active=True).count()
    )


def test_a_submission_reads_its_three_lists_in_one_cache_read(form_data, monkeypatch):
    import providers.forms
    import sportloket.forms
    from sportloket.options import reference_options

    calls = []

    def counted(*names):
        calls.append(names)
        return reference_options(*names)

    monkeypatch.setattr(providers.forms, "reference_options", counted)
    monkeypatch.setattr(sportloket.forms, "reference_options", counted)
    sport = Sport.objects.order_by("pk").first()
    form = RegistrationForm({**form_data, "sports": [sport.pk]})
    assert form.is_valid(), form.errors
    assert calls == [("municipalities", "sports", "target_groups")]
    assert [s.pk for s in form.cleaned_data["sports"]] == [sport.pk]
