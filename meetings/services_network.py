"""Writes for the desk as network coordination point: strategic signals (seed 001)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sportloket.models import Desk, Theme
from sportloket.selectors import desk_list
from sportloket.services import DomainError, audit_record

from .constants import SignalSource
from .models import Signal


@transaction.atomic
def signal_record(
    *,
    desk: Desk,
    theme: Theme,
    description: str,
    source: str,
    recorded_on: dt.date,
    by: AbstractBaseUser,
    today: dt.date | None = None,
) -> Signal:
    """Record a signal for the strategic agenda of a desk in the user's scope."""
    if not desk_list(user=by).filter(pk=desk.pk).exists():
        raise DomainError(_("You cannot record signals for this desk."))
    if source not in SignalSource.values:
        raise DomainError(_("Choose where the signal comes from."))
    if not description.strip():
        raise DomainError(_("Describe the signal."))
    if recorded_on > (today or timezone.localdate()):
        raise DomainError(_("The date cannot be in the future."))
    signal = Signal.objects.create(
        desk=desk,
        theme=theme,
        description=description.strip(),
        source=source,
        recorded_on=recorded_on,
        recorded_by=by,
    )
    audit_record(subject=signal, actor=by, action="signal_recorded", summary=str(signal))
    return signal
