"""An integer ``__in`` list with numbers beyond the column's range finds the rows it can."""

import pytest
from django.db.models import Q

from sportloket.models import TargetGroup

pytestmark = pytest.mark.django_db

BEYOND = (2**63, -(2**63) - 1, int("9" * 30))


def test_numbers_no_id_can_have_match_nothing_and_the_rest_still_match():
    group = TargetGroup.objects.order_by("pk").first()
    assert list(TargetGroup.objects.filter(pk__in=[*BEYOND, group.pk])) == [group]
    assert not TargetGroup.objects.filter(pk__in=BEYOND).exists()


def test_excluding_only_such_numbers_excludes_nothing():
    everything = TargetGroup.objects.count()
    assert TargetGroup.objects.exclude(pk__in=BEYOND).count() == everything
    assert TargetGroup.objects.filter(Q(pk__in=BEYOND) | Q(pk__gt=0)).count() == everything


def test_a_subquery_is_left_to_the_database():
    inner = TargetGroup.objects.filter(pk__in=[2**63]).values("pk")
    assert not TargetGroup.objects.filter(pk__in=inner).exists()
