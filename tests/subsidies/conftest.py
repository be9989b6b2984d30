import pytest

from subsidies.models import Scheme


@pytest.fixture(autouse=True)
def _no_start_schemes(db):
    """Tests build their own schemes; the start set of the data migration would only blur
    what matches."""
    Scheme.objects.all().delete()


@pytest.fixture(autouse=True)
def _dutch():
    """Messages are asserted in Dutch, whatever an earlier test left active."""
    from django.utils import translation

    with translation.override("nl"):
        yield
