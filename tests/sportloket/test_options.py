"""The filter forms' option lists (municipalities, sports, target groups; on the triage board
the question categories and municipalities) come from the cache: a page reads them without a
query, an administrator's change shows on the next page, each user sees only the
municipalities of their scope, and a cache that does not answer costs queries, not the page."""

import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings

from sportloket import options
from sportloket.models import Municipality, QuestionCategory, Sport, TargetGroup
from sportloket.options import reference_options
from sportloket.ratelimit import CACHE_BREAKER
from tests.factories import municipality

pytestmark = pytest.mark.django_db
LIST = "/aanbieders/"
REFERENCE_TABLES = ("sportloket_sport", "sportloket_targetgroup", "sportloket_municipality")


def options_of(response, field: str, *, select_id: str | None = None) -> list[str]:
    """The labels of a filter's ``<select>`` (by name, or by ``id``), in order."""
    html = response.content.decode()
    attribute = f'id="{select_id}"' if select_id else f'name="{field}"'
    select = re.search(rf"<select [^>]*{attribute}[^>]*>(.*?)</select>", html, re.S).group(1)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)[1:]  # without "—"/"all"


def reference_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if any(f'FROM "{t}"' in q["sql"] for t in REFERENCE_TABLES)]


def test_a_second_page_reads_the_lists_without_a_query(
    client, administrator, django_assert_max_num_queries
):
    client.force_login(administrator)
    with django_assert_max_num_queries(12) as first:
        first_page = client.get(LIST)
    assert len(reference_queries(first.captured_queries)) == 3
    with django_assert_max_num_queries(12) as second:
        second_page = client.get(LIST)
    assert reference_queries(second.captured_queries) == []
    assert len(second.captured_queries) == len(first.captured_queries) - 3
    for field in ("municipality", "sport", "target_group"):
        assert options_of(second_page, field) == options_of(first_page, field)
    assert (
        len(options_of(second_page, "municipality"))
        == Municipality.objects.filter(active=True).count()
    )


def test_a_sport_added_renamed_or_removed_shows_on_the_next_page(client, club_supporter):
    client.force_login(club_supporter)
    client.get(LIST)
    sport = Sport.objects.create(name="Kwartelsport", ordering=0)
    assert "Kwartelsport" in options_of(client.get(LIST), "sport")
    sport.name = "Kwartelsport en meer"
    sport.save()
    sports = options_of(client.get(LIST), "sport")
    assert "Kwartelsport en meer" in sports
    assert "Kwartelsport" not in sports
    sport.delete()
    assert "Kwartelsport en meer" not in options_of(client.get(LIST), "sport")


def test_a_target_group_added_shows_on_the_next_page(client, club_supporter):
    client.force_login(club_supporter)
    client.get(LIST)
    TargetGroup.objects.create(name="Mantelzorgers")
    assert "Mantelzorgers" in options_of(client.get(LIST), "target_group")


def test_a_merged_municipality_leaves_the_list(client, club_supporter):
    client.force_login(club_supporter)
    assert "Utrecht" in options_of(client.get(LIST), "municipality")
    utrecht = municipality()
    utrecht.active = False
    utrecht.save()
    assert "Utrecht" not in options_of(client.get(LIST), "municipality")


def test_the_change_is_dropped_again_at_commit(django_capture_on_commit_callbacks):
    """Another request may read the old rows into the cache between the save and the commit:
    the commit drops the lists once more."""
    before = reference_options("sports")["sports"]
    with django_capture_on_commit_callbacks(execute=True):
        Sport.objects.create(name="Kwartelboules", ordering=0)
        cache.set(options._key("sports"), before)  # the other request's read, before the commit
    assert "Kwartelboules" in [label for _, label in reference_options("sports")["sports"]]


def test_a_migration_drops_the_lists():
    """A data migration writes without signals; the migrate command ends by dropping them."""
    reference_options("sports", "target_groups", "municipalities")
    sport = Sport.objects.order_by("pk").first()
    Sport.objects.filter(pk=sport.pk).update(name="Kwartelsport hernoemd")  # no signal
    assert (sport.pk, sport.name) in reference_options("sports")["sports"]  # still cached
    call_command("migrate", verbosity=0, interactive=False)
    assert (sport.pk, "Kwartelsport hernoemd") in reference_options("sports")["sports"]


