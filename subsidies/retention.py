"""The subsidies' part of the retention inventory (``sportloket.retention``), registered from
``SubsidiesConfig.ready``. Its records are kept (the reasons below); it has no sweep rules."""

from __future__ import annotations

from sportloket.retention import NONE, Holding

INVENTORY: dict[str, Holding] = {
    "subsidies.Scheme": NONE,
    "subsidies.SchemeShare": Holding(
        (),
        "keep: who received which scheme (provider, staff member, the provider's kind and "
        "municipality) — no contact data; the e-mails follow the outbox rules",
    ),
    "subsidies.SchemeShareTally": NONE,
    "subsidies.EntrepreneurReach": Holding(
        (),
        "keep: derived from the shares (which entrepreneur received a scheme in which year "
        "and municipality) — no contact data; goes with its provider",
    ),
    "subsidies.DigestMark": NONE,
    "subsidies.DigestOptOut": Holding((), "keep: needed to honour the opt-out"),
    "subsidies.DigestNotice": Holding(
        (),
        "keep: which digest went to which provider and when — no contact data; the e-mails "
        "follow the outbox rules",
    ),
    "subsidies.Budget": NONE,
    "subsidies.Allocation": Holding(
        ("rationale", "withdrawal_reason", "reference"),
        "keep: decision on public money (transparency); archived by the municipality; a "
        "requester's erasure replaces mentions of them (also in the audit copy and the CSV)",
    ),
}
