import pytest

from sportloket.constants import OrganisationType
from tests.factories import DeskFactory, OrganisationFactory, StaffProfileFactory, municipality


@pytest.fixture
def desk(db):
    return DeskFactory(name="Loket Utrecht", municipalities=[municipality("GM0344")])


@pytest.fixture
def other_desk(db):
    return DeskFactory(name="Loket Amsterdam", municipalities=[municipality("GM0363")])


@pytest.fixture
def supporter(desk):
    return StaffProfileFactory(
        club_supporter=True,
        desk=desk,
        organisation=OrganisationFactory(type=OrganisationType.SPORTBEDRIJF, in_spn=True),
        user__username="sanne",
    ).user


@pytest.fixture
def policy(db):
    return StaffProfileFactory(policy_staff=True, user__username="ahmed").user


@pytest.fixture
def other_policy(db):
    return StaffProfileFactory(
        policy_staff=True, municipality=municipality("GM0363"), user__username="amsterdam"
    ).user


@pytest.fixture
def pos(db):
    return StaffProfileFactory(pos_staff=True, user__username="joost").user