def test_each_user_sees_only_the_municipalities_of_their_scope(
    client, administrator, club_supporter, policy_staff
):
    """One cached list of every municipality, cut to each user's scope."""
    client.force_login(administrator)
    assert len(options_of(client.get(LIST), "municipality")) == 342
    desk = club_supporter.staff_profile.desk
    desk.municipalities.set([municipality("GM0344"), municipality("GM0363")])
    client.force_login(club_supporter)
    assert options_of(client.get(LIST), "municipality") == ["Amsterdam", "Utrecht"]
    client.force_login(policy_staff)
    assert options_of(client.get(LIST), "municipality") == ["Utrecht"]


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Nothing listens on port 1: every call is refused at once.
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
    }
)
def test_a_cache_that_does_not_answer_costs_queries_not_the_page(db):
    try:
        lists = reference_options("sports", "municipalities")
        assert CACHE_BREAKER.is_open()
        assert [label for _, label in lists["sports"]] == list(
            Sport.objects.values_list("name", flat=True)
        )
        assert len(lists["municipalities"]) == Municipality.objects.filter(active=True).count()
        # While the breaker is open the cache is not asked: the lists come from the database.
        Sport.objects.create(name="Kwartelklimmen", ordering=0)  # its receiver cannot drop anything
        assert "Kwartelklimmen" in [label for _, label in reference_options("sports")["sports"]]
    finally:
        CACHE_BREAKER.reset()


# --- The triage board: question categories and the desk's municipalities ----------------------

BOARD = "/loket/hulpvragen/"


def bulk(client, question, **action):
    """Apply a bulk action of the board to ``question``; the question as it is afterwards."""
    from meetings.models import SupportRequest

    response = client.post(f"{BOARD}bulk/", {"ids": [question.pk], **action})
    assert response.status_code == 302
    return SupportRequest.objects.get(pk=question.pk)


BOARD_TABLES = ("sportloket_questioncategory", "sportloket_municipality")


def test_a_second_board_page_reads_categories_and_municipalities_without_a_query(
    client, club_supporter, django_assert_max_num_queries
):
    client.force_login(club_supporter)
    first_page = client.get(BOARD)
    with django_assert_max_num_queries(12) as second:
        second_page = client.get(BOARD)
    assert not [
        q["sql"]
        for q in second.captured_queries
        if any(f'FROM "{t}"' in q["sql"] for t in BOARD_TABLES)
    ]
    assert options_of(second_page, "category") == options_of(first_page, "category")
    assert options_of(second_page, "category") == list(
        QuestionCategory.objects.values_list("name", flat=True)
    )
    assert options_of(second_page, "municipality") == ["Utrecht"]
    # The bulk action's category list, from the same options.
    assert options_of(second_page, "", select_id="bulk-category") == options_of(
        second_page, "category"
    )


def test_a_category_added_or_renamed_shows_on_the_next_board_page(client, club_supporter):
    client.force_login(club_supporter)
    client.get(BOARD)
    category = QuestionCategory.objects.create(name="Kwartelvragen", slug="kwartel")
    assert "Kwartelvragen" in options_of(client.get(BOARD), "category")
    category.name = "Vragen over kwartels"
    category.save()
    categories = options_of(client.get(BOARD), "category")
    assert "Vragen over kwartels" in categories
    assert "Kwartelvragen" not in categories


def test_a_merged_municipality_stays_on_the_board_of_its_desk(client, club_supporter):
    """Its questions stay on the board: unlike the registry's list of where providers can be
    registered, the board's filter keeps a municipality that is no longer active."""
    client.force_login(club_supporter)
    client.get(BOARD)
    utrecht = municipality()
    utrecht.active = False
    utrecht.save()
    assert options_of(client.get(BOARD), "municipality") == ["Utrecht"]


def test_a_category_from_the_cached_list_is_set_by_the_bulk_action(client, club_supporter):
    """The bulk action assigns the category it got from the cached list (an instance with only
    its pk and name): the question gets that category and its history names it."""
    from meetings.support.constants import EventKind
    from tests.meetings.factories import SupportRequestFactory

    client.force_login(club_supporter)
    desk = club_supporter.staff_profile.desk
    question = SupportRequestFactory(desk=desk, municipality=municipality())
    category = QuestionCategory.objects.exclude(pk=question.category_id).first()
    client.get(BOARD)  # the lists are cached
    question = bulk(client, question, action="category", category=category.pk)
    assert question.category == category
    event = question.events.get(kind=EventKind.CATEGORY)
    assert event.data["to"] == category.name


# --- The desk's own lists: partner organisations and club supporters --------------------------


def board_lists(client) -> tuple[list[str], list[str]]:
    """(the organisation filter's labels, the bulk action's colleagues) of the board."""
    page = client.get(BOARD)
    return options_of(page, "organisation"), options_of(page, "", select_id="bulk-assignee")


