import pytest

from tests.factories import DeskFactory, StaffProfileFactory, municipality


@pytest.fixture
def utrecht():
    return municipality("GM0344")


@pytest.fixture
def amsterdam():
    return municipality("GM0363")


@pytest.fixture
def form_data(utrecht):
    """A valid submission of the public interest form."""
    return {
        "name": "FitLab Zuilen",
        "kind": "entrepreneur",
        "kvk_number": "87654321",
        "municipality": str(utrecht.pk),
        "postcode": "3553ab",
        "city": "Utrecht",
        "contact_name": "Kim de Boer",
        "email": "kim@fitlab.example",
        "phone": "06 12345678",
        "privacy_consent": "on",
    }


@pytest.fixture
def amsterdam_supporter(db, amsterdam):
    desk = DeskFactory(municipalities=[amsterdam])
    return StaffProfileFactory(club_supporter=True, desk=desk, user__username="amsterdam").user
