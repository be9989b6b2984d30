"""The one place that maps a refusal to a response: ``ServiceFormView``.

A small view over a real model (``Sport``) and a service that refuses with ``DomainError``
exercises the base on its own; the desk's board row and the budget decision show it in place.
"""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.test import RequestFactory

from sportloket.formviews import ServiceFormView
from sportloket.models import Sport
from sportloket.services import DomainError

REFUSAL = "Deze sport staat al in de lijst."


class TakenName(DomainError):
    """A refusal that belongs at the name field."""


def sport_add(*, name: str) -> Sport:
    if name == "quidditch":
        raise DomainError("Quidditch is geen sport die het loket ondersteunt.")
    if Sport.objects.filter(name__iexact=name).exists():
        raise TakenName(REFUSAL)
    return Sport.objects.create(name=name, slug=name.lower())


class SportForm(forms.Form):
    name = forms.CharField(max_length=100)


class SportAddView(ServiceFormView):
    form_class = SportForm
    template_name = "bootstrap5/errors.html"
    htmx_template_name = "bootstrap5/errors.html"
    success_url = "/sporten/"
    success_message = "Sport toegevoegd."
    error_fields = {TakenName: "name"}

    def perform(self, form):
        return sport_add(name=form.cleaned_data["name"])


def post(data: dict, **headers):
    request = RequestFactory().post("/sporten/nieuw/", data, headers=headers)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    response = SportAddView.as_view()(request)
    if hasattr(response, "render"):
        response.render()
    return request, response


@pytest.mark.django_db
def test_a_valid_form_calls_the_service_and_redirects_with_the_success_message():
    request, response = post({"name": "Testbal"})
    assert response.status_code == 302
    assert response["Location"] == "/sporten/"
    assert [str(m) for m in get_messages(request)] == ["Sport toegevoegd."]
    assert Sport.objects.filter(name="Testbal").exists()


@pytest.mark.django_db
def test_an_invalid_form_is_the_page_again_with_status_400_and_no_service_call():
    count = Sport.objects.count()
    _request, response = post({"name": ""})
    assert response.status_code == 400
    assert response.context_data["form"].errors["name"]
    assert Sport.objects.count() == count


@pytest.mark.django_db
def test_a_domain_error_is_the_page_again_with_its_message_announced_and_status_400():
    count = Sport.objects.count()
    request, response = post({"name": "quidditch"})
    assert response.status_code == 400
    form = response.context_data["form"]
    assert form.non_field_errors() == ["Quidditch is geen sport die het loket ondersteunt."]
    content = response.content.decode()
    assert 'role="alert"' in content
    assert "Quidditch is geen sport die het loket ondersteunt." in content
    assert list(get_messages(request)) == []
    assert Sport.objects.count() == count


@pytest.mark.django_db
def test_a_refusal_named_for_a_field_is_shown_at_that_field():
    Sport.objects.create(name="Testbal", slug="testbal")
    _request, response = post({"name": "testbal"})
    assert response.status_code == 400
    form = response.context_data["form"]
    assert form.errors["name"] == [REFUSAL]
    assert form.non_field_errors() == []
    assert Sport.objects.filter(name__iexact="testbal").count() == 1


@pytest.mark.django_db
def test_htmx_gets_the_fragment_with_the_message_and_status_400():
    _request, response = post({"name": "quidditch"}, HX_Request="true")
    assert response.status_code == 400
    assert response.template_name == ["bootstrap5/errors.html"]
    assert "HX-Request" in response["Vary"]
    assert "Quidditch is geen sport" in response.content.decode()


def test_a_view_without_perform_cannot_be_used():
    class Incomplete(ServiceFormView):
        form_class = SportForm
        template_name = "bootstrap5/errors.html"

    with pytest.raises(TypeError, match="perform"):
        Incomplete()


def test_base_html_lets_htmx_swap_a_400_response():
    """htmx 2 does not swap 4xx answers by default; the refusal fragment must be shown."""
    from pathlib import Path

    from django.conf import settings

    base = (Path(settings.BASE_DIR) / "templates" / "base.html").read_text()
    assert '{"code": "400", "swap": true}' in base
