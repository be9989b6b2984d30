"""The module Celery autodiscovers: importing the areas' tasks registers them under their
``meetings.tasks.<name>`` names."""

from .portal.tasks import portal_sign_in_send, portal_sign_in_sweep
from .programme.tasks import agreements_overdue_notices, guideline_reached_refresh
from .support.tasks import (
    desk_overviews,
    desk_stats_refresh,
    support_deadline_notices,
    support_handover_reminders,
    support_handovers_expire,
)

__all__ = [
    "agreements_overdue_notices",
    "desk_overviews",
    "desk_stats_refresh",
    "guideline_reached_refresh",
    "portal_sign_in_send",
    "portal_sign_in_sweep",
    "support_deadline_notices",
    "support_handover_reminders",
    "support_handovers_expire",
]
