"""Writes of meetings: planning (also from the programme), moving and cancelling, attendance,
minutes and agreements, invitations, and recording a meeting as held (which completes the
founding step of the POS office it belongs to). The sweep of overdue agreements is in
``notices.py``.

Founding steps are completed through ``poskantoor.services`` only; a refusal there
(``PosOfficeError``) rolls the whole recording back, so a meeting is never "held" without its
step when the step could not be completed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from poskantoor import services as pos_services
from poskantoor.constants import OfficeStatus, StepCode
from poskantoor.decisions import services as decision_services
from poskantoor.models import PosOffice
from poskantoor.selectors import open_step, step_plannable
from sportloket.constants import Role
from sportloket.models import Desk
from sportloket.services import DomainError, audit_record, email_queue, model_changes

from ..hooks import AgendaSignal, signals_for_meeting
from ..models import Agreement, Attendee, Meeting
from .constants import (
    FOUNDING_STEP_OF_KIND,
    PRESENTING_KINDS,
    SOCIAL_DOMAIN_ORGANISATION_TYPES,
    START_SESSION_NUMBER,
    AttendeeRole,
    MeetingKind,
    MeetingStatus,
)
from .ics import ics_mimetype, meeting_ics
from .programmes import PROGRAMMES

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Default evening slot of a meeting generated from the programme (local time).
PROGRAMME_START = dt.time(19, 30)
PROGRAMME_DURATION = dt.timedelta(hours=2)

MEETING_FIELDS = [
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "location",
    "online_url",
    "agenda",
    "goals",
    "session_topic",
    "municipality_presented",
]
# Changing one of these moves the meeting: calendars need an update (SEQUENCE + 1).
MOVING_FIELDS = ("starts_at", "ends_at", "location", "online_url")


class MeetingError(DomainError):
    """A refusal about a meeting, with a message fit for the user."""


def _validate(*, data: dict[str, Any], office: PosOffice | None, desk: Desk | None) -> None:
    if (office is None) == (desk is None):
        raise MeetingError(_("A meeting belongs to a POS office or to a desk."))
    if data["ends_at"] <= data["starts_at"]:
        raise MeetingError(_("A meeting must end after it starts."))
    if office is not None and office.status == OfficeStatus.STOPPED:
        raise MeetingError(_("This POS office has stopped."))
    if desk is not None and data["kind"] in FOUNDING_STEP_OF_KIND:
        raise MeetingError(_("Founding meetings belong to a POS office, not to a desk."))


@transaction.atomic
def meeting_create(
    *,
    data: dict[str, Any],
    by: AbstractBaseUser | None,
    office: PosOffice | None = None,
    desk: Desk | None = None,
    today: dt.date | None = None,
) -> Meeting:
    """Plan a meeting. A founding meeting records the planning of its office's step, with the
    meeting as evidence: the introduction call plans 2a ("POS schedules the introduction
    call", which this completes) and 2b, a kartrekkers meeting 3, the start meeting 4, a start
    session 5, the second plenary 6. The planning day is ``data["planned_on"]`` when given
    (a meeting entered afterwards), else today, and never after the meeting's own day. A step
    whose preceding moment is not reached yet is left alone (holding the meeting completes it).
    """
    _validate(data=data, office=office, desk=desk)
    values = {name: data.get(name, "") for name in MEETING_FIELDS}
    if "municipality_presented" not in data:
        values["municipality_presented"] = data["kind"] in PRESENTING_KINDS
    meeting = Meeting.objects.create(
        office=office,
        desk=desk,
        programme_item=data.get("programme_item", ""),
        created_by=by if by is not None and by.is_authenticated else None,
        **values,
    )
    audit_record(subject=meeting, actor=by, action="meeting_planned", summary=meeting.title)
    _year_plan_stale(meeting)
    if office is not None and meeting.kind in FOUNDING_STEP_OF_KIND:
        today = today or timezone.localdate()
        meeting_day = timezone.localtime(meeting.starts_at, AMSTERDAM).date()
        _plan_founding_steps(
            meeting, by=by, on=data.get("planned_on") or min(today, meeting_day), today=today
        )
    return meeting


def _plan_founding_steps(
    meeting: Meeting, *, by: AbstractBaseUser | None, on: dt.date, today: dt.date
) -> None:
    codes = [FOUNDING_STEP_OF_KIND[meeting.kind]]
    if meeting.kind == MeetingKind.INTRO_CALL:
        codes.insert(0, StepCode.INTRO_SCHEDULED)
    note = _("Meeting planned: %(title)s") % {"title": meeting.title}
    for code in codes:
        step = open_step(office=meeting.office, code=code)
        if step is None or step.planned_on is not None or not step_plannable(step=step):
            continue
        pos_services.step_plan(
            step=step, on=on, by=by, evidence=meeting, evidence_note=note, today=today
        )


def _year_plan_stale(meeting: Meeting, *years: int) -> None:
    """The office's year plan of the meeting's year shows this meeting: its PDF is out of
    date (re-rendered after commit). ``years`` adds the year a moved meeting came from."""
    if meeting.office_id is None:
        return
    for year in {timezone.localtime(meeting.starts_at, AMSTERDAM).year, *years}:
        pos_services.year_plan_mark_stale(office=meeting.office, year=year)


def _locked(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("office__municipality", "desk")
        .get(pk=meeting.pk)
    )


@transaction.atomic
def meeting_update(
    *, meeting: Meeting, data: dict[str, Any], by: AbstractBaseUser | None
) -> Meeting:
    """Change a planned meeting. When it moves (time or place), SEQUENCE goes up and everyone
    who had an invitation gets the update (once per sequence, by the outbox key)."""
    meeting = _locked(meeting)
    if meeting.status != MeetingStatus.PLANNED:
        raise MeetingError(_("Only a planned meeting can be changed."))
    merged = {name: data.get(name, getattr(meeting, name)) for name in MEETING_FIELDS}
    _validate(data=merged, office=meeting.office, desk=meeting.desk)
    changes = model_changes(meeting, merged, MEETING_FIELDS)
    if not changes:
        return meeting
    moved = any(name in changes for name in MOVING_FIELDS)
    old_year = timezone.localtime(meeting.starts_at, AMSTERDAM).year
    for name, value in merged.items():
        setattr(meeting, name, value)
    if moved:
        meeting.sequence += 1
    meeting.save()
    audit_record(
        subject=meeting, actor=by, action="meeting_changed", changes=changes, summary=meeting.title
    )
    _year_plan_stale(meeting, old_year)
    if moved:
        _send_invitations(meeting, only_invited=True)
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by: AbstractBaseUser | None) -> Meeting:
    """Cancel a planned meeting; invited attendees receive the cancellation for their calendar."""
    meeting = _locked(meeting)
    if meeting.status != MeetingStatus.PLANNED:
        raise MeetingError(_("Only a planned meeting can be cancelled."))
    meeting.status = MeetingStatus.CANCELLED
    meeting.sequence += 1
    meeting.save(update_fields=["status", "sequence"])
    audit_record(subject=meeting, actor=by, action="meeting_cancelled", summary=meeting.title)
    _year_plan_stale(meeting)
    _send_invitations(meeting, only_invited=True)
    return meeting


# --- Held: completes founding steps ----------------------------------------------------------


@transaction.atomic
def meeting_record_held(
    *,
    meeting: Meeting,
    by: AbstractBaseUser | None,
    decision: str = "",
    stop_reason: str = "",
    conditions_reason: str = "",
    now: dt.datetime | None = None,
) -> Meeting:
    """Record a planned meeting as held on its start date.

    A founding meeting of an office completes its open step through ``poskantoor.services``
    on the meeting's own day (also when it is recorded afterwards) with the meeting as
    evidence: introduction call → 2b (and 2a if still open), kartrekkers meeting → the GO /
    NO-GO ``decision`` recorded for ``by``'s side (it completes step 3 only when the other side
    confirms it, ``poskantoor.decisions``), start meeting → 4, start session n → start session
    n of step 5 (its topic from the meeting), second plenary → 6. A step that is not open
    (already completed) is left alone. Any refusal rolls everything back.
    """
    now = now or timezone.now()
    meeting = _locked(meeting)
    if meeting.status != MeetingStatus.PLANNED:
        raise MeetingError(_("Only a planned meeting can be recorded as held."))
    if meeting.starts_at > now:
        raise MeetingError(_("A meeting cannot be recorded as held before it has started."))
    if meeting.kind == MeetingKind.KARTREKKERS and meeting.office_id and not decision:
        raise MeetingError(_("Record the GO / NO-GO decision of the kartrekkers meeting."))
    meeting.status = MeetingStatus.HELD
    meeting.decision = decision if meeting.kind == MeetingKind.KARTREKKERS else ""
    meeting.save(update_fields=["status", "decision"])
    audit_record(subject=meeting, actor=by, action="meeting_held", summary=meeting.title)
    _year_plan_stale(meeting)
    if meeting.office_id is not None and meeting.kind in FOUNDING_STEP_OF_KIND:
        _complete_founding_step(
            meeting,
            by=by,
            decision=decision,
            stop_reason=stop_reason,
            conditions_reason=conditions_reason,
            today=timezone.localdate(now),
        )
    return meeting


def _complete_founding_step(
    meeting: Meeting,
    *,
    by: AbstractBaseUser | None,
    decision: str,
    stop_reason: str,
    conditions_reason: str,
    today: dt.date,
) -> None:
    office = meeting.office
    held_on = timezone.localtime(meeting.starts_at, AMSTERDAM).date()
    note = _("Meeting held: %(title)s") % {"title": meeting.title}
    if meeting.kind in START_SESSION_NUMBER:
        if open_step(office=office, code=StepCode.START_SESSIONS) is None:
            return
        pos_services.start_session_record(
            office=office,
            number=START_SESSION_NUMBER[meeting.kind],
            topic=meeting.session_topic,
            held_on=held_on,
            by=by,
            evidence_note=note,
            evidence=meeting,
            today=today,
        )
        return
    if meeting.kind == MeetingKind.INTRO_CALL:
        scheduled = open_step(office=office, code=StepCode.INTRO_SCHEDULED)
        if scheduled is not None:
            pos_services.step_complete(
                step=scheduled, on=held_on, by=by, evidence=meeting, evidence_note=note, today=today
            )
    step = open_step(office=office, code=FOUNDING_STEP_OF_KIND[meeting.kind])
    if step is None:
        return
    if meeting.kind == MeetingKind.KARTREKKERS:
        # "Deze lokale kerngroep en POS besluiten gezamenlijk": one side's record, which the
        # other side confirms on the office page.
        decision_services.decision_propose(
            office=office,
            by=by,
            decision=decision,
            decided_on=held_on,
            reason=stop_reason,
            conditions_reason=conditions_reason,
            evidence=meeting,
            today=today,
        )
        return
    pos_services.step_complete(
        step=step,
        on=held_on,
        by=by,
        evidence=meeting,
        evidence_note=note,
        today=today,
    )


# --- Attendance ------------------------------------------------------------------------------


def attendee_role(
    *, user: AbstractBaseUser | None = None, provider=None, organisation=None
) -> AttendeeRole:
    """The attendee's role from what we know of them: a policy staff account is a policy
    maker, a provider is an (entrepreneur) provider, an organisation of welfare, care or
    education is the social domain, a municipality department or sportbedrijf the municipality.
    """
    profile = getattr(user, "staff_profile", None) if user is not None else None
    if profile is not None and profile.role == Role.POLICY_STAFF:
        return AttendeeRole.POLICY_MAKER
    if profile is not None and profile.role == Role.POS_STAFF:
        return AttendeeRole.POS
    if provider is not None:
        return (
            AttendeeRole.ENTREPRENEUR if provider.kind == "entrepreneur" else AttendeeRole.PROVIDER
        )
    organisation = organisation or (profile.organisation if profile is not None else None)
    if organisation is not None:
        if organisation.type in SOCIAL_DOMAIN_ORGANISATION_TYPES:
            return AttendeeRole.SOCIAL_DOMAIN
        if organisation.type in ("municipality", "sportbedrijf"):
            return AttendeeRole.MUNICIPALITY
        if organisation.type == "pos":
            return AttendeeRole.POS
    return AttendeeRole.OTHER


@transaction.atomic
def attendee_add(
    *, meeting: Meeting, data: dict[str, Any], by: AbstractBaseUser | None
) -> Attendee:
    """Invite a person, staff member or provider. The role is derived when not given."""
    meeting = _locked(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError(_("This meeting has been cancelled."))
    provider, user = data.get("provider"), data.get("user")
    organisation = data.get("organisation")
    name = (data.get("name") or "").strip()
    email = (data.get("email") or "").strip().lower()
    if provider is not None:
        name = name or provider.name
        email = email or provider.email.lower()
    if user is not None:
        name = name or user.get_full_name() or user.get_username()
        email = email or user.email.lower()
    if not name:
        raise MeetingError(_("Give the name of the attendee, or choose a provider."))
    same = Q(pk__in=[])
    if provider is not None:
        same |= Q(provider=provider)
    if email:
        same |= Q(email=email)
    if meeting.attendees.filter(same).exists():
        raise MeetingError(_("%(name)s is already on the list of this meeting.") % {"name": name})
    role = data.get("role") or attendee_role(
        user=user, provider=provider, organisation=organisation
    )
    attendee = Attendee.objects.create(
        meeting=meeting,
        name=name,
        email=email,
        role=role,
        user=user,
        provider=provider,
        organisation=organisation,
        present=bool(data.get("present")),
    )
    _refresh_flags(meeting)
    return attendee


def _refresh_flags(meeting: Meeting) -> None:
    present = meeting.attendees.filter(present=True)
    policy = present.filter(
        Q(role=AttendeeRole.POLICY_MAKER) | Q(user__staff_profile__role=Role.POLICY_STAFF)
    ).exists()
    social = present.filter(
        Q(role=AttendeeRole.SOCIAL_DOMAIN)
        | Q(organisation__type__in=SOCIAL_DOMAIN_ORGANISATION_TYPES)
    ).exists()
    Meeting.objects.filter(pk=meeting.pk).update(
        policy_maker_present=policy, social_domain_present=social
    )
    meeting.policy_maker_present, meeting.social_domain_present = policy, social


@transaction.atomic
def attendance_set(
    *, meeting: Meeting, present_ids: set[int], by: AbstractBaseUser | None
) -> Meeting:
    """Mark exactly ``present_ids`` (attendees of this meeting) as present; derive the flags
    "policy maker present" and "social domain present"."""
    meeting = _locked(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError(_("This meeting has been cancelled."))
    if meeting.starts_at > timezone.now():
        raise MeetingError(_("Attendance can be recorded once the meeting has started."))
    own = set(meeting.attendees.values_list("pk", flat=True))
    if not present_ids <= own:
        raise MeetingError(_("Choose attendees of this meeting."))
    meeting.attendees.filter(pk__in=present_ids).update(present=True)
    meeting.attendees.exclude(pk__in=present_ids).update(present=False)
    _refresh_flags(meeting)
    audit_record(
        subject=meeting,
        actor=by,
        action="attendance_recorded",
        summary=_("%(n)d present") % {"n": len(present_ids)},
    )
    return meeting


# --- Minutes and agreements ------------------------------------------------------------------


@transaction.atomic
def meeting_minutes_save(*, meeting: Meeting, minutes: str, by: AbstractBaseUser | None) -> Meeting:
    meeting = _locked(meeting)
    changes = model_changes(meeting, {"minutes": minutes.strip()})
    meeting.minutes = minutes.strip()
    meeting.save(update_fields=["minutes"])
    if changes:
        audit_record(subject=meeting, actor=by, action="minutes_saved", summary=meeting.title)
    return meeting


def signal_agenda_line(signal: AgendaSignal) -> str:
    return _("Signal (%(theme)s): %(description)s") % {
        "theme": signal.theme.name,
        "description": " ".join(signal.description.split()),
    }


@transaction.atomic
def meeting_agenda_add_signal(
    *, meeting: Meeting, signal: AgendaSignal, by: AbstractBaseUser | None
) -> Meeting:
    """Put a strategic signal on a planned meeting's agenda (one line; idempotent).

    Only a signal of the meeting's own network may go on it (``signals_for_meeting``).
    """
    meeting = _locked(meeting)
    if meeting.status != MeetingStatus.PLANNED:
        raise MeetingError(_("Only the agenda of a planned meeting can be changed."))
    if signal.pk not in {s.pk for s in signals_for_meeting(meeting=meeting, limit=1000)}:
        raise MeetingError(_("This signal does not belong to this meeting's network."))
    line = signal_agenda_line(signal)
    if line in meeting.agenda.splitlines():
        return meeting
    agenda = f"{meeting.agenda.rstrip()}\n{line}".strip()
    if len(agenda) > Meeting._meta.get_field("agenda").max_length:
        raise MeetingError(_("The agenda is full; shorten it first."))
    meeting.agenda = agenda
    meeting.save(update_fields=["agenda"])
    audit_record(subject=meeting, actor=by, action="signal_on_agenda", summary=line)
    return meeting


@transaction.atomic
def agreement_add(
    *, meeting: Meeting, data: dict[str, Any], by: AbstractBaseUser | None
) -> Agreement:
    """An agreement or cooperation project on a target group or theme, with owner and date."""
    meeting = _locked(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError(_("This meeting has been cancelled."))
    if not (data.get("description") or "").strip() or not (data.get("owner_name") or "").strip():
        raise MeetingError(_("Describe the agreement and name its owner."))
    agreement = Agreement.objects.create(
        meeting=meeting,
        kind=data["kind"],
        description=data["description"].strip(),
        target_group=data.get("target_group"),
        theme=data.get("theme"),
        owner_name=data["owner_name"].strip(),
        owner_email=(data.get("owner_email") or "").strip(),
        due_on=data["due_on"],
    )
    audit_record(
        subject=meeting, actor=by, action="agreement_added", summary=agreement.description[:200]
    )
    return agreement


@transaction.atomic
def agreement_done(
    *, agreement: Agreement, by: AbstractBaseUser | None, on: dt.date | None = None
) -> Agreement:
    updated = Agreement.objects.filter(pk=agreement.pk, done_on__isnull=True).update(
        done_on=on or timezone.localdate()
    )
    if not updated:
        raise MeetingError(_("This agreement is already done."))
    agreement.refresh_from_db()
    audit_record(
        subject=agreement.meeting,
        actor=by,
        action="agreement_done",
        summary=agreement.description[:200],
    )
    return agreement


# --- Invitations -----------------------------------------------------------------------------


def attendee_greeting_name(attendee: Attendee) -> str:
    """Whom the invitation greets: a person, not an organisation. A provider invited under
    its own name is greeted through its contact person; without one, the greeting stays
    general (the template says "Beste genodigde")."""
    provider, organisation = attendee.provider, attendee.organisation
    if provider is not None and attendee.name == provider.name:
        return provider.contact_name
    if organisation is not None and attendee.name == organisation.name:
        return ""
    return attendee.name


def _send_invitations(meeting: Meeting, *, only_invited: bool) -> int:
    """Queue the .ics to attendees with an e-mail address who have not had this sequence yet;
    idempotent on (meeting, sequence, attendee). Call inside an atomic block."""
    attendees = (
        meeting.attendees.select_related("provider", "organisation")
        .exclude(email="")
        .filter(Q(invited_sequence__lt=meeting.sequence) | Q(invited_sequence__isnull=True))
    )
    if only_invited:
        attendees = attendees.filter(invited_sequence__isnull=False)
    attendees = list(attendees)
    if not attendees:
        return 0
    ics = meeting_ics(
        meeting, attendee_emails=[a.email for a in meeting.attendees.exclude(email="")]
    )
    for attendee in attendees:
        email_queue(
            key=f"meeting-invite:{meeting.pk}:{meeting.sequence}:{attendee.pk}",
            to=[attendee.email],
            template="meetings/emails/meeting_invite",
            context={
                "meeting": meeting,
                "attendee": attendee,
                "greeting_name": attendee_greeting_name(attendee),
                "update": meeting.sequence > 0,
            },
            attachments=[
                {"filename": "uitnodiging.ics", "content": ics, "mimetype": ics_mimetype(meeting)}
            ],
        )
    Attendee.objects.filter(pk__in=[a.pk for a in attendees]).update(
        invited_sequence=meeting.sequence
    )
    return len(attendees)


@transaction.atomic
def meeting_invite(*, meeting: Meeting, by: AbstractBaseUser | None) -> int:
    """Send the invitation to everyone on the list who has not got the current one yet.
    Returns how many invitations were queued."""
    meeting = _locked(meeting)
    if meeting.status != MeetingStatus.PLANNED:
        raise MeetingError(_("Only a planned meeting can be sent as an invitation."))
    sent = _send_invitations(meeting, only_invited=False)
    if sent:
        audit_record(
            subject=meeting,
            actor=by,
            action="invitations_sent",
            summary=_("%(n)d invitations sent") % {"n": sent},
        )
    return sent


# --- Programme -------------------------------------------------------------------------------


@transaction.atomic
def programme_generate(
    *,
    office: PosOffice,
    programme: str,
    year: int,
    include_optional: bool,
    by: AbstractBaseUser | None,
) -> list[Meeting]:
    """Plan a year's meetings from a programme template (seed 000 §5): one planned meeting per
    item in its default month (first Tuesday, 19:30-21:30 Amsterdam time), with the item's
    goals. Items already planned for this office in that year are skipped, so generating twice
    changes nothing. Returns the new meetings."""
    if programme not in PROGRAMMES:
        raise MeetingError(_("Choose a programme."))
    if office.status == OfficeStatus.STOPPED:
        raise MeetingError(_("This POS office has stopped."))
    template = PROGRAMMES[programme]
    start, end = year_bounds(year)
    existing = set(
        office.meetings.filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(programme_item="")
        .values_list("programme_item", flat=True)
    )
    created = []
    for item in template.items:
        if item.code in existing or (item.optional and not include_optional):
            continue
        day = dt.date(year, item.month, 1)
        day += dt.timedelta(days=(1 - day.weekday()) % 7)  # first Tuesday
        starts_at = dt.datetime.combine(day, PROGRAMME_START, tzinfo=AMSTERDAM)
        created.append(
            meeting_create(
                office=office,
                by=by,
                data={
                    "kind": item.kind,
                    "title": str(item.title),
                    "starts_at": starts_at,
                    "ends_at": starts_at + PROGRAMME_DURATION,
                    "goals": "\n".join(f"- {goal}" for goal in item.goals),
                    "agenda": str(template.purpose),
                    "programme_item": item.code,
                },
            )
        )
    return created


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """[1 January, next 1 January) of ``year`` in Amsterdam time, as aware datetimes."""
    return (
        dt.datetime(year, 1, 1, tzinfo=AMSTERDAM),
        dt.datetime(year + 1, 1, 1, tzinfo=AMSTERDAM),
    )
