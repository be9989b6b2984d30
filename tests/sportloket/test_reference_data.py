import pytest

from sportloket.constants import ROLE_GROUP_NAMES, ThemeKind
from sportloket.models import Municipality, QuestionCategory, Sport, TargetGroup, Theme

pytestmark = pytest.mark.django_db


def test_all_342_municipalities_of_2023_are_shipped_with_cbs_code_and_province():
    assert Municipality.objects.count() == 342
    assert Municipality.objects.values("province").distinct().count() == 12
    nuenen = Municipality.objects.get(cbs_code="GM0820")
    assert nuenen.name == "Nuenen, Gerwen en Nederwetten"
    assert nuenen.province == "Noord-Brabant"


def test_the_six_sportakkoord_themes_are_seeded():
    names = set(Theme.objects.filter(kind=ThemeKind.SPORTAKKOORD).values_list("name", flat=True))
    assert names == {
        "Inclusie & diversiteit",
        "Sociaal veilige sport",
        "Vitale sportaanbieders",
        "Vaardig in bewegen",
        "Ruimte voor sport en bewegen",
        "Maatschappelijke waarde van topsport",
    }


def test_question_categories_of_design_section_4_are_seeded_with_their_themes():
    assert QuestionCategory.objects.count() == 10
    safety = QuestionCategory.objects.get(name="Sociale veiligheid")
    assert list(safety.themes.values_list("name", flat=True)) == ["Sociaal veilige sport"]
    assert TargetGroup.objects.filter(name="Mensen met een beperking").exists()
    assert Sport.objects.filter(name="Voetbal").exists()


def test_a_group_exists_for_every_role():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLE_GROUP_NAMES.values())
