"""The network's part of the retention inventory (``sportloket.retention``), registered from
``NetworkConfig.ready``. Its records are kept (the reasons below); it has no sweep rules."""

from __future__ import annotations

from sportloket.retention import NONE, Holding

INVENTORY: dict[str, Holding] = {
    "network.GoalNotice": NONE,
    "network.NeighbourhoodSportCoach": Holding(
        ("name", "email"), "keep while registered: an employee in a professional role"
    ),
    "network.SmartGoal": Holding(("measured_by",), "keep: agreement with the municipality"),
    "network.GoalProgress": Holding(("note",), "keep: staff note on a measurement"),
    "network.DeskCriterionTick": Holding(("evidence",), "keep: staff evidence of a criterion"),
    "network.Signal": Holding(
        ("description",),
        "keep: a theme among providers; a requester's erasure replaces mentions of them "
        "(and in the audit copy)",
    ),
    "network.NewsUpdate": Holding(
        (), "keep: published news (the public archive); written by POS staff, no contact data"
    ),
    "network.NewsSubscription": Holding(
        ("email",),
        "keep while subscribed: unsubscribing (the link in every update) empties the address "
        "at once; the row stays without it for the deliveries it had",
    ),
    "network.NewsDelivery": Holding(
        (),
        "keep: which update went to which subscription and when — no contact data; the "
        "e-mails follow the outbox rules",
    ),
}
