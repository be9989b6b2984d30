"""factory_boy factories of the core and of providers, shared by every app's tests.

Municipalities and the other reference data come from the data migration; factories pick
existing rows instead of creating fake ones.
"""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from providers.constants import ProviderKind, ProviderSource, ProviderStatus, SafetyStatus
from providers.models import Provider
from sportloket.constants import OrganisationType, Role
from sportloket.models import Desk, DeskPartner, Municipality, Organisation, StaffProfile
from sportloket.services import staff_sync_groups


def municipality(cbs_code: str = "GM0344") -> Municipality:
    """A real municipality from the shipped list (default: Utrecht)."""
    return Municipality.objects.get(cbs_code=cbs_code)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    type = OrganisationType.SPORTBEDRIJF
    municipality = factory.LazyFunction(municipality)


class DeskFactory(DjangoModelFactory):
    class Meta:
        model = Desk
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Sportloket {n}")
    email = factory.Sequence(lambda n: f"loket{n}@example.org")

    @factory.post_generation
    def municipalities(self, create, extracted, **kwargs):
        if create:
            self.municipalities.set(extracted if extracted is not None else [municipality()])

    @factory.post_generation
    def partner_organisations(self, create, extracted, **kwargs):
        for organisation in extracted or []:
            DeskPartner.objects.create(desk=self, organisation=organisation)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Gebruiker {n}")
    password = factory.PostGenerationMethodCall("set_password", "geheim-wachtwoord-123")

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


class StaffProfileFactory(DjangoModelFactory):
    """A staff member; the role is a trait: ``StaffProfileFactory(policy_staff=True)``."""

    class Meta:
        model = StaffProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    role = Role.CLUB_SUPPORTER
    desk = factory.SubFactory(DeskFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    municipality = None

    class Params:
        club_supporter = factory.Trait(role=Role.CLUB_SUPPORTER)
        policy_staff = factory.Trait(
            role=Role.POLICY_STAFF,
            desk=None,
            municipality=factory.LazyFunction(municipality),
            organisation=factory.SubFactory(
                OrganisationFactory, type=OrganisationType.MUNICIPALITY
            ),
        )
        pos_staff = factory.Trait(
            role=Role.POS_STAFF,
            desk=None,
            organisation=factory.SubFactory(
                OrganisationFactory, type=OrganisationType.POS, municipality=None
            ),
        )
        administrator = factory.Trait(role=Role.ADMINISTRATOR, desk=None, organisation=None)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create:
            if self.role == Role.ADMINISTRATOR:
                self.user.is_staff = self.user.is_superuser = True
                self.user.save(update_fields=["is_staff", "is_superuser"])
            staff_sync_groups(profile=self)


class ProviderFactory(DjangoModelFactory):
    """An active provider; traits ``eligible`` (all four basics met) and ``pending``."""

    class Meta:
        model = Provider
        skip_postgeneration_save = True

    kind = ProviderKind.ENTREPRENEUR
    name = factory.Sequence(lambda n: f"Sportaanbieder {n}")
    kvk_number = factory.Sequence(lambda n: f"{10000000 + n}")
    municipality = factory.LazyFunction(municipality)
    postcode = "3511 AB"
    city = "Utrecht"
    contact_name = "Kim de Boer"
    email = factory.Sequence(lambda n: f"aanbieder{n}@example.org")
    status = ProviderStatus.ACTIVE
    source = ProviderSource.STAFF

    class Params:
        eligible = factory.Trait(
            vog_status=SafetyStatus.MET,
            vcp_status=SafetyStatus.MET,
            code_of_conduct_status=SafetyStatus.MET,
            trainer_qualification_status=SafetyStatus.MET,
        )
        pending = factory.Trait(status=ProviderStatus.PENDING)

    @factory.post_generation
    def sports(self, create, extracted, **kwargs):
        if create and extracted:
            self.sports.set(extracted)

    @factory.post_generation
    def target_groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.target_groups.set(extracted)
