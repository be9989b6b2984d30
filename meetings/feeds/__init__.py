"""Private calendar feeds (``webcal://…/agenda/<pk>-<secret>.ics``) of a staff member, a desk
and a POS office: the owner's meetings and, for staff, the deadlines they own (founding steps
on their side, response dates of the questions assigned to them, open agreements in their name)
as all-day events. docs/calendar-feeds.md.

``services`` makes or renews an address (the old one stops working), ``selectors`` finds a
feed by its address and reads what it shows (scoped to what the owner may see now, a fixed
number of queries), ``ics`` writes the calendar with the rule-based Europe/Amsterdam time zone
of the meeting invitations, ``views`` serves the feed (no login: the address is the key; rate
limited; never cached) and the pages that show and renew the addresses.
"""