def test_a_second_board_page_reads_the_desk_s_lists_without_a_query(
    client, club_supporter, django_assert_max_num_queries
):
    from tests.factories import OrganisationFactory

    desk = club_supporter.staff_profile.desk
    desk.partners.add(OrganisationFactory(name="Buurtsportcoaches Noord"))
    client.force_login(club_supporter)
    first = board_lists(client)
    with django_assert_max_num_queries(12) as second_queries:
        second = board_lists(client)
    assert second == first
    assert first[0] == ["Buurtsportcoaches Noord"]
    assert first[1] == [club_supporter.get_full_name() or club_supporter.username]
    sql = [q["sql"] for q in second_queries.captured_queries]
    assert not [q for q in sql if 'FROM "sportloket_organisation"' in q]
    assert not [q for q in sql if "sportloket_staffprofile" in q and "ORDER BY" in q]


def test_a_colleague_who_joins_is_renamed_leaves_or_moves_shows_on_the_next_page(
    client, club_supporter
):
    from tests.factories import DeskFactory, StaffProfileFactory

    desk = club_supporter.staff_profile.desk
    client.force_login(club_supporter)
    board_lists(client)
    colleague = StaffProfileFactory(desk=desk, user__first_name="Noor", user__last_name="Bakker")
    assert "Noor Bakker" in board_lists(client)[1]
    user = colleague.user
    user.last_name = "de Wit"
    user.save()
    assert "Noor de Wit" in board_lists(client)[1]
    user.is_active = False
    user.save()
    assert "Noor de Wit" not in board_lists(client)[1]
    user.is_active = True
    user.save()
    assert "Noor de Wit" in board_lists(client)[1]

    other = DeskFactory()
    mover = StaffProfileFactory(desk=other, user__username="mover")
    client.force_login(mover.user)
    assert "Noor de Wit" not in board_lists(client)[1]  # the other desk's lists, cached
    colleague.desk = other
    colleague.save()
    assert "Noor de Wit" in board_lists(client)[1]
    client.force_login(club_supporter)
    assert "Noor de Wit" not in board_lists(client)[1]


def test_a_login_keeps_the_desk_s_lists(client, club_supporter):
    """A login writes only ``last_login``: nothing the lists show."""
    from django.contrib.auth.models import update_last_login

    desk_id = club_supporter.staff_profile.desk_id
    options.desk_options(desk_id)
    update_last_login(None, club_supporter)  # what a login does to the user
    assert cache.get(options._desk_key(desk_id)) is not None
    club_supporter.first_name = "Anders"
    club_supporter.save()
    assert cache.get(options._desk_key(desk_id)) is None


def test_a_partner_added_renamed_or_removed_shows_on_the_next_page(client, club_supporter):
    from sportloket.models import DeskPartner
    from tests.factories import OrganisationFactory

    desk = club_supporter.staff_profile.desk
    client.force_login(club_supporter)
    assert board_lists(client)[0] == []
    welzijn = OrganisationFactory(name="Welzijn Oost")
    link = DeskPartner.objects.create(desk=desk, organisation=welzijn)
    assert board_lists(client)[0] == ["Welzijn Oost"]
    welzijn.name = "Welzijn Oost-Utrecht"
    welzijn.save()
    assert board_lists(client)[0] == ["Welzijn Oost-Utrecht"]
    link.delete()
    assert board_lists(client)[0] == []

    desk.partners.add(welzijn)  # through the relation: no save of a link
    assert board_lists(client)[0] == ["Welzijn Oost-Utrecht"]
    desk.partners.remove(welzijn)
    assert board_lists(client)[0] == []
    welzijn.desks.add(desk)  # from the organisation's side
    assert board_lists(client)[0] == ["Welzijn Oost-Utrecht"]
    welzijn.desks.clear()
    assert board_lists(client)[0] == []


def test_a_colleague_from_the_cached_list_is_assigned_by_the_bulk_action(client, club_supporter):
    """The bulk action assigns the colleague it got from the cached list (an instance with
    only its names loaded): the question is theirs and its history names them."""
    from meetings.support.constants import EventKind
    from tests.factories import StaffProfileFactory
    from tests.meetings.factories import SupportRequestFactory

    desk = club_supporter.staff_profile.desk
    colleague = StaffProfileFactory(
        desk=desk, user__first_name="Sanne", user__last_name="Dekker"
    ).user
    question = SupportRequestFactory(desk=desk, municipality=municipality())
    client.force_login(club_supporter)
    board_lists(client)  # the lists are cached
    question = bulk(client, question, action="assign", assignee=colleague.pk)
    assert question.assignee == colleague
    assert question.events.get(kind=EventKind.ASSIGNMENT).data["to"] == "Sanne Dekker"


def test_a_migration_drops_the_desk_s_lists(club_supporter):
    desk_id = club_supporter.staff_profile.desk_id
    options.desk_options(desk_id)
    type(club_supporter).objects.filter(pk=club_supporter.pk).update(first_name="Kwartel")
    assert options.desk_options(desk_id)["staff"][0][1] != "Kwartel"  # still cached
    call_command("migrate", verbosity=0, interactive=False)
    assert options.desk_options(desk_id)["staff"][0][1] == "Kwartel"
