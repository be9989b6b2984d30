"""The meeting programme of a POS office (seed 000 §5), as templates to plan a year from.

The seed calls it "a guideline for inspiration": the order and contents may differ per office,
so generated meetings are ordinary planned meetings that can be edited afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .constants import MeetingKind


@dataclass(frozen=True)
class ProgrammeItem:
    code: str
    kind: MeetingKind
    title: Promise
    goals: tuple[Promise, ...]
    month: int  # month of the year in which the meeting is planned by default
    optional: bool = False


@dataclass(frozen=True)
class Programme:
    code: str
    title: Promise
    purpose: Promise
    items: tuple[ProgrammeItem, ...]


PROGRAMMES: dict[str, Programme] = {
    p.code: p
    for p in (
        Programme(
            "year_1",
            _("Year 1"),
            _("Getting to know each other and the local network, and making use of it"),
            (
                ProgrammeItem(
                    "y1_start",
                    MeetingKind.START_MEETING,
                    _("Start meeting"),
                    (_("Getting acquainted"),),
                    3,
                ),
                ProgrammeItem(
                    "y1_goals",
                    MeetingKind.MUNICIPAL_GOALS,
                    _("Presentation of goals, activities and schemes of the municipality"),
                    (
                        _("Finding overlap with the target groups and themes of entrepreneurs"),
                        _("Mapping shared goals of municipality, sportbedrijf and entrepreneurs"),
                        _("Initiating concrete cooperation projects"),
                    ),
                    6,
                ),
                ProgrammeItem(
                    "y1_cooperation",
                    MeetingKind.COOPERATION_SESSION,
                    _("Work session on local cooperation"),
                    (
                        _(
                            "Insight into relevant and potential local partners and national "
                            "projects"
                        ),
                        _("Concrete tools for setting up joint social projects"),
                        _("Initiating concrete projects"),
                    ),
                    10,
                ),
            ),
        ),
        Programme(
            "year_2",
            _("Year 2"),
            _("Vital and social sport providers"),
            (
                ProgrammeItem(
                    "y2_new_year",
                    MeetingKind.NEW_YEAR,
                    _("New-year reception, inspiration and update of municipal goals"),
                    (
                        _("Maintaining contacts and welcoming new members"),
                        _("Update from the municipality on this year's priorities"),
                    ),
                    1,
                ),
                ProgrammeItem(
                    "y2_funds",
                    MeetingKind.FUNDS,
                    _("Funds"),
                    (
                        _("Showing which funds exist for which target groups"),
                        _("Making shared goals visible"),
                        _("Agreements on cooperation on specific goals, target groups or themes"),
                    ),
                    4,
                ),
                ProgrammeItem(
                    "y2_accommodations",
                    MeetingKind.ACCOMMODATIONS,
                    _("Accommodations and rates"),
                    (
                        _("Wishes, needs and problems around accommodations"),
                        _("Exploring shared use of accommodations"),
                        _("Exploring rent at a social rate for social projects"),
                    ),
                    9,
                ),
                ProgrammeItem(
                    "y2_training",
                    MeetingKind.TRAINING,
                    _("Training"),
                    (
                        _("Which training is needed"),
                        _("Exploring cooperation in training"),
                        _("Agreements on buying training together"),
                    ),
                    11,
                    optional=True,
                ),
            ),
        ),
        Programme(
            "extra",
            _("Extra meetings (optional)"),
            _("Extra expertise or exchange"),
            (
                ProgrammeItem(
                    "x_exchange",
                    MeetingKind.EXCHANGE,
                    _("Exchange between POS offices"),
                    (
                        _("Exchanging experiences, best practices and challenges"),
                        _("Arriving together at what works and at solutions"),
                        _("Inspiration for what comes next"),
                    ),
                    5,
                    optional=True,
                ),
                ProgrammeItem(
                    "x_expertise",
                    MeetingKind.EXTERNAL_EXPERTISE,
                    _("Buying in external expertise"),
                    (_("Specific knowledge on a theme of choice"),),
                    9,
                    optional=True,
                ),
                ProgrammeItem(
                    "x_evaluation",
                    MeetingKind.EVALUATION,
                    _("Evaluation of the process and the result of the POS office"),
                    (
                        _("What did and did not work well"),
                        _("Wishes, needs and opportunities for what comes next"),
                    ),
                    12,
                    optional=True,
                ),
            ),
        ),
    )
}

PROGRAMME_CHOICES = [(p.code, p.title) for p in PROGRAMMES.values()]
