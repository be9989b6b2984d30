import pytest

from sportloket.constants import OrganisationType
from tests.factories import DeskFactory, OrganisationFactory, StaffProfileFactory


@pytest.fixture
def partner_org(db):
    return OrganisationFactory(
        name="Welzijn West", type=OrganisationType.WELFARE, email="welzijn@example.org"
    )


@pytest.fixture
def desk(db, partner_org):
    desk = DeskFactory(name="Loket Utrecht", partner_organisations=[partner_org])
    return desk


@pytest.fixture
def supporter(desk):
    return StaffProfileFactory(
        club_supporter=True, desk=desk, user__username="sanne", user__first_name="Sanne"
    ).user


@pytest.fixture
def colleague(desk):
    return StaffProfileFactory(club_supporter=True, desk=desk, user__username="collega").user


@pytest.fixture
def partner(desk, partner_org):
    """Staff of the partner organisation, working at another desk."""
    return StaffProfileFactory(
        club_supporter=True, organisation=partner_org, user__username="femke"
    ).user


@pytest.fixture
def coordinator(desk):
    user = StaffProfileFactory(club_supporter=True, desk=desk, user__username="coord").user
    desk.coordinator = user
    desk.save()
    return user
