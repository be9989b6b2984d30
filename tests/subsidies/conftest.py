import pytest

from subsidies.models import Scheme


@pytest.fixture(autouse=True)
def _no_start_schemes(db):
    """Tests build their own schemes; the start set of the data migration would only blur
    what matches."""
    Scheme.objects.all().delete()
