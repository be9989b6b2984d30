"""Two-factor login for staff (TOTP, django-otp), as OWASP ASVS level 2 asks.

With ``SPORTLOKET_REQUIRE_2FA`` on (production default), a logged-in user who has not passed
the second factor in this session can only reach the enrolment page (no app yet: scan a QR
code, confirm with a code), the verification page (the code of their app, or a recovery code)
and log out. The QR code is drawn on the server as SVG (no external service sees the secret) and
shown as a data: image together with the secret in text, for people who cannot scan.

Recovery codes (``sportloket.models.RecoveryCodeDevice``): ten single-use codes made when the
app is confirmed, shown once, stored only as keyed hashes. A new set (which voids the old one)
needs a current code of the app. One throttle guards both kinds of code: every wrong code, of
either kind, doubles the wait before the next try (django-otp's back-off: 1, 2, 4, … s), and the
verification POSTs share the login rate limit. An administrator can reset a person's second
factor (``two_factor_reset``) so that someone who lost both phone and codes can enrol again.

A new phone needs no administrator: a verified session moves two-step login to a new app with
the account password and the new app's code (``two_factor_replace``); the old app stops working.

The package follows the app layout: ``constants`` (URL names and recovery-code shape),
``selectors`` (reads), ``services`` (writes; refusals are ``DomainError``), ``forms``,
``views``, ``urls`` and ``middleware`` (the gate that sends unverified staff to the second
step). Its templates stay under ``templates/sportloket/otp_*.html``.
"""
