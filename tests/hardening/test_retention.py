"""Retention: the nightly sweep deletes or anonymises what has passed its period per record
type, and a scan of every text column of every model finds no leftover personal data of an
erased or expired person.

Every rule has a boundary case (one day before / after its period), generated from
``RULES``: a new rule without a case fails ``test_every_rule_has_a_boundary_case``. Every model
of our apps must be in ``INVENTORY``: a new model fails ``test_every_model_is_in_the_inventory``
until someone decided what happens to its personal data.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models
from django.db.models.functions import Upper
from django.test.utils import CaptureQueriesContext, isolate_apps, override_settings
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from meetings.models import (
    Agreement,
    Attendee,
    ContactMoment,
    Handover,
    PortalContact,
    PortalSignInLink,
    SafetyClaim,
    SupportRequest,
    SupportRequestEvent,
)
from meetings.programme.constants import MeetingStatus
from meetings.programme.guideline import guidelines_for
from meetings.support import services as desk_services
from meetings.support.constants import Channel, ContactChannel, EventKind, SupportStatus
from poskantoor.constants import NoticeKind, OfficeStatus
from poskantoor.models import DeadlineNotice, InterestRegistration, PosOffice
from providers import retention as provider_retention
from providers.constants import (
    PERSONAL_FIELDS,
    ImportJobStatus,
    ImportMode,
    ProviderSource,
    ProviderStatus,
)
from providers.models import Provider, ProviderImport, ProviderImportRow
from providers.services import provider_erase_personal_data, provider_register
from reports.selectors import desk_dashboard, pos_dashboard, questions_per_municipality
from sportloket.constants import EmailStatus
from sportloket.models import AuditEvent, Municipality, OutgoingEmail, QuestionCategory
from sportloket.retention import (
    INVENTORY,
    RULES,
    personal_data_leftovers,
    retention_sweep,
    text_fields,
)
from sportloket.services import audit_record
from sportloket.tasks import retention_sweep_task
from tests.conftest import wait_until
from tests.factories import (
    DeskFactory,
    OrganisationFactory,
    ProviderFactory,
    StaffProfileFactory,
    UserFactory,
    municipality,
)
from tests.meetings.factories import MeetingFactory, SupportRequestFactory
from tests.poskantoor.factories import CoreGroupMemberFactory, make_office

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
OUR_APPS = ("sportloket", "providers", "poskantoor", "meetings", "subsidies")
RULE_NAMES = [rule.name for rule in RULES]


def period(rule_name: str) -> int:
    rule = next(r for r in RULES if r.name == rule_name)
    return 0 if rule.period is None else settings.SPORTLOKET_RETENTION_DAYS[rule.period]


def _set(obj: models.Model, **fields) -> models.Model:
    """Write fields straight to the row (auto_now and append-only saves stay out of the way)."""
    type(obj)._base_manager.filter(pk=obj.pk).update(**fields)
    return type(obj)._base_manager.get(pk=obj.pk)


# --- What holds personal data ------------------------------------------------------------------


def test_every_model_is_in_the_inventory():
    """A new model of our apps must say what happens to its personal data (even "none")."""
    ours = {m._meta.label for m in apps.get_models() if m._meta.app_label in OUR_APPS}
    assert ours - set(INVENTORY) == set(), "models without a retention decision"
    registered = {m._meta.label for m in apps.get_models()}
    assert set(INVENTORY) - registered == set(), "inventory entries for unknown models"
    for label, holding in INVENTORY.items():
        model = apps.get_model(label)
        for name in holding.fields:
            model._meta.get_field(name)  # raises for a field that does not exist


def test_every_email_and_phone_field_is_declared_personal():
    """An address or phone number added to any model is personal data by definition."""
    undeclared = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS
        for field in model._meta.concrete_fields
        if isinstance(field, models.EmailField | PhoneNumberField)
        and field.name not in INVENTORY[model._meta.label].fields
    ]
    assert undeclared == []


def test_every_rule_has_a_period_and_is_in_the_inventory():
    assert len(set(RULE_NAMES)) == len(RULE_NAMES)
    for rule in RULES:
        assert rule.period is None or rule.period in settings.SPORTLOKET_RETENTION_DAYS
        assert rule.name in INVENTORY[rule.model].rules
    named = {n for holding in INVENTORY.values() for n in holding.rules}
    assert named == set(RULE_NAMES)


def test_the_core_knows_the_providers_personal_fields():
    assert provider_retention.PROVIDER_PERSONAL_FIELDS == PERSONAL_FIELDS


# --- Each rule at its boundary -------------------------------------------------------------------


@dataclass
class Case:
    """``make(now, age_days)`` makes a record whose retention clock started ``age_days`` ago;
    ``done(obj)`` says whether the sweep deleted or anonymised it."""

    make: Callable[[dt.datetime, int], models.Model]
    done: Callable[[models.Model], bool]


def _gone(obj: models.Model) -> bool:
    return not type(obj)._base_manager.filter(pk=obj.pk).exists()


def _fresh(obj: models.Model) -> models.Model:
    return type(obj)._base_manager.get(pk=obj.pk)


def _ago(now: dt.datetime, days: int) -> dt.datetime:
    return now - days * DAY


def _day_ago(now: dt.datetime, days: int) -> dt.date:
    return timezone.localtime(now).date() - days * DAY


_seq = iter(range(10**6))


def _email(status=EmailStatus.SENT, **fields) -> OutgoingEmail:
    email = OutgoingEmail.objects.create(
        key=f"test:{next(_seq)}",
        to=["henk@example.org"],
        subject="Uw vraag",
        body="Beste Henk",
        status=status,
    )
    return _set(email, **fields)


def _axes(model, now, days):
    fields = {"username": "henk", "ip_address": "10.0.0.1", "user_agent": f"x{next(_seq)}"}
    fields.update(http_accept="", path_info="/")
    if model is AccessAttempt:
        fields.update(get_data="", post_data="", failures_since_start=1)
    return _set(model.objects.create(**fields), attempt_time=_ago(now, days))


def _closed_question(now, days):
    request = SupportRequestFactory(status=SupportStatus.CLOSED, requester_name="Henk Jansen")
    SupportRequestEvent.objects.create(
        support_request=request, kind=EventKind.CREATED, text="Hoe?", public=True
    )
    closing = SupportRequestEvent.objects.create(
        support_request=request, kind=EventKind.STATUS, data={"to": "closed"}, public=True
    )
    SupportRequestEvent.objects.filter(pk=closing.pk).update(at=_ago(now, days))
    return _set(request, created_at=_ago(now, days + 20))


def _office(**kwargs) -> PosOffice:
    """An office in a municipality that has none yet (one active office per municipality)."""
    free = Municipality.objects.filter(pos_offices__isnull=True).order_by("pk").first()
    return make_office(free.cbs_code, **kwargs)


def _office_with_notice(now, days):
    office = _office()
    notice = DeadlineNotice.objects.create(
        step=office.steps.order_by("pk").last(),
        kind=NoticeKind.REMINDER,
        claim="x",
        created_at=now,
        recipients="pos@example.org",
    )
    return _set(notice, emailed_at=_ago(now, days))


def _attendee(now, days):
    meeting = MeetingFactory(
        desk=DeskFactory(), starts_at=_ago(now, days) - 2 * dt.timedelta(hours=1)
    )
    meeting = _set(meeting, ends_at=_ago(now, days))
    return Attendee.objects.create(meeting=meeting, name="Henk Jansen", email="henk@example.org")


def _agreement(now, days):
    meeting = MeetingFactory(desk=DeskFactory())
    return Agreement.objects.create(
        meeting=meeting,
        description="Zwemles",
        owner_name="Henk Jansen",
        owner_email="henk@example.org",
        due_on=_day_ago(now, days + 30),
        done_on=_day_ago(now, days),
    )


def _audit(now, days, action="provider.update"):
    provider = ProviderFactory()
    event = audit_record(
        subject=provider, actor=None, action=action, summary="Henk", changes={"a": ["1", "2"]}
    )
    return _set(event, at=_ago(now, days))


def _log_entry(now, days):
    entry = LogEntry.objects.create(
        user=UserFactory(),
        content_type=ContentType.objects.get_for_model(Provider),
        object_id="1",
        object_repr="Henk Jansen",
        action_flag=ADDITION,
    )
    return _set(entry, action_time=_ago(now, days))


def _import_job(now, days):
    job = ProviderImport(
        mode=ImportMode.APPLY,
        file_name="aanbieders.csv",
        status=ImportJobStatus.DONE,
        finished_at=_ago(now, days),
    )
    job.file.save("aanbieders.csv", ContentFile(b"naam;e-mail\nHenk Jansen;henk@example.org\n"))
    job.report.save("rapport.csv", ContentFile(b"Henk Jansen;aangemaakt\n"))
    ProviderImportRow.objects.create(job=job, line=2, name="Henk Jansen")
    return job


def _import_job_gone(job) -> bool:
    return (
        _gone(job)
        and not ProviderImportRow.objects.filter(job_id=job.pk).exists()
        and not default_storage.exists(job.file.name)
        and not default_storage.exists(job.report.name)
    )


def _safety_claim(*, erased: bool = False, decided_at: dt.datetime | None = None) -> SafetyClaim:
    """Evidence with a file: pending, or checked (rejected with a reason) at ``decided_at``."""
    claim = SafetyClaim(
        provider=ProviderFactory(erased_at=timezone.now() if erased else None),
        basic="vog",
        file_name="VOG Henk Jansen.pdf",
    )
    if decided_at is not None:
        claim.state, claim.decided_at, claim.reason = "rejected", decided_at, "Henk onleesbaar"
    claim.file.save("bewijs.pdf", ContentFile(b"%PDF-1.4 Henk Jansen"))
    return claim


def _safety_claim_gone(claim) -> bool:
    return _gone(claim) and not default_storage.exists(claim.file.name)


CASES: dict[str, Case] = {
    "outbox_content": Case(
        lambda now, d: _email(sent_at=_ago(now, d)), lambda e: _fresh(e).body == ""
    ),
    "outbox": Case(lambda now, d: _email(created_at=_ago(now, d), sent_at=now), _gone),
    "login_attempts": Case(lambda now, d: _axes(AccessAttempt, now, d), _gone),
    "login_log": Case(lambda now, d: _axes(AccessLog, now, d), _gone),
    "login_failures": Case(lambda now, d: _axes(AccessFailureLog, now, d), _gone),
    "sessions": Case(
        lambda now, d: Session.objects.create(
            session_key=f"s{next(_seq)}", session_data="x", expire_date=_ago(now, d)
        ),
        _gone,
    ),
    "unconfirmed_providers": Case(
        lambda now, d: _set(ProviderFactory(pending=True), created_at=_ago(now, d)),
        lambda p: _fresh(p).erased_at is not None and _fresh(p).email == "",
    ),
    "inactive_providers": Case(
        lambda now, d: _set(
            ProviderFactory(status=ProviderStatus.INACTIVE), updated_at=_ago(now, d)
        ),
        lambda p: _fresh(p).erased_at is not None and _fresh(p).contact_name == "",
    ),
    "unconfirmed_pos_interest": Case(
        lambda now, d: _set(
            InterestRegistration.objects.create(
                municipality=municipality(),
                organisation_name="Gemeente",
                contact_name="Henk Jansen",
                email="henk@example.org",
                privacy_consent_at=now,
            ),
            created_at=_ago(now, d),
        ),
        _gone,
    ),
    "pos_interest": Case(
        lambda now, d: InterestRegistration.objects.create(
            municipality=municipality(),
            organisation_name="Gemeente",
            contact_name="Henk Jansen",
            email="henk@example.org",
            phone="0612345678",
            message="Bel me",
            privacy_consent_at=now,
            confirmed_at=_ago(now, d),
        ),
        lambda r: _fresh(r).email == "" and _fresh(r).phone == "",
    ),
    "stopped_pos_offices": Case(
        lambda now, d: _office(
            status=OfficeStatus.STOPPED,
            stopped_on=_day_ago(now, d),
            contact_name="Henk Jansen",
        ),
        lambda o: _fresh(o).contact_email == "" and _fresh(o).contact_name == "",
    ),
    "deadline_notice_recipients": Case(_office_with_notice, lambda n: _fresh(n).recipients == ""),
    "core_group_members": Case(
        lambda now, d: CoreGroupMemberFactory(
            office=_office(),
            email="henk@example.org",
            committed_from=_day_ago(now, d + 400),
            committed_until=_day_ago(now, d),
        ),
        lambda m: _fresh(m).email == "",
    ),
    "closed_support_requests": Case(_closed_question, lambda r: _fresh(r).question == ""),
    "contact_moments": Case(
        lambda now, d: ContactMoment.objects.create(
            provider=ProviderFactory(),
            desk=DeskFactory(),
            date=_day_ago(now, d),
            channel=ContactChannel.PHONE,
            summary="Gesproken met Henk",
        ),
        lambda m: _fresh(m).summary == "",
    ),
    "contact_moment_audit": Case(
        lambda now, d: _audit(now, d, action="contact_moment.create"),
        lambda e: _fresh(e).summary == "",
    ),
    "meeting_attendees": Case(_attendee, lambda a: _fresh(a).email == ""),
    "agreements": Case(_agreement, lambda a: _fresh(a).owner_email == ""),
    "audit_details": Case(_audit, lambda e: _fresh(e).summary == "" and _fresh(e).changes == {}),
    "audit_events": Case(_audit, _gone),
    "admin_log": Case(_log_entry, _gone),
    "import_jobs": Case(_import_job, _import_job_gone),
    # Due now (no period): an expired sign-in link, a contact of an erased provider.
    "portal_sign_in_links": Case(
        lambda now, d: PortalSignInLink.objects.create(
            email="henk@example.org", expires_at=_ago(now, d)
        ),
        _gone,
    ),
    "safety_claims": Case(
        lambda now, d: _safety_claim(decided_at=_ago(now, d)), _safety_claim_gone
    ),
    "safety_claims_of_erased_providers": Case(
        lambda now, d: _safety_claim(erased=d > 0), _safety_claim_gone
    ),
    "portal_contacts_of_erased_providers": Case(
        lambda now, d: PortalContact.objects.create(
            provider=ProviderFactory(erased_at=now if d > 0 else None),
            email="henk@example.org",
        ),
        _gone,
    ),
}


def test_every_rule_has_a_boundary_case():
    assert set(CASES) == set(RULE_NAMES)


@pytest.mark.parametrize("rule_name", RULE_NAMES)
def test_a_record_is_done_one_day_after_its_period_and_kept_one_day_before(rule_name):
    now = timezone.now()
    case = CASES[rule_name]
    expired = case.make(now, period(rule_name) + 1)
    kept = case.make(now, period(rule_name) - 1)

    done = retention_sweep(now=now)

    assert done[rule_name] >= 1
    assert case.done(expired), f"{rule_name}: the expired record was not handled"
    assert not case.done(kept), f"{rule_name}: a record within its period was handled"


def test_a_question_that_is_still_open_is_never_anonymised():
    now = timezone.now()
    request = _closed_question(now, 10_000)
    SupportRequest.objects.filter(pk=request.pk).update(
        status=SupportStatus.TRIAGED, is_open=True, clock_running=True
    )
    retention_sweep(now=now)
    assert _fresh(request).question != ""


def test_an_unsent_email_keeps_its_content_however_old():
    now = timezone.now()
    pending = _email(status=EmailStatus.PENDING, created_at=_ago(now, 5000))
    retention_sweep(now=now)
    assert _fresh(pending).body == "Beste Henk"


# --- Every rule at once: idempotent, audited, constant queries ---------------------------------


def _expired_world(now: dt.datetime, copies: int = 1) -> list[tuple[str, models.Model]]:
    return [
        (name, case.make(now, period(name) + 1))
        for name, case in CASES.items()
        for _ in range(copies)
    ]


def _rows() -> dict[str, list]:
    return {
        m._meta.label: sorted(map(repr, m._base_manager.values_list()))
        for m in apps.get_models()
        if m._meta.app_label in (*OUR_APPS, "axes", "sessions", "admin")
    }


def test_a_second_run_does_nothing_and_only_counts_are_audited():
    now = timezone.now()
    _expired_world(now)

    first = retention_sweep(now=now)
    assert all(first[name] >= 1 for name in RULE_NAMES), first
    sweep_events = AuditEvent.objects.filter(action="retention.sweep")
    assert sweep_events.count() == 1
    recorded = sweep_events.get()
    assert recorded.changes == {k: v for k, v in first.items() if v}
    assert "henk" not in (str(recorded.changes) + recorded.summary).lower()
    after_first = _rows()

    assert retention_sweep(now=now) == dict.fromkeys(RULE_NAMES, 0)
    assert _rows() == after_first  # nothing changed, not even a second audit event


def _queries_of_a_sweep(now: dt.datetime) -> int:
    with CaptureQueriesContext(connection) as queries:
        retention_sweep(now=now)
    return len(queries)


def test_the_sweep_runs_the_same_number_of_queries_for_2_or_12_records_per_rule():
    now = timezone.now()
    retention_sweep(now=now)  # warm the content-type cache
    _expired_world(now, copies=2)
    small = _queries_of_a_sweep(now)
    _expired_world(now, copies=12)
    large = _queries_of_a_sweep(now)
    assert small == large
    assert _queries_of_a_sweep(now) < small  # and nothing left: only the selects


@override_settings(SPORTLOKET_RETENTION_BATCH_SIZE=5, SPORTLOKET_RETENTION_MAX_BATCHES=2)
def test_work_goes_in_batches_and_a_backlog_waits_for_the_next_run():
    now = timezone.now()
    expired = [CASES["contact_moments"].make(now, 1000) for _ in range(13)]
    assert retention_sweep(now=now)["contact_moments"] == 10  # 2 batches of 5
    assert retention_sweep(now=now)["contact_moments"] == 3
    assert all(CASES["contact_moments"].done(m) for m in expired)


def test_the_sweep_starts_no_batch_after_its_time_budget(settings):
    now = timezone.now()
    moment = CASES["contact_moments"].make(now, 1000)
    settings.SPORTLOKET_RETENTION_TIME_BUDGET = 0
    assert sum(retention_sweep(now=now).values()) == 0
    settings.SPORTLOKET_RETENTION_TIME_BUDGET = 50
    assert retention_sweep(now=now)["contact_moments"] == 1
    assert CASES["contact_moments"].done(moment)


# --- Dashboards count the same after anonymisation ---------------------------------------------


def _figures(desk, office, year: int, today: dt.date):
    board = desk_dashboard(desk=desk)
    guideline = guidelines_for([office], year=year)[office.pk]
    pos = pos_dashboard(province="", year=year, today=today)
    return {
        "desk": (
            board.per_status,
            board.per_category,
            board.per_week,
            board.first_response_hours,
            board.first_responses,
            board.handovers,
            board.providers,
            board.contacted,
            [(s.key, s.met, s.in_progress, s.not_met) for s in board.safety],
            [(r.theme.pk, r.current, r.previous) for r in board.rising],
        ),
        "monitor": questions_per_municipality(year=year),
        "guideline": repr(guideline),
        "pos": repr(pos),
    }


def test_dashboards_and_rollups_count_the_same_after_anonymisation(settings):
    """Everything anonymisable is anonymised at once (periods of zero days): the desk
    dashboard, its rollup, the monitoring figures, the POS guideline and dashboard agree."""
    now = timezone.now()
    today = timezone.localdate()
    partner = OrganisationFactory(name="Welzijn")
    desk = DeskFactory(partner_organisations=[partner])
    supporter = StaffProfileFactory(club_supporter=True, desk=desk).user
    helper = StaffProfileFactory(club_supporter=True, organisation=partner).user
    categories = list(QuestionCategory.objects.all()[:3])
    for i in range(6):
        request = desk_services.support_request_create(
            desk=desk,
            provider=ProviderFactory(),
            subject=f"Vraag van Henk {i}",
            question="Henk vraagt iets",
            channel=Channel.EMAIL,
            category=categories[i % 3],
            requester_name="Henk Jansen",
            requester_email=f"henk{i}@example.org",
        )
        desk_services.support_request_message(
            request=request, text="Dag Henk", by=supporter, public=True
        )
        if i % 2:
            handover = desk_services.handover_create(
                request=request, organisation=partner, note="Voor Henk", by=supporter
            )
            desk_services.handover_accept(handover=handover, by=helper)
        desk_services.support_request_transition(
            request=request, to=SupportStatus.RESOLVED, by=supporter
        )
        desk_services.contact_moment_record(
            provider=request.provider,
            desk=desk,
            staff=supporter,
            date=today - i * DAY,
            channel=ContactChannel.PHONE,
            summary="Henk gebeld",
        )
    office = make_office("GM0344")
    meeting = MeetingFactory(office=office, status=MeetingStatus.HELD, starts_at=now - 2 * DAY)
    for i in range(3):
        Attendee.objects.create(
            meeting=meeting,
            name=f"Henk {i}",
            email=f"h{i}@example.org",
            provider=ProviderFactory(),
            present=True,
        )
    CoreGroupMemberFactory(office=office, committed_until=today - DAY)
    desk_services.desk_stats_refresh(desk=desk)
    before = _figures(desk, office, today.year, today)

    settings.SPORTLOKET_RETENTION_DAYS = dict.fromkeys(settings.SPORTLOKET_RETENTION_DAYS, 0)
    done = retention_sweep(now=timezone.now() + dt.timedelta(seconds=1))
    assert done["closed_support_requests"] == 6
    assert done["contact_moments"] >= 5
    assert done["meeting_attendees"] == 3
    assert done["core_group_members"] == 1
    desk_services.desk_stats_refresh(desk=desk)

    assert _figures(desk, office, today.year, today) == before
    assert not SupportRequest.objects.exclude(question="").exists()


# --- The task ----------------------------------------------------------------------------------


def test_the_sweep_is_a_nightly_task_and_runs_eagerly():
    entry = settings.CELERY_BEAT_SCHEDULE["sportloket-retention-sweep"]
    assert entry["task"] == retention_sweep_task.name
    moment = CASES["contact_moments"].make(timezone.now(), 1000)
    assert retention_sweep_task.apply().get()["contact_moments"] == 1
    assert CASES["contact_moments"].done(moment)


@pytest.mark.redis
@pytest.mark.postgres
def test_the_sweep_runs_on_a_real_worker_and_twice_at_once_does_each_record_once(
    celery_workers,
):
    """Two workers take the task at the same moment, in batches of 5: the rows are locked per
    batch (SKIP LOCKED), so together they handle every record and none twice — the counts in
    their audit events add up to exactly the number of records."""
    now = timezone.now()
    moments = [CASES["contact_moments"].make(now, 1000) for _ in range(30)]
    mail = CASES["outbox"].make(now, 1000)
    queue = celery_workers(2, extra_env={"SPORTLOKET_RETENTION_BATCH_SIZE": "5"})

    def handled() -> int:
        return sum(
            e.changes.get("contact_moments", 0)
            for e in AuditEvent.objects.filter(action="retention.sweep")
        )

    for _ in range(2):
        retention_sweep_task.apply_async(queue=queue)
    wait_until(lambda: handled() == 30)
    assert all(CASES["contact_moments"].done(m) for m in moments)
    assert _gone(mail)
    time.sleep(2)  # the slower of the two has finished too: still 30, nothing twice
    assert handled() == 30


# --- No leftovers ------------------------------------------------------------------------------


NAME, EMAIL, PHONE = "Henriëtte Zwanenburg", "henriette.zwanenburg@example.org", "0612345678"


def test_the_scan_reads_every_text_field_of_a_model_it_has_never_seen():
    """The scan is generated from the app registry and the field types: a model added later
    is searched without anyone listing it."""

    @isolate_apps("sportloket")
    def make():
        class Newcomer(models.Model):  # noqa: DJ008
            contact = models.EmailField()
            notes = models.TextField()
            label = models.CharField(max_length=20)
            details = models.JSONField(default=dict)
            phone = PhoneNumberField(blank=True)
            count = models.IntegerField()
            shout = models.GeneratedField(
                expression=Upper("label"), output_field=models.TextField(), db_persist=True
            )
            double = models.GeneratedField(
                expression=models.F("count") * 2,
                output_field=models.IntegerField(),
                db_persist=True,
            )

            class Meta:
                app_label = "sportloket"

        return Newcomer

    assert text_fields(make()) == ["contact", "notes", "label", "details", "phone", "shout"]


def test_the_scan_finds_a_phone_number_in_any_notation():
    provider = ProviderFactory(phone="+31612345678")
    event = audit_record(subject=provider, actor=None, action="x", summary="bel 06-1234 5678")
    hits = personal_data_leftovers([PHONE])
    assert f"providers.Provider#{provider.pk}.phone: {PHONE}" in hits
    assert f"sportloket.AuditEvent#{event.pk}.summary: {PHONE}" in hits


def _register(django_capture_on_commit_callbacks) -> Provider:
    with django_capture_on_commit_callbacks(execute=True):
        return provider_register(
            data={
                "name": "Sportschool Zwaan",
                "kind": "entrepreneur",
                "kvk_number": "55667788",
                "municipality": municipality(),
                "postcode": "3511 AB",
                "city": "Utrecht",
                "contact_name": NAME,
                "email": EMAIL,
                "phone": PHONE,
            },
            source=ProviderSource.INTEREST_FORM,
        ).provider


def test_no_personal_data_of_an_erased_provider_contact_is_left_anywhere(
    django_capture_on_commit_callbacks, policy_staff
):
    """Register through the public path (outbox e-mail, audit trail), then erase: the scan over
    every text column of every model finds neither the name, the address nor the number."""
    provider = _register(django_capture_on_commit_callbacks)
    assert personal_data_leftovers([EMAIL])  # the scan does find the data before the erasure
    provider_erase_personal_data(provider=provider, actor=policy_staff)
    assert personal_data_leftovers([NAME, EMAIL, PHONE]) == []


def test_no_personal_data_is_left_once_everything_about_a_person_has_expired(
    django_capture_on_commit_callbacks,
):
    """A person asks through the public question form (a pending provider is registered with
    their address), gets answers, is handed over, attends a meeting; the question closes. Past
    every period, the sweep leaves nothing of them in any text column of any model."""
    partner = OrganisationFactory(name="Welzijn", email="welzijn@example.org")
    desk = DeskFactory(partner_organisations=[partner])
    supporter = StaffProfileFactory(club_supporter=True, desk=desk).user
    helper = StaffProfileFactory(club_supporter=True, organisation=partner).user
    with django_capture_on_commit_callbacks(execute=True):
        request = desk_services.support_request_submit(
            municipality=municipality(),
            provider_name="Sportschool Zwaan",
            kvk_number="",
            contact_name=NAME,
            email=EMAIL,
            subject=f"Vraag van {NAME}",
            question=f"Bel mij op {PHONE}",
        )
        desk_services.support_request_message(
            request=request, text=f"Dag {NAME}", by=supporter, public=True
        )
        desk_services.support_request_message(
            request=request, text=f"{NAME} belt terug", by=supporter, public=False
        )
        handover = desk_services.handover_create(
            request=request, organisation=partner, note=f"Graag {NAME} bellen", by=supporter
        )
        desk_services.handover_accept(handover=handover, by=helper)
        desk_services.support_request_transition(
            request=request, to=SupportStatus.RESOLVED, by=supporter
        )
        desk_services.support_request_transition(
            request=request, to=SupportStatus.CLOSED, by=supporter
        )
        desk_services.contact_moment_record(
            provider=request.provider,
            desk=desk,
            staff=supporter,
            date=timezone.localdate(),
            channel=ContactChannel.PHONE,
            summary=f"{NAME} gebeld",
        )
    meeting = MeetingFactory(desk=desk, starts_at=timezone.now() - 3 * DAY)
    Attendee.objects.create(meeting=meeting, name=NAME, email=EMAIL, present=True)
    assert {hit.split("#")[0] for hit in personal_data_leftovers([NAME, EMAIL, PHONE])} >= {
        "meetings.SupportRequest",
        "meetings.SupportRequestEvent",
        "meetings.Handover",
        "meetings.ContactMoment",
        "meetings.Attendee",
        "sportloket.OutgoingEmail",
        "sportloket.AuditEvent",
        "providers.Provider",
    }

    # Past every anonymisation period, not yet at the deletion of the audit trail (7 years):
    # the anonymisation itself must have removed the person.
    periods = settings.SPORTLOKET_RETENTION_DAYS
    later = timezone.now() + (max(periods[k] for k in periods if k != "audit_events") + 1) * DAY
    retention_sweep(now=later)

    assert personal_data_leftovers([NAME, EMAIL, PHONE]) == []
    assert Handover.objects.get(pk=handover.pk).status == "accepted"
